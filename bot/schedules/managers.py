"""`LineManagers`: the `managers` recipient, one e-mail per line manager with only their reports.

The people are the rows of the digest's per-person tables (column "UPN"); each one's manager is
read with `GET /users/{upn}/manager` (user-list-manager.md), batched 20 to a `$batch`, on the
digest tenant's Graph client. People without a manager, or whose manager has no mailbox, are
sent to nobody by this recipient (logged with their count): they are in the full digest that
the schedule's other recipients get, and guessing another reader would show them to someone
not their manager.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Callable

import structlog

from cards.reply import Reply, Table, Text
from cards.subset import only_rows
from core.errors import DeliveryError, RemoteNotFound
from integrations.graph import BatchRequest, GraphClient

__all__ = ["UPN", "LineManagers"]

log = structlog.get_logger("deskhand.schedules")

UPN = "UPN"
_MANAGER = ("id", "displayName", "mail", "userPrincipalName")
_INTRO = "Only your direct reports are listed: {count} of them."


class LineManagers:
    def __init__(self, graph_for: Callable[[str], GraphClient]) -> None:
        """`graph_for` gives the Graph client of a tenant, by its configured name."""
        self._graph_for = graph_for

    async def split(self, reply: Reply, tenant: str) -> list[tuple[str, Reply]]:
        """("mail:<manager>", the reply with only that manager's reports), by manager."""
        people = _people(reply)
        if not people:
            return []
        reports = await self._reports(self._graph_for(tenant), people)
        unmanaged = len(people) - sum(len(upns) for upns in reports.values())
        if unmanaged:
            log.info("digest.people_without_manager", tenant=tenant, count=unmanaged)
        return [
            (f"mail:{manager}", _for_manager(reply, upns))
            for manager, upns in sorted(reports.items())
        ]

    async def _reports(self, graph: GraphClient, people: list[str]) -> dict[str, set[str]]:
        requests = [
            BatchRequest.get(str(number), f"/users/{upn}/manager", select=_MANAGER)
            for number, upn in enumerate(people)
        ]
        results = await graph.batch(requests)
        reports: dict[str, set[str]] = defaultdict(set)
        for request, upn in zip(requests, people, strict=True):
            result = results[request.id]
            if isinstance(result.error, RemoteNotFound):
                continue  # no manager set
            if result.error is not None:
                raise DeliveryError(
                    f"Could not read the manager of {upn}: {result.error.message}"
                ) from None
            mail = str(result.body.get("mail") or "").lower()
            if mail:
                reports[mail].add(upn)
        return reports


def _people(reply: Reply) -> list[str]:
    """Every UPN in the reply's per-person tables, once, in order."""
    seen: dict[str, None] = {}
    for block in reply.blocks:
        if isinstance(block, Table) and UPN in block.columns:
            index = block.columns.index(UPN)
            seen.update((row[index].lower(), None) for row in block.rows if row[index])
    return list(seen)


def _for_manager(reply: Reply, upns: set[str]) -> Reply:
    subset = only_rows(reply, column=UPN, keep=frozenset(upns))
    intro = Text(_INTRO.format(count=len(upns)))
    return dataclasses.replace(subset, blocks=(intro, *subset.blocks))
