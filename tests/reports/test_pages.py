"""The report pages as people use them: the public recap, the report, downloads, the calendar."""

from __future__ import annotations

import csv
import io
import re
import zipfile

import time_machine
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner

from app.cases import service
from app.cases.events import PUBLIC
from tests.conftest import csrf_token_from, login
from tests.reports.helpers import at, case_of, complete, receive, wib
from tests.support import DELIVER, FORWARD, OFFICER, REJECT, START_DATA, STUDY_ALONE, TEAM

LATER = wib("2026-12-15", 10)
SECRET_SUBJECT = "Pungutan liar di loket rahasia sekali"


def _seed_recap() -> list[str]:
    """Six ordinary and three secret cases in November, two ordinary ones in October."""
    codes = []
    for n in range(6):
        codes.append(case_of(receive(wib("2026-11-02", 8 + n), judul=f"Perihal biasa {n}"))
                     .tracking_code)
    for n in range(3):
        receive(wib("2026-11-03", 8 + n), judul=SECRET_SUBJECT, rahasia=True)
    for n in range(2):
        receive(wib("2026-10-05", 8 + n), judul=f"Perihal Oktober {n}")
    return codes


def _received(page: str) -> dict[str, str]:
    """Month -> the "Diterima" cell's text, from the public page's table."""
    months = re.findall(r'<th scope="row" data-label="Bulan">([^<]+)</th>', page)
    cells = [re.sub(r"<[^>]+>", "", c).strip()
             for c in re.findall(r'<td data-label="Diterima">(.*?)</td>', page, re.S)]
    return dict(zip(months, cells, strict=True))


def test_the_public_recap_shows_no_secret_case_and_no_small_count(quality: Flask) -> None:
    codes = _seed_recap()
    with time_machine.travel(LATER, tick=False):
        page = quality.test_client().get("/transparansi").get_data(as_text=True)
    received = _received(page)
    assert received["2026-11"] == "6"  # the three secret cases are not counted
    assert received["2026-10"] == "kurang dari 5"  # two cases: suppressed
    assert received["2026-12"] == "kurang dari 5"  # none: a zero is below the threshold too
    for shown in received.values():
        assert shown == "kurang dari 5" or int(shown) >= 5
    assert SECRET_SUBJECT not in page and "Perihal biasa" not in page
    assert not any(code in page for code in codes)
    assert "Siti Aminah" not in page and "1605011201900001" not in page
    assert "Belum cukup penilaian" in page  # no ratings yet: no index published


def test_the_threshold_comes_from_the_configuration(quality: Flask) -> None:
    _seed_recap()
    quality.config["PUBLIC_MIN_COUNT"] = 2
    with time_machine.travel(LATER, tick=False):
        page = quality.test_client().get("/transparansi").get_data(as_text=True)
    assert _received(page)["2026-10"] == "2"


def _report_client(app: Flask, who: str = "kepala") -> FlaskClient:
    client = app.test_client()
    assert login(client, who).status_code == 302
    return client


def test_the_report_page_draws_charts_over_accessible_tables(site: Flask) -> None:
    with site.app_context():
        first = receive(wib("2026-11-30", 9))
        complete(wib("2026-11-30", 15), first, "verifikasi_pengaduan", FORWARD, OFFICER)
        receive(wib("2026-12-01", 9))
    with time_machine.travel(wib("2026-12-09", 10), tick=False):
        client = _report_client(site)
        page = client.get("/laporan?dari=2026-11-30&sampai=2026-12-09").get_data(as_text=True)
        served = client.get("/vendor/chart.js/dist/chart.umd.min.js")  # served by the app
        assert served.status_code == 200 and b"Chart" in served.data
        served.close()
    assert "Laporan mutu pelayanan" in page
    assert page.count("<canvas") >= 5 and 'data-table="tabel-tahap"' in page
    assert '<table class="data-table stack-on-phone" id="tabel-tahap">' in page
    assert "chart.js/dist/chart.umd.min.js" in page
    assert 'data-testid="tepat-waktu">0.0 %' in page  # both past their standard, unanswered


def test_the_downloads_hold_the_same_tables(site: Flask) -> None:
    with site.app_context():
        receive(wib("2026-11-30", 9))
    query = "dari=2026-11-30&sampai=2026-12-09"
    with time_machine.travel(wib("2026-12-09", 10), tick=False):
        client = _report_client(site, "auditor")
        text = client.get(f"/laporan/unduh.csv?{query}").get_data(as_text=True)
        workbook = client.get(f"/laporan/unduh.xlsx?{query}")
    rows = list(csv.reader(io.StringIO(text)))
    assert ["Periode", "Tepat waktu (%)", "Memenuhi standar", "Melewati standar",
            "Belum jatuh tempo"] in rows
    assert ["2026-W49", "0.0", "0", "1", "0"] in rows
    assert workbook.mimetype.endswith("spreadsheetml.sheet")
    with zipfile.ZipFile(io.BytesIO(workbook.data)) as archive:
        names = archive.namelist()
        assert "xl/workbook.xml" in names and "xl/worksheets/sheet1.xml" in names
        sheet = archive.read("xl/worksheets/sheet1.xml").decode()
    assert "2026-W49" in sheet and "Tepat waktu (%)" in sheet


def test_a_late_case_says_so_on_its_public_page_and_in_the_overdue_list(site: Flask) -> None:
    with site.app_context():
        submitted = at(wib("2026-11-30", 9),
                       lambda: service.submit_case(dict(START_DATA), PUBLIC))
    code = submitted.case.tracking_code
    public = site.test_client()
    with time_machine.travel(wib("2026-12-04", 10), tick=False):
        on_time = public.get(f"/lacak/{code}?kode={submitted.access_code}",
                             follow_redirects=True).get_data(as_text=True)
    with time_machine.travel(wib("2026-12-09", 10), tick=False):
        lead, admin = _report_client(site, "tim"), _report_client(site, "admin")
        late = public.get(f"/lacak/{code}?kode={submitted.access_code}",
                          follow_redirects=True).get_data(as_text=True)
        listing = lead.get("/laporan/terlambat").get_data(as_text=True)
        desk = admin.get("/laporan/terlambat?lajur=Petugas Pengelola Layanan Pengaduan"
                         ).get_data(as_text=True)
    assert code in on_time and "Batas waktu jawaban telah lewat" not in on_time
    assert code in late and "Batas waktu jawaban telah lewat" in late
    assert "tetap ditangani sampai dijawab" in late  # and what happens next
    # The team lead's list is the team's lane: this case waits at the desk officer instead.
    assert code not in listing and "Tidak ada kasus di lajur ini" in listing
    assert code in desk and "2 hari kerja" in desk  # due Mon 7 Dec; Tue and Wed since


def test_the_calendar_page_adds_and_refuses_days(site: Flask) -> None:
    with site.app_context():
        receive(wib("2026-12-23", 10))
    with time_machine.travel(wib("2026-12-23", 12), tick=False):
        client = _report_client(site, "admin")
        token = csrf_token_from(client.get("/admin/kalender").get_data(as_text=True))
        added = client.post("/admin/kalender", data={
            "csrf_token": token, "tanggal": "2026-12-24", "keterangan": "Cuti bersama Natal"},
            follow_redirects=True).get_data(as_text=True)
        again = client.post("/admin/kalender", data={
            "csrf_token": token, "tanggal": "2026-12-25", "keterangan": "Natal"})
        bad = client.post("/admin/kalender", data={
            "csrf_token": token, "tanggal": "24-12-2026", "keterangan": "Natal"})
    assert "batas waktu 1 kasus berjalan digeser" in added and "Cuti bersama Natal" in added
    assert again.status_code == 400 and "sudah bukan hari kerja" in again.get_data(as_text=True)
    assert bad.status_code == 400 and "Tanggal tidak valid" in bad.get_data(as_text=True)
    assert 'value="Natal"' in bad.get_data(as_text=True)  # what was typed is kept


def test_the_calendar_commands(quality: Flask, runner: FlaskCliRunner) -> None:
    with time_machine.travel(wib("2026-12-01", 9), tick=False):
        empty = runner.invoke(args=["calendar", "list"])
        added = runner.invoke(args=["calendar", "add-day", "2026-12-24", "--reason",
                                    "Cuti bersama Natal"])
        listed = runner.invoke(args=["calendar", "list"])
        removed = runner.invoke(args=["calendar", "remove-day", "2026-12-24"])
        missing = runner.invoke(args=["calendar", "remove-day", "2026-12-24"])
    assert empty.exit_code == 0 and "Belum ada hari libur tambahan" in empty.output
    assert added.exit_code == 0 and "2026-12-24 menjadi hari libur" in added.output
    assert "Belum ada" not in listed.output
    assert "2026-12-24  Cuti bersama Natal  (cli)" in listed.output
    assert removed.exit_code == 0 and "kembali hari kerja" in removed.output
    assert missing.exit_code == 1 and "bukan hari libur tambahan" in missing.output


def test_after_a_rejection_the_public_page_shows_the_second_rounds_deadline(site: Flask) -> None:
    with site.app_context():
        submitted = at(wib("2026-11-30", 9), lambda: service.submit_case(dict(START_DATA), PUBLIC))
        case_id = submitted.case.id
        complete(wib("2026-11-30", 10), case_id, "verifikasi_pengaduan", FORWARD, OFFICER)
        complete(wib("2026-11-30", 11), case_id, "telaah_pengaduan", STUDY_ALONE, TEAM)
        complete(wib("2026-11-30", 12), case_id, "susun_jawaban", {"jawaban": "Sudah."}, TEAM)
        complete(wib("2026-11-30", 13), case_id, "sampaikan_jawaban", DELIVER, OFFICER)
        complete(wib("2026-12-08", 9), case_id, "konfirmasi_jawaban", REJECT, PUBLIC)
    public = site.test_client()
    with time_machine.travel(wib("2026-12-10", 10), tick=False):
        page = public.get(f"/lacak/{submitted.case.tracking_code}?kode={submitted.access_code}",
                          follow_redirects=True).get_data(as_text=True)
    # First round due Mon 7 Dec (met); rejected Tue 8 Dec: the new answer is due Tue 15 Dec.
    deadline = re.search(r'id="batas-waktu">([^<]+)<', page)
    assert deadline and deadline.group(1).strip() == "Selasa, 15 Desember 2026"
    assert "Batas waktu jawaban telah lewat" not in page
