"""Users, role assignments and the permission checks every other capability asks."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context
from flask_babel import gettext as _
from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash

from ..db import get_session, transaction, utcnow
from ..logs import log_event
from . import lanes, passwords, roles, throttle
from .models import RoleAssignment, User

USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{2,49}$")
MIN_PASSWORD_LENGTH = passwords.MIN_LENGTH
DEMO_PASSWORD = "demo12345"  # nosec B105 # the documented password of `setup --demo` users

# DEMO DATA ONLY: the demo users name the lanes and division codes of the shipped diagram
# (process/pengaduan.bpmn). Nothing else in app/ names a lane; the app never branches on these.
# (username, full name, role, division, team lead, Surat Tugas sequence number)
DEMO_USERS: tuple[tuple[str, str, str, str | None, bool, int], ...] = (
    ("petugas", "Siti Rahmawati", "Petugas Pengelola Layanan Pengaduan", None, False, 1),
    ("tim", "Ahmad Fauzi", "Tim Penanganan Pengaduan", None, True, 2),
    ("tim2", "Rina Marlina", "Tim Penanganan Pengaduan", None, False, 3),
    ("teknis_pp", "Budi Santoso", "Bidang Teknis", "pp", False, 4),
    ("teknis_pcs", "Dewi Lestari", "Bidang Teknis", "pcs", False, 5),
    ("pemilik", "Hendra Gunawan", roles.PEMILIK_PROSES, None, False, 6),
    ("auditor", "Yuliana Sari", roles.AUDITOR, None, False, 7),
    ("admin", "Administrator Sistem", roles.ADMINISTRATOR, None, False, 8),
    ("kepala", "Hj. Nurhayati, S.Sos.", roles.KEPALA_DINAS, None, False, 9),
)

# Checked when a username is unknown, so a wrong name costs as long as a wrong password.
_DUMMY_HASH = generate_password_hash("not-a-password")


@dataclass
class AuthValidationError(ValueError):
    """Input the auth services refuse; FIELD names the offending form field."""

    field: str
    message: str

    def __str__(self) -> str:
        return self.message


def local_today() -> date:
    """Today's date in the office's time zone (Asia/Jakarta)."""
    tz = current_app.config.get("TIMEZONE", "Asia/Jakarta") if has_app_context() else "Asia/Jakarta"
    return datetime.now(ZoneInfo(tz)).date()


def _hash(password: str) -> str:
    method = (
        current_app.config.get("PASSWORD_HASH_METHOD", "scrypt") if has_app_context() else "scrypt"
    )
    return generate_password_hash(password, method=method)


def _check_password(password: str, username: str = "", field: str = "password") -> None:
    """Refuse a password NIST SP 800-63B rules out, in Indonesian (FIELD names the form field)."""
    problem = passwords.problem(password, username)
    if problem == "short":
        raise AuthValidationError(
            field, _("Kata sandi minimal %(n)d karakter.", n=MIN_PASSWORD_LENGTH)
        )
    if problem == "long":
        raise AuthValidationError(
            field, _("Kata sandi paling banyak %(n)d karakter.", n=passwords.MAX_LENGTH)
        )
    if problem == "common":
        raise AuthValidationError(
            field,
            _(
                "Kata sandi ini terlalu umum dan mudah ditebak. Pilih yang lain, misalnya "
                "gabungan beberapa kata yang hanya Anda ketahui."
            ),
        )
    if problem == "username":
        raise AuthValidationError(field, _("Kata sandi tidak boleh memuat nama pengguna."))


# --- users -----------------------------------------------------------------------------------


def get_user(user_id: int) -> User | None:
    """The user with this id, or None."""
    return get_session().get(User, user_id)


def get_user_by_username(username: str) -> User | None:
    """The user with this username (case-insensitive), or None."""
    stmt = select(User).where(User.username == username.strip().lower())
    return get_session().scalars(stmt).first()


def list_users() -> list[User]:
    """Every user, ordered by username, with their assignments loaded."""
    return list(get_session().scalars(select(User).order_by(User.username)))


def create_user(
    username: str, full_name: str, password: str, email: str = "", is_active: bool = True
) -> User:
    """Create a user; raise AuthValidationError on a bad or taken username or a short password."""
    username = username.strip().lower()
    if not USERNAME_RE.match(username):
        raise AuthValidationError(
            "username",
            _(
                "Nama pengguna 3–50 karakter: huruf kecil, angka, titik, garis bawah "
                "atau tanda hubung."
            ),
        )
    if not full_name.strip():
        raise AuthValidationError("full_name", _("Nama lengkap wajib diisi."))
    _check_password(password, username)
    if get_user_by_username(username) is not None:
        raise AuthValidationError("username", _("Nama pengguna ini sudah dipakai."))
    with transaction() as session:
        user = User(
            username=username,
            full_name=full_name.strip(),
            email=email.strip(),
            password_hash=_hash(password),
            is_active=is_active,
        )
        session.add(user)
    return user


def update_user(
    user: User, full_name: str, email: str, is_active: bool, new_password: str = ""  # nosec B107 # "" keeps the password
) -> User:
    """Change a user's name, e-mail and active flag, and the password when one is given."""
    if not full_name.strip():
        raise AuthValidationError("full_name", _("Nama lengkap wajib diisi."))
    if not is_active and _is_last_administrator(user):
        raise AuthValidationError("is_active", _last_admin_message())
    if new_password:
        _check_password(new_password, user.username, field="new_password")
    with transaction() as session:
        user = session.merge(user)
        user.full_name = full_name.strip()
        user.email = email.strip()
        user.is_active = is_active
        if new_password:
            _replace_password(user, new_password)
    return user


def _replace_password(user: User, password: str) -> None:
    """Store a new hash and end every session signed in with the old password."""
    user.password_hash = _hash(password)
    user.session_epoch = (user.session_epoch or 0) + 1


def set_password(user: User, password: str) -> None:
    """Replace USER's password (NIST rules) and end all of USER's sessions."""
    _check_password(password, user.username)
    with transaction() as session:
        _replace_password(session.merge(user), password)


@dataclass(frozen=True)
class SignIn:
    """The outcome of a sign-in attempt: the user, or None; LOCKED when the account is throttled."""

    user: User | None
    locked: bool = False


def sign_in(username: str, password: str) -> SignIn:
    """Check credentials under the per-account throttle; failures are counted per username."""
    if throttle.is_locked(username):
        check_password_hash(_DUMMY_HASH, password)  # the same cost as a real check
        return SignIn(None, locked=True)
    user = authenticate(username, password)
    if user is None:
        throttle.record_failure(username)
    else:
        throttle.clear(username)
    return SignIn(user)


def authenticate(username: str, password: str) -> User | None:
    """The active user with these credentials, or None."""
    user = get_user_by_username(username)
    if user is None:
        check_password_hash(_DUMMY_HASH, password)
        log_event("login_failed", level=logging.WARNING, reason="unknown_user")
        return None
    if not check_password_hash(user.password_hash, password) or not user.is_active:
        log_event("login_failed", level=logging.WARNING, reason="refused", user_id=user.id)
        return None
    log_event("login_succeeded", user_id=user.id)
    return user


def _last_admin_message() -> str:
    return _("Tidak dapat dilakukan: ini administrator terakhir yang berlaku.")


def _is_last_administrator(user: User) -> bool:
    """True when USER is the only active user holding a valid Administrator role today."""
    admins = users_with_role(roles.ADMINISTRATOR)
    return [u.id for u in admins] == [user.id]


# --- role assignments ------------------------------------------------------------------------


def _validate_assignment(
    role: str,
    division: str | None,
    is_team_lead: bool,
    st_number: str,
    valid_from: date,
    valid_until: date,
) -> None:
    if role not in lanes.assignable_roles(knowing=[role]):
        raise AuthValidationError("role", _("Peran tidak dikenal."))
    role_divisions = lanes.divisions(role, division)
    if role_divisions and division not in role_divisions:
        raise AuthValidationError("division", _("Pilih bidang untuk peran ini."))
    if not role_divisions and division:
        raise AuthValidationError("division", _("Peran ini tidak memiliki bidang."))
    if is_team_lead and role not in lanes.leads_lanes(knowing=[role]):
        raise AuthValidationError("is_team_lead", _("Peran ini tidak memiliki ketua."))
    if not st_number.strip():
        raise AuthValidationError("surat_tugas_number", _("Nomor Surat Tugas wajib diisi."))
    if valid_until < valid_from:
        raise AuthValidationError(
            "valid_until", _("Tanggal akhir berlaku tidak boleh sebelum tanggal mulai berlaku.")
        )


def assign_role(
    user: User,
    role: str,
    *,
    surat_tugas_number: str,
    surat_tugas_date: date | None,
    valid_until: date | None,
    valid_from: date | None = None,
    division: str | None = None,
    is_team_lead: bool = False,
) -> RoleAssignment:
    """Give USER a role for a period under a Surat Tugas (valid_from defaults to its date)."""
    division = division or None
    if surat_tugas_date is None:
        raise AuthValidationError("surat_tugas_date", _("Tanggal Surat Tugas wajib diisi."))
    if valid_until is None:
        raise AuthValidationError("valid_until", _("Tanggal akhir berlaku wajib diisi."))
    start = valid_from or surat_tugas_date
    _validate_assignment(role, division, is_team_lead, surat_tugas_number, start, valid_until)
    with transaction() as session:
        assignment = RoleAssignment(
            user_id=user.id,
            role=role,
            division=division,
            is_team_lead=is_team_lead,
            surat_tugas_number=surat_tugas_number.strip(),
            surat_tugas_date=surat_tugas_date,
            valid_from=start,
            valid_until=valid_until,
        )
        session.add(assignment)
    get_session().expire(user, ["assignments"])
    return assignment


def get_assignment(assignment_id: int) -> RoleAssignment | None:
    """The role assignment with this id, or None."""
    return get_session().get(RoleAssignment, assignment_id)


def revoke_assignment(assignment_id: int) -> RoleAssignment:
    """Revoke an assignment from now on (kept for the record); raise LookupError if unknown.

    Refuses (AuthValidationError) to revoke the last valid Administrator assignment.
    """
    with transaction() as session:
        assignment = session.get(RoleAssignment, assignment_id)
        if assignment is None:
            raise LookupError(assignment_id)
        if assignment.role == roles.ADMINISTRATOR and _is_last_administrator(assignment.user):
            raise AuthValidationError("role", _last_admin_message())
        if assignment.revoked_at is None:
            assignment.revoked_at = utcnow()
    return assignment


# --- permission checks -----------------------------------------------------------------------


def _valid_assignments(user: Any, today: date | None = None) -> Iterable[RoleAssignment]:
    """USER's assignments that grant something today; nothing for anonymous or inactive users."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return ()
    day = today or local_today()
    return [a for a in user.assignments if a.is_valid_on(day)]


def active_roles(user: Any, today: date | None = None) -> set[str]:
    """The roles USER holds today through a valid, unrevoked assignment."""
    return {a.role for a in _valid_assignments(user, today)}


def user_divisions(user: Any, lane: str, today: date | None = None) -> set[str]:
    """The division codes of LANE that USER works for today."""
    return {a.division for a in _valid_assignments(user, today) if a.role == lane and a.division}


def can_work_lane(
    user: Any, lane: str | None, division: str | None = None, today: date | None = None
) -> bool:
    """True when USER may work tasks of LANE; a given DIVISION must match the assignment's.

    With division None any valid assignment to the lane suffices (a task not routed to a
    division). The public lane is never assigned to staff, so never staff work.
    """
    if not lane:
        return False
    for assignment in _valid_assignments(user, today):
        if assignment.role != lane:
            continue
        if division is None or assignment.division == division:
            return True
    return False


def has_any_role(user: Any, *wanted: str, today: date | None = None) -> bool:
    """True when USER holds at least one of the WANTED roles today."""
    return bool(active_roles(user, today) & set(wanted))


def is_team_lead(user: Any, today: date | None = None, lane: str | None = None) -> bool:
    """True when USER leads LANE today (any lane named `leadsLane` when LANE is None)."""
    led = {lane} if lane else lanes.leads_lanes()
    return any(a.role in led and a.is_team_lead for a in _valid_assignments(user, today))


def users_with_role(
    role: str, division: str | None = None, today: date | None = None
) -> list[User]:
    """Active users who may work ROLE today (matching a given DIVISION), by username."""
    stmt = (
        select(User)
        .join(RoleAssignment)
        .where(User.is_active.is_(True), RoleAssignment.role == role)
        .distinct()
        .order_by(User.username)
    )
    candidates = get_session().scalars(stmt)
    return [u for u in candidates if can_work_lane(u, role, division, today)]


def team_leads(today: date | None = None, lane: str | None = None) -> list[User]:
    """Active users who lead LANE today (by default the lanes named `leadsLane`)."""
    led = [lane] if lane else sorted(lanes.leads_lanes())
    found = {u.id: u for name in led for u in users_with_role(name, today=today)
             if is_team_lead(u, today, name)}
    return sorted(found.values(), key=lambda u: u.username)


# --- demo data -------------------------------------------------------------------------------


def ensure_demo_users(today: date | None = None) -> list[str]:
    """Create the demo users (password demo12345) valid this year; idempotent; new usernames."""
    day = today or local_today()
    year_start, year_end = date(day.year, 1, 1), date(day.year, 12, 31)
    created: list[str] = []
    for username, full_name, role, division, lead, seq in DEMO_USERS:
        user = get_user_by_username(username)
        if user is None:
            user = create_user(username, full_name, DEMO_PASSWORD, f"{username}@example.go.id")
            created.append(username)
        if any(a.role == role and a.is_valid_on(day) for a in user.assignments):
            continue
        assign_role(
            user,
            role,
            surat_tugas_number=f"800/ST/DKCS/{day.year}/{seq:03d}",
            surat_tugas_date=year_start,
            valid_until=year_end,
            division=division,
            is_team_lead=lead,
        )
    return created


def assignment_status(assignment: RoleAssignment, today: date | None = None) -> str:
    """One of "revoked", "pending", "expired" or "valid" for ASSIGNMENT on TODAY."""
    day = today or local_today()
    if assignment.revoked_at is not None:
        return "revoked"
    if day < assignment.valid_from:
        return "pending"
    if day > assignment.valid_until:
        return "expired"
    return "valid"
