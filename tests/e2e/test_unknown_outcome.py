"""A write Microsoft 365 made but never answered in time: outcome unknown, never "not run".

The whole runtime waits `IMPATIENT` seconds for an answer (`request_timeout`); the sandbox
makes the change and holds its answer longer (`late_answer`), over real HTTPS on loopback. The
executor reads the target back: the change shows, so the action is done and says it was
confirmed by reading back; or it does not show (replication lag), so it ends `unknown` with the
request's client-request-id. A password whose reset got no answer still reaches only the
requester, privately. An action whose process died mid-write ends `unknown` at the next sweep.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import TextIO

import pytest
from dbos import DBOS, SetWorkflowID

from bot.jobs.workflows import action_workflow
from bot.store.pending import ActionState, load_action, move, save_writes
from cards.reply import Level, Reply
from sandbox import Fault, Lag
from sandbox.recording import RecordedRequest
from tests.commands.contexts import Waits
from tests.e2e.conftest import FOUR_EYES
from tests.e2e.test_secrets import (
    _assert_nowhere_else,
    _everything_but_the_secret,
    _reset,
)
from tests.e2e.world import APPROVER, TECH, World, action_id, button, open_world, text_of

LYNNE = "lynne.robbins@contoso.com"
ADELE = "adele.vance@contoso.com"
IMPATIENT = 0.5
"""Seconds Deskhand waits for an answer in these tests."""
LATE = 2.0
"""Seconds the sandbox holds its answer after making the change."""


@pytest.fixture(params=["confirm", "four-eyes"])
async def impatient(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    store_url: str,
    log_file: tuple[Path, TextIO],
) -> AsyncIterator[World]:
    policies = FOUR_EYES if request.param == "four-eyes" else ()
    settings = {"request_timeout": IMPATIENT}
    async with open_world(tmp_path / "home", store_url, policies=policies, settings=settings) as w:
        w.runtime.contexts.pacing = Waits().pacing
        yield w


def _answer_late(world: World, method: str, path: str, delay: float = LATE) -> None:
    world.sandbox.inject("contoso", Fault("late_answer", delay=delay, path=path, method=method))


async def _answered(world: World, method: str, path: str) -> RecordedRequest:
    """The late request, once the sandbox has answered it (it logs requests as it answers)."""
    async with asyncio.timeout(15):
        while True:
            found = [r for r in world.writes() if r.method == method and r.path.endswith(path)]
            if found:
                return found[0]
            await asyncio.sleep(0.05)


async def _run(world: World, line: str) -> tuple[Reply, list[Reply]]:
    """Tess asks and confirms (an approver approves where the policy says so); the reply
    that tells her the outcome, and every other reply."""
    if line.startswith("/reset-password"):
        return await _reset(world, line)
    card = await world.ask(TECH, f"{line} --reason T-9", private=True)
    confirmed = await world.click(TECH, button(card, "confirm"))
    if not world.approval_posts():
        return confirmed, [card]
    [(_, approval), *_] = world.approval_posts()
    approved = await world.click(APPROVER, button(approval, "approve"))
    [told] = world.told()
    return told, [card, confirmed, approved]


@pytest.mark.parametrize(
    ("line", "method", "path"),
    [
        (f"/block {LYNNE}", "PATCH", "/users/{id}"),
        (f"/revoke-sessions {ADELE}", "POST", "/users/{id}/revokeSignInSessions"),
        (f"/reset-password {LYNNE}", "PATCH", "/users/{id}"),
    ],
    ids=["block", "revoke-sessions", "reset-password"],
)
async def test_a_write_answered_too_late_is_done_when_reading_back_shows_it(
    impatient: World, line: str, method: str, path: str
) -> None:
    world = impatient
    upn = line.split()[1]
    where = path.format(id=world.user(upn).id)
    _answer_late(world, method, where)
    told, _ = await _run(world, line)
    late = await _answered(world, method, where)
    crid = late.headers["client-request-id"]

    assert told.level is Level.SUCCESS, text_of(told)
    assert "Applied (confirmed by reading back)" in text_of(told) and crid in text_of(told)
    assert "Not run" not in text_of(told)
    command = line.split()[0][1:]
    *_, finished = await world.audit(command)
    assert finished.outcome == "done"
    assert crid in [ids.client_request_id for ids in finished.graph_request_ids]
    [unanswered] = [ids for ids in finished.graph_request_ids if ids.client_request_id == crid]
    assert unanswered.request_id == ""  # no answer, so no request-id from Graph
    assert len([r for r in world.writes() if r.method == method and r.path.endswith(where)]) == 1
    if command == "reset-password":
        assert len(told.secret) == 20
        assert told.secret not in _everything_but_the_secret(told)


@pytest.mark.parametrize(
    ("line", "method", "path"),
    [
        (f"/block {LYNNE}", "PATCH", "/users/{id}"),
        (f"/revoke-sessions {ADELE}", "POST", "/users/{id}/revokeSignInSessions"),
    ],
    ids=["block", "revoke-sessions"],
)
async def test_a_write_answered_too_late_that_reading_back_cannot_see_is_unknown(
    impatient: World, line: str, method: str, path: str
) -> None:
    world = impatient
    upn = line.split()[1]
    where = path.format(id=world.user(upn).id)
    _answer_late(world, method, where)
    world.sandbox.lag("contoso", Lag())
    told, others = await _run(world, line)
    late = await _answered(world, method, where)
    crid = late.headers["client-request-id"]

    assert told.level is Level.WARNING and not told.failed, text_of(told)
    assert "(outcome unknown)" in told.title and "Outcome unknown" in text_of(told)
    assert crid in text_of(told) and f"/user {upn}" in text_of(told)
    command = line.split()[0][1:]
    assert await world.state(action_id(others[0])) is ActionState.UNKNOWN
    *_, finished = await world.audit(command)
    assert finished.outcome == "unknown" and crid in finished.detail
    assert crid in [ids.client_request_id for ids in finished.graph_request_ids]


async def test_a_reset_answered_too_late_gives_the_password_privately_as_set(
    impatient: World, log_file: tuple[Path, TextIO], tmp_path: Path
) -> None:
    world = impatient
    where = f"/users/{world.user(LYNNE).id}"
    _answer_late(world, "PATCH", where)
    world.sandbox.lag("contoso", Lag())
    told, others = await _reset(world, f"/reset-password {LYNNE}")
    late = await _answered(world, "PATCH", where)
    crid = late.headers["client-request-id"]

    password = told.secret
    assert told.level is Level.WARNING and len(password) == 20, text_of(told)
    assert "Outcome unknown" in text_of(told) and crid in text_of(told)
    assert "Treat the password shown only to you as set" in text_of(told)
    assert password not in _everything_but_the_secret(told)
    assert world.user(LYNNE).password_changed is not None
    assert await world.state(action_id(others[0])) is ActionState.UNKNOWN
    *_, finished = await world.audit("reset-password")
    assert finished.outcome == "unknown"
    assert crid in [ids.client_request_id for ids in finished.graph_request_ids]
    await _assert_nowhere_else(world, password, others, log_file, tmp_path)


async def test_an_action_whose_process_died_mid_write_is_unknown_when_it_is_resumed(
    tmp_path: Path, store_url: str
) -> None:
    """The process dies while the PATCH is in flight: its row holds the write, sent with its
    client-request-id. The run DBOS resumes never sends it again: it ends unknown, names the
    write, reads the target afresh, and tells the requester."""
    async with open_world(tmp_path / "home", store_url) as world:
        where = f"/users/{world.user(LYNNE).id}"
        _answer_late(world, "PATCH", where, delay=3.0)
        card = await world.ask(TECH, f"/block {LYNNE}")
        action = action_id(card)
        clicked = asyncio.create_task(world.click(TECH, button(card, "confirm")))
        stored = await _writes_stored(world, action)
        late = await _answered(world, "PATCH", where)
        crid = late.headers["client-request-id"]
        await clicked
        desk = world.runtime.router.desk
        assert desk is not None
        # What DBOS does for a workflow whose process died mid-step: the step runs again, as
        # a new run of the same action finds it, with the first run's writes on its row.
        async with world.runtime.store.engine.begin() as conn:
            await move(conn, action, leaving=(ActionState.DONE,), to=ActionState.RUNNING,
                       now=world.clock())  # fmt: skip
            await save_writes(conn, action, stored)
        with SetWorkflowID(f"{action}-resumed"):
            resumed = await DBOS.start_workflow_async(action_workflow, action, {"id": TECH.id})
        outcome = await resumed.get_result()

        assert outcome["state"] == "unknown"
        assert [w["client_request_id"] for w in stored] == [crid]
        assert await world.state(action) is ActionState.UNKNOWN
        patches = [r for r in world.writes() if r.method == "PATCH" and r.path.endswith(where)]
        assert len(patches) == 1, "the write was never sent again"
        *_, finished = await world.audit("block")
        assert finished.outcome == "unknown"
        assert crid in finished.detail and "The target has changed since" in finished.detail
        assert [ids.client_request_id for ids in finished.graph_request_ids] == [crid]
        assert "Outcome unknown" in text_of(world.told()[-1])


async def _writes_stored(world: World, action: str) -> list[dict[str, object]]:
    """The writes stored on the action's row, once there is one."""
    async with asyncio.timeout(10):
        while True:
            async with world.runtime.store.engine.connect() as conn:
                loaded = await load_action(conn, action)
            if loaded is not None and loaded.writes:
                return [dict(w) for w in loaded.writes]
            await asyncio.sleep(0.01)


async def test_a_pass_answered_too_late_is_unknown_and_says_to_issue_another(
    impatient: World,
) -> None:
    world = impatient
    world.sandbox.tenant("contoso").permissions.add("UserAuthenticationMethod.ReadWrite.All")
    where = f"/users/{world.user(LYNNE).id}/authentication/temporaryAccessPassMethods"
    _answer_late(world, "POST", where)
    card = await world.ask(TECH, f"/tap {LYNNE}", private=True)
    told = await world.click(TECH, button(card, "confirm"))
    late = await _answered(world, "POST", where)
    crid = late.headers["client-request-id"]

    # The pass exists only in the answer that never came: nothing to show, a new one to issue.
    assert told.level is Level.WARNING and told.secret == "", text_of(told)
    assert "its code never reached Deskhand" in text_of(told) and crid in text_of(told)
    assert any(m.kind == "temporaryAccessPass" for m in world.user(LYNNE).methods)
    assert await world.state(action_id(card)) is ActionState.UNKNOWN
    *_, finished = await world.audit("tap")
    assert finished.outcome == "unknown"
    assert [ids.client_request_id for ids in finished.graph_request_ids] == [crid]


async def test_a_block_unanswered_then_refused_a_revocation_is_unknown_not_blocked(
    impatient: World,
) -> None:
    world = impatient
    where = f"/users/{world.user(LYNNE).id}"
    _answer_late(world, "PATCH", where)
    world.sandbox.inject("contoso", Fault("unavailable", count=5, path="revokeSignInSessions"))
    told, _ = await _run(world, f"/block {LYNNE}")
    crid = (await _answered(world, "PATCH", where)).headers["client-request-id"]

    assert told.failed
    assert f"Blocking sign-in for {LYNNE} got no answer (outcome unknown" in text_of(told)
    assert crid in text_of(told) and f"run /revoke-sessions {LYNNE} now" in text_of(told)
    *_, finished = await world.audit("block")
    assert finished.outcome == "unknown"
