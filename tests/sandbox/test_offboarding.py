"""The Graph endpoints an offboarding job calls: owners, owned objects, the drive, and the
credential type SharePoint checks in tokens."""

from __future__ import annotations

import httpx
import jwt

from sandbox import Sandbox
from sandbox.model import Group, User
from tests.sandbox.conftest import request_token

ADELE = "adele.vance@contoso.com"


def _user(sandbox: Sandbox, upn: str) -> User:
    user = sandbox.tenant("contoso").directory.find_user(upn)
    assert user is not None
    return user


def _group(sandbox: Sandbox, name: str) -> Group:
    groups = sandbox.tenant("contoso").directory.groups.values()
    return next(g for g in groups if g.display_name == name)


def _ref(sandbox: Sandbox, upn: str) -> dict[str, str]:
    user_id = _user(sandbox, upn).id
    return {"@odata.id": f"https://graph.microsoft.com/v1.0/directoryObjects/{user_id}"}


async def test_owned_objects_lists_the_groups_a_user_owns_typed(
    graph: httpx.AsyncClient,
) -> None:
    response = await graph.get(f"/v1.0/users/{ADELE}/ownedObjects")

    assert response.status_code == 200
    (owned,) = response.json()["value"]
    assert owned["@odata.type"] == "#microsoft.graph.group"
    assert owned["displayName"] == "Sales and Marketing"
    assert owned["resourceProvisioningOptions"] == ["Team"]


async def test_member_of_carries_the_group_kind_properties(graph: httpx.AsyncClient) -> None:
    params = {"$select": "displayName,groupTypes,mailEnabled,resourceProvisioningOptions"}
    response = await graph.get(f"/v1.0/users/{ADELE}/memberOf", params=params)

    by_name = {item["displayName"]: item for item in response.json()["value"]}
    assert by_name["Sales and Marketing"]["resourceProvisioningOptions"] == ["Team"]
    assert by_name["Contoso Announcements"]["groupTypes"] == []
    assert by_name["Contoso Announcements"]["mailEnabled"] is True


async def test_group_owners_are_listed_as_users(sandbox: Sandbox, graph: httpx.AsyncClient) -> None:
    group = _group(sandbox, "Sales and Marketing")

    response = await graph.get(f"/v1.0/groups/{group.id}/owners")

    owners = response.json()["value"]
    assert {o["userPrincipalName"] for o in owners} == {ADELE, "miriam.graham@contoso.com"}
    assert {o["@odata.type"] for o in owners} == {"#microsoft.graph.user"}


async def test_owners_of_an_exchange_made_group_are_not_listed(
    sandbox: Sandbox, graph: httpx.AsyncClient
) -> None:
    group = _group(sandbox, "IT Helpdesk")
    directory = sandbox.tenant("contoso").directory
    admin = _user(sandbox, "admin@contoso.com")
    directory.groups[group.id] = Group(**{**group.__dict__, "owner_ids": frozenset({admin.id})})

    response = await graph.get(f"/v1.0/groups/{group.id}/owners")

    assert response.status_code == 200
    assert response.json()["value"] == []


async def test_removing_an_owner_answers_204_and_adding_back_restores_it(
    sandbox: Sandbox, graph: httpx.AsyncClient
) -> None:
    group = _group(sandbox, "Sales and Marketing")
    adele = _user(sandbox, ADELE)

    removed = await graph.delete(f"/v1.0/groups/{group.id}/owners/{adele.id}/$ref")
    after_removal = _group(sandbox, "Sales and Marketing").owner_ids
    added = await graph.post(f"/v1.0/groups/{group.id}/owners/$ref", json=_ref(sandbox, ADELE))
    again = await graph.post(f"/v1.0/groups/{group.id}/owners/$ref", json=_ref(sandbox, ADELE))

    assert removed.status_code == 204 and removed.content == b""
    assert adele.id not in after_removal
    assert added.status_code == 204
    assert adele.id in _group(sandbox, "Sales and Marketing").owner_ids
    assert again.status_code == 400
    assert again.json()["error"]["code"] == "Request_BadRequest"


async def test_the_last_owner_cannot_be_removed(sandbox: Sandbox, graph: httpx.AsyncClient) -> None:
    group = _group(sandbox, "SG-Finance")
    irvin = _user(sandbox, "irvin.sayers@contoso.com")

    response = await graph.delete(f"/v1.0/groups/{group.id}/owners/{irvin.id}/$ref")

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "Request_BadRequest"
    assert _group(sandbox, "SG-Finance").owner_ids == {irvin.id}


async def test_removing_a_non_owner_is_not_found(sandbox: Sandbox, graph: httpx.AsyncClient) -> None:
    group = _group(sandbox, "SG-Finance")
    pradeep = _user(sandbox, "pradeep.gupta@contoso.com")

    response = await graph.delete(f"/v1.0/groups/{group.id}/owners/{pradeep.id}/$ref")

    assert response.status_code == 404


async def test_owner_writes_need_group_readwrite(sandbox: Sandbox, graph: httpx.AsyncClient) -> None:
    sandbox.tenant("contoso").permissions -= {"Group.ReadWrite.All", "Directory.ReadWrite.All"}
    group = _group(sandbox, "Sales and Marketing")
    adele = _user(sandbox, ADELE)

    response = await graph.delete(f"/v1.0/groups/{group.id}/owners/{adele.id}/$ref")

    assert response.status_code == 403
    assert adele.id in _group(sandbox, "Sales and Marketing").owner_ids


async def test_a_licensed_user_has_a_onedrive_with_its_personal_site(
    graph: httpx.AsyncClient,
) -> None:
    response = await graph.get(f"/v1.0/users/{ADELE}/drive")

    assert response.status_code == 200
    drive = response.json()
    assert drive["driveType"] == "business"
    assert drive["webUrl"] == (
        "https://contoso-my.sharepoint.com/personal/adele_vance_contoso_com/Documents"
    )


async def test_a_user_without_sharepoint_has_no_drive(graph: httpx.AsyncClient) -> None:
    response = await graph.get("/v1.0/users/breakglass@contoso.com/drive")

    assert response.status_code == 404


async def test_tokens_say_whether_a_secret_or_a_certificate_signed_in(
    sandbox: Sandbox, sandbox_http: httpx.AsyncClient
) -> None:
    response = await request_token(sandbox_http, sandbox, "contoso")
    secret = response.json()["access_token"]
    certificate = sandbox.mint_token("contoso", certificate=True)

    def acr(token: str) -> str:
        return str(jwt.decode(token, options={"verify_signature": False})["appidacr"])

    assert (acr(secret), acr(certificate)) == ("1", "2")


async def test_the_sharepoint_admin_host_is_a_resource_of_the_tenant(
    sandbox: Sandbox, sandbox_http: httpx.AsyncClient
) -> None:
    scope = "https://contoso-admin.sharepoint.com/.default"
    accepted = await request_token(sandbox_http, sandbox, "contoso", scope)
    refused = await request_token(
        sandbox_http, sandbox, "contoso", "https://fabrikam-admin.sharepoint.com/.default"
    )

    assert accepted.status_code == 200
    assert refused.status_code == 400
