"""/offboard's OneDrive step: the OneDrive's URL is read when planning, and the manager (or
--onedrive-to) is made its site collection administrator through SharePoint's admin API, which
takes only a certificate credential."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.process.runtime import Runtime
from commands.offboard import OffboardArgs, plan_offboard
from commands.offboard_effects import SECRET_ONLY
from commands.offboard_steps import offboard_steps
from commands.queries.offboarding import Snapshot
from integrations.graph import AppCredentials, CertificateCredential, CloudEndpoints
from integrations.outbound import create_http_client
from integrations.sharepoint import SharePointAdmin, SharePointClient
from sandbox.sharepoint.admin_api import PROCESS_QUERY
from tests.certificates import self_signed_text
from tests.commands.contexts import contoso_context
from tests.commands.offboard_kit import FakeStep, plan_steps, twice
from tests.commands.sandbox_state import sandbox_of

SITE = "https://contoso-my.sharepoint.com/personal/adele_vance_contoso_com"
MIRIAM = "miriam.graham@contoso.com"


@pytest.fixture
async def certified(runtime: Runtime) -> AsyncIterator[SharePointClient]:
    """Contoso's SharePoint client signing in with a certificate the sandbox knows, and the
    tenant's consent to Sites.FullControl.All."""
    sandbox = sandbox_of(runtime)
    registration = sandbox.tenant("contoso")
    registration.permissions.add("Sites.FullControl.All")
    key_pem, cert_pem = self_signed_text()
    registration.register_certificate(cert_pem.encode())
    credentials = AppCredentials(
        registration.tenant_id,
        registration.client_id,
        certificate=CertificateCredential(key_pem, cert_pem),
    )
    admin = SharePointAdmin(sandbox.url, resource=registration.sharepoint_admin)
    async with create_http_client(sandbox.ca_file, timeout=5.0) as http:
        client = SharePointClient(
            http,
            credentials,
            CloudEndpoints(sandbox.url, sandbox.url),
            admin,
            ca_bundle=sandbox.ca_file,
        )
        yield client
        await client.aclose()


def _admins(runtime: Runtime) -> tuple[str, ...]:
    return sandbox_of(runtime).tenant("contoso").directory.site_admins.get(SITE, ())


def _process_queries(runtime: Runtime) -> list[str]:
    return [str(r.body["xml"]) for r in sandbox_of(runtime).requests if r.path == PROCESS_QUERY]


async def test_the_manager_becomes_admin_of_the_onedrive_read_at_plan_time(
    runtime: Runtime, certified: SharePointClient
) -> None:
    ctx = contoso_context(runtime, sharepoint_client=certified)
    ctx, steps = await plan_steps(runtime, ctx=ctx)

    first, second = await twice(steps["onedrive"], FakeStep(ctx))

    assert first.detail == f"{MIRIAM} is site collection administrator of {SITE}"
    assert _admins(runtime) == (MIRIAM,)
    sent = _process_queries(runtime)
    assert len(sent) == 2 and all('Name="SetSiteAdmin"' in xml for xml in sent)
    assert f'<Parameter Type="String">{SITE}</Parameter>' in sent[0]
    assert f'<Parameter Type="String">{MIRIAM}</Parameter>' in sent[0]
    assert _admins(runtime) == (MIRIAM,) and not second.skipped  # a flag: set again, same


async def test_onedrive_to_names_someone_else(
    runtime: Runtime, certified: SharePointClient
) -> None:
    ctx = contoso_context(runtime, sharepoint_client=certified)
    alex = "alex.wilber@contoso.com"
    ctx, steps = await plan_steps(runtime, ctx=ctx, onedrive_to=alex)

    await steps["onedrive"].run(FakeStep(ctx))

    assert _admins(runtime) == (alex,)


async def test_with_only_a_client_secret_the_step_is_skipped_and_says_why(
    runtime: Runtime,
) -> None:
    ctx = contoso_context(runtime)  # the runtime's Contoso signs in with a client secret
    plan = await plan_offboard(ctx, OffboardArgs(user="adele"))
    step = next(
        s for s in offboard_steps(ctx, OffboardArgs(user="adele"), plan) if s.key == "onedrive"
    )

    result = await step.run(FakeStep(ctx))

    assert result.skipped and result.detail == f"skipped: {SECRET_ONLY}"
    assert f"OneDrive for Miriam Graham ({MIRIAM}): skipped, {SECRET_ONLY}" in plan.effects
    assert Snapshot.from_json(str(plan.state["snapshot"])).onedrive == SITE
    assert _process_queries(runtime) == [] and _admins(runtime) == ()


async def test_a_confirmed_action_runs_with_the_tenants_sharepoint_client(
    runtime: Runtime,
) -> None:
    tenant = next(t for t in runtime.router.tenants.tenants if t.name == "contoso")

    ctx = runtime.contexts.for_action(
        contoso_context(runtime).actor, tenant, request_id="r", channel="console", private=True
    )

    assert ctx.sharepoint_client is not None
    assert ctx.sharepoint_client is runtime.router.tenants.sharepoint(tenant)
