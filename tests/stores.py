"""The app on SQLite and on PostgreSQL with the real diagram deployed, and moving cases there."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager, nullcontext
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select, text

from app import create_app
from app.cases import service
from app.cases.events import PUBLIC, Actor
from app.cases.models import Case, CaseEvent, HumanTask
from app.cli import upgrade_database
from app.db import get_session
from app.engine import WIB
from app.processes.service import deploy_file
from tests.support import ROOT, START_DATA, postgres_schema_url

MONDAY_MORNING = datetime(2026, 11, 30, 9, 0, tzinfo=WIB)
# The five-working-day SLA timer of a case received on MONDAY_MORNING is due after this.
AFTER_SLA = datetime(2026, 12, 8, 0, 1, tzinfo=WIB)


def store_url(kind: str, tmp_path: Path) -> AbstractContextManager[str]:
    """A fresh database URL of KIND ("sqlite" or "postgres")."""
    if kind == "sqlite":
        return nullcontext(f"sqlite:///{tmp_path / 'store.sqlite'}")
    return postgres_schema_url()


def deployed_app(url: str, **overrides: Any) -> Flask:
    """The app on URL, migrated, with process/pengaduan.bpmn deployed."""
    app = create_app("test", {"DATABASE_URL": url, **overrides})
    with app.app_context():
        upgrade_database()
        deploy_file(ROOT / "process" / "pengaduan.bpmn", ROOT / "forms")
    return app


@pytest.fixture(params=["sqlite", "postgres"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Flask]:
    """The app (inside its app context) on a fresh database of each kind."""
    with store_url(request.param, tmp_path) as url:
        app = deployed_app(url, UPLOAD_DIR=str(tmp_path / "uploads"))
        with app.app_context():
            yield app
        app.extensions["db_engine"].dispose()


def submit() -> Case:
    """A complaint from the public with the shared start data."""
    return service.submit_case(dict(START_DATA), PUBLIC).case


def reload(case_id: int) -> Case:
    """The case as stored now."""
    session = get_session()
    session.expire_all()
    case = session.get(Case, case_id)
    assert case is not None
    return case


def events_of(case_id: int) -> list[CaseEvent]:
    """The stored events of the case, in order."""
    session = get_session()
    session.expire_all()
    return list(
        session.scalars(
            select(CaseEvent).where(CaseEvent.case_id == case_id).order_by(CaseEvent.seq)
        )
    )


def step(case_id: int, bpmn_id: str, data: dict[str, Any], actor: Actor) -> None:
    """Complete the one ready task BPMN_ID of the case."""
    [task] = get_session().scalars(
        select(HumanTask).where(
            HumanTask.case_id == case_id, HumanTask.status == "ready", HumanTask.bpmn_id == bpmn_id
        )
    )
    service.complete_task(task.id, data, actor)


def drop_guard(table: str) -> None:
    """What an attacker with database access does first: drop the table's protecting triggers."""
    session = get_session()
    if session.get_bind().dialect.name == "postgresql":
        trigger = {
            "case_events": "case_events_append_only",
            "process_versions": "process_versions_immutable",
        }[table]
        session.execute(text(f"DROP TRIGGER {trigger} ON {table}"))
    else:
        for action in ("update", "delete"):
            session.execute(text(f"DROP TRIGGER {table}_no_{action}"))
    session.commit()
