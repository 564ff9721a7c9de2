"""SQLite connection set-up: WAL, a busy timeout, foreign keys and real transactions."""

from __future__ import annotations

import sqlite3
from typing import Any

from sqlalchemy import Connection, Engine, event

__all__ = ["BUSY_TIMEOUT_MS", "tune_sqlite"]

# Writers queue behind each other for up to this long instead of failing with "locked".
BUSY_TIMEOUT_MS = 30_000

_PRAGMAS = (
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
        _use_wal(cursor)
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        connection.exec_driver_sql(begin)


def _use_wal(cursor: Any) -> None:
    """Switch the file to WAL once; the mode is stored in the file and outlives connections.

    Two connections switching a new file at the same moment: SQLite answers "locked" to one
    without waiting, and that one then finds the switch made by the other. A connection only
    knows the file's mode once it has read from it, hence the read before each check.
    """
    if _journal_mode(cursor) == "wal":
        return
    try:
        cursor.execute("PRAGMA journal_mode=WAL")
    except sqlite3.OperationalError:
        if _journal_mode(cursor) != "wal":
            raise


def _journal_mode(cursor: Any) -> str:
    cursor.execute("SELECT count(*) FROM sqlite_master")
    cursor.fetchall()
    cursor.execute("PRAGMA journal_mode")
    return str(cursor.fetchone()[0]).lower()
