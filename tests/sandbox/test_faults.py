"""Fault injection per tenant, and the request log."""

from __future__ import annotations

import httpx
import pytest

from sandbox import Fault, Sandbox

from .conftest import TokenFor


async def test_throttle_answers_429_with_fractional_retry_after_count_times(
    sandbox: Sandbox, graph: httpx.AsyncClient
) -> None:
    sandbox.inject("contoso", Fault(kind="throttle", count=2, retry_after=0.25))

    statuses = [(await graph.get("/v1.0/organization")).status_code for _ in range(3)]
    sandbox.inject("contoso", Fault(kind="throttle", retry_after=2.128))
    throttled = await graph.get("/v1.0/organization")

    assert statuses == [429, 429, 200]
    assert throttled.headers["Retry-After"] == "2.128"
    error = throttled.json()["error"]
    assert error["code"] == "TooManyRequests"
    assert error["innerError"]["status"] == "429"


async def test_fault_only_hits_matching_paths_of_its_tenant(
    sandbox: Sandbox, graph: httpx.AsyncClient, sandbox_http: httpx.AsyncClient, token_for: TokenFor
) -> None:
    sandbox.inject("fabrikam", Fault(kind="unavailable", path="/users"))
    sandbox.inject("contoso", Fault(kind="unavailable", path="/subscribedSkus", retry_after=1))

    users = await graph.get("/v1.0/users")
    skus = await graph.get("/v1.0/subscribedSkus")
    fabrikam = await sandbox_http.get(
        "/v1.0/users", headers={"Authorization": f"Bearer {await token_for('fabrikam')}"}
    )

    assert users.status_code == 200
    assert skus.status_code == fabrikam.status_code == 503
    assert skus.headers["Retry-After"] == "1"
    assert "Retry-After" not in fabrikam.headers


async def test_timeout_fault_hangs_past_the_client_timeout(
    sandbox: Sandbox, graph: httpx.AsyncClient
) -> None:
    sandbox.inject("contoso", Fault(kind="timeout", delay=5.0))

    with pytest.raises(httpx.ReadTimeout):
        await graph.get("/v1.0/organization", timeout=0.2)
    assert (await graph.get("/v1.0/organization")).status_code == 200


async def test_short_timeout_fault_answers_after_its_delay(
    sandbox: Sandbox, graph: httpx.AsyncClient
) -> None:
    sandbox.inject("contoso", Fault(kind="timeout", delay=0.01))

    assert (await graph.get("/v1.0/organization")).status_code == 200


async def test_latency_and_jitter_can_change_while_running(
    sandbox: Sandbox, graph: httpx.AsyncClient
) -> None:
    sandbox.options.latency = 0.01
    sandbox.options.jitter = 0.01

    assert (await graph.get("/v1.0/organization")).status_code == 200


async def test_every_request_is_recorded_in_order_without_credentials(
    sandbox: Sandbox, graph: httpx.AsyncClient
) -> None:
    sandbox.requests.clear()

    await graph.get("/v1.0/users", params={"$select": "id", "$top": "2"})
    await graph.get("/v1.0/users/nobody@contoso.com")

    first, second = sandbox.requests
    assert (first.tenant, first.method, first.path, first.status) == (
        "contoso",
        "GET",
        "/v1.0/users",
        200,
    )
    assert first.query == {"$select": "id", "$top": "2"}
    assert "Authorization" not in first.headers and "authorization" not in first.headers
    assert (second.status, second.batch) == (404, None)
