"""The app with the real diagram and the demo users, inside its app context."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask

from app.auth.service import ensure_demo_users
from app.processes.service import deploy_file
from tests.support import ROOT


@pytest.fixture
def site(app: Flask) -> Flask:
    """APP with the diagram and demo users, outside any app context (for several browsers:
    a held app context would share Flask-Login's `g` between the test clients)."""
    with app.app_context():
        deploy_file(ROOT / "process" / "pengaduan.bpmn", ROOT / "forms")
        ensure_demo_users()
    return app


@pytest.fixture
def quality(app: Flask) -> Iterator[Flask]:
    """APP with process/pengaduan.bpmn deployed and the demo users, in an app context."""
    with app.app_context():
        deploy_file(ROOT / "process" / "pengaduan.bpmn", ROOT / "forms")
        ensure_demo_users()
        yield app
