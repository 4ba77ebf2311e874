"""Step-through replay rebuilds each moment of a case by re-executing its events."""

from __future__ import annotations

from flask import Flask

from app.audit.replay import replay_case
from app.cases.models import Case
from app.db import get_session
from tests.audit.journeys import full_journey
from tests.stores import events_of, store  # noqa: F401 - the fixture


def test_each_replayed_moment_equals_what_the_live_case_had(store: Flask) -> None:  # noqa: F811
    case_id, moments = full_journey()
    case = get_session().get(Case, case_id)
    assert case is not None
    replay = replay_case(case, events_of(case_id))
    assert replay.problems == []
    frames = {frame.seq: frame for frame in replay.frames}
    assert len(frames) == len(events_of(case_id))
    for live in moments:
        frame = frames[live.last_seq]
        assert sorted((t.bpmn_id, t.lane, t.division) for t in frame.waiting) == live.waiting
        assert sorted((t.bpmn_id, t.due_at) for t in frame.timers) == live.timers
        assert frame.data == live.data
    divisions = {t.division for f in replay.frames for t in f.waiting if t.division}
    assert divisions == {"pcs"}  # the coordination went to the chosen division
    assert replay.frames[-1].completed
