"""Store URLs: which driver each engine uses, and how a URL may be shown."""

from __future__ import annotations

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from core.errors import ConfigurationError

__all__ = ["StoreUrl", "parse_store_url"]

# Deskhand talks to SQLite through aiosqlite and to PostgreSQL through psycopg 3; Alembic uses
# the synchronous face of the same libraries.
_DRIVERS = {
    "sqlite": ("sqlite+aiosqlite", "sqlite+pysqlite"),
    "postgresql": ("postgresql+psycopg", "postgresql+psycopg"),
    "postgres": ("postgresql+psycopg", "postgresql+psycopg"),
}


class StoreUrl:
    """One database, as the async engine, Alembic and log lines each need it."""

    def __init__(self, url: URL) -> None:
        async_driver, sync_driver = _DRIVERS[url.get_backend_name()]
        self.async_url = url.set(drivername=async_driver)
        self.sync_url = url.set(drivername=sync_driver)

    @property
    def is_sqlite(self) -> bool:
        return self.async_url.get_backend_name() == "sqlite"

    @property
    def schema(self) -> str | None:
        """The PostgreSQL schema a `-csearch_path=` option puts Deskhand's tables in, if any."""
        options = self.async_url.query.get("options")
        for option in (options,) if isinstance(options, str) else options or ():
            for word in option.split():
                if word.startswith("-csearch_path="):
                    return word.removeprefix("-csearch_path=").split(",")[0].strip('"') or None
        return None

    @property
    def masked(self) -> str:
        return self.async_url.render_as_string(hide_password=True)

    def __repr__(self) -> str:
        return f"StoreUrl({self.masked!r})"


def parse_store_url(raw: str) -> StoreUrl:
    """Accept `sqlite:///path` and `postgresql://...`, with or without a driver suffix."""
    try:
        url = make_url(raw)
    except ArgumentError:
        raise ConfigurationError(
            "The store URL is not a database URL; use sqlite:///path/to/deskhand.db or "
            "postgresql://user@host/database."
        ) from None
    if url.get_backend_name() not in _DRIVERS:
        raise ConfigurationError(
            f"The store URL names {url.get_backend_name()!r}; Deskhand stores data in SQLite "
            "(sqlite:///path) or PostgreSQL (postgresql://...)."
        )
    if url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:"):
        raise ConfigurationError(
            "The SQLite store needs a file (sqlite:///path/to/deskhand.db), not memory: "
            "migrations and the bot must see the same database."
        )
    return StoreUrl(url)
