"""Commands never know the channel: nothing under commands/ imports one (STYLE.md rule 6)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FORBIDDEN = ("bot.channels", "bot.server", "slack_bolt", "slack_sdk", "microsoft_agents", "aiohttp")


def imported_modules(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


@pytest.mark.parametrize(
    "path", sorted((ROOT / "commands").rglob("*.py")), ids=lambda p: str(p.relative_to(ROOT))
)
def test_command_modules_import_no_channel(path: Path) -> None:
    bad = {
        name
        for name in imported_modules(path)
        if any(name == f or name.startswith(f + ".") for f in FORBIDDEN)
    }
    assert not bad, f"{path.name} imports {sorted(bad)}"


@pytest.mark.parametrize(
    "path", sorted((ROOT / "cards").rglob("*.py")), ids=lambda p: str(p.relative_to(ROOT))
)
def test_renderers_do_no_io(path: Path) -> None:
    io_modules = {"httpx", "aiohttp", "sqlalchemy", "integrations", "bot.store", "msal"}
    bad = {
        name
        for name in imported_modules(path)
        if any(name == m or name.startswith(m + ".") for m in io_modules)
    }
    assert not bad, f"{path.name} imports {sorted(bad)}"
