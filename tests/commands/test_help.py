"""/help answers for every command and every family of two-word commands, in the console and
as `deskhand run`."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from rich.console import Console

from bot.channels.console import ConsoleSession
from bot.process.runtime import Runtime
from cards.reply import Table
from commands import REGISTRY
from tests.cli.test_run import deskhand
from tests.commands.replies import text
from tests.commands.test_messages import SENTENCE_END
from tests.plugins.runtime import OPERATOR, Ask

NAMES = sorted({key for spec in REGISTRY for key in (spec.name, *spec.aliases)})
FAMILIES = [name for name in REGISTRY.families() if REGISTRY.get(name) is None]
"""Families whose first word is no command of its own: `/mfa` alone shows the family."""


def test_the_families_are_the_two_word_commands() -> None:
    assert REGISTRY.families() == [
        "digest",
        "forwarding",
        "group",
        "job",
        "license",
        "mfa",
        "offboard",
        "ooo",
        "schedule",
    ]
    assert FAMILIES == ["digest", "forwarding", "group", "license", "mfa", "ooo", "schedule"]


async def test_help_for_a_command_that_begins_a_family_names_the_family(ask: Ask) -> None:
    reply = await ask("/help offboard")
    assert not reply.failed, text(reply)
    assert reply.title == "/offboard"
    assert "Also: /offboard undo <job_id>" in text(reply)


@pytest.mark.parametrize("spec", list(REGISTRY), ids=[spec.name for spec in REGISTRY])
def test_every_summary_is_a_whole_sentence(spec: object) -> None:
    summary = getattr(spec, "summary", "")
    assert SENTENCE_END.search(summary), summary
    assert "\n" not in summary


async def _console(runtime: Runtime, line: str, tmp_path: Path) -> tuple[int, str, str]:
    """The line run as `deskhand run` runs it, drawn in a narrow terminal."""
    out, err = io.StringIO(), io.StringIO()
    session = ConsoleSession(
        runtime.router,
        Console(file=out, width=40),
        Console(file=err, width=40),
        tmp_path / "exports",
        OPERATOR,
    )
    status = await session.run_once(line, tenant=None, as_json=False)
    return status, out.getvalue(), err.getvalue()


@pytest.mark.parametrize("name", NAMES + FAMILIES)
async def test_help_answers_for_every_command_and_family(
    runtime: Runtime, tmp_path: Path, name: str
) -> None:
    status, out, err = await _console(runtime, f"/help {name}", tmp_path)
    assert status == 0, err
    assert err == ""
    assert "There is no command" not in out
    assert "Usage: /" in out or "usage" in out


@pytest.mark.parametrize("family", FAMILIES)
async def test_a_family_lists_each_member_with_its_usage_and_summary(ask: Ask, family: str) -> None:
    for line in (f"/help {family}", f"/{family}"):
        reply = await ask(line)
        assert not reply.failed, text(reply)
        assert reply.title == f"/{family}"
        table = next(block for block in reply.blocks if isinstance(block, Table))
        members = REGISTRY.family(family)
        assert [row[1] for row in table.rows] == [spec.summary for spec in members]
        assert all(
            row[0].startswith(f"/{spec.name} ") or row[0] == f"/{spec.name}"
            for row, spec in zip(table.rows, members, strict=True)
        )


async def test_help_for_a_two_word_command_is_its_full_help(ask: Ask) -> None:
    reply = await ask("/help mfa methods")
    assert not reply.failed, text(reply)
    assert reply.title == "/mfa methods"
    assert "Usage: /mfa methods <user>" in text(reply)


async def test_help_lists_whole_summaries(ask: Ask) -> None:
    reply = await ask("/help")
    table = next(block for block in reply.blocks if isinstance(block, Table))
    summaries = dict(table.rows)
    assert summaries["/forwarding off"].endswith(
        "disable (not delete) the inbox rules that forward."
    )


@pytest.mark.parametrize("line", [f"/help {family}" for family in FAMILIES] + ["/help mfa methods"])
def test_deskhand_run_answers_help_for_families(tmp_path: Path, line: str) -> None:
    done = deskhand(tmp_path, "run", line)
    assert done.returncode == 0, done.stderr
    assert "There is no command" not in done.stdout
    assert "Usage: /" in done.stdout or "usage" in done.stdout
