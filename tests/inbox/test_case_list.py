"""The case list at /perkara: filters for every lane holder, identity search for the desk officer
only (exactly 403 for others), never an anonymous case; notices of waiting tasks."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import delete, select

from app.auth.service import get_user_by_username
from app.cases.models import IdentityLookup
from app.db import get_session
from app.desk.notices import send_daily
from app.notify.models import Outbox
from tests.inbox.conftest import advance, submit
from tests.inbox.helpers import text, token
from tests.support import FORWARD

Clients = Callable[[str], FlaskClient]
NIK = "1605011201900001"


def test_the_desk_officer_finds_a_case_by_nik_name_and_phone(deployed: Flask,
                                                             signed_in: Clients) -> None:
    _id, mine = submit(deployed)
    _id2, other = submit(deployed, nik="1605019999990001", telepon="082100000001",
                         nama="Budi Santoso", email="budi@example.com")
    officer = signed_in("petugas")
    for by, query in (("nik", "1605 0112 0190 0001"), ("nama", "  siti   aminah "),
                      ("telepon", "+62 812-3456-7890")):
        page = text(officer.get("/perkara/", query_string={"cari": query, "menurut": by}))
        assert mine in page and other not in page, by
    # A name is matched exactly (normalised), not by a part of it.
    page = text(officer.get("/perkara/", query_string={"cari": "Siti", "menurut": "nama"}))
    assert mine not in page and "Tidak ada pengaduan yang cocok" in page


def test_an_identity_search_is_refused_for_the_team_and_never_finds_anonymous_cases(
        deployed: Flask, signed_in: Clients) -> None:
    _id, anonymous = submit(deployed, anonim=True)
    team = signed_in("tim")
    for by in ("nik", "nama", "telepon"):
        response = team.get("/perkara/", query_string={"cari": NIK, "menurut": by})
        assert response.status_code == 403, by
        assert "Akses ditolak" in text(response)
    # The team's list itself is open, without the identity choices.
    page = text(team.get("/perkara/"))
    assert anonymous in page and "NIK pelapor" not in page
    officer = signed_in("petugas")
    page = text(officer.get("/perkara/", query_string={"cari": NIK, "menurut": "nik"}))
    assert anonymous not in page
    assert anonymous in text(officer.get("/perkara/", query_string={"cari": anonymous}))


def test_the_list_filters_by_status_waiting_lane_period_and_summary(
        deployed: Flask, signed_in: Clients) -> None:
    first_id, first = submit(deployed, layanan="kk", kanal="surat")
    _second_id, second = submit(deployed)
    advance(deployed, first_id, "verifikasi_pengaduan", FORWARD)
    team = signed_in("tim")
    by_lane = text(team.get("/perkara/", query_string={"lajur": "Tim Penanganan Pengaduan"}))
    assert first in by_lane and second not in by_lane
    by_service = text(team.get("/perkara/", query_string={"service": "kk"}))
    assert first in by_service and second not in by_service
    by_channel = text(team.get("/perkara/", query_string={"channel": "surat"}))
    assert first in by_channel and second not in by_channel
    today = datetime.now(UTC).date().isoformat()
    assert second in text(team.get("/perkara/", query_string={"dari": today, "sampai": today}))
    assert second not in text(team.get("/perkara/", query_string={"sampai": "2020-01-01"}))
    assert "Tidak ada pengaduan" in text(team.get("/perkara/", query_string={"status": "selesai"}))
    # The team lead opens the case's task from the list; the officer's task is not theirs.
    page = text(team.get("/perkara/", query_string={"cari": first}))
    assert '/tugas/' in page.split(first)[0].rsplit("<td", 1)[-1]


def test_the_navigation_counts_waiting_tasks(deployed: Flask, signed_in: Clients) -> None:
    for _ in range(3):
        submit(deployed)
    officer = signed_in("petugas")
    page = text(officer.get("/perkara/"))
    assert 'class="nav-count"' in page and ">3<" in page.split('class="nav-count"')[1][:200]
    assert 'class="nav-count"' not in text(signed_in("tim").get("/perkara/"))


def test_the_daily_email_goes_once_a_day_to_officers_who_asked(deployed: Flask,
                                                               signed_in: Clients) -> None:
    submit(deployed)
    officer = signed_in("petugas")
    with deployed.app_context():
        user = get_user_by_username("petugas")
        assert user is not None
        user.email = "petugas@example.com"
        get_session().commit()
    response = officer.post("/perkara/pemberitahuan",
                            data={"csrf_token": token(officer), "harian": "1"})
    assert response.status_code == 302
    with deployed.app_context():
        assert send_daily() == 1
        assert send_daily() == 0  # once per WIB day
        [message] = get_session().scalars(select(Outbox).where(Outbox.kind == "daily_tasks"))
        assert message.to == "petugas@example.com"
        assert "Tugas di antrean lajur Anda: 1" in message.body
    officer.post("/perkara/pemberitahuan", data={"csrf_token": token(officer)})
    with deployed.app_context():
        assert send_daily(datetime(2030, 1, 2, 1, 0, tzinfo=UTC)) == 0


def test_identities_stored_before_the_name_kind_are_reindexed(deployed: Flask,
                                                              signed_in: Clients) -> None:
    _id, code = submit(deployed)
    with deployed.app_context():
        session = get_session()
        # As if stored before `"x-identitas": "nama"`: no name digest.
        session.execute(delete(IdentityLookup).where(IdentityLookup.kind == "nama"))
        session.commit()
    officer = signed_in("petugas")
    query = {"cari": "Siti Aminah", "menurut": "nama"}
    assert code not in text(officer.get("/perkara/", query_string=query))
    result = deployed.test_cli_runner().invoke(args=["identity", "reindex"])
    assert result.exit_code == 0, result.output
    assert code in text(officer.get("/perkara/", query_string=query))
