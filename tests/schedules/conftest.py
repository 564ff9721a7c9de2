"""Graph clients for the sandbox's Contoso, for the e-mail and line-manager senders."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from integrations.graph import GraphClient
from integrations.outbound import create_http_client
from sandbox import Sandbox
from tests.graph.conftest import FAST_RETRY, sandbox_cloud, secret_credentials


@pytest.fixture
async def contoso_graph(sandbox: Sandbox) -> AsyncIterator[GraphClient]:
    async with create_http_client(sandbox.ca_file, timeout=5.0) as http:
        client = GraphClient(
            http,
            secret_credentials(sandbox, "contoso"),
            sandbox_cloud(sandbox),
            ca_bundle=sandbox.ca_file,
            retry=FAST_RETRY,
        )
        yield client
        await client.aclose()
