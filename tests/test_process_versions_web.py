"""The version pages in the browser's place: list counts, the diff, migrating cases by hand."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import encode_multipart

from app.auth.service import ensure_demo_users
from app.cases import service
from app.cases.events import PUBLIC
from app.cases.models import Case, CaseEvent, ProcessVersion
from app.db import get_session
from app.processes.service import deploy
from tests.conftest import csrf_token_from, login
from tests.support import START_DATA
from tests.test_process_versions import DIAGRAM, FORMS, safe_revision, unsafe_revision


@pytest.fixture
def world(app: Flask) -> dict[str, Any]:
    """Versions 1-3 of the real diagram, a case waiting on version 1, and the demo staff."""
    with app.app_context():
        v1 = deploy(DIAGRAM.encode(), FORMS, deployed_by="pemilik", note="awal").version
        ensure_demo_users()
        code = service.submit_case(dict(START_DATA), PUBLIC).case.tracking_code
        xml, forms = safe_revision()
        v2 = deploy(xml.encode(), forms, deployed_by="pemilik", note="nama lebih jelas").version
        v3 = deploy(unsafe_revision().encode(), FORMS, note="tugas manual").version
        return {"code": code, "v1": v1.id, "v2": v2.id, "v3": v3.id}


def _owner(client: FlaskClient) -> FlaskClient:
    login(client, "pemilik")
    return client


def _case(app: Flask, code: str) -> tuple[int, list[str]]:
    with app.app_context():
        case = get_session().scalars(select(Case).where(Case.tracking_code == code)).one()
        events = get_session().scalars(
            select(CaseEvent.type).where(CaseEvent.case_id == case.id).order_by(CaseEvent.seq)
        )
        version = get_session().get(ProcessVersion, case.process_version_id)
        assert version is not None
        return version.version, list(events)


def test_the_list_shows_comment_and_running_and_finished_counts(
    client: FlaskClient, world: dict[str, Any]
) -> None:
    html = _owner(client).get("/proses/").get_data(as_text=True)
    assert "nama lebih jelas" in html and "tugas manual" in html
    assert f"/proses/{world['v1']}/migrasi" in html  # version 1 has a running case
    assert "dengan versi 1" in html


def test_the_diff_page_lists_changes_and_colours_both_diagrams(
    client: FlaskClient, world: dict[str, Any]
) -> None:
    page = _owner(client).get(f"/proses/beda?lama={world['v1']}&baru={world['v2']}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'data-element="telaah_pengaduan"' in html
    assert "Menelaah pengaduan dengan cermat" in html
    assert "telaah.schema.json" in html
    assert "diagram.js" in html and html.count("bpmn-diff-canvas") == 2
    markers = json.loads(html.split('data-markers="', 2)[2].split('"', 1)[0].replace("&#34;", '"'))
    assert "telaah_pengaduan" in markers["lp-changed"]


def test_the_preview_changes_nothing_and_shows_the_task_map(
    app: Flask, client: FlaskClient, world: dict[str, Any]
) -> None:
    page = _owner(client).get(f"/proses/{world['v1']}/migrasi?ke={world['v2']}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert world["code"] in html
    assert "<code>verifikasi_pengaduan</code> → <code>verifikasi_pengaduan</code>" in html
    assert "Memverifikasi pengaduan" in html
    assert _case(app, world["code"])[0] == 1


def test_a_safe_migration_from_the_web_moves_the_case_and_records_it(
    app: Flask, client: FlaskClient, world: dict[str, Any]
) -> None:
    page = _owner(client).get(f"/proses/{world['v1']}/migrasi?ke={world['v2']}")
    token = csrf_token_from(page.get_data(as_text=True))
    done = client.post(
        f"/proses/{world['v1']}/migrasi",
        data={"csrf_token": token, "ke": world["v2"], "kasus": world["code"]},
    )
    assert done.status_code == 200
    assert "1 pengaduan dipindahkan, 0 ditolak." in done.get_data(as_text=True)
    version, events = _case(app, world["code"])
    assert version == 2 and events[-1] == "case_migrated"


def test_an_unsafe_migration_from_the_web_is_refused_with_the_reason(
    app: Flask, client: FlaskClient, world: dict[str, Any]
) -> None:
    page = _owner(client).get(f"/proses/{world['v1']}/migrasi?ke={world['v3']}")
    html = page.get_data(as_text=True)
    assert "jenis elemen verifikasi_pengaduan" in html  # the preview already says why
    token = csrf_token_from(html)
    done = client.post(
        f"/proses/{world['v1']}/migrasi", data={"csrf_token": token, "ke": world["v3"]}
    )
    text = done.get_data(as_text=True)
    assert "0 pengaduan dipindahkan, 1 ditolak." in text
    assert "berubah di versi baru" in text
    version, events = _case(app, world["code"])
    assert version == 1 and "case_migrated" not in events


def test_an_unknown_case_is_named_in_the_error(client: FlaskClient, world: dict[str, Any]) -> None:
    page = _owner(client).get(f"/proses/{world['v1']}/migrasi")
    token = csrf_token_from(page.get_data(as_text=True))
    done = client.post(
        f"/proses/{world['v1']}/migrasi",
        data={"csrf_token": token, "ke": world["v2"], "kasus": "ADU-0000-999999"},
    )
    assert done.status_code == 422
    assert "Pengaduan ADU-0000-999999 tidak ditemukan." in done.get_data(as_text=True)


def test_an_upload_takes_the_owners_comment(app: Flask, client: FlaskClient) -> None:
    with app.app_context():
        deploy(DIAGRAM.encode(), FORMS)
        ensure_demo_users()
    token = csrf_token_from(_owner(client).get("/proses").get_data(as_text=True))
    edited = DIAGRAM.replace('name="Menelaah pengaduan"', 'name="Menelaah aduan"').encode()
    fields = {
        "csrf_token": token,
        "catatan": "Nama tugas telaah dipersingkat",
        "diagram": FileStorage(io.BytesIO(edited), "pengaduan.bpmn"),
    }
    boundary, body = encode_multipart(MultiDict(fields))
    response = client.post(
        "/proses/pasang", data=body, content_type=f"multipart/form-data; boundary={boundary}"
    )
    assert response.status_code == 302
    with app.app_context():
        notes = list(get_session().scalars(select(ProcessVersion.note).order_by(ProcessVersion.id)))
    assert notes == ["", "Nama tugas telaah dipersingkat"]
    assert "Nama tugas telaah dipersingkat" in client.get("/proses/").get_data(as_text=True)
