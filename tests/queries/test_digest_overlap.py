"""The digest read lists users without waiting for the registration report or for a page's
per-user MFA `$batch`: each is held back here until the listing has ended, which a read that
waited for them before its next page would never reach. Nothing here times anything."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from bench.digest_read import Registration, tenant_clients
from commands.kit.context import silent_progress
from commands.queries.digests import DigestKind, DigestOptions, TenantDigest, read_tenant_digest
from commands.queries.roster import REPORT
from integrations.exchange import ExchangeClient
from integrations.graph import BatchRequest, BatchResult, GraphClient
from sandbox import SandboxOptions, start_sandbox

USERS = 300
"""Three pages of users with sign-in activity (120 a page)."""
NOW = datetime.now(UTC)


class HeldUntilListed:
    """The real client, but what `held` names is sent only once `/users` has been listed."""

    def __init__(self, graph: GraphClient, held: str) -> None:
        self._graph, self._held = graph, held
        self.listed = asyncio.Event()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._graph, name)

    async def pages(self, path: str, **options: Any) -> AsyncIterator[dict[str, Any]]:
        if path == REPORT and self._held == "report":
            await self.listed.wait()
        async for item in self._graph.pages(path, **options):
            yield item
        if path == "/users":
            self.listed.set()

    async def batch(self, requests: list[BatchRequest], **options: Any) -> dict[str, BatchResult]:
        if self._held == "batch":
            await self.listed.wait()
        return await self._graph.batch(requests, **options)


@pytest.fixture
async def clients() -> AsyncIterator[tuple[GraphClient, ExchangeClient]]:
    async with start_sandbox(SandboxOptions(generated={"t": USERS})) as sandbox:
        registration = Registration.of(sandbox.tenant("t"))
        async with tenant_clients(sandbox.url, sandbox.ca_file, [registration]) as made:
            yield made["t"].graph, made["t"].exchange


async def read(graph: Any, exchange: ExchangeClient) -> TenantDigest:
    return await asyncio.wait_for(
        read_tenant_digest(
            graph,
            frozenset(DigestKind),
            DigestOptions(),
            now=NOW,
            progress=silent_progress,
            exchange=exchange,
        ),
        timeout=60,
    )


def figures(digest: TenantDigest) -> Iterator[object]:
    yield digest.metrics(), digest.flagged(), digest.unknown
    assert digest.mfa is not None
    yield digest.mfa.by_class, digest.mfa.rows


@pytest.mark.parametrize("held", ["report", "batch"])
async def test_the_users_are_listed_without_waiting_for(
    clients: tuple[GraphClient, ExchangeClient], held: str
) -> None:
    graph, exchange = clients
    plain = await read(graph, exchange)
    holding = HeldUntilListed(graph, held)
    assert list(figures(await read(holding, exchange))) == list(figures(plain))
    assert holding.listed.is_set()
