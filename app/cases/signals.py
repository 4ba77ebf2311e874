"""Signals other capabilities subscribe to, so that cases never import them.

`events_recorded` is sent inside the writer's transaction, before commit, with the session, the
case and the events just appended: a receiver that adds rows (an outbox message) to that session
commits or rolls back together with the step.
"""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

events_recorded = _signals.signal("events-recorded")
