"""`DigestMail`: digests by e-mail, sent with Graph from one mailbox of the MSP's tenant.

- `send`: `POST /users/{sender}/sendMail` (user-sendmail.md) with the HTML body of
  `cards.email`, the chart as an inline fileAttachment (`contentId` "chart", `isInline`,
  fileattachment.md) that the HTML shows with `<img src="cid:chart">`, and the mark in a
  custom Internet message header, `x-deskhand-digest` (custom headers must start with `x-`,
  internetmessageheader.md). sendMail keeps a copy in Sent Items (its default).
- `find`: the sender's Sent Items since the send began
  (`/mailFolders/sentitems/messages`, `$filter=sentDateTime ge …`, message-list;
  `internetMessageHeaders` is returned only when selected), looking for the header. sendMail
  answers 202 before Exchange has sent the message, so a message not in Sent Items within
  `settle` of the send may still be on its way: that answer is UNKNOWN, not NOT_SENT.
  A refusal (no Mail.ReadBasic, the mailbox out of the app's scope) is UNKNOWN too.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import structlog

from bot.schedules.delivery import Found
from cards.email import EmailRender, render_email
from cards.reply import File, Reply
from core.errors import DeliveryError, IntegrationError, OutcomeUnknown
from integrations.graph import GraphClient

__all__ = ["MARK_HEADER", "DigestMail", "send_mail_body"]

log = structlog.get_logger("deskhand.schedules")

MARK_HEADER = "x-deskhand-digest"
_SETTLE = timedelta(minutes=10)
_PAGE = "50"


def send_mail_body(to: str, rendered: EmailRender, mark: str) -> dict[str, Any]:
    """The sendMail request body (user-sendmail.md, JSON format)."""
    attachments = [
        {**_attachment(image.file), "contentId": image.content_id, "isInline": True}
        for image in rendered.inline
    ] + [_attachment(file) for file in rendered.attachments]
    message: dict[str, Any] = {
        "subject": rendered.subject,
        "body": {"contentType": "HTML", "content": rendered.html},
        "toRecipients": [{"emailAddress": {"address": to}}],
        "internetMessageHeaders": [{"name": MARK_HEADER, "value": mark}],
    }
    if attachments:
        message["attachments"] = attachments
    return {"message": message}


class DigestMail:
    def __init__(
        self,
        graph: GraphClient,
        sender: str,
        *,
        settle: timedelta = _SETTLE,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        """`graph` is the MSP tenant's client; `sender` the mailbox digests come from."""
        self._graph = graph
        self._sender = sender
        self._settle = settle
        self._clock = clock

    async def send(self, to: str, reply: Reply, mark: str) -> dict[str, str]:
        """Sends the digest to `to`; raises DeliveryError when Graph refuses it, and lets
        OutcomeUnknown through when no answer came (it may have been sent)."""
        body = send_mail_body(to, render_email(reply), mark)
        try:
            await self._graph.request("POST", f"/users/{self._sender}/sendMail", json=body)
        except OutcomeUnknown:
            raise
        except IntegrationError as error:
            raise DeliveryError(
                f"Microsoft Graph would not send the digest from {self._sender} to {to}: "
                f"{error.message}"
            ) from None
        return {"sender": self._sender, "to": to, "mark": mark}

    async def find(self, to: str, mark: str, since: datetime) -> Found:
        try:
            found = await self._in_sent_items(mark, since)
        except IntegrationError as error:
            log.warning("mail.digest_find_failed", error=type(error).__name__, code=error.code)
            return Found.UNKNOWN
        if found:
            return Found.SENT
        return Found.NOT_SENT if self._clock() - since >= self._settle else Found.UNKNOWN

    async def _in_sent_items(self, mark: str, since: datetime) -> bool:
        stamp = since.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        messages = self._graph.pages(
            f"/users/{self._sender}/mailFolders/sentitems/messages",
            select=("subject", "sentDateTime", "internetMessageHeaders"),
            params={"$filter": f"sentDateTime ge {stamp}", "$top": _PAGE},
        )
        async for message in messages:
            if _marked(message, mark):
                return True
        return False


def _attachment(file: File) -> dict[str, Any]:
    return {
        "@odata.type": "#microsoft.graph.fileAttachment",
        "name": file.filename,
        "contentType": file.media_type,
        "contentBytes": base64.b64encode(file.content).decode("ascii"),
    }


def _marked(message: Mapping[str, Any], mark: str) -> bool:
    headers = message.get("internetMessageHeaders")
    return isinstance(headers, list) and any(
        isinstance(h, Mapping)
        and str(h.get("name", "")).lower() == MARK_HEADER
        and h.get("value") == mark
        for h in headers
    )
