"""Every resource a stack registers carries the properties its provider requires.

The SDKs refuse a required property that is None when the resource is constructed, but not
one that arrives as an Output resolving to nothing: such a resource registers, and the
provider refuses it at `pulumi up`. The offline engine answers what programs read from
resources, so a gap in its answers (a role without a name, say) would hide exactly that.
This reads each SDK's own list ("Missing required property ...") and holds every plan to it.
"""

from __future__ import annotations

import importlib
import re
from functools import cache
from pathlib import Path

import pytest

from tests.conftest import cached_plan
from tests.helpers import ECS, KUBERNETES

SDKS = {"aws": "pulumi_aws", "kubernetes": "pulumi_kubernetes", "vercel": "pulumiverse_vercel",
        "random": "pulumi_random"}
STACKS = {"dev": None, "staging": None, "prod": None, "prod on kubernetes": KUBERNETES, "prod on ecs": ECS}


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def _camel(name: str) -> str:
    head, *words = name.split("_")
    return head + "".join(word[:1].upper() + word[1:] for word in words)


def sdk_source(type_: str) -> Path:
    """The SDK module that defines a resource type (``aws:rds/instance:Instance`` ->
    ``pulumi_aws/rds/instance.py``; ``kubernetes:apps/v1:Deployment`` -> ``pulumi_kubernetes/apps/v1/Deployment.py``)."""
    package, module, name = type_.split(":")
    root = Path(importlib.import_module(SDKS[package]).__file__).parent
    if package == "kubernetes":
        group, version = module.split("/")
        return root / group.split(".")[0] / version / f"{name}.py"
    group, _, resource = module.partition("/")
    return root.joinpath(*([] if group == "index" else [group]), f"{_snake(resource)}.py")


@cache
def required_properties(type_: str) -> tuple[str, ...]:
    """The wire names of the properties the SDK refuses to construct ``type_`` without."""
    source = sdk_source(type_)
    if not source.is_file():  # a CustomResource of a CRD (SecurityGroupPolicy): the cluster's schema decides
        return ()
    return tuple(_camel(p) for p in re.findall(r"Missing required property '(\w+)'", source.read_text()))


def test_the_required_properties_are_read_from_the_sdks():
    # Not vacuous: the SDKs' own lists are found for the types the stacks depend on most.
    assert "instanceClass" in required_properties("aws:rds/instance:Instance")
    assert {"role", "policyArn"} <= set(required_properties("aws:iam/rolePolicyAttachment:RolePolicyAttachment"))
    assert sdk_source("kubernetes:networking.k8s.io/v1:Ingress").is_file()
    assert "executionRoleArn" in required_properties("aws:synthetics/canary:Canary")


@pytest.mark.parametrize("stack", STACKS)
def test_every_resource_carries_what_its_provider_requires(stack):
    plan = cached_plan(stack.split(" on ")[0], STACKS[stack])
    missing = [f"{r.name} ({r.type}): {p}" for r in plan.creatable() for p in required_properties(r.type)
               if r.inputs.get(p) is None]
    assert missing == []
