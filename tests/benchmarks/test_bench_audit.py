"""`audit verify` throughput: cases re-executed and compared per second (`make bench`).

Forty cases through the real diagram (a full journey with a data request, coordination and a
rejected answer; a case closed by its timer; a referral; one past its standard): verification
re-executes each from its events. The figure printed is cases per second of the median round.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from app import create_app
from app.audit.verify import case_ids_in_scope, verify_all, verify_one
from app.cases.models import Case
from app.cli import upgrade_database
from app.db import get_session
from app.processes.service import deploy_file
from tests.audit.journeys import breached_then_answered, closed_by_timer, full_journey, referred
from tests.support import ROOT

ROUNDS_OF_FOUR = 10


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """A database with 4 × ROUNDS_OF_FOUR cases of every kind."""
    path: Path = tmp_path_factory.mktemp("audit") / "history.sqlite"
    app = create_app("test", {"DATABASE_URL": f"sqlite:///{path}"})
    with app.app_context():
        upgrade_database()
        deploy_file(ROOT / "process" / "pengaduan.bpmn", ROOT / "forms")
        for _ in range(ROUNDS_OF_FOUR):
            full_journey()
            closed_by_timer()
            referred()
            breached_then_answered()
        yield app
    app.extensions["db_engine"].dispose()


def test_bench_audit_verify_one_case_ops_is_cases_per_second(
    benchmark: Any, history: Flask
) -> None:
    """One case per round, every case in turn: the OPS column is cases per second."""
    with history.app_context():
        ids = iter(sorted(case_ids_in_scope(None, None) * 2))

        def next_case() -> tuple[tuple[int], dict[str, Any]]:
            return (next(ids),), {}

        def verify(case_id: int) -> None:
            case = get_session().get(Case, case_id)
            assert case is not None and verify_one(case) == []

        benchmark.pedantic(verify, setup=next_case, rounds=ROUNDS_OF_FOUR * 4 * 2, iterations=1)


def test_bench_audit_verify(benchmark: Any, history: Flask) -> None:
    """Re-execute and compare every case; report cases per second."""
    with history.app_context():
        report = benchmark.pedantic(verify_all, rounds=3, iterations=1)
    assert report.problems == {}
    cases = report.cases_checked
    median = benchmark.stats.stats.median
    benchmark.extra_info["cases_per_second"] = round(cases / median, 1)
    print(f"\naudit verify: {cases} cases in {median:.2f} s = {cases / median:.1f} cases/s")
