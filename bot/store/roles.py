"""Migrating under the database owner, and giving Deskhand's own PostgreSQL role no more than
it needs: rows in its tables, but on `audit_log` only INSERT and SELECT.

A role that neither owns `audit_log` nor belongs to its owner cannot update or delete its rows
(no privilege), truncate it, or `ALTER TABLE ... DISABLE TRIGGER` (only the owner may), so the
process that serves chat requests cannot rewrite the log, whatever runs in it.
"""

from __future__ import annotations

import re

from sqlalchemy import Connection, text

from bot.store.engine import open_store
from core.errors import ConfigurationError

__all__ = ["grant_app_role", "migrate_store"]

_ROLE = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


async def migrate_store(url: str, grant_to: str | None = None) -> str:
    """Upgrade the store at `url` to the newest schema, then (PostgreSQL) grant `grant_to`
    what Deskhand needs; returns the revision the store is at."""
    async with await open_store(url) as store:
        if grant_to is not None and store.dialect != "postgresql":
            raise ConfigurationError(
                "--grant-to is for PostgreSQL: a SQLite store is one file, guarded by its "
                "file permissions."
            )
        async with store.engine.begin() as conn:
            if grant_to is not None:
                await conn.run_sync(grant_app_role, grant_to)
            revision = await conn.scalar(text("SELECT version_num FROM alembic_version"))
    return str(revision)


def grant_app_role(connection: Connection, role: str) -> None:
    """Grant `role` the rows of Deskhand's tables, audit_log to read and append only."""
    if not _ROLE.match(role):
        raise ConfigurationError(
            f"{role!r} is not a role name Deskhand grants to: lowercase letters, digits and _."
        )
    owner = connection.execute(
        text(
            "SELECT pg_has_role(CAST(:role AS name), tableowner, 'MEMBER') OR rolsuper "
            "FROM pg_tables, pg_roles WHERE schemaname = current_schema() "
            "AND tablename = 'audit_log' AND rolname = :role"
        ),
        {"role": role},
    ).scalar()
    if owner is None:
        raise ConfigurationError(f"There is no PostgreSQL role {role}; create it first.")
    if owner:
        raise ConfigurationError(
            f"The role {role} owns audit_log (or is its owner's member, or a superuser), so it "
            "could switch the table's guards off: give Deskhand a role of its own."
        )
    schema = str(connection.execute(text("SELECT current_schema()")).scalar_one())
    schema = schema.replace('"', '""')
    for statement in (
        'GRANT USAGE ON SCHEMA "{schema}" TO "{role}"',
        'GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA "{schema}" TO "{role}"',
        'GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA "{schema}" TO "{role}"',
        'REVOKE ALL ON audit_log FROM "{role}"',
        'GRANT SELECT, INSERT ON audit_log TO "{role}"',
        'REVOKE ALL ON alembic_version FROM "{role}"',
        'GRANT SELECT ON alembic_version TO "{role}"',
    ):
        connection.execute(text(statement.format(schema=schema, role=role)))
