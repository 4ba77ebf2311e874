"""Audit pages: search across cases, a case's timeline and step-through, heatmaps, exports."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from ..auth.decorators import role_required
from ..auth.roles import ADMINISTRATOR, AUDITOR, PEMILIK_PROSES
from ..auth.service import active_roles, has_any_role
from ..cases.models import Case, ProcessVersion
from ..cases.service import CaseConflict
from ..db import get_session
from . import export, heatmap, search, service, steps, verify
from .reveal import RevealRefused, reveal_identity

bp = Blueprint(
    "audit",
    __name__,
    url_prefix="/audit",
    template_folder="templates",
    static_folder="static",
    static_url_path="/static/audit",
)

# Auditors only: a process owner reaches these pages when they also hold the Auditor role.
AUDITORS = (AUDITOR,)


def _case_or_404(tracking_code: str) -> Case:
    case = service.find_case(tracking_code)
    if case is None:
        abort(404)
    return case


@bp.get("/", strict_slashes=False)
@role_required(*AUDITORS)
def index() -> str | Response | tuple[str, int]:
    """Search across cases (filters, pages, counts), or open one by its exact tracking number."""
    code = request.args.get("nomor", "").strip()
    if code:
        case = service.find_case(code)
        if case is None:
            return render_template("audit/search.html", code=code, not_found=True,
                                   **_search_context()), 404
        return redirect(url_for("audit.case", tracking_code=case.tracking_code))
    return render_template("audit/search.html", code="", not_found=False, **_search_context())


def _search_context() -> dict[str, object]:
    filters = search.CaseFilters.from_args(request.args)
    return {"filters": filters, "results": search.search(filters),
            "last_run": verify.latest_run()}


@bp.get("/kasus.csv")
@role_required(*AUDITORS)
def cases_csv() -> Response:
    """The cases the search matches, as CSV (no identity)."""
    cases = get_session().scalars(search.matching(search.CaseFilters.from_args(request.args)))
    return _download(export.cases_csv(cases), "kasus.csv", "text/csv")


@bp.get("/peristiwa.csv")
@role_required(*AUDITORS)
def events_csv() -> Response:
    """The events of the cases the search matches, as CSV (no form data, no identity)."""
    cases = get_session().scalars(search.matching(search.CaseFilters.from_args(request.args)))
    return _download(export.events_csv(cases), "peristiwa.csv", "text/csv")


@bp.get("/log.xes")
@role_required(*AUDITORS)
def events_xes() -> Response:
    """The cases the search matches as an XES event log for process-mining tools."""
    cases = list(get_session().scalars(
        search.matching(search.CaseFilters.from_args(request.args))))
    return _download("".join(export.xes(reversed(cases))), "pengaduan.xes", "application/xml")


def _download(body: str, filename: str, mimetype: str) -> Response:
    return Response(body, mimetype=mimetype,
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@bp.get("/kasus/<tracking_code>")
@role_required(*AUDITORS)
def case(tracking_code: str) -> tuple[str, int]:
    """One case: timeline, chain check, step-through replay, diagram with markers."""
    return _case_page(_case_or_404(tracking_code))


def _case_page(case: Case, revealed: list[tuple[str, str]] | None = None,
               reveal_error: str = "", reason: str = "", status: int = 200) -> tuple[str, int]:
    audit = service.audit_case(case, active_roles(current_user))
    frames, replay = steps.step_through(case, audit)
    can_see_process = has_any_role(current_user, PEMILIK_PROSES, ADMINISTRATOR)
    return render_template("audit/case.html", audit=audit, can_see_process=can_see_process,
                           frames=frames, replay_problems=replay.problems, revealed=revealed,
                           reveal_error=reveal_error, reason=reason), status


@bp.post("/kasus/<tracking_code>/identitas")
@role_required(*AUDITORS)
def reveal(tracking_code: str) -> tuple[str, int]:
    """Show a non-anonymous complainant's identity, recording the auditor's reason first."""
    case = _case_or_404(tracking_code)
    reason = request.form.get("alasan", "")
    try:
        shown = reveal_identity(case.id, current_user.id, reason)
    except RevealRefused as exc:
        return _case_page(case, reveal_error=str(exc), reason=reason[:500], status=400)
    except CaseConflict:
        return _case_page(case, reveal_error=_("Kasus baru saja berubah; coba lagi."),
                          reason=reason[:500], status=409)
    return _case_page(get_session().get(Case, case.id) or case, revealed=shown)


@bp.get("/kasus/<tracking_code>/diagram.bpmn")
@role_required(*AUDITORS)
def diagram(tracking_code: str) -> Response:
    """The diagram of the process version the case runs on, exactly as deployed."""
    return _diagram_of(_case_or_404(tracking_code).process_version)


def _diagram_of(version: ProcessVersion) -> Response:
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


@bp.get("/peta-panas")
@role_required(*AUDITORS)
def heat() -> str | tuple[str, int]:
    """Per process version: cases through each element and working days spent there."""
    versions = heatmap.versions()
    if not versions:
        return render_template("audit/heatmap.html", heat=None, versions=[], errors={})
    chosen = request.args.get("versi", "")
    version = next((v for v in versions if str(v.id) == chosen), versions[0])
    errors: dict[str, str] = {}
    period: dict[str, date | None] = {}
    for key in ("dari", "sampai"):
        raw = request.args.get(key, "").strip()
        try:
            period[key] = date.fromisoformat(raw) if raw else None
        except ValueError:
            errors[key] = _("Tanggal tidak dikenali: %(value)s (tulis TTTT-BB-HH).", value=raw)
            period[key] = None
    heat = heatmap.heatmap(version, period["dari"], period["sampai"])
    page = render_template("audit/heatmap.html", heat=heat, versions=versions, errors=errors,
                           period=period)
    return (page, 400) if errors else page


@bp.get("/versi/<int:version_id>/diagram.bpmn")
@role_required(*AUDITORS)
def version_diagram(version_id: int) -> Response:
    """A deployed version's diagram, for the heatmap."""
    version = get_session().get(ProcessVersion, version_id)
    if version is None:
        abort(404)
    return _diagram_of(version)


@bp.get("/verifikasi")
@role_required(*AUDITORS)
def runs() -> str:
    """The kept reports of `audit verify` runs, newest first, with their problems."""
    found = verify.recent_runs()
    return render_template("audit/runs.html", runs=[(r, verify.run_problems(r)) for r in found])
