"""Run-time knobs of the sandbox: latency, generated tenants and injected faults."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

__all__ = ["Fault", "FaultKind", "SandboxOptions"]

FaultKind = Literal["throttle", "unavailable", "timeout", "late_answer"]


@dataclass
class SandboxOptions:
    """Mutable on purpose: tests change `latency` and `jitter` while the sandbox runs."""

    latency: float = 0.0
    jitter: float = 0.0
    generated: dict[str, int] = field(default_factory=dict)
    seed: int = 1
    port: int = 0
    opaque_tokens: bool = False
    """Issue access tokens that are not JWTs, as Microsoft may: clients must not read them."""


@dataclass(frozen=True)
class Fault:
    """One fault rule for a tenant; it hits the next `count` matching requests.

    `path` is a substring of the Graph path (without the version prefix), `None` matches any.
    With `inside_batch` the fault hits the inner requests of a `$batch` instead of HTTP requests;
    with `login` it hits the tenant's sign-in endpoints (`path` then matches the login path:
    `openid-configuration` or `/oauth2/v2.0/token`).

    A `timeout` hangs `delay` seconds before the request is served; a `late_answer` serves it
    (a write is made) and then holds the answer `delay` seconds, as a slow network or a Graph
    front end that stalls after the change was committed does.
    """

    kind: FaultKind
    count: int = 1
    retry_after: float | None = None
    delay: float = 30.0
    path: str | None = None
    inside_batch: bool = False
    login: bool = False
    method: str | None = None
    """Only requests with this HTTP method (`PATCH` ...); `None` matches any."""
