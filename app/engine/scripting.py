"""The SpiffWorkflow script environment of this app: diagram code runs in the sandbox.

Conditions, timer expressions, scripts and the properties the app evaluates run in a separate,
resource-limited process (`sandbox.py`) as restricted code (`restricted.py`); only a condition
that merely compares task data with constants is read in-process (`fastpath.py`). Task data goes
to the sandbox as JSON and comes back as JSON, so a script can only ever write plain data into a
case.
"""

from __future__ import annotations

from typing import Any

from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.script_engine.python_environment import BasePythonScriptEngineEnvironment

from . import clock
from .fastpath import evaluate_simple
from .restricted import RestrictedCodeError, compile_errors, plain_json
from .sandbox import SandboxPool

__all__ = ["RestrictedCodeError", "SandboxedEnvironment", "check_expression", "check_script"]


def check_expression(source: str) -> list[str]:
    """The reasons the restricted compiler refuses SOURCE as an expression (empty when allowed)."""
    return compile_errors(source, "eval")


def check_script(source: str) -> list[str]:
    """The reasons the restricted compiler refuses SOURCE as a script (empty when allowed)."""
    return compile_errors(source, "exec")


class SandboxedEnvironment(BasePythonScriptEngineEnvironment):
    """Runs diagram code in the sandbox pool and writes back only the plain data it returns."""

    def __init__(self, pool: SandboxPool) -> None:
        super().__init__({})
        self.pool = pool

    def _run(self, mode: str, source: str, context: dict, external: dict | None) -> dict[str, Any]:
        request = {
            "mode": mode,
            "now": clock.now().isoformat(),
            "source": source,
            "context": plain_json(context, "data tugas"),
            "external": plain_json(external or {}, "data objek"),
        }
        reply = self.pool.run(request)
        if not reply.get("ok"):
            raise RestrictedCodeError(str(reply.get("error", "kode diagram gagal")))
        return reply

    def evaluate(self, expression: str, context: dict, external_context: dict | None = None) -> Any:
        """The value of EXPRESSION on the task data CONTEXT (simple conditions in-process)."""
        if not external_context:
            handled, value = evaluate_simple(expression, context)
            if handled:
                return value
        return self._run("eval", expression, context, external_context)["value"]

    def execute(self, script: str, context: dict, external_context: dict | None = None) -> bool:
        """Run SCRIPT on CONTEXT: the data it leaves replaces the task data (`del` removes)."""
        variables = self._run("exec", script, context, external_context)["variables"]
        external = external_context or {}
        for name in [k for k in context if k not in variables and k not in external]:
            if not name.startswith("_"):
                del context[name]
        context.update(variables)
        return True

    def call_service(self, context: dict, **kwargs: Any) -> Any:
        """Service tasks are not part of this process; refuse them plainly."""
        raise RestrictedCodeError("service task tidak didukung")


def make_script_engine(pool: SandboxPool) -> PythonScriptEngine:
    """A SpiffWorkflow script engine bound to the sandboxed environment."""
    return PythonScriptEngine(environment=SandboxedEnvironment(pool))
