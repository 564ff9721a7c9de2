"""A whole Deskhand on the sandbox, driven as people drive it: typed lines and button clicks.

`World` holds a started runtime (sandbox Microsoft 365, the store on SQLite or PostgreSQL),
Slack and Teams notifiers that remember what the approvals desk posted, edited and told, and a
clock the test moves. Its helpers read what happened where it happened: the sandbox's request
log and directory, the store's audit log and pending actions.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bot.approvals.notify import Notifiers
from bot.config import load_settings
from bot.pipeline.invocation import Invocation
from bot.process.runtime import Runtime, open_runtime
from bot.store import AuditRecord, list_audit
from bot.store.pending import ActionState, load_action
from cards.reply import Reply
from commands.kit.context import Actor
from sandbox import Sandbox
from sandbox.model import User
from sandbox.recording import RecordedRequest
from tests.approvals.desk_world import RecordingNotifier

__all__ = [
    "ADMIN",
    "APPROVER",
    "APPROVERS_CHANNEL",
    "APPROVERS_CONVERSATION",
    "OPERATOR",
    "TECH",
    "Clock",
    "World",
    "open_world",
    "text_of",
]

TECH = Actor("slack:T1:U1", "Tess Tech", "tess@msp.example")
APPROVER = Actor("slack:T1:U2", "Abe Approver", "abe@msp.example")
ADMIN = Actor("teams:aad-9", "Ada Admin", "ada@msp.example")
OPERATOR = Actor("console:ops", "Otto Operator")
APPROVERS_CHANNEL = "CAPPROVE1"
APPROVERS_CONVERSATION = "19:approvers@thread.tacv2"
TECH_ADDRESS = {"user": "U1", "channel": "D0TESS"}
"""Where Slack can tell Tess something privately later (her direct message with Deskhand)."""

GRANTS = [
    {"who": TECH.email, "tenant": "*", "roles": ["technician"]},
    {"who": APPROVER.email, "tenant": "*", "roles": ["approver"]},
    {"who": ADMIN.email, "tenant": "*", "roles": ["admin"]},
]
ROUTE = {
    "slack_channel": APPROVERS_CHANNEL,
    "teams_conversation": APPROVERS_CONVERSATION,
    "approvers": [APPROVER.email],
    "break_glass": ["megan.bowen@contoso.com"],
}


@dataclass
class Clock:
    """The approvals desk's clock; it moves only when the test moves it."""

    now: datetime = field(default_factory=lambda: datetime.now(UTC))

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@dataclass
class World:
    runtime: Runtime
    slack: RecordingNotifier
    teams: RecordingNotifier
    clock: Clock

    @property
    def sandbox(self) -> Sandbox:
        assert self.runtime.sandbox is not None
        return self.runtime.sandbox

    async def ask(self, actor: Actor, line: str, *, private: bool = True) -> Reply:
        """`actor` types `line` (a slash command is private to its typer, as in Slack)."""
        return await self.runtime.router.handle(
            Invocation(
                channel=_channel(actor),
                actor=actor,
                text=line,
                private=private,
                return_address=_address(actor),
            )
        )

    async def click(
        self, actor: Actor, action: str, values: Mapping[str, str] | None = None
    ) -> Reply:
        """`actor` clicks a button (or submits a form) carrying `action`."""
        return await self.runtime.router.handle(
            Invocation(
                channel=_channel(actor),
                actor=actor,
                text="",
                action=action,
                values=dict(values or {}),
            )
        )

    def approval_posts(self) -> list[tuple[str, Reply]]:
        return [*self.slack.posts, *self.teams.posts]

    def told(self) -> list[Reply]:
        """What the requester was told later, in whichever channel they asked from."""
        return [reply for _, reply in [*self.slack.told, *self.teams.told]]

    def writes(self) -> list[RecordedRequest]:
        """Every change Graph was asked for: no token requests, no `$batch` (only reads)."""
        return [
            r
            for r in self.sandbox.requests
            if r.method in ("PATCH", "POST", "DELETE", "PUT")
            and r.path.startswith(("/v1.0/", "/beta/"))
            and not r.path.endswith("$batch")
        ]

    def user(self, upn: str) -> User:
        """The sandbox's record of a user, as the directory holds it now."""
        directory = self.sandbox.tenant("contoso").directory
        return next(u for u in directory.users.values() if u.user_principal_name == upn)

    async def audit(self, command: str) -> list[AuditRecord]:
        """The desk's rows for `command` (not the router's per-line rows), oldest first."""
        async with self.runtime.store.engine.connect() as conn:
            rows = await list_audit(conn)
        return sorted(
            (r for r in rows if r.command == command and r.detail.startswith("action ")),
            key=lambda r: r.id,
        )

    async def state(self, action_id: str) -> ActionState:
        async with self.runtime.store.engine.connect() as conn:
            action = await load_action(conn, action_id)
        assert action is not None
        return action.state


def button(reply: Reply, verb: str) -> str:
    """The id of the card's `verb` button: `a:<action id>:<verb>`."""
    found = [b.action_id for b in reply.buttons if b.action_id.endswith(f":{verb}")]
    assert found, f"no {verb} button on {reply.title!r}: {[b.action_id for b in reply.buttons]}"
    return found[0]


def action_id(reply: Reply) -> str:
    """The pending action a card is about, read from its first button."""
    assert reply.buttons, f"{reply.title!r} has no buttons"
    return reply.buttons[0].action_id.split(":")[1]


def text_of(reply: Reply) -> str:
    parts: Sequence[str] = [str(getattr(block, "text", "")) for block in reply.blocks]
    facts = [f"{k}: {v}" for block in reply.blocks for k, v in getattr(block, "items", ())]
    return " ".join([reply.title, *parts, *facts])


def _channel(actor: Actor) -> str:
    return actor.id.split(":", 1)[0]


def _address(actor: Actor) -> dict[str, str]:
    if actor == TECH:
        return dict(TECH_ADDRESS)
    if _channel(actor) == "console":
        return {}
    return {"user": actor.id.rsplit(":", 1)[-1]}


@asynccontextmanager
async def open_world(
    home: Path,
    store_url: str,
    *,
    policies: Sequence[Mapping[str, Any]] = (),
    settings: Mapping[str, Any] | None = None,
) -> AsyncIterator[World]:
    """`settings` are more of Deskhand's settings (`request_timeout` ...)."""
    loaded = load_settings(
        home=home,
        store_url=store_url,
        tenants={},
        grants=GRANTS,
        approvals={"policies": list(policies), "tenants": {"contoso": ROUTE}},
        **(settings or {}),
    )
    async with open_runtime(loaded, operators=(OPERATOR,)) as runtime:
        slack, teams, clock = RecordingNotifier("slack"), RecordingNotifier("teams"), Clock()
        runtime.notifiers.by_channel.update(Notifiers({"slack": slack, "teams": teams}).by_channel)
        assert runtime.router.desk is not None
        runtime.router.desk.clock = clock
        yield World(runtime, slack, teams, clock)
