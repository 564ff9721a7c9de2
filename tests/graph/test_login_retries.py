"""A throttled or failing sign-in service is retried like Graph, and never worded as a wrong
tenant; a wrong tenant still is."""

from __future__ import annotations

import uuid

import httpx
import pytest

from core.errors import AuthFailed, Throttled, Unavailable
from integrations.graph import AppCredentials, GraphClient
from integrations.outbound import RetryPolicy, create_http_client
from sandbox import Fault, Sandbox

from .conftest import ClientFor, sandbox_cloud

ADELE = "/users/adele.vance@contoso.com"
TOKEN = "/oauth2/v2.0/token"
METADATA = "openid-configuration"


def login_statuses(sandbox: Sandbox, path: str) -> list[int]:
    return [r.status for r in sandbox.requests if r.path.endswith(path)]


@pytest.mark.parametrize(
    ("path", "fault"),
    [
        (TOKEN, Fault(kind="throttle", retry_after=0.05, login=True, path=TOKEN)),
        (TOKEN, Fault(kind="unavailable", login=True, path=TOKEN)),
        (METADATA, Fault(kind="throttle", retry_after=0.05, login=True, path=METADATA)),
        (METADATA, Fault(kind="unavailable", login=True, path=METADATA)),
    ],
    ids=["token-429", "token-503", "metadata-429", "metadata-503"],
)
async def test_a_transient_sign_in_failure_is_retried_and_the_call_succeeds(
    contoso: GraphClient, sandbox: Sandbox, path: str, fault: Fault
) -> None:
    sandbox.inject("contoso", fault)
    user = await contoso.get(ADELE, select=["displayName"])
    assert user["displayName"] == "Adele Vance"
    assert login_statuses(sandbox, path) == [fault_status(fault), 200]


def fault_status(fault: Fault) -> int:
    return 429 if fault.kind == "throttle" else 503


async def test_a_retry_after_from_sign_in_is_honoured(
    client_for: ClientFor, sandbox: Sandbox
) -> None:
    # Retry-After is longer than the policy's whole budget: waiting for it is giving up.
    patient = RetryPolicy(max_attempts=5, max_delay=0.2, budget=0.1, base_delay=0.01)
    sandbox.inject("contoso", Fault(kind="throttle", retry_after=0.15, login=True, path=TOKEN))
    with pytest.raises(Throttled):
        await client_for("contoso", retry=patient).get(ADELE, select=["id"])
    assert login_statuses(sandbox, TOKEN) == [429]


async def test_sign_in_still_throttled_after_the_budget_says_so_naming_the_host(
    contoso: GraphClient, sandbox: Sandbox
) -> None:
    sandbox.inject(
        "contoso", Fault(kind="throttle", count=10, retry_after=0.01, login=True, path=TOKEN)
    )
    with pytest.raises(Throttled) as failure:
        await contoso.get(ADELE, select=["id"])
    message = failure.value.message
    host = sandbox.url.removeprefix("https://")
    assert f"sign-in service at {host} is throttling" in message and "Try again" in message
    assert "not found" not in message
    assert failure.value.service == "Microsoft Entra ID"
    assert login_statuses(sandbox, TOKEN) == [429, 429, 429]  # FAST_RETRY: three attempts


async def test_sign_in_metadata_unavailable_after_the_budget_is_not_a_wrong_tenant(
    contoso: GraphClient, sandbox: Sandbox
) -> None:
    sandbox.inject("contoso", Fault(kind="unavailable", count=10, login=True, path=METADATA))
    with pytest.raises(Unavailable) as failure:
        await contoso.get(ADELE, select=["id"])
    assert not isinstance(failure.value, AuthFailed | Throttled)
    assert "is unavailable (HTTP 503)" in failure.value.message
    assert "tenant was not found" not in failure.value.message


async def test_an_unknown_tenant_is_not_retried_and_gets_the_aadsts90002_hint(
    sandbox: Sandbox, http: httpx.AsyncClient
) -> None:
    credentials = AppCredentials(str(uuid.uuid4()), str(uuid.uuid4()), client_secret="x")
    client = GraphClient(http, credentials, sandbox_cloud(sandbox), ca_bundle=sandbox.ca_file)
    with pytest.raises(AuthFailed) as failure:
        await client.get(ADELE, select=["id"])
    await client.aclose()
    assert "(AADSTS90002): the tenant was not found" in failure.value.message
    assert login_statuses(sandbox, METADATA) == [400]


async def test_sign_in_waits_no_longer_than_the_client_it_goes_with(
    client_for: ClientFor, sandbox: Sandbox
) -> None:
    # Every token request hangs for longer than the client's timeout: one setting
    # (`request_timeout`) bounds sign-in too, so the call gives up instead of waiting it out.
    sandbox.inject("contoso", Fault(kind="timeout", delay=2.0, count=10, login=True, path=TOKEN))
    async with create_http_client(sandbox.ca_file, timeout=0.3) as impatient:
        with pytest.raises(Unavailable) as failure:
            await client_for("contoso", http=impatient).get(ADELE, select=["id"])
    assert "sign-in service" in failure.value.message
    assert "did not answer in time" in failure.value.message
