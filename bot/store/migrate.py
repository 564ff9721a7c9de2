"""Run the shipped Alembic migrations programmatically, on a synchronous connection."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL
from sqlalchemy.pool import NullPool

from bot.store.sqlite import tune_sqlite

__all__ = ["MIGRATIONS", "alembic_config", "upgrade_to_head"]

MIGRATIONS = Path(__file__).with_name("migrations")
# Any constant works; it only has to be the same for every replica of Deskhand.
_PG_MIGRATION_LOCK = 0x6465736B68616E64


def alembic_config(url: URL) -> Config:
    """Alembic's configuration without an ini file, for start-up and for writing revisions."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    # configparser reads "%" as interpolation, and passwords may hold one.
    config.set_main_option(
        "sqlalchemy.url", url.render_as_string(hide_password=False).replace("%", "%%")
    )
    return config


def upgrade_to_head(url: URL) -> None:
    """Upgrade the database to the newest revision; blocking, so run it in a thread.

    Replicas starting together take turns: PostgreSQL through an advisory lock, SQLite
    through its write lock, so each migration runs once, inside one transaction.
    """
    engine = create_engine(url, poolclass=NullPool)
    if url.get_backend_name() == "sqlite":
        tune_sqlite(engine, begin="BEGIN IMMEDIATE")
    try:
        with engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                connection.execute(
                    text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_MIGRATION_LOCK}
                )
            config = alembic_config(url)
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
    finally:
        engine.dispose()
