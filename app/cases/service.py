"""Case services: submit a complaint, complete a task, fire due timers; one transaction each."""

from __future__ import annotations

import json
import logging
import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from flask import current_app
from sqlalchemy import func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, undefer
from sqlalchemy.orm.exc import StaleDataError

from ..db import get_session, transaction, utcnow
from ..engine import WIB, ParsedDiagram, ProcessEngine, StartInfo, TaskNotReady
from ..engine.conventions import (
    ANONYMOUS,
    CHANNEL,
    SECRET,
    SERVICE,
    SUBJECT,
    TYPE,
    summary_fields,
    summary_values,
)
from ..logs import error_context, log_event
from . import access_codes, conventions, identity
from .attachments import link_attachments
from .events import SYSTEM, Actor, EventLog
from .models import Case, Counter, HumanTask, ProcessVersion, Timer
from .privacy import PUBLIC_SIDE, supplied_by
from .signals import events_recorded
from .store import apply_step

# The variables the app itself puts into a new case's data (documented for diagram authors).
RECEIVED_AT = "tanggal_diterima"
PROVIDED_VARIABLES = (RECEIVED_AT,)
# Where each summary role (`x-ringkasan`, process/CONVENTIONS.md) is kept on the case.
SUMMARY_COLUMNS = {SUBJECT: "subject", TYPE: "summary_type", SERVICE: "summary_service",
                   CHANNEL: "summary_channel", ANONYMOUS: "anonymous", SECRET: "secret"}
FLAGS = (ANONYMOUS, SECRET)
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


def active_version(process_id: str | None = None, session: Session | None = None
                   ) -> ProcessVersion:
    """The newest deployed version of PROCESS_ID (default: of the process deployed last)."""
    session = session or get_session()
    query = select(ProcessVersion)
    if process_id is None:
        query = query.order_by(ProcessVersion.id.desc())
    else:
        query = query.where(ProcessVersion.process_id == process_id).order_by(
            ProcessVersion.version.desc())
    version = session.scalars(query.limit(1)).first()
    if version is None:
        raise NoProcessDeployed(process_id or "")
    return version


def parsed_diagram(version: ProcessVersion) -> ParsedDiagram:
    """The parsed diagram of VERSION (cached by content hash)."""
    return engine().diagram(version.content_hash, version.bpmn_xml)


def diagram_by_hash(content_hash: str) -> bytes | None:
    """The BPMN XML of the deployed version with CONTENT_HASH (the engine's diagram source)."""
    return get_session().scalars(
        select(ProcessVersion.bpmn_xml).where(ProcessVersion.content_hash == content_hash).limit(1)
    ).first()


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
    """The properties a form marks as the complainant's identity (`x-identitas`)."""
    return set(identity.identity_fields(schema))


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
    process_id: str | None = None,
    attachment_ids: list[str] | None = None,
    share_access_code: bool = False,
    on_created: Callable[[Session, Case, str], None] | None = None,
) -> SubmittedCase:
    """Start a case from the start form's validated data; identity goes to its own table.

    With SHARE_ACCESS_CODE the new code is handed to subscribers of `events_recorded` (the
    complainant asked to receive it by e-mail), so its message commits with the case.
    ON_CREATED(session, case, access_code) adds the caller's rows to the same transaction.
    """
    session = get_session()
    now = utcnow()
    try:
        version = active_version(process_id, session)
        info = start_info(version)
        schema = form_document(version, info.form.schema_file) or {}
        private = identity_fields(schema)
        personal = {k: v for k, v in form_data.items() if k in private}
        start_data = {k: v for k, v in form_data.items() if k not in private}
        start_data[RECEIVED_AT] = now.astimezone(WIB).isoformat()
        result = engine().start(parsed_diagram(version), start_data)
        access_code = new_access_code()
        case = Case(
            tracking_code=_next_tracking_code(session, now),
            access_code_hash=access_codes.hash_code(access_code),
            process_version_id=version.id,
            state_json=result.state,
            status="berjalan",
            public_status=info.public_status,
            subject="",
            anonymous=False,
            secret=False,
            received_at=now,
            updated_at=now,
        )
        summarize(case, schema, start_data)
        session.add(case)
        session.flush()
        identity.store_identity(session, case.id, schema, personal)
        link_attachments(session, attachment_ids or [], case.id, None,
                         supplied_by(actor.label, info.lane))
        log = EventLog(session, case)
        log.append("case_submitted", actor, now, start_data, bpmn_id=info.bpmn_id)
        apply_step(session, case, result, log, actor, now)
        _announce(session, case, log, access_code if share_access_code else None)
        if on_created is not None:
            on_created(session, case, access_code)
        session.commit()
    except BaseException:
        session.rollback()
        raise
    return SubmittedCase(case, access_code)


def _announce(session: Session, case: Case, log: EventLog, access_code: str | None = None) -> None:
    """Let subscribers add their rows (notifications) to this same transaction."""
    session.flush()
    events_recorded.send(session, case=case, events=list(log.appended), access_code=access_code)


def set_access_code(case: Case, code: str) -> None:
    """Store CODE as CASE's access code, a keyed HMAC (the caller commits); the old one stops."""
    case.access_code_hash = access_codes.hash_code(code)


def check_access_code(case: Case, code: str) -> bool:
    """True when CODE opens CASE (case-insensitive, dash optional).

    An old scrypt hash that matches is replaced by the HMAC on CASE; the caller's commit keeps it.
    """
    ok, upgraded = access_codes.verify(case.access_code_hash, code)
    if ok and upgraded is not None:
        case.access_code_hash = upgraded
    return ok


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
    context: dict[str, Any] = {"task_id": task_id}
    try:
        human_task = session.get(HumanTask, task_id)
        if human_task is None or human_task.status != "ready":
            raise TaskUnavailable(task_id)
        context.update(
            tracking_code=human_task.tracking_code,
            bpmn_id=human_task.bpmn_id,
            element_name=human_task.name,
        )
        case = session.get(Case, human_task.case_id, options=[undefer(Case.state_json)])
        assert case is not None  # nosec B101 # a task's case exists (foreign key); narrows the type
        if expected_version is not None and case.version != expected_version:
            raise CaseConflict(case.tracking_code)
        side = supplied_by(actor.label, human_task.lane)
        if side == PUBLIC_SIDE:
            # Identity and text marked personal go to the encrypted identity, not the workflow.
            schema = form_document(case.process_version, human_task.form_schema) or {}
            data, personal = identity.set_aside(schema, data)
            if personal:
                identity.store_step_personal(session, case.id, task_id, personal)
        parsed_diagram(case.process_version)  # the state names its diagram by content hash
        try:
            result = engine().complete(case.state_json, task_id, data)
        except TaskNotReady as exc:
            raise TaskUnavailable(task_id) from exc
        human_task.status = "completed"
        human_task.completed_by = actor.user_id
        human_task.completed_at = now
        human_task.draft_json = None
        link_attachments(session, attachment_ids or [], case.id, task_id, side)
        summarize(case, _raw_form(case.process_version, human_task.form_schema), data)
        log = EventLog(session, case)
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
    except BaseException as exc:
        session.rollback()
        error_context(exc, **context)
        raise
    return case


def _raw_form(version: ProcessVersion, filename: str | None) -> dict[str, Any]:
    """A form file as deployed (not translated); empty when not named."""
    return _forms_of(version.forms_json).get(filename or "") or {}


def summarize(case: Case, schema: dict[str, Any], data: dict[str, Any]) -> None:
    """Set the case's summary columns from DATA's fields that SCHEMA marks `x-ringkasan`.

    The start form fills them; a later form that marks a field again corrects it (a changed
    classification). A text or choice left empty keeps what is on record.
    """
    for role, value in summary_values(schema, data).items():
        column = SUMMARY_COLUMNS[role]
        if role in FLAGS:
            setattr(case, column, bool(value))
        elif isinstance(value, str) and value.strip():
            setattr(case, column, value[:200] if role == SUBJECT else value[:50])


def summary_on_record(case: Case, schema: Any) -> dict[str, Any]:
    """The case's summary values under the names SCHEMA's marked fields carry."""
    return {f.name: getattr(case, SUMMARY_COLUMNS[role])
            for role, f in summary_fields(schema).items()}


# -- timers: each case in its own transaction and error boundary --------------------------------

TIMER_FIRST_RETRY = timedelta(minutes=5)
TIMER_LONGEST_WAIT = timedelta(hours=6)


@dataclass(frozen=True)
class FailingTimer:
    """A waiting timer whose firing failed, as the administrators' list shows it."""

    timer: Timer
    tracking_code: str


def timer_backoff(attempts: int) -> timedelta:
    """How long to wait after the ATTEMPTS-th failure: doubling from five minutes, capped."""
    return min(TIMER_FIRST_RETRY * (2 ** max(attempts - 1, 0)), TIMER_LONGEST_WAIT)


def _retryable(now: datetime) -> Any:
    return or_(Timer.next_attempt_at.is_(None), Timer.next_attempt_at <= now)


def due_case_ids(now: datetime, limit: int = 100) -> list[int]:
    """Cases with a waiting timer due at NOW and not backing off (reads only the timer table)."""
    session = get_session()
    rows = session.scalars(
        select(Timer.case_id)
        .where(Timer.status == "waiting", Timer.due_at <= now, _retryable(now))
        .group_by(Timer.case_id)
        .order_by(func.min(Timer.due_at))
        .limit(limit)
    )
    return list(rows)


def _lock_running_case(session: Session, case_id: int) -> Case | None:
    """The running case, locked for this transaction (None if another worker holds it)."""
    query = (
        select(Case).where(Case.id == case_id).options(undefer(Case.state_json))
        .execution_options(populate_existing=True)
    )
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    case = session.scalars(query).first()
    return case if case is not None and case.status == "berjalan" else None


def _due_timers(session: Session, case_id: int, now: datetime) -> list[Timer]:
    """The case's timers due at NOW, read after the lock so another worker's firing shows."""
    return list(
        session.scalars(
            select(Timer)
            .where(
                Timer.case_id == case_id,
                Timer.status == "waiting",
                Timer.due_at <= now,
                _retryable(now),
            )
            .order_by(Timer.due_at, Timer.id)
            .execution_options(populate_existing=True)
        )
    )


def _failed_element(exc: BaseException, timers: list[Timer]) -> tuple[str, str]:
    """The element that failed: named by the error when it says, else the first due timer."""
    seen: BaseException | None = exc
    while seen is not None:
        bpmn_id = getattr(seen, "bpmn_id", None) or getattr(seen, "element_id", None)
        if isinstance(bpmn_id, str) and bpmn_id:
            return bpmn_id, str(getattr(seen, "element_name", "") or "")
        seen = seen.__cause__ or seen.__context__
    return timers[0].bpmn_id, timers[0].name


def _record_timer_failure(
    case: Case, timers: list[Timer], exc: Exception, now: datetime
) -> dict[str, Any]:
    """Count the failed attempt on each due timer and set when to try again; the log fields."""
    bpmn_id, element_name = _failed_element(exc, timers)
    message = f"{bpmn_id} ({element_name}): {type(exc).__name__}: {exc}"[:1000]
    attempts = 0
    for timer in timers:
        timer.attempts = (timer.attempts or 0) + 1
        timer.last_error = message
        timer.next_attempt_at = now + timer_backoff(timer.attempts)
        attempts = max(attempts, timer.attempts)
    return {
        "case_id": case.id,
        "tracking_code": case.tracking_code,
        "bpmn_id": bpmn_id,
        "element_name": element_name,
        "attempts": attempts,
        "next_attempt_at": now + timer_backoff(attempts),
    }


def fire_case_timers(case_id: int, actor: Actor = SYSTEM) -> bool:
    """Fire the due timers of one case in its own transaction; False if there was nothing to do.

    When the step fails, only the failure is stored (attempts, next try, error) and the error is
    raised again, carrying the case and element as log context; the case, its tasks and events
    stay as they were.
    """
    session = get_session()
    now = utcnow()
    try:
        case = _lock_running_case(session, case_id)
        timers = _due_timers(session, case_id, now) if case is not None else []
        if case is None or not timers:
            session.rollback()
            return False
        try:
            # A savepoint: on failure the step is undone while this worker keeps the case locked.
            with session.begin_nested():
                parsed_diagram(case.process_version)
                result = engine().fire_due_timers(case.state_json)
                log = EventLog(session, case)
                apply_step(session, case, result, log, actor, now)
                _announce(session, case, log)
        except (StaleDataError, IntegrityError):
            raise
        except Exception as exc:
            context = _record_timer_failure(case, timers, exc, now)
            session.commit()
            error_context(exc, **context)
            raise
        session.commit()
    except (StaleDataError, IntegrityError):
        session.rollback()
        return False
    except BaseException:
        session.rollback()  # after a recorded failure this finds nothing left to undo
        raise
    log_event(
        "timers_fired",
        case_id=case.id,
        tracking_code=case.tracking_code,
        bpmn_ids=",".join(sorted({t.bpmn_id for t in timers})),
    )
    return True


def _claim_due_case(now: datetime, skip: set[int]) -> int | None:
    """On PostgreSQL: lock the next due timer row no other worker holds; its case id, or None.

    The row lock stays for the transaction `fire_case_timers` then runs in, so two workers
    never take the same case, and a case fired meanwhile is no longer due when read again.
    """
    query = (
        select(Timer.case_id)
        .where(Timer.status == "waiting", Timer.due_at <= now, _retryable(now))
        .order_by(Timer.due_at, Timer.id)
        .limit(1)
        .with_for_update(skip_locked=True)
    )
    if skip:
        query = query.where(Timer.case_id.not_in(sorted(skip)))
    return get_session().scalars(query).first()


def _due_cases(started: datetime, limit: int) -> Iterator[int]:
    """The cases to try in this sweep: claimed one by one (PostgreSQL) or listed (SQLite)."""
    if get_session().get_bind().dialect.name != "postgresql":
        yield from due_case_ids(started, limit)
        return
    seen: set[int] = set()
    while len(seen) < limit:
        case_id = _claim_due_case(started, seen)
        if case_id is None:
            get_session().rollback()
            return
        seen.add(case_id)
        yield case_id


def fire_due_timers(limit: int = 100) -> int:
    """Fire every due timer, one case at a time; a failing case is logged and skipped."""
    started = utcnow()
    due = moved = failed = 0
    for case_id in _due_cases(started, limit):
        due += 1
        try:
            if fire_case_timers(case_id):
                moved += 1
        except Exception as exc:  # the case's own problem: logged, and the sweep goes on
            failed += 1
            context = {"case_id": case_id, **getattr(exc, "log_context", {})}
            log_event(
                "timer_failed", level=logging.ERROR, error_type=type(exc).__name__, **context
            )
    quiet = logging.INFO if due else logging.DEBUG  # an idle sweep every minute is noise
    log_event("timer_sweep_finished", level=quiet, due=due, fired=moved, failed=failed)
    return moved


def failing_timers(limit: int = 200) -> list[FailingTimer]:
    """Waiting timers whose firing failed, the next to be retried first."""
    rows = get_session().execute(
        select(Timer, Case.tracking_code)
        .join(Case, Case.id == Timer.case_id)
        .where(Timer.status == "waiting", Timer.attempts > 0)
        .order_by(Timer.next_attempt_at, Timer.id)
        .limit(limit)
    )
    return [FailingTimer(timer, code) for timer, code in rows]


def retry_timer_now(timer_id: int) -> Timer:
    """Let the next sweep try a failing timer again without waiting for its backoff."""
    with transaction() as session:
        timer = session.get(Timer, timer_id)
        if timer is None:
            raise LookupError(timer_id)
        if timer.status == "waiting":
            timer.next_attempt_at = utcnow()
    return timer
