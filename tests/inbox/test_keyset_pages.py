"""Keyset pages: walking forward and back through a list visits every task once, in order."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Flask
from sqlalchemy import select, update

from app.auth.service import get_user_by_username
from app.cases.models import HumanTask
from app.db import get_session
from app.inbox import service as inbox
from tests.inbox.conftest import submit


@pytest.mark.parametrize(("sort", "direction"), [("due", "asc"), ("due", "desc"),
                                                  ("received", "desc"), ("case", "asc")])
def test_every_task_is_on_exactly_one_page_in_both_directions(
        deployed: Flask, sort: str, direction: str) -> None:
    for _ in range(45):
        submit(deployed)
    with deployed.app_context():
        session = get_session()
        ids = list(session.scalars(select(HumanTask.id).order_by(HumanTask.id)))
        # Some without a due moment (they come last), some sharing one (arrival decides).
        session.execute(update(HumanTask).where(HumanTask.id.in_(ids[:9])).values(due_at=None))
        first_due = session.scalars(select(HumanTask.due_at).where(
            HumanTask.id == ids[20])).one()
        assert first_due is not None
        session.execute(update(HumanTask).where(HumanTask.id.in_(ids[20:30])).values(
            due_at=first_due + timedelta(days=3)))
        session.commit()
        user = get_user_by_username("petugas")
        pages, cursor = [], ""
        while True:
            page = inbox.inbox_page(user, inbox.InboxFilters(
                view="antrean", sort=sort, direction=direction, after=cursor))
            pages.append([row.id for row in page.rows])
            if not page.next_cursor:
                break
            cursor = page.next_cursor
        walked = [task_id for page_ids in pages for task_id in page_ids]
        assert [len(p) for p in pages] == [20, 20, 5]
        assert sorted(walked) == sorted(ids)
        expected = _expected(session, sort, direction)
        assert walked == expected
        # And back from the last page.
        back = inbox.inbox_page(user, inbox.InboxFilters(
            view="antrean", sort=sort, direction=direction, before=page.prev_cursor))
        assert [row.id for row in back.rows] == pages[-2]
        assert back.next_cursor and back.prev_cursor


def _expected(session: object, sort: str, direction: str) -> list[str]:
    """Ascending: values ascending, empty last, ties by arrival; descending: exactly reversed."""
    rows = get_session().scalars(select(HumanTask).where(HumanTask.status == "ready")).all()
    column = {"due": "due_at", "received": "received_at", "case": "tracking_code"}[sort]
    present = [r for r in rows if getattr(r, column) is not None]
    empty = [r for r in rows if getattr(r, column) is None]
    ordered = sorted(present, key=lambda r: (getattr(r, column), r.created_at, r.id))
    ordered += sorted(empty, key=lambda r: (r.created_at, r.id))
    ids = [r.id for r in ordered]
    return ids[::-1] if direction == "desc" else ids
