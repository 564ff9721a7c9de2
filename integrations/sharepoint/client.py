"""SharePoint Online's admin API for one tenant: make someone site collection administrator.

    POST https://{tenant}-admin.sharepoint.com/_vti_bin/client.svc/ProcessQuery   (text/xml)

One CSOM request calling `Tenant.SetSiteAdmin(url, loginName, isSiteAdmin)`
(Microsoft.Online.SharePoint.TenantAdministration, in the CSOM reference), the call CIPP's
Set-CIPPSharePointPerms makes to give a manager a leaver's OneDrive. The answer is a JSON array
whose first element carries `ErrorInfo` (null on success), with HTTP 200 either way.

The token is for the admin host (`https://{tenant}-admin.sharepoint.com/.default`), from the
same msal machinery as Graph's. SharePoint refuses app-only tokens obtained with a client
secret, so this client needs the tenant's certificate credential and says so before sending.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from pathlib import Path
from typing import ClassVar
from xml.sax.saxutils import escape

import httpx

from core.errors import (
    ConfigurationError,
    Forbidden,
    IntegrationError,
    Rejected,
    RemoteContext,
)
from integrations.graph.credentials import AppCredentials, CloudEndpoints
from integrations.graph.tokens import BearerAuth, TokenSource
from integrations.outbound.endpoint import ServiceEndpoint
from integrations.outbound.http import answer_timeout
from integrations.outbound.retry import RETRY_STATUSES, Failure, RetryPolicy, parse_retry_after
from integrations.outbound.trace import WriteAttempts
from integrations.outbound.transport import OutboundCall, send_traced

__all__ = ["SERVICE", "SharePointAdmin", "SharePointClient"]

SERVICE = "SharePoint Online"
_PROCESS_QUERY = "/_vti_bin/client.svc/ProcessQuery"
_TENANT_TYPE_ID = "{268004ae-ef6b-4e9b-8425-127220d84719}"
_UNSUPPORTED_TOKEN = "Unsupported app only token."


@dataclass(frozen=True, slots=True)
class SharePointAdmin(ServiceEndpoint):
    """The tenant's SharePoint admin host; in the sandbox, the sandbox's URL with the real admin
    host as the tokens' audience."""

    service: ClassVar[str] = "SharePoint admin"

    @classmethod
    def for_tenant(cls, name: str) -> SharePointAdmin:
        """The public cloud's admin host of the tenant named `name` (`contoso`)."""
        return cls(f"https://{name}-admin.sharepoint.com")


def _set_site_admin_xml(site_url: str, login_name: str, admin: bool) -> str:
    flag = "true" if admin else "false"
    return (
        '<Request xmlns="http://schemas.microsoft.com/sharepoint/clientquery/2009" '
        'SchemaVersion="15.0.0.0" LibraryVersion="16.0.0.0" ApplicationName="Deskhand">'
        '<Actions><ObjectPath Id="2" ObjectPathId="1"/></Actions>'
        '<ObjectPaths><Method Id="1" ParentId="0" Name="SetSiteAdmin"><Parameters>'
        f'<Parameter Type="String">{escape(site_url)}</Parameter>'
        f'<Parameter Type="String">{escape(login_name)}</Parameter>'
        f'<Parameter Type="Boolean">{flag}</Parameter>'
        f'</Parameters></Method><Constructor Id="0" TypeId="{_TENANT_TYPE_ID}"/>'
        "</ObjectPaths></Request>"
    )


class SharePointClient:
    """SharePoint's admin API for one tenant; shares the httpx client with every other."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        credentials: AppCredentials,
        endpoints: CloudEndpoints,
        admin: SharePointAdmin,
        *,
        ca_bundle: Path | None = None,
        retry: RetryPolicy | None = None,
    ) -> None:
        self._retry = retry or RetryPolicy()
        self._credentials = credentials
        # The same sign-in as Graph's, asking for the SharePoint admin resource instead.
        self.tokens = TokenSource(
            credentials,
            replace(endpoints, graph_resource=admin.audience),
            ca_bundle=ca_bundle,
            timeout=answer_timeout(http),
            retry=self._retry,
        )
        self._http = http
        self._admin = admin
        self._auth = BearerAuth(self.tokens)

    def __repr__(self) -> str:
        return f"SharePointClient({self._credentials!r}, host={self._admin.host!r})"

    async def aclose(self) -> None:
        await self.tokens.aclose()

    async def set_site_admin(self, site_url: str, login_name: str, *, admin: bool = True) -> None:
        """Make `login_name` (a UPN) site collection administrator of `site_url`, or with
        `admin=False` no longer one."""
        if self._credentials.certificate is None:
            raise ConfigurationError(
                "SharePoint refuses app-only tokens from a client secret: configure a "
                f"certificate for tenant {self._credentials.tenant_id}."
            )
        client_request_id = str(uuid.uuid4())
        verb = "add" if admin else "remove"
        call = OutboundCall(
            SERVICE,
            self._admin.hostname,
            f"SetSiteAdmin ({verb} {login_name} on {site_url})",
            client_request_id,
        )
        body = _set_site_admin_xml(site_url, login_name, admin)

        async def send() -> httpx.Response:
            return await self._http.post(
                f"{self._admin.host}{_PROCESS_QUERY}",
                content=body.encode(),
                headers={
                    "Content-Type": "text/xml",
                    "Accept": "application/json",
                    "client-request-id": client_request_id,
                },
                auth=self._auth,
            )

        def refused(response: httpx.Response) -> Failure:
            return Failure(
                _refusal(call, response),
                response.status_code in RETRY_STATUSES,
                parse_retry_after(response.headers.get("Retry-After")),
            )

        response = await send_traced(
            self._retry,
            send,
            call=call,
            trace=WriteAttempts("POST", f"{_PROCESS_QUERY} SetSiteAdmin", client_request_id, True),
            # Setting the flag again to the same value changes nothing.
            repeatable=True,
            refused=refused,
            event="sharepoint.retry",
            context={"client_request_id": client_request_id},
        )
        _check_answer(call, response)


def _context(call: OutboundCall) -> RemoteContext:
    return RemoteContext(service=SERVICE, host=call.host, client_request_id=call.client_request_id)


def _refusal(call: OutboundCall, response: httpx.Response) -> IntegrationError:
    if response.status_code == 401 and _UNSUPPORTED_TOKEN in response.text:
        return Forbidden(
            f"SharePoint Online at {call.host} refused Deskhand's token for {call.label}: it "
            "accepts app-only tokens only from a certificate credential. Configure a "
            "certificate for the tenant's app. Nothing was changed.",
            **_context(call),
        )
    return IntegrationError(
        f"SharePoint Online at {call.host} answered HTTP {response.status_code} to "
        f"{call.label}. Nothing was changed.",
        **_context(call),
    )


def _check_answer(call: OutboundCall, response: httpx.Response) -> None:
    """HTTP 200 may still carry a refusal in the first element's `ErrorInfo`."""
    try:
        answer = response.json()
    except ValueError:
        answer = None
    head = answer[0] if isinstance(answer, list) and answer else None
    if not isinstance(head, dict):
        raise IntegrationError(
            f"SharePoint Online at {call.host} answered {call.label} in a shape Deskhand does "
            "not know; check the site's administrators before trying again.",
            **_context(call),
        )
    error = head.get("ErrorInfo")
    if isinstance(error, dict):
        message = str(error.get("ErrorMessage") or "no message")
        kind = str(error.get("ErrorTypeName") or "")
        cls = Forbidden if kind.endswith("UnauthorizedAccessException") else Rejected
        raise cls(f"SharePoint Online refused {call.label}: {message}", **_context(call))
