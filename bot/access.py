"""Who may run what, per tenant: one policy that fails closed and also drives /help."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from commands.context import Actor, TenantInfo
from commands.registry import CommandSpec, Role

__all__ = ["ALL_TENANTS", "AccessPolicy", "Grant"]

ALL_TENANTS = "*"


@dataclass(frozen=True)
class Grant:
    actor_id: str
    tenant: str
    role: Role


class AccessPolicy:
    """Roles come only from grants; an actor without a matching grant is denied."""

    def __init__(self, grants: Iterable[Grant] = ()) -> None:
        self._roles: dict[tuple[str, str], set[Role]] = {}
        for grant in grants:
            self._roles.setdefault((grant.actor_id, grant.tenant), set()).add(grant.role)

    def roles(self, actor: Actor, tenant: TenantInfo | None) -> frozenset[Role]:
        """An actor's roles in a tenant; with no tenant, the roles held in any tenant."""
        if tenant is None:
            held = [roles for (actor_id, _), roles in self._roles.items() if actor_id == actor.id]
            return frozenset().union(*held)
        return frozenset(
            self._roles.get((actor.id, tenant.name), set())
            | self._roles.get((actor.id, ALL_TENANTS), set())
        )

    def allows(self, actor: Actor, spec: CommandSpec, tenant: TenantInfo | None) -> bool:
        return bool(self.roles(actor, tenant) & spec.roles)
