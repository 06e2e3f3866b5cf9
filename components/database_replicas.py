"""The instances of ``Database`` beyond the primary: read replicas in the stack's region and
in a disaster-recovery region, the reader endpoint over them, and the log groups every
instance (the primary too) exports to. Helpers registering into the component's tree
(``DatabaseScope.child`` carries the parent); the component decides what to build."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Optional

import pulumi
import pulumi_aws as aws

from pulumi_webstack.database_parameters import LOG_EXPORTS

if TYPE_CHECKING:
    from pulumi_webstack.database import DatabaseArgs


@dataclass(frozen=True)
class DatabaseScope:
    """What every piece of one ``Database`` shares."""

    name: str
    """The component's name, prefix of every resource name."""
    identifier: str
    """The primary's DB instance identifier, prefix of the replicas'."""
    args: DatabaseArgs
    """The component's validated settings."""
    child: pulumi.ResourceOptions
    """Options of an ordinary child (parent = the component)."""
    stateful: pulumi.ResourceOptions
    """Options of a child holding data (``protect`` and ``retain_on_delete`` with ``args.protect``)."""


def replica_zone(zones: list[str], index: int) -> str:
    """AZ of in-region replica ``index`` (0-based): round-robin starting after ``zones[0]``,
    the primary's AZ, so replicas land in other AZs than the primary first."""
    distinct = list(dict.fromkeys(zones))
    if not distinct:
        raise ValueError("no availability zones")
    return distinct[(index + 1) % len(distinct)]


def log_groups(scope: DatabaseScope, label: str, instance_id: str, key: aws.kms.Key,
               remote_region: Optional[str]) -> list[aws.cloudwatch.LogGroup]:
    """The log groups instance ``instance_id`` exports to, created before it (else RDS creates
    them without retention or encryption), encrypted with ``key`` of the instance's region."""
    return [
        aws.cloudwatch.LogGroup(
            f"{scope.name}-{label}-{log}-logs",
            name=f"/aws/rds/instance/{instance_id}/{log}",
            retention_in_days=scope.args.log_retention_days,
            kms_key_id=key.arn,
            region=remote_region,
            opts=scope.child,
        )
        for log in LOG_EXPORTS
    ]


def replica(scope: DatabaseScope, label: str, replica_id: str, primary: aws.rds.Instance, key: aws.kms.Key,
            remote_region: Optional[str], common: dict[str, Any],
            **placement: Any) -> aws.rds.Instance:
    """Read replica ``<name>-<label>`` of the primary, in its region or in ``remote_region``:
    its log groups first, then the instance, encrypted with ``key`` (a key of the replica's
    region), no standby, no final snapshot. ``placement`` places it (AZ or subnet group,
    parameter group, security group)."""
    logs = log_groups(scope, label, replica_id, key, remote_region)
    return aws.rds.Instance(
        f"{scope.name}-{label}",
        identifier=replica_id,
        region=remote_region,
        # Cross-region replicas name their source by ARN.
        replicate_source_db=primary.arn if remote_region else primary.identifier,
        kms_key_id=key.arn,
        multi_az=False,
        skip_final_snapshot=True,
        performance_insights_kms_key_id=key.arn,
        tags={"Name": replica_id, "Role": "cross-region-replica" if remote_region else "replica",
              "ReplicaOf": scope.identifier},
        **placement,
        **common,
        # Its log groups first (else RDS creates them unencrypted and kept forever); kept in the
        # zone it was created in (the primary's comment in pulumi_webstack.database).
        opts=pulumi.ResourceOptions.merge(scope.stateful, pulumi.ResourceOptions(
            depends_on=logs, delete_before_replace=True, ignore_changes=["availabilityZone"])),
    )


def cross_region_replica(scope: DatabaseScope, primary: aws.rds.Instance, key: aws.kms.Key,
                         family: str, parameters: list[dict[str, str]], common: dict[str, Any]) -> aws.rds.Instance:
    """A read replica in ``args.cross_region_replica``, with its own key, subnet group and parameters."""
    args, name, identifier = scope.args, scope.name, scope.identifier
    remote = args.cross_region_replica
    assert remote is not None
    replica_id = f"{identifier}-{remote}"
    subnet_group = aws.rds.SubnetGroup(
        f"{name}-subnets-{remote}", subnet_ids=args.cross_region_subnet_ids, region=remote,
        description=f"Private subnets of {replica_id}", opts=scope.child,
    )
    parameter_group = aws.rds.ParameterGroup(
        f"{name}-params-{remote}", family=family, parameters=parameters, region=remote,
        description=f"{replica_id}: same settings as {identifier}", opts=scope.child,
    )
    return replica(
        scope, f"replica-{remote}", replica_id, primary, key, remote, common,
        db_subnet_group_name=subnet_group.id,
        parameter_group_name=parameter_group.id,
        vpc_security_group_ids=[args.cross_region_security_group_id],
    )


def reader_endpoint(scope: DatabaseScope, replicas: list[aws.rds.Instance],
                    region: pulumi.Output[str]) -> tuple[pulumi.Output[str], pulumi.Output[str]]:
    """Private zone with one weighted CNAME per replica under ``reader.<zone>``: the reader
    name and the zone's id."""
    args, name, identifier, child = scope.args, scope.name, scope.identifier, scope.child
    zone_name = args.reader_zone_name or f"{identifier}.internal"
    zone = aws.route53.Zone(
        f"{name}-reader",
        name=zone_name,
        comment=f"Reader endpoint of {identifier} (private)",
        vpcs=[aws.route53.ZoneVpcArgs(vpc_id=args.vpc_id)],
        opts=child,
    )
    records = []
    for index, instance in enumerate(replicas):
        number = index + 1
        health_check_id = None
        if args.reader_max_lag_seconds is not None:
            health_check_id = _rotation_health_check(scope, number, instance, region).id
        records.append(
            aws.route53.Record(
                f"{name}-reader-{number}",
                zone_id=zone.zone_id,
                name=f"reader.{zone_name}",
                type="CNAME",
                ttl=5,
                records=[instance.address],
                set_identifier=f"replica-{number}",
                weighted_routing_policies=[aws.route53.RecordWeightedRoutingPolicyArgs(weight=1)],
                health_check_id=health_check_id,
                opts=child,
            )
        )
    return pulumi.Output.all(*[r.fqdn for r in records]).apply(lambda names: names[0]), zone.zone_id


def _rotation_health_check(scope: DatabaseScope, number: int, instance: aws.rds.Instance,
                           region: pulumi.Output[str]) -> aws.route53.HealthCheck:
    """Health check of replica ``number``'s reader record: unhealthy while its lag alarm fires."""
    args, name, identifier = scope.args, scope.name, scope.identifier
    alarm = aws.cloudwatch.MetricAlarm(
        f"{name}-replica-{number}-rotation",
        name=f"{identifier}-replica-{number}-reader-rotation",
        alarm_description=(
            f"Replica {number} of {identifier} lags more than {args.reader_max_lag_seconds}s or "
            "reports nothing: Route 53 takes it out of the reader endpoint"
        ),
        namespace="AWS/RDS",
        metric_name="ReplicaLag",
        dimensions={"DBInstanceIdentifier": instance.identifier},
        statistic="Maximum",
        period=60,
        evaluation_periods=2,
        datapoints_to_alarm=2,
        threshold=args.reader_max_lag_seconds,
        comparison_operator="GreaterThanThreshold",
        treat_missing_data="breaching",
        opts=scope.child,
    )
    return aws.route53.HealthCheck(
        f"{name}-replica-{number}-rotation",
        type="CLOUDWATCH_METRIC",
        cloudwatch_alarm_name=alarm.name,
        cloudwatch_alarm_region=region,
        insufficient_data_health_status="LastKnownStatus",
        tags={"Name": f"{identifier}-replica-{number}-reader-rotation"},
        opts=scope.child,
    )
