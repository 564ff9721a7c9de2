"""JSON batching: requests, per-id results, chunks of 20 and retries of throttled inner requests.

Graph's `$batch` (concepts/json-batching.md) takes at most 20 requests, answers them in any
order (so results are correlated by id), and throttles inner requests one by one: the batch
answers 200 with a 429 inside, and 424 for requests that depended on a failed one. Those are
sent again, alone, after the longest `Retry-After` among them.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Any

import httpx
import structlog

from core.errors import IntegrationError, Unavailable
from integrations.outbound.retry import (
    RETRY_STATUSES,
    RetryPolicy,
    is_idempotent,
    parse_retry_after,
)

from .errors import GraphCall, error_for_status
from .odata import encode_path, query_string

__all__ = ["MAX_BATCH", "BatchRequest", "BatchResult", "PostBatch", "plan_chunks", "run_chunk"]

MAX_BATCH = 20
_FAILED_DEPENDENCY = 424
_log = structlog.get_logger(__name__)
_EMPTY: Mapping[str, str] = MappingProxyType({})

PostBatch = Callable[[Sequence["BatchRequest"]], Awaitable[Sequence[Mapping[str, Any]]]]


@dataclass(frozen=True, slots=True)
class BatchRequest:
    """One request of a `$batch`; `path` (not URL-encoded) is relative to the batch's version."""

    id: str
    path: str
    method: str = "GET"
    params: Mapping[str, str] = field(default_factory=lambda: _EMPTY)
    body: Any = None
    headers: Mapping[str, str] = field(default_factory=lambda: _EMPTY)
    depends_on: tuple[str, ...] = ()

    @classmethod
    def get(
        cls,
        id: str,
        path: str,
        *,
        select: Sequence[str],
        params: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> BatchRequest:
        """A read; like `GraphClient.get` it always states `$select` (`()` where unsupported)."""
        query = {**(params or {}), **({"$select": ",".join(select)} if select else {})}
        return cls(id, path, params=query, headers=headers or _EMPTY)

    def payload(self) -> dict[str, Any]:
        path = encode_path(self.path)
        url = f"{path}?{query_string(self.params)}" if self.params else path
        item: dict[str, Any] = {"id": self.id, "method": self.method.upper(), "url": url}
        headers = dict(self.headers)
        if self.body is not None:
            headers.setdefault("Content-Type", "application/json")
            item["body"] = self.body
        if headers:
            item["headers"] = headers
        if self.depends_on:
            item["dependsOn"] = list(self.depends_on)
        return item

    def call(self, host: str) -> GraphCall:
        return GraphCall.of(self.method, self.path, host, self.params, self.body)


@dataclass(frozen=True, slots=True)
class BatchResult:
    """One inner answer: a body, or the mapped error; callers decide which failures matter."""

    id: str
    status: int
    body: Mapping[str, Any] = field(default_factory=lambda: _EMPTY)
    error: IntegrationError | None = None
    request_id: str = ""

    @property
    def ok(self) -> bool:
        return self.error is None

    def unwrap(self) -> Mapping[str, Any]:
        """The body, or raise the mapped error."""
        if self.error is not None:
            raise self.error
        return self.body


def plan_chunks(requests: Sequence[BatchRequest]) -> list[list[BatchRequest]]:
    """Chunks of at most 20, keeping each request with the ones it depends on, in order."""
    groups = _dependency_groups(requests)
    chunks: list[list[BatchRequest]] = []
    for group in groups:
        if len(group) > MAX_BATCH:
            raise ValueError(f"a dependsOn chain links {len(group)} requests; a batch holds 20")
        if not chunks or len(chunks[-1]) + len(group) > MAX_BATCH:
            chunks.append([])
        chunks[-1].extend(group)
    return chunks


def _dependency_groups(requests: Sequence[BatchRequest]) -> list[list[BatchRequest]]:
    """Requests linked by dependsOn, directly or not, in order of first appearance."""
    parent: dict[str, str] = {}

    def root(key: str) -> str:
        while parent[key] != key:
            key = parent[key]
        return key

    for request in requests:
        key = request.id.casefold()
        if key in parent:
            raise ValueError(f"duplicate batch request id {request.id!r}")
        parent[key] = key
        for dependency in request.depends_on:
            if dependency.casefold() not in parent or dependency.casefold() == key:
                raise ValueError(f"batch request {request.id!r} depends on an id not before it")
            parent[root(dependency.casefold())] = key
    groups: dict[str, list[BatchRequest]] = {}
    for request in requests:
        groups.setdefault(root(request.id.casefold()), []).append(request)
    return list(groups.values())


async def run_chunk(
    chunk: Sequence[BatchRequest], post: PostBatch, retry: RetryPolicy, host: str
) -> dict[str, BatchResult]:
    """Send one chunk, then again only its throttled requests, until done or out of budget."""
    by_id = {r.id.casefold(): r for r in chunk}
    results: dict[str, BatchResult] = {}
    pending = list(chunk)
    attempt, waited = 0, 0.0
    while pending:
        answers = {str(a.get("id", "")).casefold(): a for a in await post(pending)}
        retry_ids, retry_after = _triage(pending, answers, results, host)
        delay = retry.next_delay(attempt, retry_after, waited) if retry_ids else None
        if delay is None:
            _finish(pending, answers, results, host, retry_ids)
            break
        _log.info("graph.batch_retry", ids=retry_ids, attempt=attempt + 1, delay=round(delay, 3))
        await asyncio.sleep(delay)
        attempt, waited = attempt + 1, waited + delay
        pending = [_without_done_dependencies(by_id[i], results) for i in retry_ids]
    return results


def _triage(
    pending: Sequence[BatchRequest],
    answers: Mapping[str, Mapping[str, Any]],
    results: dict[str, BatchResult],
    host: str,
) -> tuple[list[str], float | None]:
    """Record final answers; return the ids to send again and the longest Retry-After."""
    retry_ids: list[str] = []
    waits: list[float] = []
    for request in pending:
        key = request.id.casefold()
        answer = answers.get(key, {})
        status = int(answer.get("status", 0))
        if _retryable(request, status, retry_ids):
            retry_ids.append(key)
            headers = httpx.Headers(answer.get("headers") or {})
            if (wait := parse_retry_after(headers.get("Retry-After"))) is not None:
                waits.append(wait)
        else:
            results[key] = _result(request, answer, host)
    return retry_ids, max(waits, default=None)


def _retryable(request: BatchRequest, status: int, retrying: list[str]) -> bool:
    if status == _FAILED_DEPENDENCY:
        return any(d.casefold() in retrying for d in request.depends_on)
    if status not in RETRY_STATUSES:
        return False
    # A throttled request was refused before it ran; a 503/504 write may have run already.
    return status == 429 or is_idempotent(request.method)


def _finish(
    pending: Sequence[BatchRequest],
    answers: Mapping[str, Mapping[str, Any]],
    results: dict[str, BatchResult],
    host: str,
    retry_ids: list[str],
) -> None:
    for request in pending:
        if request.id.casefold() in retry_ids:
            results[request.id.casefold()] = _result(
                request, answers.get(request.id.casefold(), {}), host
            )


def _result(request: BatchRequest, answer: Mapping[str, Any], host: str) -> BatchResult:
    status = int(answer.get("status", 0))
    body = answer.get("body")
    headers = httpx.Headers(answer.get("headers") or {})
    if 200 <= status < 400:
        mapping = body if isinstance(body, dict) else {}
        return BatchResult(request.id, status, mapping, request_id=headers.get("request-id", ""))
    if status == 0:
        error: IntegrationError = Unavailable(
            f"Microsoft Graph at {host} left {request.method} {request.path} unanswered in a "
            "batch. Try again in a few minutes.",
            host=host,
        )
    else:
        error = error_for_status(request.call(host), status, body, headers)
    return BatchResult(request.id, status, error=error, request_id=error.request_id)


def _without_done_dependencies(
    request: BatchRequest, results: Mapping[str, BatchResult]
) -> BatchRequest:
    """A request sent again depends only on requests sent again with it."""
    remaining = tuple(d for d in request.depends_on if d.casefold() not in results)
    return replace(request, depends_on=remaining)
