"""JSON batching (`POST /{version}/$batch`) as concepts/json-batching.md describes it.

At most 20 requests with unique (case-insensitive) ids; relative URLs resolved against the
batch's own version, so `/beta/...` inside a v1.0 batch is an unknown segment, as in Graph;
`dependsOn` runs a request after the ones it names and answers 424 when one of them failed;
responses come back in reverse order so clients must correlate by id. The batch is one HTTP
request (one latency delay); each inner request is recorded and can be faulted on its own.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from multidict import CIMultiDict
from yarl import URL

from sandbox.faults import apply_fault
from sandbox.recording import RecordedRequest, safe_body, safe_headers
from sandbox.state import CLIENT_REQUEST_ID, REQUEST_ID, STATE

from .call import GraphResult, Route
from .endpoint import (
    JSON_TYPE,
    GraphEndpoint,
    Identity,
    authenticate,
    error_result,
    make_call,
    new_request_id,
    read_json,
    to_response,
    unresolved,
)
from .errors import GraphError, bad_request

__all__ = ["MAX_REQUESTS", "BatchEndpoint"]

MAX_REQUESTS = 20
_INVALID = "Invalid batch payload format."
_INNER_HEADERS = {"Cache-Control": "no-cache", "x-ms-resource-unit": "1"}


@dataclass(frozen=True)
class InnerRequest:
    id: str
    method: str
    url: str
    headers: Mapping[str, str]
    body: Any
    depends_on: tuple[str, ...]


def parse_batch(payload: Any) -> list[InnerRequest]:
    if not isinstance(payload, dict) or not isinstance(payload.get("requests"), list):
        raise bad_request(_INVALID)
    items = payload["requests"]
    if len(items) > MAX_REQUESTS:
        raise bad_request(f"Number of requests in the batch exceeds the maximum of {MAX_REQUESTS}.")
    requests: list[InnerRequest] = []
    seen: set[str] = set()
    for item in items:
        inner = _inner(item)
        if inner.id.casefold() in seen:
            raise bad_request(f"Batch request contains duplicate request id '{inner.id}'.")
        if any(d.casefold() not in seen for d in inner.depends_on):
            raise bad_request(
                f"Request id '{inner.id}' depends on an id that is not an earlier request "
                "of this batch."
            )
        seen.add(inner.id.casefold())
        requests.append(inner)
    return requests


def _inner(item: Any) -> InnerRequest:
    if not isinstance(item, dict):
        raise bad_request(_INVALID)
    fields = (item.get("id"), item.get("method"), item.get("url"))
    if not all(isinstance(value, str) and value for value in fields):
        raise bad_request(_INVALID)
    headers = item.get("headers") or {}
    depends_on = item.get("dependsOn") or []
    if not isinstance(headers, dict) or not isinstance(depends_on, list):
        raise bad_request(_INVALID)
    if "body" in item and not any(k.lower() == "content-type" for k in headers):
        raise bad_request(
            f"Write request id : {item['id']} does not contain Content-Type header or body."
        )
    return InnerRequest(
        id=str(item["id"]),
        method=str(item["method"]).upper(),
        url=str(item["url"]),
        headers={str(k): str(v) for k, v in headers.items()},
        body=item.get("body"),
        depends_on=tuple(str(d) for d in depends_on),
    )


class BatchEndpoint:
    def __init__(self, version: str, routes: tuple[Route, ...]) -> None:
        self.version = version
        self.routes = routes

    async def serve(self, request: web.Request) -> web.StreamResponse:
        # Inner requests are clones of this one, and aiohttp clones only unread requests.
        template = request.clone()
        try:
            identity = authenticate(request)
            state = request.app[STATE]
            fault = state.faults.take(
                identity[0].name, "/$batch", inside_batch=False, method="POST"
            )
            if fault:
                await apply_fault(fault)
            inner = parse_batch(await read_json(request))
            run = _BatchRun(
                self, template, identity, request[REQUEST_ID], request[CLIENT_REQUEST_ID]
            )
            responses = await run.run(inner)
            result = GraphResult(200, {"responses": responses})
        except GraphError as error:
            result = error_result(error, request[REQUEST_ID], request[CLIENT_REQUEST_ID])
        return to_response(result)


@dataclass
class _BatchRun:
    endpoint: BatchEndpoint
    template: web.Request
    identity: Identity
    batch_id: str
    client_request_id: str

    async def run(self, requests: list[InnerRequest]) -> list[dict[str, Any]]:
        tasks: dict[str, asyncio.Task[GraphResult]] = {}
        async with asyncio.TaskGroup() as group:
            for inner in requests:
                waits = [tasks[d.casefold()] for d in inner.depends_on]
                tasks[inner.id.casefold()] = group.create_task(self._after(waits, inner))
        answers = [_answer(inner, tasks[inner.id.casefold()].result()) for inner in requests]
        return answers[::-1]

    async def _after(
        self, waits: list[asyncio.Task[GraphResult]], inner: InnerRequest
    ) -> GraphResult:
        for wait in waits:
            if (await wait).status >= 400:
                failed = GraphError(424, "FailedDependency", "The dependent request failed.")
                return error_result(failed, new_request_id(), self.client_request_id)
        return await self._execute(inner)

    async def _execute(self, inner: InnerRequest) -> GraphResult:
        url = (
            None if "://" in inner.url else URL(f"/{self.endpoint.version}/{inner.url.lstrip('/')}")
        )
        try:
            if url is None:
                raise bad_request("Invalid request URL: batch requests take relative URLs.")
            result = await self._dispatch(self._clone(inner, url), inner)
        except GraphError as error:
            result = error_result(error, new_request_id(), self.client_request_id)
        self._record(inner, url, result)
        return result

    def _clone(self, inner: InnerRequest, url: URL) -> web.Request:
        """Inner requests carry their own headers; only the credentials come from the batch."""
        headers = CIMultiDict(inner.headers)
        headers["Authorization"] = self.template.headers.get("Authorization", "")
        return self.template.clone(method=inner.method, rel_url=url, headers=headers)

    async def _dispatch(self, clone: web.Request, inner: InnerRequest) -> GraphResult:
        match = await clone.app.router.resolve(clone)
        handler = getattr(match.handler, "__self__", None)  # routes are bound `serve` methods
        if match.http_exception is not None or not isinstance(handler, GraphEndpoint):
            status = match.http_exception.status if match.http_exception else 404
            raise unresolved(clone.path, status, self.endpoint.routes)
        tenant, roles = self.identity
        call = make_call(clone, self.endpoint.version, tenant, roles, inner.body, match)
        return await handler.run(clone.app[STATE], call, inside_batch=True)

    def _record(self, inner: InnerRequest, url: URL | None, result: GraphResult) -> None:
        self.template.app[STATE].log.append(
            RecordedRequest(
                tenant=self.identity[0].name,
                method=inner.method,
                path=url.path if url else inner.url,
                query=dict(url.query) if url else {},
                headers=safe_headers(inner.headers),
                body=safe_body(inner.body),
                status=result.status,
                batch=self.batch_id,
                raw_path=url.raw_path if url else inner.url,
            )
        )


def _answer(inner: InnerRequest, result: GraphResult) -> dict[str, Any]:
    content_type = "application/json" if result.status >= 400 else JSON_TYPE
    headers = {**_INNER_HEADERS, "Content-Type": content_type, **result.headers}
    if result.status < 400:
        headers["OData-Version"] = "4.0"
    answer: dict[str, Any] = {"id": inner.id, "status": result.status, "headers": headers}
    if result.body is not None:
        answer["body"] = result.body
    return answer
