"""Orderings AWS needs and no input expresses, made data dependencies.

Pulumi creates everything whose inputs are known at once. When a service checks, at creation,
something another resource sets up (a role's permissions, a bucket or log group policy, a
secret's value), the consumer takes its input from ``after``: the same value, known only once
those resources exist. Unlike ``depends_on`` the ordering travels with the value, to every
component that receives it.
"""

from __future__ import annotations

from typing import TypeVar

import pulumi

T = TypeVar("T")


def after(value: pulumi.Input[T], *resources: pulumi.Resource) -> pulumi.Output[T]:
    """``value``, known once ``resources`` are created (their URNs resolve when they are; unlike
    their ids, URNs are known in a preview, so the value stays known there too)."""
    return pulumi.Output.all(value, *[r.urn for r in resources]).apply(lambda v: v[0])
