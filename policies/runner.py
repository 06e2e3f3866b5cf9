"""Run the pack's policies in-process, exactly as the analyzer server would.

``pulumi preview`` sends each resource to the pack over gRPC (``Analyze`` with its inputs,
then ``AnalyzeStack`` with every resource's outputs). This module performs the same steps
without a server, so ``webstack check`` and the tests exercise the real code path:

* properties go through a protobuf ``Struct`` and back (numbers become floats, as on the
  wire), then ``pulumi_policy.deserialize.deserialize_properties`` and
  ``pulumi_policy.proxy.unknown_checking_proxy`` -- the objects policies see are the real
  read-only mapping/sequence proxies that raise on unknown values;
* policy config is merged (:func:`pulumi_webstack_policies.settings.resolve`) and also round-tripped
  through a ``Struct``;
* enforcement levels follow the servicer: ``disabled`` skips the policy, ``remediate``
  reports as ``mandatory``, and a policy that raises ``UnknownValueError`` yields an
  advisory "can't run policy ... during preview" diagnostic.

Unknown values are given as :data:`pulumi_webstack_policies.values.UNKNOWN` (or the raw
``UNKNOWN_*_VALUE`` sentinels); secrets as ``pulumi_policy.Secret``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Iterable, Mapping, Optional, Sequence

from google.protobuf import json_format, struct_pb2
from pulumi_policy import (
    EnforcementLevel,
    Policy,
    PolicyCustomTimeouts,
    PolicyProviderResource,
    PolicyResource,
    PolicyResourceOptions,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    Secret,
    StackValidationArgs,
    StackValidationPolicy,
)
from pulumi_policy.deserialize import SPECIAL_SECRET_SIG, SPECIAL_SIG_KEY, deserialize_properties
from pulumi_policy.proxy import UNKNOWN_STRING_VALUE, UnknownValueError, unknown_checking_proxy

from pulumi_webstack_policies.settings import ResolvedPolicyConfig, resolve
from pulumi_webstack_policies.values import UNKNOWN


@dataclass(frozen=True)
class ResourceState:
    """One resource as the engine describes it to an analyzer."""

    type: str
    name: str
    urn: str
    inputs: Mapping[str, Any]
    """What ``Analyze`` (resource policies) sees."""
    outputs: Optional[Mapping[str, Any]] = None
    """What ``AnalyzeStack`` (stack policies) sees; defaults to ``inputs``."""
    parent: Optional[str] = None
    dependencies: Sequence[str] = ()
    property_dependencies: Mapping[str, Sequence[str]] = field(default_factory=dict)
    protect: bool = False
    custom: bool = True
    provider: Optional[Mapping[str, Any]] = None
    """The inputs of the resource's provider (``region``, ...), as the engine sends them with
    each resource; None: no provider information."""


@dataclass(frozen=True)
class Diagnostic:
    """One reported violation (or "could not be verified") of one policy."""

    policy: str
    level: EnforcementLevel
    message: str
    urn: Optional[str]
    unverifiable: bool = False
    """True when the policy could not run because an input was unknown."""


def _encode(value: Any) -> Any:
    if value is UNKNOWN:
        return UNKNOWN_STRING_VALUE
    if isinstance(value, Secret):
        return {SPECIAL_SIG_KEY: SPECIAL_SECRET_SIG, "value": _encode(value.value)}
    if isinstance(value, Mapping):
        return {str(k): _encode(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_encode(v) for v in value]
    return value


def wire_roundtrip(props: Mapping[str, Any]) -> dict[str, Any]:
    """``props`` as they come out of a gRPC request (``Struct`` -> ``MessageToDict``)."""
    message = struct_pb2.Struct()
    message.update(_encode(props))
    return json_format.MessageToDict(message)


def decoded_props(props: Mapping[str, Any]) -> dict[str, Any]:
    """``props`` decoded as the analyzer decodes a request (secrets and unknowns restored)."""
    return deserialize_properties(wire_roundtrip(props))


def analyzer_props(props: Mapping[str, Any]) -> Mapping[str, Any]:
    """The proxy object a policy receives as ``args.props`` for these properties."""
    return unknown_checking_proxy(decoded_props(props))


def _fresh(value: Any) -> Any:
    """A copy of a decoded wire value whose dicts and lists are new (leaves are immutable)."""
    if isinstance(value, dict):
        return {k: _fresh(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_fresh(v) for v in value]
    return value


def _options(res: ResourceState) -> PolicyResourceOptions:
    return PolicyResourceOptions(res.protect, [], None, [], PolicyCustomTimeouts(0, 0, 0), [], res.parent)


def _provider(res: ResourceState) -> Optional[PolicyProviderResource]:
    if res.provider is None:
        return None
    package = res.type.split(":", 1)[0]
    return PolicyProviderResource(f"pulumi:providers:{package}", analyzer_props(res.provider),
                                  f"urn:pulumi:provider::{package}::pulumi:providers:{package}::default", "default")


def _effective_level(level: EnforcementLevel) -> EnforcementLevel:
    return EnforcementLevel.MANDATORY if level == EnforcementLevel.REMEDIATE else level


def evaluate(
    policies: Iterable[Policy],
    resources: Sequence[ResourceState],
    config: Optional[Mapping[str, ResolvedPolicyConfig]] = None,
    stack_tags: Optional[Mapping[str, str]] = None,
) -> list[Diagnostic]:
    """Every diagnostic the pack reports for ``resources`` (resource policies, then stack policies)."""
    policies = list(policies)
    config = dict(config) if config is not None else resolve(policies)
    tags = MappingProxyType(dict(stack_tags or {}))
    out: list[Diagnostic] = []

    # The wire round trip is the costly step: done once per policy config and once per
    # resource. Each call still gets objects of its own, as from its own gRPC request
    # (``unknown_checking_proxy`` builds new containers over the decoded values), so what one
    # policy does to its ``args`` cannot reach another.
    wire_configs: dict[str, Optional[dict[str, Any]]] = {}

    def policy_config(policy: Policy) -> Optional[dict[str, Any]]:
        if policy.name not in wire_configs:
            props = config[policy.name].properties if policy.name in config else {}
            wire_configs[policy.name] = wire_roundtrip(props) if props else None
        wire = wire_configs[policy.name]
        return _fresh(wire) if wire is not None else None

    decoded: dict[int, dict[str, Any]] = {}

    def props_of(index: int, res: ResourceState) -> Mapping[str, Any]:
        if index not in decoded:
            decoded[index] = decoded_props(res.inputs)
        return unknown_checking_proxy(decoded[index])

    providers: dict[int, Optional[PolicyProviderResource]] = {}

    def provider_of(index: int, res: ResourceState) -> Optional[PolicyProviderResource]:
        if index not in providers:
            providers[index] = _provider(res)
        return providers[index]

    def level_of(policy: Policy) -> EnforcementLevel:
        if policy.name in config:
            return config[policy.name].level
        return policy.enforcement_level or EnforcementLevel.ADVISORY

    def run(policy: Policy, level: EnforcementLevel, call, default_urn: Optional[str]) -> None:
        def report(message: str, urn: Optional[str] = None) -> None:
            out.append(Diagnostic(policy.name, level, message, urn or default_urn))

        try:
            call(report)
        except UnknownValueError as e:
            out.append(Diagnostic(policy.name, EnforcementLevel.ADVISORY,
                                  f"can't run policy '{policy.name}' during preview: {e.message}",
                                  default_urn, unverifiable=True))

    for policy in policies:
        level = _effective_level(level_of(policy))
        if level == EnforcementLevel.DISABLED or not isinstance(policy, ResourceValidationPolicy):
            continue
        for index, res in enumerate(resources):
            if not res.custom:
                continue
            args = ResourceValidationArgs(res.type, props_of(index, res), res.urn, res.name,
                                          _options(res), provider_of(index, res), policy_config(policy), tags)
            run(policy, level, lambda report, a=args: policy.validate(a, report), res.urn)

    stack_resources = _stack_resources([r for r in resources if r.custom])
    for policy in policies:
        level = _effective_level(level_of(policy))
        if level == EnforcementLevel.DISABLED or not isinstance(policy, StackValidationPolicy):
            continue
        args = StackValidationArgs(stack_resources, policy_config(policy), tags)
        run(policy, level, lambda report, a=args: policy.validate(a, report), None)
    return out


def _stack_resources(resources: Sequence[ResourceState]) -> list[PolicyResource]:
    by_urn: dict[str, PolicyResource] = {}
    for r in resources:
        props = analyzer_props(r.outputs if r.outputs is not None else r.inputs)
        by_urn[r.urn] = PolicyResource(r.type, props, r.urn, r.name, _options(r), _provider(r), None, [], {})
    for r in resources:
        policy_resource = by_urn[r.urn]
        if r.parent in by_urn:
            policy_resource.parent = by_urn[r.parent]
        policy_resource.dependencies.extend(by_urn[d] for d in r.dependencies if d in by_urn)
        for prop, urns in r.property_dependencies.items():
            policy_resource.property_dependencies[prop] = [by_urn[u] for u in urns if u in by_urn]
    return list(by_urn.values())


def urn_for(type_: str, name: str, stack: str = "test", project: str = "webstack") -> str:
    """A URN of the shape the engine gives a top-level resource."""
    return f"urn:pulumi:{stack}::{project}::{type_}::{name}"


def evaluate_policy(
    policy: Policy,
    resources: Sequence[ResourceState],
    properties: Optional[Mapping[str, Any]] = None,
    level: Optional[EnforcementLevel] = None,
) -> list[Diagnostic]:
    """Diagnostics of one policy, with ``properties`` merged over its schema defaults."""
    base = resolve([policy])[policy.name]
    resolved = ResolvedPolicyConfig(level or base.level, {**base.properties, **dict(properties or {})})
    return evaluate([policy], resources, {policy.name: resolved})
