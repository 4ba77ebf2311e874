"""Chain heads on cases, retry columns on timers, immutable process versions.

Revision ID: 0004
Revises: 0002
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import app.db

revision = "0004"
down_revision = "0002"
branch_labels = None
depends_on = None

GENESIS_HASH = "0" * 64

# Existing cases get the head of the chain they already have.
BACKFILL_HEADS = f"""
UPDATE cases SET
  event_count = (SELECT COUNT(*) FROM case_events e WHERE e.case_id = cases.id),
  head_hash = COALESCE(
    (SELECT e.hash FROM case_events e WHERE e.case_id = cases.id ORDER BY e.seq DESC LIMIT 1),
    '{GENESIS_HASH}'
  )
"""

SQLITE_TRIGGERS = (
    "CREATE TRIGGER process_versions_no_update BEFORE UPDATE ON process_versions "
    "BEGIN SELECT RAISE(ABORT, 'process_versions is immutable'); END",
    "CREATE TRIGGER process_versions_no_delete BEFORE DELETE ON process_versions "
    "BEGIN SELECT RAISE(ABORT, 'process_versions is immutable'); END",
)
POSTGRES_FUNCTION = """
CREATE FUNCTION process_versions_immutable() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION 'process_versions is immutable';
END;
$$ LANGUAGE plpgsql
"""
POSTGRES_TRIGGER = (
    "CREATE TRIGGER process_versions_immutable BEFORE UPDATE OR DELETE ON process_versions "
    "FOR EACH ROW EXECUTE FUNCTION process_versions_immutable()"
)


def upgrade() -> None:
    """Add the columns, fill the chain heads in, and refuse edits of deployed versions."""
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("event_count", sa.Integer(), server_default="0", nullable=False)
        )
        batch_op.add_column(
            sa.Column(
                "head_hash", sa.String(length=64), server_default=GENESIS_HASH, nullable=False
            )
        )
    with op.batch_alter_table("timers", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("attempts", sa.Integer(), server_default="0", nullable=False)
        )
        batch_op.add_column(
            sa.Column("next_attempt_at", app.db.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column("last_error", sa.Text(), nullable=True))
    op.execute(BACKFILL_HEADS)
    if op.get_bind().dialect.name == "postgresql":
        op.execute(POSTGRES_FUNCTION)
        op.execute(POSTGRES_TRIGGER)
    else:
        for statement in SQLITE_TRIGGERS:
            op.execute(statement)


def downgrade() -> None:
    """Allow edits of process versions again and drop the added columns."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER process_versions_immutable ON process_versions")
        op.execute("DROP FUNCTION process_versions_immutable()")
    else:
        op.execute("DROP TRIGGER process_versions_no_update")
        op.execute("DROP TRIGGER process_versions_no_delete")
    with op.batch_alter_table("timers", schema=None) as batch_op:
        batch_op.drop_column("last_error")
        batch_op.drop_column("next_attempt_at")
        batch_op.drop_column("attempts")
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_column("head_hash")
        batch_op.drop_column("event_count")
