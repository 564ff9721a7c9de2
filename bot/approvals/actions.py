"""The desk's pending actions in the store: each move an atomic compare-and-set, and every
Graph or Exchange write an action sends stored on its row before it is sent."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.store import Store
from bot.store.pending import ActionState, PendingAction, load_action, move, save_writes
from commands.kit.context import CommandContext
from integrations.outbound.trace import GraphWrite, OnSend

__all__ = ["ActionBook", "loaded_writes", "stored_writes"]


@dataclass(frozen=True)
class ActionBook:
    store: Store

    async def find(self, action_id: str) -> PendingAction | None:
        async with self.store.engine.connect() as conn:
            return await load_action(conn, action_id)

    async def load(self, action_id: str) -> PendingAction:
        action = await self.find(action_id)
        assert action is not None, "pending actions are never deleted"
        return action

    async def move(
        self,
        action_id: str,
        leaving: tuple[ActionState, ...],
        to: ActionState,
        now: datetime,
        ctx: CommandContext | None = None,
        *,
        unexpired: bool = False,
        **values: Any,
    ) -> bool:
        """Moves the action from one of `leaving` to `to`, recording who decided (`ctx`);
        false when another request or replica moved it first."""
        if ctx is not None:
            values |= {
                "decided_by": ctx.actor.email or ctx.actor.id,
                "decided_via": ctx.channel,
                "decided_at": now,
            }
        async with self.store.engine.begin() as conn:
            return await move(
                conn, action_id, leaving=leaving, to=to, now=now, unexpired=unexpired, **values
            )

    def keeper(self, action_id: str) -> OnSend:
        """Stores the action's writes before each is sent. One at a time, each storing the
        list as it is then, so the last stored holds every write sent so far."""
        lock = asyncio.Lock()

        async def keep(writes: Sequence[GraphWrite]) -> None:
            async with lock, self.store.engine.begin() as conn:
                await save_writes(conn, action_id, stored_writes(writes))

        return keep


def stored_writes(writes: Sequence[GraphWrite]) -> list[dict[str, Any]]:
    return [dataclasses.asdict(write) for write in writes]


def loaded_writes(stored: Sequence[Mapping[str, Any]]) -> list[GraphWrite]:
    return [
        GraphWrite(
            str(item.get("method", "")),
            str(item.get("path", "")),
            item.get("status") if isinstance(item.get("status"), int) else None,
            str(item.get("request_id") or ""),
            str(item.get("client_request_id") or ""),
        )
        for item in stored
    ]
