"""Sandboxes sharing one state file (two `deskhand` processes on one home): each sees the
other's changes, and neither undoes the other's by writing what it held before."""

from __future__ import annotations

import ssl
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path

import httpx

from sandbox import Sandbox, SandboxOptions, start_sandbox

LYNNE = "/v1.0/users/lynne.robbins@contoso.com"
ADELE = "/v1.0/users/adele.vance@contoso.com"


@asynccontextmanager
async def _graph(sandbox: Sandbox) -> AsyncIterator[httpx.AsyncClient]:
    context = ssl.create_default_context(cafile=str(sandbox.ca_file))
    token = sandbox.mint_token("contoso")
    async with httpx.AsyncClient(
        base_url=sandbox.url,
        verify=context,
        timeout=10.0,
        headers={"Authorization": f"Bearer {token}"},
    ) as client:
        yield client


async def _enabled(graph: httpx.AsyncClient, path: str) -> bool:
    response = await graph.get(path, params={"$select": "accountEnabled"})
    response.raise_for_status()
    return bool(response.json()["accountEnabled"])


async def test_two_sandboxes_on_one_file_see_and_keep_each_others_changes(
    tmp_path: Path,
) -> None:
    state = tmp_path / "sandbox" / "state.json"
    async with AsyncExitStack() as stack:
        one, two = [
            await stack.enter_async_context(start_sandbox(SandboxOptions(), state_file=state))
            for _ in range(2)
        ]
        graph_one = await stack.enter_async_context(_graph(one))
        graph_two = await stack.enter_async_context(_graph(two))

        blocked = await graph_one.patch(LYNNE, json={"accountEnabled": False})
        # `two` still holds lynne enabled in memory from its start; its own write must not
        # put that back.
        also_blocked = await graph_two.patch(ADELE, json={"accountEnabled": False})
        seen_by_one = (await _enabled(graph_one, LYNNE), await _enabled(graph_one, ADELE))
        seen_by_two = (await _enabled(graph_two, LYNNE), await _enabled(graph_two, ADELE))

    assert (blocked.status_code, also_blocked.status_code) == (204, 204)
    assert seen_by_one == seen_by_two == (False, False)


async def test_a_third_sandbox_started_later_meets_the_changed_tenant(tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    async with start_sandbox(state_file=state) as first, _graph(first) as graph:
        deleted = await graph.delete(LYNNE)
    async with start_sandbox(state_file=state) as later, _graph(later) as graph:
        gone = await graph.get(LYNNE)
        listed = await graph.get("/v1.0/directory/deletedItems/microsoft.graph.user")
    async with start_sandbox() as fresh, _graph(fresh) as graph:
        in_memory = await graph.get(LYNNE)

    assert deleted.status_code == 204
    assert gone.status_code == 404
    # Deleted items prefix the UPN with the object id, as Graph does.
    [item] = listed.json()["value"]
    assert item["userPrincipalName"].endswith("lynne.robbins@contoso.com")
    assert in_memory.status_code == 200
