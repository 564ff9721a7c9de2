"""/mfa methods, /mfa reregister and /mfa state: a user's MFA methods and per-user MFA.

- methods: `GET /users/{id}/authentication/methods` (UserAuthenticationMethod.Read.All).
- reregister: deletes each removable method from its own collection (UserAuthenticationMethod.
  ReadWrite.All), so the user registers again at next sign-in. The password cannot be deleted.
  Graph refuses to delete the default method while others remain and does not say which one it
  is, so a method refused with 400 is tried again once the others are gone.
- state: beta `PATCH /users/{id}/authentication/requirements` `{"perUserMfaState": ...}`
  (beta authentication-update.md; Policy.ReadWrite.AuthenticationMethod, also enough to read it).
"""

from __future__ import annotations

from dataclasses import replace
from functools import partial
from typing import Literal

from pydantic import BaseModel, Field

from cards.reply import Facts, Level, Notice, Reply, Table
from commands.kit.context import CommandContext
from commands.kit.plan import ActionArgs, Plan
from commands.kit.readback import applied, read_back
from commands.kit.registry import ACTION_ROLES, command, positional
from commands.queries.auth_methods import (
    METHODS_WRITE,
    Method,
    needs_permission,
    read_methods,
    removal_order,
    state_of,
)
from commands.queries.targets import find_target, user_plan
from core.errors import Forbidden, IntegrationError, Rejected, RemoteNotFound, UserError

__all__ = [
    "MfaMethodsArgs",
    "MfaStateArgs",
    "ReregisterArgs",
    "mfa_methods",
    "mfa_reregister",
    "mfa_state",
    "plan_mfa_state",
    "plan_reregister",
]

_ROLE_READ = "RoleManagement.Read.Directory"
_MFA_WRITE = "Policy.ReadWrite.AuthenticationMethod"
_USER = "a UPN, e-mail address, object id or part of a name"
MfaState = Literal["enforced", "enabled", "disabled"]
_STATE_MEANS = {
    "enforced": "must use MFA at every sign-in",
    "enabled": "is asked to register MFA and then uses it",
    "disabled": "is not asked for MFA by per-user MFA",
}


# --- /mfa methods ----------------------------------------------------------------------------


class MfaMethodsArgs(BaseModel):
    user: str = positional(_USER, rest=True)
    tenant: str | None = Field(None, description="the customer tenant (see /tenants)")


@command(
    "mfa methods",
    args=MfaMethodsArgs,
    permissions=("UserAuthenticationMethod.Read.All", "User.Read.All"),
)
async def mfa_methods(ctx: CommandContext, args: MfaMethodsArgs) -> Reply:
    """List the authentication methods a user has registered."""
    target = await find_target(ctx, args.user)
    methods = await read_methods(ctx, target.id)
    rows = tuple(
        (m.label, m.added or "-", "yes" if m.collection else _why_kept(m)) for m in methods
    )
    blocks: list[Facts | Table | Notice] = [
        Table(("method", "added", "removable by /mfa reregister"), rows)
    ]
    if not any(m.counts_for_mfa for m in methods):
        blocks.append(
            Notice(
                Level.WARNING,
                f"{target.label} has no MFA method registered. /tap issues a Temporary Access "
                "Pass they can register one with.",
            )
        )
    data = {
        "id": target.id,
        "userPrincipalName": target.upn,
        "displayName": target.display_name,
        "isMfaRegistered": any(m.counts_for_mfa for m in methods),
        "authenticationMethods": [
            {**m.graph, "removableByReregister": m.collection is not None} for m in methods
        ],
    }
    return Reply(title=f"Authentication methods: {target.upn}", blocks=tuple(blocks), data=data)


def _why_kept(method: Method) -> str:
    if method.is_password:
        return "no: passwords cannot be removed (use /reset-password)"
    return "no: remove it in the Microsoft Entra admin center"


# --- /mfa reregister -------------------------------------------------------------------------


class ReregisterArgs(ActionArgs):
    user: str = positional(_USER, rest=True)


async def plan_reregister(ctx: CommandContext, args: ReregisterArgs) -> Plan:
    target = await find_target(ctx, args.user)
    tenant = ctx.current_tenant.display_name
    methods = await read_methods(ctx, target.id)
    removable = removal_order(methods)
    if not removable:
        raise UserError(
            f"{target.label} has no authentication method to remove besides the password; "
            "nothing to do. /tap issues a Temporary Access Pass to register new methods with."
        )
    effects = [f"Remove {m.label}" for m in removable]
    effects += [
        f"Keep {m.label}: {_why_kept(m).removeprefix('no: ')}" for m in methods if not m.collection
    ]
    return await user_plan(
        ctx,
        target,
        summary=f"Remove the authentication methods of {target.label} in {tenant}",
        effects=tuple(effects),
        notes=(
            f"{target.upn} must register MFA again at next sign-in. Until then, anyone with "
            "their password can register methods: reset it with /reset-password if it may be "
            "known to someone else, or give the user a /tap pass to register with.",
            "Removing methods does not end sessions that are signed in: add /revoke-sessions.",
            "The user's default method is removed last: Graph refuses it while others remain.",
        ),
        methods=state_of(methods),
    )


@command(
    "mfa reregister",
    args=ReregisterArgs,
    roles=ACTION_ROLES,
    permissions=(METHODS_WRITE, "User.Read.All", _ROLE_READ),
    plan=plan_reregister,
)
async def mfa_reregister(ctx: CommandContext, args: ReregisterArgs, plan: Plan) -> Reply:
    """Remove a user's registered authentication methods, so they register MFA again.

    The password stays (it cannot be removed). The methods to remove are listed for you to
    confirm; if any changes before the action runs, it stops.
    """
    methods = await read_methods(ctx, plan.target_id)
    results: dict[str, str] = {}
    refused: list[Method] = []
    for method in removal_order(methods):
        outcome = await _remove(ctx, plan, method, retrying=False)
        if outcome is None:
            refused.append(method)
        else:
            results[method.key] = outcome
    for method in refused:  # the default method, once it is the last one
        results[method.key] = await _remove(ctx, plan, method, retrying=True) or "refused"
    rows = tuple((m.label, results[m.key]) for m in removal_order(methods))
    failed = [label for label, result in rows if result != "removed"]
    table = Table(("method", "result"), rows)
    if failed:
        return Reply(
            title=f"Methods only partly removed: {plan.target}",
            blocks=(
                table,
                Notice(
                    Level.ERROR,
                    f"Removed {len(rows) - len(failed)} of {len(rows)} methods of {plan.target}; "
                    f"not removed: {', '.join(failed)}. Look at them with /mfa methods "
                    f"{plan.target}, or remove them in the Microsoft Entra admin center.",
                ),
            ),
            level=Level.ERROR,
        )
    seen = await read_back(ctx, partial(read_methods, ctx, plan.target_id), _methods_left)
    return applied(
        seen,
        title=f"Authentication methods removed: {plan.target}",
        blocks=(table,),
        done=f"Removed {len(rows)} authentication methods of {plan.target} in "
        f"{ctx.current_tenant.display_name}: they register MFA again at next sign-in. The "
        "password is unchanged.",
        look=f"/mfa methods {plan.target}",
    )


async def _remove(ctx: CommandContext, plan: Plan, method: Method, *, retrying: bool) -> str | None:
    """ "removed", why not, or None for a first refusal worth trying again later."""
    path = f"/users/{plan.target_id}/authentication/{method.collection}/{method.id}"
    try:
        await ctx.graph.request("DELETE", path)
    except RemoteNotFound:
        return "removed"  # already gone: what the action wanted
    except Forbidden as error:
        raise needs_permission(
            error, METHODS_WRITE, f"remove {plan.target}'s authentication methods"
        ) from None
    except Rejected as error:
        if error.status == 400 and not retrying:
            return None
        return f"refused: {error.message}"
    except IntegrationError as error:
        return f"failed: {error.message}"
    return "removed"


def _methods_left(methods: list[Method]) -> str:
    """The removable methods Graph still lists, or ""."""
    left = [m.label for m in methods if m.collection]
    return f"it still lists {', '.join(left)}" if left else ""


# --- /mfa state ------------------------------------------------------------------------------


class MfaStateArgs(ActionArgs):
    state: MfaState = positional("enforced, enabled or disabled")
    user: str = positional(_USER, rest=True)


async def _read_state(ctx: CommandContext, user_id: str) -> str:
    try:
        body = await ctx.graph.get(
            f"/users/{user_id}/authentication/requirements", select=(), version="beta"
        )
    except Forbidden as error:
        raise needs_permission(error, _MFA_WRITE, "read per-user MFA") from None
    return str(body.get("perUserMfaState") or "unknown")


async def plan_mfa_state(ctx: CommandContext, args: MfaStateArgs) -> Plan:
    target = await find_target(ctx, args.user)
    tenant = ctx.current_tenant.display_name
    current = await _read_state(ctx, target.id)
    if current == args.state:
        raise UserError(
            f"Per-user MFA for {target.label} is already {current} in {tenant}; nothing to do."
        )
    notes = [
        "Per-user MFA is Microsoft's legacy control: Conditional Access or security defaults "
        "are the recommended way to require MFA.",
    ]
    if args.state == "disabled":
        notes.append(
            "If Conditional Access or security defaults require MFA, the user is still asked."
        )
    return await user_plan(
        ctx,
        target,
        summary=f"Set per-user MFA of {target.label} to {args.state} in {tenant}",
        effects=(
            f"Change per-user MFA of {target.upn} from {current} to {args.state}: the user "
            f"{_STATE_MEANS[args.state]}",
        ),
        notes=tuple(notes),
        perUserMfaState=current,
        requestedState=args.state,
    )


@command(
    "mfa state",
    args=MfaStateArgs,
    roles=ACTION_ROLES,
    permissions=(_MFA_WRITE, "User.Read.All", _ROLE_READ),
    plan=plan_mfa_state,
)
async def mfa_state(ctx: CommandContext, args: MfaStateArgs, plan: Plan) -> Reply:
    """Set a user's per-user MFA: enforced, enabled or disabled (Microsoft's legacy control).

    Refused when the user is already in that state.
    """
    wanted = str(plan.state.get("requestedState"))
    path = f"/users/{plan.target_id}/authentication/requirements"
    try:
        await ctx.graph.request("PATCH", path, json={"perUserMfaState": wanted}, version="beta")
    except Forbidden as error:
        raise needs_permission(error, _MFA_WRITE, f"change {plan.target}'s per-user MFA") from None
    seen = await read_back(
        ctx,
        partial(_read_state, ctx, plan.target_id),
        lambda now: "" if now == wanted else f"it reports {now}",
    )
    before = str(plan.state.get("perUserMfaState"))
    reply = applied(
        seen,
        title=f"Per-user MFA {wanted}: {plan.target}",
        blocks=(Facts((("Per-user MFA", wanted), ("Before", before))),),
        done=f"Per-user MFA of {plan.target} in {ctx.current_tenant.display_name} is now "
        f"{wanted}: the user {_STATE_MEANS[wanted]}.",
        look=f"/user {plan.target}",
    )
    # Graph accepted the change, so it is the state now; `visible`: a read-back showed it.
    data = {
        "id": plan.target_id,
        "userPrincipalName": plan.target,
        "perUserMfaState": wanted,
        "previousPerUserMfaState": before,
        "visible": seen.visible,
    }
    return replace(reply, data=data)
