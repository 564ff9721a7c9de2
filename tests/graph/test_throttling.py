"""Throttling and outages: Retry-After honoured, retries bounded, writes not repeated unsafely."""

from __future__ import annotations

import pytest

from core.errors import Throttled, Unavailable
from integrations.graph import BatchRequest, GraphClient
from sandbox import Fault, Sandbox

from .conftest import statuses

ADELE = "/users/adele.vance@contoso.com"


async def test_throttled_read_is_retried_after_retry_after(
    contoso: GraphClient, sandbox: Sandbox
) -> None:
    sandbox.inject("contoso", Fault(kind="throttle", count=2, retry_after=0.05, path=ADELE))
    user = await contoso.get(ADELE, select=["displayName"])
    assert user["displayName"] == "Adele Vance"
    assert statuses(sandbox, f"/v1.0{ADELE}") == [429, 429, 200]


async def test_unavailable_then_success(contoso: GraphClient, sandbox: Sandbox) -> None:
    sandbox.inject("contoso", Fault(kind="unavailable", count=1, path=ADELE))
    await contoso.get(ADELE, select=["id"])
    assert statuses(sandbox, f"/v1.0{ADELE}") == [503, 200]


async def test_throttling_past_the_attempts_is_throttled_with_retry_after(
    contoso: GraphClient, sandbox: Sandbox
) -> None:
    sandbox.inject("contoso", Fault(kind="throttle", count=10, retry_after=0.05, path=ADELE))
    with pytest.raises(Throttled) as failure:
        await contoso.get(ADELE, select=["id"])
    assert failure.value.retry_after == 0.05
    assert failure.value.request_id
    assert statuses(sandbox, f"/v1.0{ADELE}") == [429, 429, 429]


async def test_outage_past_the_attempts_is_unavailable_naming_the_host(
    contoso: GraphClient, sandbox: Sandbox
) -> None:
    sandbox.inject("contoso", Fault(kind="unavailable", count=10, path=ADELE))
    with pytest.raises(Unavailable) as failure:
        await contoso.get(ADELE, select=["id"])
    assert type(failure.value) is Unavailable
    assert sandbox.url.removeprefix("https://") in failure.value.message


async def test_throttled_batch_is_sent_again(contoso: GraphClient, sandbox: Sandbox) -> None:
    sandbox.inject("contoso", Fault(kind="throttle", count=1, retry_after=0.05, path="/$batch"))
    results = await contoso.batch([BatchRequest.get("me", ADELE, select=["id"])])
    assert results["me"].ok
    assert statuses(sandbox, "/v1.0/$batch") == [429, 200]


async def test_batch_with_writes_is_not_sent_again_after_a_server_error(
    contoso: GraphClient, sandbox: Sandbox
) -> None:
    # A 503 may come after the writes ran; only a 429 promises they did not.
    sandbox.inject("contoso", Fault(kind="unavailable", count=1, path="/$batch"))
    write = BatchRequest("w", f"{ADELE}/revokeSignInSessions", method="POST", body={})
    with pytest.raises(Unavailable):
        await contoso.batch([write])
    assert statuses(sandbox, "/v1.0/$batch") == [503]


async def test_throttled_inner_request_is_sent_again_alone(
    contoso: GraphClient, sandbox: Sandbox
) -> None:
    sandbox.inject(
        "contoso",
        Fault(kind="throttle", count=1, retry_after=0.05, path="/manager", inside_batch=True),
    )
    results = await contoso.batch(
        [
            BatchRequest.get("user", ADELE, select=["id"]),
            BatchRequest.get("manager", f"{ADELE}/manager", select=["displayName"]),
        ]
    )
    assert results["user"].ok and results["manager"].ok
    assert statuses(sandbox, f"/v1.0{ADELE}/manager", in_batch=True) == [429, 200]
    assert statuses(sandbox, f"/v1.0{ADELE}", in_batch=True) == [200]
    assert len(statuses(sandbox, "/v1.0/$batch")) == 2


async def test_requests_that_failed_on_a_throttled_dependency_are_sent_again(
    contoso: GraphClient, sandbox: Sandbox
) -> None:
    sandbox.inject(
        "contoso",
        Fault(kind="throttle", count=1, retry_after=0.05, path="/adele", inside_batch=True),
    )
    results = await contoso.batch(
        [
            BatchRequest.get("user", ADELE, select=["id"]),
            BatchRequest("manager", f"{ADELE}/manager", depends_on=("user",)),
        ]
    )
    assert results["user"].ok and results["manager"].ok
    batches = [r.body for r in sandbox.requests if r.path == "/v1.0/$batch"]
    assert [[item["id"] for item in b["requests"]] for b in batches] == [
        ["user", "manager"],
        ["user", "manager"],
    ]


async def test_inner_request_throttled_past_the_attempts_is_a_throttled_result(
    contoso: GraphClient, sandbox: Sandbox
) -> None:
    sandbox.inject(
        "contoso",
        Fault(kind="throttle", count=10, retry_after=0.05, path="/manager", inside_batch=True),
    )
    results = await contoso.batch(
        [
            BatchRequest.get("user", ADELE, select=["id"]),
            BatchRequest.get("manager", f"{ADELE}/manager", select=["id"]),
        ]
    )
    assert results["user"].ok
    assert isinstance(results["manager"].error, Throttled)
    with pytest.raises(Throttled):
        results["manager"].unwrap()


async def test_a_request_sent_again_drops_dependencies_that_already_succeeded(
    contoso: GraphClient, sandbox: Sandbox
) -> None:
    sandbox.inject(
        "contoso",
        Fault(kind="throttle", count=1, retry_after=0.05, path="/manager", inside_batch=True),
    )
    results = await contoso.batch(
        [
            BatchRequest.get("user", ADELE, select=["id"]),
            BatchRequest("manager", f"{ADELE}/manager", depends_on=("user",)),
        ]
    )
    assert results["manager"].ok
    second = [r.body for r in sandbox.requests if r.path == "/v1.0/$batch"][1]
    assert second["requests"] == [{"id": "manager", "method": "GET", "url": f"{ADELE}/manager"}]
