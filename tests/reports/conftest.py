"""The app with the real diagram and the demo users, inside its app context."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask

from app.auth.service import ensure_demo_users
from app.cli import upgrade_database
from app.processes.service import deploy_file
from tests.stores import store_url
from tests.support import ROOT, make_test_app


@pytest.fixture
def site(app: Flask) -> Flask:
    """APP with the diagram and demo users, outside any app context (for several browsers:
    a held app context would share Flask-Login's `g` between the test clients)."""
    with app.app_context():
        deploy_file(ROOT / "process" / "pengaduan.bpmn", ROOT / "forms")
        ensure_demo_users()
    return app


@pytest.fixture(params=["sqlite", "postgres"])
def quality(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Flask]:
    """The app on SQLite and on PostgreSQL, migrated, with process/pengaduan.bpmn deployed and
    the demo users, inside its app context."""
    with store_url(request.param, tmp_path) as url:
        app = make_test_app(tmp_path, DATABASE_URL=url)
        with app.app_context():
            upgrade_database()
            deploy_file(ROOT / "process" / "pengaduan.bpmn", ROOT / "forms")
            ensure_demo_users()
            yield app
        app.extensions["db_engine"].dispose()
