"""Audit: a case's timeline with who did what, its hash-chain check, diagram markers, export."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..auth.service import get_user
from ..cases import privacy, queries
from ..cases.events import verify_case
from ..cases.identity import step_personal
from ..cases.integrity import verify_version
from ..cases.models import Case, CaseEvent, HumanTask, ProcessVersion, Timer
from ..cases.service import form_document, identity_fields, start_info
from ..db import get_session
from ..formrender import FormSpec
from .replay import versions_in_effect
from .verify import VerificationReport, verify_all

__all__ = ["VerificationReport", "verify_all"]

DONE_MARKER = "lp-done"
CURRENT_MARKER = "lp-current"

# Event types whose BPMN element the case has passed through.
PASSED_TYPES = frozenset(
    {
        "case_submitted",
        "task_completed",
        "timer_fired",
        "sla_breached",
        "milestone_reached",
        "case_closed",
    }
)

EVENT_LABELS: dict[str, Any] = {
    "case_submitted": _l("Pengaduan diajukan"),
    "task_completed": _l("Tugas diselesaikan"),
    "timer_fired": _l("Batas waktu tercapai"),
    "sla_breached": _l("Standar layanan terlampaui"),
    "milestone_reached": _l("Tahap tercapai"),
    "case_closed": _l("Pengaduan ditutup"),
    "case_migrated": _l("Dipindahkan ke versi proses lain"),
    "identity_revealed": _l("Identitas pelapor dibuka auditor"),
}

STATUS_LABELS: dict[str, Any] = {"berjalan": _l("Berjalan"), "selesai": _l("Selesai")}


@dataclass(frozen=True)
class TimelineEntry:
    """One event as the audit page shows it: plain words, the actor's name, the form data."""

    event: CaseEvent
    label: str
    actor_name: str
    step_name: str
    spec: FormSpec | None
    data: dict[str, Any]
    hidden_fields: frozenset[str] = field(default_factory=frozenset)


@dataclass(frozen=True)
class CaseAudit:
    """Everything the audit page of one case shows."""

    case: Case
    version: ProcessVersion
    status_label: str
    entries: list[TimelineEntry]
    problems: list[str]
    open_tasks: list[HumanTask]
    markers: dict[str, list[str]]


def find_case(tracking_code: str) -> Case | None:
    """The case with this tracking number (exact), or None."""
    return queries.find_by_tracking_code(tracking_code)


def case_events(case: Case) -> list[CaseEvent]:
    """Every stored event of CASE, in order."""
    return list(
        get_session().scalars(
            select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.seq)
        )
    )


def audit_case(case: Case, viewer_roles: Iterable[str] = ()) -> CaseAudit:
    """The timeline, chain verification, open tasks and diagram markers of CASE.

    What the public side supplied to an anonymous case is withheld unless the viewer may see
    it (`cases.privacy`); the chain is verified on the stored events all the same.
    """
    withheld = privacy.withholds_public_side(case, viewer_roles)
    events = case_events(case)
    version = case.process_version
    tasks = {
        task.id: task
        for task in get_session().scalars(select(HumanTask).where(HumanTask.case_id == case.id))
    }
    names = _ActorNames()
    set_aside = step_personal(case.id)
    entries = [
        _entry(event, in_effect, tasks, names, withheld, set_aside)
        for event, in_effect in zip(events, versions_in_effect(case, events), strict=True)
    ]
    open_tasks = sorted(
        (t for t in tasks.values() if t.status == "ready"), key=lambda t: t.created_at
    )
    return CaseAudit(
        case=case,
        version=version,
        status_label=str(STATUS_LABELS.get(case.status, case.status)),
        entries=entries,
        problems=verify_case(case, events) + verify_version(version),
        open_tasks=open_tasks,
        markers=_markers(case, events, open_tasks),
    )


def _markers(
    case: Case, events: list[CaseEvent], open_tasks: list[HumanTask]
) -> dict[str, list[str]]:
    """BPMN ids to mark: passed through (done) and waiting now (current)."""
    done = {e.bpmn_id for e in events if e.type in PASSED_TYPES and e.bpmn_id}
    waiting_timers = get_session().scalars(
        select(Timer.bpmn_id).where(Timer.case_id == case.id, Timer.status == "waiting")
    )
    current = {t.bpmn_id for t in open_tasks} | set(waiting_timers)
    return {DONE_MARKER: sorted(done - current), CURRENT_MARKER: sorted(current)}


class _ActorNames:
    """Turns stored actors (`user:7`, `public`, `system`) into names, looking each user up once."""

    def __init__(self) -> None:
        self.cache: dict[str, str] = {}

    def __call__(self, actor: str, role: str | None) -> str:
        if actor == "public":
            return str(_l("Pelapor"))
        if actor == "system":
            return str(_l("Sistem"))
        if actor not in self.cache:
            self.cache[actor] = self._staff(actor)
        name = self.cache[actor]
        return f"{name} ({role})" if role else name

    @staticmethod
    def _staff(actor: str) -> str:
        kind, _sep, ident = actor.partition(":")
        user = get_user(int(ident)) if kind == "user" and ident.isdigit() else None
        return user.full_name if user else actor


def _entry(
    event: CaseEvent,
    version: ProcessVersion,
    tasks: dict[str, HumanTask],
    names: _ActorNames,
    withheld: bool = False,
    set_aside: dict[str, dict[str, Any]] | None = None,
) -> TimelineEntry:
    raw: dict[str, Any] = json.loads(event.data_json)
    spec, data = None, {}
    step_name = str(raw.get("name") or "")
    if event.type == "identity_revealed":
        step_name = str(_l("Alasan: %(reason)s", reason=str(raw.get("reason") or "")))
    if event.type == "case_submitted":
        start = start_info(version)
        spec = _spec(version, start.form.schema_file, start.form.ui_file)
        data, step_name = raw, start.name
    elif event.type == "task_completed":
        task = tasks.get(event.task_id or "")
        if task is not None:
            spec = _spec(version, task.form_schema, task.form_ui)
        # Personal text a public step set aside (encrypted with the identity), shown if allowed.
        data = {**(raw.get("data") or {}), **(set_aside or {}).get(event.task_id or "", {})}
    hidden = frozenset(identity_fields(dict(spec.schema))) if spec else frozenset()
    hidden |= frozenset(_withheld(event, spec, data, tasks, withheld))
    return TimelineEntry(
        event=event,
        label=str(EVENT_LABELS.get(event.type, event.type)),
        actor_name=names(event.actor, event.actor_role),
        step_name=step_name,
        spec=spec,
        data={k: v for k, v in data.items() if k not in hidden},
        hidden_fields=hidden,
    )


def _withheld(event: CaseEvent, spec: FormSpec | None, data: dict[str, Any],
              tasks: dict[str, HumanTask], withheld: bool) -> tuple[str, ...]:
    """The fields of EVENT's data the public side supplied that this viewer must not see."""
    if event.type == "case_submitted":
        return privacy.withheld_fields(spec, data, True, withheld)
    if event.type != "task_completed":
        return ()
    task = tasks.get(event.task_id or "")
    side = privacy.supplied_by(event.actor, task.lane if task else None)
    return privacy.withheld_fields(spec, data, side == privacy.PUBLIC_SIDE, withheld)


def _spec(version: ProcessVersion, schema_file: str | None, ui_file: str | None) -> FormSpec | None:
    schema = form_document(version, schema_file)
    if schema is None:
        return None
    return FormSpec.build(schema, form_document(version, ui_file))


def export_events(case: Case, viewer_roles: Iterable[str] = ()) -> dict[str, Any]:
    """The case's events exactly as stored, so an auditor can re-verify the chain offline.

    For a viewer from whom an anonymous case's public material is withheld, an event holding
    such fields comes without them and without its `data_json` (`redacted` names the fields):
    its link in the chain can be followed, its content hash is checked by the application.
    """
    audit = audit_case(case, viewer_roles)
    exported = []
    for entry in audit.entries:
        e = entry.event
        stored = json.loads(e.data_json)
        item: dict[str, Any] = {
            "seq": e.seq, "type": e.type, "actor": e.actor, "actor_role": e.actor_role,
            "occurred_at": _utc(e.occurred_at).isoformat(), "bpmn_id": e.bpmn_id,
            "task_id": e.task_id, "data": stored, "data_json": e.data_json,
            "prev_hash": e.prev_hash, "hash": e.hash,
        }
        redacted = sorted(set(entry.hidden_fields) & _data_keys(e.type, stored))
        if redacted:
            item["data"] = _without(e.type, stored, redacted)
            item["data_json"] = None
            item["redacted"] = redacted
        exported.append(item)
    return {
        "tracking_code": case.tracking_code,
        "case_id": case.id,
        "process_id": case.process_version.process_id,
        "process_version": case.process_version.version,
        "hash_algorithm": "sha256",
        "event_count": case.event_count,
        "head_hash": case.head_hash,
        "events": exported,
    }


def _data_keys(type_: str, stored: dict[str, Any]) -> set[str]:
    """The form fields an event's stored data holds."""
    inner = stored.get("data") if type_ == "task_completed" else stored
    return set(inner) if isinstance(inner, dict) else set()


def _without(type_: str, stored: dict[str, Any], fields: list[str]) -> dict[str, Any]:
    if type_ == "task_completed":
        return {**stored, "data": privacy.redact(stored.get("data") or {}, fields)}
    return privacy.redact(stored, fields)


def _utc(moment: datetime) -> datetime:
    """MOMENT in UTC, the form the event hash is computed over."""
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(UTC)
