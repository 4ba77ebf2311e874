"""`flask --app app bench seed N`: a database of N cases for benchmarks, seeded in bulk.

A few template cases are made through the application's own services (submit, complete tasks,
claim), following the paths of a JSON file (the diagram's task ids and form data live there, not
here); then each template is copied in bulk, with new ids, tracking numbers, task ids (also inside
the stored state) and a re-computed event hash chain, so every copy can be worked on, fired and
verified like a case made by hand. PostgreSQL takes the copies through COPY, SQLite through
executemany.
"""

from __future__ import annotations

import json
import random
import re
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click
from flask.cli import AppGroup
from sqlalchemy import Table, func, insert, select, text, update
from sqlalchemy.orm import Session

from .auth.service import ensure_demo_users, get_user_by_username
from .cases import service
from .cases.events import PUBLIC, Actor, event_hash
from .cases.models import Case, CaseEvent, Complainant, Counter, HumanTask, Timer
from .cases.store import timer_spread
from .db import get_session

bench_cli = AppGroup("bench", help="Benchmark helpers (not for production databases).")
UUID_RE = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
BATCH = 5000


@dataclass
class Template:
    """A case made through the services, as rows to copy."""

    weight: int
    case: dict[str, Any]
    tasks: list[dict[str, Any]]
    timers: list[dict[str, Any]]
    events: list[dict[str, Any]]
    complainant: dict[str, Any] | None
    state_parts: list[str]  # the state split around its task ids
    state_ids: list[str]  # the ids between the parts, in order


def _actor(name: str, lanes: dict[str, str]) -> Actor:
    if name == "public":
        return PUBLIC
    user = get_user_by_username(name)
    if user is None:
        raise click.ClickException(f"pengguna {name} tidak ada (jalankan setup --demo)")
    return Actor("user", user.id, lanes.get(name))


def _make_template(spec: dict[str, Any], start: dict[str, Any], lanes: dict[str, str]
                   ) -> tuple[int, str, str]:
    """One case through the services along SPEC's steps: (id, tracking number, access code)."""
    submitted = service.submit_case(dict(start), PUBLIC)
    case = submitted.case
    session = get_session()
    for bpmn_id, who, data in spec.get("steps", []):
        task = session.scalars(select(HumanTask).where(
            HumanTask.case_id == case.id, HumanTask.status == "ready",
            HumanTask.bpmn_id == bpmn_id)).one()
        service.complete_task(task.id, data, _actor(who, lanes))
    holder = spec.get("claim")
    if holder:
        user = get_user_by_username(holder)
        session.execute(update(HumanTask).where(
            HumanTask.case_id == case.id, HumanTask.status == "ready").values(
            claimed_by=user.id if user else None, claimed_at=case.received_at))
        session.commit()
    return case.id, case.tracking_code, submitted.access_code


def _rows(session: Session, model: Any, where: Any, order: Any) -> list[dict[str, Any]]:
    table: Table = model.__table__
    return [dict(row._mapping) for row in session.execute(
        select(table).where(where).order_by(order))]


def _read_template(session: Session, case_id: int, weight: int) -> Template:
    case = dict(session.execute(select(Case.__table__).where(Case.id == case_id)).one()._mapping)
    state = case["state_json"]
    ids = UUID_RE.findall(state)
    return Template(
        weight=weight, case=case,
        tasks=_rows(session, HumanTask, HumanTask.case_id == case_id, HumanTask.created_at),
        timers=_rows(session, Timer, Timer.case_id == case_id, Timer.id),
        events=_rows(session, CaseEvent, CaseEvent.case_id == case_id, CaseEvent.seq),
        complainant=next(iter(_rows(session, Complainant, Complainant.case_id == case_id,
                                    Complainant.case_id)), None),
        state_parts=UUID_RE.split(state), state_ids=ids,
    )


def _copy(template: Template, case_id: int, tracking: str) -> dict[str, list[dict[str, Any]]]:
    """The rows of one copy of TEMPLATE as case CASE_ID with tracking number TRACKING."""
    fresh = {old: str(uuid.uuid4()) for old in dict.fromkeys(template.state_ids)}
    pieces = [template.state_parts[0]]
    for old, part in zip(template.state_ids, template.state_parts[1:], strict=True):
        pieces += [fresh[old], part]
    prev = "0" * 64
    events = []
    for event in template.events:
        task_id = fresh.get(event["task_id"], event["task_id"]) if event["task_id"] else None
        digest = event_hash(prev, case_id, event["seq"], event["type"], event["actor"],
                            event["actor_role"], event["occurred_at"], task_id,
                            event["bpmn_id"], event["data_json"])
        events.append({**event, "id": None, "case_id": case_id, "task_id": task_id,
                       "prev_hash": prev, "hash": digest})
        prev = digest
    case = {**template.case, "id": case_id, "tracking_code": tracking,
            "state_json": "".join(pieces), "head_hash": prev, "event_count": len(events)}
    tasks = [{**t, "id": fresh.get(t["id"], str(uuid.uuid4())), "case_id": case_id,
              "tracking_code": tracking} for t in template.tasks]
    spread = timer_spread(case_id)
    timers = [{**t, "id": None, "case_id": case_id,
               "task_id": fresh.get(t["task_id"], t["task_id"]),
               "due_at": t["due_at"] - timer_spread(template.case["id"]) + spread}
              for t in template.timers]
    rows: dict[str, list[dict[str, Any]]] = {"cases": [case], "human_tasks": tasks,
                                             "timers": timers, "case_events": events}
    if template.complainant is not None:
        rows["complainants"] = [{**template.complainant, "case_id": case_id}]
    return rows


def _write(session: Session, batch: dict[str, list[dict[str, Any]]]) -> None:
    """Insert BATCH (table -> rows): COPY on PostgreSQL, executemany elsewhere."""
    tables: dict[str, Table] = {m.__tablename__: m.__table__  # type: ignore[misc]
                                for m in (Case, HumanTask, Timer, CaseEvent, Complainant)}
    order = ("cases", "complainants", "human_tasks", "timers", "case_events")
    postgres = session.get_bind().dialect.name == "postgresql"
    for name in order:
        rows = batch.get(name) or []
        if not rows:
            continue
        table = tables[name]
        columns = [c.name for c in table.columns if not (c.name == "id" and rows[0]["id"] is None)]
        if postgres:
            raw = session.connection().connection.driver_connection
            with raw.cursor() as cursor, cursor.copy(  # type: ignore[union-attr]
                    f"COPY {name} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row([row[c] for c in columns])
        else:
            session.execute(insert(table), [{c: row[c] for c in columns} for row in rows])


def _batches(templates: list[Template], count: int, first_id: int, first_number: int,
             year: int) -> Iterator[dict[str, list[dict[str, Any]]]]:
    chooser = random.Random(20261129)  # nosec B311 # reproducible benchmark data, not secrets
    weights = [t.weight for t in templates]
    batch: dict[str, list[dict[str, Any]]] = {}
    for n in range(count):
        template = chooser.choices(templates, weights)[0]
        rows = _copy(template, first_id + n, f"ADU-{year}-{first_number + n:06d}")
        for name, items in rows.items():
            batch.setdefault(name, []).extend(items)
        if len(batch["cases"]) >= BATCH:
            yield batch
            batch = {}
    if batch:
        yield batch


def seed(count: int, paths: dict[str, Any]) -> dict[str, Any]:
    """Make the templates of PATHS through the services, then copy them to COUNT cases."""
    started = time.perf_counter()
    ensure_demo_users()
    session = get_session()
    lanes = dict(paths.get("lanes", {}))
    made = [(_make_template(spec, paths["start"], lanes), len(spec.get("steps", [])),
             int(spec.get("weight", 1))) for spec in paths["templates"]]
    session.expire_all()
    templates = [_read_template(session, ids[0], weight) for ids, _steps, weight in made]
    # The template with the longest history, for benchmarks of the tracking and audit pages.
    example = max(made, key=lambda m: m[1])[0]
    year = int(templates[0].case["tracking_code"].split("-")[1])
    made_at = time.perf_counter()
    remaining = max(count - len(templates), 0)
    first_id = int(session.scalar(select(func.max(Case.id))) or 0) + 1
    counter = f"tracking-{year}"
    first_number = int(session.scalar(select(Counter.value).where(Counter.name == counter))
                       or 0) + 1
    for batch in _batches(templates, remaining, first_id, first_number, year):
        _write(session, batch)
        session.commit()
    session.execute(update(Counter).where(Counter.name == counter).values(
        value=first_number + remaining - 1))
    if session.get_bind().dialect.name == "postgresql":
        for table in ("case_events", "timers"):
            session.execute(_sequence_fix(table))
        session.execute(_sequence_fix("cases"))
    session.commit()
    if session.get_bind().dialect.name == "postgresql":
        with session.get_bind().connect() as connection:  # type: ignore[union-attr]
            connection.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql(
                "VACUUM ANALYZE")
    done = time.perf_counter()
    return {"templates_s": made_at - started, "copy_s": done - made_at, "cases": count,
            "example": f"{example[1]} {example[2]}"}


def _sequence_fix(table: str) -> Any:
    return text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # nosec B608 # fixed names
                f"(SELECT COALESCE(MAX(id), 1) FROM {table}))")


@bench_cli.command("seed")
@click.argument("count", type=int)
@click.option("--paths", "paths_file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              default=Path("tests/benchmarks/seed_paths.json"), show_default=True,
              help="Template paths: start data and steps (the diagram's names live there).")
def seed_command(count: int, paths_file: Path) -> None:
    """Seed COUNT cases: templates through the services, then bulk copies."""
    report = seed(count, json.loads(paths_file.read_text()))
    click.echo(f"{int(report['cases'])} kasus: templat {report['templates_s']:.1f} s, "
               f"salinan {report['copy_s']:.1f} s.")
    # Data for benchmarks only: this template's code also opens its copies (same stored hash).
    click.echo(f"contoh: {report['example']}")
