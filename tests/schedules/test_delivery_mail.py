"""Digest e-mail against the sandbox: the exact sendMail request, Sent Items to find a mark,
and line managers receiving only their own reports."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta

import pytest

from bot.schedules.delivery import Found
from bot.schedules.mail import MARK_HEADER, DigestMail, send_mail_body
from bot.schedules.managers import LineManagers
from cards.email import render_email
from cards.reply import Facts, File, Heading, Reply, Table, Text
from core.errors import DeliveryError
from integrations.graph import GraphClient
from sandbox import Fault, Sandbox

CHART = File("mfa-contoso.png", "image/png", b"\x89PNG chart")
MARK = "sched-1:2026-03-02T08:00:00+01:00:mail:dana@customer.example"


def upn(sandbox: Sandbox, key: str) -> str:
    return f"{key}@{sandbox.tenant('contoso').domain}"


def digest(sandbox: Sandbox, *keys: str) -> Reply:
    rows = tuple((key.replace(".", " ").title(), upn(sandbox, key), "no") for key in keys)
    return Reply(
        title="MFA digest: contoso",
        blocks=(
            Facts((("MFA coverage", "94%"), ("Without MFA", str(len(keys))))),
            Text("+2 users without MFA since last week"),
            Heading("Without MFA"),
            Table(("Name", "UPN", "Registered"), rows, title="Without MFA"),
        ),
        files=(CHART,),
    )


def a_minute_ago() -> datetime:
    return datetime.now(UTC) - timedelta(minutes=1)


@pytest.fixture
def sender(sandbox: Sandbox) -> str:
    return upn(sandbox, "admin")


async def test_send_mail_request_is_exact(
    sandbox: Sandbox, contoso_graph: GraphClient, sender: str
) -> None:
    reply = digest(sandbox, "adele.vance")
    ref = await DigestMail(contoso_graph, sender).send("dana@customer.example", reply, MARK)
    rendered = render_email(reply)
    (request,) = [r for r in sandbox.requests if r.path.endswith("/sendMail")]
    assert request.method == "POST"
    assert request.path == f"/v1.0/users/{sender}/sendMail"
    assert request.body == send_mail_body("dana@customer.example", rendered, MARK)
    (sent,) = sandbox.sent_mail("contoso")
    message = sent.message
    assert message["subject"] == "MFA digest: contoso"
    assert message["body"] == {"contentType": "html", "content": rendered.html}
    assert '<img src="cid:chart"' in rendered.html
    assert message["toRecipients"] == [{"emailAddress": {"address": "dana@customer.example"}}]
    (attachment,) = message["attachments"]
    assert attachment["@odata.type"] == "#microsoft.graph.fileAttachment"
    assert attachment["name"] == "mfa-contoso.png"
    assert attachment["contentType"] == "image/png"
    assert attachment["contentId"] == "chart"
    assert attachment["isInline"] is True
    assert base64.b64decode(attachment["contentBytes"]) == CHART.content
    assert {"name": MARK_HEADER, "value": MARK} in message["internetMessageHeaders"]
    assert sent.saved
    assert ref == {"sender": sender, "to": "dana@customer.example", "mark": MARK}


async def test_find_says_not_sent_before_and_sent_after(
    sandbox: Sandbox, contoso_graph: GraphClient, sender: str
) -> None:
    since = a_minute_ago()
    mail = DigestMail(contoso_graph, sender, settle=timedelta(0))
    assert await mail.find("dana@customer.example", MARK, since) is Found.NOT_SENT
    await mail.send("dana@customer.example", digest(sandbox, "adele.vance"), MARK)
    assert await mail.find("dana@customer.example", MARK, since) is Found.SENT
    assert await mail.find("dana@customer.example", "other-slot", since) is Found.NOT_SENT


async def test_a_send_too_recent_to_be_in_sent_items_is_unknown_not_unsent(
    contoso_graph: GraphClient, sender: str
) -> None:
    mail = DigestMail(contoso_graph, sender, settle=timedelta(minutes=10))
    assert await mail.find("dana@customer.example", MARK, a_minute_ago()) is Found.UNKNOWN


async def test_a_refused_or_failing_sent_items_read_is_unknown(
    sandbox: Sandbox, contoso_graph: GraphClient, sender: str
) -> None:
    mail = DigestMail(contoso_graph, sender, settle=timedelta(0))
    sandbox.inject("contoso", Fault("unavailable", count=10, path="/mailFolders"))
    assert await mail.find("dana@customer.example", MARK, a_minute_ago()) is Found.UNKNOWN


async def test_a_mailbox_outside_the_app_s_scope_is_refused_and_unknown_to_find(
    sandbox: Sandbox, contoso_graph: GraphClient, sender: str
) -> None:
    sandbox.tenant("contoso").mail_send_scope = frozenset({"digests@elsewhere.example"})
    mail = DigestMail(contoso_graph, sender, settle=timedelta(0))
    with pytest.raises(DeliveryError, match="would not send the digest"):
        await mail.send("dana@customer.example", digest(sandbox, "adele.vance"), MARK)
    assert sandbox.sent_mail("contoso") == []


async def test_each_line_manager_receives_only_their_reports_without_chart_or_facts(
    sandbox: Sandbox, contoso_graph: GraphClient
) -> None:
    # Adele and Alex report to Miriam; Lynne to Adele; the admin has no manager.
    reply = digest(sandbox, "adele.vance", "alex.wilber", "lynne.robbins", "admin")
    split = await LineManagers(lambda tenant: contoso_graph).split(reply, "contoso")
    by_key = dict(split)
    miriam = f"mail:{upn(sandbox, 'miriam.graham')}"
    adele = f"mail:{upn(sandbox, 'adele.vance')}"
    assert sorted(by_key) == sorted([miriam, adele])
    assert people(by_key[miriam]) == {upn(sandbox, "adele.vance"), upn(sandbox, "alex.wilber")}
    assert people(by_key[adele]) == {upn(sandbox, "lynne.robbins")}
    for subset in by_key.values():
        assert subset.files == ()
        assert not any(isinstance(b, Facts) for b in subset.blocks)
        assert "since last week" not in str(subset.blocks)
    # One $batch of four manager reads, not four requests.
    (batch,) = [r for r in sandbox.requests if r.path == "/v1.0/$batch"]
    assert len(batch.body["requests"]) == 4


def people(reply: Reply) -> set[str]:
    (table,) = [b for b in reply.blocks if isinstance(b, Table)]
    return {row[1] for row in table.rows}
