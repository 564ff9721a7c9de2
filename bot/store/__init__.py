"""Deskhand's database: SQLite (WAL) by default, PostgreSQL by URL, one async engine per process.

    store = await open_store(settings.store_url)      # migrates to the newest schema
    async with store.engine.begin() as conn:          # one transaction
        await append_audit(conn, entry)
    await store.close()

Tables live in `tables.py`, migrations in `migrations/versions/`, and each table's repository
functions (taking a connection, returning frozen dataclasses) in a module of their own.
State moves are single compare-and-set statements (`UPDATE ... WHERE state = :expected`):
SQLite cannot turn a transaction's read lock into a write lock while another writer waits.
"""

from bot.store.audit import AuditEntry, AuditRecord, GraphRequestIds, append_audit, list_audit
from bot.store.engine import Store, open_store
from bot.store.urls import StoreUrl, parse_store_url

__all__ = [
    "AuditEntry",
    "AuditRecord",
    "GraphRequestIds",
    "Store",
    "StoreUrl",
    "append_audit",
    "list_audit",
    "open_store",
    "parse_store_url",
]
