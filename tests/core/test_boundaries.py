"""Who may import whom: commands never know the channel (STYLE.md rule 6); the layers of
CONTRIBUTING.md hold (a package imports only from its own layer or below); the command kit and
queries sit below the commands, and the outbound plumbing below every service client."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FORBIDDEN = (
    "bot.channels",
    "bot.process.server",
    "sandbox",
    "slack_bolt",
    "slack_sdk",
    "microsoft_agents",
    "aiohttp",
)
# Lowest first. `integrations/` (clients of the outside world) and `sandbox/` (the simulated
# Microsoft 365, a server) share a layer and never import each other: the client is tested
# against the sandbox, so neither may borrow the other's idea of Microsoft's shapes.
LAYERS = {
    "core": 0,
    "cards": 1,
    "integrations": 2,
    "sandbox": 2,
    "commands": 3,
    "manifest": 4,
    "bot": 5,
    "bench": 6,
}


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


def _layered_modules() -> list[Path]:
    return sorted(path for package in LAYERS for path in (ROOT / package).rglob("*.py"))


@pytest.mark.parametrize("path", _layered_modules(), ids=lambda p: str(p.relative_to(ROOT)))
def test_modules_import_only_their_layer_or_below(path: Path) -> None:
    package = path.relative_to(ROOT).parts[0]
    bad = {
        name
        for name in imported_modules(path)
        if (top := name.split(".")[0]) in LAYERS
        and top != package
        and LAYERS[top] >= LAYERS[package]
    }
    assert not bad, f"{path.relative_to(ROOT)} (layer {package}) imports {sorted(bad)}"


COMMAND_MODULES = {
    f"commands.{path.stem}" for path in (ROOT / "commands").glob("*.py") if path.stem != "__init__"
}


def _within(name: str, prefixes: tuple[str, ...]) -> bool:
    return any(name == p or name.startswith(p + ".") for p in prefixes)


@pytest.mark.parametrize(
    "path",
    sorted(
        [*(ROOT / "commands" / "kit").rglob("*.py"), *(ROOT / "commands" / "queries").rglob("*.py")]
    ),
    ids=lambda p: str(p.relative_to(ROOT)),
)
def test_the_command_kit_and_queries_import_no_command(path: Path) -> None:
    # The kit is below the queries, and both are below the command modules.
    above = ("commands.queries", *COMMAND_MODULES) if path.parent.name == "kit" else COMMAND_MODULES
    bad = {name for name in imported_modules(path) if _within(name, tuple(above))}
    assert not bad, f"{path.name} imports {sorted(bad)}"


@pytest.mark.parametrize(
    "path",
    sorted((ROOT / "integrations" / "outbound").rglob("*.py")),
    ids=lambda p: str(p.relative_to(ROOT)),
)
def test_outbound_plumbing_knows_no_particular_service(path: Path) -> None:
    services = ("integrations.graph", "integrations.exchange", "sandbox")
    bad = {name for name in imported_modules(path) if _within(name, services)}
    assert not bad, f"{path.name} imports {sorted(bad)}"


# Inside bot/: the pipeline is the spine every channel enters through, so it knows no channel,
# no process and no operator tool; approvals and audit hang off it without climbing back into
# the router; schedules run commands through the router but know no channel; only the process
# (the composition root) wires them all together.
BOT_RULES = {
    "pipeline": ("bot.process", "bot.channels", "bot.operator"),
    "approvals": ("bot.pipeline.router", "bot.process", "bot.channels", "bot.operator"),
    "audit": ("bot.pipeline", "bot.approvals.desk", "bot.process", "bot.channels", "bot.operator"),
    "schedules": ("bot.process", "bot.channels", "bot.operator"),
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
