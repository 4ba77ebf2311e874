"""Comparing versions and moving running cases to a newer one, one transaction per case."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from ..cases.events import Actor, EventLog
from ..cases.models import Case, HumanTask, ProcessVersion, Timer
from ..cases.service import engine, parsed_diagram
from ..cases.store import SERVICE_STANDARD, apply_step
from ..db import get_session, utcnow
from ..engine import StepResult
from ..engine.diffing import DiagramDiff, diff_versions
from ..engine.migrate import MigrationOutcome, TimerChange, migrate_state
from ..logs import log_event
from .service import RUNNING, form_files

MIGRATED = "case_migrated"


class VersionNotFound(LookupError):
    """No deployed version has this number (or id)."""


class CaseNotFound(LookupError):
    """No case has this tracking number."""


@dataclass(frozen=True)
class CasePlan:
    """One case's migration: the preview, and whether it was applied (or why not)."""

    tracking_code: str
    from_version: int
    to_version: int
    waiting: list[tuple[str, str, str]]  # (old bpmn id, name, new bpmn id)
    lost: list[str]
    timers: list[TimerChange]
    refusal: str | None
    applied: bool = False
    notes: list[str] = field(default_factory=list)

    @property
    def safe(self) -> bool:
        """True when the case can move (or moved)."""
        return self.refusal is None


def version_by_number(number: int, process_id: str | None = None) -> ProcessVersion:
    """Version NUMBER of PROCESS_ID (default: the process deployed last)."""
    session = get_session()
    if process_id is None:
        process_id = session.scalar(
            select(ProcessVersion.process_id).order_by(ProcessVersion.id.desc()).limit(1)
        )
    version = session.scalars(
        select(ProcessVersion).where(
            ProcessVersion.process_id == process_id, ProcessVersion.version == number
        )
    ).first()
    if version is None:
        raise VersionNotFound(number)
    return version


def compare(old: ProcessVersion, new: ProcessVersion) -> DiagramDiff:
    """What changed from OLD to NEW: elements, conditions, properties and forms."""
    return diff_versions(old.bpmn_xml, form_files(old), new.bpmn_xml, form_files(new))


def versions_of(process_id: str) -> list[ProcessVersion]:
    """Every version of PROCESS_ID, oldest first."""
    return list(
        get_session().scalars(
            select(ProcessVersion)
            .where(ProcessVersion.process_id == process_id)
            .order_by(ProcessVersion.version)
        )
    )


def running_cases(version: ProcessVersion) -> list[Case]:
    """The running cases on VERSION, oldest first."""
    return list(
        get_session().scalars(
            select(Case)
            .where(Case.process_version_id == version.id, Case.status == RUNNING)
            .order_by(Case.id)
        )
    )


def _target_problem(
    case: Case, target: ProcessVersion, source: ProcessVersion | None = None
) -> str | None:
    current = case.process_version
    if source is not None and current.id != source.id:
        return f"kasus berada pada versi {current.version}, bukan versi {source.version}"
    if case.status != RUNNING:
        return "kasus sudah selesai; hanya kasus berjalan yang dapat dipindahkan"
    if target.process_id != current.process_id:
        return f"versi tujuan milik proses lain ({target.process_id})"
    if target.version <= current.version:
        return f"versi tujuan {target.version} tidak lebih baru dari versi {current.version}"
    return None


def _outcome(case: Case, target: ProcessVersion, source: ProcessVersion | None) -> MigrationOutcome:
    reason = _target_problem(case, target, source)
    if reason:
        return MigrationOutcome(refusal=reason)
    old, new = parsed_diagram(case.process_version), parsed_diagram(target)
    return migrate_state(engine(), case.state_json, old, new)


def _plan(
    case: Case, target: ProcessVersion, outcome: MigrationOutcome, notes: list[str], applied: bool
) -> CasePlan:
    names = outcome.names
    waiting = [
        (old_id, names.get(new_id, ""), new_id) for old_id, new_id in sorted(outcome.tasks.items())
    ]
    return CasePlan(
        tracking_code=case.tracking_code,
        from_version=case.process_version.version,
        to_version=target.version,
        waiting=waiting,
        lost=list(outcome.lost) + notes,
        timers=list(outcome.timers),
        refusal=outcome.refusal,
        applied=applied,
    )


def _row_notes(
    session: Session, case: Case, target: ProcessVersion, result: StepResult | None
) -> list[str]:
    """What moving the task rows loses: claims on tasks whose lane changed, drafts of new forms."""
    notes = []
    old_forms, new_forms = form_files(case.process_version), form_files(target)
    ready = {t.task_id: t for t in (result.ready_tasks if result else [])}
    for row in session.scalars(
        select(HumanTask).where(HumanTask.case_id == case.id, HumanTask.status == "ready")
    ):
        task = ready.get(row.id)
        if task is None:
            notes.append(f"tugas {row.bpmn_id} tidak lagi menunggu pada versi baru")
        elif row.claimed_by is not None and (row.lane, row.division) != (task.lane, task.division):
            notes.append(f"tugas {row.bpmn_id} pindah lajur; yang mengambilnya melepasnya")
        if (
            row.draft_json
            and row.form_schema
            and (old_forms.get(row.form_schema) != new_forms.get(row.form_schema))
        ):
            notes.append(f"draf tugas {row.bpmn_id} dibuang karena formulirnya berubah")
    return notes


def _refresh_rows(
    session: Session, case: Case, result: StepResult, forms_changed: set[str]
) -> None:
    """Task and timer rows kept by the move take the new version's names, lanes and due times."""
    # Timers first: the service-standard timer sets the case's due date the task rows copy.
    timers = {t.task_id: t for t in result.timers}
    for timer_row in session.scalars(
        select(Timer).where(Timer.case_id == case.id, Timer.status == "waiting")
    ):
        timer = timers.get(timer_row.task_id)
        if timer is None:
            continue
        timer_row.bpmn_id, timer_row.name, timer_row.due_at = (
            timer.bpmn_id,
            timer.name,
            timer.due_at,
        )
        if timer.properties.get(SERVICE_STANDARD) == "true":
            case.due_at = timer.due_at
    ready = {t.task_id: t for t in result.ready_tasks}
    for row in session.scalars(
        select(HumanTask).where(HumanTask.case_id == case.id, HumanTask.status == "ready")
    ):
        task = ready.get(row.id)
        if task is None:
            continue
        if (row.lane, row.division) != (task.lane, task.division):
            row.claimed_by = None
            row.claimed_at = None
        if row.form_schema != task.form.schema_file or (row.form_schema or "") in forms_changed:
            row.draft_json = None
        row.bpmn_id, row.name, row.lane, row.division = (
            task.bpmn_id,
            task.name,
            task.lane,
            task.division,
        )
        row.form_schema, row.form_ui = task.form.schema_file, task.form.ui_file
        row.public_status = task.public_status
        row.due_at = task.deadline or case.due_at


def _changed_forms(old: ProcessVersion, new: ProcessVersion) -> set[str]:
    before, after = form_files(old), form_files(new)
    return {name for name in before if before.get(name) != after.get(name)}


def plan_or_migrate(
    case_id: int,
    target: ProcessVersion,
    actor: Actor,
    dry_run: bool,
    source: ProcessVersion | None = None,
) -> CasePlan:
    """Preview (DRY_RUN) or apply moving one case to TARGET, in its own transaction.

    With SOURCE, the case must be on that version (a page about one version moves only its own).
    """
    session = get_session()
    try:
        case = session.get(Case, case_id)
        if case is None:
            raise CaseNotFound(case_id)
        outcome = _outcome(case, target, source)
        notes = _row_notes(session, case, target, outcome.result) if outcome.safe else []
        if dry_run or not outcome.safe or outcome.result is None:
            plan = _plan(case, target, outcome, notes, applied=False)
            session.rollback()
            return plan
        plan = _plan(case, target, outcome, notes, applied=True)
        _apply(session, case, target, outcome, outcome.result, actor)
        session.commit()
    except (StaleDataError, IntegrityError):
        session.rollback()
        case = session.get(Case, case_id)
        code = case.tracking_code if case else str(case_id)
        return CasePlan(
            code,
            0,
            target.version,
            [],
            [],
            [],
            "kasus diubah orang lain saat dipindahkan; coba lagi",
        )
    except BaseException:
        session.rollback()
        raise
    log_event("case_migrated", tracking_code=plan.tracking_code, to_version=target.version)
    return plan


def _apply(
    session: Session,
    case: Case,
    target: ProcessVersion,
    outcome: MigrationOutcome,
    result: StepResult,
    actor: Actor,
) -> None:
    now = utcnow()
    old = case.process_version
    forms_changed = _changed_forms(old, target)
    data: dict[str, Any] = {
        "from_version_id": old.id,
        "to_version_id": target.id,
        "from_version": old.version,
        "to_version": target.version,
        "tasks": dict(outcome.tasks),
        "lost": list(outcome.lost),
    }
    case.process_version_id = target.id
    case.process_version = target
    log = EventLog(session, case)
    log.append(MIGRATED, actor, now, data)
    apply_step(session, case, result, log, actor, now)
    _refresh_rows(session, case, result, forms_changed)


def case_id_of(tracking_code: str) -> int:
    """The id of the case with TRACKING_CODE."""
    case_id = get_session().scalar(
        select(Case.id).where(Case.tracking_code == tracking_code.strip().upper())
    )
    if case_id is None:
        raise CaseNotFound(tracking_code)
    return int(case_id)


def migrate_version(
    source: ProcessVersion, target: ProcessVersion, actor: Actor, dry_run: bool
) -> list[CasePlan]:
    """Preview or move every running case of SOURCE to TARGET; each case on its own."""
    plans = []
    for case_id in [case.id for case in running_cases(source)]:
        try:
            plans.append(plan_or_migrate(case_id, target, actor, dry_run, source))
        except Exception as exc:  # noqa: BLE001 - one case's failure is that case's problem
            log_event(
                "case_migration_failed",
                level=logging.ERROR,
                case_id=case_id,
                error=type(exc).__name__,
            )
            code = get_session().scalar(select(Case.tracking_code).where(Case.id == case_id))
            plans.append(
                CasePlan(
                    str(code),
                    source.version,
                    target.version,
                    [],
                    [],
                    [],
                    f"gagal: {type(exc).__name__}",
                )
            )
    return plans
