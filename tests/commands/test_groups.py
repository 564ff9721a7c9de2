"""group add and group remove: planners and executors on Contoso, and the router once."""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

import pytest

from bot.approvals.cards import action_button, parse_action
from bot.pipeline.invocation import Invocation
from bot.process.runtime import Runtime
from cards.reply import Level, Reply
from commands import REGISTRY
from commands.groups import (
    GroupMemberArgs,
    group_add,
    group_remove,
    plan_group_add,
    plan_group_remove,
)
from commands.kit.registry import Role
from core.errors import Forbidden, NotFound, UserError
from tests.commands.contexts import contoso_context
from tests.commands.replies import facts, text
from tests.commands.sandbox_state import contoso_directory as _directory
from tests.commands.sandbox_state import group_named as _group
from tests.commands.sandbox_state import sandbox_of as _sandbox
from tests.plugins.runtime import OPERATOR, Ask

ADELE = "adele.vance@contoso.com"
MEMBERS_WRITE = "GroupMember.ReadWrite.All"


def _id(runtime: Runtime, upn: str) -> str:
    user = _directory(runtime).find_user(upn)
    assert user is not None
    return user.id


def _writes(runtime: Runtime) -> list[tuple[str, str, Any]]:
    return [
        (r.method, r.path, r.body)
        for r in _sandbox(runtime).requests
        if r.method in {"DELETE", "POST", "PATCH", "PUT"}
        and r.path.startswith("/v1.0/")
        and not r.path.endswith("/$batch")
    ]


@pytest.fixture(autouse=True)
def granted(runtime: Runtime) -> None:
    """Contoso consents to group membership writes before Deskhand's first token."""
    _sandbox(runtime).tenant("contoso").permissions.add(MEMBERS_WRITE)


def test_group_add_and_remove_are_destructive_with_least_privileged_permissions() -> None:
    for name in ("group add", "group remove"):
        spec = REGISTRY.get(name)
        assert spec is not None
        assert spec.destructive
        assert spec.roles == {Role.TECHNICIAN, Role.ADMIN}
        assert spec.permissions[0] == MEMBERS_WRITE
        assert "Directory.Read.All" in spec.permissions


async def test_the_add_plan_names_the_user_the_group_and_its_kind(runtime: Runtime) -> None:
    finance = _group(runtime, "SG-Finance")

    plan = await plan_group_add(
        contoso_context(runtime), GroupMemberArgs(user=ADELE, group="SG-Finance")
    )

    assert plan.summary == (
        "Add Adele Vance (adele.vance@contoso.com) to the security group SG-Finance in Contoso"
    )
    assert plan.effects[0] == f"Add {ADELE} to the members of SG-Finance (members/$ref)"
    assert (plan.target, plan.target_id) == (ADELE, _id(runtime, ADELE))
    assert plan.state["groupId"] == finance.id
    assert plan.state["groupRoleAssignable"] is False
    assert not plan.protection
    assert _writes(runtime) == []


async def test_group_add_posts_the_reference_and_checks_the_membership(runtime: Runtime) -> None:
    ctx = contoso_context(runtime)
    args = GroupMemberArgs(user="adele", group="sg-finance")
    plan = await plan_group_add(ctx, args)

    reply = await group_add(ctx, args, plan)

    adele, finance = _id(runtime, ADELE), _group(runtime, "SG-Finance")
    reference = f"{_sandbox(runtime).url}/v1.0/directoryObjects/{adele}"
    assert _writes(runtime) == [
        ("POST", f"/v1.0/groups/{finance.id}/members/$ref", {"@odata.id": reference})
    ]
    assert adele in finance.member_ids
    assert reply.level is Level.SUCCESS, text(reply)
    assert facts(reply) == {"Group": "SG-Finance", "Member": "yes"}


async def test_group_remove_deletes_the_reference(runtime: Runtime) -> None:
    ctx = contoso_context(runtime)
    args = GroupMemberArgs(user=ADELE, group="salesandmarketing@contoso.com")
    plan = await plan_group_remove(ctx, args)

    reply = await group_remove(ctx, args, plan)

    adele, sales = _id(runtime, ADELE), _group(runtime, "Sales and Marketing")
    assert plan.summary.startswith("Remove Adele Vance (adele.vance@contoso.com) from the ")
    assert "Microsoft 365 group" in plan.summary
    assert _writes(runtime) == [("DELETE", f"/v1.0/groups/{sales.id}/members/{adele}/$ref", None)]
    assert adele not in sales.member_ids
    assert reply.level is Level.SUCCESS, text(reply)


async def test_a_group_is_found_by_object_id(runtime: Runtime) -> None:
    finance = _group(runtime, "SG-Finance")

    plan = await plan_group_add(
        contoso_context(runtime), GroupMemberArgs(user=ADELE, group=finance.id)
    )

    assert plan.state["groupId"] == finance.id


async def test_already_a_member_and_not_a_member_are_nothing_to_do(runtime: Runtime) -> None:
    ctx = contoso_context(runtime)

    with pytest.raises(UserError, match="already a member of Sales and Marketing"):
        await plan_group_add(ctx, GroupMemberArgs(user=ADELE, group="Sales and Marketing"))
    with pytest.raises(UserError, match="is not a direct member of SG-Finance; nothing to remove"):
        await plan_group_remove(ctx, GroupMemberArgs(user=ADELE, group="SG-Finance"))
    assert _writes(runtime) == []


async def test_several_or_no_matching_groups_are_explained(runtime: Runtime) -> None:
    ctx = contoso_context(runtime)

    with pytest.raises(
        UserError, match="3 groups in Contoso match 'SG-': SG-Finance, SG-MFA-Excluded, SG-MFA-R"
    ):
        await plan_group_add(ctx, GroupMemberArgs(user=ADELE, group="SG-"))
    with pytest.raises(NotFound, match="No group in Contoso matches 'Quality'"):
        await plan_group_add(ctx, GroupMemberArgs(user=ADELE, group="Quality"))
    with pytest.raises(NotFound, match="No group in Contoso has the object id"):
        await plan_group_add(
            ctx, GroupMemberArgs(user=ADELE, group="00000000-0000-0000-0000-0000000000ab")
        )


@pytest.mark.parametrize(
    ("group", "fragment"),
    [
        ("IT Helpdesk", "is a mail-enabled security group, whose members Microsoft Graph cannot"),
        ("Contoso Announcements", "is a distribution list, whose members Microsoft Graph cannot"),
    ],
)
async def test_exchange_managed_groups_are_refused_with_where_to_go(
    runtime: Runtime, group: str, fragment: str
) -> None:
    with pytest.raises(UserError, match=fragment) as refused:
        await plan_group_add(contoso_context(runtime), GroupMemberArgs(user=ADELE, group=group))

    assert "Exchange admin center" in refused.value.message
    assert _writes(runtime) == []


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        (
            {"group_types": ("DynamicMembership",), "membership_rule": '(user.department -eq "X")'},
            "has dynamic membership",
        ),
        ({"on_premises_sync": True}, "is synced from on-premises Active Directory"),
    ],
)
async def test_dynamic_and_synced_groups_are_refused(
    runtime: Runtime, change: dict[str, Any], fragment: str
) -> None:
    finance = _group(runtime, "SG-Finance")
    _directory(runtime).groups[finance.id] = replace(finance, **change)

    with pytest.raises(UserError, match=fragment):
        await plan_group_add(
            contoso_context(runtime), GroupMemberArgs(user=ADELE, group="SG-Finance")
        )
    with pytest.raises(UserError, match=fragment):
        await plan_group_remove(
            contoso_context(runtime),
            GroupMemberArgs(user="irvin.sayers@contoso.com", group="SG-Finance"),
        )


async def test_a_role_assignable_group_is_protected_and_names_its_permission(
    runtime: Runtime,
) -> None:
    ctx = contoso_context(runtime)
    args = GroupMemberArgs(user=ADELE, group="Helpdesk Admins")

    plan = await plan_group_add(ctx, args)
    with pytest.raises(Forbidden, match=re.escape("RoleManagement.ReadWrite.Directory")) as refused:
        await group_add(ctx, args, plan)

    assert plan.protection.reasons == (
        "membership of the role-assignable group Helpdesk Admins grants a directory role",
    )
    assert "Privileged Role Administrator" in plan.notes[0]
    assert refused.value.permission == MEMBERS_WRITE
    assert _id(runtime, ADELE) not in _group(runtime, "Helpdesk Admins").member_ids


async def test_without_the_write_permission_the_refusal_names_it(runtime: Runtime) -> None:
    _sandbox(runtime).tenant("contoso").permissions.discard(MEMBERS_WRITE)
    _sandbox(runtime).tenant("contoso").permissions.discard("Group.ReadWrite.All")
    ctx = contoso_context(runtime)
    args = GroupMemberArgs(user=ADELE, group="SG-Finance")
    plan = await plan_group_add(ctx, args)

    with pytest.raises(
        Forbidden, match=re.escape(f"needs the application permission {MEMBERS_WRITE}")
    ):
        await group_add(ctx, args, plan)


async def test_a_membership_made_meanwhile_stops_the_planner_run_again(runtime: Runtime) -> None:
    ctx = contoso_context(runtime)
    args = GroupMemberArgs(user=ADELE, group="SG-Finance")
    await plan_group_add(ctx, args)
    finance = _group(runtime, "SG-Finance")
    _directory(runtime).groups[finance.id] = replace(
        finance, member_ids=finance.member_ids | {_id(runtime, ADELE)}
    )

    with pytest.raises(UserError, match="already a member"):
        await plan_group_add(ctx, args)


def _confirm_button(reply: Reply) -> str:
    for button in reply.buttons:
        decision = parse_action(button.action_id)
        if decision and decision[1] == "confirm":
            return action_button(decision[0], "confirm")
    raise AssertionError(f"no confirm button in {reply!r}")


async def test_group_add_through_the_router_with_confirmation(runtime: Runtime, ask: Ask) -> None:
    card = await ask(f"/group add {ADELE} SG-Finance --tenant contoso --reason TCK-7")
    before = _writes(runtime)
    done = await runtime.router.handle(
        Invocation(channel="console", actor=OPERATOR, text="", action=_confirm_button(card))
    )

    assert "to the security group SG-Finance" in text(card)
    assert before == []
    assert done.level is Level.SUCCESS, text(done)
    assert _id(runtime, ADELE) in _group(runtime, "SG-Finance").member_ids


async def test_group_remove_through_the_router_with_a_typed_confirm(
    runtime: Runtime, ask: Ask
) -> None:
    card = await ask(f'/group remove {ADELE} "Sales and Marketing" --tenant contoso')
    decision = parse_action(_confirm_button(card))
    assert decision is not None
    done = await ask(f"/confirm {decision[0]}")

    assert done.level is Level.SUCCESS, text(done)
    assert _id(runtime, ADELE) not in _group(runtime, "Sales and Marketing").member_ids
