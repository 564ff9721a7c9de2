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

from collections.abc import Awaitable, Mapping, Sequence, Sized
from datetime import UTC, datetime
from typing import TypeVar

import structlog

from bot.operator.doctor_checklist import (
    GRANTS_READ,
    RESOURCES,
    Check,
    Status,
    TenantReport,
    TenantUnderCheck,
)
from bot.operator.doctor_directory import directory_roles, licenses, tap_policy
from bot.operator.permissions_report import EXCHANGE_API, GRAPH_API, PermissionsReport, needed_by
from core.errors import AuthFailed, DeskhandError, Forbidden
from core.identity import TenantInfo
from integrations.graph import GraphClient, TokenSource
from integrations.graph.grants import AppGrants, read_app_grants

__all__ = ["check_tenant"]

log = structlog.get_logger("deskhand.doctor")

_T = TypeVar("_T")


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
    t = TenantUnderCheck(tenant, graph, report, has_tap, now or datetime.now(UTC))
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
        t = TenantUnderCheck(tenant, graph, report, has_tap, t.now, grants)
        checks += _permissions(t, grants, GRAPH_API, report.graph)
    if report.exchange:
        checks += await _guarded_list(f"{EXCHANGE_API} sign-in", _exchange(t, exchange))
    checks += await _guarded_list("Directory roles", directory_roles(t))
    checks += await _guarded_list("Licences", licenses(t))
    if has_tap:
        checks += await _guarded_list("Temporary Access Pass policy", tap_policy(t))
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


async def _read_grants(t: TenantUnderCheck) -> AppGrants | Check:
    try:
        return await read_app_grants(t.graph, t.app)
    except Forbidden as error:
        return Check(
            "Granted permissions",
            Status.UNCHECKED,
            f"Deskhand cannot read which permissions its app was granted: {error.message}",
            f"Add {GRANTS_READ} in {t.api_permissions_path(GRAPH_API)}. Deskhand reads its "
            "grants from the directory, since access tokens are not for clients to read.",
        )


def _permissions(
    t: TenantUnderCheck, grants: AppGrants, api: str, needed: Mapping[str, Sequence[str]]
) -> list[Check]:
    area = f"{api} permissions"
    resource = RESOURCES[api]
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


def _fresh(t: TenantUnderCheck, api: str, name: str, users: Sequence[str]) -> Check | None:
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


async def _exchange(t: TenantUnderCheck, source: TokenSource | None) -> list[Check]:
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
