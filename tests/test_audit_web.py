"""The audit pages: who may open them, the timeline with names, chain checks, the JSON export."""

from __future__ import annotations

import hashlib
import json
from datetime import date, datetime
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, text

from app.auth.service import assign_role, get_user_by_username
from app.cases.events import GENESIS_HASH, PUBLIC, Actor
from app.cases.models import HumanTask
from app.cases.service import complete_task, submit_case
from app.db import get_session
from app.processes.service import deploy_file
from tests.conftest import login
from tests.support import FORWARD, ROOT, START_DATA, STUDY_ALONE

ANONYMOUS_NAME = "Sulastri Wulandari Anonim"


def _staff(username: str, role: str) -> Actor:
    user = get_user_by_username(username)
    assert user is not None
    return Actor("user", user.id, role)


def _complete(tracking_code: str, bpmn_id: str, data: dict[str, Any], actor: Actor) -> None:
    task = (
        get_session()
        .scalars(
            select(HumanTask).where(
                HumanTask.tracking_code == tracking_code,
                HumanTask.bpmn_id == bpmn_id,
                HumanTask.status == "ready",
            )
        )
        .one()
    )
    complete_task(task.id, data, actor)


@pytest.fixture
def case_code(app: Flask, demo_users: list[str]) -> str:
    """An anonymous complaint, verified by the officer and studied by the team: its number."""
    with app.app_context():
        deploy_file(ROOT / "process" / "pengaduan.bpmn", ROOT / "forms")
        data = {**START_DATA, "nama": ANONYMOUS_NAME, "anonim": True}
        code = submit_case(data, PUBLIC).case.tracking_code
        _complete(
            code,
            "verifikasi_pengaduan",
            FORWARD,
            _staff("petugas", "Petugas Pengelola Layanan Pengaduan"),
        )
        _complete(code, "telaah_pengaduan", STUDY_ALONE, _staff("tim", "Tim Penanganan Pengaduan"))
        return code


def test_anonymous_visitors_are_sent_to_sign_in(client: FlaskClient, case_code: str) -> None:
    for path in ("/audit", f"/audit/kasus/{case_code}", f"/audit/kasus/{case_code}/peristiwa.json"):
        response = client.get(path)
        assert response.status_code == 302
        assert "/masuk" in response.headers["Location"]


def test_team_members_may_not_audit(client: FlaskClient, case_code: str) -> None:
    login(client, "tim")
    assert client.get("/audit").status_code == 403
    assert client.get(f"/audit/kasus/{case_code}").status_code == 403
    assert client.get(f"/audit/kasus/{case_code}/peristiwa.json").status_code == 403


def test_search_by_exact_tracking_number(client: FlaskClient, case_code: str) -> None:
    login(client, "auditor")
    found = client.get("/audit", query_string={"nomor": case_code.lower()})
    assert found.status_code == 302
    assert found.headers["Location"].endswith(f"/audit/kasus/{case_code}")
    missing = client.get("/audit", query_string={"nomor": case_code[:-1]})
    assert missing.status_code == 404
    assert "Tidak ada pengaduan dengan nomor" in missing.get_data(as_text=True)


def test_timeline_names_actors_and_shows_form_data_with_labels(
    client: FlaskClient, case_code: str
) -> None:
    login(client, "auditor")
    page = client.get(f"/audit/kasus/{case_code}").get_data(as_text=True)
    assert "Pengaduan diajukan" in page
    assert "Tugas diselesaikan" in page
    assert "Pelapor" in page  # the public side, whatever its lane is called
    assert "Siti Rahmawati (Petugas Pengelola Layanan Pengaduan)" in page
    assert "Ahmad Fauzi (Tim Penanganan Pengaduan)" in page
    assert STUDY_ALONE["hasil_telaah"] in page  # the team's submitted study, with its label
    assert "Rantai peristiwa utuh: 3 peristiwa" in page
    assert "bpmn-navigated-viewer.production.min.js" in page
    assert "WIB" in page


def test_process_owners_audit_only_with_the_auditor_role(
    app: Flask, client: FlaskClient, case_code: str
) -> None:
    login(client, "pemilik")
    assert client.get(f"/audit/kasus/{case_code}").status_code == 403
    assert 'href="/audit"' not in client.get("/").get_data(as_text=True)
    with app.app_context():
        owner = get_user_by_username("pemilik")
        assert owner is not None
        assign_role(owner, "Auditor", surat_tugas_number="800/ST/2026",
                    surat_tugas_date=date(2026, 1, 2), valid_until=date(2099, 12, 31))
        get_session().commit()
    assert client.get(f"/audit/kasus/{case_code}").status_code == 200


def test_diagram_markers_show_passed_and_waiting_elements(
    client: FlaskClient, case_code: str
) -> None:
    login(client, "auditor")
    page = client.get(f"/audit/kasus/{case_code}").get_data(as_text=True)
    marker_attr = page.split('data-markers="', 1)[1].split('"', 1)[0]
    markers = json.loads(marker_attr.replace("&#34;", '"'))
    assert {"mulai_pengaduan", "verifikasi_pengaduan", "telaah_pengaduan"} <= set(
        markers["lp-done"]
    )
    assert "susun_jawaban" in markers["lp-current"]
    diagram = client.get(f"/audit/kasus/{case_code}/diagram.bpmn")
    assert diagram.mimetype == "application/xml"
    assert diagram.data == (ROOT / "process" / "pengaduan.bpmn").read_bytes()


def test_tampered_event_is_reported(app: Flask, client: FlaskClient, case_code: str) -> None:
    with app.app_context():
        session = get_session()
        session.execute(text("DROP TRIGGER case_events_no_update"))
        session.execute(
            text(
                "UPDATE case_events SET data_json = :data WHERE seq = 2 AND case_id = "
                "(SELECT id FROM cases WHERE tracking_code = :code)"
            ),
            {"data": '{"name":"diubah","data":{}}', "code": case_code},
        )
        session.commit()
    login(client, "auditor")
    page = client.get(f"/audit/kasus/{case_code}").get_data(as_text=True)
    assert "Rantai peristiwa utuh" not in page
    assert "Rantai peristiwa rusak" in page
    assert "peristiwa #2: isi telah diubah" in page


def _recompute(case_id: int, event: dict[str, Any]) -> str:
    """The event's hash as an auditor recomputes it from the export alone."""
    moment = datetime.fromisoformat(event["occurred_at"]).isoformat()
    payload = [
        event["prev_hash"],
        case_id,
        event["seq"],
        event["type"],
        event["actor"],
        event["actor_role"],
        moment,
        event["task_id"],
        event["bpmn_id"],
        event["data_json"],
    ]
    text_ = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text_.encode("utf-8")).hexdigest()


def test_json_export_can_be_verified_offline(client: FlaskClient, case_code: str) -> None:
    login(client, "auditor")
    response = client.get(f"/audit/kasus/{case_code}/peristiwa.json")
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    export = response.get_json()
    events = export["events"]
    assert [e["seq"] for e in events] == [1, 2, 3]
    keys = {"seq", "type", "actor", "actor_role", "occurred_at", "bpmn_id", "task_id", "data"}
    assert keys | {"prev_hash", "hash"} <= set(events[0])
    prev = GENESIS_HASH
    for event in events:
        assert event["prev_hash"] == prev
        assert _recompute(export["case_id"], event) == event["hash"]
        prev = event["hash"]
    # The case's own record of its chain head: a deleted tail would not end there.
    assert (export["event_count"], export["head_hash"]) == (len(events), prev)


def test_complainant_identity_never_appears_in_audit(client: FlaskClient, case_code: str) -> None:
    login(client, "auditor")
    responses = [
        client.get(f"/audit/kasus/{case_code}"),
        client.get(f"/audit/kasus/{case_code}/peristiwa.json"),
    ]
    for response in responses:
        body = response.get_data(as_text=True)
        assert response.status_code == 200
        assert ANONYMOUS_NAME not in body
        assert START_DATA["nik"] not in body
        assert START_DATA["telepon"] not in body
