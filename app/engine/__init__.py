"""The workflow engine: the only package that imports SpiffWorkflow.

It parses and lints diagrams, runs them in a restricted script environment on an Indonesian
working-day calendar, and hands the rest of the application its own small dataclasses.
"""

from .calendar import WIB, WorkingCalendar
from .datastate import UnknownDiagram
from .diagram import DiagramError, ParsedDiagram, lint_diagram, parse_diagram, referenced_form_files
from .restricted import RestrictedCodeError
from .runner import ProcessEngine, TaskNotReady, WorkflowRuntimeError
from .sandbox import Budget, BudgetExceeded
from .scripting import check_expression, check_script
from .types import (
    DiagramProblem,
    EngineStep,
    FormRef,
    PendingTimer,
    ReadyTask,
    StartInfo,
    StepResult,
)

__all__ = [
    "WIB",
    "Budget",
    "BudgetExceeded",
    "RestrictedCodeError",
    "DiagramError",
    "DiagramProblem",
    "EngineStep",
    "FormRef",
    "ParsedDiagram",
    "PendingTimer",
    "ProcessEngine",
    "ReadyTask",
    "StartInfo",
    "StepResult",
    "TaskNotReady",
    "UnknownDiagram",
    "WorkflowRuntimeError",
    "WorkingCalendar",
    "check_expression",
    "check_script",
    "lint_diagram",
    "parse_diagram",
    "referenced_form_files",
]
