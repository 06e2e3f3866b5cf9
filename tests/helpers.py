"""Plain helpers the test modules share (fixtures live in conftest.py).

Policy suites: a compliant baseline dict, then ``variant`` with one field broken; ``res``
builds the resource state the analyzer would pass. Component suites: ``assert_args_error``
checks the one error format every Args class promises, ``component_program`` registers a
component under an explicit aws provider as the stack program does.
"""

from __future__ import annotations

import copy
from typing import Any, Callable

import pulumi
import pulumi_aws as aws
import pytest
from pulumi_policy import EnforcementLevel

from pulumi_webstack.errors import ArgsError
from pulumi_webstack_policies.runner import ResourceState, urn_for

# ----------------------------------------------------------------------------- policy cases

DELETE = object()
"""``variant(base, path, DELETE)`` removes the field instead of setting it."""


def variant(base: dict, path, value) -> dict:
    """A deep copy of ``base`` with ``path`` ("a.b.0.c", or a list of keys) set to ``value`` (or deleted)."""
    out = copy.deepcopy(base)
    parts = [int(p) if p.isdigit() else p for p in path.split(".")] if isinstance(path, str) else list(path)
    node = out
    for part in parts[:-1]:
        node = node[part]
    if value is DELETE:
        del node[parts[-1]]
    else:
        node[parts[-1]] = value
    return out


def res(type_: str, name: str, inputs: dict, outputs: dict | None = None, **kw) -> ResourceState:
    """A resource as the analyzer sees it (URN derived from type and name)."""
    return ResourceState(type_, name, urn_for(type_, name), inputs, outputs, **kw)


def mandatory(diags):
    """The mandatory violations among ``diags`` (not the checks that could not run)."""
    return [d for d in diags if d.level == EnforcementLevel.MANDATORY and not d.unverifiable]


# -------------------------------------------------------------------------- component cases


def assert_args_error(build: Callable[[], Any], field: str, allowed: str = "") -> ArgsError:
    """``build()`` is refused with an ArgsError naming ``field`` whose message reads
    ``<field> = <value>: ...`` and contains ``allowed``."""
    with pytest.raises(ArgsError) as err:
        build()
    assert err.value.field == field
    assert str(err.value).startswith(f"{field} = ")
    assert allowed in str(err.value)
    return err.value


def component_program(component: Callable[..., Any], name: str, args: Any, *, provider: str, region: str
                      ) -> Callable[[], None]:
    """A program registering ``component(name, args)`` with an explicit aws provider named
    ``provider`` in ``region``, passed through the component's ``opts``."""
    def run() -> None:
        aws_provider = aws.Provider(provider, region=region)
        component(name, args, opts=pulumi.ResourceOptions(providers={"aws": aws_provider}))
    return run


# ---------------------------------------------------------------------------- stack overrides

SHOP_IMAGE = "ghcr.io/example/shop@sha256:" + "5" * 64
"""The app image a stack on Kubernetes deploys (prod refuses the placeholder of dev and staging)."""
CLUSTER_VPC = "vpc-0c1a2b3c4d5e6f708"
"""The VPC of the EKS cluster a stack on Kubernetes runs in (its data tier is built there)."""
CLUSTER = {"image": SHOP_IMAGE, "clusterVpcId": CLUSTER_VPC, "clusterSecurityGroupId": "sg-0c1a2b3c4d5e6f708"}
"""``webstack:app.kubernetes`` of a stack on that cluster."""
CLUSTER_NETWORK = {"vpcId": CLUSTER_VPC,
                   "subnetIds": ["subnet-0c1a2b3c4d5e6f701", "subnet-0c1a2b3c4d5e6f702", "subnet-0c1a2b3c4d5e6f703"],
                   "routeTableIds": ["rtb-0c1a2b3c4d5e6f701", "rtb-0c1a2b3c4d5e6f702", "rtb-0c1a2b3c4d5e6f703"]}
"""``webstack:network`` of a stack on that cluster: the cluster's VPC and private subnets."""
KUBERNETES = {"webstack:app": {"platform": "kubernetes", "kubernetes": CLUSTER}, "webstack:network": CLUSTER_NETWORK}
"""Config override planning a stack's app tier on Kubernetes, in the cluster's VPC."""


def on_kubernetes(**settings: Any) -> dict:
    """``KUBERNETES`` with more ``webstack:app.kubernetes`` settings."""
    return {**KUBERNETES, "webstack:app": {"platform": "kubernetes", "kubernetes": {**CLUSTER, **settings}}}


ECR_IMAGE = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop@sha256:" + "3" * 64
"""The app image a stack on ECS deploys: in ECR of the stacks' region (eu-west-1), pinned by digest."""
ECS = {"webstack:app": {"platform": "ecs", "ecs": {"image": ECR_IMAGE}}}
"""Config override planning a stack's app tier on ECS (Fargate) in the stack's own VPC."""


def on_ecs(**settings: Any) -> dict:
    """``ECS`` with more ``webstack:app.ecs`` settings."""
    return {"webstack:app": {"platform": "ecs", "ecs": {"image": ECR_IMAGE, **settings}}}
