"""The operations dashboard of ``Alerting``: ``dashboard_body``, plain Python that writes the
CloudWatch dashboard JSON, and ``operations_dashboard``, the resource with the resolved ids.

Widgets: service health, errors, latency, database, cache, CDN hit rate, and the error budget
left; each names its own region."""

import json
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
    widgets: list[dict[str, Any]] = []

    def add(title: str, metrics: list[list[Any]], widget_region: str, *, stat: str = "Average",
            period: int = 60, limit: Optional[tuple[str, float]] = None) -> None:
        props: dict[str, Any] = {"title": title, "region": widget_region, "view": "timeSeries",
                                 "stacked": False, "stat": stat, "period": period, "metrics": metrics}
        if limit is not None:
            props["annotations"] = {"horizontal": [{"label": limit[0], "value": limit[1]}]}
        index = len(widgets)
        widgets.append({"type": "metric", "x": (index % 2) * 12, "y": (index // 2) * 6,
                        "width": 12, "height": 6, "properties": props})

    if health_check_id:
        add("Service health (Route 53 health check)",
            [_metric("AWS/Route53", "HealthCheckStatus", {"HealthCheckId": health_check_id}, stat="Minimum"),
             _metric("AWS/Route53", "HealthCheckPercentageHealthy", {"HealthCheckId": health_check_id})],
            edge_region)
    if distribution_id:
        cdn = {"DistributionId": distribution_id, "Region": "Global"}
        add("CDN error rates (%)",
            [_metric("AWS/CloudFront", "5xxErrorRate", cdn), _metric("AWS/CloudFront", "4xxErrorRate", cdn)],
            edge_region)
        add("CDN requests", [_metric("AWS/CloudFront", "Requests", cdn)], edge_region, stat="Sum")
        if additional_cdn_metrics:
            add("Origin latency (ms)",
                [_metric("AWS/CloudFront", "OriginLatency", cdn, stat="p95"),
                 _metric("AWS/CloudFront", "OriginLatency", cdn, stat="p50")],
                edge_region)
            add("CDN cache hit rate (%)", [_metric("AWS/CloudFront", "CacheHitRate", cdn)], edge_region)
    if database_identifier:
        ids = [database_identifier, *replica_identifiers]
        add("Database CPU (%)",
            [_metric("AWS/RDS", "CPUUtilization", {"DBInstanceIdentifier": i}) for i in ids], region, period=300)
        add("Database connections",
            [_metric("AWS/RDS", "DatabaseConnections", {"DBInstanceIdentifier": database_identifier})],
            region, stat="Maximum", period=300,
            limit=("alarm", connections_limit) if connections_limit is not None else None)
        if database_resource_id:
            add("Database free storage (% of allocated)",
                [[{"expression": "".join(free_storage_percent_expression(database_resource_id)),
                   "label": "free %", "id": "e1"}]],
                region, period=300,
                limit=("alarm", free_storage_limit) if free_storage_limit is not None else None)
        add("Database free storage (bytes)",
            [_metric("AWS/RDS", "FreeStorageSpace", {"DBInstanceIdentifier": database_identifier})],
            region, stat="Minimum", period=300)
        if replica_identifiers:
            add("Replica lag (s)",
                [_metric("AWS/RDS", "ReplicaLag", {"DBInstanceIdentifier": i}) for i in replica_identifiers],
                region, stat="Maximum")
        if cross_region_replica_identifier and cross_region_replica_region:
            add(f"Cross-region replica lag (s), {cross_region_replica_region}",
                [_metric("AWS/RDS", "ReplicaLag", {"DBInstanceIdentifier": cross_region_replica_identifier})],
                cross_region_replica_region, stat="Maximum",
                limit=("alarm", replica_lag_limit) if replica_lag_limit is not None else None)
    if cache_members:
        add("Redis engine CPU (%)",
            [_metric("AWS/ElastiCache", "EngineCPUUtilization", {"CacheClusterId": m}) for m in cache_members],
            region, period=300)
        add("Redis memory used (%)",
            [_metric("AWS/ElastiCache", "DatabaseMemoryUsagePercentage", {"CacheClusterId": m}) for m in cache_members],
            region, period=300)
    if distribution_id and objectives is not None:
        widgets += budget_widgets(objectives, distribution_id, edge_region, top=(len(widgets) + 1) // 2 * 6,
                                  additional_metrics=additional_cdn_metrics)
    return {"widgets": widgets}


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
