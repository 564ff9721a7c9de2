"""Pending actions indexed by requester e-mail: the per-technician rate limit counts a person
across their chat accounts.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03
"""

from __future__ import annotations

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_pending_actions_requester_email_created_at",
        "pending_actions",
        ["requester_email", "created_at"],
    )


def downgrade() -> None:
    op.drop_index("ix_pending_actions_requester_email_created_at", table_name="pending_actions")
