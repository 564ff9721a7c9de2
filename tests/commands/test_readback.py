"""Every action whose write Graph accepted is done, even when the read-back does not show it yet.

The sandbox's replication lag keeps reads after a write on the tenant as it was, as Entra's
replicas may. Each executor runs with a pacing that never really sleeps: with a lag that lasts,
it must answer "applied; not yet visible" (a warning, never an error) with its secret; with a
lag of a few reads, it must wait and then confirm.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from bot.process.runtime import Runtime
from cards.reply import Level, Reply
from commands import REGISTRY
from commands.kit.context import CommandContext
from commands.kit.pacing import Pacing
from commands.kit.readback import Seen, applied, read_back
from core.errors import Unavailable
from sandbox import Lag
from sandbox.model import Directory, User
from sandbox.tenant import SandboxTenant
from tests.commands.contexts import Waits, contoso_context
from tests.commands.replies import notices, text
from tests.commands.sandbox_state import sandbox_of

LYNNE = "lynne.robbins@contoso.com"
ADELE = "adele.vance@contoso.com"
MEGAN = "megan.bowen@contoso.com"
RECEPTION = "reception@contoso.com"
E3 = "05e9a617-0261-4cee-bb44-138d3ef5d965"


def _user(tenant: SandboxTenant, upn: str) -> User:
    user = tenant.directory.find_user(upn)
    assert user is not None, upn
    return user


def _deleted(directory: Directory, upn: str) -> bool:
    return any(d.user.user_principal_name == upn for d in directory.deleted_users.values())


@dataclass(frozen=True)
class Case:
    command: str
    args: dict[str, Any]
    applied: Callable[[SandboxTenant], bool]
    """Whether the sandbox holds the change (read from its records, not over Graph)."""
    before: tuple[tuple[str, dict[str, Any]], ...] = ()
    """Actions run first, without lag, to reach the starting state."""
    secret: bool = False


CASES = [
    Case(
        "reset-password",
        {"user": LYNNE},
        lambda t: _user(t, LYNNE).password_changed is not None,
        secret=True,
    ),
    Case("block", {"user": LYNNE}, lambda t: not _user(t, LYNNE).account_enabled),
    Case(
        "unblock",
        {"user": LYNNE},
        lambda t: _user(t, LYNNE).account_enabled,
        before=(("block", {"user": LYNNE}),),
    ),
    Case(
        "revoke-sessions",
        {"user": LYNNE},
        lambda t: _user(t, LYNNE).sessions_valid_from is not None,
    ),
    Case("delete-user", {"user": LYNNE}, lambda t: _deleted(t.directory, LYNNE)),
    Case(
        "restore-user",
        {"user": LYNNE},
        lambda t: t.directory.find_user(LYNNE) is not None,
        before=(("delete-user", {"user": LYNNE}),),
    ),
    Case(
        "tap",
        {"user": LYNNE},
        lambda t: any(m.kind == "temporaryAccessPass" for m in _user(t, LYNNE).methods),
        secret=True,
    ),
    Case(
        "license add",
        {"user": RECEPTION, "sku": "spe_e3"},
        lambda t: E3 in _user(t, RECEPTION).sku_ids,
    ),
    Case(
        "license remove",
        {"user": ADELE, "sku": "SPE_E3"},
        lambda t: E3 not in _user(t, ADELE).sku_ids,
    ),
    Case(
        "group add",
        {"user": ADELE, "group": "sg-finance"},
        lambda t: any(
            g.display_name == "SG-Finance" and _user(t, ADELE).id in g.member_ids
            for g in t.directory.groups.values()
        ),
    ),
    Case(
        "group remove",
        {"user": ADELE, "group": "salesandmarketing@contoso.com"},
        lambda t: (
            not any(
                g.display_name == "Sales and Marketing" and _user(t, ADELE).id in g.member_ids
                for g in t.directory.groups.values()
            )
        ),
    ),
    Case(
        "edit-user",
        {"user": ADELE, "job_title": "Store Manager", "manager": "patti.fernandez@contoso.com"},
        lambda t: (
            _user(t, ADELE).job_title == "Store Manager"
            and _user(t, ADELE).manager_id == _user(t, "patti.fernandez@contoso.com").id
        ),
    ),
    Case(
        "mfa reregister",
        {"user": ADELE},
        lambda t: [m.kind for m in _user(t, ADELE).methods] == ["password"],
    ),
    Case(
        "mfa state",
        {"user": ADELE, "state": "enforced"},
        lambda t: _user(t, ADELE).per_user_mfa == "enforced",
    ),
    Case(
        "ooo set",
        {"user": ADELE, "internal": "Back on Monday"},
        lambda t: t.exchange.state(_user(t, ADELE).id).auto_replies.status == "alwaysEnabled",
    ),
    Case(
        "ooo off",
        {"user": ADELE},
        lambda t: t.exchange.state(_user(t, ADELE).id).auto_replies.status == "disabled",
        before=(("ooo set", {"user": ADELE, "internal": "Away"}),),
    ),
    Case(
        "forwarding off",
        {"user": MEGAN},
        lambda t: not t.exchange.state(_user(t, MEGAN).id).forwarding_smtp_address,
    ),
]


@pytest.fixture(autouse=True)
def granted(runtime: Runtime) -> None:
    """Contoso consents to every action's writes before Deskhand's first token."""
    sandbox_of(runtime).tenant("contoso").permissions |= {
        "User.ReadWrite.All",
        "UserAuthenticationMethod.ReadWrite.All",
        "Policy.ReadWrite.AuthenticationMethod",
    }


async def _run(ctx: CommandContext, command: str, values: dict[str, Any]) -> Reply:
    """The planner, then the executor on its plan, as the approvals desk runs them."""
    spec = REGISTRY.get(command)
    assert spec is not None and spec.planner is not None
    args = spec.args.model_validate({**values, "tenant": "contoso"})
    reply: Reply = await spec.handler(ctx, args, await spec.planner(ctx, args))
    return reply


async def _prepare(runtime: Runtime, case: Case, waits: Waits) -> CommandContext:
    ctx = contoso_context(runtime, pacing=waits.pacing)
    for command, values in case.before:
        assert (await _run(ctx, command, values)).level is Level.SUCCESS
    waits.slept.clear()
    return ctx


@pytest.mark.parametrize("case", CASES, ids=[case.command for case in CASES])
async def test_a_change_the_read_back_does_not_show_is_done_with_a_notice(
    runtime: Runtime, case: Case
) -> None:
    waits = Waits()
    ctx = await _prepare(runtime, case, waits)
    contoso = sandbox_of(runtime).tenant("contoso")
    sandbox_of(runtime).lag("contoso", Lag())

    reply = await _run(ctx, case.command, case.args)

    assert case.applied(contoso)
    assert reply.level is Level.WARNING and not reply.failed, text(reply)
    assert "(applied; not yet visible)" in reply.title
    assert any(n.startswith("Applied; not yet visible: Graph accepted") for n in notices(reply))
    assert "do not run the command again" in text(reply)
    assert bool(reply.secret) is case.secret
    assert waits.slept == list(Pacing().delays)


@pytest.mark.parametrize("case", CASES, ids=[case.command for case in CASES])
async def test_a_change_that_shows_after_a_few_reads_is_confirmed(
    runtime: Runtime, case: Case
) -> None:
    waits = Waits()
    ctx = await _prepare(runtime, case, waits)
    sandbox_of(runtime).lag("contoso", Lag(reads=2))

    reply = await _run(ctx, case.command, case.args)

    assert reply.level is Level.SUCCESS, text(reply)
    assert "not yet visible" not in text(reply)
    assert bool(reply.secret) is case.secret
    assert 0 < len(waits.slept) < len(Pacing().delays)


async def test_a_read_back_that_keeps_failing_degrades_to_not_yet_visible(
    runtime: Runtime,
) -> None:
    waits = Waits()
    ctx = contoso_context(runtime, pacing=waits.pacing)
    calls = 0

    async def failing() -> dict[str, Any]:
        nonlocal calls
        calls += 1
        raise Unavailable("Microsoft Graph is unavailable (503) at graph.microsoft.com.")

    seen = await read_back(ctx, failing, lambda state: "")
    reply = applied(seen, title="Done", done="Did it.", look="/user x", secret="s3cret")

    assert calls == 1 + len(Pacing().delays)
    assert seen.state is None and "reading it back failed: Microsoft Graph is" in seen.missing
    assert reply.level is Level.WARNING and reply.secret == "s3cret"
    assert sum(waits.slept) <= 3.0


async def test_a_bug_in_a_read_back_keeps_the_secret_and_names_the_reference(
    runtime: Runtime,
) -> None:
    ctx = contoso_context(runtime, pacing=Waits().pacing, request_id="req-42")

    async def broken() -> dict[str, Any]:
        raise KeyError("value")

    seen = await read_back(ctx, broken, lambda state: "")
    reply = applied(seen, title="Done", done="Did it.", look="/user x", secret="s3cret")

    assert "req-42" in seen.missing and "KeyError" not in text(reply)
    assert reply.level is Level.WARNING and reply.secret == "s3cret"


def test_a_change_seen_at_once_is_a_plain_success() -> None:
    reply = applied(Seen({"ok": True}), title="Done", done="Did it.", look="/user x")

    assert reply.level is Level.SUCCESS and notices(reply) == ["Did it."]
