"""The check before confirmation: a destructive command the tenant's grants do not cover is
refused at once, naming what to grant, and nothing is left pending."""

from __future__ import annotations

import pytest

from bot.operator.consent import GrantsCache
from bot.process.runtime import Runtime
from bot.store.pending import ActionState, list_actions
from sandbox import Sandbox
from tests.commands.replies import text
from tests.plugins.runtime import Ask

METHODS_WRITE = "UserAuthenticationMethod.ReadWrite.All"


def _sandbox(runtime: Runtime) -> Sandbox:
    assert runtime.sandbox is not None
    return runtime.sandbox


async def _pending(runtime: Runtime) -> int:
    async with runtime.store.engine.connect() as conn:
        actions = await list_actions(
            conn, states=(ActionState.PENDING, ActionState.AWAITING), tenants=["contoso"]
        )
    return len(actions)


async def test_a_missing_permission_is_refused_before_confirmation_with_nothing_pending(
    runtime: Runtime, ask: Ask
) -> None:
    _sandbox(runtime).tenant("contoso").permissions.discard(METHODS_WRITE)

    reply = await ask("/tap lynne")

    shown = text(reply)
    assert reply.failed
    assert f"/tap needs the application permission {METHODS_WRITE} in Contoso" in shown
    assert "API permissions > Add a permission > Microsoft Graph" in shown
    assert "deskhand doctor --tenant contoso" in shown
    assert await _pending(runtime) == 0
    graph_writes = [
        r for r in _sandbox(runtime).requests if r.method != "GET" and "/oauth2/" not in r.path
    ]
    assert graph_writes == []


async def test_a_broader_permission_lets_the_command_be_offered(runtime: Runtime, ask: Ask) -> None:
    contoso = _sandbox(runtime).tenant("contoso")
    contoso.permissions.discard("User.EnableDisableAccount.All")
    assert "User.ReadWrite.All" in contoso.permissions

    reply = await ask("/block lynne")

    assert not reply.failed, text(reply)
    assert await _pending(runtime) == 1


async def test_unreadable_grants_leave_the_command_to_proceed_as_before(
    runtime: Runtime, ask: Ask
) -> None:
    contoso = _sandbox(runtime).tenant("contoso")
    contoso.permissions -= {"Application.Read.All", "Directory.Read.All"}

    reply = await ask("/tap lynne")

    assert not reply.failed, text(reply)
    assert await _pending(runtime) == 1


@pytest.mark.parametrize(("elapsed", "reads"), [(10.0, 1), (301.0, 2)])
async def test_grants_are_read_once_per_tenant_within_the_ttl(
    runtime: Runtime, elapsed: float, reads: int
) -> None:
    now = [1000.0]
    cache = GrantsCache(runtime.router.tenants, ttl=300.0, clock=lambda: now[0])
    contoso = next(t for t in runtime.router.tenants.tenants if t.name == "contoso")

    await cache.get(contoso)
    now[0] += elapsed
    await cache.get(contoso)

    paths = [r.path for r in _sandbox(runtime).requests if r.path.endswith("/appRoleAssignments")]
    assert len(paths) == reads
