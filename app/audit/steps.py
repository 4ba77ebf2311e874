"""The step-through of one case's page: each frame of the re-executed case as plain values."""

from __future__ import annotations

import json
from typing import Any

from flask_babel import gettext as _

from ..cases import conventions
from ..cases.models import Case
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


def step_through(case: Case, audit: CaseAudit) -> tuple[list[dict[str, Any]], CaseReplay]:
    """A frame per event for the page's player, rebuilt by re-execution, and the replay.

    Fields withheld from this viewer on the timeline are withheld from every frame too.
    """
    hidden = frozenset().union(*(e.hidden_fields for e in audit.entries)) if audit.entries else (
        frozenset())
    replay = replay_case(case, case_events(case), hidden)
    standard_days = conventions.of(case.process_version).service_days
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
            "data": [[k, _value(v)] for k, v in sorted(frame.data.items())],
            "days": frame.working_days,
            "standard": standard_days,
            "completed": frame.completed,
            "markers": frame_markers(frame),
        })
    return frames, replay
