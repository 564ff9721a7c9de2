"""Scheduled digests: each run's reply, and the send ledger (one row per message).

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from bot.store.tables import UtcDateTime

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "digest_runs",
        sa.Column("run_id", sa.String(200), nullable=False),
        sa.Column("schedule", sa.String(64), nullable=False),
        sa.Column("slot", UtcDateTime(), nullable=False),
        sa.Column("reply", sa.JSON(), nullable=False),
        sa.Column("outcome", sa.Text(), server_default=sa.text("''"), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("run_id", name="pk_digest_runs"),
    )
    op.create_index("ix_digest_runs_schedule_slot", "digest_runs", ["schedule", "slot"])
    op.create_table(
        "digest_sends",
        sa.Column("schedule", sa.String(64), nullable=False),
        sa.Column("slot", UtcDateTime(), nullable=False),
        sa.Column("recipient", sa.String(400), nullable=False),
        sa.Column("run_id", sa.String(200), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("reply", sa.JSON(), nullable=False),
        sa.Column("message_ref", sa.JSON(), server_default=sa.text("'{}'"), nullable=False),
        sa.Column("detail", sa.Text(), server_default=sa.text("''"), nullable=False),
        sa.Column("started_at", UtcDateTime(), nullable=True),
        sa.Column("ended_at", UtcDateTime(), nullable=True),
        sa.UniqueConstraint(
            "schedule", "slot", "recipient", name="uq_digest_sends_schedule_slot_recipient"
        ),
    )
    op.create_index("ix_digest_sends_run_id", "digest_sends", ["run_id"])


def downgrade() -> None:
    op.drop_index("ix_digest_sends_run_id", table_name="digest_sends")
    op.drop_table("digest_sends")
    op.drop_index("ix_digest_runs_schedule_slot", table_name="digest_runs")
    op.drop_table("digest_runs")
