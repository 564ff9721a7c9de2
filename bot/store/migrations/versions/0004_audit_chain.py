"""The audit log's approval and reason, and its hash chain.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from bot.store.audit import GENESIS_HASH, row_hash
from bot.store.tables import UtcDateTime

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

# The rows as the hash reads them; the table's own declaration may move on after this revision.
_AUDIT_LOG = sa.table(
    "audit_log",
    sa.column("id", sa.BigInteger()),
    sa.column("at", UtcDateTime()),
    *(
        sa.column(name, sa.String())
        for name in ("actor", "channel", "tenant", "command", "target", "outcome", "detail")
    ),
    sa.column("graph_request_ids", sa.JSON()),
    *(sa.column(name, sa.String()) for name in ("correlation_id", "approval", "reason")),
    sa.column("prev_hash", sa.String()),
    sa.column("hash", sa.String()),
)
# The backfill must update rows the append-only triggers guard; they are set aside inside
# this migration's transaction only, so no other writer ever sees the table unguarded.
_SET_ASIDE = {
    "sqlite": "DROP TRIGGER audit_log_refuse_update",
    "postgresql": "ALTER TABLE audit_log DISABLE TRIGGER audit_log_refuse_change",
}
_RESTORE = {
    # As revision 0001 created it.
    "sqlite": """
    CREATE TRIGGER audit_log_refuse_update BEFORE UPDATE ON audit_log
    BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END
    """,
    "postgresql": "ALTER TABLE audit_log ENABLE TRIGGER audit_log_refuse_change",
}


def upgrade() -> None:
    op.add_column("audit_log", sa.Column("approval", sa.String(320), nullable=True))
    op.add_column("audit_log", sa.Column("reason", sa.Text(), nullable=True))
    # SQLite adds a NOT NULL column only with a default; the backfill replaces it at once.
    for name in ("prev_hash", "hash"):
        op.add_column(
            "audit_log", sa.Column(name, sa.String(64), nullable=False, server_default="")
        )
    dialect = op.get_bind().dialect.name
    op.execute(_SET_ASIDE[dialect])
    _backfill_hashes()
    op.execute(_RESTORE[dialect])
    if dialect == "postgresql":
        for name in ("prev_hash", "hash"):
            op.alter_column("audit_log", name, server_default=None)
    op.create_index("ix_audit_log_hash", "audit_log", ["hash"], unique=True)


def downgrade() -> None:
    op.drop_index("ix_audit_log_hash", table_name="audit_log")
    for name in ("hash", "prev_hash", "reason", "approval"):
        op.execute(f"ALTER TABLE audit_log DROP COLUMN {name}")


def _backfill_hashes() -> None:
    connection = op.get_bind()
    previous = GENESIS_HASH
    rows = connection.execute(sa.select(_AUDIT_LOG).order_by(_AUDIT_LOG.c.id)).mappings().all()
    for row in rows:
        current = row_hash({**row, "prev_hash": previous})
        connection.execute(
            sa.update(_AUDIT_LOG)
            .where(_AUDIT_LOG.c.id == row["id"])
            .values(prev_hash=previous, hash=current)
        )
        previous = current
