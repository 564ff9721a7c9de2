"""Everything a running sandbox holds, shared by its request handlers."""

from __future__ import annotations

import random
from contextlib import AbstractAsyncContextManager, nullcontext
from dataclasses import dataclass, field
from datetime import datetime

from aiohttp import web

from sandbox.login.tokens import TokenAuthority

from .faults import FaultBook
from .options import SandboxOptions
from .persistence import StateFile
from .recording import Gauges, RequestLog
from .replication import Replication
from .tenant import SandboxTenant

__all__ = ["BODY", "CLIENT_REQUEST_ID", "REQUEST_ID", "STATE", "TENANT_NAME", "SandboxState"]


@dataclass
class SandboxState:
    options: SandboxOptions
    started: datetime
    tokens: TokenAuthority
    tenants: dict[str, SandboxTenant] = field(default_factory=dict)
    log: RequestLog = field(default_factory=RequestLog)
    gauges: Gauges = field(default_factory=Gauges)
    faults: FaultBook = field(default_factory=FaultBook)
    replication: Replication = field(default_factory=Replication)
    base_url: str = ""
    rng: random.Random = field(default_factory=lambda: random.Random(1))
    stored: StateFile | None = None
    """Where the tenants are kept between processes; None keeps them in memory only."""

    def find_tenant(self, key: str) -> SandboxTenant | None:
        """By short name, tenant id or any of the tenant's domains."""
        if key.casefold() in self.tenants:
            return self.tenants[key.casefold()]
        return next((t for t in self.tenants.values() if t.answers_to(key)), None)

    def keeping(self, *, changes: bool) -> AbstractAsyncContextManager[None]:
        """Around a handler's use of tenant data, so it sees and leaves the stored tenants."""
        if self.stored is None:
            return nullcontext()
        if changes:
            return self.stored.changing(self.tenants)
        return self.stored.reading(self.tenants)

    def tenant_by_id(self, tenant_id: str) -> SandboxTenant | None:
        return next((t for t in self.tenants.values() if t.tenant_id == tenant_id), None)


STATE = web.AppKey("sandbox_state", SandboxState)
# Per-request facts the middleware records once the handler has run.
REQUEST_ID = web.RequestKey("request_id", str)
CLIENT_REQUEST_ID = web.RequestKey("client_request_id", str)
TENANT_NAME = web.RequestKey("sandbox_tenant", str)
BODY = web.RequestKey("sandbox_body", object)
