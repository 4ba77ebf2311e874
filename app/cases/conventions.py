"""A deployed version's conventions (app/engine/conventions.py) and its texts in the UI language."""

from __future__ import annotations

from typing import Any

import flask_babel
from flask import current_app, has_request_context

from ..engine.conventions import (
    ProcessConventions,
    loaded_conventions,
    read_conventions,
    translate_document,
)
from .models import ProcessVersion


def of(version: ProcessVersion) -> ProcessConventions:
    """The conventions of VERSION (cached by its content hash)."""
    return read_conventions(version.content_hash, version.bpmn_xml, version.forms_json)


def language() -> str:
    """The interface language of this request ('id' outside requests: e-mails, workers)."""
    if not has_request_context() or "babel" not in current_app.extensions:
        return "id"
    locale = flask_babel.get_locale()
    return locale.language if locale is not None else "id"


def text(version: ProcessVersion | None, source: str | None) -> str:
    """SOURCE, a text of VERSION's diagram or forms, in the interface language."""
    if not source or version is None:
        return source or ""
    lang = language()
    return source if lang == "id" else of(version).translate(source, lang)


def text_of_any_version(source: str | None) -> str:
    """SOURCE in the interface language from any catalogue already loaded (no database read)."""
    lang = language()
    if not source or lang == "id":
        return source or ""
    for conv in loaded_conventions():
        translated = conv.translate(source, lang)
        if translated != source:
            return translated
    return source


def document(version: ProcessVersion, form: Any) -> Any:
    """A form document of VERSION with its texts in the interface language."""
    lang = language()
    if form is None or lang == "id":
        return form
    return translate_document(form, of(version).translations.get(lang, {}))
