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
"""

import dataclasses
import types
import typing
from collections.abc import Awaitable, Mapping
from typing import Any, TypeVar, Union

import pulumi

from pulumi_webstack.errors import ArgsError

T = TypeVar("T")


def from_inputs(cls: type[T], args: Any) -> T:
    """``args`` as an instance of the Args dataclass ``cls``.

    An instance of ``cls`` is returned unchanged. A mapping of field names (the component
    provider's ``construct``) becomes ``cls(**mapping)``, with nested Args types (e.g.
    ``SecurityHeaders``) built from their mappings and whole numbers that arrived as floats
    (every number crosses the wire as a double) turned back into ``int`` where the field is
    an ``int``. Outputs and other values pass through unchanged.
    """
    if isinstance(args, cls):
        _refuse_unset_flags(args)
        return args
    if not isinstance(args, Mapping):
        raise TypeError(f"{cls.__name__}: expected {cls.__name__} or a mapping of its fields, got {type(args).__name__}")
    field_types = {f.name: f.type for f in dataclasses.fields(cls)}
    built = cls(**{name: _coerce(field_types.get(name, Any), value) for name, value in args.items()})
    _refuse_unset_flags(built)
    return built


# How each Args class is named in error messages ("database.replicas = 9: ...").
_ERROR_PREFIX = {"VercelAppArgs": "vercel", "KubernetesAppArgs": "kubernetes", "SecurityHeaders": "headers"}


def _refuse_unset_flags(args: Any) -> None:
    """A flag whose default is True or False must not be None.

    The ``Optional[bool]`` annotation (needed for the package schema) would otherwise let an
    explicit None through, and None reads as False: ``deletion_protection=None`` would
    quietly turn protection off. Leaving the field out gives the default.
    """
    name = type(args).__name__
    prefix = _ERROR_PREFIX.get(name, name.removesuffix("Args").lower())
    for f in dataclasses.fields(args):
        if isinstance(f.default, bool) and getattr(args, f.name) is None:
            raise ArgsError(f"{prefix}.{f.name}", None, f"must be true or false; leave it out for the default ({f.default})")


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
