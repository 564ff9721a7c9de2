from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from bot.store import Store
from bot.store.conversations import load_reference, save_reference
from bot.store.deliveries import claim_delivery, forget_deliveries_before
from bot.store.follow_ups import load_follow_up, save_follow_up

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


async def claim(store: Store, key: str, now: datetime = NOW) -> bool:
    async with store.engine.begin() as conn:
        return await claim_delivery(conn, key, now)


async def test_a_delivery_is_claimed_once(store: Store) -> None:
    assert await claim(store, "event:Ev1")
    assert not await claim(store, "event:Ev1")
    assert await claim(store, "event:Ev2")


async def test_concurrent_claims_let_exactly_one_through(store: Store) -> None:
    results = await asyncio.gather(*(claim(store, "event:race") for _ in range(10)))
    assert results.count(True) == 1


async def test_old_deliveries_are_forgotten(store: Store) -> None:
    await claim(store, "old", NOW - timedelta(hours=3))
    await claim(store, "new", NOW)
    async with store.engine.begin() as conn:
        assert await forget_deliveries_before(conn, NOW - timedelta(hours=2)) == 1
    assert await claim(store, "old")
    assert not await claim(store, "new")


async def test_a_follow_up_round_trips_by_its_unguessable_id(store: Store) -> None:
    async with store.engine.begin() as conn:
        saved = await save_follow_up(
            conn,
            command="/user 1a2b --tenant contoso",
            tenant="contoso",
            created_by="tess@msp.example",
            now=NOW,
            expires_at=NOW + timedelta(hours=1),
        )
    async with store.engine.connect() as conn:
        assert await load_follow_up(conn, saved.id) == saved
        assert await load_follow_up(conn, "guessed") is None
    assert len(saved.id) >= 32


async def test_the_newest_conversation_reference_is_kept(store: Store) -> None:

    async with store.engine.begin() as conn:
        await save_reference(conn, "teams", "19:abc", {"serviceUrl": "https://a"}, NOW)
        await save_reference(conn, "teams", "19:abc", {"serviceUrl": "https://b"}, NOW)
    async with store.engine.connect() as conn:
        assert await load_reference(conn, "teams", "19:abc") == {"serviceUrl": "https://b"}
        assert await load_reference(conn, "teams", "19:none") is None
