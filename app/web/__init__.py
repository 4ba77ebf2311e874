"""The web shell: CSRF, languages, rate limits, base layout, front page, health, assets, errors."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from flask import Flask, current_app, has_request_context, request, session
from flask_babel import Babel, get_locale
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_wtf.csrf import CSRFProtect
from werkzeug.wrappers import Response

from . import dates
from .errors import register_error_handlers
from .views import bp

__all__ = ["csrf", "init_app", "limiter"]

csrf = CSRFProtect()
# Other capabilities decorate their views with `@limiter.limit("5/minute")`.
limiter = Limiter(get_remote_address)
babel = Babel()


def select_locale() -> str:
    """The interface language: the one chosen with ?lang= (kept in the session), else Indonesian."""
    languages = _languages()
    if not has_request_context():  # CLI commands, timer worker, tests calling services
        return languages[0]
    chosen = session.get("lang")
    return chosen if chosen in languages else languages[0]


def _languages() -> tuple[str, ...]:
    return tuple(current_app.config.get("LANGUAGES", ("id", "en")))


def _remember_language() -> None:
    wanted = request.args.get("lang")
    if wanted and wanted in _languages():
        session["lang"] = wanted


def lang_url(code: str) -> str:
    """The current page in language CODE (other query arguments kept)."""
    pairs = [(k, v) for k, v in request.args.items(multi=True) if k != "lang"]
    return f"{request.path}?{urlencode([*pairs, ('lang', code)])}"


def _template_context() -> dict[str, Any]:
    return {"current_locale": str(get_locale() or "id"), "lang_url": lang_url}


# Everything comes from this app: no CDN, no inline scripts. bpmn-js sets inline styles on its
# SVG, and Pico CSS draws icons from data: URIs.
CONTENT_SECURITY_POLICY = "; ".join((
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
))


def _security_headers(response: Response) -> Response:
    # Tracking links carry codes: never leak them to other sites through the Referer header.
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    return response


def init_app(app: Flask) -> None:
    """Attach CSRF protection, Flask-Babel, the rate limiter, web pages and error pages."""
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    limiter.init_app(app)
    app.before_request(_remember_language)
    app.after_request(_security_headers)
    app.context_processor(_template_context)
    app.register_blueprint(bp)
    dates.init_app(app)
    register_error_handlers(app)
