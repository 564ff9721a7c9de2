"""Writes: `PATCH /users/{id}` (block, password, profile) and `revokeSignInSessions`.

Request bodies follow user-update.md and user-revokesigninsessions.md (Graph v1.0).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from sandbox import Fault, Sandbox

from .conftest import TokenFor

ADELE = "/v1.0/users/adele.vance@contoso.com"
STRONG_PASSWORD = "Tr0ub4dor&3-horse"
PASSWORD_PROFILE = "User-PasswordProfile.ReadWrite.All"


async def _select(graph: httpx.AsyncClient, path: str, *names: str) -> dict[str, Any]:
    response = await graph.get(path, params={"$select": ",".join(names)})
    response.raise_for_status()
    body: dict[str, Any] = response.json()
    return body


async def _grant(
    sandbox: Sandbox, graph: httpx.AsyncClient, token_for: TokenFor, permission: str
) -> None:
    """Consent to one more permission; as in Entra, only a new token carries it."""
    sandbox.tenant("contoso").permissions.add(permission)
    graph.headers["Authorization"] = f"Bearer {await token_for('contoso')}"


def _reset(password: str = STRONG_PASSWORD, **flags: bool) -> dict[str, Any]:
    return {"passwordProfile": {"password": password, **flags}}


async def test_blocking_and_unblocking_answer_204_and_later_reads_see_it(
    graph: httpx.AsyncClient,
) -> None:
    blocked = await graph.patch(ADELE, json={"accountEnabled": False})
    after_block = await _select(graph, ADELE, "accountEnabled")
    unblocked = await graph.patch(ADELE, json={"accountEnabled": True})
    after_unblock = await _select(graph, ADELE, "accountEnabled")

    assert (blocked.status_code, blocked.content) == (204, b"")
    assert unblocked.status_code == 204
    assert (after_block["accountEnabled"], after_unblock["accountEnabled"]) == (False, True)


@pytest.mark.usefixtures("narrow_consent")
async def test_blocking_needs_enable_disable_with_user_read_or_read_write(
    sandbox: Sandbox, graph: httpx.AsyncClient
) -> None:
    permissions = sandbox.tenant("contoso").permissions
    permissions.discard("User.Read.All")
    permissions.discard("Directory.Read.All")
    without_read = await graph.patch(ADELE, json={"accountEnabled": False})
    permissions.add("User.Read.All")
    permissions.discard("User.EnableDisableAccount.All")
    without_enable = await graph.patch(ADELE, json={"accountEnabled": False})

    assert without_read.status_code == without_enable.status_code == 403
    assert without_enable.json()["error"]["code"] == "Authorization_RequestDenied"
    assert (await _select(graph, ADELE, "accountEnabled"))["accountEnabled"] is True


async def test_password_reset_sets_the_profile_flags_and_change_time(
    graph: httpx.AsyncClient,
) -> None:
    before = datetime.now(UTC).replace(microsecond=0)

    response = await graph.patch(ADELE, json=_reset(forceChangePasswordNextSignIn=True))
    user = await _select(graph, ADELE, "passwordProfile", "lastPasswordChangeDateTime")

    assert response.status_code == 204
    assert user["passwordProfile"] == {
        "password": None,
        "forceChangePasswordNextSignIn": True,
        "forceChangePasswordNextSignInWithMfa": False,
    }
    changed = datetime.fromisoformat(user["lastPasswordChangeDateTime"].replace("Z", "+00:00"))
    assert changed >= before


@pytest.mark.parametrize(
    "password",
    ["Sh0rt!", "alllowercaseletters", "lowerUPPERonly", "a" * 250 + "B1!" * 3],
)
async def test_weak_passwords_are_refused_with_the_complexity_error(
    graph: httpx.AsyncClient, password: str
) -> None:
    response = await graph.patch(ADELE, json=_reset(password))

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "Request_BadRequest"
    assert "password complexity requirements" in error["message"]


@pytest.mark.usefixtures("narrow_consent")
async def test_password_reset_needs_the_permission_and_a_directory_role(
    sandbox: Sandbox, graph: httpx.AsyncClient
) -> None:
    tenant = sandbox.tenant("contoso")
    tenant.app_roles.clear()
    without_role = await graph.patch(ADELE, json=_reset())
    tenant.app_roles.add("Helpdesk Administrator")
    tenant.permissions.discard(PASSWORD_PROFILE)
    without_permission = await graph.patch(ADELE, json=_reset())
    tenant.permissions.add(PASSWORD_PROFILE)
    allowed = await graph.patch(ADELE, json=_reset())

    assert without_role.status_code == without_permission.status_code == 403
    assert without_role.json()["error"]["message"] == (
        "Insufficient privileges to complete the operation."
    )
    assert allowed.status_code == 204


@pytest.mark.parametrize(
    "target",
    ["admin@contoso.com", "breakglass@contoso.com"],
)
async def test_resetting_a_global_admin_needs_privileged_authentication_administrator(
    sandbox: Sandbox, graph: httpx.AsyncClient, target: str
) -> None:
    path = f"/v1.0/users/{target}"
    as_user_admin = await graph.patch(path, json=_reset())
    sandbox.tenant("contoso").app_roles.add("Privileged Authentication Administrator")
    as_privileged = await graph.patch(path, json=_reset())

    assert as_user_admin.status_code == 403
    assert as_user_admin.json()["error"]["code"] == "Authorization_RequestDenied"
    assert as_privileged.status_code == 204


async def test_group_assigned_helpdesk_admins_are_reset_by_user_admin_not_helpdesk(
    sandbox: Sandbox, graph: httpx.AsyncClient
) -> None:
    sean = "/v1.0/users/sean.o'brien@contoso.com"
    as_user_admin = await graph.patch(sean, json=_reset())
    sandbox.tenant("contoso").app_roles.clear()
    sandbox.tenant("contoso").app_roles.add("Helpdesk Administrator")
    as_helpdesk = await graph.patch(sean, json=_reset())

    assert (as_user_admin.status_code, as_helpdesk.status_code) == (204, 403)


@pytest.mark.usefixtures("narrow_consent")
async def test_profile_fields_change_with_user_read_write_all(
    sandbox: Sandbox, graph: httpx.AsyncClient, token_for: TokenFor
) -> None:
    change = {"jobTitle": "Team Lead", "department": "Retail", "usageLocation": "GB"}
    refused = await graph.patch(ADELE, json=change)
    await _grant(sandbox, graph, token_for, "User.ReadWrite.All")
    accepted = await graph.patch(ADELE, json=change)

    user = await _select(graph, ADELE, "jobTitle", "department", "usageLocation")
    assert (refused.status_code, accepted.status_code) == (403, 204)
    assert {k: user[k] for k in change} == change


async def test_synced_users_refuse_cloud_block_and_password_but_not_usage_location(
    sandbox: Sandbox, graph: httpx.AsyncClient, token_for: TokenFor
) -> None:
    await _grant(sandbox, graph, token_for, "User.ReadWrite.All")
    lee = "/v1.0/users/lee.gu@contoso.com"

    block = await graph.patch(lee, json={"accountEnabled": False})
    reset = await graph.patch(lee, json=_reset())
    usage = await graph.patch(lee, json={"usageLocation": "DE"})

    assert block.status_code == reset.status_code == 400
    error = block.json()["error"]
    assert error["code"] == "Request_BadRequest"
    assert "on-premises mastered Directory Sync objects" in error["message"]
    assert usage.status_code == 204
    assert (await _select(graph, lee, "accountEnabled"))["accountEnabled"] is True


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ({"accountEnabled": "no"}, "Edm.Boolean"),
        ({"favouriteColour": "blue"}, "does not exist on type 'microsoft.graph.user'"),
        ({"createdDateTime": "2020-01-01T00:00:00Z"}, "read-only"),
        ({"passwordProfile": {"pwd": STRONG_PASSWORD}}, "microsoft.graph.passwordProfile"),
        ({}, "Empty Payload"),
    ],
)
async def test_malformed_updates_are_refused_and_change_nothing(
    sandbox: Sandbox,
    graph: httpx.AsyncClient,
    token_for: TokenFor,
    body: dict[str, Any],
    fragment: str,
) -> None:
    await _grant(sandbox, graph, token_for, "User.ReadWrite.All")

    response = await graph.patch(ADELE, json=body)

    assert response.status_code == 400
    assert fragment in response.json()["error"]["message"]
    assert (await _select(graph, ADELE, "accountEnabled"))["accountEnabled"] is True


async def test_updating_an_unknown_user_is_404(graph: httpx.AsyncClient) -> None:
    response = await graph.patch("/v1.0/users/nobody@contoso.com", json={"accountEnabled": False})

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "Request_ResourceNotFound"


async def test_revoke_sessions_answers_true_and_moves_sessions_valid_from(
    graph: httpx.AsyncClient,
) -> None:
    before = (await _select(graph, ADELE, "signInSessionsValidFromDateTime"))[
        "signInSessionsValidFromDateTime"
    ]

    response = await graph.post(f"{ADELE}/revokeSignInSessions")
    after = (await _select(graph, ADELE, "signInSessionsValidFromDateTime"))[
        "signInSessionsValidFromDateTime"
    ]

    assert response.status_code == 200
    body = response.json()
    assert body["value"] is True
    assert body["@odata.context"].endswith("/v1.0/$metadata#Edm.Boolean")
    assert after > before


@pytest.mark.usefixtures("narrow_consent")
async def test_revoke_sessions_needs_revoke_or_read_write_permission(
    sandbox: Sandbox, graph: httpx.AsyncClient, token_for: TokenFor
) -> None:
    sandbox.tenant("contoso").permissions.discard("User.RevokeSessions.All")
    refused = await graph.post(f"{ADELE}/revokeSignInSessions")
    await _grant(sandbox, graph, token_for, "Directory.ReadWrite.All")
    accepted = await graph.post(f"{ADELE}/revokeSignInSessions")

    assert (refused.status_code, accepted.status_code) == (403, 200)


async def test_faults_hit_writes_before_they_change_anything(
    sandbox: Sandbox, graph: httpx.AsyncClient
) -> None:
    sandbox.inject("contoso", Fault(kind="throttle", retry_after=3, path="/users/adele"))
    sandbox.inject("contoso", Fault(kind="unavailable", path="revokeSignInSessions"))

    throttled = await graph.patch(ADELE, json={"accountEnabled": False})
    unavailable = await graph.post(f"{ADELE}/revokeSignInSessions")
    retried = await graph.patch(ADELE, json={"accountEnabled": False})

    assert (throttled.status_code, throttled.headers["Retry-After"]) == (429, "3")
    assert unavailable.status_code == 503
    assert retried.status_code == 204


async def test_writes_are_recorded_with_the_password_masked(
    sandbox: Sandbox, graph: httpx.AsyncClient
) -> None:
    sandbox.requests.clear()

    await graph.patch(ADELE, json=_reset(forceChangePasswordNextSignIn=True))
    await graph.post(
        "/v1.0/$batch",
        json={
            "requests": [
                {
                    "id": "1",
                    "method": "PATCH",
                    "url": "/users/adele.vance@contoso.com",
                    "headers": {"Content-Type": "application/json"},
                    "body": _reset(),
                }
            ]
        },
    )

    patch, inner, outer = sandbox.requests
    assert (patch.method, patch.path, patch.status) == ("PATCH", ADELE, 204)
    assert patch.body == {
        "passwordProfile": {"password": "***", "forceChangePasswordNextSignIn": True}
    }
    assert (inner.method, inner.status, inner.batch) == ("PATCH", 204, outer.request_id)
    assert inner.body == {"passwordProfile": {"password": "***"}}
    assert STRONG_PASSWORD not in repr(list(sandbox.requests))
