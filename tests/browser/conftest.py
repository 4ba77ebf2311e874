"""Browser tests: the real app on a temporary SQLite file behind a real HTTP server, and Chromium.

`live_server` is set up the way `make run` sets up the app (Alembic migrations, the diagrams of
process/ deployed, demo users), served by werkzeug in a background thread on a free port.
`browser` is Debian's Chromium driven by Playwright; without it the tests are skipped, except in
CI (env CI=true), where they fail.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from werkzeug.serving import WSGIRequestHandler, make_server

from app.auth.service import ensure_demo_users
from app.cli import upgrade_database
from app.processes.service import deploy_file
from tests.support import IN_CI, make_test_app

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
DEMO_PASSWORD = "demo12345"


class _QuietHandler(WSGIRequestHandler):
    """No access log lines in the test output."""

    def log_request(self, *args: Any, **kwargs: Any) -> None:
        """Stay silent."""


@dataclass(frozen=True)
class LiveServer:
    """The running app: its base URL and the Flask object (for service calls in tests)."""

    url: str
    app: Flask


def _setup(app: Flask) -> None:
    """What `flask setup --demo` does: migrate, deploy process/, add the demo users."""
    with app.app_context():
        upgrade_database()
        for path in sorted(Path(app.config["PROCESS_DIR"]).glob("*.bpmn")):
            deploy_file(path, Path(app.config["FORMS_DIR"]), deployed_by="setup")
        ensure_demo_users()


@contextmanager
def serving(app: Flask, name: str) -> Iterator[LiveServer]:
    """Serve APP over HTTP on 127.0.0.1 and a free port until the block ends."""
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=_QuietHandler)
    thread = threading.Thread(target=server.serve_forever, name=name, daemon=True)
    thread.start()
    try:
        yield LiveServer(f"http://127.0.0.1:{server.server_port}", app)
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
        app.extensions["db_engine"].dispose()


def page_opener(browser: Any, server: LiveServer, width: int, height: int,
                timeout_ms: int) -> tuple[Any, list[Any]]:
    """A function opening pages on SERVER in fresh contexts, and the list of those contexts."""
    contexts: list[Any] = []

    def make(width: int = width, height: int = height) -> Any:
        context = browser.new_context(base_url=server.url,
                                      viewport={"width": width, "height": height})
        context.set_default_timeout(timeout_ms)
        contexts.append(context)
        return context.new_page()

    return make, contexts


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The real application served over HTTP on 127.0.0.1 and a free port."""
    app = make_test_app(tmp_path_factory.mktemp("live"))
    _setup(app)
    with serving(app, "live-server") as server:
        yield server


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Headless Chromium through Playwright's sync API."""
    if not Path(CHROMIUM).exists():
        message = (f"Chromium not found at {CHROMIUM} "
                   "(apt-get install chromium, or set CHROMIUM_PATH)")
        if IN_CI:
            pytest.fail(message + ": CI must run the browser tests")
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def new_page(browser: Any, live_server: LiveServer) -> Iterator[Any]:
    """Opens pages in fresh browser contexts (one per person); all are closed afterwards."""
    make, contexts = page_opener(browser, live_server, 1280, 900, 10_000)
    yield make
    for context in contexts:
        context.close()


def sign_in(page: Any, username: str, password: str = DEMO_PASSWORD) -> None:
    """Sign in through the real login form."""
    page.goto("/masuk")
    page.get_by_label("Nama pengguna").fill(username)
    page.get_by_label("Kata sandi").fill(password)
    page.get_by_role("button", name="Masuk").click()
    page.wait_for_load_state()
