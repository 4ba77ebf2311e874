"""Anonymity by construction: what the public side supplied to an anonymous case stays with Petugas.

The access decision is one function (`app.cases.privacy`); these tests assert on attachment ids,
file names and download status codes, not only on rendered identity strings.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable

from flask import Flask
from flask.testing import FlaskClient

from app.cases import service as cases
from app.cases.attachments import Upload, save_uploads
from app.cases.events import PUBLIC
from app.cases.models import Case
from app.db import get_session
from tests.inbox.conftest import START, advance, ready_task, submit, user_id
from tests.inbox.test_task_actions import PNG
from tests.support import ASK_DATA, FORWARD, STUDY_WITH_PCS

Clients = Callable[[str], FlaskClient]
LATER_FILE = "foto_ktp_diminta_petugas.png"
PERSONAL_TEXT = "NIK saya yang benar 1605015507880003, alamat Jalan Melati 9."


def _supply_data(app: Flask, case_id: int, personal: bool = False) -> str:
    """The complainant answers the officer's data request with a KTP photo; returns its id."""
    task = ready_task(app, case_id, "lengkapi_data")
    with app.app_context():
        [photo] = save_uploads([Upload(LATER_FILE, io.BytesIO(PNG))], PUBLIC)
        data = {"data_tambahan": PERSONAL_TEXT, "lampiran": [photo]}
        if personal:
            data["berisi_data_pribadi"] = True
        cases.complete_task(task.id, data, PUBLIC, attachment_ids=[photo])
    return photo


def _case_with_later_upload(app: Flask, anonim: bool, personal: bool = False
                            ) -> tuple[int, str, str, str]:
    """A case whose complainant uploaded a photo at the data-request step, then studied by Tim.

    Returns (case id, photo id, team task id, division task id).
    """
    case_id, _code = submit(app, anonim=anonim)
    advance(app, case_id, "verifikasi_pengaduan", ASK_DATA)
    photo = _supply_data(app, case_id, personal)
    advance(app, case_id, "verifikasi_pengaduan", FORWARD)
    team_task = ready_task(app, case_id, "telaah_pengaduan").id
    advance(app, case_id, "telaah_pengaduan", STUDY_WITH_PCS, "tim")
    division_task = ready_task(app, case_id, "tindak_lanjut_teknis").id
    return case_id, photo, team_task, division_task


def _attachment_ids(html: str) -> set[str]:
    return set(re.findall(r"/lampiran/([0-9a-f]{32})", html))


def test_a_file_the_anonymous_complainant_supplied_later_is_withheld_from_team_and_division(
        deployed: Flask, signed_in: Clients) -> None:
    _case, photo, team_task, division_task = _case_with_later_upload(deployed, anonim=True)
    for username, task_id in (("tim", team_task), ("teknis_pcs", division_task)):
        client = signed_in(username)
        html = client.get(f"/tugas/{task_id}").get_data(as_text=True)
        assert photo not in _attachment_ids(html), username
        assert LATER_FILE not in html, username
        with client.get(f"/tugas/{task_id}/lampiran/{photo}") as refused:
            assert refused.status_code == 404, username  # the same as for an unknown file
            assert LATER_FILE not in refused.get_data(as_text=True), username


def test_the_desk_officer_still_gets_the_anonymous_complainants_later_file(
        deployed: Flask, signed_in: Clients) -> None:
    case_id, _code = submit(deployed, anonim=True)
    advance(deployed, case_id, "verifikasi_pengaduan", ASK_DATA)
    photo = _supply_data(deployed, case_id)
    verify = ready_task(deployed, case_id, "verifikasi_pengaduan").id
    officer = signed_in("petugas")
    assert photo in _attachment_ids(officer.get(f"/tugas/{verify}").get_data(as_text=True))
    with officer.get(f"/tugas/{verify}/lampiran/{photo}") as response:
        assert response.status_code == 200
        assert response.data == PNG


def test_a_named_complainants_later_file_is_shared_with_the_team(
        deployed: Flask, signed_in: Clients) -> None:
    _case, photo, team_task, _division = _case_with_later_upload(deployed, anonim=False)
    client = signed_in("tim")
    html = client.get(f"/tugas/{team_task}").get_data(as_text=True)
    assert photo in _attachment_ids(html)
    with client.get(f"/tugas/{team_task}/lampiran/{photo}") as response:
        assert response.status_code == 200


def test_a_file_staff_attached_to_an_anonymous_case_stays_visible_to_the_team(
        deployed: Flask, signed_in: Clients) -> None:
    case_id, _code = submit(deployed, anonim=True)
    verify = ready_task(deployed, case_id, "verifikasi_pengaduan")
    officer_id = user_id(deployed, "petugas")
    with deployed.app_context():
        [memo] = save_uploads([Upload("nota_dinas.png", io.BytesIO(PNG))],
                              cases.Actor("user", officer_id, "Petugas"))
        cases.complete_task(verify.id, {**FORWARD}, cases.Actor("user", officer_id, "Petugas"),
                            attachment_ids=[memo])
    team_task = ready_task(deployed, case_id, "telaah_pengaduan").id
    client = signed_in("tim")
    assert memo in _attachment_ids(client.get(f"/tugas/{team_task}").get_data(as_text=True))
    with client.get(f"/tugas/{team_task}/lampiran/{memo}") as response:
        assert response.status_code == 200


def test_text_the_anonymous_complainant_marked_personal_is_withheld_from_the_team(
        deployed: Flask, signed_in: Clients) -> None:
    _case, _photo, team_task, division_task = _case_with_later_upload(
        deployed, anonim=True, personal=True)
    for username, task_id in (("tim", team_task), ("teknis_pcs", division_task)):
        html = signed_in(username).get(f"/tugas/{task_id}").get_data(as_text=True)
        assert "1605015507880003" not in html and "Jalan Melati" not in html, username


def test_text_not_marked_personal_reaches_the_team(deployed: Flask, signed_in: Clients) -> None:
    _case, _photo, team_task, _division = _case_with_later_upload(deployed, anonim=True)
    html = signed_in("tim").get(f"/tugas/{team_task}").get_data(as_text=True)
    assert "Jalan Melati" in html


def test_the_desk_officer_reads_text_marked_personal(deployed: Flask, signed_in: Clients) -> None:
    case_id, _code = submit(deployed, anonim=True)
    advance(deployed, case_id, "verifikasi_pengaduan", ASK_DATA)
    _supply_data(deployed, case_id, personal=True)
    verify = ready_task(deployed, case_id, "verifikasi_pengaduan").id
    html = signed_in("petugas").get(f"/tugas/{verify}").get_data(as_text=True)
    assert "Jalan Melati" in html



def test_the_audit_page_and_export_withhold_the_anonymous_public_material(
        deployed: Flask, signed_in: Clients) -> None:
    case_id, photo, _team, _division = _case_with_later_upload(deployed, anonim=True,
                                                                personal=True)
    with deployed.app_context():
        code = get_session().get(Case, case_id).tracking_code  # type: ignore[union-attr]
    auditor = signed_in("auditor")
    page = auditor.get(f"/audit/kasus/{code}").get_data(as_text=True)
    assert "Jalan Melati" not in page and photo not in page
    export = auditor.get(f"/audit/kasus/{code}/peristiwa.json").get_json()
    dumped = str(export)
    assert "Jalan Melati" not in dumped and photo not in dumped
    [supplied] = [e for e in export["events"] if e.get("redacted")]
    assert supplied["redacted"] == ["lampiran"]  # the marked text is not even in the event
    assert supplied["data_json"] is None and supplied["hash"]


def test_the_desk_officer_finds_a_complainant_by_nik_phone_or_email(
        deployed: Flask, signed_in: Clients) -> None:
    case_id, code = submit(deployed)
    other_id, other = submit(deployed, nik="1605019999990001", telepon="082100000001",
                             email="orang.lain@example.com", nama="Siti Aminah Lubis")
    officer = signed_in("petugas")
    for query in ("1605011201900001", "0812 3456 7890", "+6281234567890",
                  "Siti.Aminah@Example.com"):
        html = officer.get("/tugas/antrean", query_string={"q": query}).get_data(as_text=True)
        assert code in html and other not in html, query
    assert case_id != other_id


def test_an_anonymous_case_is_never_found_by_identity(deployed: Flask,
                                                      signed_in: Clients) -> None:
    _case_id, code = submit(deployed, anonim=True)
    officer = signed_in("petugas")
    assert code in officer.get("/tugas/antrean").get_data(as_text=True)
    for query in ("1605011201900001", "081234567890", "siti.aminah@example.com", "Siti Aminah"):
        html = officer.get("/tugas/antrean", query_string={"q": query}).get_data(as_text=True)
        assert code not in html, query


def test_a_search_by_identity_tells_the_team_nothing(deployed: Flask,
                                                     signed_in: Clients) -> None:
    case_id, code = submit(deployed, anonim=True)
    advance(deployed, case_id, "verifikasi_pengaduan", FORWARD)
    team = signed_in("tim")
    assert code in team.get("/tugas/antrean").get_data(as_text=True)
    for query in ("1605011201900001", "081234567890", "siti.aminah@example.com"):
        html = team.get("/tugas/antrean", query_string={"q": query}).get_data(as_text=True)
        assert code not in html, query


def test_a_letter_the_officer_registered_for_an_anonymous_complainant_is_withheld(
        deployed: Flask, signed_in: Clients) -> None:
    officer_id = user_id(deployed, "petugas")
    officer = cases.Actor("user", officer_id, "Petugas Pengelola Layanan Pengaduan")
    with deployed.app_context():
        [scan] = save_uploads([Upload("surat_pak_darmawan.png", io.BytesIO(PNG))], officer)
        data = {**START, "kanal": "surat", "anonim": True, "lampiran": [scan]}
        case_id = cases.submit_case(data, officer, attachment_ids=[scan]).case.id
    advance(deployed, case_id, "verifikasi_pengaduan", FORWARD)
    team_task = ready_task(deployed, case_id, "telaah_pengaduan").id
    client = signed_in("tim")
    html = client.get(f"/tugas/{team_task}").get_data(as_text=True)
    assert scan not in html and "surat_pak_darmawan" not in html
    assert client.get(f"/tugas/{team_task}/lampiran/{scan}").status_code == 404
