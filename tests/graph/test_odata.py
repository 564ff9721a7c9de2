"""OData literals and filters keep user input as data."""

from __future__ import annotations

import pytest

from integrations.graph.odata import (
    all_of,
    any_of,
    encode_path,
    eq,
    in_,
    literal,
    query_string,
    quote,
    startswith,
    user_path,
)


def test_quote_doubles_single_quotes() -> None:
    assert quote("o'brien") == "'o''brien'"
    assert quote("''") == "''''''"


def test_literal_formats_each_scalar_type() -> None:
    assert [literal(v) for v in (None, True, False, 3, "x")] == [
        "null",
        "true",
        "false",
        "3",
        "'x'",
    ]


def test_filters_quote_values_and_combine_with_parentheses() -> None:
    expression = all_of(
        eq("accountEnabled", True),
        any_of(startswith("displayName", "O'Br"), in_("userType", ["Guest", "Member"])),
    )
    assert str(expression) == (
        "(accountEnabled eq true) and ((startswith(displayName,'O''Br')) or "
        "(userType in ('Guest','Member')))"
    )


def test_single_filter_combination_is_the_filter_itself() -> None:
    assert str(all_of(eq("mail", "a@b.c"))) == "mail eq 'a@b.c'"


@pytest.mark.parametrize("name", ["mail eq 'x' or true", "a/", "1abc", "mail)", ""])
def test_property_names_that_are_not_paths_are_refused(name: str) -> None:
    with pytest.raises(ValueError, match="not an OData property path"):
        eq(name, "x")


def test_nested_property_paths_are_accepted() -> None:
    assert str(eq("signInActivity/lastSignInDateTime", None)) == (
        "signInActivity/lastSignInDateTime eq null"
    )


def test_empty_in_and_empty_combination_are_refused() -> None:
    with pytest.raises(ValueError):
        in_("id", [])
    with pytest.raises(ValueError):
        any_of()


def test_query_string_encodes_separators_but_keeps_odata_punctuation() -> None:
    query = query_string({"$filter": "displayName eq 'a&b=c + d'", "$select": "id,mail"})
    assert query == "$filter=displayName%20eq%20'a%26b%3Dc%20%2B%20d'&$select=id,mail"


def test_paths_encode_fragment_and_query_characters() -> None:
    assert encode_path("/users/jo_x.com#EXT#@c.com/memberOf") == (
        "/users/jo_x.com%23EXT%23@c.com/memberOf"
    )
    assert encode_path("/users/a b?c%") == "/users/a%20b%3Fc%25"
    assert encode_path("/groups/g/members/u/$ref") == "/groups/g/members/u/$ref"


def test_user_paths_are_left_for_the_client_to_encode_once() -> None:
    assert user_path("sean.o'brien@contoso.com") == "/users/sean.o'brien@contoso.com"
    assert user_path("jo_x.com#EXT#@c.com") == "/users/jo_x.com#EXT#@c.com"
    assert encode_path(user_path("jo_x.com#EXT#@c.com")) == "/users/jo_x.com%23EXT%23@c.com"


def test_a_upn_starting_with_a_dollar_takes_the_key_syntax() -> None:
    assert user_path("$o'b@c.com") == "/users('$o''b@c.com')"
    assert encode_path(user_path("$o'b@c.com")) == "/users('$o''b@c.com')"


def test_a_user_key_with_a_slash_is_refused() -> None:
    with pytest.raises(ValueError, match="not a user id or UPN"):
        user_path("a/../groups@c.com")


def test_a_filter_tests_returned_rows_as_graph_should_have() -> None:
    asked = any_of(
        eq("userPrincipalName", "Sean.O'Brien@contoso.com"),
        all_of(startswith("displayName", "lyn"), in_("userType", ["Member"])),
    )
    never = eq("signInActivity/lastSignInDateTime", None)
    assert asked.matches({"userPrincipalName": "sean.o'brien@contoso.com"})
    assert asked.matches({"displayName": "Lynne Robbins", "userType": "Member"})
    assert never.matches({"signInActivity": {"lastSignInDateTime": None}})
    assert not never.matches({"signInActivity": {"lastSignInDateTime": "2026-01-01T00:00:00Z"}})
    assert not asked.matches({"userPrincipalName": "adele.vance@contoso.com"})
    assert not asked.matches({"displayName": "Lynne Robbins", "userType": "Guest"})
