"""What the public may read about a case, in plain words: timeline, requests, answers, notes.

Everything here is derived from the event log and worded by the deployed version's conventions
(process/CONVENTIONS.md): `publicText` on tasks, `x-publik` on form fields and options. Staff
names and ids never appear: an event's actor only tells "Anda" (the public) from the office.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from flask_babel import gettext as _

from ..cases.queries import HistoryEntry
from ..engine.conventions import (
    ANSWER,
    DELIVERED_ON,
    FIELD,
    REQUEST,
    ElementConventions,
    ProcessConventions,
)

ANSWERED = "answered"  # the milestone at which a drafted answer reaches the complainant
Translate = Callable[[str], str]


def _same(text: str) -> str:
    return text


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
    delivered_on: date | None = None  # the day the officer recorded (x-publik "tanggal")


@dataclass(frozen=True)
class PublicNote:
    """What a completed task tells the complainant: its public fields, labelled by their titles."""

    heading: str
    items: tuple[tuple[str, str], ...]
    occurred_at: datetime


def _form(entry: HistoryEntry) -> dict[str, Any]:
    data = entry.data.get("data")
    return data if isinstance(data, dict) else {}


def _completions(entries: Iterable[HistoryEntry]) -> list[HistoryEntry]:
    return [e for e in entries if e.type == "task_completed"]


def _event_text(entry: HistoryEntry, data: dict[str, Any], conv: ProcessConventions,
                t: Translate) -> str | None:
    """The chosen option's x-publik text, else the element's publicText, else its name."""
    element = conv.element(entry.bpmn_id)
    if element is not None:
        text = element.form.choice_text(data) or element.public_text
        if text:
            return t(text)
    # A task without wording: its name, which describes the work, never the worker.
    name = t(entry.name) if entry.name else ""
    return _("Tahap selesai: %(name)s", name=name) if name else None


def timeline(entries: Iterable[HistoryEntry], conv: ProcessConventions,
             t: Translate = _same) -> list[TimelineItem]:
    """The events the public may see, worded for them, oldest first."""
    items = []
    for entry in entries:
        text: str | None = None
        if entry.type == "case_submitted":
            element = conv.element(entry.bpmn_id)
            chosen = element.form.choice_text(entry.data) if element else None
            text = t(chosen or (element.public_text if element else None) or "") or _(
                "Pengaduan diterima"
            )
        elif entry.type == "task_completed":
            text = _event_text(entry, _form(entry), conv, t)
        elif entry.type == "case_closed":
            end = t(str(entry.data.get("name") or "")) or _("selesai")
            text = _("Pengaduan ditutup: %(end)s", end=end)
        if text:
            items.append(TimelineItem(entry.occurred_at, text, by_you=entry.actor == "public"))
    return items


def requested_data(entries: Iterable[HistoryEntry], conv: ProcessConventions) -> str | None:
    """The open request: the `permintaan` value of the latest completion of a task asking one."""
    asking = {element_id for element_id, _f in conv.with_public_role(REQUEST)}
    fields = [f.name for _e, f in conv.with_public_role(REQUEST)]
    latest = [e for e in _completions(entries) if e.bpmn_id in asking]
    if not latest:
        return None
    form = _form(latest[-1])
    values = [str(form[name]) for name in fields if form.get(name)]
    return "\n\n".join(values) or None


def delivered_answers(entries: Iterable[HistoryEntry], conv: ProcessConventions) -> list[Answer]:
    """Each answer delivered: the `jawaban` draft last written before each `answered` milestone."""
    drafting = {element_id for element_id, _f in conv.with_public_role(ANSWER)}
    answers: list[Answer] = []
    draft: HistoryEntry | None = None
    last: HistoryEntry | None = None
    for entry in entries:
        if entry.type == "task_completed":
            last = entry
        if entry.type == "task_completed" and entry.bpmn_id in drafting:
            draft = entry
        elif (entry.type == "milestone_reached" and entry.data.get("milestone") == ANSWERED
              and draft is not None):
            element = conv.element(draft.bpmn_id)
            form = _form(draft)
            text = "\n\n".join(
                str(form[f.name]) for f in element.form.with_role(ANSWER) if form.get(f.name)
            ) if element else ""
            answers.append(Answer(text, entry.occurred_at, _file_ids(form, conv, draft),
                                  _delivered_on(last, conv)))
    return answers


def _delivered_on(entry: HistoryEntry | None, conv: ProcessConventions) -> date | None:
    """The delivery day the step that reached the milestone recorded, if its form marks one."""
    element = conv.element(entry.bpmn_id) if entry is not None else None
    if entry is None or element is None:
        return None
    form = _form(entry)
    for marked in element.form.with_role(DELIVERED_ON):
        try:
            return date.fromisoformat(str(form.get(marked.name, "")))
        except ValueError:
            continue
    return None


def _file_ids(form: dict[str, Any], conv: ProcessConventions, entry: HistoryEntry
              ) -> tuple[str, ...]:
    element = conv.element(entry.bpmn_id)
    fields = [f for f in element.form.public_fields if f.is_file] if element else []
    return tuple(str(i) for f in fields for i in form.get(f.name) or [])


def public_notes(entries: Iterable[HistoryEntry], conv: ProcessConventions,
                 t: Translate = _same) -> list[PublicNote]:
    """What tasks with public text fields told the complainant (e.g. where it was referred)."""
    latest: dict[str, HistoryEntry] = {}
    for entry in _completions(entries):
        element = conv.element(entry.bpmn_id)
        if element and any(not f.is_file for f in element.form.with_role(FIELD)):
            latest[entry.bpmn_id or ""] = entry
    notes = []
    for element_id, entry in latest.items():
        element = conv.element(element_id)
        if element is None:
            continue
        form = _form(entry)
        items = tuple(
            (t(f.title), str(form[f.name]))
            for f in element.form.with_role(FIELD) if not f.is_file and form.get(f.name)
        )
        if items:
            heading = t(element.public_text or element.name)
            notes.append(PublicNote(heading, items, entry.occurred_at))
    return sorted(notes, key=lambda n: n.occurred_at)


def public_values(entries: Iterable[HistoryEntry], conv: ProcessConventions) -> dict[str, Any]:
    """The latest value of every public field, by field name (for e-mail templates)."""
    public = {element_id: {f.name for f in e.form.public_fields}
              for element_id, e in conv.elements.items() if e.form.public_fields}
    values: dict[str, Any] = {}
    for entry in _completions(entries):
        form = _form(entry)
        for name in public.get(entry.bpmn_id or "", ()):
            if form.get(name) not in (None, "", []):
                values[name] = form[name]
    return values


def public_attachment_ids(entries: Iterable[HistoryEntry], conv: ProcessConventions) -> set[str]:
    """Files the complainant may download: their own uploads and those of public file fields."""
    entries = list(entries)
    drafting = {element_id for element_id, _f in conv.with_public_role(ANSWER)}
    ids: set[str] = set()
    for entry in entries:
        if entry.type == "case_submitted":
            ids.update(_own_files(entry.data, conv.element(entry.bpmn_id)))
        elif entry.type == "task_completed" and entry.actor == "public":
            ids.update(_own_files(_form(entry), conv.element(entry.bpmn_id)))
        elif entry.type == "task_completed" and entry.bpmn_id not in drafting:
            ids.update(_file_ids(_form(entry), conv, entry))
    for answer in delivered_answers(entries, conv):
        ids.update(answer.attachment_ids)
    return ids


def _own_files(data: dict[str, Any], element: ElementConventions | None) -> list[str]:
    """The attachment ids the complainant uploaded with a form they filled in."""
    names = element.form.file_fields if element is not None else ()
    return [str(i) for name in names for i in data.get(name) or []]


def hidden_on_summary(conv: ProcessConventions, start_id: str | None) -> list[str]:
    """Start-form fields the summary leaves out: those whose option the timeline already tells."""
    element = conv.element(start_id)
    return list(element.form.choice_texts) if element else []
