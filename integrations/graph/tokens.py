"""App-only tokens for one tenant: msal in a worker thread, the token held in memory.

msal is synchronous (it uses requests), so building the app (which fetches the authority's
OpenID metadata) and every token call run in `asyncio.to_thread`. The current token is kept
here too, so a warm request never leaves the event loop; it is renewed a few minutes before
expiry, by one caller at a time per tenant, behind an `asyncio.Lock`.

msal reads every 4xx from OpenID discovery (a 429 too) as a bad authority, and answers a
throttled token request from its own cache until Retry-After passes. So the HTTP client given to
msal stops there first: a 429, a 5xx or a network failure is transient and retried under the
same `RetryPolicy` as Graph; a refused discovery is read for its AADSTS code like a refused
token request. Only what is left is worded as definitive.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncGenerator, Callable, Generator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import msal
import requests

from core.errors import AuthFailed, Throttled, Unavailable
from integrations.outbound.retry import (
    Failure,
    RetryPolicy,
    parse_retry_after,
    retrying,
    wait_words,
)

from .credentials import AppCredentials, CloudEndpoints

__all__ = ["BearerAuth", "TokenSource"]

# msal's own cache hands back a token until five minutes before it expires; renewing at the
# same margin means every renewal really fetches a new one.
_REFRESH_MARGIN = 300.0

_CHECK_APP = "check the app registration's credential and admin consent"
_CHECK_TENANT = "check the tenant id or domain and the cloud"
# AADSTS codes whose cause the technician can fix, and how.
_AADSTS_HINTS: Mapping[int, str] = {
    90002: "the tenant was not found; check the tenant id or domain and the cloud",
    700016: (
        "the app is not registered or consented in this tenant; an administrator of the "
        "tenant must grant admin consent to the Deskhand app"
    ),
    7000215: "the client secret is wrong; use the secret's value, not its id",
    7000222: "the client secret has expired; create a new one in the app registration",
    700027: "the certificate is not registered on the app; upload it to the app registration",
    500011: "Microsoft Graph is not consented in this tenant; grant admin consent to the app",
    7000112: "the app is disabled in this tenant; enable its enterprise application",
    53003: "a Conditional Access policy blocked the app's sign-in",
}


class _LoginAnswer(Exception):
    """An answer of the sign-in service that msal would misread, carried out through msal."""

    def __init__(self, status: int, retry_after: float | None, body: Mapping[str, Any]) -> None:
        super().__init__(f"HTTP {status}")
        self.status = status
        self.retry_after = retry_after
        self.body = body

    @property
    def transient(self) -> bool:
        return self.status == 429 or self.status >= 500


class _LoginHttp:
    """The HTTP client msal uses: requests, with the CA bundle given on every request.

    requests lets `REQUESTS_CA_BUNDLE` from the environment override a session's `verify`;
    only a per-request value wins over it. Answers msal would misread raise `_LoginAnswer`:
    every failed GET (discovery), and a throttled or failed token POST; msal reads a token
    request's 4xx itself.
    """

    def __init__(self, ca_bundle: Path | None, timeout: float) -> None:
        self._session = requests.Session()
        self._options = {"verify": str(ca_bundle) if ca_bundle else True, "timeout": timeout}

    def post(self, url: str, **kwargs: Any) -> Any:
        response = self._session.post(url, **{**self._options, **kwargs})
        if response.status_code == 429 or response.status_code >= 500:
            raise _answer(response)
        return response

    def get(self, url: str, **kwargs: Any) -> Any:
        response = self._session.get(url, **{**self._options, **kwargs})
        if response.status_code >= 400:
            raise _answer(response)
        return response

    def close(self) -> None:
        self._session.close()


@dataclass(frozen=True, slots=True)
class _Token:
    value: str = ""
    renew_at: float = 0.0


class TokenSource:
    """Tokens for Graph in one tenant; share one instance per tenant."""

    def __init__(
        self,
        credentials: AppCredentials,
        endpoints: CloudEndpoints,
        *,
        ca_bundle: Path | None = None,
        timeout: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
        retry: RetryPolicy | None = None,
    ) -> None:
        self.credentials = credentials
        self.endpoints = endpoints
        self._clock = clock
        self._retry = retry or RetryPolicy()
        self._lock = asyncio.Lock()
        self._app: msal.ConfidentialClientApplication | None = None
        self._login_http = _LoginHttp(ca_bundle, timeout)
        self._token = _Token()

    def __repr__(self) -> str:
        return f"TokenSource({self.credentials!r}, authority={self.endpoints.authority_host!r})"

    async def aclose(self) -> None:
        """Close msal's connections to the login host."""
        async with self._lock:
            self._login_http.close()

    async def token(self) -> str:
        """A valid access token; only a cold or nearly expired one costs a call to msal."""
        current = self._token
        if current.value and self._clock() < current.renew_at:
            return current.value
        async with self._lock:
            if self._token is current:
                self._token = await self._acquire(drop_cached=False)
            return self._token.value

    async def refresh(self, rejected: str) -> str:
        """A new token after Graph rejected `rejected`, unless another caller already renewed it."""
        async with self._lock:
            if self._token.value == rejected:
                self._token = await self._acquire(drop_cached=True)
            return self._token.value

    async def _acquire(self, *, drop_cached: bool) -> _Token:
        started = self._clock()

        async def attempt() -> dict[str, Any] | Failure:
            try:
                return await asyncio.to_thread(self._acquire_blocking, drop_cached)
            except _LoginAnswer as answer:
                # Without its traceback: msal's frames would keep the login connection alive.
                refused = answer.with_traceback(None)
            except (
                OSError
            ) as error:  # requests' errors derive from OSError; their text may hold URLs
                return Failure(self._unreachable(error), True)
            if not refused.transient:
                body = {"error": f"HTTP {refused.status}", **refused.body}
                raise self._failure(body, _CHECK_TENANT)
            return Failure(self._unavailable(refused), True, refused.retry_after)

        context = {"tenant": self.credentials.tenant_id, "host": self._login_host}
        result = await retrying(self._retry, attempt, event="login.retry", context=context)
        if "access_token" not in result:
            raise self._failure(result)
        expires_in = float(result.get("expires_in") or 0)
        return _Token(str(result["access_token"]), started + expires_in - _REFRESH_MARGIN)

    def _acquire_blocking(self, drop_cached: bool) -> dict[str, Any]:
        app = self._app or self._build_app()
        if drop_cached:
            app.remove_tokens_for_client()
        result: dict[str, Any] = app.acquire_token_for_client([self.endpoints.graph_scope])
        return result

    def _build_app(self) -> msal.ConfidentialClientApplication:
        try:
            self._app = msal.ConfidentialClientApplication(
                self.credentials.client_id,
                client_credential=self.credentials.to_msal(),
                authority=self.endpoints.authority(self.credentials.tenant_id),
                instance_discovery=self.endpoints.instance_discovery,
                token_cache=msal.TokenCache(),
                http_client=self._login_http,
                app_name="deskhand",
            )
        except ValueError:
            # Discovery answered, but not with metadata msal can use (failed answers raise
            # `_LoginAnswer` before msal sees them): the authority itself is wrong.
            raise AuthFailed(
                f"Sign-in to tenant {self.credentials.tenant_id} failed: {self._login_host} "
                "gave no usable OpenID configuration for it. Check the tenant id or domain and "
                "the cloud.",
                service="Microsoft Entra ID",
                host=self._login_host,
            ) from None
        return self._app

    @property
    def _login_host(self) -> str:
        return self.endpoints.authority_host.removeprefix("https://")

    def _unavailable(self, answer: _LoginAnswer) -> Unavailable:
        if answer.status == 429:
            wait = wait_words(answer.retry_after, otherwise="")
            return Throttled(
                f"The Microsoft sign-in service at {self._login_host} is throttling sign-ins for "
                f"tenant {self.credentials.tenant_id}. Try again{wait or ' in a minute'}.",
                retry_after=answer.retry_after,
                service="Microsoft Entra ID",
                host=self._login_host,
                status=429,
            )
        return Unavailable(
            f"The Microsoft sign-in service at {self._login_host} is unavailable (HTTP "
            f"{answer.status}) for tenant {self.credentials.tenant_id}. Try again in a few "
            "minutes.",
            service="Microsoft Entra ID",
            host=self._login_host,
            status=answer.status,
        )

    def _unreachable(self, error: OSError) -> Unavailable:
        what = (
            "did not answer in time"
            if isinstance(error, requests.Timeout)
            else "could not be reached"
        )
        return Unavailable(
            f"The Microsoft sign-in service at {self._login_host} {what} for tenant "
            f"{self.credentials.tenant_id}. Try again in a few minutes.",
            service="Microsoft Entra ID",
            host=self._login_host,
        )

    def _failure(self, result: Mapping[str, Any], advice: str = _CHECK_APP) -> AuthFailed:
        codes = [c for c in result.get("error_codes") or () if isinstance(c, int)]
        hint = next((_AADSTS_HINTS[c] for c in codes if c in _AADSTS_HINTS), None)
        code = f"AADSTS{codes[0]}" if codes else str(result.get("error") or "unknown error")
        reason = hint or advice
        return AuthFailed(
            f"Sign-in to tenant {self.credentials.tenant_id} as app {self.credentials.client_id} "
            f"failed ({code}): {reason}.",
            service="Microsoft Entra ID",
            host=self._login_host,
            code=code,
            client_request_id=str(result.get("correlation_id") or ""),
        )


def _answer(response: requests.Response) -> _LoginAnswer:
    try:
        body = response.json()
    except ValueError:
        body = None
    response.close()
    return _LoginAnswer(
        response.status_code,
        parse_retry_after(response.headers.get("Retry-After")),
        body if isinstance(body, dict) else {},
    )


class BearerAuth(httpx.Auth):
    """Adds the tenant's bearer token; on a 401 renews it once and sends the request again."""

    def __init__(self, source: TokenSource) -> None:
        self._source = source

    def sync_auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response]:
        raise TypeError("BearerAuth works with httpx.AsyncClient only")

    async def async_auth_flow(
        self, request: httpx.Request
    ) -> AsyncGenerator[httpx.Request, httpx.Response]:
        token = await self._source.token()
        request.headers["Authorization"] = f"Bearer {token}"
        response = yield request
        if response.status_code == 401:
            token = await self._source.refresh(token)
            request.headers["Authorization"] = f"Bearer {token}"
            yield request
