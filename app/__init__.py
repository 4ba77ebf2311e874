"""Layanan Pengaduan: the complaint SOP of Disdukcapil Musi Rawas as a BPMN app."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from . import (
    audit,
    auth,
    cases,
    cli,
    db,
    desk,
    formrender,
    inbox,
    logs,
    notify,
    processes,
    public,
    reports,
    timers,
    web,
)
from .config import CONFIGS, default_database_url, resolve_secret_key


def create_app(config_name: str | None = None, overrides: dict[str, Any] | None = None) -> Flask:
    """Application factory: configure, then let each capability attach itself with `init_app`."""
    # INSTANCE_PATH (absolute) moves instance/: the database, uploads and development's key.
    app = Flask(
        __name__, instance_relative_config=True, instance_path=os.environ.get("INSTANCE_PATH")
    )
    name = config_name or os.environ.get("APP_ENV", "development")
    if name not in CONFIGS:
        raise RuntimeError(f"APP_ENV={name!r} is unknown; use one of {', '.join(CONFIGS)}")
    app.config.from_object(CONFIGS[name])
    if overrides:
        app.config.update(overrides)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    if not app.config.get("DATABASE_URL"):
        app.config["DATABASE_URL"] = default_database_url(app.instance_path)
    if not app.config.get("UPLOAD_DIR"):
        app.config["UPLOAD_DIR"] = str(Path(app.instance_path) / "uploads")
    app.config["SECRET_KEY"] = resolve_secret_key(
        name, app.config.get("SECRET_KEY"), app.instance_path
    )
    if app.config.get("PROXY_HOPS"):
        # Behind a reverse proxy the client address (rate limits) comes from X-Forwarded-For.
        hops = int(app.config["PROXY_HOPS"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]

    logs.init_app(app)
    db.init_app(app)
    web.init_app(app)
    formrender.init_app(app)
    cases.init_app(app)
    auth.init_app(app)
    processes.init_app(app)
    audit.init_app(app)
    inbox.init_app(app)
    public.init_app(app)
    notify.init_app(app)
    reports.init_app(app)
    timers.init_app(app)
    desk.init_app(app)
    cli.init_app(app)
    return app
