"""Case services: submit a complaint, complete a task, fire due timers; one transaction each."""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

from flask import current_app
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.security import check_password_hash, generate_password_hash

from ..db import get_session, utcnow
from ..engine import WIB, ParsedDiagram, ProcessEngine, StartInfo, TaskNotReady
from . import conventions
from .attachments import link_attachments
from .events import SYSTEM, Actor, EventLog
from .models import Case, Complainant, Counter, HumanTask, ProcessVersion, Timer
from .signals import events_recorded
from .store import apply_step

IDENTITY_KEYWORD = "x-identitas"
IDENTITY_COLUMNS = ("nama", "nik", "no_kk", "telepon", "email", "alamat")
# The variables the app itself puts into a new case's data (documented for diagram authors).
RECEIVED_AT = "tanggal_diterima"
PROVIDED_VARIABLES = (RECEIVED_AT,)
ACCESS_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read out over the phone


class CaseConflict(Exception):
    """Someone else changed the case first; the caller's change was not applied."""


class TaskUnavailable(Exception):
    """The task is no longer waiting (completed, cancelled) or does not exist."""


class NoProcessDeployed(LookupError):
    """No version of the process has been deployed yet."""


@dataclass(frozen=True)
class SubmittedCase:
    """A new case and its access code: the code is shown once and stored only as a hash."""

    case: Case
    access_code: str


def engine() -> ProcessEngine:
    """The application's process engine."""
    process_engine: ProcessEngine = current_app.extensions["process_engine"]
    return process_engine


def active_version(process_id: str = "pengaduan", session: Session | None = None) -> ProcessVersion:
    """The newest deployed version of PROCESS_ID: new cases start on it."""
    session = session or get_session()
    version = session.scalars(
        select(ProcessVersion)
        .where(ProcessVersion.process_id == process_id)
        .order_by(ProcessVersion.version.desc())
        .limit(1)
    ).first()
    if version is None:
        raise NoProcessDeployed(process_id)
    return version


def parsed_diagram(version: ProcessVersion) -> ParsedDiagram:
    """The parsed diagram of VERSION (cached by content hash)."""
    return engine().diagram(version.content_hash, version.bpmn_xml)


def start_info(version: ProcessVersion) -> StartInfo:
    """The start event of VERSION and the form it asks for."""
    return engine().start_info(parsed_diagram(version))


@lru_cache(maxsize=64)
def _forms_of(forms_json: str) -> dict[str, dict[str, Any]]:
    # Only the JSON files: e-mail templates are deployed with the forms too.
    files = json.loads(forms_json).items()
    return {name: json.loads(text) for name, text in files if name.endswith(".json")}


def form_document(version: ProcessVersion, filename: str | None) -> dict[str, Any] | None:
    """A form file (schema or UI hints) as deployed with VERSION; None when not named."""
    if not filename:
        return None
    return conventions.document(version, _forms_of(version.forms_json).get(filename))


def identity_fields(schema: dict[str, Any]) -> set[str]:
    """The properties a form marks as the complainant's identity."""
    props = schema.get("properties", {})
    return {name for name, prop in props.items() if prop.get(IDENTITY_KEYWORD)}


def new_access_code() -> str:
    """A random 8-character access code, grouped as XXXX-XXXX."""
    raw = "".join(secrets.choice(ACCESS_CODE_ALPHABET) for _ in range(8))
    return f"{raw[:4]}-{raw[4:]}"


def _next_tracking_code(session: Session, received_at: datetime) -> str:
    year = received_at.astimezone(WIB).year
    name = f"tracking-{year}"
    value = session.execute(
        update(Counter)
        .where(Counter.name == name)
        .values(value=Counter.value + 1)
        .returning(Counter.value)
    ).scalar()
    if value is None:
        try:
            with session.begin_nested():
                session.add(Counter(name=name, value=1))
            value = 1
        except IntegrityError:
            return _next_tracking_code(session, received_at)
    return f"ADU-{year}-{value:06d}"


def submit_case(
    form_data: dict[str, Any],
    actor: Actor,
    *,
    process_id: str = "pengaduan",
    attachment_ids: list[str] | None = None,
    share_access_code: bool = False,
) -> SubmittedCase:
    """Start a case from the start form's validated data; identity goes to its own table.

    With SHARE_ACCESS_CODE the new code is handed to subscribers of `events_recorded` (the
    complainant asked to receive it by e-mail), so its message commits with the case.
    """
    session = get_session()
    now = utcnow()
    try:
        version = active_version(process_id, session)
        info = start_info(version)
        schema = form_document(version, info.form.schema_file) or {}
        private = identity_fields(schema)
        identity = {k: v for k, v in form_data.items() if k in private}
        start_data = {k: v for k, v in form_data.items() if k not in private}
        start_data[RECEIVED_AT] = now.astimezone(WIB).isoformat()
        result = engine().start(parsed_diagram(version), start_data)
        access_code = new_access_code()
        case = Case(
            tracking_code=_next_tracking_code(session, now),
            access_code_hash=generate_password_hash(access_code),
            process_version_id=version.id,
            state_json=result.state,
            status="berjalan",
            public_status=info.public_status,
            subject=str(start_data.get("judul", ""))[:200],
            jenis=start_data.get("jenis"),
            layanan=start_data.get("layanan"),
            kanal=start_data.get("kanal"),
            anonim=bool(start_data.get("anonim")),
            rahasia=bool(start_data.get("rahasia")),
            received_at=now,
            updated_at=now,
        )
        session.add(case)
        session.flush()
        session.add(Complainant(case_id=case.id, **{k: identity.get(k) for k in IDENTITY_COLUMNS}))
        link_attachments(session, attachment_ids or [], case.id, None)
        log = EventLog(session, case.id)
        log.append("case_submitted", actor, now, start_data, bpmn_id=info.bpmn_id)
        apply_step(session, case, result, log, actor, now)
        _announce(session, case, log, access_code if share_access_code else None)
        session.commit()
    except BaseException:
        session.rollback()
        raise
    return SubmittedCase(case, access_code)


def _announce(session: Session, case: Case, log: EventLog, access_code: str | None = None) -> None:
    """Let subscribers add their rows (notifications) to this same transaction."""
    session.flush()
    events_recorded.send(session, case=case, events=list(log.appended), access_code=access_code)


def check_access_code(case: Case, code: str) -> bool:
    """True when CODE opens CASE (case-insensitive, dash optional)."""
    cleaned = code.strip().upper().replace(" ", "")
    if len(cleaned) == 8:
        cleaned = f"{cleaned[:4]}-{cleaned[4:]}"
    return check_password_hash(case.access_code_hash, cleaned)


def complete_task(
    task_id: str,
    data: dict[str, Any],
    actor: Actor,
    expected_version: int | None = None,
    attachment_ids: list[str] | None = None,
) -> Case:
    """Complete a ready user task with validated DATA; a stale or double completion is refused."""
    session = get_session()
    now = utcnow()
    try:
        human_task = session.get(HumanTask, task_id)
        if human_task is None or human_task.status != "ready":
            raise TaskUnavailable(task_id)
        case = human_task.case
        if expected_version is not None and case.version != expected_version:
            raise CaseConflict(case.tracking_code)
        try:
            result = engine().complete(case.state_json, task_id, data)
        except TaskNotReady as exc:
            raise TaskUnavailable(task_id) from exc
        human_task.status = "completed"
        human_task.completed_by = actor.user_id
        human_task.completed_at = now
        human_task.draft_json = None
        link_attachments(session, attachment_ids or [], case.id, task_id)
        _reclassify(case, data)
        log = EventLog(session, case.id)
        log.append(
            "task_completed",
            actor,
            now,
            {"name": human_task.name, "data": data},
            task_id=task_id,
            bpmn_id=human_task.bpmn_id,
        )
        apply_step(session, case, result, log, actor, now, completed_task_id=task_id)
        _announce(session, case, log)
        session.commit()
    except StaleDataError as exc:
        session.rollback()
        raise CaseConflict(task_id) from exc
    except IntegrityError as exc:
        # Two writers appended the same event number: the other one won.
        session.rollback()
        raise CaseConflict(task_id) from exc
    except BaseException:
        session.rollback()
        raise
    return case


def _reclassify(case: Case, data: dict[str, Any]) -> None:
    """Keep the case's list columns in step when a task corrects the type or the service."""
    for column in ("jenis", "layanan"):
        if isinstance(data.get(column), str):
            setattr(case, column, data[column])


def due_case_ids(now: datetime, limit: int = 100) -> list[int]:
    """Cases with at least one waiting timer due at NOW (reads only the timer table)."""
    session = get_session()
    rows = session.scalars(
        select(Timer.case_id)
        .where(Timer.status == "waiting", Timer.due_at <= now)
        .group_by(Timer.case_id)
        .order_by(func.min(Timer.due_at))
        .limit(limit)
    )
    return list(rows)


def fire_case_timers(case_id: int, actor: Actor = SYSTEM) -> bool:
    """Fire the due timers of one case in its own transaction; False if another worker had it."""
    session = get_session()
    now = utcnow()
    try:
        query = select(Case).where(Case.id == case_id)
        if session.get_bind().dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        case = session.scalars(query).first()
        if case is None or case.status != "berjalan":
            session.rollback()
            return False
        result = engine().fire_due_timers(case.state_json)
        log = EventLog(session, case.id)
        apply_step(session, case, result, log, actor, now)
        _announce(session, case, log)
        session.commit()
        return True
    except (StaleDataError, IntegrityError):
        session.rollback()
        return False
    except BaseException:
        session.rollback()
        raise


def fire_due_timers(limit: int = 100) -> int:
    """Fire every due timer; returns how many cases moved."""
    moved = 0
    for case_id in due_case_ids(utcnow(), limit):
        if fire_case_timers(case_id):
            moved += 1
    return moved
