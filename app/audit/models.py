"""The audit's own records: one row per verification run, kept for auditors."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base, UTCDateTime


class VerificationRun(Base):
    """One run of `audit verify`: what was checked and every problem found, by case."""

    __tablename__ = "verification_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    finished_at: Mapped[datetime] = mapped_column(UTCDateTime())
    scope: Mapped[str] = mapped_column(String(200), default="")  # "", "--case X", "--since D"
    cases_checked: Mapped[int] = mapped_column(Integer, default=0)
    versions_checked: Mapped[int] = mapped_column(Integer, default=0)
    problem_count: Mapped[int] = mapped_column(Integer, default=0)
    problems_json: Mapped[str] = mapped_column(Text, default="{}")  # {label: [problem, ...]}
    run_by: Mapped[str] = mapped_column(String(100), default="")
