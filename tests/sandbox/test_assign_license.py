"""`assignLicense` (user-assignlicense.md), `licenseAssignmentStates`, and the manager `$ref`."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import httpx
import pytest

from sandbox import Sandbox
from sandbox.model import Directory, User
from sandbox.seeds.catalog import SKU_IDS

from .conftest import TokenFor

E3 = SKU_IDS["SPE_E3"]
O365 = SKU_IDS["ENTERPRISEPACK"]
REFUSED = "Request_BadRequest"


def _directory(sandbox: Sandbox) -> Directory:
    return sandbox.tenant("contoso").directory


def _user(sandbox: Sandbox, key: str) -> User:
    user = _directory(sandbox).find_user(f"{key}@contoso.com")
    assert user is not None
    return user


def _assign(add: list[str] = [], remove: list[str] = []) -> dict[str, Any]:  # noqa: B006
    return {
        "addLicenses": [{"disabledPlans": [], "skuId": s} for s in add],
        "removeLicenses": remove,
    }


async def test_assigning_a_licence_answers_the_user_and_takes_a_seat(
    sandbox: Sandbox, graph: httpx.AsyncClient
) -> None:
    directory = _directory(sandbox)
    before = directory.consumed_units(O365)

    response = await graph.post(
        "/v1.0/users/reception@contoso.com/assignLicense", json=_assign([O365])
    )
    skus = await graph.get("/v1.0/subscribedSkus", params={"$select": "skuId,consumedUnits"})

    assert response.status_code == 200
    body = response.json()
    assert body["@odata.context"].endswith("/v1.0/$metadata#users/$entity")
    assert body["assignedLicenses"] == [{"disabledPlans": [], "skuId": O365}]
    assert _user(sandbox, "reception").sku_ids == (O365,)
    consumed = {s["skuId"]: s["consumedUnits"] for s in skus.json()["value"]}
    assert consumed[O365] == before + 1


async def test_removing_a_licence_frees_its_seat(
    sandbox: Sandbox, graph: httpx.AsyncClient
) -> None:
    before = _directory(sandbox).consumed_units(E3)

    response = await graph.post(
        "/v1.0/users/adele.vance@contoso.com/assignLicense", json=_assign(remove=[E3])
    )

    assert response.status_code == 200
    assert _user(sandbox, "adele.vance").sku_ids == ()
    assert _directory(sandbox).consumed_units(E3) == before - 1


async def test_no_free_seat_is_refused_with_the_sku(
    sandbox: Sandbox, graph: httpx.AsyncClient
) -> None:
    first = await graph.post("/v1.0/users/reception@contoso.com/assignLicense", json=_assign([E3]))
    second = await graph.post(
        "/v1.0/users/breakglass@contoso.com/assignLicense", json=_assign([E3])
    )

    assert first.status_code == 200
    assert second.status_code == 400
    error = second.json()["error"]
    assert error["code"] == REFUSED
    assert error["message"] == f"Subscription {E3} does not have any available licenses."
    assert _user(sandbox, "breakglass").sku_ids == ()


async def test_a_user_without_usage_location_cannot_be_licensed(
    sandbox: Sandbox, graph: httpx.AsyncClient
) -> None:
    directory = _directory(sandbox)
    directory.add_user(replace(_user(sandbox, "reception"), usage_location=None))

    response = await graph.post(
        "/v1.0/users/reception@contoso.com/assignLicense", json=_assign([O365])
    )

    assert response.status_code == 400
    assert "invalid usage location" in response.json()["error"]["message"]


async def test_inherited_licences_show_their_group_and_cannot_be_removed_directly(
    sandbox: Sandbox, graph: httpx.AsyncClient
) -> None:
    group_id = next(iter(_directory(sandbox).groups))
    reception = replace(_user(sandbox, "reception"), inherited_licenses=((O365, group_id),))
    _directory(sandbox).add_user(reception)

    states = await graph.get(
        "/v1.0/users/reception@contoso.com",
        params={"$select": "assignedLicenses,licenseAssignmentStates"},
    )
    refused = await graph.post(
        "/v1.0/users/reception@contoso.com/assignLicense", json=_assign(remove=[O365])
    )
    not_held = await graph.post(
        "/v1.0/users/reception@contoso.com/assignLicense", json=_assign(remove=[E3])
    )

    body = states.json()
    assert body["assignedLicenses"] == [{"disabledPlans": [], "skuId": O365}]
    (state,) = body["licenseAssignmentStates"]
    assert (state["skuId"], state["assignedByGroup"], state["state"]) == (O365, group_id, "Active")
    assert refused.status_code == not_held.status_code == 400
    assert "inherited from a group" in refused.json()["error"]["message"]


async def test_malformed_assignments_and_unknown_skus_are_refused(
    graph: httpx.AsyncClient,
) -> None:
    path = "/v1.0/users/reception@contoso.com/assignLicense"

    no_remove = await graph.post(path, json={"addLicenses": [{"skuId": O365}]})
    unknown = await graph.post(path, json=_assign(["00000000-0000-0000-0000-0000000000aa"]))

    assert no_remove.status_code == unknown.status_code == 400
    assert "does not correspond to a valid company License" in unknown.json()["error"]["message"]


@pytest.mark.usefixtures("narrow_consent")
async def test_assigning_licences_needs_a_licence_permission(
    sandbox: Sandbox, graph: httpx.AsyncClient
) -> None:
    sandbox.tenant("contoso").permissions.discard("LicenseAssignment.ReadWrite.All")

    refused = await graph.post(
        "/v1.0/users/reception@contoso.com/assignLicense", json=_assign([O365])
    )

    assert refused.status_code == 403


@pytest.mark.usefixtures("narrow_consent")
async def test_setting_a_manager_by_reference_answers_204(
    sandbox: Sandbox, graph: httpx.AsyncClient, token_for: TokenFor
) -> None:
    patti = _user(sandbox, "patti.fernandez")
    reference = {"@odata.id": f"https://graph.microsoft.com/v1.0/users/{patti.id}"}
    path = "/v1.0/users/adele.vance@contoso.com/manager/$ref"

    refused = await graph.put(path, json=reference)
    sandbox.tenant("contoso").permissions.add("User.ReadWrite.All")
    graph.headers["Authorization"] = f"Bearer {await token_for('contoso')}"
    accepted = await graph.put(path, json=reference)
    manager = await graph.get(
        "/v1.0/users/adele.vance@contoso.com/manager", params={"$select": "id"}
    )
    synced = await graph.put("/v1.0/users/lee.gu@contoso.com/manager/$ref", json=reference)

    assert (refused.status_code, accepted.status_code) == (403, 204)
    assert manager.json()["id"] == patti.id
    assert synced.status_code == 400


@pytest.mark.usefixtures("narrow_consent")
async def test_profile_fields_take_user_read_update_all_and_the_phone_its_own(
    sandbox: Sandbox, graph: httpx.AsyncClient, token_for: TokenFor
) -> None:
    sandbox.tenant("contoso").permissions.add("User.ReadUpdate.All")
    graph.headers["Authorization"] = f"Bearer {await token_for('contoso')}"
    path = "/v1.0/users/adele.vance@contoso.com"

    title = await graph.patch(path, json={"jobTitle": "Store Manager", "usageLocation": "GB"})
    phone = await graph.patch(path, json={"mobilePhone": "+1 425 555 0100"})

    assert (title.status_code, phone.status_code) == (204, 403)
    assert _user(sandbox, "adele.vance").job_title == "Store Manager"
