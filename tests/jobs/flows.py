"""Steps a test takes on a `World`: ask, confirm, wait for the action to end."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from bot.store.jobs import StepRow, load_steps
from bot.store.pending import ActionState
from cards.reply import Reply
from tests.e2e.world import TECH, World, action_id, button, text_of

__all__ = ["ADELE", "confirmed", "settled", "steps", "until"]

ADELE = "adele.vance@contoso.com"
LIMIT = 60.0
_GOING = (ActionState.PENDING, ActionState.APPROVED, ActionState.RUNNING)


async def confirmed(world: World, line: str) -> tuple[str, Reply]:
    """TECH types `line` and confirms it: the action's id and the answer to the click."""
    card = await world.ask(TECH, line)
    started = await world.click(TECH, button(card, "confirm"))
    assert not started.failed, text_of(started)
    return action_id(card), started


async def until(check: Callable[[], Awaitable[bool]], limit: float = LIMIT) -> None:
    """Returns once `check` says yes; fails the test after `limit` seconds."""
    async with asyncio.timeout(limit):
        while True:
            if await check():
                return
            await asyncio.sleep(0.05)  # a polling interval, not a wait for something to happen


async def settled(world: World, action: str) -> ActionState:
    """The action's state once it has ended."""

    async def ended() -> bool:
        return await world.state(action) not in _GOING

    await until(ended)
    return await world.state(action)


async def steps(world: World, action: str) -> dict[str, StepRow]:
    async with world.runtime.store.engine.connect() as conn:
        return {row.key: row for row in await load_steps(conn, action)}
