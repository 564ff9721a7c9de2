"""/reset-password: a new password, generated or typed, shown once and only to the requester.

App-only resets are `PATCH /users/{id}` `{"passwordProfile": {...}}` (user-update.md): the app
needs User-PasswordProfile.ReadWrite.All and a directory role that may reset the target's
password (User Administrator for users without admin roles and for limited admins; only
Privileged Authentication Administrator for privileged admins).

The generated password is made inside the executor, never in the planner or the plan, so it
never reaches the store; it leaves only in `Reply.secret`. A typed password is accepted only
where no one else reads the conversation. A reset that got no answer may have been made, so
its password is treated as set: shown to the requester as after a success, never sent again.
"""

from __future__ import annotations

import secrets

from pydantic import Field, SecretStr

from cards.reply import Facts, Reply
from commands.kit.context import CommandContext
from commands.kit.plan import ActionArgs, Plan
from commands.kit.readback import applied, read_back, send
from commands.kit.registry import ACTION_ROLES, command, positional
from commands.queries.targets import find_target, read_target, user_plan
from core.errors import Forbidden, Rejected, UserError

__all__ = [
    "GENERATED_LENGTH",
    "ResetPasswordArgs",
    "generate_password",
    "meets_complexity",
    "plan_reset_password",
    "reset_password",
]

GENERATED_LENGTH = 20
# Look-alike characters (0/O, 1/l/I) left out so the password can be read out; the symbols are
# Entra-allowed ones that chat markup leaves alone.
_LOWER = "abcdefghijkmnopqrstuvwxyz"
_UPPER = "ABCDEFGHJKLMNPQRSTUVWXYZ"
_DIGITS = "23456789"
_SYMBOLS = "!@#$%+=?"
_MIN_LENGTH, _MAX_LENGTH = 8, 256
_PASSWORD_PERMISSION = "User-PasswordProfile.ReadWrite.All"


class ResetPasswordArgs(ActionArgs):
    user: str = positional("a UPN, e-mail address, object id or part of a name", rest=True)
    password: SecretStr | None = Field(
        None,
        description=(
            "a password you choose; only in a direct message with Deskhand or the console "
            "(leave it out to get a generated one)"
        ),
        json_schema_extra={"secret": True},
    )
    no_force_change: bool = Field(
        False, description="do not make the user choose a new password at next sign-in"
    )


def generate_password(length: int = GENERATED_LENGTH) -> str:
    """A random password with all four character classes Entra counts."""
    classes = (_LOWER, _UPPER, _DIGITS, _SYMBOLS)
    alphabet = "".join(classes)
    chars = [secrets.choice(c) for c in classes]
    chars += [secrets.choice(alphabet) for _ in range(length - len(classes))]
    secrets.SystemRandom().shuffle(chars)
    return "".join(chars)


def meets_complexity(password: str) -> bool:
    """Entra's rule for cloud accounts: 8 to 256 characters from three of lower case, upper
    case, digits and symbols. (The tenant's banned-password list is checked by Entra only.)"""
    if not _MIN_LENGTH <= len(password) <= _MAX_LENGTH:
        return False
    tests = (str.islower, str.isupper, str.isdigit, lambda c: not c.isalnum())
    return sum(any(test(c) for c in password) for test in tests) >= 3


def _check_typed(ctx: CommandContext, password: SecretStr) -> None:
    if not ctx.private:
        raise UserError(
            "Others can read this conversation, so Deskhand does not accept a typed password "
            "here; do not use the one you typed. Run /reset-password in a direct message with "
            "Deskhand or in the console, or leave out --password to get a generated password "
            "shown only to you."
        )
    if not meets_complexity(password.get_secret_value()):
        raise UserError(
            "That password does not meet Microsoft Entra's rules: 8 to 256 characters, with "
            "at least three of lower case, upper case, digits and symbols. Choose another, or "
            "leave out --password to get a generated one."
        )


async def plan_reset_password(ctx: CommandContext, args: ResetPasswordArgs) -> Plan:
    if args.password is not None:
        _check_typed(ctx, args.password)
    target = await find_target(ctx, args.user)
    tenant = ctx.current_tenant.display_name
    if target.synced:
        raise UserError(
            f"{target.label} is synced from on-premises Active Directory: its password is "
            "mastered there, and Deskhand cannot assume password writeback is set up. Reset "
            "the password in on-premises Active Directory; /revoke-sessions works for synced "
            "users and ends their sessions now."
        )
    typed = args.password is not None
    force = not args.no_force_change
    source = "the password you typed" if typed else "a generated 20-character password"
    return await user_plan(
        ctx,
        target,
        summary=f"Reset the password of {target.label} in {tenant}",
        effects=(
            f"Set {source} on {target.upn}",
            f"{'Require' if force else 'Do not require'} a new password at next sign-in",
        ),
        notes=(
            "The new password is shown once, only to you; Deskhand neither logs nor stores it.",
            "Sessions that did not sign in with the password can stay signed in: add "
            "/revoke-sessions to sign the user out everywhere.",
        ),
        lastPasswordChangeDateTime=target.password_changed,
        passwordSource="typed" if typed else "generated",
        forceChangePasswordNextSignIn=force,
    )


@command(
    "reset-password",
    args=ResetPasswordArgs,
    roles=ACTION_ROLES,
    permissions=(
        _PASSWORD_PERMISSION,
        "User.Read.All",
        "RoleManagement.Read.Directory",
        "Entra role: User Administrator",
    ),
    plan=plan_reset_password,
)
async def reset_password(ctx: CommandContext, args: ResetPasswordArgs, plan: Plan) -> Reply:
    """Reset a user's password: generated, or typed in a private conversation.

    The new password is shown once, only to you, and the user must change it at next sign-in
    unless --no-force-change is given. Refused for accounts synced from on-premises AD.
    """
    typed = plan.state.get("passwordSource") == "typed"
    if typed != (args.password is not None):
        # The store keeps no secret: a typed password exists only in the request that had it.
        return Reply.error(
            f"The password typed for {plan.target} is no longer available (Deskhand never "
            "stores one), so nothing was changed. Run /reset-password again."
        )
    password = args.password.get_secret_value() if args.password else generate_password()
    force = plan.state.get("forceChangePasswordNextSignIn") is not False
    profile = {"forceChangePasswordNextSignIn": force, "password": password}
    try:
        sent = await send(
            ctx.graph.request(
                "PATCH", f"/users/{plan.target_id}", json={"passwordProfile": profile}
            )
        )
    except Forbidden as error:
        raise _needs_role(error, plan) from None
    except Rejected as error:
        raise _refused(error, plan, typed=typed) from None
    facts = Facts(
        (
            ("Password", "the one you typed" if typed else "generated, shown only to you"),
            ("Change at next sign-in", "required" if force else "not required"),
        )
    )
    before = plan.state.get("lastPasswordChangeDateTime")
    seen = await read_back(
        ctx,
        lambda: read_target(ctx, plan.target_id),
        lambda after: (
            ""
            if after.password_changed and after.password_changed != before
            else "the user's last password change time has not moved yet"
        ),
    )
    shown = (
        "The password you typed is set; Deskhand did not keep it."
        if typed
        else "The new password is shown only to you, this once; pass it to the user privately."
    )
    return applied(
        seen,
        title=f"Password reset: {plan.target}",
        blocks=(facts,),
        done=f"Reset the password of {plan.target} in {ctx.current_tenant.display_name}. " + shown,
        look=f"/user {plan.target}",
        secret="" if typed else password,
        unknown=sent.unknown,
        if_made=(
            "Treat the password you typed as set: it may be."
            if typed
            else "Treat the password shown only to you as set: it may be, and Deskhand will not "
            "send it again. If the user cannot sign in with it, run /reset-password again."
        ),
    )


def _needs_role(error: Forbidden, plan: Plan) -> Forbidden:
    """403 on a reset: a missing permission, or (more often) a directory role too weak for
    this user. Entra does not say which, so name both."""
    if plan.protection:
        role = (
            f"{plan.target} holds a privileged role ({'; '.join(plan.protection.reasons)}), "
            "so the app needs Privileged Authentication Administrator"
        )
    else:
        role = "the app needs User Administrator (or Helpdesk or Password Administrator)"
    return Forbidden(
        f"Microsoft Graph refused to reset the password of {plan.target}. An app resets "
        f"passwords with {_PASSWORD_PERMISSION} and a Microsoft Entra role that reaches the user: "
        f"{role}. Grant the role to Deskhand's app in the Entra admin center, or reset the "
        "password there. Nothing was changed.",
        permission=_PASSWORD_PERMISSION,
        **error.context,
    )


def _refused(error: Rejected, plan: Plan, *, typed: bool) -> Rejected:
    if error.status != 400:
        return error
    hint = (
        "Choose another password, or leave out --password to get a generated one."
        if typed
        else "Run /reset-password again for a new generated password."
    )
    return Rejected(
        f"Microsoft Entra refused the new password for {plan.target}: it may break the tenant's "
        f"password rules (length, complexity, banned or recent passwords). {hint} Nothing was "
        f"changed. ({error.message})",
        **error.context,
    )
