"""What the public may read about a case, in plain Indonesian: timeline, requests, answers.

Everything here is derived from the event log. Staff names and ids never appear: an event's actor
is read only to tell "Anda" (the public) from "petugas" (anyone on the office's side).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask_babel import gettext as _

from ..cases.queries import HistoryEntry


def N_(message: str) -> str:  # noqa: N802 - the name gettext tools look for
    """Mark MESSAGE for the catalog; it is translated with `_` where it is shown."""
    return message


KANAL_LABELS = {
    "online": N_("portal daring"),
    "kotak_saran": N_("kotak saran/pengaduan"),
    "surat": N_("surat"),
    "telepon": N_("telepon"),
    "langsung": N_("kedatangan langsung"),
    "instansi_lain": N_("SKPD/instansi lain"),
    "lapor": "SP4N-LAPOR!",
    "email": N_("surel"),
}

# task_completed events the public sees, by BPMN id; a callable picks the wording from the data.
VERIFIKASI = {
    "teruskan": N_("Pengaduan lengkap dan diteruskan ke Tim Penanganan Pengaduan"),
    "minta_data": N_("Petugas meminta Anda melengkapi data"),
    "bukan_wewenang": N_(
        "Pengaduan bukan wewenang Disdukcapil dan akan dirujuk ke instansi berwenang"
    ),
}


@dataclass(frozen=True)
class TimelineItem:
    """One line of the public timeline."""

    occurred_at: datetime
    text: str
    by_you: bool = False


@dataclass(frozen=True)
class Answer:
    """An answer delivered to the complainant, with the attachments that came with it."""

    text: str
    delivered_at: datetime
    attachment_ids: tuple[str, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class Referral:
    """Where a complaint outside the office's authority was sent, and the office's message."""

    agency: str
    message: str
    referred_at: datetime


def _form(entry: HistoryEntry) -> dict[str, Any]:
    data = entry.data.get("data")
    return data if isinstance(data, dict) else {}


def _completions(entries: Iterable[HistoryEntry], bpmn_id: str) -> list[HistoryEntry]:
    return [e for e in entries if e.type == "task_completed" and e.bpmn_id == bpmn_id]


# Tasks whose completion reads the same whatever was filled in.
FIXED_TEXTS = {
    "tindak_lanjut_teknis": N_("Bidang teknis memberikan tindak lanjut"),
    "susun_jawaban": N_("Jawaban disusun oleh tim"),
    "sampaikan_jawaban": N_("Jawaban disampaikan kepada Anda"),
    "rujuk_instansi": N_("Pengaduan dirujuk ke instansi yang berwenang"),
    "lengkapi_data": N_("Anda melengkapi data yang diminta"),
}


def _decided_text(bpmn_id: str | None, form: dict[str, Any]) -> str | None:
    """Wording for tasks whose outcome the public should know (the decision, not the notes)."""
    if bpmn_id == "verifikasi_pengaduan":
        decision = VERIFIKASI.get(str(form.get("keputusan_verifikasi")))
        return _(decision) if decision else _("Pengaduan diverifikasi")
    if bpmn_id == "telaah_pengaduan":
        if form.get("perlu_koordinasi"):
            return _("Tim menelaah pengaduan dan berkoordinasi dengan bidang teknis terkait")
        return _("Tim Penanganan Pengaduan menelaah pengaduan")
    if bpmn_id == "konfirmasi_jawaban":
        if form.get("sesuai_harapan") is True:
            return _("Anda menyatakan jawaban sesuai harapan")
        return _("Anda menyatakan jawaban belum sesuai harapan; pengaduan ditelaah ulang")
    return None


def _task_text(entry: HistoryEntry) -> str | None:
    fixed = FIXED_TEXTS.get(entry.bpmn_id or "")
    text = _(fixed) if fixed else _decided_text(entry.bpmn_id, _form(entry))
    if text:
        return text
    # A task added to the diagram later: its name, which describes the work, never the worker.
    return _("Tahap selesai: %(name)s", name=entry.name) if entry.name else None


def timeline(entries: Iterable[HistoryEntry], kanal: str | None = None) -> list[TimelineItem]:
    """The events the public may see, worded for them, oldest first."""
    items = []
    for entry in entries:
        text: str | None = None
        if entry.type == "case_submitted":
            via = KANAL_LABELS.get(kanal or "", "")
            text = (
                _("Pengaduan diterima melalui %(via)s", via=_(via))
                if via
                else _("Pengaduan diterima")
            )
        elif entry.type == "task_completed":
            text = _task_text(entry)
        elif entry.type == "case_closed":
            text = _("Pengaduan ditutup: %(end)s", end=entry.data.get("name") or _("selesai"))
        if text:
            items.append(TimelineItem(entry.occurred_at, text, by_you=entry.actor == "public"))
    return items


def requested_data(entries: Iterable[HistoryEntry]) -> str | None:
    """The officer's latest request for missing data (what the complainant is asked to supply)."""
    for entry in reversed(_completions(entries, "verifikasi_pengaduan")):
        form = _form(entry)
        if form.get("keputusan_verifikasi") == "minta_data":
            return str(form.get("data_yang_diminta") or "") or None
    return None


def delivered_answers(entries: Iterable[HistoryEntry]) -> list[Answer]:
    """Each answer the office delivered: the draft last written before each delivery."""
    answers: list[Answer] = []
    draft: dict[str, Any] | None = None
    for entry in entries:
        if entry.type != "task_completed":
            continue
        if entry.bpmn_id == "susun_jawaban":
            draft = _form(entry)
        elif entry.bpmn_id == "sampaikan_jawaban" and draft is not None:
            ids = tuple(str(i) for i in draft.get("lampiran") or [])
            answers.append(Answer(str(draft.get("jawaban", "")), entry.occurred_at, ids))
    return answers


def referral(entries: Iterable[HistoryEntry]) -> Referral | None:
    """The referral to another agency, when the complaint was referred."""
    done = _completions(entries, "rujuk_instansi")
    if not done:
        return None
    form = _form(done[-1])
    return Referral(str(form.get("instansi_rujukan", "")),
                    str(form.get("pesan_kepada_pelanggan", "")), done[-1].occurred_at)


def public_attachment_ids(entries: Iterable[HistoryEntry]) -> set[str]:
    """Files the complainant may download: their own uploads and those of delivered answers."""
    entries = list(entries)
    ids: set[str] = set()
    for entry in entries:
        if entry.type == "case_submitted":
            ids.update(str(i) for i in entry.data.get("lampiran") or [])
        elif entry.type == "task_completed" and entry.actor == "public":
            ids.update(str(i) for i in _form(entry).get("lampiran") or [])
    for answer in delivered_answers(entries):
        ids.update(answer.attachment_ids)
    return ids
