"""No table holds a secret after an offboarding that reset the password: neither Deskhand's
nor DBOS's (workflow inputs and outputs, step outputs, events, notifications, streams)."""

from __future__ import annotations

from bot.store.pending import ActionState
from tests.e2e.world import TECH, World
from tests.jobs.flows import ADELE, confirmed, settled
from tests.jobs.tables import tables_holding


async def test_no_table_holds_the_new_password_or_the_tenants_client_secret(world: World) -> None:
    action, _ = await confirmed(world, f"/offboard {ADELE} --reason T-5")
    state = await settled(world, action)
    assert state in (ActionState.DONE, ActionState.PARTIAL)
    [password] = [reply.secret for reply in world.told() if reply.secret]
    client_secret = world.sandbox.tenant("contoso").client_secret

    found = await tables_holding(world.runtime.store, [password, client_secret, TECH.email])

    # The decider's address is in the workflow's (pickled) input: the search reads DBOS's rows.
    assert {held for tables in found.values() for held in tables} == {TECH.email}
    assert any("workflow" in table for table in found)
