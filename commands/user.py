"""/user: one user on one screen, fetched in one round trip.

For a UPN or object id, a v1.0 `$batch` (profile, sign-ins, manager, memberships, methods,
registration report, SKUs) and the beta per-user MFA call go out together. A name fragment is
resolved first, one more round trip. Each part that fails on its own (a missing permission, no
Entra ID P1) is named on the screen instead of failing the whole lookup.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, Field

from cards.reply import Block, Button, Facts, Heading, Level, Notice, Reply, Table
from commands.kit.context import CommandContext
from commands.kit.formatting import ago, days_since, first_few, when
from commands.kit.registry import command, positional
from commands.queries.people import Candidate, find_candidates, is_direct_key, no_user
from core.errors import IntegrationError, LicenseRequired, RemoteNotFound
from integrations.graph import BatchRequest, BatchResult, Filter, GraphClient, eq, user_path
from integrations.graph.directory import (
    USER_FIELDS,
    AuthMethod,
    DirectoryObject,
    Registration,
    SignIns,
    Sku,
    User,
)

__all__ = [
    "INACTIVE_AFTER_DAYS",
    "UserArgs",
    "UserScreen",
    "fetch_user_screen",
    "registration_filter",
    "screen_requests",
    "user_command",
]

INACTIVE_AFTER_DAYS = 30
_CHOICES = 10
T = TypeVar("T")


class UserArgs(BaseModel):
    query: str = positional("a UPN, e-mail address, object id or part of a name", rest=True)
    tenant: str | None = Field(None, description="the customer tenant (see /tenants)")


@dataclass(frozen=True)
class Part(Generic[T]):
    """One section of the screen: its value, or why it could not be read."""

    value: T | None
    problem: str = ""


@dataclass(frozen=True)
class UserScreen:
    user: User
    sign_ins: Part[SignIns]
    manager: Part[str]
    member_of: Part[list[DirectoryObject]]
    methods: Part[list[AuthMethod]]
    registration: Part[Registration]
    per_user_mfa: Part[str]
    sku_names: Mapping[str, str]
    graph: Mapping[str, Any]
    """What Graph answered, under Graph's own property names: the screen's data for scripts."""


@command(
    "user",
    args=UserArgs,
    permissions=(
        "User.Read.All",
        "AuditLog.Read.All",
        "Directory.Read.All",
        "UserAuthenticationMethod.Read.All",
        "Policy.Read.All",
        "Organization.Read.All",
    ),
)
async def user_command(ctx: CommandContext, args: UserArgs) -> Reply:
    """Show one user: account, licences, groups, roles, MFA and sign-ins, with a verdict."""
    query = args.query.strip()
    key = query if is_direct_key(query) else None
    if key is None:
        candidates = await find_candidates(ctx.graph, query)
        if len(candidates) > 1:
            return _choose(query, candidates, ctx.current_tenant.name)
        if not candidates:
            raise await no_user(ctx.graph, query, ctx.current_tenant.display_name)
        key = candidates[0].id
    try:
        screen = await fetch_user_screen(ctx.graph, key)
    except RemoteNotFound:
        candidates = await find_candidates(ctx.graph, query)
        if len(candidates) != 1:
            if candidates:
                return _choose(query, candidates, ctx.current_tenant.name)
            raise await no_user(ctx.graph, query, ctx.current_tenant.display_name) from None
        screen = await fetch_user_screen(ctx.graph, candidates[0].id)
    return render_user_screen(screen, ctx)


async def fetch_user_screen(graph: GraphClient, key: str) -> UserScreen:
    """Everything the screen shows: one v1.0 `$batch` and one beta call, sent at once."""
    path = user_path(key)
    batch, per_user_mfa = await asyncio.gather(
        graph.batch(screen_requests(key, path)), _per_user_mfa(graph, path)
    )
    body = batch["user"].unwrap()
    user = User.from_graph(body)
    asked = registration_filter(key)
    return UserScreen(
        user=user,
        sign_ins=_part(batch["signins"], SignIns.from_graph),
        manager=_part(batch["manager"], _manager_name, missing="none"),
        member_of=_part(batch["memberOf"], _objects),
        methods=_part(batch["methods"], _methods),
        registration=_part(batch["registration"], lambda body: _registration(body, asked)),
        per_user_mfa=per_user_mfa,
        sku_names=_part(batch["skus"], _sku_parts).value or {},
        graph={
            **_graph_object(body),
            "signInActivity": _graph(batch["signins"], lambda b: b.get("signInActivity")),
            "manager": _graph(batch["manager"], _graph_object),
            "memberOf": _graph(batch["memberOf"], _graph_values),
            "authenticationMethods": _graph(batch["methods"], _graph_values),
            "userRegistrationDetails": _graph(
                batch["registration"], lambda body: _graph_registration(body, asked)
            ),
            "perUserMfaState": per_user_mfa.value,
        },
    )


def registration_filter(key: str) -> Filter:
    """The registration report row of the user `key` names: by UPN, else by object id."""
    return eq("userPrincipalName" if "@" in key else "id", key)


def _graph(result: BatchResult, pick: Callable[[Mapping[str, Any]], Any]) -> Any:
    """A section as Graph gave it; None when it could not be read (the screen says why)."""
    return pick(result.body) if result.error is None else None


def _graph_object(body: Mapping[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in body.items() if not key.startswith("@odata.context")}


def _graph_values(body: Mapping[str, Any]) -> list[dict[str, Any]]:
    return [_graph_object(item) for item in body.get("value") or ()]


def _graph_registration(body: Mapping[str, Any], asked: Filter) -> dict[str, Any] | None:
    mine = _asked_rows(body, asked)
    return _graph_object(mine[0]) if mine else None


def screen_requests(key: str, path: str) -> list[BatchRequest]:
    report = "/reports/authenticationMethods/userRegistrationDetails"
    if "@" in key:
        registration = BatchRequest.get(
            "registration", report, select=(), params={"$filter": str(registration_filter(key))}
        )
    else:
        registration = BatchRequest.get("registration", f"{report}/{key}", select=())
    return [
        BatchRequest.get("user", path, select=USER_FIELDS),
        BatchRequest.get("signins", path, select=("id", "signInActivity")),
        BatchRequest.get("manager", f"{path}/manager", select=("displayName", "userPrincipalName")),
        BatchRequest.get(
            "memberOf", f"{path}/memberOf", select=("id", "displayName"), params={"$top": "999"}
        ),
        BatchRequest.get("methods", f"{path}/authentication/methods", select=()),
        registration,
        BatchRequest.get("skus", "/subscribedSkus", select=("skuId", "skuPartNumber")),
    ]


async def _per_user_mfa(graph: GraphClient, path: str) -> Part[str]:
    try:
        body = await graph.get(f"{path}/authentication/requirements", select=(), version="beta")
    except IntegrationError as error:
        return Part(None, _problem(error))
    return Part(str(body.get("perUserMfaState") or "unknown"))


def _part(
    result: BatchResult, parse: Callable[[Mapping[str, Any]], T | None], *, missing: str = ""
) -> Part[T]:
    """The parsed section; `missing` says what an absent object (404, empty answer) means."""
    if result.error is None:
        value = parse(result.body)
        return Part(value) if value is not None else Part(None, missing or "not reported yet")
    if missing and isinstance(result.error, RemoteNotFound):
        return Part(None, missing)
    return Part(None, _problem(result.error))


def _problem(error: IntegrationError) -> str:
    if isinstance(error, LicenseRequired):
        return f"needs {error.licence}"
    return error.message


def _manager_name(body: Mapping[str, Any]) -> str:
    return f"{body.get('displayName', '')} ({body.get('userPrincipalName', '')})"


def _objects(body: Mapping[str, Any]) -> list[DirectoryObject]:
    return [DirectoryObject.from_graph(item) for item in body.get("value") or ()]


def _methods(body: Mapping[str, Any]) -> list[AuthMethod]:
    return [AuthMethod.from_graph(item) for item in body.get("value") or ()]


def _registration(body: Mapping[str, Any], asked: Filter) -> Registration | None:
    """The asked-for user's row only: another user's MFA state is never shown as theirs."""
    mine = _asked_rows(body, asked)
    return Registration.from_graph(mine[0]) if mine else None


def _asked_rows(body: Mapping[str, Any], asked: Filter) -> list[Mapping[str, Any]]:
    items = body.get("value")
    rows = items if isinstance(items, list) else [body]
    return [row for row in rows if isinstance(row, Mapping) and asked.matches(row)]


def _sku_parts(body: Mapping[str, Any]) -> dict[str, str]:
    skus = (Sku.from_graph(item) for item in body.get("value") or ())
    return {sku.sku_id: sku.part_number for sku in skus}


def _choose(query: str, candidates: list[Candidate], tenant: str) -> Reply:
    shown = candidates[:_CHOICES]
    rows = tuple((c.display_name, c.upn, "enabled" if c.enabled else "blocked") for c in shown)
    more = f" (showing the first {_CHOICES})" if len(candidates) > _CHOICES else ""
    return Reply(
        title=f"{len(candidates)} users match {query!r}{more}",
        blocks=(
            Table(("name", "UPN", "sign-in"), rows),
            Notice(Level.INFO, "Pick one, or run /user again with the UPN of the one you mean."),
        ),
        buttons=tuple(
            Button(c.display_name, command=f"/user {c.id} --tenant {tenant}") for c in shown
        ),
        data={
            "moreThanShown": len(candidates) > len(shown),
            "users": [
                {
                    "id": c.id,
                    "displayName": c.display_name,
                    "userPrincipalName": c.upn,
                    "accountEnabled": c.enabled,
                }
                for c in shown
            ],
        },
    )


def render_user_screen(screen: UserScreen, ctx: CommandContext) -> Reply:
    user, now = screen.user, ctx.now
    catalog = ctx.products
    licences = [catalog.name(sku, screen.sku_names.get(sku, "")) for sku in user.sku_ids]
    blocks: list[Block] = [
        verdict(screen, now),
        Facts(
            (
                ("Sign-in", "enabled" if user.enabled else "blocked"),
                ("Type", "guest" if user.guest else "member"),
                ("Created", when(user.created, now)),
                ("Job title", user.job_title or "—"),
                ("Department", user.department or "—"),
                ("Office", user.office or "—"),
                ("Manager", _shown(screen.manager)),
                ("Source", "on-premises AD (synced)" if user.synced else "cloud"),
            )
        ),
        Heading("Licences"),
        Facts(tuple((name, "") for name in licences) or (("none", ""),)),
        Heading("Groups and roles"),
        Facts(_memberships(screen.member_of)),
        Heading("MFA"),
        Facts(_mfa_facts(screen)),
        Heading("Sign-ins"),
        Facts(_sign_in_facts(screen.sign_ins, now)),
    ]
    if user.synced:
        blocks.append(
            Notice(
                Level.WARNING,
                "This account is synced from on-premises Active Directory: change its name, "
                "password and groups there, not in Microsoft 365.",
            )
        )
    problems = {
        name: part.problem
        for name, part in (
            ("signInActivity", screen.sign_ins),
            ("manager", screen.manager),
            ("memberOf", screen.member_of),
            ("authenticationMethods", screen.methods),
            ("userRegistrationDetails", screen.registration),
            ("perUserMfaState", screen.per_user_mfa),
        )
        if part.value is None and part.problem
    }
    data = {
        **screen.graph,
        "licenseNames": licences,
        "isMfaRegistered": mfa_registered(screen),
        "verdict": blocks[0].text if isinstance(blocks[0], Notice) else "",
        "unavailable": problems,
    }
    return Reply(title=f"{user.display_name} ({user.upn})", blocks=tuple(blocks), data=data)


def _shown(part: Part[str]) -> str:
    return part.value if part.value is not None else part.problem


def _memberships(part: Part[list[DirectoryObject]]) -> tuple[tuple[str, str], ...]:
    if part.value is None:
        return (("Groups", part.problem), ("Directory roles", part.problem))
    groups = sorted(o.name for o in part.value if o.kind == "group")
    roles = sorted(o.name for o in part.value if o.kind == "directoryRole")
    return (
        ("Groups", f"{len(groups)}: {first_few(groups)}" if groups else "none"),
        ("Directory roles", ", ".join(roles) or "none"),
    )


def mfa_registered(screen: UserScreen) -> bool | None:
    """From the registration report (Entra ID P1), else from the methods list."""
    if screen.registration.value is not None:
        return screen.registration.value.mfa_registered
    if screen.methods.value is not None:
        return any(method.counts_for_mfa for method in screen.methods.value)
    return None


def _mfa_facts(screen: UserScreen) -> tuple[tuple[str, str], ...]:
    registered = mfa_registered(screen)
    registration = screen.registration
    methods = screen.methods
    listed = (
        ", ".join(m.label for m in methods.value if m.kind != "passwordAuthenticationMethod")
        if methods.value is not None
        else methods.problem
    )
    return (
        ("Registered", {True: "yes", False: "no", None: "unknown"}[registered]),
        (
            "Capable",
            ("yes" if registration.value.mfa_capable else "no")
            if registration.value
            else registration.problem or "unknown",
        ),
        ("Methods", listed or "none"),
        (
            "Default method",
            registration.value.default_method if registration.value else registration.problem,
        ),
        ("Per-user MFA", _shown(screen.per_user_mfa)),
    )


def _sign_in_facts(part: Part[SignIns], now: datetime) -> tuple[tuple[str, str], ...]:
    if part.value is None:
        return (("Last interactive", part.problem), ("Last non-interactive", part.problem))
    return (
        ("Last interactive", when(part.value.interactive, now)),
        ("Last non-interactive", when(part.value.non_interactive, now)),
    )


def verdict(screen: UserScreen, now: datetime) -> Notice:
    """One line a technician can act on ("inactive 120 days, still licensed"); only an active
    account with MFA registered is good news."""
    user = screen.user
    sign_ins = screen.sign_ins.value
    idle = False
    if not user.enabled:
        activity, idle = "sign-in blocked", True
    elif sign_ins is None:
        activity = f"sign-in activity {screen.sign_ins.problem}"
    elif sign_ins.last_activity is None:
        created = f" (created {ago(user.created, now)})" if user.created else ""
        activity, idle = f"never signed in{created}", True
    elif (days := days_since(sign_ins.last_activity, now)) >= INACTIVE_AFTER_DAYS:
        activity, idle = f"inactive {days} days", True
    else:
        activity = "active"
    if idle and user.licensed:
        return Notice(Level.WARNING, f"{activity}, still licensed")
    registered = mfa_registered(screen)
    mfa = {True: "MFA registered", False: "MFA not registered", None: "MFA unknown"}[registered]
    good = activity == "active" and registered is True
    return Notice(Level.SUCCESS if good else Level.WARNING, f"{activity}, {mfa}")
