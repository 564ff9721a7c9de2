"""The sandbox answers with the shapes Microsoft documents (tests/fixtures/graph/*.json).

A documented example passes when every property it shows exists in the sandbox's answer with
the same JSON type, recursively; each documented list item is compared with the sandbox's first
item of the same `@odata.type` (or its first item when untyped).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from sandbox import Fault, Sandbox

FIXTURES = Path(__file__).parent.parent / "fixtures" / "graph"


def documented(example: str) -> Any:
    return json.loads((FIXTURES / f"{example}.json").read_text())["response_body"]


def shape_gaps(expected: Any, actual: Any, where: str = "$") -> list[str]:
    """Where `actual` lacks a property of `expected` or has another JSON type there."""
    if expected is None:
        return []
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            return [f"{where}: expected an object"]
        return [
            gap
            for key, value in expected.items()
            if key != "@odata.context"
            for gap in (
                shape_gaps(value, actual[key], f"{where}.{key}")
                if key in actual
                else [f"{where}.{key}: missing"]
            )
        ]
    if isinstance(expected, list):
        if not isinstance(actual, list):
            return [f"{where}: expected a list"]
        return [
            gap
            for index, item in enumerate(expected)
            for gap in shape_gaps(item, _same_type(item, actual), f"{where}[{index}]")
        ]
    same = isinstance(actual, type(expected)) or (
        isinstance(expected, int | float) and isinstance(actual, int | float)
    )
    return [] if same or actual is None else [f"{where}: {type(actual).__name__}"]


def _same_type(item: Any, candidates: list[Any]) -> Any:
    kind = item.get("@odata.type") if isinstance(item, dict) else None
    typed = [c for c in candidates if isinstance(c, dict) and c.get("@odata.type") == kind]
    return (typed or candidates or [None])[0]


@pytest.mark.parametrize(
    ("example", "url"),
    [
        (
            "get_user_select",
            "/v1.0/users/adele.vance@contoso.com?$select=displayName,givenName,postalCode,identities",
        ),
        (
            "list_users_signInActivity",
            "/v1.0/users?$select=displayName,userPrincipalName,signInActivity",
        ),
        (
            "list_userRegistrationDetails",
            "/v1.0/reports/authenticationMethods/userRegistrationDetails",
        ),
        ("list_subscribedSkus", "/v1.0/subscribedSkus"),
        ("get_manager", "/v1.0/users/adele.vance@contoso.com/manager"),
        ("list_memberOf", "/v1.0/users/adele.vance@contoso.com/memberOf"),
        (
            "list_authentication_methods",
            "/v1.0/users/patti.fernandez@contoso.com/authentication/methods",
        ),
        ("list_domains", "/v1.0/domains"),
        (
            "get_identitySecurityDefaultsEnforcementPolicy",
            "/v1.0/policies/identitySecurityDefaultsEnforcementPolicy",
        ),
        ("list_conditionalAccessPolicies", "/v1.0/identity/conditionalAccess/policies"),
        ("list_companySubscriptions", "/v1.0/directory/subscriptions"),
        (
            "graph_error_Request_ResourceNotFound",
            "/v1.0/users/68be84bf-a585-4776-80b3-30aa5207aa22",
        ),
    ],
)
async def test_answers_have_the_documented_shape(
    graph: httpx.AsyncClient, example: str, url: str
) -> None:
    body = (await graph.get(url)).json()

    assert shape_gaps(documented(example), body) == []


async def test_role_assignments_have_the_documented_shape(graph: httpx.AsyncClient) -> None:
    admin_id = (await graph.get("/v1.0/users/admin@contoso.com")).json()["id"]
    url = f"/v1.0/roleManagement/directory/roleAssignments?$filter=principalId eq '{admin_id}'"

    body = (await graph.get(url)).json()

    assert shape_gaps(documented("list_roleAssignments_by_principal"), body) == []
    assert body["value"][0]["id"].endswith("-1")


async def test_denied_and_throttled_errors_have_the_documented_shape(
    sandbox: Sandbox, graph: httpx.AsyncClient
) -> None:
    sandbox.tenant("contoso").permissions.clear()
    denied = (await graph.get("/v1.0/users")).json()
    sandbox.inject("contoso", Fault(kind="throttle", retry_after=2.128))
    throttled = (await graph.get("/v1.0/users")).json()

    assert shape_gaps(documented("graph_error_Authorization_RequestDenied"), denied) == []
    assert denied == {
        "error": {
            **documented("graph_error_Authorization_RequestDenied")["error"],
            "innerError": denied["error"]["innerError"],
        }
    }
    assert shape_gaps(documented("graph_error_throttled_429"), throttled) == []


async def test_batch_answers_have_the_documented_shape(graph: httpx.AsyncClient) -> None:
    requests = [
        {"id": "1", "method": "GET", "url": "/users/admin@contoso.com/memberOf"},
        {"id": "4", "method": "DELETE", "url": "/subscribedSkus"},
    ]

    body = (await graph.post("/v1.0/$batch", json={"requests": requests})).json()

    answers = {answer["id"]: answer for answer in body["responses"]}
    example = {a["id"]: a for a in documented("json_batching")["responses"]}
    assert shape_gaps(example["1"], answers["1"]) == []
    assert shape_gaps(example["4"], answers["4"]) == []
    assert answers["4"]["status"] == 405
    assert answers["4"]["body"]["error"]["code"] == example["4"]["body"]["error"]["code"]


def test_shape_check_catches_a_missing_or_retyped_property() -> None:
    expected = {"value": [{"id": "x", "isMfaRegistered": True}]}

    assert shape_gaps(expected, {"value": [{"id": "y"}]}) == ["$.value[0].isMfaRegistered: missing"]
    assert shape_gaps(expected, {"value": [{"id": 1, "isMfaRegistered": False}]}) == [
        "$.value[0].id: int"
    ]
