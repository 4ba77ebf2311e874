"""Signals other capabilities subscribe to, so that cases never import them.

`events_recorded` is sent inside the writer's transaction, before commit, with the session, the
case and the events just appended: a receiver that adds rows (an outbox message) to that session
commits or rolls back together with the step.

`access_code_renewed` is sent the same way, with the session, the case and the new access code,
when a complainant recovered a lost code: the receiver mails it to the address on record.
"""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

events_recorded = _signals.signal("events-recorded")
access_code_renewed = _signals.signal("access-code-renewed")
