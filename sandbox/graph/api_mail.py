"""Sending mail as a mailbox, and reading back what it sent.

    POST /users/{id | userPrincipalName}/sendMail              user-sendmail.md
    GET  /users/{id}/mailFolders/sentitems/messages            mailfolder-list-messages.md
    GET  /users/{id}/mailFolders('SentItems')/messages

sendMail takes the JSON form (message.md properties: subject, body, recipients, file
attachments, `internetMessageHeaders` whose names start with "x-"), answers 202 without a body
and, unless `saveToSentItems` is false, saves the message in Sent Items. Application
permission Mail.Send; the listing Mail.ReadBasic.All, Mail.Read or Mail.ReadWrite.
`internetMessageHeaders` are returned only when selected (message.md).

Exchange's RBAC for Applications (or an application access policy) can limit the mailboxes an
app may use: `SandboxTenant.mail_send_scope` holds the addresses it may send as.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from sandbox.exchange.mailboxes import SentMessage
from sandbox.model import User

from .api_mailbox import mailbox_user
from .call import GraphCall, GraphResult, Route, ok
from .entities import stamp
from .errors import GraphError, bad_request
from .query import Rendered, kept, page, parse_collection_query, project

__all__ = ["MAIL_READ", "MAIL_SEND", "ROUTES"]

MAIL_SEND = ("Mail.Send",)
MAIL_READ = ("Mail.ReadBasic.All", "Mail.Read", "Mail.ReadWrite")
# A REST request to Graph's Outlook API is limited to 4 MB (outlook-large-attachments.md:
# larger attachments go through an upload session).
MAX_REQUEST_BYTES = 4 * 1024 * 1024
_CONTENT_TYPES = {"text": "text", "html": "html"}
_SENT_ITEMS = "sentitems"
# message-list: 10 messages a page unless $top says otherwise.
_DEFAULT_PAGE = 10
_ONLY_WHEN_SELECTED = ("internetMessageHeaders",)


def _denied() -> GraphError:
    # Exchange's answer for a mailbox outside the app's scope, as Graph users report it.
    return GraphError(
        403, "ErrorAccessDenied", "Access is denied. Check credentials and try again."
    )


def _invalid(message: str) -> GraphError:
    return bad_request(message, code="ErrorInvalidRequest")


def _recipients(message: Mapping[str, Any], name: str) -> list[dict[str, Any]]:
    value = message.get(name, [])
    if not isinstance(value, list):
        raise _invalid(f"'{name}' must be a collection of recipients.")
    for recipient in value:
        address = (
            recipient.get("emailAddress", {}).get("address")
            if isinstance(recipient, dict)
            else None
        )
        if not isinstance(address, str) or "@" not in address:
            raise bad_request(
                "At least one recipient isn't valid., A message can't be sent because it "
                "contains no recipients.",
                code="ErrorInvalidRecipients",
            )
    return value


def _body(message: Mapping[str, Any]) -> dict[str, str]:
    body = message.get("body", {"contentType": "Text", "content": ""})
    kind = body.get("contentType", "Text") if isinstance(body, dict) else None
    if not isinstance(kind, str) or kind.lower() not in _CONTENT_TYPES:
        raise bad_request(f"Requested value '{kind}' was not found.", code="RequestBodyRead")
    content = body.get("content", "")
    if not isinstance(content, str):
        raise _invalid("The message body's content must be a string.")
    return {"contentType": _CONTENT_TYPES[kind.lower()], "content": content}


def _attachments(message: Mapping[str, Any]) -> list[dict[str, Any]]:
    attachments = message.get("attachments", [])
    if not isinstance(attachments, list):
        raise _invalid("'attachments' must be a collection.")
    return [_attachment(item) for item in attachments]


def _attachment(item: Any) -> dict[str, Any]:
    if not isinstance(item, dict) or item.get("@odata.type") != "#microsoft.graph.fileAttachment":
        raise _invalid("Only file attachments (#microsoft.graph.fileAttachment) can be sent here.")
    if not isinstance(item.get("name"), str) or not isinstance(item.get("contentBytes"), str):
        raise _invalid("A file attachment needs a name and contentBytes.")
    try:
        content = base64.b64decode(item["contentBytes"], validate=True)
    except (binascii.Error, ValueError):
        raise bad_request(
            "Invalid base64 string for contentBytes.", code="ErrorInvalidRequest"
        ) from None
    return {
        "@odata.type": "#microsoft.graph.fileAttachment",
        "id": hashlib.sha256(content).hexdigest()[:32],
        "name": item["name"],
        "contentType": item.get("contentType") or "application/octet-stream",
        "size": len(content),
        "isInline": bool(item.get("isInline", False)),
        "contentId": item.get("contentId"),
        "contentBytes": item["contentBytes"],
    }


def _headers(message: Mapping[str, Any]) -> list[dict[str, str]]:
    headers = message.get("internetMessageHeaders", [])
    if not isinstance(headers, list):
        raise _invalid("'internetMessageHeaders' must be a collection.")
    for header in headers:
        name = header.get("name") if isinstance(header, dict) else None
        if not isinstance(name, str) or not name.lower().startswith("x-"):
            raise bad_request(
                f"The internet message header name '{name}' should start with 'x-' or 'X-'.",
                code="InvalidInternetMessageHeader",
            )
    return [{"name": h["name"], "value": str(h.get("value", ""))} for h in headers]


def _save_to_sent_items(body: Mapping[str, Any]) -> bool:
    """The documented example sends the string "false"; Graph reads either form."""
    value = body.get("saveToSentItems", True)
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    if not isinstance(value, bool):
        raise bad_request(
            f"Cannot convert the literal '{value}' to the expected type 'Edm.Boolean'."
        )
    return value


def _address(user: User) -> dict[str, dict[str, str]]:
    return {"emailAddress": {"name": user.display_name, "address": user.mail or ""}}


def _message_json(
    call: GraphCall, user: User, message: Mapping[str, Any], sent: datetime
) -> dict[str, Any]:
    body = _body(message)
    number = len(call.tenant.exchange.sent.get(user.id, ()))
    key = hashlib.sha256(f"{user.id}:{number}:{sent.isoformat()}".encode()).digest()
    message_id = base64.urlsafe_b64encode(b"AAMkAD" + key).decode().rstrip("=")
    to = _recipients(message, "toRecipients")
    cc = _recipients(message, "ccRecipients")
    bcc = _recipients(message, "bccRecipients")
    if not (to or cc or bcc):
        raise bad_request(
            "At least one recipient isn't valid., A message can't be sent because it contains "
            "no recipients.",
            code="ErrorInvalidRecipients",
        )
    attachments = _attachments(message)
    domain = (user.mail or user.user_principal_name).partition("@")[2]
    return {
        "id": message_id,
        "createdDateTime": stamp(sent),
        "lastModifiedDateTime": stamp(sent),
        "receivedDateTime": stamp(sent),
        "sentDateTime": stamp(sent),
        "hasAttachments": any(not a["isInline"] for a in attachments),
        "internetMessageId": f"<{key.hex()[:40]}@{domain}>",
        "subject": str(message.get("subject", "")),
        "bodyPreview": body["content"][:255],
        "importance": str(message.get("importance", "normal")),
        "parentFolderId": _SENT_ITEMS,
        "conversationId": base64.urlsafe_b64encode(b"AAQkAD" + key[:16]).decode().rstrip("="),
        "isDeliveryReceiptRequested": False,
        "isReadReceiptRequested": False,
        "isRead": True,
        "isDraft": False,
        "body": body,
        "sender": _address(user),
        "from": _address(user),
        "toRecipients": to,
        "ccRecipients": cc,
        "bccRecipients": bcc,
        "replyTo": _recipients(message, "replyTo"),
        "flag": {"flagStatus": "notFlagged"},
        "attachments": attachments,
        "internetMessageHeaders": _headers(message),
    }


def _check_scope(call: GraphCall, user: User) -> None:
    scope = call.tenant.mail_send_scope
    if scope is None:
        return
    allowed = {address.casefold() for address in scope}
    if not {user.user_principal_name.casefold(), (user.mail or "").casefold()} & allowed:
        raise _denied()


async def send_mail(call: GraphCall) -> GraphResult:
    call.require(*MAIL_SEND)
    user = mailbox_user(call)
    _check_scope(call, user)
    if len(json.dumps(call.body).encode()) > MAX_REQUEST_BYTES:
        raise GraphError(
            413,
            "RequestEntityTooLarge",
            "The request is larger than 4 MB; attach large files through an upload session.",
        )
    if not isinstance(call.body, dict) or not isinstance(call.body.get("message"), dict):
        raise _invalid("The request body must hold the message to send.")
    saved = _save_to_sent_items(call.body)
    message = _message_json(call, user, call.body["message"], datetime.now(UTC))
    exchange = call.tenant.exchange
    exchange.sent[user.id] = [*exchange.sent.get(user.id, []), SentMessage(message, saved)]
    return GraphResult(202, None)


def _folder(call: GraphCall) -> None:
    if call.params["folder"].strip("'").lower() != _SENT_ITEMS:
        raise GraphError(
            404, "ErrorItemNotFound", "The specified object was not found in the store."
        )


async def list_sent_items(call: GraphCall) -> GraphResult:
    """Newest first, as Outlook lists a folder; `$select`, `$filter` (e.g. `sentDateTime ge
    ...`), `$top` and paging."""
    call.require(*MAIL_READ)
    user = mailbox_user(call)
    _folder(call)
    query = parse_collection_query(call, "messages", advanced_rules=False)
    saved = [m.message for m in call.tenant.exchange.sent.get(user.id, []) if m.saved]
    listed = [
        {k: v for k, v in message.items() if k != "attachments"} for message in reversed(saved)
    ]
    default = [name for name in listed[0] if name not in _ONLY_WHEN_SELECTED] if listed else []
    select = query.select
    projected = Rendered(
        kept(listed, query.filter), lambda m: project(m, select, default, with_id=True)
    )
    folder = call.params["folder"]
    context = f"users('{user.id}')/mailFolders('{folder}')/messages"
    return ok(page(call, projected, query, context=context, default_top=_DEFAULT_PAGE))


ROUTES = (
    Route("POST", "/users/{user}/sendMail", send_mail),
    Route("GET", "/users/{user}/mailFolders/{folder}/messages", list_sent_items),
    Route("GET", "/users/{user}/mailFolders('{folder}')/messages", list_sent_items),
)
