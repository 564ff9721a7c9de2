"""The Microsoft Graph client for one tenant: reads, writes, paging and `$batch`.

It owns what every Graph call shares: the bearer token, a `client-request-id`, a bound on
requests in flight for the tenant, retries of throttled and failed calls, and the mapping of
failures into Deskhand's exception tree. The `httpx.AsyncClient` is shared with every other
tenant and owned by whoever built it.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import structlog

from core.errors import Unavailable
from integrations.outbound.http import answer_timeout
from integrations.outbound.retry import (
    RETRY_STATUSES,
    Failure,
    RetryPolicy,
    is_idempotent,
    parse_retry_after,
)
from integrations.outbound.trace import WriteAttempts
from integrations.outbound.transport import send_traced

from .batch import BatchRequest, BatchResult, PostBatch, plan_chunks, run_chunk
from .credentials import AppCredentials, CloudEndpoints
from .errors import GraphCall, error_for_status, outbound
from .odata import encode_path, query_string
from .tokens import BearerAuth, TokenSource

__all__ = ["GraphClient"]

_JSON = {"Accept": "application/json"}
_READS = frozenset({"GET", "HEAD", "OPTIONS"})
_log = structlog.get_logger(__name__)


@dataclass(frozen=True, slots=True)
class _Request:
    method: str
    url: str
    call: GraphCall
    json: Any = None
    headers: Mapping[str, str] | None = None
    idempotent: bool = True
    write: bool = False
    """A call that may change something: traced, and its outcome unknown without an answer."""


class GraphClient:
    """Graph for one tenant. Paths are relative to the version (`/users/{id}`) and not
    URL-encoded: the client encodes them, so a guest's `#EXT#` UPN works as written."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        credentials: AppCredentials,
        endpoints: CloudEndpoints,
        *,
        ca_bundle: Path | None = None,
        concurrency: int = 8,
        retry: RetryPolicy | None = None,
    ) -> None:
        self._retry = retry or RetryPolicy()
        self.tokens = TokenSource(
            credentials,
            endpoints,
            ca_bundle=ca_bundle,
            timeout=answer_timeout(http),
            retry=self._retry,
        )
        self._http = http
        self._endpoints = endpoints
        self._auth = BearerAuth(self.tokens)
        self._limit = asyncio.Semaphore(concurrency)

    def __repr__(self) -> str:
        return f"GraphClient({self.tokens.credentials!r}, graph={self._endpoints.graph_host!r})"

    async def aclose(self) -> None:
        """Release this tenant's sign-in connections; the shared httpx client stays open."""
        await self.tokens.aclose()

    async def get(
        self,
        path: str,
        *,
        select: Sequence[str],
        params: Mapping[str, str] | None = None,
        version: str = "v1.0",
        headers: Mapping[str, str] | None = None,
    ) -> dict[str, Any]:
        """One object or page. `select` is required: pass `()` only where Graph has no $select."""
        query = _with_select(params, select)
        request = self._request("GET", path, query, version, headers=headers)
        return _json(await self._send(request), request.call)

    async def pages(
        self,
        path: str,
        *,
        select: Sequence[str],
        params: Mapping[str, str] | None = None,
        version: str = "v1.0",
        headers: Mapping[str, str] | None = None,
    ) -> AsyncIterator[dict[str, Any]]:
        """Every item of a collection, following `@odata.nextLink` as Graph gives it."""
        request = self._request("GET", path, _with_select(params, select), version, headers=headers)
        while True:
            page = _json(await self._send(request), request.call)
            for item in page.get("value") or ():
                yield item
            next_link = page.get("@odata.nextLink")
            if not isinstance(next_link, str):
                return
            request = _Request(
                "GET", self._checked_link(next_link, request.call), request.call, headers=headers
            )

    async def request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: Mapping[str, str] | None = None,
        version: str = "v1.0",
        headers: Mapping[str, str] | None = None,
    ) -> dict[str, Any]:
        """A write (or any other call); an answer without content gives `{}`."""
        request = self._request(method.upper(), path, params or {}, version, json, headers)
        response = await self._send(request)
        if response.status_code == 204 or not response.content:
            return {}
        return _json(response, request.call)

    async def batch(
        self, requests: Sequence[BatchRequest], *, version: str = "v1.0"
    ) -> dict[str, BatchResult]:
        """Results by request id (as given). Chunks of 20 go out at once; inner failures are
        returned, not raised, except when a whole chunk fails."""
        chunks = plan_chunks(requests)
        done = await asyncio.gather(
            *(run_chunk(c, self._batch_poster(version), self._retry, self._host) for c in chunks)
        )
        by_key = {key: result for results in done for key, result in results.items()}
        return {r.id: by_key[r.id.casefold()] for r in requests}

    def _batch_poster(self, version: str) -> PostBatch:
        async def post(chunk: Sequence[BatchRequest]) -> Sequence[Mapping[str, Any]]:
            payload = {"requests": [r.payload() for r in chunk]}
            idempotent = all(is_idempotent(r.method) for r in chunk)
            reads = all(r.method.upper() in _READS for r in chunk)
            request = self._request(
                "POST", "/$batch", {}, version, payload, idempotent=idempotent, write=not reads
            )
            answers = _json(await self._send(request), request.call).get("responses")
            return answers if isinstance(answers, list) else []

        return post

    @property
    def _host(self) -> str:
        return self._endpoints.graph_hostname

    def _request(
        self,
        method: str,
        path: str,
        params: Mapping[str, str],
        version: str,
        json: Any = None,
        headers: Mapping[str, str] | None = None,
        *,
        idempotent: bool | None = None,
        write: bool | None = None,
    ) -> _Request:
        if not path.startswith("/"):
            raise ValueError(f"Graph paths start with '/': {path!r}")
        url = f"{self._endpoints.graph_host}/{version}{encode_path(path)}"
        if params:
            url = f"{url}?{query_string(params)}"
        call = GraphCall.of(method, path, self._host, params, json, str(uuid.uuid4()))
        safe = is_idempotent(method) if idempotent is None else idempotent
        changes = method not in _READS if write is None else write
        return _Request(method, url, call, json, headers, safe, changes)

    def _checked_link(self, link: str, call: GraphCall) -> str:
        # The token goes with the request: never follow a link off the tenant's Graph host.
        if not link.startswith(f"{self._endpoints.graph_host}/"):
            raise Unavailable(
                f"Microsoft Graph at {call.host} sent a next-page link to another host "
                f"({call.label}); paging stopped.",
                host=call.host,
            )
        return link

    async def _send(self, request: _Request) -> httpx.Response:
        """The successful response, after retries; else the mapped error."""
        headers = {
            **_JSON,
            **(request.headers or {}),
            "client-request-id": request.call.client_request_id,
        }
        call = request.call

        async def send() -> httpx.Response:
            async with self._limit:
                return await self._http.request(
                    request.method, request.url, json=request.json, headers=headers, auth=self._auth
                )

        def refused(response: httpx.Response) -> Failure:
            status = response.status_code
            return Failure(
                error_for_status(call, status, _body(response), response.headers),
                status in RETRY_STATUSES and (request.idempotent or status == 429),
                parse_retry_after(response.headers.get("Retry-After")),
            )

        return await send_traced(
            self._retry,
            send,
            call=outbound(call),
            trace=WriteAttempts(call.method, call.path, call.client_request_id, request.write),
            repeatable=request.idempotent,
            refused=refused,
            event="graph.retry",
            context={"call": call.label, "client_request_id": call.client_request_id},
        )


def _with_select(params: Mapping[str, str] | None, select: Sequence[str]) -> dict[str, str]:
    query = dict(params or {})
    if select:
        query["$select"] = ",".join(select)
    return query


def _body(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def _json(response: httpx.Response, call: GraphCall) -> dict[str, Any]:
    body = _body(response)
    if not isinstance(body, dict):
        raise Unavailable(
            f"Microsoft Graph at {call.host} answered {call.label} with something other than "
            "JSON. Try again in a few minutes.",
            host=call.host,
            status=response.status_code,
            request_id=response.headers.get("request-id", ""),
            client_request_id=call.client_request_id,
        )
    return body
