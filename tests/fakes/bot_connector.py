"""A Bot Framework channel service on loopback, with the token issuer's keys beside it.

It answers the Connector API calls Deskhand makes (send, reply, update, member lookup), keeps
them for assertions, signs inbound tokens with its own RSA key, publishes that key as a JWKS,
and stands in for OneDrive's upload URL in the file-consent flow.
"""

from __future__ import annotations

import asyncio
import threading
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from typing import Any

import jwt
from aiohttp import web
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt import PyJWKClient
from microsoft_agents.hosting.core.authorization import (
    AccessTokenProviderBase,
    AgentAuthConfiguration,
    AuthenticationConstants,
)
from microsoft_agents.hosting.core.authorization.jwt import jwt_token_validator

BOT_APP_ID = "6f1c3b2a-9d7e-4c1b-8a5f-2e3d4c5b6a70"
HOME_TENANT = "11111111-2222-3333-4444-555555555555"
OTHER_TENANT = "99999999-8888-7777-6666-555555555555"
OUTBOUND_TOKEN = "outbound-test-token"
BOT_FRAMEWORK = "https://api.botframework.com"

MEMBERS = {
    "29:tess": {"id": "29:tess", "name": "Tess Tech", "aadObjectId": "aad-tess",
                "userPrincipalName": "tess@msp.example", "email": "tess@msp.example",
                "tenantId": HOME_TENANT},
    "29:gus": {"id": "29:gus", "name": "Gus Guest", "aadObjectId": "aad-gus",
               "userPrincipalName": "gus_elsewhere.example#EXT#@msp.example",
               "userRole": "guest", "tenantId": HOME_TENANT},
    "29:olga": {"id": "29:olga", "name": "Olga Outside", "aadObjectId": "aad-olga",
                "userPrincipalName": "olga@other.example", "tenantId": OTHER_TENANT},
}  # fmt: skip


@dataclass
class ConnectorCall:
    kind: str
    conversation_id: str
    body: dict[str, Any]


@dataclass
class FakeConnector:
    url: str = ""
    calls: list[ConnectorCall] = field(default_factory=list)
    uploads: dict[str, bytes] = field(default_factory=dict)
    key: rsa.RSAPrivateKey = field(
        default_factory=lambda: rsa.generate_private_key(public_exponent=65537, key_size=2048)
    )
    _arrived: asyncio.Condition = field(default_factory=asyncio.Condition)

    def token(self, **claims: Any) -> str:
        """A channel-service token as the Bot Framework signs them; claims override."""
        now = int(time.time())
        body = {"iss": BOT_FRAMEWORK, "aud": BOT_APP_ID, "iat": now, "nbf": now,
                "exp": now + 3600, "serviceurl": self.url + "/"} | claims  # fmt: skip
        return jwt.encode(body, self.key, algorithm="RS256", headers={"kid": "test-key"})

    def sent(self, kind: str) -> list[ConnectorCall]:
        return [call for call in self.calls if call.kind == kind]

    async def wait_for(
        self, kind: str, count: int = 1, within: float = 10.0
    ) -> list[ConnectorCall]:
        async with asyncio.timeout(within), self._arrived:
            await self._arrived.wait_for(lambda: len(self.sent(kind)) >= count)
        return self.sent(kind)

    async def _record(self, kind: str, request: web.Request) -> None:
        body = await request.json() if request.can_read_body else {}
        if request.headers.get("Authorization") != f"Bearer {OUTBOUND_TOKEN}":
            raise web.HTTPUnauthorized(text="bad outbound token")
        async with self._arrived:
            self.calls.append(ConnectorCall(kind, request.match_info["conversation"], body))
            self._arrived.notify_all()

    async def send(self, request: web.Request) -> web.Response:
        kind = "reply" if "activity" in request.match_info else "send"
        await self._record(kind, request)
        return web.json_response({"id": f"activity-{uuid.uuid4().hex[:8]}"})

    async def update(self, request: web.Request) -> web.Response:
        await self._record("update", request)
        return web.json_response({"id": request.match_info["activity"]})

    async def member(self, request: web.Request) -> web.Response:
        member = MEMBERS.get(request.match_info["member"])
        if member is None:
            return web.json_response({"error": {"code": "MemberNotFound"}}, status=404)
        return web.json_response(member)

    async def keys(self, request: web.Request) -> web.Response:
        public = jwt.algorithms.RSAAlgorithm.to_jwk(self.key.public_key(), as_dict=True)
        return web.json_response({"keys": [{**public, "kid": "test-key", "use": "sig"}]})

    async def upload(self, request: web.Request) -> web.Response:
        self.uploads[request.match_info["name"]] = await request.read()
        return web.json_response({"id": "drive-item"}, status=201)


class FixedTokenProvider(AccessTokenProviderBase):
    """Signs outbound calls with a fixed token: Microsoft's token service cannot run here."""

    def __init__(self, configuration: AgentAuthConfiguration) -> None:
        self._configuration = configuration

    @property
    def configuration(self) -> AgentAuthConfiguration:
        return self._configuration

    async def get_access_token(
        self, resource_url: str, scopes: list[str], force_refresh: bool = False
    ) -> str:
        return OUTBOUND_TOKEN

    def get_token_credential(self) -> Any:
        raise NotImplementedError("Deskhand asks only for access tokens")


@contextmanager
def keys_served_by(connector: FakeConnector) -> Iterator[None]:
    """Point the SDK's signing-key lookups (Bot Framework's and Entra's) at the fake's JWKS."""
    manager = jwt_token_validator.JwtTokenValidator._jwk_client_manager
    uris = [
        AuthenticationConstants.PUBLIC_ABS_JWKS_URL,
        f"https://login.microsoftonline.com/{HOME_TENANT}/discovery/v2.0/keys",
    ]
    saved = {uri: manager._cache.get(uri) for uri in uris}
    entry = jwt_token_validator._JwkClientCacheEntry(
        PyJWKClient(connector.url + "/keys"), threading.Lock()
    )
    for uri in uris:
        manager._cache[uri] = entry
    try:
        yield
    finally:
        for uri, previous in saved.items():
            if previous is None:
                manager._cache.pop(uri, None)
            else:
                manager._cache[uri] = previous


@asynccontextmanager
async def fake_connector() -> AsyncIterator[FakeConnector]:
    connector = FakeConnector()
    app = web.Application()
    base = "/v3/conversations/{conversation}/activities"
    app.router.add_post(base, connector.send)
    app.router.add_post(base + "/{activity}", connector.send)
    app.router.add_put(base + "/{activity}", connector.update)
    app.router.add_get("/v3/conversations/{conversation}/members/{member}", connector.member)
    app.router.add_get("/keys", connector.keys)
    app.router.add_put("/upload/{name}", connector.upload)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    host, port = runner.addresses[0][:2]
    connector.url = f"http://{host}:{port}"
    try:
        yield connector
    finally:
        await runner.cleanup()
