"""The sandbox process: runs diagram code under an address-space limit, one request a line.

Started by `sandbox.SandboxPool` as `python -I sandbox_worker.py MEMORY_MB CUTI_BERSAMA`. It loads
only `restricted.py` and `calendar.py` (by file path, so nothing of Flask, SQLAlchemy or
SpiffWorkflow is in this process), limits its own address space, then answers JSON requests on
stdin with JSON replies on stdout. Only JSON crosses the pipe, so diagram code cannot hand the
server an object. The parent enforces the time budget by killing this process.
"""

from __future__ import annotations

import importlib.util
import json
import resource
import sys
from datetime import UTC, date, datetime
from pathlib import Path
from types import ModuleType
from typing import Any

HERE = Path(__file__).resolve().parent
MAX_REPLY_BYTES = 1_000_000


def _load(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"sandbox_{name}", HERE / f"{name}.py")
    assert spec is not None and spec.loader is not None  # noqa: S101 # nosec B101 # our own files
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def _utcnow() -> str:
    return datetime.now(UTC).isoformat()


def _limit_memory(megabytes: int) -> None:
    limit = megabytes * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def _answer(restricted: ModuleType, scope: dict[str, Any], request: dict[str, Any]) -> str:
    try:
        result = restricted.run_code(
            request["source"],
            request["mode"],
            scope,
            request.get("context") or {},
            request.get("external") or {},
        )
        reply = json.dumps({"ok": True, **result}, allow_nan=False)
    except MemoryError:
        return json.dumps(
            {"ok": False, "error": "MemoryError: batas memori kode diagram terlampaui"}
        )
    except RecursionError:
        return json.dumps({"ok": False, "error": "RecursionError: rekursi terlalu dalam"})
    except Exception as exc:  # noqa: BLE001 - every failure of diagram code is reported, not raised
        return json.dumps({"ok": False, "error": f"{type(exc).__name__}: {str(exc)[:500]}"})
    if len(reply) > MAX_REPLY_BYTES:
        return json.dumps({"ok": False, "error": "hasil kode diagram terlalu besar"})
    return reply


def main(argv: list[str]) -> int:
    """Serve requests until stdin closes."""
    memory_mb, cuti_bersama = int(argv[1]), argv[2] if len(argv) > 2 else ""
    calendar_module = _load("calendar")
    restricted = _load("restricted")
    calendar = calendar_module.WorkingCalendar.from_setting(cuti_bersama)
    today = date.today()
    for year in (today.year - 1, today.year, today.year + 1):  # load the holiday tables now
        calendar.is_working_day(date(year, 1, 1))
    moment = {"now": datetime.now(UTC)}
    functions = restricted.diagram_functions(calendar, lambda: moment["now"])
    scope = restricted.restricted_globals(functions)
    _limit_memory(memory_mb)
    out = sys.stdout
    out.write("ready\n")
    out.flush()
    for line in sys.stdin:
        try:
            request = json.loads(line)
        except ValueError:
            reply = json.dumps({"ok": False, "error": "permintaan tidak valid"})
        else:
            moment["now"] = datetime.fromisoformat(request.get("now") or _utcnow())
            reply = _answer(restricted, scope, request)
        out.write(reply + "\n")
        out.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
