"""Roles given with `/grant`, stored as rows beside those in the configuration.

`who` is an e-mail address (lower case) or an actor id such as `console:tess`; `tenant` a
tenant name or "*" for every tenant. Reads are one indexed SELECT by `who`, so each request can
load the asker's grants afresh and a change is seen at once by every replica.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.store.tables import role_grants

__all__ = ["StoredGrant", "add_grant", "list_grants", "remove_grant"]


@dataclass(frozen=True)
class StoredGrant:
    who: str
    tenant: str
    role: str
    granted_by: str
    granted_at: datetime


async def add_grant(
    conn: AsyncConnection, *, who: str, tenant: str, role: str, granted_by: str, now: datetime
) -> StoredGrant | None:
    """The new grant, or None when `who` already held that role there.

    Run it in a transaction of its own: a refused insert ends that transaction.
    """
    try:
        await conn.execute(
            insert(role_grants).values(
                who=who, tenant=tenant, role=role, granted_by=granted_by, granted_at=now
            )
        )
    except IntegrityError:
        return None
    return StoredGrant(who, tenant, role, granted_by, now)


async def remove_grant(conn: AsyncConnection, *, who: str, tenant: str, role: str) -> bool:
    """True when the grant existed and is gone."""
    result = await conn.execute(
        delete(role_grants).where(
            role_grants.c.who == who, role_grants.c.tenant == tenant, role_grants.c.role == role
        )
    )
    return result.rowcount > 0


async def list_grants(
    conn: AsyncConnection,
    *,
    who: Collection[str] | None = None,
    tenants: Collection[str] | None = None,
) -> list[StoredGrant]:
    """Stored grants, narrowed to these people and these tenants when given."""
    query = select(role_grants).order_by(
        role_grants.c.tenant, role_grants.c.who, role_grants.c.role
    )
    if who is not None:
        query = query.where(role_grants.c.who.in_(list(who)))
    if tenants is not None:
        query = query.where(role_grants.c.tenant.in_(list(tenants)))
    rows = (await conn.execute(query)).mappings()
    return [
        StoredGrant(row["who"], row["tenant"], row["role"], row["granted_by"], row["granted_at"])
        for row in rows
    ]
