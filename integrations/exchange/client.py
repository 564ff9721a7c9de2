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
from .models import (
    CmdletObject,
    FolderPermission,
    InboxRule,
    InvokeResult,
    Mailbox,
    MailboxFolder,
    MailboxPermission,
    MobileDevice,
    Recipient,
)

__all__ = ["SYSTEM_MAILBOX", "ExchangeClient"]

SYSTEM_MAILBOX = "SystemMailbox{bb558c35-97f1-4cb9-8ff7-d53741dc928c}"
"""The arbitration mailbox app-only callers anchor tenant-wide cmdlets on."""
_PAGE_SIZE = 1000
_MAX_PAGES = 100
# Verbs whose cmdlets may be sent twice with the same result (Set-*, Enable-* and Disable-*
# write absolute values; a repeated Add-* or Remove-* answers an error).
_REPEATABLE_VERBS = frozenset({"get", "set", "test", "search", "enable", "disable"})
_NO_CONFIRM = {"Confirm": False}
# Groups a mailbox can be taken out of with Exchange's cmdlets (Graph cannot change them).
_MAIL_GROUP_TYPES = ("MailUniversalDistributionGroup", "MailUniversalSecurityGroup")
_log = structlog.get_logger(__name__)
_M = TypeVar("_M", bound=CmdletObject)


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
        return await self._one(
            Mailbox, "Get-Mailbox", {"Identity": identity}, anchor=anchor or _upn_or_none(identity)
        )

    async def shared_mailboxes(self) -> list[Mailbox]:
        """Every shared mailbox: Get-Mailbox -RecipientTypeDetails SharedMailbox -ResultSize
        Unlimited (the type is checked again, so a server ignoring the filter is harmless)."""
        params = {"RecipientTypeDetails": "SharedMailbox", "ResultSize": "Unlimited"}
        found = await self._objects(Mailbox, "Get-Mailbox", params, anchor=None)
        return [mailbox for mailbox in found if mailbox.is_shared]

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
        return await self._objects(
            InboxRule, "Get-InboxRule", {"Mailbox": mailbox}, anchor=anchor or _upn_or_none(mailbox)
        )

    async def set_mailbox_type(
        self, identity: str, *, shared: bool, anchor: str | None = None
    ) -> InvokeResult:
        """Set-Mailbox -Type Shared (kept without a licence) or Regular (back to a user's)."""
        kind = "Shared" if shared else "Regular"
        return await self.set_mailbox(identity, {"Type": kind}, anchor=anchor)

    async def set_hidden_from_address_lists(
        self, identity: str, *, hidden: bool, anchor: str | None = None
    ) -> InvokeResult:
        """Set-Mailbox -HiddenFromAddressListsEnabled: hide the mailbox from the address book."""
        params = {"HiddenFromAddressListsEnabled": hidden}
        return await self.set_mailbox(identity, params, anchor=anchor)

    async def mailbox_permissions(
        self, identity: str, *, anchor: str | None = None
    ) -> list[MailboxPermission]:
        """Get-MailboxPermission: every entry, the owner's own (`NT AUTHORITY\\SELF`) and
        inherited ones included; `MailboxPermission.is_delegate` picks the granted FullAccess."""
        return await self._objects(
            MailboxPermission,
            "Get-MailboxPermission",
            {"Identity": identity},
            anchor=anchor or _upn_or_none(identity),
        )

    async def add_mailbox_permission(
        self, identity: str, user: str, *, auto_mapping: bool, anchor: str | None = None
    ) -> InvokeResult:
        """Add-MailboxPermission: FullAccess for `user`; `auto_mapping` opens the mailbox in
        their Outlook by itself."""
        params = {
            "Identity": identity,
            "User": user,
            "AccessRights": ["FullAccess"],
            "InheritanceType": "All",
            "AutoMapping": auto_mapping,
        }
        return await self.invoke(
            "Add-MailboxPermission", params, anchor=anchor or _upn_or_none(identity)
        )

    async def remove_mailbox_permission(
        self, identity: str, user: str, *, anchor: str | None = None
    ) -> InvokeResult:
        """Remove-MailboxPermission: `user`'s FullAccess; when there was none Exchange answers
        with a warning, not an error."""
        params = {
            "Identity": identity,
            "User": user,
            "AccessRights": ["FullAccess"],
            "InheritanceType": "All",
            **_NO_CONFIRM,
        }
        return await self.invoke(
            "Remove-MailboxPermission", params, anchor=anchor or _upn_or_none(identity)
        )

    async def mobile_devices(
        self, mailbox: str, *, anchor: str | None = None
    ) -> list[MobileDevice]:
        """Get-MobileDevice -Mailbox: the phones and apps syncing the mailbox."""
        return await self._objects(
            MobileDevice,
            "Get-MobileDevice",
            {"Mailbox": mailbox},
            anchor=anchor or _upn_or_none(mailbox),
        )

    async def remove_mobile_device(
        self, identity: str, *, anchor: str | None = None
    ) -> InvokeResult:
        """Remove-MobileDevice: the partnership named by `MobileDevice.identity` (the phone
        must sync again from scratch; its data is not wiped). `anchor` is the owner's UPN."""
        params = {"Identity": identity, **_NO_CONFIRM}
        return await self.invoke("Remove-MobileDevice", params, anchor=anchor)

    async def disable_inbox_rule(
        self, mailbox: str, rule_identity: str, *, anchor: str | None = None
    ) -> InvokeResult:
        """Disable-InboxRule: the rule stays, and runs no more (`InboxRule.identity`)."""
        return await self._toggle_rule("Disable-InboxRule", mailbox, rule_identity, anchor)

    async def enable_inbox_rule(
        self, mailbox: str, rule_identity: str, *, anchor: str | None = None
    ) -> InvokeResult:
        """Enable-InboxRule: undoes `disable_inbox_rule`."""
        return await self._toggle_rule("Enable-InboxRule", mailbox, rule_identity, anchor)

    async def recipient(self, identity: str) -> Recipient:
        """Get-Recipient -Identity: a mailbox or group; `RemoteNotFound` when there is none."""
        return await self._one(Recipient, "Get-Recipient", {"Identity": identity}, anchor=None)

    async def distribution_groups_of(self, member: str) -> list[Recipient]:
        """The distribution lists and mail-enabled security groups `member` belongs to
        (directly; membership through a nested group is not followed).

        Exchange has no memberOf cmdlet. `Members` is a filterable property of Get-Recipient
        (learn.microsoft.com, "Filterable properties for the Filter parameter") whose value is
        a DistinguishedName, so this reads the member's DN and asks, as CIPP does, for
        `Get-Recipient -Filter "Members -eq '<DN>'"`, limited to the two group kinds Exchange
        manages. Microsoft 365 groups are left to Graph.
        """
        dn = (await self.recipient(member)).distinguished_name
        # OPATH strings are single-quoted; a quote inside (O'Brien) is doubled.
        quoted = dn.replace("'", "''")
        params = {
            "Filter": f"Members -eq '{quoted}'",
            "RecipientTypeDetails": list(_MAIL_GROUP_TYPES),
        }
        return await self._objects(Recipient, "Get-Recipient", params, anchor=None)

    async def add_distribution_group_member(self, group: str, member: str) -> InvokeResult:
        """Add-DistributionGroupMember; undoes `remove_distribution_group_member`."""
        return await self._group_member("Add-DistributionGroupMember", group, member)

    async def remove_distribution_group_member(self, group: str, member: str) -> InvokeResult:
        """Remove-DistributionGroupMember; a member who is not one is refused (`Rejected`,
        MemberNotFoundException)."""
        return await self._group_member("Remove-DistributionGroupMember", group, member)

    async def calendar_folder(self, mailbox: str, *, anchor: str | None = None) -> MailboxFolder:
        """The mailbox's calendar: its name is in the mailbox's language ("Kalender"), so it
        is read, never assumed (Get-MailboxFolderStatistics -FolderScope Calendar)."""
        params = {"Identity": mailbox, "FolderScope": "Calendar"}
        folders = await self._objects(
            MailboxFolder,
            "Get-MailboxFolderStatistics",
            params,
            anchor=anchor or _upn_or_none(mailbox),
        )
        calendar = next((f for f in folders if f.folder_type == "Calendar"), None)
        if calendar is None or not calendar.name:
            raise IntegrationError(
                f"Exchange Online shows no calendar folder in the mailbox {mailbox!r}.",
                service=SERVICE,
                host=self._exchange.hostname,
            )
        return calendar

    async def calendar_permissions(
        self, mailbox: str, *, folder: str | None = None, anchor: str | None = None
    ) -> list[FolderPermission]:
        """Who may open the calendar (Get-MailboxFolderPermission), without the Default and
        Anonymous entries every folder has. `folder` is `calendar_folder(...).name` if known."""
        name = folder or (await self.calendar_folder(mailbox, anchor=anchor)).name
        entries = await self._objects(
            FolderPermission,
            "Get-MailboxFolderPermission",
            {"Identity": _folder_path(mailbox, name)},
            anchor=anchor or _upn_or_none(mailbox),
        )
        return [e for e in entries if not e.is_default_or_anonymous]

    async def add_calendar_permission(
        self,
        mailbox: str,
        user: str,
        access_rights: str | Sequence[str],
        *,
        folder: str | None = None,
        anchor: str | None = None,
    ) -> InvokeResult:
        """Add-MailboxFolderPermission on the calendar: a role (Editor, Reviewer, ...) or
        rights for `user`; undoes `remove_calendar_permission`."""
        name = folder or (await self.calendar_folder(mailbox, anchor=anchor)).name
        rights = [access_rights] if isinstance(access_rights, str) else list(access_rights)
        params = {"Identity": _folder_path(mailbox, name), "User": user, "AccessRights": rights}
        return await self.invoke(
            "Add-MailboxFolderPermission", params, anchor=anchor or _upn_or_none(mailbox)
        )

    async def remove_calendar_permission(
        self, mailbox: str, user: str, *, folder: str | None = None, anchor: str | None = None
    ) -> InvokeResult:
        """Remove-MailboxFolderPermission on the calendar; a user without an entry is refused
        (`Rejected`, UserNotFoundInPermissionEntryException)."""
        name = folder or (await self.calendar_folder(mailbox, anchor=anchor)).name
        params = {"Identity": _folder_path(mailbox, name), "User": user, **_NO_CONFIRM}
        return await self.invoke(
            "Remove-MailboxFolderPermission", params, anchor=anchor or _upn_or_none(mailbox)
        )

    async def _objects(
        self,
        model: type[_M],
        cmdlet: str,
        params: Mapping[str, Any],
        *,
        anchor: str | None,
    ) -> list[_M]:
        result = await self.invoke(cmdlet, params, anchor=anchor)
        call = CmdletCall(cmdlet, _label(params), self._exchange.hostname)
        return [_typed(model, value, call) for value in result.values]

    async def _one(
        self,
        model: type[_M],
        cmdlet: str,
        params: Mapping[str, Any],
        *,
        anchor: str | None,
    ) -> _M:
        found = await self._objects(model, cmdlet, params, anchor=anchor)
        if len(found) != 1:
            call = CmdletCall(cmdlet, _label(params), self._exchange.hostname)
            raise IntegrationError(
                f"Exchange Online answered {call.label} with {len(found)} objects instead of "
                "one. Use the full address.",
                service=SERVICE,
                host=call.host,
            )
        return found[0]

    async def _toggle_rule(
        self, cmdlet: str, mailbox: str, rule_identity: str, anchor: str | None
    ) -> InvokeResult:
        params = {"Identity": rule_identity, "Mailbox": mailbox, **_NO_CONFIRM}
        return await self.invoke(cmdlet, params, anchor=anchor or _upn_or_none(mailbox))

    async def _group_member(self, cmdlet: str, group: str, member: str) -> InvokeResult:
        # The app manages no group (ManagedBy): without the bypass Exchange refuses.
        params: dict[str, Any] = {
            "Identity": group,
            "Member": member,
            "BypassSecurityGroupManagerCheck": True,
        }
        if cmdlet.startswith("Remove-"):
            params.update(_NO_CONFIRM)
        return await self.invoke(cmdlet, params, anchor=None)

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


def _label(params: Mapping[str, Any]) -> str:
    return str(params.get("Identity") or params.get("Mailbox") or params.get("Filter") or "")


def _folder_path(mailbox: str, folder: str) -> str:
    """`mailbox:\\folder`, how the folder cmdlets name a mailbox's folder."""
    return f"{mailbox}:\\{folder}"


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
