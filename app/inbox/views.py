"""Inbox pages: the three lists (plus supervision), the task page and the task actions."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from ..cases.attachments import attachment_file
from ..web.errors import render_error
from . import bulk, notes, service, taskpage
from .service import PermissionDenied, TaskTaken

bp = Blueprint("inbox", __name__, url_prefix="/tugas", template_folder="templates",
               static_folder="static", static_url_path="/static/inbox")


@bp.errorhandler(PermissionDenied)
def _forbidden(_exc: PermissionDenied) -> Any:
    return render_error(403)


@bp.errorhandler(LookupError)
def _not_found(_exc: LookupError) -> Any:
    return render_error(404)


@bp.errorhandler(TaskTaken)
def _taken(exc: TaskTaken) -> Any:
    task_id = (request.view_args or {}).get("task_id")
    return render_template("inbox/unavailable.html", message=exc.message, task_id=task_id), 409


def _lists_allowed(view: str) -> None:
    """Lane holders see their lists; the supervision list is for admins and the team lead."""
    if view == "semua":
        if not service.may_supervise(current_user):
            abort(403)
    elif not service.has_lane_role(current_user):
        abort(403)


@bp.get("/", defaults={"view": "saya"}, strict_slashes=False)
@bp.get("/<any(antrean, selesai, semua):view>")
@login_required
def inbox(view: str) -> str | Response:
    """Tugas saya, Antrean, Selesai (and Semua tugas for supervisors)."""
    if view == "saya" and not service.has_lane_role(current_user) and service.may_supervise(
            current_user):
        return redirect(url_for("inbox.inbox", view="semua"))
    _lists_allowed(view)
    page = service.inbox_page(current_user, service.InboxFilters.from_args(view, request.args))
    return render_template("inbox/list.html", page=page)


@bp.get("/<task_id>")
@login_required
def task(task_id: str) -> str:
    """The task page: the case's context first, then the form."""
    return render_template("inbox/task.html", page=taskpage.build_page(task_id, current_user))


@bp.post("/<task_id>")
@login_required
def submit(task_id: str) -> Response | tuple[str, int]:
    """Complete the task, or keep the input as a draft."""
    action = "draft" if request.form.get("aksi") == "draf" else "complete"
    result = taskpage.submit(task_id, current_user, request.form, request.files, action)
    if result.kind == "draft":
        flash(_("Draf disimpan. Anda dapat melanjutkannya nanti."), "success")
        return redirect(url_for("inbox.task", task_id=task_id))
    if result.kind == "completed":
        flash(_("Tugas %(code)s selesai. Berikutnya: %(next)s.",
                code=result.tracking_code, next=result.next_step), "success")
        if result.next_task_id:  # the case's next step is this user's too: stay on the case
            return redirect(url_for("inbox.task", task_id=result.next_task_id))
        return redirect(url_for("inbox.inbox"))
    status = 409 if result.kind == "conflict" else 422
    return render_template("inbox/task.html", page=result.page), status


@bp.post("/<task_id>/ambil")
@login_required
def claim(task_id: str) -> Response:
    """Take a task from the queue."""
    task = service.claim(task_id, current_user)
    flash(_("Tugas %(code)s kini Anda kerjakan.", code=task.tracking_code), "success")
    return redirect(url_for("inbox.task", task_id=task_id))


@bp.post("/<task_id>/lepas")
@login_required
def release(task_id: str) -> Response:
    """Give a task back to the queue."""
    task = service.release(task_id, current_user)
    flash(_("Tugas %(code)s dikembalikan ke antrean.", code=task.tracking_code), "info")
    return redirect(url_for("inbox.inbox"))


@bp.post("/<task_id>/alihkan")
@login_required
def reassign(task_id: str) -> Response:
    """Hand a task to another holder of its lane (administrator or team lead)."""
    target = request.form.get("pengguna", "")
    holder = request.form.get("pemegang", "")
    task = service.reassign(task_id, current_user, int(target) if target.isdigit() else -1,
                            int(holder) if holder.isdigit() else None)
    flash(_("Tugas %(code)s dialihkan kepada %(name)s.", code=task.tracking_code,
            name=service.user_name(task.claimed_by)), "success")
    back = request.form.get("kembali", "")
    return redirect(back if back.startswith("/tugas") else url_for("inbox.inbox", view="semua"))


@bp.get("/<task_id>/lampiran/<attachment_id>")
@login_required
def attachment(task_id: str, attachment_id: str) -> Response:
    """Download a file of the task's case (lane role and confidentiality checked)."""
    file = service.attachment_for(task_id, attachment_id, current_user)
    return send_file(attachment_file(file), mimetype=file.content_type, as_attachment=True,
                     download_name=file.original_name)


@bp.post("/<task_id>/catatan")
@login_required
def add_note(task_id: str) -> Response:
    """Add an internal note to the task's case (staff only; recorded as an event)."""
    try:
        notes.add_note(task_id, current_user, request.form.get("catatan", ""))
    except notes.NoteRefused as exc:
        flash(str(exc), "error")
    else:
        flash(_("Catatan internal disimpan."), "success")
    return redirect(url_for("inbox.task", task_id=task_id, _anchor="catatan-internal"))


@bp.post("/ambil-banyak")
@login_required
def claim_many() -> Response:
    """Take the ticked tasks of the queue at once."""
    if not service.has_lane_role(current_user):
        abort(403)
    report = bulk.claim_many(request.form.getlist("tugas"), current_user)
    _flash_bulk(report, _("%(num)d tugas kini Anda kerjakan.", num=len(report.done)))
    return redirect(url_for("inbox.inbox", view="saya" if report.done else "antrean"))


@bp.post("/alihkan-banyak")
@login_required
def assign_many() -> Response:
    """Hand the ticked tasks to one named holder of their lane (the lane's lead, admins)."""
    if not service.may_supervise(current_user):
        abort(403)
    target = request.form.get("pengguna", "")
    report = bulk.assign_many(request.form.getlist("tugas"), current_user,
                              int(target) if target.isdigit() else -1)
    _flash_bulk(report, _("%(num)d tugas dialihkan kepada %(name)s.", num=len(report.done),
                          name=report.target_name))
    back = request.form.get("kembali", "")
    return redirect(back if back.startswith("/tugas") else url_for("inbox.inbox", view="semua"))


def _flash_bulk(report: bulk.BulkReport, done_message: str) -> None:
    if report.done:
        flash(done_message, "success")
    for code, reason in report.refused:
        flash(_("%(code)s: %(reason)s", code=code, reason=reason), "warning")
    if not report.done and not report.refused:
        flash(_("Pilih dahulu tugas yang akan diproses."), "warning")
