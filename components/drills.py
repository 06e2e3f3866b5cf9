"""Drills: AWS Fault Injection Service experiment templates for what the stack claims to
survive, and the recovery objectives they are judged against.

A Multi-AZ database, a cache with automatic failover and an app tier with spare tasks are
claims until someone pulls the plug. Each drill here is that plug, as an experiment template
a human starts (``aws fis start-experiment``; creating templates changes nothing):

==================  ==============================================  ===============================
drill               FIS action (target resource type)               claim it tests
==================  ==============================================  ===============================
database-failover   ``aws:rds:reboot-db-instances``, forceFailover  the primary fails over to its
                    (``aws:rds:db``, by ARN)                        standby (Multi-AZ; else: a
                                                                    reboot the app must ride out)
cache-az-power      ``aws:elasticache:replicationgroup-interrupt-   the cache survives losing the
                    az-power`` (``aws:elasticache:replicationgroup``  AZ of its primary: a replica
                    by tag, in one AZ)                              is promoted
ecs-stop-tasks      ``aws:ecs:stop-task`` (``aws:ecs:task`` of a    the service replaces lost
                    cluster and service, a share of them)          tasks and keeps serving
==================  ==============================================  ===============================

Every template stops on the alarms it is given (``stop_alarm_arns``: at least one, at most
five, as FIS allows) and runs with a role of its own that may do that one action to that one
target. Action ids, target types, parameters and permissions follow the FIS actions and
targets references (https://docs.aws.amazon.com/fis/latest/userguide/fis-actions-reference.html,
https://docs.aws.amazon.com/fis/latest/userguide/targets.html); ElastiCache replication groups
are selected by tag and need the ``availabilityZoneIdentifier`` target parameter.

Recovery objectives: ``rpo_minutes`` and ``rto_minutes`` are written on every template (its
tags and description), so a drill's result is read against them (docs/drills.md). What the
configuration itself can promise is checked before anything is deployed: ``recovery_gaps``
compares the objectives with the backup schedule and retention, the replicas and the copy
region, with the typical recovery times of ``RECOVERY_MINUTES``.
"""


import json
import re
from dataclasses import dataclass
from typing import Any, Optional

import pulumi
import pulumi_aws as aws

from pulumi_webstack.args import check_fields, from_inputs, is_unknown, setting
from pulumi_webstack.errors import require, static_len
from pulumi_webstack.iam_policies import granted

MAX_STOP_CONDITIONS = 5
"""Stop conditions an experiment template may have (FIS quota)."""
TARGET = "target"
"""Name of the one target of each template."""


# ----------------------------------------------------------------------------- the drills


@dataclass(frozen=True)
class Drill:
    """One kind of drill: the FIS action, its target type, and what it proves."""

    key: str
    """Stable id: template resource names and the ``Drill`` tag derive from it."""
    action_id: str
    resource_type: str
    target_key: str
    """The action's key for its target (FIS: ``Targets`` map key of the action)."""
    claim: str
    """What the stack claims to survive, said for the template's description."""


DRILLS: dict[str, Drill] = {
    "database": Drill("database-failover", "aws:rds:reboot-db-instances", "aws:rds:db", "DBInstances",
                      "the database primary reboots (failing over to its standby when Multi-AZ)"),
    "cache": Drill("cache-az-power", "aws:elasticache:replicationgroup-interrupt-az-power",
                   "aws:elasticache:replicationgroup", "ReplicationGroups",
                   "the cache loses power in the AZ of its primary and promotes a replica"),
    "ecs": Drill("ecs-stop-tasks", "aws:ecs:stop-task", "aws:ecs:task", "Tasks",
                 "a share of the app's tasks stops and the service replaces them"),
}
"""Every drill the component knows, by the target it needs (an ECS drill is one more row)."""


def iso_minutes(minutes: int) -> str:
    """ISO 8601 duration FIS takes: ``10`` -> ``PT10M``."""
    return f"PT{minutes}M"


def trust_policy(account_id: str, partition: str, region: str) -> dict[str, Any]:
    """FIS may assume the role, only for experiments of this account and region (no
    confused deputy)."""
    return {
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": {"Service": "fis.amazonaws.com"},
            "Action": "sts:AssumeRole",
            "Condition": {
                "StringEquals": {"aws:SourceAccount": account_id},
                "ArnLike": {"aws:SourceArn": f"arn:{partition}:fis:{region}:{account_id}:experiment/*"},
            },
        }],
    }


_RESOLVE_TARGETS = {"Sid": "ResolveTargets", "Effect": "Allow", "Action": "tag:GetResources", "Resource": "*"}
"""FIS resolves every target through the tagging API, which has no resource-level permissions."""


def database_policy(instance_arn: str) -> dict[str, Any]:
    """Reboot (with failover) that one instance."""
    return {"Version": "2012-10-17", "Statement": [
        {"Sid": "RebootPrimary", "Effect": "Allow", "Action": ["rds:RebootDBInstance", "rds:DescribeDBInstances"],
         "Resource": instance_arn},
        _RESOLVE_TARGETS,
    ]}


def cache_policy(replication_group_arn: str) -> dict[str, Any]:
    """Interrupt the power of that replication group's nodes (its member clusters are
    ``<group>-00N``)."""
    clusters = replication_group_arn.replace(":replicationgroup:", ":cluster:") + "-*"
    return {"Version": "2012-10-17", "Statement": [
        {"Sid": "InterruptCacheAz", "Effect": "Allow",
         "Action": ["elasticache:InterruptClusterAzPower", "elasticache:DescribeReplicationGroups"],
         "Resource": [replication_group_arn, clusters]},
        _RESOLVE_TARGETS,
    ]}


def ecs_policy(cluster_arn: str) -> dict[str, Any]:
    """List, describe and stop tasks of that cluster."""
    tasks = cluster_arn.replace(":cluster/", ":task/") + "/*"
    return {"Version": "2012-10-17", "Statement": [
        {"Sid": "StopTasks", "Effect": "Allow", "Action": ["ecs:StopTask", "ecs:DescribeTasks"], "Resource": tasks},
        {"Sid": "ListTasks", "Effect": "Allow", "Action": "ecs:ListTasks", "Resource": "*",
         "Condition": {"ArnEquals": {"ecs:cluster": cluster_arn}}},
        _RESOLVE_TARGETS,
    ]}


def objectives_text(rpo_minutes: Optional[int], rto_minutes: Optional[int]) -> str:
    """How a template states the objectives it is judged against."""
    parts = [f"{label} {minutes} min" for label, minutes in (("RPO", rpo_minutes), ("RTO", rto_minutes))
             if minutes is not None]
    return "Judge against " + ", ".join(parts) + "." if parts else "No recovery objectives declared."


# --------------------------------------------------------------- recovery objectives vs config


RECOVERY_MINUTES = {
    "multi-az-failover": 2,
    "promote-replica": 15,
    "point-in-time-restore": 60,
    "promote-cross-region-replica": 30,
    "rebuild-in-copy-region": 240,
}
"""Typical time back to service, per way of recovering the database (planning figures; the
drills measure the real ones):

- Multi-AZ failover: RDS fails over to the synchronous standby in 60-120 s.
- promoting an in-region read replica: a few minutes for RDS, plus repointing the writers.
- point-in-time restore: a new instance is created (10-15 min empty, longer with data: see
  ``webstack estimate``), the transaction log replayed, the app repointed: plan an hour.
- promoting the cross-region replica: minutes for RDS, plus moving the app's writes and
  traffic to that region.
- rebuilding from the copies in the copy region: restore the database from a copied
  recovery point and build the rest of the stack there: hours.
"""

POINT_IN_TIME_MINUTES = 5
"""RDS uploads transaction logs every 5 minutes: point-in-time recovery reaches back to at
most 5 minutes before a failure."""
REPLICA_LAG_MINUTES = 1
"""What an asynchronous replica is typically behind (the lag alarms watch it)."""


@dataclass(frozen=True)
class RecoverySetup:
    """What a stack does to recover its database, as its configuration says."""

    region: str
    multi_az: bool
    replicas: int
    cross_region_replica: Optional[str]
    copy_region: Optional[str]
    backup_interval_minutes: int
    """Longest time between two scheduled backups (the ones copied to ``copy_region``)."""
    retention_days: int
    """How long the scheduled backups are kept."""


@dataclass(frozen=True)
class Gap:
    """A setting that cannot meet a recovery objective, and why."""

    objective: str
    """``rpo_minutes`` or ``rto_minutes``: the objective it cannot meet."""
    section: str
    """Where the setting to change is: ``database``, ``backups``, or ``recovery`` when no
    setting of the stack reaches the objective (the objective itself must give)."""
    field: str
    text: str


RECOVERY_WAYS = {
    "multi-az-failover": "failing over to the Multi-AZ standby",
    "promote-replica": "promoting a read replica",
    "point-in-time-restore": "a point-in-time restore to a new instance",
    "promote-cross-region-replica": "promoting the cross-region replica",
    "rebuild-in-copy-region": "restoring the copied backups and rebuilding the stack in the copy region",
}
"""How each way of recovering reads in a message (the keys of ``RECOVERY_MINUTES``)."""


def _local_way(s: RecoverySetup) -> str:
    return "multi-az-failover" if s.multi_az else "promote-replica" if s.replicas else "point-in-time-restore"


def _region_way(s: RecoverySetup) -> Optional[str]:
    if s.cross_region_replica:
        return "promote-cross-region-replica"
    return "rebuild-in-copy-region" if s.copy_region else None


def recovery_gaps(rpo_minutes: Optional[int], rto_minutes: Optional[int], s: RecoverySetup) -> list[Gap]:
    """The settings of ``s`` that cannot meet the objectives, each with the reason.

    Failures considered: the primary (or its AZ) fails; the whole region is lost. The cache
    is left out: it can be rebuilt from the database and sets neither objective."""
    gaps: list[Gap] = []
    local, region = _local_way(s), _region_way(s)
    if rpo_minutes is not None:
        rpo = f"the RPO of {_hours(rpo_minutes)}"
        loss = {"multi-az-failover": 0, "promote-replica": REPLICA_LAG_MINUTES,
                "point-in-time-restore": POINT_IN_TIME_MINUTES}[local]
        if loss > rpo_minutes:
            gaps.append(Gap("rpo_minutes", "database", "multi_az",
                            f"a failed primary is recovered by {RECOVERY_WAYS[local]}, losing up to {loss} min of "
                            f"writes, over {rpo}: set multiAz: true (a synchronous standby loses nothing)"))
        if region is None:
            gaps.append(Gap("rpo_minutes", "backups", "copy_region",
                            f"losing {s.region} loses every backup with it (no copy region, no cross-region replica), "
                            f"against {rpo}: set backups.copyRegion or database.crossRegionReplica"))
        elif region == "rebuild-in-copy-region" and s.backup_interval_minutes > rpo_minutes:
            gaps.append(Gap("rpo_minutes", "backups", "schedule",
                            f"only the scheduled backups are copied to {s.copy_region}, "
                            f"{_hours(s.backup_interval_minutes)} apart: losing {s.region} loses up to that much, "
                            f"over {rpo}: back up at least every {_hours(rpo_minutes)} (e.g. "
                            f"cron(0 */{max(1, rpo_minutes // 60)} * * ? *)) or set database.crossRegionReplica"))
        if s.retention_days * 1440 <= s.backup_interval_minutes:
            gaps.append(Gap("rpo_minutes", "backups", "retention_days",
                            f"a recovery point expires before the next is taken ({_hours(s.backup_interval_minutes)} "
                            "apart): keep them longer than that"))
    if rto_minutes is not None:
        rto = f"the RTO of {_hours(rto_minutes)}"
        if RECOVERY_MINUTES[local] > rto_minutes:
            took = f"{RECOVERY_WAYS[local]} (~{_hours(RECOVERY_MINUTES[local])})"
            gaps.append(Gap("rto_minutes", "recovery", "rto_minutes",
                            f"even {took}, the fastest way this stack has, is over it") if s.multi_az else
                        Gap("rto_minutes", "database", "multi_az",
                            f"a failed primary is recovered by {took}, over {rto}: set multiAz: true (failover "
                            f"in ~{_hours(RECOVERY_MINUTES['multi-az-failover'])})"))
        if region is None:
            gaps.append(Gap("rto_minutes", "database", "cross_region_replica",
                            f"losing {s.region} loses the database for good (no copy region, no cross-region "
                            f"replica), against {rto}: set database.crossRegionReplica"))
        elif RECOVERY_MINUTES[region] > rto_minutes:
            took = f"{RECOVERY_WAYS[region]} (~{_hours(RECOVERY_MINUTES[region])})"
            gaps.append(Gap("rto_minutes", "recovery", "rto_minutes",
                            f"losing {s.region}, even {took} is over it") if s.cross_region_replica else
                        Gap("rto_minutes", "database", "cross_region_replica",
                            f"losing {s.region} means {took}, over {rto}: set database.crossRegionReplica "
                            f"(promotion in ~{_hours(RECOVERY_MINUTES['promote-cross-region-replica'])})"))
    return gaps


def _hours(minutes: int) -> str:
    return f"{minutes // 60} h" if minutes % 60 == 0 and minutes >= 60 else f"{minutes} min"


_CRON = re.compile(r"^cron\((\S+) (\S+) (\S+) (\S+) (\S+) (\S+)\)$")


def cron_interval_minutes(expression: str) -> int:
    """Longest time between two runs of an AWS cron expression, in minutes.

    Minutes and hours may be lists, ranges and steps. A schedule on some days of the week
    adds the longest gap between those days; one on days of the month the longest gap in a
    31-day month (months are not all that long: the figure errs on the safe side). The month
    and year fields are taken as every month and year."""
    match = _CRON.match(expression)
    if match is None:
        raise ValueError(f"not an AWS cron expression: {expression!r}")
    minute, hour, dom, _month, dow, _year = match.groups()
    times = [h * 60 + m for h in _values(hour, 0, 23) for m in _values(minute, 0, 59)]
    daily = _longest_gap(times, 1440)
    if dom not in ("*", "?"):
        return daily + (_longest_gap(_values(dom, 1, 31), 31) - 1) * 1440
    if dow not in ("*", "?"):
        return daily + (_longest_gap(_values(dow, 1, 7, names=_WEEKDAYS), 7) - 1) * 1440
    return daily


_WEEKDAYS = {"SUN": 1, "MON": 2, "TUE": 3, "WED": 4, "THU": 5, "FRI": 6, "SAT": 7}


def _longest_gap(points: list[int], cycle: int) -> int:
    """Longest distance between consecutive ``points`` on a circle of length ``cycle``."""
    ordered = sorted(set(points))
    return max(b - a for a, b in zip(ordered, [*ordered[1:], ordered[0] + cycle]))


def _values(part: str, low: int, high: int, names: Optional[dict[str, int]] = None) -> list[int]:
    """The values a cron field selects (``*``, ``a,b``, ``a-b``, ``*/n``, ``a/n``, names)."""
    out: set[int] = set()
    for item in part.upper().split(","):
        base, _, step = item.partition("/")
        if base in ("*", "?"):
            start, end = low, high
        elif "-" in base:
            first, _, last = base.partition("-")
            start, end = _number(first, names), _number(last, names)
        else:
            start = _number(base, names)
            end = high if step else start
        out.update(range(start, end + 1, int(step) if step else 1))
    if not out or min(out) < low or max(out) > high:
        raise ValueError(f"cron field {part!r} outside {low}-{high}")
    return sorted(out)


def _number(text: str, names: Optional[dict[str, int]]) -> int:
    text = text.rstrip("L#")
    return names[text] if names and text in names else int(text)


# ----------------------------------------------------------------------------- args


@dataclass
class DrillsArgs:
    """Arguments of ``Drills``: the recovery objectives, and the targets to drill (each given
    target gets its template)."""

    stop_alarm_arns: pulumi.Input[list[str]]
    """CloudWatch alarms (in this region) that stop any drill when they fire: the critical
    alarms, a canary's failure alarm. At least one, at most five."""
    rpo_minutes: Optional[int] = setting(None, ge=1, le=10_080)
    """Recovery point objective: most data, in minutes of writes, a failure may lose."""
    rto_minutes: Optional[int] = setting(None, ge=1, le=10_080)
    """Recovery time objective: longest time, in minutes, back to service after a failure."""
    database_instance_arn: Optional[pulumi.Input[str]] = None
    """ARN of the database primary: the failover drill."""
    database_multi_az: Optional[bool] = False
    """The primary is Multi-AZ: the drill forces a failover to the standby (a reboot otherwise)."""
    cache_replication_group_id: Optional[pulumi.Input[str]] = None
    """Replication group to power off in one AZ. It must have Multi-AZ enabled and carry the tag
    ``Name`` = its id (``Cache`` sets it): FIS selects replication groups by tag only."""
    cache_availability_zone: Optional[pulumi.Input[str]] = None
    """AZ (name or id) to power off: the one of the group's primary."""
    cache_outage_minutes: Optional[int] = setting(10, ge=1, le=720)
    """How long the cache AZ stays powered off."""
    ecs_cluster_name: Optional[pulumi.Input[str]] = None
    """ECS cluster of the app service whose tasks the ECS drill stops."""
    ecs_service_name: Optional[pulumi.Input[str]] = None
    """ECS service whose tasks the drill stops."""
    ecs_stop_percent: Optional[int] = setting(50, ge=1, le=100)
    """Share of the service's tasks stopped."""
    name_prefix: Optional[str] = setting(None, pattern=r"[A-Za-z0-9_-]{1,60}",
                                         words="must be letters, digits, hyphens or underscores (at most 60)")
    """Prefix of the templates' Name tags and the roles' descriptions (default ``<project>-<stack>``)."""

    def __post_init__(self) -> None:
        check_fields(self)
        count = static_len(self.stop_alarm_arns)
        require(count is None or 1 <= count <= MAX_STOP_CONDITIONS, "drills.stop_alarm_arns", self.stop_alarm_arns,
                f"must list 1 to {MAX_STOP_CONDITIONS} alarm ARNs (FIS allows {MAX_STOP_CONDITIONS} stop conditions; "
                "a drill without one cannot be stopped by what it breaks)")
        if isinstance(self.stop_alarm_arns, (list, tuple)):
            for arn in self.stop_alarm_arns:
                require(is_unknown(arn) or (isinstance(arn, str) and ":cloudwatch:" in arn and ":alarm:" in arn),
                        "drills.stop_alarm_arns", arn, "must be CloudWatch alarm ARNs")
        pairs = (("cache_replication_group_id", "cache_availability_zone"), ("ecs_cluster_name", "ecs_service_name"))
        for one, other in pairs:
            for a, b in ((one, other), (other, one)):
                require(getattr(self, a) is None or getattr(self, b) is not None, f"drills.{b}", None,
                        f"required with {a}")
        require(bool(self.drills()), "drills.database_instance_arn", None,
                "give at least one target: database_instance_arn, cache_replication_group_id or ecs_cluster_name")

    def drills(self) -> list[Drill]:
        """The drills these Args have targets for."""
        present = {"database": self.database_instance_arn, "cache": self.cache_replication_group_id,
                   "ecs": self.ecs_cluster_name}
        return [DRILLS[kind] for kind, target in present.items() if target is not None]


# ------------------------------------------------------------------------ component


class Drills(pulumi.ComponentResource):
    """AWS FIS experiment templates for the failures the stack claims to survive, each with
    alarm stop conditions and a least-privilege role; started by a human, never by a deploy.

    Creates, per drill of ``DrillsArgs.drills`` (database failover, cache AZ power
    interruption, ECS task loss): an IAM role FIS assumes (this account and region only)
    with a policy for that action on that target, and the experiment template.

    Outputs: ``template_ids`` (drill -> template id), ``role_arns`` (drill -> role ARN).
    """

    template_ids: pulumi.Output[dict[str, str]]
    """Drill (``database-failover``, ``cache-az-power``, ``ecs-stop-tasks``) -> experiment
    template id, for ``aws fis start-experiment --experiment-template-id``."""
    role_arns: pulumi.Output[dict[str, str]]
    """Drill -> the IAM role its experiments run with."""

    def __init__(self, name: str, args: DrillsArgs, opts: Optional[pulumi.ResourceOptions] = None):
        args = from_inputs(DrillsArgs, args)
        super().__init__("webstack:index:Drills", name, None, opts)
        self._name = name
        self._args = args
        self._child = pulumi.ResourceOptions(parent=self)
        invoke = pulumi.InvokeOptions(parent=self)
        self._account = aws.get_caller_identity_output(opts=invoke).account_id
        self._partition = aws.get_partition_output(opts=invoke).partition
        self._region = aws.get_region_output(opts=invoke).region
        self._prefix = args.name_prefix or f"{pulumi.get_project()}-{pulumi.get_stack()}"
        self._stop_conditions = pulumi.Output.from_input(args.stop_alarm_arns).apply(
            lambda arns: [{"source": "aws:cloudwatch:alarm", "value": arn} for arn in arns])

        built = {drill.key: self._template(drill, *self._plan(drill)) for drill in args.drills()}

        self.template_ids = pulumi.Output.all(**{key: template.id for key, (template, _) in built.items()})
        self.role_arns = pulumi.Output.all(**{key: role.arn for key, (_, role) in built.items()})
        self.register_outputs({"template_ids": self.template_ids, "role_arns": self.role_arns})

    # ------------------------------------------------------------------ building blocks

    def _plan(self, drill: Drill) -> tuple[dict[str, Any], list[dict[str, str]], pulumi.Output[str]]:
        """The drill's target, action parameters and role policy document."""
        args, arn = self._args, self._arn
        if drill is DRILLS["database"]:
            target = {"resource_arns": [args.database_instance_arn], "selection_mode": "ALL"}
            parameters = [{"key": "forceFailover", "value": "true" if args.database_multi_az else "false"}]
            policy = pulumi.Output.from_input(args.database_instance_arn).apply(lambda a: json.dumps(database_policy(a)))
        elif drill is DRILLS["cache"]:
            target = {"resource_tags": [{"key": "Name", "value": args.cache_replication_group_id}],
                      "parameters": {"availabilityZoneIdentifier": args.cache_availability_zone},
                      "selection_mode": "ALL"}
            parameters = [{"key": "duration", "value": iso_minutes(args.cache_outage_minutes)}]
            policy = arn("elasticache", "replicationgroup:", args.cache_replication_group_id).apply(
                lambda a: json.dumps(cache_policy(a)))
        else:
            target = {"parameters": {"cluster": args.ecs_cluster_name, "service": args.ecs_service_name},
                      "selection_mode": f"PERCENT({args.ecs_stop_percent})"}
            parameters = []
            policy = arn("ecs", "cluster/", args.ecs_cluster_name).apply(lambda a: json.dumps(ecs_policy(a)))
        return target, parameters, policy

    def _arn(self, service: str, kind: str, resource: pulumi.Input[str]) -> pulumi.Output[str]:
        return pulumi.Output.all(self._partition, self._region, self._account, resource).apply(
            lambda v: f"arn:{v[0]}:{service}:{v[1]}:{v[2]}:{kind}{v[3]}")

    def _template(self, drill: Drill, target: dict[str, Any], parameters: list[dict[str, str]],
                  policy: pulumi.Output[str]) -> tuple[aws.fis.ExperimentTemplate, aws.iam.Role]:
        args, resource = self._args, f"{self._name}-{drill.key}"
        role = aws.iam.Role(
            f"{resource}-role",
            description=f"FIS drill {drill.key} of {self._prefix}",
            assume_role_policy=pulumi.Output.all(self._account, self._partition, self._region).apply(
                lambda v: json.dumps(trust_policy(*v))),
            opts=self._child,
        )
        attached = aws.iam.RolePolicy(f"{resource}-role-policy", role=role.id, policy=policy, opts=self._child)
        objectives = objectives_text(args.rpo_minutes, args.rto_minutes)
        template = aws.fis.ExperimentTemplate(
            resource,
            description=f"Drill {drill.key}: {drill.claim}. {objectives}"[:512],
            # FIS checks the role's permissions when an experiment starts: the policy is part of the role.
            role_arn=granted(role, attached),
            stop_conditions=self._stop_conditions,
            targets=[{"name": TARGET, "resource_type": drill.resource_type, **target}],
            actions=[{"name": drill.key, "action_id": drill.action_id, "target": {"key": drill.target_key, "value": TARGET},
                      **({"parameters": parameters} if parameters else {})}],
            experiment_options={"account_targeting": "single-account", "empty_target_resolution_mode": "fail"},
            tags={"Name": f"{self._prefix}-{drill.key}", "Drill": drill.key,
                  **({"RecoveryPointObjective": f"{args.rpo_minutes} min"} if args.rpo_minutes else {}),
                  **({"RecoveryTimeObjective": f"{args.rto_minutes} min"} if args.rto_minutes else {})},
            opts=self._child,
        )
        return template, role

