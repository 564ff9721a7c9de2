"""Worlds for the end-to-end tests: each runs once on SQLite and once on PostgreSQL."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import TextIO

import pytest
import structlog

from bot.process.logs import configure_logging
from tests.e2e.world import World, open_world

FOUR_EYES = (
    {"command": "block", "approval": "four-eyes", "reason": True},
    {"command": "reset-password", "approval": "four-eyes", "console": False},
)
"""Block needs a second person and a reason; so does a password reset, never from the console.
Everything else is confirmed by the requester alone (unless its target is protected)."""


@pytest.fixture
async def world(tmp_path: Path, store_url: str) -> AsyncIterator[World]:
    """Confirmation by the requester for every command."""
    async with open_world(tmp_path / "home", store_url) as opened:
        yield opened


@pytest.fixture
async def four_eyes(tmp_path: Path, store_url: str) -> AsyncIterator[World]:
    async with open_world(tmp_path / "home", store_url, policies=FOUR_EYES) as opened:
        yield opened


@pytest.fixture
def log_file(tmp_path: Path) -> Iterator[tuple[Path, TextIO]]:
    """Deskhand's logs, JSON lines in a file, at DEBUG; put back as they were afterwards."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    path = tmp_path / "deskhand.log"
    with path.open("w", encoding="utf-8") as stream:
        configure_logging(stream, level=logging.DEBUG)
        try:
            yield path, stream
        finally:
            structlog.reset_defaults()
            root.handlers[:], root.level = handlers, level
