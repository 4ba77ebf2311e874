"""One-time submission tokens: a rendered form creates at most one case."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base, UTCDateTime


class SubmissionToken(Base):
    """The token of one rendered submission form and the case its first POST created.

    Only the token's SHA-256 is stored. The access code is kept sealed (identity key) for a
    short while so that a repeated POST from the same browser can show it again.
    """

    __tablename__ = "submission_tokens"

    token_digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    sealed_access_code: Mapped[str | None] = mapped_column(Text)
