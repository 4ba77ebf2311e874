"""Sign-in and user administration forms, with Indonesian messages (WTForms ships none)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    HiddenField,
    PasswordField,
    SelectField,
    StringField,
)
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    Optional,
    Regexp,
    ValidationError,
)

from . import lanes

REQUIRED = _l("Wajib diisi.")


class LocalDateField(DateField):
    """A date field (HTML date input) whose parse error is worded in the interface language."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        """Parse YYYY-MM-DD; an unreadable value becomes a plain-language error."""
        if not valuelist or not valuelist[0]:
            self.data = None
            return
        try:
            self.data = datetime.strptime(valuelist[0], "%Y-%m-%d").date()
        except ValueError as exc:
            self.data = None
            raise ValueError(_l("Tanggal tidak valid; gunakan format TTTT-BB-HH.")) from exc


class LocalSelectField(SelectField):
    """A select whose "not one of the choices" error is worded in the interface language."""

    def pre_validate(self, form: Any) -> None:
        """Refuse a value that is not among the choices."""
        if self.data not in {value for value, _label in self.iter_choices_values()}:
            raise ValidationError(_l("Pilihan tidak valid."))

    def iter_choices_values(self) -> list[tuple[str, Any]]:
        """The (value, label) pairs offered."""
        choices = self.choices() if callable(self.choices) else self.choices
        return [(str(value), label) for value, label in choices or []]


class LoginForm(FlaskForm):
    """Username and password."""

    username = StringField(_l("Nama pengguna"), validators=[DataRequired(REQUIRED)])
    password = PasswordField(_l("Kata sandi"), validators=[DataRequired(REQUIRED)])
    next = HiddenField()


class UserCreateForm(FlaskForm):
    """A new staff account."""

    username = StringField(
        _l("Nama pengguna"),
        validators=[DataRequired(REQUIRED), Length(max=50)],
        description=_l("Huruf kecil, angka, titik, garis bawah atau tanda hubung."),
    )
    full_name = StringField(
        _l("Nama lengkap"), validators=[DataRequired(REQUIRED), Length(max=200)]
    )
    email = EmailField(
        _l("Email"),
        validators=[
            Optional(),
            Length(max=200),
            Regexp(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", message=_l("Alamat email tidak valid.")),
        ],
    )
    password = PasswordField(
        _l("Kata sandi"),
        validators=[DataRequired(REQUIRED), Length(min=8, message=_l("Minimal 8 karakter."))],
    )


class UserEditForm(FlaskForm):
    """Name, e-mail, active flag and an optional new password."""

    full_name = StringField(
        _l("Nama lengkap"), validators=[DataRequired(REQUIRED), Length(max=200)]
    )
    email = EmailField(
        _l("Email"),
        validators=[
            Optional(),
            Length(max=200),
            Regexp(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", message=_l("Alamat email tidak valid.")),
        ],
    )
    is_active = BooleanField(_l("Akun aktif"))
    new_password = PasswordField(
        _l("Kata sandi baru"),
        validators=[Optional(), Length(min=8, message=_l("Minimal 8 karakter."))],
        description=_l("Kosongkan bila tidak diganti."),
    )


def _role_choices() -> list[tuple[str, str]]:
    return [("", _l("— pilih peran —")), *((r, r) for r in lanes.assignable_roles())]


def _division_choices() -> list[tuple[str, str]]:
    return [("", _l("— tidak ada —")), *lanes.all_divisions().items()]


class AssignmentForm(FlaskForm):
    """A role given by Surat Tugas for a period."""

    role = LocalSelectField(
        _l("Peran"), choices=_role_choices, validators=[InputRequired(REQUIRED)]
    )
    division = LocalSelectField(
        _l("Bidang"),
        choices=_division_choices,
        default="",
        description=_l("Hanya untuk peran yang memiliki bidang."),
    )
    is_team_lead = BooleanField(_l("Ketua (hanya lajur yang menerima surel ketua)"))
    surat_tugas_number = StringField(
        _l("Nomor Surat Tugas"),
        validators=[DataRequired(REQUIRED), Length(max=100)],
        description=_l("Contoh: 800/ST/DKCS/2026/001"),
    )
    surat_tugas_date = LocalDateField(
        _l("Tanggal Surat Tugas"), validators=[InputRequired(REQUIRED)]
    )
    valid_from = LocalDateField(
        _l("Berlaku mulai"),
        validators=[Optional()],
        description=_l("Kosongkan untuk memakai tanggal Surat Tugas."),
    )
    valid_until = LocalDateField(_l("Berlaku sampai"), validators=[InputRequired(REQUIRED)])

    def set_defaults(self, today: date) -> None:
        """Prefill a blank form: the letter dated today, valid to the end of the year."""
        self.surat_tugas_date.data = today
        self.valid_until.data = date(today.year, 12, 31)
