"""The digests read the obvious way with msgraph-sdk: the users page by page, then each user's
details awaited one by one.

Per tenant: the users with `signInActivity` and licences (the SDK's default page size), the
tenant-wide reads once (security defaults, Conditional Access policies, subscribedSkus,
directory/subscriptions), then for every user its registration details by id, its per-user MFA
state (beta, through the SDK's adapter) and the groups and roles it is in (`transitiveMemberOf`,
to tell which policies cover it). `SdkDigest.user_ids` and `SdkDigest.user` are apart so a
benchmark can time a few users and scale, instead of sending 3 requests per user at 50 ms each.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from kiota_abstractions.base_request_configuration import RequestConfiguration
from msgraph.generated.users import users_request_builder as users

from bench.measure import BenchmarkFailed, Requests
from bench.msgraph_baseline import SdkSession, open_sdk_session
from integrations.graph import user_path
from sandbox import Sandbox

__all__ = ["USER_FIELDS", "SdkDigest", "SdkTimes", "sdk_baseline"]

USER_FIELDS = (
    "id",
    "userPrincipalName",
    "displayName",
    "accountEnabled",
    "userType",
    "createdDateTime",
    "signInActivity",
    "assignedLicenses",
)
_UsersQuery = users.UsersRequestBuilder.UsersRequestBuilderGetQueryParameters


@dataclass(frozen=True)
class SdkDigest:
    session: SdkSession

    async def user_ids(self) -> list[str]:
        """Every user's id, following `@odata.nextLink` page by page."""
        client = self.session.client
        query = RequestConfiguration(query_parameters=_UsersQuery(select=list(USER_FIELDS)))
        page = await client.users.get(query)
        ids: list[str] = []
        while page is not None:
            ids.extend(user.id for user in page.value or () if user.id)
            if not page.odata_next_link:
                break
            page = await client.users.with_url(page.odata_next_link).get()
        return ids

    async def tenant_wide(self) -> None:
        """What every digest shares, read once per tenant."""
        client = self.session.client
        await client.policies.identity_security_defaults_enforcement_policy.get()
        await client.identity.conditional_access.policies.get()
        await client.subscribed_skus.get()
        await client.directory.subscriptions.get()

    async def user(self, user_id: str) -> None:
        """One user's registration details, per-user MFA state, groups and roles."""
        client = self.session.client
        report = client.reports.authentication_methods.user_registration_details
        await report.by_user_registration_details_id(user_id).get()
        await self.session.beta(f"{user_path(user_id)}/authentication/requirements")
        await client.users.by_user_id(user_id).transitive_member_of.get()


@dataclass(frozen=True)
class SdkTimes:
    """One tenant read by `SdkDigest`: what it shares, then the mean of one user."""

    shared_seconds: float
    per_user_seconds: float
    shared_requests: int
    per_user_requests: float


async def sdk_baseline(sandbox: Sandbox, tenant: str, users: int) -> SdkTimes:
    """`tenant`'s users listed and its shared reads made, then the first `users` users read."""
    async with open_sdk_session(sandbox, sandbox.tenant(tenant)) as session:
        digest = SdkDigest(session)
        await session.client.organization.get()  # signs in: tokens are warm, as Deskhand's are
        mark, started = len(sandbox.requests), time.perf_counter()
        ids = await digest.user_ids()
        await digest.tenant_wide()
        shared, middle = time.perf_counter() - started, len(sandbox.requests)
        timed = ids[:users]
        if not timed:
            raise BenchmarkFailed(f"msgraph-sdk listed no users in {tenant}")
        started = time.perf_counter()
        for user_id in timed:
            await digest.user(user_id)
        per_user = (time.perf_counter() - started) / len(timed)
        return SdkTimes(
            shared,
            per_user,
            Requests.of(sandbox.requests[mark:middle]).graph,
            Requests.of(sandbox.requests[middle:]).graph / len(timed),
        )
