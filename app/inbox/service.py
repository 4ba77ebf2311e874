"""Inbox services: task lists from the human-task table, claim/release/reassign, the task page."""

from __future__ import annotations

import json
import time
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import ColumnElement, and_, func, literal_column, or_, select, update
from sqlalchemy.sql import Select

from ..auth import lanes, roles
from ..auth.service import (
    active_roles,
    can_work_lane,
    get_user,
    is_team_lead,
    user_divisions,
    users_with_role,
)
from ..cases import identity, privacy, queries
from ..cases.conventions import language
from ..cases.models import Attachment, Case, HumanTask
from ..cases.service import active_version, form_document, start_info
from ..db import get_session, utcnow
from ..engine import WIB, WorkingCalendar
from ..engine.conventions import CHANNEL, LISTED_ROLES, SERVICE, summary_fields
from . import keyset

PAGE_SIZE = 20
VIEWS = ("saya", "antrean", "selesai", "semua")
SORTS = keyset.SORT_KEYS


class PermissionDenied(Exception):
    """The user holds no role that may do this with this task (the view answers 403)."""


class TaskTaken(Exception):
    """Someone else holds the task (or it is no longer waiting); the message says who or why."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


# --- who may do what ----------------------------------------------------------------------------


def may_work(user: Any, task: HumanTask) -> bool:
    """True when USER holds the task's lane role today (a routed task: its division)."""
    return bool(task.lane) and task.lane in lanes.staff_lanes([task.lane or ""]) and (
        can_work_lane(user, task.lane, task.division))


def _led_lanes(user: Any) -> list[str]:
    """The `leadsLane` lanes USER leads today."""
    return [lane for lane in sorted(lanes.leads_lanes()) if is_team_lead(user, lane=lane)]


def may_supervise(user: Any) -> bool:
    """True for an Administrator or a lead: they see every open task and reassign."""
    return roles.ADMINISTRATOR in active_roles(user) or bool(_led_lanes(user))


def may_reassign(user: Any, task: HumanTask) -> bool:
    """Administrators reassign any staff task; a lead reassigns the tasks of the lane led."""
    if task.lane not in lanes.staff_lanes([task.lane or ""]):
        return False
    if roles.ADMINISTRATOR in active_roles(user):
        return True
    return task.lane in _led_lanes(user)


def sees_identity(user: Any, case: Case) -> bool:
    """Whether USER sees what the public side gave CASE (anonymous: the desk officer only)."""
    return not privacy.withholds_public_side(case, active_roles(user))


def has_lane_role(user: Any) -> bool:
    """True when USER holds a staff lane role today (and so has an inbox)."""
    return _scope(user) is not None


def _scope(user: Any) -> ColumnElement[bool] | None:
    """The lanes (and divisions) whose tasks USER may take, as a WHERE clause; None for none."""
    roles_held = active_roles(user)
    held = sorted(roles_held & set(lanes.staff_lanes(roles_held)))
    if not held:
        return None
    plain = [lane for lane in held if not lanes.divisions(lane)]
    parts: list[ColumnElement[bool]] = [HumanTask.lane.in_(plain)] if plain else []
    for lane in held:
        if lane in plain:
            continue
        # A task routed to a division is for that division only; an unrouted one for any.
        parts.append(and_(HumanTask.lane == lane, or_(
            HumanTask.division.is_(None),
            HumanTask.division.in_(sorted(user_divisions(user, lane))),
        )))
    return or_(*parts)


# --- the lists ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class InboxFilters:
    """What the user asked the list for: view, filters, sort order and position (a cursor)."""

    view: str = "saya"
    task_type: str = ""
    service: str = ""  # a value of the field marked as the service (`x-ringkasan`)
    channel: str = ""  # a value of the field marked as the channel
    overdue: bool = False
    q: str = ""
    sort: str = ""  # urut: due, received, case, task; empty: the view's default
    direction: str = "asc"  # arah: asc, desc
    after: str = ""  # setelah: the page after this cursor
    before: str = ""  # sebelum: the page before this cursor

    @classmethod
    def from_args(cls, view: str, args: Any) -> InboxFilters:
        """Read the filters from query arguments, ignoring anything unknown."""
        sort, direction = args.get("urut", ""), args.get("arah", "asc")
        if sort in keyset.OLD_SORTS:
            sort, direction = keyset.OLD_SORTS[sort]
        return cls(
            view=view if view in VIEWS else "saya",
            task_type=args.get("jenis_tugas", "").strip()[:100],
            service=args.get(SERVICE, "").strip()[:50],
            channel=args.get(CHANNEL, "").strip()[:50],
            overdue=args.get("terlambat", "") in ("1", "on", "true"),
            q=args.get("q", "").strip()[:100],
            sort=sort if sort in keyset.SORT_KEYS else "",
            direction=direction if direction in keyset.DIRECTIONS else "asc",
            after=args.get("setelah", "")[:400],
            before=args.get("sebelum", "")[:400],
        )

    @property
    def active(self) -> bool:
        """Whether any filter narrows the list."""
        return bool(self.task_type or self.service or self.channel or self.overdue or self.q)

    @property
    def order(self) -> tuple[str, str]:
        """(sort key, direction): by default due first, the finished list newest first."""
        if self.sort:
            return self.sort, self.direction
        return ("completed", "desc") if self.view == "selesai" else ("due", "asc")

    def value(self, role: str) -> str:
        """The chosen value of a listed summary ROLE (SERVICE or CHANNEL)."""
        return {SERVICE: self.service, CHANNEL: self.channel}.get(role, "")

    def args(self, **changes: Any) -> dict[str, Any]:
        """The query arguments that reproduce these filters (first page), with CHANGES applied."""
        values = {"jenis_tugas": self.task_type, SERVICE: self.service, CHANNEL: self.channel,
                  "terlambat": "1" if self.overdue else "", "q": self.q,
                  "urut": self.sort, "arah": self.direction if self.sort else ""}
        values.update(changes)
        return {k: v for k, v in values.items() if v not in ("", None)}


@dataclass(frozen=True)
class InboxRow:
    """One task as a list shows it."""

    id: str
    tracking_code: str
    name: str
    subject: str
    summary: tuple[str, ...]  # the labels of its values, one per column of InboxPage.summary
    received_on: date
    due_at: datetime | None
    days_left: int | None
    overdue: bool
    claimed_by: int | None
    claimed_by_name: str = ""
    completed_at: datetime | None = None
    lane: str | None = None
    division: str | None = None
    reassign_to: tuple[tuple[int, str], ...] = ()

    @property
    def due_soon(self) -> bool:
        """Due today or on the next working day."""
        return not self.overdue and self.days_left is not None and self.days_left <= 1


@dataclass
class InboxPage:
    """A page of one list, with the counts of every list and the filter options."""

    filters: InboxFilters
    rows: list[InboxRow]
    counts: dict[str, int]
    total: int
    pages: int
    task_types: list[tuple[str, str]]
    summary: list[SummaryColumn]
    views: tuple[str, ...] = field(default=("saya", "antrean", "selesai"))
    identity_search: bool = False  # the search box also finds NIK, phone and e-mail
    next_cursor: str = ""  # `setelah` of the next page; empty on the last
    prev_cursor: str = ""  # `sebelum` of the previous page; empty on the first


# Written into the SQL, not bound, so that the planner matches the partial index of each view
# (migration 0008) also in a generic plan.
_READY = HumanTask.status == literal_column("'ready'")
_COMPLETED = HumanTask.status == literal_column("'completed'")


def _base(view: str, user: Any) -> ColumnElement[bool] | None:
    """The WHERE clause that defines VIEW for USER (each matches one partial index)."""
    if view == "saya":
        return and_(_READY, HumanTask.claimed_by == user.id)
    if view == "selesai":
        return and_(_COMPLETED, HumanTask.completed_by == user.id)
    if view == "antrean":
        scope = _scope(user)
        if scope is None:
            return None
        return and_(_READY, HumanTask.claimed_by.is_(None), scope)
    if view == "semua":
        admin = roles.ADMINISTRATOR in active_roles(user)
        shown = list(lanes.staff_lanes()) if admin else _led_lanes(user)
        return and_(_READY, HumanTask.lane.in_(shown))
    return None


def _identity_matches(user: Any, filters: InboxFilters) -> list[int]:
    """Cases whose complainant gave the searched NIK, phone or e-mail: for the desk officer only.

    Others get nothing, so a search cannot tell them who an anonymous complainant is.
    """
    held = active_roles(user)
    if not filters.q or not held & lanes.registrar_lanes(held):
        return []
    return identity.find_case_ids(filters.q)


def _filtered(base: ColumnElement[bool], filters: InboxFilters, now: datetime,
              identity_cases: list[int] | None = None) -> list[Any]:
    clauses: list[Any] = [base]
    if filters.task_type:
        clauses.append(HumanTask.bpmn_id == filters.task_type)
    if filters.service:
        clauses.append(HumanTask.summary_service == filters.service)
    if filters.channel:
        clauses.append(HumanTask.summary_channel == filters.channel)
    if filters.overdue:
        clauses.append(HumanTask.due_at < now)
    if filters.q:
        clauses.append(or_(HumanTask.tracking_code.icontains(filters.q, autoescape=True),
                           HumanTask.subject.icontains(filters.q, autoescape=True),
                           HumanTask.case_id.in_(identity_cases or [])))
    return clauses


def _position(filters: InboxFilters) -> tuple[list[keyset.Part], ColumnElement[bool] | None,
                                                bool]:
    """The list's order, the cursor's WHERE clause (None on the first page), and whether the
    page is read backward (the page before a cursor)."""
    sort, direction = filters.order
    for cursor, backward in ((filters.before, True), (filters.after, False)):
        values = keyset.read_cursor(cursor, sort)
        if values is not None:
            order = keyset.parts(sort, direction, values)
            # A descending list is the ascending one read backward.
            ascending_before = backward != (direction == "desc")
            position = keyset.before(order) if ascending_before else keyset.after(order)
            return order, position, backward
    return keyset.parts(sort, direction), None, False


def list_statement(user: Any, filters: InboxFilters, now: datetime | None = None) -> Select[Any]:
    """The SELECT of one page of a list, plus one row to tell whether another page follows."""
    base = _base(filters.view, user)
    if base is None:
        base = HumanTask.id.is_(None)
    order, position, backward = _position(filters)
    clauses = _filtered(base, filters, now or utcnow(), _identity_matches(user, filters))
    if position is not None:
        clauses.append(position)
    return (
        select(HumanTask)
        .where(*clauses)
        .order_by(*keyset.order_by(order, backward != (filters.order[1] == "desc")))
        .limit(PAGE_SIZE + 1)
    )


def _page_rows(user: Any, filters: InboxFilters, now: datetime
               ) -> tuple[list[HumanTask], str, str]:
    """The page's tasks in list order, the cursor of the next page and of the previous one."""
    tasks = list(get_session().scalars(list_statement(user, filters, now)))
    sort = filters.order[0]
    _order, position, backward = _position(filters)
    more = len(tasks) > PAGE_SIZE
    tasks = tasks[:PAGE_SIZE]
    if backward:
        tasks.reverse()
        has_prev, has_next = more, True
    else:
        has_prev, has_next = position is not None, more
    if not tasks:
        return [], "", ""
    return (tasks, keyset.cursor_of(tasks[-1], sort) if has_next else "",
            keyset.cursor_of(tasks[0], sort) if has_prev else "")


def _count(clauses: Iterable[Any]) -> int:
    return int(get_session().scalar(select(func.count()).select_from(HumanTask).where(*clauses))
               or 0)


# A list's count is exact up to EXACT_UP_TO rows (a bounded index-only read each time); above
# that (a long "Selesai" list) it is counted once a minute per worker and list, as the index
# read grows with the list.
EXACT_UP_TO = 1000
_COUNT_TTL = 60.0
_COUNT_CACHE: dict[str, tuple[float, int]] = {}


def _view_counts(bases: dict[str, ColumnElement[bool] | None]) -> dict[str, int]:
    """How many tasks each list holds, in one statement: exact when small, else a minute old."""
    session = get_session()
    shown = {view: base for view, base in bases.items() if base is not None}
    counts = dict.fromkeys(bases, 0)
    if not shown:
        return counts
    bounded = [select(func.count()).select_from(
        select(HumanTask.id).where(base).limit(EXACT_UP_TO + 1).subquery()).scalar_subquery()
        for base in shown.values()]
    row = session.execute(select(*bounded)).one()
    for (view, base), small in zip(shown.items(), row, strict=True):
        counts[view] = int(small) if small <= EXACT_UP_TO else _large_count(base, int(small))
    return counts


def _large_count(base: ColumnElement[bool], at_least: int) -> int:
    session = get_session()
    compiled = select(HumanTask.id).where(base).compile()
    params = sorted((k, str(v)) for k, v in compiled.params.items())
    key = f"{session.get_bind().engine.url}|{compiled}|{params}"
    moment = time.monotonic()
    cached = _COUNT_CACHE.get(key)
    if cached is None or moment - cached[0] >= _COUNT_TTL:
        if len(_COUNT_CACHE) > 5000:
            _COUNT_CACHE.clear()
        cached = _COUNT_CACHE[key] = (moment, _count([base]))
    return max(cached[1], at_least)


def calendar() -> WorkingCalendar:
    """The working-day calendar of the process engine."""
    calendar_: WorkingCalendar = current_app.extensions["process_engine"].calendar
    return calendar_


def working_days_left(due_at: datetime | None, now: datetime) -> int | None:
    """Working days from today (WIB) to the due day; negative when overdue; None without due."""
    if due_at is None:
        return None
    today = now.astimezone(WIB).date()
    days = calendar().working_days_between(today, due_at.astimezone(WIB).date())
    if due_at < now and days >= 0:
        return -1 if days == 0 else -days
    return days


def inbox_page(user: Any, filters: InboxFilters) -> InboxPage:
    """One page of the chosen list, with counts per list: reads the human_tasks table only."""
    now = utcnow()
    views = ("saya", "antrean", "selesai", "semua") if may_supervise(user) else (
        "saya", "antrean", "selesai")
    counts = _view_counts({view: _base(view, user) for view in views})
    base = _base(filters.view, user)
    if base is None:
        total = 0
    elif filters.active:
        total = _count(_filtered(base, filters, now, _identity_matches(user, filters)))
    else:
        total = counts.get(filters.view, 0)
    tasks, next_cursor, prev_cursor = _page_rows(user, filters, now) if total else ([], "", "")
    columns = summary_columns({c for t in tasks for c in _listed(t) if c})
    types = _task_types(base) if base is not None else []
    rows = [_row(t, now, columns) for t in tasks]
    if filters.view == "semua":
        rows = _with_holders(rows)
    return InboxPage(filters=filters, rows=rows, counts=counts, total=total,
                     pages=max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1), task_types=types,
                     summary=columns, views=views,
                     identity_search=bool(active_roles(user)
                                          & lanes.registrar_lanes(active_roles(user))),
                     next_cursor=next_cursor, prev_cursor=prev_cursor)


# The task types present in a list change seldom: their GROUP BY is kept a minute per list.
_TYPES_TTL = 60.0
_TYPES_CACHE: dict[str, tuple[float, list[tuple[str, str]]]] = {}


def _task_types(base: ColumnElement[bool]) -> list[tuple[str, str]]:
    statement = (select(HumanTask.bpmn_id, func.min(HumanTask.name)).where(base)
                 .group_by(HumanTask.bpmn_id).order_by(func.min(HumanTask.name)))
    compiled = statement.compile()
    params = sorted((k, str(v)) for k, v in compiled.params.items())
    key = f"{get_session().get_bind().engine.url}|{compiled}|{params}"
    cached = _TYPES_CACHE.get(key)
    moment = time.monotonic()
    if cached is not None and moment - cached[0] < _TYPES_TTL:
        return list(cached[1])
    rows = [(bpmn_id, name) for bpmn_id, name in get_session().execute(statement)]
    if len(_TYPES_CACHE) > 1000:
        _TYPES_CACHE.clear()
    _TYPES_CACHE[key] = (moment, rows)
    return rows


def _listed(task: HumanTask) -> tuple[str | None, ...]:
    """The task's copies of the listed summary values, in LISTED_ROLES order."""
    return task.summary_service, task.summary_channel


def _row(task: HumanTask, now: datetime, columns: list[SummaryColumn]) -> InboxRow:
    days = working_days_left(task.due_at, now)
    values = dict(zip(LISTED_ROLES, _listed(task), strict=True))
    summary = tuple(c.options.get(values[c.role] or "", values[c.role] or "") for c in columns)
    return InboxRow(
        id=task.id, tracking_code=task.tracking_code, name=task.name, subject=task.subject,
        summary=summary,
        received_on=task.received_at.astimezone(WIB).date(), due_at=task.due_at,
        days_left=days, overdue=task.due_at is not None and task.due_at < now,
        claimed_by=task.claimed_by, completed_at=task.completed_at, lane=task.lane,
        division=task.division,
    )


def _with_holders(rows: list[InboxRow]) -> list[InboxRow]:
    """Rows of the supervision list, with who holds each task and who could take it over."""
    candidates: dict[tuple[str | None, str | None], tuple[tuple[int, str], ...]] = {}
    result = []
    for row in rows:
        key = (row.lane, row.division)
        if key not in candidates:
            people = users_with_role(row.lane or "", row.division) if row.lane else []
            candidates[key] = tuple((u.id, u.full_name) for u in people)
        result.append(replace(row, claimed_by_name=user_name(row.claimed_by),
                              reassign_to=candidates[key]))
    return result


# --- the summary fields the lists show (and offer as filters) ----------------------------------


@dataclass(frozen=True)
class SummaryColumn:
    """A listed summary field of the start form: its role, title and option labels."""

    role: str
    title: str
    options: dict[str, str]


_LABEL_CACHE: dict[str, list[SummaryColumn]] = {}


def summary_columns(codes: set[str] | None = None) -> list[SummaryColumn]:
    """The start form's fields marked as service and channel, titled in the UI language (cached).

    The cache is refreshed only when a row carries a code it does not know, so a list page
    normally reads nothing but the human_tasks table.
    """
    lang = language()
    cached = _LABEL_CACHE.get(lang)
    known = {code for column in cached or [] for code in column.options}
    if cached is None or (codes and not codes <= known):
        cached = _LABEL_CACHE[lang] = _load_columns()
    return list(cached)


def _load_columns() -> list[SummaryColumn]:
    try:
        version = active_version()
    except LookupError:
        return []
    form = start_info(version).form
    marked = summary_fields(form_document(version, form.schema_file) or {})
    return [SummaryColumn(role, marked[role].title, dict(marked[role].options))
            for role in LISTED_ROLES if role in marked]


# --- claim, release, reassign -------------------------------------------------------------------


def user_name(user_id: int | None) -> str:
    """A staff member's full name (or a neutral word when unknown)."""
    if user_id is None:
        return ""
    user = get_user(user_id)
    return user.full_name if user is not None else _("petugas lain")


def unavailable_message(task: HumanTask, user: Any) -> str:
    """Why USER cannot work TASK now, in plain words; empty when they can."""
    if task.status == "completed":
        who = user_name(task.completed_by)
        return _("Tugas ini sudah diselesaikan oleh %(name)s.", name=who)
    if task.status != "ready":
        return _("Tugas ini tidak lagi menunggu: alur pengaduan sudah berpindah.")
    if task.claimed_by is not None and task.claimed_by != user.id:
        return _("Tugas ini sudah diambil oleh %(name)s.", name=user_name(task.claimed_by))
    return ""


def get_task(task_id: str, user: Any) -> HumanTask:
    """The task, if USER may work its lane; LookupError when unknown, PermissionDenied else."""
    task = queries.get_human_task(task_id)
    if task is None:
        raise LookupError(task_id)
    if not may_work(user, task):
        raise PermissionDenied(task_id)
    return task


def _refresh(task_id: str) -> HumanTask:
    session = get_session()
    session.expire_all()
    task = session.get(HumanTask, task_id)
    assert task is not None  # nosec B101 # re-read of a row just read; narrows the type
    return task


def claim_in_session(task_id: str, user: Any) -> None:
    """Take TASK for USER with one conditional UPDATE (not committed); TaskTaken if lost."""
    session = get_session()
    result = session.execute(
        update(HumanTask)
        .where(HumanTask.id == task_id, HumanTask.status == "ready",
               or_(HumanTask.claimed_by.is_(None), HumanTask.claimed_by == user.id))
        .values(claimed_by=user.id, claimed_at=func.coalesce(HumanTask.claimed_at, utcnow()))
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        session.rollback()
        raise TaskTaken(unavailable_message(_refresh(task_id), user))


def claim(task_id: str, user: Any) -> HumanTask:
    """Claim a waiting task of USER's lane; TaskTaken names who was first."""
    task = get_task(task_id, user)
    message = unavailable_message(task, user)
    if message:
        raise TaskTaken(message)
    claim_in_session(task_id, user)
    get_session().commit()
    return _refresh(task_id)


def release(task_id: str, user: Any) -> HumanTask:
    """Give a task USER holds back to the queue (the draft stays with the task)."""
    task = get_task(task_id, user)
    session = get_session()
    result = session.execute(
        update(HumanTask)
        .where(HumanTask.id == task_id, HumanTask.status == "ready",
               HumanTask.claimed_by == user.id)
        .values(claimed_by=None, claimed_at=None)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        session.rollback()
        raise TaskTaken(unavailable_message(_refresh(task.id), user)
                        or _("Tugas ini tidak sedang Anda pegang."))
    session.commit()
    return _refresh(task_id)


def reassign(task_id: str, user: Any, new_holder_id: int, expected_holder: int | None) -> HumanTask:
    """Hand a waiting task to NEW_HOLDER (admin, or team lead for Tim tasks); checks their role."""
    task = queries.get_human_task(task_id)
    if task is None:
        raise LookupError(task_id)
    if not may_reassign(user, task):
        raise PermissionDenied(task_id)
    target = get_user(new_holder_id)
    if target is None or not target.is_active or not may_work(target, task):
        raise TaskTaken(_("Pengguna yang dipilih tidak memegang peran untuk tugas ini."))
    holder = HumanTask.claimed_by.is_(None) if expected_holder is None else (
        HumanTask.claimed_by == expected_holder)
    session = get_session()
    result = session.execute(
        update(HumanTask)
        .where(HumanTask.id == task_id, HumanTask.status == "ready", holder)
        .values(claimed_by=target.id, claimed_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        session.rollback()
        fresh = _refresh(task_id)
        message = unavailable_message(fresh, user) if fresh.status != "ready" else _(
            "Tugas ini baru saja diambil atau dialihkan oleh orang lain. Muat ulang halaman.")
        raise TaskTaken(message)
    session.commit()
    return _refresh(task_id)


# --- attachments --------------------------------------------------------------------------------


def visible_attachments(task: HumanTask, user: Any) -> list[Attachment]:
    """The files of the task's case USER may list and open (decided in `cases.privacy`)."""
    case = queries.get_case(task.case_id)
    if case is None:  # a task's case exists (foreign key); this narrows the type
        raise LookupError(task.case_id)
    return privacy.visible_attachments(case, active_roles(user))


def attachment_for(task_id: str, attachment_id: str, user: Any) -> Attachment:
    """An attachment of the task's case that USER may download; LookupError otherwise."""
    task = get_task(task_id, user)
    case = queries.get_case(task.case_id)
    assert case is not None  # nosec B101 # a task's case exists (foreign key); narrows the type
    attachment = privacy.visible_attachment(case, attachment_id, active_roles(user))
    if attachment is None:
        raise LookupError(attachment_id)
    return attachment


def draft_of(task: HumanTask) -> dict[str, Any] | None:
    """The saved draft of TASK, if any."""
    return json.loads(task.draft_json) if task.draft_json else None
