"""The `$filter` parser and evaluator on their own."""

from __future__ import annotations

from typing import Any

import pytest

from sandbox.graph.errors import GraphError
from sandbox.graph.odata_filter import parse_filter

E3 = "05e9a617-0261-4cee-bb44-138d3ef5d965"
SEAN: dict[str, Any] = {
    "displayName": "Sean O'Brien",
    "userPrincipalName": "sean.o'brien@contoso.com",
    "accountEnabled": True,
    "city": None,
    "department": "IT",
    "createdDateTime": "2024-03-01T09:30:00Z",
    "assignedLicenses": [{"disabledPlans": [], "skuId": E3}],
    "signInActivity": {"lastSignInDateTime": "2026-01-10T08:00:00Z"},
}


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("displayName eq 'sean o''brien'", True),
        ("displayName eq 'Sean OBrien'", False),
        ("startswith(displayName,'SEA')", True),
        ("endswith(userPrincipalName,'@contoso.com')", True),
        ("accountEnabled eq true and department eq 'IT'", True),
        ("accountEnabled eq false or department eq 'Sales'", False),
        ("not(department eq 'IT')", False),
        ("department ne 'Sales'", True),
        ("department in ('Sales', 'it')", True),
        ("city eq null", True),
        ("city ne null", False),
        ("createdDateTime ge 2024-01-01T00:00:00Z", True),
        ("createdDateTime lt 2024-03-01", False),
        ("signInActivity/lastSignInDateTime le 2025-12-31T00:00:00Z", False),
        ("assignedLicenses/$count eq 0", False),
        ("assignedLicenses/$count ge 1", True),
        (f"assignedLicenses/any(x:x/skuId eq {E3})", True),
        ("assignedLicenses/any(x:x/skuId eq 6fd2c87f-b296-42f0-b197-1e91e994b900)", False),
        ("(department eq 'Sales' or department eq 'IT') and accountEnabled eq true", True),
    ],
)
def test_filter_expressions_evaluate_like_entra(expression: str, expected: bool) -> None:
    assert parse_filter(expression).matches(SEAN) is expected


@pytest.mark.parametrize(
    ("expression", "advanced"),
    [
        ("department eq 'IT'", ()),
        ("department ne 'IT'", ("ne",)),
        ("not(endswith(mail,'x'))", ("not", "endsWith")),
        ("city eq null", ("eq null",)),
        ("assignedLicenses/$count eq 0", ("$count",)),
        (f"assignedLicenses/any(x:x/skuId eq {E3})", ()),
    ],
)
def test_filter_names_the_constructs_that_need_an_advanced_query(
    expression: str, advanced: tuple[str, ...]
) -> None:
    assert parse_filter(expression).advanced == advanced


@pytest.mark.parametrize(
    "expression",
    [
        "displayName eq",
        "displayName eq 'open",
        "(department eq 'IT'",
        "department eq 'IT' extra",
        "eq 'x'",
    ],
)
def test_malformed_filter_is_400_bad_request(expression: str) -> None:
    with pytest.raises(GraphError) as raised:
        parse_filter(expression)

    assert (raised.value.status, raised.value.code) == (400, "BadRequest")


def test_unknown_function_and_property_are_unsupported_queries() -> None:
    with pytest.raises(GraphError) as function:
        parse_filter("contains(displayName,'x')")
    with pytest.raises(GraphError) as unknown:
        parse_filter("shoeSize eq 42").matches(SEAN)

    assert function.value.code == unknown.value.code == "Request_UnsupportedQuery"


def test_filter_reports_the_properties_it_reads() -> None:
    parsed = parse_filter("signInActivity/lastSignInDateTime le 2025-01-01T00:00:00Z")

    assert parsed.properties == {"signInActivity"}
