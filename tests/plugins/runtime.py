"""A whole Deskhand on its embedded default — sandbox tenants and SQLite — for command tests."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest

from bot.config import load_settings
from bot.pipeline.invocation import Invocation
from bot.process.runtime import Runtime, open_runtime
from cards.reply import Reply
from commands.kit.context import Actor

OPERATOR = Actor("console:tester", "Tess Tester")

Ask = Callable[[str], Awaitable[Reply]]


@pytest.fixture
async def runtime(tmp_path: Path) -> AsyncIterator[Runtime]:
    settings = load_settings(home=tmp_path / "home", tenants={})
    async with open_runtime(settings, operators=(OPERATOR,)) as started:
        yield started


@pytest.fixture
def ask(runtime: Runtime) -> Ask:
    """Run one command line as the console operator and return the Reply."""

    async def run(text: str) -> Reply:
        return await runtime.router.handle(Invocation(channel="console", actor=OPERATOR, text=text))

    return run
