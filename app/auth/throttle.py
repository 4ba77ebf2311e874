"""Per-account sign-in throttle: too many failures for one username lock it for a while.

The per-address rate limit stops one machine; this stops many machines guessing one account.
Failures are counted per typed username whether or not the account exists, so the lock says
nothing about which usernames are real.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete, func, select

from ..db import get_session, transaction, utcnow
from .models import LoginFailure

MAX_FAILURES = 10
WINDOW = timedelta(minutes=15)
USERNAME_MAX = 100


def _key(username: str) -> str:
    return username.strip().lower()[:USERNAME_MAX]


def is_locked(username: str) -> bool:
    """True when USERNAME failed MAX_FAILURES times within the last WINDOW."""
    stmt = select(func.count()).where(
        LoginFailure.username == _key(username), LoginFailure.failed_at >= utcnow() - WINDOW
    )
    return (get_session().scalar(stmt) or 0) >= MAX_FAILURES


def record_failure(username: str) -> None:
    """Count one failed sign-in for USERNAME (and forget failures older than the window)."""
    now = utcnow()
    with transaction() as session:
        session.execute(delete(LoginFailure).where(LoginFailure.failed_at < now - WINDOW))
        session.add(LoginFailure(username=_key(username), failed_at=now))


def clear(username: str) -> None:
    """Forget USERNAME's failures after a successful sign-in."""
    with transaction() as session:
        session.execute(delete(LoginFailure).where(LoginFailure.username == _key(username)))
