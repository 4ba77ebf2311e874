"""The restricted language of a diagram's conditions, timers and scripts.

Diagram code is untrusted input. It is compiled with RestrictedPython (no imports, no names or
attributes that start with an underscore, no `exec`/`eval`/`open`) and runs with a short list of
harmless builtins plus the working-day functions. Whatever it hands back must be plain JSON data.

This module imports neither SpiffWorkflow nor the rest of the app: the sandbox worker process
loads it by file path, and the diagram linter uses it to judge code before a deploy.
"""

from __future__ import annotations

import ast
import math
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any, Protocol

from RestrictedPython import compile_restricted_eval, compile_restricted_exec
from RestrictedPython.Eval import default_guarded_getitem, default_guarded_getiter
from RestrictedPython.Guards import (
    full_write_guard,
    guarded_iter_unpack_sequence,
    guarded_unpack_sequence,
    safer_getattr,
)

MAX_SOURCE_CHARS = 10_000
MAX_JSON_DEPTH = 32
MAX_INTEGER = 2**63 - 1
MAX_WORKING_DAYS = 1000

BUILTINS: dict[str, Any] = {
    "None": None,
    "True": True,
    "False": False,
    "abs": abs,
    "all": all,
    "any": any,
    "bool": bool,
    "dict": dict,
    "divmod": divmod,
    "enumerate": enumerate,
    "filter": filter,
    "float": float,
    "int": int,
    "len": len,
    "list": list,
    "map": map,
    "max": max,
    "min": min,
    "range": range,
    "reversed": reversed,
    "round": round,
    "set": set,
    "sorted": sorted,
    "str": str,
    "sum": sum,
    "tuple": tuple,
    "zip": zip,
}

GUARDS: dict[str, Any] = {
    "_getattr_": safer_getattr,
    "_getitem_": default_guarded_getitem,
    "_getiter_": default_guarded_getiter,
    "_iter_unpack_sequence_": guarded_iter_unpack_sequence,
    "_unpack_sequence_": guarded_unpack_sequence,
    "_write_": full_write_guard,
}

FUNCTION_NAMES = ("tambah_hari_kerja", "hari_kerja_dari_sekarang")


class RestrictedCodeError(ValueError):
    """Diagram code that is refused, fails, or hands back something that is not plain data."""


class Calendar(Protocol):
    """What the diagram functions need of the working-day calendar."""

    def add_working_days(self, start: datetime, days: int) -> datetime: ...


def reserved_names() -> frozenset[str]:
    """Names a form field or a diagram variable may not take: they would shadow the sandbox."""
    return frozenset(BUILTINS) | frozenset(FUNCTION_NAMES) | frozenset(GUARDS)


def compile_errors(source: str, mode: str) -> list[str]:
    """Why the restricted compiler refuses SOURCE ('eval' or 'exec'); empty when it is allowed."""
    if len(source) > MAX_SOURCE_CHARS:
        return [f"kode terlalu panjang ({len(source)} karakter, paling banyak {MAX_SOURCE_CHARS})"]
    compiler = compile_restricted_eval if mode == "eval" else compile_restricted_exec
    try:
        return list(compiler(source).errors)
    except (RecursionError, MemoryError, ValueError, SyntaxError, OverflowError) as exc:
        return [f"kode terlalu rumit untuk diperiksa ({type(exc).__name__})"]


@lru_cache(maxsize=512)
def compile_code(source: str, mode: str) -> Any:
    """SOURCE compiled restricted; RestrictedCodeError with the reasons when it is refused."""
    errors = compile_errors(source, mode)
    if errors:
        raise RestrictedCodeError("; ".join(errors))
    compiler = compile_restricted_eval if mode == "eval" else compile_restricted_exec
    return compiler(source).code


def diagram_functions(
    calendar: Calendar, clock: Callable[[], datetime] = lambda: datetime.now(UTC)
) -> dict[str, Callable[..., Any]]:
    """The functions a diagram's expressions may call; absurd arguments are refused.

    CLOCK tells "now": the sandbox process is handed the caller's moment with each request, so
    the server's clock (and a test's travelled clock) is the one the diagram sees.
    """

    def _days(n: Any) -> int:
        if isinstance(n, bool) or not isinstance(n, int) or not 0 <= n <= MAX_WORKING_DAYS:
            raise RestrictedCodeError(
                f"jumlah hari kerja harus bilangan bulat 0..{MAX_WORKING_DAYS}, bukan {n!r:.40}"
            )
        return n

    def tambah_hari_kerja(mulai: str, n: int) -> str:
        if not isinstance(mulai, str) or len(mulai) > 40:
            raise RestrictedCodeError("tanggal mulai harus teks tanggal ISO")
        return calendar.add_working_days(datetime.fromisoformat(mulai), _days(n)).isoformat()

    def hari_kerja_dari_sekarang(n: int) -> str:
        return calendar.add_working_days(clock(), _days(n)).isoformat()

    functions: dict[str, Callable[..., Any]] = {
        "tambah_hari_kerja": tambah_hari_kerja,
        "hari_kerja_dari_sekarang": hari_kerja_dari_sekarang,
    }
    if tuple(functions) != FUNCTION_NAMES:  # the linter's list of names must match
        raise RuntimeError("FUNCTION_NAMES is out of date")
    return functions


def restricted_globals(functions: Mapping[str, Callable[..., Any]]) -> dict[str, Any]:
    """The globals every piece of diagram code starts from."""
    scope: dict[str, Any] = {"__builtins__": dict(BUILTINS)}
    scope.update(GUARDS)
    scope.update(functions)
    return scope


def _plain_number(value: int | float, where: str) -> int | float:
    if isinstance(value, int) and abs(value) > MAX_INTEGER:
        raise RestrictedCodeError(f"{where}: bilangan terlalu besar")
    if isinstance(value, float) and not math.isfinite(value):
        raise RestrictedCodeError(f"{where}: bilangan tidak hingga")
    return value


def _plain_object(value: dict[Any, Any], where: str, depth: int) -> dict[str, Any]:
    result = {}
    for key, item in value.items():
        if not isinstance(key, str):
            raise RestrictedCodeError(f"{where}: kunci objek harus teks, bukan {key!r:.40}")
        result[key] = plain_json(item, f"{where}.{key}", depth + 1)
    return result


def plain_json(value: Any, where: str = "nilai", depth: int = 0) -> Any:
    """VALUE when it is plain JSON data (lists for tuples); RestrictedCodeError otherwise."""
    if depth > MAX_JSON_DEPTH:
        raise RestrictedCodeError(f"{where}: data bersarang terlalu dalam")
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, (int, float)):
        return _plain_number(value, where)
    if isinstance(value, (list, tuple)):
        return [plain_json(item, where, depth + 1) for item in value]
    if isinstance(value, dict):
        return _plain_object(value, where, depth)
    raise RestrictedCodeError(f"{where} bukan data JSON ({type(value).__name__})")


def run_code(
    source: str,
    mode: str,
    scope_base: Mapping[str, Any],
    context: Mapping[str, Any],
    external: Mapping[str, Any],
) -> dict[str, Any]:
    """Run restricted SOURCE on CONTEXT: {'value': result} or {'variables': data after a script}."""
    code = compile_code(source, mode)
    scope = dict(scope_base)
    scope.update(external)
    scope.update(context)
    if mode == "eval":
        return {"value": plain_json(eval(code, scope), "hasil ekspresi")}  # noqa: S307 # nosec B307 # restricted code in the sandbox process
    exec(code, scope)  # noqa: S102 # nosec B102 # restricted code in the sandbox process
    reserved = set(scope_base) | set(external)
    variables = {}
    for name, value in scope.items():
        if name in reserved or name.startswith("_"):
            continue
        if callable(value) or isinstance(value, type):
            continue  # helpers a script defines for itself are not data
        variables[name] = plain_json(value, f"variabel '{name}'")
    return {"variables": variables}


# -- names ------------------------------------------------------------------------------------


def _bound_names(tree: ast.AST) -> set[str]:
    """Names the code itself binds: assignments, loop and comprehension targets, arguments."""
    bound: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
            bound.add(node.id)
        elif isinstance(node, ast.arg):
            bound.add(node.arg)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            bound.add(node.name)
        elif isinstance(node, ast.ExceptHandler) and node.name:
            bound.add(node.name)
    return bound


def _loaded_names(tree: ast.AST) -> set[str]:
    return {
        node.id
        for node in ast.walk(tree)
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load)
    }


def assigned_names(source: str) -> set[str]:
    """The variables a script assigns (they may enter the task data)."""
    try:
        tree = ast.parse(source, mode="exec")
    except (SyntaxError, RecursionError, MemoryError, ValueError):
        return set()
    return {
        node.id
        for node in ast.walk(tree)
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store)
    }


def unknown_names(source: str, mode: str, known: Iterable[str]) -> list[str]:
    """Names SOURCE reads that neither it, the data (KNOWN), the builtins nor the functions bind."""
    try:
        tree = ast.parse(source, mode=mode)
    except (SyntaxError, RecursionError, MemoryError, ValueError):
        return []  # the compiler reports these
    allowed = set(known) | set(BUILTINS) | set(FUNCTION_NAMES) | _bound_names(tree)
    return sorted(_loaded_names(tree) - allowed)
