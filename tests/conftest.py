"""Shared fixtures. The offline engine (pulumi_webstack_cli.engine) is the only mock layer."""

from __future__ import annotations

import json
from typing import Any, Callable

import pytest
from pulumi.provider.experimental.component import ComponentProvider

import pulumi_webstack.__main__ as package
from pulumi_webstack_cli.engine import Plan, synth_stack

_CACHE: dict[str, Plan] = {}


def cached_plan(stack: str, overrides: dict[str, Any] | None = None) -> Plan:
    """``synth_stack(stack, overrides)``, computed once per session and shared.

    Plans are read-only to tests; sharing them keeps the suite fast.
    """
    key = stack + json.dumps(overrides or {}, sort_keys=True)
    if key not in _CACHE:
        _CACHE[key] = synth_stack(stack, overrides)
    return _CACHE[key]


@pytest.fixture
def stack_plan() -> Callable[..., Plan]:
    """``stack_plan("prod", {"webstack:app": {...}})`` -> cached Plan of that stack."""
    return cached_plan


@pytest.fixture(params=["dev", "staging", "prod"])
def each_stack(request) -> str:
    """Runs a test once per shipped stack."""
    return request.param


@pytest.fixture(scope="session")
def provider() -> ComponentProvider:
    """The component provider ``components/__main__.py`` hosts, built in-process."""
    return package.provider()


@pytest.fixture(scope="session")
def schema(provider) -> dict:
    """The package schema as ``pulumi package get-schema`` would print it."""
    return json.loads(provider.schema)
