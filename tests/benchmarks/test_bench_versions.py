"""Speed of moving one case to a new version and of diffing two versions: `make bench`."""

from __future__ import annotations

from typing import Any

from app.engine import ProcessEngine, WorkingCalendar, parse_diagram
from app.engine.diffing import diff_versions
from app.engine.migrate import migrate_state
from tests.support import START_DATA
from tests.test_process_versions import DIAGRAM, FORMS, safe_revision


def test_bench_migrate_one_case(benchmark: Any) -> None:
    """Restore, diff against the new spec, migrate, run to the wait, serialize (one case)."""
    engine = ProcessEngine(WorkingCalendar())
    old = parse_diagram(DIAGRAM.encode())
    new = parse_diagram(safe_revision()[0].encode())
    state = engine.start(old, {**START_DATA, "tanggal_diterima": "2026-11-30T09:00:00+07:00"}).state
    outcome = benchmark(migrate_state, engine, state, old, new)
    assert outcome.safe


def test_bench_diff_two_versions(benchmark: Any) -> None:
    """The element-by-element diff of the real diagram and its revision, files included."""
    xml, forms = safe_revision()
    diff = benchmark(diff_versions, DIAGRAM.encode(), FORMS, xml.encode(), forms)
    assert not diff.empty
