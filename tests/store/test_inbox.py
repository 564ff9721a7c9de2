"""The inbox's rows, its batched writes, what a request is recorded as, and `tell_lost`."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from bot.approvals.notify import Notifiers, Posted
from bot.process.inbox import Inbox, click_summary, typed_summary
from bot.process.lost_work import tell_lost
from bot.store import Store
from bot.store.inbox import InboxEntry, forget_entries, record_entries, unanswered
from cards.reply import Notice, Reply
from commands import REGISTRY
from core.errors import DeliveryError

NOW = datetime(2026, 12, 3, 14, 2, tzinfo=UTC)


def entry(request_id: str, owner: str = "host-a", **fields: object) -> InboxEntry:
    values: dict[str, object] = {
        "id": request_id,
        "owner": owner,
        "channel": "slack",
        "person": "T1:U1",
        "person_name": "tess",
        "summary": "/users --tenant contoso",
        "return_address": {"user": "U1", "channel": "C1"},
        "received_at": NOW,
        **fields,
    }
    return InboxEntry(**values)  # type: ignore[arg-type]


@dataclass
class Told:
    """A notifier that keeps what it was asked to tell; `refuse` names people it cannot reach."""

    channel: str = "slack"
    told: list[tuple[dict[str, str], str]] = field(default_factory=list)
    refuse: frozenset[str] = frozenset()

    async def post(self, destination: str, reply: Reply) -> Posted:
        raise NotImplementedError

    async def update(self, posted: Posted, reply: Reply) -> None:
        raise NotImplementedError

    async def tell(self, address: Mapping[str, str], reply: Reply) -> None:
        if address.get("user") in self.refuse:
            raise DeliveryError("Slack refused the message (user_not_found).")
        [notice] = reply.blocks
        assert isinstance(notice, Notice) and reply.private
        self.told.append((dict(address), notice.text))


async def rows(store: Store, owner: str = "host-a") -> list[InboxEntry]:
    async with store.engine.connect() as conn:
        return await unanswered(conn, owner)


async def test_rows_are_kept_by_owner_oldest_first_until_forgotten(store: Store) -> None:
    later = entry("b", received_at=NOW + timedelta(minutes=1))
    async with store.engine.begin() as conn:
        await record_entries(conn, [later, entry("a"), entry("c", owner="host-b")])
    assert [e.id for e in await rows(store)] == ["a", "b"]
    assert (await rows(store))[0] == entry("a")
    async with store.engine.begin() as conn:
        assert await forget_entries(conn, ["a", "nothing"]) == 1
        assert [e.id for e in await unanswered(conn, "host-a", received_before=NOW)] == []
    assert [e.id for e in await rows(store)] == ["b"]


async def test_a_recorded_request_is_written_before_its_future_is_done(store: Store) -> None:
    inbox = Inbox(store, "host-a")
    written = inbox.record(
        "r1",
        channel="slack",
        person="T1:U1",
        person_name="tess",
        summary="/user adele " + "x" * 300,
        return_address={"user": "U1"},
    )
    assert await rows(store) == []  # batched: nothing written at the ack itself
    await written
    [row] = await rows(store)
    assert row.id == "r1" and len(row.summary) == 200
    inbox.answered("r1")
    await inbox.close()
    assert await rows(store) == []


async def test_many_acks_share_one_batch(store: Store) -> None:
    inbox = Inbox(store, "host-a")
    futures = [
        inbox.record(
            f"r{n}", channel="slack", person="p", person_name="", summary="/help", return_address={}
        )
        for n in range(50)
    ]
    assert len({id(f) for f in futures}) == 1
    await asyncio.gather(*futures)
    assert len(await rows(store)) == 50
    await inbox.close()


def test_a_typed_line_is_kept_as_typed_with_its_slash() -> None:
    assert typed_summary(REGISTRY, "users --tenant contoso") == "/users --tenant contoso"
    assert typed_summary(REGISTRY, "/user adele") == "/user adele"


def test_a_command_with_a_secret_is_kept_by_its_name_only() -> None:
    line = "/reset-password lynne --password Hunter2x!Hunter2x --tenant contoso"
    assert typed_summary(REGISTRY, line) == "/reset-password"
    # Mistyped, it names no command: only its first word is kept.
    assert typed_summary(REGISTRY, "reset-pasword lynne --password Hunter2x!") == "/reset-pasword"


def test_a_click_is_kept_as_the_decision_it_stands_for() -> None:
    assert click_summary("a:1a2b:approve") == "approve 1a2b"
    assert click_summary("f0ll0wup") == "a button you clicked"
    assert click_summary("f0rm", form=True) == "a form you submitted"


async def test_lost_requests_are_told_once_and_their_rows_go(store: Store) -> None:
    unreachable = entry("b", return_address={"user": "UGONE"})
    async with store.engine.begin() as conn:
        await record_entries(conn, [entry("a"), unreachable, entry("c", owner="host-b")])
    slack = Told(refuse=frozenset({"UGONE"}))
    notifiers = Notifiers({"slack": slack})

    assert await tell_lost(store, notifiers, "host-a") == 2
    assert await tell_lost(store, notifiers, "host-a") == 0

    assert slack.told == [
        (
            {"user": "U1", "channel": "C1"},
            "Deskhand restarted before answering `/users --tenant contoso` (sent 14:02 UTC); "
            "nothing was changed by it: send it again.",
        )
    ]
    assert await rows(store) == []
    assert [e.id for e in await rows(store, "host-b")] == ["c"]


async def test_requests_received_since_the_start_are_not_leftovers(store: Store) -> None:
    async with store.engine.begin() as conn:
        old, new = NOW - timedelta(minutes=1), NOW + timedelta(seconds=1)
        await record_entries(conn, [entry("old", received_at=old), entry("new", received_at=new)])
    slack = Told()
    told = await tell_lost(store, Notifiers({"slack": slack}), "host-a", received_before=NOW)
    assert told == 1
    assert [e.id for e in await rows(store)] == ["new"]
