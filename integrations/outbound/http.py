"""The one httpx client Deskhand shares across tenants: HTTP/2, pooled, with explicit timeouts."""

from __future__ import annotations

import ssl
from pathlib import Path

import httpx

__all__ = ["answer_timeout", "create_http_client"]


def create_http_client(
    ca_bundle: Path | None = None,
    *,
    timeout: float = 30.0,
    connect_timeout: float = 10.0,
    max_connections: int = 100,
) -> httpx.AsyncClient:
    """Build once at start-up (it reads the CA bundle) and close it at shutdown.

    `ca_bundle` replaces the system's trust store, as the sandbox's test CA needs.
    """
    context = ssl.create_default_context(cafile=str(ca_bundle) if ca_bundle else None)
    return httpx.AsyncClient(
        http2=True,
        verify=context,
        timeout=httpx.Timeout(timeout, connect=connect_timeout),
        limits=httpx.Limits(
            max_connections=max_connections,
            max_keepalive_connections=max_connections,
            keepalive_expiry=60.0,
        ),
        follow_redirects=False,
    )


def answer_timeout(http: httpx.AsyncClient, default: float = 30.0) -> float:
    """How long `http` waits for an answer: what a client beside it (sign-in, which goes
    through msal's own session) should wait too, so one setting bounds every request."""
    return http.timeout.read if http.timeout.read is not None else default
