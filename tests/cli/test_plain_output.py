"""Output that is not a terminal (`deskhand permissions | less`, a script reading `deskhand
run`): whole lines, however narrow COLUMNS says the screen is — no identifier split across
lines, no escape codes, no box drawing."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.operator.permissions_report import collect
from commands import REGISTRY
from tests.cli.test_run import deskhand

_BOX_DRAWING = re.compile("[\u2500-\u257f]")
_ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def _narrow(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "40")


def _plain_lines(output: str) -> list[str]:
    assert "\x1b" not in output
    assert not _BOX_DRAWING.search(output)
    return output.splitlines()


def _on_one_line(text: str, lines: list[str]) -> bool:
    return any(text in line for line in lines)


def test_permissions_through_a_pipe_keep_every_name_on_one_line(tmp_path: Path) -> None:
    done = deskhand(tmp_path, "permissions")
    assert done.returncode == 0, done.stderr
    lines = _plain_lines(done.stdout)
    report = collect(REGISTRY)
    names = {*report.graph, *report.exchange, *report.roles}
    assert "LicenseAssignment.ReadWrite.All" in names
    assert [name for name in sorted(names) if not _on_one_line(name, lines)] == []


def test_help_through_a_pipe_keeps_each_command_and_its_summary_on_one_line(
    tmp_path: Path,
) -> None:
    done = deskhand(tmp_path, "run", "/help")
    assert done.returncode == 0, done.stderr
    lines = _plain_lines(done.stdout)
    missing = [
        spec.name
        for spec in REGISTRY
        if not any(f"/{spec.name}" in line and spec.summary in line for line in lines)
    ]
    assert missing == []


def test_a_user_through_a_pipe_keeps_each_fact_on_one_line(tmp_path: Path) -> None:
    done = deskhand(tmp_path, "run", "/user lynne")
    assert done.returncode == 0, done.stderr
    lines = _plain_lines(done.stdout)
    assert lines[0] == "Lynne Robbins (lynne.robbins@contoso.com)"
    manager = re.compile(r"Manager +Adele Vance \(adele\.vance@contoso\.com\) *")
    assert any(manager.fullmatch(line) for line in lines)


def test_command_line_output_is_made_by_the_one_console_factory() -> None:
    """Every rich console the CLI prints with comes from bot.operator.terminal, which decides how
    output looks when it is not a terminal. A console drawing into a buffer (`file=`) never
    reaches a terminal, so it may be made directly."""
    makers = [
        path.relative_to(_ROOT).as_posix()
        for folder in ("bot", "cards", "commands")
        for path in (_ROOT / folder).rglob("*.py")
        if re.search(r"\bConsole\((?![^)\n]*\bfile=)", path.read_text())
        and path.name != "terminal.py"
    ]
    assert makers == []
