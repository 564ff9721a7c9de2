"""Opening the store: one async engine per process, migrated to the newest schema."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

import structlog
from alembic.util import CommandError
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from bot.store.migrate import upgrade_to_head
from bot.store.sqlite import tune_sqlite
from bot.store.urls import StoreUrl, parse_store_url
from core.errors import ConfigurationError

__all__ = ["Store", "open_store"]

log = structlog.get_logger("deskhand.store")


@dataclass(frozen=True)
class Store:
    """The process's database; run work in `async with store.engine.begin() as conn:`."""

    engine: AsyncEngine
    url: StoreUrl

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    async def close(self) -> None:
        await self.engine.dispose()

    async def __aenter__(self) -> Store:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()


async def open_store(raw_url: str) -> Store:
    """Open the database at `raw_url`, upgrade it to the newest schema and check it answers.

    Raises ConfigurationError, naming the database without its password, when it cannot.
    """
    url = parse_store_url(raw_url)
    if url.is_sqlite and url.sync_url.database:
        await asyncio.to_thread(_make_parent, Path(url.sync_url.database))
    engine = _create_engine(url)
    try:
        await asyncio.to_thread(upgrade_to_head, url.sync_url)
        async with engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
    # CommandError: the database carries a revision this Deskhand does not know (a newer one).
    except (SQLAlchemyError, CommandError, OSError) as exc:
        await engine.dispose()
        log.error("store_unavailable", url=url.masked, error=type(exc).__name__)
        if _not_permitted(exc):
            raise ConfigurationError(
                f"The store at {url.masked} is not at Deskhand's newest schema, and this role "
                "may not change it. Run `deskhand migrate --grant-to ROLE` with the owner's "
                "DESKHAND_MIGRATION_URL, then start Deskhand again."
            ) from None
        raise ConfigurationError(
            f"Cannot open the store at {url.masked} ({type(exc).__name__}). Check store_url "
            "(DESKHAND_STORE_URL), that the database is running and that Deskhand may use it."
        ) from None
    log.info("store_open", url=url.masked, dialect=engine.dialect.name)
    return Store(engine=engine, url=url)


_INSUFFICIENT_PRIVILEGE = "42501"


def _not_permitted(error: BaseException) -> bool:
    """PostgreSQL refused for want of a privilege: a least-privilege role meeting a schema that
    still needs upgrading, which only the owner may do."""
    return getattr(getattr(error, "orig", None), "sqlstate", None) == _INSUFFICIENT_PRIVILEGE


def _create_engine(url: StoreUrl) -> AsyncEngine:
    engine = create_async_engine(url.async_url, pool_pre_ping=not url.is_sqlite)
    if url.is_sqlite:
        tune_sqlite(engine.sync_engine)
    return engine


def _make_parent(database: Path) -> None:
    try:
        database.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigurationError(
            f"Cannot create the directory {database.parent} for the SQLite store "
            f"({exc.strerror or 'not allowed'}); set DESKHAND_HOME or DESKHAND_STORE_URL."
        ) from None
