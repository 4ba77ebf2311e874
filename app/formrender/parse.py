"""Turn the strings of a submitted form into the typed data its JSON Schema describes."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from werkzeug.datastructures import FileStorage, MultiDict

from .normalise import normalise
from .spec import Field, FormSpec

INTEGER = re.compile(r"[+-]?\d{1,18}")  # longer stays text: validation says "not a number"
MAX_NUMBER_TEXT = 40
TRUE_TOKENS = frozenset({"true", "on", "1", "ya"})
_MISSING = object()

Uploads = dict[str, list[FileStorage]]


def parse_submission(
    spec: FormSpec,
    form: MultiDict[str, str],
    files: MultiDict[str, FileStorage] | None = None,
    hidden_fields: Iterable[str] = (),
) -> tuple[dict[str, Any], Uploads]:
    """Typed data from FORM, and the uploaded files per file field (the caller stores them).

    Empty answers are left out so that `required` catches them; a text that cannot be converted
    (e.g. letters in a number) is kept as it is so that validation reports the wrong type.
    Fields named in HIDDEN_FIELDS are ignored even when the browser sends them.
    """
    skip = set(hidden_fields)
    data: dict[str, Any] = {}
    uploads: Uploads = {}
    for field in spec.fields:
        if field.name in skip:
            continue
        if field.widget == "file":
            chosen = [f for f in (files.getlist(field.name) if files else []) if f and f.filename]
            if chosen:
                uploads[field.name] = chosen
            continue
        value = _parse_field(field, form)
        if value is not _MISSING:
            data[field.name] = value
    return data, uploads


def _parse_field(field: Field, form: MultiDict[str, str]) -> Any:
    if field.multiple:
        raw = form.getlist(field.name)
        if field.widget == "textarea":
            raw = [line for text in raw for line in text.splitlines()]
        items = [convert(field.item_kind, text.strip()) for text in raw if text.strip()]
        return items or _MISSING
    if field.widget == "checkbox":
        return form.get(field.name, "").strip().lower() in TRUE_TOKENS
    text = form.get(field.name, "").strip()
    text = normalise(field.normal_form, text)
    return convert(field.kind, text) if text else _MISSING


def convert(kind: str, text: str) -> Any:
    """TEXT as a value of JSON type KIND; TEXT itself when it is not one."""
    if kind == "boolean":
        return {"true": True, "false": False}.get(text.lower(), text)
    if kind == "integer":
        return int(text) if INTEGER.fullmatch(text) else text
    if kind == "number":
        return _number(text)
    return text


def _number(text: str) -> Any:
    if len(text) > MAX_NUMBER_TEXT:
        return text
    if INTEGER.fullmatch(text):
        return int(text)
    candidate = text.replace(",", ".") if text.count(",") == 1 and "." not in text else text
    try:
        number = float(candidate)
    except ValueError:
        return text
    return number if number == number and abs(number) != float("inf") else text
