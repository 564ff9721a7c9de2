"""One DESKHAND_HOME, several `deskhand run` processes: the embedded sandbox is one tenant that
remembers, as a technician's script expects, and `deskhand sandbox reset` seeds it again."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli.test_run import deskhand

_STATE = Path("home") / "sandbox" / "state.json"


def _sign_in(tmp_path: Path, user: str) -> str:
    shown = deskhand(tmp_path, "run", f"/user {user}")
    assert shown.returncode == 0, shown.stderr
    line = next(line for line in shown.stdout.splitlines() if line.startswith("Sign-in"))
    return line.split()[-1]


def test_a_block_is_still_there_in_the_next_run_until_the_sandbox_is_reset(
    tmp_path: Path,
) -> None:
    blocked = deskhand(tmp_path, "run", "--yes", "/block lynne --reason T-1")
    assert blocked.returncode == 0, blocked.stderr
    assert _sign_in(tmp_path, "lynne") == "blocked"

    reset = deskhand(tmp_path, "sandbox", "reset")
    assert reset.returncode == 0, reset.stderr
    assert reset.stdout.startswith("Sandbox reset: contoso, fabrikam are back as seeded")
    assert _sign_in(tmp_path, "lynne") == "enabled"


def test_a_user_deleted_in_one_run_is_restored_in_the_next(tmp_path: Path) -> None:
    deleted = deskhand(tmp_path, "run", "--yes", "/delete-user christie")
    assert deleted.returncode == 0, deleted.stderr
    restored = deskhand(tmp_path, "run", "--yes", "/restore-user christie")
    assert restored.returncode == 0, restored.stderr
    assert "Restored christie.cline@contoso.com" in " ".join(restored.stdout.split())
    assert _sign_in(tmp_path, "christie.cline@contoso.com") == "enabled"


def test_automatic_replies_set_in_one_run_are_read_back_in_the_next(tmp_path: Path) -> None:
    line = '/ooo set adele --internal "Away until Monday"'
    assert deskhand(tmp_path, "run", "--yes", line).returncode == 0
    again = deskhand(tmp_path, "run", "--yes", line)
    assert again.returncode == 1
    assert "are already set exactly so; nothing to do" in again.stderr


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ("{not json", "is not JSON"),
        ('{"layout": "0a1b2c3d4e5f", "tenants": {}}', "has an older layout (0a1b2c3d4e5f"),
        ('{"users": []}', "has an older layout (none"),
    ],
)
def test_an_unusable_state_file_is_replaced_by_the_seed_with_a_one_line_note(
    tmp_path: Path, content: str, problem: str
) -> None:
    state = tmp_path / _STATE
    state.parent.mkdir(parents=True)
    state.write_text(content)
    shown = deskhand(tmp_path, "run", "/user lynne")
    assert shown.returncode == 0, shown.stderr
    assert "Traceback" not in shown.stderr
    [note] = shown.stderr.splitlines()
    assert note.startswith(f"Sandbox state {state} {problem}")
    assert note.endswith("starting again from the seeded sandbox tenants.")
    assert json.loads(state.read_text())["tenants"]["contoso"]
