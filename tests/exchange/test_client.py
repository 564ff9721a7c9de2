"""The Exchange Online client against the sandbox's admin API: the request it sends, typed
answers, paging, retries, and every failure mapped to a clear error."""

from __future__ import annotations

import httpx
import pytest

from core.errors import (
    AuthFailed,
    Forbidden,
    IntegrationError,
    OutcomeUnknown,
    RemoteNotFound,
    Throttled,
)
from integrations.exchange import SYSTEM_MAILBOX, ExchangeEndpoint
from integrations.outbound import RetryPolicy, create_http_client
from integrations.outbound.trace import traced_writes
from sandbox import Fault, Sandbox
from sandbox.recording import RecordedRequest

from .conftest import ClientFactory

MEGAN = "megan.bowen@contoso.com"
FAST = RetryPolicy(max_attempts=3, base_delay=0.01, max_delay=0.05, budget=1.0)


def _invokes(sandbox: Sandbox) -> list[RecordedRequest]:
    return [r for r in sandbox.requests if r.path.endswith("/InvokeCommand")]


async def test_get_mailbox_posts_the_cmdlet_anchored_on_the_mailbox(
    sandbox: Sandbox, exchange: ClientFactory
) -> None:
    mailbox = await exchange().get_mailbox(MEGAN)

    (sent,) = _invokes(sandbox)
    tenant_id = sandbox.tenant("contoso").tenant_id
    assert (sent.method, sent.path, sent.status) == (
        "POST",
        f"/adminapi/beta/{tenant_id}/InvokeCommand",
        200,
    )
    assert sent.body == {
        "CmdletInput": {"CmdletName": "Get-Mailbox", "Parameters": {"Identity": MEGAN}}
    }
    assert sent.headers["X-AnchorMailbox"] == f"UPN:{MEGAN}"
    assert sent.headers["Prefer"] == "odata.maxpagesize=1000"
    assert mailbox.user_principal_name == MEGAN
    assert mailbox.forwarding_smtp_address == "smtp:megan.bowen.archive@outlook.com"
    assert mailbox.forwarding_targets == ("megan.bowen.archive@outlook.com",)
    assert mailbox.deliver_to_mailbox_and_forward is False


async def test_the_token_is_for_exchange_and_a_graph_token_is_refused(
    sandbox: Sandbox, sandbox_http: httpx.AsyncClient
) -> None:
    tenant = sandbox.tenant("contoso")
    body = {"CmdletInput": {"CmdletName": "Get-Mailbox", "Parameters": {}}}
    path = f"/adminapi/beta/{tenant.tenant_id}/InvokeCommand"

    graph = await sandbox_http.post(
        path, json=body, headers={"Authorization": f"Bearer {sandbox.mint_token('contoso')}"}
    )
    token = sandbox.mint_token("contoso", audience="https://outlook.office365.com")
    exchange = await sandbox_http.post(
        path, json=body, headers={"Authorization": f"Bearer {token}"}
    )

    assert graph.status_code == 401
    assert "invalid_token" in graph.headers["WWW-Authenticate"]
    assert exchange.status_code == 200


async def test_tenant_wide_cmdlets_are_anchored_on_the_system_mailbox_and_pages_are_followed(
    sandbox: Sandbox, exchange: ClientFactory
) -> None:
    tenant = sandbox.tenant("contoso")
    directory = tenant.directory
    expected = sorted(
        u.user_principal_name
        for u in directory.users.values()
        if tenant.exchange.has_mailbox(directory, u)
    )

    result = await exchange(page_size=5).invoke("Get-Mailbox", select=("UserPrincipalName",))

    sent = _invokes(sandbox)
    assert sorted(v["UserPrincipalName"] for v in result.values) == expected
    assert all(set(v) == {"UserPrincipalName"} for v in result.values)
    assert len(sent) == -(-len(expected) // 5) > 1
    assert {r.headers["X-AnchorMailbox"] for r in sent} == {
        f"APP:{SYSTEM_MAILBOX}@{tenant.tenant_id}"
    }
    assert all(r.body == sent[0].body for r in sent)
    assert [r.query.get("$skiptoken") for r in sent[1:]] == [
        str(5 * i) for i in range(1, len(sent))
    ]


async def test_inbox_rules_are_typed_with_their_forwarding_actions(
    exchange: ClientFactory,
) -> None:
    rules = await exchange().inbox_rules(MEGAN)

    invoices = next(r for r in rules if r.name == "Invoices")
    assert invoices.enabled and invoices.forwards
    assert invoices.redirect_to == ('"Accounts" [SMTP:accounts-payable@fabrikam-billing.net]',)
    assert not next(r for r in rules if r.name == "Newsletters").forwards


async def test_set_mailbox_clears_forwarding_and_is_traced_for_the_audit(
    sandbox: Sandbox, exchange: ClientFactory
) -> None:
    client = exchange()
    user = sandbox.tenant("contoso").directory.find_user(MEGAN)
    assert user is not None

    with traced_writes() as writes:
        first = await client.set_mailbox(
            user.id,
            {"ForwardingSmtpAddress": None, "DeliverToMailboxAndForward": False},
            anchor=MEGAN,
        )
        again = await client.set_mailbox(user.id, {"ForwardingSmtpAddress": None}, anchor=MEGAN)

    sent = _invokes(sandbox)[0]
    assert sent.body == {
        "CmdletInput": {
            "CmdletName": "Set-Mailbox",
            "Parameters": {
                "Identity": user.id,
                "ForwardingSmtpAddress": None,
                "DeliverToMailboxAndForward": False,
            },
        }
    }
    assert sent.headers["X-AnchorMailbox"] == f"UPN:{MEGAN}"
    assert sandbox.tenant("contoso").exchange.state(user.id).forwarding_smtp_address is None
    assert first.values == () and first.warnings == ()
    assert again.warnings == (
        "The command completed successfully but no settings of 'megan.bowen' have been modified.",
    )
    assert [w.path for w in writes] == ["/adminapi/beta/InvokeCommand Set-Mailbox"] * 2
    assert all(w.request_id and w.client_request_id for w in writes)


async def test_a_user_without_a_mailbox_is_not_found(exchange: ClientFactory) -> None:
    with pytest.raises(RemoteNotFound) as caught:
        await exchange().get_mailbox("breakglass@contoso.com")

    assert caught.value.service == "Exchange Online"
    assert "has no mailbox or object 'breakglass@contoso.com' (Get-Mailbox)" in caught.value.message


@pytest.mark.parametrize("missing", ["permission", "role"])
async def test_without_the_permission_or_the_role_the_fix_is_named(
    sandbox: Sandbox, exchange: ClientFactory, missing: str
) -> None:
    tenant = sandbox.tenant("contoso")
    if missing == "permission":
        tenant.permissions.discard("Exchange.ManageAsApp")
    else:
        tenant.app_roles.discard("Exchange Administrator")

    with pytest.raises(Forbidden) as caught:
        await exchange().get_mailbox(MEGAN)

    assert caught.value.permission == "Exchange.ManageAsApp"
    assert "Exchange.ManageAsApp" in caught.value.message
    assert "Exchange Administrator" in caught.value.message
    assert "\x00" not in caught.value.message


async def test_an_unknown_parameter_is_refused_with_exchanges_own_words(
    exchange: ClientFactory,
) -> None:
    with pytest.raises(IntegrationError) as caught:
        await exchange().invoke("Get-Mailbox", {"Identity": MEGAN, "Bogus": 1})

    assert caught.value.message == (
        f"Exchange Online refused Get-Mailbox {MEGAN} (BadRequest): Parameter set cannot be "
        "resolved using the specified named parameters. Invalid cmdlet parameters specified. Bogus."
    )


async def test_throttling_is_retried_after_retry_after(
    sandbox: Sandbox, exchange: ClientFactory
) -> None:
    sandbox.inject("contoso", Fault("throttle", count=2, retry_after=0.01, path="/InvokeCommand"))

    mailbox = await exchange(retry=FAST).get_mailbox(MEGAN)

    assert mailbox.user_principal_name == MEGAN
    assert [r.status for r in _invokes(sandbox)] == [429, 429, 200]


async def test_throttling_beyond_the_budget_says_when_to_try_again(
    sandbox: Sandbox, exchange: ClientFactory
) -> None:
    sandbox.inject("contoso", Fault("throttle", count=5, retry_after=2, path="/InvokeCommand"))

    with pytest.raises(Throttled) as caught:
        await exchange(retry=RetryPolicy(max_attempts=1)).get_mailbox(MEGAN)

    assert caught.value.message == (
        "Exchange Online is throttling Deskhand's requests (Get-Mailbox). Try again in 2 seconds."
    )


async def test_a_wrong_secret_fails_sign_in_before_any_call(
    sandbox: Sandbox, exchange: ClientFactory
) -> None:
    client = exchange()
    sandbox.tenant("contoso").client_secret = "rotated-by-someone"

    with pytest.raises(AuthFailed) as caught:
        await client.get_mailbox(MEGAN)

    assert "AADSTS7000215" in caught.value.message

    assert _invokes(sandbox) == []


# --- answers the sandbox never gives: shapes seen from Exchange, or none it should give -------


def _mocked(answer: httpx.Response) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.MockTransport(lambda request: answer))


_ELSEWHERE = ExchangeEndpoint("https://exchange.test", resource="https://outlook.office365.com")


@pytest.mark.parametrize(
    ("answer", "error", "words"),
    [
        (httpx.Response(200, json={"value": {"not": "a list"}}), IntegrationError, "shape"),
        (httpx.Response(200, text="<html>maintenance</html>"), IntegrationError, "JSON object"),
        (httpx.Response(403, content=b"\x00" * 32), Forbidden, "Exchange Administrator"),
        (
            httpx.Response(
                500,
                json={
                    "error": {
                        "code": "InternalServerError",
                        "message": "Error executing cmdlet",
                        "details": [
                            {
                                "code": "Client",
                                "target": "",
                                "message": "Ex6F9304|Microsoft.Exchange.Configuration.Tasks."
                                "ManagementObjectNotFoundException|The operation couldn't be "
                                "performed because object 'x' couldn't be found on 'EXHV'.",
                            }
                        ],
                    }
                },
            ),
            RemoteNotFound,
            "has no mailbox",
        ),
        (
            httpx.Response(
                400,
                text="You have reached the maximum number of concurrent requests per tenant. "
                "Please wait and try again",
            ),
            Throttled,
            "throttling",
        ),
        (
            httpx.Response(200, json={"value": [], "@odata.nextLink": "https://evil.test/next"}),
            IntegrationError,
            "another host",
        ),
    ],
)
async def test_unexpected_answers_end_in_a_clear_error(
    exchange: ClientFactory, answer: httpx.Response, error: type[Exception], words: str
) -> None:
    mocked = _mocked(answer)
    client = exchange(endpoint=_ELSEWHERE, http_client=mocked, retry=RetryPolicy(max_attempts=1))

    with pytest.raises(error) as caught:
        await client.invoke("Get-Mailbox", {"Identity": MEGAN}, anchor=MEGAN)

    await mocked.aclose()
    assert words in str(caught.value)


async def test_a_change_answered_after_the_client_gave_up_has_an_unknown_outcome(
    sandbox: Sandbox, exchange: ClientFactory
) -> None:
    # Set-* may be sent again; each try is made and answered too late, so none is heard.
    sandbox.inject(
        "contoso", Fault("late_answer", count=3, delay=1.0, path="/InvokeCommand", method="POST")
    )
    async with create_http_client(sandbox.ca_file, timeout=0.3) as impatient:
        client = exchange(http_client=impatient, retry=FAST)
        await client.tokens.token()
        with traced_writes() as writes, pytest.raises(OutcomeUnknown) as unknown:
            await client.set_mailbox(MEGAN, {"ForwardingSmtpAddress": None})

    [write] = writes
    assert (write.path, write.status) == ("/adminapi/beta/InvokeCommand Set-Mailbox", None)
    assert unknown.value.client_request_id == write.client_request_id
    assert unknown.value.service == "Exchange Online"
    assert "outcome unknown" in unknown.value.message
