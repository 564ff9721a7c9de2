"""The inbox: chat requests acknowledged and not answered yet, to tell their people after a
crash.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "inbox",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("owner", sa.String(256), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("person", sa.String(320), nullable=False),
        sa.Column("person_name", sa.String(256), nullable=False),
        sa.Column("summary", sa.String(200), nullable=False),
        sa.Column("return_address", sa.JSON(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_inbox"),
    )
    op.create_index("ix_inbox_owner_received_at", "inbox", ["owner", "received_at"])


def downgrade() -> None:
    op.drop_index("ix_inbox_owner_received_at", table_name="inbox")
    op.drop_table("inbox")
