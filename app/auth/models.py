"""Staff accounts and their role assignments, each backed by a Surat Tugas (assignment letter)."""

from __future__ import annotations

from datetime import date, datetime

from flask_login import UserMixin
from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import Base, UTCDateTime, utcnow


class User(UserMixin, Base):
    """A staff member who signs in; what they may do comes from their role assignments."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(50), unique=True)
    full_name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(200), default="")
    password_hash: Mapped[str] = mapped_column(String(300))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Part of every session's user id: raising it (sign-out, new password) ends all sessions.
    session_epoch: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    assignments: Mapped[list[RoleAssignment]] = relationship(
        back_populates="user",
        lazy="selectin",
        order_by="RoleAssignment.id",
        cascade="all, delete-orphan",
    )

    def get_id(self) -> str:
        """What Flask-Login keeps in the session: the id and the session epoch, "7:0"."""
        return f"{self.id}:{self.session_epoch or 0}"

    def __repr__(self) -> str:
        return f"<User {self.username}>"


class RoleAssignment(Base):
    """One role held by one user for a period, as written in a Surat Tugas; revocable."""

    __tablename__ = "role_assignments"
    __table_args__ = (Index("ix_role_assignments_role_valid", "role", "valid_until"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    role: Mapped[str] = mapped_column(String(100))
    # Lanes with divisions only: an option of the field its divisionExpression reads.
    division: Mapped[str | None] = mapped_column(String(10), default=None)
    # Lanes named `leadsLane` only: the lead gets `notifyLeads` e-mails and reassigns tasks.
    is_team_lead: Mapped[bool] = mapped_column(Boolean, default=False)
    surat_tugas_number: Mapped[str] = mapped_column(String(100))
    surat_tugas_date: Mapped[date] = mapped_column(Date)
    valid_from: Mapped[date] = mapped_column(Date)
    valid_until: Mapped[date] = mapped_column(Date)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    user: Mapped[User] = relationship(back_populates="assignments")

    def is_valid_on(self, day: date) -> bool:
        """True when this assignment grants its role on DAY: in its period and not revoked."""
        return self.revoked_at is None and self.valid_from <= day <= self.valid_until

    def __repr__(self) -> str:
        return f"<RoleAssignment {self.id} {self.role} {self.division or ''}>"


class LoginFailure(Base):
    """One failed sign-in for a typed username (known or not): the per-account throttle."""

    __tablename__ = "login_failures"
    __table_args__ = (Index("ix_login_failures_username_failed_at", "username", "failed_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(100))
    failed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)


class PublicGrant(Base):
    """A browser proved a case's access code; its cookie holds TOKEN, "keluar" deletes the row."""

    __tablename__ = "public_grants"

    token: Mapped[str] = mapped_column(String(64), primary_key=True)
    tracking_code: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)


class OneTimeSecret(Base):
    """Something shown once (a new case's access code), deleted when read.

    The row holds the text XORed with a random pad that only the browser's session holds, so
    neither the database nor the cookie alone reveals it.
    """

    __tablename__ = "one_time_secrets"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    sealed: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
