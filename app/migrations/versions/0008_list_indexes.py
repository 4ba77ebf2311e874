"""Partial indexes for the inbox lists, and an index for the case count of each process version.

Each inbox list (my tasks, the queue, everything waiting, what I finished) gets a partial index
holding exactly its rows in its sort order, with arrival (created time, id) as the tie-break:
its count reads the index only and a page is one range read (keyset pagination). `/proses`
counts the cases of each version by status from `ix_cases_version_status`.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

READY = "status = 'ready'"
OPEN = "status = 'ready' AND claimed_by IS NULL"
COMPLETED = "status = 'completed'"
PARTIAL = {
    "ix_human_tasks_assignee_ready": (["claimed_by", "due_at", "created_at", "id"], READY),
    "ix_human_tasks_queue_open": (["lane", "due_at", "created_at", "id", "division"], OPEN),
    "ix_human_tasks_ready_due": (["due_at", "created_at", "id", "lane"], READY),
    "ix_human_tasks_queue_ready": (["lane", "due_at", "created_at", "id"], READY),
    "ix_human_tasks_done_by": (["completed_by", "completed_at", "created_at", "id"], COMPLETED),
}


def upgrade() -> None:
    """Create the list indexes and the version index."""
    for name, (columns, where) in PARTIAL.items():
        op.create_index(name, "human_tasks", columns, postgresql_where=sa.text(where),
                        sqlite_where=sa.text(where))
    op.create_index("ix_cases_version_status", "cases", ["process_version_id", "status", "id"])


def downgrade() -> None:
    """Drop them."""
    op.drop_index("ix_cases_version_status", table_name="cases")
    for name in reversed(PARTIAL):
        op.drop_index(name, table_name="human_tasks")
