"""The desk's work on a case: returning a draft answer to the team (a decision in the diagram),
the sent-back marker with its reason on top, the answer in full on top of the delivery task,
internal notes between lanes, bulk claim and assignment, and staying on the case."""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from app.cases import queries
from app.cases.events import PUBLIC, verify_case
from app.cases.models import Case, CaseEvent, HumanTask
from app.cases.service import complete_task
from app.db import get_session
from tests.conftest import csrf_token_from
from tests.inbox.conftest import advance, ready_task, submit, task_row, user_id
from tests.inbox.helpers import complete, open_task, text, token
from tests.support import ANSWER, DELIVER, FORWARD, REJECT, STUDY_ALONE

Clients = Callable[[str], FlaskClient]
RETURN = {"keputusan_penyampaian": "kembalikan",
          "alasan_pengembalian": "Jawaban belum menyebut kapan KTP-el dapat diambil."}


def to_delivery(app: Flask, **overrides: object) -> tuple[int, str]:
    """A case whose team answer waits for the desk officer's delivery."""
    case_id, code = submit(app, **overrides)
    advance(app, case_id, "verifikasi_pengaduan", FORWARD)
    advance(app, case_id, "telaah_pengaduan", STUDY_ALONE, "tim")
    advance(app, case_id, "susun_jawaban", ANSWER, "tim")
    return case_id, code


def test_the_officer_returns_a_weak_draft_to_the_team_with_the_reason(
        deployed: Flask, signed_in: Clients) -> None:
    case_id, _code = to_delivery(deployed)
    officer = signed_in("petugas")
    delivery = ready_task(deployed, case_id, "sampaikan_jawaban")
    html, _csrf, _version = open_task(officer, delivery.id)
    # The answer in full, on top, before the case's context and the form.
    assert html.index("Jawaban tim yang belum disampaikan") < html.index("judul-konteks")
    assert ANSWER["jawaban"] in html[:html.index("judul-konteks")]
    assert complete(officer, delivery.id, RETURN).status_code == 302
    drafting = ready_task(deployed, case_id, "susun_jawaban")
    page = text(signed_in("tim").get(f"/tugas/{drafting.id}"))
    top = page[:page.index("judul-konteks")]
    assert "Dikembalikan: jawaban perlu disusun ulang" in top
    assert RETURN["alasan_pengembalian"] in top
    # The team redrafts from the answer it wrote, not from an empty box.
    form_part = page[page.index("judul-formulir"):]
    assert ANSWER["jawaban"] in form_part
    # The public timeline tells the rework, never the internal reason.
    with deployed.app_context():
        case = get_session().get(Case, case_id)
        assert case is not None and case.answered_at is None
    # Redrafted and delivered: the marker is gone once the answer reached the complainant.
    advance(deployed, case_id, "susun_jawaban", ANSWER, "tim")
    advance(deployed, case_id, "sampaikan_jawaban", DELIVER)
    assert ready_task(deployed, case_id, "konfirmasi_jawaban")


def test_a_delivery_without_a_reason_to_return_is_refused_with_a_message(
        deployed: Flask, signed_in: Clients) -> None:
    case_id, _code = to_delivery(deployed)
    delivery = ready_task(deployed, case_id, "sampaikan_jawaban")
    response = complete(signed_in("petugas"), delivery.id, {"keputusan_penyampaian": "kembalikan"})
    assert response.status_code == 422
    assert "Alasan pengembalian kepada tim" in text(response)
    assert task_row(deployed, delivery.id).status == "ready"


def test_a_case_rejected_by_the_citizen_shows_the_reason_on_top_for_the_team(
        deployed: Flask, signed_in: Clients) -> None:
    case_id, _code = to_delivery(deployed)
    advance(deployed, case_id, "sampaikan_jawaban", DELIVER)
    confirm = ready_task(deployed, case_id, "konfirmasi_jawaban")
    with deployed.app_context():
        complete_task(confirm.id, REJECT, PUBLIC)
    study = ready_task(deployed, case_id, "telaah_pengaduan")
    page = text(signed_in("tim").get(f"/tugas/{study.id}"))
    top = page[:page.index("judul-konteks")]
    assert "Dikembalikan oleh pelapor" in top
    assert REJECT["alasan_tidak_sesuai"] in top
    # The answer already delivered is not "about to be delivered".
    assert "Jawaban tim yang belum disampaikan" not in top


def test_internal_notes_are_events_for_staff_only(deployed: Flask, signed_in: Clients,
                                                  client: FlaskClient) -> None:
    case_id, code = submit(deployed)
    study_id = advance(deployed, case_id, "verifikasi_pengaduan", FORWARD)
    del study_id
    study = ready_task(deployed, case_id, "telaah_pengaduan")
    team = signed_in("tim")
    note = "Mohon cek riwayat perekaman di SIAK sebelum menjawab."
    response = team.post(f"/tugas/{study.id}/catatan",
                         data={"csrf_token": token(team), "catatan": note})
    assert response.status_code == 302
    with deployed.app_context():
        case = get_session().get(Case, case_id)
        assert case is not None
        events = list(get_session().scalars(
            select(CaseEvent).where(CaseEvent.case_id == case_id).order_by(CaseEvent.seq)))
        assert events[-1].type == "note_added" and note in events[-1].data_json
        assert verify_case(case, events) == []
    # Shown on the task page of the lane's tasks (here the team's), with who wrote it.
    assert note in text(team.get(f"/tugas/{study.id}"))
    # The public tracking page words only the events it knows: the note is not there.
    with deployed.app_context():
        case = queries.find_by_tracking_code(code)
        assert case is not None
    assert note not in text(client.get(f"/lacak/{code}"))
    # A lane that may not open the task may not write on it either.
    outsider = signed_in("teknis_pp")
    response = outsider.post(f"/tugas/{study.id}/catatan",
                             data={"csrf_token": token(outsider), "catatan": "x" * 20})
    assert response.status_code == 403


def test_a_note_on_an_anonymous_case_may_not_carry_the_identity(
        deployed: Flask, signed_in: Clients) -> None:
    case_id, _code = submit(deployed, anonim=True)
    task = ready_task(deployed, case_id, "verifikasi_pengaduan")
    officer = signed_in("petugas")
    for leak in ("Pelapor: Siti Aminah, tolong ditelepon.", "NIK 1605 0112 0190 0001",
                 "Telepon 0812-3456-7890"):
        response = officer.post(f"/tugas/{task.id}/catatan",
                                data={"csrf_token": token(officer), "catatan": leak},
                                follow_redirects=True)
        assert "tidak boleh memuat identitasnya" in text(response), leak
    with deployed.app_context():
        types = get_session().scalars(select(CaseEvent.type).where(
            CaseEvent.case_id == case_id)).all()
        assert "note_added" not in types


def test_bulk_claim_takes_the_free_tasks_and_names_the_one_taken(
        deployed: Flask, signed_in: Clients) -> None:
    cases = [submit(deployed, judul=f"Perihal {i}") for i in range(3)]
    tasks = [ready_task(deployed, case_id, "verifikasi_pengaduan") for case_id, _c in cases]
    other = signed_in("admin")  # not a lane holder: a refused bulk claim changes nothing
    response = other.post("/tugas/ambil-banyak", data={
        "csrf_token": csrf_token_from(other.get("/").get_data(as_text=True)),
        "tugas": [t.id for t in tasks]})
    assert response.status_code == 403
    officer = signed_in("petugas")
    officer.post(f"/tugas/{tasks[0].id}/ambil", data={"csrf_token": token(officer)})
    # Someone else took the second one meanwhile.
    with deployed.app_context():
        row = get_session().get(HumanTask, tasks[1].id)
        assert row is not None
        row.claimed_by = user_id(deployed, "admin")
        get_session().commit()
    response = officer.post("/tugas/ambil-banyak", data={
        "csrf_token": token(officer), "tugas": [f"{t.id}|" for t in tasks]},
        follow_redirects=True)
    page = text(response)
    assert "2 tugas kini Anda kerjakan" in page
    assert f"{cases[1][1]}: Tugas ini sudah diambil oleh" in page
    me = user_id(deployed, "petugas")
    assert [task_row(deployed, t.id).claimed_by for t in tasks] == [
        me, user_id(deployed, "admin"), me]


def test_the_lead_assigns_ticked_tasks_to_a_named_team_member(
        deployed: Flask, signed_in: Clients) -> None:
    cases = [submit(deployed, judul=f"Perihal {i}") for i in range(2)]
    for case_id, _code in cases:
        advance(deployed, case_id, "verifikasi_pengaduan", FORWARD)
    tasks = [ready_task(deployed, case_id, "telaah_pengaduan") for case_id, _c in cases]
    member = user_id(deployed, "tim2")
    picked = [f"{t.id}|" for t in tasks]
    # A team member who is not the lead is refused, and nothing moves.
    plain = signed_in("tim2")
    response = plain.post("/tugas/alihkan-banyak", data={
        "csrf_token": token(plain), "tugas": picked, "pengguna": str(member)})
    assert response.status_code == 403
    assert [task_row(deployed, t.id).claimed_by for t in tasks] == [None, None]
    lead = signed_in("tim")
    assert "Alihkan yang dicentang kepada" in text(lead.get("/tugas/semua"))
    response = lead.post("/tugas/alihkan-banyak", data={
        "csrf_token": token(lead), "tugas": picked, "pengguna": str(member)},
        follow_redirects=True)
    assert "2 tugas dialihkan kepada" in text(response)
    assert [task_row(deployed, t.id).claimed_by for t in tasks] == [member, member]
    # A desk officer's task cannot be handed to the team lead's pick.
    verify_case_id, _code = submit(deployed)
    desk_task = ready_task(deployed, verify_case_id, "verifikasi_pengaduan")
    response = lead.post("/tugas/alihkan-banyak", data={
        "csrf_token": token(lead), "tugas": [f"{desk_task.id}|"], "pengguna": str(member)},
        follow_redirects=True)
    assert "Hanya ketua lajur tugas ini" in text(response)
    assert task_row(deployed, desk_task.id).claimed_by is None


def test_after_completing_a_task_the_officer_stays_on_the_case_when_the_next_is_theirs(
        deployed: Flask, signed_in: Clients) -> None:
    case_id, _code = submit(deployed)
    advance(deployed, case_id, "verifikasi_pengaduan", FORWARD)
    study = ready_task(deployed, case_id, "telaah_pengaduan")
    team = signed_in("tim")
    response = complete(team, study.id, STUDY_ALONE)
    drafting = ready_task(deployed, case_id, "susun_jawaban")
    assert response.headers["Location"].endswith(f"/tugas/{drafting.id}")
    # The next step belongs to another lane: back to the inbox.
    response = complete(team, drafting.id, ANSWER)
    assert response.headers["Location"].rstrip("/").endswith("/tugas")
