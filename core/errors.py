"""Deskhand's one exception tree.

Every error a user can meet is one of these; the router maps them to messages and anything
else is an internal error shown only as a correlation id. Messages are written for the
technician reading them: what happened, to what, and what to do next. They never carry raw
exception text, tokens or secrets.

    DeskhandError
    ├── UserError                 bad input; the message is shown as written
    │   ├── UsageError            the command line did not parse; adds the usage line
    │   ├── NotFound              unknown command, tenant or user
    │   └── AccessDenied          the caller's roles do not allow this
    ├── IntegrationError          a remote service (Graph, Exchange, a PSA) failed us
    │   ├── Unavailable           network error, timeout or 5xx: retryable; names the host
    │   │   └── Throttled         still throttled after the retry budget
    │   ├── OutcomeUnknown        a write was sent and no answer came: it may have been made
    │   ├── Rejected              the service refused the request; carries a safe detail
    │   │   ├── RemoteNotFound    the object does not exist there
    │   │   ├── Forbidden         the app lacks a permission or role; names it
    │   │   └── LicenseRequired   the tenant lacks a licence the call needs (Entra ID P1 ...)
    │   └── AuthFailed            no token: wrong secret, no consent, unknown tenant
    ├── DeliveryError             a reply could not be posted to the chat
    └── ConfigurationError        bad settings, raised at start-up only
"""

from __future__ import annotations

from typing import TypedDict, Unpack

__all__ = [
    "AccessDenied",
    "AuthFailed",
    "ConfigurationError",
    "DeliveryError",
    "DeskhandError",
    "Forbidden",
    "IntegrationError",
    "LicenseRequired",
    "NotFound",
    "OutcomeUnknown",
    "Rejected",
    "RemoteContext",
    "RemoteNotFound",
    "Throttled",
    "Unavailable",
    "UsageError",
    "UserError",
    "as_sentence",
]

_TERMINAL = (".", "!", "?", "\u2026")
_CLOSERS = ")]\"'\u201d\u2019\u00bb"


def as_sentence(text: str) -> str:
    """`text` ending as a sentence: a full stop is added unless it already ends with terminal
    punctuation (also inside a closing bracket or quote: `(see /tenants.)`). A message of
    several lines is a list its author laid out (a configuration's problems), left as it is."""
    text = text.rstrip()
    if not text or "\n" in text or text.rstrip(_CLOSERS).endswith(_TERMINAL):
        return text
    return f"{text}."


class DeskhandError(Exception):
    """Base of every error Deskhand expects; `message` is safe to show to a user and always
    ends as a sentence, whoever raised it."""

    def __init__(self, message: str) -> None:
        message = as_sentence(message)
        super().__init__(message)
        self.message = message


class UserError(DeskhandError):
    """The request itself was wrong; nothing was changed."""


class UsageError(UserError):
    """The command line did not parse."""

    def __init__(self, message: str, usage: str = "") -> None:
        super().__init__(message)
        self.usage = usage


class NotFound(UserError):
    """An unknown command, tenant or user."""


class AccessDenied(UserError):
    """The caller may not do this here."""


class RemoteContext(TypedDict, total=False):
    """What identifies a failed remote call; request ids match the customer's own logs."""

    service: str
    host: str
    status: int
    code: str
    request_id: str
    client_request_id: str


class IntegrationError(DeskhandError):
    """A remote service failed; carries what lets an operator match it with the remote logs."""

    def __init__(self, message: str, **context: Unpack[RemoteContext]) -> None:
        super().__init__(message)
        self.service = context.get("service", "Microsoft Graph")
        self.host = context.get("host", "")
        self.status = context.get("status")
        self.code = context.get("code", "")
        self.request_id = context.get("request_id", "")
        self.client_request_id = context.get("client_request_id", "")

    @property
    def context(self) -> RemoteContext:
        """What identifies the failed call, to carry over to an error raised in its place."""
        context = RemoteContext(
            service=self.service,
            host=self.host,
            code=self.code,
            request_id=self.request_id,
            client_request_id=self.client_request_id,
        )
        if self.status is not None:
            context["status"] = self.status
        return context


class Unavailable(IntegrationError):
    """The service could not be reached or answered 5xx; trying again later may work."""


class Throttled(Unavailable):
    """The service kept answering 429 beyond the retry budget."""

    def __init__(
        self, message: str, *, retry_after: float | None = None, **context: Unpack[RemoteContext]
    ) -> None:
        super().__init__(message, **context)
        self.retry_after = retry_after


class OutcomeUnknown(IntegrationError):
    """A write reached the service (or may have) and no answer came back: a read timeout, a
    connection broken after the request went out. The change may or may not have been made, so
    it is neither retried blindly nor reported as "not run"; `client_request_id` is the id the
    request was sent with, which the service's own logs know it by."""


class Rejected(IntegrationError):
    """The service refused the request (4xx)."""


class RemoteNotFound(Rejected):
    """The object does not exist in the remote service."""


class Forbidden(Rejected):
    """The app is missing a permission or directory role; `permission` names it."""

    def __init__(
        self, message: str, *, permission: str = "", **context: Unpack[RemoteContext]
    ) -> None:
        super().__init__(message, **context)
        self.permission = permission


class LicenseRequired(Rejected):
    """The tenant lacks the licence this call needs; `licence` names it."""

    def __init__(
        self,
        message: str,
        *,
        licence: str = "Microsoft Entra ID P1",
        **context: Unpack[RemoteContext],
    ) -> None:
        super().__init__(message, **context)
        self.licence = licence


class AuthFailed(IntegrationError):
    """No token could be obtained for the tenant."""


class DeliveryError(DeskhandError):
    """A reply could not be delivered to the chat platform."""


class ConfigurationError(DeskhandError):
    """The configuration is invalid; raised at start-up."""
