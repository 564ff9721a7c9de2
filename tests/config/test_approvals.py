from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import load_settings
from bot.config.approvals import ApprovalMode
from core.errors import ConfigurationError
from tests.config.conftest import write_toml
from tests.config.test_settings import CONTOSO_TOML

APPROVALS = """
[approvals]
confirm_minutes = 10
per_technician_per_hour = 5

[[approvals.policies]]
command = "reset-password"
approval = "four-eyes"
reason = true
console = false

[approvals.tenants.contoso]
slack_channel = "C0APPROVE1"
approvers = ["Abe@MSP.example"]
break_glass = ["BreakGlass@contoso.com"]
"""


def test_policies_and_routes_are_read_from_the_toml_file(tmp_path: Path) -> None:
    write_toml(tmp_path / "deskhand.toml", CONTOSO_TOML + APPROVALS)

    approvals = load_settings().approvals

    strict = approvals.policy("reset-password", "contoso")
    assert (strict.approval, strict.reason, strict.console) == (ApprovalMode.FOUR_EYES, True, False)
    assert approvals.policy("block", "contoso").approval is ApprovalMode.CONFIRM
    route = approvals.route("contoso")
    assert route.approvers == ("abe@msp.example",) and route.break_glass == (
        "breakglass@contoso.com",
    )
    assert approvals.confirm_within.total_seconds() == 600


def test_approvals_naming_an_unknown_tenant_are_refused(tmp_path: Path) -> None:
    write_toml(
        tmp_path / "deskhand.toml",
        CONTOSO_TOML + APPROVALS.replace("tenants.contoso", "tenants.initech"),
    )

    with pytest.raises(ConfigurationError, match=r"approvals\.tenants\.initech"):
        load_settings()


def test_an_unknown_approval_mode_is_refused(tmp_path: Path) -> None:
    write_toml(tmp_path / "deskhand.toml", CONTOSO_TOML + APPROVALS.replace("four-eyes", "two"))

    with pytest.raises(ConfigurationError, match="approval"):
        load_settings()
