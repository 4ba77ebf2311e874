"""Imports every capability's models so Base.metadata knows all tables (Alembic, tests)."""

from __future__ import annotations

import importlib

MODEL_MODULES = (
    "app.cases.models", "app.auth.models", "app.notify.models", "app.public.models",
    "app.audit.models",
    "app.reports.models",
    "app.desk.models",
)


def import_all_models() -> None:
    """Import each capability's models module."""
    for name in MODEL_MODULES:
        importlib.import_module(name)
