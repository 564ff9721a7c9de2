"""The audit chain's keys live outside the database: made once, owner-only, never stored or
logged, rotated by adding a key."""

from __future__ import annotations

import logging
import os
import stat
from pathlib import Path

import pytest
from sqlalchemy import select
from structlog.testing import capture_logs

from bot.audit.keys import KEY_ENV, key_id, load_keyring
from bot.config import load_settings
from bot.pipeline.invocation import Invocation
from bot.process.runtime import open_runtime
from bot.store import Store
from bot.store.audit import list_audit
from bot.store.tables import metadata
from core.errors import ConfigurationError
from tests.plugins.runtime import OPERATOR

KEY_A = "11" * 32
KEY_B = "ab" * 40


def test_a_key_file_is_made_once_and_readable_by_its_owner_only(tmp_path: Path) -> None:
    settings = load_settings(home=tmp_path / "home")

    first = load_keyring(settings, create=True)
    again = load_keyring(settings, create=True)

    mode = stat.S_IMODE(settings.audit_key_file.stat().st_mode)
    assert settings.audit_key_file == tmp_path / "home" / "audit.key"
    assert mode == 0o600
    assert len(first.keys) == 1 and again.keys == first.keys
    assert len(first.current.secret) == 32
    assert first.current.id == key_id(first.current.secret)
    assert list(settings.audit_key_file.parent.iterdir()) == [settings.audit_key_file]


def test_verifying_makes_no_key(tmp_path: Path) -> None:
    settings = load_settings(home=tmp_path / "home")

    keyring = load_keyring(settings, create=False)

    assert keyring.keys == ()
    assert not settings.audit_key_file.exists()
    with pytest.raises(ConfigurationError, match="No audit key in DESKHAND_AUDIT_KEY or"):
        keyring.current  # noqa: B018


def test_the_environment_keyring_wins_and_its_last_key_signs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(KEY_ENV, f"{KEY_A}, {KEY_B}")
    settings = load_settings(home=tmp_path / "home")

    keyring = load_keyring(settings, create=True)

    assert [key.secret for key in keyring.keys] == [bytes.fromhex(KEY_A), bytes.fromhex(KEY_B)]
    assert keyring.current.id == key_id(bytes.fromhex(KEY_B))
    assert keyring.get(key_id(bytes.fromhex(KEY_A))) == keyring.keys[0]
    assert KEY_A not in repr(keyring) and KEY_B not in repr(keyring)
    assert not settings.audit_key_file.exists()


def test_a_rotated_key_file_signs_with_its_newest_key(tmp_path: Path) -> None:
    settings = load_settings(home=tmp_path / "home")
    first = load_keyring(settings, create=True).current
    with settings.audit_key_file.open("a") as file:
        file.write(f"{KEY_B}  # rotated\n")

    keyring = load_keyring(settings, create=True)

    assert [key.id for key in keyring.keys] == [first.id, key_id(bytes.fromhex(KEY_B))]


@pytest.mark.parametrize("value", ["abc123", "11" * 16, "zz" * 32])
def test_a_key_too_short_or_not_hex_is_refused_without_repeating_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv(KEY_ENV, f"{KEY_A},{value}")
    settings = load_settings(home=tmp_path / "home")

    with pytest.raises(ConfigurationError) as raised:
        load_keyring(settings, create=True)

    assert raised.value.message == (
        "DESKHAND_AUDIT_KEY: key 2 is not a key; each key is at least 32 random bytes in hex "
        "(`openssl rand -hex 32`)."
    )


def test_a_key_file_others_may_read_is_refused(tmp_path: Path) -> None:
    settings = load_settings(home=tmp_path / "home")
    load_keyring(settings, create=True)
    os.chmod(settings.audit_key_file, 0o644)

    with pytest.raises(ConfigurationError, match="may be read by other users; chmod 600"):
        load_keyring(settings, create=True)


async def _every_row(store: Store) -> str:
    async with store.engine.connect() as conn:
        return repr([(await conn.execute(select(table))).all() for table in metadata.sorted_tables])


async def test_the_key_is_in_no_table_no_log_and_no_anchor(
    tmp_path: Path, store_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    settings = load_settings(home=tmp_path / "home", tenants={}, store_url=store_url)
    caplog.set_level(logging.DEBUG)
    with capture_logs() as events:
        async with open_runtime(settings, operators=(OPERATOR,)) as runtime:
            for line in ("/user adele.vance@contoso.com", "/tenants"):
                await runtime.router.handle(
                    Invocation(channel="console", actor=OPERATOR, text=line)
                )
            rows = await _every_row(runtime.store)
            async with runtime.store.engine.connect() as conn:
                audited = await list_audit(conn)
    [secret] = [
        line for line in settings.audit_key_file.read_text().splitlines() if "#" not in line
    ]
    spilled = {secret, secret.upper(), repr(bytes.fromhex(secret))}
    files = [
        path.read_bytes().decode(errors="replace")
        for path in settings.home.rglob("*")
        if path.is_file() and path != settings.audit_key_file
    ]

    assert {row.key_id for row in audited} == {key_id(bytes.fromhex(secret))}
    assert len(audited) == 2
    assert settings.audit_anchor_file.read_text().count("\n") == 2
    for text in (rows, repr(events), caplog.text, *files):
        assert not any(form in text for form in spilled)
