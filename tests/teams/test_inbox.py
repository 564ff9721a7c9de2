"""A Teams message is in the inbox while it is served, under the id its Invocation carries,
and struck off once answered."""

from __future__ import annotations

from typing import Any

import pytest

from bot.pipeline.invocation import Invocation
from bot.store.inbox import InboxEntry, unanswered
from cards.reply import Reply
from tests.teams.conftest import TeamsBot


async def test_a_message_is_in_the_inbox_while_served_and_gone_once_answered(
    teams_bot: TeamsBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    runtime = teams_bot.runtime
    handle = runtime.router.handle
    seen: list[tuple[str, list[InboxEntry]]] = []

    async def watched(invocation: Invocation, *args: Any) -> Reply:
        async with runtime.store.engine.connect() as conn:
            seen.append((invocation.request_id, await unanswered(conn, runtime.inbox.owner)))
        return await handle(invocation, *args)

    monkeypatch.setattr(runtime.router, "handle", watched)
    await teams_bot.say("user adele.vance@contoso.com")
    await teams_bot.connector.wait_for("reply")

    [(request_id, [row])] = seen
    assert (row.id, row.channel, row.summary) == (
        request_id,
        "teams",
        "/user adele.vance@contoso.com",
    )
    assert row.return_address["conversation"] and row.return_address["tenant"]
    await runtime.inbox.close()
    async with runtime.store.engine.connect() as conn:
        assert await unanswered(conn, runtime.inbox.owner) == []
