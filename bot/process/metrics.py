"""Prometheus metrics: HTTP requests, command outcomes, Graph calls and throttles.

Each `Metrics` has its own registry, served on the metrics listener only, never on the
public one.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import httpx
from aiohttp import web
from aiohttp.typedefs import Handler
from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.aiohttp import make_aiohttp_handler

from bot.pipeline.middleware import Call, Next, observed
from cards.reply import Reply

__all__ = ["Metrics"]


@dataclass
class Metrics:
    registry: CollectorRegistry = field(default_factory=CollectorRegistry)

    def __post_init__(self) -> None:
        self.requests = Counter(
            "deskhand_http_requests",
            "Inbound HTTP requests by route and status.",
            ("route", "status"),
            registry=self.registry,
        )
        self.latency = Histogram(
            "deskhand_http_request_seconds",
            "Time to answer inbound HTTP requests (the ack, for chat platforms).",
            ("route",),
            registry=self.registry,
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
        )
        self.commands = Counter(
            "deskhand_commands",
            "Commands run, by command and outcome.",
            ("command", "outcome"),
            registry=self.registry,
        )
        self.graph_calls = Counter(
            "deskhand_graph_calls",
            "HTTP calls to Microsoft Graph and login, by status class.",
            ("host", "status"),
            registry=self.registry,
        )
        self.graph_throttles = Counter(
            "deskhand_graph_throttles",
            "Answers of 429 from Microsoft Graph.",
            ("host",),
            registry=self.registry,
        )

    def handler(self) -> Handler:
        return make_aiohttp_handler(self.registry)

    def timed(self, route: str, handler: Handler) -> Handler:
        """`handler`, counted by status and timed under `route`.

        A wrapper per route, not an aiohttp middleware: aiohttp builds a middleware chain
        anew for every request (a `partial` and an `update_wrapper` each), which cost the Slack
        ack more than this measuring does; the route's metric children are looked up once here.
        A request no route matches (a 404) is not counted.
        """
        latency = self.latency.labels(route)
        counts: dict[int, Any] = {}

        async def measured(request: web.Request) -> web.StreamResponse:
            started = time.perf_counter()
            status = 500
            try:
                response = await handler(request)
                status = response.status
                return response
            except web.HTTPException as error:
                status = error.status
                raise
            finally:
                latency.observe(time.perf_counter() - started)
                count = counts.get(status)
                if count is None:
                    count = counts[status] = self.requests.labels(route, str(status))
                count.inc()

        return measured

    async def count_commands(self, call: Call, next_: Next) -> Reply:
        """Router middleware."""

        async def count(outcome: str, error: Exception | None) -> None:
            self.commands.labels(call.spec.name, outcome).inc()

        return await observed(call, next_, count)

    async def count_graph_response(self, response: httpx.Response) -> None:
        """An httpx response hook for the shared Graph client."""
        host = response.request.url.host
        self.graph_calls.labels(host, f"{response.status_code // 100}xx").inc()
        if response.status_code == 429:
            self.graph_throttles.labels(host).inc()
