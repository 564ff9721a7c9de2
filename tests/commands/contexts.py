"""A `CommandContext` for calling planners and executors directly, on the sandbox's Contoso."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from bot.runtime import Runtime
from commands.context import CommandContext
from tests.plugins.runtime import OPERATOR


def contoso_context(runtime: Runtime, **changes: Any) -> CommandContext:
    """What the router hands a command working on Contoso; `changes` override fields."""
    directory = runtime.router.tenants
    tenant = next(t for t in directory.tenants if t.name == "contoso")
    context = CommandContext(
        actor=OPERATOR,
        tenants=directory.tenants,
        allowed_commands=list,
        products=runtime.router.products,
        tenant=tenant,
        graph_client=directory.client(tenant),
    )
    return replace(context, **changes)
