"""Forms from JSON Schema: field specs, typed parsing, Indonesian error messages, Jinja macros.

Pure functions and templates: no SpiffWorkflow, no database. Templates use the macros with
`{% from "formrender/macros.html" import render_form, render_readonly %}` once `init_app` has run.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Blueprint, Flask, current_app

from .i18n import format_date, format_size
from .parse import parse_submission
from .spec import Choice, Field, FormSpec, build_spec, load_spec
from .validate import ALL, Errors, validate

DEFAULT_FILE_LIMIT = 5 * 1024 * 1024  # app.cases.attachments' default ATTACHMENT_MAX_BYTES
TEMPLATE_FOLDER = str(Path(__file__).parent / "templates")

bp = Blueprint(
    "formrender",
    __name__,
    template_folder="templates",
    static_folder="static",
    static_url_path="/static/formrender",
)

__all__ = [
    "ALL",
    "TEMPLATE_FOLDER",
    "Choice",
    "Errors",
    "Field",
    "FormSpec",
    "bp",
    "build_spec",
    "format_date",
    "format_size",
    "init_app",
    "load_spec",
    "parse_submission",
    "validate",
]


def _plain_gettext(message: str, **variables: Any) -> str:
    return message % variables


@bp.record_once
def _install_template_helpers(state: Any) -> None:
    """Make `_` usable in the macros even when Flask-Babel is not set up (Babel's own `_` wins)."""
    state.app.jinja_env.globals.setdefault("_", _plain_gettext)
    state.app.jinja_env.globals.setdefault("gettext", _plain_gettext)
    state.app.add_template_filter(format_size, "file_size")
    state.app.jinja_env.globals.setdefault("form_file_limit", form_file_limit)


def form_file_limit() -> int:
    """The largest attachment the app accepts, for the file inputs' own check (bytes)."""
    return int(current_app.config.get("ATTACHMENT_MAX_BYTES", DEFAULT_FILE_LIMIT))


def init_app(app: Flask) -> None:
    """Register the macros' template folder with APP."""
    app.register_blueprint(bp)
