"""Commands never know the channel: nothing under commands/ imports one (STYLE.md rule 6)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FORBIDDEN = (
    "bot.channels",
    "bot.process.server",
    "slack_bolt",
    "slack_sdk",
    "microsoft_agents",
    "aiohttp",
)


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


# Inside bot/: the pipeline is the spine every channel enters through, so it knows no channel,
# no process and no operator tool; approvals and audit hang off it without climbing back into
# the router; only the process (the composition root) wires them all together.
BOT_RULES = {
    "pipeline": ("bot.process", "bot.channels", "bot.operator"),
    "approvals": ("bot.pipeline.router", "bot.process", "bot.channels", "bot.operator"),
    "audit": ("bot.pipeline", "bot.approvals.desk", "bot.process", "bot.channels", "bot.operator"),
}


@pytest.mark.parametrize(
    ("package", "path"),
    [
        (package, path)
        for package in BOT_RULES
        for path in sorted((ROOT / "bot" / package).rglob("*.py"))
    ],
    ids=lambda value: str(value.relative_to(ROOT)) if isinstance(value, Path) else value,
)
def test_bot_packages_keep_their_layer(package: str, path: Path) -> None:
    forbidden = BOT_RULES[package]
    bad = {
        name
        for name in imported_modules(path)
        if any(name == f or name.startswith(f + ".") for f in forbidden)
    }
    assert not bad, f"{path.relative_to(ROOT)} imports {sorted(bad)}"
