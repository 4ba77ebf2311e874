"""The step-through of one case's page: each frame of the re-executed case as plain values."""

from __future__ import annotations

import json
import logging
from typing import Any

from flask_babel import gettext as _

from ..cases import conventions
from ..cases.models import Case
from ..cases.service import form_document
from ..logs import log_event
from ..web.dates import wib_datetime
from .replay import CaseReplay, frame_markers, replay_case
from .service import CaseAudit, case_events


def _value(value: Any) -> str:
    """A data value as one line of text."""
    if isinstance(value, bool):
        return _("ya") if value else _("tidak")
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


def field_titles(case: Case) -> dict[str, str]:
    """Every form field's title in CASE's version (in the interface language), by field name."""
    version = case.process_version
    titles: dict[str, str] = {}
    for filename in sorted(json.loads(version.forms_json)):
        if not filename.endswith(".schema.json"):
            continue
        schema = form_document(version, filename) or {}
        for name, prop in (schema.get("properties") or {}).items():
            if isinstance(prop, dict) and prop.get("title"):
                titles.setdefault(name, str(prop["title"]))
    return titles


def step_through(case: Case, audit: CaseAudit) -> tuple[list[dict[str, Any]], CaseReplay]:
    """A frame per event for the page's player, rebuilt by re-execution, and the replay.

    Fields withheld from this viewer on the timeline are withheld from every frame too.
    """
    hidden = frozenset().union(*(e.hidden_fields for e in audit.entries)) if audit.entries else (
        frozenset())
    try:
        replay = replay_case(case, case_events(case), hidden)
    except Exception as exc:  # a case that cannot be re-executed still shows its timeline
        log_event("replay_failed", level=logging.ERROR, case_id=case.id,
                  error_type=type(exc).__name__)
        return [], CaseReplay(problems=[_("pengaduan tidak dapat dijalankan ulang")])
    standard_days = conventions.of(case.process_version).service_days
    titles = field_titles(case)
    frames = []
    for frame, entry in zip(replay.frames, audit.entries, strict=False):
        frames.append({
            "seq": frame.seq,
            "label": entry.label,
            "step": entry.step_name,
            "actor": entry.actor_name,
            "time": wib_datetime(frame.occurred_at),
            "waiting": [
                {"name": t.name, "lane": t.lane or "", "division": t.division or ""}
                for t in frame.waiting
            ],
            "timers": [{"name": t.name, "due": wib_datetime(t.due_at)} for t in frame.timers],
            "data": [[titles.get(k, k), _value(v)] for k, v in sorted(frame.data.items())],
            "days": frame.working_days,
            "standard": standard_days,
            "completed": frame.completed,
            "markers": frame_markers(frame),
        })
    return frames, replay
