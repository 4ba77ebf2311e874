"""Report pages: figures for the office head, the overdue lists, the public recap, the calendar."""

from __future__ import annotations

from datetime import date, timedelta

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response as BaseResponse

from ..auth import lanes
from ..auth.decorators import role_required
from ..auth.roles import ADMINISTRATOR, AUDITOR, KEPALA_DINAS
from ..auth.service import has_any_role, is_team_lead
from ..db import utcnow
from ..engine import WIB
from . import export, public, reminders, service, workcalendar

bp = Blueprint("reports", __name__, template_folder="templates", static_folder="static",
               static_url_path="/static/reports")

READERS = (ADMINISTRATOR, AUDITOR, KEPALA_DINAS)


def _day(name: str, default: date) -> date:
    try:
        return date.fromisoformat(request.args.get(name, "") or default.isoformat())
    except ValueError:
        flash(_("Tanggal tidak valid; periode bawaan dipakai."), "error")
        return default


def _period() -> service.Period:
    """The period and filters asked for in the query string (defaults: the last 90 days)."""
    today = utcnow().astimezone(WIB).date()
    end = _day("sampai", today)
    start = _day("dari", end - timedelta(days=89))
    if start > end:
        flash(_("Tanggal awal sesudah tanggal akhir; keduanya ditukar."), "error")
        start, end = end, start
    filters = {role: request.args.get(role, "") for role in service.FILTER_ROLES
               if request.args.get(role)}
    group = "month" if request.args.get("per") == "month" else "week"
    return service.Period(start, end, filters, group)


@bp.get("/laporan")
@role_required(*READERS)
def report() -> str:
    """The service-quality report for the chosen period and filters."""
    figures = service.build_report(_period())
    return render_template("reports/report.html", report=figures,
                           query=request.args.to_dict())


@bp.get("/laporan/unduh.<fmt>")
@role_required(*READERS)
def download(fmt: str) -> Response:
    """The report's tables as CSV or XLSX."""
    if fmt not in ("csv", "xlsx"):
        abort(404)
    figures = service.build_report(_period())
    name = f"laporan-{figures.period.start.isoformat()}-{figures.period.end.isoformat()}"
    if fmt == "csv":
        return Response(export.to_csv(figures.tables), mimetype="text/csv; charset=utf-8",
                        headers={"Content-Disposition": f'attachment; filename="{name}.csv"'})
    return Response(export.to_xlsx(figures.tables), mimetype=(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        headers={"Content-Disposition": f'attachment; filename="{name}.xlsx"'})


def _visible_lanes() -> list[str]:
    """The lanes whose overdue list the user may read: all for administrators, else led ones."""
    staff = list(lanes.staff_lanes())
    if has_any_role(current_user, ADMINISTRATOR):
        return staff
    return [lane for lane in staff if is_team_lead(current_user, lane=lane)]


def _may_read_overdue() -> list[str]:
    return [ADMINISTRATOR] if not _visible_lanes() else [ADMINISTRATOR, *_visible_lanes()]


@bp.get("/laporan/terlambat")
@role_required(_may_read_overdue)
def overdue() -> str:
    """Cases past their standard, per lane: for the lanes' leads and administrators."""
    visible = _visible_lanes()
    if not visible:
        abort(403)
    lane = request.args.get("lajur") or visible[0]
    if lane not in visible:
        abort(403)
    rows = reminders.overdue_cases(utcnow(), lane)
    return render_template("reports/overdue.html", lanes=visible, lane=lane, rows=rows)


@bp.get("/transparansi")
def transparency() -> str:
    """The public recap: aggregate figures only, no login."""
    years = public.years_available()
    try:
        year = int(request.args.get("tahun", years[0]))
    except ValueError:
        year = years[0]
    if year not in years:
        year = years[0]
    return render_template("reports/public.html", recap=public.recap(year), years=years)


@bp.get("/admin/kalender")
@role_required(ADMINISTRATOR)
def calendar_page() -> str:
    """The office's extra non-working days, with a form to add one."""
    workcalendar.refresh(force=True)
    return render_template("reports/calendar.html", days=workcalendar.extra_days(),
                           configured=sorted(workcalendar.configured_days()))


@bp.post("/admin/kalender")
@role_required(ADMINISTRATOR)
def calendar_add() -> BaseResponse | tuple[str, int]:
    """Add a non-working day; running cases' deadlines move past it."""
    raw, reason = request.form.get("tanggal", ""), request.form.get("keterangan", "")
    try:
        day = date.fromisoformat(raw)
    except ValueError:
        flash(_("Tanggal tidak valid (format TTTT-BB-HH)."), "error")
        return _calendar_again(raw, reason)
    try:
        moved = workcalendar.add_day(day, reason, current_user.username)
    except workcalendar.CalendarError as exc:
        flash(str(exc), "error")
        return _calendar_again(raw, reason)
    flash(_("%(day)s menjadi hari libur; batas waktu %(n)d kasus berjalan digeser.",
            day=day.isoformat(), n=moved.cases_moved), "success")
    return redirect(url_for("reports.calendar_page"))


def _calendar_again(raw: str, reason: str) -> tuple[str, int]:
    return render_template("reports/calendar.html", days=workcalendar.extra_days(),
                           configured=sorted(workcalendar.configured_days()),
                           typed={"tanggal": raw, "keterangan": reason}), 400


@bp.post("/admin/kalender/<day>/hapus")
@role_required(ADMINISTRATOR)
def calendar_remove(day: str) -> BaseResponse:
    """Make an added day a working day again; deadlines move back."""
    try:
        moved = workcalendar.remove_day(date.fromisoformat(day), current_user.username)
    except workcalendar.CalendarError as exc:
        flash(str(exc), "error")
        return redirect(url_for("reports.calendar_page"))
    except ValueError:
        abort(404)
    flash(_("%(day)s kembali menjadi hari kerja; batas waktu %(n)d kasus berjalan digeser.",
            day=day, n=moved.cases_moved), "success")
    return redirect(url_for("reports.calendar_page"))
