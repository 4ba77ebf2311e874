"""Notices of new tasks: a count beside "Kotak tugas" and an optional daily e-mail per officer.

The count is one COUNT over the task index (its status/claim/lane indexes) per page view of a
lane holder. The daily e-mail goes through the outbox (`notify.service.add_message`), at most
once per WIB day per user, from `flask notices daily` (run it from cron in the morning).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from flask import current_app, has_request_context
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, or_, select

from ..auth.models import User
from ..cases.models import HumanTask
from ..db import get_session, utcnow
from ..engine import WIB
from ..inbox.service import _scope
from ..logs import log_event  # the lanes and divisions a user may take, as SQL
from ..notify.service import add_message
from .models import NoticePreference

NAV_KEY = "tugas"  # the navigation entry the count sits beside (app/auth/nav.py)


@dataclass(frozen=True)
class Waiting:
    """What waits for a user: tasks they hold, and unclaimed tasks of their lanes."""

    mine: int
    queue: int

    @property
    def total(self) -> int:
        """Every task waiting for the user."""
        return self.mine + self.queue


def waiting_for(user: Any) -> Waiting:
    """The user's held tasks and their lanes' unclaimed tasks: two COUNTs, each on an index."""
    session = get_session()
    mine = session.scalar(select(func.count()).select_from(HumanTask).where(
        HumanTask.claimed_by == user.id, HumanTask.status == "ready"))
    scope = _scope(user)
    queue = 0 if scope is None else session.scalar(
        select(func.count()).select_from(HumanTask).where(
            HumanTask.status == "ready", scope, HumanTask.claimed_by.is_(None)))
    return Waiting(int(mine or 0), int(queue or 0))


def nav_counts() -> dict[str, Any]:
    """Template context: {"nav_counts": {nav key: count}} for a signed-in lane holder."""
    if not has_request_context() or not getattr(current_user, "is_authenticated", False):
        return {"nav_counts": {}}
    if _scope(current_user) is None:
        return {"nav_counts": {}}
    return {"nav_counts": {NAV_KEY: waiting_for(current_user).total}}


def preference(user_id: int) -> NoticePreference:
    """The user's notice preference (defaults: no daily e-mail)."""
    found = get_session().get(NoticePreference, user_id)
    return found or NoticePreference(user_id=user_id, daily_email=False)


def set_daily_email(user_id: int, wanted: bool) -> None:
    """Turn the daily e-mail on or off for USER_ID."""
    session = get_session()
    row = session.get(NoticePreference, user_id)
    if row is None:
        row = NoticePreference(user_id=user_id, daily_email=wanted)
        session.add(row)
    row.daily_email = wanted
    session.commit()


def _message(user: User, waiting: Waiting) -> tuple[str, str]:
    base = str(current_app.config.get("PUBLIC_BASE_URL", "")).rstrip("/")
    subject = _("Tugas menunggu Anda: %(num)d", num=waiting.total)
    body = "\n".join((
        _("Yth. %(name)s,", name=user.full_name), "",
        _("Tugas yang Anda pegang: %(num)d", num=waiting.mine),
        _("Tugas di antrean lajur Anda: %(num)d", num=waiting.queue), "",
        _("Buka kotak tugas: %(link)s", link=f"{base}/tugas"), "",
        _("Pesan harian ini dapat dimatikan di %(link)s", link=f"{base}/perkara/pemberitahuan"),
    ))
    return subject, body


def send_daily(now: datetime | None = None) -> int:
    """Queue today's e-mail for each user who wants it and has waiting tasks; returns the count.

    Each user gets their own transaction: one failure is logged and the others go on.
    """
    today: date = (now or utcnow()).astimezone(WIB).date()
    session = get_session()
    wanted = list(session.scalars(select(NoticePreference.user_id).where(
        NoticePreference.daily_email.is_(True),
        or_(NoticePreference.last_sent_on.is_(None), NoticePreference.last_sent_on < today))))
    queued = 0
    for user_id in wanted:
        try:
            queued += _send_one(user_id, today)
        except Exception as exc:  # one user's failure must not stop the others
            session.rollback()
            log_event("daily_notice_failed", level=logging.ERROR, user_id=user_id,
                      error=type(exc).__name__)
    return queued


def _send_one(user_id: int, today: date) -> int:
    session = get_session()
    user = session.get(User, user_id)
    row = session.get(NoticePreference, user_id)
    if user is None or row is None or not user.is_active or not user.email:
        return 0
    waiting = waiting_for(user) if _scope(user) is not None else Waiting(0, 0)
    if waiting.total:
        subject, body = _message(user, waiting)
        add_message(session, user.email, subject, body, kind="daily_tasks")
    row.last_sent_on = today
    session.commit()
    return 1 if waiting.total else 0
