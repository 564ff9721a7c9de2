"""SQLite connection set-up: WAL, a busy timeout, foreign keys and real transactions."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Engine, event

__all__ = ["BUSY_TIMEOUT_MS", "tune_sqlite"]

# Writers queue behind each other for up to this long instead of failing with "locked".
BUSY_TIMEOUT_MS = 30_000

_PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}",
    "PRAGMA foreign_keys=ON",
    "PRAGMA synchronous=NORMAL",
)


def tune_sqlite(engine: Engine, *, begin: str = "BEGIN") -> None:
    """Apply the pragmas to each new connection and let SQLAlchemy own transactions.

    The sqlite3 module's legacy mode does not begin a transaction before DDL, so migrations
    would not be atomic; turning its handling off and emitting `begin` ourselves fixes that
    (SQLAlchemy's documented recipe). `BEGIN IMMEDIATE` takes the write lock at once.
    """

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        for pragma in _PRAGMAS:
            cursor.execute(pragma)
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        connection.exec_driver_sql(begin)
