"""View decorators: sign-in and role checks."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import wraps
from typing import Any, TypeVar, cast

from flask import abort, current_app
from flask_login import current_user, login_required

from .service import has_any_role

F = TypeVar("F", bound=Callable[..., Any])

__all__ = ["login_required", "role_required"]


def role_required(*wanted: str | Callable[[], Iterable[str]]) -> Callable[[F], F]:
    """Let a view run only for a signed-in user holding one of WANTED today; else 403.

    A WANTED callable names roles read when the view runs (e.g. a lane from the diagrams).
    Anonymous visitors are sent to the sign-in page first.
    """

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not current_user.is_authenticated:
                return current_app.login_manager.unauthorized()  # type: ignore[attr-defined]
            names = [n for w in wanted for n in ([w] if isinstance(w, str) else w())]
            if not has_any_role(current_user, *names):
                abort(403)
            return view(*args, **kwargs)

        return cast(F, wrapped)

    return decorator
