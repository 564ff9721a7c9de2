"""A send step resumed after a crash (its ledger row left "sending") asks the channel first:
sent → recorded, not re-sent; not sent → sent once; cannot tell → "unknown", never re-sent."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.process.runtime import Runtime
from bot.schedules.definitions import Owner, ScheduleDefinition
from bot.schedules.delivery import Found, Recipient
from bot.schedules.replies import dump_reply
from bot.schedules.running import DigestRunner, message_mark
from bot.schedules.snapshots import Taken
from bot.store.digests import (
    DigestRun,
    SendRow,
    SendState,
    load_send,
    move_send,
    plan_sends,
    save_run,
)
from cards.reply import Reply
from core.errors import DeliveryError
from tests.plugins.runtime import OPERATOR
from tests.schedules.test_schedule_commands import RecordingDeliverer, console, deliverer

__all__ = ["console", "deliverer"]

SLOT = datetime(2026, 12, 7, 7, 0, tzinfo=UTC)


async def _no_snapshots(now: datetime) -> Taken:
    raise AssertionError("sending a digest takes no snapshots")


KEY = "slack_channel:#it-managers"


class Unverifiable(RecordingDeliverer):
    async def find(self, key: str, mark: str, since: datetime) -> Found:
        return Found.UNKNOWN


async def _left_sending(runtime: Runtime) -> None:
    async with runtime.store.engine.begin() as conn:
        await save_run(
            conn, DigestRun("run-1", "weekly", SLOT, dump_reply(Reply(title="x")), "ready", SLOT)
        )
        await plan_sends(
            conn,
            [
                SendRow(
                    "weekly", SLOT, KEY, "run-1", SendState.PLANNED, dump_reply(Reply(title="x"))
                )
            ],
        )
        await move_send(
            conn,
            "weekly",
            SLOT,
            KEY,
            SendState.SENDING,
            leaving=(SendState.PLANNED,),
            started_at=SLOT,
        )


@pytest.mark.parametrize(
    ("went_out", "deliverer_kind", "state", "sends"),
    [
        (True, RecordingDeliverer, "sent", 1),
        (False, RecordingDeliverer, "sent", 1),
        (False, Unverifiable, "unknown", 0),
    ],
)
async def test_a_resumed_send_never_sends_twice(
    console: Runtime,
    went_out: bool,
    deliverer_kind: type[RecordingDeliverer],
    state: str,
    sends: int,
) -> None:
    await _left_sending(console)
    deliverer = deliverer_kind()
    if went_out:
        deliverer.sent.append((KEY, message_mark("weekly", SLOT, KEY)))
    runner = DigestRunner(
        console.router, console.store, deliverer, console.notifiers, _no_snapshots
    )
    assert await runner.send("run-1", KEY) == state
    assert await runner.send("run-1", KEY) == state  # a replayed step changes nothing
    assert len(deliverer.sent) == sends
    async with console.store.engine.connect() as conn:
        row = await load_send(conn, "weekly", SLOT, KEY)
    assert row is not None and row.state.value == state


class NoManagers(RecordingDeliverer):
    async def expand(
        self, recipient: Recipient, reply: Reply, tenant: str
    ) -> list[tuple[str, Reply]]:
        if recipient.kind == "managers":
            raise DeliveryError("Digests to line managers go by e-mail: set [digest_mail].")
        return await super().expand(recipient, reply, tenant)


async def test_a_recipient_that_cannot_be_worked_out_fails_alone(console: Runtime) -> None:
    deliverer = NoManagers()
    runner = DigestRunner(
        console.router, console.store, deliverer, console.notifiers, _no_snapshots
    )
    schedule = ScheduleDefinition(
        name="weekly",
        command="/tenants",
        cron="0 8 * * MON",
        recipients=("managers", "#it-managers"),
        owner=Owner(id=OPERATOR.id, name=OPERATOR.display_name),
        created_at=SLOT,
    )
    prepared = await runner.prepare("run-2", SLOT.isoformat(), schedule.model_dump(mode="json"))
    assert prepared == {"state": "ready", "keys": ["managers", KEY]}
    assert [await runner.send("run-2", key) for key in prepared["keys"]] == ["failed", "sent"]
    assert [key for key, _ in deliverer.sent] == [KEY]
    async with console.store.engine.connect() as conn:
        row = await load_send(conn, "weekly", SLOT, "managers")
    assert row is not None and "[digest_mail]" in row.detail
