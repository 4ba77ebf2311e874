"""Version pages: the diff between two versions, and migrating running cases to a newer one."""

from __future__ import annotations

from flask import Blueprint, abort, flash, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from ..auth.decorators import role_required
from ..auth.roles import ADMINISTRATOR, PEMILIK_PROSES
from ..cases.events import Actor
from ..cases.models import ProcessVersion
from . import migration
from .service import get_version

bp = Blueprint("process_versions", __name__, url_prefix="/proses", template_folder="templates")

VIEWERS = (PEMILIK_PROSES, ADMINISTRATOR)
# The diff's field names (app/engine/diffing.py) as the page shows them, in the interface language.
FIELD_LABELS = {
    "tipe": _l("jenis elemen"),
    "nama elemen": _l("nama elemen"),
    "lajur": _l("lajur"),
    "kondisi": _l("kondisi"),
    "dokumentasi": _l("dokumentasi"),
    "skrip": _l("skrip"),
    "alur masuk": _l("alur masuk"),
    "alur keluar": _l("alur keluar"),
    "perulangan": _l("perulangan"),
    "peristiwa": _l("peristiwa"),
}
PREFIX_LABELS = {"properti ": _l("properti"), "isi ": _l("isi berkas"), "pewaktu ": _l("pewaktu")}


def field_label(key: str) -> str:
    """The label of a diff field: fixed names translated, a property or file name kept."""
    if key in FIELD_LABELS:
        return str(FIELD_LABELS[key])
    for prefix, label in PREFIX_LABELS.items():
        if key.startswith(prefix):
            return f"{label} {key[len(prefix) :]}"
    return key


def _version_or_404(version_id: int | None) -> ProcessVersion:
    version = get_version(version_id) if version_id else None
    if version is None:
        abort(404)
    return version


@bp.get("/beda")
@role_required(*VIEWERS)
def diff() -> str:
    """Two versions side by side: added, removed and changed elements and files."""
    new = _version_or_404(request.args.get("baru", type=int))
    choices = migration.versions_of(new.process_id)
    older = [v for v in choices if v.version < new.version]
    old_id = request.args.get("lama", type=int) or (older[-1].id if older else new.id)
    old = _version_or_404(old_id)
    if old.process_id != new.process_id:
        abort(404)
    result = migration.compare(old, new)
    markers_old = {"lp-removed": result.ids("removed"), "lp-changed": result.ids("changed")}
    markers_new = {"lp-added": result.ids("added"), "lp-changed": result.ids("changed")}
    return render_template(
        "processes/diff.html",
        old=old,
        new=new,
        choices=choices,
        diff=result,
        markers_old=markers_old,
        markers_new=markers_new,
        field_label=field_label,
    )


def _page(
    source: ProcessVersion,
    target_id: int | None,
    plans: list[migration.CasePlan] | None,
    applied: bool,
) -> str:
    candidates = [v for v in migration.versions_of(source.process_id) if v.version > source.version]
    target = next((v for v in candidates if v.id == target_id), None)
    if target is None and candidates:
        target = candidates[-1]
    if plans is None and target is not None:
        plans = migration.migrate_version(source, target, _actor(), dry_run=True)
    return render_template(
        "processes/migrate.html",
        source=source,
        target=target,
        candidates=candidates,
        plans=plans or [],
        applied=applied,
        running=len(migration.running_cases(source)),
    )


def _actor() -> Actor:
    return Actor("user", current_user.id, PEMILIK_PROSES)


@bp.get("/<int:version_id>/migrasi")
@role_required(PEMILIK_PROSES)
def migrate_preview(version_id: int) -> str:
    """The dry-run: for each running case of the version, what moving it would do."""
    return _page(_version_or_404(version_id), request.args.get("ke", type=int), None, False)


@bp.post("/<int:version_id>/migrasi")
@role_required(PEMILIK_PROSES)
def migrate_apply(version_id: int) -> tuple[str, int] | str:
    """Move one case (kasus) or every running case of the version to the chosen newer one."""
    source = _version_or_404(version_id)
    target = get_version(request.form.get("ke", type=int) or 0)
    if target is None or target.process_id != source.process_id:
        flash(_("Pilih versi tujuan yang lebih baru."), "error")
        return _page(source, None, None, False), 422
    code = (request.form.get("kasus") or "").strip()
    if code:
        try:
            case_id = migration.case_id_of(code)
        except migration.CaseNotFound:
            flash(_("Pengaduan %(code)s tidak ditemukan.", code=code), "error")
            return _page(source, target.id, None, False), 422
        plans = [migration.plan_or_migrate(case_id, target, _actor(), False, source=source)]
    else:
        plans = migration.migrate_version(source, target, _actor(), dry_run=False)
    moved = sum(1 for plan in plans if plan.applied)
    refused = len(plans) - moved
    flash(
        _("%(moved)d pengaduan dipindahkan, %(refused)d ditolak.", moved=moved, refused=refused),
        "success" if not refused else "error",
    )
    return _page(source, target.id, plans, True)
