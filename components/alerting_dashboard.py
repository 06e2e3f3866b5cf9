"""The operations dashboard of ``Alerting``: ``dashboard_body``, plain Python that writes the
CloudWatch dashboard JSON, and ``operations_dashboard``, the resource with the resolved ids.

Widgets: service health, errors, latency, database, cache, CDN hit rate, and the error budget
left; each names its own region."""

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Optional, Sequence

import pulumi
import pulumi_aws as aws

from pulumi_webstack.alarms import EDGE_REGION, AlarmSpec
from pulumi_webstack.alarms_data import free_storage_percent_expression
from pulumi_webstack.slo import Objectives, budget_widgets

if TYPE_CHECKING:
    from pulumi_webstack.alerting import AlertingArgs


def _metric(namespace: str, metric: str, dims: dict[str, Any], **options: Any) -> list[Any]:
    row: list[Any] = [namespace, metric]
    for k, v in dims.items():
        row += [k, v]
    if options:
        row.append(options)
    return row


@dataclass(frozen=True)
class Panel:
    """One time-series widget: what it plots, where, and the alarm's threshold as a line."""

    title: str
    metrics: list[list[Any]]
    region: str
    stat: str = "Average"
    period: int = 60
    limit: Optional[float] = None
    """The alarm threshold drawn as a horizontal line (None: no line)."""

    def widget(self, index: int) -> dict[str, Any]:
        """The widget, placed two to a row in panel order."""
        props: dict[str, Any] = {"title": self.title, "region": self.region, "view": "timeSeries",
                                 "stacked": False, "stat": self.stat, "period": self.period, "metrics": self.metrics}
        if self.limit is not None:
            props["annotations"] = {"horizontal": [{"label": "alarm", "value": self.limit}]}
        return {"type": "metric", "x": (index % 2) * 12, "y": (index // 2) * 6, "width": 12, "height": 6,
                "properties": props}


def dashboard_body(
    *,
    region: str,
    edge_region: str = EDGE_REGION,
    health_check_id: Optional[str] = None,
    distribution_id: Optional[str] = None,
    additional_cdn_metrics: bool = True,
    database_identifier: Optional[str] = None,
    database_resource_id: Optional[str] = None,
    replica_identifiers: Sequence[str] = (),
    cross_region_replica_identifier: Optional[str] = None,
    cross_region_replica_region: Optional[str] = None,
    cache_members: Sequence[str] = (),
    objectives: Optional[Objectives] = None,
    connections_limit: Optional[float] = None,
    free_storage_limit: Optional[float] = None,
    replica_lag_limit: Optional[float] = None,
) -> dict[str, Any]:
    """CloudWatch dashboard JSON: service health, errors, latency, database, cache, CDN hit
    rate, and (with ``objectives``) a last row with the error budget left.

    Widgets whose resource is absent are left out; metric widgets name their own region
    (CloudFront and Route 53 live in ``edge_region``, the cross-region replica's lag in
    ``cross_region_replica_region``)."""
    panels = [*_edge_panels(edge_region, health_check_id, distribution_id, additional_cdn_metrics)]
    if database_identifier:
        panels += _database_panels(region, database_identifier, database_resource_id, replica_identifiers,
                                   connections_limit, free_storage_limit)
        if cross_region_replica_identifier and cross_region_replica_region:
            panels.append(Panel(
                f"Cross-region replica lag (s), {cross_region_replica_region}",
                [_metric("AWS/RDS", "ReplicaLag", {"DBInstanceIdentifier": cross_region_replica_identifier})],
                cross_region_replica_region, stat="Maximum", limit=replica_lag_limit))
    panels += _cache_panels(region, cache_members)
    widgets = [panel.widget(index) for index, panel in enumerate(panels)]
    if distribution_id and objectives is not None:
        widgets += budget_widgets(objectives, distribution_id, edge_region, top=(len(widgets) + 1) // 2 * 6,
                                  additional_metrics=additional_cdn_metrics)
    return {"widgets": widgets}


def _edge_panels(edge_region: str, health_check_id: Optional[str], distribution_id: Optional[str],
                 additional_cdn_metrics: bool) -> list[Panel]:
    """What users see: the health check, the CDN's errors, requests, origin latency, hit rate."""
    panels = []
    if health_check_id:
        panels.append(Panel(
            "Service health (Route 53 health check)",
            [_metric("AWS/Route53", "HealthCheckStatus", {"HealthCheckId": health_check_id}, stat="Minimum"),
             _metric("AWS/Route53", "HealthCheckPercentageHealthy", {"HealthCheckId": health_check_id})],
            edge_region))
    if distribution_id:
        cdn = {"DistributionId": distribution_id, "Region": "Global"}
        panels.append(Panel("CDN error rates (%)", [_metric("AWS/CloudFront", "5xxErrorRate", cdn),
                                                    _metric("AWS/CloudFront", "4xxErrorRate", cdn)], edge_region))
        panels.append(Panel("CDN requests", [_metric("AWS/CloudFront", "Requests", cdn)], edge_region, stat="Sum"))
        if additional_cdn_metrics:
            panels.append(Panel("Origin latency (ms)", [_metric("AWS/CloudFront", "OriginLatency", cdn, stat="p95"),
                                                        _metric("AWS/CloudFront", "OriginLatency", cdn, stat="p50")],
                                edge_region))
            panels.append(Panel("CDN cache hit rate (%)", [_metric("AWS/CloudFront", "CacheHitRate", cdn)], edge_region))
    return panels


def _database_panels(region: str, identifier: str, resource_id: Optional[str], replicas: Sequence[str],
                     connections_limit: Optional[float], free_storage_limit: Optional[float]) -> list[Panel]:
    """The primary's CPU, connections and storage, the in-region replicas' CPU and lag."""
    instance = {"DBInstanceIdentifier": identifier}
    panels = [
        Panel("Database CPU (%)", [_metric("AWS/RDS", "CPUUtilization", {"DBInstanceIdentifier": i})
                                   for i in [identifier, *replicas]], region, period=300),
        Panel("Database connections", [_metric("AWS/RDS", "DatabaseConnections", instance)], region,
              stat="Maximum", period=300, limit=connections_limit),
    ]
    if resource_id:
        panels.append(Panel(
            "Database free storage (% of allocated)",
            [[{"expression": "".join(free_storage_percent_expression(resource_id)), "label": "free %", "id": "e1"}]],
            region, period=300, limit=free_storage_limit))
    panels.append(Panel("Database free storage (bytes)", [_metric("AWS/RDS", "FreeStorageSpace", instance)], region,
                        stat="Minimum", period=300))
    if replicas:
        panels.append(Panel("Replica lag (s)", [_metric("AWS/RDS", "ReplicaLag", {"DBInstanceIdentifier": i})
                                                for i in replicas], region, stat="Maximum"))
    return panels


def _cache_panels(region: str, members: Sequence[str]) -> list[Panel]:
    """Every cache node's engine CPU and memory."""
    if not members:
        return []
    return [
        Panel("Redis engine CPU (%)", [_metric("AWS/ElastiCache", "EngineCPUUtilization", {"CacheClusterId": m})
                                       for m in members], region, period=300),
        Panel("Redis memory used (%)", [_metric("AWS/ElastiCache", "DatabaseMemoryUsagePercentage",
                                                {"CacheClusterId": m}) for m in members], region, period=300),
    ]


def operations_dashboard(parent: pulumi.Resource, name: str, prefix: str, args: "AlertingArgs",
                         region: pulumi.Output[str], health_check: Optional[aws.route53.HealthCheck],
                         specs: list[AlarmSpec]) -> aws.cloudwatch.Dashboard:
    """The operations dashboard of an ``Alerting`` (``parent``), drawn by ``dashboard_body``
    once the ids are known, with the alarms' thresholds as lines."""
    thresholds = {s.key: s.threshold for s in specs}
    ids: dict[str, Any] = {
        "region": region,
        "health_check_id": health_check.id if health_check is not None else None,
        "distribution_id": args.cdn_distribution_id,
        "database_identifier": args.database_identifier,
        "database_resource_id": args.database_resource_id,
        "replica_identifiers": pulumi.Output.all(*args.database_replica_identifiers),
        "cross_region_replica_identifier": args.database_cross_region_replica_identifier,
        "cache_members": pulumi.Output.all(*args.cache_member_clusters),
    }
    body = pulumi.Output.all(**ids).apply(lambda v: json.dumps(dashboard_body(
        region=v["region"],
        edge_region=args.edge_region,
        health_check_id=v["health_check_id"],
        distribution_id=v["distribution_id"],
        additional_cdn_metrics=args.cdn_additional_metrics,
        database_identifier=v["database_identifier"],
        database_resource_id=v["database_resource_id"],
        replica_identifiers=list(v["replica_identifiers"] or []),
        cross_region_replica_identifier=v["cross_region_replica_identifier"],
        cross_region_replica_region=args.database_cross_region_replica_region,
        cache_members=list(v["cache_members"] or []),
        objectives=args.objectives,
        connections_limit=thresholds.get("db-connections"),
        free_storage_limit=thresholds.get("db-free-storage"),
        replica_lag_limit=args.thresholds.db_replica_lag_seconds,
    )))
    return aws.cloudwatch.Dashboard(
        f"{name}-dashboard",
        dashboard_name=f"{prefix}-operations",
        dashboard_body=body,
        opts=pulumi.ResourceOptions(parent=parent),
    )
