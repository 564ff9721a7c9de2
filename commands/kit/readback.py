"""Reading a change back after Graph accepted it: evidence, never the verdict.

Microsoft Entra is eventually consistent ("Designing for eventual consistency for Microsoft
Entra", Microsoft Identity blog, 2026): a write answered with success is accepted, then copied
to the directory's replicas, so for a while a read may show the old value, and a new object may
answer 404. Exchange Online's mailbox settings behave alike. So a write Graph answered with
success is done. The executor reads it back for a short, bounded time (`Pacing`), and when the
change has not shown by then, or the read itself fails, the reply is the success plus a
warning, "applied; not yet visible" — never a failure, and never without the secret the write
made.

A write that got no answer at all (`OutcomeUnknown`: a timeout, a broken connection) is not a
failure either: it may have been made. `send` catches it, the executor reads the target back
as for any write, and `applied` settles it: the change showed, so it is done ("applied,
confirmed by reading back"); or it did not, and the reply is a warning, "outcome unknown",
with the request's `client-request-id` and where to look. A secret the write carried (a
password) is treated as set, and delivered like any other.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

import structlog

from cards.reply import Block, Level, Notice, Reply
from commands.kit.context import CommandContext
from core.errors import DeskhandError, OutcomeUnknown

__all__ = ["Seen", "Sent", "applied", "not_yet_visible", "read_back", "send"]

log = structlog.get_logger("deskhand.readback")

T = TypeVar("T")


@dataclass(frozen=True)
class Seen(Generic[T]):
    """What the read-back found: the last state read (None if no read succeeded) and what of
    the change it did not show ("" when the change showed)."""

    state: T | None
    missing: str = ""

    @property
    def visible(self) -> bool:
        return not self.missing


@dataclass(frozen=True)
class Sent(Generic[T]):
    """A write's answer, or (`unknown`) why none came."""

    answer: T | None
    unknown: OutcomeUnknown | None = None


async def send(write: Awaitable[T]) -> Sent[T]:
    """Sends a write; an unanswered one comes back as `Sent(None, error)`, for the read-back to
    settle. Any other error is raised as it is."""
    try:
        return Sent(await write)
    except OutcomeUnknown as error:
        return Sent(None, error)


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
    unknown: OutcomeUnknown | None = None,
    if_made: str = "",
) -> Reply:
    """The reply to a write Graph accepted: success when the read-back showed it, otherwise
    success with an "applied; not yet visible" warning. `done` says what was done; `look` where
    to check later ("/user lynne.robbins@contoso.com"). With `unknown` (the write got no
    answer) the read-back decides: shown, it is done; not shown, the outcome is unknown, and
    `if_made` says what holds if it was made (the secret is shown anyway)."""
    if unknown is not None:
        return _settled(
            seen,
            unknown,
            title=title,
            done=done,
            look=look,
            blocks=blocks,
            secret=secret,
            if_made=if_made,
        )
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


def _settled(
    seen: Seen[T],
    unknown: OutcomeUnknown,
    *,
    title: str,
    done: str,
    look: str,
    blocks: tuple[Block, ...],
    secret: str,
    if_made: str,
) -> Reply:
    """An unanswered write, settled (or not) by reading the target back."""
    ids = f"client-request-id {unknown.client_request_id}"
    if seen.visible:
        confirmed = Notice(
            Level.INFO,
            f"Applied (confirmed by reading back): {unknown.service} did not answer the change "
            f"in time, but reading it back shows it ({ids}).",
        )
        return Reply(
            title=title,
            blocks=(*blocks, Notice(Level.SUCCESS, done), confirmed),
            secret=secret,
            level=Level.SUCCESS,
        )
    warning = Notice(
        Level.WARNING,
        f"Outcome unknown: {unknown.service} did not answer the change in time ({ids}), and "
        f"{seen.missing.rstrip('.')}. It may have been made: check with {look} or in the "
        "Microsoft 365 admin centre in a few minutes before trying again.",
    )
    made = (Notice(Level.INFO, if_made),) if if_made else ()
    return Reply(
        title=f"{title} (outcome unknown)",
        blocks=(*blocks, warning, *made),
        secret=secret,
        level=Level.WARNING,
    )
