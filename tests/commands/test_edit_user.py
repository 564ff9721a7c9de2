"""edit-user: profile fields, the manager, copied group memberships, synced users, the router."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import pytest

from bot.approvals.cards import action_button, parse_action
from bot.pipeline.invocation import Invocation
from bot.process.runtime import Runtime
from cards.reply import Level, Reply
from commands import REGISTRY
from commands.edit_user import EditUserArgs, edit_user, plan_edit_user
from core.errors import Forbidden, UserError
from sandbox.model import Group
from tests.commands.contexts import contoso_context
from tests.commands.replies import facts, tables, text
from tests.commands.sandbox_state import contoso_directory as _directory
from tests.commands.sandbox_state import group_named as _group
from tests.commands.sandbox_state import sandbox_of as _sandbox
from tests.commands.sandbox_state import user_named as _user
from tests.plugins.runtime import OPERATOR, Ask

ADELE = "adele.vance@contoso.com"
LYNNE = "lynne.robbins@contoso.com"
USER_WRITE = "User.ReadWrite.All"


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
    """Contoso consents to user and membership writes before Deskhand's first token."""
    _sandbox(runtime).tenant("contoso").permissions.update(
        {USER_WRITE, "GroupMember.ReadWrite.All"}
    )


def test_edit_user_is_destructive_and_names_its_permissions() -> None:
    spec = REGISTRY.get("edit-user")
    assert spec is not None
    assert spec.destructive
    assert spec.permissions[:3] == (USER_WRITE, "GroupMember.ReadWrite.All", "Directory.Read.All")


async def test_the_plan_lists_each_field_old_to_new(runtime: Runtime) -> None:
    args = EditUserArgs(user=ADELE, job_title="Store Manager", department="Retail", office="")

    plan = await plan_edit_user(contoso_context(runtime), args)

    assert plan.summary == "Edit Adele Vance (adele.vance@contoso.com) in Contoso"
    assert plan.effects == (
        "Set the job title: Retail Manager → Store Manager",
        "Set the office: 18/2111 → (empty)",
    )
    assert plan.notes == ("The department is already Retail.",)
    assert plan.state["fields"] == "jobTitle,officeLocation"
    assert (plan.state["jobTitle"], plan.state["officeLocation"]) == ("Retail Manager", "18/2111")
    assert _writes(runtime) == []


async def test_edit_user_patches_only_the_changed_fields_and_reads_them_back(
    runtime: Runtime,
) -> None:
    ctx = contoso_context(runtime)
    args = EditUserArgs(
        user="adele", job_title="Store Manager", office="", mobile_phone="+1 425 555 0100"
    )
    plan = await plan_edit_user(ctx, args)

    reply = await edit_user(ctx, args, plan)

    adele = _user(runtime, ADELE)
    assert _writes(runtime) == [
        (
            "PATCH",
            f"/v1.0/users/{adele.id}",
            {"jobTitle": "Store Manager", "officeLocation": None, "mobilePhone": "+1 425 555 0100"},
        )
    ]
    assert (adele.job_title, adele.office_location, adele.mobile_phone) == (
        "Store Manager",
        None,
        "+1 425 555 0100",
    )
    assert reply.level is Level.SUCCESS, text(reply)
    assert facts(reply) == {
        "Job title": "Store Manager",
        "Office": "(empty)",
        "Mobile phone": "+1 425 555 0100",
    }


async def test_the_manager_is_set_by_reference(runtime: Runtime) -> None:
    ctx = contoso_context(runtime)
    args = EditUserArgs(user=ADELE, manager="patti.fernandez@contoso.com")
    plan = await plan_edit_user(ctx, args)

    reply = await edit_user(ctx, args, plan)

    adele, patti = _user(runtime, ADELE), _user(runtime, "patti.fernandez@contoso.com")
    assert plan.effects == (
        "Set the manager: Miriam Graham (miriam.graham@contoso.com) → Patti Fernandez "
        "(patti.fernandez@contoso.com)",
    )
    assert _writes(runtime) == [
        (
            "PUT",
            f"/v1.0/users/{adele.id}/manager/$ref",
            {"@odata.id": f"{_sandbox(runtime).url}/v1.0/users/{patti.id}"},
        )
    ]
    assert adele.manager_id == patti.id
    assert facts(reply) == {"Manager": "patti.fernandez@contoso.com"}


async def test_copying_groups_adds_the_missing_ones_and_skips_what_graph_cannot_manage(
    runtime: Runtime,
) -> None:
    irvin = _user(runtime, "irvin.sayers@contoso.com")
    dynamic = Group(
        id="5b0c1a5e-0000-4000-8000-00000000d1a0",
        display_name="Finance Dynamic",
        description="",
        mail_nickname="financedynamic",
        mail=None,
        mail_enabled=False,
        security_enabled=True,
        group_types=("DynamicMembership",),
        created=datetime.now(UTC),
        member_ids=frozenset({irvin.id}),
        membership_rule='(user.department -eq "Finance")',
    )
    _directory(runtime).groups[dynamic.id] = dynamic
    ctx = contoso_context(runtime)
    args = EditUserArgs(user=LYNNE, copy_groups_from="irvin.sayers@contoso.com")
    plan = await plan_edit_user(ctx, args)

    reply = await edit_user(ctx, args, plan)

    lynne, finance = _user(runtime, LYNNE), _group(runtime, "SG-Finance")
    assert plan.effects == ("Add to the security group SG-Finance (as irvin.sayers@contoso.com)",)
    assert plan.notes == (
        "Not copied, Graph cannot change them here: Finance Dynamic (dynamic membership: its "
        "rule decides)",
    )
    reference = f"{_sandbox(runtime).url}/v1.0/directoryObjects/{lynne.id}"
    assert _writes(runtime) == [
        ("POST", f"/v1.0/groups/{finance.id}/members/$ref", {"@odata.id": reference})
    ]
    assert lynne.id in finance.member_ids
    assert lynne.id not in _directory(runtime).groups[dynamic.id].member_ids
    assert reply.level is Level.SUCCESS, text(reply)
    assert tables(reply)[0].rows == (("SG-Finance", "added"),)


async def test_role_assignable_and_exchange_groups_are_not_copied(runtime: Runtime) -> None:
    with pytest.raises(UserError, match="Nothing to change for Lynne Robbins") as nothing:
        await plan_edit_user(
            contoso_context(runtime),
            EditUserArgs(user=LYNNE, copy_groups_from="sean.o'brien@contoso.com"),
        )

    assert "IT Helpdesk (ithelpdesk@contoso.com) (mail-enabled security group: managed in " in (
        nothing.value.message
    )
    assert "Helpdesk Admins (role-assignable: add it with /group add" in nothing.value.message


async def test_a_synced_user_refuses_fields_mastered_in_active_directory(
    runtime: Runtime,
) -> None:
    ctx = contoso_context(runtime)

    with pytest.raises(UserError, match="masters their job title, manager") as refused:
        await plan_edit_user(
            ctx, EditUserArgs(user="lee.gu@contoso.com", job_title="VP", manager=ADELE)
        )
    plan = await plan_edit_user(ctx, EditUserArgs(user="lee.gu@contoso.com", usage_location="de"))

    assert "Nothing was changed" in refused.value.message
    assert plan.effects == ("Set the usage location: US → DE",)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ({}, "Say what to change: --job-title"),
        ({"job_title": "Retail Manager"}, "Nothing to change for Adele Vance"),
        ({"manager": ADELE}, "cannot be their own manager"),
        ({"copy_groups_from": ADELE}, "--copy-groups-from names the user being edited"),
    ],
)
async def test_nothing_to_do_is_refused_clearly(
    runtime: Runtime, args: dict[str, str], message: str
) -> None:
    with pytest.raises(UserError, match=re.escape(message)):
        await plan_edit_user(contoso_context(runtime), EditUserArgs(user=ADELE, **args))
    assert _writes(runtime) == []


def test_bad_values_are_refused_before_anything_runs() -> None:
    with pytest.raises(ValueError, match="two-letter country code"):
        EditUserArgs(user=ADELE, usage_location="Germany")
    with pytest.raises(ValueError, match="cannot be cleared"):
        EditUserArgs(user=ADELE, display_name=" ")


async def test_without_the_permission_the_refusal_names_it_and_nothing_changes(
    runtime: Runtime,
) -> None:
    # User.ReadUpdate.All (granted on the demo) would write profile fields too.
    _sandbox(runtime).tenant("contoso").permissions -= {USER_WRITE, "User.ReadUpdate.All"}
    ctx = contoso_context(runtime)
    args = EditUserArgs(user=ADELE, department="Sales")
    plan = await plan_edit_user(ctx, args)

    with pytest.raises(
        Forbidden, match=re.escape(f"needs the application permission {USER_WRITE}")
    ):
        await edit_user(ctx, args, plan)

    assert _user(runtime, ADELE).department == "Retail"


def _confirm_button(reply: Reply) -> str:
    for button in reply.buttons:
        decision = parse_action(button.action_id)
        if decision and decision[1] == "confirm":
            return action_button(decision[0], "confirm")
    raise AssertionError(f"no confirm button in {reply!r}")


async def test_edit_user_through_the_router_with_confirmation(runtime: Runtime, ask: Ask) -> None:
    card = await ask(f'/edit-user {ADELE} --job-title "Store Manager" --tenant contoso')
    before = _user(runtime, ADELE).job_title
    done = await runtime.router.handle(
        Invocation(channel="console", actor=OPERATOR, text="", action=_confirm_button(card))
    )

    assert "Set the job title: Retail Manager → Store Manager" in text(card)
    assert before == "Retail Manager"
    assert done.level is Level.SUCCESS, text(done)
    assert _user(runtime, ADELE).job_title == "Store Manager"
