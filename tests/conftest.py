"""Shared fixtures: the app on a fresh SQLite database, client, CLI runner, demo users, login."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from werkzeug.test import TestResponse

from app.auth.service import ensure_demo_users
from app.cli import upgrade_database
from app.processes.service import deploy_file
from tests.support import make_test_app

ROOT = Path(__file__).resolve().parent.parent
CSRF_INPUT = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def _create_schema(app: Flask) -> None:
    """Create the schema the way production does: every Alembic migration, in order."""
    with app.app_context():
        upgrade_database()


@pytest.fixture
def app(tmp_path: Path) -> Iterator[Flask]:
    """The application on an empty SQLite database in a temporary folder; CSRF stays on."""
    app = make_test_app(tmp_path)
    _create_schema(app)
    yield app
    app.extensions["db_engine"].dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """A browser-like test client (cookies kept between requests)."""
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    """Runs the app's `flask` commands."""
    return app.test_cli_runner()


@pytest.fixture
def demo_users(app: Flask) -> list[str]:
    """The demo staff (petugas, tim, tim2, teknis_pp, teknis_pcs, pemilik, auditor, admin).

    Their lane roles exist because the real diagram is deployed first (lanes are roles).
    """
    with app.app_context():
        deploy_file(ROOT / "process" / "pengaduan.bpmn", ROOT / "forms")
        return ensure_demo_users()


def csrf_token_from(html: str) -> str:
    """The CSRF token of the first form in HTML."""
    match = CSRF_INPUT.search(html)
    assert match, "no CSRF token in the page"
    return match.group(1)


def login(client: FlaskClient, username: str, password: str = "demo12345") -> TestResponse:
    """Sign in through the real form (CSRF token included) and return the response."""
    page = client.get("/masuk")
    token = csrf_token_from(page.get_data(as_text=True))
    return client.post(
        "/masuk", data={"csrf_token": token, "username": username, "password": password}
    )
