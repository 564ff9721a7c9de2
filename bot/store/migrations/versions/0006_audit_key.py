"""The audit chain's sequence numbers and signing key ids.

Rows written before this revision keep their plain SHA-256 and carry neither; Deskhand signs
every row after it with a key kept outside the database (see bot/store/audit.py).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Nullable columns are added without touching a row, so the append-only triggers stay on.
    op.add_column("audit_log", sa.Column("seq", sa.BigInteger(), nullable=True))
    op.add_column("audit_log", sa.Column("key_id", sa.String(32), nullable=True))
    op.create_index("ix_audit_log_seq", "audit_log", ["seq"], unique=True)


def downgrade() -> None:
    op.drop_index("ix_audit_log_seq", table_name="audit_log")
    for name in ("key_id", "seq"):
        op.execute(f"ALTER TABLE audit_log DROP COLUMN {name}")
