"""Configuration classes, one per environment; values come from the environment where set."""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
# Where development keeps the key it generated for itself (inside the gitignored instance/).
DEV_SECRET_KEY_FILE = "secret_key"  # nosec B105 # a file name, not a key
MIN_SECRET_KEY_LENGTH = 32
MIN_SECRET_KEY_DISTINCT = 12
SECRET_KEY_HINT = "python3 -c 'import secrets; print(secrets.token_urlsafe(48))'"  # nosec B105 # a command, not a key


def default_public_base_url(environ: Mapping[str, str]) -> str:
    """Where links in e-mails and receipts point: PUBLIC_BASE_URL, else HOST:PORT served."""
    configured = environ.get("PUBLIC_BASE_URL", "").strip()
    if configured:
        return configured.rstrip("/")
    host = environ.get("HOST", "").strip() or "127.0.0.1"
    port = environ.get("PORT", "").strip() or "5000"
    return f"http://{host}:{port}"


def default_database_url(instance_path: str) -> str:
    """SQLite in the instance folder: the embedded default."""
    return f"sqlite:///{Path(instance_path) / 'pengaduan.sqlite'}"


class Config:
    """Settings shared by every environment."""

    # None: development makes and keeps its own key; production refuses to start without one.
    SECRET_KEY = os.environ.get("SECRET_KEY")
    DATABASE_URL = os.environ.get("DATABASE_URL")  # None: SQLite in instance/
    PROCESS_DIR = os.environ.get("PROCESS_DIR", str(PROJECT_ROOT / "process"))
    FORMS_DIR = os.environ.get("FORMS_DIR", str(PROJECT_ROOT / "forms"))
    NODE_MODULES_DIR = os.environ.get("NODE_MODULES_DIR", str(PROJECT_ROOT / "node_modules"))
    UPLOAD_DIR = os.environ.get("UPLOAD_DIR")  # None: instance/uploads
    # Extra non-working days (cuti bersama), ISO dates separated by commas.
    CUTI_BERSAMA = os.environ.get("CUTI_BERSAMA", "")
    # The public recap (/transparansi) hides any count below this, and what is computed from it.
    PUBLIC_MIN_COUNT = int(os.environ.get("PUBLIC_MIN_COUNT", "5"))
    # The budget of one piece of diagram code (a condition, a timer, a script), in its sandbox.
    DIAGRAM_CODE_SECONDS = float(os.environ.get("DIAGRAM_CODE_SECONDS", "2"))
    DIAGRAM_CODE_MEMORY_MB = int(os.environ.get("DIAGRAM_CODE_MEMORY_MB", "256"))
    TIMEZONE = "Asia/Jakarta"
    BABEL_DEFAULT_LOCALE = "id"
    BABEL_DEFAULT_TIMEZONE = "Asia/Jakarta"
    LANGUAGES = ("id", "en")
    WTF_CSRF_TIME_LIMIT = None
    # Far above the attachment limits (5 files of 5 MB): a too-large photo is read and refused
    # by the form with everything typed kept, instead of a bare 413 that loses the form.
    MAX_CONTENT_LENGTH = 64 * 1024 * 1024
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    # A signed cookie is accepted this long at most (the server-side records live as long).
    PERMANENT_SESSION_LIFETIME = timedelta(hours=12)
    # Several workers share one count only in a shared store: REDIS_URL (or an explicit URI).
    RATELIMIT_STORAGE_URI = (os.environ.get("RATELIMIT_STORAGE_URI")
                             or os.environ.get("REDIS_URL") or "memory://")
    RATELIMIT_ENABLED = True
    MAIL_SERVER = os.environ.get("MAIL_SERVER", "")
    MAIL_PORT = int(os.environ.get("MAIL_PORT", "25"))
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME", "")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD", "")
    MAIL_USE_TLS = os.environ.get("MAIL_USE_TLS", "") == "1"
    MAIL_SENDER = os.environ.get("MAIL_SENDER", "pengaduan@disdukcapil.musirawaskab.go.id")
    # In development the outbox is shown on an admin page instead of being sent.
    OUTBOX_DELIVERY = os.environ.get("OUTBOX_DELIVERY", "smtp")
    # The one value every external link is built from (e-mails, receipts, QR codes).
    PUBLIC_BASE_URL = default_public_base_url(os.environ)
    # How many reverse proxies stand in front of the app (0: none, the default).
    PROXY_HOPS = int(os.environ.get("PROXY_HOPS", "0"))
    # Identity at rest (app.cases.identity): Fernet keys, newest first, comma-separated, and a
    # separate key for the lookup hashes. Production refuses to start without them.
    IDENTITY_KEYS = os.environ.get("IDENTITY_KEYS", "")
    IDENTITY_HMAC_KEY = os.environ.get("IDENTITY_HMAC_KEY", "")
    # Key of the access-code HMAC; empty: derived from IDENTITY_HMAC_KEY (cases/access_codes.py).
    ACCESS_CODE_KEY = os.environ.get("ACCESS_CODE_KEY", "")
    IDENTITY_KEY_FALLBACK = "refuse"
    # Timer rows fall due up to this many seconds after the diagram's moment, spread by case id,
    # so a day's cases do not all fall due in the same second (app/cases/store.py).
    TIMER_SPREAD_SECONDS = int(os.environ.get("TIMER_SPREAD_SECONDS", "300"))
    # Structured JSON logs on stdout at this level (DEBUG, INFO, WARNING, ERROR).
    LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO")


class ProductionConfig(Config):
    """A real deployment: a strong SECRET_KEY is required and cookies go over HTTPS only."""

    SESSION_COOKIE_SECURE = True
    PREFERRED_URL_SCHEME = "https"


class DevelopmentConfig(Config):
    """`make run`: SQLite, outbox shown rather than sent."""

    OUTBOX_DELIVERY = os.environ.get("OUTBOX_DELIVERY", "show")
    IDENTITY_KEY_FALLBACK = "instance"  # instance/identity-keys.json, created on first use


class TestConfig(Config):
    """pytest: everything in a temporary folder; rate limits on only where a test asks."""

    TESTING = True
    SECRET_KEY = None  # a random key per app (see resolve_secret_key)
    RATELIMIT_ENABLED = False
    OUTBOX_DELIVERY = "smtp"
    IDENTITY_KEY_FALLBACK = "random"  # a fresh key per test app
    TIMER_SPREAD_SECONDS = 0  # tests name exact moments; the spread has its own test


CONFIGS: dict[str, type[Config]] = {
    "development": DevelopmentConfig,
    "production": ProductionConfig,
    "test": TestConfig,
}


def weak_secret_key_reason(key: str | None) -> str | None:
    """Why KEY may not sign production sessions, or None when it is strong enough."""
    if not key:
        return "SECRET_KEY is not set"
    if len(key) < MIN_SECRET_KEY_LENGTH:
        return f"SECRET_KEY is shorter than {MIN_SECRET_KEY_LENGTH} characters"
    if len(set(key)) < MIN_SECRET_KEY_DISTINCT:
        return "SECRET_KEY repeats too few characters to be random"
    return None


def _instance_secret_key(instance_path: str) -> str:
    """The key development generated once for this instance folder (created on first use)."""
    path = Path(instance_path) / DEV_SECRET_KEY_FILE
    if path.exists():
        return path.read_text(encoding="utf-8").strip()
    key = secrets.token_urlsafe(48)
    # O_EXCL: two processes starting at once must not overwrite each other's key.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text(encoding="utf-8").strip()
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(key + "\n")
    return key


def resolve_secret_key(config_name: str, configured: str | None, instance_path: str) -> str:
    """The session signing key for CONFIG_NAME; raise RuntimeError for a weak production key.

    No key is published anywhere: production must be given a strong one, development generates
    one into instance/ (gitignored) and keeps it, tests get a fresh random key per app.
    """
    if config_name == "production":
        reason = weak_secret_key_reason(configured)
        if reason is not None:
            raise RuntimeError(
                f"{reason}: production needs a random SECRET_KEY of at least "
                f"{MIN_SECRET_KEY_LENGTH} characters, e.g. from {SECRET_KEY_HINT}"
            )
        return str(configured)
    if configured:
        return configured
    if config_name == "test":
        return secrets.token_urlsafe(48)
    return _instance_secret_key(instance_path)
