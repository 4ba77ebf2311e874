"""Step-through replay: a case as it was after each recorded event, rebuilt by re-execution.

Each event that drove the engine (submission, a completed task, a timer sweep) is re-executed on
the case's pinned diagram version at its recorded moment; the events the engine wrote by itself
in that step (timers fired, milestones, the closing) must be exactly the ones the re-executed
step produces. Nothing is read from a stored snapshot.
"""

from __future__ import annotations

import json
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime
from types import SimpleNamespace
from typing import Any

from flask_babel import gettext as _

from ..cases.events import SYSTEM, Actor
from ..cases.models import Case, CaseEvent, ProcessVersion
from ..cases.service import engine, parsed_diagram
from ..cases.store import _record_steps
from ..db import get_session
from ..engine import WIB, ParsedDiagram, StepResult, WorkflowRuntimeError
from ..engine.replay import HANDLERS, RecordedEvent, Replayer, ReplayError

DONE_MARKER = "lp-done"
CURRENT_MARKER = "lp-current"


@dataclass(frozen=True)
class ExpectedEvent:
    """An event a re-executed step writes by itself."""

    type: str
    bpmn_id: str | None
    data: dict[str, Any]


@dataclass(frozen=True)
class WaitingTask:
    """A task waiting at a moment, and the lane (and division) that held it."""

    task_id: str
    bpmn_id: str
    name: str
    lane: str | None
    division: str | None


@dataclass(frozen=True)
class WaitingTimer:
    """A timer waiting at a moment, with its due moment."""

    bpmn_id: str
    name: str
    due_at: datetime


@dataclass(frozen=True)
class Frame:
    """The case right after one event."""

    seq: int
    type: str
    occurred_at: datetime
    waiting: list[WaitingTask]
    timers: list[WaitingTimer]
    data: dict[str, Any]
    working_days: int
    completed: bool
    passed: list[str]


@dataclass
class CaseReplay:
    """The frames of a re-executed case, and the events re-execution could not reproduce."""

    frames: list[Frame] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    result: StepResult | None = None
    replayer: Replayer | None = None
    fired_timer_ids: set[str] = field(default_factory=set)
    stopped: bool = False  # an event could not be re-executed: later frames are missing

    @property
    def state(self) -> str | None:
        """The state re-execution reached (None when the case could not start)."""
        return self.result.state if self.result is not None else None


class _Recorder:
    """Collects the events `cases.store` would append for a step, without a database."""

    def __init__(self) -> None:
        self.events: list[ExpectedEvent] = []

    def append(self, type_: str, actor: Actor, occurred_at: datetime,
               data: dict[str, Any] | None = None, task_id: str | None = None,
               bpmn_id: str | None = None) -> None:
        self.events.append(ExpectedEvent(type_, bpmn_id, dict(data or {})))


def expected_events(result: StepResult, moment: datetime) -> list[ExpectedEvent]:
    """The events the store writes for the engine's own steps in RESULT (same code as live)."""
    recorder = _Recorder()
    stand_in = SimpleNamespace(sla_breached=False, answered_at=None)
    _record_steps(stand_in, result, recorder, SYSTEM, moment)  # type: ignore[arg-type]
    return recorder.events


def recorded(event: CaseEvent) -> RecordedEvent:
    """What replay reads of a stored event (unreadable data counts as empty)."""
    try:
        data = json.loads(event.data_json)
    except ValueError:
        data = {}
    return RecordedEvent(event.seq, event.type, event.occurred_at, event.actor,
                         event.task_id, event.bpmn_id, data if isinstance(data, dict) else {})


def _matches(expected: ExpectedEvent, event: RecordedEvent) -> bool:
    return (expected.type, expected.bpmn_id, expected.data) == (
        event.type, event.bpmn_id, event.data)


def _version_diagram(version_id: int) -> ParsedDiagram:
    """The parsed diagram of the process version with VERSION_ID (a migration's target)."""
    version = get_session().get(ProcessVersion, version_id)
    if version is None:
        raise ReplayError(f"versi proses {version_id} tidak ada")
    return parsed_diagram(version)


def versions_in_effect(case: Case, events: list[CaseEvent]) -> list[ProcessVersion]:
    """The process version each event happened on: a migrated case changed version on the way.

    Before its first `case_migrated` event a case ran on that event's `from_version_id`; each
    migration switches to its `to_version_id` after the event itself.
    """
    session = get_session()

    def version_of(data_json: str, key: str) -> ProcessVersion | None:
        found = json.loads(data_json).get(key)
        return session.get(ProcessVersion, found) if isinstance(found, int) else None

    first = next((e for e in events if e.type == "case_migrated"), None)
    current = (version_of(first.data_json, "from_version_id") if first else None) or (
        case.process_version)
    in_effect = []
    for event in events:
        in_effect.append(current)
        if event.type == "case_migrated":
            current = version_of(event.data_json, "to_version_id") or current
    return in_effect


def replay_case(case: Case, events: list[CaseEvent], hidden: frozenset[str] = frozenset()
                ) -> CaseReplay:
    """Re-execute CASE's EVENTS in order; a frame per event, a problem per unreproduced event.

    HIDDEN names data fields the viewer may not see (left out of each frame's data).
    """
    first = versions_in_effect(case, events)[0] if events else case.process_version
    replayer = Replayer(engine(), parsed_diagram(first), _version_diagram)
    out = CaseReplay(replayer=replayer)
    pending: deque[ExpectedEvent] = deque()
    passed: list[str] = []
    calendar = engine().calendar
    for stored in events:
        event = recorded(stored)
        if pending and _matches(pending[0], event):
            pending.popleft()
        elif not _drive(replayer, event, pending, out):
            out.stopped = True
            break
        if event.bpmn_id and event.type != "identity_revealed":
            passed.append(event.bpmn_id)
        out.frames.append(_frame(event, replayer, passed, hidden, case, calendar))
    if pending and not out.problems:
        out.problems.append(
            _("eksekusi ulang menghasilkan peristiwa yang tidak tercatat: %(what)s",
              what=", ".join(f"{e.type} {e.bpmn_id or ''}".strip() for e in pending))
        )
    out.result = replayer.result
    return out


def _drive(replayer: Replayer, event: RecordedEvent, pending: deque[ExpectedEvent],
           out: CaseReplay) -> bool:
    """Re-execute a driving EVENT; False (with the problem noted) when replay must stop."""
    if pending:
        out.problems.append(
            _("peristiwa #%(n)d: eksekusi ulang mengharapkan %(what)s di sini",
              n=event.seq, what=f"{pending[0].type} {pending[0].bpmn_id or ''}".strip())
        )
        pending.clear()
    if event.type not in HANDLERS:
        out.problems.append(
            _("peristiwa #%(n)d (%(type)s) tidak dihasilkan oleh eksekusi ulang",
              n=event.seq, type=event.type)
        )
        return True
    try:
        result = replayer.apply(event)
    except (ReplayError, WorkflowRuntimeError) as exc:
        out.problems.append(_("peristiwa #%(n)d tidak dapat dijalankan ulang: %(why)s",
                              n=event.seq, why=str(exc)))
        return False
    if result is None:
        return True
    pending.extend(expected_events(result, event.occurred_at))
    out.fired_timer_ids |= {s.task_id for s in result.steps if s.kind == "timer"}
    if event.type == "timer_fired":  # a sweep: its first event is this one
        if pending and _matches(pending[0], event):
            pending.popleft()
        else:
            out.problems.append(
                _("peristiwa #%(n)d: pengatur waktu %(id)s belum jatuh tempo pada saat itu",
                  n=event.seq, id=event.bpmn_id or "")
            )
    return True


def _frame(event: RecordedEvent, replayer: Replayer, passed: list[str], hidden: frozenset[str],
           case: Case, calendar: Any) -> Frame:
    result = replayer.result
    waiting = [
        WaitingTask(t.task_id, t.bpmn_id, t.name, t.lane, t.division)
        for t in (result.ready_tasks if result else [])
    ]
    timers = [WaitingTimer(t.bpmn_id, t.name, t.due_at) for t in (result.timers if result else [])]
    data = {k: v for k, v in (result.data if result else {}).items() if k not in hidden}
    received = case.received_at.astimezone(WIB).date()
    days = calendar.working_days_between(received, event.occurred_at.astimezone(WIB).date())
    return Frame(
        seq=event.seq,
        type=event.type,
        occurred_at=event.occurred_at,
        waiting=waiting,
        timers=timers,
        data=data,
        working_days=days,
        completed=bool(result and result.completed),
        passed=list(dict.fromkeys(passed)),
    )


def frame_markers(frame: Frame) -> dict[str, list[str]]:
    """Diagram markers for FRAME: passed through (done) and waiting then (current)."""
    current = {t.bpmn_id for t in frame.waiting} | {t.bpmn_id for t in frame.timers}
    done = [b for b in frame.passed if b not in current]
    return {DONE_MARKER: done, CURRENT_MARKER: sorted(current)}
