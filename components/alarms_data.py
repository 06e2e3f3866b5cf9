"""The data tier's alarms: the RDS primary, its read replicas (in-region and cross-region),
the ElastiCache nodes, and AWS Backup (a vault gone quiet, and the EventBridge events of
failed jobs, copies, restores and recovery points). Pure Python; see ``pulumi_webstack.alarms``
for what every spec shares and how missing data is treated."""

import math
from typing import Any, Optional, Sequence

from pulumi_webstack.alarms import GAUGE_GAP, GIB, AlarmSpec, EventSpec, Severity, Thresholds, gauge_warning

# ------------------------------------------------------------------ plain helpers


STORAGE_AUTOSCALING_FREE_PERCENT = 10
"""RDS storage autoscaling grows an instance's storage when free space has been at most 10 %
of the allocation for 5 minutes (and 6 hours have passed since the last change)."""

STORAGE_AUTOSCALING_EVENTS = ("RDS-EVENT-0223", "RDS-EVENT-0224")
"""RDS events of storage autoscaling that needs a person: 0223, it could not scale (the
maximum is reached, or another reason given in the message); 0224, a pending scale-up will
reach or exceed ``max_allocated_storage``."""


def free_storage_percent_expression(resource_id: Any) -> tuple[Any, ...]:
    """Metric math: free storage as a percentage of the instance's volume, from Performance
    Insights' operating-system counter ``os.fileSys.usedPercent`` (``DB_PERF_INSIGHTS`` takes
    the instance's ``DbiResourceId``). CloudWatch has no allocated-storage metric for an RDS
    instance, so a percentage of ``FreeStorageSpace`` would need the allocation fixed at
    deploy time, and storage autoscaling changes it."""
    return ("100 - DB_PERF_INSIGHTS('RDS', '", resource_id, "', 'os.fileSys.usedPercent.avg')")


def storage_autoscaling_event_pattern(instance_arn: str) -> dict[str, Any]:
    """EventBridge pattern of the storage-autoscaling events (``STORAGE_AUTOSCALING_EVENTS``)
    of one RDS instance."""
    return {
        "source": ["aws.rds"],
        "detail-type": ["RDS DB Instance Event"],
        "resources": [instance_arn],
        "detail": {"EventID": list(STORAGE_AUTOSCALING_EVENTS)},
    }

def connections_threshold(max_connections: int, percent: float) -> float:
    """DatabaseConnections above which ``percent`` of ``max_connections`` is in use."""
    return round(max_connections * percent / 100, 2)


def freeable_memory_threshold_bytes(memory_gib: float, used_percent: float) -> float:
    """FreeableMemory (bytes) below which more than ``used_percent`` of memory is in use."""
    return float(math.floor(memory_gib * GIB * (100 - used_percent) / 100))


def member_number(index: int) -> str:
    """ElastiCache's number of the ``index``-th member cluster (0-based): ``0`` -> ``"001"``."""
    return f"{index + 1:03d}"

# --------------------------------------------------------------------- database


def database_alarms(
    t: Thresholds,
    identifier: Any,
    *,
    max_connections: int,
    resource_id: Any,
    memory_gib: Optional[float] = None,
    replica_identifiers: Sequence[Any] = (),
) -> list[AlarmSpec]:
    """RDS PostgreSQL: CPU, free storage, connections, freeable memory; lag and CPU per replica.

    Free storage is a percentage of the volume (``free_storage_percent_expression`` over the
    primary's ``resource_id``), so it keeps its meaning when autoscaling grows the volume.

    Replicas are numbered from 1 in the order given, as ``Database`` names them
    (``<identifier>-replica-1`` is ``db-replica-1-lag``): on-call reads the alarm name and
    finds the instance of the same number.
    """
    primary = {"DBInstanceIdentifier": identifier}
    specs = [
        gauge_warning(
            key="db-cpu", title="Database CPU",
            namespace="AWS/RDS", metric_name="CPUUtilization", dimensions=primary,
            statistic="Average", comparison="GreaterThanThreshold", threshold=t.db_cpu_percent, unit="%",
            description=(
                f"Primary database CPU above {t.db_cpu_percent:g}% for 15 minutes. Check Performance "
                "Insights for the top SQL, look for a missing index or a runaway job, move reads to the "
                "replicas or scale the instance class."
            ),
        ),
        AlarmSpec(
            key="db-free-storage", title="Database free storage", severity=Severity.CRITICAL,
            namespace="RDS Performance Insights", metric_name="os.fileSys.usedPercent", dimensions=primary,
            queries=({"id": "free", "expression": free_storage_percent_expression(resource_id),
                      "label": "Free storage (%)", "period": 300, "return_data": True},),
            comparison="LessThanThreshold",
            threshold=float(t.db_free_storage_percent), unit="% free",
            period=300, evaluation_periods=2, datapoints_to_alarm=2,
            treat_missing_data="missing", missing_data_reason=GAUGE_GAP,
            description=(
                f"Primary database has less than {t.db_free_storage_percent:g}% of its allocated storage free for "
                "10 minutes; a full disk stops writes. Storage autoscaling acts at 10 % free, so it has not kept "
                "up or has reached maxAllocatedStorageGb (see the storage-autoscaling event). Raise "
                "maxAllocatedStorageGb, and look for bloat, WAL or log growth."
            ),
        ),
        AlarmSpec(
            key="db-connections", title="Database connections", severity=Severity.WARNING,
            namespace="AWS/RDS", metric_name="DatabaseConnections", dimensions=primary,
            statistic="Maximum", comparison="GreaterThanThreshold",
            threshold=connections_threshold(max_connections, t.db_connections_percent), unit="connections",
            period=300, evaluation_periods=2, datapoints_to_alarm=2,
            treat_missing_data="missing", missing_data_reason=GAUGE_GAP,
            description=(
                f"Connections above {t.db_connections_percent:g}% of max_connections ({max_connections}). New "
                "connections will soon be refused. Check the app pool size per instance, connection leaks, "
                "and that traffic goes through the proxy."
            ),
        ),
    ]
    if memory_gib:
        specs.append(_freeable_memory(t, primary, memory_gib))
    for number, replica in enumerate(replica_identifiers, start=1):
        specs += _replica_alarms(t, number, replica)
    return specs


def _freeable_memory(t: Thresholds, primary: dict[str, Any], memory_gib: float) -> AlarmSpec:
    """FreeableMemory of the primary below what ``memory_percent`` of its memory leaves."""
    return gauge_warning(
        key="db-freeable-memory", title="Database memory",
        namespace="AWS/RDS", metric_name="FreeableMemory", dimensions=primary,
        statistic="Average", comparison="LessThanThreshold",
        threshold=freeable_memory_threshold_bytes(memory_gib, t.memory_percent), unit="bytes",
        description=(
            f"More than {t.memory_percent:g}% of the primary's {memory_gib:g} GiB memory in use for 15 minutes; "
            "the database will start swapping. Check work_mem-heavy queries and connection count, "
            "or scale the instance class."
        ),
    )


def _replica_alarms(t: Thresholds, number: int, replica: Any) -> list[AlarmSpec]:
    """Lag and CPU of in-region read replica ``number`` (reads are sent to it)."""
    lag = _replica_lag(
        t, f"db-replica-{number}-lag", f"Replica {number} lag", replica,
        missing_data_reason=("a replica that stops reporting lag is not replicating (or is down): reads "
                             "sent to it are stale or fail, which is what this alarm is for"),
        description=(
            f"Read replica {number} is more than {t.db_replica_lag_seconds:g} s behind the primary for 5 minutes; "
            "reads from it are stale. Check write bursts and long transactions on the primary, replica CPU "
            "and I/O, and replication slots; take it out of the reader pool if it keeps lagging."
        ),
    )
    cpu = gauge_warning(
        key=f"db-replica-{number}-cpu", title=f"Replica {number} CPU",
        namespace="AWS/RDS", metric_name="CPUUtilization", dimensions={"DBInstanceIdentifier": replica},
        statistic="Average", comparison="GreaterThanThreshold", threshold=t.db_cpu_percent, unit="%",
        description=(
            f"Read replica {number} CPU above {t.db_cpu_percent:g}% for 15 minutes. Check the read queries "
            "hitting it (Performance Insights), spread reads over more replicas or scale the class."
        ),
    )
    return [lag, cpu]


def _replica_lag(t: Thresholds, key: str, title: str, identifier: Any, *, missing_data_reason: str,
                 description: str, region: Optional[str] = None) -> AlarmSpec:
    """``ReplicaLag`` of one RDS read replica, in-region or cross-region: the same metric,
    threshold and windows (5 one-minute periods), and a silent replica counts as lagging."""
    return AlarmSpec(
        key=key, title=title, severity=Severity.WARNING,
        namespace="AWS/RDS", metric_name="ReplicaLag", dimensions={"DBInstanceIdentifier": identifier},
        statistic="Maximum", comparison="GreaterThanThreshold", threshold=t.db_replica_lag_seconds, unit="s",
        period=60, evaluation_periods=5, datapoints_to_alarm=5, region=region,
        treat_missing_data="breaching", missing_data_reason=missing_data_reason, description=description,
    )


def cross_region_replica_alarms(t: Thresholds, identifier: Any, region: str) -> list[AlarmSpec]:
    """The disaster-recovery replica in ``region``: its lag, created in that region.

    ``ReplicaLag`` of a cross-region replica is the data a failover to that region would lose
    (the recovery point). It warns at the in-region replicas' ``db_replica_lag_seconds``:
    DESIGN.md's RPO (6 h) is far looser, but a replica steadily that far behind is already
    unhealthy, and a warning now leaves hours to act before the RPO is at risk. There is no
    CPU alarm: in-region replicas get one because reads are sent to them, while the DR
    replica serves no reads (it is not in the reader endpoint), so its only work is replaying
    the primary's changes, and when that saturates it shows as lag.
    """
    return [_replica_lag(
        t, f"db-replica-{region}-lag", f"Cross-region replica ({region}) lag", identifier, region=region,
        missing_data_reason=("a cross-region replica that stops reporting lag is not replicating (or is down): "
                             "the recovery point in that region stops advancing, which is what this alarm is for"),
        description=(
            f"The disaster-recovery replica in {region} is more than {t.db_replica_lag_seconds:g} s behind the "
            "primary for 5 minutes: a failover to that region now would lose those writes (recovery point "
            "objective). Check write bursts and long transactions on the primary, the replica's CPU and I/O, "
            "and its replication state in the RDS console; recreate the replica if replication has stopped."
        ),
    )]


def cache_alarms(t: Thresholds, members: Sequence[Any]) -> list[AlarmSpec]:
    """ElastiCache Redis/Valkey, per node: engine CPU, memory, evictions, replication lag.

    ElastiCache publishes node metrics per cache cluster (``CacheClusterId``); a replication
    group without cluster mode has one member cluster per node, primary included. Which
    member is primary changes on failover, so every member gets every alarm. Members are
    numbered as ElastiCache names them (``<group>-001`` is ``cache-001-memory``); the list
    is in that order (``Cache.member_clusters`` sorts it).
    """
    specs: list[AlarmSpec] = []
    replicated = len(members) > 1
    for index, member in enumerate(members):
        node = member_number(index)
        dims = {"CacheClusterId": member}
        specs.append(gauge_warning(
            key=f"cache-{node}-engine-cpu", title=f"Cache node {node} engine CPU",
            namespace="AWS/ElastiCache", metric_name="EngineCPUUtilization", dimensions=dims,
            statistic="Average", comparison="GreaterThanThreshold", threshold=t.cache_cpu_percent, unit="%",
            description=(
                f"Redis engine thread of cache node {node} above {t.cache_cpu_percent:g}% for 15 minutes (Redis "
                "executes commands on one thread). Look for O(N) commands (KEYS, large SMEMBERS/HGETALL) in "
                "the slow log and hot keys; scale to a larger node type."
            ),
        ))
        specs.append(gauge_warning(
            key=f"cache-{node}-memory", title=f"Cache node {node} memory",
            namespace="AWS/ElastiCache", metric_name="DatabaseMemoryUsagePercentage", dimensions=dims,
            statistic="Average", comparison="GreaterThanThreshold", threshold=t.memory_percent, unit="%",
            description=(
                f"Cache node {node} uses more than {t.memory_percent:g}% of its maxmemory; evictions follow. "
                "Check keys without TTL and large values; scale the node type."
            ),
        ))
        specs.append(AlarmSpec(
            key=f"cache-{node}-evictions", title=f"Cache node {node} evictions", severity=Severity.INFO,
            namespace="AWS/ElastiCache", metric_name="Evictions", dimensions=dims,
            statistic="Sum", comparison="GreaterThanThreshold", threshold=float(t.cache_evictions), unit="keys/5 min",
            period=300, evaluation_periods=1, datapoints_to_alarm=1,
            treat_missing_data="notBreaching",
            missing_data_reason="a count: no datapoint means nothing was evicted",
            description=(
                f"Cache node {node} evicted more than {t.cache_evictions} keys in 5 minutes: the working set no "
                "longer fits. Fine for a pure cache in short bursts; if it persists, add TTLs or a larger node."
            ),
        ))
        if replicated:
            specs.append(AlarmSpec(
                key=f"cache-{node}-replication-lag", title=f"Cache node {node} replication lag",
                severity=Severity.WARNING,
                namespace="AWS/ElastiCache", metric_name="ReplicationLag", dimensions=dims,
                statistic="Maximum", comparison="GreaterThanThreshold",
                threshold=t.cache_replication_lag_seconds, unit="s",
                period=60, evaluation_periods=5, datapoints_to_alarm=5,
                treat_missing_data="notBreaching",
                missing_data_reason=("only replicas publish ReplicationLag and the primary role moves on "
                                     "failover: the member that is primary reports nothing and is healthy"),
                description=(
                    f"Cache node {node} (a replica) is more than {t.cache_replication_lag_seconds:g} s behind the "
                    "primary for 5 minutes; a failover now would lose those writes. Check write volume and "
                    "network throughput of the primary."
                ),
            ))
    return specs

# ---------------------------------------------------------------------- backups


def backup_alarms(t: Thresholds, vault_name: Any) -> list[AlarmSpec]:
    """AWS Backup: no completed job in the vault for ``backup_stale_hours`` (RPO guard).

    Failed jobs are reported by EventBridge (``backup_events``, critical) as they
    happen; this alarm catches the silent case, a plan that stops producing recovery points
    at all. It warns rather than pages: with missing data treated as breaching it also fires
    on a brand-new stack until the first scheduled backup completes, and continuous backup
    keeps the database recoverable meanwhile.
    """
    period = 6 * 3600
    periods = max(1, math.ceil(t.backup_stale_hours / 6))
    return [AlarmSpec(
        key="backup-stale", title="No recent backup", severity=Severity.WARNING,
        namespace="AWS/Backup", metric_name="NumberOfBackupJobsCompleted", dimensions={"BackupVaultName": vault_name},
        statistic="Sum", comparison="LessThanThreshold", threshold=1.0, unit="jobs",
        period=period, evaluation_periods=periods, datapoints_to_alarm=periods,
        treat_missing_data="breaching",
        missing_data_reason="AWS Backup publishes nothing when no job completes, which is exactly the failure",
        description=(
            f"No backup job completed in the vault for {periods * 6} hours: the recovery point objective (6 h) "
            "is at risk. Check the backup plan and selection still cover the database, the backup role, and "
            "recent failed jobs in the AWS Backup console; start an on-demand backup. (A new stack shows "
            "this until its first scheduled backup completes.)"
        ),
    )]

def backup_events(vault_name: str) -> list[EventSpec]:
    """AWS Backup events of ``vault_name``, by EventBridge (AWS Backup's own vault
    notifications publish to SNS with a topic policy AWS Backup cannot scope to an account,
    and their BACKUP_JOB_FAILED event is deprecated and never sent).

    A backup job that ends FAILED, ABORTED or EXPIRED is critical (no recovery point was
    made); a failed cross-region copy is a warning (the local recovery point exists), and so is
    a failed restore (the weekly restore test's, or anyone's: the recovery time objective is
    unproven until one succeeds); a completed restore and a recovery point being deleted,
    expiring or left partial are info.
    """
    vault_arn = {"suffix": f":backup-vault:{vault_name}"}
    return [
        EventSpec(
            "backup-failed", Severity.CRITICAL, "AWS Backup job failed",
            {"source": ["aws.backup"], "detail-type": ["Backup Job State Change"],
             "detail": {"state": ["FAILED", "ABORTED", "EXPIRED"], "backupVaultName": [vault_name]}},
            {"job": "$.detail.backupJobId", "resource": "$.detail.resourceArn", "vault": "$.detail.backupVaultName",
             "state": "$.detail.state", "reason": "$.detail.statusMessage"},
            "AWS Backup job <job> for <resource> in vault <vault> ended <state>: <reason>. No recovery point "
            "was created. Check the job in the AWS Backup console, fix the cause (backup role, KMS key, "
            "resource state) and start an on-demand backup.",
            page=(f"An AWS Backup job of vault {vault_name} ended FAILED, ABORTED or EXPIRED: no recovery point was "
                  f"created. Find it: aws backup list-backup-jobs --by-backup-vault-name {vault_name} --by-state "
                  "FAILED (then ABORTED, EXPIRED); fix the cause its statusMessage gives (backup role, KMS key, "
                  "resource state) and start an on-demand backup."),
        ),
        EventSpec(
            "copy-failed", Severity.WARNING, "AWS Backup copy failed",
            {"source": ["aws.backup"], "detail-type": ["Copy Job State Change"],
             "detail": {"state": ["FAILED"], "sourceBackupVaultArn": [vault_arn]}},
            {"job": "$.detail.copyJobId", "destination": "$.detail.destinationBackupVaultArn",
             "state": "$.detail.state", "reason": "$.detail.statusMessage"},
            "AWS Backup copy job <job> to <destination> ended <state>: <reason>. The local recovery point "
            "exists; the cross-region copy does not. Check the copy vault's KMS key and lock settings.",
        ),
        EventSpec(
            "restore-failed", Severity.WARNING, "AWS Backup restore failed",
            {"source": ["aws.backup"], "detail-type": ["Restore Job State Change"],
             "detail": {"status": ["FAILED", "ABORTED"], "backupVaultArn": [vault_arn]}},
            {"job": "$.detail.restoreJobId", "point": "$.detail.recoveryPointArn", "status": "$.detail.status",
             "reason": "$.detail.statusMessage"},
            "Restore job <job> from <point> ended <status>: <reason>. Until a restore succeeds, the recovery time "
            "objective is unproven. The weekly restore test restores into the database's subnet group and security "
            "group: check the backup role's restore permissions, the KMS key policy and the subnet group.",
        ),
        EventSpec(
            "restore-completed", Severity.INFO, "AWS Backup restore completed",
            {"source": ["aws.backup"], "detail-type": ["Restore Job State Change"],
             "detail": {"status": ["COMPLETED"], "backupVaultArn": [vault_arn]}},
            {"job": "$.detail.restoreJobId", "point": "$.detail.recoveryPointArn",
             "created": "$.detail.createdResourceArn"},
            "Restore job <job> from <point> completed: <created>. The weekly restore test (Sundays 05:00 UTC) "
            "restores, then deletes what it made; at any other time, if nobody on the team expected it, find who "
            "started it in CloudTrail (StartRestoreJob).",
        ),
        EventSpec(
            "recovery-point-changed", Severity.INFO, "AWS Backup recovery point changed",
            {"source": ["aws.backup"], "detail-type": ["Recovery Point State Change"],
             "detail": {"status": ["DELETING", "EXPIRED", "PARTIAL", "STOPPED"], "backupVaultName": [vault_name]}},
            {"point": "$.detail.recoveryPointArn", "status": "$.detail.status", "resource": "$.detail.resourceArn"},
            "Recovery point <point> of <resource> is now <status>. Expected at the end of its retention; at any "
            "other time check who changed it (CloudTrail) and the vault's lock.",
        ),
    ]
