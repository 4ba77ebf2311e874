"""The navigation's waiting-task count on the 20,000-task index: `make bench`."""

from __future__ import annotations

from typing import Any

from flask import Flask

from app.auth.service import get_user_by_username
from app.desk.notices import waiting_for
from tests.benchmarks.test_bench_inbox import big_inbox

__all__ = ["big_inbox"]


def test_bench_navigation_count(benchmark: Any, big_inbox: Flask) -> None:
    """The waiting-task count every staff page shows in the navigation (one COUNT)."""
    with big_inbox.test_request_context():
        user = get_user_by_username("petugas")
        waiting = benchmark(waiting_for, user)
        assert waiting.total > 0

