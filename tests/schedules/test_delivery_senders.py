"""`Senders`, the scheduler's one Deliverer: keys to channels, the console's files, Teams'
unknown outcome, and channels this process does not serve."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.channels.teams_digests import TeamsDigests
from bot.schedules.console_files import ConsoleDigests
from bot.schedules.delivery import Deliverer, Found
from bot.schedules.recipients import parse_recipient
from bot.schedules.senders import Senders
from cards.reply import File, Reply, Text
from core.errors import DeliveryError

CHART = File("mfa-contoso.png", "image/png", b"\x89PNG chart")
DIGEST = Reply(title="MFA digest: contoso", blocks=(Text("94% covered"),), files=(CHART,))
MARK = "sched-1:2026-03-02T08:00:00+01:00:console"
SINCE = datetime.now(UTC) - timedelta(minutes=1)


@pytest.fixture
def senders(tmp_path: Path) -> Senders:
    return Senders(console=ConsoleDigests(tmp_path / "digests"))


async def test_console_writes_the_text_and_the_chart_and_returns_their_paths(
    senders: Senders, tmp_path: Path
) -> None:
    deliverer: Deliverer = senders
    assert await deliverer.find("console", MARK, SINCE) is Found.NOT_SENT
    sent = await deliverer.send("console", DIGEST, MARK)
    text, chart = Path(sent.ref["text"]), Path(sent.ref["mfa-contoso.png"])
    assert text.parent == chart.parent == tmp_path / "digests"
    assert "MFA digest: contoso" in await asyncio.to_thread(text.read_text, encoding="utf-8")
    assert await asyncio.to_thread(chart.read_bytes) == CHART.content
    assert sent.recipient == "console"
    assert await deliverer.find("console", MARK, SINCE) is Found.SENT


async def test_one_key_per_recipient_but_managers_need_e_mail(senders: Senders) -> None:
    assert await senders.expand(parse_recipient("#helpdesk"), DIGEST, "contoso") == [
        ("#helpdesk", DIGEST)
    ]
    with pytest.raises(DeliveryError, match=r"\[digest_mail\]"):
        await senders.expand(parse_recipient("managers"), DIGEST, "contoso")


async def test_channels_not_served_refuse_to_send_and_cannot_be_checked(senders: Senders) -> None:
    for key, words in (
        ("#helpdesk", "not connected to Slack"),
        ("teams:19:abc@thread.tacv2", "not connected to Teams"),
        ("mail:dana@customer.example", r"\[digest_mail\]"),
    ):
        with pytest.raises(DeliveryError, match=words):
            await senders.send(key, DIGEST, MARK)
        assert await senders.find(key, MARK, SINCE) is Found.UNKNOWN


async def test_teams_cannot_be_searched_so_find_is_unknown() -> None:
    teams = TeamsDigests(notifier=None)  # type: ignore[arg-type]  # find never posts
    recipient = parse_recipient("teams:19:abc@thread.tacv2")
    assert await teams.find(recipient, MARK, SINCE) is Found.UNKNOWN
    senders = Senders(console=ConsoleDigests(Path("unused")), teams=teams)
    assert await senders.find("teams:19:abc@thread.tacv2", MARK, SINCE) is Found.UNKNOWN
