"""Service quality: office non-working days, satisfaction answers, reminders and digests sent.

Revision ID: 0012
Revises: 0007
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from app.db import UTCDateTime

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create calendar_days, satisfaction_answers and notices_sent."""
    op.create_table(
        "calendar_days",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("reason", sa.String(200), nullable=False),
        sa.Column("added_by", sa.String(100), nullable=False),
        sa.Column("added_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("day", name="pk_calendar_days"),
    )
    op.create_table(
        "satisfaction_answers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("task_id", sa.String(36), nullable=False),
        sa.Column("element", sa.String(10), nullable=False),
        sa.Column("value", sa.Integer(), nullable=False),
        sa.Column("answered_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"],
                                name="fk_satisfaction_answers_case_id_cases"),
        sa.PrimaryKeyConstraint("id", name="pk_satisfaction_answers"),
        sa.UniqueConstraint("task_id", "element", name="uq_satisfaction_answers_task_id"),
    )
    op.create_index("ix_satisfaction_answers_case_id", "satisfaction_answers", ["case_id"])
    op.create_index("ix_satisfaction_answers_answered_at", "satisfaction_answers",
                    ["answered_at"])
    op.create_table(
        "notices_sent",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("key", sa.String(100), nullable=False),
        sa.Column("recipient", sa.String(254), nullable=False),
        sa.Column("sent_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_notices_sent"),
        sa.UniqueConstraint("kind", "key", "recipient", name="uq_notices_sent_kind"),
    )


def downgrade() -> None:
    """Drop the three tables."""
    op.drop_table("notices_sent")
    op.drop_index("ix_satisfaction_answers_answered_at", "satisfaction_answers")
    op.drop_index("ix_satisfaction_answers_case_id", "satisfaction_answers")
    op.drop_table("satisfaction_answers")
    op.drop_table("calendar_days")
