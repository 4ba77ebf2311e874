"""Which cases this browser has opened with the right access code (each case on its own).

The session keeps one random grant token per opened case; the grant itself lives in the database,
so "keluar" ends it for every copy of the cookie, not only for this browser.
"""

from __future__ import annotations

from flask import session

from ..auth import sessions

KEY = "lacak"
MAX_CASES = 5  # a shared phone should not keep a long list of opened complaints


def _opened() -> dict[str, str]:
    value = session.get(KEY)
    return dict(value) if isinstance(value, dict) else {}


def grant(tracking_code: str) -> None:
    """Remember that this session proved the access code of TRACKING_CODE."""
    opened = _opened()
    stale = [opened.pop(tracking_code)] if tracking_code in opened else []
    opened[tracking_code] = sessions.grant_case(tracking_code)
    while len(opened) > MAX_CASES:
        stale.append(opened.pop(next(iter(opened))))
    sessions.revoke_grants(stale)
    session[KEY] = opened


def has_access(tracking_code: str) -> bool:
    """True when this session opened TRACKING_CODE and the grant has not been ended."""
    token = _opened().get(tracking_code)
    return token is not None and sessions.case_granted(token, tracking_code)


def revoke(tracking_code: str) -> None:
    """End TRACKING_CODE's grant (\"keluar\" on a shared phone), for copies of the cookie too."""
    opened = _opened()
    token = opened.pop(tracking_code, None)
    sessions.revoke_grants([token] if token else [])
    session[KEY] = opened
