"""`/users/{id}/transitiveMemberOf`: groups, and the roles held directly or through them."""

from __future__ import annotations

import httpx

from sandbox import Sandbox


async def test_roles_held_through_a_role_assignable_group_are_listed(
    graph: httpx.AsyncClient,
) -> None:
    response = await graph.get(
        "/v1.0/users/sean.o'brien@contoso.com/transitiveMemberOf",
        params={"$select": "id,displayName,isAssignableToRole"},
    )

    assert response.status_code == 200
    items = response.json()["value"]
    groups = {
        o["displayName"]: o["isAssignableToRole"]
        for o in items
        if o["@odata.type"] == "#microsoft.graph.group"
    }
    assert groups["Helpdesk Admins"] is True
    roles = [o for o in items if o["@odata.type"] == "#microsoft.graph.directoryRole"]
    assert [r["displayName"] for r in roles] == ["Helpdesk Administrator"]
    assert set(roles[0]) == {"@odata.type", "id", "displayName", "isAssignableToRole"}


async def test_a_user_without_roles_gets_only_groups(graph: httpx.AsyncClient) -> None:
    response = await graph.get("/v1.0/users/lynne.robbins@contoso.com/transitiveMemberOf")

    kinds = {o["@odata.type"] for o in response.json()["value"]}
    assert kinds == {"#microsoft.graph.group"}


async def test_transitive_member_of_needs_a_user_or_group_read_permission(
    sandbox: Sandbox, graph: httpx.AsyncClient
) -> None:
    sandbox.tenant("contoso").permissions.difference_update(
        {"User.Read.All", "Directory.Read.All", "GroupMember.Read.All"}
    )

    response = await graph.get("/v1.0/users/adele.vance@contoso.com/transitiveMemberOf")

    assert response.status_code == 403
