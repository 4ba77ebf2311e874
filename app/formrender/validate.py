"""Validate form data against its JSON Schema; say what is wrong, per field, in Bahasa Indonesia."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import re2
from jsonschema import Draft202012Validator, FormatChecker, validators
from jsonschema.exceptions import ValidationError
from referencing import Registry

from .i18n import _, join_alternatives

ALL = "__all__"  # the key of errors that concern the form as a whole
Errors = dict[str, list[str]]

FIXED_DIGITS = re.compile(r"^\^(\[0-9\]|\\d)\{(\d+)\}\$$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s.]+(\.[^@\s.]+)+$")
CHOICE_KEYWORDS = frozenset({"enum", "const", "oneOf", "anyOf"})

FORMAT_CHECKER = FormatChecker()


@FORMAT_CHECKER.checks("email")
def _is_email(instance: object) -> bool:
    """Stricter than jsonschema's own check, which accepts anything with an @."""
    return not isinstance(instance, str) or bool(EMAIL.match(instance))


def _linear_pattern(validator: Any, pattern: str, instance: Any, schema: Any) -> Any:
    """`pattern` matched by RE2, which runs in linear time: no catastrophic backtracking."""
    if validator.is_type(instance, "string") and not re2.search(pattern, instance):
        yield ValidationError(f"{instance!r:.80} does not match {pattern!r}")


# `"x-pesan": "<text>"` on a (sub)schema: the message shown when that schema refuses a value, e.g.
# on the `then` of a rule that forbids a contradiction (process/CONVENTIONS.md, "Form messages").
CUSTOM_MESSAGE = "x-pesan"
# `"x-bukan-masa-depan": true` on a `format: date` field: no day after today (in WIB).
NOT_FUTURE = "x-bukan-masa-depan"
LOCAL_TIME = ZoneInfo("Asia/Jakarta")


def today() -> date:
    """Today as the office counts it (WIB)."""
    return datetime.now(LOCAL_TIME).date()


def _not_future(validator: Any, wanted: Any, instance: Any, schema: Any) -> Any:
    """A date after today (WIB) is refused when the schema asks for it."""
    if wanted is not True or not validator.is_type(instance, "string"):
        return
    try:
        day = date.fromisoformat(instance)
    except ValueError:
        return  # `format: date` reports it
    if day > today():
        yield ValidationError(f"{instance} is after today", validator=NOT_FUTURE)


# Forms only refer inside themselves: an empty registry means no `$ref` is ever fetched.
SafeValidator = validators.extend(
    Draft202012Validator, {"pattern": _linear_pattern, NOT_FUTURE: _not_future}
)
NO_REMOTE_REFERENCES: Registry[Any] = Registry()


def validate(schema: Mapping[str, Any], data: Any) -> Errors:
    """DATA's errors against SCHEMA: field name (or `__all__`) to messages; empty when valid."""
    validator = SafeValidator(schema, format_checker=FORMAT_CHECKER, registry=NO_REMOTE_REFERENCES)
    found: list[tuple[str, str, str]] = []
    for error in validator.iter_errors(data):
        found.extend(_describe(error, schema))
    return _collect(found)


def _describe(error: ValidationError, schema: Mapping[str, Any]) -> list[tuple[str, str, str]]:
    """(field, keyword, message) for each field ERROR concerns."""
    keyword = str(error.validator)
    if error.absolute_path:
        return [(str(error.absolute_path[0]), keyword, message(error))]
    if keyword == "required":
        return [(name, keyword, _("Wajib diisi.")) for name in _missing(error)]
    if keyword in ("anyOf", "oneOf"):
        return _alternatives(error, schema)
    if keyword == "additionalProperties":
        names = ", ".join(_extras(error))
        return [(ALL, keyword, _("Isian tidak dikenal: %(names)s.", names=names))]
    return [(ALL, keyword, message(error))]


def _missing(error: ValidationError) -> list[str]:
    instance = error.instance if isinstance(error.instance, dict) else {}
    return [str(name) for name in error.validator_value if name not in instance]


def _extras(error: ValidationError) -> list[str]:
    instance = error.instance if isinstance(error.instance, dict) else {}
    known = set(error.schema.get("properties", {})) if isinstance(error.schema, dict) else set()
    return sorted(str(name) for name in instance if name not in known)


def _alternatives(error: ValidationError, schema: Mapping[str, Any]) -> list[tuple[str, str, str]]:
    """An anyOf of `required` alternatives: each alternative's field is told to fill one of them."""
    suberrors = list(error.context or [])
    if not suberrors or any(e.validator != "required" or e.relative_path for e in suberrors):
        return [(ALL, str(error.validator), _("Isian belum lengkap atau tidak sesuai."))]
    names = list(dict.fromkeys(name for e in suberrors for name in _missing(e)))
    properties = schema.get("properties", {})
    titles = [str(properties.get(name, {}).get("title", name)) for name in names]
    note = _("Isi salah satu: %(fields)s.", fields=join_alternatives(titles))
    return [(name, "required", note) for name in names]


def _collect(found: list[tuple[str, str, str]]) -> Errors:
    """Group messages per field, without repeats; a wrong type hides the consequential errors."""
    mistyped = {name for name, keyword, _message in found if keyword == "type"}
    errors: Errors = {}
    for name, keyword, text in found:
        if name in mistyped and keyword != "type":
            continue
        messages = errors.setdefault(name, [])
        if text not in messages:
            messages.append(text)
    return errors


def message(error: ValidationError) -> str:
    """ERROR's message in Bahasa Indonesia."""
    keyword = str(error.validator)
    custom = error.schema.get(CUSTOM_MESSAGE) if isinstance(error.schema, Mapping) else None
    if isinstance(custom, str) and custom:
        return custom
    if keyword in CHOICE_KEYWORDS:
        return _("Pilihan tidak valid.")
    describe = MESSAGES.get(keyword)
    return describe(error) if describe else _("Isian tidak valid.")


def _pattern(error: ValidationError) -> str:
    digits = FIXED_DIGITS.match(str(error.validator_value))
    if digits:
        return _("Harus %(n)s digit angka.", n=digits.group(2))
    return _("Format tidak sesuai.")


def _format(error: ValidationError) -> str:
    if error.validator_value == "email":
        return _("Alamat surel tidak valid.")
    if error.validator_value == "date":
        return _("Tanggal tidak valid (format TTTT-BB-HH).")
    return _("Format tidak sesuai.")


def _has_choices(error: ValidationError) -> bool:
    items = error.schema.get("items", {}) if isinstance(error.schema, dict) else {}
    return isinstance(items, dict) and bool(items.keys() & {"oneOf", "anyOf", "enum"})


def _max_items(error: ValidationError) -> str:
    if _has_choices(error):
        return _("Pilih paling banyak %(n)s.", n=error.validator_value)
    return _("Maksimal %(n)s berkas.", n=error.validator_value)


def _min_items(error: ValidationError) -> str:
    if _has_choices(error):
        return _("Pilih paling sedikit %(n)s.", n=error.validator_value)
    return _("Minimal %(n)s berkas.", n=error.validator_value)


MESSAGES: dict[str, Callable[[ValidationError], str]] = {
    "required": lambda e: _("Wajib diisi."),
    "type": lambda e: _("Jenis isian tidak sesuai."),
    "pattern": _pattern,
    "format": _format,
    "minLength": lambda e: _("Minimal %(n)s karakter.", n=e.validator_value),
    "maxLength": lambda e: _("Maksimal %(n)s karakter.", n=e.validator_value),
    "minimum": lambda e: _("Nilai paling kecil %(n)s.", n=e.validator_value),
    "maximum": lambda e: _("Nilai paling besar %(n)s.", n=e.validator_value),
    "exclusiveMinimum": lambda e: _("Nilai harus lebih dari %(n)s.", n=e.validator_value),
    "exclusiveMaximum": lambda e: _("Nilai harus kurang dari %(n)s.", n=e.validator_value),
    "multipleOf": lambda e: _("Nilai harus kelipatan %(n)s.", n=e.validator_value),
    "maxItems": _max_items,
    "minItems": _min_items,
    "uniqueItems": lambda e: _("Pilihan tidak boleh berulang."),
    NOT_FUTURE: lambda e: _("Tanggal tidak boleh setelah hari ini."),
}
