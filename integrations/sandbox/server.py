"""Starting and stopping the sandbox: HTTPS on loopback with a test CA made at start."""

from __future__ import annotations

import asyncio
import ssl
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import trustme
from aiohttp import web

from .app import build_app
from .mailboxes import seed_contoso_mailboxes
from .model import Directory
from .options import Fault, SandboxOptions
from .recording import RequestLog
from .replication import Lag
from .seed_contoso import contoso
from .seed_fabrikam import fabrikam
from .seed_generated import generated
from .state import SandboxState
from .tenant import PARTIAL_PERMISSIONS, SandboxTenant
from .tokens import TokenAuthority

__all__ = ["Sandbox", "start_sandbox"]

# Handlers hanging on a "timeout" fault must not hold the shutdown for their whole delay.
_SHUTDOWN_TIMEOUT = 0.5


@dataclass(frozen=True)
class _Tls:
    server: ssl.SSLContext
    ca_pem: bytes


def _make_tls() -> _Tls:
    ca = trustme.CA(key_type=trustme.KeyType.ECDSA)
    leaf = ca.issue_cert("127.0.0.1", "localhost", key_type=trustme.KeyType.ECDSA)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    leaf.configure_cert(context)
    context.set_alpn_protocols(["http/1.1"])
    return _Tls(context, ca.cert_pem.bytes())


class Sandbox:
    """A running sandbox: its URL, test CA, tenants, faults and request log."""

    def __init__(self, state: SandboxState, ca_file: Path) -> None:
        self._state = state
        self.ca_file = ca_file

    @property
    def url(self) -> str:
        return self._state.base_url

    @property
    def options(self) -> SandboxOptions:
        return self._state.options

    @property
    def requests(self) -> RequestLog:
        return self._state.log

    @property
    def tenants(self) -> list[SandboxTenant]:
        return list(self._state.tenants.values())

    def tenant(self, key: str) -> SandboxTenant:
        """By short name, domain or tenant id."""
        tenant = self._state.find_tenant(key)
        if tenant is None:
            raise KeyError(f"no sandbox tenant {key!r}")
        return tenant

    def inject(self, tenant: str, fault: Fault) -> None:
        self._state.faults.inject(self.tenant(tenant).name, fault)

    def lag(self, tenant: str, lag: Lag) -> None:
        """From now on the tenant's reads trail its writes (see `replication`)."""
        self._state.replication.lag(self.tenant(tenant).name, lag)

    def clear_faults(self) -> None:
        """Disarms the faults and the replication lag; the tenants catch up at once."""
        self._state.faults.clear()
        self._state.replication.clear()

    async def add_generated_tenant(self, name: str, users: int) -> SandboxTenant:
        directory = await asyncio.to_thread(
            generated, name, users, self.options.seed, self._state.started
        )
        return _add_tenant(self._state, name, f"{name}.com", directory)

    def mint_token(
        self, tenant: str, *, audience: str = "https://graph.microsoft.com", lifetime: int = 3599
    ) -> str:
        """An access token as the login endpoint would issue it; a negative lifetime is expired."""
        return self._state.tokens.issue(self.tenant(tenant), audience, lifetime)


def _add_tenant(state: SandboxState, name: str, domain: str, directory: Directory) -> SandboxTenant:
    tenant = SandboxTenant(name=name, domain=domain, directory=directory)
    state.tenants[name] = tenant
    return tenant


def _seed(state: SandboxState) -> None:
    contoso_tenant = _add_tenant(state, "contoso", "contoso.com", contoso(state.started))
    seed_contoso_mailboxes(contoso_tenant.directory, contoso_tenant.exchange)
    partial = _add_tenant(state, "fabrikam", "fabrikam.com", fabrikam(state.started))
    partial.permissions = set(PARTIAL_PERMISSIONS)
    for name, users in state.options.generated.items():
        _add_tenant(
            state, name, f"{name}.com", generated(name, users, state.options.seed, state.started)
        )


@asynccontextmanager
async def start_sandbox(options: SandboxOptions | None = None) -> AsyncIterator[Sandbox]:
    """Serve the sandbox on 127.0.0.1 (an ephemeral port unless `options.port` is set)."""
    options = options or SandboxOptions()
    tls, authority = await asyncio.gather(
        asyncio.to_thread(_make_tls),
        asyncio.to_thread(TokenAuthority, opaque=options.opaque_tokens),
    )
    state = SandboxState(options, datetime.now(UTC), authority)
    await asyncio.to_thread(_seed, state)
    runner = web.AppRunner(build_app(state), access_log=None, shutdown_timeout=_SHUTDOWN_TIMEOUT)
    await runner.setup()
    with tempfile.TemporaryDirectory(prefix="deskhand-sandbox-") as folder:
        ca_file = Path(folder) / "sandbox-ca.pem"
        ca_file.write_bytes(tls.ca_pem)
        try:
            site = web.TCPSite(runner, "127.0.0.1", options.port, ssl_context=tls.server)
            await site.start()
            port = runner.addresses[0][1]
            state.base_url = f"https://127.0.0.1:{port}"
            authority.issuer_base = state.base_url
            yield Sandbox(state, ca_file)
        finally:
            await runner.cleanup()
