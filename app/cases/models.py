"""The workflow store: deployed process versions, cases, their human tasks, timers and events."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import Base, UTCDateTime

GENESIS_HASH = "0" * 64  # the previous hash of a case's first event


class ProcessVersion(Base):
    """An immutable deployed diagram with the forms it references (the database refuses edits)."""

    __tablename__ = "process_versions"
    __table_args__ = (UniqueConstraint("process_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    process_id: Mapped[str] = mapped_column(String(100))
    version: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(200), default="")
    bpmn_xml: Mapped[bytes] = mapped_column(LargeBinary)
    forms_json: Mapped[str] = mapped_column(Text)  # {"file.schema.json": "<text>", ...}
    content_hash: Mapped[str] = mapped_column(String(64), index=True)
    deployed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    deployed_by: Mapped[str] = mapped_column(String(100), default="")
    note: Mapped[str] = mapped_column(Text, default="")


class Counter(Base):
    """Named sequences (one per year for tracking numbers), bumped in the writer's transaction."""

    __tablename__ = "counters"

    name: Mapped[str] = mapped_column(String(50), primary_key=True)
    value: Mapped[int] = mapped_column(Integer, default=0)


class Case(Base):
    """One complaint = one process instance, with its serialized workflow state."""

    __tablename__ = "cases"
    # /proses counts each version's cases by status from this index alone (index-only scan).
    __table_args__ = (Index("ix_cases_version_status", "process_version_id", "status", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tracking_code: Mapped[str] = mapped_column(String(20), unique=True)
    access_code_hash: Mapped[str] = mapped_column(String(200))
    process_version_id: Mapped[int] = mapped_column(ForeignKey("process_versions.id"))
    # Deferred: only the engine's steps read it (undefer there); pages never load it.
    state_json: Mapped[str] = mapped_column(Text, deferred=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    status: Mapped[str] = mapped_column(String(20), default="berjalan", index=True)
    outcome: Mapped[str | None] = mapped_column(String(100))
    outcome_label: Mapped[str | None] = mapped_column(String(200))
    public_status: Mapped[str | None] = mapped_column(String(200))
    # The summary fields, from the form fields marked `x-ringkasan` (process/CONVENTIONS.md).
    subject: Mapped[str] = mapped_column(String(200), default="")
    summary_type: Mapped[str | None] = mapped_column(String(50))
    summary_service: Mapped[str | None] = mapped_column(String(50))
    summary_channel: Mapped[str | None] = mapped_column(String(50))
    anonymous: Mapped[bool] = mapped_column(Boolean, default=False)
    secret: Mapped[bool] = mapped_column(Boolean, default=False)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    sla_breached: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # The head of the event chain, written with each event: deleting the last events shows.
    event_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    head_hash: Mapped[str] = mapped_column(
        String(64), default=GENESIS_HASH, server_default=GENESIS_HASH
    )

    process_version: Mapped[ProcessVersion] = relationship()
    complainant: Mapped[Complainant | None] = relationship(
        back_populates="case", uselist=False, cascade="all, delete-orphan"
    )

    __mapper_args__ = {"version_id_col": version}


class Complainant(Base):
    """The complainant's identity: one encrypted JSON document per case (see cases.identity).

    Kept out of workflow state, task index and event log; readable only with the identity key.
    """

    __tablename__ = "complainants"

    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), primary_key=True)
    sealed: Mapped[str] = mapped_column(Text)  # Fernet token of {"data": {...}, "kinds": {...}}

    case: Mapped[Case] = relationship(back_populates="complainant")


class IdentityLookup(Base):
    """A keyed hash (HMAC-SHA256) of a normalised NIK, phone or e-mail: find without storing it."""

    __tablename__ = "identity_lookups"

    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), primary_key=True)
    digest: Mapped[str] = mapped_column(String(64), primary_key=True, index=True)


READY = "status = 'ready'"
OPEN = "status = 'ready' AND claimed_by IS NULL"
COMPLETED = "status = 'completed'"


class HumanTask(Base):
    """A user task waiting for (or done by) a person: the inbox reads only this table."""

    __tablename__ = "human_tasks"
    __table_args__ = (
        Index("ix_human_tasks_queue", "status", "lane", "due_at"),
        Index("ix_human_tasks_assignee", "claimed_by", "status", "due_at"),
        Index("ix_human_tasks_done", "completed_by", "completed_at"),
        # One partial index per inbox list, in its sort order with arrival as the tie-break:
        # the list's count reads only the index and a page is one range read (migration 0008).
        Index("ix_human_tasks_assignee_ready", "claimed_by", "due_at", "created_at", "id",
              postgresql_where=text(READY), sqlite_where=text(READY)),
        Index("ix_human_tasks_queue_open", "lane", "due_at", "created_at", "id", "division",
              postgresql_where=text(OPEN), sqlite_where=text(OPEN)),
        Index("ix_human_tasks_queue_ready", "lane", "due_at", "created_at", "id",
              postgresql_where=text(READY), sqlite_where=text(READY)),
        Index("ix_human_tasks_ready_due", "due_at", "created_at", "id", "lane",
              postgresql_where=text(READY), sqlite_where=text(READY)),
        Index("ix_human_tasks_done_by", "completed_by", "completed_at", "created_at", "id",
              postgresql_where=text(COMPLETED), sqlite_where=text(COMPLETED)),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)  # the engine's task id
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    bpmn_id: Mapped[str] = mapped_column(String(100))
    name: Mapped[str] = mapped_column(String(200))
    lane: Mapped[str | None] = mapped_column(String(100))
    division: Mapped[str | None] = mapped_column(String(20))
    form_schema: Mapped[str | None] = mapped_column(String(200))
    form_ui: Mapped[str | None] = mapped_column(String(200))
    public_status: Mapped[str | None] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(20), default="ready")  # ready, completed, cancelled
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    claimed_by: Mapped[int | None] = mapped_column(Integer)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    completed_by: Mapped[int | None] = mapped_column(Integer)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    draft_json: Mapped[str | None] = mapped_column(Text)
    # Copies of the case's list columns, so the inbox never joins or deserializes.
    tracking_code: Mapped[str] = mapped_column(String(20))
    subject: Mapped[str] = mapped_column(String(200), default="")
    summary_service: Mapped[str | None] = mapped_column(String(50))
    summary_channel: Mapped[str | None] = mapped_column(String(50))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime())

    case: Mapped[Case] = relationship()


class Timer(Base):
    """A timer the case waits on: the worker loads only the cases whose timers are due."""

    __tablename__ = "timers"
    __table_args__ = (Index("ix_timers_due", "status", "due_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    task_id: Mapped[str] = mapped_column(String(36))
    bpmn_id: Mapped[str] = mapped_column(String(100))
    name: Mapped[str] = mapped_column(String(200), default="")
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    status: Mapped[str] = mapped_column(String(20), default="waiting")  # waiting, fired, cancelled
    fired_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Failed firings: retried with backoff, listed for administrators, never blocking others.
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_error: Mapped[str | None] = mapped_column(Text)


class CaseEvent(Base):
    """An append-only record of a case's history, hash-chained to the case's previous event."""

    __tablename__ = "case_events"
    __table_args__ = (UniqueConstraint("case_id", "seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    type: Mapped[str] = mapped_column(String(50))
    actor: Mapped[str] = mapped_column(String(100))
    actor_role: Mapped[str | None] = mapped_column(String(100))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime())
    task_id: Mapped[str | None] = mapped_column(String(36))
    bpmn_id: Mapped[str | None] = mapped_column(String(100))
    data_json: Mapped[str] = mapped_column(Text, default="{}")
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class Attachment(Base):
    """An uploaded file, stored under a random name outside the static folder."""

    __tablename__ = "attachments"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    task_id: Mapped[str | None] = mapped_column(String(36))
    original_name: Mapped[str] = mapped_column(String(255))
    stored_name: Mapped[str] = mapped_column(String(64), unique=True)
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime())
    uploaded_by: Mapped[str] = mapped_column(String(100))
    # "public" (the complainant's side, at any step) or "staff": decides who may see the file.
    supplied_by: Mapped[str] = mapped_column(String(10), default="public")
