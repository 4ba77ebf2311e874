"""The engine's clock: the real time, or a recorded moment while history is re-executed.

SpiffWorkflow's timer events and the diagram functions (`hari_kerja_dari_sekarang`) read the
current time. Re-executing a case's events must see each event's recorded moment instead, or a
timer that was not yet due would fire, and a deadline counted "from now" would move. The moment
is a context variable, so one thread's replay never changes another request's clock.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime, tzinfo

from SpiffWorkflow.bpmn.specs.event_definitions import timer as spiff_timer

_MOMENT: ContextVar[datetime | None] = ContextVar("engine_moment", default=None)


def now() -> datetime:
    """The engine's current time (UTC): the pinned moment if one is set, else the real time."""
    moment = _MOMENT.get()
    return moment if moment is not None else datetime.now(UTC)


@contextmanager
def pinned(moment: datetime) -> Iterator[None]:
    """Run the engine as if it were MOMENT (timers, diagram functions)."""
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    token = _MOMENT.set(aware.astimezone(UTC))
    try:
        yield
    finally:
        _MOMENT.reset(token)


class _EngineDatetime(datetime):
    """`datetime` as SpiffWorkflow's timer module sees it: `now()` follows the engine clock."""

    @classmethod
    def now(cls, tz: tzinfo | None = None) -> _EngineDatetime:  # type: ignore[override]
        moment = _MOMENT.get()
        if moment is None:
            real = datetime.now(tz)
        else:
            real = moment.astimezone(tz) if tz is not None else moment.replace(tzinfo=None)
        return cls.fromtimestamp(real.timestamp(), real.tzinfo) if real.tzinfo else cls(
            *real.timetuple()[:6], real.microsecond
        )


# The timer module's own name for the class: only its calls to `now()` change meaning.
spiff_timer.datetime = _EngineDatetime  # type: ignore[misc]
