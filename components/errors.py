"""The one error type components raise for bad Args, and the checks that raise it."""

from __future__ import annotations

import re
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, Callable, Iterator, Optional, TypeVar

import pulumi

LOG_RETENTION_DAYS = (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922,
                      3288, 3653)
"""Retention values CloudWatch Logs accepts."""

DAILY_WINDOW = r"([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-3]):[0-5]\d"
"""A daily window ``hh:mm-hh:mm`` (UTC; RDS backups, ElastiCache snapshots)."""
WEEKLY_WINDOW = (r"(mon|tue|wed|thu|fri|sat|sun):([01]\d|2[0-3]):[0-5]\d-"
                 r"(mon|tue|wed|thu|fri|sat|sun):([01]\d|2[0-3]):[0-5]\d")
"""A weekly window ``ddd:hh:mm-ddd:hh:mm`` (UTC; maintenance windows)."""


class ArgsError(pulumi.RunError, ValueError):
    """A component argument is out of range or inconsistent.

    Subclassing ``pulumi.RunError`` makes the Pulumi CLI print only the message (no
    Python traceback); the message always reads ``<component>.<field> = <value>: <allowed>``.
    Raised from ``__post_init__`` of an Args class, so nothing has been registered yet.
    """

    def __init__(self, field: str, value: Any, allowed: str):
        self.field = field
        self.value = value
        self.allowed = allowed
        super().__init__(f"{field} = {value!r}: {allowed}")


class StopChecks(Exception):
    """Ends an Args validation whose remaining rules cannot run (its fields have the wrong
    types); raised only while ``collecting``, after the problems were recorded."""


_SINK: ContextVar[Optional[list[ArgsError]]] = ContextVar("webstack_args_problems", default=None)
T = TypeVar("T")


def report(error: ArgsError) -> None:
    """Raise ``error``, or record it while ``collecting``."""
    sink = _SINK.get()
    if sink is None:
        raise error
    sink.append(error)


def require(condition: bool, field: str, value: Any, allowed: str) -> None:
    """Raise ``ArgsError(field, value, allowed)`` unless ``condition`` holds (record it while
    ``collecting``)."""
    if not condition:
        report(ArgsError(field, value, allowed))


@contextmanager
def collecting() -> Iterator[list[ArgsError]]:
    """Within the block, failed checks are recorded in the yielded list instead of raised,
    so one validation reports every problem of an Args object, not only the first."""
    sink: list[ArgsError] = []
    token = _SINK.set(sink)
    try:
        yield sink
    finally:
        _SINK.reset(token)


def all_problems(build: Callable[[], T]) -> tuple[Optional[T], list[ArgsError]]:
    """``(build(), [])`` when every check passes, else ``(None, every problem found)``.

    ``build`` constructs Args. A rule that crashes on a value an earlier check already
    refused (a string where a number belongs) ends the validation; what was found stands.
    """
    with collecting() as problems:
        try:
            built: Optional[T] = build()
        except ArgsError as exc:
            problems.append(exc)
            built = None
        except StopChecks:
            built = None
        except Exception:
            if not problems:
                raise
            built = None
    return (None, problems) if problems else (built, [])


def static_len(value: Any) -> Optional[int]:
    """Length of a plain list/tuple; None for an Output (checked by AWS instead)."""
    return len(value) if isinstance(value, (list, tuple)) else None
