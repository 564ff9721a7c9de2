"""`deskhand run --json`: every command prints one JSON document holding its data, for scripts."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

from bot.channels.console import ConsoleSession
from bot.pipeline.invocation import Invocation
from bot.process.runtime import Runtime
from commands import REGISTRY
from tests.plugins.runtime import OPERATOR

LINES = {
    "approve": "/approve NoSuchAction",
    "audit": "/audit",
    "block": "/block lynne.robbins@contoso.com",
    "cancel": "/cancel NoSuchAction",
    "confirm": "/confirm NoSuchAction",
    "delete-user": "/delete-user diego.siciliani@contoso.com",
    "deny": "/deny NoSuchAction --reason no",
    "digest inactive": "/digest inactive",
    "digest licenses": "/digest licenses",
    "digest mfa": "/digest mfa --all",
    "edit-user": "/edit-user adele.vance@contoso.com --job-title 'Store Manager'",
    "forwarding off": "/forwarding off megan.bowen@contoso.com",
    "forwarding show": "/forwarding show megan.bowen@contoso.com",
    "grant": "/grant someone@msp.example readonly --tenant contoso",
    "grants": "/grants",
    "group add": "/group add adele.vance@contoso.com 'IT Helpdesk'",
    "group remove": "/group remove adele.vance@contoso.com 'All Company'",
    "guard": "/guard --tenant contoso",
    "help": "/help",
    "job": "/job NoSuchJob",
    "job retry": "/job retry NoSuchJob 1",
    "jobs": "/jobs",
    "license add": "/license add lynne.robbins@contoso.com 'Microsoft 365 E3'",
    "license remove": "/license remove adele.vance@contoso.com 'Microsoft 365 E3'",
    "licenses": "/licenses",
    "mfa methods": "/mfa methods adele.vance@contoso.com",
    "mfa reregister": "/mfa reregister lynne.robbins@contoso.com",
    "mfa state": "/mfa state enforced adele.vance@contoso.com",
    "offboard": "/offboard megan.bowen@contoso.com --reason T-1",
    "offboard undo": "/offboard undo NoSuchJob",
    "ooo off": "/ooo off adele.vance@contoso.com",
    "ooo set": "/ooo set adele.vance@contoso.com --internal 'Back Monday.'",
    "pending": "/pending",
    "reset-password": "/reset-password lynne.robbins@contoso.com",
    "restore-user": "/restore-user nobody@contoso.com",
    "revoke-grant": "/revoke-grant someone@msp.example readonly --tenant contoso",
    "revoke-sessions": "/revoke-sessions adele.vance@contoso.com",
    "schedule add": "/schedule add 'digest mfa --tenant contoso' --cron '0 8 * * MON' --to console",
    "schedule list": "/schedule list",
    "schedule remove": "/schedule remove no-such-schedule",
    "schedule run-now": "/schedule run-now no-such-schedule",
    "tap": "/tap adele.vance@contoso.com",
    "tenants": "/tenants",
    "unblock": "/unblock alex.wilber@contoso.com",
    "user": "/user adele.vance@contoso.com",
    "users": "/users",
}


async def run_json(runtime: Runtime, tmp_path: Path, line: str) -> tuple[int, dict[str, Any]]:
    """The line as `deskhand run --json --yes` runs it; stdout parsed as one JSON document."""
    out = io.StringIO()
    session = ConsoleSession(
        runtime.router,
        Console(file=out, width=80),
        Console(file=io.StringIO()),
        tmp_path / "exports",
        OPERATOR,
    )
    status = await session.run_once(line, tenant=None, as_json=True, confirm=True)
    return status, json.loads(out.getvalue())


def test_every_command_has_a_line_here() -> None:
    assert sorted(LINES) == sorted(spec.name for spec in REGISTRY)


@pytest.mark.parametrize("name", sorted(LINES))
async def test_every_command_prints_one_json_document_with_data(
    runtime: Runtime, tmp_path: Path, name: str
) -> None:
    status, document = await run_json(runtime, tmp_path, LINES[name])
    assert set(document) >= {"command", "tenant", "ok", "data", "text"}
    assert document["ok"] is (status == 0)
    assert document["data"] not in (None, {}, []) or name in (
        "audit",
        "grants",
        "pending",
        "jobs",
        "schedule list",
    )
    if document["ok"]:
        assert document["command"] == name
    secret = document.get("secret")
    if secret:
        assert secret not in json.dumps(document["data"])
        assert secret not in document["text"]


async def test_user_data_has_graphs_property_names_and_values(
    runtime: Runtime, tmp_path: Path
) -> None:
    status, document = await run_json(runtime, tmp_path, "/user adele")
    assert status == 0
    assert (document["command"], document["tenant"]) == ("user", "contoso")
    data = document["data"]
    assert data["userPrincipalName"] == "adele.vance@contoso.com"
    assert data["accountEnabled"] is True
    assert data["signInActivity"]["lastSuccessfulSignInDateTime"].endswith("Z")
    assert data["isMfaRegistered"] is True
    assert "Adele Vance" in document["text"]


async def test_an_action_gives_its_target_changes_and_outcome_never_the_secret(
    runtime: Runtime, tmp_path: Path
) -> None:
    line = "/reset-password lynne.robbins@contoso.com"
    status, document = await run_json(runtime, tmp_path, line)
    assert status == 0, document
    assert document["command"] == "reset-password"
    data = document["data"]
    assert (data["command"], data["target"], data["state"]) == (
        "reset-password",
        "lynne.robbins@contoso.com",
        "done",
    )
    assert data["changes"]
    assert document["secret"]
    assert document["secret"] not in json.dumps(data) + document["text"]


async def test_lists_give_one_object_per_row(runtime: Runtime, tmp_path: Path) -> None:
    _, document = await run_json(runtime, tmp_path, "/tenants")
    assert [tenant["name"] for tenant in document["data"]] == ["contoso", "fabrikam"]
    _, document = await run_json(runtime, tmp_path, "/users")
    assert {row["userPrincipalName"] for row in document["data"]} >= {"adele.vance@contoso.com"}


@pytest.mark.parametrize("name", sorted(LINES))
async def test_every_command_answers_with_its_own_data_not_labels_drawn_from_blocks(
    runtime: Runtime, name: str
) -> None:
    """Data derived from the blocks holds display labels and strings ("4 months ago");
    a command that answers sets its own."""
    reply = await runtime.router.handle(
        Invocation(channel="console", actor=OPERATOR, text=LINES[name])
    )
    if reply.failed:
        return
    assert reply.data is not None, reply


async def test_mfa_state_run_with_yes_gives_the_new_per_user_state(
    runtime: Runtime, tmp_path: Path
) -> None:
    sandbox = runtime.sandbox
    assert sandbox is not None
    sandbox.tenant("contoso").permissions.add("Policy.ReadWrite.AuthenticationMethod")
    line = "/mfa state enforced adele.vance@contoso.com"

    status, document = await run_json(runtime, tmp_path, line)

    assert status == 0, document
    data = document["data"]
    assert (data["command"], data["state"]) == ("mfa state", "done")
    assert data["result"] == {
        "id": data["targetId"],
        "userPrincipalName": "adele.vance@contoso.com",
        "perUserMfaState": "enforced",
        "previousPerUserMfaState": "disabled",
        "visible": True,
    }
