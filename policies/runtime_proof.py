"""Runtime proof: the stack checks its live site with synthetic canaries, from enough
regions and alarmed, and carries recovery drills for its data tier, each stoppable by an
alarm.

The rest of the pack proves the desired state; these rules make sure the stack also proves
the running one. Advisory by default; ``policies/config/prod.json`` makes both mandatory
(DESIGN.md: prod runs canaries from two regions or more and has FIS drill templates).
"""

from __future__ import annotations

from typing import Any, Iterable, Optional, Sequence

from pulumi_policy import PolicyResource, Severity

from pulumi_webstack_policies.base import ADVISORY, is_rds_replica, label, of_type, references, region_of, stack_policy
from pulumi_webstack_policies.settings import schema
from pulumi_webstack_policies.values import UNKNOWN, Evaluation, as_int, elements, lookup, truthy, unset

CANARY = "aws:synthetics/canary:Canary"
SITES = ("aws:cloudfront/distribution:Distribution", "aws:lb/loadBalancer:LoadBalancer",
         "aws:alb/loadBalancer:LoadBalancer")
"""What serves a site a canary can check (a stack without one has nothing to check)."""
METRIC_ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
TEMPLATE = "aws:fis/experimentTemplate:ExperimentTemplate"
RDS_INSTANCE = "aws:rds/instance:Instance"
CACHE_REPLICATION_GROUP = "aws:elasticache/replicationGroup:ReplicationGroup"
ALARM_SOURCE = "aws:cloudwatch:alarm"
DATABASE_ACTIONS = ("aws:rds:reboot-db-instances",)
CACHE_ACTIONS = ("aws:elasticache:replicationgroup-interrupt-az-power", "aws:elasticache:interrupt-cluster-az-power")
"""The FIS actions that drill each claim (the cache's older action id still counts)."""
PROVIDER_REGION = "(its provider's region)"


# ------------------------------------------------------------------------------ matching


def _any(results: Iterable[Optional[bool]]) -> Optional[bool]:
    """True if any is True; else None (cannot tell) if any is None; else False."""
    seen_unknown = False
    for result in results:
        if result:
            return True
        seen_unknown = seen_unknown or result is None
    return None if seen_unknown else False


def _names(source: PolicyResource, prop: str, target: PolicyResource, identity: tuple[str, ...]) -> Optional[bool]:
    """Whether ``source.prop`` points at ``target`` (``references``); None when the value is
    unknown and no dependency says where it comes from (preview without the engine's links)."""
    value = lookup(source.props, prop)
    if value is UNKNOWN and not source.property_dependencies and not source.dependencies:
        return None
    return references(source, prop, target, identity, value=value)


def _is(value: Any, expected: Any) -> Optional[bool]:
    return None if value is UNKNOWN else value == expected


def _items(obj: Any, path: str) -> Optional[list[Any]]:
    """The elements of the list at ``path``; None when the list itself is unknown."""
    value = lookup(obj, path)
    return None if value is UNKNOWN else elements(value)


# ----------------------------------------------------------------------------- canaries


def _alarmed(canary: PolicyResource, alarms: Sequence[PolicyResource]) -> Optional[bool]:
    """An alarm on the canary's metrics (``CloudWatchSynthetics``, dimension ``CanaryName``)
    notifies someone."""
    def notifies(alarm: PolicyResource) -> Optional[bool]:
        actions = lookup(alarm.props, "alarmActions")
        return None if actions is UNKNOWN else bool(elements(actions))

    def watches(alarm: PolicyResource) -> Optional[bool]:
        namespace = _is(lookup(alarm.props, "namespace"), "CloudWatchSynthetics")
        if namespace is False:
            return False
        names = _names(alarm, "dimensions.CanaryName", canary, ("name",))
        if names is False:
            return False
        told = notifies(alarm)
        return None if None in (namespace, names, told) else told

    return _any(watches(alarm) for alarm in alarms)


def check_canaries(resources: Sequence[PolicyResource], cfg: dict, ev: Evaluation) -> None:
    canaries = [c for c in of_type(resources, CANARY) if lookup(c.props, "startCanary") is not False]
    if not canaries and not of_type(resources, *SITES):
        return  # nothing serves a site here
    alarms = of_type(resources, METRIC_ALARM)
    regions: set[Any] = set()
    for canary in canaries:
        alarmed = _alarmed(canary, alarms)
        if alarmed is None:
            ev.unknown(f"the alarms of {canary.name}")
        elif not alarmed:
            ev.violation(f"{label(canary.resource_type, canary.name)}: no alarm on its CloudWatchSynthetics metrics "
                         "notifies anyone: a failing check would go unseen", canary.urn)
        region = region_of(canary.props, canary.provider)
        regions.add(PROVIDER_REGION if unset(region) else region)
    minimum = as_int(cfg.get("minRegions")) or 1
    if UNKNOWN in regions:
        ev.unknown("a canary's region")
    elif len(regions) < minimum:
        where = ", ".join(sorted(map(str, regions))) or "nowhere"
        ev.violation(f"the live site is checked from {len(regions)} region(s) ({where}): run started CloudWatch "
                     f"Synthetics canaries from at least {minimum}")


synthetic_canaries = stack_policy(
    name="synthetic-canaries",
    description="A stack serving a site (CloudFront, a load balancer) checks it with started CloudWatch Synthetics "
    "canaries from enough regions, each with an alarm on its metrics that notifies someone.",
    check=check_canaries,
    resource_types=[CANARY, METRIC_ALARM, *SITES],
    enforcement_level=ADVISORY,
    severity=Severity.MEDIUM,
    remediation="Add pulumi_webstack.Canaries (canaries from `region` and `extra_regions`, each with a failure "
    "alarm to the critical topic), or an aws.synthetics.Canary per region with start_canary=True and an "
    "aws.cloudwatch.MetricAlarm on its SuccessPercent (namespace CloudWatchSynthetics, CanaryName) with "
    "alarm_actions.",
    config_schema=schema(
        minRegions={
            "type": "integer",
            "minimum": 1,
            "default": 2,
            "description": "Fewest distinct regions the canaries run from (prod: 2).",
        },
    ),
    tags=["runtime-proof", "synthetics"],
)


# ------------------------------------------------------------------------------- drills


def _acts(template: PolicyResource, actions: Sequence[str]) -> Optional[bool]:
    listed = _items(template.props, "actions")
    if listed is None:
        return None
    ids = [UNKNOWN if a is UNKNOWN else lookup(a, "actionId") for a in listed]
    return _any(None if i is UNKNOWN else i in actions for i in ids)


def _targets(template: PolicyResource, target: PolicyResource, identity: tuple[str, ...],
             tag_identity: str) -> Optional[bool]:
    """A target of ``template`` names ``target``: by ARN, or by its ``Name`` tag (what FIS
    takes for ElastiCache replication groups)."""
    specs = _items(template.props, "targets")
    if specs is None:
        return None
    found: list[Optional[bool]] = []
    for i, spec in enumerate(specs):
        arns, tags = _items(spec, "resourceArns"), _items(spec, "resourceTags")
        if spec is UNKNOWN or arns is None or tags is None:
            found.append(None)
            continue
        for j, _ in enumerate(arns):
            found.append(_names(template, f"targets.{i}.resourceArns.{j}", target, identity))
        for k, tag in enumerate(tags):
            key = _is(lookup(tag, "key"), "Name")
            if key is not False:
                names = _names(template, f"targets.{i}.resourceTags.{k}.value", target, (tag_identity,))
                found.append(None if key is None and names is not False else names)
    return _any(found)


def _drilled(templates: Sequence[PolicyResource], actions: Sequence[str], target: PolicyResource,
             identity: tuple[str, ...], tag_identity: str) -> Optional[bool]:
    def drills(template: PolicyResource) -> Optional[bool]:
        acts = _acts(template, actions)
        if acts is False:
            return False
        aims = _targets(template, target, identity, tag_identity)
        return None if None in (acts, aims) and aims is not False else aims

    return _any(drills(t) for t in templates)


def _stops_on_an_alarm(template: PolicyResource) -> Optional[bool]:
    stops = _items(template.props, "stopConditions")
    if stops is None:
        return None
    return _any(None if UNKNOWN in (lookup(s, "source"), lookup(s, "value")) or s is UNKNOWN
                else lookup(s, "source") == ALARM_SOURCE and not unset(lookup(s, "value")) for s in stops)


def check_drills(resources: Sequence[PolicyResource], cfg: dict, ev: Evaluation) -> None:
    templates = of_type(resources, TEMPLATE)
    for template in templates:
        stops = _stops_on_an_alarm(template)
        if stops is None:
            ev.unknown(f"{template.name}.stopConditions")
        elif not stops:
            sources = [str(lookup(s, "source")) for s in elements(lookup(template.props, "stopConditions"))]
            ev.violation(f"{label(template.resource_type, template.name)}: no CloudWatch alarm stops it (stop "
                         f"conditions: {', '.join(sources) or 'none'}): a drill that goes wrong runs to its end",
                         template.urn)
    claims = [(db, DATABASE_ACTIONS, "arn", "identifier", "reboots it (aws:rds:reboot-db-instances, forceFailover "
               "when Multi-AZ)") for db in of_type(resources, RDS_INSTANCE)
              if not is_rds_replica(db.props)]  # replicas recover through the primary's drill
    if truthy(cfg.get("requireCacheDrill")):
        claims += [(group, CACHE_ACTIONS, "arn", "replicationGroupId", "interrupts the power of its primary's AZ "
                    f"({CACHE_ACTIONS[0]})") for group in of_type(resources, CACHE_REPLICATION_GROUP)
                   if truthy(lookup(group.props, "multiAzEnabled"))]  # the AZ power action needs Multi-AZ
    for target, actions, identity, tag_identity, what in claims:
        drilled = _drilled(templates, actions, target, (identity,), tag_identity)
        if drilled is None:
            ev.unknown(f"the drills of {target.name}")
        elif not drilled:
            ev.violation(f"{label(target.resource_type, target.name)}: no FIS experiment template {what}: its "
                         "failover is a claim, not a tested fact", target.urn)


recovery_drills = stack_policy(
    name="recovery-drills",
    description="Every database primary (and Multi-AZ cache) has an FIS drill template, and every FIS template "
    "stops on a CloudWatch alarm.",
    check=check_drills,
    resource_types=[TEMPLATE, RDS_INSTANCE, CACHE_REPLICATION_GROUP],
    enforcement_level=ADVISORY,
    severity=Severity.MEDIUM,
    remediation="Add pulumi_webstack.Drills with the primary's ARN (and the Multi-AZ cache's group id and primary "
    "AZ) and stop_alarm_arns, or an aws.fis.ExperimentTemplate per claim with stop_conditions "
    "[{source: 'aws:cloudwatch:alarm', value: <alarm ARN>}].",
    config_schema=schema(
        requireCacheDrill={
            "type": "boolean",
            "default": True,
            "description": "Also require a drill for every Multi-AZ ElastiCache replication group.",
        },
    ),
    tags=["runtime-proof", "fis", "resilience"],
)


POLICIES = [synthetic_canaries, recovery_drills]
