"""Service-quality records: extra non-working days, satisfaction answers, notices sent."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base, UTCDateTime


class CalendarDay(Base):
    """A non-working day the office adds to the national calendar (cuti bersama, local days)."""

    __tablename__ = "calendar_days"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    reason: Mapped[str] = mapped_column(String(200))
    added_by: Mapped[str] = mapped_column(String(100), default="")
    added_at: Mapped[datetime] = mapped_column(UTCDateTime())


class SatisfactionAnswer(Base):
    """One rating of one SKM element (`x-skm`) given when a task was completed."""

    __tablename__ = "satisfaction_answers"
    __table_args__ = (
        UniqueConstraint("task_id", "element"),
        Index("ix_satisfaction_answers_answered_at", "answered_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    task_id: Mapped[str] = mapped_column(String(36))
    element: Mapped[str] = mapped_column(String(10))  # "nilai" (single rating) or U1..U9
    value: Mapped[int] = mapped_column(Integer)  # 1..4
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime())


class NoticeSent(Base):
    """A reminder or digest queued once: the key makes the sweep idempotent."""

    __tablename__ = "notices_sent"
    __table_args__ = (UniqueConstraint("kind", "key", "recipient"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))  # reminder, digest
    key: Mapped[str] = mapped_column(String(100))  # the task id (reminder) or the day (digest)
    recipient: Mapped[str] = mapped_column(String(254))
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime())
