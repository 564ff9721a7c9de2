"""The sandbox's aiohttp application: Graph v1.0 and beta, `$batch`, the login endpoints and
Exchange Online's admin API.

One middleware does what every request shares: request ids, the latency model, Graph's answer
for unknown paths and methods, and the request log.
"""

from __future__ import annotations

import asyncio
import uuid

from aiohttp import web
from aiohttp.typedefs import Handler

from sandbox.exchange import admin_api as exchange
from sandbox.graph import (
    api_actions,
    api_authentication,
    api_deleted,
    api_directory,
    api_drive,
    api_groups,
    api_licenses,
    api_mail,
    api_mailbox,
    api_manager,
    api_methods,
    api_owners,
    api_policies,
    api_roles,
    api_service_principals,
    api_users,
)
from sandbox.graph.batch import BatchEndpoint
from sandbox.graph.call import Route
from sandbox.graph.endpoint import VERSIONS, GraphEndpoint, error_result, to_response, unresolved
from sandbox.login import endpoints as login
from sandbox.sharepoint import admin_api as sharepoint

from .recording import RecordedRequest, safe_headers
from .state import BODY, CLIENT_REQUEST_ID, REQUEST_ID, STATE, TENANT_NAME, SandboxState

__all__ = ["ROUTES", "build_app"]

ROUTES: tuple[Route, ...] = (
    *api_users.ROUTES,
    *api_directory.ROUTES,
    *api_roles.ROUTES,
    *api_actions.ROUTES,
    *api_authentication.ROUTES,
    *api_deleted.ROUTES,
    *api_service_principals.ROUTES,
    *api_groups.ROUTES,
    *api_licenses.ROUTES,
    *api_manager.ROUTES,
    *api_methods.ROUTES,
    *api_mailbox.ROUTES,
    *api_owners.ROUTES,
    *api_drive.ROUTES,
    *api_policies.ROUTES,
    *api_mail.ROUTES,
)
# sendMail answers requests over its 4 MB limit itself (api_mail), so aiohttp's own limit
# (1 MB by default) must lie above it.
_MAX_BODY = 2 * api_mail.MAX_REQUEST_BYTES


def build_app(state: SandboxState) -> web.Application:
    app = web.Application(middlewares=[_sandbox_middleware], client_max_size=_MAX_BODY)
    app[STATE] = state
    for version in VERSIONS:
        app.router.add_post(f"/{version}/$batch", BatchEndpoint(version, ROUTES).serve)
        for route in ROUTES:
            if version in route.versions:
                endpoint = GraphEndpoint(route, version)
                app.router.add_route(route.method, f"/{version}{route.path}", endpoint.serve)
    app.router.add_routes(login.routes())
    app.router.add_routes(exchange.routes())
    app.router.add_routes(sharepoint.routes())
    return app


async def _delay(state: SandboxState) -> None:
    seconds = state.options.latency + state.rng.uniform(0.0, state.options.jitter)
    if seconds > 0:
        await asyncio.sleep(seconds)


def _is_graph(path: str) -> bool:
    return path.split("/")[1] in VERSIONS


@web.middleware
async def _sandbox_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    state = request.app[STATE]
    request[REQUEST_ID] = str(uuid.uuid4())
    request[CLIENT_REQUEST_ID] = request.headers.get("client-request-id") or str(uuid.uuid4())
    counted = state.gauges.enter(request.path)
    try:
        await _delay(state)
        response = await handler(request)
    except web.HTTPException as exc:
        if not _is_graph(request.path) or exc.status not in (404, 405):
            raise
        error = unresolved(request.path, exc.status, ROUTES)
        response = to_response(error_result(error, request[REQUEST_ID], request[CLIENT_REQUEST_ID]))
    finally:
        state.gauges.leave(counted)
    response.headers["request-id"] = request[REQUEST_ID]
    response.headers["client-request-id"] = request[CLIENT_REQUEST_ID]
    state.log.append(
        RecordedRequest(
            tenant=request.get(TENANT_NAME),
            method=request.method,
            path=request.path,
            query=dict(request.query),
            headers=safe_headers(request.headers),
            body=request.get(BODY),
            status=response.status,
            request_id=request[REQUEST_ID],
            raw_path=request.raw_path.partition("?")[0],
        )
    )
    return response
