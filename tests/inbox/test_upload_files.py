"""A staff upload that does not commit leaves no file behind: conflicts, crashes, old leftovers."""

from __future__ import annotations

import io
import os
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import time_machine
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from werkzeug.test import TestResponse

from app.cases import service as cases
from app.cases.attachments import sweep_orphan_files
from app.cases.models import Attachment
from app.db import get_session
from tests.inbox.conftest import advance, ready_task, submit
from tests.inbox.helpers import as_form, open_task, text
from tests.inbox.test_task_actions import PNG
from tests.support import FORWARD, STUDY_ALONE

Clients = Callable[[str], FlaskClient]
MONDAY = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)  # 09:00 WIB
ANSWER = {"jawaban": "KTP-el Anda sudah dicetak dan dapat diambil di kantor Disdukcapil."}


def _stored_files(app: Flask) -> list[Path]:
    folder = Path(app.config["UPLOAD_DIR"])
    return sorted(p for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


def _rows(app: Flask) -> int:
    with app.app_context():
        return int(get_session().scalar(select(func.count()).select_from(Attachment)) or 0)


def _answer_task(app: Flask) -> tuple[int, str]:
    case_id, _code = submit(app)
    advance(app, case_id, "verifikasi_pengaduan", FORWARD)
    advance(app, case_id, "telaah_pengaduan", STUDY_ALONE, "tim")
    return case_id, ready_task(app, case_id, "susun_jawaban").id


def _post_with_file(client: FlaskClient, task_id: str, csrf: str, version: str) -> TestResponse:
    return client.post(f"/tugas/{task_id}", data={
        "csrf_token": csrf, "version": version, "aksi": "selesai", **as_form(ANSWER),
        "lampiran": (io.BytesIO(PNG), "surat_jawaban.png")},
        content_type="multipart/form-data")


def test_the_losers_upload_is_removed_when_the_case_changed_first(
        deployed: Flask, signed_in: Clients) -> None:
    with time_machine.travel(MONDAY, tick=False):
        _case_id, task_id = _answer_task(deployed)
        client = signed_in("tim")
        _html, csrf, version = open_task(client, task_id)
    # While the page is open another worker moves the case on (its timer, run as if it were due
    # later); the post comes within the session's lifetime.
    with time_machine.travel(MONDAY + timedelta(days=10), tick=False):
        with deployed.app_context():
            assert cases.fire_due_timers() == 1
    with time_machine.travel(MONDAY + timedelta(hours=1), tick=False):
        response = _post_with_file(client, task_id, csrf, version)
    assert response.status_code == 409
    assert "belum tersimpan" in text(response)
    assert _rows(deployed) == 0
    assert _stored_files(deployed) == []


def test_a_crash_while_completing_leaves_no_file(deployed: Flask, signed_in: Clients,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    _case_id, task_id = _answer_task(deployed)
    client = signed_in("tim")
    _html, csrf, version = open_task(client, task_id)

    def crash(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("the engine fell over")

    monkeypatch.setattr(cases, "apply_step", crash)
    deployed.config["PROPAGATE_EXCEPTIONS"] = False
    response = _post_with_file(client, task_id, csrf, version)
    assert response.status_code == 500
    assert _rows(deployed) == 0
    assert _stored_files(deployed) == []


def test_a_completed_upload_keeps_its_file(deployed: Flask, signed_in: Clients) -> None:
    _case_id, task_id = _answer_task(deployed)
    client = signed_in("tim")
    _html, csrf, version = open_task(client, task_id)
    assert _post_with_file(client, task_id, csrf, version).status_code == 302
    assert _rows(deployed) == 1
    [stored] = _stored_files(deployed)
    assert stored.read_bytes() == PNG


def test_the_sweep_removes_files_a_killed_process_left_without_a_row(
        deployed: Flask, signed_in: Clients) -> None:
    _case_id, task_id = _answer_task(deployed)
    client = signed_in("tim")
    _html, csrf, version = open_task(client, task_id)
    assert _post_with_file(client, task_id, csrf, version).status_code == 302
    [kept] = _stored_files(deployed)
    folder = Path(deployed.config["UPLOAD_DIR"])
    orphan = folder / "0123456789abcdef0123456789abcdef.png"
    orphan.write_bytes(PNG)  # as if the process died between writing and committing
    fresh = folder / "fedcba9876543210fedcba9876543210.png"
    fresh.write_bytes(PNG)  # an upload whose request is still running
    hour_ago = time.time() - 3600
    os.utime(orphan, (hour_ago, hour_ago))
    os.utime(kept, (hour_ago, hour_ago))
    with deployed.app_context():
        removed = sweep_orphan_files(older_than=timedelta(minutes=30))
    assert removed == 1
    assert not orphan.exists()
    assert kept.exists() and fresh.exists()
