"""Conversation references, for messages Deskhand sends without being asked.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "conversation_references",
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("conversation_id", sa.String(512), nullable=False),
        sa.Column("reference", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("channel", "conversation_id", name="pk_conversation_references"),
    )


def downgrade() -> None:
    op.drop_table("conversation_references")
