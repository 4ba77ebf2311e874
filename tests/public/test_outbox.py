"""The e-mail outbox: messages queued with the step that causes them, sent later, never lost."""

from __future__ import annotations

import socket
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from app.cases import service
from app.cases.events import PUBLIC
from app.cases.models import Case
from app.cases.signals import events_recorded
from app.db import get_session
from app.notify.models import Outbox
from app.notify.service import MAX_ATTEMPTS, REDACTED, backoff, recipient, send_due
from app.reports import reminders
from tests.conftest import login
from tests.public.conftest import (
    ANONYMOUS,
    answer,
    post_form,
    ready,
    staff_step,
    submit_ok,
)
from tests.public.smtp_sink import smtp_sink
from tests.support import ASK_DATA, FORWARD, OFFICER

START = {
    "kanal": "online",
    "jenis": "keluhan",
    "layanan": "kk",
    "judul": "KK belum diperbarui",
    "uraian": "Sudah tiga minggu KK saya belum diperbarui setelah pindah.",
    "nama": "Warga Uji",
    "email": "warga@example.com",
    "anonim": False,
    "rahasia": False,
}


def _messages(app: Flask) -> list[Outbox]:
    with app.app_context():
        return list(get_session().scalars(select(Outbox).order_by(Outbox.id)))


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_receipt_is_queued_with_the_case_and_carries_no_access_code(
    portal: Flask, client: FlaskClient
) -> None:
    sent = submit_ok(client)
    [receipt] = _messages(portal)
    assert (receipt.kind, receipt.status) == ("receipt", "queued")
    with portal.app_context():
        assert recipient(receipt) == ANONYMOUS["email"]
    assert ANONYMOUS["email"] not in receipt.to  # the address stays in the encrypted identity
    assert sent.tracking in receipt.subject and sent.tracking in receipt.body
    assert sent.code not in receipt.body and ANONYMOUS["nama"] not in receipt.body


def test_the_access_code_is_mailed_only_when_asked(portal: Flask, client: FlaskClient) -> None:
    sent = submit_ok(client, {**ANONYMOUS, "kirim_kode_surel": "true"})
    assert "juga dikirim ke surel Anda" in sent.page
    kinds = {m.kind: m for m in _messages(portal)}
    assert set(kinds) == {"receipt", "access_code"}
    assert sent.code in kinds["access_code"].body and kinds["access_code"].sensitive


def test_a_failed_step_queues_nothing(portal: Flask) -> None:
    def explode(*_: Any, **__: Any) -> None:
        raise RuntimeError("a later subscriber fails")

    events_recorded.connect(explode)
    try:
        with portal.app_context(), pytest.raises(RuntimeError):
            service.submit_case(START, PUBLIC)
    finally:
        events_recorded.disconnect(explode)
    with portal.app_context():
        assert get_session().scalars(select(Case)).all() == []
    assert _messages(portal) == []


def test_data_request_and_answer_are_mailed(portal: Flask, client: FlaskClient) -> None:
    sent = submit_ok(client)
    staff_step(portal, sent.tracking, "verifikasi_pengaduan", ASK_DATA, OFFICER)
    request = _messages(portal)[-1]
    assert request.kind == "data_request"
    assert "Mohon kirim foto bukti perekaman KTP-el." in request.body
    [task] = [t.id for t in ready(portal, sent.tracking) if t.lane == "Pelanggan"]
    post_form(
        client, f"/lacak/{sent.tracking}/tugas/{task}", {"data_tambahan": "Sudah saya kirim."}
    )
    staff_step(portal, sent.tracking, "verifikasi_pengaduan", FORWARD, OFFICER)
    answer(portal, sent.tracking, "KTP-el Anda sudah dicetak dan dapat diambil.")
    mail = _messages(portal)[-1]
    assert mail.kind == "answer" and "KTP-el Anda sudah dicetak dan dapat diambil." in mail.body
    assert [m.kind for m in _messages(portal)] == ["receipt", "data_request", "answer"]


def test_sla_breach_goes_into_the_next_digest_not_one_mail_per_case(
        portal: Flask, demo_users: list[str]) -> None:
    monday = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)
    with time_machine.travel(monday, tick=False), portal.app_context():
        service.submit_case(START, PUBLIC)
    with time_machine.travel(monday + timedelta(days=10), tick=False), portal.app_context():
        assert service.fire_due_timers() == 1
        assert [m for m in _messages(portal) if m.kind == "sla_breached"] == []
        reminders.send_digests()  # Thursday 10 December, 09:00 WIB (app/reports/reminders.py)
    [digest] = [m for m in _messages(portal) if m.kind == "digest"]
    # The case waits at the desk officer: the digest is theirs, the team lead's inbox stays calm.
    assert digest.to == "petugas@example.go.id"
    assert "Warga Uji" not in digest.body and "ADU-2026-000001" in digest.body


def test_a_failing_smtp_server_leaves_messages_queued(portal: Flask, client: FlaskClient) -> None:
    submit_ok(client)
    portal.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=_closed_port(), MAIL_TIMEOUT=2)
    with portal.app_context():
        report = send_due()
    assert (report.sent, report.failed, report.remaining) == (0, 1, 1)
    [message] = _messages(portal)
    assert (message.status, message.attempts) == ("queued", 1)
    assert message.last_error and "Connection refused" in message.last_error
    assert message.next_attempt_at > message.created_at
    with portal.app_context():
        assert send_due().failed == 0  # not due again yet: nothing tried
    assert _messages(portal)[0].attempts == 1


def test_backoff_doubles_and_gives_up_into_failed_then_resent_by_an_admin(
    portal: Flask, client: FlaskClient, demo_users: list[str]
) -> None:
    assert [backoff(n).total_seconds() for n in (1, 2, 3)] == [60, 120, 240]
    assert backoff(20) == timedelta(hours=2)
    submit_ok(client)
    portal.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=_closed_port(), MAIL_TIMEOUT=2)
    moment = datetime.now(UTC)
    for _ in range(MAX_ATTEMPTS):
        moment += timedelta(hours=3)
        with time_machine.travel(moment, tick=False), portal.app_context():
            send_due()
    [message] = _messages(portal)
    assert (message.status, message.attempts) == ("failed", MAX_ATTEMPTS)
    admin = portal.test_client()
    login(admin, "admin")
    post_form(admin, "/admin/outbox", {}, post_url=f"/admin/outbox/{message.id}/ulang")
    assert _messages(portal)[0].status == "queued"


def test_a_working_smtp_server_marks_messages_sent(
    portal: Flask, client: FlaskClient, runner: Any
) -> None:
    sent = submit_ok(client, {**ANONYMOUS, "kirim_kode_surel": "true"})
    with smtp_sink() as sink:
        portal.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=sink.port)
        result = runner.invoke(args=["outbox", "send"])
    assert "2 terkirim, 0 gagal" in result.output
    assert sorted(m["Subject"] for m in sink.messages) == sorted(
        [f"Pengaduan {sent.tracking} telah diterima", f"Kode akses pengaduan {sent.tracking}"]
    )
    assert all(m["To"] == ANONYMOUS["email"] for m in sink.messages)
    messages = _messages(portal)
    assert {m.status for m in messages} == {"sent"}
    code_mail = next(m for m in messages if m.kind == "access_code")
    assert code_mail.body == REDACTED  # the code does not stay in the database


def test_show_mode_sends_nothing(portal: Flask, client: FlaskClient, runner: Any) -> None:
    submit_ok(client)
    portal.config["OUTBOX_DELIVERY"] = "show"
    result = runner.invoke(args=["outbox", "send"])
    assert "/admin/outbox" in result.output
    assert _messages(portal)[0].attempts == 0


def test_the_outbox_page_is_for_administrators_and_masks_anonymous_addresses(
    portal: Flask, client: FlaskClient, app: Flask, demo_users: list[str]
) -> None:
    submit_ok(client, {**ANONYMOUS, "kirim_kode_surel": "true"})
    team = app.test_client()
    login(team, "tim")
    assert team.get("/admin/outbox").status_code == 403
    admin = app.test_client()
    login(admin, "admin")
    page = admin.get("/admin/outbox").get_data(as_text=True)
    assert "telah diterima" in page and "s***@example.com" in page
    assert ANONYMOUS["email"] not in page
    assert "tidak ditampilkan" in page  # the access-code mail's body
