"""The fingerprint of a deployed process version, and the check that it still matches."""

from __future__ import annotations

import hashlib
import json

from flask_babel import gettext as _

from .models import ProcessVersion


def content_hash(bpmn_xml: bytes, forms: dict[str, str]) -> str:
    """A SHA-256 over the diagram and its forms: equal content, equal hash."""
    digest = hashlib.sha256(bpmn_xml)
    digest.update(json.dumps(forms, sort_keys=True).encode("utf-8"))
    return digest.hexdigest()


def verify_version(version: ProcessVersion) -> list[str]:
    """Problems with VERSION: its diagram or forms no longer give the hash stored at deploy."""
    try:
        forms = json.loads(version.forms_json)
        intact = isinstance(forms, dict) and isinstance(version.bpmn_xml, bytes)
        intact = intact and content_hash(version.bpmn_xml, forms) == version.content_hash
    except (TypeError, ValueError):  # a tampered column may not even hold the right type
        intact = False
    if intact:
        return []
    return [
        _(
            "versi proses %(n)d telah diubah setelah dipasang: diagram atau formulirnya tidak "
            "cocok dengan sidik yang tersimpan",
            n=version.version,
        )
    ]
