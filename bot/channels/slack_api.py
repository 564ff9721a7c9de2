"""`SlackApi`: the one door every Slack Web API call goes through.

It maps whatever can go wrong on the way to Deskhand's error tree, so no caller meets
aiohttp's or slack_sdk's own exceptions:

- the host cannot be reached, times out or drops the connection → `Unavailable`;
- HTTP 429 / `ratelimited` → retried after Slack's Retry-After; `Throttled` once the
  budget is spent;
- HTTP 5xx, or an answer that is not Slack's JSON → `Unavailable`;
- `ok: false` → `AuthFailed` for a bad token, else `Rejected` carrying Slack's error code;
- a successful answer without a field the caller needs → `Unavailable` (`require`).

Transient failures are retried with the project's one policy (`RetryPolicy`, shared with the
Graph and Exchange clients), and slack_sdk's own retry handlers are switched off so there is
only one loop. A write (a message posted) is retried only when Slack cannot have acted on it
(429, or the connection was never made): trying a post again after a 5xx or a dropped answer
could show it twice.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, TypeVar
from urllib.parse import urlsplit

import aiohttp
import structlog
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.web.async_slack_response import AsyncSlackResponse
from slack_sdk.webhook.async_client import AsyncWebhookClient

from core.errors import (
    AuthFailed,
    IntegrationError,
    Rejected,
    RemoteContext,
    Throttled,
    Unavailable,
)
from integrations.outbound.retry import Failure, RetryPolicy, parse_retry_after, retrying

__all__ = ["SERVICE", "SlackApi", "require"]

log = structlog.get_logger("deskhand.slack")

SERVICE = "Slack"
_AUTH_CODES = frozenset(
    {"not_authed", "invalid_auth", "account_inactive", "token_revoked", "token_expired"}
)
_UNEXPECTED = "unexpected_answer"
_TRANSPORT_ERRORS = (aiohttp.ClientError, TimeoutError, OSError)
# What slack_sdk raises reading an answer of the wrong shape (a JSON list, say) before
# Deskhand sees it.
_UNREADABLE = (AttributeError, TypeError, ValueError)

_POLICY = RetryPolicy()
T = TypeVar("T")
Sleep = Callable[[float], Awaitable[None]]


def require(answer: Mapping[str, Any], name: str, kind: type[T], method: str) -> T:
    """`answer[name]` when it is a `kind`; else Slack answered in a shape it does not document."""
    value = answer.get(name)
    if isinstance(value, kind) and value:
        return value
    log.warning("slack.unexpected_answer", method=method, field=name)
    raise Unavailable(
        f"Slack's answer to {method} had no usable {name}; try again in a minute.",
        service=SERVICE,
        code=_UNEXPECTED,
    )


class SlackApi:
    def __init__(
        self,
        client: AsyncWebClient,
        *,
        policy: RetryPolicy = _POLICY,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        """`client` carries the token, base URL and session; `sleep` waits between tries."""
        client.retry_handlers = []  # `policy` is the only retry loop
        self.client = client
        self.host = urlsplit(client.base_url).netloc
        self._policy = policy
        self._sleep = sleep

    async def read(self, method: str, **args: str) -> dict[str, Any]:
        """A method that changes nothing, as a GET with query parameters (how Slack documents
        `users.info`, `conversations.info` and the like); retried on every transient failure."""
        return await self._call(
            method, lambda: self.client.api_call(method, http_verb="GET", params=args), True
        )

    async def write(self, method: str, **args: object) -> dict[str, Any]:
        """A method that acts (posts, updates, opens), with a JSON body."""
        return await self._call(method, lambda: self.client.api_call(method, json=args), False)

    async def upload(self, **args: Any) -> dict[str, Any]:
        """A file, with slack_sdk's three-step `files_upload_v2`."""
        return await self._call(
            "files.completeUploadExternal", lambda: self.client.files_upload_v2(**args), False
        )

    async def _call(
        self, method: str, send: Callable[[], Awaitable[AsyncSlackResponse]], idempotent: bool
    ) -> dict[str, Any]:
        attempts = 0

        async def attempt() -> dict[str, Any] | Failure:
            nonlocal attempts
            attempts += 1
            retry_after: float | None = None
            try:
                answer = await send()
                if isinstance(answer.data, dict):
                    return answer.data
                failure: IntegrationError = self._unreadable(method, answer.status_code)
                acted = True
            except SlackApiError as error:
                failure, retry_after = self._refusal(method, error)
                acted = not isinstance(failure, Throttled)
            except _TRANSPORT_ERRORS as error:
                failure = self._unreachable(error)
                # Refused or unresolvable: the request never left, so Slack did nothing.
                acted = not isinstance(error, aiohttp.ClientConnectorError)
            except _UNREADABLE:
                failure, acted = self._unreadable(method, None), True
            retryable = isinstance(failure, Unavailable) and (idempotent or not acted)
            return Failure(failure, retryable, retry_after)

        try:
            return await retrying(
                self._policy,
                attempt,
                event="slack.retry",
                context={"method": method},
                sleep=self._sleep,
            )
        except IntegrationError as failure:
            log.warning(
                "slack.call_failed",
                method=method,
                error=type(failure).__name__,
                code=failure.code,
                status=failure.status,
                attempts=attempts,
            )
            raise

    async def direct_channel(self, user_id: str) -> str:
        """The id of the direct message between Deskhand and `user_id`, opened if need be."""
        answer = await self.write("conversations.open", users=user_id)
        channel = require(answer, "channel", dict, "conversations.open")
        return require(channel, "id", str, "conversations.open")

    async def respond(self, response_url: str, **body: object) -> None:
        """Post to an interaction's `response_url`: not a Web API method, so not retried (the
        caller has other routes, and Slack allows only five posts to one URL)."""
        webhook = AsyncWebhookClient(response_url, session=self.client.session)
        try:
            answer = await webhook.send_dict(body)
        except _TRANSPORT_ERRORS as error:
            raise self._unreachable(error) from None
        if answer.status_code >= 400:
            code = f"http_{answer.status_code}"
            raise Rejected(
                f"Slack refused the reply ({code}).",
                service=SERVICE,
                status=answer.status_code,
                code=code,
            )

    def _unreachable(self, error: Exception) -> Unavailable:
        return Unavailable(
            f"Slack could not be reached ({type(error).__name__}); try again in a minute.",
            service=SERVICE,
            host=self.host,
        )

    def _refusal(self, method: str, error: SlackApiError) -> tuple[IntegrationError, float | None]:
        """What an answer slack_sdk refused means, and how long Slack asked to wait."""
        response = error.response
        found = getattr(response, "status_code", None) or getattr(response, "status", None)
        status = found if isinstance(found, int) else 0
        data = getattr(response, "data", None)
        code = data.get("error") if isinstance(data, dict) else None
        if status == 429 or code == "ratelimited":
            headers = getattr(response, "headers", None) or {}
            wait = parse_retry_after(_header(headers, "Retry-After"))
            message = f"Slack kept rate-limiting {method}; try again in a minute."
            context = self._context(status, "ratelimited")
            return Throttled(message, retry_after=wait, **context), wait
        if not isinstance(code, str):
            return self._unreadable(method, status), None
        context = self._context(status, code)
        if code in _AUTH_CODES:
            return AuthFailed(f"Slack refused Deskhand's bot token ({code}).", **context), None
        if status >= 500:
            return Unavailable(f"Slack failed on {method} ({code}).", **context), None
        return Rejected(f"Slack refused {method} ({code}).", **context), None

    def _context(self, status: int | None, code: str) -> RemoteContext:
        context = RemoteContext(service=SERVICE, host=self.host, code=code)
        if status:
            context["status"] = status
        return context

    def _unreadable(self, method: str, status: int | None) -> Unavailable:
        """No JSON, or not Slack's: a proxy's error page, an outage, a wrong API URL."""
        context = self._context(status, _UNEXPECTED)
        shown = f"HTTP {status}" if status else "no answer"
        return Unavailable(
            f"Slack's answer to {method} could not be read ({shown}); try again in a minute.",
            **context,
        )


def _header(headers: Mapping[str, Any], name: str) -> str | None:
    value = next((v for k, v in headers.items() if k.lower() == name.lower()), None)
    if isinstance(value, list):
        value = value[0] if value else None
    return None if value is None else str(value)
