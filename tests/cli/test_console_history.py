"""The interactive console's history (memory and file) never keeps a typed password."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.channels.console import RedactedHistory, history_line
from commands import REGISTRY

SECRET = "Hunter2Secret!x"


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        (f"/reset-password lynne \u2014password {SECRET}", "/reset-password lynne"),
        (
            f"/reset-password 'Lynne Robbins' --password={SECRET} --tenant contoso",
            '/reset-password "Lynne Robbins" --tenant contoso',
        ),
        (f"/reset-password lynne {SECRET}", None),
        (f"/reset-pasword lynne {SECRET}", None),
        (f'/reset-password lynne --password "{SECRET}', None),
        ("/user adele --tenant contoso", "/user adele --tenant contoso"),
        ("/user adele --bogus", "/user adele --bogus"),
    ],
)
def test_a_line_is_kept_as_typed_only_when_its_command_takes_no_secret(
    typed: str, kept: str | None
) -> None:
    assert history_line(REGISTRY, typed) == kept


def test_the_history_file_and_recall_hold_the_line_without_the_password(tmp_path: Path) -> None:
    path = tmp_path / "console_history"
    history = RedactedHistory(str(path), REGISTRY)
    for line in ("/user adele", f"/reset-password lynne --password {SECRET}", f"/user {SECRET}"):
        history.append_string(line)

    kept = ["/user adele", "/reset-password lynne", f"/user {SECRET}"]
    assert history.get_strings() == kept
    assert list(RedactedHistory(str(path), REGISTRY).load_history_strings()) == kept[::-1]
    assert f"--password {SECRET}" not in path.read_text(encoding="utf-8")
