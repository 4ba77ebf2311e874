"""Public portal fixtures: the app with the SOP diagram deployed, form helpers, staff steps."""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import TestResponse, encode_multipart

from app.auth.service import get_user_by_username
from app.cases import service
from app.cases.events import Actor
from app.cases.models import Attachment, Case, Complainant, HumanTask
from app.cli import upgrade_database
from app.db import get_session
from app.notify.models import Outbox
from app.processes.service import deploy_file
from app.web import limiter
from tests.conftest import csrf_token_from
from tests.support import DELIVER, OFFICER, ROOT, STUDY_ALONE, TEAM, make_test_app

# A real 1x1 PNG: passes the content check.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000001e221bc330000000049454e44ae426082"
)

FORM_TOKEN = re.compile(r'name="token_kirim" value="([^"]+)"')
ANONYMOUS = {
    "jenis": "keluhan",
    "layanan": "ktp_el",
    "judul": "KTP-el belum dicetak tiga bulan",
    "uraian": "Saya merekam KTP-el pada bulan Agustus dan sampai sekarang belum dicetak juga.",
    "nama": "Sri Wahyuningsih Anonim",
    "telepon": "081299887766",
    "email": "sri.rahasia@example.com",
    "alamat": "Jalan Kenanga Nomor 17, Muara Beliti",
    "menyangkut_data_sendiri": "true",
    "nik": "1605015507880003",
    "no_kk": "1605012304110009",
    "anonim": "true",
    "rahasia": "true",
}
IDENTITY_STRINGS = (
    "Sri Wahyuningsih",
    "1605015507880003",
    "1605012304110009",
    "081299887766",
    "sri.rahasia@example.com",
    "Jalan Kenanga",
)


@pytest.fixture
def limited(tmp_path: Path) -> Iterator[Flask]:
    """The app with its rate limits on (TestConfig switches them off), the diagram deployed."""
    app = make_test_app(tmp_path, RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI="memory://")
    with app.app_context():
        upgrade_database()
        deploy_file(ROOT / "process" / "pengaduan.bpmn", ROOT / "forms")
    limiter.reset()
    yield app
    limiter.reset()
    app.extensions["db_engine"].dispose()


@pytest.fixture
def portal(app: Flask) -> Flask:
    """The app with the SOP diagram deployed."""
    with app.app_context():
        deploy_file(ROOT / "process" / "pengaduan.bpmn", ROOT / "forms")
    return app


@dataclass
class Submission:
    """What the success page showed."""

    tracking: str
    code: str
    page: str


def post_form(
    client: FlaskClient,
    page_url: str,
    data: dict[str, Any],
    post_url: str | None = None,
    **kwargs: Any,
) -> TestResponse:
    """GET the page for its CSRF token (and form token), then POST DATA to it (multipart)."""
    html = client.get(page_url).get_data(as_text=True)
    token = csrf_token_from(html)
    form_token = FORM_TOKEN.search(html)
    if form_token and "token_kirim" not in data:
        data = {"token_kirim": form_token.group(1), **data}
    # Encoded in memory: werkzeug would spool a large body to a temporary file nobody closes.
    fields = MultiDict()
    for name, value in {"csrf_token": token, **data}.items():
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, tuple):
                content = item[0]
                stream = io.BytesIO(content) if isinstance(content, bytes) else content
                fields.add(name, FileStorage(stream, filename=item[1]))
            else:
                fields.add(name, item)
    boundary, body = encode_multipart(fields)
    return client.post(
        post_url or page_url,
        data=body,
        content_type=f'multipart/form-data; boundary="{boundary}"',
        **kwargs,
    )


def submit(
    client: FlaskClient,
    data: dict[str, Any] | None = None,
    files: list[tuple[bytes, str]] | None = None,
) -> TestResponse:
    """POST the public complaint form."""
    payload: dict[str, Any] = dict(ANONYMOUS if data is None else data)
    if files:
        payload["lampiran"] = [(io.BytesIO(content), name) for content, name in files]
    return post_form(client, "/pengaduan/baru", payload)


def submit_ok(
    client: FlaskClient,
    data: dict[str, Any] | None = None,
    files: list[tuple[bytes, str]] | None = None,
) -> Submission:
    """Submit and read the tracking number and access code from the success page."""
    response = submit(client, data, files)
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    tracking = re.search(r'id="nomor-pelacakan">([^<]+)<', page)
    code = re.search(r'id="kode-akses">([^<]+)<', page)
    assert tracking and code
    return Submission(tracking.group(1), code.group(1), page)


def ready(app: Flask, tracking: str) -> list[HumanTask]:
    """The ready tasks of the case."""
    with app.app_context():
        session = get_session()
        case = session.scalars(select(Case).where(Case.tracking_code == tracking)).one()
        return list(
            session.scalars(
                select(HumanTask).where(HumanTask.case_id == case.id, HumanTask.status == "ready")
            )
        )


def staff_step(
    app: Flask, tracking: str, bpmn_id: str, data: dict[str, Any], actor: Actor = OFFICER
) -> None:
    """Complete the ready staff task BPMN_ID of the case through the service."""
    [task] = [t for t in ready(app, tracking) if t.bpmn_id == bpmn_id]
    with app.app_context():
        service.complete_task(task.id, data, actor)


def answer(app: Flask, tracking: str, text: str) -> None:
    """The team studies, drafts TEXT, the officer delivers it."""
    staff_step(app, tracking, "telaah_pengaduan", STUDY_ALONE, TEAM)
    staff_step(app, tracking, "susun_jawaban", {"jawaban": text}, TEAM)
    staff_step(app, tracking, "sampaikan_jawaban", DELIVER)


def counts(app: Flask) -> dict[str, int]:
    """Row counts of what a submission stores."""
    with app.app_context():
        session = get_session()
        return {
            model.__name__: session.scalar(select(func.count()).select_from(model)) or 0
            for model in (Case, Complainant, Attachment, HumanTask, Outbox)
        }


@pytest.fixture
def staff_id(portal: Flask, demo_users: list[str]) -> Callable[[str], int]:
    """The user id of a demo user."""

    def find(username: str) -> int:
        with portal.app_context():
            user = get_user_by_username(username)
            assert user is not None
            return user.id

    return find
