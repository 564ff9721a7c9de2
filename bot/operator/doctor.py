"""`deskhand doctor`: is each tenant set up for what the commands need, and if not, how to fix it.

Per tenant, a checklist: the app signs in (AADSTS errors explained); its Microsoft Graph and
Exchange Online application permissions, read from the directory as its service principal's
app role assignments (`integrations.graph.grants`; access tokens are opaque to clients and are
never decoded here) and judged by each call's documented permission table, so a broader grant
(User.ReadWrite.All for User.EnableDisableAccount.All) counts; a token for Exchange Online from
the configured Exchange host; the directory roles its service principal holds (role
assignments filtered by its `principalId`); Microsoft Entra ID P1 and P2 (service plans of
`GET /subscribedSkus`); and the Temporary Access Pass policy when /tap is installed. Every line
that is not fine says what does not work because of it and where to fix it; nothing it finds,
an unexpected answer included, raises.
"""

from __future__ import annotations

from collections.abc import Awaitable, Iterable, Mapping, Sequence, Sized
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any, TypeVar

import structlog

from bot.operator.permissions_report import (
    EXCHANGE_API,
    GRAPH_API,
    PermissionsReport,
    how_to_grant,
    needed_by,
)
from core.errors import AuthFailed, DeskhandError, Forbidden
from core.identity import TenantInfo
from integrations.graph import GraphClient, TokenSource, eq
from integrations.graph.grants import EXCHANGE_APP_ID, GRAPH_APP_ID, AppGrants, read_app_grants

__all__ = [
    "SETTLING",
    "Check",
    "Status",
    "TenantReport",
    "check_tenant",
]

log = structlog.get_logger("deskhand.doctor")

_GLOBAL_ADMIN = "Global Administrator"
_STRONG_ROLE = "Privileged Authentication Administrator"
_P1_PLAN = "AAD_PREMIUM"
_P2_PLAN = "AAD_PREMIUM_P2"
_TAP_POLICY = (
    "/policies/authenticationMethodsPolicy/authenticationMethodConfigurations/TemporaryAccessPass"
)
_ADMIN_CENTER = "Microsoft Entra admin center"
_GRANTS_READ = "Application.Read.All"
_RESOURCES = {GRAPH_API: GRAPH_APP_ID, EXCHANGE_API: EXCHANGE_APP_ID}
_T = TypeVar("_T")
SETTLING = timedelta(hours=1)
"""How long a fresh consent may be missing from tokens: one issued just before it lives about
an hour, and Entra takes a while to replicate the grant."""


class Status(StrEnum):
    OK = "ok"
    MISSING = "missing"
    UNCHECKED = "unchecked"
    """Could not be checked; a problem too, since nobody knows whether it works."""
    NOTE = "note"
    """Worth knowing, nothing broken."""


@dataclass(frozen=True)
class Check:
    area: str
    status: Status
    detail: str
    fix: str = ""


@dataclass(frozen=True)
class TenantReport:
    tenant: TenantInfo
    checks: tuple[Check, ...]

    @property
    def healthy(self) -> bool:
        return all(c.status in (Status.OK, Status.NOTE) for c in self.checks)

    def to_json(self) -> dict[str, Any]:
        return {
            "tenant": self.tenant.name,
            "tenant_id": self.tenant.tenant_id,
            "healthy": self.healthy,
            "checks": [
                {"area": c.area, "status": str(c.status), "detail": c.detail, "fix": c.fix}
                for c in self.checks
            ],
        }


@dataclass(frozen=True)
class _Tenant:
    info: TenantInfo
    graph: GraphClient
    report: PermissionsReport
    has_tap: bool
    now: datetime
    grants: AppGrants | None = None

    @property
    def tokens(self) -> TokenSource:
        return self.graph.tokens

    @property
    def app(self) -> str:
        return self.tokens.credentials.client_id

    @property
    def consent_url(self) -> str:
        host = self.tokens.endpoints.authority_host
        return f"{host}/{self.info.tenant_id}/adminconsent?client_id={self.app}"

    def api_permissions_path(self, api: str) -> str:
        return how_to_grant(api, self.app, self.info.display_name, self.consent_url)

    def granted_recently(self, permission: str, api: str = GRAPH_API) -> datetime | None:
        """When `permission` was granted, if every grant covering it is too fresh to rely on."""
        if self.grants is None:
            return None
        found = self.grants.covering(permission, _RESOURCES[api])
        times = [g.granted for g in found]
        if not found or any(t is None or self.now - t >= SETTLING for t in times):
            return None
        return max(t for t in times if t is not None)


async def check_tenant(
    tenant: TenantInfo,
    graph: GraphClient,
    report: PermissionsReport,
    *,
    exchange: TokenSource | None = None,
    has_tap: bool = False,
    now: datetime | None = None,
) -> TenantReport:
    """The checklist for one tenant; `exchange` signs in to Exchange Online at the configured
    host. It never raises for what it finds."""
    t = _Tenant(tenant, graph, report, has_tap, now or datetime.now(UTC))
    try:
        await t.tokens.token()
    except AuthFailed as error:
        fix = (
            f"Check the tenant id, the app id and its credential in Deskhand's settings; have a "
            f"Global Administrator of {tenant.display_name} grant consent at {t.consent_url}."
        )
        return TenantReport(tenant, (Check("Sign-in", Status.MISSING, error.message, fix),))
    except DeskhandError as error:
        return TenantReport(tenant, (Check("Sign-in", Status.UNCHECKED, error.message),))
    checks = [
        Check("Sign-in", Status.OK, f"The Deskhand app ({t.app}) signs in to {tenant.tenant_id}.")
    ]
    grants = await _guarded("Granted permissions", _read_grants(t))
    if isinstance(grants, Check):
        checks.append(grants)
    else:
        t = _Tenant(tenant, graph, report, has_tap, t.now, grants)
        checks += _permissions(t, grants, GRAPH_API, report.graph)
    if report.exchange:
        checks += await _guarded_list(f"{EXCHANGE_API} sign-in", _exchange(t, exchange))
    checks += await _guarded_list("Directory roles", _directory_roles(t))
    checks += await _guarded_list("Licences", _licences(t))
    if has_tap:
        checks += await _guarded_list("Temporary Access Pass policy", _tap_policy(t))
    return TenantReport(tenant, tuple(checks))


async def _guarded(area: str, work: Awaitable[_T]) -> _T | Check:
    """What a section found, or a line saying it could not be checked, whatever went wrong."""
    try:
        return await work
    except DeskhandError as error:
        return Check(area, Status.UNCHECKED, error.message)
    except Exception:
        # An answer Deskhand did not expect: the checklist says so, the log has the details.
        log.exception("doctor_check_failed", area=area)
        return Check(area, Status.UNCHECKED, "Could not be checked: an unexpected answer.")


async def _guarded_list(area: str, work: Awaitable[list[Check]]) -> list[Check]:
    found = await _guarded(area, work)
    return [found] if isinstance(found, Check) else found


async def _read_grants(t: _Tenant) -> AppGrants | Check:
    try:
        return await read_app_grants(t.graph, t.app)
    except Forbidden as error:
        return Check(
            "Granted permissions",
            Status.UNCHECKED,
            f"Deskhand cannot read which permissions its app was granted: {error.message}",
            f"Add {_GRANTS_READ} in {t.api_permissions_path(GRAPH_API)}. Deskhand reads its "
            "grants from the directory, since access tokens are not for clients to read.",
        )


def _permissions(
    t: _Tenant, grants: AppGrants, api: str, needed: Mapping[str, Sequence[str]]
) -> list[Check]:
    area = f"{api} permissions"
    resource = _RESOURCES[api]
    missing = [name for name in needed if not grants.covers(name, resource)]
    broader = [
        f"{name} through {', '.join(sorted(g.permission for g in found))}"
        for name in needed
        if (found := grants.covering(name, resource)) and all(g.permission != name for g in found)
    ]
    fresh = [_fresh(t, api, name, needed[name]) for name in needed if name not in missing]
    checks = [c for c in fresh if c is not None]
    if missing:
        detail = "Not granted: " + "; ".join(
            f"{name} (for {needed_by(needed[name])})" for name in missing
        )
        fix = f"Add {', '.join(missing)} in {t.api_permissions_path(api)}."
        return [Check(area, Status.MISSING, detail, fix), *checks]
    via = f" ({'; '.join(broader)})" if broader else ""
    return [
        Check(
            area,
            Status.OK,
            f"All {len(needed)} application permission{_plural(needed)} granted{via}.",
        ),
        *checks,
    ]


def _plural(items: Sized) -> str:
    return "" if len(items) == 1 else "s"


def _fresh(t: _Tenant, api: str, name: str, users: Sequence[str]) -> Check | None:
    when = t.granted_recently(name, api)
    if when is None:
        return None
    minutes = max(0, int((t.now - when).total_seconds() // 60))
    return Check(
        f"Recently granted: {name}",
        Status.NOTE,
        f"Granted {minutes} minutes ago: tokens issued before then lack it, so "
        f"{needed_by(users)} may still be refused for up to an hour after the grant.",
        "Nothing to do but wait; run deskhand doctor again later.",
    )


async def _exchange(t: _Tenant, source: TokenSource | None) -> list[Check]:
    """Signs in to Exchange Online at its configured host (when given), then the grants."""
    area = f"{EXCHANGE_API} permissions"
    if source is not None:
        audience = source.endpoints.graph_resource or source.endpoints.graph_host
        try:
            await source.token()
        except DeskhandError as error:
            detail = f"No token for Exchange Online ({audience}): {error.message}"
            fix = f"Add the Exchange permissions in {t.api_permissions_path(EXCHANGE_API)}."
            return [Check(area, Status.MISSING, detail, fix)]
    if t.grants is None:
        return []
    return _permissions(t, t.grants, EXCHANGE_API, t.report.exchange)


async def _directory_roles(t: _Tenant) -> list[Check]:
    area = "Directory roles"
    if t.grants is None:
        return [
            Check(
                area,
                Status.UNCHECKED,
                "Not checked: the app's service principal could not be read.",
                f"Add {_GRANTS_READ} (see above), or check the app's roles in {_ADMIN_CENTER} > "
                "Identity > Roles & admins.",
            )
        ]
    try:
        held = await _held_roles(t.graph, t.grants.principal_id)
    except Forbidden as error:
        fix = (
            "Grant RoleManagement.Read.Directory so Deskhand can read role assignments, or "
            f"check the app's roles in {_ADMIN_CENTER} > Identity > Roles & admins."
        )
        return [_refused(t, area, error, "RoleManagement.Read.Directory", fix)]
    checks: list[Check] = []
    for role, users in t.report.roles.items():
        if role in held or _GLOBAL_ADMIN in held:
            checks.append(Check(f"Role: {role}", Status.OK, "Held by the app."))
            continue
        checks.append(
            Check(
                f"Role: {role}",
                Status.MISSING,
                f"The app does not hold {role}, which {needed_by(users)} need; Entra refuses "
                "those actions until it does.",
                _assign_role(role, t.app),
            )
        )
    if _STRONG_ROLE not in held and _GLOBAL_ADMIN not in held:
        checks.append(
            Check(
                f"Role: {_STRONG_ROLE}",
                Status.NOTE,
                "Not held: Entra refuses password resets, deletes and restores of users who "
                "hold privileged roles (admins). Grant it only if Deskhand should act on "
                "admins; such actions need an admin's approval in Deskhand anyway.",
                _assign_role(_STRONG_ROLE, t.app),
            )
        )
    if _GLOBAL_ADMIN in held:
        checks.append(
            Check(
                f"Role: {_GLOBAL_ADMIN}",
                Status.NOTE,
                "The app holds Global Administrator, far more than Deskhand needs.",
                f"Assign the roles listed above instead and remove {_GLOBAL_ADMIN}.",
            )
        )
    return checks


def _refused(t: _Tenant, area: str, error: Forbidden, permission: str, fix: str = "") -> Check:
    """A 403 for a call whose permission the directory says was granted is consent still
    replicating (or a token from before it), not a missing grant."""
    if t.grants is not None and t.grants.covers(permission):
        return Check(
            area,
            Status.UNCHECKED,
            f"Microsoft Graph refused the check although {permission} is granted: the grant "
            "is probably recent and not in Deskhand's tokens yet.",
            "Wait up to an hour and run deskhand doctor again.",
        )
    return Check(area, Status.UNCHECKED, error.message, fix)


def _assign_role(role: str, app: str) -> str:
    return (
        f"{_ADMIN_CENTER} > Identity > Roles & admins > Roles & admins > {role} > Add "
        f"assignments > select the Deskhand app ({app}); scope: directory."
    )


async def _held_roles(graph: GraphClient, principal: str) -> frozenset[str]:
    """Names of the roles assigned to the principal tenant-wide (not only in an admin unit)."""
    # No $select: the sandbox projects $select strictly and would drop the expansion.
    body = await graph.get(
        "/roleManagement/directory/roleAssignments",
        select=(),
        params={"$filter": str(eq("principalId", principal)), "$expand": "roleDefinition"},
    )
    return frozenset(
        str((item.get("roleDefinition") or {}).get("displayName") or "")
        for item in body.get("value") or ()
        if item.get("directoryScopeId") in ("/", None)
    )


def _plans(skus: Iterable[Mapping[str, Any]]) -> frozenset[str]:
    return frozenset(
        str(plan.get("servicePlanName") or "")
        for sku in skus
        if sku.get("capabilityStatus") in ("Enabled", "Warning", None)
        for plan in sku.get("servicePlans") or ()
    )


async def _licences(t: _Tenant) -> list[Check]:
    try:
        body = await t.graph.get(
            "/subscribedSkus", select=("skuId", "skuPartNumber", "capabilityStatus", "servicePlans")
        )
    except Forbidden as error:
        return [_refused(t, "Licences", error, "Organization.Read.All")]
    plans = _plans(body.get("value") or ())
    purchase = (
        "Microsoft 365 admin center > Billing > Purchase services: Microsoft Entra ID P1 (also "
        "in Microsoft 365 Business Premium, E3 and E5)"
    )
    p1 = (
        Check("Entra ID P1", Status.OK, "Licensed: sign-in activity and the MFA report work.")
        if _P1_PLAN in plans
        else Check(
            "Entra ID P1",
            Status.MISSING,
            "Not licensed: last sign-in times (/user, /users, inactive-account digests) and the "
            "MFA registration report are unavailable; Deskhand says so and falls back to the "
            "registered methods.",
            purchase + ".",
        )
    )
    p2 = (
        Check("Entra ID P2", Status.OK, "Licensed: PIM-eligible admins are protected too.")
        if _P2_PLAN in plans
        else Check(
            "Entra ID P2",
            Status.NOTE,
            "Not licensed, so no Privileged Identity Management: only active role holders "
            "exist to protect.",
        )
    )
    return [p1, p2]


async def _tap_policy(t: _Tenant) -> list[Check]:
    return [await _tap_state(t)]


async def _tap_state(t: _Tenant) -> Check:
    area = "Temporary Access Pass policy"
    try:
        body = await t.graph.get(_TAP_POLICY, select=())
    except Forbidden as error:
        return _refused(t, area, error, "Policy.Read.All")
    if body.get("state") == "enabled":
        lifetime = body.get("defaultLifetimeInMinutes")
        extra = f" (default lifetime {lifetime} minutes)" if lifetime else ""
        return Check(area, Status.OK, f"Enabled{extra}: /tap can issue passes.")
    return Check(
        area,
        Status.MISSING,
        f"Disabled in {t.info.display_name}: /tap cannot issue passes.",
        f"{_ADMIN_CENTER} > Protection > Authentication methods > Policies > Temporary Access "
        "Pass > Enable, and include the users (or All users) it should apply to.",
    )
