"""Deleting users and deleted items: user-delete.md, directory-deleteditems-list/-restore/-delete,
and the app's own service principal and directory roles."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest

from sandbox import Sandbox
from sandbox.graph.api_deleted import soft_delete

from .conftest import TokenFor

ADELE = "adele.vance@contoso.com"
DELETED_USERS = "/v1.0/directory/deletedItems/microsoft.graph.user"


async def test_delete_answers_204_and_moves_the_user_to_deleted_items(
    sandbox: Sandbox, graph: httpx.AsyncClient
) -> None:
    directory = sandbox.tenant("contoso").directory
    adele = directory.find_user(ADELE)
    assert adele is not None
    skus_before = directory.consumed_units(adele.sku_ids[0])

    deleted = await graph.delete(f"/v1.0/users/{ADELE}")
    gone = await graph.get(f"/v1.0/users/{ADELE}")
    listed = await graph.get(
        DELETED_USERS, params={"$select": "id,userPrincipalName,mail,deletedDateTime"}
    )

    assert (deleted.status_code, deleted.content) == (204, b"")
    assert gone.status_code == 404
    (item,) = listed.json()["value"]
    assert item["id"] == adele.id
    assert item["userPrincipalName"] == adele.id.replace("-", "") + ADELE
    assert item["deletedDateTime"].endswith("Z")
    assert directory.consumed_units(adele.sku_ids[0]) == skus_before - 1
    assert all(adele.id not in g.member_ids for g in directory.groups.values())


async def test_restore_gives_back_the_user_and_its_groups(
    sandbox: Sandbox, graph: httpx.AsyncClient
) -> None:
    directory = sandbox.tenant("contoso").directory
    adele = directory.find_user(ADELE)
    assert adele is not None
    groups = {g.id for g in directory.groups.values() if adele.id in g.member_ids}
    await graph.delete(f"/v1.0/users/{adele.id}")

    restored = await graph.post(f"/v1.0/directory/deletedItems/{adele.id}/restore")
    again = await graph.post(f"/v1.0/directory/deletedItems/{adele.id}/restore")

    assert restored.status_code == 200
    body = restored.json()
    assert body["@odata.type"] == "#microsoft.graph.user"
    assert body["userPrincipalName"] == ADELE
    assert (await graph.get(f"/v1.0/users/{ADELE}")).status_code == 200
    assert {g.id for g in directory.groups.values() if adele.id in g.member_ids} == groups
    assert again.status_code == 404
    assert again.json()["error"]["code"] == "Request_ResourceNotFound"


async def test_restore_is_refused_while_another_user_has_the_upn(
    sandbox: Sandbox, graph: httpx.AsyncClient
) -> None:
    directory = sandbox.tenant("contoso").directory
    adele = directory.find_user(ADELE)
    assert adele is not None
    soft_delete(directory, adele.id, datetime.now(UTC))
    directory.add_user(adele.__class__(**{**adele.__dict__, "id": "0" * 8 + adele.id[8:]}))

    refused = await graph.post(f"/v1.0/directory/deletedItems/{adele.id}/restore")

    assert refused.status_code == 400
    assert "userPrincipalName already exists" in refused.json()["error"]["message"]
    assert adele.id in directory.deleted_users


async def test_deleted_users_are_purged_after_thirty_days(
    sandbox: Sandbox, graph: httpx.AsyncClient
) -> None:
    directory = sandbox.tenant("contoso").directory
    adele = directory.find_user(ADELE)
    assert adele is not None
    soft_delete(directory, adele.id, datetime.now(UTC) - timedelta(days=31))

    listed = await graph.get(DELETED_USERS)
    restore = await graph.post(f"/v1.0/directory/deletedItems/{adele.id}/restore")

    assert listed.json()["value"] == []
    assert restore.status_code == 404


async def test_purging_answers_204(sandbox: Sandbox, graph: httpx.AsyncClient) -> None:
    directory = sandbox.tenant("contoso").directory
    adele = directory.find_user(ADELE)
    assert adele is not None
    soft_delete(directory, adele.id, datetime.now(UTC))

    purged = await graph.delete(f"/v1.0/directory/deletedItems/{adele.id}")

    assert purged.status_code == 204
    assert directory.deleted_users == {}


@pytest.mark.usefixtures("narrow_consent")
async def test_deleting_needs_delete_restore_or_read_write(
    sandbox: Sandbox, graph: httpx.AsyncClient
) -> None:
    sandbox.tenant("contoso").permissions.discard("User.DeleteRestore.All")

    refused = await graph.delete(f"/v1.0/users/{ADELE}")

    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "Authorization_RequestDenied"


async def test_deleting_a_global_admin_needs_privileged_authentication_administrator(
    sandbox: Sandbox, graph: httpx.AsyncClient
) -> None:
    refused = await graph.delete("/v1.0/users/admin@contoso.com")
    sandbox.tenant("contoso").app_roles.add("Privileged Authentication Administrator")
    allowed = await graph.delete("/v1.0/users/admin@contoso.com")

    assert refused.status_code == 403
    assert allowed.status_code == 204


async def test_synced_users_cannot_be_deleted_in_the_cloud(
    sandbox: Sandbox, graph: httpx.AsyncClient
) -> None:
    synced = next(
        u for u in sandbox.tenant("contoso").directory.users.values() if u.on_premises_sync
    )

    refused = await graph.delete(f"/v1.0/users/{synced.id}")

    assert refused.status_code == 400
    assert refused.json()["error"]["code"] == "Request_BadRequest"


async def test_the_app_finds_its_service_principal_and_directory_roles(
    sandbox: Sandbox, graph: httpx.AsyncClient, token_for: TokenFor
) -> None:
    tenant = sandbox.tenant("contoso")
    tenant.permissions.discard("Directory.Read.All")
    tenant.permissions.add("Application.Read.All")
    graph.headers["Authorization"] = f"Bearer {await token_for('contoso')}"

    found = await graph.get(f"/v1.0/servicePrincipals(appId='{tenant.client_id}')")
    principal = found.json()
    roles = await graph.get(
        "/v1.0/roleManagement/directory/roleAssignments",
        params={"$filter": f"principalId eq '{principal['id']}'", "$expand": "roleDefinition"},
    )

    assert found.status_code == 200
    assert (principal["appId"], principal["id"]) == (tenant.client_id, tenant.service_principal_id)
    assert [a["roleDefinition"]["displayName"] for a in roles.json()["value"]] == [
        "Exchange Administrator",
        "User Administrator",
    ]


@pytest.mark.usefixtures("narrow_consent")
async def test_reading_the_service_principal_needs_application_or_directory_read(
    graph: httpx.AsyncClient, sandbox: Sandbox
) -> None:
    tenant = sandbox.tenant("contoso")
    tenant.permissions.discard("Directory.Read.All")

    refused = await graph.get(f"/v1.0/servicePrincipals(appId='{tenant.client_id}')")

    assert refused.status_code == 403
