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
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from commands.kit.context import Progress
from core.errors import Forbidden, IntegrationError, LicenseRequired, RemoteNotFound
from integrations.graph import BatchRequest, GraphClient
from integrations.graph.directory import USER_FIELDS, AuthMethod, SignIns, User

__all__ = [
    "LISTED_FIELDS",
    "REPORT",
    "Member",
    "Registered",
    "Roster",
    "Unreadable",
    "UserPage",
    "read_registration",
    "read_roster",
    "registration_from_methods",
    "unreadable",
    "user_pages",
]

LISTED_FIELDS = (*USER_FIELDS, "onPremisesLastSyncDateTime")
"""What a roster selects of each user (`signInActivity` apart, which needs Entra ID P1)."""

_PAGE = "999"
_SIGN_IN_PAGE = "120"
REPORT = "/reports/authenticationMethods/userRegistrationDetails"
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
class Registered:
    """A user's MFA registration: the report's `isMfaRegistered`, `isMfaCapable` and
    `methodsRegistered`, or the same told from the user's methods."""

    mfa: bool
    methods: tuple[str, ...]
    capable: bool = False

    @classmethod
    def from_report(cls, item: Mapping[str, Any]) -> Registered:
        """One row of the registration report (userregistrationdetails.md)."""
        return cls(
            item.get("isMfaRegistered") is True,
            tuple(str(name) for name in item.get("methodsRegistered") or ()),
            item.get("isMfaCapable") is True,
        )


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
        report = asyncio.create_task(read_registration(graph)) if mfa else None
        try:
            users, problem = await listing
        finally:
            if report is not None and not listing.done():
                report.cancel()
        registered: Mapping[str, Registered | Unreadable] = {}
        if report is not None:
            registered = await report or {}
            if not registered and users:
                registered = await _from_methods(graph, [m.user for m in users], progress)
        members = tuple(_with_registration(m, registered.get(m.user.id)) for m in users)
        return Roster(members, problem)
    finally:
        progress.finish()


def _with_registration(listed: Member, registered: Registered | Unreadable | None) -> Member:
    if isinstance(registered, Registered):
        return replace(listed, mfa_registered=registered.mfa, methods=registered.methods)
    return replace(listed, methods=registered)


@dataclass(frozen=True)
class UserPage:
    """Up to one page of users as Graph listed them; `sign_ins` when `signInActivity` is in."""

    items: tuple[Mapping[str, Any], ...]
    sign_ins: bool
    problem: str = ""
    """Why sign-in activity is missing though asked for ("needs Microsoft Entra ID P1")."""


async def user_pages(
    graph: GraphClient, *, server_filter: str, sign_ins: bool
) -> AsyncIterator[UserPage]:
    """The users, a page at a time as Graph serves them: nothing more is held. A tenant
    without Entra ID P1 refuses `signInActivity` on the first page; the listing restarts
    without it and says why."""
    problem = ""
    if sign_ins:
        try:
            async for page in _pages(graph, server_filter, True, ""):
                yield page
            return
        except LicenseRequired as error:
            problem = f"needs {error.licence}"
    async for page in _pages(graph, server_filter, False, problem):
        yield page


async def _pages(
    graph: GraphClient, server_filter: str, sign_ins: bool, problem: str
) -> AsyncIterator[UserPage]:
    select = (*LISTED_FIELDS, "signInActivity") if sign_ins else LISTED_FIELDS
    top = _SIGN_IN_PAGE if sign_ins or "signInActivity" in server_filter else _PAGE
    params = {"$top": top, **({"$filter": server_filter} if server_filter else {})}
    page: list[Mapping[str, Any]] = []
    async for item in graph.pages("/users", select=select, params=params):
        page.append(item)
        if len(page) == int(top):
            yield UserPage(tuple(page), sign_ins, problem)
            page = []
    if page:
        yield UserPage(tuple(page), sign_ins, problem)


async def _users(
    graph: GraphClient, server_filter: str, sign_ins: bool, progress: Progress
) -> tuple[list[Member], str]:
    users, problem = [], ""
    async for page in user_pages(graph, server_filter=server_filter, sign_ins=sign_ins):
        problem = page.problem
        for item in page.items:
            activity = SignIns.from_graph(item) if page.sign_ins else None
            users.append(Member(User.from_graph(item), activity, None, graph=item))
        progress.advance(len(page.items))
    return users, problem


async def read_registration(graph: GraphClient) -> Mapping[str, Registered] | None:
    """The registration report by user id; None when the tenant lacks Entra ID P1 or the app
    may not read the report (then each user's methods stand in)."""
    try:
        return {
            str(item.get("id")): Registered.from_report(item)
            async for item in graph.pages(REPORT, select=())
        }
    except (LicenseRequired, Forbidden):
        return None


async def _from_methods(
    graph: GraphClient, users: Sequence[User], progress: Progress
) -> Mapping[str, Registered | Unreadable]:
    progress.start("Checking MFA methods (no Entra ID P1 report)", len(users))
    registered: dict[str, Registered | Unreadable] = {}
    for start in range(0, len(users), _METHOD_CHUNK):
        chunk = users[start : start + _METHOD_CHUNK]
        registered.update(await registration_from_methods(graph, [u.id for u in chunk]))
        progress.advance(len(chunk))
    return registered


async def registration_from_methods(
    graph: GraphClient, user_ids: Sequence[str]
) -> Mapping[str, Registered | Unreadable]:
    """Registration told from each user's `/authentication/methods`, through `$batch`: for a
    tenant without the report (Entra ID P1) or its permission."""
    results = await graph.batch(
        [BatchRequest.get(i, f"/users/{i}/authentication/methods", select=()) for i in user_ids]
    )
    registered: dict[str, Registered | Unreadable] = {}
    for user_id, result in results.items():
        if result.error is not None:
            registered[user_id] = unreadable(result.error)
            continue
        methods = [AuthMethod.from_graph(m) for m in result.body.get("value") or ()]
        mfa = any(method.counts_for_mfa for method in methods)
        kinds = tuple(m.short_kind for m in methods if m.kind != _PASSWORD)
        registered[user_id] = Registered(mfa, kinds, mfa)
    return registered
