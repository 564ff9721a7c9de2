"""Groups and membership by `$ref`: group-list/-get, group-post-members, group-delete-members,
and the groups Graph cannot manage."""

from __future__ import annotations

from dataclasses import replace

import httpx
import pytest

from sandbox import Sandbox
from sandbox.model import Directory, Group

from .conftest import TokenFor

ADELE = "adele.vance@contoso.com"
MEMBERS_WRITE = "GroupMember.ReadWrite.All"


def _directory(sandbox: Sandbox) -> Directory:
    return sandbox.tenant("contoso").directory


def _group(sandbox: Sandbox, name: str) -> Group:
    return next(g for g in _directory(sandbox).groups.values() if g.display_name == name)


def _adele_id(sandbox: Sandbox) -> str:
    adele = _directory(sandbox).find_user(ADELE)
    assert adele is not None
    return adele.id


def _reference(user_id: str) -> dict[str, str]:
    return {"@odata.id": f"https://graph.microsoft.com/v1.0/directoryObjects/{user_id}"}


@pytest.fixture
async def writer(
    sandbox: Sandbox, graph: httpx.AsyncClient, token_for: TokenFor
) -> httpx.AsyncClient:
    """Contoso's Graph with GroupMember.ReadWrite.All consented (a new token carries it)."""
    sandbox.tenant("contoso").permissions.add(MEMBERS_WRITE)
    graph.headers["Authorization"] = f"Bearer {await token_for('contoso')}"
    return graph


async def test_groups_are_listed_filtered_and_read_by_id(
    sandbox: Sandbox, graph: httpx.AsyncClient
) -> None:
    finance = _group(sandbox, "SG-Finance")

    by_name = await graph.get(
        "/v1.0/groups",
        params={"$filter": "displayName eq 'sg-finance'", "$select": "id,displayName,groupTypes"},
    )
    by_mail = await graph.get(
        "/v1.0/groups", params={"$filter": "mail eq 'ithelpdesk@contoso.com'", "$select": "id"}
    )
    one = await graph.get(
        f"/v1.0/groups/{finance.id}",
        params={"$select": "id,mailEnabled,securityEnabled,onPremisesSyncEnabled"},
    )

    assert by_name.json()["value"] == [
        {"id": finance.id, "displayName": "SG-Finance", "groupTypes": []}
    ]
    assert by_mail.json()["value"] == [{"id": _group(sandbox, "IT Helpdesk").id}]
    body = one.json()
    assert body["@odata.context"].endswith("/v1.0/$metadata#groups/$entity")
    assert {k: body[k] for k in ("mailEnabled", "securityEnabled", "onPremisesSyncEnabled")} == {
        "mailEnabled": False,
        "securityEnabled": True,
        "onPremisesSyncEnabled": None,
    }


async def test_adding_and_removing_a_member_answer_204_and_change_the_group(
    sandbox: Sandbox, writer: httpx.AsyncClient
) -> None:
    finance = _group(sandbox, "SG-Finance")
    adele = _adele_id(sandbox)

    added = await writer.post(f"/v1.0/groups/{finance.id}/members/$ref", json=_reference(adele))
    after_add = _group(sandbox, "SG-Finance").member_ids
    again = await writer.post(f"/v1.0/groups/{finance.id}/members/$ref", json=_reference(adele))
    removed = await writer.delete(f"/v1.0/groups/{finance.id}/members/{adele}/$ref")
    missing = await writer.delete(f"/v1.0/groups/{finance.id}/members/{adele}/$ref")

    assert (added.status_code, added.content) == (204, b"")
    assert adele in after_add
    assert again.status_code == 400
    assert "already exist" in again.json()["error"]["message"]
    assert removed.status_code == 204
    assert adele not in _group(sandbox, "SG-Finance").member_ids
    assert missing.status_code == 404


async def test_membership_writes_need_a_group_member_write_permission(
    sandbox: Sandbox, graph: httpx.AsyncClient
) -> None:
    finance = _group(sandbox, "SG-Finance")
    for permission in ("GroupMember.ReadWrite.All", "Group.ReadWrite.All"):
        sandbox.tenant("contoso").permissions.discard(permission)

    refused = await graph.post(
        f"/v1.0/groups/{finance.id}/members/$ref", json=_reference(_adele_id(sandbox))
    )

    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "Authorization_RequestDenied"


async def test_an_unknown_member_or_a_missing_reference_is_refused(
    sandbox: Sandbox, writer: httpx.AsyncClient
) -> None:
    finance = _group(sandbox, "SG-Finance").id

    unknown = await writer.post(
        f"/v1.0/groups/{finance}/members/$ref",
        json=_reference("00000000-0000-0000-0000-000000000001"),
    )
    empty = await writer.post(f"/v1.0/groups/{finance}/members/$ref", json={})

    assert unknown.status_code == 404
    assert empty.status_code == 400


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        (
            {
                "group_types": ("DynamicMembership",),
                "membership_rule": '(user.department -eq "IT")',
            },
            "dynamic membership",
        ),
        ({"on_premises_sync": True}, "on-premises mastered"),
    ],
)
async def test_dynamic_and_synced_groups_refuse_membership_writes(
    sandbox: Sandbox, writer: httpx.AsyncClient, change: dict[str, object], fragment: str
) -> None:
    finance = _group(sandbox, "SG-Finance")
    _directory(sandbox).groups[finance.id] = replace(finance, **change)  # type: ignore[arg-type]

    refused = await writer.post(
        f"/v1.0/groups/{finance.id}/members/$ref", json=_reference(_adele_id(sandbox))
    )

    assert refused.status_code == 400
    assert fragment in refused.json()["error"]["message"]
    assert _group(sandbox, "SG-Finance").member_ids == finance.member_ids


@pytest.mark.parametrize("name", ["IT Helpdesk", "Contoso Announcements"])
async def test_mail_enabled_security_groups_and_distribution_lists_are_refused(
    sandbox: Sandbox, writer: httpx.AsyncClient, name: str
) -> None:
    group = _group(sandbox, name)

    refused = await writer.post(
        f"/v1.0/groups/{group.id}/members/$ref", json=_reference(_adele_id(sandbox))
    )

    assert refused.status_code == 400
    assert (
        "mail-enabled security groups and or distribution list"
        in (refused.json()["error"]["message"])
    )


async def test_role_assignable_groups_also_need_role_management_write(
    sandbox: Sandbox, writer: httpx.AsyncClient, token_for: TokenFor
) -> None:
    admins = _group(sandbox, "Helpdesk Admins")
    adele = _adele_id(sandbox)

    refused = await writer.post(f"/v1.0/groups/{admins.id}/members/$ref", json=_reference(adele))
    sandbox.tenant("contoso").permissions.add("RoleManagement.ReadWrite.Directory")
    writer.headers["Authorization"] = f"Bearer {await token_for('contoso')}"
    accepted = await writer.post(f"/v1.0/groups/{admins.id}/members/$ref", json=_reference(adele))

    assert (refused.status_code, accepted.status_code) == (403, 204)
