"""`deskhand doctor` against the sandbox: a ready tenant, and half-configured ones it explains."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel
from rich.console import Console

from bot.config import load_settings
from bot.operator.doctor import check_tenant
from bot.operator.doctor_checklist import Check, Status, TenantReport, TenantUnderCheck
from bot.operator.doctor_directory import tap_state
from bot.operator.doctor_run import doctor_reports, print_reports
from bot.operator.permissions_report import collect
from bot.process.runtime import Runtime, open_runtime
from cards.reply import Reply
from commands import REGISTRY
from commands.kit.context import TenantInfo
from commands.kit.registry import Registry, command
from integrations.graph import AppCredentials, CloudEndpoints, GraphClient, TokenSource
from integrations.outbound import create_http_client
from sandbox import Sandbox, SandboxOptions
from sandbox.tenant import SandboxTenant
from tests.cli.test_run import deskhand


def _sandbox(runtime: Runtime) -> Sandbox:
    assert runtime.sandbox is not None
    return runtime.sandbox


def _checks(report: TenantReport) -> dict[str, Check]:
    return {check.area: check for check in report.checks}


def _configure_fully(tenant: SandboxTenant) -> None:
    """Everything the installed commands declare, whatever other command families add."""
    needs = collect(REGISTRY)
    tenant.permissions |= {*needs.graph, *needs.exchange}
    tenant.app_roles |= set(needs.roles)


@pytest.fixture
async def initech(runtime: Runtime) -> AsyncIterator[tuple[TenantInfo, GraphClient, SandboxTenant]]:
    """A generated tenant Deskhand was not started with, reached with its own Graph client."""
    sandbox = _sandbox(runtime)
    tenant = await sandbox.add_generated_tenant("initech", 30)
    http = create_http_client(sandbox.ca_file)
    credentials = AppCredentials(
        tenant.tenant_id, tenant.client_id, client_secret=tenant.client_secret
    )
    client = GraphClient(
        http, credentials, CloudEndpoints(sandbox.url, sandbox.url), ca_bundle=sandbox.ca_file
    )
    info = TenantInfo("initech", "Initech", tenant.domain, tenant.tenant_id, sandbox=True)
    try:
        yield info, client, tenant
    finally:
        await client.aclose()
        await http.aclose()


async def _check(info: TenantInfo, client: GraphClient, **options: Any) -> TenantReport:
    return await check_tenant(info, client, collect(REGISTRY), **options)


async def test_a_fully_configured_tenant_is_ready(runtime: Runtime) -> None:
    _configure_fully(_sandbox(runtime).tenant("contoso"))

    (report,) = await doctor_reports(runtime, "contoso")

    problems = [c for c in report.checks if c.status in (Status.MISSING, Status.UNCHECKED)]
    assert problems == []
    assert report.healthy
    checks = _checks(report)
    assert checks["Sign-in"].status is Status.OK
    assert checks["Microsoft Graph permissions"].status is Status.OK
    assert checks["Role: User Administrator"].detail == "Held by the app."
    assert checks["Entra ID P1"].status is Status.OK


async def test_missing_permissions_and_roles_are_named_with_their_commands_and_fix(
    runtime: Runtime, initech: tuple[TenantInfo, GraphClient, SandboxTenant]
) -> None:
    info, client, tenant = initech
    _configure_fully(tenant)
    # User.ReadWrite.All would stand in for the other two (their calls accept it).
    tenant.permissions -= {
        "User.DeleteRestore.All",
        "User.RevokeSessions.All",
        "User.ReadWrite.All",
    }
    tenant.app_roles.clear()

    report = await _check(info, client)

    assert not report.healthy
    graph = _checks(report)["Microsoft Graph permissions"]
    assert graph.status is Status.MISSING
    assert graph.detail == (
        "Not granted: User.DeleteRestore.All (for /delete-user, /restore-user); "
        "User.ReadWrite.All (for /edit-user); User.RevokeSessions.All (for /block, "
        "/offboard, /revoke-sessions)"
    )
    assert graph.fix.startswith(
        "Add User.DeleteRestore.All, User.ReadWrite.All, User.RevokeSessions.All in Microsoft "
        "Entra admin center > "
        "Identity > Applications > App registrations > the Deskhand app"
    )
    assert f"/{tenant.tenant_id}/adminconsent?client_id={tenant.client_id}" in graph.fix
    role = _checks(report)["Role: User Administrator"]
    assert role.status is Status.MISSING
    assert "/reset-password" in role.detail
    assert "Roles & admins > User Administrator > Add assignments" in role.fix


async def test_a_tenant_without_entra_id_p1_is_told_what_stops_working(runtime: Runtime) -> None:
    _configure_fully(_sandbox(runtime).tenant("fabrikam"))

    (report,) = await doctor_reports(runtime, "fabrikam")

    p1 = _checks(report)["Entra ID P1"]
    assert p1.status is Status.MISSING
    assert "last sign-in times" in p1.detail
    assert "Purchase services: Microsoft Entra ID P1" in p1.fix
    assert not report.healthy


async def test_a_wrong_secret_is_explained_and_nothing_else_is_checked(
    runtime: Runtime, initech: tuple[TenantInfo, GraphClient, SandboxTenant]
) -> None:
    info, client, tenant = initech
    tenant.client_secret = "rotated-by-someone"

    report = await _check(info, client)

    (check,) = report.checks
    assert (check.area, check.status) == ("Sign-in", Status.MISSING)
    assert "AADSTS7000215" in check.detail
    assert "the client secret is wrong" in check.detail
    assert "adminconsent" in check.fix


async def test_without_application_read_all_it_says_what_it_could_not_check(
    runtime: Runtime, initech: tuple[TenantInfo, GraphClient, SandboxTenant]
) -> None:
    info, client, tenant = initech
    _configure_fully(tenant)
    tenant.permissions -= {"Directory.Read.All", "Application.Read.All"}

    report = await _check(info, client)

    checks = _checks(report)
    grants = checks["Granted permissions"]
    assert grants.status is Status.UNCHECKED
    assert grants.fix.startswith("Add Application.Read.All in Microsoft Entra admin center")
    assert checks["Directory roles"].status is Status.UNCHECKED
    assert "Microsoft Graph permissions" not in checks
    assert not report.healthy


async def test_a_global_administrator_app_is_ready_but_told_it_holds_too_much(
    runtime: Runtime, initech: tuple[TenantInfo, GraphClient, SandboxTenant]
) -> None:
    info, client, tenant = initech
    _configure_fully(tenant)
    tenant.app_roles = {"Global Administrator"}

    report = await _check(info, client)

    assert report.healthy
    assert _checks(report)["Role: Global Administrator"].status is Status.NOTE


async def test_the_checklist_prints_every_check_and_the_verdict(runtime: Runtime) -> None:
    reports = await doctor_reports(runtime, "fabrikam")
    console = Console(record=True, width=200)

    print_reports(reports, console)

    shown = console.export_text()
    assert "Fabrikam (fabrikam, " in shown
    assert "Entra ID P1" in shown and "missing" in shown
    assert "fabrikam: Needs attention (see above)." in shown


def test_doctor_exits_one_and_prints_json_for_a_half_configured_tenant(tmp_path: Path) -> None:
    done = deskhand(tmp_path, "doctor", "--tenant", "fabrikam", "--json")

    assert done.returncode == 1, done.stderr
    (report,) = json.loads(done.stdout)
    assert report["tenant"] == "fabrikam"
    assert report["healthy"] is False
    p1 = next(c for c in report["checks"] if c["area"] == "Entra ID P1")
    assert p1["status"] == "missing"


def test_doctor_names_an_unknown_tenant(tmp_path: Path) -> None:
    done = deskhand(tmp_path, "doctor", "--tenant", "initech")

    assert done.returncode == 1
    assert done.stderr.startswith("error: You have no access to tenant 'initech'")
    assert "Traceback" not in done.stderr


async def test_exchange_permissions_are_read_from_the_grants_and_its_host_is_signed_in_to(
    runtime: Runtime, initech: tuple[TenantInfo, GraphClient, SandboxTenant]
) -> None:
    info, client, tenant = initech
    _configure_fully(tenant)
    needs = collect([*REGISTRY, *_exchange_command()])
    exchange = _exchange_tokens(runtime, tenant, "https://outlook.office365.com")
    tenant.permissions.discard("Exchange.ManageAsApp")

    missing = await check_tenant(info, client, needs, exchange=exchange)
    tenant.permissions.add("Exchange.ManageAsApp")
    granted = await check_tenant(info, client, needs, exchange=exchange)
    elsewhere = _exchange_tokens(runtime, tenant, "https://outlook.office365.us")
    unknown_host = await check_tenant(info, client, needs, exchange=elsewhere)

    before = _checks(missing)["Office 365 Exchange Online permissions"]
    assert before.status is Status.MISSING
    # The installed Exchange commands (/forwarding ...) are named too, whatever they are.
    assert before.detail.startswith("Not granted: Exchange.ManageAsApp (for /")
    assert before.detail.endswith("/mailbox-test, /offboard)")
    assert "APIs my organization uses > Office 365 Exchange Online" in before.fix
    assert _checks(granted)["Office 365 Exchange Online permissions"].status is Status.OK
    host = _checks(unknown_host)["Office 365 Exchange Online permissions"]
    assert host.status is Status.MISSING
    assert host.detail.startswith("No token for Exchange Online (https://outlook.office365.us)")
    await exchange.aclose()
    await elsewhere.aclose()


def _exchange_tokens(runtime: Runtime, tenant: SandboxTenant, resource: str) -> TokenSource:
    sandbox = _sandbox(runtime)
    credentials = AppCredentials(
        tenant.tenant_id, tenant.client_id, client_secret=tenant.client_secret
    )
    endpoints = CloudEndpoints(sandbox.url, sandbox.url, graph_resource=resource)
    return TokenSource(credentials, endpoints, ca_bundle=sandbox.ca_file)


def _exchange_command() -> Registry:
    registry = Registry()

    async def handler(ctx: object, args: BaseModel) -> Reply:
        raise NotImplementedError

    command(
        "mailbox-test", args=BaseModel, permissions=("Exchange.ManageAsApp",), registry=registry
    )(handler)
    return registry


class _PolicyGraph:
    """Answers the documented TAP policy read
    (temporaryaccesspassauthenticationmethodconfiguration-get.md)."""

    def __init__(self, state: str) -> None:
        self.state = state

    async def get(self, path: str, **_: object) -> dict[str, object]:
        assert path == (
            "/policies/authenticationMethodsPolicy/authenticationMethodConfigurations/"
            "TemporaryAccessPass"
        )
        return {
            "@odata.type": "#microsoft.graph.temporaryAccessPassAuthenticationMethodConfiguration",
            "id": "TemporaryAccessPass",
            "state": self.state,
            "defaultLifetimeInMinutes": 60,
            "defaultLength": 8,
            "minimumLifetimeInMinutes": 60,
            "maximumLifetimeInMinutes": 480,
            "isUsableOnce": False,
        }


@pytest.mark.parametrize(
    ("state", "status", "words"),
    [
        ("enabled", Status.OK, "Enabled (default lifetime 60 minutes): /tap can issue passes."),
        ("disabled", Status.MISSING, "Disabled in Initech: /tap cannot issue passes."),
    ],
)
async def test_the_tap_policy_state_is_reported(state: str, status: Status, words: str) -> None:
    info = TenantInfo("initech", "Initech", "initech.com", "0" * 8 + "-0000-0000-0000-" + "0" * 12)
    graph = _PolicyGraph(state)
    tenant = TenantUnderCheck(info, graph, collect(()), True, datetime.now(UTC))  # type: ignore[arg-type]

    check = await tap_state(tenant)

    assert (check.status, check.detail) == (status, words)
    if status is Status.MISSING:
        assert "Authentication methods > Policies > Temporary Access Pass > Enable" in check.fix


def test_doctor_passes_on_the_default_sandbox(tmp_path: Path) -> None:
    done = deskhand(tmp_path, "doctor", "--tenant", "contoso", "--json")

    assert done.returncode == 0, done.stdout + done.stderr
    (report,) = json.loads(done.stdout)
    assert report["healthy"] is True


async def test_a_tenant_lacking_permissions_is_told_exactly_which(runtime: Runtime) -> None:
    (report,) = await doctor_reports(runtime, "fabrikam")

    graph = _checks(report)["Microsoft Graph permissions"]
    assert graph.status is Status.MISSING
    assert graph.detail == (
        "Not granted: Policy.ReadWrite.AuthenticationMethod (for /mfa state); "
        "User.ReadWrite.All (for /edit-user); "
        "UserAuthenticationMethod.ReadWrite.All (for /mfa reregister, /offboard, /tap)"
    )


async def test_opaque_access_tokens_are_never_read(tmp_path: Path) -> None:
    settings = load_settings(home=tmp_path / "home", tenants={})
    options = SandboxOptions(opaque_tokens=True)
    async with open_runtime(settings, sandbox_options=options) as opaque:
        client = opaque.router.tenants.clients["contoso"]
        token = await client.tokens.token()
        (report,) = await doctor_reports(opaque, "contoso")

    assert token.count(".") != 2  # not a JWT: nothing for a client to decode
    assert [c for c in report.checks if c.status not in (Status.OK, Status.NOTE)] == []


async def test_a_broader_permission_covers_a_narrower_one(
    initech: tuple[TenantInfo, GraphClient, SandboxTenant],
) -> None:
    info, client, tenant = initech
    _configure_fully(tenant)
    tenant.permissions.discard("User.EnableDisableAccount.All")
    assert "User.ReadWrite.All" in tenant.permissions

    report = await _check(info, client)

    graph = _checks(report)["Microsoft Graph permissions"]
    assert graph.status is Status.OK
    assert "User.EnableDisableAccount.All through User.ReadWrite.All" in graph.detail


async def test_a_permission_granted_minutes_ago_is_not_called_missing(
    initech: tuple[TenantInfo, GraphClient, SandboxTenant],
) -> None:
    info, client, tenant = initech
    _configure_fully(tenant)
    tenant.permissions -= {
        "User.RevokeSessions.All",
        "User.ReadWrite.All",
        "Directory.ReadWrite.All",
    }
    await client.tokens.token()  # a token from before the consent
    now = datetime.now(UTC)
    tenant.grant("User.RevokeSessions.All", now - timedelta(minutes=5))

    report = await _check(info, client, now=now)

    checks = _checks(report)
    assert "User.RevokeSessions.All" not in checks["Microsoft Graph permissions"].detail
    fresh = checks["Recently granted: User.RevokeSessions.All"]
    assert fresh.status is Status.NOTE
    assert fresh.detail.startswith("Granted 5 minutes ago")


async def test_a_call_refused_although_its_permission_is_granted_is_not_called_missing(
    initech: tuple[TenantInfo, GraphClient, SandboxTenant],
) -> None:
    info, client, tenant = initech
    _configure_fully(tenant)
    tenant.permissions -= {"Organization.Read.All", "Directory.Read.All"}
    await client.tokens.token()  # cached: it lacks what is granted next
    tenant.grant("Organization.Read.All", datetime.now(UTC))
    tenant.grant("Directory.Read.All", datetime.now(UTC))

    report = await _check(info, client)

    licences = _checks(report)["Licences"]
    assert licences.status is Status.UNCHECKED
    assert "although Organization.Read.All is granted" in licences.detail
