"""Replication lag: reads after a write see the tenant as it was, as Entra's replicas may."""

from __future__ import annotations

import httpx

from sandbox import Lag, Sandbox

LYNNE = "lynne.robbins@contoso.com"
_ENABLED = f"/v1.0/users/{LYNNE}?$select=accountEnabled"


async def _enabled(graph: httpx.AsyncClient) -> bool:
    response = await graph.get(_ENABLED)
    assert response.status_code == 200, response.text
    return bool(response.json()["accountEnabled"])


async def test_reads_after_a_write_show_the_old_value_for_the_lagging_reads_only(
    sandbox: Sandbox, graph: httpx.AsyncClient
) -> None:
    sandbox.lag("contoso", Lag(reads=2))

    write = await graph.patch(f"/v1.0/users/{LYNNE}", json={"accountEnabled": False})
    seen = [await _enabled(graph) for _ in range(3)]

    assert write.status_code == 204
    assert seen == [True, True, False]
    directory = sandbox.tenant("contoso").directory
    assert directory.find_user(LYNNE).account_enabled is False  # type: ignore[union-attr]


async def test_without_a_write_reads_are_current_and_a_cleared_lag_catches_up(
    sandbox: Sandbox, graph: httpx.AsyncClient
) -> None:
    sandbox.lag("contoso", Lag())
    before = await _enabled(graph)
    await graph.patch(f"/v1.0/users/{LYNNE}", json={"accountEnabled": False})
    lagging = [await _enabled(graph) for _ in range(5)]

    sandbox.clear_faults()

    assert before is True and lagging == [True] * 5
    assert await _enabled(graph) is False


async def test_a_restored_user_answers_404_while_the_lag_lasts(
    sandbox: Sandbox, graph: httpx.AsyncClient
) -> None:
    user = await graph.get(f"/v1.0/users/{LYNNE}?$select=id")
    user_id = user.json()["id"]
    assert (await graph.delete(f"/v1.0/users/{user_id}")).status_code == 204
    sandbox.lag("contoso", Lag(reads=1))

    restored = await graph.post(f"/v1.0/directory/deletedItems/{user_id}/restore")
    first = await graph.get(f"/v1.0/users/{user_id}?$select=id")
    second = await graph.get(f"/v1.0/users/{user_id}?$select=id")

    assert restored.status_code == 200
    assert first.status_code == 404 and first.json()["error"]["code"] == "Request_ResourceNotFound"
    assert second.status_code == 200


async def test_only_reads_of_the_lagging_path_trail(
    sandbox: Sandbox, graph: httpx.AsyncClient
) -> None:
    settings = "/v1.0/users/adele.vance@contoso.com/mailboxSettings"
    sandbox.lag("contoso", Lag(path="/automaticRepliesSetting"))

    write = await graph.patch(
        settings, json={"automaticRepliesSetting": {"status": "alwaysEnabled"}}
    )
    whole = await graph.get(settings)
    part = await graph.get(f"{settings}/automaticRepliesSetting")

    assert write.status_code == 200
    assert whole.json()["automaticRepliesSetting"]["status"] == "alwaysEnabled"
    assert part.json()["status"] == "disabled"


async def test_reads_inside_a_batch_trail_too(sandbox: Sandbox, graph: httpx.AsyncClient) -> None:
    sandbox.lag("contoso", Lag(reads=1))
    await graph.patch(f"/v1.0/users/{LYNNE}", json={"accountEnabled": False})

    batch = await graph.post(
        "/v1.0/$batch",
        json={"requests": [{"id": "1", "method": "GET", "url": _ENABLED.removeprefix("/v1.0")}]},
    )

    [answer] = batch.json()["responses"]
    assert answer["body"]["accountEnabled"] is True
    assert await _enabled(graph) is False
