"""Building blocks shared by the rule modules: policy factories, resource labels, the "flag must
be on" rule, and links between resources (what points at what, S3 bucket identity).

Rules are written as small ``check`` functions over properties; the factories here turn
them into ``ResourceValidationPolicy`` / ``StackValidationPolicy`` objects with the
metadata the issue asks of every policy (name, description, severity, remediation text,
enforcement level, config schema). Importing this module has no side effects.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Iterable, Optional, Sequence

from pulumi_policy import (
    EnforcementLevel,
    PolicyConfigSchema,
    PolicyResource,
    ResourceValidationPolicy,
    Severity,
    StackValidationPolicy,
)

from pulumi_webstack_policies.settings import policy_config
from pulumi_webstack_policies.values import UNKNOWN, Evaluation, lookup, shown, truthy, unset

MANDATORY = EnforcementLevel.MANDATORY
ADVISORY = EnforcementLevel.ADVISORY


@dataclass(frozen=True)
class Subject:
    """The resource a resource-level check looks at."""

    type: str
    name: str
    urn: str
    props: Any
    opts: Any = None
    """``PolicyResourceOptions`` (protect, parent, ...), when the runtime passed them."""
    provider: Any = None
    """``PolicyProviderResource`` (its ``props`` are the provider's inputs), when the runtime passed it."""

    @property
    def label(self) -> str:
        return label(self.type, self.name)

    @property
    def region(self) -> Any:
        """The AWS region the resource lives in (:func:`region_of`)."""
        return region_of(self.props, self.provider)


def region_of(props: Any, provider: Any) -> Any:
    """The AWS region of a resource: its own ``region`` input (pulumi-aws 7), else its
    provider's (the ``PolicyProviderResource`` the analyzer sends with it); None when neither
    says, :data:`UNKNOWN` when unknown."""
    own = lookup(props, "region")
    if not unset(own):
        return own
    return lookup(getattr(provider, "props", None), "region")


def short_type(type_token: str) -> str:
    """``aws:cloudfront/distribution:Distribution`` -> ``Distribution``."""
    return type_token.rsplit(":", 1)[-1]


def label(type_token: str, name: str) -> str:
    """How messages name a resource: ``Distribution 'cdn'``."""
    return f"{short_type(type_token)} '{name}'"


def require_true(subject: Subject, ev: Evaluation, prop: str, fix: str) -> None:
    """Report ``<resource>: <prop> is <value>: <fix>`` unless the flag ``prop`` is on (an unknown is not judged)."""
    value = ev.get(subject.props, prop)
    if value is not UNKNOWN and not truthy(value):
        ev.violation(f"{subject.label}: {prop} is {shown(value)}: {fix}")


ResourceCheck = Callable[[Subject, dict, Evaluation], None]
StackCheck = Callable[[Sequence[PolicyResource], dict, Evaluation], None]


def resource_policy(
    *,
    name: str,
    description: str,
    resource_types: Iterable[str],
    check: ResourceCheck,
    enforcement_level: EnforcementLevel,
    severity: Severity,
    remediation: str,
    config_schema: Optional[PolicyConfigSchema] = None,
    tags: Optional[list[str]] = None,
) -> ResourceValidationPolicy:
    """A resource policy that runs ``check`` on resources of ``resource_types`` only."""
    types = frozenset(resource_types)

    def validate(args, report_violation) -> None:
        if args.resource_type not in types:
            return
        cfg = policy_config(policy, args)  # the policy assigned below
        evaluation = Evaluation(report_violation)
        check(Subject(args.resource_type, args.name, args.urn, args.props, getattr(args, "opts", None),
                      getattr(args, "provider", None)), cfg, evaluation)
        evaluation.finish()

    policy = ResourceValidationPolicy(
        name=name,
        description=description,
        validate=validate,
        enforcement_level=enforcement_level,
        config_schema=config_schema,
        severity=severity,
        remediation_steps=remediation,
        tags=tags,
    )
    policy.resource_types = types  # type: ignore[attr-defined]  # documented in the README table
    return policy


def stack_policy(
    *,
    name: str,
    description: str,
    check: StackCheck,
    enforcement_level: EnforcementLevel,
    severity: Severity,
    remediation: str,
    resource_types: Iterable[str] = (),
    config_schema: Optional[PolicyConfigSchema] = None,
    tags: Optional[list[str]] = None,
) -> StackValidationPolicy:
    """A stack policy: ``check`` sees every resource and reports with each resource's URN."""

    def validate(args, report_violation) -> None:
        cfg = policy_config(policy, args)  # the policy assigned below
        evaluation = Evaluation(report_violation)
        check(list(args.resources), cfg, evaluation)
        evaluation.finish()

    policy = StackValidationPolicy(
        name=name,
        description=description,
        validate=validate,
        enforcement_level=enforcement_level,
        config_schema=config_schema,
        severity=severity,
        remediation_steps=remediation,
        tags=tags,
    )
    policy.resource_types = frozenset(resource_types)  # type: ignore[attr-defined]
    return policy


# ------------------------------------------------------------------ stack-level references

BUCKETS = ("aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2")
BUCKET_IDENTITY = ("id", "bucket")
"""How other S3 resources name their bucket (``bucket``, ``targetBucket``): its id, i.e. its name."""


def is_rds_replica(props: Any) -> bool:
    """An RDS instance that is a read replica (``replicateSourceDb`` set, known or not)."""
    return lookup(props, "replicateSourceDb") is not None


def of_type(resources: Sequence[PolicyResource], *types: str) -> list[PolicyResource]:
    return [r for r in resources if r.resource_type in types]


def references(
    source: PolicyResource,
    prop: str,
    target: PolicyResource,
    identity: Sequence[str],
    value: Any = None,
) -> bool:
    """Whether ``source``'s property ``prop`` (or the given ``value``) points at ``target``.

    A known value matches when it equals one of ``target``'s identity properties (``id``,
    ``arn``, ``name``, ...). An unknown value (preview: the target is not created yet) is
    resolved through the engine's property dependencies of the top-level property, then
    through plain dependencies. A known value that matches no identity of a target whose
    identities are all unknown also falls back to the dependencies.
    """
    if value is None:
        value = lookup(source.props, prop)
    if value is None:
        return False
    top = prop.split(".", 1)[0]
    if value is not UNKNOWN:
        ids = [lookup(target.props, key) for key in identity]
        known = [i for i in ids if i is not UNKNOWN and i is not None]
        if any(value == i for i in known):
            return True
        if known:
            return False
    deps = (source.property_dependencies or {}).get(top)
    if deps:
        return any(d is target or d.urn == target.urn for d in deps)
    return any(d is target or d.urn == target.urn for d in (source.dependencies or []))


def referring_to(
    target: PolicyResource, sources: Sequence[PolicyResource], prop: str, identity: Sequence[str]
) -> list[PolicyResource]:
    """The resources among ``sources`` whose ``prop`` points at ``target`` (a bucket's policies, a topic's
    topic policies, a project's routes; see :func:`references`)."""
    return [s for s in sources if references(s, prop, target, identity)]


def referred_by(
    source: PolicyResource, prop: str, targets: Sequence[PolicyResource], identity: Sequence[str], value: Any = None
) -> list[PolicyResource]:
    """The resources among ``targets`` that ``source``'s ``prop`` (or ``value`` read inside it) points at."""
    return [t for t in targets if references(source, prop, t, identity, value=value)]
