"""`deskhand audit verify` as an operator runs it: real processes on one home, the key and the
anchors where Deskhand keeps them by default."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from tests.cli.test_run import deskhand


def _remove_newest_row(database: Path) -> None:
    """What someone with the database file could do: drop the guard, delete the last row."""
    with sqlite3.connect(database) as connection:
        connection.execute("DROP TRIGGER audit_log_refuse_delete")
        connection.execute("DELETE FROM audit_log WHERE id = (SELECT max(id) FROM audit_log)")


def test_verify_passes_then_catches_the_newest_row_removed(tmp_path: Path) -> None:
    for line in ("/user adele.vance@contoso.com", "/tenants"):
        assert deskhand(tmp_path, "run", line).returncode == 0
    head = json.loads(deskhand(tmp_path, "audit", "head").stdout)
    intact = deskhand(tmp_path, "audit", "verify", "--expect-head", head["hash"])

    _remove_newest_row(tmp_path / "home" / "deskhand.db")
    anchored = deskhand(tmp_path, "audit", "verify")
    (tmp_path / "none.jsonl").write_text("")
    expected = deskhand(
        tmp_path, "audit", "verify", "--anchors", "none.jsonl", "--expect-head", head["hash"]
    )

    assert (head["seq"], head["rows"]) == (2, 2)
    assert intact.returncode == 0, intact.stderr
    assert intact.stdout == (
        f"Audit chain intact: 2 rows, head {head['hash']}; 2 anchored heads found in it.\n"
    )
    assert anchored.returncode == 1
    assert anchored.stdout == "" and anchored.stderr.count("\n") == 1
    assert anchored.stderr.startswith("Audit chain broken: the chain ends at row 1, but replica ")
    assert anchored.stderr.endswith(":2): the newest rows were removed (1 rows checked).\n")
    assert expected.returncode == 1
    assert expected.stderr == (
        f"Audit chain broken: the expected head {head['hash']} is not in the chain: rows were "
        "removed or rewritten (1 rows checked).\n"
    )
