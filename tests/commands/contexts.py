"""A `CommandContext` for calling planners and executors directly, on the sandbox's Contoso."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from bot.process.runtime import Runtime
from commands.kit.context import CommandContext
from commands.kit.pacing import Pacing
from tests.plugins.runtime import OPERATOR


def contoso_context(runtime: Runtime, **changes: Any) -> CommandContext:
    """What the router hands a command working on Contoso (its Graph, Exchange and SharePoint
    clients); `changes` override fields."""
    directory = runtime.router.tenants
    tenant = next(t for t in directory.tenants if t.name == "contoso")
    context = CommandContext(
        actor=OPERATOR,
        tenants=directory.tenants,
        allowed_commands=list,
        products=runtime.contexts.products,
        tenant=tenant,
        graph_client=directory.client(tenant),
        exchange_client=directory.exchange(tenant),
        sharepoint_client=directory.sharepoint(tenant),
    )
    return replace(context, **changes)


@dataclass
class Waits:
    """A read-back's sleep that returns at once and remembers what it was asked to wait."""

    slept: list[float] = field(default_factory=list)

    async def __call__(self, seconds: float) -> None:
        self.slept.append(seconds)

    @property
    def pacing(self) -> Pacing:
        return Pacing(sleep=self)
