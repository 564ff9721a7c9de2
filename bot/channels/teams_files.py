"""Files in Teams: a bot may send one only in a 1:1 chat, after the person accepts a consent card.

The file waits here until they answer; accepting hands Deskhand an upload URL in their
OneDrive, where the file is written before a file card is shown. An answer that comes too late
(or to another replica) asks them to run the export again.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass

import httpx
from microsoft_agents.activity import Activity, ActivityTypes, Attachment, InvokeResponse
from microsoft_agents.hosting.core import OutboundHostValidator, TurnContext

from cards.reply import File

__all__ = ["FileConsents"]

CONSENT_CARD = "application/vnd.microsoft.teams.card.file.consent"
INFO_CARD = "application/vnd.microsoft.teams.card.file.info"
_KEEP_FOR = 3600.0


@dataclass(frozen=True)
class _Offer:
    file: File
    until: float


class FileConsents:
    def __init__(self, hosts: OutboundHostValidator) -> None:
        """`hosts` says where an upload may go: Microsoft's OneDrive/SharePoint hosts."""
        self._hosts = hosts
        self._offers: dict[str, _Offer] = {}
        self._http = httpx.AsyncClient(timeout=httpx.Timeout(60.0, connect=10.0))

    async def close(self) -> None:
        await self._http.aclose()

    def offer(self, file: File) -> Activity:
        """A consent card for `file`; the file itself stays here until the answer."""
        now = time.monotonic()
        self._offers = {k: o for k, o in self._offers.items() if o.until > now}
        key = secrets.token_urlsafe(16)
        self._offers[key] = _Offer(file, now + _KEEP_FOR)
        consent = {
            "description": f"{file.filename}, from Deskhand",
            "sizeInBytes": len(file.content),
            "acceptContext": {"file": key},
            "declineContext": {"file": key},
        }
        return Activity(
            type=ActivityTypes.message,
            attachments=[
                Attachment(content_type=CONSENT_CARD, name=file.filename, content=consent)
            ],
        )

    async def answer(self, turn_context: TurnContext) -> InvokeResponse:
        """The `fileConsent/invoke` the person's accept or decline sends."""
        value = _mapping(turn_context.activity.value)
        offer = self._offers.pop(str(_mapping(value.get("context")).get("file", "")), None)
        if offer is None or offer.until < time.monotonic():
            await turn_context.send_activity("That export has expired; run the command again.")
        elif value.get("action") != "accept":
            await turn_context.send_activity(f"{offer.file.filename} was not sent.")
        else:
            await self._upload(turn_context, offer.file, _mapping(value.get("uploadInfo")))
        return InvokeResponse(status=200)

    async def _upload(
        self, turn_context: TurnContext, file: File, upload: dict[str, object]
    ) -> None:
        size = len(file.content)
        url = str(upload.get("uploadUrl", ""))
        if not self._hosts.is_allowed(url):
            await turn_context.send_activity(
                "Teams sent an unexpected upload address; nothing sent."
            )
            return
        try:
            response = await self._http.put(
                url, content=file.content, headers={"Content-Range": f"bytes 0-{size - 1}/{size}"}
            )
        except httpx.HTTPError:
            await turn_context.send_activity(
                f"Teams could not be reached to take {file.filename}; try the export again."
            )
            return
        if response.status_code >= 400:
            status = response.status_code
            await turn_context.send_activity(
                f"Teams did not take {file.filename} ({status}); try the export again."
            )
            return
        info = {"uniqueId": upload.get("uniqueId"), "fileType": upload.get("fileType")}
        card = Attachment(
            content_type=INFO_CARD,
            content_url=str(upload.get("contentUrl", "")),
            name=str(upload.get("name", file.filename)),
            content=info,
        )
        await turn_context.send_activity(Activity(type=ActivityTypes.message, attachments=[card]))


def _mapping(value: object) -> dict[str, object]:
    return value if isinstance(value, dict) else {}
