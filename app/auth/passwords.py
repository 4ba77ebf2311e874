"""Password rules after NIST SP 800-63B: length, and not a known common or breached password.

No composition rules (a symbol and a digit make "P@ssw0rd", not a strong password). The lists
ship with the app (no network at run time): `common_passwords.txt.gz` is the 20,000 most common
passwords list Django ships (BSD licence, by Royce Williams), keeping the 8,354 entries of 8
characters or more; `common_passwords_id.txt` adds common Indonesian and office-specific ones.
"""

from __future__ import annotations

import gzip
from functools import cache
from pathlib import Path

HERE = Path(__file__).resolve().parent
LIST_FILES = (HERE / "common_passwords.txt.gz", HERE / "common_passwords_id.txt")
MIN_LENGTH = 8
MAX_LENGTH = 128  # long passphrases welcome; a bound keeps hashing cheap for the server


def _read(path: Path) -> list[str]:
    if path.suffix == ".gz":
        with gzip.open(path, "rt", encoding="utf-8") as handle:
            return handle.read().splitlines()
    return path.read_text(encoding="utf-8").splitlines()


@cache
def common_passwords() -> frozenset[str]:
    """Every listed password, lower case."""
    words: set[str] = set()
    for path in LIST_FILES:
        words.update(
            line.strip().lower() for line in _read(path) if line.strip() and line[0] != "#"
        )
    return frozenset(words)


def is_common(password: str) -> bool:
    """True when PASSWORD (any case, surrounding spaces ignored) is on the shipped lists."""
    return password.strip().lower() in common_passwords()


def problem(password: str, username: str = "") -> str | None:
    """Which rule PASSWORD breaks: "short", "long", "common", "username"; None when acceptable."""
    if len(password) < MIN_LENGTH:
        return "short"
    if len(password) > MAX_LENGTH:
        return "long"
    if is_common(password):
        return "common"
    if username and username.strip().lower() in password.lower():
        return "username"
    return None
