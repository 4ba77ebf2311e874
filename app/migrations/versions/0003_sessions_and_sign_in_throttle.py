"""Server-side session records: user session epoch, public grants, one-time secrets, failed logins.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import app.db

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add the session epoch and the three tables."""
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("session_epoch", sa.Integer(), server_default="0", nullable=False)
        )
    op.create_table(
        "login_failures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=100), nullable=False),
        sa.Column("failed_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_login_failures")),
    )
    with op.batch_alter_table("login_failures", schema=None) as batch_op:
        batch_op.create_index(
            "ix_login_failures_username_failed_at", ["username", "failed_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_login_failures_failed_at"), ["failed_at"])
    op.create_table(
        "public_grants",
        sa.Column("token", sa.String(length=64), nullable=False),
        sa.Column("tracking_code", sa.String(length=20), nullable=False),
        sa.Column("created_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("token", name=op.f("pk_public_grants")),
    )
    with op.batch_alter_table("public_grants", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_public_grants_created_at"), ["created_at"])
    op.create_table(
        "one_time_secrets",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("sealed", sa.Text(), nullable=False),
        sa.Column("created_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_one_time_secrets")),
    )
    with op.batch_alter_table("one_time_secrets", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_one_time_secrets_created_at"), ["created_at"])


def downgrade() -> None:
    """Drop the tables and the epoch."""
    op.drop_table("one_time_secrets")
    op.drop_table("public_grants")
    op.drop_table("login_failures")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("session_epoch")
