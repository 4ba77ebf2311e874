"""Server-side halves of browser sessions, so a copied cookie dies when its owner signs out.

The signed cookie can be read by whoever holds it, and it stays valid until it expires; what it
grants is therefore checked against the database on every request:
- staff: the user id in the session carries the user's session epoch; signing out or a new
  password raises the epoch, which ends every session of that user at once;
- the public: opening a case records a grant row whose random token sits in the cookie;
  "keluar" deletes the row;
- codes shown once: kept in a row (XORed with a pad only the cookie holds), deleted when read.
"""

from __future__ import annotations

import base64
import json
import secrets
from datetime import datetime, timedelta
from typing import Any

from flask import current_app, has_app_context
from sqlalchemy import delete, select, update
from sqlalchemy.orm import joinedload

from ..db import get_session, transaction, utcnow
from .models import OneTimeSecret, PublicGrant, User

# How long an unread one-time secret waits for its page (the redirect follows at once).
ONE_TIME_TTL = timedelta(minutes=15)


def _lifetime() -> timedelta:
    """How long any session record lives: the signed cookie's own lifetime."""
    if has_app_context():
        value = current_app.config.get("PERMANENT_SESSION_LIFETIME", timedelta(hours=12))
        return value if isinstance(value, timedelta) else timedelta(seconds=int(value))
    return timedelta(hours=12)


# --- staff -------------------------------------------------------------------------------------


def parse_session_id(session_id: str) -> tuple[int, int] | None:
    """(user id, epoch) from what Flask-Login keeps in the session ("7:0"), or None."""
    user_part, sep, epoch_part = session_id.partition(":")
    if not sep or not user_part.isdigit() or not epoch_part.isdigit():
        return None
    return int(user_part), int(epoch_part)


def session_user(session_id: str) -> User | None:
    """The active user a session id names, if its epoch is still the user's current one."""
    parsed = parse_session_id(session_id)
    if parsed is None:
        return None
    # The user and their role assignments in one statement: every request needs both.
    user = get_session().get(User, parsed[0], options=[joinedload(User.assignments)])
    if user is None or not user.is_active or (user.session_epoch or 0) != parsed[1]:
        return None
    return user


def end_all_sessions(user_id: int) -> None:
    """End every session of the user (each browser, each copied cookie)."""
    with transaction() as session:
        session.execute(
            update(User)
            .where(User.id == user_id)
            .values(session_epoch=User.session_epoch + 1)
        )
    user = get_session().get(User, user_id)
    if user is not None:
        get_session().refresh(user, ["session_epoch"])


# --- the public's opened cases -----------------------------------------------------------------


def grant_case(tracking_code: str) -> str:
    """Record that a browser proved TRACKING_CODE's access code; the token for its cookie."""
    token = secrets.token_urlsafe(32)
    cutoff = utcnow() - _lifetime()
    with transaction() as session:
        session.execute(delete(PublicGrant).where(PublicGrant.created_at < cutoff))
        session.add(PublicGrant(token=token, tracking_code=tracking_code))
    return token


def case_granted(token: str, tracking_code: str) -> bool:
    """True when TOKEN is a live grant for TRACKING_CODE."""
    stmt = select(PublicGrant.token).where(
        PublicGrant.token == token,
        PublicGrant.tracking_code == tracking_code,
        PublicGrant.created_at >= utcnow() - _lifetime(),
    )
    return get_session().scalar(stmt) is not None


def revoke_grants(tokens: list[str]) -> None:
    """Delete the grants TOKENS, so the cookie that holds them opens nothing any more."""
    if not tokens:
        return
    with transaction() as session:
        session.execute(delete(PublicGrant).where(PublicGrant.token.in_(tokens)))


# --- shown once --------------------------------------------------------------------------------


def _xor(data: bytes, pad: bytes) -> bytes:
    return bytes(a ^ b for a, b in zip(data, pad, strict=True))


def hold_once(payload: dict[str, Any]) -> dict[str, str]:
    """Keep PAYLOAD server-side until read once; the small handle to put in the session."""
    data = json.dumps(payload, separators=(",", ":")).encode()
    pad = secrets.token_bytes(len(data))
    handle = {"id": secrets.token_urlsafe(32), "pad": base64.urlsafe_b64encode(pad).decode()}
    cutoff = utcnow() - ONE_TIME_TTL
    with transaction() as session:
        session.execute(delete(OneTimeSecret).where(OneTimeSecret.created_at < cutoff))
        session.add(OneTimeSecret(id=handle["id"],
                                  sealed=base64.urlsafe_b64encode(_xor(data, pad)).decode()))
    return handle


def take_once(handle: Any) -> dict[str, Any] | None:
    """The payload HANDLE points to, deleted as it is read; None if gone, expired or forged."""
    if not isinstance(handle, dict) or not isinstance(handle.get("id"), str):
        return None
    with transaction() as session:
        row = session.execute(
            delete(OneTimeSecret)
            .where(OneTimeSecret.id == handle["id"])
            .returning(OneTimeSecret.sealed, OneTimeSecret.created_at)
        ).first()
    if row is None or _expired(row.created_at):
        return None
    try:
        pad = base64.urlsafe_b64decode(str(handle.get("pad", "")))
        data = _xor(base64.urlsafe_b64decode(row.sealed), pad)
        payload = json.loads(data)
    except ValueError:
        return None
    return payload if isinstance(payload, dict) else None


def _expired(created_at: datetime) -> bool:
    return created_at < utcnow() - ONE_TIME_TTL
