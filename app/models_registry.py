"""Imports every capability's models so Base.metadata knows all tables (Alembic, tests)."""

from __future__ import annotations

import importlib

MODEL_MODULES = ("app.cases.models", "app.auth.models", "app.notify.models", "app.public.models")


def import_all_models() -> None:
    """Import each models module that exists."""
    for name in MODEL_MODULES:
        try:
            importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
