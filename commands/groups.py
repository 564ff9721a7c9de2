"""/group add and /group remove: a user's membership of a security or Microsoft 365 group.

Add is `POST /groups/{id}/members/$ref` with `{"@odata.id": ".../directoryObjects/{user}"}`
(group-post-members.md), remove is `DELETE /groups/{id}/members/{user}/$ref`
(group-delete-members.md); both answer 204 and need GroupMember.ReadWrite.All. Groups Graph
cannot manage (mail-enabled security groups, distribution lists, dynamic and synced groups) are
refused with what to do instead; role-assignable groups need RoleManagement.ReadWrite.Directory
too and, because membership grants a directory role, an admin's approval.
"""

from __future__ import annotations

from dataclasses import replace
from functools import partial

from cards.reply import Facts, Reply
from commands.kit.context import CommandContext
from commands.kit.plan import ActionArgs, Plan, Protection
from commands.kit.readback import applied, read_back
from commands.kit.registry import ACTION_ROLES, command, positional
from commands.queries.group_rules import (
    ROLE_GROUP_PERMISSION,
    Group,
    direct_groups,
    find_group,
    member_reference,
)
from commands.queries.targets import Target, find_target, user_plan
from core.errors import Forbidden, Rejected, RemoteNotFound, UserError

__all__ = ["GroupMemberArgs", "group_add", "group_remove", "plan_group_add", "plan_group_remove"]

_MEMBERS_WRITE = "GroupMember.ReadWrite.All"
_PERMISSIONS = (
    _MEMBERS_WRITE,
    "Directory.Read.All",  # the user's memberOf
    "User.Read.All",
    "RoleManagement.Read.Directory",  # protected accounts
)


class GroupMemberArgs(ActionArgs):
    user: str = positional("the user: a UPN, e-mail address or object id")
    group: str = positional("the group: its display name, e-mail address or object id", rest=True)


async def _target_and_group(ctx: CommandContext, args: GroupMemberArgs) -> tuple[Target, Group]:
    target = await find_target(ctx, args.user)
    group = await find_group(ctx, args.group)
    why = group.unmanageable()
    if why:
        raise UserError(f"{why} Nothing was changed.")
    return target, group


async def _is_member(ctx: CommandContext, target: Target, group: Group) -> bool:
    return any(g.id == group.id for g in await direct_groups(ctx, target.id))


async def _plan(
    ctx: CommandContext, target: Target, group: Group, *, adding: bool, effects: tuple[str, ...]
) -> Plan:
    tenant = ctx.current_tenant.display_name
    verb = "Add" if adding else "Remove"
    where = "to" if adding else "from"
    notes = (group.role_note,) if group.role_assignable else ()
    plan = await user_plan(
        ctx,
        target,
        summary=f"{verb} {target.label} {where} the {group.kind} {group.label} in {tenant}",
        effects=effects,
        notes=notes,
        groupId=group.id,
        groupName=group.label,
        groupRoleAssignable=group.role_assignable,
    )
    if not group.role_assignable:
        return plan
    reason = f"membership of the role-assignable group {group.name} grants a directory role"
    return replace(plan, protection=Protection((*plan.protection.reasons, reason)))


async def plan_group_add(ctx: CommandContext, args: GroupMemberArgs) -> Plan:
    target, group = await _target_and_group(ctx, args)
    if await _is_member(ctx, target, group):
        raise UserError(f"{target.label} is already a member of {group.label}; nothing to do.")
    effect = f"Add {target.upn} to the members of {group.label} (members/$ref)"
    access = (
        "the group's Teams, SharePoint site and mail"
        if group.unified
        else "the apps, files and policies the group grants"
    )
    return await _plan(
        ctx, target, group, adding=True, effects=(effect, f"{target.upn} gets {access}")
    )


@command(
    "group add",
    args=GroupMemberArgs,
    roles=ACTION_ROLES,
    permissions=_PERMISSIONS,
    plan=plan_group_add,
)
async def group_add(ctx: CommandContext, args: GroupMemberArgs, plan: Plan) -> Reply:
    """Add a user to a security or Microsoft 365 group.

    Refused for groups Graph cannot manage: mail-enabled security groups and distribution lists
    (Exchange), dynamic groups and groups synced from on-premises AD. Role-assignable groups need
    an admin's approval.
    """
    group_id = str(plan.state["groupId"])
    path = f"/groups/{group_id}/members/$ref"
    try:
        await ctx.graph.request("POST", path, json=member_reference(ctx, plan.target_id))
    except Forbidden as error:
        raise _needs_permission(error, plan, "add", "to") from None
    except Rejected as error:
        raise _refused(error, plan, "add", "to") from None
    return await _checked(ctx, plan, member=True)


async def plan_group_remove(ctx: CommandContext, args: GroupMemberArgs) -> Plan:
    target, group = await _target_and_group(ctx, args)
    if not await _is_member(ctx, target, group):
        raise UserError(
            f"{target.label} is not a direct member of {group.label}; nothing to remove. "
            f"/user {target.upn} lists their groups (a membership through a nested group is "
            "removed from that group)."
        )
    effect = f"Remove {target.upn} from the members of {group.label} (members/{{id}}/$ref)"
    losses = "loses what the group grants (and licences assigned through it)"
    return await _plan(ctx, target, group, adding=False, effects=(effect, f"{target.upn} {losses}"))


@command(
    "group remove",
    args=GroupMemberArgs,
    roles=ACTION_ROLES,
    permissions=_PERMISSIONS,
    plan=plan_group_remove,
)
async def group_remove(ctx: CommandContext, args: GroupMemberArgs, plan: Plan) -> Reply:
    """Remove a user from a security or Microsoft 365 group.

    Refused for groups Graph cannot manage (as for /group add); licences assigned through the
    group go with the membership.
    """
    group_id = str(plan.state["groupId"])
    path = f"/groups/{group_id}/members/{plan.target_id}/$ref"
    try:
        await ctx.graph.request("DELETE", path)
    except RemoteNotFound:
        raise UserError(
            f"{plan.target} was no longer a member of the group; nothing was changed."
        ) from None
    except Forbidden as error:
        raise _needs_permission(error, plan, "remove", "from") from None
    except Rejected as error:
        raise _refused(error, plan, "remove", "from") from None
    return await _checked(ctx, plan, member=False)


async def _checked(ctx: CommandContext, plan: Plan, *, member: bool) -> Reply:
    """Read the user's groups back until the change shows."""
    group_id = str(plan.state["groupId"])
    done = "added to" if member else "removed from"
    seen = await read_back(
        ctx,
        partial(direct_groups, ctx, plan.target_id),
        lambda groups: (
            ""
            if any(g.id == group_id for g in groups) == member
            else "it still lists the old membership"
        ),
    )
    name = str(plan.state.get("groupName") or group_id)
    return applied(
        seen,
        title=f"Group membership changed: {plan.target}",
        blocks=(Facts((("Group", name), ("Member", "yes" if member else "no"))),),
        done=f"{plan.target} {done} {name} in {ctx.current_tenant.display_name}.",
        look=f"/user {plan.target}",
    )


def _needs_permission(error: Forbidden, plan: Plan, verb: str, where: str) -> Forbidden:
    extra = (
        f" This group is role-assignable, so the app also needs {ROLE_GROUP_PERMISSION}."
        if plan.state.get("groupRoleAssignable")
        else ""
    )
    return Forbidden(
        f"Microsoft Graph refused to {verb} {plan.target} {where} {_group(plan)}: the app needs "
        f"the application permission {_MEMBERS_WRITE} with admin consent.{extra} Grant it in the "
        "Microsoft Entra admin center (App registrations > API permissions). Nothing was changed.",
        permission=_MEMBERS_WRITE,
        **error.context,
    )


def _refused(error: Rejected, plan: Plan, verb: str, where: str) -> Rejected:
    return Rejected(
        f"Microsoft Graph refused to {verb} {plan.target} {where} {_group(plan)}: {error.message} "
        "Nothing was changed.",
        **error.context,
    )


def _group(plan: Plan) -> str:
    return str(plan.state.get("groupName") or plan.state.get("groupId") or "the group")
