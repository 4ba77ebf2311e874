"""Where a sign-in may send the browser next: only back to a page of this site."""

from __future__ import annotations

import unicodedata
from urllib.parse import urlsplit

MAX_NEXT_LENGTH = 2000


def safe_next(target: str | None) -> str | None:
    """TARGET if it is a same-site relative path, else None (no open redirects).

    Browsers drop tabs and newlines and read a backslash as a slash, so "/\\t/evil.example" and
    "/\\\\evil.example" reach another site: any control character, whitespace or backslash, and
    anything a URL parser reads as having a scheme or a host, is refused.
    """
    if not target or len(target) > MAX_NEXT_LENGTH:
        return None
    if not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    if any(ch.isspace() or unicodedata.category(ch).startswith("C") for ch in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target
