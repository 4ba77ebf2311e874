"""The auditor's pages over HTTP: search with filters and counts, reveal, heatmap, reports."""

from __future__ import annotations

import csv
import io
import re

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from app.audit.verify import verify_all
from app.cases.models import Case, CaseEvent
from app.cases.standard import BREACHED, MET, PENDING, standard_outcome
from app.db import get_session
from tests.audit.journeys import breached_then_answered, closed_by_timer, full_journey, referred
from tests.conftest import csrf_token_from, login
from tests.support import START_DATA

LISTED = re.compile(r'href="/audit/kasus/(ADU-[0-9-]+)"')


def _listed(client: FlaskClient, **args: str) -> set[str]:
    """The tracking numbers the search page lists for ARGS."""
    return set(LISTED.findall(client.get("/audit/", query_string=args).get_data(as_text=True)))


def _seed(app: Flask) -> dict[str, str]:
    with app.app_context():
        ids = {"journey": full_journey()[0], "timer": closed_by_timer(),
               "breached": breached_then_answered(), "anonymous": referred(anonim=True)}
        session = get_session()
        return {k: session.get(Case, v).tracking_code for k, v in ids.items()}  # type: ignore[union-attr]


def test_search_filters_counts_and_csv(app: Flask, demo_users: list[str],
                                       client: FlaskClient) -> None:
    codes = _seed(app)
    login(client, "auditor")
    assert _listed(client) == set(codes.values())
    assert _listed(client, standar=BREACHED) == {codes["breached"]}
    assert _listed(client, standar=MET) == {codes["journey"], codes["timer"], codes["anonymous"]}
    assert _listed(client, bidang="pcs") == {codes["journey"]}
    assert _listed(client, hasil="akhir_dirujuk") == {codes["anonymous"]}
    assert _listed(client, dari="2026-12-01") == set()
    page = client.get("/audit/").get_data(as_text=True)
    assert "4</strong> pengaduan" in page
    wrong = client.get("/audit/", query_string={"dari": "kemarin"}).get_data(as_text=True)
    assert "kemarin" in wrong and "tidak dikenali" in wrong
    rows = list(csv.DictReader(io.StringIO(
        client.get("/audit/kasus.csv", query_string={"standar": MET}).get_data(as_text=True))))
    assert sorted(r["nomor"] for r in rows) == sorted(
        [codes["journey"], codes["timer"], codes["anonymous"]])


def test_the_standard_is_met_breached_or_pending() -> None:
    from datetime import UTC, datetime
    due = datetime(2026, 12, 7, 16, 59, tzinfo=UTC)
    before, after = datetime(2026, 12, 1, tzinfo=UTC), datetime(2026, 12, 9, tzinfo=UTC)
    assert standard_outcome(before, due, after) == MET
    assert standard_outcome(after, due, after) == BREACHED
    assert standard_outcome(None, due, after) == BREACHED
    assert standard_outcome(None, due, before) == PENDING
    assert standard_outcome(None, None, after) is None
    assert standard_outcome(None, due, after, closed_at=before) == MET  # referred in time


def test_revealing_an_identity_needs_a_reason_and_is_recorded(
    app: Flask, demo_users: list[str], client: FlaskClient
) -> None:
    codes = _seed(app)
    login(client, "auditor")
    page = client.get(f"/audit/kasus/{codes['journey']}").get_data(as_text=True)
    assert START_DATA["nama"] not in page
    token = csrf_token_from(page)
    url = f"/audit/kasus/{codes['journey']}/identitas"
    short = client.post(url, data={"csrf_token": token, "alasan": "cek"})
    assert short.status_code == 400 and START_DATA["nama"] not in short.get_data(as_text=True)
    shown = client.post(url, data={"csrf_token": token,
                                   "alasan": "Permintaan klarifikasi Inspektorat no. 12/2026"})
    assert shown.status_code == 200
    body = shown.get_data(as_text=True)
    assert START_DATA["nama"] in body and START_DATA["nik"] in body
    with app.app_context():
        last = get_session().scalars(select(CaseEvent).join(Case).where(
            Case.tracking_code == codes["journey"]).order_by(CaseEvent.seq.desc())).first()
        assert last is not None and last.type == "identity_revealed"
        assert "Inspektorat" in last.data_json and last.actor_role == "Auditor"
        assert START_DATA["nama"] not in last.data_json
        # the reveal is an event of the chain and re-execution still verifies the case
        assert verify_all().problems == {}
    # an anonymous complainant is never revealed
    anon = client.get(f"/audit/kasus/{codes['anonymous']}").get_data(as_text=True)
    refused = client.post(f"/audit/kasus/{codes['anonymous']}/identitas",
                          data={"csrf_token": csrf_token_from(anon),
                                "alasan": "Saya ingin tahu siapa pelapornya"})
    assert refused.status_code == 400
    assert "anonim" in refused.get_data(as_text=True)
    assert START_DATA["nama"] not in refused.get_data(as_text=True)


def test_heatmap_and_verification_reports(app: Flask, demo_users: list[str],
                                          client: FlaskClient) -> None:
    _seed(app)
    with app.app_context():
        verify_all(run_by="test")
    login(client, "auditor")
    heat = client.get("/audit/peta-panas").get_data(as_text=True)
    assert "telaah_pengaduan" in heat and "lp-heat-" in heat
    assert "Pengaduan dalam periode ini: 4" in heat
    empty = client.get("/audit/peta-panas", query_string={"dari": "2027-01-01"})
    assert "Pengaduan dalam periode ini: 0" in empty.get_data(as_text=True)
    bad = client.get("/audit/peta-panas", query_string={"dari": "besok"})
    assert bad.status_code == 400 and "besok" in bad.get_data(as_text=True)
    summary = client.get("/audit/").get_data(as_text=True)
    assert "4 kasus diperiksa dengan eksekusi ulang, 0 masalah" in summary
    assert "utuh" in client.get("/audit/verifikasi").get_data(as_text=True)
