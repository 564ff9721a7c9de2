"""delete-user and restore-user: planners and executors on Contoso, and the whole router once."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.approvals.cards import action_button, parse_action
from bot.pipeline.invocation import Invocation
from bot.process.runtime import Runtime
from cards.reply import Level, Reply
from commands import REGISTRY
from commands.kit.registry import Role
from commands.lifecycle import (
    DeleteUserArgs,
    RestoreUserArgs,
    delete_user,
    plan_delete_user,
    plan_restore_user,
    restore_user,
)
from commands.queries.deleted_users import original_upn
from core.errors import Forbidden, NotFound, UserError
from sandbox.graph.api_deleted import soft_delete
from sandbox.model import User
from tests.commands.contexts import contoso_context
from tests.commands.replies import text
from tests.commands.sandbox_state import contoso_directory as _directory
from tests.commands.sandbox_state import sandbox_of as _sandbox
from tests.commands.sandbox_state import user_named as _user
from tests.plugins.runtime import OPERATOR, Ask

ADELE = "adele.vance@contoso.com"


def _writes(runtime: Runtime) -> list[tuple[str, str, Any]]:
    return [
        (r.method, r.path, r.body)
        for r in _sandbox(runtime).requests
        if r.method in {"DELETE", "POST", "PATCH"}
        and r.path.startswith("/v1.0/")
        and not r.path.endswith("/$batch")
    ]


def _delete_now(runtime: Runtime, upn: str, days_ago: float = 0.0) -> User:
    user = _user(runtime, upn)
    soft_delete(_directory(runtime), user.id, datetime.now(UTC) - timedelta(days=days_ago))
    return user


# --- the specs -------------------------------------------------------------------------------


def test_delete_and_restore_are_destructive_with_least_privileged_permissions() -> None:
    for name in ("delete-user", "restore-user"):
        spec = REGISTRY.get(name)
        assert spec is not None
        assert spec.destructive
        assert spec.roles == {Role.TECHNICIAN, Role.ADMIN}
        assert spec.permissions[0] == "User.DeleteRestore.All"
        assert "User.ReadWrite.All" not in spec.permissions


def test_the_original_upn_is_the_listed_one_without_the_id_prefix() -> None:
    object_id = "78bf875b-9343-4edc-9130-0d3958113563"
    shown = "78bf875b93434edc91300d3958113563adele.vance@contoso.com"

    assert original_upn(object_id, shown) == ADELE
    assert original_upn(object_id, ADELE) == ADELE


# --- delete-user -----------------------------------------------------------------------------


async def test_the_delete_plan_names_the_user_and_the_licences_it_frees(runtime: Runtime) -> None:
    adele = _user(runtime, ADELE)

    plan = await plan_delete_user(contoso_context(runtime), DeleteUserArgs(user="adele"))

    assert (
        plan.summary
        == "Delete Adele Vance (adele.vance@contoso.com) in Contoso (restorable for 30 days)"
    )
    assert plan.effects == (
        "Delete the user adele.vance@contoso.com: it moves to deleted items and can no longer "
        "sign in",
        "Free its licences for others: Microsoft 365 E3",
    )
    assert (plan.target, plan.target_id) == (ADELE, adele.id)
    assert plan.state["licences"] == 1
    assert not plan.protection
    assert any("Restorable for 30 days" in note for note in plan.notes)
    assert _writes(runtime) == []


async def test_delete_sends_the_documented_request_and_checks_deleted_items(
    runtime: Runtime,
) -> None:
    ctx = contoso_context(runtime)
    args = DeleteUserArgs(user=ADELE)
    adele = _user(runtime, ADELE)
    e3 = adele.sku_ids[0]
    seats = _directory(runtime).consumed_units(e3)
    plan = await plan_delete_user(ctx, args)

    reply = await delete_user(ctx, args, plan)

    assert _writes(runtime) == [("DELETE", f"/v1.0/users/{adele.id}", None)]
    assert reply.level is Level.SUCCESS
    assert "/restore-user adele.vance@contoso.com" in text(reply)
    directory = _directory(runtime)
    assert directory.find_user(ADELE) is None
    assert adele.id in directory.deleted_users
    assert directory.consumed_units(e3) == seats - 1


async def test_delete_refuses_a_synced_user(runtime: Runtime) -> None:
    with pytest.raises(UserError, match="synced from on-premises Active Directory"):
        await plan_delete_user(contoso_context(runtime), DeleteUserArgs(user="lee.gu@contoso.com"))


async def test_a_user_already_deleted_says_when_and_how_to_restore(runtime: Runtime) -> None:
    _delete_now(runtime, ADELE, days_ago=3)

    with pytest.raises(UserError) as caught:
        await plan_delete_user(contoso_context(runtime), DeleteUserArgs(user=ADELE))

    message = caught.value.message
    assert message.startswith("Adele Vance (adele.vance@contoso.com) was already deleted on ")
    assert "nothing to do" in message
    assert "/restore-user adele.vance@contoso.com" in message


async def test_an_unknown_user_stays_not_found(runtime: Runtime) -> None:
    with pytest.raises(
        NotFound, match=re.escape("No user in Contoso matches 'nobody@contoso.com'")
    ):
        await plan_delete_user(contoso_context(runtime), DeleteUserArgs(user="nobody@contoso.com"))


async def test_a_user_deleted_since_the_plan_stops_the_replan(runtime: Runtime) -> None:
    ctx = contoso_context(runtime)
    await plan_delete_user(ctx, DeleteUserArgs(user=ADELE))
    _delete_now(runtime, ADELE)

    with pytest.raises(UserError, match="already deleted"):
        await plan_delete_user(ctx, DeleteUserArgs(user=ADELE))


async def test_deleting_a_global_admin_is_protected_and_names_the_role_it_needs(
    runtime: Runtime,
) -> None:
    ctx = contoso_context(runtime)
    args = DeleteUserArgs(user="admin@contoso.com")
    plan = await plan_delete_user(ctx, args)

    with pytest.raises(Forbidden) as caught:
        await delete_user(ctx, args, plan)

    assert "Global Administrator (active)" in plan.protection.reasons
    assert "Privileged Authentication Administrator" in caught.value.message
    assert "Nothing was changed" in caught.value.message
    assert _directory(runtime).find_user("admin@contoso.com") is not None


async def test_a_missing_permission_is_named(runtime: Runtime) -> None:
    ctx = contoso_context(runtime)
    args = DeleteUserArgs(user=ADELE)
    plan = await plan_delete_user(ctx, args)
    # User.ReadWrite.All (granted on the demo) deletes users too.
    _sandbox(runtime).tenant("contoso").permissions -= {
        "User.DeleteRestore.All",
        "User.ReadWrite.All",
    }

    with pytest.raises(Forbidden) as caught:
        await delete_user(ctx, args, plan)

    assert caught.value.permission == "User.DeleteRestore.All"
    assert _directory(runtime).find_user(ADELE) is not None


# --- restore-user ----------------------------------------------------------------------------


async def test_the_restore_plan_finds_the_user_by_its_former_upn(runtime: Runtime) -> None:
    adele = _delete_now(runtime, ADELE, days_ago=10)

    plan = await plan_restore_user(contoso_context(runtime), RestoreUserArgs(user=ADELE))

    assert plan.summary == (
        "Restore Adele Vance (adele.vance@contoso.com) in Contoso from deleted items"
    )
    assert plan.effects[0].startswith("Restore the user adele.vance@contoso.com, deleted on ")
    assert plan.effects[0].endswith("(19 days left)") or plan.effects[0].endswith("(20 days left)")
    assert (plan.target, plan.target_id) == (ADELE, adele.id)
    assert plan.state["userPrincipalName"] == ADELE
    assert not plan.protection


@pytest.mark.parametrize("query", ["adele", "Adele Vance", "ADELE.VANCE@contoso.com"])
async def test_restore_takes_a_name_or_the_former_upn(runtime: Runtime, query: str) -> None:
    adele = _delete_now(runtime, ADELE)

    plan = await plan_restore_user(contoso_context(runtime), RestoreUserArgs(user=query))

    assert plan.target_id == adele.id


async def test_restore_sends_the_documented_request_and_brings_back_groups(
    runtime: Runtime,
) -> None:
    directory = _directory(runtime)
    adele = _user(runtime, ADELE)
    groups = {g.id for g in directory.groups.values() if adele.id in g.member_ids}
    _delete_now(runtime, ADELE)
    ctx = contoso_context(runtime)
    args = RestoreUserArgs(user=ADELE)
    plan = await plan_restore_user(ctx, args)

    reply = await restore_user(ctx, args, plan)

    assert _writes(runtime) == [("POST", f"/v1.0/directory/deletedItems/{adele.id}/restore", None)]
    assert reply.level is Level.SUCCESS
    assert directory.find_user(ADELE) == adele
    assert directory.deleted_users == {}
    assert {g.id for g in directory.groups.values() if adele.id in g.member_ids} == groups


async def test_a_user_deleted_more_than_thirty_days_ago_cannot_be_restored(
    runtime: Runtime,
) -> None:
    _delete_now(runtime, ADELE, days_ago=31)

    with pytest.raises(NotFound) as caught:
        await plan_restore_user(contoso_context(runtime), RestoreUserArgs(user=ADELE))

    assert caught.value.message.startswith(
        "No deleted user in Contoso matches 'adele.vance@contoso.com'. Entra keeps deleted "
        "users for 30 days"
    )


async def test_restoring_an_active_user_says_there_is_nothing_to_restore(
    runtime: Runtime,
) -> None:
    with pytest.raises(UserError, match="is not deleted in Contoso; nothing to restore"):
        await plan_restore_user(contoso_context(runtime), RestoreUserArgs(user=ADELE))


async def test_restore_is_refused_when_another_user_has_the_upn(runtime: Runtime) -> None:
    adele = _delete_now(runtime, ADELE)
    _directory(runtime).add_user(
        replace(adele, id="0" * 8 + adele.id[8:], display_name="New Adele")
    )

    with pytest.raises(UserError) as caught:
        await plan_restore_user(contoso_context(runtime), RestoreUserArgs(user=adele.id))

    assert "now belongs to New Adele" in caught.value.message
    assert "Rename or delete that user first" in caught.value.message


async def test_a_user_purged_after_the_plan_changes_nothing_and_says_so(runtime: Runtime) -> None:
    adele = _delete_now(runtime, ADELE)
    ctx = contoso_context(runtime)
    args = RestoreUserArgs(user=ADELE)
    plan = await plan_restore_user(ctx, args)
    del _directory(runtime).deleted_users[adele.id]

    with pytest.raises(UserError, match="no longer in deleted items"):
        await restore_user(ctx, args, plan)


async def test_several_deleted_users_matching_are_listed(runtime: Runtime) -> None:
    _delete_now(runtime, ADELE)
    _delete_now(runtime, "alex.wilber@contoso.com")

    with pytest.raises(UserError, match="2 deleted users in Contoso match 'a'"):
        await plan_restore_user(contoso_context(runtime), RestoreUserArgs(user="a"))


# --- through the router ----------------------------------------------------------------------


def _confirm_button(reply: Reply) -> str:
    for button in reply.buttons:
        decision = parse_action(button.action_id)
        if decision and decision[1] == "confirm":
            return action_button(decision[0], "confirm")
    raise AssertionError(f"no confirm button in {reply!r}")


async def test_delete_then_restore_through_the_router_with_confirmation(
    runtime: Runtime, ask: Ask
) -> None:
    adele = _user(runtime, ADELE)

    card = await ask(f"/delete-user {ADELE} --tenant contoso --reason TCK-1")
    untouched = _directory(runtime).find_user(ADELE)
    deleted = await runtime.router.handle(
        Invocation(channel="console", actor=OPERATOR, text="", action=_confirm_button(card))
    )
    card_back = await ask(f"/restore-user {ADELE} --tenant contoso")
    restored = await runtime.router.handle(
        Invocation(channel="console", actor=OPERATOR, text="", action=_confirm_button(card_back))
    )

    assert "Free its licences for others: Microsoft 365 E3" in text(card)
    assert untouched is not None
    assert deleted.level is Level.SUCCESS, text(deleted)
    assert restored.level is Level.SUCCESS, text(restored)
    assert _writes(runtime) == [
        ("DELETE", f"/v1.0/users/{adele.id}", None),
        ("POST", f"/v1.0/directory/deletedItems/{adele.id}/restore", None),
    ]
    assert _directory(runtime).find_user(ADELE) == adele
