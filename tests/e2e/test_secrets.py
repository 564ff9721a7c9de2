"""A new password reaches the requester's private reply and nowhere else.

Each reset runs end to end on the whole runtime with Deskhand's JSON logs going to a file, on
SQLite and PostgreSQL. Afterwards every column of every row of every table, every file under
the test's directory (the SQLite database and its WAL, the log), the sandbox's request log and
every field of every Reply a person or channel was handed is searched for the password. The
requester's reply may carry it in `secret` only; a typed password is not even shown back.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import fields
from pathlib import Path
from typing import TextIO

import pytest
from sqlalchemy import select

from bot.store.pending import ActionState
from bot.store.tables import metadata
from cards.reply import Level, Reply
from sandbox import Lag
from tests.commands.contexts import Waits
from tests.e2e.conftest import FOUR_EYES
from tests.e2e.world import APPROVER, TECH, World, action_id, button, open_world, text_of

LYNNE = "lynne.robbins@contoso.com"
TYPED = "Kq7!vRm2#pLx9wZt"


@pytest.fixture(params=["confirm", "four-eyes"])
async def secrets_world(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    store_url: str,
    log_file: tuple[Path, TextIO],
) -> AsyncIterator[World]:
    policies = FOUR_EYES if request.param == "four-eyes" else ()
    async with open_world(tmp_path / "home", store_url, policies=policies) as opened:
        yield opened


@pytest.fixture
async def logged_world(
    tmp_path: Path, store_url: str, log_file: tuple[Path, TextIO]
) -> AsyncIterator[World]:
    """The whole runtime with its logs going to `log_file`; the requester confirms."""
    async with open_world(tmp_path / "home", store_url) as opened:
        yield opened


async def _reset(world: World, line: str) -> tuple[Reply, list[Reply]]:
    """Tess asks in her direct message with Deskhand and confirms; an approver approves if
    the policy says so. Returns the reply that tells her the outcome and every other reply."""
    card = await world.ask(TECH, line, private=True)
    confirmed = await world.click(TECH, button(card, "confirm"))
    others = [card]
    if not world.approval_posts():
        return confirmed, others
    [(_, approval), *_] = world.approval_posts()
    approved = await world.click(APPROVER, button(approval, "approve"))
    [told] = world.told()
    others += [confirmed, approved]
    return told, others


def _channel_replies(world: World) -> list[Reply]:
    """Everything the desk handed the Slack and Teams channels, except what it told Tess."""
    posted = [reply for _, reply in world.approval_posts()]
    edited = [reply for _, reply in [*world.slack.updates, *world.teams.updates]]
    return posted + edited


def _everything_but_the_secret(reply: Reply) -> str:
    return " ".join(repr(getattr(reply, f.name)) for f in fields(reply) if f.name != "secret")


async def _every_row(world: World) -> str:
    rows: list[str] = []
    async with world.runtime.store.engine.connect() as conn:
        for table in metadata.sorted_tables:
            rows += [repr(tuple(row)) for row in await conn.execute(select(table))]
    assert rows, "the store holds the action and its audit rows"
    return "\n".join(rows)


def _files_holding(root: Path, needle: str) -> list[Path]:
    found = [p for p in root.rglob("*") if p.is_file() and needle.encode() in p.read_bytes()]
    return sorted(found)


async def _assert_stored_nowhere(
    world: World, secret: str, log: tuple[Path, TextIO], root: Path, *, logged_command: str
) -> None:
    """Not in the log, any row of any table, any file, or any request to Microsoft 365."""
    path, stream = log
    stream.flush()
    logged = path.read_text(encoding="utf-8")
    assert '"event": "command"' in logged and logged_command in logged  # logs were written
    assert secret not in logged
    assert secret not in await _every_row(world)
    assert _files_holding(root, secret) == []
    assert all(secret not in repr(request) for request in world.sandbox.requests)


async def _assert_nowhere_else(
    world: World, secret: str, replies: list[Reply], log: tuple[Path, TextIO], root: Path
) -> None:
    await _assert_stored_nowhere(world, secret, log, root, logged_command="reset-password")
    assert any(r.body and "passwordProfile" in r.body for r in world.sandbox.requests)
    for reply in [*replies, *_channel_replies(world)]:
        assert secret not in repr(reply) and secret not in reply.secret


async def test_a_generated_password_is_only_in_the_requesters_private_reply(
    secrets_world: World, log_file: tuple[Path, TextIO], tmp_path: Path
) -> None:
    world = secrets_world
    told, others = await _reset(world, f"/reset-password {LYNNE}")

    password = told.secret
    assert told.level is Level.SUCCESS and len(password) == 20, text_of(told)
    assert password not in _everything_but_the_secret(told)
    await _assert_nowhere_else(world, password, others, log_file, tmp_path)


async def test_a_typed_password_is_set_and_never_shown_or_kept(
    secrets_world: World, log_file: tuple[Path, TextIO], tmp_path: Path
) -> None:
    world = secrets_world
    told, others = await _reset(world, f"/reset-password {LYNNE} --password {TYPED}")

    assert told.level is Level.SUCCESS and "The password you typed is set" in text_of(told)
    assert told.secret == ""
    assert world.user(LYNNE).password_changed is not None
    await _assert_nowhere_else(world, TYPED, [told, *others], log_file, tmp_path)


async def test_a_password_after_an_em_dash_option_is_set_and_never_shown_or_kept(
    secrets_world: World, log_file: tuple[Path, TextIO], tmp_path: Path
) -> None:
    # iOS and macOS smart punctuation turn the typed `--password` into `—password`.
    world = secrets_world
    told, others = await _reset(world, f"/reset-password {LYNNE} \u2014password {TYPED}")

    assert told.level is Level.SUCCESS and "The password you typed is set" in text_of(told)
    assert told.secret == "" and world.user(LYNNE).password_changed is not None
    [*_, finished] = await world.audit("reset-password")
    assert finished.outcome == "done" and finished.target == LYNNE
    await _assert_nowhere_else(world, TYPED, [told, *others], log_file, tmp_path)


@pytest.mark.parametrize("private", [True, False])
async def test_a_password_typed_without_its_option_or_in_a_broken_line_is_refused_and_kept_nowhere(
    logged_world: World, log_file: tuple[Path, TextIO], tmp_path: Path, private: bool
) -> None:
    world = logged_world
    lines = [
        f"/reset-password lynne {TYPED}",
        f"/reset-password lynne robbins {TYPED} --no-force-change",
        f"/reset-password lynne \u2014 password {TYPED}",
        f"/reset-password lynne --pasword {TYPED}",
        f"/reset-password lynne --password {TYPED} --bogus",
        f"/reset-password lynne --password {TYPED} --password {TYPED}",
        f"/reset-password lynne \u2014{TYPED}",
        f"/reset-password lynne --password '{TYPED}",
    ]
    refusals = [await world.ask(TECH, line, private=private) for line in lines]
    looked = await world.ask(TECH, "/user lynne", private=private)  # logs and audits as usual

    await _assert_stored_nowhere(world, TYPED, log_file, tmp_path, logged_command="user")
    for reply in refusals:
        assert reply.failed and TYPED not in repr(reply), text_of(reply)
    assert "takes one <user> besides its options" in text_of(refusals[0])
    assert "only after --password" in text_of(refusals[0])
    assert world.writes() == [] and not looked.failed


async def test_a_typed_password_is_refused_where_others_read(world: World, tmp_path: Path) -> None:
    refused = await world.ask(TECH, f"/reset-password {LYNNE} --password {TYPED}", private=False)

    assert refused.failed and "do not use the one you typed" in text_of(refused)
    assert TYPED not in repr(refused) and world.writes() == []
    assert TYPED not in await _every_row(world)


async def test_a_reset_the_read_back_cannot_see_yet_still_gives_the_password_only_to_the_requester(
    secrets_world: World, log_file: tuple[Path, TextIO], tmp_path: Path
) -> None:
    world = secrets_world
    world.runtime.contexts.pacing = Waits().pacing
    world.sandbox.lag("contoso", Lag())
    told, others = await _reset(world, f"/reset-password {LYNNE}")

    password = told.secret
    assert told.level is Level.WARNING and len(password) == 20, text_of(told)
    assert "Applied; not yet visible" in text_of(told) and not told.failed
    assert password not in _everything_but_the_secret(told)
    assert world.user(LYNNE).password_changed is not None
    assert await world.state(action_id(others[0])) is ActionState.DONE
    *_, finished = await world.audit("reset-password")
    assert finished.outcome == "done" and "not yet visible" in finished.detail
    await _assert_nowhere_else(world, password, others, log_file, tmp_path)


async def test_a_pass_the_read_back_cannot_list_yet_still_reaches_the_requester_privately(
    secrets_world: World,
) -> None:
    world = secrets_world
    world.sandbox.tenant("contoso").permissions.add("UserAuthenticationMethod.ReadWrite.All")
    world.runtime.contexts.pacing = Waits().pacing
    world.sandbox.lag("contoso", Lag())
    card = await world.ask(TECH, f"/tap {LYNNE}", private=True)
    done = await world.click(TECH, button(card, "confirm"))

    assert done.level is Level.WARNING and not done.failed, text_of(done)
    assert done.secret and done.secret not in _everything_but_the_secret(done)
    assert any(m.kind == "temporaryAccessPass" for m in world.user(LYNNE).methods)
    assert await world.state(action_id(card)) is ActionState.DONE
    for reply in [card, *_channel_replies(world)]:
        assert done.secret not in repr(reply)
