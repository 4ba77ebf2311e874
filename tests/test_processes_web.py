"""The process pages: who may see them, the version list, the diagram, uploading a new version."""

from __future__ import annotations

import io
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import TestResponse, encode_multipart

from app.cases.models import ProcessVersion
from app.db import get_session
from app.processes.service import deploy_file
from tests.conftest import csrf_token_from, login
from tests.support import ROOT

BPMN = ROOT / "process" / "pengaduan.bpmn"


@pytest.fixture
def deployed(app: Flask, demo_users: list[str]) -> int:
    """The real diagram deployed once; its version id."""
    with app.app_context():
        return deploy_file(BPMN, ROOT / "forms").version.id


def _version_count(app: Flask) -> int:
    with app.app_context():
        return int(get_session().scalar(select(func.count(ProcessVersion.id))) or 0)


def _upload(
    client: FlaskClient, content: bytes, filename: str = "pengaduan.bpmn", token: str | None = None
) -> TestResponse:
    """Post CONTENT as the diagram file, with the page's CSRF token unless TOKEN is given."""
    if token is None:
        token = csrf_token_from(client.get("/proses").get_data(as_text=True))
    fields: dict[str, Any] = {"diagram": FileStorage(io.BytesIO(content), filename)}
    if token:
        fields["csrf_token"] = token
    # Encoded up front: the test client's own encoder leaks a temporary file above 500 KB.
    boundary, body = encode_multipart(MultiDict(fields))
    return client.post(
        "/proses/pasang", data=body, content_type=f"multipart/form-data; boundary={boundary}"
    )


def test_anonymous_visitors_are_sent_to_sign_in(client: FlaskClient, deployed: int) -> None:
    response = client.get("/proses")
    assert response.status_code == 302
    assert "/masuk" in response.headers["Location"]


def test_team_members_may_not_open_process_pages(client: FlaskClient, deployed: int) -> None:
    login(client, "tim")
    assert client.get("/proses").status_code == 403
    assert client.get(f"/proses/{deployed}").status_code == 403
    assert client.get(f"/proses/{deployed}/diagram.bpmn").status_code == 403


def test_version_list_shows_number_deployer_hash_and_active_badge(
    client: FlaskClient, deployed: int
) -> None:
    login(client, "admin")
    page = client.get("/proses").get_data(as_text=True)
    assert "Versi 1" in page
    assert "aktif" in page
    assert "WIB" in page
    # An administrator sees the versions but may not deploy.
    assert "Pasang versi baru" not in page


def test_version_page_shows_lanes_tasks_forms_and_the_viewer(
    client: FlaskClient, deployed: int
) -> None:
    login(client, "pemilik")
    page = client.get(f"/proses/{deployed}").get_data(as_text=True)
    assert "bpmn-navigated-viewer.production.min.js" in page
    assert "Tim Penanganan Pengaduan" in page
    assert "Menelaah pengaduan" in page
    assert f"/proses/{deployed}/formulir/telaah.schema.json" in page
    form = client.get(f"/proses/{deployed}/formulir/telaah.schema.json")
    assert form.status_code == 200
    assert form.is_json
    assert client.get(f"/proses/{deployed}/formulir/tidak-ada.json").status_code == 404


def test_diagram_endpoint_serves_the_stored_bytes_as_xml(
    client: FlaskClient, deployed: int
) -> None:
    login(client, "pemilik")
    response = client.get(f"/proses/{deployed}/diagram.bpmn")
    assert response.status_code == 200
    assert response.mimetype == "application/xml"
    assert "pengaduan-v1.bpmn" in response.headers["Content-Disposition"]
    assert response.data == BPMN.read_bytes()


def test_invalid_diagram_is_refused_naming_element_and_reason(
    app: Flask, client: FlaskClient, deployed: int
) -> None:
    login(client, "pemilik")
    broken = BPMN.read_bytes().replace(b"telaah.schema.json", b"hilang.schema.json")
    response = _upload(client, broken)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "telaah_pengaduan" in page
    assert "(Menelaah pengaduan)" in page
    assert "berkas formulir hilang.schema.json tidak ada" in page
    assert _version_count(app) == 1


def test_non_xml_upload_is_refused(app: Flask, client: FlaskClient, deployed: int) -> None:
    login(client, "pemilik")
    response = _upload(client, b"PK\x03\x04 not a diagram")
    assert response.status_code == 422
    assert "bukan dokumen XML" in response.get_data(as_text=True)
    assert _version_count(app) == 1


def test_upload_over_one_megabyte_is_refused(
    app: Flask, client: FlaskClient, deployed: int
) -> None:
    login(client, "pemilik")
    response = _upload(client, b"<x>" + b" " * (1024 * 1024) + b"</x>")
    assert "lebih besar dari 1 MB" in response.get_data(as_text=True)
    assert _version_count(app) == 1


def test_upload_without_csrf_token_is_rejected(
    app: Flask, client: FlaskClient, deployed: int
) -> None:
    login(client, "pemilik")
    response = _upload(client, BPMN.read_bytes(), token="")
    assert response.status_code == 400
    assert _version_count(app) == 1


def test_administrator_may_not_deploy(app: Flask, client: FlaskClient, deployed: int) -> None:
    login(client, "admin")
    assert _upload(client, BPMN.read_bytes()).status_code == 403


def test_valid_upload_creates_version_two_and_same_content_creates_none(
    app: Flask, client: FlaskClient, deployed: int
) -> None:
    login(client, "pemilik")
    same = _upload(client, BPMN.read_bytes())
    assert same.status_code == 302
    assert "sama dengan versi 1" in client.get("/proses").get_data(as_text=True)
    assert _version_count(app) == 1

    edited = BPMN.read_bytes().replace(b'name="Menelaah pengaduan"', b'name="Menelaah aduan"')
    response = _upload(client, edited)
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Versi 2 dipasang" in page
    assert "Menelaah aduan" in page
    assert _version_count(app) == 2
    listing = client.get("/proses").get_data(as_text=True)
    assert "Versi 2" in listing
    assert "Hendra Gunawan" in listing  # the process owner who deployed it
