"""`sendMail` (user-sendmail.md) and the sender's Sent Items."""

from __future__ import annotations

import base64
from typing import Any

import httpx
import pytest

from sandbox import Sandbox

SENDER = "/v1.0/users/admin@contoso.com"
SENT_ITEMS = f"{SENDER}/mailFolders/sentitems/messages"

# Example 2 of user-sendmail.md, with an inline image as the digests send their chart.
DOCUMENTED: dict[str, Any] = {
    "message": {
        "subject": "9/9/2018: concert",
        "body": {"contentType": "HTML", "content": "The group represents Nevada."},
        "toRecipients": [{"emailAddress": {"address": "AlexW@contoso.com"}}],
        "internetMessageHeaders": [
            {"name": "x-custom-header-group-name", "value": "Nevada"},
            {"name": "x-custom-header-group-id", "value": "NV001"},
        ],
        "attachments": [
            {
                "@odata.type": "#microsoft.graph.fileAttachment",
                "name": "chart.png",
                "contentType": "image/png",
                "contentBytes": base64.b64encode(b"\x89PNG chart").decode(),
                "contentId": "chart",
                "isInline": True,
            }
        ],
    }
}


def _with(**message: Any) -> dict[str, Any]:
    return {"message": {**DOCUMENTED["message"], **message}}


async def test_sent_message_is_accepted_and_lands_in_sent_items(
    sandbox: Sandbox, graph: httpx.AsyncClient
) -> None:
    response = await graph.post(f"{SENDER}/sendMail", json=DOCUMENTED)
    listed = (await graph.get(SENT_ITEMS)).json()["value"]

    assert response.status_code == 202
    assert response.content == b""
    assert [m["subject"] for m in listed] == ["9/9/2018: concert"]
    assert listed[0]["toRecipients"] == DOCUMENTED["message"]["toRecipients"]
    assert "internetMessageHeaders" not in listed[0]
    assert sandbox.sent_mail("contoso")[0].message["attachments"][0]["contentId"] == "chart"


async def test_headers_are_read_back_only_when_selected(graph: httpx.AsyncClient) -> None:
    await graph.post(f"{SENDER}/sendMail", json=DOCUMENTED)

    body = (
        await graph.get(
            "/v1.0/users/admin@contoso.com/mailFolders('SentItems')/messages",
            params={"$select": "subject,internetMessageHeaders"},
        )
    ).json()

    assert (
        body["value"][0]["internetMessageHeaders"]
        == DOCUMENTED["message"]["internetMessageHeaders"]
    )


async def test_sent_items_filter_by_sent_time_and_page(graph: httpx.AsyncClient) -> None:
    for subject in ("one", "two", "three"):
        await graph.post(f"{SENDER}/sendMail", json=_with(subject=subject))

    first = (await graph.get(SENT_ITEMS, params={"$top": "2"})).json()
    rest = (await graph.get(first["@odata.nextLink"])).json()
    later = (
        await graph.get(SENT_ITEMS, params={"$filter": "sentDateTime ge 2999-01-01T00:00:00Z"})
    ).json()

    assert len(first["value"]) == 2
    assert len(rest["value"]) == 1
    assert later["value"] == []


async def test_not_saved_to_sent_items_when_asked_so_as_the_documented_string(
    sandbox: Sandbox, graph: httpx.AsyncClient
) -> None:
    response = await graph.post(
        f"{SENDER}/sendMail", json={**DOCUMENTED, "saveToSentItems": "false"}
    )

    assert response.status_code == 202
    assert (await graph.get(SENT_ITEMS)).json()["value"] == []
    assert [m.saved for m in sandbox.sent_mail("contoso")] == [False]


@pytest.mark.parametrize(
    ("message", "code"),
    [
        (
            {"internetMessageHeaders": [{"name": "Digest-Mark", "value": "1"}]},
            "InvalidInternetMessageHeader",
        ),
        ({"toRecipients": []}, "ErrorInvalidRecipients"),
        ({"body": {"contentType": "Markdown", "content": "x"}}, "RequestBodyRead"),
        (
            {
                "attachments": [
                    {
                        "@odata.type": "#microsoft.graph.fileAttachment",
                        "name": "a.txt",
                        "contentBytes": "not base64!",
                    }
                ]
            },
            "ErrorInvalidRequest",
        ),
    ],
)
async def test_invalid_messages_are_refused(
    sandbox: Sandbox, graph: httpx.AsyncClient, message: dict[str, Any], code: str
) -> None:
    response = await graph.post(f"{SENDER}/sendMail", json=_with(**message))

    assert response.status_code == 400
    assert response.json()["error"]["code"] == code
    assert sandbox.sent_mail("contoso") == []


async def test_a_request_over_4_mb_is_refused(sandbox: Sandbox, graph: httpx.AsyncClient) -> None:
    big = base64.b64encode(b"\0" * (3 * 1024 * 1024 + 1)).decode()
    attachment = {
        "@odata.type": "#microsoft.graph.fileAttachment",
        "name": "big.bin",
        "contentBytes": big,
    }

    response = await graph.post(f"{SENDER}/sendMail", json=_with(attachments=[attachment]))

    assert response.status_code == 413
    assert sandbox.sent_mail("contoso") == []


async def test_sending_needs_mail_send(sandbox: Sandbox, graph: httpx.AsyncClient) -> None:
    sandbox.tenant("contoso").permissions.discard("Mail.Send")

    response = await graph.post(f"{SENDER}/sendMail", json=DOCUMENTED)

    assert response.status_code == 403


async def test_a_mailbox_outside_the_apps_scope_is_refused(
    sandbox: Sandbox, graph: httpx.AsyncClient
) -> None:
    sandbox.tenant("contoso").mail_send_scope = frozenset({"reports@contoso.com"})

    response = await graph.post(f"{SENDER}/sendMail", json=DOCUMENTED)

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "ErrorAccessDenied"
    assert sandbox.sent_mail("contoso") == []


async def test_a_user_without_a_mailbox_cannot_send(graph: httpx.AsyncClient) -> None:
    response = await graph.post("/v1.0/users/breakglass@contoso.com/sendMail", json=DOCUMENTED)

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "MailboxNotEnabledForRESTAPI"
