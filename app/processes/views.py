"""Process pages: deployed versions, one version's diagram, lanes and forms, and uploads."""

from __future__ import annotations

import json
from pathlib import Path

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from ..auth.decorators import role_required
from ..auth.roles import ADMINISTRATOR, PEMILIK_PROSES
from ..auth.service import has_any_role
from ..cases.models import ProcessVersion
from ..engine import DiagramError, DiagramProblem
from . import service

bp = Blueprint(
    "processes",
    __name__,
    url_prefix="/proses",
    template_folder="templates",
    static_folder="static",
    static_url_path="/static/processes",
)

VIEWERS = (PEMILIK_PROSES, ADMINISTRATOR)


def _version_or_404(version_id: int) -> ProcessVersion:
    version = service.get_version(version_id)
    if version is None:
        abort(404)
    return version


def _list_page(problems: list[DiagramProblem] | None = None, filename: str = "") -> str:
    return render_template(
        "processes/list.html",
        groups=service.list_versions(),
        can_deploy=has_any_role(current_user, PEMILIK_PROSES),
        problems=problems or [],
        filename=filename,
        max_mb=service.MAX_UPLOAD_BYTES // (1024 * 1024),
    )


@bp.get("/", strict_slashes=False)
@role_required(*VIEWERS)
def index() -> str:
    """Every deployed version per process, and the upload form for process owners."""
    return _list_page()


@bp.post("/pasang")
@role_required(PEMILIK_PROSES)
def upload() -> Response | tuple[str, int]:
    """Deploy an uploaded diagram with the server's forms, or show why it is refused."""
    upload = request.files.get("diagram")
    filename = (upload.filename or "") if upload else ""
    content = upload.stream.read(service.MAX_UPLOAD_BYTES + 1) if upload else b""
    forms_dir = Path(current_app.config["FORMS_DIR"])
    try:
        result = service.deploy_upload(
            filename, content, forms_dir, current_user.username, request.form.get("catatan", "")
        )
    except DiagramError as exc:
        return _list_page(exc.problems, filename), 422
    number = result.version.version
    if result.created:
        flash(_("Versi %(n)d dipasang.", n=number), "success")
    else:
        flash(_("Diagram sama dengan versi %(n)d; tidak ada versi baru.", n=number), "info")
    return redirect(url_for("processes.version", version_id=result.version.id))


@bp.get("/<int:version_id>")
@role_required(*VIEWERS)
def version(version_id: int) -> str:
    """One version: its diagram, its lanes with their user tasks, its forms."""
    version = _version_or_404(version_id)
    return render_template(
        "processes/version.html",
        version=version,
        is_active=service.is_active_version(version),
        case_count=service.count_cases(version),
        deployed_by_name=service.deployer_name(version),
        lanes=service.lane_summary(version.bpmn_xml),
        forms=list(service.form_files(version)),
        can_migrate=has_any_role(current_user, PEMILIK_PROSES),
    )


@bp.get("/<int:version_id>/diagram.bpmn")
@role_required(*VIEWERS)
def diagram(version_id: int) -> Response:
    """The stored diagram bytes, exactly as deployed."""
    version = _version_or_404(version_id)
    name = f"{version.process_id}-v{version.version}.bpmn"
    return Response(
        version.bpmn_xml,
        mimetype="application/xml",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@bp.get("/<int:version_id>/formulir/<filename>")
@role_required(*VIEWERS)
def form_file(version_id: int, filename: str) -> Response:
    """One form file stored with the version, as JSON."""
    text = service.form_files(_version_or_404(version_id)).get(filename)
    if text is None:
        abort(404)
    pretty = json.dumps(json.loads(text), indent=2, ensure_ascii=False)
    return Response(pretty, mimetype="application/json")
