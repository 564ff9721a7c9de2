"""`[[schedules]]` in deskhand.toml at each server start: created when new, replaced when
changed, removed when gone from the file; schedules made in chat are left as they are."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path

from bot.config import load_settings
from bot.config.schedules import ScheduleSettings
from bot.process.runtime import open_runtime
from bot.schedules.book import Schedules
from commands.kit.services import NewSchedule
from tests.plugins.runtime import OPERATOR
from tests.schedules.test_schedule_commands import RecordingDeliverer

OWNER = "tess@msp.example"


def _entry(name: str, cron: str, *to: str) -> ScheduleSettings:
    return ScheduleSettings(name=name, command="/tenants", cron=cron, to=to, owner=OWNER)


@asynccontextmanager
async def _server(home: Path, configured: Sequence[ScheduleSettings]) -> AsyncIterator[Schedules]:
    """A server's start with these `[[schedules]]`: its schedule book."""
    settings = load_settings(home=home, tenants={}, schedules=list(configured))
    async with open_runtime(settings, role="serve", deliverer=RecordingDeliverer()) as runtime:
        book = runtime.contexts.schedules
        assert isinstance(book, Schedules)
        yield book


async def _stored(book: Schedules) -> dict[str, tuple[str, str, tuple[str, ...]]]:
    """Each schedule: where it comes from, its cron and its recipients."""
    listed = await book.listing(datetime.now(UTC))
    return {view.name: (view.source, view.cron, tuple(view.recipients)) for view in listed}


async def test_configured_schedules_follow_the_file_and_chat_ones_stay(tmp_path: Path) -> None:
    home = tmp_path / "home"
    first = [
        _entry("weekly", "0 8 * * MON", "#it-managers"),
        _entry("monthly", "0 8 1 * *", "ada@example.com"),
    ]
    async with _server(home, first) as book:
        chat = NewSchedule("/tenants", "0 7 * * FRI", "UTC", ("managers",), "made-in-chat")
        now = datetime.now(UTC)
        await book.add(chat, OPERATOR, channel="console", return_address={}, now=now)
        assert await _stored(book) == {
            "weekly": ("config", "0 8 * * MON", ("#it-managers",)),
            "monthly": ("config", "0 8 1 * *", ("ada@example.com",)),
            "made-in-chat": ("chat", "0 7 * * FRI", ("managers",)),
        }
    second = [_entry("weekly", "0 9 * * TUE", "#it-managers", "managers")]
    async with _server(home, second) as book:
        assert await _stored(book) == {
            "weekly": ("config", "0 9 * * TUE", ("#it-managers", "managers")),
            "made-in-chat": ("chat", "0 7 * * FRI", ("managers",)),
        }
    async with _server(home, []) as book:
        assert await _stored(book) == {"made-in-chat": ("chat", "0 7 * * FRI", ("managers",))}
