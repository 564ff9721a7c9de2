"""Who may run what, per tenant: one policy that fails closed and also drives /help.

Roles come from three places, and from nowhere else:
- the configuration's `[[grants]]`, and the local console operators (every role everywhere);
- rows in `role_grants`, given and taken with `/grant` and `/revoke-grant` by admins;
- `everyone`: on the embedded sandbox, any verified chat user is a technician on the sandbox
  tenants (never on a customer tenant, whatever the configuration says).

A person is known by their verified e-mail (chat) or their actor id (`console:tess`).

Stored grants must take effect at once on every replica sharing the database, so nothing is
cached between requests: `Router.handle` calls `await policy.for_actor(actor)` once per request
(one indexed SELECT on `role_grants.who`) and the resulting `Access` snapshot travels on the
`Call`. Everything after that — tenant visibility, the `AccessCheck` middleware, `/help` — asks
that snapshot synchronously, so one request sees one consistent set of roles.

`AccessPolicy` is also the `GrantBook` the grant commands use (`commands/grants.py`): it lists
configured and stored grants together and writes stored ones.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from bot.store import Store
from bot.store.grants import add_grant, list_grants, remove_grant
from commands.grants import ALL_TENANTS
from commands.kit.registry import CommandSpec, Role
from commands.kit.services import GrantEntry
from core.errors import AccessDenied, UserError
from core.identity import Actor, TenantInfo

__all__ = ["ALL_TENANTS", "Access", "AccessPolicy", "Grant", "identities", "still_the_same"]

_ROLES = {role.value: role for role in Role}


@dataclass(frozen=True)
class Grant:
    """A role given by configuration (or to a console operator)."""

    who: str
    """An e-mail address (lower case) or an actor id such as `console:tess`."""
    tenant: str
    role: Role
    origin: str = "deskhand.toml"
    """Where it comes from, shown by /grants: the configuration file, or `operator`."""


def identities(actor: Actor) -> frozenset[str]:
    """The names a grant may use for this person: their actor id and their e-mail."""
    return frozenset({actor.id, actor.email.lower()} - {""})


def still_the_same(before: Actor, now: Actor) -> None:
    """A chat account looked up afresh must still be the person a request was made as: roles
    follow the e-mail, so one that changed is refused rather than acted on."""
    if now.email.lower() != before.email.lower():
        raise AccessDenied(
            "Your chat account no longer matches the person who sent this; send it again."
        )


@dataclass(frozen=True)
class Access:
    """One person's roles for one request: the configuration plus the stored grants read at
    its start. With no grant at all it denies everything."""

    held: Mapping[str, frozenset[Role]] = field(default_factory=dict)
    """Roles by tenant name, "*" for those held in every tenant."""
    everyone: frozenset[Role] = frozenset()

    def granted(self, tenant: str) -> frozenset[Role]:
        """Roles given for `tenant` by name or by "*"; for "*", only those given everywhere."""
        everywhere = self.held.get(ALL_TENANTS, frozenset())
        return everywhere | self.held.get(tenant, frozenset())

    def roles(self, tenant: TenantInfo | None) -> frozenset[Role]:
        """Roles in a tenant; with no tenant, the roles held in any tenant."""
        # The sandbox rule never reaches a customer tenant, whatever the configuration.
        everyone = self.everyone if tenant is None or tenant.sandbox else frozenset()
        if tenant is None:
            return everyone.union(*self.held.values())
        return everyone | self.granted(tenant.name)

    def allows(self, spec: CommandSpec, tenant: TenantInfo | None) -> bool:
        return bool(self.roles(tenant) & spec.roles)

    def visible(self, tenants: Iterable[TenantInfo]) -> tuple[TenantInfo, ...]:
        """The tenants this person holds a role in: no one learns of the other customers."""
        return tuple(tenant for tenant in tenants if self.roles(tenant))


class AccessPolicy:
    """Configured grants, stored grants (when there is a store) and `everyone`; nobody else
    holds any role."""

    def __init__(
        self,
        grants: Iterable[Grant] = (),
        *,
        everyone: frozenset[Role] = frozenset(),
        store: Store | None = None,
    ) -> None:
        self._configured = tuple(grants)
        self._everyone = everyone
        self._store = store

    async def for_actor(self, actor: Actor) -> Access:
        """This person's roles now: read once per request, never cached across requests."""
        names = identities(actor)
        held: dict[str, set[Role]] = {}
        for grant in self._configured:
            if grant.who in names:
                held.setdefault(grant.tenant, set()).add(grant.role)
        if self._store is not None:
            async with self._store.engine.connect() as conn:
                stored = await list_grants(conn, who=names)
            for row in stored:
                role = _ROLES.get(row.role)
                if role is not None:  # A row naming no known role gives nothing.
                    held.setdefault(row.tenant, set()).add(role)
        return Access({tenant: frozenset(roles) for tenant, roles in held.items()}, self._everyone)

    async def roles(self, actor: Actor, tenant: TenantInfo) -> frozenset[Role]:
        """This person's roles in a tenant now (the approvals desk asks when someone decides)."""
        return (await self.for_actor(actor)).roles(tenant)

    # The GrantBook that /grant, /revoke-grant, /grants and /guard use.

    def configured(self, who: str, tenant: str, role: Role) -> bool:
        return any(
            (grant.who, grant.tenant, grant.role) == (who, tenant, role)
            for grant in self._configured
        )

    async def grant(self, who: str, tenant: str, role: Role, *, by: str, now: datetime) -> bool:
        async with self._writable().engine.begin() as conn:
            added = await add_grant(
                conn, who=who, tenant=tenant, role=role.value, granted_by=by, now=now
            )
        return added is not None

    async def revoke(self, who: str, tenant: str, role: Role) -> bool:
        async with self._writable().engine.begin() as conn:
            return await remove_grant(conn, who=who, tenant=tenant, role=role.value)

    async def listing(
        self, *, tenants: Collection[str] | None, who: str | None
    ) -> Sequence[GrantEntry]:
        people = None if who is None else {who}
        entries = [
            GrantEntry(g.who, g.tenant, g.role.value, "config", g.origin, None)
            for g in self._configured
            if (people is None or g.who in people) and (tenants is None or g.tenant in tenants)
        ]
        if self._store is not None:
            async with self._store.engine.connect() as conn:
                stored = await list_grants(conn, who=people, tenants=tenants)
            entries += [
                GrantEntry(s.who, s.tenant, s.role, "granted", s.granted_by, s.granted_at)
                for s in stored
            ]
        return sorted(entries, key=lambda e: (e.tenant, e.who, e.role, e.source))

    def _writable(self) -> Store:
        if self._store is None:
            raise UserError("This Deskhand keeps no store: roles live only in deskhand.toml.")
        return self._store
