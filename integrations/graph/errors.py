"""Graph failures mapped into Deskhand's exception tree, with messages a technician can act on.

Graph's error body is `{"error": {"code", "message", "innerError": {"request-id", ...}}}`
(concepts/errors.md); branch on `code`, never on `message`. Request ids travel on every error
so the audit log can match Microsoft's own logs.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from core.errors import (
    AuthFailed,
    Forbidden,
    IntegrationError,
    LicenseRequired,
    Rejected,
    RemoteContext,
    RemoteNotFound,
    Throttled,
    Unavailable,
)
from integrations.outbound.retry import parse_retry_after, wait_words
from integrations.outbound.transport import OutboundCall

from .permissions import required_permission

__all__ = ["SERVICE", "GraphCall", "error_for_status", "outbound"]

SERVICE = "Microsoft Graph"

_NON_PREMIUM = "Authentication_RequestFromNonPremiumTenantOrB2CTenant"
_DETAIL_CHARS = 200


@dataclass(frozen=True, slots=True)
class GraphCall:
    """What a failure is about: `path` without version or query; `fields` selected or written."""

    method: str
    path: str
    host: str
    fields: tuple[str, ...] = ()
    client_request_id: str = ""

    @classmethod
    def of(
        cls, method: str, path: str, host: str, params: Mapping[str, str], body: Any, rid: str = ""
    ) -> GraphCall:
        """The fields a call is about are what it selects, or the properties it writes."""
        fields = [f for f in params.get("$select", "").split(",") if f]
        if isinstance(body, dict):
            fields.extend(str(key) for key in body)
        return cls(method.upper(), path, host, tuple(fields), rid)

    @property
    def label(self) -> str:
        return f"{self.method} {self.path}"


@dataclass(frozen=True, slots=True)
class _GraphBody:
    code: str
    message: str
    request_id: str

    @classmethod
    def parse(cls, body: Any) -> _GraphBody:
        error = body.get("error") if isinstance(body, dict) else None
        if not isinstance(error, dict):
            return cls("", "", "")
        inner = error.get("innerError") or error.get("innererror") or {}
        request_id = inner.get("request-id", "") if isinstance(inner, dict) else ""
        return cls(str(error.get("code") or ""), str(error.get("message") or ""), str(request_id))

    def detail(self) -> str:
        # Graph's message is written for API callers; keep it one short line.
        text = " ".join(self.message.split())
        return text if len(text) <= _DETAIL_CHARS else text[: _DETAIL_CHARS - 1] + "…"


def error_for_status(
    call: GraphCall, status: int, body: Any, headers: Mapping[str, str]
) -> IntegrationError:
    """The error for a Graph answer >= 400, whether a whole response or inside a `$batch`."""
    graph = _GraphBody.parse(body)
    context = RemoteContext(
        host=call.host,
        status=status,
        code=graph.code,
        request_id=headers.get("request-id") or graph.request_id,
        client_request_id=headers.get("client-request-id") or call.client_request_id,
    )
    if status == 429:
        retry_after = parse_retry_after(headers.get("Retry-After"))
        wait = wait_words(retry_after)
        return Throttled(
            f"Microsoft Graph is throttling Deskhand's requests ({call.label}). Try again{wait}.",
            retry_after=retry_after,
            **context,
        )
    if status >= 500:
        return Unavailable(
            f"Microsoft Graph at {call.host} failed to answer {call.label} (HTTP {status}). "
            "Try again in a few minutes.",
            **context,
        )
    return _rejection(call, status, graph, context)


def _rejection(
    call: GraphCall, status: int, graph: _GraphBody, context: RemoteContext
) -> IntegrationError:
    if status == 401:
        return AuthFailed(
            f"Microsoft Graph did not accept Deskhand's sign-in for {call.label}. Check the app "
            "registration's credential and that the tenant has consented to the app.",
            **context,
        )
    if status == 403 and graph.code == _NON_PREMIUM:
        return LicenseRequired(
            f"This tenant has no Microsoft Entra ID P1 licence, which {call.label} needs. "
            "Assign Entra ID P1 (or a suite that includes it) to use this.",
            **context,
        )
    if status == 403:
        return _forbidden(call, context)
    if status == 404:
        return RemoteNotFound(
            f"Microsoft Graph found nothing at {call.path}. Check the name or id and try again.",
            **context,
        )
    code = graph.code or f"HTTP {status}"
    detail = f": {graph.detail()}" if graph.message else "."
    return Rejected(f"Microsoft Graph refused {call.label} ({code}){detail}", **context)


def _forbidden(call: GraphCall, context: RemoteContext) -> Forbidden:
    requirement = required_permission(call.method, call.path, call.fields)
    if requirement is None:
        return Forbidden(
            f"Microsoft Graph refused {call.label}: the Deskhand app lacks a permission or "
            "directory role for it. Check the app's API permissions and admin consent.",
            **context,
        )
    return Forbidden(
        f"Microsoft Graph refused {requirement.method} {requirement.template}: the Deskhand app "
        f"lacks the application permission {requirement.permission}. Add it under the app "
        "registration's API permissions (Microsoft Graph, application) and grant admin consent "
        "for this tenant.",
        permission=requirement.permission,
        **context,
    )


def outbound(call: GraphCall) -> OutboundCall:
    """The call as the shared sender names it in a failure in transit."""
    return OutboundCall(SERVICE, call.host, call.label, call.client_request_id)
