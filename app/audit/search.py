"""Searching across cases for auditors: filters, pages, counts and the filter choices."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Select, exists, func, select

from ..auth.service import get_user
from ..cases.models import Case, CaseEvent, HumanTask, ProcessVersion
from ..cases.standard import OUTCOMES, standard_clause, standard_of
from ..db import get_session, utcnow
from ..engine import WIB

PAGE_SIZE = 25
# Query arguments: Indonesian words, and the summary roles (`x-ringkasan`) for those columns.
FILTERS = ("dari", "sampai", "hasil", "channel", "type", "service", "bidang", "petugas",
           "standar", "versi")


@dataclass(frozen=True)
class CaseFilters:
    """An auditor's search: every field optional; dates are WIB calendar days (inclusive)."""

    received_from: date | None = None
    received_to: date | None = None
    outcome: str = ""
    channel: str = ""
    type: str = ""
    service: str = ""
    division: str = ""
    officer: int | None = None
    standard: str = ""
    version_id: int | None = None
    page: int = 1
    errors: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_args(cls, args: Any) -> CaseFilters:
        """Filters from query arguments; a malformed value is reported and ignored."""
        errors: dict[str, str] = {}
        values: dict[str, Any] = {}
        for key, name in (("dari", "received_from"), ("sampai", "received_to")):
            raw = (args.get(key) or "").strip()
            if raw:
                try:
                    values[name] = date.fromisoformat(raw)
                except ValueError:
                    errors[key] = raw
        for key, name in (("petugas", "officer"), ("versi", "version_id")):
            raw = (args.get(key) or "").strip()
            if raw:
                if raw.isdigit():
                    values[name] = int(raw)
                else:
                    errors[key] = raw
        standard = (args.get("standar") or "").strip()
        if standard and standard not in OUTCOMES:
            errors["standar"] = standard
            standard = ""
        page = (args.get("halaman") or "1").strip()
        return cls(
            outcome=(args.get("hasil") or "").strip()[:100],
            channel=(args.get("channel") or "").strip()[:50],
            type=(args.get("type") or "").strip()[:50],
            service=(args.get("service") or "").strip()[:50],
            division=(args.get("bidang") or "").strip()[:20],
            standard=standard,
            page=max(int(page), 1) if page.isdigit() else 1,
            errors=errors,
            **values,
        )

    def args(self, **changes: Any) -> dict[str, Any]:
        """The query arguments of these filters (for links to other pages and the CSV)."""
        values = {
            "dari": self.received_from.isoformat() if self.received_from else "",
            "sampai": self.received_to.isoformat() if self.received_to else "",
            "hasil": self.outcome, "channel": self.channel, "type": self.type,
            "service": self.service, "bidang": self.division,
            "petugas": self.officer or "", "standar": self.standard,
            "versi": self.version_id or "", "halaman": self.page if self.page > 1 else "",
        }
        values.update(changes)
        return {k: v for k, v in values.items() if v not in ("", None)}


@dataclass(frozen=True)
class CaseRow:
    """One case in the results."""

    case: Case
    version: int
    standard: str | None


@dataclass(frozen=True)
class SearchPage:
    """One page of results, the total, counts by status and standard, and the choices."""

    rows: list[CaseRow]
    total: int
    page: int
    pages: int
    counts: dict[str, int]
    choices: dict[str, list[tuple[str, str]]]


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, WIB)


def matching(filters: CaseFilters, now: datetime | None = None) -> Select[Any]:
    """The SELECT of the cases FILTERS match, newest first."""
    now = now or utcnow()
    query = select(Case)
    if filters.received_from:
        query = query.where(Case.received_at >= _day_start(filters.received_from))
    if filters.received_to:
        query = query.where(Case.received_at < _day_start(filters.received_to + timedelta(1)))
    for value, column in ((filters.outcome, Case.outcome), (filters.channel, Case.summary_channel),
                          (filters.type, Case.summary_type),
                          (filters.service, Case.summary_service)):
        if value:
            query = query.where(column == value)
    if filters.division:
        query = query.where(exists().where(HumanTask.case_id == Case.id,
                                           HumanTask.division == filters.division))
    if filters.officer is not None:
        query = query.where(exists().where(CaseEvent.case_id == Case.id,
                                           CaseEvent.actor == f"user:{filters.officer}"))
    if filters.standard:
        query = query.where(standard_clause(filters.standard, now))
    if filters.version_id is not None:
        query = query.where(Case.process_version_id == filters.version_id)
    return query.order_by(Case.received_at.desc(), Case.id.desc())


def search(filters: CaseFilters) -> SearchPage:
    """One page of the cases FILTERS match, with the total and counts by status and standard."""
    session = get_session()
    now = utcnow()
    query = matching(filters, now)
    ids = query.with_only_columns(Case.id).order_by(None).subquery()
    total = session.scalar(select(func.count()).select_from(ids)) or 0
    pages = max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1)
    page = min(filters.page, pages)
    cases = list(session.scalars(query.limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)))
    versions = {i: n for i, n in session.execute(select(ProcessVersion.id, ProcessVersion.version))}
    rows = [CaseRow(c, versions.get(c.process_version_id, 0), standard_of(c, now)) for c in cases]
    counts = {
        status: session.scalar(select(func.count()).select_from(
            query.where(Case.status == status).with_only_columns(Case.id).order_by(None)
            .subquery())) or 0
        for status in ("berjalan", "selesai")
    }
    for outcome in OUTCOMES:
        counts[f"standar_{outcome}"] = session.scalar(select(func.count()).select_from(
            query.where(standard_clause(outcome, now)).with_only_columns(Case.id)
            .order_by(None).subquery())) or 0
    return SearchPage(rows, total, page, pages, counts, choices())


def choices() -> dict[str, list[tuple[str, str]]]:
    """The values each filter can take, from what the cases hold (value, label)."""
    session = get_session()

    def values(column: Any) -> list[tuple[str, str]]:
        found = session.scalars(select(column).where(column.is_not(None)).distinct())
        return sorted((str(v), str(v)) for v in found if v)

    outcomes = session.execute(
        select(Case.outcome, func.max(Case.outcome_label)).where(Case.outcome.is_not(None))
        .group_by(Case.outcome))
    officers = []
    for actor in session.scalars(select(CaseEvent.actor).distinct()
                                 .where(CaseEvent.actor.like("user:%"))):
        ident = actor.partition(":")[2]
        user = get_user(int(ident)) if ident.isdigit() else None
        if user is not None:
            officers.append((ident, user.full_name))
    versions = session.execute(
        select(ProcessVersion.id, ProcessVersion.name, ProcessVersion.version)
        .order_by(ProcessVersion.id))
    return {
        "hasil": sorted((str(o), str(label or o)) for o, label in outcomes),
        "channel": values(Case.summary_channel),
        "type": values(Case.summary_type),
        "service": values(Case.summary_service),
        "bidang": values(HumanTask.division),
        "petugas": sorted(officers, key=lambda o: o[1]),
        "versi": [(str(i), f"{name} v{n}") for i, name, n in versions],
    }
