"""The engine's own dataclasses: the rest of the app never sees SpiffWorkflow objects."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class DiagramProblem:
    """One finding about a diagram: which element, and why; only an "error" refuses a deploy."""

    element_id: str
    element_name: str
    message: str
    severity: str = "error"  # "error" blocks a deploy; "warning" is shown and deployed anyway

    def __str__(self) -> str:
        label = f"{self.element_id} ({self.element_name})" if self.element_name else self.element_id
        return f"{label}: {self.message}"

    @property
    def blocks_deploy(self) -> bool:
        """True for errors: a diagram with one cannot be deployed."""
        return self.severity == "error"


@dataclass(frozen=True)
class FormRef:
    """The form files a user task or start event names, relative to the forms folder."""

    schema_file: str | None
    ui_file: str | None = None


@dataclass(frozen=True)
class ReadyTask:
    """A user task waiting for a person."""

    task_id: str
    bpmn_id: str
    name: str
    lane: str | None
    form: FormRef
    division: str | None
    public_status: str | None
    documentation: str | None
    deadline: datetime | None = None  # the earliest boundary timer on this task, if any


@dataclass(frozen=True)
class PendingTimer:
    """A timer the workflow waits on, with its due moment."""

    task_id: str
    bpmn_id: str
    name: str
    due_at: datetime
    properties: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class EngineStep:
    """What the engine did by itself in a step: a timer fired, a script ran, an end reached."""

    task_id: str
    bpmn_id: str
    name: str
    kind: str  # "timer", "script", "end", "signal"
    properties: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class StepResult:
    """The state of a workflow after one step, as the store needs it."""

    state: str
    ready_tasks: list[ReadyTask]
    timers: list[PendingTimer]
    steps: list[EngineStep]
    completed: bool
    end_event: EngineStep | None
    data: dict[str, Any]


@dataclass(frozen=True)
class StartInfo:
    """What a process's start event asks for."""

    bpmn_id: str
    name: str
    lane: str | None
    form: FormRef
    public_status: str | None
