"""Service quality: reports, the public recap, reminders and digests, the office calendar."""

from __future__ import annotations

import logging

from flask import Flask
from sqlalchemy.exc import SQLAlchemyError

from ..cases.signals import events_recorded
from ..db import get_session
from .cli import calendar_cli, reports_cli
from .reminders import current_deadline, passed_deadline
from .skm import record_answers
from .views import bp
from .workcalendar import refresh

log = logging.getLogger(__name__)


def _refresh_calendar() -> None:
    """Pick up days another process added (read at most every 30 seconds)."""
    try:
        refresh()
    except SQLAlchemyError:
        get_session().rollback()  # a database not yet migrated: the configured calendar holds
        log.debug("office calendar not readable", exc_info=True)


def init_app(app: Flask) -> None:
    """Register the pages, the satisfaction recorder, the commands and the calendar refresh."""
    events_recorded.connect(record_answers)
    app.register_blueprint(bp)
    app.cli.add_command(calendar_cli)
    app.cli.add_command(reports_cli)
    app.before_request(_refresh_calendar)
    app.add_template_global(passed_deadline, "case_overdue")
    app.add_template_global(current_deadline, "case_deadline")
