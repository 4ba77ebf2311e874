"""`flask users ...`: create staff accounts and record their Surat Tugas from the shell."""

from __future__ import annotations

from datetime import date, datetime

import click
from flask.cli import AppGroup

from . import lanes, service

users_cli = AppGroup("users", help="Kelola pengguna dan peran (Surat Tugas).")


def _parse_date(_ctx: click.Context, _param: click.Parameter, value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return datetime.strptime(value, "%Y-%m-%d").date()
    except ValueError as exc:
        raise click.BadParameter("gunakan format TTTT-BB-HH, mis. 2026-01-02") from exc


@users_cli.command("create")
@click.argument("username")
@click.option("--name", "full_name", required=True, help="Nama lengkap.")
@click.option("--password", required=True, help="Kata sandi (minimal 8 karakter).")
@click.option("--email", default="", help="Alamat email.")
def create_command(username: str, full_name: str, password: str, email: str) -> None:
    """Buat akun pengguna."""
    try:
        user = service.create_user(username, full_name, password, email)
    except service.AuthValidationError as exc:
        raise click.ClickException(exc.message) from exc
    click.echo(f"Pengguna {user.username} dibuat (id {user.id}).")


@users_cli.command("assign")
@click.argument("username")
@click.argument("role")
@click.option("--division", default=None,
              help="Kode bidang (pilihan dari formulir proses yang di-deploy).")
@click.option("--lead", is_flag=True, help="Ketua lajur yang menerima surel ketua (leadsLane).")
@click.option("--st-number", required=True, help="Nomor Surat Tugas.")
@click.option("--st-date", required=True, callback=_parse_date, help="Tanggal Surat Tugas.")
@click.option("--valid-from", default=None, callback=_parse_date, help="Awal berlaku.")
@click.option("--valid-until", required=True, callback=_parse_date, help="Akhir berlaku.")
def assign_command(
    username: str,
    role: str,
    division: str | None,
    lead: bool,
    st_number: str,
    st_date: date,
    valid_from: date | None,
    valid_until: date,
) -> None:
    """Beri peran ROLE (nama lajur proses yang di-deploy, atau pemilik/auditor/admin)."""
    user = service.get_user_by_username(username)
    if user is None:
        raise click.ClickException(f"Pengguna {username} tidak ada.")
    canonical = lanes.resolve_role(role)
    if canonical is None:
        raise click.ClickException(
            f"Peran tidak dikenal: {role}. Pilihan: {', '.join(lanes.assignable_roles())}"
        )
    choices = lanes.divisions(canonical)
    if division is not None and division not in choices:
        raise click.ClickException(
            f"Bidang tidak dikenal: {division}. Pilihan: {', '.join(sorted(choices)) or '-'}"
        )
    try:
        assignment = service.assign_role(
            user,
            canonical,
            surat_tugas_number=st_number,
            surat_tugas_date=st_date,
            valid_from=valid_from,
            valid_until=valid_until,
            division=division,
            is_team_lead=lead,
        )
    except service.AuthValidationError as exc:
        raise click.ClickException(exc.message) from exc
    click.echo(f"Peran {canonical} diberikan kepada {user.username} (penugasan {assignment.id}).")


@users_cli.command("list")
def list_command() -> None:
    """Tampilkan pengguna dan penugasannya."""
    today = service.local_today()
    for user in service.list_users():
        state = "aktif" if user.is_active else "nonaktif"
        click.echo(f"{user.username}\t{user.full_name}\t{state}")
        for a in user.assignments:
            extra = " ".join(
                part for part in (a.division or "", "ketua" if a.is_team_lead else "") if part
            )
            click.echo(
                f"  [{a.id}] {a.role} {extra} ST {a.surat_tugas_number} "
                f"{a.valid_from}..{a.valid_until} {service.assignment_status(a, today)}"
            )


@users_cli.command("revoke")
@click.argument("assignment_id", type=int)
def revoke_command(assignment_id: int) -> None:
    """Cabut penugasan ASSIGNMENT_ID."""
    try:
        assignment = service.revoke_assignment(assignment_id)
    except LookupError as exc:
        raise click.ClickException(f"Penugasan {assignment_id} tidak ada.") from exc
    except service.AuthValidationError as exc:
        raise click.ClickException(exc.message) from exc
    click.echo(f"Penugasan {assignment.id} ({assignment.role}) dicabut.")


@users_cli.command("demo")
def demo_command() -> None:
    """Buat pengguna demo (kata sandi demo12345); aman diulang."""
    for username in service.ensure_demo_users():
        click.echo(f"Pengguna demo: {username} / {service.DEMO_PASSWORD}")
