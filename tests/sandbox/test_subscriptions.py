"""`/directory/subscriptions`: the commercial subscriptions behind each SKU."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx

from sandbox import Sandbox

SUBSCRIPTIONS = "/v1.0/directory/subscriptions"


def _moment(stamp: str) -> datetime:
    return datetime.fromisoformat(stamp.replace("Z", "+00:00"))


async def test_each_sku_has_a_subscription_with_its_seats(graph: httpx.AsyncClient) -> None:
    subscriptions = (await graph.get(SUBSCRIPTIONS)).json()["value"]
    skus = (await graph.get("/v1.0/subscribedSkus")).json()["value"]

    assert {s["skuPartNumber"]: s["totalLicenses"] for s in subscriptions} == {
        s["skuPartNumber"]: s["prepaidUnits"]["enabled"] for s in skus
    }
    assert {s["id"] for s in subscriptions} == {i for s in skus for i in s["subscriptionIds"]}


async def test_contoso_has_one_subscription_expiring_soon_and_one_trial(
    graph: httpx.AsyncClient,
) -> None:
    subscriptions = (await graph.get(SUBSCRIPTIONS)).json()["value"]
    soon = datetime.now(UTC) + timedelta(days=30)

    expiring = [
        s["skuPartNumber"] for s in subscriptions if _moment(s["nextLifecycleDateTime"]) < soon
    ]
    trials = [s["skuPartNumber"] for s in subscriptions if s["isTrial"]]

    assert expiring == ["EXCHANGESTANDARD"]
    assert trials == ["AAD_PREMIUM"]


async def test_subscriptions_need_an_organization_read_permission(
    sandbox: Sandbox, graph: httpx.AsyncClient
) -> None:
    sandbox.tenant("contoso").permissions -= {"Organization.Read.All", "Directory.Read.All"}

    response = await graph.get(SUBSCRIPTIONS)

    assert response.status_code == 403
