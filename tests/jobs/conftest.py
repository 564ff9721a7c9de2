"""A whole Deskhand in this process (tests/e2e/world.py), once on SQLite and once on PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.e2e.world import World, open_world


@pytest.fixture
async def world(tmp_path: Path, store_url: str) -> AsyncIterator[World]:
    async with open_world(tmp_path / "home", store_url) as opened:
        yield opened
