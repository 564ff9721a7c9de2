"""Fixtures that open the store on SQLite and, when configured, PostgreSQL.

`store_url` runs a test once per engine: SQLite in the test's tmp_path, and PostgreSQL from
DESKHAND_TEST_POSTGRES_URL in a fresh schema of its own, dropped afterwards. Without that
variable the PostgreSQL run is skipped with a visible reason; with it, an unreachable server
fails the test. `store` opens (and migrates) the store at that URL; `audit` writes to its
audit log signed with `AUDIT_KEY` and anchored in the test's tmp_path.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import AsyncIterator
from pathlib import Path

import psycopg
import pytest
from sqlalchemy.engine import make_url

from bot.audit.anchors import AnchorFile
from bot.audit.keys import Keyring, key_id
from bot.audit.log import AuditLog
from bot.jobs.service import stop_process_jobs
from bot.store import Store, open_store
from bot.store.audit import ChainKey

POSTGRES_ENV = "DESKHAND_TEST_POSTGRES_URL"
SKIP_REASON = f"set {POSTGRES_ENV} to run the PostgreSQL tests"
_SECRET = bytes(range(32))
AUDIT_KEY = ChainKey(key_id(_SECRET), _SECRET)
KEYRING = Keyring((AUDIT_KEY,), "the tests' keyring")


def postgres_server_url() -> str:
    """The configured test server, or a skip with the reason shown in the summary."""
    url = os.environ.get(POSTGRES_ENV)
    if not url:
        pytest.skip(SKIP_REASON)
    return url


async def _admin(url: str) -> psycopg.AsyncConnection[tuple[object, ...]]:
    try:
        return await psycopg.AsyncConnection.connect(url, autocommit=True, connect_timeout=10)
    except psycopg.Error as exc:
        pytest.fail(f"{POSTGRES_ENV} is set but PostgreSQL did not answer ({type(exc).__name__})")


@pytest.fixture
async def postgres_url() -> AsyncIterator[str]:
    """A URL whose connections work in a new, empty schema that is dropped after the test."""
    server = postgres_server_url()
    schema = f"test_{secrets.token_hex(6)}"
    admin = await _admin(server)
    try:
        await admin.execute(f'CREATE SCHEMA "{schema}"')
        url = make_url(server).update_query_dict({"options": f"-csearch_path={schema}"})
        yield url.render_as_string(hide_password=False)
    finally:
        await admin.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        await admin.close()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'store' / 'deskhand.db'}"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store_url(request: pytest.FixtureRequest) -> str:
    """The URL of an empty database, once per engine."""
    name = "sqlite_url" if request.param == "sqlite" else "postgres_url"
    url: str = request.getfixturevalue(name)
    return url


@pytest.fixture
async def store(store_url: str) -> AsyncIterator[Store]:
    """The store at `store_url`, migrated to the newest schema."""
    opened = await open_store(store_url)
    try:
        yield opened
    finally:
        # A desk built on this store may have launched DBOS on it: stopped while it is open.
        await stop_process_jobs()
        await opened.close()


@pytest.fixture
def audit(store: Store, tmp_path: Path) -> AuditLog:
    return AuditLog(store, KEYRING, AnchorFile(tmp_path / "audit-anchors.jsonl", "test-replica"))
