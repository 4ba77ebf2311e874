"""Fixtures of the integrity and fault tests: the app on SQLite and PostgreSQL (`store`)."""

from __future__ import annotations

from tests.stores import store

__all__ = ["store"]
