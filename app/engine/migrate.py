"""Moving a running case to a newer version of its diagram (SpiffWorkflow's `bpmn.util.diff`).

`migrate_state` is the one entry point: the processes package calls it to preview and apply a
migration, and the audit replay calls it again when it meets a `case_migrated` event.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from SpiffWorkflow.bpmn.util.diff import SpecDiff, WorkflowDiff, migrate_workflow
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.util.task import TaskState

from .diagram import ParsedDiagram
from .restricted import RestrictedCodeError
from .runner import ProcessEngine, WorkflowRuntimeError
from .types import StepResult

# Tasks the case has reached: their spec must exist in the new version (history keeps them).
REACHED = TaskState.COMPLETED | TaskState.READY | TaskState.WAITING | TaskState.STARTED
WAITING = TaskState.READY | TaskState.WAITING | TaskState.STARTED
# The diff reports these keys for nearly every task; they say nothing about behaviour.
NOISE = {"inputs", "outputs", "data_input_associations", "data_output_associations"}


@dataclass(frozen=True)
class TimerChange:
    """A timer the case waits on, before and after the migration (re-evaluated on the new one)."""

    bpmn_id: str
    name: str
    old_due: datetime | None
    new_due: datetime | None


@dataclass(frozen=True)
class MigrationOutcome:
    """The result of moving one case's state: the new state and what changed, or why not."""

    refusal: str | None
    tasks: dict[str, str] = field(default_factory=dict)  # waiting task: old bpmn id -> new
    names: dict[str, str] = field(default_factory=dict)  # new bpmn id -> its name
    lost: list[str] = field(default_factory=list)
    timers: list[TimerChange] = field(default_factory=list)
    result: StepResult | None = None

    @property
    def safe(self) -> bool:
        """True when the case can move."""
        return self.refusal is None and self.result is not None

    @property
    def state(self) -> str | None:
        """The new serialized state (None when refused)."""
        return self.result.state if self.result is not None else None


def _label(spec: Any) -> str:
    name = getattr(spec, "bpmn_name", None) or ""
    bpmn_id = getattr(spec, "bpmn_id", None) or spec.name
    return f"{bpmn_id} ({name})" if name else str(bpmn_id)


def _refuse(reason: str) -> MigrationOutcome:
    return MigrationOutcome(refusal=reason)


def migrate_state(
    engine: ProcessEngine, state: str, old: ParsedDiagram, new: ParsedDiagram
) -> MigrationOutcome:
    """Move STATE (a case on OLD) to NEW; refused with the reason when it is not safe."""
    del old  # the state carries its spec today; kept in the signature for restore by version
    try:
        workflow = engine.restore(state)
        waiting_timers = engine._timers(workflow)  # noqa: SLF001 - the engine package's own
        registry = engine.serializer.registry
        spec_diff = SpecDiff(registry, workflow.spec, new.spec)
        top_diff = WorkflowDiff(workflow, spec_diff)
        sub_diffs = {}
        for sub_id, sub in workflow.subprocesses.items():
            new_sub = new.subprocess_specs.get(sub.spec.name)
            if new_sub is None:
                return _refuse(f"subproses {sub.spec.name} tidak ada di versi baru")
            sub_diffs[sub_id] = (WorkflowDiff(sub, SpecDiff(registry, sub.spec, new_sub)), new_sub)
    except (SpiffWorkflowException, RestrictedCodeError, LookupError, TypeError) as exc:
        # LookupError: also a stored state whose diagram the engine cannot find.
        return _refuse(f"keadaan kasus tidak dapat dibandingkan: {exc}")
    changes = {
        spec.name: [key for key in found if key not in NOISE]
        for spec, found in spec_diff.changed.items()
    }
    reason = _unsafe_tasks(top_diff, changes) or next(
        (r for d, _n in sub_diffs.values() if (r := _unsafe_tasks(d, {}))), None
    )
    if reason:
        return _refuse(reason)
    tasks = {
        task.task_spec.bpmn_id: new_spec.bpmn_id
        for task, new_spec in top_diff.alignment.items()
        if task.state & WAITING and new_spec is not None and task.task_spec.bpmn_id
    }
    lost = _lost(top_diff, changes)
    # A waiting task whose element did not change keeps what it waits for (a timer's due moment):
    # migrate_workflow resets every waiting task, which would restart relative timers from now.
    kept = {
        task.id: dict(task.internal_data)
        for task in workflow.get_tasks(state=TaskState.WAITING, skip_subprocesses=True)
        if task.internal_data and not changes.get(task.task_spec.name)
    }
    try:
        migrate_workflow(top_diff, workflow, new.spec)
        for task_id, internal in kept.items():
            if task_id in workflow.tasks:
                workflow.tasks[task_id].internal_data = internal
        for sub_id, (sub_diff, new_sub) in sub_diffs.items():
            migrate_workflow(sub_diff, workflow.subprocesses[sub_id], new_sub)
        workflow.subprocess_specs = new.subprocess_specs
        result = engine._advance(workflow, lambda _steps: None)  # noqa: SLF001
        engine.restore(result.state)  # the new state must read back
    except WorkflowRuntimeError as exc:
        return _refuse(f"versi baru gagal dijalankan pada kasus ini: {exc}")
    except (SpiffWorkflowException, RestrictedCodeError, LookupError, TypeError, ValueError) as exc:
        return _refuse(f"keadaan baru tidak dapat disimpan: {exc}")
    before = {t.bpmn_id: t.due_at for t in waiting_timers}
    timer_names = {t.bpmn_id: t.name for t in waiting_timers}
    after = {t.bpmn_id: t.due_at for t in result.timers}
    timer_names.update({t.bpmn_id: t.name for t in result.timers})
    timers = [
        TimerChange(key, timer_names.get(key, ""), before.get(key), after.get(key))
        for key in sorted(set(before) | set(after))
    ]
    names = {
        spec.bpmn_id: spec.bpmn_name or ""
        for spec in new.spec.task_specs.values()
        if getattr(spec, "bpmn_id", None) in tasks.values()
    }
    return MigrationOutcome(None, tasks, names, lost, timers, result)


def _unsafe_tasks(diff: Any, changes: dict[str, list[str]]) -> str | None:
    for task in diff.removed:
        if task.state & WAITING:
            return f"tugas yang sedang menunggu {_label(task.task_spec)} tidak ada di versi baru"
        if task.state & TaskState.COMPLETED:
            return f"riwayat kasus memuat {_label(task.task_spec)} yang dihapus di versi baru"
    for task in diff.changed:
        if task.state & REACHED and "typename" in changes.get(task.task_spec.name, []):
            return f"jenis elemen {_label(task.task_spec)} berubah di versi baru"
    return None


def _lost(diff: Any, changes: dict[str, list[str]]) -> list[str]:
    """What the case gives up: a changed timer or event it waits on starts waiting afresh.

    A waiting user task keeps its id and data (nothing typed into it is stored before it is
    completed), so only its new name, lane and form are taken. Planned (predicted) steps are
    not listed: they are predicted again from the new version.
    """
    lost: list[str] = []
    for task in diff.changed:
        if not task.state & WAITING or getattr(task.task_spec, "manual", False):
            continue
        if not changes.get(task.task_spec.name):
            continue  # only neighbouring flows changed: it keeps waiting as it was
        changed = ", ".join(changes.get(task.task_spec.name, [])) or "atribut"
        lost.append(
            f"{_label(task.task_spec)} menunggu lagi dari awal pada versi baru (berubah: {changed})"
        )
    return lost
