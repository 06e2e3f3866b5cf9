"""Alerting: SNS topics by severity, CloudWatch alarms over what the stack built, AWS events
(backups, storage autoscaling), chat through AWS Chatbot, and an operations dashboard.

Pass the components you built and get their alarms:

    Alerting("alerting", AlertingArgs(emails=["oncall@example.com"], pager_webhook_url=pager,
                                      slack_team_id="T0123ABCDE", slack_channel_id="C0123ABCDE"),
             database=db, cache=cache, cdn=cdn, app=app, backups=backups)

Each keyword object is read through the attribute names of the interface contract
(``primary_identifier``, ``replica_identifiers``, ``max_connections``, ... see
``AlertingArgs.watching``); the same values can be given as plain ``AlertingArgs`` fields
(``database_identifier=...``) when the resources come from elsewhere.

Routing (DESIGN.md, ``pulumi_webstack.notifications``): critical -> pager (an SNS HTTPS
subscription to the pager's CloudWatch integration endpoint), warning -> chat (AWS Chatbot,
Slack or Microsoft Teams), info -> email. A severity without its channel falls back to chat
and the email addresses, and every topic must end up with a reader, so nothing is ever
routed to a topic nobody reads. Chat needs the Slack workspace (or Teams tenant) authorised
for AWS Chatbot once, in the AWS console (an OAuth step no API performs); its ids are then
plain settings.

Regions: a CloudWatch alarm watches metrics of its own region and can only notify SNS
topics in that region. Every ``AlarmSpec`` names its region (None: the stack's), and
each alarm is created there (per-resource ``region`` argument of pulumi-aws 7). For each
region other than the stack's that has alarms, the component creates there the topics
of the severities that go to the pager or chat (with their own key), which those alarms
notify; their email legs are relayed by EventBridge to the stack region's topics, so an
address confirms its subscription once, not once per region. Two regions need it: ``edge_region`` (us-east-1), where
CloudFront, Route 53 health check and ACM-for-CloudFront metrics exist (its resources are
named ``<name>-edge-*``; shared with the stack's when the stack runs there), and the
region of the database's cross-region (disaster-recovery) replica, whose lag is the
recovery point of a failover there (``<name>-<region>-*``).

Vercel: Vercel functions publish no CloudWatch metrics. A Vercel app is watched from the
outside (Route 53 health check on the public health URL, CloudFront 5xx rate and origin
latency); function-level errors and limits are Vercel's own alerting and log drain
(``app.vercel.logDrainUrl``).
"""

from dataclasses import dataclass, field, replace
from typing import Any, Optional, Sequence
from urllib.parse import urlparse

import pulumi
import pulumi_aws as aws

from pulumi_webstack import notifications as n
from pulumi_webstack.alarms import EDGE_REGION, SEVERITIES, AlarmSpec, Severity, Thresholds, alarm_name
from pulumi_webstack.alarms_app import cdn_alarms, certificate_alarms, ecs_alarms, health_alarms, kubernetes_alarms
from pulumi_webstack.alarms_data import (
    STORAGE_AUTOSCALING_FREE_PERCENT,
    backup_alarms,
    cache_alarms,
    cross_region_replica_alarms,
    database_alarms,
)
from pulumi_webstack.alerting_dashboard import dashboard_body, operations_dashboard  # dashboard_body: re-exported
from pulumi_webstack.alerting_delivery import Delivery, Topics
from pulumi_webstack.args import check_fields, from_inputs, aws_region, setting
from pulumi_webstack.database import instance_memory_gib
from pulumi_webstack.errors import ArgsError, require
from pulumi_webstack.instance_classes import RDS_INSTANCE_CLASSES
from pulumi_webstack.names import EMAIL
from pulumi_webstack.notifications import (  # re-exported: the routing is part of Alerting's contract
    HTTPS_DELIVERY_POLICY,
    Notice,
    Route,
    routing,
    topic_key_policy,
    topic_policy,
)
from pulumi_webstack.slo import BurnRateAlert, Objectives, alarm_rule, burn_rate_alerts, metric_inputs


# --------------------------------------------------------------------- pure helpers


def _joined(query: dict[str, Any]) -> dict[str, Any]:
    """A metric query of an ``AlarmSpec`` in provider shape: an ``expression`` given as a tuple
    of parts (text and the caller's values, Outputs among them) is joined into one string."""
    if isinstance(query.get("expression"), tuple):
        return {**query, "expression": pulumi.Output.concat(*query["expression"])}
    return query


def _listed(words: Sequence[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    return " and ".join([", ".join(words[:-1]), words[-1]] if len(words) > 2 else words)


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
    """HTTPS endpoint of the pager's CloudWatch integration (critical), e.g. PagerDuty's
    ``https://events.pagerduty.com/integration/<key>/enqueue``: it confirms the SNS
    subscription and reads the alarm. Keep it a secret Output; never exported."""
    slack_team_id: Optional[str] = setting(None, pattern=n.SLACK_TEAM_ID,
                                           words="must be a Slack workspace id such as T07EA123LEP")
    """Slack workspace authorised for AWS Chatbot (once, in the console), for chat (warning)."""
    slack_channel_id: Optional[str] = setting(None, pattern=n.SLACK_CHANNEL_ID,
                                              words="must be a Slack channel id such as C07EZ1ABC23")
    """Slack channel the alerts go to (invite ``@Amazon Q`` to it if it is private). A channel
    takes one AWS Chatbot configuration per account: give each stack its own channel."""
    teams_tenant_id: Optional[str] = setting(None, pattern=n.UUID, words="must be a Microsoft Entra tenant id (UUID)")
    """Microsoft Teams: tenant authorised for AWS Chatbot (once, in the console)."""
    teams_team_id: Optional[str] = setting(None, pattern=n.UUID, words="must be a Microsoft Teams team id (UUID)")
    """Microsoft Teams: the team."""
    teams_channel_id: Optional[str] = setting(
        None, pattern=n.TEAMS_CHANNEL_ID, words="must be a Teams channel id such as 19%3a...%40thread.tacv2")
    """Microsoft Teams: the channel the alerts go to (from the channel's link)."""
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
    database_resource_id: Optional[pulumi.Input[str]] = None
    """``DbiResourceId`` of the primary: the free-storage alarm reads the volume's use from
    Performance Insights (metric math ``DB_PERF_INSIGHTS``), a share that follows autoscaling."""
    database_arn: Optional[pulumi.Input[str]] = None
    """ARN of the primary: its storage-autoscaling events (could not scale, will reach the
    maximum) warn, when autoscaling is on."""
    database_allocated_storage_gb: Optional[int] = setting(None, ge=20, le=65_536)
    """Allocated storage at creation."""
    database_max_allocated_storage_gb: Optional[int] = setting(None, ge=20, le=65_536)
    """Ceiling of storage autoscaling; above ``database_allocated_storage_gb`` autoscaling is
    on, and the free-storage alarm must sit below its 10 % trigger."""
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
    ecs_cluster_name: Optional[pulumi.Input[str]] = None
    """ECS cluster of the app (``EcsApp.cluster_name``): enables the ECS alarms."""
    ecs_service_name: Optional[pulumi.Input[str]] = None
    """ECS service of the app."""
    ecs_min_tasks: Optional[int] = setting(None, ge=1, le=1000)
    """Tasks the service keeps at least (below it, the running-tasks alarm warns)."""
    ecs_load_balancer: Optional[pulumi.Input[str]] = None
    """ARN suffix (``app/<name>/<id>``) of the app's Application Load Balancer."""
    ecs_target_groups: Optional[list[pulumi.Input[str]]] = field(default_factory=list)
    """ARN suffixes (``targetgroup/<name>/<id>``) of its target groups (one unhealthy-targets alarm each)."""
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
        for fname in ("pager_webhook_url", "health_check_url"):
            value = getattr(self, fname)
            if isinstance(value, str):
                parsed = urlparse(value)
                require(parsed.scheme == "https" and bool(parsed.hostname), f"alerting.{fname}",
                        value if fname == "health_check_url" else "<redacted>",
                        "must be an https:// URL")
        require((self.slack_team_id is None) == (self.slack_channel_id is None), "alerting.slack_channel_id",
                self.slack_channel_id, "give slack_team_id and slack_channel_id together")
        teams = (self.teams_tenant_id, self.teams_team_id, self.teams_channel_id)
        require(all(v is None for v in teams) or all(v is not None for v in teams), "alerting.teams_channel_id",
                self.teams_channel_id, "give teams_tenant_id, teams_team_id and teams_channel_id together")
        unread = [severity.value for severity, subscribers in self.routes.items() if not subscribers]
        require(not unread, "alerting.emails", self.emails,
                f"the {_listed(unread)} topic{'s' if len(unread) > 1 else ''} would have no subscriber: give an "
                "address or a chat channel")
        if self.database_identifier is not None:
            require(self.database_max_connections is not None, "alerting.database_max_connections", None,
                    "required with database_identifier: the connections alarm is a share of max_connections")
            require(self.database_resource_id is not None, "alerting.database_resource_id", None,
                    "required with database_identifier: the free-storage alarm reads the volume's use from "
                    "Performance Insights, which names the instance by it")
        if self.storage_autoscaling:
            require(self.thresholds.db_free_storage_percent < STORAGE_AUTOSCALING_FREE_PERCENT,
                    "alerting.thresholds.db_free_storage_percent", self.thresholds.db_free_storage_percent,
                    f"must be below {STORAGE_AUTOSCALING_FREE_PERCENT} while storage autoscaling is on "
                    f"(max {self.database_max_allocated_storage_gb} GiB > {self.database_allocated_storage_gb} GiB): "
                    "autoscaling acts at 10 % free, so every normal autoscale would page")
        if self.app_platform == "kubernetes" and self.kubernetes_cluster_name is not None:
            for fname in ("kubernetes_namespace", "kubernetes_deployment_name", "kubernetes_max_replicas"):
                require(getattr(self, fname) is not None, f"alerting.{fname}", None,
                        "required with kubernetes_cluster_name (pass app= or set it)")
        if self.ecs_cluster_name is not None:
            for fname in ("ecs_service_name", "ecs_min_tasks", "ecs_load_balancer"):
                require(getattr(self, fname) is not None, f"alerting.{fname}", None,
                        "required with ecs_cluster_name (pass app= or set it)")
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
    def has_chat(self) -> bool:
        """Whether alerts go to a Slack or Teams channel (AWS Chatbot)."""
        return self.slack_channel_id is not None or self.teams_channel_id is not None

    @property
    def routes(self) -> dict[Severity, list[Route]]:
        return routing(self.emails, self.pager_webhook_url is not None, self.has_chat)

    @property
    def storage_autoscaling(self) -> bool:
        """Whether RDS storage autoscaling is on (a ceiling above the allocation)."""
        low, high = self.database_allocated_storage_gb, self.database_max_allocated_storage_gb
        return low is not None and high is not None and high > low

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
                database_resource_id=need(database, "database", "primary_resource_id"),
                database_arn=getattr(database, "primary_arn", None),
                database_allocated_storage_gb=getattr(database, "allocated_storage_gb", None),
                database_max_allocated_storage_gb=getattr(database, "max_allocated_storage_gb", None),
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
            if changes.get("app_platform", self.app_platform) == "ecs" and self.ecs_cluster_name is None:
                changes.update(ecs_cluster_name=need(app, "app", "cluster_name"),
                               ecs_service_name=need(app, "app", "service_name"),
                               ecs_min_tasks=need(app, "app", "min_tasks"),
                               ecs_load_balancer=need(app, "app", "load_balancer_arn_suffix"),
                               ecs_target_groups=list(need(app, "app", "target_group_arn_suffixes")))
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
                resource_id=self.database_resource_id,
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
        if self.ecs_cluster_name is not None:
            specs += ecs_alarms(t, self.ecs_cluster_name, self.ecs_service_name, self.ecs_load_balancer,
                                self.ecs_target_groups, self.ecs_min_tasks)
        if self.backup_vault_name is not None:
            specs += backup_alarms(t, self.backup_vault_name)
        return [replace(s, region=self.edge_region) if s.edge and s.region is None else s for s in specs]

    def topic_regions(self, specs: Sequence[AlarmSpec | Notice]) -> list[str]:
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
    EventBridge rules for AWS Backup (failed jobs and copies, restores, recovery point
    changes) and storage autoscaling events; with several regions, the EventBridge relay of
    the other regions' alarms to the stack region's email subscriptions; the AWS Chatbot
    channel configuration (Slack and/or Teams) with its role; a CloudWatch dashboard. With
    ``cdn_distribution_id`` and ``objectives``, the error budgets' burn-rate alerts in
    ``edge_region``: two window alarms and one composite alarm (to the severity's topic, its
    email leg relayed like the other edge alarms) per alert of ``slo.burn_rate_alerts``.

    Outputs: ``topic_arns`` (severity -> ARN), ``edge_topic_arns``, ``regional_topic_arns``,
    ``alarm_names``, ``critical_alarm_arns``, ``dashboard_name``, ``health_check_id``.
    """

    topic_arns: pulumi.Output[dict[str, str]]
    """ARN of the topic of each severity (``critical``, ``warning``, ``info``)."""
    edge_topic_arns: pulumi.Output[dict[str, str]]
    """Topics in ``edge_region`` used by the CloudFront, Route 53 and ACM alarms (the
    severities going to pager or chat; all three when the stack runs in ``edge_region``)."""
    regional_topic_arns: pulumi.Output[dict[str, dict[str, str]]]
    """Region -> severity -> topic ARN, for every region that has topics: the stack's,
    ``edge_region`` when there are edge alarms, the cross-region replica's. Your own alarms
    in those regions can notify these (an alarm can only notify topics in its region); in
    other regions than the stack's they carry pager and chat only."""
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
        self._prefix = args.name_prefix or f"{pulumi.get_project()}-{pulumi.get_stack()}"
        region = aws.get_region_output(opts=invoke).region
        delivery = Delivery(self, name, self._prefix, args, aws.get_caller_identity_output(opts=invoke).account_id)

        health_check = self._health_check(args.health_check_url) if args.health_check_url is not None else None
        self._cdn_additional_metrics()
        specs = args.catalogue(health_check_id=health_check.id if health_check is not None else None)
        budget = self._budget_alerts()
        # Everything that notifies, by key, severity and region: the alarms and the burn-rate alerts.
        notifying = [*specs, *(Notice(alert.key, alert.severity, args.edge_region) for alert in budget)]
        by_region = delivery.regional_topics(notifying)
        topics = by_region[None]
        alarms = self._alarms(specs, by_region)
        budget_alarm_names = self._burn_rate_alarms(budget, by_region)
        delivery.relay_email(region, notifying, topics)
        event_alarms = delivery.events(topics)
        delivery.chat(region, by_region)
        self.dashboard_name = (operations_dashboard(self, name, self._prefix, args, region, health_check, specs)
                               .dashboard_name if args.dashboard else None)
        self._outputs(region, by_region, specs, alarms, [*(a.name for a in [*alarms, *event_alarms]), *budget_alarm_names],
                      health_check)

    def _outputs(self, region: pulumi.Output[str], by_region: dict[Optional[str], Topics], specs: list[AlarmSpec],
                 alarms: list[aws.cloudwatch.MetricAlarm], alarm_names: list[pulumi.Output[str]],
                 health_check: Optional[aws.route53.HealthCheck]) -> None:
        args, topics = self._args, by_region[None]
        self.topic_arns = pulumi.Output.all(**{s.value: topics[s].arn for s in SEVERITIES})
        self.edge_topic_arns = pulumi.Output.all(**{s.value: t.arn for s, t in by_region.get(args.edge_region,
                                                                                            topics).items()})
        # Keyed by the region the provider reports, so it is right even without args.region.
        copies = {r: pulumi.Output.all(**{s.value: t.arn for s, t in region_topics.items()})
                  for r, region_topics in by_region.items() if region_topics is not topics and region_topics}
        self.regional_topic_arns = pulumi.Output.all(
            region, self.topic_arns, pulumi.Output.all(**copies) if copies else {},
        ).apply(lambda resolved: {resolved[0]: resolved[1], **resolved[2]})
        self.alarm_names = pulumi.Output.all(*alarm_names).apply(list)
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

    def _cdn_additional_metrics(self) -> None:
        """CloudFront's billed "additional metrics" (origin latency, cache hit rate), which the
        latency alarm and the latency budget read."""
        args = self._args
        if args.cdn_distribution_id is None or not args.cdn_additional_metrics:
            return
        aws.cloudfront.MonitoringSubscription(
            f"{self._name}-cdn-metrics",
            distribution_id=args.cdn_distribution_id,
            monitoring_subscription={"realtime_metrics_subscription_config": {
                "realtime_metrics_subscription_status": "Enabled"}},
            opts=self._child,
        )

    def _budget_alerts(self) -> list[BurnRateAlert]:
        """The error budgets' burn-rate alerts, with a CDN and objectives (``slo``)."""
        args = self._args
        if args.cdn_distribution_id is None or args.objectives is None:
            return []
        return burn_rate_alerts(args.objectives, args.cdn_distribution_id, additional_metrics=args.cdn_additional_metrics)

    def _alarms(self, specs: list[AlarmSpec], by_region: dict[Optional[str], Topics]) -> list[aws.cloudwatch.MetricAlarm]:
        """One CloudWatch alarm per spec, in its region, on alarm and OK to its severity's topic
        there (none for an email-only severity in another region: the relay carries it)."""
        alarms = []
        for spec in specs:
            topic = by_region[spec.region].get(spec.severity)
            actions = [topic.arn] if topic is not None else []
            # Metric math names its metrics in the queries; the alarm itself then has none.
            single = {} if spec.queries else dict(namespace=spec.namespace, metric_name=spec.metric_name,
                                                   dimensions=spec.dimensions, period=spec.period)
            alarms.append(aws.cloudwatch.MetricAlarm(
                f"{self._name}-{spec.key}",
                name=alarm_name(self._prefix, spec.key),
                alarm_description=f"[{spec.severity.value}] {spec.description}"[:1024],
                **single,
                metric_queries=[_joined(query) for query in spec.queries] or None,
                statistic=spec.statistic,
                extended_statistic=spec.extended_statistic,
                evaluation_periods=spec.evaluation_periods,
                datapoints_to_alarm=spec.datapoints_to_alarm,
                threshold=spec.threshold,
                comparison_operator=spec.comparison,
                treat_missing_data=spec.treat_missing_data,
                actions_enabled=True,
                alarm_actions=actions,
                ok_actions=actions,
                region=spec.region,
                opts=self._child,
            ))
        return alarms

    def _burn_rate_alarms(self, alerts: list[BurnRateAlert],
                          by_region: dict[Optional[str], Topics]) -> list[pulumi.Output[str]]:
        """The error budgets' burn-rate alerts (``pulumi_webstack.slo``): each window an alarm
        without actions, each alert a composite alarm (both windows in ALARM) notifying its
        severity's topic. In ``edge_region``, where CloudFront publishes the SLIs; a composite
        alarm combines alarms of its own region, and the edge topics exist there for the CDN
        alarms. Returns the names of the alarms created."""
        args = self._args
        topics = by_region.get(args.edge_region, {})
        names: list[pulumi.Output[str]] = []
        for alert in alerts:
            long, short = (aws.cloudwatch.MetricAlarm(
                f"{self._name}-{spec.key}",
                name=alarm_name(self._prefix, spec.key),
                alarm_description=spec.description[:1024],
                **metric_inputs(spec),
                actions_enabled=False,  # the composite alarm notifies, not each window
                region=args.edge_region,
                opts=self._child,
            ) for spec in (alert.long, alert.short))
            topic = topics.get(alert.severity)
            actions = [topic.arn] if topic is not None else []  # email only: relayed
            composite = aws.cloudwatch.CompositeAlarm(
                f"{self._name}-{alert.key}",
                alarm_name=alarm_name(self._prefix, alert.key),
                alarm_description=f"[{alert.severity.value}] {alert.description}"[:1024],
                alarm_rule=pulumi.Output.all(long.name, short.name).apply(lambda names: alarm_rule(*names)),
                actions_enabled=True,
                alarm_actions=actions,
                ok_actions=actions,
                region=args.edge_region,
                opts=self._child,
            )
            names += [long.name, short.name, composite.alarm_name]
        return names

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
