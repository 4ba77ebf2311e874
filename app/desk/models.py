"""A staff member's notice preference: the optional daily e-mail of waiting tasks."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Boolean, Date, ForeignKey
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base


class NoticePreference(Base):
    """Whether USER wants the daily e-mail, and the WIB day it was last queued."""

    __tablename__ = "notice_preferences"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    daily_email: Mapped[bool] = mapped_column(Boolean, default=False)
    last_sent_on: Mapped[date | None] = mapped_column(Date)
