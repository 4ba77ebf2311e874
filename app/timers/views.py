"""The failing-timers page under /admin, beside the outbox."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from ..auth import role_required
from ..auth.roles import ADMINISTRATOR
from ..cases import service

bp = Blueprint("timers", __name__, template_folder="templates")


@bp.get("/admin/timer")
@role_required(ADMINISTRATOR)
def failing() -> str:
    """List the waiting timers whose firing failed, the next retry first."""
    return render_template("timers/failing.html", rows=service.failing_timers())


@bp.post("/admin/timer/<int:timer_id>/coba-lagi")
@role_required(ADMINISTRATOR)
def retry(timer_id: int) -> Response:
    """Let the next sweep try this timer again now."""
    try:
        service.retry_timer_now(timer_id)
    except LookupError:
        abort(404)
    flash(_("Pengatur waktu akan dicoba lagi pada putaran berikutnya."), "success")
    return redirect(url_for("timers.failing"))
