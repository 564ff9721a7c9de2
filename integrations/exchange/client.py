"""Exchange Online's admin API for one tenant: cmdlets run over REST (`InvokeCommand`).

    POST https://outlook.office365.com/adminapi/beta/{tenantId}/InvokeCommand
    {"CmdletInput": {"CmdletName": "Get-Mailbox", "Parameters": {"Identity": "adele@..."}}}

This is the endpoint the Exchange Online PowerShell module (v3) and CIPP use; Microsoft does not
document it, so every answer is checked before it is trusted. The app token is for the Exchange
resource (`https://outlook.office365.com/.default`, Exchange.ManageAsApp), from the same msal
machinery as Graph's. `X-AnchorMailbox` routes the call: the target mailbox (`UPN:<upn>`) for
per-mailbox cmdlets, else the tenant's system mailbox, as CIPP does. Pages follow
`@odata.nextLink` by POSTing the same body again (CIPP's way); 429, 503, 504 and the plain-text
concurrency limit are retried with `Retry-After`.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, TypeVar

import httpx
import structlog

from core.errors import IntegrationError
from integrations.graph.credentials import AppCredentials, CloudEndpoints
from integrations.graph.tokens import BearerAuth, TokenSource
from integrations.outbound.http import answer_timeout
from integrations.outbound.retry import (
    RETRY_STATUSES,
    Failure,
    RetryPolicy,
    parse_retry_after,
)
from integrations.outbound.trace import WriteAttempts
from integrations.outbound.transport import send_traced

from .endpoints import ExchangeEndpoint
from .errors import (
    SERVICE,
    CmdletCall,
    error_for_status,
    is_concurrency_limit,
    outbound,
)
from .models import InboxRule, InvokeResult, Mailbox

__all__ = ["SYSTEM_MAILBOX", "ExchangeClient"]

SYSTEM_MAILBOX = "SystemMailbox{bb558c35-97f1-4cb9-8ff7-d53741dc928c}"
"""The arbitration mailbox app-only callers anchor tenant-wide cmdlets on."""
_PAGE_SIZE = 1000
_MAX_PAGES = 100
# Verbs whose cmdlets may be sent twice with the same result (Set-* here writes absolute values).
_REPEATABLE_VERBS = frozenset({"get", "set", "test", "search"})
_log = structlog.get_logger(__name__)
_M = TypeVar("_M", Mailbox, InboxRule)


@dataclass(frozen=True, slots=True)
class _Request:
    url: str
    body: dict[str, Any]
    headers: dict[str, str]
    call: CmdletCall
    repeatable: bool
    write: bool


class ExchangeClient:
    """Exchange Online for one tenant; shares the httpx client with every other tenant."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        credentials: AppCredentials,
        endpoints: CloudEndpoints,
        exchange: ExchangeEndpoint,
        *,
        ca_bundle: Path | None = None,
        concurrency: int = 3,
        retry: RetryPolicy | None = None,
        page_size: int = _PAGE_SIZE,
    ) -> None:
        # The same sign-in as Graph's, asking for the Exchange resource instead.
        exchange_login = replace(endpoints, graph_resource=exchange.audience)
        self._retry = retry or RetryPolicy()
        self.tokens = TokenSource(
            credentials,
            exchange_login,
            ca_bundle=ca_bundle,
            timeout=answer_timeout(http),
            retry=self._retry,
        )
        self._http = http
        self._exchange = exchange
        self._tenant_id = credentials.tenant_id
        self._auth = BearerAuth(self.tokens)
        # Exchange allows few concurrent requests per tenant; stay under its limit.
        self._limit = asyncio.Semaphore(concurrency)
        self._page_size = page_size

    def __repr__(self) -> str:
        return f"ExchangeClient({self.tokens.credentials!r}, host={self._exchange.host!r})"

    async def aclose(self) -> None:
        await self.tokens.aclose()

    async def invoke(
        self,
        cmdlet: str,
        parameters: Mapping[str, Any] | None = None,
        *,
        anchor: str | None = None,
        select: Sequence[str] = (),
    ) -> InvokeResult:
        """Every output object of `cmdlet` (all pages) and its warnings.

        `anchor` is the UPN of the mailbox the cmdlet is about; without it the call is anchored
        on the tenant's system mailbox.
        """
        params = dict(parameters or {})
        identity = str(params.get("Identity") or params.get("Mailbox") or anchor or "")
        call = CmdletCall(cmdlet, identity, self._exchange.hostname, str(uuid.uuid4()))
        url = self._exchange.invoke_url(self._tenant_id)
        if select:
            url = f"{url}?$select={','.join(select)}"
        verb = cmdlet.split("-", 1)[0].lower()
        request = _Request(
            url=url,
            body={"CmdletInput": {"CmdletName": cmdlet, "Parameters": params}},
            headers={
                "Accept": "application/json",
                "Prefer": f"odata.maxpagesize={self._page_size}",
                "X-AnchorMailbox": self._anchor(anchor),
                "X-CmdletName": cmdlet,
                "client-request-id": call.client_request_id,
            },
            call=call,
            repeatable=verb in _REPEATABLE_VERBS,
            write=verb != "get",
        )
        values: list[dict[str, Any]] = []
        warnings: list[str] = []
        for _ in range(_MAX_PAGES):
            page = await self._page(request)
            values.extend(_values(page, call))
            warnings.extend(_warnings(page))
            next_link = page.get("@odata.nextLink")
            if not isinstance(next_link, str) or not next_link:
                return InvokeResult(tuple(values), tuple(warnings))
            request = replace(request, url=self._checked_link(next_link, call))
        raise IntegrationError(
            f"Exchange Online kept sending more pages for {call.label}; stopped after "
            f"{_MAX_PAGES} pages.",
            service=SERVICE,
            host=call.host,
        )

    async def get_mailbox(self, identity: str, *, anchor: str | None = None) -> Mailbox:
        """The mailbox of a UPN, address or object id; `RemoteNotFound` when there is none.
        `anchor` is the mailbox's UPN when `identity` is an object id."""
        result = await self.invoke(
            "Get-Mailbox", {"Identity": identity}, anchor=anchor or _upn_or_none(identity)
        )
        call = CmdletCall("Get-Mailbox", identity, self._exchange.hostname)
        if len(result.values) != 1:
            raise IntegrationError(
                f"Exchange Online answered {call.label} with {len(result.values)} mailboxes "
                "instead of one. Use the mailbox's full address.",
                service=SERVICE,
                host=call.host,
            )
        return _typed(Mailbox, result.values[0], call)

    async def set_mailbox(
        self, identity: str, parameters: Mapping[str, Any], *, anchor: str | None = None
    ) -> InvokeResult:
        """Set-Mailbox on one mailbox (`None` values clear a property, as `$null` does)."""
        return await self.invoke(
            "Set-Mailbox",
            {"Identity": identity, **parameters},
            anchor=anchor or _upn_or_none(identity),
        )

    async def inbox_rules(self, mailbox: str, *, anchor: str | None = None) -> list[InboxRule]:
        """Get-InboxRule: the mailbox's inbox rules, enabled or not."""
        result = await self.invoke(
            "Get-InboxRule", {"Mailbox": mailbox}, anchor=anchor or _upn_or_none(mailbox)
        )
        call = CmdletCall("Get-InboxRule", mailbox, self._exchange.hostname)
        return [_typed(InboxRule, value, call) for value in result.values]

    def _anchor(self, upn: str | None) -> str:
        if upn and "@" in upn:
            return f"UPN:{upn}"
        return f"APP:{SYSTEM_MAILBOX}@{self._tenant_id}"

    def _checked_link(self, link: str, call: CmdletCall) -> str:
        # The token goes with the request: never follow a link off the tenant's Exchange host.
        if not link.startswith(f"{self._exchange.host}/"):
            raise IntegrationError(
                f"Exchange Online sent a next-page link to another host ({call.label}); "
                "paging stopped.",
                service=SERVICE,
                host=call.host,
            )
        return link

    async def _page(self, request: _Request) -> dict[str, Any]:
        response = await self._send(request)
        try:
            body = response.json() if response.content else {}
        except ValueError:
            body = None
        if not isinstance(body, dict):
            raise IntegrationError(
                f"Exchange Online answered {request.call.label} with something other than a "
                "JSON object; Deskhand cannot read it. Try again, and if it persists run the "
                "change in the Exchange admin center.",
                service=SERVICE,
                host=request.call.host,
                status=response.status_code,
                request_id=response.headers.get("request-id", ""),
                client_request_id=request.call.client_request_id,
            )
        return body

    async def _send(self, request: _Request) -> httpx.Response:
        call = request.call

        async def send() -> httpx.Response:
            async with self._limit:
                return await self._http.post(
                    request.url, json=request.body, headers=request.headers, auth=self._auth
                )

        def refused(response: httpx.Response) -> Failure:
            status, content = response.status_code, response.content
            throttled = status == 429 or is_concurrency_limit(status, content)
            return Failure(
                error_for_status(call, status, content, response.headers),
                throttled or (status in RETRY_STATUSES and request.repeatable),
                parse_retry_after(response.headers.get("Retry-After")),
            )

        # Exchange changes go into the audit log with their ids, like Graph writes.
        trace = WriteAttempts(
            "POST",
            f"/adminapi/beta/InvokeCommand {call.cmdlet}",
            call.client_request_id,
            request.write,
        )
        return await send_traced(
            self._retry,
            send,
            call=outbound(call),
            trace=trace,
            repeatable=request.repeatable,
            refused=refused,
            event="exchange.retry",
            context={"cmdlet": call.cmdlet, "client_request_id": call.client_request_id},
        )


def _upn_or_none(identity: str) -> str | None:
    return identity if "@" in identity else None


def _values(page: Mapping[str, Any], call: CmdletCall) -> list[dict[str, Any]]:
    """`value` holds the output objects; Set-* cmdlets answer without it or with null."""
    value = page.get("value")
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        raise IntegrationError(
            f"Exchange Online answered {call.label} in a shape Deskhand does not know (its "
            "'value' is not a list of objects). Nothing more was done.",
            service=SERVICE,
            host=call.host,
        )
    return value


def _warnings(page: Mapping[str, Any]) -> list[str]:
    warnings = page.get("@adminapi.warnings")
    if not isinstance(warnings, list):
        return []
    return [str(w) for w in warnings if isinstance(w, str) and w.strip()]


def _typed(model: type[_M], value: Mapping[str, Any], call: CmdletCall) -> _M:
    try:
        return model.model_validate(value)
    except ValueError:
        raise IntegrationError(
            f"Exchange Online answered {call.label} with an object Deskhand cannot read.",
            service=SERVICE,
            host=call.host,
        ) from None
