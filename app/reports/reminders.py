"""Before and after the deadline: reminders, the daily digest, and the overdue lists.

A task due on day D is announced to its holder (or its lane's queue) from 08:00 WIB of the
working day before D. A case whose service standard has passed while it waits at the office is
listed, every working day from 08:00 WIB, in one digest per responsible person: the holders of
its open tasks and the leads of their lanes. Templates are the process properties
`notifyReminder` and `notifyDigest` of the newest deployed version (process/CONVENTIONS.md).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ..auth import lanes
from ..auth.models import User
from ..auth.service import team_leads, users_with_role
from ..cases import conventions
from ..cases.models import Case, HumanTask, Timer
from ..cases.service import NoProcessDeployed, active_version
from ..db import get_session, utcnow
from ..engine import WIB, WorkingCalendar
from ..engine.conventions import NOTIFY_DIGEST, NOTIFY_REMINDER
from ..logs import log_event
from ..notify.emails import TemplateProblem, render, render_text
from ..notify.service import add_message
from ..public.links import base_url
from .models import NoticeSent
from .service import round_standard_ids
from .workcalendar import refresh

MORNING = time(8, 0)  # reminders and digests go out from 08:00 WIB on working days


@dataclass(frozen=True)
class OverdueCase:
    """A running case past its service standard, waiting at a staff lane."""

    case: Case
    due_at: datetime
    days_late: int
    tasks: list[HumanTask]


def reminder_moment(calendar: WorkingCalendar, due_at: datetime) -> datetime:
    """08:00 WIB of the working day before DUE_AT's day."""
    day = due_at.astimezone(WIB).date() - timedelta(days=1)
    while not calendar.is_working_day(day):
        day -= timedelta(days=1)
    return datetime.combine(day, MORNING, WIB)


def first_digest_moment(calendar: WorkingCalendar, due_at: datetime) -> datetime:
    """08:00 WIB of the first working day after DUE_AT's day (the standard passed overnight)."""
    day = due_at.astimezone(WIB).date() + timedelta(days=1)
    while not calendar.is_working_day(day):
        day += timedelta(days=1)
    return datetime.combine(day, MORNING, WIB)


def standard_due(case: Case, round_ids: set[str], session: Any = None) -> datetime | None:
    """The deadline of the case's current round: the latest service-standard moment."""
    session = session or get_session()
    dues = [case.due_at] if case.due_at else []
    if round_ids:
        dues += list(session.scalars(select(Timer.due_at).where(
            Timer.case_id == case.id, Timer.bpmn_id.in_(round_ids),
            Timer.status.in_(("waiting", "fired")))))
    return max(dues) if dues else None


def overdue_cases(now: datetime, lane: str | None = None) -> list[OverdueCase]:
    """Running cases whose current standard has passed while a staff task waits (in LANE)."""
    session = get_session()
    calendar = refresh()
    public = lanes.public_lanes()
    round_ids = round_standard_ids()
    found = []
    rows = session.scalars(select(HumanTask).where(HumanTask.status == "ready")
                           .order_by(HumanTask.received_at))
    waiting: dict[int, list[HumanTask]] = defaultdict(list)
    for task in rows:
        if task.lane and task.lane not in public:
            waiting[task.case_id].append(task)
    for case_id, tasks in waiting.items():
        if lane is not None and not any(t.lane == lane for t in tasks):
            continue
        case = session.get(Case, case_id)
        if case is None or case.status != "berjalan":
            continue
        due = standard_due(case, round_ids, session)
        if due is None or due >= now:
            continue
        late = calendar.working_days_between(due.astimezone(WIB).date(),
                                             now.astimezone(WIB).date())
        found.append(OverdueCase(case, due, late, tasks))
    return sorted(found, key=lambda o: o.due_at)


def current_deadline(case: Case) -> datetime | None:
    """The deadline of CASE's current round (the second round's after a rejection)."""
    return standard_due(case, round_standard_ids())


def passed_deadline(case: Case, now: datetime | None = None) -> datetime | None:
    """The passed deadline of CASE's current round while it waits at the office, else None.

    Shown plainly on the case's public page; a case waiting on the complainant is not late.
    """
    now = now or utcnow()
    if case.status != "berjalan":
        return None
    due = standard_due(case, round_standard_ids())
    if due is None or due >= now:
        return None
    public = lanes.public_lanes()
    waiting = get_session().scalars(
        select(HumanTask).where(HumanTask.case_id == case.id, HumanTask.status == "ready"))
    return due if any(t.lane not in public for t in waiting) else None


def _holders(task: HumanTask) -> list[User]:
    """Who works TASK: the claimer, or everyone of its lane (and division) when unclaimed."""
    if task.claimed_by is not None:
        user = get_session().get(User, task.claimed_by)
        return [user] if user is not None and user.is_active else []
    return users_with_role(task.lane or "", task.division) if task.lane else []


def _templates() -> tuple[dict[str, str], dict[str, str], str | None] | None:
    """(process properties, files, footer template) of the newest deployed version."""
    try:
        version = active_version()
    except NoProcessDeployed:
        return None
    conv = conventions.of(version)
    return dict(conv.process_properties), dict(conv.files), conv.email_footer


def _queue(kind: str, key_of: list[str], to: str, template: str, files: dict[str, str],
           context: dict[str, Any], footer: str | None, now: datetime) -> bool:
    """Queue one message unless every KEY was already sent to TO; record the keys."""
    session = get_session()
    sent = set(session.scalars(select(NoticeSent.key).where(
        NoticeSent.kind == kind, NoticeSent.recipient == to, NoticeSent.key.in_(key_of))))
    if all(k in sent for k in key_of):
        return False
    try:
        email = render(files, template, context)
    except TemplateProblem:
        log_event("notice_template_failed", level=logging.ERROR, template=template, kind=kind)
        return False
    body = email.body
    if footer:
        try:
            body = f"{body}\n\n{render_text(files, footer, {}).strip()}"
        except TemplateProblem:
            pass
    add_message(session, to, email.subject, body, kind=kind)
    for key in key_of:
        if key not in sent:
            session.add(NoticeSent(kind=kind, key=key, recipient=to, sent_at=now))
    return True


def send_reminders(now: datetime | None = None) -> int:
    """Queue today's reminders: one message per person listing their tasks due next working day."""
    now = now or utcnow()
    found = _templates()
    if found is None or not found[0].get(NOTIFY_REMINDER):
        return 0
    props, files, footer = found
    calendar = refresh()
    public = lanes.public_lanes()
    session = get_session()
    tasks = session.scalars(select(HumanTask).where(
        HumanTask.status == "ready", HumanTask.due_at.is_not(None), HumanTask.due_at > now))
    per_person: dict[str, tuple[User, list[tuple[str, HumanTask]]]] = {}
    for task in tasks:
        if task.lane in public or task.due_at is None:
            continue
        if not reminder_moment(calendar, task.due_at) <= now:
            continue
        key = f"{task.id}@{task.due_at.astimezone(WIB).date().isoformat()}"
        for user in _holders(task):
            if user.email:
                per_person.setdefault(user.email, (user, []))[1].append((key, task))
    queued = 0
    try:
        for address, (user, items) in sorted(per_person.items()):
            context = {"penerima": user.full_name, "kotak_tugas": f"{base_url()}/tugas",
                       "tugas": [_task_line(t) for _k, t in items]}
            if _queue("reminder", [k for k, _t in items], address, props[NOTIFY_REMINDER], files,
                      context, footer, now):
                queued += 1
        session.commit()
    except IntegrityError:
        session.rollback()  # another worker queued the same reminders first
        return 0
    return queued


def send_digests(now: datetime | None = None) -> int:
    """Queue today's digest for each person responsible for a case past its standard."""
    now = now or utcnow()
    local = now.astimezone(WIB)
    found = _templates()
    if found is None or not found[0].get(NOTIFY_DIGEST):
        return 0
    calendar = refresh()
    if not calendar.is_working_day(local.date()) or local.time() < MORNING:
        return 0
    props, files, footer = found
    per_person: dict[str, tuple[User, list[OverdueCase]]] = {}
    for overdue in overdue_cases(now):
        if first_digest_moment(calendar, overdue.due_at) > now:
            continue
        for user in _responsible(overdue):
            if user.email:
                per_person.setdefault(user.email, (user, []))[1].append(overdue)
    session = get_session()
    queued = 0
    try:
        for address, (user, items) in sorted(per_person.items()):
            context = {"penerima": user.full_name, "kotak_tugas": f"{base_url()}/tugas",
                       "tautan_terlambat": f"{base_url()}/laporan/terlambat",
                       "kasus": [_case_line(o) for o in items], "tanggal": local.date()}
            if _queue("digest", [local.date().isoformat()], address, props[NOTIFY_DIGEST], files,
                      context, footer, now):
                queued += 1
        session.commit()
    except IntegrityError:
        session.rollback()
        return 0
    return queued


def _responsible(overdue: OverdueCase) -> list[User]:
    """The holders of the case's open staff tasks and the leads of those tasks' lanes."""
    people: dict[int, User] = {}
    for task in overdue.tasks:
        for user in [*_holders(task), *team_leads(lane=task.lane)]:
            people[user.id] = user
    if not people:  # nobody holds the lane: the leads of the `leadsLane` answer for it
        people = {u.id: u for u in team_leads()}
    return list(people.values())


def _task_line(task: HumanTask) -> dict[str, Any]:
    due = task.due_at.astimezone(WIB) if task.due_at else None
    return {"nomor": task.tracking_code, "judul": task.subject, "tahap": task.name,
            "lajur": task.lane, "batas": due.strftime("%d-%m-%Y") if due else ""}


def _case_line(overdue: OverdueCase) -> dict[str, Any]:
    return {"nomor": overdue.case.tracking_code, "judul": overdue.case.subject,
            "tahap": ", ".join(t.name for t in overdue.tasks),
            "lajur": ", ".join(sorted({t.lane or "" for t in overdue.tasks})),
            "batas": overdue.due_at.astimezone(WIB).strftime("%d-%m-%Y"),
            "terlambat_hari": overdue.days_late}


def run(now: datetime | None = None) -> tuple[int, int]:
    """The sweep's hook: (reminders queued, digests queued)."""
    return send_reminders(now), send_digests(now)


def run_safely(now: datetime | None = None) -> tuple[int, int]:
    """`run` for the timer sweep: a failure is logged and the sweep goes on."""
    try:
        return run(now)
    except Exception as exc:  # the sweep must keep firing timers whatever the notices do
        get_session().rollback()
        log_event("notices_failed", level=logging.ERROR, error_type=type(exc).__name__)
        return 0, 0
