"""Attachments: checked by content, stored under random names outside the static folder."""

from __future__ import annotations

import hashlib
import re
import time
import uuid
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import IO

import filetype
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import event, select, update
from sqlalchemy.orm import Session, SessionTransaction

from ..db import get_session, utcnow
from ..formrender.i18n import format_size
from .events import Actor
from .models import Attachment

# What a complainant or officer may attach: photos of documents and PDFs.
ALLOWED_TYPES = {
    "image/jpeg": "jpg",
    "image/png": "png",
    "image/webp": "webp",
    "application/pdf": "pdf",
}
DEFAULT_MAX_BYTES = 5 * 1024 * 1024
DEFAULT_MAX_COUNT = 5


PENDING_FILES = "uncommitted_upload_files"
STORED_NAME = re.compile(r"^[0-9a-f]{32}\.[a-z]+$")


@event.listens_for(Session, "after_commit")
def _keep_committed_files(session: Session) -> None:
    """The transaction that stored the rows committed: its files stay."""
    session.info.pop(PENDING_FILES, None)


@event.listens_for(Session, "after_transaction_end")
def _remove_uncommitted_files(session: Session, transaction: SessionTransaction) -> None:
    """A transaction ended without committing (rollback, close): remove the files it wrote."""
    if transaction.parent is not None or transaction.nested:
        return  # a savepoint: the outer transaction decides
    for path in session.info.pop(PENDING_FILES, []):
        path.unlink(missing_ok=True)


def sweep_orphan_files(older_than: timedelta = timedelta(hours=1)) -> int:
    """Remove stored files with no attachment row, older than OLDER_THAN (a killed process's)."""
    folder = upload_dir()
    cutoff = time.time() - older_than.total_seconds()
    candidates = {p.name: p for p in folder.iterdir()
                  if p.is_file() and STORED_NAME.match(p.name) and p.stat().st_mtime < cutoff}
    if not candidates:
        return 0
    known = set(get_session().scalars(
        select(Attachment.stored_name).where(Attachment.stored_name.in_(candidates))))
    removed = 0
    for name, path in candidates.items():
        if name not in known:
            path.unlink(missing_ok=True)
            removed += 1
    return removed


class AttachmentRejected(ValueError):
    """An upload that breaks a rule; the message is shown to the user as is."""


@dataclass(frozen=True)
class Upload:
    """One file from a form: its name as sent and a readable stream."""

    filename: str
    stream: IO[bytes]


def _size_label(size: int) -> str:
    """A size as people read it: "5 MB", "1,5 MB", "500 KB" or "390 B" (the one size format)."""
    return format_size(size)


def _limits() -> tuple[int, int]:
    config = current_app.config
    return (
        int(config.get("ATTACHMENT_MAX_BYTES", DEFAULT_MAX_BYTES)),
        int(config.get("ATTACHMENT_MAX_COUNT", DEFAULT_MAX_COUNT)),
    )


def upload_dir() -> Path:
    """The folder files are kept in (instance/uploads by default), created on first use."""
    folder = Path(current_app.config["UPLOAD_DIR"])
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def check_uploads(uploads: list[Upload]) -> list[tuple[Upload, bytes, str]]:
    """Read and check every upload (count, size, type by content); raise on the first bad one."""
    max_bytes, max_count = _limits()
    if len(uploads) > max_count:
        raise AttachmentRejected(_("Maksimal %(n)d berkas lampiran.", n=max_count))
    checked = []
    for upload in uploads:
        content = upload.stream.read(max_bytes + 1)
        if len(content) > max_bytes:
            limit = _size_label(max_bytes)
            raise AttachmentRejected(
                _("Berkas %(name)s lebih dari %(limit)s.", name=upload.filename, limit=limit)
            )
        if not content:
            raise AttachmentRejected(_("Berkas %(name)s kosong.", name=upload.filename))
        kind = filetype.guess(content)
        if kind is None or kind.mime not in ALLOWED_TYPES:
            raise AttachmentRejected(
                _(
                    "Berkas %(name)s bukan JPG, PNG, WEBP atau PDF (diperiksa dari isinya).",
                    name=upload.filename,
                )
            )
        checked.append((upload, content, kind.mime))
    return checked


def save_uploads(uploads: list[Upload], actor: Actor) -> list[str]:
    """Check and store UPLOADS unlinked (the caller links them in its transaction); return ids.

    Each file written is tied to the session's transaction: if that transaction does not
    commit (a conflict, an error, a closed session), the file is removed again.
    """
    session = get_session()
    ids = []
    for upload, content, mime in check_uploads(uploads):
        attachment_id = uuid.uuid4().hex
        stored_name = f"{attachment_id}.{ALLOWED_TYPES[mime]}"
        path = upload_dir() / stored_name
        session.info.setdefault(PENDING_FILES, []).append(path)
        path.write_bytes(content)
        session.add(
            Attachment(
                id=attachment_id,
                original_name=Path(upload.filename or "berkas").name[:255],
                stored_name=stored_name,
                content_type=mime,
                size=len(content),
                sha256=hashlib.sha256(content).hexdigest(),
                uploaded_at=utcnow(),
                uploaded_by=actor.label,
            )
        )
        ids.append(attachment_id)
    session.flush()
    return ids


def link_attachments(session: Session, ids: list[str], case_id: int, task_id: str | None,
                     supplied_by: str) -> None:
    """Attach not-yet-linked uploads to a case (and the task they came with), noting the side."""
    if ids:
        session.execute(
            update(Attachment)
            .where(Attachment.id.in_(ids), Attachment.case_id.is_(None))
            .values(case_id=case_id, task_id=task_id, supplied_by=supplied_by)
        )


def case_attachments(case_id: int) -> list[Attachment]:
    """The files attached to a case, oldest first."""
    return list(
        get_session().scalars(
            select(Attachment).where(Attachment.case_id == case_id).order_by(Attachment.uploaded_at)
        )
    )


def attachment_file(attachment: Attachment) -> Path:
    """Where the attachment's bytes are on disk."""
    return upload_dir() / attachment.stored_name
