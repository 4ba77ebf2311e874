"""The staff's case list: every case with filters, and the desk officer's search by identity.

Filters read the case row only (status, summary columns, received moment) and the task index
for "where it waits". A search by identity goes through the keyed lookups of `cases.identity`
(`x-identitas` kinds), is for the holders of the diagram's `registrarLane` only, and never
returns an anonymous case (`cases.privacy.findable_by_identity`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, exists, func, or_, select

from ..auth import lanes, roles
from ..auth.service import active_roles
from ..cases import identity
from ..cases.models import Case, HumanTask
from ..cases.service import active_version, form_document, start_info
from ..db import get_session
from ..engine import WIB
from ..engine.conventions import CHANNEL, SERVICE, TYPE, summary_fields
from ..inbox.service import may_work

PAGE_SIZE = 25
# What the search box may look for: the tracking number or subject, or one identity kind.
IDENTITY_KINDS = ("nik", "nama", "telepon")
SEARCH_KINDS = ("", *IDENTITY_KINDS)
STATUSES = ("berjalan", "selesai")
FILTERED_ROLES = (TYPE, SERVICE, CHANNEL)
_COLUMNS = {TYPE: Case.summary_type, SERVICE: Case.summary_service, CHANNEL: Case.summary_channel}


class PermissionDenied(Exception):
    """The viewer may not do this (the view answers 403)."""


def may_list(user: Any) -> bool:
    """Lane holders and administrators see the case list."""
    held = active_roles(user)
    return bool(held & set(lanes.staff_lanes(held))) or roles.ADMINISTRATOR in held


def may_search_identity(user: Any) -> bool:
    """Only holders of a `registrarLane` search by the complainant's identity."""
    held = active_roles(user)
    return bool(held & lanes.registrar_lanes(held))


def _day(text: str) -> date | None:
    try:
        return date.fromisoformat(text.strip()[:10]) if text.strip() else None
    except ValueError:
        return None


@dataclass(frozen=True)
class CaseFilters:
    """The list's query: search text and kind, status, waiting lane, period, summary values."""

    q: str = ""
    by: str = ""  # "" (tracking number or subject) or an identity kind
    status: str = ""
    lane: str = ""
    since: date | None = None
    until: date | None = None
    values: dict[str, str] = field(default_factory=dict)  # summary role -> chosen value
    page: int = 1

    @classmethod
    def from_args(cls, args: Any) -> CaseFilters:
        """Read the query arguments, ignoring anything unknown."""
        by = args.get("menurut", "")
        status = args.get("status", "")
        page = args.get("halaman", "1")
        return cls(
            q=args.get("cari", "").strip()[:100],
            by=by if by in SEARCH_KINDS else "",
            status=status if status in STATUSES else "",
            lane=args.get("lajur", "").strip()[:200],
            since=_day(args.get("dari", "")), until=_day(args.get("sampai", "")),
            values={role: args.get(role, "").strip()[:50] for role in FILTERED_ROLES
                    if args.get(role, "").strip()},
            page=max(int(page), 1) if page.isdigit() else 1,
        )

    @property
    def identity_search(self) -> bool:
        """Whether this query looks for a complainant's identity."""
        return bool(self.q) and self.by in IDENTITY_KINDS

    @property
    def active(self) -> bool:
        """Whether anything narrows the list."""
        return bool(self.q or self.status or self.lane or self.since or self.until or self.values)

    def args(self, **changes: Any) -> dict[str, Any]:
        """The query arguments that give this list again, with CHANGES."""
        values: dict[str, Any] = {
            "cari": self.q, "menurut": self.by, "status": self.status, "lajur": self.lane,
            "dari": self.since.isoformat() if self.since else "",
            "sampai": self.until.isoformat() if self.until else "",
            **self.values, "halaman": self.page if self.page > 1 else ""}
        values.update(changes)
        return {k: v for k, v in values.items() if v not in ("", None)}


@dataclass(frozen=True)
class CaseRow:
    """One case as the list shows it."""

    tracking_code: str
    subject: str
    status: str
    status_text: str
    received_at: datetime
    received_on: date  # the WIB day it was received
    due_at: datetime | None
    waiting_in: tuple[str, ...]
    summary: tuple[str, ...]
    anonymous: bool
    task_id: str | None  # a task page of the case the viewer may open


@dataclass(frozen=True)
class FilterField:
    """A summary field offered as a filter: its role, title and options."""

    role: str
    title: str
    options: tuple[tuple[str, str], ...]


@dataclass
class CasePage:
    """A page of the case list with what its filter form offers."""

    filters: CaseFilters
    rows: list[CaseRow]
    total: int
    pages: int
    fields: list[FilterField]
    lanes: list[str]
    identity_search: bool


def filter_fields() -> list[FilterField]:
    """The start form's type, service and channel fields of the newest version, with options."""
    try:
        version = active_version()
    except LookupError:
        return []
    marked = summary_fields(form_document(version, start_info(version).form.schema_file) or {})
    return [FilterField(role, marked[role].title, marked[role].options)
            for role in FILTERED_ROLES if role in marked]


def _waits_in(lane: str) -> ColumnElement[bool]:
    return exists(select(HumanTask.id).where(
        HumanTask.case_id == Case.id, HumanTask.status == "ready", HumanTask.lane == lane))


def _moment(day: date, end: bool = False) -> datetime:
    """The start of DAY in WIB (of the next day when END): periods are office days."""
    return datetime.combine(day + timedelta(days=1) if end else day, time.min, WIB)


def _clauses(filters: CaseFilters) -> list[Any]:
    clauses: list[Any] = []
    if filters.identity_search:
        clauses.append(Case.id.in_(identity.find_case_ids(filters.q, (filters.by,)) or [-1]))
    elif filters.q:
        clauses.append(or_(Case.tracking_code.icontains(filters.q, autoescape=True),
                           Case.subject.icontains(filters.q, autoescape=True)))
    if filters.status:
        clauses.append(Case.status == filters.status)
    if filters.lane:
        clauses.append(_waits_in(filters.lane))
    if filters.since:
        clauses.append(Case.received_at >= _moment(filters.since))
    if filters.until:
        clauses.append(Case.received_at < _moment(filters.until, end=True))
    for role, value in filters.values.items():
        clauses.append(_COLUMNS[role] == value)
    return clauses


def case_page(user: Any, filters: CaseFilters) -> CasePage:
    """One page of the case list for USER; PermissionDenied for a search USER may not make."""
    if not may_list(user) or (filters.identity_search and not may_search_identity(user)):
        raise PermissionDenied()
    session = get_session()
    clauses = _clauses(filters)
    total = int(session.scalar(select(func.count()).select_from(Case).where(*clauses)) or 0)
    cases = list(session.scalars(
        select(Case).where(*clauses).order_by(Case.received_at.desc(), Case.id.desc())
        .limit(PAGE_SIZE).offset((filters.page - 1) * PAGE_SIZE))) if total else []
    fields = filter_fields()
    rows = _rows(user, cases, fields)
    return CasePage(filters=filters, rows=rows, total=total,
                    pages=max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1), fields=fields,
                    lanes=[*lanes.staff_lanes(), *sorted(lanes.public_lanes())],
                    identity_search=may_search_identity(user))


def _rows(user: Any, cases: list[Case], fields: list[FilterField]) -> list[CaseRow]:
    if not cases:
        return []
    tasks: dict[int, list[HumanTask]] = {}
    for task in get_session().scalars(
            select(HumanTask).where(HumanTask.case_id.in_([c.id for c in cases]))
            .order_by(HumanTask.created_at.desc())):
        tasks.setdefault(task.case_id, []).append(task)
    labels = {f.role: dict(f.options) for f in fields}
    rows = []
    for case in cases:
        own = tasks.get(case.id, [])
        waiting = tuple(sorted({t.lane or "" for t in own if t.status == "ready"}))
        ready_first = sorted(own, key=lambda t: t.status != "ready")
        task_id = next((t.id for t in ready_first if may_work(user, t)), None)
        summary = tuple(labels.get(f.role, {}).get(getattr(case, _COLUMNS[f.role].key) or "",
                                                   getattr(case, _COLUMNS[f.role].key) or "—")
                        for f in fields)
        rows.append(CaseRow(
            tracking_code=case.tracking_code, subject=case.subject, status=case.status,
            status_text=case.outcome_label or case.public_status or case.status,
            received_at=case.received_at, received_on=case.received_at.astimezone(WIB).date(),
            due_at=case.due_at, waiting_in=waiting,
            summary=summary, anonymous=case.anonymous, task_id=task_id))
    return rows

