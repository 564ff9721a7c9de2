"""The neutral request and result types every Graph handler works with.

A handler sees the same `GraphCall` whether the request came over HTTP or inside a `$batch`,
so both paths share one routing table and one set of checks.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sandbox.tenant import SandboxTenant

from .errors import forbidden

__all__ = ["GraphCall", "GraphHandler", "GraphResult", "Route", "ok"]


@dataclass(frozen=True)
class GraphCall:
    tenant: SandboxTenant
    version: str
    method: str
    path: str
    params: Mapping[str, str]
    query: Mapping[str, str]
    headers: Mapping[str, str]
    body: Any
    roles: frozenset[str]
    base_url: str

    def require(self, *any_of: str) -> None:
        """Graph grants an endpoint to any of its documented application permissions."""
        if not self.roles.intersection(any_of):
            raise forbidden()

    def has(self, permission: str) -> bool:
        return permission in self.roles

    @property
    def eventual(self) -> bool:
        return self.headers.get("ConsistencyLevel", "").lower() == "eventual"

    def context(self, fragment: str) -> str:
        return f"{self.base_url}/{self.version}/$metadata#{fragment}"

    def url(self, path: str) -> str:
        return f"{self.base_url}/{self.version}{path}"


@dataclass(frozen=True)
class GraphResult:
    status: int
    body: Mapping[str, Any] | None
    headers: Mapping[str, str] = field(default_factory=dict)


GraphHandler = Callable[[GraphCall], Awaitable[GraphResult]]


@dataclass(frozen=True)
class Route:
    """One Graph endpoint; `versions` lists the API versions that serve it."""

    method: str
    path: str
    handler: GraphHandler
    versions: tuple[str, ...] = ("v1.0", "beta")


def ok(body: Mapping[str, Any]) -> GraphResult:
    return GraphResult(200, body)
