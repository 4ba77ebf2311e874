"""One rendered form creates at most one complaint: double clicks, Back-and-submit, races."""

from __future__ import annotations

import io
import re
import threading
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import time_machine
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from werkzeug.test import TestResponse

from app.cases.models import Attachment, Case
from app.cli import upgrade_database
from app.db import get_session, utcnow
from app.processes.service import deploy_file
from app.public import service
from tests.conftest import csrf_token_from, login
from tests.public.conftest import ANONYMOUS, PNG, counts
from tests.public.test_registration import LETTER
from tests.support import ROOT, make_test_app, postgres_schema_url

TOKEN = re.compile(r'name="token_kirim" value="([^"]+)"')
TRACKING = re.compile(r'id="nomor-pelacakan">([^<]+)<')
CODE = re.compile(r'id="kode-akses">([^<]+)<')


def _rendered(client: FlaskClient, url: str) -> dict[str, str]:
    """The hidden fields of the form as the browser received it."""
    html = client.get(url).get_data(as_text=True)
    token = TOKEN.search(html)
    assert token, "the form carries no submission token"
    return {"csrf_token": csrf_token_from(html), "token_kirim": token.group(1)}


def _post(client: FlaskClient, url: str, hidden: dict[str, str], data: dict[str, Any],
          photo: bool = False) -> TestResponse:
    body: dict[str, Any] = {**hidden, **data}
    if photo:
        body["lampiran"] = (io.BytesIO(PNG), "bukti.png")
    return client.post(url, data=body, content_type="multipart/form-data")


def _result(client: FlaskClient, response: TestResponse) -> tuple[str, str | None, str]:
    """(tracking number, access code or None, page) of the page a submission led to."""
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    tracking = TRACKING.search(page)
    code = CODE.search(page)
    assert tracking, page[:3000]
    return tracking.group(1), code.group(1) if code else None, page


def _cases(app: Flask) -> int:
    with app.app_context():
        return int(get_session().scalar(select(func.count()).select_from(Case)) or 0)


def test_posting_one_rendered_form_twice_creates_one_complaint(
        portal: Flask, client: FlaskClient) -> None:
    hidden = _rendered(client, "/pengaduan/baru")
    first = _result(client, _post(client, "/pengaduan/baru", hidden, ANONYMOUS, photo=True))
    again = _result(client, _post(client, "/pengaduan/baru", hidden, ANONYMOUS, photo=True))
    assert _cases(portal) == 1
    assert again[0] == first[0]
    assert "sudah terkirim sebelumnya" in again[2]
    with portal.app_context():  # the repeated upload was not kept either
        assert get_session().scalar(select(func.count()).select_from(Attachment)) == 1


def test_the_same_browser_sees_the_same_access_code_again(
        portal: Flask, client: FlaskClient) -> None:
    hidden = _rendered(client, "/pengaduan/baru")
    tracking, code, _page = _result(client, _post(client, "/pengaduan/baru", hidden, ANONYMOUS))
    _tracking, again, _page = _result(client, _post(client, "/pengaduan/baru", hidden, ANONYMOUS))
    assert code and again == code
    stranger = portal.test_client()
    opened = stranger.get(f"/lacak/{tracking}?kode={again}")
    assert opened.status_code == 302 and opened.headers["Location"].endswith(tracking)


def test_another_browser_replaying_the_form_gets_no_access_code(
        portal: Flask, client: FlaskClient) -> None:
    hidden = _rendered(client, "/pengaduan/baru")
    tracking, code, _page = _result(client, _post(client, "/pengaduan/baru", hidden, ANONYMOUS))
    other = portal.test_client()
    own = _rendered(other, "/pengaduan/baru")
    replay = _post(other, "/pengaduan/baru", {**own, "token_kirim": hidden["token_kirim"]},
                   ANONYMOUS)
    _tracking, shown, page = _result(other, replay)
    assert _cases(portal) == 1
    assert shown is None and code not in page  # type: ignore[operator]
    assert other.get(f"/lacak/{tracking}").get_data(as_text=True).count("kode akses") >= 1
    assert "Kode akses tidak ditampilkan ulang" in page


def test_the_access_code_is_not_shown_again_after_the_replay_window(
        portal: Flask, client: FlaskClient) -> None:
    hidden = _rendered(client, "/pengaduan/baru")
    _result(client, _post(client, "/pengaduan/baru", hidden, ANONYMOUS))
    with time_machine.travel(utcnow() + service.REPLAY_WINDOW + timedelta(minutes=1)):
        _tracking, shown, page = _result(client, _post(client, "/pengaduan/baru", hidden,
                                                       ANONYMOUS))
    assert shown is None and "Kode akses tidak ditampilkan ulang" in page
    assert _cases(portal) == 1


def test_a_newly_opened_form_is_a_new_complaint(portal: Flask, client: FlaskClient) -> None:
    first = _result(client, _post(client, "/pengaduan/baru", _rendered(client, "/pengaduan/baru"),
                                  ANONYMOUS))
    second = _result(client, _post(client, "/pengaduan/baru",
                                   _rendered(client, "/pengaduan/baru"), ANONYMOUS))
    assert first[0] != second[0]
    assert _cases(portal) == 2


def test_a_post_without_the_forms_token_creates_nothing_and_keeps_the_input(
        portal: Flask, client: FlaskClient) -> None:
    hidden = _rendered(client, "/pengaduan/baru")
    response = _post(client, "/pengaduan/baru", {"csrf_token": hidden["csrf_token"]}, ANONYMOUS)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Kirim sekali lagi" in page and ANONYMOUS["judul"] in page
    assert TOKEN.search(page)  # a fresh token to send it with
    assert counts(portal)["Case"] == 0


def test_two_posts_racing_past_the_check_still_make_one_complaint(
        portal: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch) -> None:
    hidden = _rendered(client, "/pengaduan/baru")
    first = _result(client, _post(client, "/pengaduan/baru", hidden, ANONYMOUS, photo=True))
    real = service.earlier_submission
    skipped: list[str] = []

    def checked_too_early(token: str) -> Any:
        """The first look finds nothing, as if the other POST had not committed yet."""
        if not skipped:
            skipped.append(token)
            return None
        return real(token)

    monkeypatch.setattr(service, "earlier_submission", checked_too_early)
    again = _result(client, _post(client, "/pengaduan/baru", hidden, ANONYMOUS, photo=True))
    assert again[0] == first[0]
    assert _cases(portal) == 1
    with portal.app_context():  # the loser's upload: neither its row nor its file is kept
        assert get_session().scalar(select(func.count()).select_from(Attachment)) == 1
    assert len(list(Path(portal.config["UPLOAD_DIR"]).iterdir())) == 1


def test_the_officers_registration_is_idempotent_too(portal: Flask, app: Flask,
                                                     demo_users: list[str]) -> None:
    officer = app.test_client()
    login(officer, "petugas")
    hidden = _rendered(officer, "/registrasi")
    first = _post(officer, "/registrasi", hidden, LETTER)
    tracking, code, _page = _result(officer, first)
    again = _post(officer, "/registrasi", hidden, LETTER)
    tracking_again, code_again, page = _result(officer, again)
    assert (tracking_again, code_again) == (tracking, code)
    assert "sudah terdaftar sebelumnya" in page
    assert _cases(portal) == 1


@pytest.mark.postgres
def test_two_simultaneous_posts_of_one_form_make_one_complaint_on_postgresql(
        tmp_path: Path) -> None:
    with postgres_schema_url() as url:
        app = make_test_app(tmp_path, DATABASE_URL=url)
        with app.app_context():
            upgrade_database()
            deploy_file(ROOT / "process" / "pengaduan.bpmn", ROOT / "forms")
        first = app.test_client()
        hidden = _rendered(first, "/pengaduan/baru")
        second = app.test_client()  # the same browser: the same session cookie
        cookie = first.get_cookie("session")
        assert cookie is not None
        second.set_cookie("session", cookie.value)
        barrier = threading.Barrier(2)
        statuses: list[int] = []

        def post(client: FlaskClient) -> None:
            barrier.wait()
            statuses.append(_post(client, "/pengaduan/baru", hidden, ANONYMOUS,
                                  photo=True).status_code)

        threads = [threading.Thread(target=post, args=(c,)) for c in (first, second)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert statuses == [302, 302]
        assert _cases(app) == 1
        with app.app_context():
            assert get_session().scalar(select(func.count()).select_from(Attachment)) == 1
        assert len(list(Path(app.config["UPLOAD_DIR"]).iterdir())) == 1
        app.extensions["db_engine"].dispose()
