"""The complainant's identity at rest: one encrypted JSON document per case, plus keyed hashes.

Every `x-identitas` field of the start form goes into the document, sealed with Fernet
(AES-128-CBC + HMAC-SHA256, authenticated) through MultiFernet: the first key of
`IDENTITY_KEYS` encrypts, every key decrypts, and `flask --app app identity rotate`
re-encrypts every row with the first key. A field marked `"x-identitas": "nik"`, `"telepon"` or
`"email"` is also findable: an HMAC-SHA256 (a separate key, `IDENTITY_HMAC_KEY`) of its
normalised value is kept beside the document, so the desk officer can look a complainant up
without the database holding the value itself.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import secrets
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet, MultiFernet
from flask import Flask, current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..db import get_session
from .models import Complainant, IdentityLookup
from .privacy import findable_by_identity, personal_fields

IDENTITY_KEYWORD = "x-identitas"
KEY_FILE = "identity-keys.json"


def _digits(value: str) -> str:
    return re.sub(r"\D", "", value)


def _nik(value: str) -> str:
    digits = _digits(value)
    return digits if len(digits) == 16 else ""


def _phone(value: str) -> str:
    if re.search(r"[^\d\s().+-]", value):
        return ""
    digits = _digits(value)
    digits = "62" + digits[1:] if digits.startswith("0") else digits
    return digits if 9 <= len(digits) <= 15 else ""


def _email(value: str) -> str:
    value = value.strip().lower()
    return value if re.fullmatch(r"[^@\s]+@[^@\s]+", value) else ""


def _name(value: str) -> str:
    """A person's name compared exactly: case, accents, punctuation and spacing ignored."""
    plain = unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode().casefold()
    words = re.sub(r"[^a-z]+", " ", plain).split()
    return " ".join(words) if len(words) >= 1 and len("".join(words)) >= 3 else ""


# The kinds a form may name in `"x-identitas": "<kind>"`, each with its normalisation ("" when
# the value cannot be one, so a search for other words never touches the lookup table).
SEARCHABLE: dict[str, Callable[[str], str]] = {"nik": _nik, "telepon": _phone, "email": _email,
                                               "nama": _name}
# The kinds a free-text box recognises by the value's shape; a name only when asked for by kind
# (any word looks like a name, and the inbox's search box must not turn every word into a lookup).
BY_SHAPE: tuple[str, ...] = tuple(kind for kind in SEARCHABLE if kind != "nama")


class IdentityKeyMissing(RuntimeError):
    """No identity key is configured where one is required (production)."""


def init_app(app: Flask) -> None:
    """Load the identity keys: configured, a local file (development) or random (tests)."""
    keys = [k.strip() for k in str(app.config.get("IDENTITY_KEYS") or "").split(",") if k.strip()]
    hmac_key = str(app.config.get("IDENTITY_HMAC_KEY") or "")
    fallback = app.config.get("IDENTITY_KEY_FALLBACK", "refuse")
    if not keys or not hmac_key:
        if fallback == "random":
            keys, hmac_key = keys or [Fernet.generate_key().decode()], hmac_key or _new_hmac_key()
        elif fallback == "instance":
            keys, hmac_key = _local_keys(Path(app.instance_path) / KEY_FILE, keys, hmac_key)
        else:
            raise IdentityKeyMissing(
                "Set IDENTITY_KEYS (Fernet keys, newest first, comma-separated) and "
                "IDENTITY_HMAC_KEY: the complainants' identity is stored encrypted with them. "
                "Generate a key with: python -c 'from cryptography.fernet import Fernet; "
                "print(Fernet.generate_key().decode())'"
            )
    try:
        fernet = MultiFernet([Fernet(key.encode()) for key in keys])
    except ValueError as exc:
        message = f"IDENTITY_KEYS holds a key that is not a Fernet key: {exc}"
        raise IdentityKeyMissing(message) from exc
    app.extensions["identity"] = (fernet, hmac_key.encode())


def _new_hmac_key() -> str:
    return base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()


def _local_keys(path: Path, keys: list[str], hmac_key: str) -> tuple[list[str], str]:
    """Development keys kept in instance/ (gitignored), created on first use."""
    if path.exists():
        stored = json.loads(path.read_text())
    else:
        stored = {"keys": [Fernet.generate_key().decode()], "hmac_key": _new_hmac_key()}
        path.touch(mode=0o600)
        path.write_text(json.dumps(stored, indent=2))
    return keys or list(stored["keys"]), hmac_key or str(stored["hmac_key"])


def _keys() -> tuple[MultiFernet, bytes]:
    keys: tuple[MultiFernet, bytes] = current_app.extensions["identity"]
    return keys


def seal(document: Mapping[str, Any]) -> str:
    """DOCUMENT as an encrypted, authenticated token (newest key)."""
    text = json.dumps(dict(document), ensure_ascii=False, sort_keys=True, default=str)
    return _keys()[0].encrypt(text.encode("utf-8")).decode("ascii")


def unseal(token: str) -> dict[str, Any]:
    """The document inside TOKEN; an altered token or an unknown key raises InvalidToken."""
    document: dict[str, Any] = json.loads(_keys()[0].decrypt(token.encode("ascii")))
    return document


def seal_text(text: str) -> str:
    """A short secret (e.g. an access code kept for re-showing) encrypted like the identity."""
    return _keys()[0].encrypt(text.encode("utf-8")).decode("ascii")


def unseal_text(token: str) -> str:
    """The text inside a token made by `seal_text`."""
    return _keys()[0].decrypt(token.encode("ascii")).decode("utf-8")


def lookup_digest(kind: str, value: str) -> str | None:
    """The keyed hash of VALUE normalised as KIND; None when KIND is not searchable or empty."""
    normalise = SEARCHABLE.get(kind)
    normalised = normalise(value) if normalise and isinstance(value, str) else ""
    if not normalised:
        return None
    message = f"{kind}:{normalised}".encode()
    return hmac.new(_keys()[1], message, hashlib.sha256).hexdigest()


def identity_fields(schema: Mapping[str, Any]) -> dict[str, str | None]:
    """The properties a form marks as identity, each with its search kind (None: not searchable)."""
    fields: dict[str, str | None] = {}
    for name, prop in (schema.get("properties") or {}).items():
        marker = prop.get(IDENTITY_KEYWORD) if isinstance(prop, Mapping) else None
        if marker:
            fields[name] = marker if isinstance(marker, str) and marker in SEARCHABLE else None
    return fields


def store_identity(session: Session, case_id: int, schema: Mapping[str, Any],
                   identity: Mapping[str, Any]) -> None:
    """Keep the identity fields of IDENTITY sealed for CASE_ID, with their lookup hashes."""
    fields = identity_fields(schema)
    values = {k: v for k, v in identity.items() if v not in (None, "")}
    kinds = {k: fields[k] for k in values if fields.get(k)}
    session.add(Complainant(case_id=case_id, sealed=seal({"data": values, "kinds": kinds})))
    for name, kind in kinds.items():
        digest = lookup_digest(str(kind), str(values[name]))
        if digest:
            session.merge(IdentityLookup(case_id=case_id, kind=str(kind), digest=digest))


def _document(case_id: int, session: Session | None) -> dict[str, Any]:
    row = (session or get_session()).get(Complainant, case_id)
    return unseal(row.sealed) if row is not None else {"data": {}, "kinds": {}}


def identity_of(case_id: int, session: Session | None = None) -> dict[str, Any]:
    """The complainant's identity fields of CASE_ID (empty when none were given)."""
    data: dict[str, Any] = _document(case_id, session).get("data", {})
    return data


def contact_email(case_id: int, session: Session | None = None) -> str | None:
    """The complainant's address from the field the form marks `"x-identitas": "email"`."""
    document = _document(case_id, session)
    for name, kind in document.get("kinds", {}).items():
        value = document.get("data", {}).get(name)
        if kind == "email" and isinstance(value, str) and value.strip():
            return value.strip()
    return None


def set_aside(schema: Mapping[str, Any], data: Mapping[str, Any]
              ) -> tuple[dict[str, Any], dict[str, Any]]:
    """Split a public step's DATA into what the workflow keeps and what is personal.

    Personal: the form's identity fields and text the complainant marked personal
    (`x-pribadi-bila`). It is kept encrypted with the case's identity, never in the workflow
    state or the event log.
    """
    personal_names = personal_fields(schema, data)
    kept = {k: v for k, v in data.items() if k not in personal_names}
    personal = {k: v for k, v in data.items() if k in personal_names and v not in (None, "")}
    return kept, personal


def store_step_personal(session: Session, case_id: int, task_id: str,
                        personal: Mapping[str, Any]) -> None:
    """Add a step's personal fields to the case's encrypted document (caller's transaction)."""
    row = session.get(Complainant, case_id)
    if row is None:
        row = Complainant(case_id=case_id, sealed=seal({"data": {}, "kinds": {}}))
        session.add(row)
    document = unseal(row.sealed)
    document.setdefault("steps", {})[task_id] = dict(personal)
    row.sealed = seal(document)


def step_personal(case_id: int, session: Session | None = None) -> dict[str, dict[str, Any]]:
    """The personal fields each public step of CASE_ID set aside, by task id."""
    steps: dict[str, dict[str, Any]] = _document(case_id, session).get("steps", {})
    return steps


def find_case_ids(value: str, kinds: Iterable[str] = BY_SHAPE) -> list[int]:
    """Cases whose complainant gave VALUE as a NIK, phone, e-mail or name (never anonymous ones).

    Which cases a search by identity may return is decided in `privacy.findable_by_identity`.
    """
    digests = [d for d in (lookup_digest(kind, value) for kind in kinds) if d]
    if not digests:
        return []
    return sorted(set(get_session().scalars(
        select(IdentityLookup.case_id).where(IdentityLookup.digest.in_(digests),
                                             findable_by_identity(IdentityLookup.case_id)))))


def _in_batches(session: Session, batch: int) -> Iterator[Complainant]:
    """Every stored identity in case order, committing after each batch of BATCH rows."""
    last = 0
    while True:
        rows = list(session.scalars(select(Complainant).where(Complainant.case_id > last)
                                    .order_by(Complainant.case_id).limit(batch)))
        if not rows:
            return
        for row in rows:
            last = row.case_id
            yield row
        session.commit()


def rotate(session: Session, batch: int = 500) -> int:
    """Re-encrypt every identity document with the newest key; returns how many rows."""
    fernet = _keys()[0]
    done = 0
    for row in _in_batches(session, batch):
        row.sealed = fernet.rotate(row.sealed.encode("ascii")).decode("ascii")
        done += 1
    return done


def reindex(session: Session, schema_of: Callable[[int], Mapping[str, Any]],
            batch: int = 500) -> int:
    """Add the lookup digests the start form now marks but a stored identity lacks.

    For a kind introduced after cases were stored (e.g. `"x-identitas": "nama"`); SCHEMA_OF
    gives a case's start-form schema. Returns how many identities were looked at.
    """
    done = 0
    for row in _in_batches(session, batch):
        document = unseal(row.sealed)
        data = document.get("data", {})
        fields = identity_fields(schema_of(row.case_id))
        kinds = {name: str(fields[name]) for name in data if fields.get(name)}
        for name, kind in kinds.items():
            digest = lookup_digest(kind, str(data[name]))
            if digest:
                session.merge(IdentityLookup(case_id=row.case_id, kind=kind, digest=digest))
        if any(document.get("kinds", {}).get(k) != v for k, v in kinds.items()):
            document["kinds"] = {**document.get("kinds", {}), **kinds}
            row.sealed = seal(document)
        done += 1
    return done
