"""`deskhand doctor`'s checks of the directory: the roles the app holds, Entra ID P1 and P2,
and the Temporary Access Pass policy."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from bot.operator.doctor_checklist import (
    ADMIN_CENTER,
    GRANTS_READ,
    Check,
    Status,
    TenantUnderCheck,
    refused,
)
from bot.operator.permissions_report import needed_by
from core.errors import Forbidden
from integrations.graph import GraphClient, eq

__all__ = ["directory_roles", "licenses", "tap_policy", "tap_state"]

_GLOBAL_ADMIN = "Global Administrator"
_STRONG_ROLE = "Privileged Authentication Administrator"
_P1_PLAN = "AAD_PREMIUM"
_P2_PLAN = "AAD_PREMIUM_P2"
_TAP_POLICY = (
    "/policies/authenticationMethodsPolicy/authenticationMethodConfigurations/TemporaryAccessPass"
)


async def directory_roles(t: TenantUnderCheck) -> list[Check]:
    area = "Directory roles"
    if t.grants is None:
        return [
            Check(
                area,
                Status.UNCHECKED,
                "Not checked: the app's service principal could not be read.",
                f"Add {GRANTS_READ} (see above), or check the app's roles in {ADMIN_CENTER} > "
                "Identity > Roles & admins.",
            )
        ]
    try:
        held = await _held_roles(t.graph, t.grants.principal_id)
    except Forbidden as error:
        fix = (
            "Grant RoleManagement.Read.Directory so Deskhand can read role assignments, or "
            f"check the app's roles in {ADMIN_CENTER} > Identity > Roles & admins."
        )
        return [refused(t, area, error, "RoleManagement.Read.Directory", fix)]
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


def _assign_role(role: str, app: str) -> str:
    return (
        f"{ADMIN_CENTER} > Identity > Roles & admins > Roles & admins > {role} > Add "
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


async def licenses(t: TenantUnderCheck) -> list[Check]:
    try:
        body = await t.graph.get(
            "/subscribedSkus", select=("skuId", "skuPartNumber", "capabilityStatus", "servicePlans")
        )
    except Forbidden as error:
        return [refused(t, "Licences", error, "Organization.Read.All")]
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


async def tap_policy(t: TenantUnderCheck) -> list[Check]:
    return [await tap_state(t)]


async def tap_state(t: TenantUnderCheck) -> Check:
    area = "Temporary Access Pass policy"
    try:
        body = await t.graph.get(_TAP_POLICY, select=())
    except Forbidden as error:
        return refused(t, area, error, "Policy.Read.All")
    if body.get("state") == "enabled":
        lifetime = body.get("defaultLifetimeInMinutes")
        extra = f" (default lifetime {lifetime} minutes)" if lifetime else ""
        return Check(area, Status.OK, f"Enabled{extra}: /tap can issue passes.")
    return Check(
        area,
        Status.MISSING,
        f"Disabled in {t.info.display_name}: /tap cannot issue passes.",
        f"{ADMIN_CENTER} > Protection > Authentication methods > Policies > Temporary Access "
        "Pass > Enable, and include the users (or All users) it should apply to.",
    )
