"""Access codes stored as HMAC-SHA256 with a server-side key; old scrypt hashes still verify.

A code is 8 characters from a 32-letter alphabet (40 bits). It is never stored: the case keeps
`hmac-sha256$<hex>`, keyed with `ACCESS_CODE_KEY` (by default derived from
`IDENTITY_HMAC_KEY` with its own label, so the two keys never hash the same message). Without
the key, a stolen database gives nothing to guess against offline; online guessing is bounded
by the rate limit of `/lacak`. Checking costs microseconds instead of one scrypt (~100 ms), so
a look-up no longer burns the CPU. Hashes written before (werkzeug's scrypt) verify as before
and are replaced by the HMAC on the first successful check.
"""

from __future__ import annotations

import hashlib
import hmac

from flask import current_app
from werkzeug.security import check_password_hash

PREFIX = "hmac-sha256$"
_LABEL = b"layanan-pengaduan/access-code/v1"


def normalize(code: str) -> str:
    """The code as issued: upper case, no spaces, grouped XXXX-XXXX when given without the dash."""
    cleaned = code.strip().upper().replace(" ", "")
    if len(cleaned) == 8 and "-" not in cleaned:
        cleaned = f"{cleaned[:4]}-{cleaned[4:]}"
    return cleaned


def _key() -> bytes:
    configured = str(current_app.config.get("ACCESS_CODE_KEY") or "")
    if configured:
        return configured.encode()
    identity_hmac_key: bytes = current_app.extensions["identity"][1]
    return hmac.new(identity_hmac_key, _LABEL, hashlib.sha256).digest()


def hash_code(code: str) -> str:
    """The stored form of CODE: a keyed HMAC-SHA256 of its normalized text."""
    digest = hmac.new(_key(), normalize(code).encode("utf-8"), hashlib.sha256).hexdigest()
    return PREFIX + digest


def verify(stored: str, code: str) -> tuple[bool, str | None]:
    """(CODE matches STORED, the HMAC to store instead when STORED is an old scrypt hash)."""
    if stored.startswith(PREFIX):
        return hmac.compare_digest(stored, hash_code(code)), None
    if check_password_hash(stored, normalize(code)):
        return True, hash_code(code)
    return False, None
