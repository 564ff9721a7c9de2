"""/block, /unblock and /revoke-sessions: stop or allow a user's sign-ins, end their sessions.

Block is `PATCH /users/{id}` `{"accountEnabled": false}` and then
`POST /users/{id}/revokeSignInSessions` (user-update.md, user-revokesigninsessions.md): the
account first, so no new refresh token is issued after the old ones are revoked. Each executor
acts on the planned object id only and reads the user back to check its change; a write that
got no answer is settled by that read-back (commands/kit/readback.py), never sent again blindly.

Accounts synced from on-premises AD are refused for block and unblock: the next sync would
overwrite `accountEnabled`. Revoking sessions works for them.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from cards.reply import Facts, Level, Notice, Reply
from commands.kit.context import CommandContext
from commands.kit.plan import ActionArgs, Plan
from commands.kit.readback import Sent, applied, read_back, send
from commands.kit.registry import ACTION_ROLES, command, positional
from commands.queries.targets import Target, find_target, user_plan
from core.errors import IntegrationError, OutcomeUnknown, UserError

__all__ = [
    "ACCESS_TOKEN_NOTE",
    "SignInArgs",
    "block",
    "plan_block",
    "plan_revoke_sessions",
    "plan_unblock",
    "revoke_sessions",
    "unblock",
]

ACCESS_TOKEN_NOTE = (
    "Already-issued access tokens stay valid up to about an hour unless the app supports "
    "continuous access evaluation."
)
_ROLE_READ = ("RoleManagement.Read.Directory",)
"""Protection checks read role assignments, PIM eligibilities and role definitions."""
_SESSIONS_FIELD = "signInSessionsValidFromDateTime"


class SignInArgs(ActionArgs):
    user: str = positional("a UPN, e-mail address, object id or part of a name", rest=True)


def _refuse_synced(target: Target, verb: str) -> None:
    if target.synced:
        raise UserError(
            f"{target.label} is synced from on-premises Active Directory, and the next sync "
            f"would overwrite a change made here. {verb} the account in on-premises Active "
            "Directory instead; the change reaches Microsoft 365 at the next sync. "
            "/revoke-sessions works for synced users and ends their sessions now."
        )


async def plan_block(ctx: CommandContext, args: SignInArgs) -> Plan:
    target = await find_target(ctx, args.user)
    tenant = ctx.current_tenant.display_name
    _refuse_synced(target, "Disable")
    if not target.enabled:
        raise UserError(
            f"Sign-in for {target.label} is already blocked in {tenant}; nothing to do. "
            "To end their sessions too, use /revoke-sessions."
        )
    return await user_plan(
        ctx,
        target,
        summary=f"Block sign-in for {target.label} in {tenant} and revoke their refresh tokens",
        effects=(
            f"Block sign-in: set accountEnabled to false on {target.upn}",
            f"Revoke {target.upn}'s refresh tokens and session cookies (revokeSignInSessions)",
        ),
        notes=(ACCESS_TOKEN_NOTE,),
    )


@command(
    "block",
    args=SignInArgs,
    roles=ACTION_ROLES,
    permissions=(
        "User.EnableDisableAccount.All",
        "User.Read.All",
        "User.RevokeSessions.All",
        *_ROLE_READ,
    ),
    plan=plan_block,
)
async def block(ctx: CommandContext, args: SignInArgs, plan: Plan) -> Reply:
    """Block a user's sign-in and revoke their refresh tokens.

    Refused for accounts synced from on-premises AD (disable them there). Tokens already issued
    stay valid up to about an hour unless the app supports continuous access evaluation.
    """
    path = f"/users/{plan.target_id}"
    blocked = await send(ctx.graph.request("PATCH", path, json={"accountEnabled": False}))
    try:
        revoked = await send(ctx.graph.request("POST", f"{path}/revokeSignInSessions"))
    except IntegrationError as error:
        blocked_how = (
            f"Blocked sign-in for {plan.target}"
            if blocked.unknown is None
            else f"Blocking sign-in for {plan.target} got no answer (outcome unknown; "
            f"client-request-id {blocked.unknown.client_request_id}: check with /user "
            f"{plan.target})"
        )
        return Reply(
            title=f"Sign-in blocked, sessions not revoked: {plan.target}",
            blocks=(
                Notice(
                    Level.ERROR,
                    f"{blocked_how}, but revoking their sessions failed: "
                    f"{error.message} Existing sessions stay signed in until their tokens "
                    f"expire: run /revoke-sessions {plan.target} now.",
                ),
            ),
            level=Level.ERROR,
        )
    if not _confirmed(revoked):
        return _revocation_unconfirmed(
            plan, f"Blocked sign-in for {plan.target}, but Graph did not confirm the revocation."
        )
    seen = await read_back(
        ctx,
        _reader(ctx, plan, ("accountEnabled", _SESSIONS_FIELD)),
        lambda after: "" if after.get("accountEnabled") is False else "sign-in shows as enabled",
    )
    reply = applied(
        seen,
        title=f"Sign-in blocked: {plan.target}",
        blocks=(
            Facts(
                (("Sign-in", "blocked"), ("Sessions valid from", _sessions_from(seen.state))),
            ),
        ),
        done=f"Blocked sign-in for {plan.target} in {ctx.current_tenant.display_name} and "
        f"revoked their refresh tokens. {ACCESS_TOKEN_NOTE}",
        look=f"/user {plan.target}",
        unknown=blocked.unknown,
        if_made=f"Their sessions were revoked: if sign-in is still enabled, run /block "
        f"{plan.target} again.",
    )
    if revoked.unknown is not None:
        return _revocation_unanswered(reply, plan, revoked.unknown)
    return reply


async def plan_unblock(ctx: CommandContext, args: SignInArgs) -> Plan:
    target = await find_target(ctx, args.user)
    tenant = ctx.current_tenant.display_name
    _refuse_synced(target, "Enable")
    if target.enabled:
        raise UserError(
            f"Sign-in for {target.label} is already enabled in {tenant}; nothing to do."
        )
    return await user_plan(
        ctx,
        target,
        summary=f"Allow sign-in again for {target.label} in {tenant}",
        effects=(f"Unblock sign-in: set accountEnabled to true on {target.upn}",),
        notes=(
            "If the account was blocked because it was compromised, reset its password and "
            "review its MFA methods before unblocking it.",
        ),
    )


@command(
    "unblock",
    args=SignInArgs,
    roles=ACTION_ROLES,
    permissions=("User.EnableDisableAccount.All", "User.Read.All", *_ROLE_READ),
    plan=plan_unblock,
)
async def unblock(ctx: CommandContext, args: SignInArgs, plan: Plan) -> Reply:
    """Allow a blocked user to sign in again.

    Refused for accounts synced from on-premises AD (enable them there).
    """
    sent = await send(
        ctx.graph.request("PATCH", f"/users/{plan.target_id}", json={"accountEnabled": True})
    )
    seen = await read_back(
        ctx,
        _reader(ctx, plan, ("accountEnabled",)),
        lambda after: "" if after.get("accountEnabled") is True else "sign-in shows as blocked",
    )
    return applied(
        seen,
        title=f"Sign-in allowed: {plan.target}",
        blocks=(Facts((("Sign-in", "enabled"),)),),
        done=f"{plan.target} can sign in to {ctx.current_tenant.display_name} again.",
        look=f"/user {plan.target}",
        unknown=sent.unknown,
    )


async def plan_revoke_sessions(ctx: CommandContext, args: SignInArgs) -> Plan:
    target = await find_target(ctx, args.user)
    tenant = ctx.current_tenant.display_name
    return await user_plan(
        ctx,
        target,
        summary=f"Revoke the refresh tokens and sessions of {target.label} in {tenant}",
        effects=(
            f"Revoke {target.upn}'s refresh tokens and session cookies for every app "
            "(revokeSignInSessions): they must sign in again everywhere",
        ),
        notes=(ACCESS_TOKEN_NOTE,),
    )


@command(
    "revoke-sessions",
    args=SignInArgs,
    roles=ACTION_ROLES,
    permissions=("User.RevokeSessions.All", "User.Read.All", *_ROLE_READ),
    plan=plan_revoke_sessions,
)
async def revoke_sessions(ctx: CommandContext, args: SignInArgs, plan: Plan) -> Reply:
    """Sign a user out everywhere by revoking their refresh tokens and session cookies.

    Works for accounts synced from on-premises AD too. Tokens already issued stay valid up to
    about an hour unless the app supports continuous access evaluation.
    """
    read = _reader(ctx, plan, (_SESSIONS_FIELD,))
    # Read first, so the read-back can tell the new time from the old one.
    before = (await read()).get(_SESSIONS_FIELD)
    answer = await send(ctx.graph.request("POST", f"/users/{plan.target_id}/revokeSignInSessions"))
    if not _confirmed(answer):
        return _revocation_unconfirmed(
            plan, f"Graph did not confirm revoking {plan.target}'s sessions."
        )
    seen = await read_back(
        ctx,
        read,
        lambda after: (
            "the sessions' valid-from time has not moved yet"
            if after.get(_SESSIONS_FIELD) == before
            else ""
        ),
    )
    return applied(
        seen,
        title=f"Sessions revoked: {plan.target}",
        blocks=(Facts((("Sessions valid from", _sessions_from(seen.state)),)),),
        done=f"Revoked the refresh tokens and sessions of {plan.target}: they must sign in "
        f"again everywhere. {ACCESS_TOKEN_NOTE}",
        look=f"/user {plan.target}",
        unknown=answer.unknown,
        if_made=f"Revoking sessions is safe to repeat: run /revoke-sessions {plan.target} "
        "again to be sure.",
    )


def _reader(
    ctx: CommandContext, plan: Plan, fields: tuple[str, ...]
) -> Callable[[], Awaitable[dict[str, Any]]]:
    """Reads the target's `fields` as Graph has them now."""
    return lambda: ctx.graph.get(f"/users/{plan.target_id}", select=fields)


def _sessions_from(after: dict[str, Any] | None) -> str:
    """When the user's sessions start counting again, as Graph reports it."""
    value = (after or {}).get(_SESSIONS_FIELD)
    try:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return "not reported"
    return f"{moment:%Y-%m-%d %H:%M:%S} UTC"


def _confirmed(revoked: Sent[dict[str, Any]]) -> bool:
    """revokeSignInSessions answers `"value": true`; an unanswered one is for the read-back."""
    return revoked.unknown is not None or (revoked.answer or {}).get("value") is True


def _revocation_unanswered(reply: Reply, plan: Plan, unknown: OutcomeUnknown) -> Reply:
    """Blocked, but the revocation got no answer: the sessions may still be valid."""
    warning = Notice(
        Level.WARNING,
        f"Revoking {plan.target}'s sessions got no answer (outcome unknown; client-request-id "
        f"{unknown.client_request_id}): run /revoke-sessions {plan.target} to be sure. It is "
        "safe to repeat.",
    )
    return dataclasses.replace(
        reply,
        title=f"{reply.title} (sessions: outcome unknown)",
        blocks=(*reply.blocks, warning),
        level=Level.WARNING if reply.level is Level.SUCCESS else reply.level,
    )


def _revocation_unconfirmed(plan: Plan, text: str) -> Reply:
    """revokeSignInSessions answered without its documented `"value": true`."""
    return Reply(
        title=f"Revocation not confirmed: {plan.target}",
        blocks=(
            Notice(
                Level.ERROR,
                f"{text} Look at the user with /user {plan.target} before trying again.",
            ),
        ),
        level=Level.ERROR,
    )
