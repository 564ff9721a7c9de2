"""`deskhand doctor`: is each tenant set up for what the commands need, and if not, how to fix it.

Per tenant, a checklist: the app signs in (AADSTS errors explained); its Microsoft Graph and
Exchange Online application permissions, read from the access tokens' `roles` claim, against
what the commands declare; the directory roles its service principal holds
(`GET /servicePrincipals(appId='{clientId}')`, then role assignments filtered by its
`principalId`); Microsoft Entra ID P1 and P2 (service plans of `GET /subscribedSkus`); and the
Temporary Access Pass policy when /tap is installed. Every line that is not fine says what does
not work because of it and where to fix it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum
from pathlib import Path
from typing import Any

import jwt

from bot.permissions_report import EXCHANGE_API, GRAPH_API, PermissionsReport
from commands.context import TenantInfo
from core.errors import AuthFailed, DeskhandError, Forbidden, IntegrationError
from integrations.graph import GraphClient, TokenSource, eq

__all__ = [
    "Check",
    "Status",
    "TenantReport",
    "check_tenant",
    "exchange_resource",
]

_GLOBAL_ADMIN = "Global Administrator"
_STRONG_ROLE = "Privileged Authentication Administrator"
_P1_PLAN = "AAD_PREMIUM"
_P2_PLAN = "AAD_PREMIUM_P2"
_TAP_POLICY = (
    "/policies/authenticationMethodsPolicy/authenticationMethodConfigurations/TemporaryAccessPass"
)
_ADMIN_CENTER = "Microsoft Entra admin center"
# Exchange Online's resource per sign-in host (national clouds have their own).
_EXCHANGE_BY_LOGIN = {
    "https://login.microsoftonline.us": "https://outlook.office365.us",
    "https://login.chinacloudapi.cn": "https://partner.outlook.cn",
}


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


def exchange_resource(login_host: str) -> str:
    return _EXCHANGE_BY_LOGIN.get(login_host, "https://outlook.office365.com")


def _needed_by(users: Sequence[str]) -> str:
    return ", ".join(f"/{name}" for name in users)


def _roles_claim(token: str) -> frozenset[str]:
    """The application permissions an app token carries; the token is only read, not trusted."""
    claims = jwt.decode(token, options={"verify_signature": False})
    return frozenset(str(role) for role in claims.get("roles") or ())


def _object_id(token: str) -> str:
    return str(jwt.decode(token, options={"verify_signature": False}).get("oid") or "")


@dataclass(frozen=True)
class _Tenant:
    info: TenantInfo
    graph: GraphClient
    report: PermissionsReport
    ca_bundle: Path | None
    has_tap: bool

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
        where = (
            "Microsoft Graph"
            if api == GRAPH_API
            else "APIs my organization uses > Office 365 Exchange Online"
        )
        return (
            f"{_ADMIN_CENTER} > Identity > Applications > App registrations > the Deskhand app "
            f"({self.app}) > API permissions > Add a permission > {where} > Application "
            f"permissions; then Grant admin consent for {self.info.display_name} (or have its "
            f"Global Administrator open {self.consent_url})"
        )


async def check_tenant(
    tenant: TenantInfo,
    graph: GraphClient,
    report: PermissionsReport,
    *,
    ca_bundle: Path | None = None,
    has_tap: bool = False,
) -> TenantReport:
    """The checklist for one tenant; it never raises for what it finds."""
    t = _Tenant(tenant, graph, report, ca_bundle, has_tap)
    try:
        token = await t.tokens.token()
    except AuthFailed as error:
        fix = (
            f"Check the tenant id, the app id and its credential in Deskhand's settings; have a "
            f"Global Administrator of {tenant.display_name} grant consent at {t.consent_url}."
        )
        return TenantReport(tenant, (Check("Sign-in", Status.MISSING, error.message, fix),))
    except DeskhandError as error:
        return TenantReport(tenant, (Check("Sign-in", Status.UNCHECKED, error.message),))
    checks = [
        Check("Sign-in", Status.OK, f"The Deskhand app ({t.app}) signs in to {tenant.tenant_id}."),
        *_permissions(t, GRAPH_API, _roles_claim(token), report.graph),
    ]
    if report.exchange:
        checks += await _exchange_permissions(t)
    checks += await _directory_roles(t, token)
    checks += await _licences(t)
    if has_tap:
        checks.append(await _tap_policy(t))
    return TenantReport(tenant, tuple(checks))


def _permissions(
    t: _Tenant, api: str, granted: frozenset[str], needed: Mapping[str, Sequence[str]]
) -> list[Check]:
    area = f"{api} permissions"
    missing = [name for name in needed if name not in granted]
    if not missing:
        return [Check(area, Status.OK, f"All {len(needed)} application permissions granted.")]
    detail = "Not granted: " + "; ".join(
        f"{name} (for {_needed_by(needed[name])})" for name in missing
    )
    fix = f"Add {', '.join(missing)} in {t.api_permissions_path(api)}."
    return [Check(area, Status.MISSING, detail, fix)]


async def _exchange_permissions(t: _Tenant) -> list[Check]:
    resource = exchange_resource(t.tokens.endpoints.authority_host)
    source = TokenSource(
        t.tokens.credentials,
        replace(t.tokens.endpoints, graph_resource=resource),
        ca_bundle=t.ca_bundle,
    )
    try:
        granted = _roles_claim(await source.token())
    except DeskhandError as error:
        detail = f"No token for Exchange Online ({resource}): {error.message}"
        fix = f"Add the Exchange permissions in {t.api_permissions_path(EXCHANGE_API)}."
        return [Check(f"{EXCHANGE_API} permissions", Status.MISSING, detail, fix)]
    finally:
        await source.aclose()
    return _permissions(t, EXCHANGE_API, granted, t.report.exchange)


async def _service_principal(t: _Tenant, token: str) -> tuple[str, str]:
    """The app's service principal object id, and a note when it came from the token."""
    try:
        body = await t.graph.get(f"/servicePrincipals(appId='{t.app}')", select=("id",))
        return str(body.get("id") or ""), ""
    except Forbidden:
        # Reading service principals needs Application.Read.All (or Directory.Read.All); an
        # app token names its own service principal in `oid`, which is all this needs.
        return _object_id(token), " (service principal id taken from the access token)"


async def _directory_roles(t: _Tenant, token: str) -> list[Check]:
    area = "Directory roles"
    try:
        principal, how = await _service_principal(t, token)
        held = await _held_roles(t.graph, principal)
    except IntegrationError as error:
        fix = (
            "Grant RoleManagement.Read.Directory so Deskhand can read role assignments, or "
            f"check the app's roles in {_ADMIN_CENTER} > Identity > Roles & admins."
        )
        return [Check(area, Status.UNCHECKED, error.message, fix)]
    checks: list[Check] = []
    for role, users in t.report.roles.items():
        if role in held or _GLOBAL_ADMIN in held:
            checks.append(Check(f"Role: {role}", Status.OK, f"Held by the app{how}."))
            continue
        checks.append(
            Check(
                f"Role: {role}",
                Status.MISSING,
                f"The app does not hold {role}, which {_needed_by(users)} need; Entra refuses "
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
    except IntegrationError as error:
        return [Check("Licences", Status.UNCHECKED, error.message)]
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


async def _tap_policy(t: _Tenant) -> Check:
    area = "Temporary Access Pass policy"
    try:
        body = await t.graph.get(_TAP_POLICY, select=())
    except IntegrationError as error:
        return Check(area, Status.UNCHECKED, error.message)
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
