"""A user with an apostrophe in the UPN, and a guest addressed by its `#EXT#` UPN, through every
command that takes a user: each address reaches Graph percent-encoded once, as Graph reads it."""

from __future__ import annotations

import pytest

from bot.process.runtime import Runtime
from sandbox.recording import RecordedRequest
from tests.commands.replies import text
from tests.commands.sandbox_state import sandbox_of
from tests.plugins.runtime import Ask

OBRIEN = "sean.o'brien@contoso.com"
GUEST = "jordan.miller_northwind.com#EXT#@contoso.onmicrosoft.com"

# Every command line that names a user ({u}), as a technician types it.
USER_LINES = (
    "/user {u}",
    "/mfa methods {u}",
    "/forwarding show {u}",
    "/block {u} --reason t",
    "/unblock {u} --reason t",
    "/revoke-sessions {u} --reason t",
    "/reset-password {u} --reason t",
    "/delete-user {u} --reason t",
    "/edit-user {u} --job-title Analyst --reason t",
    "/edit-user adele.vance@contoso.com --manager {u} --reason t",
    "/edit-user adele.vance@contoso.com --copy-groups-from {u} --reason t",
    "/group add {u} Sales and Marketing --reason t",
    "/group remove {u} Sales and Marketing --reason t",
    "/licence add {u} SPE_E3 --reason t",
    "/licence remove {u} SPE_E3 --reason t",
    "/mfa reregister {u} --reason t",
    "/mfa state enforced {u} --reason t",
    "/ooo off {u} --reason t",
    "/tap {u} --reason t",
    "/forwarding off {u} --reason t",
)


async def _requests_of(ask: Ask, runtime: Runtime, line: str) -> tuple[str, list[RecordedRequest]]:
    await ask("/user adele.vance@contoso.com")  # the token, so only the command's calls count
    log = sandbox_of(runtime).requests
    log.clear()
    reply = await ask(line)
    return text(reply), list(log)


@pytest.mark.parametrize("line", USER_LINES)
@pytest.mark.parametrize("address", [OBRIEN, GUEST], ids=["apostrophe", "guest"])
async def test_every_command_sends_a_user_address_encoded_once(
    ask: Ask, runtime: Runtime, line: str, address: str
) -> None:
    shown, requests = await _requests_of(ask, runtime, line.format(u=address))
    assert "No user" not in shown
    assert [r.raw_path for r in requests if "%25" in r.raw_path] == []
    by_address = [r for r in requests if address in r.path]
    assert by_address, "the address went to Graph as typed"
    # The manager of a guest is the one absence Graph may report here.
    assert [r.path for r in by_address if r.status == 404 and not r.path.endswith("/manager")] == []


@pytest.mark.parametrize("address", [OBRIEN, GUEST], ids=["apostrophe", "guest"])
async def test_user_by_upn_takes_as_many_requests_as_a_plain_upn(
    ask: Ask, runtime: Runtime, address: str
) -> None:
    _, plain = await _requests_of(ask, runtime, "/user adele.vance@contoso.com")
    shown, requests = await _requests_of(ask, runtime, f"/user {address}")
    assert address in shown
    assert len(requests) == len(plain)
    assert not [r for r in requests if r.path.startswith("/v1.0/users") and r.query.get("$filter")]
