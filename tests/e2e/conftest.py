"""Worlds for the end-to-end tests: each runs once on SQLite and once on PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

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
