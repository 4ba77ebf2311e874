"""Chain heads on cases, retry columns on timers, immutable process versions.

The event hash now covers `actor_role` too. Chains written before are re-sealed with the new
formula, but only when they still verify under the old one: a chain that was already broken stays
broken (and is reported), so this migration cannot launder an earlier edit.

Revision ID: 0004
Revises: 0002
Create Date: 2026-11-28
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic import op

import app.db

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

GENESIS_HASH = "0" * 64

# Existing cases get the head of the chain they already have.
BACKFILL_HEADS = """
UPDATE cases SET
  event_count = (SELECT COUNT(*) FROM case_events e WHERE e.case_id = cases.id),
  head_hash = COALESCE(
    (SELECT e.hash FROM case_events e WHERE e.case_id = cases.id ORDER BY e.seq DESC LIMIT 1),
    :genesis
  )
"""

SQLITE_VERSION_TRIGGERS = (
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


EVENTS = sa.table(
    "case_events",
    sa.column("id", sa.Integer()),
    sa.column("case_id", sa.Integer()),
    sa.column("seq", sa.Integer()),
    sa.column("type", sa.String()),
    sa.column("actor", sa.String()),
    sa.column("actor_role", sa.String()),
    sa.column("occurred_at", app.db.UTCDateTime()),
    sa.column("task_id", sa.String()),
    sa.column("bpmn_id", sa.String()),
    sa.column("data_json", sa.Text()),
    sa.column("prev_hash", sa.String()),
    sa.column("hash", sa.String()),
)
SQLITE_EVENTS_NO_UPDATE = (
    "CREATE TRIGGER case_events_no_update BEFORE UPDATE ON case_events "
    "BEGIN SELECT RAISE(ABORT, 'case_events is append-only'); END"
)


def _digest(parts: list[Any]) -> str:
    text = json.dumps(parts, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _moment(value: datetime) -> str:
    return (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(UTC).isoformat()


def _old_hash(row: Any, prev: str) -> str:
    return _digest([prev, row.case_id, row.seq, row.type, row.actor, _moment(row.occurred_at),
                    row.task_id, row.bpmn_id, row.data_json])


def _new_hash(row: Any, prev: str) -> str:
    return _digest([prev, row.case_id, row.seq, row.type, row.actor, row.actor_role,
                    _moment(row.occurred_at), row.task_id, row.bpmn_id, row.data_json])


def _resealed(rows: list[Any]) -> list[tuple[int, str, str]]:
    """(id, prev_hash, hash) under the new formula, or nothing if the old chain is broken."""
    prev = GENESIS_HASH
    for expected, row in enumerate(rows, start=1):
        if row.seq != expected or row.prev_hash != prev or _old_hash(row, prev) != row.hash:
            return []
        prev = row.hash
    sealed, prev = [], GENESIS_HASH
    for row in rows:
        digest = _new_hash(row, prev)
        sealed.append((row.id, prev, digest))
        prev = digest
    return sealed


def _reseal_events() -> None:
    """Re-seal every intact chain with the hash that covers actor_role."""
    bind = op.get_bind()
    rows = bind.execute(sa.select(EVENTS).order_by(EVENTS.c.case_id, EVENTS.c.seq)).all()
    if not rows:
        return
    chains: dict[int, list[Any]] = {}
    for row in rows:
        chains.setdefault(row.case_id, []).append(row)
    postgres = bind.dialect.name == "postgresql"
    if postgres:
        op.execute("ALTER TABLE case_events DISABLE TRIGGER case_events_append_only")
    else:
        op.execute("DROP TRIGGER case_events_no_update")
    for chain in chains.values():
        for event_id, prev, digest in _resealed(chain):
            bind.execute(
                EVENTS.update().where(EVENTS.c.id == event_id).values(prev_hash=prev, hash=digest)
            )
    if postgres:
        op.execute("ALTER TABLE case_events ENABLE TRIGGER case_events_append_only")
    else:
        op.execute(SQLITE_EVENTS_NO_UPDATE)


def upgrade() -> None:
    """Add the columns, re-seal and record the chain heads, refuse edits of deployed versions."""
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
    _reseal_events()
    op.get_bind().execute(sa.text(BACKFILL_HEADS), {"genesis": GENESIS_HASH})
    if op.get_bind().dialect.name == "postgresql":
        op.execute(POSTGRES_FUNCTION)
        op.execute(POSTGRES_TRIGGER)
    else:
        for statement in SQLITE_VERSION_TRIGGERS:
            op.execute(statement)


def downgrade() -> None:
    """Allow edits of process versions again and drop the added columns.

    Re-sealed event hashes stay as they are: the code of 0002 would report them as edited.
    """
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
