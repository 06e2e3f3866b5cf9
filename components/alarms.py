"""The alarm catalogue: which CloudWatch alarms the stack gets, with what thresholds,
routed to which severity, and what to do when one fires.

Pure Python, no Pulumi runtime: ``pulumi_webstack.alerting.Alerting`` turns these specs into
``aws.cloudwatch.MetricAlarm`` resources, and the tests read the table directly. Dimension
values are whatever the caller passes (plain strings in tests, ``pulumi.Output`` values in
the component); nothing here inspects them.

This module holds what every alarm shares (``Severity``, ``Thresholds``, ``AlarmSpec``,
``EventSpec``, the Markdown table); the families live by tier, and are importable from here
too: ``pulumi_webstack.alarms_data`` (database, replicas, cache, backups and their events) and
``pulumi_webstack.alarms_app`` (what users see: health check, CDN, certificate; the app on
Kubernetes or ECS).

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
import importlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Optional, Sequence

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

EDGE_REGION = "us-east-1"
"""Where CloudFront, Route 53 health check and CloudFront-certificate metrics live."""

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


def alarm_name(prefix: str, key: str) -> str:
    """Physical alarm name ``<prefix>-<key>`` (CloudWatch allows 255 characters)."""
    name = f"{prefix}-{key}"
    if len(name) > 255:
        raise ValueError(f"alarm name {name!r} is longer than 255 characters")
    return name


GAUGE_GAP = ("a gap means the instance is rebooting, failing over or being replaced: keep the "
              "previous state instead of guessing (those events have their own signals)")

"""Why a resource gauge treats missing data as ``missing`` (shared by the families)."""


def gauge_warning(*, key: str, title: str, namespace: str, metric_name: str, dimensions: dict[str, Any],
                  statistic: str, comparison: str, threshold: float, unit: str, description: str) -> AlarmSpec:
    """A resource gauge (CPU, memory) past its threshold for 15 minutes (3 of 3 five-minute
    periods) warns; a gap keeps the state (``GAUGE_GAP``). The families' common case."""
    return AlarmSpec(
        key=key, title=title, severity=Severity.WARNING, namespace=namespace, metric_name=metric_name,
        dimensions=dimensions, statistic=statistic, comparison=comparison, threshold=threshold, unit=unit,
        period=300, evaluation_periods=3, datapoints_to_alarm=3,
        treat_missing_data="missing", missing_data_reason=GAUGE_GAP, description=description,
    )


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


# ------------------------------------------------------------------------- tables


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

# ------------------------------------------------------------ the families, by tier

_FAMILIES = {
    "pulumi_webstack.alarms_data": (
        "STORAGE_AUTOSCALING_FREE_PERCENT", "STORAGE_AUTOSCALING_EVENTS", "free_storage_percent_expression",
        "storage_autoscaling_event_pattern", "connections_threshold", "freeable_memory_threshold_bytes",
        "member_number", "database_alarms", "cross_region_replica_alarms", "cache_alarms", "backup_alarms",
        "backup_events"),
    "pulumi_webstack.alarms_app": (
        "cdn_alarms", "certificate_alarms", "health_alarms", "kubernetes_alarms", "alb_5xx_rate_queries",
        "ecs_alarms"),
}
_HOME = {name: module for module, names in _FAMILIES.items() for name in names}

if TYPE_CHECKING:
    from pulumi_webstack.alarms_app import (  # noqa: F401
        alb_5xx_rate_queries, cdn_alarms, certificate_alarms, ecs_alarms, health_alarms, kubernetes_alarms)
    from pulumi_webstack.alarms_data import (  # noqa: F401
        STORAGE_AUTOSCALING_EVENTS, STORAGE_AUTOSCALING_FREE_PERCENT, backup_alarms, backup_events, cache_alarms,
        connections_threshold, cross_region_replica_alarms, database_alarms, free_storage_percent_expression,
        freeable_memory_threshold_bytes, member_number, storage_autoscaling_event_pattern)


def __getattr__(name: str) -> Any:
    """The families' names, read from their modules on first use (they import this one, so
    importing them here eagerly would be circular)."""
    module = _HOME.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
