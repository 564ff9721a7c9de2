"""`deskhand permissions`: what each command needs, and the union to grant, from the specs."""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import BaseModel
from rich.console import Console

from bot.operator.permissions_report import collect, print_report, report_json
from cards.reply import Reply
from commands import REGISTRY
from commands.kit.plan import Plan
from commands.kit.registry import Registry, command
from tests.cli.test_run import deskhand


class _Args(BaseModel):
    pass


def _registry() -> Registry:
    registry = Registry()

    async def handler(ctx: object, args: _Args) -> Reply:
        raise NotImplementedError

    async def planner(ctx: object, args: _Args) -> Plan:
        raise NotImplementedError

    command("look", args=_Args, permissions=("User.Read.All",), registry=registry)(handler)
    command(
        "forward off",
        args=_Args,
        permissions=("Exchange.ManageAsApp", "Entra role: Exchange Administrator"),
        plan=planner,
        registry=registry,
    )(handler)
    command(
        "reset",
        args=_Args,
        permissions=(
            "User.Read.All",
            "User-PasswordProfile.ReadWrite.All",
            "Entra role: User Administrator",
        ),
        plan=planner,
        registry=registry,
    )(handler)
    command("help-ish", args=_Args, registry=registry)(handler)
    return registry


def test_each_command_splits_into_graph_exchange_and_roles() -> None:
    report = collect(_registry())

    assert [n.command for n in report.commands] == ["forward off", "look", "reset"]
    forward, look, reset = report.commands
    assert (forward.destructive, forward.graph, forward.exchange, forward.roles) == (
        True,
        (),
        ("Exchange.ManageAsApp",),
        ("Exchange Administrator",),
    )
    assert (look.destructive, look.graph) == (False, ("User.Read.All",))
    assert reset.graph == ("User-PasswordProfile.ReadWrite.All", "User.Read.All")


def test_the_union_says_which_commands_need_each_grant() -> None:
    report = collect(_registry())

    assert report.graph == {
        # Deskhand reads its own grants (access tokens are not for it to read).
        "Application.Read.All": ("deskhand doctor", "the check before confirmations"),
        "User-PasswordProfile.ReadWrite.All": ("reset",),
        "User.Read.All": ("look", "reset"),
    }
    assert report.exchange == {"Exchange.ManageAsApp": ("forward off",)}
    assert report.roles == {
        "Exchange Administrator": ("forward off",),
        "User Administrator": ("reset",),
    }


def test_the_table_shows_whole_names() -> None:
    console = Console(record=True, width=160)

    print_report(collect(_registry()), console)

    shown = console.export_text()
    assert "reset (destructive)" in shown
    assert "User-PasswordProfile.ReadWrite.All" in shown
    assert "Office 365 Exchange Online application permission" in shown
    assert "Microsoft Entra directory role" in shown
    assert "…" not in shown


def test_the_json_lists_every_permission_the_installed_commands_declare(tmp_path: Path) -> None:
    done = deskhand(tmp_path, "permissions", "--json")

    assert done.returncode == 0, done.stderr
    printed = json.loads(done.stdout)
    assert printed == report_json(collect(REGISTRY))
    declared = {p for spec in REGISTRY for p in spec.permissions if not p.startswith("Entra role:")}
    granted = {
        *printed["consent"]["Microsoft Graph"],
        *printed["consent"]["Office 365 Exchange Online"],
    }
    assert granted == declared | {"Application.Read.All"}
    delete = next(c for c in printed["commands"] if c["command"] == "delete-user")
    assert delete["destructive"] is True
    assert "User.DeleteRestore.All" in delete["application_permissions"]["Microsoft Graph"]
    assert "reset-password" in printed["directory_roles"]["User Administrator"]


def test_the_table_is_printed_without_options(tmp_path: Path) -> None:
    done = deskhand(tmp_path, "permissions")

    assert done.returncode == 0, done.stderr
    assert "What to grant Deskhand's app" in done.stdout
