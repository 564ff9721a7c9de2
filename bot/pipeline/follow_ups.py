"""Buttons that run a command: the line is stored, the button carries only its id.

A click becomes an ordinary request from whoever clicked, so it is parsed, authorised and
audited again; an unknown or expired id changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Protocol

from bot.pipeline.middleware import Call, Next
from bot.store import Store
from bot.store.follow_ups import load_follow_up, save_follow_up
from cards.reply import Button, Reply

__all__ = ["FOLLOW_UP_PREFIX", "FollowUpBook", "FollowUpButtons", "StoreFollowUps"]

FOLLOW_UP_PREFIX = "f:"


class FollowUpBook(Protocol):
    async def save(self, command: str, tenant: str | None, created_by: str) -> str: ...

    async def command_for(self, action: str) -> str | None:
        """The stored command line, or None when the id is unknown or expired."""
        ...


@dataclass(frozen=True)
class StoreFollowUps:
    store: Store
    lifetime: timedelta = timedelta(hours=24)

    async def save(self, command: str, tenant: str | None, created_by: str) -> str:
        now = datetime.now(UTC)
        async with self.store.engine.begin() as conn:
            follow_up = await save_follow_up(
                conn,
                command=command,
                tenant=tenant,
                created_by=created_by,
                now=now,
                expires_at=now + self.lifetime,
            )
        return FOLLOW_UP_PREFIX + follow_up.id

    async def command_for(self, action: str) -> str | None:
        if not action.startswith(FOLLOW_UP_PREFIX):
            return None
        async with self.store.engine.connect() as conn:
            follow_up = await load_follow_up(conn, action.removeprefix(FOLLOW_UP_PREFIX))
        if follow_up is None or follow_up.expires_at <= datetime.now(UTC):
            return None
        return follow_up.command


@dataclass(frozen=True)
class FollowUpButtons:
    """Middleware: stores each button's command and leaves only the id on the Reply."""

    book: FollowUpBook

    async def __call__(self, call: Call, next_: Next) -> Reply:
        reply = await next_(call)
        if not any(button.command for button in reply.buttons):
            return reply
        tenant = call.tenant.name if call.tenant else None
        actor = call.invocation.actor
        buttons = []
        for button in reply.buttons:
            if button.command:
                action = await self.book.save(button.command, tenant, actor.email or actor.id)
                button = Button(button.label, action, button.style, button.confirm)
            buttons.append(button)
        return replace(reply, buttons=tuple(buttons))
