"""signInActivity's three times (signinactivity.md) and the page caps the digests rely on."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx

from sandbox import Sandbox
from sandbox.graph.entities import NEVER

from .conftest import TokenFor

SIGN_IN = {"$select": "userPrincipalName,signInActivity"}


def _days_ago(stamp: str) -> float:
    moment = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    return (datetime.now(UTC) - moment).total_seconds() / 86400


async def _activity(graph: httpx.AsyncClient, user: str) -> Any:
    body = (await graph.get(f"/v1.0/users/{user}@contoso.com", params=SIGN_IN)).json()
    return body["signInActivity"]


async def test_failed_attempts_since_the_last_success_keep_it_old(
    graph: httpx.AsyncClient,
) -> None:
    activity = await _activity(graph, "irvin.sayers")

    assert round(_days_ago(activity["lastSignInDateTime"])) == 2
    assert round(_days_ago(activity["lastSuccessfulSignInDateTime"])) == 130
    assert activity["lastSuccessfulSignInRequestId"]


async def test_only_non_interactive_sign_ins_leave_the_interactive_time_at_year_one(
    graph: httpx.AsyncClient,
) -> None:
    activity = await _activity(graph, "enrico.cattaneo")

    assert activity["lastSignInDateTime"] == NEVER
    assert activity["lastSignInRequestId"] == ""
    assert round(_days_ago(activity["lastNonInteractiveSignInDateTime"])) == 10
    assert activity["lastSuccessfulSignInDateTime"] == activity["lastNonInteractiveSignInDateTime"]


async def test_never_signed_in_users_old_and_new(graph: httpx.AsyncClient) -> None:
    select = {"$select": "createdDateTime,signInActivity"}
    johanna = (await graph.get("/v1.0/users/johanna.lorenz@contoso.com", params=select)).json()
    diego = (await graph.get("/v1.0/users/diego.siciliani@contoso.com", params=select)).json()

    assert johanna["signInActivity"] is None
    assert round(_days_ago(johanna["createdDateTime"])) == 400
    assert diego["signInActivity"] is None
    assert round(_days_ago(diego["createdDateTime"])) == 60


async def test_sign_in_activity_pages_hold_at_most_120_users(
    sandbox: Sandbox, sandbox_http: httpx.AsyncClient, token_for: TokenFor
) -> None:
    """user-list.md: at most 120 users a page with signInActivity; a larger $top is capped."""
    await sandbox.add_generated_tenant("paged", 250)
    sandbox_http.headers["Authorization"] = f"Bearer {await token_for('paged')}"

    with_activity = await sandbox_http.get("/v1.0/users", params={**SIGN_IN, "$top": "999"})
    without = (await sandbox_http.get("/v1.0/users", params={"$top": "999"})).json()
    report = (
        await sandbox_http.get("/v1.0/reports/authenticationMethods/userRegistrationDetails")
    ).json()

    assert len(with_activity.json()["value"]) == 120
    assert "@odata.nextLink" in with_activity.json()
    assert len(without["value"]) == 250
    assert len(report["value"]) == 100
    assert "@odata.nextLink" in report


async def test_users_top_above_999_is_refused(graph: httpx.AsyncClient) -> None:
    response = await graph.get("/v1.0/users", params={"$top": "1000"})

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "Request_BadRequest"
