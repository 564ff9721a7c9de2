"""Every table Deskhand stores, declared once with SQLAlchemy Core.

Adding a table: declare it here on `metadata`, then write the next migration in
`bot/store/migrations/versions/` (the test comparing migrations with this module fails until
both agree). Repository functions live in their own module (`audit.py`) and return dataclasses.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Dialect,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
    text,
)

__all__ = [
    "UtcDateTime",
    "audit_log",
    "conversation_references",
    "deliveries",
    "digest_runs",
    "digest_sends",
    "digest_snapshots",
    "follow_ups",
    "inbox",
    "job_steps",
    "metadata",
    "pending_actions",
    "replica_leases",
    "role_grants",
    "tenant_guards",
]

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

# SQLite only auto-increments an INTEGER PRIMARY KEY; PostgreSQL gets a BIGINT identity.
BigId = BigInteger().with_variant(Integer(), "sqlite")


class UtcDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in, aware UTC datetimes out, on both engines.

    SQLite keeps no offset, so values are stored there as naive UTC; naive input is refused
    because its zone would be a guess.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("UtcDateTime needs an aware datetime")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


audit_log = Table(
    "audit_log",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("at", UtcDateTime(), nullable=False),
    Column("actor", String(320), nullable=False),
    Column("channel", String(32), nullable=False),
    Column("tenant", String(64), nullable=True),
    Column("command", String(64), nullable=False),
    Column("target", String(512), nullable=True),
    Column("outcome", String(16), nullable=False),
    Column("detail", Text(), nullable=False),
    Column("graph_request_ids", JSON(), nullable=False),
    Column("correlation_id", String(64), nullable=False),
    # Who approved or denied the action, and why, when it needed approval.
    Column("approval", String(320), nullable=True),
    Column("reason", Text(), nullable=True),
    # The hash chain (bot/store/audit.py): a row edited, removed or inserted breaks it.
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
    # Keyed rows: the row's place in the chain (a gap is a removed row) and the signing key's id.
    Column("seq", BigInteger(), nullable=True),
    Column("key_id", String(32), nullable=True),
    Index("ix_audit_log_hash", "hash", unique=True),
    Index("ix_audit_log_seq", "seq", unique=True),
    # `/audit --tenant --user --since`: each filter narrows by equality, then by time.
    Index("ix_audit_log_at", "at"),
    Index("ix_audit_log_tenant_at", "tenant", "at"),
    Index("ix_audit_log_actor_at", "actor", "at"),
    Index("ix_audit_log_target_at", "target", "at"),
)


deliveries = Table(
    "deliveries",
    metadata,
    # A digest of what makes an inbound request unique (Slack's event id, a signature); the
    # primary key makes "first one wins" a single INSERT, across replicas.
    Column("key", String(128), primary_key=True),
    Column("seen_at", UtcDateTime(), nullable=False),
    Index("ix_deliveries_seen_at", "seen_at"),
)

follow_ups = Table(
    "follow_ups",
    metadata,
    # What a button does, kept here so the button itself carries only this unguessable id.
    Column("id", String(64), primary_key=True),
    Column("command", Text(), nullable=False),
    Column("tenant", String(64), nullable=True),
    Column("created_by", String(320), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("expires_at", UtcDateTime(), nullable=False),
    Index("ix_follow_ups_expires_at", "expires_at"),
)

conversation_references = Table(
    "conversation_references",
    metadata,
    # Where Deskhand may post later without being asked (approvers' channels, digests): the
    # platform's own reference to the conversation, kept as it gave it.
    Column("channel", String(16), primary_key=True),
    Column("conversation_id", String(512), primary_key=True),
    Column("reference", JSON(), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
)

pending_actions = Table(
    "pending_actions",
    metadata,
    # Destructive commands waiting for a confirmation or an approval (bot/approvals/desk.py). The id
    # is unguessable: a button carries only it. Every state move is one compare-and-set UPDATE.
    Column("id", String(64), primary_key=True),
    Column("command", String(64), nullable=False),
    # The validated arguments, never a secret (a typed password is not kept here).
    Column("args", JSON(), nullable=False),
    Column("tenant", String(64), nullable=False),
    Column("requester", String(320), nullable=False),
    Column("requester_email", String(320), nullable=False),
    Column("requester_name", String(256), nullable=False),
    Column("channel", String(32), nullable=False),
    # Where the requester is told the outcome: the channel adapter's own, opaque address.
    Column("return_address", JSON(), nullable=False),
    Column("plan", JSON(), nullable=False),
    Column("policy", String(16), nullable=False),
    Column("reason", Text(), nullable=True),
    Column("state", String(16), nullable=False),
    Column("decided_by", String(320), nullable=True),
    Column("decided_via", String(32), nullable=True),
    Column("decision_reason", Text(), nullable=True),
    Column("decided_at", UtcDateTime(), nullable=True),
    Column("result", Text(), nullable=True),
    # The approval cards posted for it (adapter-opaque references), edited as it moves on.
    Column("cards", JSON(), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("expires_at", UtcDateTime(), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
    Column("reminded_at", UtcDateTime(), nullable=True),
    # The Graph and Exchange writes a running action sent (method, path, client-request-id;
    # never a body), stored before each is sent: after a crash they are what it may have done.
    Column("writes", JSON(), nullable=False, server_default=text("'[]'")),
    # Expiry sweeps read by state and time; rate limits count by person (e-mail, else actor id)
    # or tenant, and time.
    Index("ix_pending_actions_state_expires_at", "state", "expires_at"),
    Index("ix_pending_actions_requester_created_at", "requester", "created_at"),
    Index("ix_pending_actions_requester_email_created_at", "requester_email", "created_at"),
    Index("ix_pending_actions_tenant_created_at", "tenant", "created_at"),
)

role_grants = Table(
    "role_grants",
    metadata,
    # Roles given with `/grant`, beside those in the configuration; `who` is an e-mail address
    # (lower case) or an actor id, `tenant` a tenant name or "*".
    Column("who", String(320), nullable=False),
    Column("tenant", String(64), nullable=False),
    Column("role", String(16), nullable=False),
    Column("granted_by", String(320), nullable=False),
    Column("granted_at", UtcDateTime(), nullable=False),
    UniqueConstraint("who", "tenant", "role"),
    Index("ix_role_grants_who", "who"),
)

tenant_guards = Table(
    "tenant_guards",
    metadata,
    # A tenant listed here with `destructive_enabled` false refuses every destructive action.
    Column("tenant", String(64), primary_key=True),
    Column("destructive_enabled", Boolean(), nullable=False),
    Column("changed_by", String(320), nullable=False),
    Column("changed_at", UtcDateTime(), nullable=False),
    Column("note", Text(), nullable=False),
)

job_steps = Table(
    "job_steps",
    metadata,
    # The steps of a confirmed action that runs as a job (bot/jobs), one row each, moved as the
    # job runs: what the progress card shows. DBOS keeps the checkpoints; this is the view.
    Column("action_id", String(64), primary_key=True),
    Column("key", String(200), primary_key=True),
    Column("position", Integer(), nullable=False),
    Column("label", Text(), nullable=False),
    Column("after", JSON(), nullable=False),
    Column("state", String(16), nullable=False),
    Column("attempts", Integer(), nullable=False, server_default=text("0")),
    Column("detail", Text(), nullable=False, server_default=text("''")),
    Column("error", Text(), nullable=False, server_default=text("''")),
    # What undo needs to put the change back (ids and earlier values; never a secret).
    Column("undo", JSON(), nullable=False, server_default=text("'{}'")),
    Column("started_at", UtcDateTime(), nullable=True),
    Column("finished_at", UtcDateTime(), nullable=True),
    Column("undone_at", UtcDateTime(), nullable=True),
)

replica_leases = Table(
    "replica_leases",
    metadata,
    # Each running Deskhand process that runs jobs renews its lease; a live one recovers the
    # jobs of a process whose lease ran out (self-hosted DBOS has no heartbeat of its own).
    Column("executor_id", String(128), primary_key=True),
    Column("role", String(32), nullable=False),
    Column("host", String(256), nullable=False),
    Column("pid", Integer(), nullable=False),
    Column("app_version", String(64), nullable=False),
    Column("started_at", UtcDateTime(), nullable=False),
    Column("renewed_at", UtcDateTime(), nullable=False),
    Column("expires_at", UtcDateTime(), nullable=False),
    Index("ix_replica_leases_expires_at", "expires_at"),
)

inbox = Table(
    "inbox",
    metadata,
    # Chat requests acknowledged and not answered yet (bot/process/inbox.py): after a crash, the
    # person is told. `owner` is the executor id of the process that acknowledged it; `summary`
    # is what was asked, never a secret; `return_address` the channel's own, opaque address.
    Column("id", String(64), primary_key=True),
    Column("owner", String(256), nullable=False),
    Column("channel", String(16), nullable=False),
    Column("person", String(320), nullable=False),
    Column("person_name", String(256), nullable=False),
    Column("summary", String(200), nullable=False),
    Column("return_address", JSON(), nullable=False),
    Column("received_at", UtcDateTime(), nullable=False),
    Index("ix_inbox_owner_received_at", "owner", "received_at"),
)

digest_snapshots = Table(
    "digest_snapshots",
    metadata,
    # One tenant's digest figures per kind and day (bot/store/trends.py): what the next digest
    # shows its change against, and the trend chart's points. `flagged` holds the UPNs behind
    # the counts, so the change can name who came and went.
    Column("tenant", String(64), primary_key=True),
    Column("kind", String(16), primary_key=True),
    Column("day", Date(), primary_key=True),
    Column("metrics", JSON(), nullable=False),
    Column("flagged", JSON(), nullable=False),
    Column("taken_at", UtcDateTime(), nullable=False),
)

digest_runs = Table(
    "digest_runs",
    metadata,
    # One scheduled digest run (bot/schedules/): the reply its command gave, kept so that each
    # send step sends the same message whichever process runs it. `run_id` is the DBOS
    # workflow id; `outcome` is "ready" or the reason it stopped (a lost role, say).
    Column("run_id", String(200), primary_key=True),
    Column("schedule", String(64), nullable=False),
    Column("slot", UtcDateTime(), nullable=False),
    Column("reply", JSON(), nullable=False),
    Column("outcome", Text(), nullable=False, server_default=text("''")),
    Column("created_at", UtcDateTime(), nullable=False),
    Index("ix_digest_runs_schedule_slot", "schedule", "slot"),
)

digest_sends = Table(
    "digest_sends",
    metadata,
    # The send ledger: one row per message of a run, planned → sending (written BEFORE the
    # message goes out) → sent | unknown | failed. A resumed send that finds "sending" asks the
    # channel whether the message (carrying its mark) went out, and never sends twice.
    Column("schedule", String(64), nullable=False),
    Column("slot", UtcDateTime(), nullable=False),
    Column("recipient", String(400), nullable=False),
    Column("run_id", String(200), nullable=False),
    Column("state", String(16), nullable=False),
    Column("reply", JSON(), nullable=False),
    Column("message_ref", JSON(), nullable=False, server_default=text("'{}'")),
    Column("detail", Text(), nullable=False, server_default=text("''")),
    Column("started_at", UtcDateTime(), nullable=True),
    Column("ended_at", UtcDateTime(), nullable=True),
    UniqueConstraint("schedule", "slot", "recipient"),
    Index("ix_digest_sends_run_id", "run_id"),
)
