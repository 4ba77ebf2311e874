"""`make bench`: one table of what a step, a page, a load and the timers cost, in one run.

Ratios are to the engine floor measured in the same run (plain SpiffWorkflow on the shipped
diagram: read a normally serialized state, complete the first task, run, write). Absolute times
are noisy on a shared machine; ratios within one run are what to compare. Sizes: BENCH_CASES
(seeded cases for pages, load and `audit verify`), BENCH_LOAD_SECONDS, BENCH_TIMER_CASES.
Writes docs/benchmarks.md. Not part of `make test`.
"""

from __future__ import annotations

import http.client
import json
import os
import platform
import random
import re
import secrets
import signal
import statistics
import subprocess  # nosec B404 # runs this project's own commands
import sys
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import time_machine
from cryptography.fernet import Fernet
from flask import Flask
from sqlalchemy import event, select, text

ROOT = Path(__file__).resolve().parents[2]
CASES = int(os.environ.get("BENCH_CASES", "2000"))
LOAD_SECONDS = int(os.environ.get("BENCH_LOAD_SECONDS", "20"))
TIMER_CASES = int(os.environ.get("BENCH_TIMER_CASES", str(min(CASES, 5000))))
PG = os.environ.get("BENCH_POSTGRES", "postgresql://postgres@127.0.0.1:5432")
REDIS = os.environ.get("BENCH_REDIS", "redis://127.0.0.1:6379/15")
PORT = int(os.environ.get("BENCH_PORT", "5101"))
REPS = int(os.environ.get("BENCH_REPS", "40"))
FLASK = [str(ROOT / ".venv" / "bin" / "flask"), "--app", "app"]
START = json.loads((ROOT / "tests" / "benchmarks" / "seed_paths.json").read_text())["start"]
FORWARD = {"kelengkapan_data": "lengkap", "wewenang": True, "keputusan_verifikasi": "teruskan"}
ASK_DATA = {"keputusan_verifikasi": "minta_data", "data_yang_diminta": "Mohon kirim foto."}
SUPPLY = {"data_tambahan": "KK terbaru nomor 1605010101090001."}
# What a staff member types on each task, recognised by a field of its form.
ANSWERS = {
    "keputusan_verifikasi": FORWARD,
    "hasil_telaah": {"hasil_telaah": "Blangko tersedia.", "perlu_koordinasi": False},
    "jawaban": {"jawaban": "KTP-el Anda sudah dicetak dan dapat diambil."},
    "cara_penyampaian": {"cara_penyampaian": "portal", "tanggal_penyampaian": "2026-12-01"},
}
LANES = {"p": "Petugas Pengelola Layanan Pengaduan", "t": "Tim Penanganan Pengaduan"}
Row = tuple[str, str, str]  # (section, measure, value)


def ms(seconds: float) -> str:
    """SECONDS as milliseconds, two decimals."""
    return f"{seconds * 1000:.2f} ms"


def pct(values: list[float], q: float) -> float:
    """The Q-quantile of VALUES (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def median_time(action: Callable[[], Any], reps: int = REPS) -> float:
    """Median wall time of ACTION over REPS runs."""
    times = []
    for _ in range(reps):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


@contextmanager
def counted(app: Flask) -> Iterator[list[str]]:
    """Collect the SQL statements the app runs inside the block."""
    statements: list[str] = []
    engine = app.extensions["db_engine"]

    def record(*args: Any) -> None:
        statements.append(args[2])

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


def fresh_database(name: str) -> str:
    """A new, empty PostgreSQL database NAME; its URL."""
    import psycopg

    with psycopg.connect(f"{PG}/test", autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')
    return f"{PG}/{name}"


# --- 1. the floor, the engine, the service call and the HTTP POST --------------------------------


def plain_spiff_floor() -> tuple[float, int]:
    """Plain SpiffWorkflow: deserialize a full state, complete the first task, run, serialize."""
    from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine, TaskDataEnvironment
    from SpiffWorkflow.bpmn.serializer.workflow import BpmnWorkflowSerializer
    from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
    from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser
    from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
    from SpiffWorkflow.util.task import TaskState

    from app.engine import WorkingCalendar
    from app.engine.restricted import diagram_functions

    parser = SpiffBpmnParser()
    parser.add_bpmn_file(str(ROOT / "process" / "pengaduan.bpmn"))
    spec, subs = parser.get_spec("pengaduan"), parser.get_subprocess_specs("pengaduan")
    engine = PythonScriptEngine(environment=TaskDataEnvironment(
        diagram_functions(WorkingCalendar())))
    serializer = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(SPIFF_CONFIG))
    workflow = BpmnWorkflow(spec, subs, script_engine=engine)
    workflow.get_tasks(state=TaskState.READY)[0].data.update(
        {**START, "tanggal_diterima": "2026-11-30T09:00:00+07:00"})
    workflow.do_engine_steps()
    state = serializer.serialize_json(workflow)

    def step() -> None:
        restored = serializer.deserialize_json(state)
        restored.script_engine = engine
        task = restored.get_tasks(state=TaskState.READY, manual=True)[0]
        task.data.update(FORWARD)
        task.run()
        restored.do_engine_steps()
        serializer.serialize_json(restored)

    return median_time(step, REPS * 2), len(state)


def make_app(url: str) -> Flask:
    """The app on URL, migrated, the diagram deployed, demo users present."""
    from app import create_app
    from app.auth.service import ensure_demo_users
    from app.cli import upgrade_database
    from app.processes.service import deploy_file

    app = create_app("test", {"DATABASE_URL": url, "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
                              "INSTANCE_PATH": "/tmp"})  # nosec B108 # benchmark scratch
    with app.app_context():
        upgrade_database()
        deploy_file(ROOT / "process" / "pengaduan.bpmn", ROOT / "forms")
        ensure_demo_users()
    return app


def step_costs(kind: str, url: str, _floor: float) -> list[Row]:
    """Engine, service and HTTP completion of the first task on database URL (KIND).

    The floor is measured again before and after (the lower counts): on a shared machine the
    load changes within minutes, and a ratio is only worth its two measurements' closeness.
    """
    from app.cases import service
    from app.cases.events import PUBLIC, Actor
    from app.cases.models import HumanTask
    from app.db import get_session
    from tests.conftest import csrf_token_from, login

    app = make_app(url)
    rows: list[Row] = []
    floor_before = plain_spiff_floor()[0]
    with app.app_context():
        engine = service.engine()
        version = service.active_version()
        parsed = service.parsed_diagram(version)
        started = engine.start(parsed, {**START, "tanggal_diterima": "2026-11-30T09:00:00+07:00"})
        task_id = started.ready_tasks[0].task_id
        engine_step = median_time(lambda: engine.complete(started.state, task_id, FORWARD))
        submit = median_time(lambda: service.submit_case(dict(START), PUBLIC), REPS // 2)
        officer = Actor("user", 1, LANES["p"])
        ids = []
        for _ in range(REPS):
            case = service.submit_case(dict(START), PUBLIC).case
            ids.append(get_session().scalars(select(HumanTask.id).where(
                HumanTask.case_id == case.id, HumanTask.status == "ready")).one())
        times, counts = [], []
        for task in ids:
            get_session().expire_all()
            with counted(app) as statements:
                began = time.perf_counter()
                service.complete_task(task, FORWARD, officer)
                times.append(time.perf_counter() - began)
            counts.append(len(statements))
        call = statistics.median(times)
        http_ids = []
        for _ in range(REPS):
            case = service.submit_case(dict(START), PUBLIC).case
            http_ids.append(get_session().scalars(select(HumanTask.id).where(
                HumanTask.case_id == case.id, HumanTask.status == "ready")).one())
    client = app.test_client()
    login(client, "petugas")
    post_times, post_counts, page_counts = [], [], []
    for task in http_ids:
        with counted(app) as page_statements:
            page = client.get(f"/tugas/{task}").get_data(as_text=True)
        page_counts.append(len(page_statements))
        version_match = re.search(r'name="version" value="(\d+)"', page)
        form = {"csrf_token": csrf_token_from(page), "aksi": "selesai",
                "version": version_match.group(1) if version_match else "",
                **{k: str(v).lower() if isinstance(v, bool) else v for k, v in FORWARD.items()}}
        with counted(app) as statements:
            began = time.perf_counter()
            response = client.post(f"/tugas/{task}", data=form)
            post_times.append(time.perf_counter() - began)
        post_counts.append(len(statements))
        assert response.status_code == 302, response.status_code  # nosec B101 # bench sanity
    post = statistics.median(post_times)
    app.extensions["db_engine"].dispose()
    floor = min(floor_before, plain_spiff_floor()[0])
    rows += [
        (f"step ({kind})", "engine floor: plain SpiffWorkflow read-complete-run-write",
         ms(floor)),
        (f"step ({kind})", "app engine step (ProcessEngine.complete)",
         f"{ms(engine_step)} ({engine_step / floor:.2f}x floor)"),
        (f"step ({kind})", "service call complete_task",
         f"{ms(call)} ({call / floor:.2f}x floor; {statistics.median(counts):.0f} SQL)"),
        (f"step ({kind})", "HTTP POST complete (Flask test client)",
         f"{ms(post)} ({post / floor:.2f}x floor; {statistics.median(post_counts):.0f} SQL)"),
        (f"step ({kind})", "task page GET: SQL statements",
         f"{statistics.median(page_counts):.0f}"),
        (f"step ({kind})", "submit_case (service)", ms(submit)),
    ]
    return rows


def loops() -> list[Row]:
    """State size and step cost after 0, 5 and 20 data-request loops (compact and full state)."""
    from app.engine import ProcessEngine, WorkingCalendar, parse_diagram

    xml = (ROOT / "process" / "pengaduan.bpmn").read_bytes()
    rows: list[Row] = []
    for label, register in (("kept once", True), ("spec inside (before)", False)):
        engine = ProcessEngine(WorkingCalendar())
        parsed = engine.diagram("bench", xml) if register else parse_diagram(xml)
        result = engine.start(parsed, {**START, "tanggal_diterima": "2026-11-30T09:00:00+07:00"})
        done = 0
        for target in (0, 5, 20):
            while done < target:
                verify = result.ready_tasks[0].task_id
                asked = engine.complete(result.state, verify, ASK_DATA)
                result = engine.complete(asked.state, asked.ready_tasks[0].task_id, SUPPLY)
                done += 1
            state, task = result.state, result.ready_tasks[0].task_id
            cost = median_time(lambda s=state, t=task, e=engine: e.complete(s, t, FORWARD),
                               REPS // 2)
            rows.append(("state", f"{label}: after {target} loops",
                         f"{len(state) / 1024:.1f} KB, step {ms(cost)}"))
    return rows


# --- 2. a seeded database behind gunicorn --------------------------------------------------------


def server_env(url: str, instance: Path) -> dict[str, str]:
    """Environment of the seeded database's commands and server (shared keys, Redis limits)."""
    key_file = instance / "bench-keys.json"
    if not key_file.exists():
        key_file.write_text(json.dumps({"keys": Fernet.generate_key().decode(),
                                        "hmac": secrets.token_urlsafe(32)}))
    keys = json.loads(key_file.read_text())
    return {**os.environ, "APP_ENV": "development", "DATABASE_URL": url,
            "INSTANCE_PATH": str(instance), "IDENTITY_KEYS": keys["keys"],
            "IDENTITY_HMAC_KEY": keys["hmac"], "REDIS_URL": REDIS, "PROXY_HOPS": "1",
            "LOG_LEVEL": "ERROR", "PORT": str(PORT), "HOST": "127.0.0.1"}


def run(args: list[str], env: dict[str, str]) -> str:
    """Run a command of this project; its output."""
    done = subprocess.run(args, env=env, cwd=ROOT, capture_output=True, text=True,  # nosec B603
                          check=True)
    return done.stdout


@contextmanager
def gunicorn(env: dict[str, str], workers: int) -> Iterator[subprocess.Popen[bytes]]:
    """Gunicorn with gunicorn.conf.py and WORKERS sync workers, until the block ends."""
    process = subprocess.Popen(  # nosec B603
        [str(ROOT / ".venv" / "bin" / "gunicorn"), "-c", "gunicorn.conf.py"],
        env={**env, "WEB_CONCURRENCY": str(workers)}, cwd=ROOT)
    try:
        for _ in range(100):
            try:
                connection = http.client.HTTPConnection("127.0.0.1", PORT, timeout=2)
                connection.request("GET", "/healthz")
                if connection.getresponse().status == 200:
                    break
            except OSError:
                time.sleep(0.2)
        yield process
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=60)


class Browser:
    """A tiny HTTP client with cookies and its own client address (X-Forwarded-For)."""

    def __init__(self, address: str) -> None:
        self.connection = http.client.HTTPConnection("127.0.0.1", PORT, timeout=60)
        self.cookies: dict[str, str] = {}
        self.address = address

    def request(self, method: str, path: str, form: dict[str, Any] | None = None
                ) -> tuple[int, str, str, float]:
        """(status, body, location, seconds) of one request."""
        headers = {"X-Forwarded-For": self.address, "Host": f"127.0.0.1:{PORT}"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        began = time.perf_counter()
        try:
            self.connection.request(method, path, body=body, headers=headers)
            response = self.connection.getresponse()
            payload = response.read().decode("utf-8", "replace")
        except (OSError, http.client.HTTPException):
            self.connection.close()
            self.connection = http.client.HTTPConnection("127.0.0.1", PORT, timeout=60)
            return 599, "", "", time.perf_counter() - began
        elapsed = time.perf_counter() - began
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name] = rest.split(";", 1)[0]
        return response.status, payload, response.getheader("Location") or "", elapsed

    def csrf(self, html: str) -> str:
        """The first CSRF token in HTML."""
        match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
        return match.group(1) if match else ""

    def login(self, username: str, password: str = "demo12345") -> None:
        """Sign in through the form."""
        _status, page, _loc, _t = self.request("GET", "/masuk")
        status, _body, _loc, _t = self.request("POST", "/masuk", {
            "csrf_token": self.csrf(page), "username": username, "password": password})
        if status != 302:
            raise RuntimeError(f"login {username}: {status}")


def seeded(name: str, count: int, instance: Path) -> tuple[str, dict[str, str], str, str]:
    """A database of COUNT seeded cases: (url, env, example tracking number, its code)."""
    record = instance / f"{name}.json"
    if os.environ.get("BENCH_REUSE") and record.exists():
        kept = json.loads(record.read_text())
        if kept["count"] == count:  # the database of an earlier run, as it was left
            return kept["url"], server_env(kept["url"], instance), kept["tracking"], kept["code"]
    url = fresh_database(name)
    env = server_env(url, instance)
    run([*FLASK, "setup", "--demo"], env)
    began = time.perf_counter()
    output = run([*FLASK, "bench", "seed", str(count)], env)
    match = re.search(r"contoh: (\S+) (\S+)", output)
    print(f"seeded {count} cases in {time.perf_counter() - began:.0f} s: {output.strip()}",
          flush=True)
    tracking, code = (match.group(1), match.group(2)) if match else ("", "")
    record.write_text(json.dumps({"count": count, "url": url, "tracking": tracking,
                                  "code": code}))
    return url, env, tracking, code


def page_times(env: dict[str, str], tracking: str, code: str) -> list[Row]:
    """p50/p95 of the pages, one request at a time, gunicorn with 2 workers."""
    rows: list[Row] = []
    with gunicorn(env, 2):
        officer, owner, auditor, citizen = (Browser(f"10.1.0.{n}") for n in range(1, 5))
        officer.login("petugas")
        owner.login("pemilik")
        auditor.login("auditor")
        _s, queue, _l, _t = officer.request("GET", "/tugas/antrean")
        task = re.search(r'/tugas/([0-9a-f-]{36})/ambil', queue)
        deep = "/tugas/antrean"
        for _ in range(5):  # five pages in: a keyset page costs the same as the first
            _s, html, _l, _t = officer.request("GET", deep)
            nxt = re.search(r'href="([^"]+)" rel="next"', html)
            deep = nxt.group(1).replace("&amp;", "&") if nxt else deep
        _s, done, _l, _t = officer.request("GET", "/tugas/selesai")
        version = re.search(r'href="/proses/(\d+)"', owner.request("GET", "/proses/")[1])
        pages: list[tuple[str, Browser, str, str, dict[str, Any] | None]] = [
            ("inbox: Tugas saya", officer, "GET", "/tugas", None),
            ("inbox: Antrean (first page)", officer, "GET", "/tugas/antrean", None),
            ("inbox: Antrean (6th page, cursor)", officer, "GET", deep, None),
            ("inbox: Antrean sorted by case desc", officer, "GET",
             "/tugas/antrean?urut=case&arah=desc", None),
            ("inbox: Selesai", officer, "GET", "/tugas/selesai", None),
            ("task page", officer, "GET", f"/tugas/{task.group(1)}" if task else "/tugas", None),
            ("tracking: POST /lacak (code check)", citizen, "POST", "/lacak",
             {"nomor": tracking, "kode": code}),
            ("tracking page", citizen, "GET", f"/lacak/{tracking}", None),
            ("audit: case history", auditor, "GET", f"/audit/kasus/{tracking}", None),
            ("process list /proses", owner, "GET", "/proses/", None),
            ("process version page", owner, "GET",
             f"/proses/{version.group(1)}" if version else "/proses/", None),
        ]
        del done
        for label, browser, method, path, form in pages:
            samples = []
            for n in range(REPS + 3):
                data = dict(form or {})
                if method == "POST":
                    browser.address = f"10.2.{n // 250}.{n % 250}"  # the look-up limit is per IP
                    data["csrf_token"] = browser.csrf(browser.request("GET", "/lacak")[1])
                status, _body, _loc, elapsed = browser.request(method, path, data or None)
                if status >= 400:
                    raise RuntimeError(f"{label}: {status} for {path}")
                if n >= 3:
                    samples.append(elapsed)
            rows.append((f"pages at {CASES} cases (PostgreSQL, gunicorn)", label,
                         f"p50 {ms(pct(samples, 0.5))}, p95 {ms(pct(samples, 0.95))}"))
    return rows


def make_staff(url: str, count: int) -> list[str]:
    """COUNT staff accounts for the load run, half desk officers, half team members."""
    from app.auth.service import assign_role, create_user, get_user_by_username

    app = make_app(url)
    names = []
    with app.app_context():
        year = datetime.now(UTC).year
        for n in range(count):
            lane = "p" if n % 2 == 0 else "t"
            name = f"beban_{lane}{n:02d}"
            if get_user_by_username(name) is None:
                user = create_user(name, f"Beban {n}", "demo12345")
                assign_role(user, LANES[lane], surat_tugas_number=f"BEBAN/{n}",
                            surat_tugas_date=datetime(year, 1, 1).date(),
                            valid_until=datetime(year, 12, 31).date())
            names.append(name)
    app.extensions["db_engine"].dispose()
    return names


def load_run(  # noqa: C901 - the two user loops live inside to share the counters
        url: str, env: dict[str, str], tracking: str, code: str) -> list[Row]:
    """50 staff and 5 citizens for LOAD_SECONDS on gunicorn (4 workers) with PostgreSQL."""
    staff = make_staff(url, 50)
    latencies: dict[str, list[float]] = defaultdict(list)
    statuses: dict[str, int] = defaultdict(int)
    completed = [0]
    lock = threading.Lock()
    began_at = datetime.now(UTC)

    def note(kind: str, status: int, elapsed: float) -> None:
        with lock:
            latencies[kind].append(elapsed)
            statuses[f"{status // 100}xx" if status != 409 else "409"] += 1

    deadline = [0.0]
    # The clock starts when everyone has signed in: the barrier's action sets the end.
    ready = threading.Barrier(len(staff) + 6, action=lambda: deadline.__setitem__(
        0, time.monotonic() + LOAD_SECONDS))

    def staff_loop(name: str, index: int) -> None:
        browser = Browser(f"10.3.{index // 250}.{index % 250}")
        browser.login(name)  # before the clock starts: sign-in is scrypt, on purpose
        ready.wait(timeout=600)
        stop = deadline[0]
        chooser = random.Random(index)  # nosec B311 # load pattern, not secrets
        while time.monotonic() < stop:
            status, html, _l, elapsed = browser.request("GET", "/tugas/antrean")
            note("queue page", status, elapsed)
            ids = re.findall(r'/tugas/([0-9a-f-]{36})/ambil', html)
            if not ids:
                time.sleep(0.5)
                continue
            task = chooser.choice(ids[:20])
            status, _b, _l, elapsed = browser.request(
                "POST", f"/tugas/{task}/ambil", {"csrf_token": browser.csrf(html)})
            note("claim", status, elapsed)
            if status != 302:
                continue
            status, page, _l, elapsed = browser.request("GET", f"/tugas/{task}")
            note("task page", status, elapsed)
            field = next((f for f in ANSWERS if f'name="{f}"' in page), None)
            version = re.search(r'name="version" value="(\d+)"', page)
            if status != 200 or field is None:
                continue
            form = {"csrf_token": browser.csrf(page), "aksi": "selesai",
                    "version": version.group(1) if version else "",
                    **{k: str(v).lower() if isinstance(v, bool) else v
                       for k, v in ANSWERS[field].items()}}
            status, _b, _l, elapsed = browser.request("POST", f"/tugas/{task}", form)
            note("complete", status, elapsed)
            if status == 302:
                with lock:
                    completed[0] += 1

    def citizen_loop(index: int) -> None:
        browser = Browser(f"10.4.0.{index}")
        ready.wait(timeout=600)
        stop = deadline[0]
        _s, page, _l, _t = browser.request("GET", "/lacak")
        status, _b, _l, elapsed = browser.request("POST", "/lacak", {
            "csrf_token": browser.csrf(page), "nomor": tracking, "kode": code})
        note("lookup", status, elapsed)
        while time.monotonic() < stop:
            status, _b, _l, elapsed = browser.request("GET", f"/lacak/{tracking}")
            note("tracking page", status, elapsed)
            time.sleep(1.0)

    with gunicorn(env, 4) as server:
        threads = [threading.Thread(target=staff_loop, args=(n, i)) for i, n in enumerate(staff)]
        threads += [threading.Thread(target=citizen_loop, args=(i,)) for i in range(5)]
        for thread in threads:
            thread.start()
        ready.wait(timeout=600)
        began_at = datetime.now(UTC)
        started = deadline[0] - LOAD_SECONDS
        time.sleep(max(LOAD_SECONDS - 2, 1))
        memory = worker_memory(server.pid)
        for thread in threads:
            thread.join(timeout=LOAD_SECONDS + 120)
        wall = time.monotonic() - started
    total = sum(len(v) for v in latencies.values())
    rows: list[Row] = [("load (50 staff + 5 citizens, gunicorn 4 workers, PostgreSQL)",
                        "duration, requests, throughput",
                        f"{wall:.0f} s, {total} requests, {total / wall:.1f} req/s")]
    for kind in ("queue page", "claim", "task page", "complete", "lookup", "tracking page"):
        values = latencies.get(kind, [])
        if values:
            rows.append(("load", f"{kind} p50/p95/p99 (n={len(values)})",
                         f"{ms(pct(values, .5))} / {ms(pct(values, .95))} / "
                         f"{ms(pct(values, .99))}"))
    rows.append(("load", "responses by class", ", ".join(
        f"{k}: {v}" for k, v in sorted(statuses.items()))))
    rows.append(("load", "worker memory (RSS)", memory))
    rows += integrity(url, env, began_at, completed[0])
    return rows


def worker_memory(master: int) -> str:
    """RSS of the gunicorn workers under MASTER, in MB."""
    sizes = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            status = (entry / "status").read_text()
        except OSError:
            continue
        if f"PPid:\t{master}\n" in status:
            rss = re.search(r"VmRSS:\s+(\d+) kB", status)
            if rss:
                sizes.append(int(rss.group(1)) / 1024)
    return ", ".join(f"{s:.0f} MB" for s in sorted(sizes)) or "n/a"


def verify_cases(url: str, where: str = "", limit: int | None = None) -> tuple[int, int, float]:
    """(cases checked, cases with problems, seconds): the audit's chain check, in-process."""
    from app import create_app
    from app.audit.service import case_events
    from app.cases.events import verify_case
    from app.cases.models import Case
    from app.db import get_session

    app = create_app("test", {"DATABASE_URL": url})
    with app.app_context():
        session = get_session()
        query = select(Case.id).order_by(Case.id)
        if where:
            query = query.where(text(where))
        ids = list(session.scalars(query.limit(limit)))
        began = time.perf_counter()
        bad = 0
        for number, case_id in enumerate(ids):
            case = session.get(Case, case_id)
            if case is not None and verify_case(case, case_events(case)):
                bad += 1
            if number % 500 == 0:
                session.expunge_all()
        seconds = time.perf_counter() - began
    app.extensions["db_engine"].dispose()
    return len(ids), bad, seconds


def integrity(url: str, env: dict[str, str], since: datetime, completed: int) -> list[Row]:
    """After the load: every chain touched intact, every acknowledged completion stored once."""
    import psycopg

    with psycopg.connect(url) as connection:
        stored = connection.execute(
            "SELECT count(*) FROM case_events WHERE type = 'task_completed' AND occurred_at >= %s",
            (since,)).fetchone()
    stored_count = int(stored[0]) if stored else 0
    verdict = "0 lost" if completed == stored_count else "MISMATCH"
    checked, bad, seconds = verify_cases(
        url, f"id IN (SELECT case_id FROM case_events WHERE occurred_at >= '{since.isoformat()}')")
    return [("load", "acknowledged completions vs stored task_completed events",
             f"{completed} vs {stored_count} ({verdict})"),
            ("load", "hash chains of the cases the load changed",
             f"{checked} checked, {bad} broken ({seconds:.1f} s)")]


def audit_rate(url: str) -> list[Row]:
    """The audit's chain check (what `audit verify` does per case), cases per second."""
    checked, bad, seconds = verify_cases(url, limit=int(os.environ.get("BENCH_AUDIT_CASES",
                                                                       "5000")))
    return [("audit", f"verify {checked} case chains of {CASES}",
             f"{seconds:.1f} s, {checked / seconds:.0f} cases/s, {bad} broken")]


# --- 3. timers ----------------------------------------------------------------------------------


def due_database(name: str, instance: Path) -> tuple[str, dict[str, str]]:
    """TIMER_CASES cases received weeks ago: their 5-working-day timer is due now."""
    from app import create_app
    from app.benchseed import seed
    from app.cli import upgrade_database
    from app.processes.service import deploy_file

    url = fresh_database(name)
    env = server_env(url, instance)
    app = create_app("development", {"DATABASE_URL": url, "IDENTITY_KEYS": env["IDENTITY_KEYS"],
                                     "IDENTITY_HMAC_KEY": env["IDENTITY_HMAC_KEY"],
                                     "INSTANCE_PATH": str(instance)})
    paths = json.loads((ROOT / "tests" / "benchmarks" / "seed_paths.json").read_text())
    paths["templates"] = [t for t in paths["templates"] if not t["steps"]]
    with app.app_context():
        upgrade_database()
        deploy_file(ROOT / "process" / "pengaduan.bpmn", ROOT / "forms")
        with time_machine.travel(datetime.now(UTC) - timedelta(days=40), tick=True):
            seed(TIMER_CASES, paths)
    app.extensions["db_engine"].dispose()
    return url, env


def timer_rates(instance: Path) -> list[Row]:
    """Due cases fired per second with one worker and with two in parallel; each once."""
    import psycopg

    rows: list[Row] = []
    for workers in (1, 2):
        url, env = due_database(f"perf_timers_{workers}", instance)
        with psycopg.connect(url) as connection:
            before = connection.execute("SELECT max(version) FROM cases").fetchone()
        start_version = int(before[0]) if before and before[0] else 1
        began = time.perf_counter()
        processes = [subprocess.Popen(  # nosec B603
            [*FLASK, "timers", "run-due", "--limit", "200", "--every", "1"], env=env, cwd=ROOT,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for _ in range(workers)]
        with psycopg.connect(url, autocommit=True) as connection:
            while True:
                left = connection.execute("SELECT count(*) FROM timers WHERE status = 'waiting' "
                                          "AND due_at <= now()").fetchone()
                if left is not None and left[0] == 0:
                    break
                if time.perf_counter() - began > 1800:
                    break
                time.sleep(0.2)
            seconds = time.perf_counter() - began
            twice = connection.execute(
                "SELECT count(*) FROM (SELECT case_id FROM case_events WHERE type = "
                "'timer_fired' GROUP BY case_id HAVING count(*) > 1) x").fetchone()
            fired = connection.execute("SELECT count(DISTINCT case_id) FROM case_events "
                                       "WHERE type = 'timer_fired'").fetchone()
            rewritten = connection.execute("SELECT count(*) FROM cases WHERE version > %s",
                                           (start_version + 1,)).fetchone()
        for process in processes:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=30)
        rows.append(("timers (PostgreSQL)", f"{workers} worker(s), {TIMER_CASES} due cases",
                     f"{seconds:.1f} s incl. start-up, {TIMER_CASES / seconds:.0f} cases/s; "
                     f"fired {fired[0] if fired else 0}, twice {twice[0] if twice else 0}, "
                     f"state rewritten twice {rewritten[0] if rewritten else 0}"))
    return rows


# --- the table ----------------------------------------------------------------------------------


def machine() -> str:
    """CPU model, cores, Python, date and commit."""
    model = ""
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        found = re.search(r"model name\s*:\s*(.+)", cpuinfo.read_text())
        model = found.group(1).strip() if found else ""
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT,  # nosec B603 B607
                            capture_output=True, text=True, check=False).stdout.strip()
    load = ", ".join(f"{v:.1f}" for v in os.getloadavg())
    return (f"{platform.node()}: {model or platform.processor()}, {os.cpu_count()} cores, "
            f"Python {platform.python_version()}, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, "
            f"commit {commit}, load average at the end {load}")


def table(rows: list[Row]) -> str:
    """ROWS as one markdown table."""
    lines = ["| section | measure | value |", "|---|---|---|"]
    lines += [f"| {a} | {b} | {c} |" for a, b, c in rows]
    return "\n".join(lines)


def main() -> None:
    """Run every benchmark and write docs/benchmarks.md."""
    instance = Path(os.environ.get("BENCH_INSTANCE", "/tmp/perf-bench"))  # nosec B108
    instance.mkdir(parents=True, exist_ok=True)
    only = set(filter(None, os.environ.get("BENCH_ONLY", "").split(",")))
    rows: list[Row] = []

    def part(name: str, action: Callable[[], list[Row]]) -> None:
        if only and name not in only:
            return
        print(f"-- {name}", flush=True)
        found = action()
        rows.extend(found)
        print(table(found), flush=True)

    floor, floor_state = plain_spiff_floor()
    rows.append(("step", "normally serialized state of a fresh case (plain SpiffWorkflow)",
                 f"{floor_state / 1024:.1f} KB"))
    part("sqlite", lambda: step_costs("SQLite", f"sqlite:///{instance}/steps.sqlite", floor))
    part("postgres", lambda: step_costs("PostgreSQL", fresh_database("perf_steps"), floor))
    part("loops", loops)
    if not only or only & {"pages", "load", "audit"}:
        url, env, tracking, code = seeded("perf_bench", CASES, instance)
        part("pages", lambda: page_times(env, tracking, code))
        part("audit", lambda: audit_rate(url))
        part("load", lambda: load_run(url, env, tracking, code))
    part("timers", lambda: timer_rates(instance))
    header = (f"# Benchmarks\n\n`make bench` (BENCH_CASES={CASES}, BENCH_LOAD_SECONDS="
              f"{LOAD_SECONDS}, BENCH_TIMER_CASES={TIMER_CASES}) on {machine()}.\n\n"
              "Ratios are to the engine floor measured in the same run; the machine is shared, "
              "so absolute times are noisy.\n\n")
    document = header + table(rows) + "\n"
    print(document)
    target = Path(os.environ.get("BENCH_OUTPUT", ROOT / "docs" / "benchmarks.md"))
    target.parent.mkdir(parents=True, exist_ok=True)
    if os.environ.get("BENCH_APPEND") and target.exists():  # a partial re-run below the table
        document = target.read_text() + "\n## Re-run: " + ", ".join(sorted(only)) + "\n\n" + (
            document.split("\n", 2)[2])
    target.write_text(document)
    sys.stdout.flush()


if __name__ == "__main__":
    main()
