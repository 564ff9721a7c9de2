"""Approved actions and jobs through the router: a 429 storm outlasted, a failed step retried
from its card, an offboarding undone. Faults are injected in the sandbox; state is read there."""

from __future__ import annotations

from bot.store.pending import ActionState
from commands.kit.steps import StepState
from integrations.outbound.retry import RetryPolicy
from sandbox import Fault
from sandbox.model import Group
from tests.e2e.world import TECH, World, text_of
from tests.jobs.flows import ADELE, confirmed, settled, steps, until

MIRIAM = "miriam.graham@contoso.com"
FAST = 0.01
"""The injected faults' Retry-After: the retries wait as the service asks, briefly."""
QUICK = RetryPolicy(max_attempts=3, max_delay=FAST, budget=1.0, base_delay=FAST)
"""A job step's patience in a test: a 503 carries no wait the step's retries would read."""


def _adele(world: World) -> str:
    return world.user(ADELE).id


def _graph_group(world: World) -> Group:
    """One of Adele's groups whose membership Graph manages (not Exchange, a rule or sync)."""
    directory = world.sandbox.tenant("contoso").directory
    return next(
        g
        for g in sorted(directory.groups.values(), key=lambda g: g.display_name)
        if _adele(world) in g.member_ids
        and ("Unified" in g.group_types or not g.mail_enabled)
        and g.membership_rule is None
        and not g.on_premises_sync
    )


async def test_a_429_storm_past_the_clients_retries_ends_done_not_failed(world: World) -> None:
    storm = RetryPolicy().max_attempts * 2 + 1  # more than the Graph client's own retries
    path = f"/users/{_adele(world)}"
    world.sandbox.inject(
        "contoso", Fault(kind="throttle", count=storm, retry_after=FAST, path=path, method="PATCH")
    )

    action, _ = await confirmed(world, f"/block {ADELE} --reason T-1")

    assert await settled(world, action) is ActionState.DONE
    patches = [r for r in world.writes() if r.method == "PATCH" and r.path.endswith(path)]
    assert [r.status for r in patches].count(429) == storm
    assert [r.status // 100 for r in patches if r.status != 429] == [2]
    assert world.user(ADELE).account_enabled is False


async def test_a_failed_step_retried_from_the_card_is_done_and_so_is_the_job(
    world: World,
) -> None:
    desk = world.runtime.router.desk
    assert desk is not None
    desk.execution.retry = QUICK
    group = _graph_group(world)
    key = f"group:{group.id}"
    world.sandbox.inject(
        "contoso",
        Fault(
            kind="unavailable",
            count=10_000,
            retry_after=FAST,
            path=f"/groups/{group.id}/members/",
            method="DELETE",
        ),
    )
    action, _ = await confirmed(world, f"/offboard {ADELE} --reason T-2")
    assert await settled(world, action) is ActionState.PARTIAL
    failed = (await steps(world, action))[key]
    assert failed.state is StepState.FAILED
    assert _adele(world) in world.sandbox.tenant("contoso").directory.groups[group.id].member_ids

    world.sandbox.clear_faults()
    card = await world.ask(TECH, f"/job retry {action} {failed.position}")

    assert not card.failed, text_of(card)

    async def picked_up() -> bool:
        return (await steps(world, action))[key].state not in (StepState.FAILED, StepState.PLANNED)

    await until(picked_up)
    assert await settled(world, action) is ActionState.DONE
    assert (await steps(world, action))[key].state is StepState.DONE
    members = world.sandbox.tenant("contoso").directory.groups[group.id].member_ids
    assert _adele(world) not in members


async def test_undo_puts_back_groups_licences_mailbox_type_and_forwarding(world: World) -> None:
    tenant = world.sandbox.tenant("contoso")
    adele = _adele(world)
    groups = {g.id for g in tenant.directory.groups.values() if adele in g.member_ids}
    licences = world.user(ADELE).sku_ids
    action, _ = await confirmed(world, f"/offboard {ADELE} --reason T-3 --forward-to {MIRIAM}")
    assert await settled(world, action) is ActionState.DONE
    assert adele in tenant.exchange.shared and not world.user(ADELE).sku_ids
    assert str(tenant.exchange.states[adele].forwarding_smtp_address).endswith(MIRIAM)

    reply = await world.ask(TECH, f"/offboard undo {action}")

    assert not reply.failed, text_of(reply)
    regained = {g.id for g in tenant.directory.groups.values() if adele in g.member_ids}
    assert regained == groups
    assert world.user(ADELE).sku_ids == licences
    assert adele not in tenant.exchange.shared
    assert not tenant.exchange.states[adele].forwarding_smtp_address
