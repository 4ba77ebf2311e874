"""Inbox: the staff's task lists, claiming, the task page with its generated form, completing."""

from __future__ import annotations

from flask import Flask

from .views import bp


def init_app(app: Flask) -> None:
    """Register the inbox pages at /tugas."""
    app.register_blueprint(bp)
