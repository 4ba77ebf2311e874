"""E-mail templates deployed with a process version, rendered in a sandboxed Jinja environment.

A template's first line is the subject; the body follows after a blank line. Templates are the
office's content (forms/email/), so they are untrusted: no autoescape (plain text), a sandbox that
refuses attribute tricks, only the files deployed with the version, and a size limit on output.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from jinja2 import DictLoader, TemplateError, Undefined
from jinja2.sandbox import SandboxedEnvironment

MAX_OUTPUT = 20_000


@dataclass(frozen=True)
class Email:
    """A rendered message."""

    subject: str
    body: str


class TemplateProblem(ValueError):
    """A template that cannot be rendered (syntax, sandbox refusal, no subject line)."""


@lru_cache(maxsize=16)
def _environment(files: tuple[tuple[str, str], ...]) -> SandboxedEnvironment:
    env = SandboxedEnvironment(loader=DictLoader(dict(files)), autoescape=False,
                               undefined=Undefined, keep_trailing_newline=False)
    return env


def render_text(files: Mapping[str, str], name: str, context: Mapping[str, Any]) -> str:
    """Template NAME from FILES (those deployed with the version) rendered with CONTEXT."""
    env = _environment(tuple(sorted((k, v) for k, v in files.items() if not k.endswith(".json"))))
    try:
        text = env.get_template(name).render(**context)
    except (TemplateError, TypeError, ValueError, ArithmeticError) as exc:
        raise TemplateProblem(f"{name}: {exc}") from exc
    return text.replace("\r\n", "\n")[:MAX_OUTPUT]


def render(files: Mapping[str, str], name: str, context: Mapping[str, Any]) -> Email:
    """Template NAME as a message: the first line is its subject, the rest its body."""
    subject, _sep, body = render_text(files, name, context).partition("\n\n")
    return Email(" ".join(subject.split())[:300], body.strip("\n"))
