"""Pending actions, role grants kept as rows, and per-tenant guards.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from bot.store.tables import UtcDateTime

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "pending_actions",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("command", sa.String(64), nullable=False),
        sa.Column("args", sa.JSON(), nullable=False),
        sa.Column("tenant", sa.String(64), nullable=False),
        sa.Column("requester", sa.String(320), nullable=False),
        sa.Column("requester_email", sa.String(320), nullable=False),
        sa.Column("requester_name", sa.String(256), nullable=False),
        sa.Column("channel", sa.String(32), nullable=False),
        sa.Column("return_address", sa.JSON(), nullable=False),
        sa.Column("plan", sa.JSON(), nullable=False),
        sa.Column("policy", sa.String(16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("decided_by", sa.String(320), nullable=True),
        sa.Column("decided_via", sa.String(32), nullable=True),
        sa.Column("decision_reason", sa.Text(), nullable=True),
        sa.Column("decided_at", UtcDateTime(), nullable=True),
        sa.Column("result", sa.Text(), nullable=True),
        sa.Column("cards", sa.JSON(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("expires_at", UtcDateTime(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.Column("reminded_at", UtcDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_pending_actions"),
    )
    op.create_index(
        "ix_pending_actions_state_expires_at", "pending_actions", ["state", "expires_at"]
    )
    op.create_index(
        "ix_pending_actions_requester_created_at", "pending_actions", ["requester", "created_at"]
    )
    op.create_index(
        "ix_pending_actions_tenant_created_at", "pending_actions", ["tenant", "created_at"]
    )
    op.create_table(
        "role_grants",
        sa.Column("who", sa.String(320), nullable=False),
        sa.Column("tenant", sa.String(64), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("granted_by", sa.String(320), nullable=False),
        sa.Column("granted_at", UtcDateTime(), nullable=False),
        sa.UniqueConstraint("who", "tenant", "role", name="uq_role_grants_who_tenant_role"),
    )
    op.create_index("ix_role_grants_who", "role_grants", ["who"])
    op.create_table(
        "tenant_guards",
        sa.Column("tenant", sa.String(64), nullable=False),
        sa.Column("destructive_enabled", sa.Boolean(), nullable=False),
        sa.Column("changed_by", sa.String(320), nullable=False),
        sa.Column("changed_at", UtcDateTime(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("tenant", name="pk_tenant_guards"),
    )


def downgrade() -> None:
    op.drop_table("tenant_guards")
    op.drop_index("ix_role_grants_who", table_name="role_grants")
    op.drop_table("role_grants")
    for name in (
        "ix_pending_actions_tenant_created_at",
        "ix_pending_actions_requester_created_at",
        "ix_pending_actions_state_expires_at",
    ):
        op.drop_index(name, table_name="pending_actions")
    op.drop_table("pending_actions")
