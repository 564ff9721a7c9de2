"""The registration report (authenticationmethodsroot-list-userregistrationdetails.md: Entra ID
P1, AuditLog.Read.All) joined by user id to a `/users` listing while both are still being read.

The report and the listing run side by side, each a page after another, in orders of their own.
`read` files each row under its user id until a page of users asks for it; `rows` hands a
page's rows out (each once, then forgotten) as soon as they have all arrived, or the report has
ended without some of them. So only what one side has read ahead of the other is held: rows of
users not listed yet, and pages of users whose rows have not arrived, rather than the whole
report. A tenant refusing the report (no P1, no permission) does so on its first page: `rows`
then gives None, and the caller reads each user's methods instead.
"""

from __future__ import annotations

import asyncio
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field

from commands.queries.roster import REPORT, Registered
from core.errors import Forbidden, LicenseRequired
from integrations.graph import GraphClient

__all__ = ["RegistrationReport"]


@dataclass
class _Asked:
    """One page's rows, filled in as they arrive; `ready` once none is missing."""

    missing: int = 0
    found: dict[str, Registered] = field(default_factory=dict)
    ready: asyncio.Event = field(default_factory=asyncio.Event)


class RegistrationReport:
    """The report's rows by user id, read once by `read` (run as a task) for `rows` to take."""

    def __init__(self) -> None:
        self._ahead: dict[str, Registered] = {}
        self._asked: dict[str, _Asked] = {}
        self._ended = asyncio.Event()
        self._refused = False
        self._failed: Exception | None = None

    async def read(self, graph: GraphClient) -> None:
        """Reads the whole report, handing each row to the page waiting for it."""
        try:
            async for item in graph.pages(REPORT, select=()):
                self._arrived(str(item.get("id")), Registered.from_report(item))
        except (LicenseRequired, Forbidden):
            self._refused = True
        except Exception as error:
            # Raised again to each page waiting on its rows, and by `ended`.
            self._failed = error
        finally:
            self._ended.set()
            for asked in self._asked.values():
                asked.ready.set()
            self._asked.clear()

    async def rows(self, user_ids: Collection[str]) -> Mapping[str, Registered] | None:
        """These users' rows once all have arrived (those the report lacks left out); None
        when the tenant refuses the report."""
        asked = _Asked()
        for user_id in user_ids:
            row = self._ahead.pop(user_id, None)
            if row is not None:
                asked.found[user_id] = row
            elif not self._ended.is_set():
                self._asked[user_id] = asked
                asked.missing += 1
        if asked.missing:
            await asked.ready.wait()
        return self._outcome(asked.found)

    async def ended(self) -> bool:
        """Whether the tenant gave the report, once it has been read to the end."""
        await self._ended.wait()
        return self._outcome({}) is not None

    def _outcome(self, found: Mapping[str, Registered]) -> Mapping[str, Registered] | None:
        if self._failed is not None:
            raise self._failed
        return None if self._refused else found

    def _arrived(self, user_id: str, row: Registered) -> None:
        asked = self._asked.pop(user_id, None)
        if asked is None:
            self._ahead[user_id] = row
            return
        asked.found[user_id] = row
        asked.missing -= 1
        if not asked.missing:
            asked.ready.set()
