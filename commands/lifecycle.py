"""/delete-user and /restore-user: soft delete, and restore from deleted items within 30 days.

Delete is `DELETE /users/{id}` (user-delete.md, 204): the user goes to deleted items with its
licences, mailbox and group memberships, and comes back with them if restored within 30 days.
Restore is `POST /directory/deletedItems/{id}/restore` (directory-deleteditems-restore.md, 200
with the user). Both need User.DeleteRestore.All, Microsoft's least-privileged permission for
them; acting on holders of privileged roles also needs a stronger directory role for the app
(Privileged Authentication Administrator), which Entra checks, not Deskhand.

Accounts synced from on-premises AD are refused: deleted in the cloud they would come back at
the next sync, so they are deleted (and restored) in on-premises AD.
"""

from __future__ import annotations

from datetime import datetime
from functools import partial

from cards.reply import Facts, Reply
from commands.kit.context import CommandContext
from commands.kit.plan import ActionArgs, Plan, Protection
from commands.kit.readback import applied, read_back, send
from commands.kit.registry import ACTION_ROLES, command, positional
from commands.queries.deleted_users import DeletedUser, find_deleted, matching_deleted
from commands.queries.people import is_direct_key
from commands.queries.targets import Target, find_target, read_target, user_plan
from core.errors import (
    Forbidden,
    IntegrationError,
    NotFound,
    Rejected,
    RemoteNotFound,
    UserError,
)
from integrations.graph import user_path

__all__ = [
    "DeleteUserArgs",
    "RestoreUserArgs",
    "delete_user",
    "plan_delete_user",
    "plan_restore_user",
    "restore_user",
]

_DELETE_RESTORE = "User.DeleteRestore.All"
_STRONG_ROLE = "Privileged Authentication Administrator"


class DeleteUserArgs(ActionArgs):
    user: str = positional("a UPN, e-mail address, object id or part of a name", rest=True)


class RestoreUserArgs(ActionArgs):
    user: str = positional(
        "the deleted user's former UPN, e-mail address, object id or part of its name", rest=True
    )


def _day(moment: datetime | None) -> str:
    return f"{moment:%Y-%m-%d}" if moment else "an unknown date"


# --- delete ----------------------------------------------------------------------------------


async def _already_deleted(ctx: CommandContext, query: str, error: NotFound) -> UserError:
    """A user that is not found may be in deleted items: say so, and how to undo it."""
    try:
        found = await matching_deleted(ctx, query) if query.strip() else []
    except IntegrationError:
        return error
    if len(found) != 1:
        return error
    gone = found[0]
    return UserError(
        f"{gone.label} was already deleted on {_day(gone.deleted)}; nothing to do. It stays in "
        f"deleted items until {_day(gone.purge_date())}: /restore-user {gone.upn} brings it back."
    )


async def _licence_names(ctx: CommandContext, user_id: str) -> list[str]:
    """The product names of the user's licences, freed for others when it is deleted."""
    user = await ctx.graph.get(f"/users/{user_id}", select=("assignedLicenses",))
    sku_ids = [str(a.get("skuId") or "").lower() for a in user.get("assignedLicenses") or ()]
    if not sku_ids:
        return []
    page = await ctx.graph.get("/subscribedSkus", select=("skuId", "skuPartNumber"))
    parts = {
        str(s.get("skuId") or "").lower(): str(s.get("skuPartNumber") or "")
        for s in page.get("value") or ()
    }
    return [ctx.products.name(sku, parts.get(sku, "")) for sku in sku_ids]


async def plan_delete_user(ctx: CommandContext, args: DeleteUserArgs) -> Plan:
    try:
        target = await find_target(ctx, args.user)
    except NotFound as error:
        raise await _already_deleted(ctx, args.user, error) from None
    tenant = ctx.current_tenant.display_name
    if target.synced:
        raise UserError(
            f"{target.label} is synced from on-premises Active Directory: deleted here, it would "
            "come back at the next sync. Delete (or move out of the sync scope) the account in "
            "on-premises Active Directory; Microsoft 365 follows at the next sync."
        )
    licences = await _licence_names(ctx, target.id)
    freed = ", ".join(licences) if licences else "none"
    return await user_plan(
        ctx,
        target,
        summary=f"Delete {target.label} in {tenant} (restorable for 30 days)",
        effects=(
            f"Delete the user {target.upn}: it moves to deleted items and can no longer sign in",
            f"Free its licences for others: {freed}",
        ),
        licences=len(licences),
        notes=(
            "Restorable for 30 days from deleted items with /restore-user (with its mailbox, "
            "group memberships and licences, where seats are still free); after that Entra "
            "deletes it for good.",
            "Mail sent to the user's address bounces while it is deleted.",
        ),
    )


@command(
    "delete-user",
    args=DeleteUserArgs,
    roles=ACTION_ROLES,
    permissions=(
        _DELETE_RESTORE,
        "User.Read.All",
        "Organization.Read.All",
        "RoleManagement.Read.Directory",
    ),
    plan=plan_delete_user,
)
async def delete_user(ctx: CommandContext, args: DeleteUserArgs, plan: Plan) -> Reply:
    """Delete a user (soft delete: restorable for 30 days with /restore-user).

    Frees its licences. Refused for accounts synced from on-premises AD (delete them there).
    """
    try:
        sent = await send(ctx.graph.request("DELETE", f"/users/{plan.target_id}"))
    except Forbidden as error:
        raise _needs_role(error, plan.target, plan.protection, "delete") from None
    except Rejected as error:
        raise _refused(error, plan.target, "delete") from None
    seen = await read_back(ctx, partial(_deleted_state, ctx, plan.target_id), _not_deleted)
    return applied(
        seen,
        title=f"User deleted: {plan.target}",
        blocks=(Facts((("Deleted items", "until restored or for 30 days"),)),),
        done=f"Deleted {plan.target} in {ctx.current_tenant.display_name}. Undo within 30 days "
        f"with /restore-user {plan.target}.",
        look=f"/user {plan.target}",
        unknown=sent.unknown,
    )


async def _deleted_state(ctx: CommandContext, user_id: str) -> tuple[bool, bool]:
    """Whether the user is still listed among users, and whether deleted items hold it."""
    return await _exists(ctx, user_path(user_id)), await _exists(
        ctx, f"/directory/deletedItems/{user_id}"
    )


async def _exists(ctx: CommandContext, path: str) -> bool:
    try:
        await ctx.graph.get(path, select=("id",))
    except RemoteNotFound:
        return False
    return True


def _not_deleted(state: tuple[bool, bool]) -> str:
    listed, in_deleted_items = state
    if listed:
        return "the user is still listed among users"
    return "" if in_deleted_items else "deleted items do not list the user"


# --- restore ---------------------------------------------------------------------------------


async def _active_user(ctx: CommandContext, key: str) -> Target | None:
    if not is_direct_key(key.strip()):
        return None
    try:
        return await read_target(ctx, key.strip())
    except RemoteNotFound:
        return None


async def plan_restore_user(ctx: CommandContext, args: RestoreUserArgs) -> Plan:
    tenant = ctx.current_tenant.display_name
    try:
        gone = await find_deleted(ctx, args.user)
    except NotFound:
        active = await _active_user(ctx, args.user)
        if active is not None:
            raise UserError(
                f"{active.label} is not deleted in {tenant}; nothing to restore."
            ) from None
        raise
    holder = await _active_user(ctx, gone.upn)
    if holder is not None:
        raise UserError(
            f"{gone.label} cannot be restored: its UPN {gone.upn} now belongs to "
            f"{holder.display_name}, another user in {tenant}. Rename or delete that user first, "
            "or restore with a new UPN in the Microsoft Entra admin center (Users > Deleted "
            "users)."
        )
    purge = gone.purge_date()
    left = f"{max(0, (purge - ctx.now).days)} days left" if purge else "purge date unknown"
    return Plan(
        summary=f"Restore {gone.label} in {tenant} from deleted items",
        effects=(
            f"Restore the user {gone.upn}, deleted on {_day(gone.deleted)} ({left})",
            "Its mailbox, group memberships and licences come back with it",
        ),
        target=gone.upn,
        target_id=gone.id,
        state={"userPrincipalName": gone.upn, "deletedDateTime": _day(gone.deleted)},
        protection=_configured_protection(ctx, gone),
        notes=(
            "Sign-in is restored as it was before the deletion: block it with /block if the "
            "account should stay closed.",
            "A licence whose seats were all taken meanwhile is not given back: check with "
            f"/user {gone.upn} afterwards.",
        ),
    )


def _configured_protection(ctx: CommandContext, gone: DeletedUser) -> Protection:
    """A deleted user holds no active role to check; configured break-glass accounts count."""
    keys = {gone.id.lower(), gone.upn.lower()}
    return Protection(("configured break-glass account",) if keys & ctx.protected_accounts else ())


@command(
    "restore-user",
    args=RestoreUserArgs,
    roles=ACTION_ROLES,
    permissions=(_DELETE_RESTORE, "User.Read.All"),
    plan=plan_restore_user,
)
async def restore_user(ctx: CommandContext, args: RestoreUserArgs, plan: Plan) -> Reply:
    """Restore a deleted user from deleted items (within 30 days of its deletion).

    The user comes back with its mailbox, groups and licences. Refused when its UPN now
    belongs to another user.
    """
    try:
        await ctx.graph.request("POST", f"/directory/deletedItems/{plan.target_id}/restore")
    except RemoteNotFound:
        raise UserError(
            f"{plan.target} is no longer in deleted items (restored or purged meanwhile); "
            "nothing was changed. /user shows whether it is back."
        ) from None
    except Forbidden as error:
        raise _needs_role(error, plan.target, plan.protection, "restore") from None
    except Rejected as error:
        raise _refused(error, plan.target, "restore") from None
    seen = await read_back(
        ctx,
        lambda: ctx.graph.get(
            user_path(plan.target_id), select=("id", "userPrincipalName", "accountEnabled")
        ),
        lambda after: (
            ""
            if str(after.get("userPrincipalName", "")).lower() == plan.target.lower()
            else "the user is listed under another UPN"
        ),
    )
    enabled = (seen.state or {}).get("accountEnabled") is not False
    return applied(
        seen,
        title=f"User restored: {plan.target}",
        blocks=(Facts((("Sign-in", "enabled" if enabled else "blocked"),)),),
        done=f"Restored {plan.target} in {ctx.current_tenant.display_name} from deleted items, "
        "with its mailbox and group memberships.",
        look=f"/user {plan.target}",
    )


# --- errors ----------------------------------------------------------------------------------


def _needs_role(error: Forbidden, target: str, protection: Protection, verb: str) -> Forbidden:
    """403: the permission is missing, or the target holds a role the app's role cannot reach."""
    if protection:
        why = (
            f"{target} holds a privileged role ({'; '.join(protection.reasons)}), so the app "
            f"also needs the {_STRONG_ROLE} role"
        )
    else:
        why = f"if {target} held an admin role, the app also needs the {_STRONG_ROLE} role"
    return Forbidden(
        f"Microsoft Graph refused to {verb} {target}. The app needs the application permission "
        f"{_DELETE_RESTORE} with admin consent; {why}. Grant it in the Microsoft Entra admin "
        f"center, or {verb} the user there. Nothing was changed.",
        permission=_DELETE_RESTORE,
        **error.context,
    )


def _refused(error: Rejected, target: str, verb: str) -> Rejected:
    if error.status != 400:
        return error
    return Rejected(
        f"Microsoft Entra refused to {verb} {target}: {error.message} If another user now has "
        "its UPN or e-mail address, rename or delete that user first. Nothing was changed.",
        **error.context,
    )
