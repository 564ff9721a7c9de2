"""Who may run what, per tenant: one policy that fails closed and also drives /help.

A person is known by their verified e-mail (chat) or their console account; grants name one
of those. `everyone` is for the embedded sandbox only, where any verified member of the chat
workspace may try Deskhand on the sandbox tenants.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from commands.context import Actor, TenantInfo
from commands.registry import CommandSpec, Role

__all__ = ["ALL_TENANTS", "AccessPolicy", "Grant"]

ALL_TENANTS = "*"


@dataclass(frozen=True)
class Grant:
    who: str
    """An e-mail address (lower case) or an actor id such as `console:tess`."""
    tenant: str
    role: Role


class AccessPolicy:
    """Roles come only from grants (and `everyone`); anyone else is denied."""

    def __init__(self, grants: Iterable[Grant] = (), *, everyone: frozenset[Role] = frozenset()):
        self._everyone = everyone
        self._roles: dict[tuple[str, str], set[Role]] = {}
        for grant in grants:
            self._roles.setdefault((grant.who, grant.tenant), set()).add(grant.role)

    def roles(self, actor: Actor, tenant: TenantInfo | None) -> frozenset[Role]:
        """An actor's roles in a tenant; with no tenant, the roles held in any tenant."""
        who = {actor.id, actor.email.lower()} - {""}
        if tenant is None:
            held = [roles for (person, _), roles in self._roles.items() if person in who]
        else:
            held = [
                self._roles.get((person, place), set())
                for person in who
                for place in (tenant.name, ALL_TENANTS)
            ]
        # The sandbox rule never reaches a customer tenant, whatever the configuration.
        everyone = self._everyone if tenant is None or tenant.sandbox else frozenset()
        return everyone.union(*held)

    def allows(self, actor: Actor, spec: CommandSpec, tenant: TenantInfo | None) -> bool:
        return bool(self.roles(actor, tenant) & spec.roles)
