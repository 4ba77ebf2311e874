"""Public pages: submit a complaint, see the codes once, track it, do the public lane's tasks.

Also the desk officer's registration of complaints that came by other channels.
"""

from __future__ import annotations

import logging
from typing import Any

import segno
from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    send_file,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup
from werkzeug.wrappers import Response

from ..auth import role_required, sessions
from ..auth.lanes import registrar_lanes
from ..auth.service import active_roles
from ..cases.events import Actor
from ..cases.models import Case
from ..cases.service import CaseConflict, TaskUnavailable
from ..formrender import ALL, format_size
from ..web import limiter
from . import access, recovery, service
from .links import code_link, tracking_url

log = logging.getLogger(__name__)

bp = Blueprint("public", __name__, template_folder="templates", static_folder="static",
               static_url_path="/static/public")

HONEYPOT = "situs_web"
SEND_CODE = "kirim_kode_surel"
# Only submissions that create (or replay) a case count: a refused form (422) costs nothing, so
# correcting mistakes never locks anyone out; many phones share a carrier's address.
SUBMIT_LIMIT = "5/minute;200/day"
LOOKUP_LIMIT = "20/minute"
RECOVERY_LIMIT = "5/hour;20/day"
FORM_TOKENS = "token_formulir"  # digests of the submission tokens issued to this session
MAX_FORM_TOKENS = 10
NOT_FOUND = _l("Nomor pelacakan atau kode akses tidak cocok. Periksa kembali keduanya.")


def _counts_as_submission(response: Response) -> bool:
    """A refused form (400/409/413/422) does not count against the submission limit."""
    return response.status_code not in (400, 409, 413, 422)


def _no_store(page: str) -> Response:
    """PAGE that no cache keeps: Back/Forward must not show a code shown once again."""
    response = make_response(page)
    response.headers["Cache-Control"] = "no-store, max-age=0"
    response.headers["Pragma"] = "no-cache"
    return response


def _lookup_limited() -> bool:
    """Only requests that test an access code count against the look-up limit."""
    return request.method != "POST" and "kode" not in request.args


def _qr_svg(url: str) -> Markup:
    """URL as an inline SVG QR code (no network, no image file)."""
    svg = segno.make(url, error="m").svg_inline(scale=5, border=2, dark="#111")
    return Markup(svg)  # noqa: S704 # nosec B704 # segno's own SVG, URL escaped


def _codes_link(tracking_code: str, access_code: str) -> str:
    """The link with the access code, built from the configured public address."""
    return code_link(tracking_code, access_code)


def _form_token(previous: str = "") -> str:
    """The one-time token for the form about to be rendered (PREVIOUS kept when re-shown)."""
    token = previous or service.new_form_token()
    issued = [d for d in session.get(FORM_TOKENS, []) if d != service.token_digest(token)]
    session[FORM_TOKENS] = [*issued, service.token_digest(token)][-MAX_FORM_TOKENS:]
    return token


def _issued_here() -> bool:
    """True when the posted form's token was issued to this browser session."""
    token = request.form.get(service.TOKEN_FIELD, "")
    return bool(token) and service.token_digest(token) in session.get(FORM_TOKENS, [])


@bp.route("/pengaduan/baru", methods=["GET", "POST"])
@limiter.limit(SUBMIT_LIMIT, methods=["POST"], deduct_when=_counts_as_submission)
def submit() -> str | Response | tuple[str, int]:
    """The complaint form (no account needed)."""
    start = service.start_form()
    if request.method == "GET":
        return render_template("public/submit.html", start=start, values=None, errors={},
                               form_token=_form_token())
    if request.form.get(HONEYPOT):
        log.info("honeypot field filled: submission dropped")
        return render_template("public/submit.html", start=start, values=None, errors={},
                               refused=True, form_token=_form_token()), 400
    emailed = bool(request.form.get(SEND_CODE) and request.form.get("email", "").strip())
    try:
        submitted = service.submit(request.form, request.files, share_access_code=emailed,
                                   same_browser=_issued_here())
    except service.FormInvalid as exc:
        token = _form_token(request.form.get(service.TOKEN_FIELD, "") if _issued_here() else "")
        return render_template("public/submit.html", start=start, values=exc.values,
                               errors=exc.errors, send_code=bool(request.form.get(SEND_CODE)),
                               form_token=token), 422
    if submitted.access_code:
        access.grant(submitted.tracking_code)
    # The code is kept server-side until shown: never in the (readable) session cookie.
    session["terkirim"] = sessions.hold_once({"tracking": submitted.tracking_code,
                                              "code": submitted.access_code,
                                              "emailed": emailed and not submitted.repeated,
                                              "repeated": submitted.repeated})
    return redirect(url_for("public.submitted"))


@bp.get("/pengaduan/terkirim")
def submitted() -> Response:
    """The tracking number and access code, shown once (never from a cache)."""
    shown = sessions.take_once(session.pop("terkirim", None))
    if not shown:
        return _no_store(render_template("public/submitted.html", shown=None))
    if not shown.get("code"):
        return _no_store(render_template("public/submitted.html", shown=shown))
    link = _codes_link(shown["tracking"], shown["code"])
    return _no_store(render_template("public/submitted.html", shown=shown, link=link,
                                     qr=_qr_svg(link)))


@bp.route("/lacak", methods=["GET", "POST"])
@limiter.shared_limit(LOOKUP_LIMIT, scope="lacak", exempt_when=_lookup_limited)
def lookup() -> str | Response:
    """Ask for the tracking number and the access code."""
    if request.method == "GET":
        return render_template("public/lookup.html", tracking=request.args.get("nomor", ""))
    tracking = request.form.get("nomor", "").strip().upper()
    case = service.open_case(tracking, request.form.get("kode", ""))
    if case is None:
        return render_template("public/lookup.html", tracking=tracking, error=NOT_FOUND)
    access.grant(case.tracking_code)
    return redirect(url_for("public.track", tracking_code=case.tracking_code))


@bp.route("/lacak/lupa-kode", methods=["GET", "POST"])
@limiter.limit(RECOVERY_LIMIT, methods=["POST"])
def recover() -> str:
    """A lost access code: a new one to the contact on record; the same answer either way."""
    if request.method == "GET":
        return render_template("public/recover.html", tracking=request.args.get("nomor", ""),
                               sent=False)
    tracking = request.form.get("nomor", "").strip().upper()
    recovery.recover_access_code(tracking, request.form.get("kontak", ""))
    return render_template("public/recover.html", tracking=tracking, sent=True)


def _opened_case(tracking_code: str) -> Case:
    """The case this session opened; 404 (the same as for an unknown number) otherwise."""
    case = service.find_case(tracking_code) if access.has_access(tracking_code) else None
    if case is None:
        abort(404)
    return case


@bp.get("/lacak/<tracking_code>")
@limiter.shared_limit(LOOKUP_LIMIT, scope="lacak", exempt_when=_lookup_limited)
def track(tracking_code: str) -> str | Response:
    """The case's status, timeline, due date and answer; asks for the code first."""
    tracking_code = tracking_code.strip().upper()
    if "kode" in request.args:
        case = service.open_case(tracking_code, request.args["kode"])
        if case is None:
            return render_template("public/lookup.html", tracking=tracking_code, error=NOT_FOUND)
        access.grant(case.tracking_code)
        # Drop the code from the address bar and the history.
        return redirect(url_for("public.track", tracking_code=case.tracking_code))
    if not access.has_access(tracking_code):
        return render_template("public/lookup.html", tracking=tracking_code)
    case = service.find_case(tracking_code)
    if case is None:
        abort(404)
    return render_template("public/track.html", view=service.tracking_view(case))


@bp.post("/lacak/<tracking_code>/keluar")
def forget(tracking_code: str) -> Response:
    """Forget the opened case in this browser (for shared phones)."""
    access.revoke(tracking_code.strip().upper())
    flash(_("Halaman pengaduan ditutup di perangkat ini."), "info")
    return redirect(url_for("public.lookup"))


@bp.route("/lacak/<tracking_code>/tugas/<task_id>", methods=["GET", "POST"])
def task(tracking_code: str, task_id: str) -> str | Response | tuple[str, int]:
    """A public-lane task (supply missing data, confirm the answer) done from the tracking link."""
    case = _opened_case(tracking_code.strip().upper())
    human_task = service.public_task(case, task_id)
    if human_task is None and request.method == "POST":
        return _task_conflict(case, task_id)
    if human_task is None:
        flash(_("Tugas ini sudah selesai atau tidak lagi menunggu Anda."), "info")
        return redirect(url_for("public.track", tracking_code=case.tracking_code))
    spec = service.task_form(case, human_task)
    context: dict[str, Any] = {"view": service.tracking_view(case), "task": human_task,
                               "spec": spec, "values": None, "errors": {}}
    if request.method == "GET":
        return render_template("public/task.html", **context)
    try:
        service.complete(case, human_task, request.form, request.files)
    except service.FormInvalid as exc:
        context.update(values=exc.values, errors=exc.errors)
        return render_template("public/task.html", **context), 422
    except (TaskUnavailable, CaseConflict):
        return _task_conflict(case, task_id)
    flash(_("Terima kasih, tanggapan Anda telah tersimpan."), "success")
    return redirect(url_for("public.track", tracking_code=case.tracking_code))


def _task_conflict(case: Case, task_id: str) -> str | Response | tuple[str, int]:
    """The task was done meanwhile (another tab or device): say so, keep what was typed (409)."""
    earlier = service.earlier_public_task(case, task_id)
    if earlier is None:
        abort(404)
    spec = service.task_form(case, earlier)
    values = service.typed_values(spec, request.form)
    return render_template("public/task.html", view=service.tracking_view(case), task=earlier,
                           spec=spec, values=values, errors={}, conflict=True), 409


@bp.get("/lacak/<tracking_code>/lampiran/<attachment_id>")
def attachment(tracking_code: str, attachment_id: str) -> Response:
    """Download an attachment the complainant may see (their own uploads, the answer's files)."""
    case = _opened_case(tracking_code.strip().upper())
    found = service.public_attachment(case, attachment_id)
    if found is None:
        abort(404)
    row, path = found
    response = send_file(path, mimetype=row.content_type, as_attachment=True,
                         download_name=row.original_name, max_age=0)
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/registrasi", methods=["GET", "POST"])
@role_required(registrar_lanes)
def register() -> str | Response | tuple[str, int]:
    """The desk officer records a complaint received by box, letter, phone, visit or LAPOR!."""
    start = service.start_form()
    if request.method == "GET":
        return render_template("public/register.html", start=start,
                               values=start.registration_values, errors={},
                               form_token=_form_token())
    officer = Actor("user", int(current_user.id),
                    min(active_roles(current_user) & registrar_lanes()))
    try:
        submitted = service.submit(request.form, request.files, actor=officer, registering=True,
                                   same_browser=_issued_here())
    except service.FormInvalid as exc:
        token = _form_token(request.form.get(service.TOKEN_FIELD, "") if _issued_here() else "")
        return render_template("public/register.html", start=start, values=exc.values,
                               errors=exc.errors, form_token=token), 422
    session["terdaftar"] = sessions.hold_once({"tracking": submitted.tracking_code,
                                               "code": submitted.access_code,
                                               "repeated": submitted.repeated})
    return redirect(url_for("public.registered"))


@bp.get("/registrasi/terdaftar")
@role_required(registrar_lanes)
def registered() -> Response:
    """The new case's codes and a printable receipt with the QR code, shown once to the officer."""
    shown = sessions.take_once(session.pop("terdaftar", None))
    link = _codes_link(shown["tracking"], shown["code"]) if shown and shown["code"] else ""
    receipt = service.receipt(shown["tracking"]) if shown else None
    return _no_store(render_template(
        "public/registered.html", shown=shown, link=link, qr=_qr_svg(link) if link else None,
        receipt=receipt, tracking_link=tracking_url(shown["tracking"]) if shown else ""))


@bp.errorhandler(413)
def too_large(_error: Exception) -> tuple[str, int] | Response:
    """A body over the server's limit: back to the form with a clear message, not a bare 413."""
    message = _("Lampiran terlalu besar untuk dikirim (paling besar %(limit)s per berkas). "
                "Pilih berkas yang lebih kecil lalu kirim lagi.", limit=format_size(
                    int(current_app.config.get("ATTACHMENT_MAX_BYTES", 5 * 1024 * 1024))))
    errors = {ALL: [message]}
    if request.endpoint == "public.submit":
        start = service.start_form()
        return render_template("public/submit.html", start=start, values=None, errors=errors,
                               form_token=_form_token()), 413
    if request.endpoint == "public.register" and _may_register():
        start = service.start_form()
        return render_template("public/register.html", start=start,
                               values=start.registration_values, errors=errors,
                               form_token=_form_token()), 413
    flash(message, "error")
    return redirect(request.path if request.endpoint == "public.task" else url_for("public.lookup"))


def _may_register() -> bool:
    """Whether the signed-in user holds a registering lane (the 413 page shows the form)."""
    return bool(current_user.is_authenticated
                and active_roles(current_user) & registrar_lanes())
