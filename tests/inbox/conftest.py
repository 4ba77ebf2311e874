"""Fixtures of the inbox tests: the real diagram deployed, cases moved along by the services."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from app.auth.service import get_user_by_username
from app.cases import service
from app.cases.events import PUBLIC, Actor
from app.cases.models import HumanTask
from app.db import get_session
from app.processes.service import deploy_file
from tests.conftest import login
from tests.support import ROOT, START_DATA

START: dict[str, Any] = {**START_DATA, "email": "siti.aminah@example.com"}
LANE_OF = {
    "petugas": "Petugas Pengelola Layanan Pengaduan",
    "tim": "Tim Penanganan Pengaduan",
    "tim2": "Tim Penanganan Pengaduan",
    "teknis_pp": "Bidang Teknis",
    "teknis_pcs": "Bidang Teknis",
}


@pytest.fixture
def deployed(app: Flask, demo_users: list[str]) -> Flask:
    """The app with demo users and the real diagram of process/ deployed."""
    with app.app_context():
        deploy_file(ROOT / "process" / "pengaduan.bpmn", ROOT / "forms")
    return app


def user_id(app: Flask, username: str) -> int:
    """The id of a demo user."""
    with app.app_context():
        user = get_user_by_username(username)
        assert user is not None
        return user.id


def submit(app: Flask, **overrides: Any) -> tuple[int, str]:
    """A complaint from the public; returns (case id, tracking code)."""
    data = {k: v for k, v in {**START, **overrides}.items() if v is not None}
    with app.app_context():
        case = service.submit_case(data, PUBLIC).case
        return case.id, case.tracking_code


def ready_task(app: Flask, case_id: int, bpmn_id: str) -> HumanTask:
    """The one ready task BPMN_ID of the case (detached row)."""
    with app.app_context():
        rows = list(get_session().scalars(select(HumanTask).where(
            HumanTask.case_id == case_id, HumanTask.status == "ready",
            HumanTask.bpmn_id == bpmn_id)))
        assert len(rows) == 1, f"{bpmn_id} is not ready"
        return rows[0]


def task_row(app: Flask, task_id: str) -> HumanTask:
    """The stored task row as it is now."""
    with app.app_context():
        row = get_session().get(HumanTask, task_id)
        assert row is not None
        return row


def advance(app: Flask, case_id: int, bpmn_id: str, data: dict[str, Any],
            username: str = "petugas") -> str:
    """Complete the ready task BPMN_ID through the service; returns its id."""
    task = ready_task(app, case_id, bpmn_id)
    actor = Actor("user", user_id(app, username), LANE_OF.get(username))
    with app.app_context():
        service.complete_task(task.id, data, actor)
    return task.id


@pytest.fixture
def signed_in(deployed: Flask) -> Callable[[str], FlaskClient]:
    """A factory of test clients, each signed in as the named demo user."""

    def make(username: str) -> FlaskClient:
        client = deployed.test_client()
        response = login(client, username)
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        return client

    return make
