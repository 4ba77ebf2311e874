"""Sign-in, sign-out and the user administration pages."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response

from ..web import limiter
from . import lanes, roles, service, sessions, throttle
from .decorators import role_required
from .forms import AssignmentForm, LoginForm, UserCreateForm, UserEditForm
from .models import User
from .nav import home_path
from .redirects import safe_next

bp = Blueprint("auth", __name__, template_folder="templates")

# Password guessing is slowed per address here, and per account by service.sign_in.
LOGIN_LIMIT = "10/minute;100/day"


def _show_error(form: FlaskForm, exc: service.AuthValidationError) -> None:
    """Attach a service's refusal to the form field it concerns (or to the form as a whole)."""
    field = getattr(form, exc.field, None)
    if field is not None:
        field.errors = [*field.errors, exc.message]
    else:
        flash(exc.message, "error")


@bp.route("/masuk", methods=["GET", "POST"])
@limiter.limit(LOGIN_LIMIT, methods=["POST"])
def login() -> str | Response | tuple[str, int]:
    """Staff sign-in."""
    form = LoginForm(next=request.args.get("next", ""))
    if form.validate_on_submit():
        result = service.sign_in(form.username.data or "", form.password.data or "")
        if result.user is not None:
            login_user(result.user)
            flash(_("Selamat datang, %(name)s.", name=result.user.full_name), "success")
            return redirect(safe_next(form.next.data) or home_path(result.user))
        if result.locked:
            form.password.errors = [_(
                "Terlalu banyak percobaan masuk yang gagal untuk akun ini. Tunggu %(n)d menit, "
                "lalu coba lagi.", n=throttle.WINDOW.seconds // 60)]
            return render_template("auth/login.html", form=form), 429
        form.password.errors = [_("Nama pengguna atau kata sandi salah.")]
    return render_template("auth/login.html", form=form)


@bp.post("/keluar")
def logout() -> Response:
    """Sign out everywhere (POST only, so a link cannot sign anyone out)."""
    if current_user.is_authenticated:
        # Every session of this user ends, including any copy of this cookie.
        sessions.end_all_sessions(int(current_user.id))
    logout_user()
    flash(_("Anda telah keluar."), "info")
    return redirect(url_for("web.index"))


@bp.get("/admin/pengguna")
@role_required(roles.ADMINISTRATOR)
def user_list() -> str:
    """Every staff account with the roles it holds."""
    return render_template(
        "auth/user_list.html", users=service.list_users(), today=service.local_today()
    )


@bp.route("/admin/pengguna/baru", methods=["GET", "POST"])
@role_required(roles.ADMINISTRATOR)
def user_create() -> Response | tuple[str, int]:
    """Create a staff account."""
    form = UserCreateForm()
    if form.validate_on_submit():
        try:
            user = service.create_user(
                form.username.data or "",
                form.full_name.data or "",
                form.password.data or "",
                form.email.data or "",
            )
        except service.AuthValidationError as exc:
            _show_error(form, exc)
        else:
            flash(_("Pengguna %(u)s dibuat. Tambahkan perannya.", u=user.username), "success")
            return redirect(url_for("auth.user_edit", user_id=user.id))
    return render_template("auth/user_create.html", form=form), 422 if form.errors else 200


def _user_or_404(user_id: int) -> User:
    user = service.get_user(user_id)
    if user is None:
        abort(404)
    return user


def _render_edit(user: User, form: UserEditForm, assign_form: AssignmentForm) -> str:
    return render_template(
        "auth/user_edit.html",
        user=user,
        form=form,
        assign_form=assign_form,
        today=service.local_today(),
        division_label=lanes.division_label,
        assignment_status=service.assignment_status,
    )


@bp.route("/admin/pengguna/<int:user_id>", methods=["GET", "POST"])
@role_required(roles.ADMINISTRATOR)
def user_edit(user_id: int) -> str | Response | tuple[str, int]:
    """Edit an account; its role assignments are listed and added below."""
    user = _user_or_404(user_id)
    form = UserEditForm(obj=user)
    assign_form = AssignmentForm(formdata=None)
    assign_form.set_defaults(service.local_today())
    if form.validate_on_submit():
        try:
            service.update_user(
                user,
                form.full_name.data or "",
                form.email.data or "",
                bool(form.is_active.data),
                form.new_password.data or "",
            )
        except service.AuthValidationError as exc:
            _show_error(form, exc)
        else:
            if form.new_password.data and user.id == current_user.id:
                login_user(user)  # the new password ended the old sessions, this one included
            flash(_("Data pengguna disimpan."), "success")
            return redirect(url_for("auth.user_edit", user_id=user.id))
    return _render_edit(user, form, assign_form), 422 if form.errors else 200


@bp.post("/admin/pengguna/<int:user_id>/peran")
@role_required(roles.ADMINISTRATOR)
def assignment_add(user_id: int) -> Response | tuple[str, int]:
    """Give the user a role under a Surat Tugas."""
    user = _user_or_404(user_id)
    assign_form = AssignmentForm()
    if assign_form.validate_on_submit():
        try:
            service.assign_role(
                user,
                assign_form.role.data or "",
                surat_tugas_number=assign_form.surat_tugas_number.data or "",
                surat_tugas_date=assign_form.surat_tugas_date.data,
                valid_from=assign_form.valid_from.data,
                valid_until=assign_form.valid_until.data,
                division=assign_form.division.data or None,
                is_team_lead=bool(assign_form.is_team_lead.data),
            )
        except service.AuthValidationError as exc:
            _show_error(assign_form, exc)
        else:
            flash(_("Peran ditambahkan."), "success")
            return redirect(url_for("auth.user_edit", user_id=user.id) + "#peran")
    form = UserEditForm(formdata=None, obj=user)
    return _render_edit(user, form, assign_form), 422


@bp.post("/admin/peran/<int:assignment_id>/cabut")
@role_required(roles.ADMINISTRATOR)
def assignment_revoke(assignment_id: int) -> Response:
    """Revoke a role assignment (it stays on record)."""
    assignment = service.get_assignment(assignment_id)
    if assignment is None:
        abort(404)
    try:
        service.revoke_assignment(assignment_id)
    except service.AuthValidationError as exc:
        flash(exc.message, "error")
    else:
        flash(_("Peran %(role)s dicabut.", role=assignment.role), "success")
    return redirect(url_for("auth.user_edit", user_id=assignment.user_id) + "#peran")
