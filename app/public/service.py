"""Public services: submit or register a complaint, open a case by its codes, do a public task.

Each function that writes is one transaction (through app.cases.service, which commits); uploads
are checked by content before anything is stored, so a refused form leaves no rows and no files.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from functools import partial
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from werkzeug.datastructures import FileStorage, MultiDict

from ..cases import access_codes, conventions, queries
from ..cases import service as cases
from ..cases.attachments import (
    AttachmentRejected,
    Upload,
    attachment_file,
    case_attachments,
    check_uploads,
    save_uploads,
)
from ..cases.events import PUBLIC, Actor
from ..cases.identity import contact_email, seal_text, unseal_text
from ..cases.models import Attachment, Case, HumanTask, ProcessVersion
from ..db import get_session, utcnow
from ..engine.conventions import CHANNEL, summary_fields
from ..formrender import Errors, FormSpec, build_spec, parse_submission, validate
from . import startform, wording
from .models import SubmissionToken

TOKEN_FIELD = "token_kirim"  # nosec B105 # a form field's name, not a password
# How long a repeated POST of the same form (same browser) may show the access code again.
REPLAY_WINDOW = timedelta(minutes=30)
WIB = ZoneInfo("Asia/Jakarta")
# Checked when a tracking number is unknown, so that it costs as long as a wrong access code.
_DUMMY_CODE = "ABCD-EFGH"


class FormInvalid(ValueError):
    """The submitted form breaks its schema or its uploads break a rule; nothing was stored."""

    def __init__(self, errors: Errors, values: dict[str, Any]) -> None:
        super().__init__("form invalid")
        self.errors = errors
        self.values = values


@dataclass(frozen=True)
class StartForm:
    """The start form of the active process version: as the public and the desk officer see it."""

    spec: FormSpec  # the public's form (app/public/startform.py)
    identity: frozenset[str]
    # The field marked as the case's channel (`x-ringkasan`), and its `default`: the value
    # meaning "submitted online by the public" (process/CONVENTIONS.md).
    channel_field: str | None = None
    online_channel: str | None = None
    registration: FormSpec | None = None  # the desk officer's registration form
    fixed: Mapping[str, Any] = field(default_factory=dict)  # what the public form stores unseen
    # Fields the public form does not show: the channel and the officer's own fields.
    public_hidden: tuple[str, ...] = ()

    @property
    def registration_spec(self) -> FormSpec:
        """The registration form (the public one when the start form has no officer variant)."""
        return self.registration or self.spec

    @property
    def registration_values(self) -> dict[str, Any]:
        """The registration form's first values: the desk officer picks the channel."""
        values = self.registration_spec.defaults
        if self.channel_field:
            values[self.channel_field] = ""
        return values


@dataclass(frozen=True)
class TrackingView:
    """Everything the tracking page shows about one case."""

    case: Case
    timeline: list[wording.TimelineItem]
    answers: list[wording.Answer]
    notes: list[wording.PublicNote]
    requested_data: str | None
    tasks: list[HumanTask]
    submitted: dict[str, Any]
    spec: FormSpec
    attachments: list[Attachment] = field(default_factory=list)
    hidden_fields: list[str] = field(default_factory=list)


def _spec(version: ProcessVersion, schema_file: str | None, ui_file: str | None) -> FormSpec:
    schema = cases.form_document(version, schema_file) or {"type": "object", "properties": {}}
    return build_spec(schema, cases.form_document(version, ui_file))


def start_form() -> StartForm:
    """The start form of the process version new complaints start on."""
    version = cases.active_version()
    info = cases.start_info(version)
    schema = cases.form_document(version, info.form.schema_file) or {"type": "object",
                                                                      "properties": {}}
    ui = cases.form_document(version, info.form.ui_file)
    full = build_spec(schema, ui)
    channel = summary_fields(full.schema).get(CHANNEL)
    online = channel.default if channel is not None and isinstance(channel.default, str) else None
    channel_name = channel.name if channel is not None else None
    fixed = startform.public_fixed(schema, channel_name, online)
    hidden = tuple(dict.fromkeys([*fixed, *startform.registrar_only(schema)]))
    return StartForm(startform.public_spec(schema, ui, fixed),
                     frozenset(cases.identity_fields(dict(schema))), channel_name, online,
                     startform.registration_spec(schema, ui, channel_name, online), fixed,
                     hidden)


def _uploads(files: Iterable[FileStorage]) -> list[Upload]:
    return [Upload(f.filename or "berkas", f.stream) for f in files]


def _check_files(uploads: list[Upload], errors: Errors, field_name: str) -> None:
    """Add an upload problem to ERRORS; rewind the streams for storing."""
    try:
        check_uploads(uploads)
    except AttachmentRejected as exc:
        errors.setdefault(field_name, []).append(
            _("%(problem)s Pilih ulang berkas lampiran yang sesuai.", problem=str(exc))
        )
    for upload in uploads:
        upload.stream.seek(0)


def _parse(spec: FormSpec, form: MultiDict[str, str], files: MultiDict[str, FileStorage] | None,
           hidden: Iterable[str], fixed: Mapping[str, Any]
           ) -> tuple[dict[str, Any], dict[str, list[Upload]]]:
    """Typed, validated data plus checked uploads per file field; FormInvalid on any error."""
    data, raw_uploads = parse_submission(spec, form, files, hidden_fields=hidden)
    data.update(fixed)
    errors = validate(spec.schema, data)
    uploads = {name: _uploads(chosen) for name, chosen in raw_uploads.items()}
    for name, chosen in uploads.items():
        _check_files(chosen, errors, name)
    if errors:
        raise FormInvalid(errors, data)
    return data, uploads


def _store_files(data: dict[str, Any], uploads: dict[str, list[Upload]], actor: Actor) -> list[str]:
    """Store the checked uploads (rows unflushed to commit) and put their ids into DATA."""
    ids: list[str] = []
    for name, chosen in uploads.items():
        saved = save_uploads(chosen, actor)
        data[name] = saved
        ids.extend(saved)
    return ids


@dataclass(frozen=True)
class Submitted:
    """What a submission led to; REPEATED when the form had already created its case."""

    tracking_code: str
    access_code: str | None  # None: not shown again (another browser, or too late)
    repeated: bool = False


def new_form_token() -> str:
    """A one-time token for a rendered submission form (its hidden field)."""
    return secrets.token_urlsafe(32)


def token_digest(token: str) -> str:
    """What is stored of a form token: its SHA-256."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def earlier_submission(token: str) -> SubmissionToken | None:
    """The record of the case this form token already created, if any."""
    return get_session().get(SubmissionToken, token_digest(token))


def _replay(record: SubmissionToken, same_browser: bool) -> Submitted:
    """The first case's result again; its access code only to the browser that rendered the form.

    The code is re-shown within REPLAY_WINDOW because a double click can lose the first
    response (and with it the only showing of the code). The browser that rendered the form
    already holds the case open in its session, so showing it the code again exposes nothing
    new; a replay from elsewhere, or a late one, gets the tracking number only.
    """
    session = get_session()
    case = session.get(Case, record.case_id)
    if case is None:  # the token's case exists (foreign key); this narrows the type
        raise LookupError(record.case_id)
    fresh = record.created_at > utcnow() - REPLAY_WINDOW
    code = None
    if same_browser and fresh and record.sealed_access_code:
        code = unseal_text(record.sealed_access_code)
    elif record.sealed_access_code and not fresh:
        record.sealed_access_code = None  # past the window: forget it
        session.commit()
    return Submitted(case.tracking_code, code, repeated=True)


def _remember(token: str) -> Callable[[Session, Case, str], None]:
    """Store TOKEN with the case it creates, in the case's transaction; old codes forgotten."""

    def add(session: Session, case: Case, access_code: str) -> None:
        now = utcnow()
        session.execute(update(SubmissionToken)
                        .where(SubmissionToken.created_at < now - REPLAY_WINDOW,
                               SubmissionToken.sealed_access_code.is_not(None))
                        .values(sealed_access_code=None))
        session.add(SubmissionToken(token_digest=token_digest(token), case_id=case.id,
                                    created_at=now, sealed_access_code=seal_text(access_code)))

    return add


def submit(form: MultiDict[str, str], files: MultiDict[str, FileStorage] | None, *,
           actor: Actor = PUBLIC, registering: bool = False,
           share_access_code: bool = False, same_browser: bool = False) -> Submitted:
    """Validate the start form and start a case; the public's channel is always the online one.

    REGISTERING: the desk officer records a complaint that came in another way and must pick
    its channel (the field marked as the channel, see StartForm).

    The form's one-time token (TOKEN_FIELD) makes a repeated POST of the same rendered form
    show the first case instead of creating another; SAME_BROWSER says the token was issued
    to this browser session.
    """
    start = start_form()
    spec = start.registration_spec if registering else start.spec
    hidden = () if registering else start.public_hidden
    fixed = {} if registering else start.fixed
    data, uploads = _parse(spec, form, files, hidden, fixed)
    token = form.get(TOKEN_FIELD, "").strip()
    if not token:
        raise FormInvalid({"__all__": [_("Formulir ini belum lengkap dimuat sehingga belum "
                                         "terkirim. Periksa isian, lalu Kirim sekali lagi.")]},
                          data)
    record = earlier_submission(token)
    if record is not None:
        return _replay(record, same_browser)
    # A file written here is removed again if the case's transaction does not commit.
    ids = _store_files(data, uploads, actor)
    try:
        submitted = cases.submit_case(data, actor, attachment_ids=ids,
                                      share_access_code=share_access_code,
                                      on_created=_remember(token))
    except IntegrityError:
        # Another POST of the same form committed first.
        record = earlier_submission(token)
        if record is None:
            raise
        return _replay(record, same_browser)
    return Submitted(submitted.case.tracking_code, submitted.access_code)


@dataclass(frozen=True)
class Receipt:
    """What the printed receipt of a registered complaint says (never identity)."""

    case: Case
    rows: list[tuple[str, str]]
    recoverable: bool = False  # an e-mail address is on record: a lost code can be replaced


def receipt(tracking_code: str) -> Receipt | None:
    """The receipt of a registered case: its number, subject, and how and when it came in."""
    case = queries.find_by_tracking_code(tracking_code)
    if case is None:
        return None
    start = start_form()
    spec = start.registration_spec
    data = queries.submitted_data(case)
    shown = {*startform.registrar_only(spec.schema),
             *([start.channel_field] if start.channel_field else [])}
    rows = [(f.title, f.display(data[f.name])) for f in spec.filled(data) if f.name in shown]
    return Receipt(case, rows, contact_email(case.id) is not None)


def open_case(tracking_code: str, access_code: str) -> Case | None:
    """The case these codes open, or None; unknown numbers and wrong codes cost the same time."""
    case = queries.find_by_tracking_code(tracking_code) if tracking_code.strip() else None
    if case is None:
        hmac.compare_digest(access_codes.hash_code(_DUMMY_CODE), access_codes.hash_code(
            access_code or "x"))
        return None
    old_hash = case.access_code_hash
    if not cases.check_access_code(case, access_code or ""):
        return None
    if case.access_code_hash != old_hash:
        get_session().commit()  # an old scrypt hash was replaced by the HMAC
    return case


def find_case(tracking_code: str) -> Case | None:
    """The case with this tracking number (for a visitor who already proved the access code)."""
    return queries.find_by_tracking_code(tracking_code)


def tracking_view(case: Case) -> TrackingView:
    """What the tracking page shows: never identity, never staff names or internal notes."""
    entries = queries.history(case)
    version = case.process_version
    conv, t = conventions.of(version), partial(conventions.text, version)
    allowed = wording.public_attachment_ids(entries, conv)
    info = cases.start_info(version)
    return TrackingView(
        case=case,
        timeline=wording.timeline(entries, conv, t),
        answers=wording.delivered_answers(entries, conv),
        notes=wording.public_notes(entries, conv, t),
        requested_data=wording.requested_data(entries, conv),
        tasks=public_tasks(case),
        submitted=queries.submitted_data(case),
        spec=_spec(version, info.form.schema_file, info.form.ui_file),
        attachments=[a for a in case_attachments(case.id) if a.id in allowed],
        hidden_fields=wording.hidden_on_summary(conv, info.bpmn_id),
    )


def public_tasks(case: Case) -> list[HumanTask]:
    """The case's tasks waiting for the complainant."""
    public_lane = conventions.of(case.process_version).public_lane
    return [t for t in queries.open_tasks(case) if t.lane and t.lane == public_lane]


def public_task(case: Case, task_id: str) -> HumanTask | None:
    """A ready public-lane task of CASE, or None (other lanes' tasks are never reachable here)."""
    return next((t for t in public_tasks(case) if t.id == task_id), None)


def earlier_public_task(case: Case, task_id: str) -> HumanTask | None:
    """A public-lane task of CASE whatever its state (to word a conflict), or None."""
    task = get_session().get(HumanTask, task_id)
    public_lane = conventions.of(case.process_version).public_lane
    if task is None or task.case_id != case.id or not task.lane or task.lane != public_lane:
        return None
    return task


def typed_values(spec: FormSpec, form: MultiDict[str, str]) -> dict[str, Any]:
    """What was typed into SPEC's form, unchecked (to show it again after a conflict)."""
    data, _files = parse_submission(spec, form, None)
    return data


def task_form(case: Case, task: HumanTask) -> FormSpec:
    """The form of a task as deployed with the case's process version."""
    return _spec(case.process_version, task.form_schema, task.form_ui)


def complete(case: Case, task: HumanTask, form: MultiDict[str, str],
             files: MultiDict[str, FileStorage] | None) -> Case:
    """Validate and complete a public-lane task; raises FormInvalid or cases' errors."""
    data, uploads = _parse(task_form(case, task), form, files, (), {})
    ids = _store_files(data, uploads, PUBLIC)
    return cases.complete_task(task.id, data, PUBLIC, attachment_ids=ids)


def public_attachment(case: Case, attachment_id: str) -> tuple[Attachment, Path] | None:
    """An attachment the complainant may download, with its path; None otherwise."""
    conv = conventions.of(case.process_version)
    allowed = wording.public_attachment_ids(queries.history(case), conv)
    if attachment_id not in allowed:
        return None
    attachment = get_session().get(Attachment, attachment_id)
    if attachment is None or attachment.case_id != case.id:
        return None
    return attachment, attachment_file(attachment)
