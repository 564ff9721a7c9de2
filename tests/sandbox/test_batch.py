"""JSON batching: limits, ids, dependsOn, versions, ordering and inner throttling."""

from __future__ import annotations

from typing import Any

import httpx

from sandbox import Fault, Sandbox


def _get(request_id: str, url: str, **extra: Any) -> dict[str, Any]:
    return {"id": request_id, "method": "GET", "url": url, **extra}


async def _batch(
    graph: httpx.AsyncClient, requests: list[dict[str, Any]], version: str = "v1.0"
) -> httpx.Response:
    return await graph.post(f"/{version}/$batch", json={"requests": requests})


def _by_id(response: httpx.Response) -> dict[str, dict[str, Any]]:
    assert response.status_code == 200, response.text
    return {answer["id"]: answer for answer in response.json()["responses"]}


async def test_batch_answers_each_request_by_id_in_another_order(graph: httpx.AsyncClient) -> None:
    requests = [
        _get("1", "/users/adele.vance@contoso.com?$select=displayName"),
        _get("2", "users/nobody@contoso.com"),
        _get("3", "/subscribedSkus"),
    ]

    response = await _batch(graph, requests)
    answers = _by_id(response)

    assert [a["id"] for a in response.json()["responses"]] != ["1", "2", "3"]
    assert answers["1"]["status"] == 200
    assert answers["1"]["body"]["displayName"] == "Adele Vance"
    assert answers["1"]["headers"]["OData-Version"] == "4.0"
    assert answers["2"]["status"] == 404
    assert answers["2"]["headers"]["Content-Type"] == "application/json"
    assert answers["2"]["body"]["error"]["code"] == "Request_ResourceNotFound"
    assert len(answers["3"]["body"]["value"]) == 5


async def test_batch_of_more_than_20_is_refused_whole(graph: httpx.AsyncClient) -> None:
    twenty = [_get(str(n), "/organization") for n in range(20)]

    accepted = await _batch(graph, twenty)
    refused = await _batch(graph, [*twenty, _get("20", "/organization")])

    assert accepted.status_code == 200
    assert refused.status_code == 400
    assert refused.json()["error"]["code"] == "BadRequest"


async def test_duplicate_ids_are_refused_case_insensitively(graph: httpx.AsyncClient) -> None:
    response = await _batch(graph, [_get("a", "/organization"), _get("A", "/domains")])

    assert response.status_code == 400


async def test_body_without_content_type_is_refused(graph: httpx.AsyncClient) -> None:
    request = {"id": "1", "method": "POST", "url": "/users", "body": {"displayName": "x"}}

    response = await _batch(graph, [request])

    assert response.status_code == 400
    assert response.json()["error"]["message"] == (
        "Write request id : 1 does not contain Content-Type header or body."
    )


async def test_missing_method_or_url_is_refused(graph: httpx.AsyncClient) -> None:
    no_url = await _batch(graph, [{"id": "1", "method": "GET"}])
    not_json = await graph.post(
        "/v1.0/$batch", content=b"{", headers={"Content-Type": "application/json"}
    )

    assert no_url.status_code == not_json.status_code == 400


async def test_dependants_of_a_failed_request_get_424(graph: httpx.AsyncClient) -> None:
    requests = [
        _get("1", "/users/nobody@contoso.com"),
        _get("2", "/users/adele.vance@contoso.com", dependsOn=["1"]),
        _get("3", "/organization"),
        _get("4", "/domains", dependsOn=["3"]),
    ]

    answers = _by_id(await _batch(graph, requests))

    assert [answers[i]["status"] for i in "1234"] == [404, 424, 200, 200]


async def test_depending_on_an_unknown_or_later_id_is_refused(graph: httpx.AsyncClient) -> None:
    requests = [_get("1", "/organization", dependsOn=["2"]), _get("2", "/domains")]

    assert (await _batch(graph, requests)).status_code == 400


async def test_a_batch_only_serves_calls_of_its_own_version(graph: httpx.AsyncClient) -> None:
    requirements = "/users/isaiah.langer@contoso.com/authentication/requirements"

    v1 = _by_id(await _batch(graph, [_get("1", f"/beta{requirements}"), _get("2", requirements)]))
    beta = _by_id(await _batch(graph, [_get("1", requirements)], version="beta"))

    assert v1["1"]["status"] == v1["2"]["status"] == 400
    assert v1["1"]["body"]["error"]["message"] == "Resource not found for the segment 'beta'."
    assert beta["1"]["body"]["perUserMfaState"] == "enforced"


async def test_inner_headers_such_as_consistency_level_apply(graph: httpx.AsyncClient) -> None:
    request = _get(
        "1",
        "/users?$filter=city eq null&$count=true&$select=displayName",
        headers={"ConsistencyLevel": "eventual"},
    )

    answers = _by_id(await _batch(graph, [request, _get("2", "/users?$count=true")]))

    assert answers["1"]["body"]["@odata.count"] == 2
    assert answers["2"]["status"] == 400


async def test_inner_throttling_is_a_429_inside_a_200_batch(
    sandbox: Sandbox, graph: httpx.AsyncClient
) -> None:
    sandbox.inject(
        "contoso",
        Fault(kind="throttle", count=1, retry_after=0.25, inside_batch=True, path="/users"),
    )

    answers = _by_id(
        await _batch(graph, [_get("1", "/users/adele.vance@contoso.com"), _get("2", "/domains")])
    )
    retried = _by_id(await _batch(graph, [_get("1", "/users/adele.vance@contoso.com")]))

    assert answers["1"]["status"] == 429
    assert answers["1"]["headers"]["Retry-After"] == "0.25"
    assert answers["1"]["body"]["error"]["code"] == "TooManyRequests"
    assert answers["2"]["status"] == 200
    assert retried["1"]["status"] == 200


async def test_inner_requests_are_recorded_with_their_batch(
    sandbox: Sandbox, graph: httpx.AsyncClient
) -> None:
    sandbox.requests.clear()

    response = await _batch(graph, [_get("1", "/organization"), _get("2", "/domains?$top=1")])

    outer = [r for r in sandbox.requests if r.batch is None]
    inner = [r for r in sandbox.requests if r.batch is not None]
    assert [r.path for r in outer] == ["/v1.0/$batch"]
    assert {r.path for r in inner} == {"/v1.0/organization", "/v1.0/domains"}
    assert {r.batch for r in inner} == {response.headers["request-id"]}
    assert all(r.tenant == "contoso" and "Authorization" not in r.headers for r in inner)


async def test_absolute_inner_url_is_refused_and_outer_headers_are_not_inherited(
    sandbox: Sandbox, graph: httpx.AsyncClient
) -> None:
    requests = [
        _get("1", f"{sandbox.url}/v1.0/organization"),
        _get("2", "/users?$count=true"),
    ]

    response = await graph.post(
        "/v1.0/$batch", json={"requests": requests}, headers={"ConsistencyLevel": "eventual"}
    )

    answers = _by_id(response)
    assert answers["1"]["status"] == answers["2"]["status"] == 400
