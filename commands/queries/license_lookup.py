"""A tenant's licences as a technician names them, and how a user holds one.

A licence is named by part number (`SPE_E3`), product name ("Microsoft 365 E3"), SKU id, or a
unique part of the product name, and resolved against the tenant's `/subscribedSkus`, whose
`prepaidUnits.enabled` minus `consumedUnits` are the free seats. Product names come from
Microsoft's published list (`ctx.products`). How a user holds a licence comes from
`licenseAssignmentStates`: `assignedByGroup` is null for a direct assignment and the group's id
for one inherited through group-based licensing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from commands.kit.context import CommandContext
from commands.kit.formatting import first_few
from commands.queries.targets import Target
from core.errors import IntegrationError, NotFound, UserError
from integrations.graph.directory import Sku

__all__ = [
    "USER_LICENSE_FIELDS",
    "Holding",
    "License",
    "group_names",
    "holding_of",
    "match_license",
    "read_holding",
    "subscribed_licenses",
    "tenant_country",
]

_SKU_FIELDS = ("skuId", "skuPartNumber", "prepaidUnits", "consumedUnits", "capabilityStatus")
USER_LICENSE_FIELDS = ("assignedLicenses", "licenseAssignmentStates", "usageLocation")


@dataclass(frozen=True)
class License:
    sku: Sku
    name: str

    @property
    def label(self) -> str:
        return f"{self.name} ({self.sku.part_number})" if self.sku.part_number else self.name

    @property
    def counts(self) -> str:
        return f"{self.sku.enabled} purchased, {self.sku.consumed} assigned"


@dataclass(frozen=True)
class Holding:
    """How the user holds a licence now: directly, and through which groups."""

    direct: bool
    group_ids: tuple[str, ...]

    @property
    def held(self) -> bool:
        return self.direct or bool(self.group_ids)


async def subscribed_licenses(ctx: CommandContext) -> list[License]:
    page = await ctx.graph.get("/subscribedSkus", select=_SKU_FIELDS)
    skus = [Sku.from_graph(item) for item in page.get("value") or ()]
    return [License(sku, ctx.products.name(sku.sku_id, sku.part_number)) for sku in skus]


def match_license(ctx: CommandContext, licences: Sequence[License], text: str) -> License:
    """The subscribed licence `text` names: part number, product name, SKU id, or a unique
    part of the product name."""
    tenant = ctx.current_tenant.display_name
    key = text.strip().casefold()
    exact = [
        lic
        for lic in licences
        if key in (lic.sku.part_number.casefold(), lic.name.casefold(), lic.sku.sku_id)
    ]
    found = exact or [lic for lic in licences if key in lic.name.casefold()]
    if len(found) == 1:
        return found[0]
    if len(found) > 1:
        raise UserError(
            f"{len(found)} licences in {tenant} match {text!r}: "
            f"{first_few([lic.label for lic in found])}. Give the part number of the one you mean."
        )
    owned = first_few(sorted(lic.label for lic in licences))
    product = ctx.products.by_part_number(text.strip()) or next(
        (p for p in ctx.products.products if p.name.casefold() == key), None
    )
    if product is not None:
        raise NotFound(
            f"{tenant} has no subscription for {product.name} ({product.string_id}). "
            f"Its licences: {owned}."
        )
    raise NotFound(f"No licence of {tenant} matches {text!r}. Its licences: {owned}.")


async def read_holding(ctx: CommandContext, target: Target, sku_id: str) -> tuple[Holding, str]:
    """How the user holds the SKU, and their usage location ("" when missing)."""
    user = await ctx.graph.get(f"/users/{target.id}", select=USER_LICENSE_FIELDS)
    return holding_of(user, sku_id), str(user.get("usageLocation") or "")


def holding_of(user: Mapping[str, Any], sku_id: str) -> Holding:
    states = [
        s
        for s in user.get("licenseAssignmentStates") or ()
        if str(s.get("skuId") or "").lower() == sku_id
    ]
    assigned = any(
        str(a.get("skuId") or "").lower() == sku_id for a in user.get("assignedLicenses") or ()
    )
    if not states:
        # Without assignment states, an assigned licence counts as direct.
        return Holding(direct=assigned, group_ids=())
    groups = tuple(str(s["assignedByGroup"]) for s in states if s.get("assignedByGroup"))
    return Holding(direct=any(not s.get("assignedByGroup") for s in states), group_ids=groups)


async def group_names(ctx: CommandContext, group_ids: Sequence[str]) -> str:
    names = []
    for group_id in group_ids:
        try:
            body = await ctx.graph.get(f"/groups/{group_id}", select=("displayName",))
            names.append(str(body.get("displayName") or group_id))
        except IntegrationError:
            names.append(group_id)
    return ", ".join(names)


async def tenant_country(ctx: CommandContext) -> str:
    page = await ctx.graph.get("/organization", select=("countryLetterCode",))
    items = page.get("value") or [{}]
    return str(items[0].get("countryLetterCode") or "").upper()
