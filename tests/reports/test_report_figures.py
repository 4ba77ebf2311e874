"""The report's figures on seeded cases, each computed by hand in the test.

Monday 30 November to Wednesday 9 December 2026 has no holiday in Indonesia: working days are
Mon-Fri, and a day counts 24 hours (a task open from 09:00 to 15:00 the same day took 0.25).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
import time_machine
from flask import Flask
from flask_babel import refresh

from app.cases.events import PUBLIC as PUBLIC_SIDE
from app.reports import service
from app.reports.figures import p90
from tests.conftest import login
from tests.reports.helpers import (
    at,
    complete,
    deploy_nine_element_variant,
    receive,
    wib,
)
from tests.support import DELIVER, FORWARD, OFFICER, STUDY_ALONE, TEAM

NOW = wib("2026-12-09", 10)
PERIOD = service.Period(date(2026, 11, 30), date(2026, 12, 9))
VERIFY, STUDY, DRAFT, SEND, CONFIRM = ("verifikasi_pengaduan", "telaah_pengaduan",
                                       "susun_jawaban", "sampaikan_jawaban",
                                       "konfirmasi_jawaban")


def _answer(case_id: int, studied: str, drafted: str, sent: str) -> None:
    """Study, draft and deliver at the given moments ('YYYY-MM-DD HH')."""
    complete(_m(studied), case_id, STUDY, STUDY_ALONE, TEAM)
    complete(_m(drafted), case_id, DRAFT, {"jawaban": "Sudah dicetak."}, TEAM)
    complete(_m(sent), case_id, SEND, DELIVER, OFFICER)


def _m(text: str) -> object:
    day, hour = text.split()
    return wib(day, int(hour))


def _seed() -> None:
    # A: answered Wed 2 Dec 09:00, within the standard (due Mon 7 Dec); rated 4.
    a = receive(wib("2026-11-30", 9))
    complete(wib("2026-11-30", 15), a, VERIFY, FORWARD, OFFICER)  # 0.25
    _answer(a, "2026-12-01 9", "2026-12-01 15", "2026-12-02 9")  # study 0.75
    complete(wib("2026-12-02", 12), a, CONFIRM,
             {"sesuai_harapan": True, "nilai_kepuasan": 4}, PUBLIC_SIDE)
    # B: verified after a full day, then left with the team: past Mon 7 Dec, breached.
    b = receive(wib("2026-11-30", 9))
    complete(wib("2026-12-01", 9), b, VERIFY, FORWARD, OFFICER)  # 1.0
    # C: received Tue 1 Dec, answered Mon 7 Dec 15:00 (due Tue 8 Dec): met; rated 3.
    c = receive(wib("2026-12-01", 9))
    complete(wib("2026-12-03", 9), c, VERIFY, FORWARD, OFFICER)  # 2.0
    # Study 1.25; the draft spans a weekend: 0.75.
    _answer(c, "2026-12-04 15", "2026-12-07 9", "2026-12-07 15")
    complete(wib("2026-12-08", 9), c, CONFIRM,
             {"sesuai_harapan": True, "nilai_kepuasan": 3}, PUBLIC_SIDE)
    # D: verified after three days, studied, never answered: breached on Tue 8 Dec.
    d = receive(wib("2026-12-01", 9))
    complete(wib("2026-12-04", 9), d, VERIFY, FORWARD, OFFICER)  # 3.0
    complete(wib("2026-12-04", 15), d, STUDY, STUDY_ALONE, TEAM)  # 0.25
    # E: received this morning: still within the standard.
    receive(wib("2026-12-09", 9))


def _table(report: service.Report, key: str) -> service.Table:
    [table] = [t for t in report.tables if t.key == key]
    return table


def test_the_report_figures_match_a_hand_count(quality: Flask) -> None:
    _seed()
    report = at(NOW, lambda: service.build_report(PERIOD))
    assert report.cases == 5
    # On time: A and C met, B and D breached, E pending: 2 / (2 + 2).
    assert (report.on_time.met, report.on_time.breached, report.on_time.pending) == (2, 2, 1)
    assert report.on_time.share == pytest.approx(0.5)
    steps = {row[0]: row for row in _table(report, "tahap").rows}
    # Verification: 0.25, 1.0, 2.0, 3.0 -> median (1.0 + 2.0) / 2; p90 = ceil(3.6) = 4th = 3.0.
    verify = steps["Menerima, mencatat dan memverifikasi pengaduan"]
    assert verify[2:] == (4, 1.5, 3.0)
    # Study: 0.75 (A), 1.25 (C), 0.25 (D) -> median 0.75; p90 = ceil(2.7) = 3rd = 1.25.
    assert steps["Menelaah pengaduan"][2:] == (3, 0.75, 1.25)
    # Draft: 0.25 (A), and C's Friday 15:00 to Monday 09:00 = 9 h + 9 h over a weekend = 0.75.
    assert steps["Menyusun jawaban"][2:] == (2, 0.5, 0.75)
    # The complainant's confirmation (public lane): A 3 h = 0.125, C 18 h = 0.75;
    # median (0.125 + 0.75) / 2 = 0.4375, shown to two decimals.
    assert steps["Mengonfirmasi jawaban"][2:] == (2, 0.44, 0.75)
    # Satisfaction from single ratings 4 and 3: mean 3.5 x 25 = 87.5, grade B (76.61-88.30).
    assert report.satisfaction.respondents == 2
    assert report.satisfaction.index == pytest.approx(87.5)
    assert report.satisfaction.grade == ("B", "Baik")
    # Volumes: every case came online, all KTP-el complaints.
    assert _table(report, "channel").rows == [("Portal daring", 5)]
    # Backlog today (Wed 9 Dec): B, D and E run; B is 7 working days old, D 6, E 0.
    assert _table(report, "tunggakan").rows == [("0–2", 1), ("3–5", 0), ("6–10", 2), ("> 10", 0)]


def test_a_filter_narrows_every_figure(quality: Flask) -> None:
    _seed()
    receive(wib("2026-12-02", 9), kanal="surat")
    everything = at(NOW, lambda: service.build_report(PERIOD))
    letters = at(NOW, lambda: service.build_report(
        service.Period(PERIOD.start, PERIOD.end, {"channel": "surat"})))
    assert (everything.cases, letters.cases) == (6, 1)
    assert letters.on_time.share is None and letters.on_time.pending == 1


def test_the_nine_element_index_follows_permenpan_rb_14_2017(quality: Flask,
                                                               tmp_path: Path) -> None:
    deploy_nine_element_variant(quality, tmp_path)
    ratings = [
        {f"U{n}": 4 for n in range(1, 10)} | {"U4": 3},
        {f"U{n}": 3 for n in range(1, 10)} | {"U9": 2},
    ]
    names = ["u1_persyaratan", "u2_prosedur", "u3_waktu", "u4_biaya", "u5_produk",
             "u6_kompetensi", "u7_perilaku", "u8_pengaduan", "u9_sarana"]
    for index, given in enumerate(ratings):
        case_id = receive(wib("2026-11-30", 9 + index))
        complete(wib("2026-11-30", 15), case_id, VERIFY, FORWARD, OFFICER)
        _answer(case_id, "2026-12-01 9", "2026-12-01 15", "2026-12-02 9")
        data = {"sesuai_harapan": True} | {n: given[f"U{i}"] for i, n in enumerate(names, 1)}
        complete(wib("2026-12-02", 12), case_id, CONFIRM, data, PUBLIC_SIDE)
    report = at(NOW, lambda: service.build_report(PERIOD))
    index = report.satisfaction_elements
    assert index.respondents == 2 and report.satisfaction.respondents == 0
    # U4: (3 + 3) / 2 = 3.0; U9: (4 + 2) / 2 = 3.0; the other seven (4 + 3) / 2 = 3.5.
    assert index.elements["U1"] == (2, 3.5, 87.5)
    assert index.elements["U4"] == (2, 3.0, 75.0)
    assert index.elements["U9"] == (2, 3.0, 75.0)
    # Weight 1/9 each: (7 x 3.5 + 3.0 + 3.0) / 9 = 30.5 / 9; x 25 = 84.72 -> B.
    assert index.index == pytest.approx(30.5 / 9 * 25)
    assert index.grade == ("B", "Baik")


def test_p90_is_the_nearest_rank() -> None:
    assert p90([1.0] * 9 + [10.0]) == 1.0  # ceil(9.0) = 9th of 10
    assert p90([1.0] * 8 + [10.0, 20.0]) == 10.0


def test_an_unknown_skm_marker_is_refused_at_deploy(tmp_path: Path) -> None:
    from tests.test_conventions import _problems, copy_process  # noqa: PLC0415

    def odd(name: str, document: dict) -> dict:
        if name == "konfirmasi_jawaban.schema.json":
            document["properties"]["nilai_kepuasan"]["x-skm"] = "U10"
        return document

    [problem] = _problems(*copy_process(tmp_path, edit_forms=odd))
    assert problem.startswith("konfirmasi_jawaban (Mengonfirmasi jawaban)")
    assert "x-skm \"U10\" tidak dikenal" in problem


def test_the_grade_is_worded_in_english_when_chosen(quality: Flask) -> None:
    _seed()
    client = quality.test_client()
    assert login(client, "kepala").status_code == 302
    refresh()  # the fixture holds one app context: forget the language the seeding used
    with time_machine.travel(NOW, tick=False):
        english = client.get("/laporan?dari=2026-11-30&sampai=2026-12-09&lang=en").get_data(
            as_text=True)
    # 87.50, grade B ("Baik", see the hand count above) reads "Good" in English.
    assert '<html lang="en">' in english
    assert "87.50" in english and "Good · " in english and "Baik · " not in english
