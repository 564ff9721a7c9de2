"""Fixtures that open the store on SQLite and, when configured, PostgreSQL."""
