"""The modeler pages for process owners: edit a diagram and its forms, lint, preview, deploy."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, jsonify, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from werkzeug.wrappers import Response

from ..auth.decorators import role_required
from ..auth.roles import PEMILIK_PROSES
from ..cases.models import ProcessVersion
from ..cases.service import NoProcessDeployed, active_version
from ..engine import DiagramError
from . import modeler, service

bp = Blueprint("modeler", __name__, url_prefix="/proses/modeler", template_folder="templates")


def _body() -> Any:
    return request.get_json(silent=True)


def _refused(message: str, status: int = 400) -> tuple[Response, int]:
    return jsonify({"error": message}), status


@bp.get("/", strict_slashes=False)
@role_required(PEMILIK_PROSES)
def live() -> str:
    """The modeler on the live (newest) version of the process deployed last."""
    chosen = request.args.get("versi", type=int)
    if chosen is not None:
        return edit(chosen)
    try:
        version = active_version()
    except NoProcessDeployed:
        abort(404)
    return edit(version.id)


@bp.get("/<int:version_id>")
@role_required(PEMILIK_PROSES)
def edit(version_id: int) -> str:
    """The modeler and form editor, opened on one deployed version."""
    version = service.get_version(version_id)
    if version is None:
        abort(404)
    versions = [row.version for row in service.list_versions().get(version.process_id, [])]
    return render_template(
        "processes/modeler.html",
        version=version,
        versions=versions,
        page_data={
            "diagramUrl": url_for("processes.diagram", version_id=version.id),
            "diagramName": f"{version.process_id}-v{version.version}.bpmn",
            "forms": service.form_files(version),
            "conventionsUrl": url_for("modeler.conventions"),
            "checkUrl": url_for("modeler.check"),
            "deployUrl": url_for("modeler.deploy"),
            "previewUrl": url_for("modeler.form_preview"),
            "csrf": generate_csrf(),
            "baseVersion": version.id,
        },
    )


@bp.get("/konvensi.json")
@role_required(PEMILIK_PROSES)
def conventions() -> Response:
    """The diagram conventions the properties panel offers (process/CONVENTIONS.md)."""
    return jsonify(modeler.convention_catalogue())


@bp.post("/periksa")
@role_required(PEMILIK_PROSES)
def check() -> Response | tuple[Response, int]:
    """Lint the edited diagram and files: every finding, with its severity."""
    try:
        payload = modeler.read_payload(_body())
    except modeler.PayloadError as exc:
        return _refused(str(exc))
    return jsonify({"problems": modeler.problems_json(modeler.check(payload))})


@bp.post("/pasang")
@role_required(PEMILIK_PROSES)
def deploy() -> Response | tuple[Response, int]:
    """Deploy the edited diagram with its files and the owner's comment, or say why not."""
    try:
        payload = modeler.read_payload(_body(), with_note=True)
        result = modeler.deploy(payload, current_user.username)
    except modeler.PayloadError as exc:
        return _refused(str(exc))
    except DiagramError as exc:
        return jsonify({"problems": modeler.problems_json(exc.problems)}), 422
    except modeler.DeployConflict as exc:
        return _conflict(exc.newest), 409
    number = result.version.version
    message = (_("Versi %(n)d dipasang.", n=number) if result.created
               else _("Diagram sama dengan versi %(n)d; tidak ada versi baru.", n=number))
    body = {"id": result.version.id, "version": number, "created": result.created,
            "message": message,
            "url": url_for("processes.version", version_id=result.version.id)}
    return jsonify(body), (201 if result.created else 200)


def _conflict(newest: ProcessVersion) -> Response:
    """Tell the owner who deployed what since they opened their version; nothing was stored."""
    who = service.deployer_name(newest) or _("baris perintah")
    message = _("Versi %(n)d dipasang oleh %(who)s sejak Anda membuka diagram ini; perubahan Anda "
                "belum dipasang. Lihat versi itu dulu, atau pasang tetap di atasnya.",
                n=newest.version, who=who)
    return jsonify({"conflict": message, "newest_id": newest.id, "newest_version": newest.version,
                    "url": url_for("processes.version", version_id=newest.id)})


@bp.post("/formulir/pratinjau")
@role_required(PEMILIK_PROSES)
def form_preview() -> str:
    """The edited form rendered by the same macros staff and the public see (a whole page)."""
    return render_template("processes/form_preview.html", preview=modeler.preview(_body()))
