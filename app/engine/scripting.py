"""The restricted environment in which a diagram's conditions, timers and scripts run.

A diagram is untrusted input: its expressions are compiled with RestrictedPython (no imports, no
names or attributes starting with an underscore, no file or network access) and run with a short
list of harmless builtins plus the working-day functions the diagram may call.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

from RestrictedPython import compile_restricted_eval, compile_restricted_exec, safe_builtins
from RestrictedPython.Eval import default_guarded_getitem, default_guarded_getiter
from RestrictedPython.Guards import (
    full_write_guard,
    guarded_iter_unpack_sequence,
    guarded_unpack_sequence,
    safer_getattr,
)
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.script_engine.python_environment import BasePythonScriptEngineEnvironment

from .calendar import WorkingCalendar

_EXTRA_BUILTINS: dict[str, Any] = {
    name: value
    for name, value in {
        "all": all,
        "any": any,
        "dict": dict,
        "enumerate": enumerate,
        "list": list,
        "max": max,
        "min": min,
        "sum": sum,
        "sorted": sorted,
        "set": set,
        "reversed": reversed,
    }.items()
}


class RestrictedCodeError(ValueError):
    """An expression or script that the restricted compiler refuses."""


def check_expression(source: str) -> list[str]:
    """The reasons the restricted compiler refuses SOURCE as an expression (empty when allowed)."""
    return list(compile_restricted_eval(source).errors)


def check_script(source: str) -> list[str]:
    """The reasons the restricted compiler refuses SOURCE as a script (empty when allowed)."""
    return list(compile_restricted_exec(source).errors)


def _is_data(value: Any) -> bool:
    return not callable(value) and not isinstance(value, type)


class RestrictedEnvironment(BasePythonScriptEngineEnvironment):
    """A SpiffWorkflow script environment that compiles everything with RestrictedPython."""

    def __init__(self, functions: Mapping[str, Callable[..., Any]]) -> None:
        builtins = dict(safe_builtins)
        builtins.update(_EXTRA_BUILTINS)
        base = {
            "__builtins__": builtins,
            "_getattr_": safer_getattr,
            "_getitem_": default_guarded_getitem,
            "_getiter_": default_guarded_getiter,
            "_iter_unpack_sequence_": guarded_iter_unpack_sequence,
            "_unpack_sequence_": guarded_unpack_sequence,
            "_write_": full_write_guard,
        }
        base.update(functions)
        super().__init__(base)
        self._compiled: dict[tuple[str, str], Any] = {}

    def _compile(self, source: str, mode: str) -> Any:
        key = (mode, source)
        if key not in self._compiled:
            compiler = compile_restricted_eval if mode == "eval" else compile_restricted_exec
            result = compiler(source)
            if result.errors:
                raise RestrictedCodeError("; ".join(result.errors))
            self._compiled[key] = result.code
        return self._compiled[key]

    def _globals(self, context: Mapping[str, Any], external: Mapping[str, Any] | None) -> dict:
        scope = copy.copy(self.globals)
        scope.update(external or {})
        scope.update(context)
        return scope

    def evaluate(self, expression: str, context: dict, external_context: dict | None = None) -> Any:
        """Evaluate EXPRESSION on the task data CONTEXT."""
        code = self._compile(expression, "eval")
        return eval(code, self._globals(context, external_context))  # noqa: S307 # nosec B307 # RestrictedPython code

    def execute(self, script: str, context: dict, external_context: dict | None = None) -> bool:
        """Run SCRIPT on the task data CONTEXT; plain data it assigns is written back."""
        code = self._compile(script, "exec")
        scope = self._globals(context, external_context)
        exec(code, scope)  # noqa: S102 # nosec B102 # RestrictedPython code
        reserved = set(self.globals) | set(external_context or {})
        for name, value in scope.items():
            if name not in reserved and not name.startswith("_") and _is_data(value):
                context[name] = value
        return True

    def call_service(self, context: dict, **kwargs: Any) -> Any:
        """Service tasks are not part of this process; refuse them plainly."""
        raise RestrictedCodeError("service tasks are not supported")


def diagram_functions(calendar: WorkingCalendar) -> dict[str, Callable[..., Any]]:
    """The functions a diagram's expressions may call."""

    def tambah_hari_kerja(mulai: str, n: int) -> str:
        return calendar.add_working_days(datetime.fromisoformat(mulai), int(n)).isoformat()

    def hari_kerja_dari_sekarang(n: int) -> str:
        return calendar.add_working_days(datetime.now(UTC), int(n)).isoformat()

    return {
        "tambah_hari_kerja": tambah_hari_kerja,
        "hari_kerja_dari_sekarang": hari_kerja_dari_sekarang,
    }


def make_script_engine(calendar: WorkingCalendar) -> PythonScriptEngine:
    """A SpiffWorkflow script engine bound to the restricted environment."""
    return PythonScriptEngine(environment=RestrictedEnvironment(diagram_functions(calendar)))
