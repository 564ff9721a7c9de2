"""Finding the user a technician means: by UPN, e-mail, object id or part of a name.

A UPN or object id goes straight to Graph; anything else is one search. Several matches give a
short list to choose from; none gives the closest names.
"""

from __future__ import annotations

import asyncio
import difflib
import re
from dataclasses import dataclass

from core.errors import NotFound
from integrations.graph import Filter, GraphClient, any_of, eq, startswith

__all__ = [
    "CANDIDATE_FIELDS",
    "Candidate",
    "candidate_query",
    "find_candidates",
    "is_direct_key",
    "no_user",
    "suggest_names",
]

_GUID = re.compile(r"^[0-9a-f]{8}-([0-9a-f]{4}-){3}[0-9a-f]{12}$", re.IGNORECASE)
_NAME_FIELDS = ("displayName", "givenName", "surname", "userPrincipalName", "mail")
CANDIDATE_FIELDS = ("id", *_NAME_FIELDS, "accountEnabled")
_NOT_IN_UPN = re.compile(r"[\s/\\]")
_MAX_CANDIDATES = 10
_SUGGESTION_SCAN = 2000


@dataclass(frozen=True)
class Candidate:
    id: str
    display_name: str
    upn: str
    enabled: bool


def is_direct_key(query: str) -> bool:
    """A UPN or an object id can be asked for directly, without a search first; text with a
    space or a `/` (in no UPN) is searched for instead."""
    return bool(_GUID.match(query)) or ("@" in query and not _NOT_IN_UPN.search(query))


def _candidate_filter(query: str) -> Filter:
    text = query.strip()
    clauses = [startswith(field, text) for field in _NAME_FIELDS]
    if "@" in text:
        clauses.append(eq("mail", text))
        clauses.append(eq("userPrincipalName", text))
    return any_of(*clauses)


def candidate_query(query: str) -> dict[str, str]:
    """The `/users` query parameters of the search behind `find_candidates`."""
    return {"$filter": str(_candidate_filter(query)), "$top": str(_MAX_CANDIDATES + 1)}


async def find_candidates(graph: GraphClient, query: str) -> list[Candidate]:
    """Users whose name, UPN or mail starts with the query (or equals it, for an address);
    a row that does not match what was asked is not a candidate, whatever Graph returned."""
    page = await graph.get("/users", select=CANDIDATE_FIELDS, params=candidate_query(query))
    asked = _candidate_filter(query)
    return [_candidate(item) for item in page.get("value") or () if asked.matches(item)]


async def suggest_names(graph: GraphClient, query: str, limit: int = 3) -> list[str]:
    """The closest display names and UPN local parts, for "no user matches" messages."""
    labels: dict[str, str] = {}
    users = graph.pages(
        "/users", select=("displayName", "userPrincipalName"), params={"$top": "999"}
    )
    scanned = 0
    async for item in users:
        name, upn = str(item.get("displayName", "")), str(item.get("userPrincipalName", ""))
        label = f"{name} ({upn})"
        for key in (name, *name.split(), upn.split("@")[0]):
            labels.setdefault(key.lower(), label)
        scanned += 1
        if scanned >= _SUGGESTION_SCAN:
            break
    # Thousands of names: matched in a thread, not on the event loop.
    close = await asyncio.to_thread(
        difflib.get_close_matches, query.lower(), list(labels), limit * 2, 0.6
    )
    return list(dict.fromkeys(labels[key] for key in close))[:limit]


async def no_user(graph: GraphClient, query: str, tenant: str) -> NotFound:
    suggestions = await suggest_names(graph, query.split("@")[0] if "@" in query else query)
    hint = f" Closest names: {'; '.join(suggestions)}." if suggestions else ""
    return NotFound(f"No user in {tenant} matches {query!r}.{hint}")


def _candidate(item: dict[str, object]) -> Candidate:
    return Candidate(
        id=str(item.get("id", "")),
        display_name=str(item.get("displayName", "")),
        upn=str(item.get("userPrincipalName", "")),
        enabled=item.get("accountEnabled") is not False,
    )
