"""Exports for auditors and process-mining tools: CSV of cases and events, and XES.

The XES log follows IEEE 1849-2016 with the concept, lifecycle, org and time extensions: one
trace per case (its tracking number, with channel, type, service, outcome, process version and
the service-standard outcome as trace attributes) and one event per step the case passed, named
by the diagram element's name. No form data is exported and no identity: a complainant appears
only as "Pelapor", so an anonymous identity cannot leave through an export.
"""

from __future__ import annotations

import csv
import html
import io
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select

from ..auth.service import get_user
from ..cases.models import Case, CaseEvent, ProcessVersion
from ..cases.service import start_info
from ..cases.standard import standard_of
from ..db import get_session, utcnow

# Event types that are steps of the process (process mining); audit actions are not.
PROCESS_EVENTS = ("case_submitted", "task_completed", "timer_fired", "sla_breached",
                  "milestone_reached", "case_closed")
# The summary columns carry their `x-ringkasan` role names (channel, type, service, ...).
CASE_COLUMNS = ("nomor", "versi_proses", "diterima", "status", "hasil", "hasil_nama", "channel",
                "type", "service", "anonymous", "secret", "batas_standar", "dijawab", "ditutup",
                "standar_layanan", "jumlah_peristiwa")
EVENT_COLUMNS = ("nomor", "urutan", "jenis_peristiwa", "aktivitas", "elemen", "waktu", "pelaku",
                 "peran", "sidik")


@dataclass(frozen=True)
class ExportedEvent:
    """One event as exports show it: no form data, the actor as a name or a role."""

    tracking_code: str
    seq: int
    type: str
    activity: str
    bpmn_id: str
    occurred_at: datetime
    actor: str
    role: str
    hash: str


class _Names:
    """Activity names by version and actor names, each looked up once."""

    def __init__(self) -> None:
        self.starts: dict[int, str] = {}
        self.actors: dict[str, str] = {}

    def activity(self, event: CaseEvent, version: ProcessVersion) -> str:
        if event.type == "case_submitted":
            if version.id not in self.starts:
                self.starts[version.id] = start_info(version).name
            return self.starts[version.id] or event.bpmn_id or event.type
        try:
            name = json.loads(event.data_json).get("name")
        except (ValueError, AttributeError):
            name = None
        return str(name or event.bpmn_id or event.type)

    def actor(self, label: str) -> str:
        if label == "public":
            return "Pelapor"
        if label == "system":
            return "Sistem"
        if label not in self.actors:
            ident = label.partition(":")[2]
            user = get_user(int(ident)) if ident.isdigit() else None
            self.actors[label] = user.full_name if user else label
        return self.actors[label]


def cases_since(since: datetime | None = None) -> list[Case]:
    """Every case (received at or after SINCE), oldest first."""
    query = select(Case).order_by(Case.received_at, Case.id)
    if since is not None:
        query = query.where(Case.received_at >= since)
    return list(get_session().scalars(query))


def exported_events(case: Case, names: _Names | None = None,
                    types: Iterable[str] | None = None) -> list[ExportedEvent]:
    """CASE's events as exports show them (only TYPES, when given), in order."""
    names = names or _Names()
    query = select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.seq)
    if types is not None:
        query = query.where(CaseEvent.type.in_(list(types)))
    return [
        ExportedEvent(case.tracking_code, e.seq, e.type, names.activity(e, case.process_version),
                      e.bpmn_id or "", _utc(e.occurred_at), names.actor(e.actor),
                      e.actor_role or "", e.hash)
        for e in get_session().scalars(query)
    ]


def cases_csv(cases: Iterable[Case]) -> str:
    """The cases as CSV, one row each (no subject, no identity)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CASE_COLUMNS)
    now = utcnow()
    for case in cases:
        writer.writerow([
            case.tracking_code, case.process_version.version, _iso(case.received_at),
            case.status, case.outcome or "", case.outcome_label or "",
            case.summary_channel or "", case.summary_type or "", case.summary_service or "",
            int(case.anonymous), int(case.secret), _iso(case.due_at), _iso(case.answered_at),
            _iso(case.closed_at), standard_of(case, now) or "", case.event_count,
        ])
    return out.getvalue()


def events_csv(cases: Iterable[Case]) -> str:
    """Every event of the cases as CSV: type, activity, element, moment, actor, role, hash."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(EVENT_COLUMNS)
    names = _Names()
    for case in cases:
        for e in exported_events(case, names):
            writer.writerow([e.tracking_code, e.seq, e.type, e.activity, e.bpmn_id,
                             _iso(e.occurred_at), e.actor, e.role, e.hash])
    return out.getvalue()


def xes(cases: Iterable[Case]) -> Iterator[str]:
    """The cases as an XES event log (IEEE 1849-2016), in pieces."""
    yield (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<log xes.version="1849-2016" xes.features="nested-attributes" '
        'xmlns="http://www.xes-standard.org/">\n'
        '  <extension name="Concept" prefix="concept" '
        'uri="http://www.xes-standard.org/concept.xesext"/>\n'
        '  <extension name="Lifecycle" prefix="lifecycle" '
        'uri="http://www.xes-standard.org/lifecycle.xesext"/>\n'
        '  <extension name="Organizational" prefix="org" '
        'uri="http://www.xes-standard.org/org.xesext"/>\n'
        '  <extension name="Time" prefix="time" uri="http://www.xes-standard.org/time.xesext"/>\n'
        '  <global scope="trace">\n    <string key="concept:name" value="__INVALID__"/>\n'
        '  </global>\n'
        '  <global scope="event">\n    <string key="concept:name" value="__INVALID__"/>\n'
        '    <string key="lifecycle:transition" value="complete"/>\n'
        '    <date key="time:timestamp" value="1970-01-01T00:00:00.000+00:00"/>\n'
        '  </global>\n'
        '  <classifier name="Activity" keys="concept:name"/>\n'
        '  <string key="concept:name" value="Layanan Pengaduan"/>\n'
    )
    names = _Names()
    now = utcnow()
    for case in cases:
        yield "  <trace>\n"
        yield _attr("string", "concept:name", case.tracking_code, 4)
        for key, value in (("channel", case.summary_channel), ("type", case.summary_type),
                           ("service", case.summary_service), ("outcome", case.outcome_label),
                           ("status", case.status), ("standard", standard_of(case, now))):
            if value:
                yield _attr("string", key, value, 4)
        yield _attr("int", "process_version", str(case.process_version.version), 4)
        for e in exported_events(case, names, PROCESS_EVENTS):
            yield "    <event>\n"
            yield _attr("string", "concept:name", e.activity, 6)
            yield _attr("string", "lifecycle:transition", "complete", 6)
            yield _attr("date", "time:timestamp", _xes_time(e.occurred_at), 6)
            yield _attr("string", "org:resource", e.actor, 6)
            if e.role:
                yield _attr("string", "org:role", e.role, 6)
            yield _attr("string", "event_type", e.type, 6)
            if e.bpmn_id:
                yield _attr("string", "element", e.bpmn_id, 6)
            yield "    </event>\n"
        yield "  </trace>\n"
    yield "</log>\n"


# Characters XML 1.0 cannot hold at all: dropped from values rather than breaking the log.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")


def _quoted(value: str) -> str:
    return '"' + html.escape(_NOT_XML.sub("", value), quote=True) + '"'


def _attr(kind: str, key: str, value: str, indent: int) -> str:
    return f'{" " * indent}<{kind} key={_quoted(key)} value={_quoted(value)}/>\n'


def _utc(moment: datetime) -> datetime:
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(UTC)


def _iso(moment: datetime | None) -> str:
    return _utc(moment).isoformat() if moment is not None else ""


def _xes_time(moment: datetime) -> str:
    return _utc(moment).isoformat(timespec="milliseconds")
