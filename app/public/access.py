"""Which cases this browser session has opened with the right access code (each case on its own)."""

from __future__ import annotations

from flask import session

KEY = "lacak"
MAX_CASES = 5  # a shared phone should not keep a long list of opened complaints


def grant(tracking_code: str) -> None:
    """Remember that this session proved the access code of TRACKING_CODE."""
    opened = [c for c in session.get(KEY, []) if c != tracking_code]
    session[KEY] = [*opened, tracking_code][-MAX_CASES:]


def has_access(tracking_code: str) -> bool:
    """True when this session opened TRACKING_CODE with its access code."""
    return tracking_code in session.get(KEY, [])


def revoke(tracking_code: str) -> None:
    """Forget TRACKING_CODE in this session (\"keluar\" on a shared phone)."""
    session[KEY] = [c for c in session.get(KEY, []) if c != tracking_code]
