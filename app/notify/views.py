"""The admin page of the outbox: what was queued, sent or failed (in development, the mailbox)."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from ..auth import role_required
from ..auth.roles import ADMINISTRATOR
from . import service

bp = Blueprint("notify", __name__, template_folder="templates")


@bp.get("/admin/outbox")
@role_required(ADMINISTRATOR)
def outbox() -> str:
    """List the newest messages."""
    messages = service.list_messages()
    anonymous = service.anonymous_case_ids(messages)
    return render_template("notify/outbox.html", messages=messages,
                           recipients={m.id: service.shown_recipient(m, anonymous)
                                       for m in messages},
                           delivery=current_app.config.get("OUTBOX_DELIVERY", "smtp"))


@bp.post("/admin/outbox/<int:message_id>/ulang")
@role_required(ADMINISTRATOR)
def requeue(message_id: int) -> Response:
    """Queue a failed message again."""
    try:
        service.requeue(message_id)
    except LookupError:
        abort(404)
    flash(_("Pesan dimasukkan kembali ke antrean."), "success")
    return redirect(url_for("notify.outbox"))
