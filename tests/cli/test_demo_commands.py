"""The destructive commands the README shows run on the demo's default consent."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli.test_run import deskhand


@pytest.mark.parametrize(
    "line",
    [
        "/tap lynne",
        "/mfa reregister lynne",
        "/mfa state enforced lynne",
        "/edit-user lynne --job-title Buyer",
    ],
)
def test_the_readme_commands_run_on_the_demo(tmp_path: Path, line: str) -> None:
    done = deskhand(tmp_path, "run", "--yes", line)

    shown = done.stdout + done.stderr
    assert "permission" not in shown, shown
    assert "Traceback" not in shown
    assert done.returncode == 0 or "nothing to do" in shown, shown
