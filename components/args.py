"""Args as the schema of the ``webstack`` component package, and Args built from the
inputs Pulumi's component provider hands to a component used as a package.

Pulumi infers the package schema (``pulumi package add``) from the annotations of the Args
dataclasses and marks an input optional only when its annotation is ``Optional[...]``. So
every field that has a default is annotated ``Optional[...]``: a TypeScript, Go or YAML
program may leave it out and gets the default. The annotation changes nothing at run time:
a None passed explicitly from Python meets the same ``__post_init__`` checks as before.

A component used as a package is constructed with a plain mapping of snake_case names
(what ``pulumi.provider.experimental`` builds from the engine's camelCase inputs; inputs
left out are absent, so the dataclass defaults apply) instead of an Args object.
``from_inputs`` turns that mapping into the Args dataclass, so the same validation runs and
the component reads the same typed object either way.

Each field is declared once: its annotation is its type, its default the default, the
string under it the description, and ``setting(...)`` adds what is allowed (a range, a
closed set, a pattern described in words). ``check_fields`` enforces all of it at the top
of every ``__post_init__``, strictly (``"yes"`` is not a bool and ``True`` not an int), and
``field_schema`` turns the same declarations into JSON Schema. A stack program builds its
config sections from these Args (infra/config.py), and the editor schema of its stack files
comes from them too, so nothing is declared twice.
"""

import ast
import dataclasses
import enum
import functools
import inspect
import re
import textwrap
import types
import typing
from collections.abc import Awaitable, Mapping
from typing import Any, Optional, TypeVar, Union

import pulumi

from pulumi_webstack.errors import LOG_RETENTION_DAYS, ArgsError, StopChecks, _SINK, require
from pulumi_webstack.names import AWS_REGIONS, REGION_WORDS

T = TypeVar("T")


# ------------------------------------------------------------------ declaring a setting


@dataclasses.dataclass(frozen=True)
class Allowed:
    """What a field admits beyond its type (kept in the field's metadata)."""

    ge: Optional[float] = None
    gt: Optional[float] = None
    le: Optional[float] = None
    lt: Optional[float] = None
    one_of: Optional[tuple[Any, ...]] = None
    """The closed set of values (of each item, for a list or map)."""
    pattern: Optional[str] = None
    """Regular expression the whole text must match (each item, for a list or map)."""
    words: Optional[str] = None
    """What is allowed, said for people, for ``one_of`` and ``pattern`` (never the regex)."""
    nullable: bool = False
    """None is a value of its own (says the docstring), not "unset", though the default is not None."""


def setting(default: Any = dataclasses.MISSING, *, default_factory: Any = dataclasses.MISSING,
            ge: Optional[float] = None, gt: Optional[float] = None, le: Optional[float] = None,
            lt: Optional[float] = None, one_of: Any = None, pattern: Optional[str] = None,
            words: Optional[str] = None, nullable: bool = False) -> Any:
    """A dataclass field with its allowed values: ``replicas: Optional[int] = setting(0, ge=0, le=5)``."""
    allowed = Allowed(ge, gt, le, lt, tuple(one_of) if one_of is not None else None, pattern, words, nullable)
    return dataclasses.field(default=default, default_factory=default_factory, metadata={"allowed": allowed})


def log_retention(default: int) -> Any:
    """A CloudWatch Logs retention (days) setting: only the values CloudWatch Logs accepts."""
    return setting(default, one_of=LOG_RETENTION_DAYS,
                   words="must be a CloudWatch Logs retention: " + ", ".join(map(str, LOG_RETENTION_DAYS)))


def aws_region(default: Optional[str] = None) -> Any:
    """An AWS region setting: one of the regions the AWS provider knows."""
    return setting(default, one_of=AWS_REGIONS, words=REGION_WORDS)


class _Link:
    """Stand-in for a link to another resource that does not exist yet (an id, an endpoint).

    A stack program validates every section's Args before it registers anything, when the
    network's subnet ids and the database's endpoint are not known; checks treat ``LINK``
    like an Output (not inspected). The program replaces every ``LINK`` with the real value.
    """

    def __repr__(self) -> str:
        return "LINK"


LINK: Any = _Link()


def is_unknown(value: Any) -> bool:
    """A value checks cannot inspect: an Output, an awaitable, or ``LINK``."""
    return isinstance(value, (pulumi.Output, _Link, Awaitable))


# ---------------------------------------------------------------------- checking fields


def args_prefix(cls: type) -> str:
    """How an Args class is named in error messages: ``DatabaseArgs`` -> ``database``."""
    return _ERROR_PREFIX.get(cls.__name__, cls.__name__.removesuffix("Args").lower())


@functools.cache
def field_types(cls: type) -> dict[str, Any]:
    """Field name -> annotation of an Args dataclass (forward references resolved;
    ``pulumi.Input`` refers to ``Output`` by name)."""
    return typing.get_type_hints(cls, localns={"Output": pulumi.Output, "T": Any})


def allowed_of(f: dataclasses.Field) -> Allowed:
    """The ``Allowed`` declared with ``setting`` (nothing beyond the type otherwise)."""
    return f.metadata.get("allowed") or Allowed()


def check_fields(args: Any) -> None:
    """Every field of ``args`` has its declared type and allowed values, or an ArgsError
    names it (``database.replicas = 9: must be between 0 and 5``).

    Strict: a bool is not a number, a number or ``"yes"`` not a bool, a float with a
    fraction not an int. Outputs and ``LINK`` are not inspected. While ``collecting``, all
    fields are checked, and ``StopChecks`` then ends the caller's validation: its rules
    between fields would only trip over the same wrong values.
    """
    prefix = args_prefix(type(args))
    types_of = field_types(type(args))
    failed = False
    for f in dataclasses.fields(args):
        value = getattr(args, f.name)
        problem = field_problem(f, types_of[f.name], value)
        if problem is not None:
            failed = True
            require(False, f"{prefix}.{f.name}", value, problem)
    if failed and _SINK.get() is not None:
        raise StopChecks()


def field_problem(f: dataclasses.Field, annotation: Any, value: Any) -> Optional[str]:
    """What is wrong with ``value`` for field ``f`` (its annotation given), or None."""
    if value is None:
        if f.default is None or allowed_of(f).nullable:
            return None
        if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
            return "required"
        default = f.default if f.default is not dataclasses.MISSING else f.default_factory()
        if isinstance(default, bool):
            return f"must be true or false; leave it out for the default ({default})"
        return f"must be set; leave it out for the default ({_show(default)})"
    if is_unknown(value):
        return None
    return _value_problem(_plain_member(annotation), value, allowed_of(f))


def _value_problem(annotation: Any, value: Any, allowed: Allowed) -> Optional[str]:
    if is_unknown(value):
        return None
    origin = typing.get_origin(annotation)
    if origin is list:
        (item,) = typing.get_args(annotation) or (Any,)
        if not isinstance(value, (list, tuple)):
            return f"must be a list of {_kind(_plain_member(item))}"
        for entry in value:
            problem = _value_problem(_plain_member(item), entry, allowed)
            if problem is not None:
                return f"item {_show(entry)} {problem}"
        return None
    if origin is dict:
        _, item = typing.get_args(annotation) or (str, Any)
        if not isinstance(value, Mapping) or not all(isinstance(k, str) for k in value):
            return f"must be a map of names to {_kind(_plain_member(item))}"
        for key, entry in value.items():
            problem = _value_problem(_plain_member(item), entry, allowed)
            if problem is not None:
                return f"{key}: {problem}"
        return None
    kind = _type_problem(annotation, value)
    if kind is not None:
        return kind
    return _allowed_problem(value, allowed)


def _type_problem(annotation: Any, value: Any) -> Optional[str]:
    if annotation is bool:
        return None if isinstance(value, bool) else "must be true or false"
    if annotation is int:
        return None if isinstance(value, int) and not isinstance(value, bool) else "must be a whole number"
    if annotation is float:
        return None if isinstance(value, (int, float)) and not isinstance(value, bool) else "must be a number"
    if annotation is str:
        return None if isinstance(value, str) else "must be text"
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        if isinstance(value, annotation) or any(value == m.value for m in annotation):
            return None
        return "must be one of " + ", ".join(repr(m.value) for m in annotation)
    if dataclasses.is_dataclass(annotation) and isinstance(annotation, type):
        return None if isinstance(value, annotation) else f"must be a {annotation.__module__}.{annotation.__name__}"
    return None


def _allowed_problem(value: Any, allowed: Allowed) -> Optional[str]:
    if isinstance(value, enum.Enum):
        value = value.value
    if allowed.one_of is not None and value not in allowed.one_of:
        return allowed.words or "must be one of " + ", ".join(_show(v) for v in allowed.one_of)
    if allowed.pattern is not None and (not isinstance(value, str) or re.fullmatch(allowed.pattern, value) is None):
        return allowed.words or "has the wrong shape"
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        low = allowed.ge if allowed.ge is not None else allowed.gt
        high = allowed.le if allowed.le is not None else allowed.lt
        fits = ((allowed.ge is None or value >= allowed.ge) and (allowed.gt is None or value > allowed.gt)
                and (allowed.le is None or value <= allowed.le) and (allowed.lt is None or value < allowed.lt))
        if not fits:
            return _range_words(allowed, low, high)
    return None


def _range_words(allowed: Allowed, low: Any, high: Any) -> str:
    if low is not None and high is not None:
        if allowed.gt is None and allowed.lt is None:
            return f"must be between {_show(low)} and {_show(high)}"
        return (f"must be {'above' if allowed.gt is not None else 'at least'} {_show(low)} and "
                f"{'below' if allowed.lt is not None else 'at most'} {_show(high)}")
    if low is not None:
        return f"must be {'above' if allowed.gt is not None else 'at least'} {_show(low)}"
    return f"must be {'below' if allowed.lt is not None else 'at most'} {_show(high)}"


def _kind(annotation: Any) -> str:
    names = {bool: "true/false values", int: "whole numbers", float: "numbers", str: "texts"}
    return names.get(annotation, "values")


def _show(value: Any) -> str:
    """A value as a message shows it: whole numbers without ``.0``, text quoted."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, enum.Enum):
        return repr(value.value)
    return repr(value) if isinstance(value, str) else str(value)


# ------------------------------------------------------------- documentation and schema


@functools.cache
def field_docs(cls: type) -> dict[str, str]:
    """Field name -> the docstring written under it in the class body (one paragraph per line
    joined, as Pulumi's schema analyzer reads it)."""
    docs: dict[str, str] = {}
    for klass in reversed(cls.__mro__):
        if not dataclasses.is_dataclass(klass):
            continue
        tree = ast.parse(textwrap.dedent(inspect.getsource(klass)))
        body = tree.body[0].body  # type: ignore[attr-defined]
        for node, after in zip(body, body[1:]):
            if (isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name)
                    and isinstance(after, ast.Expr) and isinstance(after.value, ast.Constant)
                    and isinstance(after.value.value, str)):
                docs[node.target.id] = inspect.cleandoc(after.value.value)
    return docs


def field_schema(f: dataclasses.Field, annotation: Any) -> dict[str, Any]:
    """JSON Schema of field ``f``: type, allowed values, description, default."""
    schema = _type_schema(_plain_member(annotation), allowed_of(f))
    if f.default is not dataclasses.MISSING and f.default is not None:
        schema["default"] = _json_value(f.default)
    elif f.default_factory is not dataclasses.MISSING:
        value = f.default_factory()
        if not dataclasses.is_dataclass(value):
            schema["default"] = _json_value(value)
    return schema


def _type_schema(annotation: Any, allowed: Allowed) -> dict[str, Any]:
    origin = typing.get_origin(annotation)
    if origin is list:
        (item,) = typing.get_args(annotation) or (Any,)
        return {"type": "array", "items": _type_schema(_plain_member(item), allowed)}
    if origin is dict:
        _, item = typing.get_args(annotation) or (str, Any)
        return {"type": "object", "additionalProperties": _type_schema(_plain_member(item), allowed)}
    base: dict[str, Any] = {
        bool: {"type": "boolean"}, int: {"type": "integer"}, float: {"type": "number"}, str: {"type": "string"},
    }.get(annotation, {})
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        base = {"enum": [m.value for m in annotation]}
    schema = dict(base)
    if allowed.one_of is not None:
        schema["enum"] = [_json_value(v) for v in allowed.one_of]
    if allowed.pattern is not None:
        schema["pattern"] = f"^(?:{allowed.pattern})$"
    for key, name in (("ge", "minimum"), ("gt", "exclusiveMinimum"), ("le", "maximum"), ("lt", "exclusiveMaximum")):
        if getattr(allowed, key) is not None:
            schema[name] = getattr(allowed, key)
    return schema


def _json_value(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, tuple):
        return list(value)
    return value


def from_inputs(cls: type[T], args: Any) -> T:
    """``args`` as an instance of the Args dataclass ``cls``.

    An instance of ``cls`` is returned unchanged. A mapping of field names (the component
    provider's ``construct``) becomes ``cls(**mapping)``, with nested Args types (e.g.
    ``SecurityHeaders``) built from their mappings and whole numbers that arrived as floats
    (every number crosses the wire as a double) turned back into ``int`` where the field is
    an ``int``. Outputs and other values pass through unchanged.
    """
    if isinstance(args, cls):
        return args
    if not isinstance(args, Mapping):
        raise TypeError(f"{cls.__name__}: expected {cls.__name__} or a mapping of its fields, got {type(args).__name__}")
    field_types = {f.name: f.type for f in dataclasses.fields(cls)}
    return cls(**{name: _coerce(field_types.get(name, Any), value) for name, value in args.items()})


# How each Args class is named in error messages ("database.replicas = 9: ...").
_ERROR_PREFIX = {"VercelAppArgs": "vercel", "KubernetesAppArgs": "kubernetes", "EcsAppArgs": "ecs", "SecurityHeaders": "headers",
                 "Thresholds": "thresholds"}


def _coerce(annotation: Any, value: Any) -> Any:
    """``value`` shaped like ``annotation`` where the wire format lost the shape."""
    if value is None or isinstance(value, pulumi.Output):
        return value
    annotation = _plain_member(annotation)
    origin = typing.get_origin(annotation)
    if dataclasses.is_dataclass(annotation) and isinstance(annotation, type) and isinstance(value, Mapping):
        return from_inputs(annotation, value)
    if annotation is int and isinstance(value, float) and value.is_integer():
        return int(value)
    if origin is list and isinstance(value, list):
        (item,) = typing.get_args(annotation) or (Any,)
        return [_coerce(item, v) for v in value]
    if origin is dict and isinstance(value, Mapping):
        _, item = typing.get_args(annotation) or (str, Any)
        return {k: _coerce(item, v) for k, v in value.items()}
    return value


def _plain_member(annotation: Any) -> Any:
    """The plain type inside ``Optional[T]`` and ``pulumi.Input[T]`` (``T``); else unchanged."""
    if typing.get_origin(annotation) not in (Union, types.UnionType):
        return annotation
    plain = [
        a for a in typing.get_args(annotation)
        if a is not type(None)
        and typing.get_origin(a) not in (Awaitable, pulumi.Output)
        and not isinstance(a, typing.ForwardRef)
    ]
    return _plain_member(plain[0]) if len(plain) == 1 else annotation
