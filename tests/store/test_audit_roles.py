"""On PostgreSQL, Deskhand runs as a role of its own that may read and append to audit_log and
nothing more; migrations run as the owner."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from pathlib import Path

import psycopg
import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ProgrammingError

from bot.audit.anchors import AnchorFile, read_anchors
from bot.audit.chain import verify_store
from bot.audit.keys import load_keyring
from bot.audit.log import AuditLog
from bot.config import load_settings
from bot.pipeline.invocation import Invocation
from bot.process.runtime import open_runtime
from bot.store import AuditEntry, open_store
from bot.store.migrate import MIGRATIONS
from bot.store.roles import migrate_store
from core.errors import ConfigurationError
from tests.plugins.runtime import OPERATOR
from tests.plugins.store import KEYRING, postgres_server_url

pytestmark = pytest.mark.postgres

CHANGES = (
    "UPDATE audit_log SET outcome = 'denied'",
    "DELETE FROM audit_log",
    "TRUNCATE audit_log",
    "ALTER TABLE audit_log DISABLE TRIGGER ALL",
    "ALTER TABLE audit_log DISABLE TRIGGER audit_log_refuse_change",
    "DROP TRIGGER audit_log_refuse_change ON audit_log",
    "UPDATE alembic_version SET version_num = '0001'",
)


@pytest.fixture
async def app_role() -> AsyncIterator[str]:
    """A login role of its own (roles are the server's, so the name is unique), dropped after."""
    name = f"deskhand_app_{secrets.token_hex(4)}"
    admin = await psycopg.AsyncConnection.connect(postgres_server_url(), autocommit=True)
    try:
        await admin.execute(f'CREATE ROLE "{name}" LOGIN')
        yield name
    finally:
        await admin.execute(f'DROP OWNED BY "{name}"')
        await admin.execute(f'DROP ROLE "{name}"')
        await admin.close()


async def test_the_app_role_appends_and_verifies_but_cannot_change_the_log(
    postgres_url: str, app_role: str, tmp_path: Path
) -> None:
    revision = await migrate_store(postgres_url, grant_to=app_role)
    app_url = make_url(postgres_url).set(username=app_role).render_as_string(False)
    anchors = AnchorFile(tmp_path / "anchors.jsonl", "app")
    refused = []
    async with await open_store(app_url) as store:
        audit = AuditLog(store, KEYRING, anchors)
        for number in range(3):
            await audit.append(AuditEntry("console:ops", "console", "user", "ok", f"r{number}"))
        for statement in CHANGES:
            with pytest.raises(ProgrammingError) as raised:
                async with store.engine.begin() as conn:
                    await conn.execute(text(statement))
            refused.append(str(raised.value.orig).splitlines()[0])
    report = await verify_store(app_url, KEYRING, anchors=read_anchors(anchors.path))

    assert revision == ScriptDirectory(str(MIGRATIONS)).get_current_head()
    assert (report.intact, report.rows, report.anchors) == (True, 3, 3)
    assert refused == [
        "permission denied for table audit_log",
        "permission denied for table audit_log",
        "permission denied for table audit_log",
        "must be owner of table audit_log",
        "must be owner of table audit_log",
        "must be owner of relation audit_log",
        "permission denied for table alembic_version",
    ]


async def test_a_whole_deskhand_runs_as_the_app_role(
    postgres_url: str, app_role: str, tmp_path: Path
) -> None:
    await migrate_store(postgres_url, grant_to=app_role)
    app_url = make_url(postgres_url).set(username=app_role).render_as_string(False)
    settings = load_settings(home=tmp_path / "home", tenants={}, store_url=app_url)

    async with open_runtime(settings, operators=(OPERATOR,)) as runtime:
        reply = await runtime.router.handle(
            Invocation(channel="console", actor=OPERATOR, text="/user adele.vance@contoso.com")
        )
    report = await verify_store(
        app_url,
        load_keyring(settings, create=False),
        anchors=read_anchors(settings.audit_anchor_file),
    )

    assert "Adele Vance" in str(reply)
    assert (report.intact, report.rows) == (True, 1)


async def test_the_app_role_on_a_schema_not_yet_migrated_is_told_to_run_migrate(
    postgres_url: str, app_role: str
) -> None:
    admin = await psycopg.AsyncConnection.connect(postgres_url, autocommit=True)
    try:
        await admin.execute(f'GRANT USAGE ON SCHEMA {_schema(postgres_url)} TO "{app_role}"')
    finally:
        await admin.close()
    app_url = make_url(postgres_url).set(username=app_role).render_as_string(False)

    with pytest.raises(ConfigurationError) as refused:
        await open_store(app_url)

    assert "deskhand migrate --grant-to ROLE" in refused.value.message
    assert "DESKHAND_MIGRATION_URL" in refused.value.message


def _schema(url: str) -> str:
    options = str(make_url(url).query["options"])
    return options.removeprefix("-csearch_path=")


async def test_a_role_that_owns_the_log_is_not_granted_to(postgres_url: str) -> None:
    owner = make_url(postgres_url).username or "postgres"

    with pytest.raises(ConfigurationError, match=f"The role {owner} owns audit_log"):
        await migrate_store(postgres_url, grant_to=owner)
