"""One normalisation of typed-in numbers, chosen by what a field declares, never by its name.

A field is a phone number when it is marked `"x-identitas": "telepon"` or its UI hints ask for
`"inputType": "tel"`; a number of digits (NIK, nomor KK) when it is marked `"x-identitas": "nik"`
or its `pattern` allows digits only. People write `0812-3456-7890`, `+62 812 3456 7890` or
`1605 0155 0788 0003`: spaces, dots, dashes and brackets are dropped, and a phone's leading
`+62`/`62` becomes `0`, so the schema's pattern sees one form.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

PHONE = "telepon"
DIGITS = "angka"
SEPARATORS = re.compile(r"[\s.\-()]")
COUNTRY_CODE = re.compile(r"^(\+62|62)")


def normal_form(prop: Mapping[str, Any], options: Mapping[str, Any], digits_pattern: bool) -> str:
    """Which normalisation a field declares: PHONE, DIGITS or "" (none)."""
    marker = prop.get("x-identitas")
    if marker == "telepon" or options.get("inputType") == "tel":
        return PHONE
    if marker == "nik" or digits_pattern:
        return DIGITS
    return ""


def normalise(kind: str, text: str) -> str:
    """TEXT in the one form its KIND is stored in; TEXT itself for other kinds."""
    if kind not in (PHONE, DIGITS):
        return text
    cleaned = SEPARATORS.sub("", text)
    if kind == PHONE:
        cleaned = COUNTRY_CODE.sub("0", cleaned)
    return cleaned
