"""Generic case summary columns: named by their meaning, filled from `x-ringkasan` markers.

The columns kept the start form's field names; they become the generic slots they are
(process/CONVENTIONS.md, "Case summary fields"). Values are kept.

Revision ID: 0007
Revises: 0005
Create Date: 2026-11-28
"""

from __future__ import annotations

from alembic import op

revision = "0007"
down_revision = "0005"
branch_labels = None
depends_on = None

CASES = {"jenis": "summary_type", "layanan": "summary_service", "kanal": "summary_channel",
         "anonim": "anonymous", "rahasia": "secret"}
HUMAN_TASKS = {"layanan": "summary_service", "kanal": "summary_channel"}


def _rename(table: str, names: dict[str, str]) -> None:
    # RENAME COLUMN in place (PostgreSQL, SQLite >= 3.25): a batch copy of `cases` would drop
    # a table other tables' foreign keys point at.
    for old, new in names.items():
        op.alter_column(table, old, new_column_name=new)


def upgrade() -> None:
    """Rename the summary columns of cases and of the task index."""
    _rename("cases", CASES)
    _rename("human_tasks", HUMAN_TASKS)


def downgrade() -> None:
    """Give the columns their old names back."""
    _rename("cases", {new: old for old, new in CASES.items()})
    _rename("human_tasks", {new: old for old, new in HUMAN_TASKS.items()})
