"""Teams identities are cached for a while; a decision on a pending action reads the roster
afresh, so someone who has left the organisation cannot confirm from the cache."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from bot.store.pending import ActionState
from bot.store.tables import pending_actions
from tests.fakes.bot_connector import MEMBERS
from tests.teams.conftest import TeamsBot, documented

PERSONAL = {"conversationType": "personal", "id": "a:personal-tess"}


async def in_personal_chat(bot: TeamsBot, text: str) -> None:
    activity = documented("message")
    activity["text"] = text
    activity["entities"] = []
    activity["conversation"].update(PERSONAL)
    await bot.post(activity)


async def the_action(bot: TeamsBot) -> tuple[str, ActionState]:
    async with bot.runtime.store.engine.connect() as conn:
        row = (await conn.execute(select(pending_actions.c.id, pending_actions.c.state))).one()
    return str(row.id), ActionState(row.state)


async def test_a_confirm_from_someone_gone_from_the_roster_is_refused(
    teams_bot: TeamsBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    await in_personal_chat(teams_bot, "/block lynne.robbins@contoso.com --tenant contoso")
    await teams_bot.connector.wait_for("reply")
    action_id, state = await the_action(teams_bot)
    assert state is ActionState.PENDING

    monkeypatch.delitem(MEMBERS, "29:tess")  # her account was removed from the organisation
    invoke = documented("action_execute")
    invoke["conversation"].update(PERSONAL)
    invoke["value"]["action"].update(verb="deskhand", data={"action": f"a:{action_id}:confirm"})
    response = await teams_bot.post(invoke)

    assert response.status_code == 200
    assert "Teams did not say who you are" in json.dumps(response.json())
    assert (await the_action(teams_bot))[1] is ActionState.PENDING
