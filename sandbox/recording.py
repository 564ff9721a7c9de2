"""The log of every request the sandbox answered, for tests to assert on."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Gauge", "Gauges", "RecordedRequest", "RequestLog"]

_SECRET_FIELDS = frozenset({"client_secret", "client_assertion"})
# JSON body keys whose values are secrets wherever they appear (passwordProfile.password).
_SECRET_KEYS = frozenset({"password"})
_MASK = "***"


@dataclass(frozen=True)
class RecordedRequest:
    """One answered request; inner `$batch` requests carry the batch's request id in `batch`.

    `path` is decoded once, as Graph reads it; `raw_path` is as sent, to show how it was encoded.
    """

    tenant: str | None
    method: str
    path: str
    query: Mapping[str, str]
    headers: Mapping[str, str]
    body: Any
    status: int
    batch: str | None = None
    request_id: str = field(default="", compare=False)
    raw_path: str = field(default="", compare=False)


class RequestLog(list[RecordedRequest]):
    """A plain list, so tests can filter, index and `clear()` it."""


def safe_headers(headers: Mapping[str, str]) -> dict[str, str]:
    """Headers without credentials: the log must never hold a token."""
    return {k: v for k, v in headers.items() if k.lower() != "authorization"}


def safe_form(form: Mapping[str, str]) -> dict[str, str]:
    """A token request's form with its secrets masked."""
    return {k: (_MASK if k in _SECRET_FIELDS else v) for k, v in form.items()}


def safe_body(body: Any) -> Any:
    """A JSON body with every secret value masked, at any depth (for `$batch` bodies too)."""
    if isinstance(body, dict):
        return {
            k: (_MASK if k in _SECRET_KEYS and v is not None else safe_body(v))
            for k, v in body.items()
        }
    if isinstance(body, list):
        return [safe_body(item) for item in body]
    return body


@dataclass
class Gauge:
    """How many requests whose path contains `fragment` the sandbox is answering at once,
    latency included, and the most it ever was: tests assert a client's concurrency bound."""

    fragment: str
    current: int = 0
    peak: int = 0
    total: int = 0


class Gauges(list[Gauge]):
    def enter(self, path: str) -> list[Gauge]:
        """The gauges this request counts on, each raised by one until `leave`."""
        matching = [gauge for gauge in self if gauge.fragment in path]
        for gauge in matching:
            gauge.current += 1
            gauge.total += 1
            gauge.peak = max(gauge.peak, gauge.current)
        return matching

    @staticmethod
    def leave(matching: list[Gauge]) -> None:
        for gauge in matching:
            gauge.current -= 1
