"""The one error type components raise for bad Args, and the checks that raise it."""

from __future__ import annotations

import re
from typing import Any, Optional

import pulumi

LOG_RETENTION_DAYS = (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922,
                      3288, 3653)
"""Retention values CloudWatch Logs accepts."""

_DAILY_WINDOW = re.compile(r"^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-3]):[0-5]\d$")
_WEEKLY_WINDOW = re.compile(r"^(mon|tue|wed|thu|fri|sat|sun):([01]\d|2[0-3]):[0-5]\d-"
                            r"(mon|tue|wed|thu|fri|sat|sun):([01]\d|2[0-3]):[0-5]\d$")


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


def require(condition: bool, field: str, value: Any, allowed: str) -> None:
    """Raise ``ArgsError(field, value, allowed)`` unless ``condition`` holds."""
    if not condition:
        raise ArgsError(field, value, allowed)


def require_range(field: str, value: int | float, low: int | float, high: int | float) -> None:
    """``low <= value <= high`` or an ArgsError that says so."""
    require(
        isinstance(value, (int, float)) and not isinstance(value, bool) and low <= value <= high,
        field,
        value,
        f"must be between {low} and {high}",
    )


def require_one_of(field: str, value: Any, allowed: "list[Any] | tuple[Any, ...] | set[Any]") -> None:
    """``value in allowed`` or an ArgsError listing the allowed values."""
    require(value in allowed, field, value, "must be one of " + ", ".join(repr(a) for a in sorted(allowed, key=str)))


def require_log_retention(field: str, value: Any) -> None:
    """``value`` is a retention CloudWatch Logs accepts, or an ArgsError listing them."""
    require(value in LOG_RETENTION_DAYS, field, value,
            "must be a CloudWatch Logs retention: " + ", ".join(map(str, LOG_RETENTION_DAYS)))


def require_daily_window(field: str, value: Any) -> None:
    """``value`` is a daily window ``hh:mm-hh:mm`` (UTC; RDS backups, ElastiCache snapshots)."""
    require(_DAILY_WINDOW.match(str(value)) is not None, field, value, "must be hh:mm-hh:mm (UTC)")


def require_weekly_window(field: str, value: Any, example: str) -> None:
    """``value`` is a weekly window ``ddd:hh:mm-ddd:hh:mm`` (UTC; maintenance windows); the
    error shows ``example``."""
    require(_WEEKLY_WINDOW.match(str(value)) is not None, field, value,
            f"must be ddd:hh:mm-ddd:hh:mm (UTC), e.g. {example}")


def static_len(value: Any) -> Optional[int]:
    """Length of a plain list/tuple; None for an Output (checked by AWS instead)."""
    return len(value) if isinstance(value, (list, tuple)) else None
