"""Timer workers: two in parallel process every due case exactly once; due moments are spread."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import func, select

from app.cases import service
from app.cases.models import Case, CaseEvent, Timer
from app.db import get_session
from tests.stores import AFTER_SLA, MONDAY_MORNING, deployed_app, submit
from tests.support import postgres_schema_url, run_together

CASES = 30


@pytest.mark.postgres
def test_two_workers_in_parallel_process_every_due_case_exactly_once() -> None:
    with postgres_schema_url() as url:
        app = deployed_app(url)
        with app.app_context(), time_machine.travel(MONDAY_MORNING, tick=False):
            ids = [submit().id for _ in range(CASES)]
            versions = dict(get_session().execute(select(Case.id, Case.version)).all())
        moved: list[int] = []
        errors: list[BaseException] = []

        def worker(start: threading.Barrier) -> None:
            with app.app_context():
                start.wait(timeout=30)
                try:
                    # Small batches, as the continuous worker runs them, until nothing is due.
                    while (count := service.fire_due_timers(limit=7)) > 0:
                        moved.append(count)
                except BaseException as exc:  # noqa: BLE001 - reported below
                    errors.append(exc)

        with time_machine.travel(AFTER_SLA, tick=False):
            run_together(worker, timeout=300)
        assert errors == []
        with app.app_context():
            session = get_session()
            assert sum(moved) == CASES
            fired = dict(session.execute(
                select(CaseEvent.case_id, func.count()).where(CaseEvent.type == "timer_fired")
                .group_by(CaseEvent.case_id)).all())
            assert fired == {case_id: 1 for case_id in ids}
            # Processed once: the state was written once more, not twice.
            after = dict(session.execute(select(Case.id, Case.version)).all())
            assert all(after[i] == versions[i] + 1 for i in ids), (versions, after)
            assert session.scalar(select(func.count()).select_from(Timer).where(
                Timer.status == "waiting", Timer.due_at <= AFTER_SLA)) == 0
        app.extensions["db_engine"].dispose()


def test_a_days_cases_fall_due_spread_over_the_configured_minutes(tmp_path: object) -> None:
    app = deployed_app(f"sqlite:///{tmp_path}/spread.sqlite", TIMER_SPREAD_SECONDS=300)
    with app.app_context(), time_machine.travel(MONDAY_MORNING, tick=False):
        cases = [submit() for _ in range(12)]
        session = get_session()
        dues = {c.id: session.scalars(select(Timer.due_at).where(Timer.case_id == c.id)).one()
                for c in cases}
        deadline = cases[0].due_at
        assert deadline is not None and all(c.due_at == deadline for c in cases)
        offsets = {case_id: due - deadline for case_id, due in dues.items()}
        assert all(timedelta(0) <= o <= timedelta(seconds=300) for o in offsets.values())
        assert len(set(offsets.values())) > 6  # not all in the same second
    # Every case fires once its own spread moment has passed, none before.
    latest = max(dues.values())
    with app.app_context(), time_machine.travel(min(dues.values()) - timedelta(seconds=1),
                                                tick=False):
        assert service.fire_due_timers() == 0
    with app.app_context(), time_machine.travel(latest + timedelta(seconds=1), tick=False):
        assert service.fire_due_timers() == len(cases)
    app.extensions["db_engine"].dispose()
