"""`deskhand run` as a script would use it: a real process on the embedded default."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest


def deskhand(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DESKHAND_")}
    env["DESKHAND_HOME"] = str(tmp_path / "home")
    return subprocess.run(
        [sys.executable, "-c", "from bot.operator.cli import main; main()", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=60,
        check=False,
    )


def test_run_json_prints_the_reply_and_exits_zero(tmp_path: Path) -> None:
    done = deskhand(tmp_path, "run", "--json", "/user adele.vance@contoso.com")
    assert done.returncode == 0, done.stderr
    reply = json.loads(done.stdout)
    assert (reply["command"], reply["tenant"], reply["ok"]) == ("user", "contoso", True)
    assert reply["data"]["userPrincipalName"] == "adele.vance@contoso.com"
    assert reply["data"]["accountEnabled"] is True
    assert reply["data"]["verdict"] == "active, MFA registered"
    assert reply["text"].startswith("Adele Vance (adele.vance@contoso.com)")


def test_run_json_gives_forwarding_under_exchanges_and_graphs_names(tmp_path: Path) -> None:
    done = deskhand(tmp_path, "run", "--json", "/forwarding show megan.bowen@contoso.com")
    assert done.returncode == 0, done.stderr
    reply = json.loads(done.stdout)
    assert (reply["command"], reply["tenant"], reply["ok"]) == ("forwarding show", "contoso", True)
    data = reply["data"]
    assert data["userPrincipalName"] == "megan.bowen@contoso.com"
    assert data["mailbox"]["ForwardingSmtpAddress"] == "smtp:megan.bowen.archive@outlook.com"
    assert data["mailbox"]["DeliverToMailboxAndForward"] is False
    assert [rule["isEnabled"] for rule in data["inboxRules"]] == [True]
    assert data["mailLeavesOrganisation"] is True
    assert "Mail leaves the organisation" in reply["text"]


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("/user nobody@contoso.com", "error: No user in Contoso matches 'nobody@contoso.com'."),
        ("/frobnicate", "error: There is no command /frobnicate."),
        ("/user adele --tenant initech", "error: You have no access to tenant 'initech'"),
    ],
)
def test_run_errors_exit_nonzero_with_one_line(tmp_path: Path, line: str, message: str) -> None:
    done = deskhand(tmp_path, "run", line)
    assert done.returncode == 1
    assert done.stdout == ""
    assert done.stderr.count("\n") == 1
    assert done.stderr.startswith(message)
    assert "Traceback" not in done.stderr


def test_the_tenant_option_picks_the_tenant(tmp_path: Path) -> None:
    done = deskhand(
        tmp_path, "run", "--tenant", "fabrikam", "--json", "/user ben.walters@fabrikam.com"
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["data"]["displayName"] == "Ben Walters"


def test_an_address_in_another_tenant_picks_that_tenant(tmp_path: Path) -> None:
    done = deskhand(tmp_path, "run", "--json", "/user katie.jordan@fabrikam.com")
    assert done.returncode == 0, done.stderr
    reply = json.loads(done.stdout)
    assert (reply["tenant"], reply["data"]["userPrincipalName"]) == (
        "fabrikam",
        "katie.jordan@fabrikam.com",
    )


def test_every_command_is_in_the_audit_log(tmp_path: Path) -> None:
    deskhand(tmp_path, "run", "/user adele.vance@contoso.com")
    deskhand(tmp_path, "run", "/user nobody@contoso.com")
    import sqlite3

    with sqlite3.connect(tmp_path / "home" / "deskhand.db") as db:
        rows = db.execute("SELECT command, target, outcome FROM audit_log ORDER BY id").fetchall()
    assert rows == [
        ("user", "adele.vance@contoso.com", "ok"),
        ("user", "nobody@contoso.com", "rejected"),
    ]
