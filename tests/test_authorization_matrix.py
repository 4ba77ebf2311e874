"""Every route × every role, against an explicit table: who gets in, who is refused, and how.

Each staff user signs in and posts with their own CSRF token, so a refusal is the permission
check (exactly 403), never a missing token (400). A new route without a row here fails the suite.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from werkzeug.test import TestResponse

from app.auth.models import RoleAssignment
from app.auth.service import get_user_by_username
from app.cases.events import PUBLIC
from app.cases.models import HumanTask, Timer
from app.cases.service import submit_case
from app.db import get_session
from app.notify.models import Outbox
from app.processes.service import deploy_file
from tests.conftest import csrf_token_from, login
from tests.support import ROOT, START_DATA

STAFF = ("petugas", "tim", "tim2", "teknis_pp", "teknis_pcs", "pemilik", "auditor", "admin",
         "kepala")
PUBLIC_VISITORS = ("anonymous", "wrong_code")
EVERYONE = (*STAFF, *PUBLIC_VISITORS)
LANES = ("petugas", "tim", "tim2", "teknis_pp", "teknis_pcs")

# Outcomes, as the visitor sees them.
OPEN = "open"            # let through the permission check (page, redirect, form error, 409 …)
LOGIN = "login"          # sent to the sign-in page
FORBIDDEN = "forbidden"  # exactly 403 "Akses ditolak"
NOT_FOUND = "not found"  # 404: unknown, or not opened with the access code (same answer)
ASKS_CODE = "asks code"  # the tracking page asks for the access code and shows nothing else


def staff_only(*allowed: str, outcome: str = OPEN) -> dict[str, str]:
    """ALLOWED staff get OUTCOME, other staff 403, the public the sign-in page."""
    table = {user: (outcome if user in allowed else FORBIDDEN) for user in STAFF}
    return {**table, "anonymous": LOGIN, "wrong_code": LOGIN}


def everyone(outcome: str = OPEN, **exceptions: str) -> dict[str, str]:
    """Every visitor gets OUTCOME, but for the named EXCEPTIONS."""
    return {user: exceptions.get(user, outcome) for user in EVERYONE}


def public_case(outcome_for_all: str) -> dict[str, str]:
    """A page of the case opened with the access code: nobody here has opened it."""
    return everyone(outcome_for_all)


@dataclass(frozen=True)
class Row:
    """One route and method, the address tried, and what each visitor must get."""

    rule: str
    method: str
    url: str
    expected: dict[str, str]


def table() -> list[Row]:
    """The expectations. Placeholders in URLs: {task} {tracking} {version} {user} {assignment}
    {message}."""
    return [
        Row("/", "GET", "/", everyone()),
        Row("/healthz", "GET", "/healthz", everyone()),
        Row("/vendor/<path:filename>", "GET", "/vendor/@picocss/pico/css/pico.min.css",
            everyone()),
        Row("/static/<path:filename>", "GET", "/static/tidak-ada.css", everyone(NOT_FOUND)),
        Row("/static/web/<path:filename>", "GET", "/static/web/favicon.svg", everyone()),
        Row("/static/public/<path:filename>", "GET", "/static/public/public.css", everyone()),
        Row("/static/formrender/<path:filename>", "GET", "/static/formrender/conditional.js",
            everyone()),
        Row("/audit/static/audit/<path:filename>", "GET", "/audit/static/audit/audit.css",
            everyone()),
        Row("/proses/static/processes/<path:filename>", "GET",
            "/proses/static/processes/diagram.js", everyone()),
        Row("/tugas/static/inbox/<path:filename>", "GET", "/tugas/static/inbox/inbox.css",
            everyone()),
        # Sign-in and sign-out.
        Row("/masuk", "GET", "/masuk", everyone()),
        Row("/masuk", "POST", "/masuk", everyone()),
        Row("/keluar", "POST", "/keluar", everyone()),
        # The public portal.
        Row("/pengaduan/baru", "GET", "/pengaduan/baru", everyone()),
        Row("/pengaduan/baru", "POST", "/pengaduan/baru", everyone()),
        Row("/pengaduan/terkirim", "GET", "/pengaduan/terkirim", everyone()),
        Row("/lacak", "GET", "/lacak", everyone(ASKS_CODE)),
        Row("/lacak", "POST", "/lacak", everyone(ASKS_CODE)),
        Row("/lacak/lupa-kode", "GET", "/lacak/lupa-kode", everyone()),
        Row("/lacak/lupa-kode", "POST", "/lacak/lupa-kode", everyone()),
        Row("/lacak/<tracking_code>", "GET", "/lacak/{tracking}", public_case(ASKS_CODE)),
        Row("/lacak/<tracking_code>/keluar", "POST", "/lacak/{tracking}/keluar", everyone()),
        Row("/lacak/<tracking_code>/tugas/<task_id>", "GET", "/lacak/{tracking}/tugas/{task}",
            public_case(NOT_FOUND)),
        Row("/lacak/<tracking_code>/tugas/<task_id>", "POST", "/lacak/{tracking}/tugas/{task}",
            public_case(NOT_FOUND)),
        Row("/lacak/<tracking_code>/lampiran/<attachment_id>", "GET",
            "/lacak/{tracking}/lampiran/x", public_case(NOT_FOUND)),
        # The desk officer's registration of complaints from other channels.
        Row("/registrasi", "GET", "/registrasi", staff_only("petugas")),
        Row("/registrasi", "POST", "/registrasi", staff_only("petugas")),
        Row("/registrasi/terdaftar", "GET", "/registrasi/terdaftar", staff_only("petugas")),
        # The task inbox: lane holders; the supervision list for the team lead and admins.
        Row("/tugas/", "GET", "/tugas/", staff_only(*LANES, "admin")),
        Row("/tugas/<any(antrean, selesai, semua):view>", "GET", "/tugas/antrean",
            staff_only(*LANES)),
        Row("/tugas/<any(antrean, selesai, semua):view>", "GET", "/tugas/semua",
            staff_only("tim", "admin")),
        # The ready task is the desk officer's verification.
        Row("/tugas/<task_id>", "GET", "/tugas/{task}", staff_only("petugas")),
        Row("/tugas/<task_id>", "POST", "/tugas/{task}", staff_only("petugas")),
        Row("/tugas/<task_id>/ambil", "POST", "/tugas/{task}/ambil", staff_only("petugas")),
        Row("/tugas/<task_id>/lepas", "POST", "/tugas/{task}/lepas", staff_only("petugas")),
        Row("/tugas/<task_id>/alihkan", "POST", "/tugas/{task}/alihkan", staff_only("admin")),
        Row("/tugas/<task_id>/lampiran/<attachment_id>", "GET", "/tugas/{task}/lampiran/x",
            staff_only("petugas", outcome=NOT_FOUND)),
        # The desk's work: internal notes, bulk claim, bulk assignment by a lane's lead.
        Row("/tugas/<task_id>/catatan", "POST", "/tugas/{task}/catatan", staff_only("petugas")),
        Row("/tugas/ambil-banyak", "POST", "/tugas/ambil-banyak", staff_only(*LANES)),
        Row("/tugas/alihkan-banyak", "POST", "/tugas/alihkan-banyak", staff_only("tim", "admin")),
        # The case list: lane holders and admins; a search by identity for the desk officer only.
        Row("/perkara/", "GET", "/perkara/", staff_only(*LANES, "admin")),
        Row("/perkara/", "GET", "/perkara/?cari=1605011201900001&menurut=nik",
            staff_only("petugas")),
        Row("/perkara/pemberitahuan", "GET", "/perkara/pemberitahuan",
            staff_only(*LANES, "admin")),
        Row("/perkara/pemberitahuan", "POST", "/perkara/pemberitahuan",
            staff_only(*LANES, "admin")),
        # Processes: owners deploy; owners and admins read.
        Row("/proses/", "GET", "/proses/", staff_only("pemilik", "admin")),
        Row("/proses/pasang", "POST", "/proses/pasang", staff_only("pemilik")),
        Row("/proses/<int:version_id>", "GET", "/proses/{version}",
            staff_only("pemilik", "admin")),
        Row("/proses/<int:version_id>/diagram.bpmn", "GET", "/proses/{version}/diagram.bpmn",
            staff_only("pemilik", "admin")),
        Row("/proses/<int:version_id>/formulir/<filename>", "GET",
            "/proses/{version}/formulir/pengajuan.schema.json",
            staff_only("pemilik", "admin")),
        # Versions: the diff for owners and admins; migrating cases for owners only.
        Row("/proses/beda", "GET", "/proses/beda?baru={version}", staff_only("pemilik", "admin")),
        Row("/proses/<int:version_id>/migrasi", "GET", "/proses/{version}/migrasi",
            staff_only("pemilik")),
        Row("/proses/<int:version_id>/migrasi", "POST", "/proses/{version}/migrasi",
            staff_only("pemilik")),
        # Audit: auditors only (a process owner needs the Auditor role as well).
        Row("/audit/", "GET", "/audit/", staff_only("auditor")),
        # The modeler (issue 10): process owners only.
        Row("/proses/modeler/", "GET", "/proses/modeler/", staff_only("pemilik")),
        Row("/proses/modeler/<int:version_id>", "GET", "/proses/modeler/{version}",
            staff_only("pemilik")),
        Row("/proses/modeler/konvensi.json", "GET", "/proses/modeler/konvensi.json",
            staff_only("pemilik")),
        Row("/proses/modeler/periksa", "POST", "/proses/modeler/periksa", staff_only("pemilik")),
        Row("/proses/modeler/pasang", "POST", "/proses/modeler/pasang", staff_only("pemilik")),
        Row("/proses/modeler/formulir/pratinjau", "POST", "/proses/modeler/formulir/pratinjau",
            staff_only("pemilik")),
        Row("/audit/kasus/<tracking_code>", "GET", "/audit/kasus/{tracking}",
            staff_only("auditor")),
        Row("/audit/kasus/<tracking_code>/diagram.bpmn", "GET",
            "/audit/kasus/{tracking}/diagram.bpmn", staff_only("auditor")),
        Row("/audit/kasus/<tracking_code>/peristiwa.json", "GET",
            "/audit/kasus/{tracking}/peristiwa.json", staff_only("auditor")),
        Row("/audit/kasus/<tracking_code>/identitas", "POST",
            "/audit/kasus/{tracking}/identitas", staff_only("auditor")),
        Row("/audit/kasus.csv", "GET", "/audit/kasus.csv", staff_only("auditor")),
        Row("/audit/peristiwa.csv", "GET", "/audit/peristiwa.csv", staff_only("auditor")),
        Row("/audit/log.xes", "GET", "/audit/log.xes", staff_only("auditor")),
        Row("/audit/peta-panas", "GET", "/audit/peta-panas", staff_only("auditor")),
        Row("/audit/versi/<int:version_id>/diagram.bpmn", "GET",
            "/audit/versi/{version}/diagram.bpmn", staff_only("auditor")),
        Row("/audit/verifikasi", "GET", "/audit/verifikasi", staff_only("auditor")),
        # Administration.
        Row("/admin/pengguna", "GET", "/admin/pengguna", staff_only("admin")),
        Row("/admin/pengguna/baru", "GET", "/admin/pengguna/baru", staff_only("admin")),
        Row("/admin/pengguna/baru", "POST", "/admin/pengguna/baru", staff_only("admin")),
        Row("/admin/pengguna/<int:user_id>", "GET", "/admin/pengguna/{user}", staff_only("admin")),
        Row("/admin/pengguna/<int:user_id>", "POST", "/admin/pengguna/{user}",
            staff_only("admin")),
        Row("/admin/pengguna/<int:user_id>/peran", "POST", "/admin/pengguna/{user}/peran",
            staff_only("admin")),
        Row("/admin/peran/<int:assignment_id>/cabut", "POST", "/admin/peran/{assignment}/cabut",
            staff_only("admin")),
        Row("/admin/outbox", "GET", "/admin/outbox", staff_only("admin")),
        Row("/admin/outbox/<int:message_id>/ulang", "POST", "/admin/outbox/{message}/ulang",
            staff_only("admin")),
        Row("/admin/timer", "GET", "/admin/timer", staff_only("admin")),
        Row("/admin/timer/<int:timer_id>/coba-lagi", "POST", "/admin/timer/{timer}/coba-lagi",
            staff_only("admin")),
        # Service quality (app/reports): the office head's reports, the leads' overdue lists.
        Row("/laporan", "GET", "/laporan", staff_only("admin", "auditor", "kepala")),
        Row("/laporan/unduh.<fmt>", "GET", "/laporan/unduh.csv",
            staff_only("admin", "auditor", "kepala")),
        Row("/laporan/terlambat", "GET", "/laporan/terlambat", staff_only("admin", "tim")),
        Row("/transparansi", "GET", "/transparansi", everyone()),
        Row("/static/reports/<path:filename>", "GET", "/static/reports/reports.js", everyone()),
        Row("/admin/kalender", "GET", "/admin/kalender", staff_only("admin")),
        Row("/admin/kalender", "POST", "/admin/kalender", staff_only("admin")),
        Row("/admin/kalender/<day>/hapus", "POST", "/admin/kalender/2026-12-24/hapus",
            staff_only("admin")),
    ]


def _routes(app: Flask) -> set[tuple[str, str]]:
    return {(rule.rule, method) for rule in app.url_map.iter_rules()
            for method in rule.methods or () if method not in ("HEAD", "OPTIONS")}


def test_every_route_has_a_row_in_the_table(app: Flask) -> None:
    rows = {(row.rule, row.method) for row in table()}
    assert sorted(_routes(app) - rows) == [], "add the new route to the authorization table"
    assert sorted(rows - _routes(app)) == [], "the table names a route that no longer exists"
    for row in table():
        assert set(row.expected) == set(EVERYONE), row


@pytest.fixture
def world(app: Flask, demo_users: list[str]) -> Iterator[dict[str, Any]]:
    """The diagram deployed, one submitted case waiting for the desk officer, ids to fill URLs."""
    with app.app_context():
        version = deploy_file(ROOT / "process" / "pengaduan.bpmn", ROOT / "forms").version
        case = submit_case({**START_DATA, "email": "siti@example.com"}, PUBLIC).case
        session = get_session()
        task = session.scalars(select(HumanTask).where(HumanTask.case_id == case.id)).one()
        tim2 = get_user_by_username("tim2")
        assert tim2 is not None
        assignment = session.scalars(
            select(RoleAssignment).where(RoleAssignment.user_id == tim2.id)).first()
        message = session.scalars(select(Outbox)).first()
        timer = session.scalars(select(Timer).where(Timer.case_id == case.id)).first()
        assert assignment is not None and message is not None and timer is not None
        yield {"task": task.id, "tracking": case.tracking_code, "version": version.id,
               "user": tim2.id, "assignment": assignment.id, "message": message.id,
               "timer": timer.id}


def _visitor(app: Flask, who: str, tracking: str) -> tuple[FlaskClient, str]:
    """A client for WHO and that client's own CSRF token."""
    client = app.test_client()
    if who in STAFF:
        assert login(client, who).status_code == 302
        return client, csrf_token_from(client.get("/").get_data(as_text=True))
    page = client.get("/lacak").get_data(as_text=True)
    token = csrf_token_from(page)
    if who == "wrong_code":
        client.post("/lacak", data={"csrf_token": token, "nomor": tracking, "kode": "AAAA-BBBB"})
    return client, token


def outcome(response: TestResponse) -> str:
    """What the visitor got, in the table's words."""
    status = response.status_code
    assert status < 500, response.get_data(as_text=True)[:2000]
    if status == 302 and response.headers["Location"].startswith("/masuk"):
        return LOGIN
    if status == 403:
        assert "Akses ditolak" in response.get_data(as_text=True)
        return FORBIDDEN
    if status == 404:
        return NOT_FOUND
    if status == 200 and 'name="kode"' in response.get_data(as_text=True):
        return ASKS_CODE
    if status == 400:
        # A refused CSRF token would prove nothing about permissions.
        assert "Muat ulang halaman" not in response.get_data(as_text=True), response.request.url
    return OPEN


@pytest.mark.parametrize("who", EVERYONE)
def test_each_visitor_reaches_exactly_what_the_table_says(
    app: Flask, world: dict[str, Any], who: str
) -> None:
    client, token = _visitor(app, who, world["tracking"])
    # Signing out last: every other request runs in the visitor's own session.
    rows = sorted(table(), key=lambda row: row.rule == "/keluar")
    got: dict[str, str] = {}
    for row in rows:
        url = row.url.format(**world)
        if row.method == "GET":
            response = client.get(url)
        else:
            response = client.post(url, data={"csrf_token": token})
        got[f"{row.method} {url}"] = outcome(response)
        response.close()  # file responses hold their file open until closed
    wanted = {f"{row.method} {row.url.format(**world)}": row.expected[who] for row in rows}
    wrong = {key: f"got {got[key]}, table says {wanted[key]}"
             for key in wanted if got[key] != wanted[key]}
    assert wrong == {}
