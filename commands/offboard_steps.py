"""/offboard's steps: one per effect, built from the confirmed plan alone, each idempotent.

Every step reads the user's state first and changes only what is not yet changed, so a step
run again (after a crash, or a retry from the card) makes no second change and answers
"already …" as skipped. Block comes before revoke; convert-to-shared before the licences and
the groups. A step's `undo` holds what /offboard undo needs, never a secret: the generated
password is delivered inside its step and only "delivered" is kept.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import replace
from functools import partial
from typing import Any

from commands.kit.context import CommandContext
from commands.kit.formatting import counted
from commands.kit.plan import Plan
from commands.kit.steps import Step, StepContext, StepResult
from commands.offboard_effects import SYNC_UNDONE, chosen, onedrive_blocked
from commands.offboard_mailbox import (
    convert_shared,
    disable_rules,
    grant_mailbox,
    hide,
    remove_delegates,
    remove_devices,
    set_forward,
)
from commands.password import generate_password
from commands.queries.auth_methods import Method, read_methods, removal_order
from commands.queries.offboarding import GroupFacts, Snapshot
from core.errors import Rejected, RemoteNotFound, UserError

__all__ = ["offboard_steps"]

_Run = Callable[[StepContext], Awaitable[StepResult]]


def offboard_steps(ctx: CommandContext, args: Any, plan: Plan) -> list[Step]:
    """The plan's steps in card order; pure: no I/O here."""
    on = chosen(plan)
    snapshot = Snapshot.from_json(str(plan.state["snapshot"]))
    if snapshot.synced:
        on = on - set(SYNC_UNDONE)
    user, upn = plan.target_id, plan.target
    steps: list[Step] = []

    def add(key: str, label: str, run: _Run, after: tuple[str, ...] = ()) -> None:
        ordered = tuple(a for a in after if a in keys())
        steps.append(Step(key, label, _targeted(run, user, upn), ordered))

    def keys() -> set[str]:
        return {step.key for step in steps}

    if "block" in on:
        add("block", "Block sign-in", partial(block, user))
    if "revoke_sessions" in on:
        add("revoke", "Revoke sessions", partial(revoke, user, snapshot), ("block",))
    if "reset_password" in on:
        add("password", "Reset the password", partial(reset_password, user, upn, snapshot))
    if "remove_methods" in on:
        add("methods", "Remove authentication methods", partial(remove_methods, user))
    mailbox = snapshot.has_mailbox
    if "disable_rules" in on and mailbox:
        add("rules", "Disable inbox rules", partial(disable_rules, upn))
    if "convert_shared" in on and mailbox:
        add("shared", "Convert the mailbox to shared", partial(convert_shared, upn))
    if "hide" in on and mailbox:
        add("hide", "Hide from the address lists", partial(hide, upn))
    if "remove_devices" in on and mailbox:
        add("devices", "Remove mobile devices", partial(remove_devices, upn))
    ooo = str(plan.state.get("ooo") or "")
    if "ooo" in on and mailbox and ooo.strip():
        add("ooo", "Set the out-of-office reply", partial(set_ooo, user, ooo))
    forward = str(plan.state.get("forward_to") or "")
    if "forward" in on and mailbox and forward:
        keep = "keep_copy" in on
        add("forward", f"Forward mail to {forward}", partial(set_forward, upn, forward, keep))
    grantee = str(plan.state.get("mailbox_to") or "")
    if "grant_mailbox" in on and mailbox and grantee:
        auto = "auto_mapping" in on
        add("mailbox", f"Full access for {grantee}", partial(grant_mailbox, upn, grantee, auto))
    heir = str(plan.state.get("onedrive_to") or "")
    if "grant_onedrive" in on and heir:
        add("onedrive", f"OneDrive for {heir}", partial(grant_onedrive, snapshot.onedrive, heir))
    if "remove_delegates" in on and mailbox:
        add("delegates", "Remove calendar delegates", partial(remove_delegates, upn))
    if "remove_groups" in on:
        # Only a group that brings a licence must wait for the mailbox to be shared: leaving
        # it takes the licence, and with it the mailbox. The others go at once.
        licensing = {name for lic in snapshot.licences for name in lic.via_groups}
        for group in snapshot.groups:
            if group.via:
                run = partial(leave_group, user, upn, group)
                after = ("shared",) if {group.name, group.id} & licensing else ()
                add(f"group:{group.id}", f"Leave {group.name}", run, after)
    if "remove_licences" in on:
        direct = tuple(lic.sku_id for lic in snapshot.licences if lic.direct)
        if direct:
            add("licences", "Remove licences", partial(remove_licences, user, direct), ("shared",))
    return steps


def _targeted(run: _Run, user: str, upn: str) -> _Run:
    """The step, its undo naming the user (undo gets only the step's key and its undo)."""

    async def with_target(step: StepContext) -> StepResult:
        result = await run(step)
        if not result.undo:
            return result
        return replace(result, undo={**result.undo, "user_id": user, "upn": upn})

    return with_target


async def block(user: str, step: StepContext) -> StepResult:
    now = await step.command.graph.get(f"/users/{user}", select=("accountEnabled",))
    if now.get("accountEnabled") is False:
        return StepResult("sign-in was already blocked", skipped=True)
    await step.command.graph.request("PATCH", f"/users/{user}", json={"accountEnabled": False})
    return StepResult("blocked sign-in", undo={"accountEnabled": True})


async def revoke(user: str, snapshot: Snapshot, step: StepContext) -> StepResult:
    field = "signInSessionsValidFromDateTime"
    now = await step.command.graph.get(f"/users/{user}", select=(field,))
    if str(now.get(field) or "") != snapshot.sessions_valid_from:
        return StepResult("sessions were already revoked since the plan", skipped=True)
    await step.command.graph.request("POST", f"/users/{user}/revokeSignInSessions")
    return StepResult("revoked every refresh token and session")


async def reset_password(user: str, upn: str, snapshot: Snapshot, step: StepContext) -> StepResult:
    now = await step.command.graph.get(f"/users/{user}", select=("lastPasswordChangeDateTime",))
    if str(now.get("lastPasswordChangeDateTime") or "") != snapshot.password_changed:
        return StepResult("the password was already changed since the plan", skipped=True)
    password = generate_password()
    profile = {"password": password, "forceChangePasswordNextSignIn": True}
    await step.command.graph.request("PATCH", f"/users/{user}", json={"passwordProfile": profile})
    delivered = await step.deliver_secret(f"New password for {upn}", password)
    return StepResult(
        "reset; the new password was shown only to you"
        if delivered
        else "reset; the password could not be shown to you: reset it again to get one"
    )


async def _removed(step: StepContext, user: str, method: Method, *, last: bool = False) -> bool:
    """False for Graph's first refusal of the default method while others remain."""
    path = f"/users/{user}/authentication/{method.collection}/{method.id}"
    try:
        await step.command.graph.request("DELETE", path)
    except RemoteNotFound:
        return True  # removed meanwhile
    except Rejected as error:
        if error.status == 400 and not last:
            return False
        raise
    return True


async def remove_methods(user: str, step: StepContext) -> StepResult:
    methods = removal_order(await read_methods(step.command, user))
    if not methods:
        return StepResult("no authentication method was left", skipped=True)
    refused = [method for method in methods if not await _removed(step, user, method)]
    for method in refused:  # the default method: Graph takes it only once it is the last
        if not await _removed(step, user, method, last=True):
            raise UserError(f"Graph kept {method.label}: remove it in the Entra admin center.")
    return StepResult(f"removed {len(methods)}: {', '.join(m.label for m in methods)}")


async def set_ooo(user: str, text: str, step: StepContext) -> StepResult:
    path = f"/users/{user}/mailboxSettings"
    setting = (await step.command.graph.get(path, select=())).get("automaticRepliesSetting") or {}
    wanted = {
        "status": "alwaysEnabled",
        "externalAudience": "all",
        "internalReplyMessage": text,
        "externalReplyMessage": text,
    }
    if all(setting.get(key) == value for key, value in wanted.items()):
        return StepResult("the out-of-office reply was already set", skipped=True)
    await step.command.graph.request("PATCH", path, json={"automaticRepliesSetting": wanted})
    return StepResult("out-of-office reply set", undo={"ooo": setting})


async def grant_onedrive(site: str, heir: str, step: StepContext) -> StepResult:
    """SetSiteAdmin sets a flag: made again, nothing changes, so it is not read first."""
    if not site:
        return StepResult("the user has no OneDrive", skipped=True)
    blocked = onedrive_blocked(step.command)
    if blocked:
        return StepResult(f"skipped: {blocked}", skipped=True)
    await step.command.sharepoint.set_site_admin(site, heir)
    return StepResult(f"{heir} is site collection administrator of {site}")


async def leave_group(user: str, upn: str, group: GroupFacts, step: StepContext) -> StepResult:
    """Membership, then ownership when others own the group too (Graph refuses the last)."""
    ctx = step.command
    member, owner = await asyncio.gather(
        _leave(ctx, user, upn, group) if group.member else _nothing(),
        _give_up_ownership(ctx, user, group) if group.owner and group.other_owners else _nothing(),
    )
    done: dict[str, Any] = {"via": group.via, "member": member, "owner": owner}
    kept = " (stays the only owner)" if group.owner and not group.other_owners else ""
    if not (done["member"] or done["owner"]):
        return StepResult(f"already out of {group.name}{kept}", skipped=True)
    return StepResult(f"left {group.name}{kept}", undo=done)


async def _nothing() -> bool:
    return False


async def _give_up_ownership(ctx: CommandContext, user: str, group: GroupFacts) -> bool:
    try:
        await ctx.graph.request("DELETE", f"/groups/{group.id}/owners/{user}/$ref")
    except RemoteNotFound:
        return False
    return True


async def _leave(ctx: CommandContext, user: str, upn: str, group: GroupFacts) -> bool:
    """True when a membership was removed now; False when it was already gone."""
    if group.via == "exchange":
        try:
            await ctx.exchange.remove_distribution_group_member(group.id, upn)
        except Rejected as error:
            # Exchange says "... isn't a member of the group": gone already (a resumed step).
            if "member" in error.message and "n't" in error.message:
                return False
            raise
        return True
    try:
        await ctx.graph.request("DELETE", f"/groups/{group.id}/members/{user}/$ref")
    except RemoteNotFound:
        return False
    return True


async def remove_licences(user: str, planned: tuple[str, ...], step: StepContext) -> StepResult:
    now = await step.command.graph.get(
        f"/users/{user}", select=("assignedLicenses", "licenseAssignmentStates")
    )
    direct = {
        str(s.get("skuId")).lower()
        for s in now.get("licenseAssignmentStates") or ()
        if not s.get("assignedByGroup")
    }
    left = [sku for sku in planned if sku in direct]
    if not left:
        return StepResult("no directly assigned licence was left", skipped=True)
    body = {"addLicenses": [], "removeLicenses": left}
    await step.command.graph.request("POST", f"/users/{user}/assignLicense", json=body)
    return StepResult(f"removed {counted(len(left), 'licence')}", undo={"skus": left})
