"""The problems of a stack file, collected and reported at once."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pulumi

@dataclass(frozen=True)
class Problem:
    """One problem of a stack file: the key as the file spells it, and the whole line."""

    key: str
    text: str


class ConfigError(pulumi.RunError):
    """The stack config is invalid; ``problems`` holds one entry per problem."""

    def __init__(self, stack: str, problems: list[Problem]):
        self.stack = stack
        self.problems = problems
        lines = "\n".join(f"  - {p.text}" for p in problems)
        super().__init__(f"stack {stack!r}: invalid configuration; nothing was deployed:\n{lines}")


def show(value: Any) -> str:
    """A value as the stack file would write it (JSON), whole numbers without ``.0``."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    try:
        return json.dumps(value)
    except TypeError:
        return repr(value)


class Problems(list):
    """Problems found so far; ``add`` one of a value, ``note`` one of a key."""

    def add(self, key: str, value: Any, allowed: str) -> None:
        self.append(Problem(key, f"{key} = {show(value)}: {allowed}"))

    def note(self, key: str, message: str) -> None:
        self.append(Problem(key, f"{key}: {message}"))
