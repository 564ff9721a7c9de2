"""A write sent without an answer has an unknown outcome: never "not run", never sent again.

The sandbox makes the change and then holds its answer (`late_answer`) past the client's
timeout, over real HTTPS on loopback: what a lost answer looks like from Deskhand's side.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import httpx
import pytest

from core.errors import AuthFailed, OutcomeUnknown, Unavailable
from integrations.graph import AppCredentials, CloudEndpoints, GraphClient
from integrations.outbound import create_http_client
from integrations.outbound.trace import GraphWrite, traced_writes
from sandbox import Fault, Sandbox
from sandbox.recording import RecordedRequest

from .conftest import FAST_RETRY, ClientFor, sandbox_cloud, secret_credentials
from .test_tokens import closed_port

ADELE_UPN = "adele.vance@contoso.com"
ADELE = f"/users/{ADELE_UPN}"
IMPATIENT = 0.3
"""Seconds the client waits for an answer in these tests."""
LATE = 1.5
"""Seconds the sandbox holds its answer after making the change."""


def _answer_late(sandbox: Sandbox, method: str, count: int = 1) -> None:
    sandbox.inject(
        "contoso", Fault("late_answer", count=count, delay=LATE, path=ADELE, method=method)
    )


async def _recorded(sandbox: Sandbox, method: str, count: int = 1) -> list[RecordedRequest]:
    """The sandbox's log of `method` requests to Adele, once it holds `count` (it logs a
    request when it answers, after the client gave up on it)."""
    async with asyncio.timeout(10):
        while True:
            found = [r for r in sandbox.requests if r.method == method and r.path.endswith(ADELE)]
            if len(found) >= count:
                return found
            await asyncio.sleep(0.05)


def _enabled(sandbox: Sandbox) -> bool:
    users = sandbox.tenant("contoso").directory.users.values()
    return next(u for u in users if u.user_principal_name == ADELE_UPN).account_enabled


async def test_a_write_answered_after_the_client_gave_up_has_an_unknown_outcome(
    client_for: ClientFor, sandbox: Sandbox
) -> None:
    _answer_late(sandbox, "PATCH")
    async with create_http_client(sandbox.ca_file, timeout=IMPATIENT) as impatient:
        client = client_for("contoso", http=impatient)
        await client.tokens.token()
        with traced_writes() as writes, pytest.raises(OutcomeUnknown) as unknown:
            await client.request("PATCH", ADELE, json={"accountEnabled": False})

    [sent] = await _recorded(sandbox, "PATCH")
    crid = sent.headers["client-request-id"]
    assert unknown.value.client_request_id == crid
    assert "may or may not have been made" in unknown.value.message
    assert crid in unknown.value.message
    assert not _enabled(sandbox)  # made, though no one heard so
    assert writes == [GraphWrite("PATCH", ADELE, None, "", crid)]


async def test_a_write_that_never_left_is_unavailable_and_not_traced(
    sandbox: Sandbox, client_for: ClientFor
) -> None:
    graph = f"https://127.0.0.1:{closed_port()}"
    cloud = CloudEndpoints(sandbox.url, graph, graph_resource=sandbox.url)
    async with create_http_client(sandbox.ca_file, timeout=IMPATIENT) as http:
        client = GraphClient(
            http,
            secret_credentials(sandbox, "contoso"),
            cloud,
            ca_bundle=sandbox.ca_file,
            retry=FAST_RETRY,
        )
        with traced_writes() as writes, pytest.raises(Unavailable) as failure:
            await client.request("PATCH", ADELE, json={"accountEnabled": False})
        await client.aclose()
    assert not isinstance(failure.value, OutcomeUnknown)
    assert "could not be reached" in failure.value.message
    assert writes == []


async def test_each_write_is_told_to_on_send_before_it_leaves(
    client_for: ClientFor, sandbox: Sandbox
) -> None:
    told: list[tuple[list[GraphWrite], int]] = []

    async def keep(writes: Sequence[GraphWrite]) -> None:
        told.append((list(writes), len(sandbox.requests)))

    contoso = client_for("contoso")
    await contoso.tokens.token()
    seen_before = len(sandbox.requests)
    with traced_writes(keep) as writes:
        await contoso.request("PATCH", ADELE, json={"accountEnabled": False})
        await contoso.get(ADELE, select=["id"])  # reads are not writes

    [(noted, requests_then)] = told
    [answered] = writes
    assert noted == [GraphWrite("PATCH", ADELE, None, "", answered.client_request_id)]
    assert requests_then == seen_before  # stored before Graph saw it
    assert answered.status == 204 and answered.request_id


async def test_a_repeatable_write_refused_after_an_unanswered_try_stays_unknown(
    client_for: ClientFor, sandbox: Sandbox
) -> None:
    # A DELETE may be sent again; the second one finds nothing, because the first was made.
    sandbox.tenant("contoso").permissions.add("User.DeleteRestore.All")
    _answer_late(sandbox, "DELETE")
    async with create_http_client(sandbox.ca_file, timeout=IMPATIENT) as impatient:
        client = client_for("contoso", http=impatient)
        await client.tokens.token()
        with traced_writes() as writes, pytest.raises(OutcomeUnknown):
            await client.request("DELETE", ADELE)

    # Logged as answered: the second try's 404 before the first try's late 204.
    again, first = await _recorded(sandbox, "DELETE", 2)
    assert (again.status, first.status) == (404, 204)
    assert first.headers["client-request-id"] == again.headers["client-request-id"]
    assert [w.status for w in writes] == [None]


async def test_a_write_without_a_token_never_left_and_is_not_traced(
    sandbox: Sandbox, http: httpx.AsyncClient
) -> None:
    registration = sandbox.tenant("contoso")
    wrong = AppCredentials(
        tenant_id=registration.tenant_id,
        client_id=registration.client_id,
        client_secret="not-the-secret",
    )
    client = GraphClient(
        http, wrong, sandbox_cloud(sandbox), ca_bundle=sandbox.ca_file, retry=FAST_RETRY
    )
    with traced_writes() as writes, pytest.raises(AuthFailed):
        await client.request("PATCH", ADELE, json={"accountEnabled": False})
    await client.aclose()
    assert writes == []
    assert _enabled(sandbox)
