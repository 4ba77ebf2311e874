"""Internal notes on a case: staff write them from a task page, other lanes read them there.

A note is an event of the case (`note_added`, hash-chained like every other event), so it is
part of the audit trail. The public never sees it: the tracking page words only the events it
knows. A note on an anonymous case may not contain the complainant's identity: the text is
checked against the case's sealed identity values before it is written.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from ..cases import identity, queries
from ..cases.events import Actor, EventLog
from ..cases.models import Case
from ..db import get_session, utcnow
from .service import get_task, user_name

NOTE_ADDED = "note_added"
MAX_LENGTH = 2000


class NoteRefused(ValueError):
    """The note cannot be kept; the message says why, in the interface language."""


@dataclass(frozen=True)
class Note:
    """One internal note as the task page shows it."""

    author: str
    lane: str | None
    occurred_at: datetime
    text: str


def case_notes(entries: Iterable[queries.HistoryEntry]) -> list[Note]:
    """The internal notes among a case's events, oldest first."""
    notes = []
    for entry in entries:
        if entry.type != NOTE_ADDED:
            continue
        who = entry.actor[5:] if entry.actor.startswith("user:") else ""
        notes.append(Note(user_name(int(who)) if who.isdigit() else entry.actor,
                          entry.actor_role, entry.occurred_at, str(entry.data.get("text", ""))))
    return notes


def _squeeze(text: str) -> str:
    return re.sub(r"[^0-9a-z@]", "", text.lower())


def _mentions_identity(case: Case, text: str) -> bool:
    """Whether TEXT contains one of the complainant's identity values (spacing ignored)."""
    squeezed = _squeeze(text)
    digits = re.sub(r"\D", "", text)
    for value in identity.identity_of(case.id).values():
        if not isinstance(value, str):
            continue
        plain = _squeeze(value)
        if len(plain) >= 4 and plain in squeezed:
            return True
        number = re.sub(r"\D", "", value)
        if len(number) >= 8 and (number in digits or number.lstrip("0") in digits):
            return True
    return False


def add_note(task_id: str, user: Any, text: str) -> Case:
    """Record TEXT as an internal note on the case of TASK_ID (lane role checked by get_task)."""
    task = get_task(task_id, user)
    text = text.strip()
    if not text:
        raise NoteRefused(_("Catatan kosong: tulis isinya dahulu."))
    if len(text) > MAX_LENGTH:
        raise NoteRefused(_("Catatan paling panjang %(max)d karakter.", max=MAX_LENGTH))
    case = queries.get_case(task.case_id)
    assert case is not None  # nosec B101 # a task's case exists (foreign key); narrows the type
    if case.anonymous and _mentions_identity(case, text):
        raise NoteRefused(_("Pelapor meminta anonim: catatan internal tidak boleh memuat "
                            "identitasnya (nama, NIK, telepon, surel)."))
    session = get_session()
    try:
        EventLog(session, case).append(NOTE_ADDED, Actor("user", user.id, task.lane), utcnow(),
                                       {"text": text}, task_id=task.id, bpmn_id=task.bpmn_id)
        session.commit()
    except (StaleDataError, IntegrityError) as exc:
        session.rollback()
        raise NoteRefused(_("Pengaduan ini baru saja berubah. Catatan Anda belum tersimpan: "
                            "kirim lagi.")) from exc
    return case
