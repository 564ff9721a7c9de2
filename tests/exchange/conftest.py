"""The Exchange Online client, made for Contoso on the loopback sandbox, and what tests read
back: the cmdlets the sandbox received, its users and mailboxes."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest

from integrations.exchange import ExchangeClient, ExchangeEndpoint
from integrations.graph import AppCredentials, CloudEndpoints
from integrations.outbound import create_http_client
from sandbox import Sandbox
from sandbox.exchange.mailboxes import MailboxState
from sandbox.model import User

ADELE = "adele.vance@contoso.com"
MEGAN = "megan.bowen@contoso.com"
ALEX = "alex.wilber@contoso.com"
NOBODY = "nobody@contoso.com"


def sent(sandbox: Sandbox) -> list[tuple[str, dict[str, Any]]]:
    """(cmdlet, parameters) of every InvokeCommand the sandbox answered, in order."""
    bodies = [r.body["CmdletInput"] for r in sandbox.requests if r.path.endswith("InvokeCommand")]
    return [(b["CmdletName"], b["Parameters"]) for b in bodies]


def user(sandbox: Sandbox, upn: str) -> User:
    found = sandbox.tenant("contoso").directory.find_user(upn)
    assert found is not None
    return found


def mailbox(sandbox: Sandbox, upn: str) -> MailboxState:
    return sandbox.tenant("contoso").exchange.state(user(sandbox, upn).id)


ClientFactory = Callable[..., ExchangeClient]


@pytest.fixture
async def http(sandbox: Sandbox) -> AsyncIterator[httpx.AsyncClient]:
    client = create_http_client(sandbox.ca_file)
    yield client
    await client.aclose()


@pytest.fixture
async def exchange(sandbox: Sandbox, http: httpx.AsyncClient) -> AsyncIterator[ClientFactory]:
    made: list[ExchangeClient] = []

    def make(
        *,
        endpoint: ExchangeEndpoint | None = None,
        http_client: httpx.AsyncClient | None = None,
        **options: object,
    ) -> ExchangeClient:
        tenant = sandbox.tenant("contoso")
        credentials = AppCredentials(
            tenant.tenant_id, tenant.client_id, client_secret=tenant.client_secret
        )
        client = ExchangeClient(
            http_client or http,
            credentials,
            CloudEndpoints(sandbox.url, sandbox.url),
            endpoint or ExchangeEndpoint(sandbox.url, resource="https://outlook.office365.com"),
            ca_bundle=sandbox.ca_file,
            **options,  # type: ignore[arg-type]
        )
        made.append(client)
        return client

    yield make
    for client in made:
        await client.aclose()
