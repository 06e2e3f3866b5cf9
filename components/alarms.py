"""The alarm catalogue: which CloudWatch alarms the stack gets, with what thresholds,
routed to which severity, and what to do when one fires.

Pure Python, no Pulumi runtime: ``pulumi_webstack.alerting.Alerting`` turns these specs into
``aws.cloudwatch.MetricAlarm`` resources, and the tests read the table directly. Dimension
values are whatever the caller passes (plain strings in tests, ``pulumi.Output`` values in
the component); nothing here inspects them.

Every spec states its ``treat_missing_data`` and why (``missing_data_reason``), because the
wrong choice either pages at 3 a.m. for nothing or stays silent while the service is down:

- ``breaching``: silence is itself the failure (a health check that stops reporting, a
  backup vault that completes no jobs, a replica that stops reporting lag).
- ``notBreaching``: the metric only exists when something happens (error rates and counts
  with no traffic, evictions, replication lag on the current primary).
- ``missing``: resource gauges (CPU, memory, storage, connections) where a gap means the
  instance is rebooting or being replaced; the alarm keeps its state instead of guessing.

Thresholds come from ``Thresholds`` (``AlertingArgs.thresholds``); its defaults are the
production values of the design's alert table.
"""


import enum
import math
from dataclasses import dataclass
from typing import Any, Optional, Sequence

from pulumi_webstack.args import check_fields, setting

GIB = 1024**3
"""Bytes per GiB (RDS storage and instance memory are GiB)."""


class Severity(str, enum.Enum):
    """Alert severities; each has its own SNS topic."""

    CRITICAL = "critical"
    """Pages someone now (pager webhook)."""
    WARNING = "warning"
    """Needs attention today (chat webhook)."""
    INFO = "info"
    """Worth knowing (email)."""


SEVERITIES = (Severity.CRITICAL, Severity.WARNING, Severity.INFO)

TREAT_MISSING_DATA = ("breaching", "notBreaching", "ignore", "missing")
OPERATORS = {
    "GreaterThanThreshold": ">",
    "GreaterThanOrEqualToThreshold": ">=",
    "LessThanThreshold": "<",
    "LessThanOrEqualToThreshold": "<=",
}
"""CloudWatch comparison operators a spec may use, and how the table writes them."""


@dataclass(frozen=True)
class Thresholds:
    """Alarm thresholds. The defaults are the production values of the design's alert table."""

    service_down_minutes: Optional[int] = setting(2, ge=1, le=60)
    """Consecutive minutes the health check must fail before paging."""
    error_rate_percent: Optional[float] = setting(5, gt=0, lt=100)
    """CloudFront 5xx error rate (percent of requests) that pages."""
    latency_p95_seconds: Optional[float] = setting(3, gt=0, le=60)
    """CloudFront origin latency p95 that warns."""
    db_cpu_percent: Optional[float] = setting(80, gt=0, lt=100)
    """Database CPU that warns."""
    db_connections_percent: Optional[float] = setting(90, gt=0, lt=100)
    """Connections as a share of ``max_connections`` that warns."""
    db_free_storage_percent: Optional[float] = setting(5, gt=0, lt=100)
    """Free storage below this share of the allocated storage pages. Below RDS storage
    autoscaling's trigger (10 % free) when autoscaling is on, so a normal autoscale never
    pages: it means autoscaling did not keep up or reached its maximum."""
    db_replica_lag_seconds: Optional[float] = setting(30, gt=0, le=3600)
    """Read-replica lag that warns."""
    memory_percent: Optional[float] = setting(85, gt=0, lt=100)
    """Memory in use (database, cache) that warns."""
    cache_cpu_percent: Optional[float] = setting(75, gt=0, lt=100)
    """Redis engine CPU that warns."""
    certificate_expiry_days: Optional[int] = setting(7, ge=1, le=90)
    """Days to certificate expiry below which it warns."""
    cache_evictions: Optional[int] = setting(100, ge=0, le=10_000_000)
    """Keys evicted per 5 minutes above which it informs (the cache is too small)."""
    cache_replication_lag_seconds: Optional[float] = setting(30, gt=0, le=3600)
    """Redis replica lag that warns."""
    app_cpu_percent: Optional[float] = setting(85, gt=0, lt=100)
    """Average CPU of the app's ECS service that warns (autoscaling targets less: this is the
    service at its ceiling)."""
    pod_restarts: Optional[int] = setting(3, ge=1, le=1000)
    """Restarts of one pod of the app Deployment above which it warns (Kubernetes)."""
    backup_stale_hours: Optional[int] = setting(30, ge=6, le=168)
    """Hours without a completed backup job in the vault before it warns (RPO guard)."""

    def __post_init__(self) -> None:
        check_fields(self)


@dataclass(frozen=True)
class AlarmSpec:
    """One CloudWatch metric alarm, before it becomes a resource."""

    key: str
    """Stable id; the alarm and resource names derive from it (never from list order)."""
    title: str
    """Short human name for tables and the dashboard."""
    severity: Severity
    """Topic the alarm and its OK notification go to."""
    namespace: str
    metric_name: str
    dimensions: dict[str, Any]
    comparison: str
    threshold: float
    period: int
    """Seconds per datapoint."""
    evaluation_periods: int
    datapoints_to_alarm: int
    treat_missing_data: str
    missing_data_reason: str
    """Why ``treat_missing_data`` is what it is."""
    description: str
    """What it means and what to do first (goes into the alarm description)."""
    statistic: Optional[str] = None
    extended_statistic: Optional[str] = None
    """Percentile statistic such as ``p95`` (instead of ``statistic``)."""
    edge: bool = False
    """The metric lives in the edge region, us-east-1 (CloudFront, Route 53 health checks, ACM
    for CloudFront); ``AlertingArgs.catalogue`` sets ``region`` to its ``edge_region``."""
    region: Optional[str] = None
    """Region of the metric, where the alarm is created and whose topics it notifies
    (CloudWatch alarms watch and notify only in their own region); None: the stack's."""
    unit: Optional[str] = None
    """Unit of ``threshold`` for the table (CloudWatch itself is not told)."""
    queries: tuple[dict[str, Any], ...] = ()
    """Metric math instead of one metric: CloudWatch ``metric_queries`` (provider shape), one
    of them returning the data. ``namespace`` and ``metric_name`` then name the metric the
    expression is about (for tables); ``period`` is the queries' period. An ``expression``
    given as a tuple is joined in order by the component (its parts may be the caller's
    dimension values, such as an Output), so this module stays free of the Pulumi runtime."""

    def __post_init__(self) -> None:
        if self.queries:
            if self.statistic is not None or self.extended_statistic is not None:
                raise ValueError(f"alarm {self.key}: metric math takes its statistics from the queries")
        elif (self.statistic is None) == (self.extended_statistic is None):
            raise ValueError(f"alarm {self.key}: give exactly one of statistic, extended_statistic")
        if self.treat_missing_data not in TREAT_MISSING_DATA:
            raise ValueError(f"alarm {self.key}: treat_missing_data {self.treat_missing_data!r}")
        if self.comparison not in OPERATORS:
            raise ValueError(f"alarm {self.key}: comparison {self.comparison!r}")
        if not 1 <= self.datapoints_to_alarm <= self.evaluation_periods:
            raise ValueError(f"alarm {self.key}: datapoints_to_alarm must be 1..evaluation_periods")
        if self.period % 60 and self.period not in (10, 20, 30):
            raise ValueError(f"alarm {self.key}: period {self.period} must be 10, 20, 30 or a multiple of 60")
        # CloudWatch evaluates at most one day of datapoints for periods under an hour
        # and at most seven days otherwise.
        limit = 86_400 if self.period < 3_600 else 7 * 86_400
        if self.period * self.evaluation_periods > limit:
            raise ValueError(f"alarm {self.key}: evaluation range exceeds {limit} s")
        if len(self.description) > 1024:
            raise ValueError(f"alarm {self.key}: description longer than CloudWatch's 1024 characters")

    @property
    def statistic_label(self) -> str:
        return self.extended_statistic or self.statistic or ("metric math" if self.queries else "")

    @property
    def operator(self) -> str:
        return OPERATORS[self.comparison]


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


def alarm_name(prefix: str, key: str) -> str:
    """Physical alarm name ``<prefix>-<key>`` (CloudWatch allows 255 characters)."""
    name = f"{prefix}-{key}"
    if len(name) > 255:
        raise ValueError(f"alarm name {name!r} is longer than 255 characters")
    return name


# ------------------------------------------------------------------- the catalogue

_GAUGE_GAP = ("a gap means the instance is rebooting, failing over or being replaced: keep the "
              "previous state instead of guessing (those events have their own signals)")


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
        AlarmSpec(
            key="db-cpu", title="Database CPU", severity=Severity.WARNING,
            namespace="AWS/RDS", metric_name="CPUUtilization", dimensions=primary,
            statistic="Average", comparison="GreaterThanThreshold", threshold=t.db_cpu_percent, unit="%",
            period=300, evaluation_periods=3, datapoints_to_alarm=3,
            treat_missing_data="missing", missing_data_reason=_GAUGE_GAP,
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
            treat_missing_data="missing", missing_data_reason=_GAUGE_GAP,
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
            treat_missing_data="missing", missing_data_reason=_GAUGE_GAP,
            description=(
                f"Connections above {t.db_connections_percent:g}% of max_connections ({max_connections}). New "
                "connections will soon be refused. Check the app pool size per instance, connection leaks, "
                "and that traffic goes through the proxy."
            ),
        ),
    ]
    if memory_gib:
        specs.append(AlarmSpec(
            key="db-freeable-memory", title="Database memory", severity=Severity.WARNING,
            namespace="AWS/RDS", metric_name="FreeableMemory", dimensions=primary,
            statistic="Average", comparison="LessThanThreshold",
            threshold=freeable_memory_threshold_bytes(memory_gib, t.memory_percent), unit="bytes",
            period=300, evaluation_periods=3, datapoints_to_alarm=3,
            treat_missing_data="missing", missing_data_reason=_GAUGE_GAP,
            description=(
                f"More than {t.memory_percent:g}% of the primary's {memory_gib:g} GiB memory in use for 15 minutes; "
                "the database will start swapping. Check work_mem-heavy queries and connection count, "
                "or scale the instance class."
            ),
        ))
    for number, replica in enumerate(replica_identifiers, start=1):
        dims = {"DBInstanceIdentifier": replica}
        specs.append(_replica_lag(
            t, f"db-replica-{number}-lag", f"Replica {number} lag", replica,
            missing_data_reason=("a replica that stops reporting lag is not replicating (or is down): reads "
                                 "sent to it are stale or fail, which is what this alarm is for"),
            description=(
                f"Read replica {number} is more than {t.db_replica_lag_seconds:g} s behind the primary for 5 minutes; "
                "reads from it are stale. Check write bursts and long transactions on the primary, replica CPU "
                "and I/O, and replication slots; take it out of the reader pool if it keeps lagging."
            ),
        ))
        specs.append(AlarmSpec(
            key=f"db-replica-{number}-cpu", title=f"Replica {number} CPU", severity=Severity.WARNING,
            namespace="AWS/RDS", metric_name="CPUUtilization", dimensions=dims,
            statistic="Average", comparison="GreaterThanThreshold", threshold=t.db_cpu_percent, unit="%",
            period=300, evaluation_periods=3, datapoints_to_alarm=3,
            treat_missing_data="missing", missing_data_reason=_GAUGE_GAP,
            description=(
                f"Read replica {number} CPU above {t.db_cpu_percent:g}% for 15 minutes. Check the read queries "
                "hitting it (Performance Insights), spread reads over more replicas or scale the class."
            ),
        ))
    return specs


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
        specs.append(AlarmSpec(
            key=f"cache-{node}-engine-cpu", title=f"Cache node {node} engine CPU", severity=Severity.WARNING,
            namespace="AWS/ElastiCache", metric_name="EngineCPUUtilization", dimensions=dims,
            statistic="Average", comparison="GreaterThanThreshold", threshold=t.cache_cpu_percent, unit="%",
            period=300, evaluation_periods=3, datapoints_to_alarm=3,
            treat_missing_data="missing", missing_data_reason=_GAUGE_GAP,
            description=(
                f"Redis engine thread of cache node {node} above {t.cache_cpu_percent:g}% for 15 minutes (Redis "
                "executes commands on one thread). Look for O(N) commands (KEYS, large SMEMBERS/HGETALL) in "
                "the slow log and hot keys; scale to a larger node type."
            ),
        ))
        specs.append(AlarmSpec(
            key=f"cache-{node}-memory", title=f"Cache node {node} memory", severity=Severity.WARNING,
            namespace="AWS/ElastiCache", metric_name="DatabaseMemoryUsagePercentage", dimensions=dims,
            statistic="Average", comparison="GreaterThanThreshold", threshold=t.memory_percent, unit="%",
            period=300, evaluation_periods=3, datapoints_to_alarm=3,
            treat_missing_data="missing", missing_data_reason=_GAUGE_GAP,
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


def cdn_alarms(t: Thresholds, distribution_id: Any, *, additional_metrics: bool = True) -> list[AlarmSpec]:
    """CloudFront (us-east-1, ``Region=Global``): 5xx error rate; origin latency p95.

    ``5xxErrorRate`` is a default distribution metric; ``OriginLatency`` exists only with
    the additional metrics subscription (``MonitoringSubscription``), so without it that
    alarm is left out rather than sitting in INSUFFICIENT_DATA forever.
    """
    dims = {"DistributionId": distribution_id, "Region": "Global"}
    specs = [
        AlarmSpec(
            key="cdn-5xx-rate", title="CDN 5xx error rate", severity=Severity.CRITICAL,
            namespace="AWS/CloudFront", metric_name="5xxErrorRate", dimensions=dims,
            statistic="Average", comparison="GreaterThanThreshold", threshold=t.error_rate_percent, unit="%",
            period=60, evaluation_periods=5, datapoints_to_alarm=3, edge=True,
            treat_missing_data="notBreaching",
            missing_data_reason="CloudFront publishes no error rate without requests: no traffic, no errors",
            description=(
                f"More than {t.error_rate_percent:g}% of requests answered 5xx in 3 of the last 5 minutes. Users "
                "see errors. Check the service-down alarm and the origin (app tier deploys, database and cache "
                "alarms); roll back the latest release if it coincides."
            ),
        ),
    ]
    if additional_metrics:
        specs.append(AlarmSpec(
            key="cdn-origin-latency-p95", title="Origin latency p95", severity=Severity.WARNING,
            namespace="AWS/CloudFront", metric_name="OriginLatency", dimensions=dims,
            extended_statistic="p95", comparison="GreaterThanThreshold",
            threshold=t.latency_p95_seconds * 1000, unit="ms",
            period=300, evaluation_periods=3, datapoints_to_alarm=3, edge=True,
            treat_missing_data="notBreaching",
            missing_data_reason="no requests reach the origin (all cached or no traffic): nothing is slow",
            description=(
                f"95th percentile origin response time above {t.latency_p95_seconds:g} s for 15 minutes. Check "
                "database CPU/connections and cache alarms, slow endpoints in the app logs, and app-tier "
                "saturation (instances at max)."
            ),
        ))
    return specs


def certificate_alarms(t: Thresholds, certificate_arn: Any) -> list[AlarmSpec]:
    """ACM ``DaysToExpiry`` of the CDN certificate (us-east-1)."""
    return [AlarmSpec(
        key="certificate-expiry", title="Certificate expiry", severity=Severity.WARNING,
        namespace="AWS/CertificateManager", metric_name="DaysToExpiry", dimensions={"CertificateArn": certificate_arn},
        statistic="Minimum", comparison="LessThanThreshold", threshold=float(t.certificate_expiry_days), unit="days",
        period=86_400, evaluation_periods=1, datapoints_to_alarm=1, edge=True,
        treat_missing_data="missing",
        missing_data_reason=("ACM publishes once a day; a gap (such as a certificate issued an hour ago) says "
                             "nothing about expiry, so the alarm keeps its state"),
        description=(
            f"The CDN certificate expires in less than {t.certificate_expiry_days} days and ACM has not renewed "
            "it. Check the DNS validation CNAME records still exist and the certificate is in use; renewal "
            "needs both."
        ),
    )]


def health_alarms(t: Thresholds, health_check_id: Any) -> list[AlarmSpec]:
    """Route 53 health check on the public health URL (metrics only in us-east-1)."""
    minutes = t.service_down_minutes
    return [AlarmSpec(
        key="service-down", title="Service down", severity=Severity.CRITICAL,
        namespace="AWS/Route53", metric_name="HealthCheckStatus", dimensions={"HealthCheckId": health_check_id},
        statistic="Minimum", comparison="LessThanThreshold", threshold=1.0, unit="(1 = healthy)",
        period=60, evaluation_periods=minutes, datapoints_to_alarm=minutes, edge=True,
        treat_missing_data="breaching",
        missing_data_reason=("the health checkers report every minute; silence means the check itself is "
                             "broken or gone, and an unwatched service must be treated as down"),
        description=(
            f"The public health URL has failed Route 53 checks for {minutes} minutes: users cannot use the "
            "service. Open the health URL, check the CDN 5xx alarm, the app tier (deploy status, pods/"
            "functions) and the database and cache alarms; roll back the latest release if it coincides."
        ),
    )]


def kubernetes_alarms(
    t: Thresholds, cluster: str, namespace: Any, deployment: Any, max_replicas: int
) -> list[AlarmSpec]:
    """App on Kubernetes, from CloudWatch Container Insights (EKS, enhanced observability).

    Container Insights must be installed on the cluster (the CloudWatch Observability add-on);
    without it these metrics do not exist and the alarms stay OK (``notBreaching``), which
    is why the service-down and CDN alarms remain the primary signal. Container Insights
    names a workload's pods by the workload (``PodName`` = Deployment name). It publishes no
    HorizontalPodAutoscaler metric, so "HPA at max" is measured as running pods in the app's
    namespace reaching the HPA's ``maxReplicas``.
    """
    pod = {"ClusterName": cluster, "Namespace": namespace, "PodName": deployment}
    return [
        AlarmSpec(
            key="app-pod-restarts", title="App pod restarts", severity=Severity.WARNING,
            namespace="ContainerInsights", metric_name="pod_number_of_container_restarts", dimensions=pod,
            statistic="Maximum", comparison="GreaterThanThreshold", threshold=float(t.pod_restarts), unit="restarts",
            period=300, evaluation_periods=1, datapoints_to_alarm=1,
            treat_missing_data="notBreaching",
            missing_data_reason="no pods reporting restarts (or Container Insights not installed): nothing restarted",
            description=(
                f"A pod of the app Deployment restarted more than {t.pod_restarts} times. Check `kubectl describe "
                "pod` for OOMKilled or failing liveness probes and the previous container's logs "
                "(`kubectl logs --previous`)."
            ),
        ),
        AlarmSpec(
            key="app-crash-loop", title="App pods crash-looping", severity=Severity.WARNING,
            namespace="ContainerInsights", metric_name="pod_container_status_waiting_reason_crash_loop_back_off",
            dimensions=pod, statistic="Maximum", comparison="GreaterThanOrEqualToThreshold", threshold=1.0,
            unit="containers", period=60, evaluation_periods=5, datapoints_to_alarm=5,
            treat_missing_data="notBreaching",
            missing_data_reason="published only while a container is in CrashLoopBackOff",
            description=(
                "A container of the app Deployment has been in CrashLoopBackOff for 5 minutes. Check the "
                "latest image and config change, `kubectl logs --previous`, and roll back the Deployment."
            ),
        ),
        AlarmSpec(
            key="app-hpa-at-max", title="App at max replicas", severity=Severity.WARNING,
            namespace="ContainerInsights", metric_name="namespace_number_of_running_pods",
            dimensions={"ClusterName": cluster, "Namespace": namespace},
            statistic="Maximum", comparison="GreaterThanOrEqualToThreshold", threshold=float(max_replicas),
            unit="pods", period=300, evaluation_periods=3, datapoints_to_alarm=3,
            treat_missing_data="notBreaching",
            missing_data_reason="no running-pod count (or Container Insights not installed): not at max",
            description=(
                f"The app has run at its autoscaling maximum ({max_replicas} pods) for 15 minutes and cannot scale "
                "further; latency will rise. Raise maxInstances, check node capacity, or find what made "
                "traffic or per-request CPU jump."
            ),
        ),
    ]


def alb_5xx_rate_queries(load_balancer: Any, period: int) -> list[dict[str, Any]]:
    """Metric math of an Application Load Balancer's 5xx rate in percent: responses the
    targets answered 5xx plus those the load balancer answered 5xx itself (502/503/504 when
    no target can), over all requests; no requests, no data."""
    dims = {"LoadBalancer": load_balancer}

    def metric(key: str, name: str) -> dict[str, Any]:
        return {"id": key, "return_data": False, "metric": {
            "namespace": "AWS/ApplicationELB", "metric_name": name, "dimensions": dims, "period": period, "stat": "Sum"}}

    return [
        metric("targets", "HTTPCode_Target_5XX_Count"),
        metric("balancer", "HTTPCode_ELB_5XX_Count"),
        metric("requests", "RequestCount"),
        {"id": "rate", "expression": "100 * (FILL(targets, 0) + FILL(balancer, 0)) / requests",
         "label": "5xx responses (%)", "return_data": True},
    ]


def ecs_alarms(t: Thresholds, cluster: Any, service: Any, load_balancer: Any, target_groups: Sequence[Any],
               min_tasks: int) -> list[AlarmSpec]:
    """App on ECS (Fargate) behind its Application Load Balancer: service CPU and memory,
    running tasks below the minimum, the load balancer's 5xx rate, target p95 latency, and
    unhealthy targets per target group. ``RunningTaskCount`` is a Container Insights metric
    (``EcsApp`` turns it on for its cluster)."""
    service_dims = {"ClusterName": cluster, "ServiceName": service}
    specs = [
        AlarmSpec(
            key="app-cpu", title="App CPU", severity=Severity.WARNING,
            namespace="AWS/ECS", metric_name="CPUUtilization", dimensions=service_dims,
            statistic="Average", comparison="GreaterThanThreshold", threshold=t.app_cpu_percent, unit="%",
            period=300, evaluation_periods=3, datapoints_to_alarm=3,
            treat_missing_data="missing", missing_data_reason=_GAUGE_GAP,
            description=(
                f"The app's tasks average more than {t.app_cpu_percent:g}% CPU for 15 minutes although autoscaling "
                "targets less: the service is at its maximum task count or scaling cannot keep up. Check the task "
                "count against maxInstances, slow endpoints, and the latest release."
            ),
        ),
        AlarmSpec(
            key="app-memory", title="App memory", severity=Severity.WARNING,
            namespace="AWS/ECS", metric_name="MemoryUtilization", dimensions=service_dims,
            statistic="Average", comparison="GreaterThanThreshold", threshold=t.memory_percent, unit="%",
            period=300, evaluation_periods=3, datapoints_to_alarm=3,
            treat_missing_data="missing", missing_data_reason=_GAUGE_GAP,
            description=(
                f"The app's tasks use more than {t.memory_percent:g}% of their memory for 15 minutes; a task that "
                "reaches its limit is killed. Look for a leak (memory growing since the last deploy) or raise "
                "taskMemoryMib."
            ),
        ),
        AlarmSpec(
            key="app-running-tasks", title="App tasks below minimum", severity=Severity.WARNING,
            namespace="ECS/ContainerInsights", metric_name="RunningTaskCount", dimensions=service_dims,
            statistic="Minimum", comparison="LessThanThreshold", threshold=float(min_tasks), unit="tasks",
            period=60, evaluation_periods=5, datapoints_to_alarm=5,
            treat_missing_data="breaching",
            missing_data_reason=("Container Insights reports the running tasks every minute while the service "
                                 "exists; silence means no task runs, the failure this alarm is for"),
            description=(
                f"Fewer than {min_tasks} tasks (the minimum) have run for 5 minutes: tasks are failing to start or "
                "crashing. Check the service's events and stopped tasks (stop reason, exit code), the image pull and "
                "secrets (execution role), and the container logs."
            ),
        ),
        AlarmSpec(
            key="app-5xx-rate", title="App 5xx rate", severity=Severity.CRITICAL,
            namespace="AWS/ApplicationELB", metric_name="HTTPCode_Target_5XX_Count", dimensions={},
            queries=tuple(alb_5xx_rate_queries(load_balancer, 60)),
            comparison="GreaterThanThreshold", threshold=t.error_rate_percent, unit="%",
            period=60, evaluation_periods=5, datapoints_to_alarm=3,
            treat_missing_data="notBreaching",
            missing_data_reason="no requests reach the load balancer: no responses, no errors",
            description=(
                f"More than {t.error_rate_percent:g}% of the load balancer's responses were 5xx in 3 of the last 5 "
                "minutes. Check the unhealthy-targets and running-tasks alarms, the latest deployment (ECS rolls back "
                "on its own alarms), and the database and cache alarms."
            ),
        ),
        AlarmSpec(
            key="app-latency-p95", title="App latency p95", severity=Severity.WARNING,
            namespace="AWS/ApplicationELB", metric_name="TargetResponseTime", dimensions={"LoadBalancer": load_balancer},
            extended_statistic="p95", comparison="GreaterThanThreshold", threshold=t.latency_p95_seconds, unit="s",
            period=300, evaluation_periods=3, datapoints_to_alarm=3,
            treat_missing_data="notBreaching",
            missing_data_reason="no requests reach the targets: nothing is slow",
            description=(
                f"95th percentile target response time above {t.latency_p95_seconds:g} s for 15 minutes. Check "
                "database CPU/connections and cache alarms, slow endpoints in the app logs, and whether the service "
                "runs at its maximum task count."
            ),
        ),
    ]
    for index, group in enumerate(target_groups):
        specs.append(AlarmSpec(
            key=f"app-unhealthy-targets-{index}", title=f"App unhealthy targets ({index})", severity=Severity.WARNING,
            namespace="AWS/ApplicationELB", metric_name="UnHealthyHostCount",
            dimensions={"TargetGroup": group, "LoadBalancer": load_balancer},
            statistic="Maximum", comparison="GreaterThanOrEqualToThreshold", threshold=1.0, unit="targets",
            period=60, evaluation_periods=5, datapoints_to_alarm=5,
            treat_missing_data="notBreaching",
            missing_data_reason=("a target group without registered targets (the idle one of a canary or "
                                 "blue/green pair) reports nothing: no target is unhealthy"),
            description=(
                f"At least one task of target group {index} has failed the load balancer's health check for 5 "
                "minutes. Check the health endpoint's answer in the container logs and the task's dependencies "
                "(database, cache); ECS replaces tasks that stay unhealthy."
            ),
        ))
    return specs


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


@dataclass(frozen=True)
class EventSpec:
    """One EventBridge rule that publishes an AWS event to a severity's topic."""

    key: str
    """Rule name suffix (``<prefix>-<key>``) and resource-name suffix."""
    severity: Severity
    title: str
    pattern: dict[str, Any]
    paths: dict[str, str]
    """``input_paths`` of the target: placeholder -> JSON path into the event."""
    text: str
    """The message, with ``<placeholder>`` for the paths."""
    page: str = ""
    """What the alarm that pages for it says (``event_alarm``): a pager reads CloudWatch alarms,
    not the event's text, so this names where to find the event and what to do. Required of
    critical events, the only ones routed to a pager."""

    def __post_init__(self) -> None:
        if self.severity is Severity.CRITICAL and not self.page:
            raise ValueError(f"event {self.key}: a critical event needs the text of the alarm that pages for it")


def event_alarm(event: EventSpec, rule_name: Any) -> AlarmSpec:
    """The alarm that pages for ``event``: EventBridge's ``TriggeredRules`` of its rule.

    A pager's CloudWatch integration (PagerDuty's) reads the SNS message of a CloudWatch alarm
    and nothing else; the text an EventBridge target publishes would be dropped. So a rule whose
    severity goes to the pager is watched by an alarm that fires when the rule matches, and
    that alarm notifies the topic."""
    return AlarmSpec(
        key=f"{event.key}-event", title=event.title, severity=event.severity,
        namespace="AWS/Events", metric_name="TriggeredRules", dimensions={"RuleName": rule_name},
        statistic="Sum", comparison="GreaterThanOrEqualToThreshold", threshold=1.0, unit="events",
        period=300, evaluation_periods=1, datapoints_to_alarm=1,
        treat_missing_data="notBreaching",
        missing_data_reason="EventBridge publishes TriggeredRules only when the rule matched: no event, nothing to say",
        description=event.page or event.title,
    )


def backup_events(vault_name: str) -> list[EventSpec]:
    """AWS Backup events of ``vault_name``, by EventBridge (AWS Backup's own vault
    notifications publish to SNS with a topic policy AWS Backup cannot scope to an account,
    and their BACKUP_JOB_FAILED event is deprecated and never sent).

    A backup job that ends FAILED, ABORTED or EXPIRED is critical (no recovery point was
    made); a failed cross-region copy is a warning (the local recovery point exists); a
    completed restore and a recovery point being deleted, expiring or left partial are info.
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
            "restore-completed", Severity.INFO, "AWS Backup restore completed",
            {"source": ["aws.backup"], "detail-type": ["Restore Job State Change"],
             "detail": {"status": ["COMPLETED"], "backupVaultArn": [vault_arn]}},
            {"job": "$.detail.restoreJobId", "point": "$.detail.recoveryPointArn",
             "created": "$.detail.createdResourceArn"},
            "Restore job <job> from <point> completed: <created>. If nobody on the team expected it, find who "
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


def _duration(seconds: int) -> str:
    for size, unit in ((86_400, "d"), (3_600, "h"), (60, "min")):
        if seconds >= size and seconds % size == 0:
            return f"{seconds // size} {unit}"
    return f"{seconds} s"


def _condition(spec: AlarmSpec) -> str:
    if spec.unit == "bytes":
        return f"{spec.operator} {spec.threshold / GIB:.4g} GiB"
    unit = f" {spec.unit}" if spec.unit else ""
    return f"{spec.operator} {spec.threshold:g}{unit}"


def markdown_table(specs: Sequence[AlarmSpec]) -> str:
    """The catalogue as a Markdown table (README, PR comments)."""
    lines = [
        "| alarm | severity | metric | statistic | condition | datapoints | missing data |",
        "|---|---|---|---|---|---|---|",
    ]
    for s in specs:
        lines.append(
            f"| `{s.key}` | {s.severity.value} | {s.namespace} `{s.metric_name}` | {s.statistic_label} | "
            f"{_condition(s)} | {s.datapoints_to_alarm} of {s.evaluation_periods} x {_duration(s.period)} | "
            f"{s.treat_missing_data} |"
        )
    return "\n".join(lines)
