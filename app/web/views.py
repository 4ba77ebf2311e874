"""Front page, health check, language switch and the front-end packages served from node_modules."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, abort, current_app, jsonify, render_template, send_from_directory
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.wrappers import Response

from ..db import get_engine

bp = Blueprint(
    "web",
    __name__,
    template_folder="templates",
    static_folder="static",
    static_url_path="/static/web",
)

# The only npm packages the browser may fetch; anything else under node_modules stays private.
VENDOR_PACKAGES = frozenset({"@picocss/pico", "bpmn-js", "chart.js"})


@bp.get("/")
def index() -> str:
    """The front page: submit a complaint, follow one, or sign in as staff."""
    return render_template("web/index.html")


@bp.get("/healthz")
def healthz() -> tuple[Response, int]:
    """Liveness and database reachability, as JSON."""
    try:
        with get_engine().connect() as connection:
            connection.execute(text("SELECT 1"))
    except SQLAlchemyError as exc:
        detail = str(exc.__cause__ or exc).splitlines()[0]
        return jsonify(status="error", detail=detail), 503
    return jsonify(status="ok"), 200


def _vendor_package(filename: str) -> str | None:
    """The allowed package FILENAME lies in, or None."""
    return next((p for p in VENDOR_PACKAGES if filename.startswith(p + "/")), None)


@bp.get("/vendor/<path:filename>")
def vendor(filename: str) -> Response:
    """A file of an allowed npm package (no directory traversal, no other packages)."""
    parts = Path(filename).parts
    if _vendor_package(filename) is None or ".." in parts or any(p.startswith(".") for p in parts):
        abort(404)
    return send_from_directory(current_app.config["NODE_MODULES_DIR"], filename, max_age=86400)
