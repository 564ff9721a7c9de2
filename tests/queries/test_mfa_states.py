"""MfaStates reads per-user MFA state over many pages as one tenant-wide run of batches."""

from __future__ import annotations

import asyncio
from typing import Any

from commands.queries.roster import Unreadable
from commands.queries.roster_extras import MFA_READS_AT_ONCE, MfaStates
from core.errors import Forbidden
from integrations.graph import BatchRequest, BatchResult


class Batches:
    """Answers each beta batch (authentication-get.md's `perUserMfaState`), or refuses all."""

    def __init__(self, *, refuse: bool = False) -> None:
        self.refuse = refuse
        self.sent: list[int] = []
        self.beside: list[int] = []
        """How many batches were in flight as each was sent."""
        self.in_flight = self.most = 0

    async def batch(self, requests: list[BatchRequest], *, version: str) -> dict[str, Any]:
        assert version == "beta"
        self.sent.append(len(requests))
        self.beside.append(self.in_flight)
        self.in_flight += 1
        self.most = max(self.most, self.in_flight)
        await asyncio.sleep(0)
        self.in_flight -= 1
        if self.refuse:
            error = Forbidden("refused", permission="Policy.Read.All")
            return {r.id: BatchResult(r.id, 403, error=error) for r in requests}
        return {r.id: BatchResult(r.id, 200, {"perUserMfaState": "disabled"}) for r in requests}


def ids(first: int, count: int) -> list[str]:
    return [f"user-{n}" for n in range(first, first + count)]


async def test_pages_share_one_first_batch_and_a_bound_on_batches_in_flight() -> None:
    graph = Batches()
    states = MfaStates(graph)  # type: ignore[arg-type]
    pages = await asyncio.gather(*(states.read(ids(n * 120, 120)) for n in range(3)))
    assert [len(page) for page in pages] == [120, 120, 120]
    assert graph.sent == [20] * 18
    assert graph.beside[:2] == [0, 0]  # the first went alone
    assert 1 < graph.most <= MFA_READS_AT_ONCE
    await states.read(ids(360, 40))
    assert graph.sent[18:] == [20, 20]


async def test_once_refused_no_page_sends_more() -> None:
    graph = Batches(refuse=True)
    states = MfaStates(graph)  # type: ignore[arg-type]
    first, second = await asyncio.gather(states.read(ids(0, 120)), states.read(ids(120, 5)))
    assert graph.sent == [20]
    refused = Unreadable("needs Policy.Read.All")
    assert set(first.values()) | set(second.values()) == {refused}
