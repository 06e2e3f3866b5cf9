"""The one error type components raise for bad Args."""

from __future__ import annotations

from typing import Any

import pulumi


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
