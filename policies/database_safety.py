"""Databases that cannot be reached from the internet, deleted by accident or lost: RDS not
public, deletion protection with a final snapshot and Pulumi ``protect``, automated backups and
cache snapshots kept long enough. Part of the ``hardening`` rules, which re-exports these
names; advisory by default, mandatory (with the prod thresholds) in ``policies/config/prod.json``.
"""

from __future__ import annotations

from pulumi_policy import Severity

from pulumi_webstack_policies.base import ADVISORY, Subject, is_rds_replica, require_true, resource_policy
from pulumi_webstack_policies.settings import schema
from pulumi_webstack_policies.values import UNKNOWN, Evaluation, as_int, shown, truthy

RDS_INSTANCE = "aws:rds/instance:Instance"
RDS_CLUSTER = "aws:rds/cluster:Cluster"
CACHE_REPLICATION_GROUP = "aws:elasticache/replicationGroup:ReplicationGroup"


# ------------------------------------------------------------------------ private databases


def check_not_public(subject: Subject, cfg: dict, ev: Evaluation) -> None:
    value = ev.get(subject.props, "publiclyAccessible")
    if value is not UNKNOWN and truthy(value):
        ev.violation(f"{subject.label}: publiclyAccessible is True: set publicly_accessible=False and reach the "
                     "database from private subnets only")


rds_not_public = resource_policy(
    name="rds-not-public",
    description="Databases are never publicly accessible.",
    resource_types=[RDS_INSTANCE, RDS_CLUSTER],
    check=check_not_public,
    enforcement_level=ADVISORY,
    severity=Severity.CRITICAL,
    remediation="Set publicly_accessible=False and place the database in private subnets.",
    tags=["hardening", "network", "rds"],
)


# -------------------------------------------------------------- deletion protection, backups


def check_deletion_protection(subject: Subject, cfg: dict, ev: Evaluation) -> None:
    p, who = subject.props, subject.label
    require_true(subject, ev, "deletionProtection", "set deletion_protection=True")
    if not is_rds_replica(p):
        skip = ev.get(p, "skipFinalSnapshot")
        if skip is not UNKNOWN and truthy(skip):
            ev.violation(f"{who}: skipFinalSnapshot is True: set skip_final_snapshot=False and a "
                         "final_snapshot_identifier so deleting the database keeps a snapshot")
    if truthy(cfg.get("requirePulumiProtect")) and subject.opts is not None and not subject.opts.protect:
        ev.violation(f"{who}: the resource is not Pulumi-protected: register it with "
                     "ResourceOptions(protect=True) so `pulumi destroy`/replacement cannot delete it")


database_deletion_protection = resource_policy(
    name="database-deletion-protection",
    description="Databases have deletion protection, keep a final snapshot and are Pulumi-protected.",
    resource_types=[RDS_INSTANCE, RDS_CLUSTER],
    check=check_deletion_protection,
    enforcement_level=ADVISORY,
    severity=Severity.HIGH,
    remediation="Set deletion_protection=True, skip_final_snapshot=False with final_snapshot_identifier, and "
    "opts=ResourceOptions(protect=True).",
    config_schema=schema(
        requirePulumiProtect={
            "type": "boolean",
            "default": True,
            "description": "Also require the Pulumi `protect` resource option.",
        }
    ),
    tags=["hardening", "resilience", "rds"],
)


def check_backups(subject: Subject, cfg: dict, ev: Evaluation) -> None:
    p, who = subject.props, subject.label
    if subject.type == CACHE_REPLICATION_GROUP:
        minimum = as_int(cfg.get("minCacheSnapshotRetentionDays")) or 0
        value = ev.get(p, "snapshotRetentionLimit")
        if value is not UNKNOWN and (as_int(value) or 0) < minimum:
            ev.violation(f"{who}: snapshotRetentionLimit is {shown(value)}: keep at least {minimum} daily snapshots "
                         "(snapshot_retention_limit)")
        return
    if is_rds_replica(p):
        return  # replicas are restored from the primary's backups
    minimum = as_int(cfg.get("minRetentionDays")) or 0
    value = ev.get(p, "backupRetentionPeriod")
    if value is not UNKNOWN and (as_int(value) or 0) < minimum:
        ev.violation(f"{who}: backupRetentionPeriod is {shown(value)}: keep automated backups (and point-in-time "
                     f"recovery) for at least {minimum} days")


database_backups = resource_policy(
    name="database-backups",
    description="Databases keep automated backups (point-in-time recovery) and caches keep snapshots for the "
    "configured number of days.",
    resource_types=[RDS_INSTANCE, RDS_CLUSTER, CACHE_REPLICATION_GROUP],
    check=check_backups,
    enforcement_level=ADVISORY,
    severity=Severity.HIGH,
    remediation="Set backup_retention_period (RDS) and snapshot_retention_limit (ElastiCache) to at least the "
    "configured minimum.",
    config_schema=schema(
        minRetentionDays={
            "type": "integer",
            "minimum": 1,
            "default": 7,
            "description": "Minimum RDS backup retention in days (prod: 30).",
        },
        minCacheSnapshotRetentionDays={
            "type": "integer",
            "minimum": 0,
            "default": 1,
            "description": "Minimum ElastiCache snapshot retention in days (prod: 7).",
        },
    ),
    tags=["hardening", "resilience"],
)
