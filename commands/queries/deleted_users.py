"""Users in a tenant's deleted items, found by the name they had before deletion.

`GET /directory/deletedItems/microsoft.graph.user` (directory-deleteditems-list.md; the cast is
required) lists soft-deleted users for 30 days. Graph shows a deleted user's
`userPrincipalName` prefixed with its object id without hyphens, so the original UPN is that
value with the prefix taken off; matching is done here, as `endsWith` would need an advanced
query. Deleted items are few, so reading them all is cheap.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from commands.kit.context import CommandContext
from commands.kit.formatting import first_few
from core.errors import NotFound, UserError

__all__ = [
    "DELETED_USERS",
    "RETENTION",
    "DeletedUser",
    "find_deleted",
    "matching_deleted",
    "original_upn",
]

DELETED_USERS = "/directory/deletedItems/microsoft.graph.user"
RETENTION = timedelta(days=30)
_FIELDS = ("id", "displayName", "userPrincipalName", "mail", "deletedDateTime")
_GUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.I)
_LISTED = 5


def original_upn(object_id: str, shown: str) -> str:
    """The UPN before deletion: Graph prefixes it with the object id without hyphens."""
    prefix = object_id.replace("-", "")
    return shown[len(prefix) :] if shown.lower().startswith(prefix.lower()) else shown


@dataclass(frozen=True)
class DeletedUser:
    id: str
    display_name: str
    upn: str
    """As it was before deletion, and will be again after a restore."""
    mail: str
    deleted: datetime | None

    @classmethod
    def from_graph(cls, body: Mapping[str, Any]) -> DeletedUser:
        object_id = str(body.get("id") or "")
        return cls(
            id=object_id,
            display_name=str(body.get("displayName") or ""),
            upn=original_upn(object_id, str(body.get("userPrincipalName") or "")),
            mail=str(body.get("mail") or ""),
            deleted=_moment(body.get("deletedDateTime")),
        )

    @property
    def label(self) -> str:
        return f"{self.display_name} ({self.upn})"

    def purge_date(self) -> datetime | None:
        """When Entra deletes the user for good."""
        return self.deleted + RETENTION if self.deleted else None

    def matches(self, query: str) -> bool:
        text = query.strip().casefold()
        if _GUID.match(text) or "@" in text:
            return text in (self.id.casefold(), self.upn.casefold(), self.mail.casefold())
        names = (self.display_name, *self.display_name.split(), self.upn)
        return any(name.casefold().startswith(text) for name in names if name)


def _moment(value: Any) -> datetime | None:
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None


async def matching_deleted(ctx: CommandContext, query: str) -> list[DeletedUser]:
    """Every deleted user the query names (an id, a UPN or e-mail address, or a name's start)."""
    users = ctx.graph.pages(DELETED_USERS, select=_FIELDS, params={"$top": "999"})
    found = [DeletedUser.from_graph(item) async for item in users]
    return [user for user in found if user.matches(query)]


async def find_deleted(ctx: CommandContext, query: str) -> DeletedUser:
    """The one deleted user `query` names; none or several stop the command."""
    tenant = ctx.current_tenant.display_name
    found = await matching_deleted(ctx, query)
    if len(found) > 1:
        raise UserError(
            f"{len(found)} deleted users in {tenant} match {query.strip()!r}: "
            f"{first_few([user.label for user in found], _LISTED)}. Run the command again with "
            "the UPN or object id of the one you mean."
        )
    if not found:
        raise NotFound(
            f"No deleted user in {tenant} matches {query.strip()!r}. Entra keeps deleted users "
            "for 30 days and then removes them for good, so a user deleted longer ago cannot be "
            "restored: create the account again (/user shows whether it still exists)."
        )
    return found[0]
