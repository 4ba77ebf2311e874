"""Writing one engine step into the store: state, human tasks, timers and events together."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from flask import current_app, has_app_context
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..engine import ReadyTask, StepResult
from .events import Actor, EventLog
from .models import Case, HumanTask, Timer

SERVICE_STANDARD = "serviceStandard"
MILESTONE = "milestone"
NOTIFICATION = "notification"


def apply_step(
    session: Session,
    case: Case,
    result: StepResult,
    log: EventLog,
    actor: Actor,
    now: datetime,
    completed_task_id: str | None = None,
) -> None:
    """Store RESULT on CASE: the new state, task rows, timer rows, and events for engine steps."""
    with session.no_autoflush:
        _apply(session, case, result, log, actor, now, completed_task_id)


def _apply(
    session: Session,
    case: Case,
    result: StepResult,
    log: EventLog,
    actor: Actor,
    now: datetime,
    completed_task_id: str | None,
) -> None:
    case.state_json = result.state
    case.updated_at = now
    fired = {s.task_id for s in result.steps if s.kind == "timer"}
    _sync_timers(session, case, result, fired, now)
    _sync_tasks(session, case, result.ready_tasks, now, completed_task_id)
    _record_steps(case, result, log, actor, now)
    if result.completed:
        case.status = "selesai"
        case.closed_at = now
        if result.end_event is not None:
            case.outcome = result.end_event.bpmn_id
            case.outcome_label = result.end_event.name
            case.public_status = result.end_event.name
    elif result.ready_tasks:
        case.public_status = next(
            (t.public_status for t in result.ready_tasks if t.public_status), case.public_status
        )


def _record_steps(
    case: Case, result: StepResult, log: EventLog, actor: Actor, now: datetime
) -> None:
    for step in result.steps:
        data: dict[str, Any] = {"name": step.name}
        if step.kind == "timer":
            log.append("timer_fired", actor, now, data, step.task_id, step.bpmn_id)
        if step.properties.get(NOTIFICATION) == "sla_breached":
            case.sla_breached = True
            log.append("sla_breached", actor, now, data, step.task_id, step.bpmn_id)
        milestone = step.properties.get(MILESTONE)
        if milestone:
            if milestone == "answered" and case.answered_at is None:
                case.answered_at = now
            log.append(
                "milestone_reached",
                actor,
                now,
                {**data, "milestone": milestone},
                step.task_id,
                step.bpmn_id,
            )
    if result.completed and result.end_event is not None:
        end = result.end_event
        log.append(
            "case_closed",
            actor,
            now,
            {"outcome": end.bpmn_id, "name": end.name},
            end.task_id,
            end.bpmn_id,
        )


def timer_spread(case_id: int) -> timedelta:
    """How long after the diagram's moment a case's timer row falls due: 0 to TIMER_SPREAD_SECONDS.

    Cases received on one day reach their working-day deadline at the same second; spreading
    them by case id (a fixed, reproducible offset per case) lets the timer workers take them
    over a few minutes instead of all at once. The engine still sees its own moment as passed.
    """
    spread = int(current_app.config.get("TIMER_SPREAD_SECONDS", 0)) if has_app_context() else 0
    if spread <= 0:
        return timedelta(0)
    return timedelta(seconds=(case_id * 7919) % (spread + 1))


def _sync_timers(
    session: Session, case: Case, result: StepResult, fired: set[str], now: datetime
) -> None:
    waiting = {
        t.task_id: t
        for t in session.scalars(
            select(Timer).where(Timer.case_id == case.id, Timer.status == "waiting")
        )
    }
    current = {t.task_id for t in result.timers}
    for task_id, row in waiting.items():
        if task_id not in current:
            row.status = "fired" if task_id in fired else "cancelled"
            row.fired_at = now if task_id in fired else None
    for timer in result.timers:
        if timer.task_id not in waiting:
            session.add(
                Timer(
                    case_id=case.id,
                    task_id=timer.task_id,
                    bpmn_id=timer.bpmn_id,
                    name=timer.name,
                    due_at=timer.due_at + timer_spread(case.id),
                    status="waiting",
                )
            )
        if timer.properties.get(SERVICE_STANDARD) == "true" and case.due_at is None:
            case.due_at = timer.due_at


def _sync_tasks(
    session: Session,
    case: Case,
    ready: list[ReadyTask],
    now: datetime,
    completed_task_id: str | None,
) -> None:
    open_rows = {
        t.id: t
        for t in session.scalars(
            select(HumanTask).where(HumanTask.case_id == case.id, HumanTask.status == "ready")
        )
    }
    ready_ids = {t.task_id for t in ready}
    for task_id, row in open_rows.items():
        if task_id not in ready_ids and task_id != completed_task_id:
            row.status = "cancelled"
            row.claimed_by = None
    for task in ready:
        if task.task_id in open_rows:
            continue
        session.add(
            HumanTask(
                id=task.task_id,
                case_id=case.id,
                bpmn_id=task.bpmn_id,
                name=task.name,
                lane=task.lane,
                division=task.division,
                form_schema=task.form.schema_file,
                form_ui=task.form.ui_file,
                public_status=task.public_status,
                status="ready",
                created_at=now,
                due_at=task.deadline or case.due_at,
                tracking_code=case.tracking_code,
                subject=case.subject,
                summary_service=case.summary_service,
                summary_channel=case.summary_channel,
                received_at=case.received_at,
            )
        )
