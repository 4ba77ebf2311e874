"""Running diagram code in a separate, resource-limited process with a time budget.

Why a process: RestrictedPython stops names and attributes, but not `while True: pass`,
`2 ** 10 ** 10` or `'a' * 10**10`, which run inside C code where no tracer can interrupt them.
A worker process with an address-space limit (RLIMIT_AS) turns a memory bomb into a MemoryError,
and the parent kills a worker that passes its time budget, so the web request or the timer sweep
gets a clear error and goes on. Only JSON crosses the pipe: the worker cannot hand the server an
object, whatever the code does. Workers are reused (about 0.1 ms a call) and replaced when killed.
"""

from __future__ import annotations

import atexit
import json
import os
import select
import subprocess  # nosec B404 # starts our own worker script, no shell
import sys
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .restricted import RestrictedCodeError

WORKER = Path(__file__).with_name("sandbox_worker.py")
START_TIMEOUT = 30.0


class BudgetExceeded(RestrictedCodeError):
    """Diagram code ran past its time or memory budget and was stopped."""


@dataclass(frozen=True)
class Budget:
    """What one piece of diagram code may use: seconds of wall time and megabytes of memory."""

    seconds: float = 2.0
    memory_mb: int = 256
    workers: int = 4


class _Worker:
    def __init__(self, budget: Budget, cuti_bersama: str) -> None:
        self.process = subprocess.Popen(  # noqa: S603 # nosec B603 # fixed argv, no shell
            [sys.executable, "-I", str(WORKER), str(budget.memory_mb), cuti_bersama],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            bufsize=1,
        )
        if self._read(START_TIMEOUT) != "ready":
            self.close()
            raise RuntimeError("the diagram sandbox process did not start")

    def _read(self, timeout: float) -> str | None:
        stdout = self.process.stdout
        assert stdout is not None  # noqa: S101 # nosec B101 # opened with PIPE
        ready, _, _ = select.select([stdout], [], [], timeout)
        if not ready:
            return None
        line = stdout.readline()
        return line.rstrip("\n") if line else None

    def call(self, request: dict[str, Any], timeout: float) -> dict[str, Any] | None:
        """The worker's reply, or None when it did not answer in time (it is then dead)."""
        stdin = self.process.stdin
        assert stdin is not None  # noqa: S101 # nosec B101 # opened with PIPE
        try:
            stdin.write(json.dumps(request) + "\n")
            stdin.flush()
        except (BrokenPipeError, OSError):
            return None
        line = self._read(timeout)
        if line is None:
            return None
        reply: dict[str, Any] = json.loads(line)
        return reply

    def close(self) -> None:
        """Stop the worker and release its pipes."""
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()
        for stream in (self.process.stdin, self.process.stdout):
            if stream is not None:
                try:
                    stream.close()
                except OSError:
                    pass


class SandboxPool:
    """Idle workers for one calendar and budget, shared by the threads of this process."""

    def __init__(self, budget: Budget, cuti_bersama: str) -> None:
        self.budget = budget
        self.cuti_bersama = cuti_bersama
        self._idle: list[_Worker] = []
        self._busy = 0
        self._lock = threading.Condition()
        self._pid = os.getpid()

    def _checkout(self) -> _Worker:
        with self._lock:
            while not self._idle and self._busy >= self.budget.workers:
                self._lock.wait()
            self._busy += 1
            if self._idle:
                return self._idle.pop()
        try:
            return _Worker(self.budget, self.cuti_bersama)
        except BaseException:
            with self._lock:
                self._busy -= 1
                self._lock.notify()
            raise

    def _checkin(self, worker: _Worker | None) -> None:
        with self._lock:
            self._busy -= 1
            if worker is not None:
                self._idle.append(worker)
            self._lock.notify()

    def run(self, request: dict[str, Any]) -> dict[str, Any]:
        """Send REQUEST to a worker; the reply, or BudgetExceeded when the worker had to die."""
        worker = self._checkout()
        reply = None
        try:
            reply = worker.call(request, self.budget.seconds)
        finally:
            if reply is None:
                worker.close()
                self._checkin(None)
            else:
                self._checkin(worker)
        if reply is None:
            raise BudgetExceeded(
                f"kode diagram dihentikan: melewati batas {self.budget.seconds:g} detik "
                f"atau {self.budget.memory_mb} MB"
            )
        return reply

    def close(self) -> None:
        """Stop every idle worker (those of a parent process are left to the parent)."""
        with self._lock:
            idle, self._idle = self._idle, []
        if os.getpid() == self._pid:
            for worker in idle:
                worker.close()


_pools: dict[tuple[Budget, str], SandboxPool] = {}
_pools_lock = threading.Lock()


def pool_for(budget: Budget, cuti_bersama: str) -> SandboxPool:
    """The process-wide pool for BUDGET and the calendar's cuti bersama (forks get their own)."""
    key = (budget, cuti_bersama)
    with _pools_lock:
        pool = _pools.get(key)
        if pool is None or pool._pid != os.getpid():
            pool = _pools[key] = SandboxPool(budget, cuti_bersama)
        return pool


def _close_all() -> None:
    for pool in list(_pools.values()):
        pool.close()


atexit.register(_close_all)
