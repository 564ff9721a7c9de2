"""Query options over HTTP: $filter, advanced queries, $search, $count, $top and paging."""

from __future__ import annotations

import ssl

import httpx

from sandbox import Sandbox, SandboxOptions, start_sandbox

EVENTUAL = {"ConsistencyLevel": "eventual"}


async def _names(graph: httpx.AsyncClient, **params: str) -> list[str]:
    response = await graph.get("/v1.0/users", params={"$select": "displayName", **params})
    assert response.status_code == 200, response.text
    return [user["displayName"] for user in response.json()["value"]]


async def test_obrien_is_found_with_an_escaped_quote(graph: httpx.AsyncClient) -> None:
    assert await _names(graph, **{"$filter": "displayName eq 'sean o''brien'"}) == ["Sean O'Brien"]


async def test_startswith_and_any_filters_work_without_consistency_level(
    graph: httpx.AsyncClient,
) -> None:
    started = await _names(graph, **{"$filter": "startswith(givenName,'a')"})
    business = await _names(
        graph,
        **{"$filter": "assignedLicenses/any(x:x/skuId eq f245ecc8-75af-4f8e-b61f-27d8114de5f3)"},
    )

    assert started == ["Adele Vance", "Alex Wilber", "Allan Deyoung"]
    assert business == ["Diego Siciliani"]


async def test_advanced_filters_need_consistency_level_and_count(graph: httpx.AsyncClient) -> None:
    expression = "assignedLicenses/$count eq 0"

    refused = await graph.get("/v1.0/users", params={"$filter": expression})
    no_count = await graph.get("/v1.0/users", params={"$filter": expression}, headers=EVENTUAL)
    accepted = await graph.get(
        "/v1.0/users",
        params={"$filter": expression, "$count": "true", "$select": "displayName"},
        headers=EVENTUAL,
    )

    assert refused.status_code == no_count.status_code == 400
    assert refused.json()["error"]["code"] == "Request_UnsupportedQuery"
    body = accepted.json()
    assert {u["displayName"] for u in body["value"]} == {
        "Break Glass",
        "Jordan Miller",
        "Reception",
    }
    assert body["@odata.count"] == 3


async def test_endswith_ne_and_not_are_advanced_queries(graph: httpx.AsyncClient) -> None:
    for expression in (
        "endswith(mail,'@northwind.com')",
        "userType ne 'Member'",
        "not(userType eq 'Member')",
    ):
        plain = await graph.get("/v1.0/users", params={"$filter": expression})
        advanced = await graph.get(
            "/v1.0/users",
            params={"$filter": expression, "$count": "true", "$select": "displayName"},
            headers=EVENTUAL,
        )
        assert plain.status_code == 400, expression
        assert [u["displayName"] for u in advanced.json()["value"]] == ["Jordan Miller"]


async def test_sign_in_activity_filter_finds_inactive_users(graph: httpx.AsyncClient) -> None:
    names = await _names(
        graph, **{"$filter": "signInActivity/lastSignInDateTime le 2099-01-01T00:00:00Z"}
    )
    mixed = await graph.get(
        "/v1.0/users",
        params={
            "$filter": "signInActivity/lastSignInDateTime le 2099-01-01T00:00:00Z "
            "and accountEnabled eq true"
        },
    )

    assert "Megan Bowen" in names
    assert "Diego Siciliani" not in names
    assert mixed.status_code == 400


async def test_search_needs_consistency_level_and_matches_word_prefixes(
    graph: httpx.AsyncClient,
) -> None:
    refused = await graph.get("/v1.0/users", params={"$search": '"displayName:ade"'})
    found = await graph.get(
        "/v1.0/users",
        params={"$search": '"displayName:ade"', "$select": "displayName"},
        headers=EVENTUAL,
    )
    either = await graph.get(
        "/v1.0/users",
        params={"$search": '"displayName:vance" OR "displayName:wilber"', "$select": "displayName"},
        headers=EVENTUAL,
    )

    assert refused.status_code == 400
    assert refused.json()["error"]["code"] == "Request_UnsupportedQuery"
    assert [u["displayName"] for u in found.json()["value"]] == ["Adele Vance"]
    assert {u["displayName"] for u in either.json()["value"]} == {"Adele Vance", "Alex Wilber"}


async def test_count_needs_consistency_level(graph: httpx.AsyncClient) -> None:
    refused = await graph.get("/v1.0/users", params={"$count": "true"})
    counted = await graph.get("/v1.0/users", params={"$count": "true"}, headers=EVENTUAL)

    assert refused.status_code == 400
    assert counted.json()["@odata.count"] == 25


async def test_next_link_is_absolute_keeps_the_query_and_pages_to_the_end(
    sandbox: Sandbox, graph: httpx.AsyncClient
) -> None:
    seen: list[str] = []
    url: str | None = "/v1.0/users?$top=7&$select=id,displayName&$filter=accountEnabled eq true"
    pages = 0
    while url:
        body = (await graph.get(url)).json()
        seen += [user["id"] for user in body["value"]]
        assert set(body["value"][0]) == {"id", "displayName"}
        url = body.get("@odata.nextLink")
        assert url is None or url.startswith(f"{sandbox.url}/v1.0/users?")
        pages += 1

    assert pages == 4
    assert len(seen) == len(set(seen)) == 23  # all but alex.wilber and reception


async def test_top_is_bounded_and_invalid_skiptoken_is_refused(graph: httpx.AsyncClient) -> None:
    too_big = await graph.get("/v1.0/users", params={"$top": "1000"})
    bad_token = await graph.get("/v1.0/users", params={"$skiptoken": "%%%"})

    assert too_big.status_code == 400
    assert "between 1 and 999" in too_big.json()["error"]["message"]
    assert bad_token.status_code == 400


async def test_default_page_is_100_and_signin_activity_pages_hold_at_most_120() -> None:
    async with start_sandbox(SandboxOptions(generated={"bigcorp": 300})) as sandbox:
        token = sandbox.mint_token("bigcorp")
        async with httpx.AsyncClient(
            base_url=sandbox.url,
            verify=ssl.create_default_context(cafile=str(sandbox.ca_file)),
            headers={"Authorization": f"Bearer {token}"},
        ) as graph:
            default = (await graph.get("/v1.0/users")).json()
            capped = (
                await graph.get("/v1.0/users", params={"$top": "999", "$select": "signInActivity"})
            ).json()
            signed_in = "signInActivity/lastSignInDateTime ge 2000-01-01T00:00:00Z"
            filtered = (
                await graph.get("/v1.0/users", params={"$top": "999", "$filter": signed_in})
            ).json()
            large = (await graph.get("/v1.0/users", params={"$top": "999"})).json()

    assert len(default["value"]) == 100
    assert len(capped["value"]) == 120
    assert len(filtered["value"]) == 120
    assert "@odata.nextLink" in filtered
    assert "@odata.nextLink" in capped
    assert len(large["value"]) == 300
    assert "@odata.nextLink" not in large
