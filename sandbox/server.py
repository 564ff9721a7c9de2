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

from sandbox.exchange.mailboxes import SentMessage, seed_contoso_mailboxes
from sandbox.login.tokens import TokenAuthority
from sandbox.seeds.contoso import contoso
from sandbox.seeds.fabrikam import fabrikam
from sandbox.seeds.generated import generated

from .app import build_app
from .options import Fault, SandboxOptions
from .persistence import StateFile
from .recording import Gauge, RequestLog
from .replication import Lag
from .state import SandboxState
from .tenant import PARTIAL_PERMISSIONS, SandboxTenant

__all__ = ["Sandbox", "seeded_tenants", "start_sandbox"]

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

    def __init__(self, state: SandboxState, ca_file: Path, notes: tuple[str, ...] = ()) -> None:
        self._state = state
        self.ca_file = ca_file
        self.notes = notes
        """What an operator should know about how it started (a state file replaced)."""

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

    def gauge(self, fragment: str) -> Gauge:
        """From now on, counts the requests in flight whose path contains `fragment`."""
        gauge = Gauge(fragment)
        self._state.gauges.append(gauge)
        return gauge

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
        tenant = SandboxTenant(name, f"{name}.com", directory)
        self._state.tenants[name] = tenant
        return tenant

    def sent_mail(self, tenant: str) -> list[SentMessage]:
        """Every message the tenant's mailboxes sent through sendMail, oldest first (those
        not saved to Sent Items included)."""
        sent = self.tenant(tenant).exchange.sent.values()
        return sorted(
            (message for messages in sent for message in messages),
            key=lambda m: str(m.message["sentDateTime"]),
        )

    def mint_token(
        self,
        tenant: str,
        *,
        audience: str = "https://graph.microsoft.com",
        lifetime: int = 3599,
        certificate: bool = False,
    ) -> str:
        """An access token as the login endpoint would issue it; a negative lifetime is expired;
        `certificate`: as if the app signed in with a certificate instead of its secret."""
        return self._state.tokens.issue(
            self.tenant(tenant), audience, lifetime, certificate=certificate
        )


def seeded_tenants(options: SandboxOptions, started: datetime) -> dict[str, SandboxTenant]:
    """The tenants as they are at first start: contoso, fabrikam and any generated ones."""
    contoso_tenant = SandboxTenant("contoso", "contoso.com", contoso(started))
    seed_contoso_mailboxes(contoso_tenant.directory, contoso_tenant.exchange)
    tenants = [
        contoso_tenant,
        SandboxTenant(
            "fabrikam", "fabrikam.com", fabrikam(started), permissions=set(PARTIAL_PERMISSIONS)
        ),
        *(
            SandboxTenant(name, f"{name}.com", generated(name, users, options.seed, started))
            for name, users in options.generated.items()
        ),
    ]
    return {tenant.name: tenant for tenant in tenants}


@asynccontextmanager
async def start_sandbox(
    options: SandboxOptions | None = None, *, state_file: Path | None = None
) -> AsyncIterator[Sandbox]:
    """Serve the sandbox on 127.0.0.1 (an ephemeral port unless `options.port` is set).

    With `state_file` the tenants are read from it and every change is written back, so
    processes sharing the file share the tenants; without, each sandbox starts seeded.
    """
    options = options or SandboxOptions()
    tls, authority = await asyncio.gather(
        asyncio.to_thread(_make_tls),
        asyncio.to_thread(TokenAuthority, opaque=options.opaque_tokens),
    )
    state = SandboxState(options, datetime.now(UTC), authority)
    state.tenants.update(await asyncio.to_thread(seeded_tenants, options, state.started))
    notes: tuple[str, ...] = ()
    if state_file is not None:
        state.stored = StateFile(state_file)
        note = await asyncio.to_thread(state.stored.open, state.tenants)
        notes = (note,) if note else ()
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
            yield Sandbox(state, ca_file, notes)
        finally:
            await runner.cleanup()
