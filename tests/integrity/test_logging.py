"""Structured logs: one JSON object per line on stdout, at the configured level, with the case
and the element of a failure, and never the complainant's identity or an access code."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from app.auth.service import ensure_demo_users
from app.cases import store as case_store
from app.cases.models import HumanTask
from app.cli import upgrade_database
from app.db import get_session
from app.logs import log_event
from app.processes.service import deploy_file
from tests.conftest import login
from tests.inbox.helpers import complete
from tests.public.conftest import ANONYMOUS, IDENTITY_STRINGS, post_form, submit_ok
from tests.support import ANSWER, DELIVER, FORWARD, ROOT, STUDY_ALONE, make_test_app

REQUEST_FIELDS = {"method", "path", "status", "duration_ms"}


def _lines(output: str) -> list[dict[str, Any]]:
    """Every line of OUTPUT, each parsed as JSON (a line that is not JSON fails the test)."""
    return [json.loads(line) for line in output.splitlines() if line.strip()]


def _portal(tmp_path: Path, **overrides: Any) -> Flask:
    app = make_test_app(tmp_path, **overrides)
    with app.app_context():
        upgrade_database()
        deploy_file(ROOT / "process" / "pengaduan.bpmn", ROOT / "forms")
        ensure_demo_users()
    return app


def _ready(app: Flask, bpmn_id: str) -> str:
    with app.app_context():
        return get_session().scalars(
            select(HumanTask.id).where(HumanTask.status == "ready", HumanTask.bpmn_id == bpmn_id)
        ).one()


def _staff(app: Flask) -> Callable[[str], FlaskClient]:
    def signed_in(username: str) -> FlaskClient:
        client = app.test_client()
        assert login(client, username).status_code == 302
        return client

    return signed_in


def test_a_full_journey_logs_every_request_but_no_identity_or_access_code(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    app = _portal(tmp_path)
    public = app.test_client()
    staff = _staff(app)
    sent = submit_ok(public, {**ANONYMOUS, "anonim": "false", "kirim_kode_surel": "true"})
    assert public.get(f"/lacak/{sent.tracking}?kode={sent.code}").status_code == 302
    assert public.get(f"/lacak/{sent.tracking}").status_code == 200
    officer, team = staff("petugas"), staff("tim")
    assert complete(officer, _ready(app, "verifikasi_pengaduan"), FORWARD).status_code == 302
    assert complete(team, _ready(app, "telaah_pengaduan"), STUDY_ALONE).status_code == 302
    assert complete(team, _ready(app, "susun_jawaban"), ANSWER).status_code == 302
    assert complete(officer, _ready(app, "sampaikan_jawaban"), DELIVER).status_code == 302
    confirm = f"/lacak/{sent.tracking}/tugas/{_ready(app, 'konfirmasi_jawaban')}"
    done = post_form(public, confirm, {"sesuai_harapan": "true", "nilai_kepuasan": "4"})
    assert done.status_code == 302
    assert officer.get("/admin/outbox").status_code == 403
    assert login(app.test_client(), "petugas", "salah-sandi").status_code == 200
    with app.app_context():
        assert get_session().scalars(select(HumanTask.status)).all().count("ready") == 0

    lines = _lines(capsys.readouterr().out)
    output = json.dumps(lines, ensure_ascii=False)
    for secret in (*IDENTITY_STRINGS, sent.code, sent.code.replace("-", "")):
        assert secret not in output, secret
    requests = [line for line in lines if line["event"].startswith("request_")]
    assert requests and all(REQUEST_FIELDS <= set(line) for line in requests)
    assert all("?" not in line["path"] for line in requests)
    assert any(line["path"] == f"/lacak/{sent.tracking}" for line in requests)
    events = {line["event"] for line in lines}
    assert {"process_deployed", "login_succeeded", "login_failed", "request_refused"} <= events
    [refused] = [line for line in lines if line["event"] == "request_refused"]
    assert (refused["status"], refused["path"]) == (403, "/admin/outbox")
    assert refused["level"] == "warning"


def test_an_unexpected_error_is_one_line_with_the_case_and_the_element(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    app = _portal(tmp_path, PROPAGATE_EXCEPTIONS=False)
    sent = submit_ok(app.test_client(), ANONYMOUS)
    officer = _staff(app)("petugas")
    task = _ready(app, "verifikasi_pengaduan")

    def fail(*_args: Any, **_kwargs: Any) -> None:
        quoted = "NIK " + "1605015507880003"  # as if an error message quoted the data
        raise RuntimeError(quoted)

    monkeypatch.setattr(case_store, "_sync_tasks", fail)
    capsys.readouterr()
    assert complete(officer, task, FORWARD).status_code == 500
    errors = [line for line in _lines(capsys.readouterr().out) if line["level"] == "error"]
    assert len(errors) == 1, errors
    [error] = errors
    assert error["event"] == "request_failed"
    assert (error["tracking_code"], error["bpmn_id"]) == (sent.tracking, "verifikasi_pengaduan")
    assert error["element_name"] and error["error_type"] == "RuntimeError"
    assert (error["method"], error["path"]) == ("POST", f"/tugas/{task}")
    assert "in fail" in error["traceback"]  # where it failed, not what the message quoted
    assert "1605015507880003" not in json.dumps(error)


def test_the_log_level_comes_from_the_configuration(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    app = make_test_app(tmp_path, LOG_LEVEL="WARNING")
    upgrade_database_in(app)
    client = app.test_client()
    capsys.readouterr()
    assert client.get("/").status_code == 200
    assert client.get("/admin/outbox").status_code == 302  # not signed in: to the login page
    with app.app_context():
        deploy_file(ROOT / "process" / "pengaduan.bpmn", ROOT / "forms")  # its lanes are roles
        ensure_demo_users()
    login(client, "petugas")
    assert client.get("/admin/outbox").status_code == 403
    lines = _lines(capsys.readouterr().out)
    assert [line["event"] for line in lines] == ["request_refused"]
    with pytest.raises(ValueError, match="LOG_LEVEL"):
        make_test_app(tmp_path, LOG_LEVEL="CEREWET")


def upgrade_database_in(app: Flask) -> None:
    with app.app_context():
        upgrade_database()


def test_identity_fields_are_dropped_even_when_passed_by_name(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    make_test_app(tmp_path)
    capsys.readouterr()
    log_event(
        "case_viewed",
        tracking_code="ADU-2026-000001",
        nama="Siti Aminah",
        nik="1605011201900001",
        access_code="ABCD-EFGH",
        form={"telepon": "081234567890"},
    )
    [line] = _lines(capsys.readouterr().out)
    assert line == {
        "time": line["time"],
        "level": "info",
        "event": "case_viewed",
        "tracking_code": "ADU-2026-000001",
        "form": "<dict>",
    }
