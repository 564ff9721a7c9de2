"""Reading a change back after Graph accepted it: evidence, never the verdict.

Microsoft Entra is eventually consistent ("Designing for eventual consistency for Microsoft
Entra", Microsoft Identity blog, 2026): a write answered with success is accepted, then copied
to the directory's replicas, so for a while a read may show the old value, and a new object may
answer 404. Exchange Online's mailbox settings behave alike. So a write Graph answered with
success is done. The executor reads it back for a short, bounded time (`Pacing`), and when the
change has not shown by then, or the read itself fails, the reply is the success plus a
warning, "applied; not yet visible" — never a failure, and never without the secret the write
made.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Generic, TypeVar

import structlog

from cards.reply import Block, Level, Notice, Reply
from core.errors import DeskhandError

if TYPE_CHECKING:
    from commands.context import CommandContext

__all__ = ["Pacing", "Seen", "applied", "not_yet_visible", "read_back"]

log = structlog.get_logger("deskhand.readback")

T = TypeVar("T")


@dataclass(frozen=True)
class Pacing:
    """How long a read-back waits for a change to show: one read at once, then one after each
    delay (seconds), so about three seconds at most. Tests give a `sleep` that returns at once."""

    delays: tuple[float, ...] = (0.25, 0.5, 0.75, 1.5)
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep


@dataclass(frozen=True)
class Seen(Generic[T]):
    """What the read-back found: the last state read (None if no read succeeded) and what of
    the change it did not show ("" when the change showed)."""

    state: T | None
    missing: str = ""

    @property
    def visible(self) -> bool:
        return not self.missing


async def read_back(
    ctx: CommandContext, read: Callable[[], Awaitable[T]], missing: Callable[[T], str]
) -> Seen[T]:
    """Reads until `missing(state)` is "" or `ctx.pacing` runs out.

    `missing` says, in words that follow "but", what the state lacks ("Graph still reports
    sign-in enabled"). A failed read is one more reason to look again, never an error: the write
    it checks has already succeeded, and what it made (a password, a pass) must still reach the
    requester.
    """
    seen: Seen[T] = Seen(None, "it could not be read back yet")
    for delay in (0.0, *ctx.pacing.delays):
        if delay:
            await ctx.pacing.sleep(delay)
        try:
            state = await read()
        except DeskhandError as error:
            seen = Seen(seen.state, f"reading it back failed: {error.message.rstrip('.')}")
            continue
        except Exception:
            log.exception("readback.crashed", request_id=ctx.request_id)
            return Seen(
                seen.state,
                "reading it back failed inside Deskhand (reference for your Deskhand admin: "
                f"{ctx.request_id or 'none'})",
            )
        seen = Seen(state, missing(state))
        if seen.visible:
            return seen
    return seen


def applied(
    seen: Seen[T],
    *,
    title: str,
    done: str,
    look: str,
    blocks: tuple[Block, ...] = (),
    secret: str = "",
) -> Reply:
    """The reply to a write Graph accepted: success when the read-back showed it, otherwise
    success with an "applied; not yet visible" warning. `done` says what was done; `look` where
    to check later ("/user lynne.robbins@contoso.com")."""
    success = Notice(Level.SUCCESS, done)
    if seen.visible:
        return Reply(title=title, blocks=(*blocks, success), secret=secret, level=Level.SUCCESS)
    return Reply(
        title=f"{title} (applied; not yet visible)",
        blocks=(*blocks, success, not_yet_visible(seen, look)),
        secret=secret,
        level=Level.WARNING,
    )


def not_yet_visible(seen: Seen[T], look: str) -> Notice:
    """The warning for a change Graph accepted but the read-back did not show."""
    return Notice(
        Level.WARNING,
        f"Applied; not yet visible: Graph accepted the change, but {seen.missing.rstrip('.')}. "
        "Microsoft 365 can take a few minutes to show a change everywhere; check with "
        f"{look} shortly, and do not run the command again.",
    )
