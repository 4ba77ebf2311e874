"""Configuration classes, one per environment; values come from the environment where set."""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEV_SECRET_KEY = "dev-only-change-me"


def default_database_url(instance_path: str) -> str:
    """SQLite in the instance folder: the embedded default."""
    return f"sqlite:///{Path(instance_path) / 'pengaduan.sqlite'}"


class Config:
    """Settings shared by every environment."""

    SECRET_KEY = os.environ.get("SECRET_KEY", DEV_SECRET_KEY)
    DATABASE_URL = os.environ.get("DATABASE_URL")  # None: SQLite in instance/
    PROCESS_DIR = os.environ.get("PROCESS_DIR", str(PROJECT_ROOT / "process"))
    FORMS_DIR = os.environ.get("FORMS_DIR", str(PROJECT_ROOT / "forms"))
    NODE_MODULES_DIR = os.environ.get("NODE_MODULES_DIR", str(PROJECT_ROOT / "node_modules"))
    UPLOAD_DIR = os.environ.get("UPLOAD_DIR")  # None: instance/uploads
    # Extra non-working days (cuti bersama), ISO dates separated by commas.
    CUTI_BERSAMA = os.environ.get("CUTI_BERSAMA", "")
    TIMEZONE = "Asia/Jakarta"
    BABEL_DEFAULT_LOCALE = "id"
    BABEL_DEFAULT_TIMEZONE = "Asia/Jakarta"
    LANGUAGES = ("id", "en")
    WTF_CSRF_TIME_LIMIT = None
    MAX_CONTENT_LENGTH = 26 * 1024 * 1024
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    RATELIMIT_ENABLED = True
    MAIL_SERVER = os.environ.get("MAIL_SERVER", "")
    MAIL_PORT = int(os.environ.get("MAIL_PORT", "25"))
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME", "")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD", "")
    MAIL_USE_TLS = os.environ.get("MAIL_USE_TLS", "") == "1"
    MAIL_SENDER = os.environ.get("MAIL_SENDER", "pengaduan@disdukcapil.musirawaskab.go.id")
    # In development the outbox is shown on an admin page instead of being sent.
    OUTBOX_DELIVERY = os.environ.get("OUTBOX_DELIVERY", "smtp")
    PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL", "http://127.0.0.1:5000")
    # How many reverse proxies stand in front of the app (0: none, the default).
    PROXY_HOPS = int(os.environ.get("PROXY_HOPS", "0"))
    # Structured JSON logs on stdout at this level (DEBUG, INFO, WARNING, ERROR).
    LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO")


class DevelopmentConfig(Config):
    """`make run`: SQLite, outbox shown rather than sent."""

    OUTBOX_DELIVERY = os.environ.get("OUTBOX_DELIVERY", "show")


class TestConfig(Config):
    """pytest: everything in a temporary folder; rate limits on only where a test asks."""

    TESTING = True
    SECRET_KEY = "test"
    RATELIMIT_ENABLED = False
    OUTBOX_DELIVERY = "smtp"


CONFIGS: dict[str, type[Config]] = {
    "development": DevelopmentConfig,
    "production": Config,
    "test": TestConfig,
}
