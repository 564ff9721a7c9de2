"""`deskhand doctor` against the sandbox: a ready tenant, and half-configured ones it explains."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from pydantic import BaseModel
from rich.console import Console

from bot.doctor import Check, Status, TenantReport, _tap_policy, _Tenant, check_tenant
from bot.doctor_run import doctor_reports, print_reports
from bot.permissions_report import collect
from bot.runtime import Runtime
from cards.reply import Reply
from commands import REGISTRY
from commands.context import TenantInfo
from commands.registry import Registry, command
from integrations.graph import AppCredentials, CloudEndpoints, GraphClient, create_http_client
from integrations.sandbox import Sandbox
from integrations.sandbox.tenant import SandboxTenant
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


async def _check(runtime: Runtime, info: TenantInfo, client: GraphClient) -> TenantReport:
    return await check_tenant(
        info, client, collect(REGISTRY), ca_bundle=_sandbox(runtime).ca_file, has_tap=False
    )


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
    tenant.permissions -= {"User.DeleteRestore.All", "User.RevokeSessions.All"}
    tenant.app_roles.clear()

    report = await _check(runtime, info, client)

    assert not report.healthy
    graph = _checks(report)["Microsoft Graph permissions"]
    assert graph.status is Status.MISSING
    assert graph.detail == (
        "Not granted: User.DeleteRestore.All (for /delete-user, /restore-user); "
        "User.RevokeSessions.All (for /block, /revoke-sessions)"
    )
    assert graph.fix.startswith(
        "Add User.DeleteRestore.All, User.RevokeSessions.All in Microsoft Entra admin center > "
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

    report = await _check(runtime, info, client)

    (check,) = report.checks
    assert (check.area, check.status) == ("Sign-in", Status.MISSING)
    assert "AADSTS7000215" in check.detail
    assert "the client secret is wrong" in check.detail
    assert "adminconsent" in check.fix


async def test_without_reading_service_principals_the_token_names_the_app(
    runtime: Runtime, initech: tuple[TenantInfo, GraphClient, SandboxTenant]
) -> None:
    info, client, tenant = initech
    _configure_fully(tenant)
    tenant.permissions.discard("Directory.Read.All")
    tenant.permissions.discard("Application.Read.All")

    report = await _check(runtime, info, client)

    role = _checks(report)["Role: User Administrator"]
    assert role.status is Status.OK
    assert "taken from the access token" in role.detail
    paths = [r.path for r in _sandbox(runtime).requests if r.tenant == "initech"]
    assert f"/v1.0/servicePrincipals(appId='{tenant.client_id}')" in paths


async def test_a_global_administrator_app_is_ready_but_told_it_holds_too_much(
    runtime: Runtime, initech: tuple[TenantInfo, GraphClient, SandboxTenant]
) -> None:
    info, client, tenant = initech
    _configure_fully(tenant)
    tenant.app_roles = {"Global Administrator"}

    report = await _check(runtime, info, client)

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
    assert done.stderr.startswith("error: No tenant called 'initech'.")
    assert "Traceback" not in done.stderr


async def test_exchange_permissions_are_read_from_an_exchange_token(
    runtime: Runtime, initech: tuple[TenantInfo, GraphClient, SandboxTenant]
) -> None:
    info, client, tenant = initech
    _configure_fully(tenant)
    needs = collect([*REGISTRY, *_exchange_command()])
    tenant.permissions.discard("Exchange.ManageAsApp")

    missing = await check_tenant(info, client, needs, ca_bundle=_sandbox(runtime).ca_file)
    tenant.permissions.add("Exchange.ManageAsApp")
    granted = await check_tenant(info, client, needs, ca_bundle=_sandbox(runtime).ca_file)

    before = _checks(missing)["Office 365 Exchange Online permissions"]
    assert before.status is Status.MISSING
    # The installed Exchange commands (/forwarding ...) are named too, whatever they are.
    assert before.detail.startswith("Not granted: Exchange.ManageAsApp (for /")
    assert before.detail.endswith("/mailbox-test)")
    assert "APIs my organization uses > Office 365 Exchange Online" in before.fix
    assert _checks(granted)["Office 365 Exchange Online permissions"].status is Status.OK


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
    tenant = _Tenant(info, _PolicyGraph(state), collect(()), None, True)  # type: ignore[arg-type]

    check = await _tap_policy(tenant)

    assert (check.status, check.detail) == (status, words)
    if status is Status.MISSING:
        assert "Authentication methods > Policies > Temporary Access Pass > Enable" in check.fix
