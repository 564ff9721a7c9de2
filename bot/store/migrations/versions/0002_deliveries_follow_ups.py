"""Inbound deliveries seen (dedupe of retries and replays) and button follow-ups.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "deliveries",
        sa.Column("key", sa.String(128), nullable=False),
        sa.Column("seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key", name="pk_deliveries"),
    )
    op.create_index("ix_deliveries_seen_at", "deliveries", ["seen_at"])
    op.create_table(
        "follow_ups",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("command", sa.Text(), nullable=False),
        sa.Column("tenant", sa.String(64), nullable=True),
        sa.Column("created_by", sa.String(320), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_follow_ups"),
    )
    op.create_index("ix_follow_ups_expires_at", "follow_ups", ["expires_at"])


def downgrade() -> None:
    op.drop_index("ix_follow_ups_expires_at", table_name="follow_ups")
    op.drop_table("follow_ups")
    op.drop_index("ix_deliveries_seen_at", table_name="deliveries")
    op.drop_table("deliveries")
