"""Moving waiting timers when the working-day calendar changes (a day off added or removed)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from SpiffWorkflow.util.task import TaskState

from .calendar import WorkingCalendar
from .runner import ProcessEngine, _has_timer, _is_timer, _timer_branch
from .sandbox import pool_for
from .scripting import make_script_engine


def use_calendar(engine: ProcessEngine, calendar: WorkingCalendar) -> None:
    """Let ENGINE count on CALENDAR from now on (diagram functions get its days too)."""
    if calendar.setting() == engine.calendar.setting():
        return
    engine.calendar = calendar
    engine.script_engine = make_script_engine(pool_for(engine.budget, calendar.setting()))


def move_timers(engine: ProcessEngine, state: str, moves: Mapping[str, datetime]) -> str:
    """STATE with the waiting timers named in MOVES (timer task id -> new moment) moved."""
    workflow = engine.restore(state)
    for task in workflow.get_tasks(state=TaskState.WAITING):
        if not _has_timer(task.task_spec):
            continue
        timer_task = task if _is_timer(task.task_spec) else _timer_branch(task)
        moment = moves.get(str(timer_task.id))
        if moment is not None and task._get_internal_data("event_value") is not None:
            task._set_internal_data(event_value=moment.isoformat())
    return engine.serialize(workflow)
