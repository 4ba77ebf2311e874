"""Audit pages: find a case by tracking number, its timeline and diagram, the JSON export."""

from __future__ import annotations

from flask import Blueprint, abort, jsonify, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from ..auth.decorators import role_required
from ..auth.roles import ADMINISTRATOR, AUDITOR, PEMILIK_PROSES
from ..auth.service import active_roles, has_any_role
from ..cases.models import Case
from . import service

bp = Blueprint(
    "audit",
    __name__,
    url_prefix="/audit",
    template_folder="templates",
    static_folder="static",
    static_url_path="/static/audit",
)

AUDITORS = (AUDITOR, PEMILIK_PROSES)


def _case_or_404(tracking_code: str) -> Case:
    case = service.find_case(tracking_code)
    if case is None:
        abort(404)
    return case


@bp.get("/", strict_slashes=False)
@role_required(*AUDITORS)
def index() -> str | Response | tuple[str, int]:
    """Search a case by its tracking number (exact)."""
    code = request.args.get("nomor", "").strip()
    if not code:
        return render_template("audit/search.html", code="", not_found=False)
    case = service.find_case(code)
    if case is None:
        return render_template("audit/search.html", code=code, not_found=True), 404
    return redirect(url_for("audit.case", tracking_code=case.tracking_code))


@bp.get("/kasus/<tracking_code>")
@role_required(*AUDITORS)
def case(tracking_code: str) -> str:
    """One case: header, timeline with form data, chain verification, diagram with markers."""
    audit = service.audit_case(_case_or_404(tracking_code), active_roles(current_user))
    can_see_process = has_any_role(current_user, PEMILIK_PROSES, ADMINISTRATOR)
    return render_template("audit/case.html", audit=audit, can_see_process=can_see_process)


@bp.get("/kasus/<tracking_code>/diagram.bpmn")
@role_required(*AUDITORS)
def diagram(tracking_code: str) -> Response:
    """The diagram of the process version the case runs on, exactly as deployed."""
    version = _case_or_404(tracking_code).process_version
    name = f"{version.process_id}-v{version.version}.bpmn"
    return Response(
        version.bpmn_xml,
        mimetype="application/xml",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@bp.get("/kasus/<tracking_code>/peristiwa.json")
@role_required(*AUDITORS)
def events_json(tracking_code: str) -> Response:
    """Every event of the case with its hashes, for verification outside the application."""
    case = _case_or_404(tracking_code)
    response = jsonify(service.export_events(case, active_roles(current_user)))
    filename = f"{case.tracking_code}-peristiwa.json"
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
