"""Verification by re-execution: every case's events, re-run, must give what the store holds.

For each case: the hash chain and its head (`cases.events.verify_case`); the events re-executed
on the case's pinned diagram version (`audit.replay`); and the result compared by meaning with
the stored state (task tree, task data, timers), the human-task rows and the timer rows. Each
case has its own error boundary; each run is kept as a `VerificationRun` row.
"""

from __future__ import annotations

import json
import logging
from collections import Counter as Tally
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import or_, select

from ..cases.events import verify_case
from ..cases.integrity import verify_version
from ..cases.models import Case, CaseEvent, HumanTask, ProcessVersion, Timer
from ..cases.service import engine
from ..db import get_session, transaction, utcnow
from ..engine.replay import StateView, describe
from ..logs import log_event
from .models import VerificationRun
from .replay import CaseReplay, replay_case

# Diagram functions count "from now": a live step read the clock a moment after its event's.
TIMER_TOLERANCE = timedelta(minutes=1)


@dataclass(frozen=True)
class VerificationReport:
    """What a verification sweep found: problems by tracking code or version, and its size."""

    cases_checked: int
    versions_checked: int
    problems: dict[str, list[str]]
    run_id: int | None = None


def case_events(case_id: int) -> list[CaseEvent]:
    """Every stored event of the case, in order."""
    return list(get_session().scalars(
        select(CaseEvent).where(CaseEvent.case_id == case_id).order_by(CaseEvent.seq)))


def verify_one(case: Case) -> list[str]:
    """Every problem of CASE: chain, re-execution, stored state, task rows, timer rows."""
    events = case_events(case.id)
    problems = list(verify_case(case, events))
    replay = replay_case(case, events)
    problems += replay.problems
    if replay.state is None or replay.stopped:
        # Without a complete re-execution there is nothing to compare the stored rows with.
        return problems or [_("pengaduan tidak dapat dijalankan ulang")]
    problems += _state_problems(case, replay.state)
    problems += _task_problems(case, replay, events)
    problems += _timer_problems(case, replay, events)
    problems += _status_problems(case, replay)
    return problems


def _state_problems(case: Case, replayed: str) -> list[str]:
    try:
        stored = describe(engine(), case.state_json)
    except Exception:  # a state edited into something unreadable is itself the finding
        return [_("keadaan tersimpan tidak dapat dibaca")]
    difference = _difference(stored, describe(engine(), replayed))
    if difference is None:
        return []
    return [_("keadaan tersimpan berbeda dari hasil eksekusi ulang: %(what)s", what=difference)]


def _difference(stored: StateView, replayed: StateView) -> str | None:
    """The first difference between two states, in words; None when they mean the same."""
    if len(stored.tasks) != len(replayed.tasks):
        return f"{len(stored.tasks)} tugas tersimpan, {len(replayed.tasks)} hasil eksekusi ulang"
    for mine, theirs in zip(stored.tasks, replayed.tasks, strict=True):
        if (mine.depth, mine.spec, mine.state) != (theirs.depth, theirs.spec, theirs.state):
            return f"{mine.spec} {mine.state} ≠ {theirs.spec} {theirs.state}"
        if mine.data != theirs.data:
            keys = sorted(k for k in set(mine.data) | set(theirs.data)
                          if mine.data.get(k) != theirs.data.get(k))
            return f"data {mine.spec}: {', '.join(keys)}"
    if not _same_timers(list(stored.timers), list(replayed.timers)):
        return "pengatur waktu"
    return None


def _same_timers(mine: list[tuple[str, datetime]], theirs: list[tuple[str, datetime]]) -> bool:
    if len(mine) != len(theirs):
        return False
    pairs = zip(sorted(mine), sorted(theirs), strict=True)
    return all(a[0] == b[0] and abs(a[1] - b[1]) <= TIMER_TOLERANCE for a, b in pairs)


def _task_problems(case: Case, replay: CaseReplay, events: list[CaseEvent]) -> list[str]:
    rows = list(get_session().scalars(select(HumanTask).where(HumanTask.case_id == case.id)))
    problems = []
    ready = Tally((r.bpmn_id, r.lane, r.division) for r in rows if r.status == "ready")
    expected = Tally((t.bpmn_id, t.lane, t.division)
                     for t in (replay.result.ready_tasks if replay.result else []))
    if ready != expected:
        problems.append(_("baris tugas yang menunggu tidak cocok dengan eksekusi ulang: %(what)s",
                          what=_tally_difference(ready, expected)))
    done_rows = {r.id for r in rows if r.status == "completed"}
    done_events = {e.task_id for e in events if e.type == "task_completed" and e.task_id}
    for task_id in sorted(done_rows - done_events):
        problems.append(_("tugas %(id)s tercatat selesai tanpa peristiwa", id=task_id))
    for task_id in sorted(done_events - done_rows):
        problems.append(_("tugas %(id)s diselesaikan menurut peristiwa, tidak menurut barisnya",
                          id=task_id))
    return problems


def _timer_problems(case: Case, replay: CaseReplay, events: list[CaseEvent]) -> list[str]:
    rows = list(get_session().scalars(select(Timer).where(Timer.case_id == case.id)))
    waiting = [(r.bpmn_id, r.due_at) for r in rows if r.status == "waiting"]
    expected = [(t.bpmn_id, t.due_at) for t in (replay.result.timers if replay.result else [])]
    problems = []
    if not _same_timers(waiting, expected):
        problems.append(_("baris pengatur waktu yang menunggu tidak cocok dengan eksekusi ulang"))
    fired_rows = Tally(r.bpmn_id for r in rows if r.status == "fired")
    fired_events = Tally(e.bpmn_id for e in events if e.type == "timer_fired")
    if fired_rows != fired_events:
        problems.append(_("baris pengatur waktu yang berbunyi tidak cocok dengan peristiwa: "
                          "%(what)s", what=_tally_difference(fired_rows, fired_events)))
    return problems


def _status_problems(case: Case, replay: CaseReplay) -> list[str]:
    result = replay.result
    if result is None:
        return []
    closed = case.status == "selesai"
    if closed != result.completed:
        return [_("status kasus '%(status)s' tidak cocok dengan eksekusi ulang",
                  status=case.status)]
    end = result.end_event.bpmn_id if result.end_event else None
    if closed and case.outcome != end:
        return [_("hasil akhir kasus '%(got)s' tidak cocok dengan eksekusi ulang '%(want)s'",
                  got=case.outcome or "", want=end or "")]
    return []


def _tally_difference(mine: Tally[Any], theirs: Tally[Any]) -> str:
    extra = ", ".join(str(k) for k in (mine - theirs))
    missing = ", ".join(str(k) for k in (theirs - mine))
    return f"tersimpan lebih: {extra or '-'}; kurang: {missing or '-'}"


def case_ids_in_scope(tracking_code: str | None, since: datetime | None) -> list[int]:
    """The ids of the cases a verification run covers."""
    query = select(Case.id).order_by(Case.id)
    if tracking_code:
        query = query.where(Case.tracking_code == tracking_code)
    if since is not None:
        query = query.where(or_(Case.updated_at >= since, Case.received_at >= since))
    return list(get_session().scalars(query))


def verify_all(
    tracking_code: str | None = None,
    since: datetime | None = None,
    progress: Callable[[int], None] | None = None,
    run_by: str = "",
    case_ids: list[int] | None = None,
) -> VerificationReport:
    """Check versions and cases (all, one, or active since SINCE) and keep the run's report.

    PROGRESS is told each time a case is done (a terminal progress bar).
    """
    started = utcnow()
    session = get_session()
    problems: dict[str, list[str]] = {}
    versions = list(session.scalars(select(ProcessVersion).order_by(ProcessVersion.id)))
    for version in versions:
        found = verify_version(version)
        if found:
            problems[f"{version.process_id} v{version.version}"] = found
    ids = case_ids if case_ids is not None else case_ids_in_scope(tracking_code, since)
    for case_id in ids:
        label, found = _verify_in_boundary(case_id)
        if found:
            problems[label] = found
        if progress is not None:
            progress(1)
    session.rollback()
    scope = " ".join(filter(None, [f"--case {tracking_code}" if tracking_code else "",
                                   f"--since {since.date().isoformat()}" if since else ""]))
    run_id = _keep(started, scope, len(ids), len(versions), problems, run_by)
    log_event("verification_finished", level=logging.WARNING if problems else logging.INFO,
              cases=len(ids), versions=len(versions), with_problems=len(problems))
    return VerificationReport(len(ids), len(versions), problems, run_id)


def _verify_in_boundary(case_id: int) -> tuple[str, list[str]]:
    """One case's problems; an error while checking it is that case's problem, logged."""
    session = get_session()
    label = str(case_id)
    try:
        case = session.get(Case, case_id)
        if case is None:
            return label, []
        label = case.tracking_code
        found = verify_one(case)
    except Exception as exc:  # one unreadable case must not hide the others
        session.rollback()
        log_event("verification_failed", level=logging.ERROR, case_id=case_id,
                  error_type=type(exc).__name__)
        found = [_("pemeriksaan gagal: %(error)s", error=type(exc).__name__)]
    return label, found


def _keep(started: datetime, scope: str, cases: int, versions: int,
          problems: dict[str, list[str]], run_by: str) -> int:
    with transaction() as session:
        run = VerificationRun(
            started_at=started, finished_at=utcnow(), scope=scope, cases_checked=cases,
            versions_checked=versions, problem_count=sum(len(p) for p in problems.values()),
            problems_json=json.dumps(problems, ensure_ascii=False, sort_keys=True),
            run_by=run_by,
        )
        session.add(run)
        session.flush()
        return run.id


def latest_run() -> VerificationRun | None:
    """The most recent verification run, for the audit page's summary."""
    return get_session().scalars(
        select(VerificationRun).order_by(VerificationRun.started_at.desc(),
                                         VerificationRun.id.desc()).limit(1)).first()


def recent_runs(limit: int = 20) -> list[VerificationRun]:
    """The latest verification runs, newest first."""
    return list(get_session().scalars(
        select(VerificationRun).order_by(VerificationRun.id.desc()).limit(limit)))


def run_problems(run: VerificationRun) -> dict[str, list[str]]:
    """The problems a run kept, by case or version."""
    value = json.loads(run.problems_json or "{}")
    return value if isinstance(value, dict) else {}
