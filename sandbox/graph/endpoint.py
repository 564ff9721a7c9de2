"""Graph over HTTP: bearer-token checks, outer faults, and `GraphResult` -> aiohttp response.

Each `Route` is mounted once per API version as a `GraphEndpoint`; `$batch` resolves its inner
requests through the same aiohttp router and runs them with `GraphEndpoint.run`.
"""

from __future__ import annotations

import dataclasses
import json
import uuid
from collections.abc import Iterable, Mapping
from typing import Any

from aiohttp import web

from sandbox.faults import answer_late, apply_fault
from sandbox.login.tokens import GRAPH_AUDIENCES
from sandbox.recording import safe_body
from sandbox.state import BODY, CLIENT_REQUEST_ID, REQUEST_ID, STATE, TENANT_NAME, SandboxState
from sandbox.tenant import SandboxTenant

from .call import GraphCall, GraphResult, Route
from .errors import GraphError, bad_request, error_body

__all__ = [
    "JSON_TYPE",
    "GraphEndpoint",
    "Identity",
    "authenticate",
    "error_result",
    "make_call",
    "new_request_id",
    "read_json",
    "to_response",
    "unresolved",
]

VERSIONS = ("v1.0", "beta")
JSON_TYPE = (
    "application/json;odata.metadata=minimal;odata.streaming=true;"
    "IEEE754Compatible=false;charset=utf-8"
)
_UNAUTHENTICATED_HEADERS = {
    "WWW-Authenticate": 'Bearer realm="", client_id="00000003-0000-0000-c000-000000000000"'
}

Identity = tuple[SandboxTenant, frozenset[str]]


def authenticate(request: web.Request) -> Identity:
    """The token's tenant (`tid`) and the app's roles still granted there."""
    state = request.app[STATE]
    try:
        claims = state.tokens.verify(
            request.headers.get("Authorization"), (*GRAPH_AUDIENCES, state.base_url)
        )
    except GraphError as error:
        error.headers.update(_UNAUTHENTICATED_HEADERS)
        raise
    tenant = state.tenant_by_id(str(claims["tid"]))
    if tenant is None:
        raise GraphError(401, "InvalidAuthenticationToken", "Access token validation failure.")
    request[TENANT_NAME] = tenant.name
    # A permission removed from the tenant applies at once, as if the token had been renewed.
    return tenant, frozenset(claims.get("roles", ())) & frozenset(tenant.permissions)


async def read_json(request: web.Request) -> Any:
    if not request.body_exists:
        return None
    try:
        body = json.loads(await request.text())
    except ValueError:
        raise bad_request(
            "Unable to read JSON request payload. Please ensure Content-Type header is set "
            "and payload is of valid JSON format."
        ) from None
    request[BODY] = safe_body(body)
    return body


def error_result(error: GraphError, request_id: str, client_request_id: str) -> GraphResult:
    body = error_body(error.code, error.message, request_id, client_request_id, error.inner)
    return GraphResult(error.status, body, error.headers)


def to_response(result: GraphResult) -> web.Response:
    content_type = JSON_TYPE if result.status < 400 else "application/json"
    headers = {"Cache-Control": "no-cache", "OData-Version": "4.0", **result.headers}
    if result.body is None:
        return web.Response(status=result.status, headers=headers)
    text = json.dumps(result.body)
    return web.Response(
        status=result.status, body=text.encode(), headers={**headers, "Content-Type": content_type}
    )


def unresolved(path: str, status: int, routes: Iterable[Route]) -> GraphError:
    """Graph's answer when no endpoint matches: 400 naming the segment, or 405."""
    if status == 405:
        return GraphError(
            405,
            "Request_BadRequest",
            "Specified HTTP method is not allowed for the request target.",
        )
    version, *segments = path.strip("/").split("/")
    templates = [r.path.strip("/").split("/") for r in routes if version in r.versions]
    for depth, segment in enumerate(segments):
        if not any(_prefix_matches(t, segments[: depth + 1]) for t in templates):
            return bad_request(f"Resource not found for the segment '{segment}'.")
    return bad_request(
        f"Resource not found for the segment '{segments[-1] if segments else version}'."
    )


def _prefix_matches(template: list[str], segments: list[str]) -> bool:
    if len(template) < len(segments):
        return False
    return all(t.startswith("{") or t == s for t, s in zip(template, segments, strict=False))


class GraphEndpoint:
    """An aiohttp handler for one route and version; `run` also serves `$batch` inner calls."""

    def __init__(self, route: Route, version: str) -> None:
        self.route = route
        self.version = version

    async def serve(self, request: web.Request) -> web.StreamResponse:
        state = request.app[STATE]
        try:
            tenant, roles = authenticate(request)
            call = make_call(request, self.version, tenant, roles, await read_json(request))
            result = await self.run(state, call, inside_batch=False)
        except GraphError as error:
            result = error_result(error, request[REQUEST_ID], request[CLIENT_REQUEST_ID])
        return to_response(result)

    async def run(self, state: SandboxState, call: GraphCall, *, inside_batch: bool) -> GraphResult:
        """Faults first (a throttled call never reaches the data), then the handler, on the
        tenant as the replica answering it has it."""
        fault = state.faults.take(
            call.tenant.name, call.path, inside_batch=inside_batch, method=call.method
        )
        if fault:
            await apply_fault(fault)
        async with state.keeping(changes=call.method != "GET"):
            if call.method == "GET":
                call = dataclasses.replace(
                    call, tenant=state.replication.read(call.tenant, call.path)
                )
            else:
                state.replication.wrote(call.tenant)
            result = await self.route.handler(call)
        await answer_late(fault)
        return result


def make_call(
    request: web.Request,
    version: str,
    tenant: SandboxTenant,
    roles: frozenset[str],
    body: Any,
    params: Mapping[str, str] | None = None,
) -> GraphCall:
    return GraphCall(
        tenant=tenant,
        version=version,
        method=request.method,
        path=request.path.removeprefix(f"/{version}"),
        params=dict(request.match_info if params is None else params),
        query=dict(request.query),
        headers=request.headers,
        body=body,
        roles=roles,
        base_url=request.app[STATE].base_url,
    )


def new_request_id() -> str:
    return str(uuid.uuid4())
