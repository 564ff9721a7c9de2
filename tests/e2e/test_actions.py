"""Every first action end to end through the router on the whole runtime: typed in Slack,
confirmed with a click, sent to Graph exactly as documented, checked in the sandbox's directory
and written to the audit log with Graph's request ids.

Documented requests: user-update.md (`PATCH /users/{id}` with `accountEnabled` or
`passwordProfile`) and user-revokesigninsessions.md (`POST /users/{id}/revokeSignInSessions`,
no body).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest

from bot.store.pending import ActionState
from cards.reply import Level
from commands.password import meets_complexity
from sandbox import Fault, Lag
from sandbox.model import User
from tests.commands.contexts import Waits
from tests.e2e.world import TECH, World, action_id, button, text_of

LYNNE = "lynne.robbins@contoso.com"
ALEX = "alex.wilber@contoso.com"  # sign-in blocked in the seed
ADELE = "adele.vance@contoso.com"
MASKED = "***"  # the sandbox's request log never holds a password


@dataclass(frozen=True)
class Case:
    line: str
    upn: str
    requests: Callable[[str], list[tuple[str, str, Any]]]
    """(method, path, body) Graph must receive, in order, for the user's object id."""
    after: Callable[[User, datetime], bool]
    """The user's state in the sandbox directory after the action (given when it started)."""
    title: str


def _user(uid: str) -> str:
    return f"/v1.0/users/{uid}"


CASES = {
    "block": Case(
        f"/block {LYNNE} --reason T-1",
        LYNNE,
        lambda uid: [
            ("PATCH", _user(uid), {"accountEnabled": False}),
            ("POST", f"{_user(uid)}/revokeSignInSessions", None),
        ],
        lambda u, t0: not u.account_enabled and (u.sessions_valid_from or t0) > t0,
        f"Sign-in blocked: {LYNNE}",
    ),
    "unblock": Case(
        f"/unblock {ALEX} --reason T-2",
        ALEX,
        lambda uid: [("PATCH", _user(uid), {"accountEnabled": True})],
        lambda u, _: u.account_enabled,
        f"Sign-in allowed: {ALEX}",
    ),
    "revoke-sessions": Case(
        f"/revoke-sessions {ADELE} --reason T-3",
        ADELE,
        lambda uid: [("POST", f"{_user(uid)}/revokeSignInSessions", None)],
        lambda u, t0: u.account_enabled and (u.sessions_valid_from or t0) > t0,
        f"Sessions revoked: {ADELE}",
    ),
    "reset-password": Case(
        f"/reset-password {LYNNE} --reason T-4",
        LYNNE,
        lambda uid: [
            (
                "PATCH",
                _user(uid),
                {"passwordProfile": {"forceChangePasswordNextSignIn": True, "password": MASKED}},
            )
        ],
        lambda u, t0: u.force_change_password and (u.password_changed or t0) > t0,
        f"Password reset: {LYNNE}",
    ),
}


@pytest.mark.parametrize("name", CASES)
async def test_each_action_runs_once_confirmed_as_documented(world: World, name: str) -> None:
    case = CASES[name]
    started = datetime.now(UTC)
    uid = world.user(case.upn).id
    card = await world.ask(TECH, case.line)

    assert card.private and card.title == f"Confirm /{name}"
    assert world.writes() == []  # asking changes nothing
    done = await world.click(TECH, button(card, "confirm"))

    assert done.level is Level.SUCCESS, text_of(done)
    assert done.title == case.title
    assert [(r.method, r.path, r.body) for r in world.writes()] == case.requests(uid)
    assert all(r.status in (200, 204) for r in world.writes())
    assert case.after(world.user(case.upn), started)
    assert await world.state(action_id(card)) is ActionState.DONE
    if name == "reset-password":
        assert meets_complexity(done.secret) and len(done.secret) == 20
    else:
        assert done.secret == ""

    proposed, finished = await world.audit(name)
    assert (proposed.outcome, finished.outcome) == ("proposed", "done")
    for row in (proposed, finished):
        assert (row.actor, row.channel, row.tenant) == (TECH.id, "slack", "contoso")
        assert (row.target, row.reason, row.approval) == (case.upn, case.line[-3:], None)
    assert proposed.graph_request_ids == ()
    sent = [(r.request_id, r.headers["client-request-id"]) for r in world.writes()]
    assert [(i.request_id, i.client_request_id) for i in finished.graph_request_ids] == sent
    assert all(request_id and client_id for request_id, client_id in sent)


async def test_graph_failing_after_the_patch_fails_the_block_and_keeps_the_patchs_ids(
    world: World,
) -> None:
    uid = world.user(LYNNE).id
    card = await world.ask(TECH, f"/block {LYNNE} --reason T-5")
    world.sandbox.inject("contoso", Fault("unavailable", count=5, path="revokeSignInSessions"))
    failed = await world.click(TECH, button(card, "confirm"))

    assert failed.failed
    assert "Blocked sign-in for lynne.robbins@contoso.com, but revoking their sessions failed" in (
        text_of(failed)
    )
    assert f"run /revoke-sessions {LYNNE} now" in text_of(failed)
    patch, *revokes = world.writes()
    assert (patch.method, patch.path, patch.status) == ("PATCH", _user(uid), 204)
    assert revokes and all(r.status == 503 for r in revokes)
    assert not world.user(LYNNE).account_enabled  # the first change stands, and says so
    assert await world.state(action_id(card)) is ActionState.FAILED

    *_, row = await world.audit("block")
    assert row.outcome == "failed" and "revoking their sessions failed" in row.detail
    first = row.graph_request_ids[0]
    assert (first.request_id, first.client_request_id) == (
        patch.request_id,
        patch.headers["client-request-id"],
    )


async def test_a_target_changed_since_planning_is_left_alone(world: World) -> None:
    card = await world.ask(TECH, f"/block {LYNNE}")
    # Someone blocks her in the Entra admin center while the card waits.
    directory = world.sandbox.tenant("contoso").directory
    user = world.user(LYNNE)
    directory.add_user(type(user)(**{**user.__dict__, "account_enabled": False}))
    stopped = await world.click(TECH, button(card, "confirm"))

    assert stopped.failed and "already blocked" in text_of(stopped)
    assert world.writes() == []
    assert await world.state(action_id(card)) is ActionState.FAILED
    assert [r.outcome for r in await world.audit("block")] == ["proposed", "failed"]


async def test_a_synced_account_is_refused_before_anything_is_stored(world: World) -> None:
    refused = await world.ask(TECH, "/block lee.gu@contoso.com")

    assert refused.failed and "synced from on-premises Active Directory" in text_of(refused)
    assert refused.buttons == () and world.writes() == []
    assert await world.audit("block") == []


@pytest.mark.parametrize("name", CASES)
async def test_each_action_the_read_back_cannot_see_yet_is_done_with_a_notice(
    world: World, name: str
) -> None:
    case = CASES[name]
    started = datetime.now(UTC)
    world.runtime.contexts.pacing = Waits().pacing
    world.sandbox.lag("contoso", Lag())
    card = await world.ask(TECH, case.line)
    done = await world.click(TECH, button(card, "confirm"))

    assert done.level is Level.WARNING and not done.failed, text_of(done)
    assert done.title == f"{case.title} (applied; not yet visible)"
    assert case.after(world.user(case.upn), started)
    assert await world.state(action_id(card)) is ActionState.DONE
    assert bool(done.secret) is (name == "reset-password")
    *_, finished = await world.audit(name)
    assert finished.outcome == "done"
    assert finished.detail.startswith(f"action {action_id(card)}: Applied; not yet visible:")
