"""/edit-user: profile fields, the manager, and group memberships copied from another user.

Profile fields are one `PATCH /users/{id}` with only the fields that change (user-update.md:
User.ReadUpdate.All is least privileged for them, User-Phone.ReadWrite.All for the mobile
phone); the manager is `PUT /users/{id}/manager/$ref` (user-post-manager.md, User.ReadWrite.All,
which also covers the profile fields, so the command asks for it); copied memberships are
`POST /groups/{id}/members/$ref` per group (GroupMember.ReadWrite.All), read from the source's
`memberOf` (Directory.Read.All). Groups Graph cannot manage are skipped and listed, as are
role-assignable ones (/group add asks an admin for those).

Users synced from on-premises AD get their profile and manager from there: those changes are
refused (the next sync would undo them); the usage location and cloud groups can change here.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import Any

from pydantic import Field, field_validator

from cards.reply import Block, Facts, Level, Notice, Reply, Table
from commands.kit.context import CommandContext
from commands.kit.plan import ActionArgs, Json, Plan
from commands.kit.readback import applied, not_yet_visible, read_back
from commands.kit.registry import ACTION_ROLES, command, positional
from commands.queries.group_rules import Group, direct_groups, member_reference
from commands.queries.targets import Target, find_target, user_plan
from core.errors import Forbidden, IntegrationError, Rejected, RemoteNotFound, UserError

__all__ = ["EditUserArgs", "edit_user", "plan_edit_user"]

_USER_WRITE = "User.ReadWrite.All"
_COUNTRY_LETTERS = 2


@dataclass(frozen=True)
class _Field:
    arg: str
    graph: str
    label: str
    synced_ok: bool = False
    clearable: bool = True


_FIELDS = (
    _Field("display_name", "displayName", "display name", clearable=False),
    _Field("job_title", "jobTitle", "job title"),
    _Field("department", "department", "department"),
    _Field("office", "officeLocation", "office"),
    _Field("mobile_phone", "mobilePhone", "mobile phone"),
    _Field("usage_location", "usageLocation", "usage location", synced_ok=True),
)
_BY_GRAPH = {field.graph: field for field in _FIELDS}


def _option(what: str) -> Any:
    return Field(None, description=f'{what} ("" clears it)')


class EditUserArgs(ActionArgs):
    user: str = positional(
        "the user: a UPN, e-mail address, object id or part of a name", rest=True
    )
    job_title: str | None = _option("new job title")
    department: str | None = _option("new department")
    office: str | None = _option("new office location")
    mobile_phone: str | None = _option("new mobile phone number")
    usage_location: str | None = _option("two-letter country code for licensing")
    display_name: str | None = Field(None, description="new display name")
    manager: str | None = Field(None, description="the new manager's UPN")
    copy_groups_from: str | None = Field(
        None, description="add the user to the groups this user (UPN) is in"
    )

    @field_validator("usage_location")
    @classmethod
    def _country(cls, value: str | None) -> str | None:
        if not value:
            return value
        text = value.strip()
        if len(text) != _COUNTRY_LETTERS or not text.isalpha() or not text.isascii():
            raise ValueError("give a two-letter country code such as US, GB or DE")
        return text.upper()

    @field_validator("display_name")
    @classmethod
    def _display_name(cls, value: str | None) -> str | None:
        if value is not None and not value.strip():
            raise ValueError("a display name cannot be cleared")
        return value


def _new_value(args: EditUserArgs, field: _Field) -> str | None:
    """The value to send: "" from the command line clears the field."""
    value = getattr(args, field.arg)
    return None if value == "" else value


def _shown(value: Any) -> str:
    return str(value) if value else "(empty)"


@dataclass(frozen=True)
class _Profile:
    changes: tuple[tuple[_Field, Json, str | None], ...]
    unchanged: tuple[str, ...]


async def _profile(ctx: CommandContext, target: Target, args: EditUserArgs) -> _Profile:
    given = [f for f in _FIELDS if getattr(args, f.arg) is not None]
    if not given:
        return _Profile((), ())
    body = await ctx.graph.get(f"/users/{target.id}", select=tuple(f.graph for f in given))
    changes, unchanged = [], []
    for field in given:
        old, new = body.get(field.graph), _new_value(args, field)
        if (old or None) == (new or None):
            unchanged.append(f"The {field.label} is already {_shown(old)}.")
        else:
            changes.append((field, old if isinstance(old, str) else None, new))
    return _Profile(tuple(changes), tuple(unchanged))


def _refuse_synced(target: Target, args: EditUserArgs) -> None:
    if not target.synced:
        return
    mastered = [f.label for f in _FIELDS if getattr(args, f.arg) is not None and not f.synced_ok]
    if args.manager is not None:
        mastered.append("manager")
    if mastered:
        raise UserError(
            f"{target.label} is synced from on-premises Active Directory, which masters their "
            f"{', '.join(mastered)}: the next sync would overwrite a change made here. Change "
            "them in on-premises AD; Microsoft 365 follows at the next sync. The usage location "
            "and cloud group memberships (--copy-groups-from) can be changed here. Nothing was "
            "changed."
        )


async def _current_manager(ctx: CommandContext, user_id: str) -> dict[str, Any] | None:
    try:
        return await ctx.graph.get(
            f"/users/{user_id}/manager", select=("id", "displayName", "userPrincipalName")
        )
    except RemoteNotFound:
        return None


@dataclass(frozen=True)
class _Copy:
    add: tuple[Group, ...]
    skipped: tuple[str, ...]


async def _groups_to_copy(ctx: CommandContext, target: Target, source: Target) -> _Copy:
    if source.id == target.id:
        raise UserError("--copy-groups-from names the user being edited; name another user.")
    theirs = await direct_groups(ctx, source.id)
    mine = {group.id for group in await direct_groups(ctx, target.id)}
    add, skipped = [], []
    for group in theirs:
        if group.id in mine:
            continue
        if group.unmanageable():
            skipped.append(f"{group.label} ({_why_skipped(group)})")
        elif group.role_assignable:
            skipped.append(
                f"{group.label} (role-assignable: add it with /group add, which an admin approves)"
            )
        else:
            add.append(group)
    return _Copy(tuple(add), tuple(skipped))


def _why_skipped(group: Group) -> str:
    if group.synced:
        return "synced from on-premises AD: change it there"
    if group.dynamic:
        return "dynamic membership: its rule decides"
    return f"{group.kind}: managed in Exchange Online"


async def plan_edit_user(ctx: CommandContext, args: EditUserArgs) -> Plan:
    target = await find_target(ctx, args.user)
    tenant = ctx.current_tenant.display_name
    fields = [f for f in _FIELDS if getattr(args, f.arg) is not None]
    if not fields and args.manager is None and args.copy_groups_from is None:
        raise UserError(
            "Say what to change: --job-title, --department, --office, --mobile-phone, "
            "--usage-location, --display-name, --manager UPN or --copy-groups-from UPN."
        )
    _refuse_synced(target, args)
    profile = await _profile(ctx, target, args)
    effects = [
        f"Set the {field.label}: {_shown(old)} → {_shown(new)}"
        for field, old, new in profile.changes
    ]
    notes = list(profile.unchanged)
    state: dict[str, Json] = {field.graph: old for field, old, _ in profile.changes}
    state["fields"] = ",".join(field.graph for field, _, _ in profile.changes)
    if args.manager is not None:
        manager = await find_target(ctx, args.manager)
        if manager.id == target.id:
            raise UserError(f"{target.label} cannot be their own manager.")
        current = await _current_manager(ctx, target.id)
        old_label = (
            f"{current.get('displayName')} ({current.get('userPrincipalName')})"
            if current
            else "(none)"
        )
        if current and current.get("id") == manager.id:
            notes.append(f"{manager.label} is already the manager.")
        else:
            effects.append(f"Set the manager: {old_label} → {manager.label}")
            state["managerId"] = str(current.get("id")) if current else ""
            state["newManagerId"] = manager.id
            state["newManagerUpn"] = manager.upn
    if args.copy_groups_from is not None:
        source = await find_target(ctx, args.copy_groups_from)
        copy = await _groups_to_copy(ctx, target, source)
        effects.extend(f"Add to the {g.kind} {g.label} (as {source.upn})" for g in copy.add)
        if copy.skipped:
            notes.append("Not copied, Graph cannot change them here: " + "; ".join(copy.skipped))
        if not copy.add:
            notes.append(f"{target.upn} is already in every group of {source.upn} it can join.")
        state["groupsToAdd"] = ",".join(g.id for g in copy.add)
        state["groupNames"] = " | ".join(g.label for g in copy.add)
    if not effects:
        raise UserError(f"Nothing to change for {target.label}. " + " ".join(notes))
    return await user_plan(
        ctx,
        target,
        summary=f"Edit {target.label} in {tenant}",
        effects=tuple(effects),
        notes=tuple(notes),
        **state,
    )


@command(
    "edit-user",
    args=EditUserArgs,
    roles=ACTION_ROLES,
    permissions=(
        _USER_WRITE,
        "GroupMember.ReadWrite.All",
        "Directory.Read.All",
        "RoleManagement.Read.Directory",
    ),
    plan=plan_edit_user,
)
async def edit_user(ctx: CommandContext, args: EditUserArgs, plan: Plan) -> Reply:
    """Change a user's profile fields or manager, or copy another user's group memberships.

    Only the fields given change; "" clears one. Refused for fields synced from on-premises AD.
    --copy-groups-from skips groups Graph cannot manage and role-assignable ones.
    """
    path = f"/users/{plan.target_id}"
    names = [n for n in str(plan.state.get("fields") or "").split(",") if n]
    body = {name: _new_value(args, _BY_GRAPH[name]) for name in names}
    failures: list[str] = []
    if body:
        try:
            await ctx.graph.request("PATCH", path, json=body)
        except Forbidden as error:
            raise _forbidden(error, plan) from None
        except Rejected as error:
            raise Rejected(
                f"Microsoft Graph refused the profile change for {plan.target}: {error.message} "
                "Nothing was changed.",
                code=error.code,
                request_id=error.request_id,
                client_request_id=error.client_request_id,
            ) from None
    new_manager = str(plan.state.get("newManagerId") or "")
    manager_set = False
    if new_manager:
        host = ctx.graph.tokens.endpoints.graph_host
        reference = {"@odata.id": f"{host}/v1.0/users/{new_manager}"}
        try:
            await ctx.graph.request("PUT", f"{path}/manager/$ref", json=reference)
            manager_set = True
        except IntegrationError as error:
            failures.append(f"Setting the manager failed: {error.message}")
    group_ids = [g for g in str(plan.state.get("groupsToAdd") or "").split(",") if g]
    group_names = str(plan.state.get("groupNames") or "").split(" | ")
    added: list[tuple[str, str]] = []
    for group_id, name in zip(group_ids, group_names, strict=False):
        try:
            await ctx.graph.request(
                "POST",
                f"/groups/{group_id}/members/$ref",
                json=member_reference(ctx, plan.target_id),
            )
            added.append((name, "added"))
        except IntegrationError as error:
            added.append((name, "failed"))
            failures.append(f"Adding to {name} failed: {error.message}")
    written = _Edited(
        profile=body,
        manager_id=new_manager if manager_set else "",
        groups=frozenset(name for name, result in added if result == "added"),
    )
    return await _checked(ctx, plan, written, added, failures)


@dataclass(frozen=True)
class _Edited:
    """Profile fields (Graph names and values), the manager's id and the groups (by label),
    as written, or as read back."""

    profile: dict[str, Any]
    manager_id: str
    groups: frozenset[str]


async def _read_edited(ctx: CommandContext, plan: Plan, written: _Edited) -> _Edited:
    """What Graph shows now of the parts that were written."""
    profile: dict[str, Any] = {}
    if written.profile:
        profile = await ctx.graph.get(f"/users/{plan.target_id}", select=tuple(written.profile))
    manager = await _current_manager(ctx, plan.target_id) if written.manager_id else None
    groups = (
        frozenset(g.label for g in await direct_groups(ctx, plan.target_id))
        if written.groups
        else frozenset()
    )
    return _Edited(profile, str((manager or {}).get("id") or ""), groups)


def _unseen(written: _Edited, shown: _Edited) -> str:
    """The written parts Graph does not show yet, or ""."""
    lagging = [
        f"the old {_BY_GRAPH[name].label}"
        for name, value in written.profile.items()
        if (shown.profile.get(name) or None) != (value or None)
    ]
    if written.manager_id and shown.manager_id != written.manager_id:
        lagging.append("the old manager")
    lagging += [f"no membership of {name}" for name in sorted(written.groups - shown.groups)]
    return f"it still shows {', '.join(lagging)}" if lagging else ""


async def _checked(
    ctx: CommandContext,
    plan: Plan,
    written: _Edited,
    added: list[tuple[str, str]],
    failures: list[str],
) -> Reply:
    """Read back what was written and say what changed; a write Graph refused is an error."""
    read = partial(_read_edited, ctx, plan, written)
    seen = await read_back(ctx, read, partial(_unseen, written))
    facts = [
        (_BY_GRAPH[name].label.capitalize(), _shown(value))
        for name, value in written.profile.items()
    ]
    if written.manager_id:
        facts.append(("Manager", str(plan.state.get("newManagerUpn") or written.manager_id)))
    blocks: list[Block] = []
    if facts:
        blocks.append(Facts(tuple(facts)))
    if added:
        blocks.append(Table(("group", "result"), tuple(added)))
    tenant = ctx.current_tenant.display_name
    look = f"/user {plan.target}"
    if not failures:
        return applied(
            seen,
            title=f"User edited: {plan.target}",
            blocks=tuple(blocks),
            done=f"Edited {plan.target} in {tenant}.",
            look=look,
        )
    if not seen.visible:
        blocks.append(not_yet_visible(seen, look))
    blocks.append(
        Notice(
            Level.ERROR,
            f"Edited {plan.target} in {tenant} only in part. "
            + " ".join(failures)
            + f" Look at the user with {look} before trying again.",
        )
    )
    return Reply(title=f"Edit incomplete: {plan.target}", blocks=tuple(blocks), level=Level.ERROR)


def _forbidden(error: Forbidden, plan: Plan) -> Forbidden:
    return Forbidden(
        f"Microsoft Graph refused to change the profile of {plan.target}: the app needs the "
        f"application permission {_USER_WRITE} (or, for profile fields alone, "
        "User.ReadUpdate.All, with User-Phone.ReadWrite.All for the mobile phone) with admin "
        "consent. For holders of admin roles it also needs a directory role that may change "
        "them. Grant it in the Microsoft Entra admin center. Nothing was changed.",
        permission=_USER_WRITE,
        code=error.code,
        request_id=error.request_id,
        client_request_id=error.client_request_id,
    )
