"""Alerting: SNS topics by severity, CloudWatch alarms over what the stack built, backup
job events, and an operations dashboard.

Pass the components you built and get their alarms:

    Alerting("alerting", AlertingArgs(tier="prod", emails=["oncall@example.com"],
                                      pager_webhook_url=pager, chat_webhook_url=chat),
             database=db, cache=cache, cdn=cdn, app=app, backups=backups)

Each keyword object is read through the attribute names of the interface contract
(``primary_identifier``, ``replica_identifiers``, ``max_connections``, ... see
``AlertingArgs.watching``); the same values can be given as plain ``AlertingArgs`` fields
(``database_identifier=...``) when the resources come from elsewhere.

Routing (DESIGN.md): critical -> pager webhook, warning -> chat webhook, info -> email.
A severity without its webhook falls back to the chat webhook and the email addresses, and
every topic must end up with a subscriber, so nothing is ever routed to a topic nobody reads.

Regions: a CloudWatch alarm watches metrics of its own region and can only notify SNS
topics in that region. Every ``AlarmSpec`` names its region (None: the stack's), and
each alarm is created there (per-resource ``region`` argument of pulumi-aws 7) and
notifies that region's topics: for each region other than the stack's that has alarms,
the component creates a copy of the key and topics there, with the same key policy,
topic policy and subscriptions. Two regions need it: ``edge_region`` (us-east-1), where
CloudFront, Route 53 health check and ACM-for-CloudFront metrics exist (its resources are
named ``<name>-edge-*``; shared with the stack's when the stack runs there), and the
region of the database's cross-region (disaster-recovery) replica, whose lag is the
recovery point of a failover there (``<name>-<region>-*``).

Vercel: Vercel functions publish no CloudWatch metrics. A Vercel app is watched from the
outside (Route 53 health check on the public health URL, CloudFront 5xx rate and origin
latency); function-level errors and limits are Vercel's own alerting and log drain
(``app.vercel.logDrainUrl``).
"""

import json
import re
from dataclasses import dataclass, field, replace
from typing import Any, Optional, Sequence
from urllib.parse import urlparse

import pulumi
import pulumi_aws as aws

from pulumi_webstack import kms
from pulumi_webstack.alarms import (
    SEVERITIES,
    AlarmSpec,
    Severity,
    Thresholds,
    alarm_name,
    backup_alarms,
    backup_event_patterns,
    cache_alarms,
    cdn_alarms,
    certificate_alarms,
    cross_region_replica_alarms,
    database_alarms,
    health_alarms,
    kubernetes_alarms,
)
from pulumi_webstack.args import check_fields, from_inputs, aws_region, setting
from pulumi_webstack.database import instance_memory_gib
from pulumi_webstack.errors import ArgsError, require
from pulumi_webstack.instance_classes import RDS_INSTANCE_CLASSES
from pulumi_webstack.names import EMAIL
from pulumi_webstack.slo import Objectives, alarm_rule, budget_widgets, burn_rate_alerts, metric_inputs

EDGE_REGION = "us-east-1"
"""Where CloudFront, Route 53 health check and CloudFront-certificate metrics live."""

_PREFIX = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9_-]{0,99}$")

BACKUP_VAULT_EVENTS = ["RESTORE_JOB_COMPLETED", "RECOVERY_POINT_MODIFIED"]
"""Vault notifications sent to the info topic: who restored what, and lifecycle changes of
recovery points. Job failures come through EventBridge instead (the notification API's
BACKUP_JOB_FAILED event is deprecated and never sent)."""

PUBLISHING_SERVICES = ("cloudwatch.amazonaws.com", "events.amazonaws.com", "backup.amazonaws.com")


# --------------------------------------------------------------------- pure helpers


@dataclass(frozen=True)
class Route:
    """One subscription: ``protocol`` and where the endpoint comes from."""

    protocol: str
    """``email`` or ``https``."""
    endpoint: str
    """The email address, or ``pager`` / ``chat`` (the secret webhook URLs)."""

    @property
    def key(self) -> str:
        """Stable resource-name suffix (keyed by address, never by list position)."""
        if self.protocol == "email":
            return "email-" + re.sub(r"[^a-z0-9]+", "-", self.endpoint.lower()).strip("-")
        return self.endpoint


def routing(emails: Sequence[str], has_pager: bool, has_chat: bool) -> dict[Severity, list[Route]]:
    """Subscriptions per severity topic.

    critical: the pager webhook; without one, the chat webhook and the emails.
    warning: the chat webhook; without one, the emails.
    info: the emails; without any, the chat webhook.
    A severity may still end up with no route (a pager alone); ``AlertingArgs`` refuses that.
    """
    mail = [Route("email", e) for e in emails]
    chat = [Route("https", "chat")] if has_chat else []
    critical = [Route("https", "pager")] if has_pager else chat + mail
    return {Severity.CRITICAL: critical, Severity.WARNING: chat or list(mail), Severity.INFO: list(mail) or chat}


def topic_policy(topic_arn: str, account_id: str) -> dict[str, Any]:
    """SNS topic policy: the account manages the topic; CloudWatch alarms and EventBridge
    rules of this account and AWS Backup vault notifications may publish; TLS only.

    AWS Backup is not scoped by ``aws:SourceAccount``: its documented topic policy has no
    condition and it does not support cross-account notifications at all.
    """
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "AccountManagesTopic",
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{account_id}:root"},
                "Action": ["SNS:GetTopicAttributes", "SNS:SetTopicAttributes", "SNS:AddPermission",
                           "SNS:RemovePermission", "SNS:DeleteTopic", "SNS:Subscribe",
                           "SNS:ListSubscriptionsByTopic", "SNS:Publish"],
                "Resource": topic_arn,
            },
            {
                "Sid": "AlarmsAndEventsPublish",
                "Effect": "Allow",
                "Principal": {"Service": ["cloudwatch.amazonaws.com", "events.amazonaws.com"]},
                "Action": "SNS:Publish",
                "Resource": topic_arn,
                "Condition": {"StringEquals": {"aws:SourceAccount": account_id}},
            },
            {
                "Sid": "BackupVaultNotificationsPublish",
                "Effect": "Allow",
                "Principal": {"Service": "backup.amazonaws.com"},
                "Action": "SNS:Publish",
                "Resource": topic_arn,
            },
            {
                "Sid": "DenyInsecureTransport",
                "Effect": "Deny",
                "Principal": "*",
                "Action": "SNS:Publish",
                "Resource": topic_arn,
                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
            },
        ],
    }


def topic_key_policy(account_id: str) -> dict[str, Any]:
    """Key policy of the topics' KMS key: the account administers it (IAM decides who may
    use it); the publishing services may encrypt messages with it."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            kms.account_administers_key(account_id),
            {
                "Sid": "PublishersEncryptMessages",
                "Effect": "Allow",
                "Principal": {"Service": list(PUBLISHING_SERVICES)},
                "Action": ["kms:Decrypt", "kms:GenerateDataKey*"],
                "Resource": "*",
            },
        ],
    }


HTTPS_DELIVERY_POLICY = {
    "healthyRetryPolicy": {
        "minDelayTarget": 5,
        "maxDelayTarget": 60,
        "numRetries": 20,
        "numNoDelayRetries": 2,
        "numMinDelayRetries": 3,
        "numMaxDelayRetries": 10,
        "backoffFunction": "exponential",
    },
    "throttlePolicy": {"maxReceivesPerSecond": 10},
}
"""Webhook deliveries retry for about 20 minutes with exponential backoff."""


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
        add("Database free storage (bytes)",
            [_metric("AWS/RDS", "FreeStorageSpace", {"DBInstanceIdentifier": database_identifier})],
            region, stat="Minimum", period=300,
            limit=("alarm", free_storage_limit) if free_storage_limit is not None else None)
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


# ----------------------------------------------------------------------------- args


@dataclass
class AlertingArgs:
    """Arguments of ``Alerting``: who is told, thresholds, and what is watched.

    The watched resources are plain inputs; the ``Alerting`` keywords ``database=``,
    ``cache=``, ``cdn=``, ``app=``, ``backups=`` fill them from the components.
    """

    emails: Optional[list[str]] = setting(default_factory=list, pattern=EMAIL.pattern.strip("^$"),
                                          words="must be an email address such as oncall@example.com")
    """Addresses subscribed to the info topic (and to critical/warning without a webhook)."""
    pager_webhook_url: Optional[pulumi.Input[str]] = None
    """HTTPS endpoint of the pager (critical). Keep it a secret Output; never exported."""
    chat_webhook_url: Optional[pulumi.Input[str]] = None
    """HTTPS endpoint of the team chat relay (warning). It must accept SNS HTTPS deliveries
    (confirm the subscription), e.g. a chat integration's SNS endpoint. Secret."""
    thresholds: Optional[Thresholds] = field(default_factory=Thresholds)
    """When alarms fire (defaults: the production values of the design's alert table)."""
    database_identifier: Optional[pulumi.Input[str]] = None
    """RDS identifier of the primary."""
    database_replica_identifiers: Optional[list[pulumi.Input[str]]] = field(default_factory=list)
    """RDS identifiers of the in-region read replicas (one lag and CPU alarm each)."""
    database_cross_region_replica_identifier: Optional[pulumi.Input[str]] = None
    """RDS identifier of the cross-region (disaster-recovery) replica: its lag alarm, the
    recovery point of a failover to that region, is created in
    ``database_cross_region_replica_region`` and notifies topics there. Give both or neither."""
    database_cross_region_replica_region: Optional[str] = aws_region()
    """Region of that replica (not ``region``: in-region replicas go in
    ``database_replica_identifiers``)."""
    database_max_connections: Optional[int] = setting(None, ge=1, le=262_143)
    """``max_connections`` of the database (the connections alarm is a share of it)."""
    database_allocated_storage_gb: Optional[int] = setting(None, ge=20, le=65_536)
    """Allocated storage (the free-storage alarm is a share of it)."""
    database_instance_class: Optional[str] = setting(
        None, one_of=tuple(RDS_INSTANCE_CLASSES), words="must be an RDS instance class such as db.r7g.large")
    """Instance class, for the memory alarm (memory size looked up from the class)."""
    cache_member_clusters: Optional[list[pulumi.Input[str]]] = field(default_factory=list)
    """Cache cluster id of every node of the replication group (one set of alarms each)."""
    cache_node_count: Optional[int] = setting(None, ge=1, le=6)
    """Nodes of the replication group, when ``cache=`` exposes member_clusters as one Output."""
    cdn_distribution_id: Optional[pulumi.Input[str]] = None
    """CloudFront distribution id."""
    cdn_additional_metrics: Optional[bool] = True
    """Turn on CloudFront's additional metrics (origin latency, cache hit rate; billed per
    distribution) and alarm on origin latency p95."""
    certificate_arn: Optional[pulumi.Input[str]] = None
    """ACM certificate of the CDN (in ``edge_region``)."""
    health_check_url: Optional[pulumi.Input[str]] = None
    """Public ``https://`` health URL watched by a Route 53 health check."""
    app_platform: Optional[str] = setting(None, one_of=("vercel", "kubernetes", "ecs"))
    """``vercel``, ``kubernetes`` or ``ecs``."""
    kubernetes_cluster_name: Optional[str] = setting(
        None, pattern=r"[0-9A-Za-z][A-Za-z0-9_-]{0,99}", words="must be an EKS cluster name")
    """EKS cluster with CloudWatch Container Insights: enables the pod alarms."""
    kubernetes_namespace: Optional[pulumi.Input[str]] = None
    """Namespace of the app."""
    kubernetes_deployment_name: Optional[pulumi.Input[str]] = None
    """Deployment of the app."""
    kubernetes_max_replicas: Optional[int] = setting(None, ge=1, le=1000)
    """The HPA's maxReplicas."""
    backup_vault_name: Optional[pulumi.Input[str]] = None
    """AWS Backup vault whose jobs are watched."""
    region: Optional[str] = aws_region()
    """The stack's region; when it is ``edge_region`` the topics are shared."""
    edge_region: Optional[str] = aws_region(EDGE_REGION)
    """Region of the CloudFront, Route 53 and ACM-for-CloudFront metrics."""
    dashboard: Optional[bool] = True
    """Create the operations dashboard."""
    name_prefix: Optional[str] = setting(None, pattern=r"[A-Za-z0-9_-]{1,100}",
                                         words="must be letters, digits, hyphens or underscores (at most 100)")
    """Prefix of topic, alarm and dashboard names (default ``<project>-<stack>``)."""
    objectives: Optional[Objectives] = field(default_factory=Objectives)
    """Service level objectives of the CDN (with ``cdn_distribution_id``): multi-window
    burn-rate alerts on their error budgets, and the budget left on the dashboard."""

    def __post_init__(self) -> None:
        check_fields(self)
        require(len(set(self.emails)) == len(self.emails), "alerting.emails", self.emails, "must not repeat an address")
        for fname in ("pager_webhook_url", "chat_webhook_url", "health_check_url"):
            value = getattr(self, fname)
            if isinstance(value, str):
                parsed = urlparse(value)
                require(parsed.scheme == "https" and bool(parsed.hostname), f"alerting.{fname}",
                        value if fname == "health_check_url" else "<redacted>",
                        "must be an https:// URL")
        routes = routing(self.emails, self.pager_webhook_url is not None, self.chat_webhook_url is not None)
        unread = [severity.value for severity, subscribers in routes.items() if not subscribers]
        require(not unread, "alerting.emails", self.emails,
                f"the {' and '.join(unread)} topic(s) would have no subscriber: give an address or a chat webhook")
        if self.database_identifier is not None:
            require(self.database_max_connections is not None, "alerting.database_max_connections", None,
                    "required with database_identifier: the connections alarm is a share of max_connections")
            require(self.database_allocated_storage_gb is not None, "alerting.database_allocated_storage_gb", None,
                    "required with database_identifier: the free-storage alarm is a share of it")
        if self.app_platform == "kubernetes" and self.kubernetes_cluster_name is not None:
            for fname in ("kubernetes_namespace", "kubernetes_deployment_name", "kubernetes_max_replicas"):
                require(getattr(self, fname) is not None, f"alerting.{fname}", None,
                        "required with kubernetes_cluster_name (pass app= or set it)")
        dr_id, dr_region = self.database_cross_region_replica_identifier, self.database_cross_region_replica_region
        require(dr_region is not None or dr_id is None, "alerting.database_cross_region_replica_region", dr_region,
                "required with database_cross_region_replica_identifier: the replica's alarm is created in "
                "its region")
        require(dr_id is not None or dr_region is None, "alerting.database_cross_region_replica_identifier", dr_id,
                "required with database_cross_region_replica_region: the RDS identifier of the replica there")
        if dr_region is not None:
            require(dr_region != self.region, "alerting.database_cross_region_replica_region", dr_region,
                    f"must differ from region ({self.region}): replicas in the stack's region go in "
                    "database_replica_identifiers")

    @property
    def database_memory(self) -> Optional[float]:
        return instance_memory_gib(self.database_instance_class) if self.database_instance_class else None

    def watching(self, *, database: Any = None, cache: Any = None, cdn: Any = None, app: Any = None,
                 backups: Any = None) -> "AlertingArgs":
        """A copy with the watched resources read from pulumi_webstack (duck-typed on the
        interface contract); fields set explicitly win. The copy is validated again."""
        changes: dict[str, Any] = {}

        def need(obj: Any, label: str, attr: str) -> Any:
            value = getattr(obj, attr, None)
            if value is None:
                raise ArgsError(f"alerting.{label}", type(obj).__name__, f"must expose {attr} (interface contract)")
            return value

        if database is not None and self.database_identifier is None:
            replicas = getattr(database, "replica_identifiers", None) or []
            if not isinstance(replicas, (list, tuple)):
                raise ArgsError("alerting.database", type(database).__name__,
                                "replica_identifiers must be a list (one alarm per replica)")
            changes.update(
                database_identifier=need(database, "database", "primary_identifier"),
                database_replica_identifiers=list(replicas),
                database_max_connections=need(database, "database", "max_connections"),
                database_allocated_storage_gb=need(database, "database", "allocated_storage_gb"),
            )
            dr_replica = getattr(database, "cross_region_replica_identifier", None)
            if dr_replica is not None and self.database_cross_region_replica_identifier is None:
                changes.update(
                    database_cross_region_replica_identifier=dr_replica,
                    database_cross_region_replica_region=need(database, "database", "cross_region_replica_region"),
                )
            if self.database_instance_class is None and getattr(database, "instance_class", None):
                changes["database_instance_class"] = database.instance_class
        if cache is not None and not self.cache_member_clusters:
            members = need(cache, "cache", "member_clusters")
            if isinstance(members, (list, tuple)):
                changes["cache_member_clusters"] = list(members)
            else:
                count = self.cache_node_count or getattr(cache, "node_count", None)
                if not isinstance(count, int):
                    raise ArgsError("alerting.cache_node_count", count,
                                    "needed when cache.member_clusters is one Output: the number of cache nodes")
                members = pulumi.Output.from_input(members)
                changes["cache_member_clusters"] = [
                    members.apply(lambda ids, i=i: sorted(ids)[i]) for i in range(count)]
        if cdn is not None:
            if self.cdn_distribution_id is None:
                changes["cdn_distribution_id"] = need(cdn, "cdn", "distribution_id")
            if self.certificate_arn is None and getattr(cdn, "certificate_arn", None) is not None:
                changes["certificate_arn"] = cdn.certificate_arn
        if app is not None:
            if self.app_platform is None:
                changes["app_platform"] = need(app, "app", "platform")
            if self.health_check_url is None:
                changes["health_check_url"] = need(app, "app", "health_url")
            if changes.get("app_platform", self.app_platform) == "kubernetes":
                for attr, fname in (("namespace", "kubernetes_namespace"), ("deployment_name", "kubernetes_deployment_name"),
                                    ("max_replicas", "kubernetes_max_replicas")):
                    if getattr(self, fname) is None:
                        changes[fname] = need(app, "app", attr)
        if backups is not None and self.backup_vault_name is None:
            changes["backup_vault_name"] = need(backups, "backups", "vault_name")
        return replace(self, **changes) if changes else self

    def catalogue(self, health_check_id: Any = "<health-check-id>") -> list[AlarmSpec]:
        """The alarms these Args produce; dimension values are the inputs given (and
        ``health_check_id`` for the Route 53 health check the component creates). Every
        spec names its region: edge alarms ``edge_region``, the cross-region replica's its
        region, the rest None (the stack's)."""
        t = self.thresholds
        specs: list[AlarmSpec] = []
        if self.health_check_url is not None:
            specs += health_alarms(t, health_check_id)
        if self.cdn_distribution_id is not None:
            specs += cdn_alarms(t, self.cdn_distribution_id, additional_metrics=self.cdn_additional_metrics)
        if self.certificate_arn is not None:
            specs += certificate_alarms(t, self.certificate_arn)
        if self.database_identifier is not None:
            specs += database_alarms(
                t, self.database_identifier,
                max_connections=self.database_max_connections,
                allocated_storage_gb=self.database_allocated_storage_gb,
                memory_gib=self.database_memory,
                replica_identifiers=self.database_replica_identifiers,
            )
        if self.database_cross_region_replica_identifier is not None:
            specs += cross_region_replica_alarms(t, self.database_cross_region_replica_identifier,
                                                 self.database_cross_region_replica_region)
        if self.cache_member_clusters:
            specs += cache_alarms(t, self.cache_member_clusters)
        if self.app_platform == "kubernetes" and self.kubernetes_cluster_name is not None:
            specs += kubernetes_alarms(t, self.kubernetes_cluster_name, self.kubernetes_namespace,
                                       self.kubernetes_deployment_name, self.kubernetes_max_replicas)
        if self.backup_vault_name is not None:
            specs += backup_alarms(t, self.backup_vault_name)
        return [replace(s, region=self.edge_region) if s.edge and s.region is None else s for s in specs]

    def topic_regions(self, specs: Sequence[AlarmSpec]) -> list[str]:
        """Regions other than the stack's with alarms among ``specs``, in catalogue order:
        each gets its own copy of the topics."""
        return list(dict.fromkeys(s.region for s in specs if s.region is not None and s.region != self.region))

    def topic_infix(self, region: str) -> str:
        """Resource-name infix of the topics copied to ``region``: ``edge-`` for
        ``edge_region`` (the name it has always had), else ``<region>-``."""
        return "edge-" if region == self.edge_region else f"{region}-"


# ------------------------------------------------------------------------ component


class Alerting(pulumi.ComponentResource):
    """SNS topics by severity and CloudWatch alarms over the stack.

    Creates: a KMS key (rotation on) for the topics; topics ``critical``, ``warning``,
    ``info`` with a topic policy and the subscriptions of ``routing``; the same key and
    topics in every other region with alarms (``edge_region`` for the edge alarms, the
    cross-region replica's region for its lag alarm); a Route 53 health check on
    ``health_check_url``; CloudFront additional metrics (``MonitoringSubscription``) when
    ``cdn_additional_metrics``; one CloudWatch metric alarm per ``AlarmSpec`` of the
    catalogue, in the spec's region (alarm and OK actions to its severity's topic there);
    EventBridge rules for failed backup and copy jobs (critical / warning) and backup
    vault notifications (info); a CloudWatch dashboard. With ``cdn_distribution_id`` and
    ``objectives``, the error budgets' burn-rate alerts in ``edge_region``: two window alarms
    and one composite alarm (to the severity's topic) per alert of ``slo.burn_rate_alerts``.

    Outputs: ``topic_arns`` (severity -> ARN), ``edge_topic_arns``, ``regional_topic_arns``,
    ``alarm_names``, ``critical_alarm_arns``, ``dashboard_name``, ``health_check_id``.
    """

    topic_arns: pulumi.Output[dict[str, str]]
    """ARN of the topic of each severity (``critical``, ``warning``, ``info``)."""
    edge_topic_arns: pulumi.Output[dict[str, str]]
    """Topics in ``edge_region`` used by the CloudFront, Route 53 and ACM alarms."""
    regional_topic_arns: pulumi.Output[dict[str, dict[str, str]]]
    """Region -> severity -> topic ARN, for every region that has topics: the stack's,
    ``edge_region`` when there are edge alarms, the cross-region replica's. Your own alarms
    in those regions can notify these (an alarm can only notify topics in its region)."""
    alarm_names: pulumi.Output[list[str]]
    """Names of every CloudWatch alarm created."""
    critical_alarm_arns: pulumi.Output[list[str]]
    """ARNs of the critical alarms in the stack's region (where recovery drills run: their
    stop conditions)."""
    dashboard_name: Optional[pulumi.Output[str]]
    """The operations dashboard (None when ``dashboard`` is off)."""
    health_check_id: Optional[pulumi.Output[str]]
    """Route 53 health check on the public health URL (None without one)."""

    def __init__(
        self,
        name: str,
        args: AlertingArgs,
        opts: Optional[pulumi.ResourceOptions] = None,
        *,
        database: Any = None,
        cache: Any = None,
        cdn: Any = None,
        app: Any = None,
        backups: Any = None,
    ):
        """``database``, ``cache``, ``cdn``, ``app``, ``backups``: components to watch,
        read through the interface contract (see ``AlertingArgs.watching``)."""
        args = from_inputs(AlertingArgs, args)
        args = args.watching(database=database, cache=cache, cdn=cdn, app=app, backups=backups)
        super().__init__("webstack:index:Alerting", name, None, opts)
        self._name = name
        self._args = args
        self._child = pulumi.ResourceOptions(parent=self)
        invoke = pulumi.InvokeOptions(parent=self)
        self._account = aws.get_caller_identity_output(opts=invoke).account_id
        region = aws.get_region_output(opts=invoke).region
        prefix = args.name_prefix or f"{pulumi.get_project()}-{pulumi.get_stack()}"
        self._prefix = prefix

        # ---------------------------------------------------------------- alarms
        health_check = self._health_check(args.health_check_url) if args.health_check_url is not None else None
        if args.cdn_distribution_id is not None and args.cdn_additional_metrics:
            # Origin latency and cache hit rate are CloudFront's billed "additional metrics".
            aws.cloudfront.MonitoringSubscription(
                f"{name}-cdn-metrics",
                distribution_id=args.cdn_distribution_id,
                monitoring_subscription={"realtime_metrics_subscription_config": {
                    "realtime_metrics_subscription_status": "Enabled"}},
                opts=self._child,
            )
        specs = args.catalogue(health_check_id=health_check.id if health_check is not None else None)

        # ---------------------------------------------------------------- topics
        # One set per region with alarms: an alarm can only notify topics in its region.
        routes = routing(args.emails, args.pager_webhook_url is not None, args.chat_webhook_url is not None)
        topics = self._topics("", None, routes)
        by_region = {None: topics, args.region: topics}
        for topic_region in args.topic_regions(specs):
            by_region[topic_region] = self._topics(args.topic_infix(topic_region), topic_region, routes)
        edge_topics = by_region.get(args.edge_region, topics)

        alarms = []
        for spec in specs:
            topic = by_region[spec.region][spec.severity]
            alarms.append(aws.cloudwatch.MetricAlarm(
                f"{name}-{spec.key}",
                name=alarm_name(prefix, spec.key),
                alarm_description=f"[{spec.severity.value}] {spec.description}"[:1024],
                namespace=spec.namespace,
                metric_name=spec.metric_name,
                dimensions=spec.dimensions,
                statistic=spec.statistic,
                extended_statistic=spec.extended_statistic,
                period=spec.period,
                evaluation_periods=spec.evaluation_periods,
                datapoints_to_alarm=spec.datapoints_to_alarm,
                threshold=spec.threshold,
                comparison_operator=spec.comparison,
                treat_missing_data=spec.treat_missing_data,
                actions_enabled=True,
                alarm_actions=[topic.arn],
                ok_actions=[topic.arn],
                region=spec.region,
                opts=self._child,
            ))

        budget_alarm_names = self._burn_rate_alarms(by_region) if args.cdn_distribution_id is not None else []

        if args.backup_vault_name is not None:
            self._backup_events(args.backup_vault_name, topics)

        # ---------------------------------------------------------------- dashboard
        self.dashboard_name = None
        if args.dashboard:
            self.dashboard_name = self._dashboard(region, health_check, specs).dashboard_name

        self.topic_arns = pulumi.Output.all(**{s.value: topics[s].arn for s in SEVERITIES})
        self.edge_topic_arns = pulumi.Output.all(**{s.value: edge_topics[s].arn for s in SEVERITIES})
        # Keyed by the region the provider reports, so it is right even without args.region.
        copies = {r: pulumi.Output.all(**{s.value: t[s].arn for s in SEVERITIES})
                  for r, t in by_region.items() if t is not topics}
        self.regional_topic_arns = pulumi.Output.all(
            region, self.topic_arns, pulumi.Output.all(**copies) if copies else {},
        ).apply(lambda resolved: {resolved[0]: resolved[1], **resolved[2]})
        self.alarm_names = pulumi.Output.all(*[a.name for a in alarms], *budget_alarm_names).apply(list)
        self.critical_alarm_arns = pulumi.Output.all(*[
            a.arn for spec, a in zip(specs, alarms)
            if spec.severity is Severity.CRITICAL and spec.region in (None, args.region)]).apply(list)
        self.health_check_id = health_check.id if health_check is not None else None
        self.register_outputs({
            "topic_arns": self.topic_arns,
            "edge_topic_arns": self.edge_topic_arns,
            "regional_topic_arns": self.regional_topic_arns,
            "alarm_names": self.alarm_names,
            "critical_alarm_arns": self.critical_alarm_arns,
            "dashboard_name": self.dashboard_name,
            "health_check_id": self.health_check_id,
        })

    # ------------------------------------------------------------------ building blocks

    def _burn_rate_alarms(self, by_region: dict[Optional[str], dict[Severity, aws.sns.Topic]]
                          ) -> list[pulumi.Output[str]]:
        """The error budgets' burn-rate alerts (``pulumi_webstack.slo``): each window an alarm
        without actions, each alert a composite alarm (both windows in ALARM) notifying its
        severity's topic. In ``edge_region``, where CloudFront publishes the SLIs; a composite
        alarm combines alarms of its own region, and the edge topics exist there for the CDN
        alarms. Returns the names of the alarms created."""
        args = self._args
        topics = by_region[args.edge_region]
        names: list[pulumi.Output[str]] = []
        for alert in burn_rate_alerts(args.objectives, args.cdn_distribution_id,
                                      additional_metrics=args.cdn_additional_metrics):
            long, short = (aws.cloudwatch.MetricAlarm(
                f"{self._name}-{spec.key}",
                name=alarm_name(self._prefix, spec.key),
                alarm_description=spec.description[:1024],
                **metric_inputs(spec),
                actions_enabled=False,  # the composite alarm notifies, not each window
                region=args.edge_region,
                opts=self._child,
            ) for spec in (alert.long, alert.short))
            topic = topics[alert.severity]
            composite = aws.cloudwatch.CompositeAlarm(
                f"{self._name}-{alert.key}",
                alarm_name=alarm_name(self._prefix, alert.key),
                alarm_description=f"[{alert.severity.value}] {alert.description}"[:1024],
                alarm_rule=pulumi.Output.all(long.name, short.name).apply(lambda names: alarm_rule(*names)),
                actions_enabled=True,
                alarm_actions=[topic.arn],
                ok_actions=[topic.arn],
                region=args.edge_region,
                opts=self._child,
            )
            names += [long.name, short.name, composite.alarm_name]
        return names

    def _topics(self, infix: str, region: Optional[str], routes: dict[Severity, list[Route]]
                ) -> dict[Severity, aws.sns.Topic]:
        name, args = self._name, self._args
        where = f" ({region})" if region else ""
        key = kms.customer_managed_key(
            f"{name}-{infix}key",
            description=f"Alert topics of {self._prefix}{where}",
            deletion_window_in_days=30,
            policy=self._account.apply(lambda a: json.dumps(topic_key_policy(a))),
            region=region,
            opts=self._child,
        )
        kms.key_alias(f"{name}-{infix}key-alias", key, f"alias/{self._prefix}-alerts", region=region, opts=self._child)
        topics: dict[Severity, aws.sns.Topic] = {}
        endpoints = {"pager": args.pager_webhook_url, "chat": args.chat_webhook_url}
        for severity in SEVERITIES:
            resource = f"{name}-{infix}{severity.value}"
            topic = aws.sns.Topic(
                resource,
                name=f"{self._prefix}-{severity.value}",
                display_name=f"{self._prefix} {severity.value}",
                kms_master_key_id=key.arn,
                region=region,
                opts=self._child,
            )
            aws.sns.TopicPolicy(
                f"{resource}-policy",
                arn=topic.arn,
                policy=pulumi.Output.all(topic.arn, self._account).apply(lambda a: json.dumps(topic_policy(a[0], a[1]))),
                region=region,
                opts=self._child,
            )
            for route in routes[severity]:
                https = route.protocol == "https"
                endpoint = endpoints[route.endpoint] if https else route.endpoint
                aws.sns.TopicSubscription(
                    f"{resource}-{route.key}",
                    topic=topic.arn,
                    protocol=route.protocol,
                    endpoint=pulumi.Output.secret(endpoint) if https else endpoint,
                    delivery_policy=json.dumps(HTTPS_DELIVERY_POLICY) if https else None,
                    region=region,
                    opts=self._child,
                )
            topics[severity] = topic
        return topics

    def _health_check(self, url: pulumi.Input[str]) -> aws.route53.HealthCheck:
        parsed = pulumi.Output.from_input(url).apply(urlparse)
        return aws.route53.HealthCheck(
            f"{self._name}-health",
            type="HTTPS",
            fqdn=parsed.apply(lambda p: p.hostname),
            port=parsed.apply(lambda p: p.port or 443),
            resource_path=parsed.apply(lambda p: (p.path or "/") + (f"?{p.query}" if p.query else "")),
            enable_sni=True,
            request_interval=30,
            failure_threshold=2,
            measure_latency=True,
            tags={"Name": f"{self._prefix}-health"},
            opts=self._child,
        )

    def _backup_events(self, vault_name: pulumi.Input[str], topics: dict[Severity, aws.sns.Topic]) -> None:
        name = self._name
        patterns = pulumi.Output.from_input(vault_name).apply(backup_event_patterns)
        messages = {
            Severity.CRITICAL: (
                "backup-failed",
                "Backup Job State Change",
                {"job": "$.detail.backupJobId", "resource": "$.detail.resourceArn", "vault": "$.detail.backupVaultName",
                 "state": "$.detail.state", "reason": "$.detail.statusMessage"},
                "AWS Backup job <job> for <resource> in vault <vault> ended <state>: <reason>. No recovery point "
                "was created. Check the job in the AWS Backup console, fix the cause (backup role, KMS key, "
                "resource state) and start an on-demand backup.",
            ),
            Severity.WARNING: (
                "copy-failed",
                "Copy Job State Change",
                {"job": "$.detail.copyJobId", "destination": "$.detail.destinationBackupVaultArn",
                 "state": "$.detail.state", "reason": "$.detail.statusMessage"},
                "AWS Backup copy job <job> to <destination> ended <state>: <reason>. The local recovery point "
                "exists; the cross-region copy does not. Check the copy vault's KMS key and lock settings.",
            ),
        }
        for severity, (suffix, detail_type, paths, text) in messages.items():
            rule = aws.cloudwatch.EventRule(
                f"{name}-{suffix}",
                name=f"{self._prefix}-{suffix}"[:64],
                description=f"AWS Backup: {detail_type} to a failed state ({severity.value})",
                event_pattern=patterns.apply(lambda p, s=severity: json.dumps(p[s.value])),
                opts=self._child,
            )
            aws.cloudwatch.EventTarget(
                f"{name}-{suffix}-target",
                rule=rule.name,
                arn=topics[severity].arn,
                input_transformer={"input_paths": paths, "input_template": json.dumps(text)},
                opts=self._child,
            )
        aws.backup.VaultNotifications(
            f"{name}-vault-notifications",
            backup_vault_name=vault_name,
            sns_topic_arn=topics[Severity.INFO].arn,
            backup_vault_events=BACKUP_VAULT_EVENTS,
            opts=self._child,
        )

    def _dashboard(self, region: pulumi.Output[str], health_check: Optional[aws.route53.HealthCheck],
                   specs: list[AlarmSpec]) -> aws.cloudwatch.Dashboard:
        args = self._args
        thresholds = {s.key: s.threshold for s in specs}
        ids: dict[str, Any] = {
            "region": region,
            "health_check_id": health_check.id if health_check is not None else None,
            "distribution_id": args.cdn_distribution_id,
            "database_identifier": args.database_identifier,
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
            f"{self._name}-dashboard",
            dashboard_name=f"{self._prefix}-operations",
            dashboard_body=body,
            opts=self._child,
        )
