"""The sandbox's Graph mailbox endpoints answer as Graph documents (and, where it does not,
as Graph is observed to): mailbox missing, validation, and one store shared with Exchange."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from sandbox import Sandbox

ADELE = "adele.vance@contoso.com"


@pytest.fixture
async def graph(
    sandbox: Sandbox, sandbox_http: httpx.AsyncClient
) -> AsyncIterator[httpx.AsyncClient]:
    sandbox_http.headers["Authorization"] = f"Bearer {sandbox.mint_token('contoso')}"
    yield sandbox_http


async def test_a_user_without_a_mailbox_is_mailbox_not_enabled(graph: httpx.AsyncClient) -> None:
    for path in ("mailboxSettings", "mailFolders/inbox/messageRules"):
        answer = await graph.get(f"/v1.0/users/breakglass@contoso.com/{path}")

        assert answer.status_code == 404
        assert answer.json()["error"]["code"] == "MailboxNotEnabledForRESTAPI"


async def test_the_shared_mailbox_has_settings_without_a_licence(graph: httpx.AsyncClient) -> None:
    answer = await graph.get("/v1.0/users/reception@contoso.com/mailboxSettings")

    assert answer.status_code == 200
    assert answer.json()["userPurpose"] == "shared"


async def test_patch_answers_the_updated_properties_in_the_documented_shape(
    graph: httpx.AsyncClient,
) -> None:
    body = {
        "automaticRepliesSetting": {
            "status": "Scheduled",
            "scheduledStartDateTime": {
                "dateTime": "2026-03-20T18:00:00.0000000",
                "timeZone": "UTC",
            },
            "scheduledEndDateTime": {"dateTime": "2026-03-28T18:00:00.0000000", "timeZone": "UTC"},
        }
    }

    answer = await graph.patch(f"/v1.0/users/{ADELE}/mailboxSettings", json=body)
    read = await graph.get(f"/v1.0/users/{ADELE}/mailboxSettings/automaticRepliesSetting")

    assert answer.status_code == 200
    assert set(answer.json()) == {"@odata.context", "automaticRepliesSetting"}
    assert answer.json()["automaticRepliesSetting"]["status"] == "scheduled"
    assert read.json()["scheduledEndDateTime"] == {
        "dateTime": "2026-03-28T18:00:00.0000000",
        "timeZone": "UTC",
    }


@pytest.mark.parametrize(
    ("setting", "code"),
    [
        ({"status": "sometimes"}, "RequestBodyRead"),
        ({"externalAudience": "friends"}, "RequestBodyRead"),
        ({"status": "scheduled"}, "ErrorInvalidParameter"),
        (
            {
                "status": "scheduled",
                "scheduledStartDateTime": {"dateTime": "2026-03-28T18:00:00", "timeZone": "UTC"},
                "scheduledEndDateTime": {"dateTime": "2026-03-20T18:00:00", "timeZone": "UTC"},
            },
            "ErrorInvalidTimeSettings",
        ),
    ],
)
async def test_bad_automatic_replies_are_refused(
    graph: httpx.AsyncClient, setting: dict[str, object], code: str
) -> None:
    answer = await graph.patch(
        f"/v1.0/users/{ADELE}/mailboxSettings", json={"automaticRepliesSetting": setting}
    )

    assert (answer.status_code, answer.json()["error"]["code"]) == (400, code)


async def test_writes_need_mailbox_settings_read_write(
    sandbox: Sandbox, graph: httpx.AsyncClient
) -> None:
    sandbox.tenant("contoso").permissions.discard("MailboxSettings.ReadWrite")
    sandbox.tenant("contoso").permissions.add("MailboxSettings.Read")
    graph.headers["Authorization"] = f"Bearer {sandbox.mint_token('contoso')}"

    read = await graph.get(f"/v1.0/users/{ADELE}/mailFolders/inbox/messageRules")
    rule = read.json()["value"][0]["id"]
    write = await graph.patch(
        f"/v1.0/users/{ADELE}/mailFolders/inbox/messageRules/{rule}", json={"isEnabled": False}
    )

    assert read.status_code == 200
    assert write.status_code == 403


async def test_a_rule_disabled_through_graph_reads_disabled_in_exchange(
    sandbox: Sandbox, graph: httpx.AsyncClient
) -> None:
    rules = (await graph.get(f"/v1.0/users/{ADELE}/mailFolders/inbox/messageRules")).json()
    (rule,) = rules["value"]
    token = sandbox.mint_token("contoso", audience="https://outlook.office365.com")

    patched = await graph.patch(
        f"/v1.0/users/{ADELE}/mailFolders/inbox/messageRules/{rule['id']}",
        json={"isEnabled": False},
    )
    exchange = await graph.post(
        "/adminapi/beta/contoso.com/InvokeCommand",
        json={"CmdletInput": {"CmdletName": "Get-InboxRule", "Parameters": {"Mailbox": ADELE}}},
        headers={"Authorization": f"Bearer {token}"},
    )

    assert rule["actions"]["forwardTo"] == [
        {"emailAddress": {"name": "Alex Wilber", "address": "alex.wilber@contoso.com"}}
    ]
    assert patched.json()["isEnabled"] is False
    assert [(r["Name"], r["Enabled"]) for r in exchange.json()["value"]] == [
        ("From partner", False)
    ]
