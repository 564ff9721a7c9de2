"""Exchange Online admin API failures mapped into Deskhand's exception tree.

Microsoft does not document this API's errors; the shapes here are those its clients observe
(CIPP's New-ExoRequest, the Exchange Online PowerShell module's messages, captured bodies):

    {"error": {"code": "NotFound" | "BadRequest" | ..., "message": "Error executing cmdlet",
               "details": [{"code": "Client", "target": "",
                            "message": "<ErrorId>|<Exception.Type>|<what went wrong>"}],
               "innererror": {"message": ..., "type": ...,
                              "internalexception": {"message": ..., "type": ...}}}}

`error.message` is nearly always a generic "Error executing cmdlet" or "Invalid Operation": the
useful text is in `innererror.internalexception` or, prefixed with an id and a type, in
`details`. A missing permission or role has been seen answering 403 with a body of NUL bytes,
and concurrency throttling with a plain-text body. Any of these, or anything else, ends in an
`IntegrationError` with a message a technician can act on, never in a crash.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from core.errors import (
    AuthFailed,
    Forbidden,
    IntegrationError,
    Rejected,
    RemoteContext,
    RemoteNotFound,
    Throttled,
    Unavailable,
)
from integrations.outbound.retry import parse_retry_after, wait_words
from integrations.outbound.transport import OutboundCall

__all__ = [
    "EXCHANGE_PERMISSION",
    "EXCHANGE_ROLE",
    "SERVICE",
    "CmdletCall",
    "ExchangeFailure",
    "error_for_status",
    "is_concurrency_limit",
    "outbound",
]

SERVICE = "Exchange Online"
EXCHANGE_PERMISSION = "Exchange.ManageAsApp"
EXCHANGE_ROLE = "Exchange Administrator"
_DETAIL_CHARS = 240
_NOT_FOUND_TYPES = ("ManagementObjectNotFoundException", "RecipientNotFoundException")
_NOT_ALLOWED_TYPES = ("CommandNotFoundException", "CmdletAccessDeniedException")
_CONCURRENCY_TEXT = "maximum number of concurrent requests"
_ACCESS_FIX = (
    f"The Deskhand app needs the application permission {EXCHANGE_PERMISSION} (API "
    f"'Office 365 Exchange Online', with admin consent) and the Microsoft Entra role "
    f"{EXCHANGE_ROLE}; run deskhand doctor to check the tenant."
)


@dataclass(frozen=True, slots=True)
class CmdletCall:
    """What a failure is about: the cmdlet and the object it named."""

    cmdlet: str
    identity: str
    host: str
    client_request_id: str = ""

    @property
    def label(self) -> str:
        return f"{self.cmdlet} {self.identity}".strip()


@dataclass(frozen=True, slots=True)
class ExchangeFailure:
    """The parts of an error body worth reading; every field may be empty."""

    code: str = ""
    message: str = ""
    exception_type: str = ""
    text: str = ""
    """The most useful human text: inner exception, else details, else the outer message."""
    readable: bool = True
    """False when the body was not the JSON error envelope (NUL bytes, HTML, plain text)."""
    raw_text: str = ""

    @classmethod
    def parse(cls, content: bytes) -> ExchangeFailure:
        try:
            body = json.loads(content.decode("utf-8")) if content.strip(b"\x00 \r\n\t") else None
        except (UnicodeDecodeError, ValueError):
            body = None
        error = body.get("error") if isinstance(body, dict) else None
        if not isinstance(error, dict):
            text = content.decode("utf-8", "replace").replace("\x00", "").strip()
            return cls(readable=False, raw_text=" ".join(text.split())[:_DETAIL_CHARS])
        inner_type, inner_text = _inner(error.get("innererror") or error.get("innerError"))
        detail_type, detail_text = _details(error.get("details"))
        outer = _string(error.get("message"))
        return cls(
            code=_string(error.get("code")),
            message=outer,
            exception_type=inner_type or detail_type,
            text=inner_text or detail_text or outer,
        )

    def detail(self) -> str:
        text = " ".join(self.text.split())
        return text if len(text) <= _DETAIL_CHARS else text[: _DETAIL_CHARS - 1] + "…"

    def is_a(self, names: tuple[str, ...]) -> bool:
        return any(name in self.exception_type for name in names)


def _string(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _lower_keys(value: Any) -> dict[str, Any]:
    return {str(k).lower(): v for k, v in value.items()} if isinstance(value, dict) else {}


def _inner(value: Any) -> tuple[str, str]:
    """The deepest `internalexception`'s type and message (they nest)."""
    inner = _lower_keys(value)
    exception_type, text = "", ""
    current = _lower_keys(inner.get("internalexception"))
    for _ in range(5):
        if not current:
            break
        exception_type = _string(current.get("type")) or exception_type
        text = _string(current.get("message")) or text
        current = _lower_keys(current.get("internalexception"))
    return exception_type, text


def _details(value: Any) -> tuple[str, str]:
    """`details[0].message` is `<ErrorId>|<Exception.Type>|<message>` (the id may be empty)."""
    first = value[0] if isinstance(value, list) and value else value
    message = _string(_lower_keys(first).get("message"))
    parts = message.split("|", 2)
    if len(parts) == 3:
        return parts[1].strip(), parts[2].strip()
    return "", message.strip()


def is_concurrency_limit(status: int, content: bytes) -> bool:
    """Exchange's per-tenant concurrency limit, answered in plain text rather than a 429."""
    return status >= 400 and _CONCURRENCY_TEXT in content.decode("utf-8", "replace")


def error_for_status(
    call: CmdletCall, status: int, content: bytes, headers: Mapping[str, str]
) -> IntegrationError:
    failure = ExchangeFailure.parse(content)
    context = RemoteContext(
        service=SERVICE,
        host=call.host,
        status=status,
        code=failure.code,
        request_id=headers.get("request-id", ""),
        client_request_id=headers.get("client-request-id") or call.client_request_id,
    )
    if status == 429 or is_concurrency_limit(status, content):
        retry_after = parse_retry_after(headers.get("Retry-After"))
        wait = wait_words(retry_after)
        return Throttled(
            f"Exchange Online is throttling Deskhand's requests ({call.cmdlet}). Try again{wait}.",
            retry_after=retry_after,
            **context,
        )
    # Not found has been seen as 404 and as 500: the exception type decides.
    if status == 404 or failure.is_a(_NOT_FOUND_TYPES):
        return RemoteNotFound(
            f"Exchange Online has no mailbox or object {call.identity!r} ({call.cmdlet}). "
            "Check the address; a user without an Exchange Online licence has no mailbox.",
            **context,
        )
    if status == 401:
        return AuthFailed(
            f"Exchange Online did not accept Deskhand's sign-in for {call.cmdlet}. {_ACCESS_FIX}",
            **context,
        )
    if status == 403 or failure.is_a(_NOT_ALLOWED_TYPES):
        return Forbidden(
            f"Exchange Online refused {call.cmdlet}: the app may not run it. {_ACCESS_FIX}",
            permission=EXCHANGE_PERMISSION,
            **context,
        )
    if status >= 500:
        return Unavailable(
            f"Exchange Online at {call.host} failed to run {call.cmdlet} (HTTP {status}). "
            "Try again in a few minutes.",
            **context,
        )
    if not failure.readable:
        shown = f": {failure.raw_text}" if failure.raw_text else "."
        return Rejected(
            f"Exchange Online refused {call.label} (HTTP {status}) with an answer that is not "
            f"its usual error{shown}",
            **context,
        )
    code = failure.code or f"HTTP {status}"
    detail = f": {failure.detail()}" if failure.text else "."
    return Rejected(f"Exchange Online refused {call.label} ({code}){detail}", **context)


def outbound(call: CmdletCall) -> OutboundCall:
    """The call as the shared sender names it: a failure in transit names only the cmdlet."""
    return OutboundCall(SERVICE, call.host, call.label, call.client_request_id, call.cmdlet)
