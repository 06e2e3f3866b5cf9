"""Reading resource properties the way the policy runtime hands them over.

The analyzer does not pass plain dicts. ``pulumi_policy`` deserializes the gRPC request and
wraps it in ``unknown_checking_proxy``: objects become read-only ``Mapping`` proxies, lists
become ``Sequence`` proxies, and touching a value that is unknown during preview (an output
of a resource not created yet) raises ``UnknownValueError``. ``Mapping.get`` and ``in``
go through ``__getitem__`` too, so even "is the key there?" can raise. Stack tags arrive
as ``MappingProxyType``.

Everything in this pack reads properties through :class:`Evaluation`, which:

* walks dotted paths over any ``Mapping``/``Sequence`` (proxy, mapping proxy or dict);
* turns an unknown value into the :data:`UNKNOWN` sentinel instead of an exception, and
  records the path, so one unknown field does not hide definite violations elsewhere
  (for stack policies one unknown would otherwise abort the check of every resource);
* after the checks ran, re-raises the first unknown as ``UnknownValueError`` so the
  analyzer reports its usual advisory "can't run policy ... during preview" for the part
  that could not be verified (see :meth:`Evaluation.finish`).

Plain values in tests or in ``webstack check`` may carry the raw unknown sentinels
(``pulumi_policy.proxy.UNKNOWN_*_VALUE``); they are treated exactly like proxied unknowns.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any, Callable, Optional

from pulumi_policy.proxy import UNKNOWN_STRING_VALUE, UnknownValueError, _is_unknown


class _Unknown:
    """A value that cannot be known until the resource it comes from exists."""

    _instance: Optional["_Unknown"] = None

    def __new__(cls) -> "_Unknown":
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "<unknown>"

    def __bool__(self) -> bool:  # an unknown is never "set" nor "unset": callers must test `is UNKNOWN`
        raise TypeError("an unknown property value has no truth value; test `value is UNKNOWN` first")


UNKNOWN: Any = _Unknown()
"""Sentinel returned for values that are unknown during preview."""

_MISSING = object()


def is_mapping(value: Any) -> bool:
    return isinstance(value, Mapping)


def is_sequence(value: Any) -> bool:
    return isinstance(value, Sequence) and not isinstance(value, (str, bytes))


def _split(path: str | Sequence[Any]) -> list[Any]:
    if isinstance(path, str):
        return [int(p) if p.isdigit() else p for p in path.split(".") if p]
    return list(path)


def lookup(obj: Any, path: str | Sequence[Any], default: Any = None) -> Any:
    """The value at ``path`` ("a.b.0.c"), ``default`` if absent, :data:`UNKNOWN` if unknown.

    Never raises for a missing key, a wrong container type or an unknown value.
    """
    current = obj
    for key in _split(path):
        if current is None:
            return default
        try:
            if isinstance(key, int):
                if not is_sequence(current) or not -len(current) <= key < len(current):
                    return default
                current = current[key]
            else:
                if not is_mapping(current):
                    return default
                current = current[key]
        except KeyError:
            return default
        except UnknownValueError:
            return UNKNOWN
        if _is_unknown(current):
            return UNKNOWN
    return current


def elements(seq: Any) -> list[Any]:
    """The elements of a list property, unknown elements as :data:`UNKNOWN`."""
    if not is_sequence(seq):
        return []
    out = []
    for i in range(len(seq)):
        try:
            value = seq[i]
        except UnknownValueError:
            value = UNKNOWN
        out.append(UNKNOWN if _is_unknown(value) else value)
    return out


def entries(mapping: Any) -> list[tuple[str, Any]]:
    """The ``(key, value)`` pairs of an object property, unknown values as :data:`UNKNOWN`."""
    if not is_mapping(mapping):
        return []
    out = []
    for key in list(iter(mapping)):
        try:
            value = mapping[key]
        except UnknownValueError:
            value = UNKNOWN
        out.append((key, UNKNOWN if _is_unknown(value) else value))
    return out


def plain(value: Any) -> Any:
    """A plain-Python copy (dict/list) of a property value; unknowns become :data:`UNKNOWN`."""
    if value is UNKNOWN or _is_unknown(value):
        return UNKNOWN
    if is_mapping(value):
        return {k: plain(v) for k, v in entries(value)}
    if is_sequence(value):
        return [plain(v) for v in elements(value)]
    return value


def shown(value: Any) -> str:
    """A property value as a message quotes it: ``repr``, with whole numbers as whole numbers
    (numbers cross the wire as floats: a retention of 7 days arrives as ``7.0``)."""
    if isinstance(value, float) and value.is_integer():
        return repr(int(value))
    return repr(plain(value)) if is_mapping(value) or is_sequence(value) else repr(value)


def unset(value: Any) -> bool:
    """Not set at all: absent or empty (an unknown, computed value counts as set)."""
    return value is None or value == ""


def truthy(value: Any) -> bool:
    """``True``/"true"/1 as Terraform-bridged providers accept them (never for UNKNOWN)."""
    if value is UNKNOWN:
        return False
    if isinstance(value, str):
        return value.strip().lower() in ("true", "1", "on", "yes")
    return value is True or (isinstance(value, (int, float)) and not isinstance(value, bool) and value != 0)


def as_int(value: Any) -> Optional[int]:
    """An integer from an int, a float (policy config arrives as protobuf numbers) or a digit string."""
    if value is UNKNOWN or value is None or isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return int(value)
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value.strip())
    return None


def parse_json_document(value: Any) -> Any:
    """A policy document given as a JSON string or as an object; None if it is not valid JSON."""
    if value is UNKNOWN:
        return UNKNOWN
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return None
    if is_mapping(value):
        return plain(value)
    return None


def as_list(value: Any) -> list[Any]:
    """IAM-style "string or list of strings" as a list."""
    if value is None:
        return []
    if is_sequence(value):
        return elements(value)
    return [value]


class Evaluation:
    """One run of one policy: reads properties, collects violations and unknowns.

    ``report`` is the analyzer's ``report_violation`` (or any ``(message, urn)`` callable).
    """

    def __init__(self, report: Callable[..., None]):
        self._report = report
        self.unknown_paths: list[str] = []
        self.violations = 0

    def get(self, obj: Any, path: str, default: Any = None, *, label: str = "") -> Any:
        """:func:`lookup` that also records unknowns (``label`` prefixes the recorded path)."""
        value = lookup(obj, path, default)
        if value is UNKNOWN:
            self.unknown(f"{label}{path}")
        return value

    def unknown(self, path: str) -> None:
        if path not in self.unknown_paths:
            self.unknown_paths.append(path)

    def violation(self, message: str, urn: Optional[str] = None) -> None:
        self.violations += 1
        if urn is None:
            self._report(message)
        else:
            self._report(message, urn)

    def finish(self) -> None:
        """Raise ``UnknownValueError`` for the first unknown input the checks needed.

        Called after every check ran, so definite violations are already reported; the
        analyzer then adds its advisory "can't run policy ... during preview" diagnostic.
        """
        if self.unknown_paths:
            raise UnknownValueError(UNKNOWN_STRING_VALUE, self.unknown_paths[0].split("."))
