"""Turning recorded case events into outbox messages, inside the step's own transaction."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..auth.roles import PELANGGAN
from ..auth.service import team_leads
from ..cases import queries
from ..cases.identity import contact_email
from ..cases.models import Case, CaseEvent, HumanTask
from ..public import wording
from ..public.links import base_url, tracking_url
from .service import COMPLAINANT, access_code_message, add_message

SIGNATURE = (
    "\n\nSalam,\nPetugas Pengelola Layanan Pengaduan\n"
    "Dinas Kependudukan dan Catatan Sipil Kabupaten Musi Rawas\n\n"
    "Pesan ini dikirim otomatis; mohon tidak membalas surel ini."
)


def on_events_recorded(session: Session, case: Case, events: list[CaseEvent],
                       access_code: str | None = None, **_: Any) -> None:
    """Queue the e-mails the events call for, in the same transaction as the events."""
    if not events:
        return
    # The address is read only to know whether to write; the row names "the complainant".
    email = COMPLAINANT if _complainant_email(session, case) else None
    for event in events:
        if event.type == "case_submitted" and email:
            _receipt(session, case, email)
            if access_code:
                access_code_message(session, case, access_code, email)
        elif event.type == "case_closed" and email:
            _closed(session, case, event, email)
        elif event.type == "sla_breached":
            _sla_breached(session, case)
    if email:
        for task in _new_public_tasks(session, case, events[0].occurred_at):
            _public_task(session, case, task, email)


def _complainant_email(session: Session, case: Case) -> str | None:
    return contact_email(case.id, session)


def _new_public_tasks(session: Session, case: Case, since: datetime) -> list[HumanTask]:
    return list(session.scalars(
        select(HumanTask).where(
            HumanTask.case_id == case.id, HumanTask.status == "ready",
            HumanTask.lane == PELANGGAN, HumanTask.created_at >= since,
        ).order_by(HumanTask.created_at)
    ))


def _receipt(session: Session, case: Case, email: str) -> None:
    body = (
        "Yth. Bapak/Ibu,\n\n"
        f"Pengaduan Anda \"{case.subject}\" telah kami terima dengan nomor pelacakan "
        f"{case.tracking_code}.\n\n"
        "Standar pelayanan kami: pengaduan dijawab paling lama 5 hari kerja.\n"
        f"Pantau perkembangannya di {tracking_url(case.tracking_code)} dengan nomor pelacakan dan "
        "kode akses yang ditampilkan saat pengaduan dikirim. Demi keamanan, kode akses tidak "
        "dikirim lewat surel kecuali Anda memintanya."
    )
    add_message(session, email, f"Pengaduan {case.tracking_code} telah diterima", body + SIGNATURE,
                kind="receipt", case_id=case.id)


def _public_task(session: Session, case: Case, task: HumanTask, email: str) -> None:
    entries = queries.history(case, session)
    link = tracking_url(case.tracking_code)
    if task.bpmn_id == "lengkapi_data":
        request = wording.requested_data(entries) or "(lihat halaman pelacakan)"
        subject = f"Pengaduan {case.tracking_code}: mohon lengkapi data"
        body = (
            "Yth. Bapak/Ibu,\n\nPetugas memerlukan data tambahan untuk memproses pengaduan "
            f"{case.tracking_code}:\n\n{request}\n\n"
            f"Lengkapi data di {link} dalam 10 hari kerja. Tanpa balasan, pengaduan ditutup "
            "otomatis."
        )
        kind = "data_request"
    elif task.bpmn_id == "konfirmasi_jawaban":
        answers = wording.delivered_answers(entries)
        text = answers[-1].text if answers else "(lihat halaman pelacakan)"
        subject = f"Jawaban atas pengaduan {case.tracking_code}"
        body = (
            f"Yth. Bapak/Ibu,\n\nBerikut jawaban atas pengaduan {case.tracking_code}:\n\n{text}\n\n"
            f"Mohon nyatakan apakah jawaban ini sesuai harapan Anda dan beri penilaian di {link}. "
            "Bila belum sesuai, pengaduan akan ditelaah ulang."
        )
        kind = "answer"
    else:
        subject = f"Pengaduan {case.tracking_code}: {task.public_status or task.name}"
        body = f"Yth. Bapak/Ibu,\n\nAda yang perlu Anda lakukan untuk pengaduan ini di {link}."
        kind = "task"
    add_message(session, email, subject, body + SIGNATURE, kind=kind, case_id=case.id)


def _closed(session: Session, case: Case, event: CaseEvent, email: str) -> None:
    if event.bpmn_id == "akhir_selesai":
        return  # the complainant closed it themselves by accepting the answer
    body = f"Yth. Bapak/Ibu,\n\nPengaduan {case.tracking_code} ditutup: {case.outcome_label}."
    kind = "closed"
    found = wording.referral(queries.history(case, session))
    if found is not None:
        body += f"\n\nPengaduan Anda dirujuk ke {found.agency}.\n\n{found.message}"
        kind = "referral"
    body += f"\n\nRincian: {tracking_url(case.tracking_code)}"
    add_message(session, email, f"Pengaduan {case.tracking_code} ditutup", body + SIGNATURE,
                kind=kind, case_id=case.id)


def _sla_breached(session: Session, case: Case) -> None:
    """Tell each team lead; the message names the case, never the complainant."""
    for lead in team_leads():
        if not lead.email:
            continue
        body = (
            f"Yth. {lead.full_name},\n\nPengaduan {case.tracking_code} (\"{case.subject}\") belum "
            "dijawab dalam standar pelayanan 5 hari kerja. Mohon segera ditindaklanjuti.\n\n"
            f"Kotak tugas: {base_url()}/tugas"
        )
        add_message(session, lead.email, f"Standar layanan terlampaui: {case.tracking_code}",
                    body + SIGNATURE, kind="sla_breached", case_id=case.id)
