"""The composition root builds the router and the approvals desk complete, on one context
factory, so neither holds the other to build a command's context."""

from __future__ import annotations

from bot.approvals.desk import ApprovalDesk
from bot.process.runtime import Runtime


async def test_the_router_and_the_desk_share_the_roots_context_factory(runtime: Runtime) -> None:
    desk = runtime.router.desk
    assert isinstance(desk, ApprovalDesk)
    assert runtime.router.contexts is runtime.contexts
    assert desk.contexts is runtime.contexts
    assert not any(value is runtime.router for value in vars(desk).values())
