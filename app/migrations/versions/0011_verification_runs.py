"""Verification runs: each `audit verify` keeps its report for auditors.

Revision ID: 0011
Revises: 0007
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from app.db import UTCDateTime

revision = "0011"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create the table of verification runs."""
    op.create_table(
        "verification_runs",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("started_at", UTCDateTime(), nullable=False),
        sa.Column("finished_at", UTCDateTime(), nullable=False),
        sa.Column("scope", sa.String(200), nullable=False),
        sa.Column("cases_checked", sa.Integer(), nullable=False),
        sa.Column("versions_checked", sa.Integer(), nullable=False),
        sa.Column("problem_count", sa.Integer(), nullable=False),
        sa.Column("problems_json", sa.Text(), nullable=False),
        sa.Column("run_by", sa.String(100), nullable=False),
    )
    op.create_index("ix_verification_runs_started_at", "verification_runs", ["started_at"])


def downgrade() -> None:
    """Drop the table of verification runs."""
    op.drop_index("ix_verification_runs_started_at", table_name="verification_runs")
    op.drop_table("verification_runs")
