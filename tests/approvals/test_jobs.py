"""A job command through the desk: steps round by round on DBOS, the live card, a failed step
retried from its button, steps not run because of it, undo, and the job list."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest

from bot.approvals.job_cards import JOB_PREFIX
from bot.audit.log import AuditLog
from bot.config.approvals import ApprovalSettings
from bot.store.pending import ActionState, move, save_writes
from cards.reply import Reply
from integrations.outbound.retry import RetryPolicy
from tests.approvals.desk_world import (
    FAILS,
    RAN,
    TECH,
    WORLD,
    Desk,
    Person,
    make_desk,
    text_of,
)

QUICK = RetryPolicy(max_attempts=3, max_delay=0.01, budget=0.1, base_delay=0.001)


@pytest.fixture(autouse=True)
def world() -> Iterator[None]:
    WORLD.clear()
    WORLD.update({"lynne": Person()})
    FAILS.clear()
    RAN.clear()
    yield
    WORLD.clear()


def confirm_button(reply: Reply) -> str:
    return next(b.action_id for b in reply.buttons if b.action_id.endswith(":confirm"))


def steps_of(reply: Reply) -> dict[str, str]:
    data = reply.data
    assert isinstance(data, dict)
    return {step["key"]: step["state"] for step in data["steps"]}


async def run_job(d: Desk) -> tuple[str, Reply]:
    card = await d.say("/leave lynne --reason T-9")
    started = await d.click(confirm_button(card), TECH)
    data = started.data
    assert isinstance(data, dict)
    job = str(data["action"])
    for _ in range(200):
        shown = await d.say(f"/job {job}")
        if isinstance(shown.data, dict) and shown.data.get("state") != "running":
            return job, shown
        await asyncio.sleep(0.05)
    raise AssertionError("the job did not end")


async def test_a_job_runs_every_step_and_its_card_follows_it(audit: AuditLog) -> None:
    d = make_desk(audit, ApprovalSettings())
    job, card = await run_job(d)
    assert steps_of(card) == {"disable": "done", "a": "done", "b": "done", "tidy": "done"}
    assert card.data is not None and card.data["state"] == "done"  # type: ignore[index]
    assert RAN[0] == "disable" and RAN.index("tidy") > RAN.index("b")
    assert not WORLD["lynne"].enabled
    # Posted once to the requester, then edited in place; never posted again.
    assert [destination for destination, _ in d.slack.posts] == [TECH.id]
    for _ in range(100):
        if d.slack.updates and "done" in d.slack.updates[-1][1].title:
            break
        await asyncio.sleep(0.05)
    assert "done" in d.slack.updates[-1][1].title
    assert all("running" in reply.title for _, reply in d.slack.updates[:-1])
    listed = await d.say("/jobs --mine")
    assert isinstance(listed.data, list)
    assert [row["action"] for row in listed.data] == [job]


async def test_a_failed_step_is_retried_from_its_button_with_what_waited_on_it(
    audit: AuditLog,
) -> None:
    d = make_desk(audit, ApprovalSettings())
    d.desk.execution.retry = QUICK
    FAILS["b"] = 1
    job, card = await run_job(d)
    assert steps_of(card) == {"disable": "done", "a": "done", "b": "failed", "tidy": "skipped"}
    assert card.data["state"] == "partial"  # type: ignore[index]
    assert "b refused" in text_of(card)
    (retry,) = card.buttons
    assert retry.action_id == f"{JOB_PREFIX}{job}:3"
    await d.click(retry.action_id, TECH)
    for _ in range(200):
        card = await d.say(f"/job {job}")
        if card.data["state"] != "running":  # type: ignore[index]
            break
        await asyncio.sleep(0.05)
    assert steps_of(card) == {"disable": "done", "a": "done", "b": "done", "tidy": "done"}
    assert card.data["state"] == "done"  # type: ignore[index]
    assert RAN.count("disable") == 1 and RAN.count("a") == 1


async def test_a_step_that_keeps_failing_ends_the_job_failed_with_its_reason(
    audit: AuditLog,
) -> None:
    d = make_desk(audit, ApprovalSettings())
    FAILS["disable"] = 99
    _, card = await run_job(d)
    assert card.data["state"] == "failed"  # type: ignore[index]
    assert steps_of(card) == {
        "disable": "failed",
        "a": "skipped",
        "b": "skipped",
        "tidy": "skipped",
    }
    details = {step["key"]: step["detail"] for step in card.data["steps"]}  # type: ignore[index]
    assert details["a"] == "not run: Disable failed"
    assert details["tidy"] == "not run: Leave group b failed"
    assert WORLD["lynne"].enabled


async def test_undo_puts_back_each_done_step_once(audit: AuditLog) -> None:
    d = make_desk(audit, ApprovalSettings())
    job, _ = await run_job(d)
    undone = await d.say(f"/offboard undo {job}")
    assert "Disable: enabled again" in text_of(undone)
    assert WORLD["lynne"].enabled
    again = await d.say(f"/offboard undo {job}")
    assert "Nothing to undo" in text_of(again)


async def test_someone_else_cannot_retry_or_see_a_job_outside_their_tenants(
    audit: AuditLog,
) -> None:
    d = make_desk(audit, ApprovalSettings())
    missing = await d.say("/job nosuchjob")
    assert missing.failed and "There is no job 'nosuchjob'" in text_of(missing)


async def test_a_one_go_action_run_again_after_a_crash_never_resends_its_writes(
    audit: AuditLog,
) -> None:
    """Its row holds the writes a first run sent before its process died: the run DBOS
    resumes ends `unknown`, naming them, and makes no change."""
    d = make_desk(audit, ApprovalSettings())
    card = await d.say("/wipe lynne --reason T-2")
    action_id = str(card.data["action"])  # type: ignore[index]
    now = d.clock()
    sent = [{"method": "PATCH", "path": "/users/lynne", "status": None,
             "request_id": "", "client_request_id": "c-1"}]  # fmt: skip
    async with d.store.engine.begin() as conn:
        await move(conn, action_id, leaving=(ActionState.PENDING,), to=ActionState.RUNNING, now=now)
        await save_writes(conn, action_id, sent)
    workflow = await d.desk.jobs.start_action(action_id, {"id": TECH.id})
    outcome = await d.desk.jobs.outcome(workflow)
    assert outcome["state"] == "unknown"
    row = await d.action_row()
    assert row["state"] == "unknown"
    assert "PATCH /users/lynne (c-1)" in str(row["result"])
    assert WORLD["lynne"].wiped == 0
