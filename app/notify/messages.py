"""Turning recorded case events into outbox messages, inside the step's own transaction.

Which message goes out when is the diagram's business (process/CONVENTIONS.md): `notifyPublic`
and `notifyLeads` on an element name an e-mail template deployed with the version.
"""

from __future__ import annotations

import logging
from datetime import datetime
from functools import cached_property
from pathlib import PurePosixPath
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..auth.service import team_leads
from ..cases import conventions, queries
from ..cases.identity import contact_email
from ..cases.models import Case, CaseEvent, HumanTask
from ..engine.conventions import (
    NOTIFY_LEADS,
    NOTIFY_PUBLIC,
    ElementConventions,
    ProcessConventions,
)
from ..public import wording
from ..public.links import base_url, tracking_url
from .emails import TemplateProblem, render, render_text
from .service import COMPLAINANT, access_code_message, add_message

log = logging.getLogger(__name__)

# Events that stand for an element having run: the start, an end, a script or intermediate event.
ELEMENT_EVENTS = ("case_submitted", "case_closed", "sla_breached", "milestone_reached",
                  "timer_fired")


def on_access_code_renewed(session: Session, case: Case, access_code: str, **_: Any) -> None:
    """Mail a recovered access code to the complainant's address on record (same transaction)."""
    access_code_message(session, case, access_code, COMPLAINANT)


def on_events_recorded(session: Session, case: Case, events: list[CaseEvent],
                       access_code: str | None = None, **_: Any) -> None:
    """Queue the e-mails the events call for, in the same transaction as the events."""
    if not events:
        return
    outbox = _Outbox(session, case)
    done: set[str] = set()
    for event in events:
        if event.type in ELEMENT_EVENTS and event.bpmn_id and event.bpmn_id not in done:
            done.add(event.bpmn_id)
            outbox.element_ran(outbox.conv.element(event.bpmn_id))
        if event.type == "case_submitted" and access_code and outbox.email:
            access_code_message(session, case, access_code, outbox.email)
    for task in _new_tasks(session, case, events[0].occurred_at):
        outbox.task_ready(task)


def _new_tasks(session: Session, case: Case, since: datetime) -> list[HumanTask]:
    return list(session.scalars(
        select(HumanTask).where(
            HumanTask.case_id == case.id, HumanTask.status == "ready",
            HumanTask.created_at >= since,
        ).order_by(HumanTask.created_at)
    ))


class _Outbox:
    """The messages of one case's step: who receives what, worded by the version's templates."""

    def __init__(self, session: Session, case: Case) -> None:
        self.session = session
        self.case = case
        self.conv: ProcessConventions = conventions.of(case.process_version)
        self._entries: list[queries.HistoryEntry] | None = None

    @cached_property
    def email(self) -> str | None:
        """The complainant when an address is on record; read (decrypted) only when needed."""
        return COMPLAINANT if contact_email(self.case.id, self.session) else None

    def element_ran(self, element: ElementConventions | None) -> None:
        """Send what an element that ran (start, end, script, event) names."""
        if element is None:
            return
        self._public(element)
        self._leads(element)

    def task_ready(self, task: HumanTask) -> None:
        """Send what a task that now waits names; a public task without a template gets a note."""
        element = self.conv.element(task.bpmn_id)
        if element is not None and element.notification(NOTIFY_PUBLIC):
            self._public(element)
        elif task.lane and task.lane == self.conv.public_lane and self.email:
            subject = f"Pengaduan {self.case.tracking_code}: {task.public_status or task.name}"
            body = ("Yth. Bapak/Ibu,\n\nAda yang perlu Anda lakukan untuk pengaduan ini di "
                    f"{tracking_url(self.case.tracking_code)}.")
            add_message(self.session, self.email, subject, self._signed(body), kind="task",
                        case_id=self.case.id)
        if element is not None:
            self._leads(element)

    def _public(self, element: ElementConventions) -> None:
        name = element.notification(NOTIFY_PUBLIC)
        if name and self.email:
            self._send(self.email, name, element, {})

    def _leads(self, element: ElementConventions) -> None:
        """Tell each lead of the `leadsLane`; the templates get the case, never the complainant."""
        name = element.notification(NOTIFY_LEADS)
        if not name or not self.conv.leads_lane:
            return
        for lead in team_leads(lane=self.conv.leads_lane):
            if lead.email:
                self._send(lead.email, name, element, {"penerima": lead.full_name})

    def _send(self, to: str, name: str, element: ElementConventions,
              extra: dict[str, Any]) -> None:
        try:
            email = render(self.conv.files, name, {**self._context(element), **extra})
        except TemplateProblem:
            # The deploy lint parsed the template; what fails now is logged, not the case's step.
            log.exception("e-mail template failed: case=%s element=%s template=%s",
                          self.case.id, element.element_id, name)
            return
        add_message(self.session, to, email.subject, self._signed(email.body),
                    kind=PurePosixPath(name).stem, case_id=self.case.id)

    def _context(self, element: ElementConventions) -> dict[str, Any]:
        if self._entries is None:  # the events are all recorded before subscribers run
            self._entries = queries.history(self.case, self.session)
        entries = self._entries
        answers = wording.delivered_answers(entries, self.conv)
        return {
            "nomor": self.case.tracking_code,
            "judul": self.case.subject,
            "tautan": tracking_url(self.case.tracking_code),
            "hasil": self.case.outcome_label or "",
            "permintaan": wording.requested_data(entries, self.conv),
            "jawaban": answers[-1].text if answers else None,
            "publik": wording.public_values(entries, self.conv),
            "hari_standar": self.conv.service_days,
            "hari_batas": element.deadline_days,
            "kotak_tugas": f"{base_url()}/tugas",
        }

    def _signed(self, body: str) -> str:
        footer = self.conv.email_footer
        if not footer:
            return body
        try:
            text = render_text(self.conv.files, footer, {}).strip("\n")
        except TemplateProblem:
            log.exception("e-mail footer failed: case=%s template=%s", self.case.id, footer)
            return body
        return f"{body}\n\n{text}"
