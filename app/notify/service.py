"""The outbox: queue messages in the caller's transaction; send them later with retries."""

from __future__ import annotations

import smtplib
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import make_msgid

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..cases.identity import contact_email
from ..cases.models import Case
from ..db import get_session, transaction, utcnow
from ..public.links import code_link
from .models import Outbox

MAX_ATTEMPTS = 8  # about 4 hours of retries with the backoff below, then "failed" (resendable)
FIRST_RETRY = timedelta(minutes=1)
LONGEST_WAIT = timedelta(hours=2)
REDACTED = "[isi pesan berisi kode akses dan telah dihapus setelah dikirim]"
# Stored as the recipient of mail to the complainant: the address itself stays in the encrypted
# identity and is read only when the message is sent (or shown, masked, to an administrator).
COMPLAINANT = "pelapor"


class NoRecipient(ValueError):
    """The complainant's address is no longer on record."""


def recipient(message: Outbox) -> str:
    """The address MESSAGE goes to (the complainant's read from the encrypted identity)."""
    if message.to != COMPLAINANT:
        return message.to
    address = contact_email(message.case_id) if message.case_id is not None else None
    if not address:
        raise NoRecipient("no e-mail address on record for the complainant")
    return address


def shown_recipient(message: Outbox, anonymous: set[int]) -> str:
    """The recipient as the admin page shows it: masked for an anonymous complainant."""
    try:
        address = recipient(message)
    except NoRecipient:
        return "—"
    return masked_address(address) if message.case_id in anonymous else address


@dataclass(frozen=True)
class SendReport:
    """What one run of the sender did."""

    sent: int
    failed: int
    remaining: int


def add_message(session: Session, to: str, subject: str, body: str, *, kind: str = "",
                case_id: int | None = None, sensitive: bool = False) -> Outbox:
    """Add a queued message to SESSION (committed, or rolled back, with the caller's work)."""
    now = utcnow()
    message = Outbox(to=to, subject=subject, body=body, kind=kind, sensitive=sensitive,
                     status="queued", attempts=0, next_attempt_at=now, created_at=now,
                     case_id=case_id)
    session.add(message)
    return message


def access_code_message(session: Session, case: Case, access_code: str, to: str) -> Outbox:
    """Queue the access code the complainant asked to receive (in the submission's transaction)."""
    link = code_link(case.tracking_code, access_code)
    body = (
        "Yth. Bapak/Ibu,\n\nAnda meminta kode akses pengaduan dikirim ke surel ini.\n\n"
        f"Nomor pelacakan: {case.tracking_code}\nKode akses: {access_code}\n\n"
        f"Buka langsung: {link}\n\n"
        "Simpan surel ini baik-baik dan jangan teruskan kepada orang lain: siapa pun yang "
        "memegang kode ini dapat melihat dan menanggapi pengaduan Anda."
    )
    return add_message(session, to, f"Kode akses pengaduan {case.tracking_code}", body,
                       kind="access_code", case_id=case.id, sensitive=True)


def list_messages(limit: int = 200) -> list[Outbox]:
    """The newest messages first."""
    return list(get_session().scalars(select(Outbox).order_by(Outbox.id.desc()).limit(limit)))


def anonymous_case_ids(messages: list[Outbox]) -> set[int]:
    """The cases among MESSAGES whose complainant asked to stay anonymous."""
    ids = {m.case_id for m in messages if m.case_id is not None}
    if not ids:
        return set()
    return set(get_session().scalars(select(Case.id).where(Case.id.in_(ids), Case.anonymous)))


def masked_address(address: str) -> str:
    """An e-mail address with the mailbox hidden: s***@example.com."""
    name, _sep, domain = address.partition("@")
    return f"{name[:1]}***@{domain}" if domain else "***"


def requeue(message_id: int) -> Outbox:
    """Put a failed message back in the queue to be tried again now."""
    with transaction() as session:
        message = session.get(Outbox, message_id)
        if message is None:
            raise LookupError(message_id)
        if message.status == "failed":
            message.status = "queued"
            message.next_attempt_at = utcnow()
    return message


def backoff(attempts: int) -> timedelta:
    """How long to wait after the ATTEMPTS-th failure: doubling from one minute, capped."""
    return min(FIRST_RETRY * (2 ** max(attempts - 1, 0)), LONGEST_WAIT)


def _due(session: Session, now: datetime, limit: int) -> list[Outbox]:
    query = (
        select(Outbox).where(Outbox.status == "queued", Outbox.next_attempt_at <= now)
        .order_by(Outbox.next_attempt_at, Outbox.id).limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    return list(session.scalars(query))


def _email(message: Outbox) -> EmailMessage:
    email = EmailMessage()
    email["From"] = current_app.config["MAIL_SENDER"]
    email["To"] = recipient(message)
    email["Subject"] = message.subject
    email["Message-ID"] = make_msgid(domain=current_app.config["MAIL_SENDER"].split("@")[-1])
    email.set_content(message.body)
    return email


def _connect() -> smtplib.SMTP:
    config = current_app.config
    smtp = smtplib.SMTP(config["MAIL_SERVER"] or "localhost", int(config["MAIL_PORT"]),
                        timeout=float(config.get("MAIL_TIMEOUT", 10)))
    if config.get("MAIL_USE_TLS"):
        smtp.starttls()
    if config.get("MAIL_USERNAME"):
        smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
    return smtp


def _record_failure(message: Outbox, error: Exception, now: datetime) -> None:
    message.attempts += 1
    message.last_error = f"{type(error).__name__}: {error}"[:1000]
    message.next_attempt_at = now + backoff(message.attempts)
    if message.attempts >= MAX_ATTEMPTS:
        message.status = "failed"


def _record_success(message: Outbox, now: datetime) -> None:
    message.attempts += 1
    message.status = "sent"
    message.sent_at = now
    message.last_error = None
    if message.sensitive:
        message.body = REDACTED


def send_due(limit: int = 100) -> SendReport:
    """Send the queued messages that are due over one SMTP connection; failures stay queued."""
    session = get_session()
    now = utcnow()
    sent = failed = 0
    try:
        messages = _due(session, now, limit)
        smtp: smtplib.SMTP | None = None
        if messages:
            try:
                smtp = _connect()
            except (OSError, smtplib.SMTPException) as exc:
                for message in messages:
                    _record_failure(message, exc, now)
                failed = len(messages)
        for message in messages if smtp is not None else []:
            try:
                smtp.send_message(_email(message))  # type: ignore[union-attr]
            except (OSError, smtplib.SMTPException, NoRecipient) as exc:
                _record_failure(message, exc, now)
                failed += 1
            else:
                _record_success(message, now)
                sent += 1
        if smtp is not None:
            try:
                smtp.quit()
            except (OSError, smtplib.SMTPException):
                pass
        session.commit()
    except BaseException:
        session.rollback()
        raise
    remaining = len(list(session.scalars(select(Outbox.id).where(Outbox.status == "queued"))))
    return SendReport(sent, failed, remaining)
