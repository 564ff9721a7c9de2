from __future__ import annotations

import asyncio
import socket
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, create_engine, inspect, text

from bot.store import Store, StoreUrl, open_store, parse_store_url
from bot.store.migrate import MIGRATIONS, alembic_config
from bot.store.tables import metadata
from core.errors import ConfigurationError

HEAD = ScriptDirectory(str(MIGRATIONS)).get_current_head()


def _schema_differences(connection: Connection) -> list[object]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return list(compare_metadata(context, metadata))


async def test_migrations_build_exactly_the_declared_tables(store: Store) -> None:
    async with store.engine.connect() as conn:
        differences = await conn.run_sync(_schema_differences)
        version = (await conn.execute(text("SELECT version_num FROM alembic_version"))).scalar()

    assert differences == []
    assert version == HEAD


async def test_opening_again_and_concurrently_keeps_one_schema(store_url: str) -> None:
    first, second = await asyncio.gather(open_store(store_url), open_store(store_url))
    await first.close()
    await second.close()

    async with await open_store(store_url) as again, again.engine.connect() as conn:
        versions = (await conn.execute(text("SELECT version_num FROM alembic_version"))).all()

    assert versions == [(HEAD,)]


async def test_sqlite_store_creates_its_directory_and_uses_wal(tmp_path: Path) -> None:
    database = tmp_path / "nested" / "dir" / "deskhand.db"

    async with await open_store(f"sqlite:///{database}") as store, store.engine.connect() as conn:
        pragmas = {
            name: (await conn.exec_driver_sql(f"PRAGMA {name}")).scalar()
            for name in ("journal_mode", "foreign_keys", "busy_timeout")
        }

    assert database.is_file()
    assert pragmas == {"journal_mode": "wal", "foreign_keys": 1, "busy_timeout": 30000}


async def test_a_database_from_a_newer_deskhand_is_refused(sqlite_url: str) -> None:
    async with await open_store(sqlite_url) as store, store.engine.begin() as conn:
        await conn.execute(text("UPDATE alembic_version SET version_num = '9999'"))

    with pytest.raises(ConfigurationError, match="Cannot open the store at sqlite"):
        await open_store(sqlite_url)


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


async def test_unreachable_postgres_is_reported_without_its_password() -> None:
    url = f"postgresql://deskhand:hunter2@127.0.0.1:{_closed_port()}/deskhand?connect_timeout=5"

    with pytest.raises(ConfigurationError) as caught:
        await open_store(url)

    assert "postgresql+psycopg://deskhand:***@127.0.0.1" in caught.value.message
    assert "hunter2" not in caught.value.message


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("mysql://db/deskhand", "Deskhand stores data in SQLite"),
        ("sqlite://", "needs a file"),
        ("not a url", "not a database URL"),
    ],
)
def test_unsupported_store_urls_are_refused(raw: str, message: str) -> None:
    with pytest.raises(ConfigurationError, match=message):
        parse_store_url(raw)


def test_store_urls_get_deskhands_drivers_and_mask_passwords() -> None:
    postgres = parse_store_url("postgres://deskhand:hunter2@db:5432/deskhand")
    sqlite = parse_store_url("sqlite:///var/deskhand.db")

    assert postgres.async_url.drivername == "postgresql+psycopg"
    assert postgres.masked == "postgresql+psycopg://deskhand:***@db:5432/deskhand"
    assert "hunter2" not in repr(postgres)
    assert (sqlite.async_url.drivername, sqlite.sync_url.drivername) == (
        "sqlite+aiosqlite",
        "sqlite+pysqlite",
    )


def _downgrade_to_base(url: StoreUrl) -> None:
    engine = create_engine(url.sync_url)
    try:
        with engine.begin() as connection:
            config = alembic_config(url.sync_url)
            config.attributes["connection"] = connection
            command.downgrade(config, "base")
            assert inspect(connection).get_table_names() == ["alembic_version"]
    finally:
        engine.dispose()


async def test_downgrade_removes_the_schema_and_upgrade_restores_it(store_url: str) -> None:
    url = parse_store_url(store_url)
    async with await open_store(store_url):
        pass

    await asyncio.to_thread(_downgrade_to_base, url)
    async with await open_store(store_url) as store, store.engine.connect() as conn:
        differences = await conn.run_sync(_schema_differences)

    assert differences == []
