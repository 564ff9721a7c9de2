"""/grant, /revoke-grant and /grants: roles per person per tenant, given by admins.

Rules, checked here against the same roles the router's access check uses:
- an admin grants or revokes only in tenants where they are admin; `--tenant *` (every tenant)
  needs an admin of every tenant;
- nobody revokes their own admin role, so nobody can lock themselves (or everyone) out;
- roles from the configuration are changed in deskhand.toml, never by command.
A change that would change nothing is refused, so every audited success is a real change.
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, Field, field_validator

from cards.reply import Level, Notice, Reply, Table
from commands.kit.context import CommandContext
from commands.kit.formatting import iso_or_null, when
from commands.kit.registry import Role, command, positional
from commands.kit.services import GrantBook, GrantEntry
from core.errors import AccessDenied, NotFound, UsageError, UserError

__all__ = [
    "ALL_TENANTS",
    "GrantArgs",
    "GrantsArgs",
    "grant_command",
    "grants_command",
    "normalise_who",
    "revoke_grant_command",
]

ALL_TENANTS = "*"
"""A grant's tenant meaning every tenant; `--tenant *` on the commands about Deskhand itself."""

ADMINS = frozenset({Role.ADMIN})
_EMAIL = re.compile(r"^[^@\s:]+@[^@\s]+\.[^@\s]+$")
_CONSOLE_USER = re.compile(r"^console:\S+$")
RoleName = Literal["readonly", "technician", "approver", "admin"]


def normalise_who(value: object) -> object:
    """E-mail addresses in lower case; console accounts as `console:<user>`."""
    if not isinstance(value, str):
        return value
    text = value.strip()
    if _CONSOLE_USER.match(text):
        return text
    if _EMAIL.match(text):
        return text.lower()
    raise ValueError("give an e-mail address or console:<user>")


class GrantArgs(BaseModel):
    who: str = positional("an e-mail address or console:<user>")
    role: RoleName = positional("readonly, technician, approver or admin")
    tenant: str = Field(description="a tenant (see /tenants), or * for every tenant")

    _who = field_validator("who", mode="before")(normalise_who)

    def describe_change(self) -> str:
        return f"granted {self.role} to {self.who} in {_scope_name(self.tenant)}"


class RevokeGrantArgs(GrantArgs):
    def describe_change(self) -> str:
        return f"revoked {self.role} from {self.who} in {_scope_name(self.tenant)}"


class GrantsArgs(BaseModel):
    tenant: str | None = Field(None, description="only this tenant's grants (* for all)")
    who: str | None = Field(None, description="only this person's grants")

    _who = field_validator("who", mode="before")(normalise_who)


# `--tenant *` reaches these handlers as no tenant: they check the roles themselves.
@command("grant", args=GrantArgs, roles=ADMINS, every_tenant=True)
async def grant_command(ctx: CommandContext, args: GrantArgs) -> Reply:
    """Give a person a role in a tenant, or in every tenant with --tenant *.

    Admins only, in the tenants where they are admin. The role counts from their next command.
    """
    book, scope = await _admin_scope(ctx, "grant roles")
    role = Role(args.role)
    where = _scope_name(scope)
    if book.configured(args.who, scope, role):
        raise UserError(f"{args.who} already holds {role} in {where} by configuration.")
    if not await book.grant(args.who, scope, role, by=ctx.actor.id, now=ctx.now):
        raise UserError(f"{args.who} already holds {role} in {where}.")
    return Reply(
        title="Role granted",
        blocks=(Notice(Level.SUCCESS, f"{args.who} now holds {role} in {where}."),),
        data=_held(args.who, scope, role, held=True),
    )


@command("revoke-grant", args=RevokeGrantArgs, roles=ADMINS, every_tenant=True)
async def revoke_grant_command(ctx: CommandContext, args: RevokeGrantArgs) -> Reply:
    """Take a role given with /grant away from a person.

    Admins only, in the tenants where they are admin. Roles from the configuration are removed
    in deskhand.toml; nobody can revoke their own admin role.
    """
    book, scope = await _admin_scope(ctx, "revoke roles")
    role = Role(args.role)
    where = _scope_name(scope)
    if role is Role.ADMIN and args.who in {ctx.actor.id, ctx.actor.email.lower()}:
        raise AccessDenied(
            "You cannot revoke your own admin role, so that nobody locks themselves out; "
            "ask another admin to do it."
        )
    if book.configured(args.who, scope, role):
        raise UserError(
            f"{args.who} holds {role} in {where} by configuration: edit deskhand.toml to remove it."
        )
    if not await book.revoke(args.who, scope, role):
        raise NotFound(
            f"{args.who} holds no granted {role} role in {where}. See /grants --who {args.who}."
        )
    return Reply(
        title="Role revoked",
        blocks=(Notice(Level.SUCCESS, f"{args.who} no longer holds {role} in {where}."),),
        data=_held(args.who, scope, role, held=False),
    )


@command("grants", args=GrantsArgs, roles=ADMINS, every_tenant=True)
async def grants_command(ctx: CommandContext, args: GrantsArgs) -> Reply:
    """List who holds which role where, from the configuration and from /grant.

    Shows the tenants where you are admin; narrow it with --tenant and --who.
    """
    book = _book(ctx)
    held = await book.for_actor(ctx.actor)
    if ctx.tenant is not None:
        candidates = [ctx.tenant.name]
    else:
        candidates = [tenant.name for tenant in ctx.tenants]
    mine = [name for name in candidates if Role.ADMIN in held.granted(name)]
    if ctx.tenant is not None and not mine:
        raise AccessDenied(f"Only an admin of {ctx.tenant.name} may list its grants.")
    everywhere = Role.ADMIN in held.granted(ALL_TENANTS) and ctx.tenant is None
    tenants = None if everywhere else [*mine, ALL_TENANTS]
    entries = await book.listing(tenants=tenants, who=args.who)
    data = [_grant_data(entry) for entry in entries]
    if not entries:
        return Reply(title="Grants", blocks=(Notice(Level.INFO, "No grants match."),), data=data)
    rows = tuple(
        (e.who, e.tenant, e.role, e.source, e.granted_by, when(e.granted_at, ctx.now))
        for e in entries
    )
    return Reply(
        title="Grants",
        blocks=(Table(("who", "tenant", "role", "source", "by", "when"), rows),),
        data=data,
    )


def _grant_data(entry: GrantEntry) -> dict[str, str | None]:
    """One grant for scripts: `source` is config or granted, missing values are null."""
    return {
        "who": entry.who,
        "tenant": entry.tenant,
        "role": entry.role,
        "source": entry.source,
        "grantedBy": entry.granted_by or None,
        "grantedAt": iso_or_null(entry.granted_at),
    }


def _held(who: str, tenant: str, role: Role, *, held: bool) -> dict[str, str | bool]:
    """What /grant and /revoke-grant changed: whether `who` now holds `role` in `tenant`."""
    return {"who": who, "tenant": tenant, "role": role.value, "held": held}


async def _admin_scope(ctx: CommandContext, doing: str) -> tuple[GrantBook, str]:
    """The tenant (or "*") the command acts in, once the asker is known to be admin there."""
    book = _book(ctx)
    scope = ctx.tenant.name if ctx.tenant is not None else ALL_TENANTS
    if Role.ADMIN not in (await book.for_actor(ctx.actor)).granted(scope):
        where = "every tenant" if scope == ALL_TENANTS else scope
        raise AccessDenied(f"Only an admin of {where} may {doing} there.")
    return book, scope


def _book(ctx: CommandContext) -> GrantBook:
    if ctx.grants is None:
        raise UsageError("This Deskhand takes its roles from deskhand.toml only.")
    return ctx.grants


def _scope_name(tenant: str) -> str:
    return "every tenant" if tenant == ALL_TENANTS else tenant
