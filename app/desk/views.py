"""The case list and search (/perkara) and the notice preference page."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from ..web.errors import render_error
from . import notices, service

bp = Blueprint("desk", __name__, url_prefix="/perkara", template_folder="templates")


@bp.errorhandler(service.PermissionDenied)
def _forbidden(_exc: service.PermissionDenied) -> Any:
    return render_error(403)


@bp.get("/", strict_slashes=False)
@login_required
def cases() -> str:
    """Every case with filters; the desk officer also searches by NIK, name or phone."""
    page = service.case_page(current_user, service.CaseFilters.from_args(request.args))
    return render_template("desk/cases.html", page=page)


@bp.route("/pemberitahuan", methods=["GET", "POST"])
@login_required
def notice_settings() -> str | Response:
    """A lane holder turns the daily e-mail of waiting tasks on or off."""
    if not service.may_list(current_user):
        abort(403)
    if request.method == "POST":
        notices.set_daily_email(current_user.id, request.form.get("harian") == "1")
        flash(_("Pengaturan pemberitahuan disimpan."), "success")
        return redirect(url_for("desk.notice_settings"))
    return render_template("desk/notices.html",
                           preference=notices.preference(current_user.id),
                           waiting=notices.waiting_for(current_user),
                           has_email=bool(current_user.email))
