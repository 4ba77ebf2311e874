"""Links to public pages that work without a request (e-mails are composed in workers too)."""

from __future__ import annotations

from flask import current_app, has_app_context


def base_url() -> str:
    """The public address of the portal (PUBLIC_BASE_URL)."""
    url = current_app.config.get("PUBLIC_BASE_URL", "") if has_app_context() else ""
    return str(url or "http://127.0.0.1:5000").rstrip("/")


def tracking_url(tracking_code: str) -> str:
    """The tracking page of a case; it still asks for the access code."""
    return f"{base_url()}/lacak/{tracking_code}"


def code_link(tracking_code: str, access_code: str) -> str:
    """The tracking page with the access code in the link (sent only when the complainant asks)."""
    return f"{tracking_url(tracking_code)}?kode={access_code}"
