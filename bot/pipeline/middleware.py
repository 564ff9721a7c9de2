"""The router's pipeline: small middleware, one concern each.

A middleware is `async (call, next_) -> Reply`. The order is fixed in `default_pipeline`:
logging outermost, so every outcome is logged; audit before access, so denials are audited.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

import structlog
from pydantic import BaseModel

from bot.pipeline.access import Access
from bot.pipeline.invocation import Invocation
from cards.reply import Reply
from commands.kit.context import Progress, silent_progress
from commands.kit.registry import CommandSpec, positional_kind
from core.errors import AccessDenied, DeskhandError, IntegrationError, OutcomeUnknown, UserError
from core.identity import TenantInfo

__all__ = [
    "AccessCheck",
    "AuditSink",
    "AuditTrail",
    "Call",
    "DescribesChange",
    "Middleware",
    "Next",
    "log_requests",
    "observed",
    "outcome_of",
]

log = structlog.get_logger("deskhand.router")


@dataclass(frozen=True)
class Call:
    """One parsed request on its way through the pipeline."""

    invocation: Invocation
    spec: CommandSpec
    args: BaseModel
    tenant: TenantInfo | None
    progress: Progress = field(default=silent_progress, compare=False)
    access: Access = field(default_factory=Access, compare=False)
    """The asker's roles, read once at the start of this request; none unless given."""
    refusal: str = ""
    """Why `AccessCheck` refuses it before looking at roles (a `--tenant` not theirs)."""

    @property
    def target(self) -> str:
        """What the command acts on, for logs and audit: its first positional argument."""
        for name, info in self.spec.args.model_fields.items():
            if positional_kind(info):
                return str(getattr(self.args, name) or "")
        return ""

    @property
    def change(self) -> str:
        """What a successful run changed, for commands whose arguments can say so."""
        return self.args.describe_change() if isinstance(self.args, DescribesChange) else ""


@runtime_checkable
class DescribesChange(Protocol):
    """Arguments of commands that change Deskhand itself (/grant, /guard): what a successful
    run changed, for the audit log's detail."""

    def describe_change(self) -> str: ...


Next = Callable[[Call], Awaitable[Reply]]


class Middleware(Protocol):
    def __call__(self, call: Call, next_: Next) -> Awaitable[Reply]: ...


def outcome_of(error: BaseException | None, reply: Reply | None) -> str:
    if error is None:
        return "failed" if reply is not None and reply.failed else "ok"
    if isinstance(error, AccessDenied):
        return "denied"
    if isinstance(error, UserError):
        return "rejected"
    if isinstance(error, OutcomeUnknown):
        return "unknown"
    if isinstance(error, IntegrationError):
        return "failed"
    return "error"


Observer = Callable[[str, Exception | None], Awaitable[None]]


async def observed(call: Call, next_: Next, observer: Observer) -> Reply:
    """Run the rest of the pipeline and tell `observer` the outcome, whatever it was."""
    try:
        reply = await next_(call)
    except asyncio.CancelledError:
        # Cut off at shutdown: it may have changed something, so it is still recorded.
        await asyncio.shield(observer("cancelled", None))
        raise
    except Exception as error:
        await observer(outcome_of(error, None), error)
        raise
    await observer(outcome_of(None, reply), None)
    return reply


async def log_requests(call: Call, next_: Next) -> Reply:
    inv = call.invocation
    started = time.perf_counter()

    async def write(outcome: str, error: Exception | None) -> None:
        detail = error.code if isinstance(error, IntegrationError) else type(error).__name__
        log.info(
            "command",
            request_id=inv.request_id,
            channel=inv.channel,
            actor=inv.actor.id,
            command=call.spec.name,
            tenant=call.tenant.name if call.tenant else None,
            outcome=outcome,
            ms=round((time.perf_counter() - started) * 1000, 1),
            error=detail if error else None,
        )

    return await observed(call, next_, write)


@dataclass(frozen=True)
class AccessCheck:
    """Fails closed: the roles are the request's `Access` snapshot (bot/pipeline/access.py)."""

    async def __call__(self, call: Call, next_: Next) -> Reply:
        if call.refusal:
            raise AccessDenied(call.refusal)
        if not call.access.allows(call.spec, call.tenant):
            where = f" on {call.tenant.name}" if call.tenant else ""
            raise AccessDenied(
                f"You may not run /{call.spec.name}{where}. Ask a Deskhand admin to grant you "
                f"one of these roles: {', '.join(sorted(call.spec.roles))}."
            )
        return await next_(call)


class AuditSink(Protocol):
    async def record(self, call: Call, outcome: str, detail: str) -> None: ...


@dataclass(frozen=True)
class AuditTrail:
    """Every command is written to the audit log with its outcome, whatever happens."""

    sink: AuditSink

    async def __call__(self, call: Call, next_: Next) -> Reply:
        async def record(outcome: str, error: Exception | None) -> None:
            detail = error.message if isinstance(error, DeskhandError) else ""
            if outcome == "ok":
                detail = call.change
            await self.sink.record(call, outcome, detail[:500])

        return await observed(call, next_, record)
