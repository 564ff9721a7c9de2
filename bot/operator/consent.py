"""The check before a destructive command is offered: was the app granted what it needs?

A technician should not confirm an action that Microsoft 365 will then refuse. When the
tenant's grants can be read (`integrations.graph.grants`, Application.Read.All), a command whose
declared application permissions are not covered, by themselves or by a broader permission its
calls accept, is answered at once with what to grant, and no pending action is made. When they
cannot be read, the command goes on as before and Microsoft's own refusal explains. Grants are
kept per tenant for a few minutes, since every confirmation would otherwise read them again.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import structlog

from bot.operator.permissions_report import EXCHANGE_API, GRAPH_API, CommandNeeds, how_to_grant
from bot.pipeline.middleware import Call, Next
from bot.pipeline.tenants import TenantDirectory
from cards.reply import Reply
from core.errors import Forbidden, IntegrationError
from core.identity import TenantInfo
from integrations.graph.grants import EXCHANGE_APP_ID, GRAPH_APP_ID, AppGrants, read_app_grants

__all__ = ["ConsentCheck", "GrantsCache"]

log = structlog.get_logger("deskhand.consent")

_RESOURCES = {GRAPH_API: GRAPH_APP_ID, EXCHANGE_API: EXCHANGE_APP_ID}


@dataclass
class GrantsCache:
    """Each tenant's grants, read at most once per `ttl` seconds; `None` when unreadable."""

    tenants: TenantDirectory
    ttl: float = 300.0
    clock: Callable[[], float] = time.monotonic
    _entries: dict[str, tuple[float, AppGrants | None]] = field(default_factory=dict)

    async def get(self, tenant: TenantInfo) -> AppGrants | None:
        now = self.clock()
        entry = self._entries.get(tenant.name)
        if entry is not None and now - entry[0] < self.ttl:
            return entry[1]
        client = self.tenants.client(tenant)
        if client is None:
            return None
        try:
            grants: AppGrants | None = await read_app_grants(
                client, client.tokens.credentials.client_id
            )
        except Forbidden:
            grants = None
        except IntegrationError as error:
            # Not known this time; the command's own calls will say more. Not kept.
            log.info("grants_unreadable", tenant=tenant.name, error=error.code)
            return None
        self._entries[tenant.name] = (now, grants)
        return grants


@dataclass(frozen=True)
class ConsentCheck:
    """Refuses a destructive command whose permissions the tenant has not granted, before it
    is planned or offered for confirmation."""

    grants: GrantsCache

    async def __call__(self, call: Call, next_: Next) -> Reply:
        if call.spec.destructive and call.tenant is not None:
            held = await self.grants.get(call.tenant)
            if held is not None:
                self._check(call, call.tenant, held)
        return await next_(call)

    def _check(self, call: Call, tenant: TenantInfo, held: AppGrants) -> None:
        needs = CommandNeeds.of(call.spec)
        missing = [
            (api, name)
            for api, names in ((GRAPH_API, needs.graph), (EXCHANGE_API, needs.exchange))
            for name in names
            if not held.covers(name, _RESOURCES[api])
        ]
        if not missing:
            return
        client = self.grants.tenants.client(tenant)
        app = client.tokens.credentials.client_id if client else "?"
        host = client.tokens.endpoints.authority_host if client else ""
        consent = f"{host}/{tenant.tenant_id}/adminconsent?client_id={app}"
        names = ", ".join(name for _, name in missing)
        apis = sorted({api for api, _ in missing})
        where = " Also: ".join(how_to_grant(api, app, tenant.display_name, consent) for api in apis)
        raise Forbidden(
            f"/{call.spec.name} needs the application permission{'s' if len(missing) > 1 else ''} "
            f"{names} in {tenant.display_name}, which the Deskhand app has not been granted, so "
            f"nothing was planned or changed. To grant: {where}. Then `deskhand doctor --tenant "
            f"{tenant.name}` checks the result.",
            permission=missing[0][1],
            service=apis[0],
        )
