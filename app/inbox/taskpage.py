"""The task page: the case's context, the task's form, drafts and completing the task."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select, update
from werkzeug.datastructures import FileStorage, MultiDict

from ..auth.service import users_with_role
from ..cases import conventions, privacy, queries
from ..cases.attachments import AttachmentRejected, Upload, save_uploads
from ..cases.events import Actor
from ..cases.identity import identity_of, step_personal
from ..cases.models import Attachment, Case, HumanTask, ProcessVersion
from ..cases.service import (
    CaseConflict,
    TaskUnavailable,
    complete_task,
    form_document,
    start_info,
    summary_on_record,
)
from ..db import get_session, utcnow
from ..formrender import Errors, FormSpec, build_spec, parse_submission, validate
from . import notes, rework
from .service import (
    TaskTaken,
    claim_in_session,
    draft_of,
    get_task,
    may_reassign,
    may_work,
    sees_identity,
    unavailable_message,
    user_name,
    visible_attachments,
    working_days_left,
)


@dataclass(frozen=True)
class StepRecord:
    """What an earlier step decided: who, when, and the data with its form's labels."""

    name: str
    actor: str
    role: str | None
    occurred_at: Any
    spec: FormSpec | None
    data: dict[str, Any]
    hidden: tuple[str, ...]


@dataclass
class TaskPage:
    """Everything the task page shows."""

    task: HumanTask
    case: Case
    start_spec: FormSpec
    submitted: dict[str, Any]
    submitted_hidden: tuple[str, ...]
    identity: list[tuple[str, str]] | None  # None: withheld from this viewer
    steps: list[StepRecord]
    attachments: list[Attachment]
    form: FormSpec | None
    values: dict[str, Any]
    errors: Errors = field(default_factory=dict)
    notice: str = ""
    holder_name: str = ""
    completed_by_name: str = ""
    reassign_to: list[tuple[int, str]] = field(default_factory=list)
    has_draft: bool = False
    days_left: int | None = None
    overdue: bool = False
    sent_back: rework.SentBack | None = None
    pending_answer: rework.PendingAnswer | None = None
    notes: list[Any] = field(default_factory=list)

    @property
    def workable(self) -> bool:
        """Whether the viewer may fill in the form now."""
        return self.form is not None and not self.notice


@dataclass(frozen=True)
class SubmitResult:
    """What became of a submission: done, draft saved, or the page to show again (and why)."""

    kind: str  # "completed", "draft", "invalid", "conflict"
    page: TaskPage | None = None
    tracking_code: str = ""
    next_step: str = ""  # what the case waits for now, or how it ended
    next_task_id: str = ""  # the case's next waiting task, when the same user may work it


def _spec(version: ProcessVersion, schema_file: str | None, ui_file: str | None) -> FormSpec | None:
    schema = form_document(version, schema_file)
    return build_spec(schema, form_document(version, ui_file)) if schema else None


def actor_name(label: str) -> str:
    """An event's actor as people read it."""
    if label.startswith("user:") and label[5:].isdigit():
        return user_name(int(label[5:]))
    return {"public": _("Pelapor"), "system": _("Sistem")}.get(label, label)


def _steps(case: Case, version: ProcessVersion, withheld: bool,
           entries: list[queries.HistoryEntry]) -> list[StepRecord]:
    """The task_completed events of CASE, each with the form its task used.

    When WITHHELD, what the public side supplied (files, identity, text marked personal) is
    taken out of the step's data before it reaches the page.
    """
    tasks = {row.id: row for row in
             get_session().scalars(select(HumanTask).where(HumanTask.case_id == case.id))}
    steps = []
    set_aside = step_personal(case.id)
    for entry in entries:
        if entry.type != "task_completed":
            continue
        row = tasks.get(entry.task_id or "")
        spec = _spec(version, row.form_schema, row.form_ui) if row else None
        data = {**entry.data.get("data", {}), **set_aside.get(entry.task_id or "", {})}
        public_side = privacy.supplied_by(entry.actor, row.lane if row else None) == (
            privacy.PUBLIC_SIDE)
        hidden = privacy.withheld_fields(spec, data, public_side, withheld)
        steps.append(StepRecord(name=entry.name, actor=actor_name(entry.actor),
                                role=entry.actor_role, occurred_at=entry.occurred_at, spec=spec,
                                data=privacy.redact(data, hidden), hidden=hidden))
    return steps


def _identity(case: Case, spec: FormSpec) -> list[tuple[str, str]]:
    """The complainant's identity fields (decrypted) with their form labels."""
    person = identity_of(case.id)
    shown = []
    for f in spec.fields:
        value = person.get(f.name) if f.identity else None
        if value:
            shown.append((f.title, str(value)))
    return shown


def _carried_over(form: FormSpec | None, submitted: dict[str, Any],
                  on_record: dict[str, Any]) -> dict[str, Any]:
    """A fresh form's values: its defaults, then the case's current answer to a same-named field.

    A step whose form marks summary fields (a corrected classification) starts from what is on
    record (ON_RECORD), not from the start form's first answer.
    """
    if form is None:
        return {}
    current = {**submitted, **on_record}
    values = dict(form.defaults)
    for f in form.fields:
        if f.widget != "file" and current.get(f.name) not in (None, "", []):
            values[f.name] = current[f.name]
    return values


def build_page(task_id: str, user: Any, values: dict[str, Any] | None = None,
               errors: Errors | None = None, notice: str = "") -> TaskPage:
    """The task page of TASK_ID for USER (PermissionDenied / LookupError raised by get_task)."""
    task = get_task(task_id, user)
    case = queries.get_case(task.case_id)
    assert case is not None  # nosec B101 # a task's case exists (foreign key); narrows the type
    now = utcnow()
    version = case.process_version
    info = start_info(version)
    start_spec = _spec(version, info.form.schema_file, info.form.ui_file) or build_spec({})
    shows_identity = sees_identity(user, case)
    form = _spec(version, task.form_schema, task.form_ui)
    draft = draft_of(task)
    submitted = queries.submitted_data(case)
    # The start form is the public side's, also when the desk officer registered it.
    hidden = privacy.withheld_fields(start_spec, submitted, True, not shows_identity)
    submitted = privacy.redact(submitted, hidden)
    entries = queries.history(case)
    steps = _steps(case, version, not shows_identity, entries)
    pending = rework.pending_answer(entries, conventions.of(version))
    if values is None:
        on_record = summary_on_record(case, form_document(version, task.form_schema))
        redraft = rework.redraft_values(pending, conventions.of(version), task.bpmn_id)
        values = {**_carried_over(form, submitted, on_record), **redraft, **(draft or {})}
    page = TaskPage(
        task=task, case=case, start_spec=start_spec, submitted=submitted,
        submitted_hidden=hidden,
        identity=_identity(case, start_spec) if shows_identity else None,
        steps=steps,
        attachments=visible_attachments(task, user), form=form, values=values,
        errors=errors or {}, notice=notice or unavailable_message(task, user),
        holder_name=user_name(task.claimed_by), completed_by_name=user_name(task.completed_by),
        has_draft=draft is not None, days_left=working_days_left(task.due_at, now),
        overdue=task.due_at is not None and task.due_at < now,
        sent_back=rework.sent_back(steps, entries, actor_name("public")),
        pending_answer=pending,
        notes=notes.case_notes(entries),
    )
    if may_reassign(user, task) and task.status == "ready":
        page.reassign_to = [(u.id, u.full_name)
                            for u in users_with_role(task.lane or "", task.division)]
    return page


def _uploads(spec: FormSpec, files: dict[str, list[FileStorage]], actor: Actor,
             data: dict[str, Any]) -> tuple[list[str], Errors]:
    """Store each file field's uploads (unlinked, uncommitted); put their ids into DATA."""
    ids: list[str] = []
    errors: Errors = {}
    for name, chosen in files.items():
        try:
            saved = save_uploads([Upload(f.filename or "berkas", f.stream) for f in chosen], actor)
        except AttachmentRejected as exc:
            errors[name] = [str(exc)]
            continue
        data[name] = saved
        ids.extend(saved)
    return ids, errors


def submit(task_id: str, user: Any, form: MultiDict[str, str],
           files: MultiDict[str, FileStorage], action: str) -> SubmitResult:
    """Save a draft or complete the task; the form is checked before anything is written.

    An unclaimed task is claimed in the same transaction that completes it, so a user who
    opens a queue task and fills it in need not press "Ambil" first, and two people can still
    never both complete it.
    """
    task = get_task(task_id, user)
    message = unavailable_message(task, user)
    if message:
        raise TaskTaken(message)
    spec = _spec(queries.get_case(task.case_id).process_version,  # type: ignore[union-attr]
                 task.form_schema, task.form_ui) or build_spec({})
    data, files_by_field = parse_submission(spec, form, files)
    if action == "draft":
        save_draft(task_id, user, data)
        return SubmitResult("draft")
    checked = {**data, **{name: [f.filename for f in chosen]
                          for name, chosen in files_by_field.items()}}
    errors = validate(spec.schema, checked)
    if errors:
        return SubmitResult("invalid", build_page(task_id, user, data, errors))
    return _complete(task, user, form, spec, data, files_by_field)


def _complete(task: HumanTask, user: Any, form: MultiDict[str, str], spec: FormSpec,
              data: dict[str, Any], files: dict[str, list[FileStorage]]) -> SubmitResult:
    session = get_session()
    actor = Actor("user", user.id, task.lane)
    attachment_ids, upload_errors = _uploads(spec, files, actor, data)
    if upload_errors:
        session.rollback()
        return SubmitResult("invalid", build_page(task.id, user, data, upload_errors))
    expected = form.get("version", "")
    claim_in_session(task.id, user)
    try:
        case = complete_task(task.id, data, actor,
                             expected_version=int(expected) if expected.isdigit() else None,
                             attachment_ids=attachment_ids)
    except TaskUnavailable as exc:
        session.expire_all()
        raise TaskTaken(unavailable_message(session.get(HumanTask, task.id), user)  # type: ignore[arg-type]
                        or _("Tugas ini tidak lagi menunggu.")) from exc
    except CaseConflict:
        session.expire_all()
        fresh = session.get(HumanTask, task.id)
        if fresh is not None and fresh.status != "ready":
            raise TaskTaken(unavailable_message(fresh, user)) from None
        notice = _("Pengaduan ini baru saja berubah (misalnya batas waktu terlewati). Isian Anda "
                   "belum tersimpan: periksa keadaan terbaru di atas, lalu kirim lagi.")
        data = {k: v for k, v in data.items() if k not in files}
        page = build_page(task.id, user, data)
        page.errors = {"__all__": [notice]}
        return SubmitResult("conflict", page)
    return SubmitResult("completed", tracking_code=case.tracking_code, next_step=_next_step(case),
                        next_task_id=_next_task_for(case, user))


def _next_task_for(case: Case, user: Any) -> str:
    """The case's next waiting task when USER may work it and nobody else holds it."""
    for waiting in queries.open_tasks(case):
        if waiting.claimed_by in (None, user.id) and may_work(user, waiting):
            return waiting.id
    return ""


def _next_step(case: Case) -> str:
    """The case's next waiting task(s) with their lane, or the end it reached."""
    if case.status != "berjalan":
        return str(case.outcome_label or case.public_status or "")
    waiting = queries.open_tasks(case)
    return "; ".join(f"{t.name} ({t.lane})" for t in waiting)


def save_draft(task_id: str, user: Any, data: dict[str, Any]) -> None:
    """Keep DATA as the task's draft (claiming the task for USER if nobody holds it)."""
    session = get_session()
    claim_in_session(task_id, user)
    session.execute(
        update(HumanTask)
        .where(HumanTask.id == task_id, HumanTask.status == "ready",
               HumanTask.claimed_by == user.id)
        .values(draft_json=json.dumps(data, ensure_ascii=False, default=str))
        .execution_options(synchronize_session=False)
    )
    session.commit()
