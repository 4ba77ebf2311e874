"""Staff notice preferences: the optional daily e-mail of waiting tasks.

Revision ID: 0014
Revises: 0007
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add notice_preferences."""
    op.create_table(
        "notice_preferences",
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id"), primary_key=True),
        sa.Column("daily_email", sa.Boolean(), nullable=False),
        sa.Column("last_sent_on", sa.Date(), nullable=True),
    )


def downgrade() -> None:
    """Drop notice_preferences."""
    op.drop_table("notice_preferences")
