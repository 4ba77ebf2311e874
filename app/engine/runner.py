"""Running a case one step at a time: start, complete a user task, fire due timers, serialize."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any
from uuid import UUID

from SpiffWorkflow.bpmn.specs.event_definitions.simple import TerminateEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.events.end_event import EndEvent
from SpiffWorkflow.bpmn.specs.mixins.script_task import ScriptEngineTask
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.util.task import TaskState

from .calendar import WorkingCalendar
from .datastate import SpecStore, make_serializer
from .diagram import ParsedDiagram, parse_diagram
from .restricted import RestrictedCodeError
from .sandbox import Budget, pool_for
from .scripting import make_script_engine
from .types import EngineStep, FormRef, PendingTimer, ReadyTask, StartInfo, StepResult


class TaskNotReady(LookupError):
    """The task does not exist in this case or is no longer waiting for a person."""


class WorkflowRuntimeError(RuntimeError):
    """The diagram failed while running (a condition raised, code over budget, no flow matched).

    It names the element where it failed; the case is left as it was before the step.
    """

    def __init__(self, message: str, element_id: str = "", element_name: str = "") -> None:
        label = f"{element_id} ({element_name})" if element_name else element_id
        super().__init__(f"{label}: {message}" if label else message)
        self.element_id = element_id
        self.element_name = element_name
        self.reason = message


def _failure(exc: Exception) -> WorkflowRuntimeError:
    """A WorkflowRuntimeError naming the element of a SpiffWorkflow or sandbox failure."""
    task = getattr(exc, "task", None)
    spec = getattr(task, "task_spec", None) or getattr(exc, "task_spec", None)
    element_id = str(getattr(spec, "bpmn_id", "") or "")
    element_name = str(getattr(spec, "bpmn_name", "") or "")
    inner = getattr(exc, "exception", None) or exc.__cause__ or exc.__context__
    reason = str(exc)
    if inner is not None and str(inner) not in reason:
        reason = f"{reason}: {inner}"
    return WorkflowRuntimeError(reason, element_id, element_name)


def _properties(spec: Any) -> dict[str, str]:
    extensions = getattr(spec, "extensions", None) or {}
    return dict(extensions.get("properties") or {})


def _form(props: dict[str, str]) -> FormRef:
    return FormRef(props.get("formJsonSchemaFilename"), props.get("formUiSchemaFilename"))


def _is_timer(spec: Any) -> bool:
    return isinstance(getattr(spec, "event_definition", None), TimerEventDefinition)


def _has_timer(spec: Any) -> bool:
    """True for a timer event, or an event-based gateway / multiple event that includes a timer."""
    definition = getattr(spec, "event_definition", None)
    if isinstance(definition, TimerEventDefinition):
        return True
    inner = getattr(definition, "event_definitions", None) or []
    return any(isinstance(d, TimerEventDefinition) for d in inner)


def _timer_branch(gateway_task: Any) -> Any:
    """The catch-event child of a waiting event-based gateway that holds its timer."""
    inner = getattr(gateway_task.task_spec.event_definition, "event_definitions", None) or []
    names = {d.name for d in inner if isinstance(d, TimerEventDefinition)}
    for child in gateway_task.children:
        if child.task_spec.bpmn_name in names:
            return child
    return gateway_task


def _step_kind(task: Any) -> str | None:
    spec = task.task_spec
    definition = getattr(spec, "event_definition", None)
    parent = task.parent
    if _is_timer(spec) or (
        parent is not None and _has_timer(parent.task_spec) and _timer_branch(parent) is task
    ):
        return "timer"
    if isinstance(spec, EndEvent):
        return "end"
    if isinstance(spec, ScriptEngineTask):
        return "script"
    if definition is not None and type(definition).__name__ == "SignalEventDefinition":
        return "signal"
    return None


class ProcessEngine:
    """A small wrapper that is handed its calendar and builds its parser, serializer and scripts."""

    def __init__(self, calendar: WorkingCalendar, budget: Budget | None = None) -> None:
        self.calendar = calendar
        self.budget = budget or Budget()
        self.script_engine = make_script_engine(pool_for(self.budget, calendar.setting()))
        self.specs = SpecStore()
        self.specs.loader = self._load_diagram
        self.serializer = make_serializer(self.specs)
        self._parsed: dict[str, ParsedDiagram] = {}
        self._diagram_source: Callable[[str], bytes | None] | None = None

    # -- diagrams -------------------------------------------------------------------------------

    def diagram(self, key: str, bpmn_xml: bytes) -> ParsedDiagram:
        """The parsed diagram for KEY (a content hash), parsed once per process version.

        Cases started from it store KEY in their state instead of a copy of the spec.
        """
        if key not in self._parsed:
            parsed = parse_diagram(bpmn_xml)
            self._parsed[key] = parsed
            self.specs.add(key, parsed.spec, parsed.subprocess_specs)
        return self._parsed[key]

    def set_diagram_source(self, source: Callable[[str], bytes | None]) -> None:
        """Let restore find a diagram not parsed yet: SOURCE(key) returns its BPMN XML or None."""
        self._diagram_source = source

    def _load_diagram(self, key: str) -> tuple[Any, dict[str, Any]] | None:
        xml = self._diagram_source(key) if self._diagram_source is not None else None
        if xml is None:
            return None
        parsed = self.diagram(key, xml)
        return parsed.spec, parsed.subprocess_specs

    def start_info(self, parsed: ParsedDiagram) -> StartInfo:
        """The start event of the diagram and the form it asks for."""
        start = parsed.spec.start.outputs[0]
        props = _properties(start)
        return StartInfo(
            bpmn_id=start.bpmn_id,
            name=start.bpmn_name or "",
            lane=start.lane,
            form=_form(props),
            public_status=props.get("publicStatus"),
        )

    # -- running ---------------------------------------------------------------------------------

    def start(self, parsed: ParsedDiagram, data: dict[str, Any]) -> StepResult:
        """Create a workflow with DATA as its start data and run it to its first wait."""
        workflow = BpmnWorkflow(
            parsed.spec, parsed.subprocess_specs, script_engine=self.script_engine
        )
        start_task = workflow.get_tasks(state=TaskState.READY)[0]
        start_task.data.update(data)
        return self._advance(workflow, lambda steps: None)

    def restore(self, state: str) -> BpmnWorkflow:
        """Deserialize STATE and give it the restricted script engine again (it is not stored).

        The state is SpiffWorkflow's JSON (serializer version 1.5) with one difference: a case
        started from a diagram registered with `diagram(key, xml)` stores `"spec_key": key` (the
        version's content hash) instead of `spec` and `subprocess_specs`, so the running part
        (tasks, data, events) is all it holds. Such a state is restored with the cached spec of
        that key, parsed on first use through `set_diagram_source`; a state holding its own spec
        (every state written before, or a diagram parsed outside the cache) restores as before.
        Raises `UnknownDiagram` when the key is neither cached nor found by the source.
        """
        workflow = self.serializer.deserialize_json(state)
        workflow.script_engine = self.script_engine
        return workflow

    def serialize(self, workflow: BpmnWorkflow) -> str:
        """The JSON state of WORKFLOW."""
        state: str = self.serializer.serialize_json(workflow)
        return state

    def complete(self, state: str, task_id: str, data: dict[str, Any]) -> StepResult:
        """Complete the ready user task TASK_ID with DATA and run the engine to the next wait."""
        workflow = self.restore(state)
        task = self._ready_user_task(workflow, task_id)

        def run(_steps: list[EngineStep]) -> None:
            task.data.update(data)
            task.run()

        return self._advance(workflow, run)

    def fire_due_timers(self, state: str) -> StepResult:
        """Fire every timer whose moment has passed and run the engine to the next wait."""
        workflow = self.restore(state)
        return self._advance(workflow, lambda steps: workflow.refresh_timers())

    def ready_tasks(self, state: str) -> list[ReadyTask]:
        """The user tasks waiting in STATE."""
        return self._ready(self.restore(state))

    # -- internals --------------------------------------------------------------------------------

    def _ready_user_task(self, workflow: BpmnWorkflow, task_id: str) -> Any:
        try:
            task = workflow.get_task_from_id(UUID(task_id))
        except (ValueError, KeyError, TypeError) as exc:
            raise TaskNotReady(task_id) from exc
        if task is None or task.state != TaskState.READY or not task.task_spec.manual:
            raise TaskNotReady(task_id)
        return task

    def _advance(
        self, workflow: BpmnWorkflow, action: Callable[[list[EngineStep]], None]
    ) -> StepResult:
        steps: list[EngineStep] = []

        def record(task: Any) -> None:
            spec = task.task_spec
            kind = _step_kind(task)
            if kind is not None and spec.bpmn_id:
                steps.append(
                    EngineStep(
                        str(task.id), spec.bpmn_id, spec.bpmn_name or "", kind, _properties(spec)
                    )
                )

        try:
            action(steps)
            workflow.do_engine_steps(did_complete_task=record)
            return self._result(workflow, steps)
        except (SpiffWorkflowException, RestrictedCodeError) as exc:
            raise _failure(exc) from exc

    def _result(self, workflow: BpmnWorkflow, steps: list[EngineStep]) -> StepResult:
        completed = workflow.completed
        ends = [s for s in steps if s.kind == "end"]
        end_event = None
        if completed and ends:
            terminating = [s for s in ends if self._is_terminate(workflow, s.bpmn_id)]
            end_event = (terminating or ends)[-1]
        last = workflow.last_task
        return StepResult(
            state=self.serialize(workflow),
            ready_tasks=self._ready(workflow),
            timers=self._timers(workflow),
            steps=steps,
            completed=completed,
            end_event=end_event,
            data=dict(last.data) if last is not None else {},
        )

    @staticmethod
    def _is_terminate(workflow: BpmnWorkflow, bpmn_id: str) -> bool:
        for spec in workflow.spec.task_specs.values():
            if spec.bpmn_id == bpmn_id:
                return isinstance(getattr(spec, "event_definition", None), TerminateEventDefinition)
        return False

    def _ready(self, workflow: BpmnWorkflow) -> list[ReadyTask]:
        ready = []
        for task in workflow.get_tasks(state=TaskState.READY, manual=True):
            spec = task.task_spec
            props = _properties(spec)
            division = None
            if props.get("divisionExpression"):
                value = self.script_engine.evaluate(task, props["divisionExpression"])
                division = str(value)[:200] if value is not None else None
            ready.append(
                ReadyTask(
                    task_id=str(task.id),
                    bpmn_id=spec.bpmn_id,
                    name=spec.bpmn_name or spec.bpmn_id,
                    lane=spec.lane,
                    form=_form(props),
                    division=division,
                    public_status=props.get("publicStatus"),
                    documentation=spec.documentation,
                    deadline=self._boundary_deadline(task),
                )
            )
        return ready

    @staticmethod
    def _timer_due(task: Any) -> datetime | None:
        if not _has_timer(task.task_spec):
            return None
        value = task._get_internal_data("event_value")
        if value is None:
            return None
        if isinstance(value, datetime):
            return value
        return TimerEventDefinition.get_datetime(value)

    def _boundary_deadline(self, task: Any) -> datetime | None:
        parent = task.parent
        if parent is None or type(parent.task_spec).__name__ != "BoundaryEventSplit":
            return None
        dues = [d for d in (self._timer_due(t) for t in parent.children if t is not task) if d]
        return min(dues) if dues else None

    def _timers(self, workflow: BpmnWorkflow) -> list[PendingTimer]:
        timers = []
        for task in workflow.get_tasks(state=TaskState.WAITING):
            due = self._timer_due(task)
            if due is None:
                continue
            # An event-based gateway waits in place of its catch events: name the timer branch.
            timer_task = task if _is_timer(task.task_spec) else _timer_branch(task)
            spec = timer_task.task_spec
            timers.append(
                PendingTimer(
                    str(timer_task.id), spec.bpmn_id, spec.bpmn_name or "", due, _properties(spec)
                )
            )
        return timers
