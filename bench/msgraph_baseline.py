"""The baseline a developer would write with msgraph-sdk: typed calls awaited one by one.

The SDK is pointed at the sandbox the way it is pointed at a national cloud: azure-identity's
`ClientSecretCredential` with the sandbox as authority, the Graph host allowed for tokens, the
request adapter's base URL on the sandbox, and an httpx client (HTTP/2, as the SDK's default)
that trusts the sandbox's test CA. The v1.0 SDK has no beta endpoints, so the per-user MFA call
goes through the same adapter as a raw request. The requests carry the same `$select` and
`$filter` as Deskhand's own, taken from `commands.user`.
"""

from __future__ import annotations

import ssl
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import TypeVar
from urllib.parse import urlsplit

import httpx
from azure.core.exceptions import AzureError
from azure.identity.aio import ClientSecretCredential
from kiota_abstractions.api_error import APIError
from kiota_abstractions.base_request_configuration import RequestConfiguration
from kiota_abstractions.method import Method
from kiota_abstractions.request_information import RequestInformation
from kiota_authentication_azure.azure_identity_authentication_provider import (
    AzureIdentityAuthenticationProvider,
)
from msgraph.generated.reports.authentication_methods.user_registration_details import (
    user_registration_details_request_builder as registration,
)
from msgraph.generated.subscribed_skus import subscribed_skus_request_builder as skus
from msgraph.generated.users import users_request_builder as users
from msgraph.generated.users.item import user_item_request_builder as user_item
from msgraph.generated.users.item.manager import manager_request_builder as manager
from msgraph.generated.users.item.member_of import member_of_request_builder as member_of
from msgraph.graph_request_adapter import GraphRequestAdapter
from msgraph.graph_service_client import GraphServiceClient
from msgraph_core import GraphClientFactory  # type: ignore[import-untyped]

from bench.measure import BenchmarkFailed
from commands.user import screen_requests
from integrations.graph import BatchRequest, user_path
from integrations.graph.odata import encode_path
from sandbox import Sandbox, SandboxTenant

__all__ = ["SDK_ERRORS", "SdkLookup", "SdkSession", "open_sdk_lookup", "open_sdk_session"]

_TIMEOUT = httpx.Timeout(30.0, connect=10.0)
SDK_ERRORS = (APIError, AzureError, httpx.HTTPError)
"""What a failing SDK call raises: Graph's answer, the sign-in, or the connection."""
_T = TypeVar("_T")

_UserQuery = user_item.UserItemRequestBuilder.UserItemRequestBuilderGetQueryParameters
_ManagerQuery = manager.ManagerRequestBuilder.ManagerRequestBuilderGetQueryParameters
_MemberOfQuery = member_of.MemberOfRequestBuilder.MemberOfRequestBuilderGetQueryParameters
_SkusQuery = skus.SubscribedSkusRequestBuilder.SubscribedSkusRequestBuilderGetQueryParameters
_UsersQuery = users.UsersRequestBuilder.UsersRequestBuilderGetQueryParameters
_Report = registration.UserRegistrationDetailsRequestBuilder
_RegistrationQuery = _Report.UserRegistrationDetailsRequestBuilderGetQueryParameters


@dataclass(frozen=True)
class SdkSession:
    """A signed-in SDK client for one sandbox tenant; `beta` for what the v1.0 SDK lacks."""

    client: GraphServiceClient
    adapter: GraphRequestAdapter
    beta_url: str

    async def beta(self, path: str) -> None:
        """A raw beta GET through the SDK's adapter (`path` relative to the version)."""
        request = RequestInformation(Method.GET)
        request.url = f"{self.beta_url}{encode_path(path)}"
        request.headers.try_add("Accept", "application/json")
        await self.adapter.send_primitive_async(request, "bytes", {})


@dataclass(frozen=True)
class SdkLookup:
    """The /user screen through msgraph-sdk, one awaited call after another."""

    session: SdkSession

    @property
    def client(self) -> GraphServiceClient:
        return self.session.client

    async def screen(self, key: str) -> None:
        """The same reads as `fetch_user_screen`: seven v1.0 calls, then the beta one."""
        asked = _queries(key)
        user = self.client.users.by_user_id(key)
        await user.get(_config(_UserQuery(select=_select(asked["user"]))))
        await user.get(_config(_UserQuery(select=_select(asked["signins"]))))
        await user.manager.get(_config(_ManagerQuery(select=_select(asked["manager"]))))
        groups = asked["memberOf"]
        top = int(groups.params["$top"])
        await user.member_of.get(_config(_MemberOfQuery(select=_select(groups), top=top)))
        await user.authentication.methods.get()
        await self._registration(key, asked["registration"])
        await self.client.subscribed_skus.get(_config(_SkusQuery(select=_select(asked["skus"]))))
        await self.session.beta(f"{user_path(key)}/authentication/requirements")

    async def search(self, query: Mapping[str, str]) -> str:
        """The id of the first user a `/users` search finds (`query` as Deskhand sends it)."""
        parameters = _UsersQuery(
            filter=query["$filter"], select=query["$select"].split(","), top=int(query["$top"])
        )
        found = await self.client.users.get(_config(parameters))
        matches = found.value if found else None
        if not matches or not matches[0].id:
            raise BenchmarkFailed("msgraph-sdk's user search found nobody")
        return matches[0].id

    async def _registration(self, key: str, asked: BatchRequest) -> None:
        report = self.client.reports.authentication_methods.user_registration_details
        if "$filter" in asked.params:
            await report.get(_config(_RegistrationQuery(filter=asked.params["$filter"])))
        else:
            await report.by_user_registration_details_id(key).get()


@asynccontextmanager
async def open_sdk_session(sandbox: Sandbox, tenant: SandboxTenant) -> AsyncIterator[SdkSession]:
    """An SDK client for `tenant`, signing in on its first call."""
    authority = urlsplit(sandbox.url)
    credential = ClientSecretCredential(
        tenant.tenant_id,
        tenant.client_id,
        tenant.client_secret,
        authority=authority.netloc,
        connection_verify=str(sandbox.ca_file),
    )
    trust = ssl.create_default_context(cafile=str(sandbox.ca_file))
    async with credential, httpx.AsyncClient(verify=trust, http2=True, timeout=_TIMEOUT) as http:
        auth = AzureIdentityAuthenticationProvider(
            credential,
            scopes=[f"{sandbox.url}/.default"],
            allowed_hosts=[authority.hostname or ""],
        )
        adapter = GraphRequestAdapter(
            auth, client=GraphClientFactory.create_with_default_middleware(client=http)
        )
        adapter.base_url = f"{sandbox.url}/v1.0"
        yield SdkSession(
            GraphServiceClient(request_adapter=adapter), adapter, f"{sandbox.url}/beta"
        )


@asynccontextmanager
async def open_sdk_lookup(
    sandbox: Sandbox, tenant: SandboxTenant, *, probe: str
) -> AsyncIterator[SdkLookup]:
    """A signed-in SDK client for `tenant`; `BenchmarkFailed` if it cannot read from the sandbox.

    The screen of user `probe` is read before this yields, so the SDK's token is warm, like
    Deskhand's, and a client that cannot work is reported instead of measured.
    """
    async with open_sdk_session(sandbox, tenant) as session:
        lookup = SdkLookup(session)
        try:
            await lookup.screen(probe)
        except SDK_ERRORS as error:
            raise BenchmarkFailed(
                f"msgraph-sdk could not read from the sandbox ({type(error).__name__})"
            ) from None
        yield lookup


def _config(parameters: _T) -> RequestConfiguration[_T]:
    return RequestConfiguration(query_parameters=parameters)


def _queries(key: str) -> dict[str, BatchRequest]:
    return {request.id: request for request in screen_requests(key, user_path(key))}


def _select(request: BatchRequest) -> list[str]:
    return request.params["$select"].split(",")
