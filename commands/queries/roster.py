"""Reading a whole tenant's users at once, for /users, /licenses and the digests.

Listing pages of 999 users is the cheap part; with sign-in activity (Entra ID P1) Graph serves
at most 120 users a page (user-list.md), so that is what such a listing asks for.
MFA status and the methods registered come from the registration report (P1), read alongside
the users, or without P1 (or without the report's permission) from each user's methods, fetched
through `$batch` twenty at a time. A part Graph will not give (a missing permission) is an
`Unreadable` naming what it needs, for the cells to say, rather than a failed listing.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from commands.kit.context import Progress
from core.errors import Forbidden, IntegrationError, LicenseRequired, RemoteNotFound
from integrations.graph import BatchRequest, GraphClient
from integrations.graph.directory import USER_FIELDS, AuthMethod, SignIns, User

__all__ = ["LISTED_FIELDS", "Member", "Roster", "Unreadable", "read_roster", "unreadable"]

LISTED_FIELDS = (*USER_FIELDS, "onPremisesLastSyncDateTime")
"""What a roster selects of each user (`signInActivity` apart, which needs Entra ID P1)."""

_PAGE = "999"
_SIGN_IN_PAGE = "120"
_REPORT = "/reports/authenticationMethods/userRegistrationDetails"
_METHOD_CHUNK = 200
_PASSWORD = "passwordAuthenticationMethod"


@dataclass(frozen=True)
class Unreadable:
    """A value Graph would not give, and why: "needs RoleManagement.Read.Directory"."""

    why: str


def unreadable(error: IntegrationError) -> Unreadable:
    """The short reason a cell shows; the permission or licence the call lacks, when known."""
    if isinstance(error, LicenseRequired):
        return Unreadable(f"needs {error.licence}")
    if isinstance(error, Forbidden):
        return Unreadable(f"needs {error.permission}" if error.permission else "refused by Graph")
    if isinstance(error, RemoteNotFound):
        return Unreadable("not found")
    return Unreadable("unavailable, try again")


@dataclass(frozen=True)
class _Registered:
    mfa: bool
    methods: tuple[str, ...]


@dataclass(frozen=True)
class Member:
    user: User
    sign_ins: SignIns | None
    mfa_registered: bool | None
    methods: tuple[str, ...] | Unreadable | None = None
    """The methods registered: the report's `methodsRegistered` names (Entra ID P1), else the
    method types `/authentication/methods` lists ("microsoftAuthenticator", "fido2"), password
    left out as the report leaves it; None when not read."""
    graph: Mapping[str, Any] = field(default_factory=dict)
    """The user as Graph listed it, under Graph's property names."""


@dataclass(frozen=True)
class Roster:
    members: tuple[Member, ...]
    sign_ins_problem: str = ""
    """Why sign-in activity is missing ("needs Microsoft Entra ID P1"), or empty."""


async def read_roster(
    graph: GraphClient, *, server_filter: str, sign_ins: bool, mfa: bool, progress: Progress
) -> Roster:
    """Every user matching `server_filter`, with sign-ins, and MFA status and methods, when
    asked for."""
    progress.start("Reading users", None)
    try:
        listing = asyncio.create_task(_users(graph, server_filter, sign_ins, progress))
        report = asyncio.create_task(_report(graph)) if mfa else None
        try:
            users, problem = await listing
        finally:
            if report is not None and not listing.done():
                report.cancel()
        registered: Mapping[str, _Registered | Unreadable] = {}
        if report is not None:
            registered = await report or {}
            if not registered and users:
                registered = await _from_methods(graph, [m.user for m in users], progress)
        members = tuple(_with_registration(m, registered.get(m.user.id)) for m in users)
        return Roster(members, problem)
    finally:
        progress.finish()


def _with_registration(listed: Member, registered: _Registered | Unreadable | None) -> Member:
    if isinstance(registered, _Registered):
        return replace(listed, mfa_registered=registered.mfa, methods=registered.methods)
    return replace(listed, methods=registered)


async def _users(
    graph: GraphClient, server_filter: str, sign_ins: bool, progress: Progress
) -> tuple[list[Member], str]:
    if sign_ins:
        try:
            return await _list(graph, server_filter, True, progress), ""
        except LicenseRequired as error:
            return await _list(graph, server_filter, False, progress), f"needs {error.licence}"
    return await _list(graph, server_filter, False, progress), ""


async def _list(
    graph: GraphClient, server_filter: str, sign_ins: bool, progress: Progress
) -> list[Member]:
    select = (*LISTED_FIELDS, "signInActivity") if sign_ins else LISTED_FIELDS
    top = _SIGN_IN_PAGE if sign_ins or "signInActivity" in server_filter else _PAGE
    params = {"$top": top, **({"$filter": server_filter} if server_filter else {})}
    users = []
    async for item in graph.pages("/users", select=select, params=params):
        activity = SignIns.from_graph(item) if sign_ins else None
        users.append(Member(User.from_graph(item), activity, None, graph=item))
        progress.advance()
    return users


async def _report(graph: GraphClient) -> Mapping[str, _Registered] | None:
    """The registration report by user id; None when the tenant lacks Entra ID P1 or the app
    may not read the report (then each user's methods stand in)."""
    try:
        return {
            str(item.get("id")): _Registered(
                item.get("isMfaRegistered") is True,
                tuple(str(name) for name in item.get("methodsRegistered") or ()),
            )
            async for item in graph.pages(_REPORT, select=())
        }
    except (LicenseRequired, Forbidden):
        return None


async def _from_methods(
    graph: GraphClient, users: Sequence[User], progress: Progress
) -> Mapping[str, _Registered | Unreadable]:
    progress.start("Checking MFA methods (no Entra ID P1 report)", len(users))
    registered: dict[str, _Registered | Unreadable] = {}
    for start in range(0, len(users), _METHOD_CHUNK):
        chunk = users[start : start + _METHOD_CHUNK]
        results = await graph.batch(
            [
                BatchRequest.get(u.id, f"/users/{u.id}/authentication/methods", select=())
                for u in chunk
            ]
        )
        for user_id, result in results.items():
            if result.error is not None:
                registered[user_id] = unreadable(result.error)
                continue
            methods = [AuthMethod.from_graph(m) for m in result.body.get("value") or ()]
            registered[user_id] = _Registered(
                any(method.counts_for_mfa for method in methods),
                tuple(m.short_kind for m in methods if m.kind != _PASSWORD),
            )
        progress.advance(len(chunk))
    return registered
