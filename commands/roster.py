"""Reading a whole tenant's users at once, for /users, /licenses and the digests.

Listing pages of 999 users is the cheap part; with sign-in activity (Entra ID P1) Graph serves
at most 120 users a page (user-list.md), so that is what such a listing asks for.
MFA status comes from the registration report (P1), read alongside the users, or without P1
from each user's methods, fetched through `$batch` twenty at a time.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from commands.context import Progress
from core.errors import LicenseRequired
from integrations.graph import BatchRequest, GraphClient
from integrations.graph.directory import USER_FIELDS, AuthMethod, SignIns, User

__all__ = ["Member", "Roster", "read_roster"]

_PAGE = "999"
_SIGN_IN_PAGE = "120"
_REPORT = "/reports/authenticationMethods/userRegistrationDetails"
_METHOD_CHUNK = 200


@dataclass(frozen=True)
class Member:
    user: User
    sign_ins: SignIns | None
    mfa_registered: bool | None


@dataclass(frozen=True)
class Roster:
    members: tuple[Member, ...]
    sign_ins_problem: str = ""
    """Why sign-in activity is missing ("needs Microsoft Entra ID P1"), or empty."""


async def read_roster(
    graph: GraphClient, *, server_filter: str, sign_ins: bool, mfa: bool, progress: Progress
) -> Roster:
    """Every user matching `server_filter`, with sign-ins and MFA status when asked for."""
    progress.start("Reading users", None)
    try:
        listing = asyncio.create_task(_users(graph, server_filter, sign_ins, progress))
        report = asyncio.create_task(_report(graph)) if mfa else None
        try:
            users, problem = await listing
        finally:
            if report is not None and not listing.done():
                report.cancel()
        registered: Mapping[str, bool] = {}
        if report is not None:
            registered = await report
            if not registered and users:
                registered = await _from_methods(graph, [u for u, _ in users], progress)
        members = tuple(
            Member(user, activity, registered.get(user.id) if mfa else None)
            for user, activity in users
        )
        return Roster(members, problem)
    finally:
        progress.finish()


async def _users(
    graph: GraphClient, server_filter: str, sign_ins: bool, progress: Progress
) -> tuple[list[tuple[User, SignIns | None]], str]:
    if sign_ins:
        try:
            return await _list(graph, server_filter, True, progress), ""
        except LicenseRequired as error:
            return await _list(graph, server_filter, False, progress), f"needs {error.licence}"
    return await _list(graph, server_filter, False, progress), ""


async def _list(
    graph: GraphClient, server_filter: str, sign_ins: bool, progress: Progress
) -> list[tuple[User, SignIns | None]]:
    select = (*USER_FIELDS, "signInActivity") if sign_ins else USER_FIELDS
    top = _SIGN_IN_PAGE if sign_ins or "signInActivity" in server_filter else _PAGE
    params = {"$top": top, **({"$filter": server_filter} if server_filter else {})}
    users = []
    async for item in graph.pages("/users", select=select, params=params):
        users.append((User.from_graph(item), SignIns.from_graph(item) if sign_ins else None))
        progress.advance()
    return users


async def _report(graph: GraphClient) -> Mapping[str, bool]:
    """The registration report by user id; empty when the tenant lacks Entra ID P1."""
    try:
        return {
            str(item.get("id")): item.get("isMfaRegistered") is True
            async for item in graph.pages(_REPORT, select=())
        }
    except LicenseRequired:
        return {}


async def _from_methods(
    graph: GraphClient, users: Sequence[User], progress: Progress
) -> Mapping[str, bool]:
    progress.start("Checking MFA methods (no Entra ID P1 report)", len(users))
    registered: dict[str, bool] = {}
    for start in range(0, len(users), _METHOD_CHUNK):
        chunk = users[start : start + _METHOD_CHUNK]
        results = await graph.batch(
            [
                BatchRequest.get(u.id, f"/users/{u.id}/authentication/methods", select=())
                for u in chunk
            ]
        )
        for user_id, result in results.items():
            methods = (AuthMethod.from_graph(m) for m in result.unwrap().get("value") or ())
            registered[user_id] = any(method.counts_for_mfa for method in methods)
        progress.advance(len(chunk))
    return registered
