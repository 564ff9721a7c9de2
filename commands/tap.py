"""/tap: a Temporary Access Pass, shown once and only to the requester.

The planner reads the tenant's policy, `GET /policies/authenticationMethodsPolicy/
authenticationMethodConfigurations/TemporaryAccessPass` (Policy.Read.All): a disabled policy,
a lifetime outside its minimum and maximum, or a multi-use pass where it allows one-time use
only are refused before anyone confirms. The executor creates the pass with
`POST /users/{id}/authentication/temporaryAccessPassMethods` `{"lifetimeInMinutes",
"isUsableOnce"}` (UserAuthenticationMethod.ReadWrite.All); the pass is in that answer only, and
leaves Deskhand only in `Reply.secret`. A user has one pass: a new one replaces the current one.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from functools import partial
from typing import Any

from pydantic import Field

from cards.reply import Facts, Level, Notice, Reply
from commands.kit.context import CommandContext
from commands.kit.plan import ActionArgs, Plan
from commands.kit.readback import applied, read_back
from commands.kit.registry import ACTION_ROLES, command, positional
from commands.queries.auth_methods import METHODS_WRITE, needs_permission
from commands.queries.targets import Target, find_target, user_plan
from core.errors import Forbidden, OutcomeUnknown, Rejected, UserError

__all__ = ["TAP_POLICY", "TapArgs", "TapPolicy", "plan_tap", "read_tap_policy", "tap"]

TAP_POLICY = (
    "/policies/authenticationMethodsPolicy/authenticationMethodConfigurations/TemporaryAccessPass"
)
_POLICY_READ = "Policy.Read.All"
_WHERE_TO_ENABLE = (
    "Microsoft Entra admin center > Protection > Authentication methods > Policies > "
    "Temporary Access Pass"
)
# The create page's own bounds (authentication-post-temporaryaccesspassmethods.md).
_MIN_MINUTES, _MAX_MINUTES = 10, 43200


class TapArgs(ActionArgs):
    user: str = positional("a UPN, e-mail address, object id or part of a name", rest=True)
    lifetime: int | None = Field(
        None,
        description="minutes the pass works (default: the tenant policy's default lifetime)",
    )
    multi_use: bool = Field(
        False,
        description="let the pass sign in more than once in its lifetime (one use by default)",
    )


@dataclass(frozen=True)
class TapPolicy:
    """The tenant's Temporary Access Pass policy, as Graph documents its configuration."""

    enabled: bool
    default: int
    minimum: int
    maximum: int
    one_time_only: bool
    """Every pass in the tenant is one-time use."""
    everyone: bool
    """The policy includes all users (not only some groups)."""

    @classmethod
    def from_graph(cls, body: Mapping[str, Any]) -> TapPolicy:
        targets = body.get("includeTargets") or ()
        return cls(
            enabled=body.get("state") == "enabled",
            default=_minutes(body.get("defaultLifetimeInMinutes"), 60),
            minimum=max(_minutes(body.get("minimumLifetimeInMinutes"), 60), _MIN_MINUTES),
            maximum=min(_minutes(body.get("maximumLifetimeInMinutes"), 480), _MAX_MINUTES),
            one_time_only=body.get("isUsableOnce") is True,
            everyone=any(isinstance(t, dict) and t.get("id") == "all_users" for t in targets),
        )


def _when(value: Any) -> str:
    """ "2026-09-26T07:53:16Z" as "2026-09-26 07:53 UTC"."""
    return f"{str(value)[:16].replace('T', ' ')} UTC" if value else "at an unknown time"


def _minutes(value: Any, fallback: int) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else fallback


async def read_tap_policy(ctx: CommandContext) -> TapPolicy:
    try:
        return TapPolicy.from_graph(await ctx.graph.get(TAP_POLICY, select=()))
    except Forbidden as error:
        raise needs_permission(
            error, _POLICY_READ, "read the tenant's Temporary Access Pass policy"
        ) from None


def _check_request(args: TapArgs, policy: TapPolicy, target: Target, tenant: str) -> int:
    """The lifetime to ask for, once the policy allows the pass at all."""
    if not policy.enabled:
        raise UserError(
            f"Temporary Access Passes are turned off in {tenant}, so Deskhand cannot issue one "
            f"for {target.label}. An Authentication Policy Administrator or Global Administrator "
            f"can turn them on in {_WHERE_TO_ENABLE}: Enable, and include the users (or All "
            "users) it should apply to. Then run /tap again."
        )
    lifetime = policy.default if args.lifetime is None else args.lifetime
    if not policy.minimum <= lifetime <= policy.maximum:
        raise UserError(
            f"{tenant}'s Temporary Access Pass policy allows lifetimes from {policy.minimum} to "
            f"{policy.maximum} minutes, so a {lifetime}-minute pass cannot be issued. Run /tap "
            f"again with --lifetime between {policy.minimum} and {policy.maximum}, or leave it "
            f"out for the default ({policy.default} minutes)."
        )
    if args.multi_use and policy.one_time_only:
        raise UserError(
            f"{tenant}'s Temporary Access Pass policy allows one-time passes only, so "
            "--multi-use cannot be granted. Leave out --multi-use, or change the policy's "
            f"one-time setting in {_WHERE_TO_ENABLE}."
        )
    return lifetime


async def _current_passes(ctx: CommandContext, user_id: str) -> list[dict[str, Any]]:
    try:
        body = await ctx.graph.get(
            f"/users/{user_id}/authentication/temporaryAccessPassMethods", select=()
        )
    except Forbidden as error:
        raise needs_permission(error, METHODS_WRITE, "read the user's passes") from None
    return [item for item in body.get("value") or () if isinstance(item, dict)]


async def plan_tap(ctx: CommandContext, args: TapArgs) -> Plan:
    target = await find_target(ctx, args.user)
    tenant = ctx.current_tenant.display_name
    policy = await read_tap_policy(ctx)
    lifetime = _check_request(args, policy, target, tenant)
    once = not args.multi_use
    use = "one-time use" if once else "usable many times"
    effects = [
        f"Create a Temporary Access Pass for {target.upn}: {use}, working for {lifetime} "
        "minutes from now"
    ]
    current = await _current_passes(ctx, target.id)
    for item in current:
        state = "still usable" if item.get("isUsable") else "no longer usable"
        effects.append(
            f"Replace {target.upn}'s current pass (created {_when(item.get('createdDateTime'))}"
            f", {state}): it stops working"
        )
    notes = [
        "The pass is shown once, only to you; Deskhand neither logs nor stores it. Give it "
        "to the user privately: it signs them in without their password or MFA, and lets them "
        "register new methods."
    ]
    if not target.enabled:
        notes.append(f"Sign-in is blocked for {target.upn}: the pass works only after /unblock.")
    if not policy.everyone:
        notes.append(
            f"{tenant}'s policy applies to selected groups only: if {target.upn} is outside "
            "them, Graph creates the pass but it cannot be used."
        )
    return await user_plan(
        ctx,
        target,
        summary=f"Issue a Temporary Access Pass for {target.label} in {tenant}",
        effects=tuple(effects),
        notes=tuple(notes),
        tapPolicy="enabled",
        lifetimeInMinutes=lifetime,
        isUsableOnce=once,
        currentPasses=",".join(sorted(str(item.get("id")) for item in current)),
    )


@command(
    "tap",
    args=TapArgs,
    roles=ACTION_ROLES,
    permissions=(METHODS_WRITE, _POLICY_READ, "User.Read.All", "RoleManagement.Read.Directory"),
    plan=plan_tap,
)
async def tap(ctx: CommandContext, args: TapArgs, plan: Plan) -> Reply:
    """Issue a Temporary Access Pass: one-time use unless --multi-use, for the policy's default
    lifetime unless --lifetime MINUTES.

    The pass is shown once, only to you. Refused when the tenant's Temporary Access Pass policy
    is off, or when the lifetime or multi-use is outside what the policy allows. A new pass
    replaces the user's current one.
    """
    lifetime = plan.state.get("lifetimeInMinutes")
    once = plan.state.get("isUsableOnce") is not False
    body = {"lifetimeInMinutes": lifetime, "isUsableOnce": once}
    path = f"/users/{plan.target_id}/authentication/temporaryAccessPassMethods"
    try:
        created = await ctx.graph.request("POST", path, json=body)
    except OutcomeUnknown as error:
        # The pass is only in the answer that never came: no read shows its code again.
        raise OutcomeUnknown(
            f"Microsoft Graph did not answer the request for a Temporary Access Pass for "
            f"{plan.target} (outcome unknown; client-request-id {error.client_request_id}). A "
            "pass may have been created, but its code never reached Deskhand, so no one can "
            f"use it: run /tap {plan.target} again, and the new pass replaces it.",
            **error.context,
        ) from None
    except Forbidden as error:
        raise needs_permission(error, METHODS_WRITE, f"create a pass for {plan.target}") from None
    except Rejected as error:
        if error.status != 400:
            raise
        raise Rejected(
            f"Microsoft Entra refused a Temporary Access Pass for {plan.target}: {error.message} "
            "Check the tenant's Temporary Access Pass policy, then run /tap again. No pass was "
            "created.",
            **error.context,
        ) from None
    code = str(created.get("temporaryAccessPass") or "")
    facts = Facts(
        (
            ("Use", "one time" if created.get("isUsableOnce", once) else "many times"),
            ("Works for", f"{created.get('lifetimeInMinutes', lifetime)} minutes"),
            ("Starts", str(created.get("startDateTime") or created.get("createdDateTime"))),
        )
    )
    if not code:
        # 201 without the documented `temporaryAccessPass`: a pass exists that no one can read.
        return Reply.error(
            f"Graph created a pass for {plan.target} but did not return it, so no one can use "
            "it. Run /tap again: a new pass replaces it."
        )
    seen = await read_back(
        ctx,
        partial(_current_passes, ctx, plan.target_id),
        lambda listed: (
            ""
            if created.get("id") in {item.get("id") for item in listed}
            else "it does not list the new pass yet"
        ),
    )
    reply = applied(
        seen,
        title=f"Temporary Access Pass: {plan.target}",
        blocks=(facts,),
        done=f"Issued a Temporary Access Pass for {plan.target} in "
        f"{ctx.current_tenant.display_name}. It is shown only to you, this once; give it to the "
        "user privately.",
        look=f"/mfa methods {plan.target}",
        secret=code,
    )
    if created.get("isUsable") is False and created.get("methodUsabilityReason") != "NotYetValid":
        # Created, so shown: the technician may fix the policy and then use it.
        unusable = Notice(
            Level.WARNING,
            f"Graph says the pass cannot be used yet ({created.get('methodUsabilityReason')}): "
            f"the tenant's Temporary Access Pass policy may not include {plan.target}. Check "
            f"the policy's users in {_WHERE_TO_ENABLE}.",
        )
        reply = dataclasses.replace(reply, blocks=(*reply.blocks, unusable), level=Level.WARNING)
    return reply
