"""Staff accounts, roles (lane names are roles), Surat Tugas records, sign-in, permissions."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask_babel import lazy_gettext as _l
from flask_login import LoginManager, current_user

from . import service, sessions
from .cli import users_cli
from .decorators import login_required, role_required
from .models import RoleAssignment, User
from .nav import nav_links
from .views import bp

__all__ = ["RoleAssignment", "User", "init_app", "login_required", "role_required"]

login_manager = LoginManager()
login_manager.login_view = "auth.login"
login_manager.login_message = _l("Silakan masuk untuk membuka halaman ini.")  # type: ignore[assignment]
login_manager.login_message_category = "info"


@login_manager.user_loader
def _load_user(session_id: str) -> User | None:
    # The id carries the session epoch: a session from before a sign-out is no session.
    return sessions.session_user(session_id)


def _template_context() -> dict[str, Any]:
    return {
        "nav_links": nav_links(current_user),
        "current_roles": service.active_roles(current_user),
    }


def init_app(app: Flask) -> None:
    """Attach sign-in, the auth pages, the header navigation and the `users` commands."""
    login_manager.init_app(app)
    app.register_blueprint(bp)
    app.context_processor(_template_context)
    app.cli.add_command(users_cli)
