"""``webstack estimate STACK [--json]``: how long ``pulumi up`` takes to create a stack, and
what it costs per month, estimated from the stack's offline plan.

Deploy time. ``pulumi up`` creates a resource as soon as everything it waits for exists, so
a first deployment takes as long as the longest chain of dependent creations, each taking
its typical creation time (``CREATION_SECONDS``). The estimate names that chain (the deploy
critical path), when each step starts and ends, and the serial sum of every creation for
comparison. The times are typical, not guaranteed: they are what AWS usually takes for the
settings this library uses (an empty database, DNS validated in Route 53), and AWS's own
load varies them. The chain itself is exact: it is the plan's dependency graph.

Monthly cost. Each resource with a standing charge is priced from its registered inputs
(instance class, Multi-AZ, storage, node count, rules, alarm metrics...) with the dated list
prices of ``pulumi_webstack_cli.price_table``. Charges that depend on traffic or data volume are listed
with their unit prices instead of guessed. Anything the table cannot price (a class it does
not list, Vercel, the Kubernetes cluster) is named as not included, never counted as zero.

JSON (``--json``), ``schemaVersion`` 1; fields are only ever added::

    {
      "schemaVersion": 1, "stack": "prod", "resources": 247,
      "deploy": {
        "criticalPathSeconds": 2190, "serialSeconds": 9000, "steps": 7,
        "chain": [{"urn": "...", "type": "aws:ec2/vpc:Vpc", "name": "network-vpc",
                   "seconds": 5, "startsAt": 0, "finishesAt": 5, "basis": "..."}],
        "defaultedTypes": []                # types priced in time by the default
      },
      "cost": {
        "currency": "USD", "region": "us-east-1", "pricesAsOf": "2026-11", "label": "...",
        "monthlyTotal": 1234.56,
        "lines": [{"urn": "...", "type": "...", "name": "...", "monthly": 349.0, "detail": "..."}],
        "unpriced": [{"urn": "...", "type": "...", "name": "...", "reason": "..."}],
        "usageBased": [{"service": "CloudFront", "what": "...", "price": "..."}]
      }
    }
"""

from __future__ import annotations

import argparse
import json
import re
from dataclasses import dataclass, field
from typing import Any, Callable, Optional

from pulumi_webstack.instance_classes import CACHE_NODE_TYPES, RDS_INSTANCE_CLASSES
from pulumi_webstack_cli import price_table as prices
from pulumi_webstack_cli.engine import Plan, Resource, to_plain

SCHEMA_VERSION = 1

DEFAULT_SECONDS = 10
"""Creation time of a type the table does not list (reported in ``defaultedTypes``)."""

CREATION_SECONDS: dict[str, tuple[int, str]] = {
    # Network: API calls plus the provider's wait for the resource to be available.
    "aws:ec2/vpc:Vpc": (5, "VPC available in seconds"),
    "aws:ec2/subnet:Subnet": (5, "subnet available in seconds"),
    "aws:ec2/routeTable:RouteTable": (3, "API call"),
    "aws:ec2/routeTableAssociation:RouteTableAssociation": (2, "API call"),
    "aws:ec2/securityGroup:SecurityGroup": (4, "API call plus consistency wait"),
    "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup": (3, "adopts and empties the default group"),
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": (2, "API call"),
    "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": (2, "API call"),
    "aws:ec2/flowLog:FlowLog": (5, "API call"),
    "aws:ec2/route:Route": (3, "API call"),
    "aws:ec2/vpcPeeringConnectionAccepter:VpcPeeringConnectionAccepter": (
        10, "accepts the requested peering; the provider waits for it to be active"),
    # Keys, identities, secrets.
    "aws:kms/key:Key": (15, "key creation plus the provider's wait for the key policy to propagate"),
    "aws:kms/alias:Alias": (2, "API call"),
    "aws:iam/role:Role": (8, "IAM is eventually consistent: the provider waits for the role"),
    "aws:iam/rolePolicy:RolePolicy": (5, "API call plus propagation"),
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment": (5, "API call plus propagation"),
    "aws:iam/openIdConnectProvider:OpenIdConnectProvider": (3, "API call"),
    "aws:secretsmanager/secret:Secret": (3, "API call (replicas are created asynchronously)"),
    "aws:secretsmanager/secretVersion:SecretVersion": (2, "API call"),
    "random:index/randomPassword:RandomPassword": (0, "computed locally by the provider"),
    "random:index/randomString:RandomString": (0, "computed locally by the provider"),
    # Database.
    "aws:rds/subnetGroup:SubnetGroup": (3, "API call"),
    "aws:rds/parameterGroup:ParameterGroup": (5, "API calls for the group and its parameters"),
    "aws:rds/instance:Instance": (600, "see rds_instance_seconds"),
    "aws:rds/proxy:Proxy": (480, "RDS Proxy typically becomes available in 5-10 minutes"),
    "aws:rds/proxyDefaultTargetGroup:ProxyDefaultTargetGroup": (10, "modifies the proxy's default group"),
    "aws:rds/proxyTarget:ProxyTarget": (30, "registers the instance with the proxy"),
    # Cache.
    "aws:elasticache/subnetGroup:SubnetGroup": (3, "API call"),
    "aws:elasticache/parameterGroup:ParameterGroup": (5, "API calls"),
    "aws:elasticache/replicationGroup:ReplicationGroup": (600, "see replication_group_seconds"),
    # Edge.
    "aws:acm/certificate:Certificate": (5, "request only; validation is separate"),
    "aws:acm/certificateValidation:CertificateValidation": (
        180, "ACM validates within minutes once the DNS records exist (unbounded until they do)"),
    "aws:cloudfront/cachePolicy:CachePolicy": (3, "API call"),
    "aws:cloudfront/responseHeadersPolicy:ResponseHeadersPolicy": (3, "API call"),
    "aws:cloudfront/distribution:Distribution": (300, "the provider waits for 'Deployed': typically 3-6 minutes"),
    "aws:cloudfront/monitoringSubscription:MonitoringSubscription": (5, "API call"),
    "aws:wafv2/webAcl:WebAcl": (20, "API call plus propagation to CloudFront"),
    "aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration": (3, "API call"),
    "aws:cloudwatch/logDeliverySource:LogDeliverySource": (3, "API call"),
    "aws:cloudwatch/logDeliveryDestination:LogDeliveryDestination": (3, "API call"),
    "aws:cloudwatch/logDelivery:LogDelivery": (3, "API call"),
    # DNS.
    "aws:route53/zone:Zone": (60, "private zone: the provider waits for the change to be INSYNC"),
    "aws:route53/record:Record": (45, "the provider waits for the change to be INSYNC"),
    "aws:route53/healthCheck:HealthCheck": (3, "API call"),
    "aws:route53/vpcAssociationAuthorization:VpcAssociationAuthorization": (2, "API call"),
    # Storage and backups.
    "aws:s3/bucket:Bucket": (4, "API call plus consistency wait"),
    "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration": (3, "API call plus consistency wait"),
    "aws:s3/bucketLogging:BucketLogging": (2, "API call"),
    "aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration": (2, "API call"),
    "aws:s3/bucketOwnershipControls:BucketOwnershipControls": (2, "API call"),
    "aws:s3/bucketPolicy:BucketPolicy": (2, "API call"),
    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": (2, "API call"),
    "aws:s3/bucketReplicationConfig:BucketReplicationConfig": (3, "API call"),
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration": (2, "API call"),
    "aws:s3/bucketVersioning:BucketVersioning": (2, "API call"),
    "aws:backup/vault:Vault": (3, "API call"),
    "aws:backup/vaultLockConfiguration:VaultLockConfiguration": (2, "API call"),
    "aws:backup/vaultNotifications:VaultNotifications": (2, "API call"),
    "aws:backup/plan:Plan": (3, "API call"),
    "aws:backup/selection:Selection": (5, "API call plus IAM role propagation"),
    "aws:backup/restoreTestingPlan:RestoreTestingPlan": (3, "API call"),
    "aws:backup/restoreTestingSelection:RestoreTestingSelection": (5, "API call plus IAM role propagation"),
    "aws:s3/bucketObjectv2:BucketObjectv2": (2, "upload of a small object"),
    # Runtime proof.
    "aws:synthetics/canary:Canary": (
        90, "Synthetics creates the canary's Lambda function and layer; the provider waits for it to be ready, "
            "then started"),
    "aws:fis/experimentTemplate:ExperimentTemplate": (2, "API call (the template runs nothing)"),
    # Alerting.
    "aws:sns/topic:Topic": (2, "API call"),
    "aws:sns/topicPolicy:TopicPolicy": (2, "API call"),
    "aws:sns/topicSubscription:TopicSubscription": (2, "API call (confirmation is out of band)"),
    "aws:cloudwatch/logGroup:LogGroup": (2, "API call"),
    "aws:cloudwatch/logResourcePolicy:LogResourcePolicy": (2, "API call"),
    "aws:cloudwatch/metricAlarm:MetricAlarm": (1, "API call"),
    "aws:cloudwatch/compositeAlarm:CompositeAlarm": (1, "API call"),
    "aws:cloudwatch/dashboard:Dashboard": (1, "API call"),
    "aws:cloudwatch/eventRule:EventRule": (2, "API call"),
    "aws:cloudwatch/eventTarget:EventTarget": (2, "API call"),
    "aws:chatbot/slackChannelConfiguration:SlackChannelConfiguration": (5, "API call (the workspace is authorised beforehand)"),
    "aws:chatbot/teamsChannelConfiguration:TeamsChannelConfiguration": (5, "API call (the tenant is authorised beforehand)"),
    # App tier: Vercel.
    "vercel:index/project:Project": (3, "Vercel API call"),
    "vercel:index/projectDomain:ProjectDomain": (3, "Vercel API call"),
    "vercel:index/projectEnvironmentVariable:ProjectEnvironmentVariable": (1, "Vercel API call"),
    "vercel:index/projectRollingRelease:ProjectRollingRelease": (2, "Vercel API call"),
    "vercel:index/projectRoute:ProjectRoute": (2, "Vercel API call"),
    "vercel:index/firewallConfig:FirewallConfig": (2, "Vercel API call"),
    "vercel:index/network:Network": (
        300, "Vercel builds the network's VPC in its AWS account; the provider waits until it is ready "
             "(minutes; Vercel documents no figure)"),
    # App tier: Kubernetes (Pulumi's Kubernetes provider waits for readiness).
    "kubernetes:core/v1:Namespace": (2, "API call"),
    "kubernetes:core/v1:ServiceAccount": (1, "API call"),
    "kubernetes:core/v1:ConfigMap": (1, "API call"),
    "kubernetes:core/v1:Secret": (1, "API call"),
    "kubernetes:core/v1:Service": (5, "ClusterIP service: waits for endpoints"),
    "kubernetes:apps/v1:Deployment": (120, "waits until the rollout's pods are ready"),
    "kubernetes:autoscaling/v2:HorizontalPodAutoscaler": (1, "API call"),
    "kubernetes:policy/v1:PodDisruptionBudget": (1, "API call"),
    "kubernetes:networking.k8s.io/v1:NetworkPolicy": (1, "API call"),
    "kubernetes:vpcresources.k8s.aws/v1beta1:SecurityGroupPolicy": (1, "API call"),
    "kubernetes:networking.k8s.io/v1:Ingress": (90, "waits for the controller to publish an address"),
    # App tier: ECS on Fargate.
    "aws:ec2/internetGateway:InternetGateway": (3, "API call"),
    "aws:ec2/vpcEndpoint:VpcEndpoint": (90, "see vpc_endpoint_seconds"),
    "aws:lb/loadBalancer:LoadBalancer": (180, "the provider waits for the load balancer to be active: 2-4 minutes"),
    "aws:lb/targetGroup:TargetGroup": (3, "API call"),
    "aws:lb/listener:Listener": (3, "API call"),
    "aws:lb/listenerRule:ListenerRule": (2, "API call"),
    "aws:ecs/cluster:Cluster": (10, "API call plus the provider's wait for ACTIVE"),
    "aws:ecs/taskDefinition:TaskDefinition": (2, "API call (registers a revision)"),
    "aws:ecs/service:Service": (60, "created once ECS accepts it (no wait for steady state); the first tasks "
                                    "start alongside, 1-3 minutes"),
    "aws:appautoscaling/target:Target": (3, "API call"),
    "aws:appautoscaling/policy:Policy": (3, "API call (creates its CloudWatch alarms)"),
}
"""Typical creation time in seconds of each resource type, and why."""

RDS_SECONDS = {
    "primary": 600, "primary-multi-az": 900, "replica": 720, "cross-region-replica": 1500,
}
"""RDS for PostgreSQL creation with an empty database: a Single-AZ instance in about 10
minutes, Multi-AZ about 15 (the standby is built and synchronised first); an in-region read
replica about 12 (snapshot of the source, restore, catch-up); a cross-region replica about
25 (the snapshot is copied across regions first). Larger databases take longer."""

REPLICATION_GROUP_SECONDS = {"single-node": 480, "with-replicas": 780}
"""ElastiCache replication group: one node in about 8 minutes; with replicas and Multi-AZ
about 13 (nodes come up in parallel, then replication and failover are configured)."""


def rds_instance_seconds(res: Resource) -> tuple[int, str]:
    source = res.inputs.get("replicateSourceDb")
    if isinstance(source, str) and source.startswith("arn:"):
        return RDS_SECONDS["cross-region-replica"], "cross-region read replica: snapshot copied across regions, restored"
    if source:
        return RDS_SECONDS["replica"], "read replica: snapshot of the source, restored, caught up"
    if res.inputs.get("multiAz"):
        return RDS_SECONDS["primary-multi-az"], "Multi-AZ instance: primary and synchronised standby"
    return RDS_SECONDS["primary"], "Single-AZ instance"


def vpc_endpoint_seconds(res: Resource) -> tuple[int, str]:
    if res.inputs.get("vpcEndpointType") == "Gateway":
        return 10, "gateway endpoint: route table entries, seconds"
    return 90, "interface endpoint: the provider waits until its network interfaces are available (1-2 minutes)"


def replication_group_seconds(res: Resource) -> tuple[int, str]:
    nodes = _node_count(res)
    if nodes > 1:
        return REPLICATION_GROUP_SECONDS["with-replicas"], f"{nodes} nodes with replication and failover"
    return REPLICATION_GROUP_SECONDS["single-node"], "one node"


_BY_INPUTS: dict[str, Callable[[Resource], tuple[int, str]]] = {
    "aws:rds/instance:Instance": rds_instance_seconds,
    "aws:elasticache/replicationGroup:ReplicationGroup": replication_group_seconds,
    "aws:ec2/vpcEndpoint:VpcEndpoint": vpc_endpoint_seconds,
}


def creation_seconds(res: Resource) -> tuple[int, str]:
    """Typical creation time of ``res`` and the reason for it."""
    if res.type in _BY_INPUTS:
        return _BY_INPUTS[res.type](res)
    if res.type in CREATION_SECONDS:
        return CREATION_SECONDS[res.type]
    return DEFAULT_SECONDS, "not in the table: default"


# ------------------------------------------------------------------------ deploy time


@dataclass(frozen=True)
class Step:
    resource: Resource
    seconds: int
    starts_at: int
    basis: str

    @property
    def finishes_at(self) -> int:
        return self.starts_at + self.seconds


@dataclass
class DeployEstimate:
    chain: list[Step]
    serial_seconds: int
    defaulted_types: list[str]

    @property
    def critical_path_seconds(self) -> int:
        return self.chain[-1].finishes_at if self.chain else 0


def deploy_estimate(plan: Plan) -> DeployEstimate:
    """The longest chain of dependent creations, weighted by ``creation_seconds``."""
    creatable = plan.creatable()
    took = {r.urn: creation_seconds(r) for r in creatable}
    finish = plan.finish_times(lambda res: took[res.urn][0])
    chain: list[Step] = []
    for res in plan.critical_path(finish):
        seconds, basis = took[res.urn]
        chain.append(Step(res, seconds, finish[res.urn] - seconds, basis))
    defaulted = sorted({r.type for r in creatable if r.type not in CREATION_SECONDS and r.type not in _BY_INPUTS})
    return DeployEstimate(chain, sum(s for s, _ in took.values()), defaulted)


# ------------------------------------------------------------------------------- cost


@dataclass(frozen=True)
class CostLine:
    resource: Resource
    monthly: float
    detail: str


@dataclass(frozen=True)
class Unpriced:
    resource: Resource
    reason: str


@dataclass
class CostEstimate:
    lines: list[CostLine] = field(default_factory=list)
    unpriced: list[Unpriced] = field(default_factory=list)

    @property
    def monthly_total(self) -> float:
        return round(sum(line.monthly for line in self.lines), 2)


class _NoPrice(Exception):
    """The table has no price for what a resource needs (the message says what)."""


def vcpus(instance_class: str) -> int:
    """vCPUs of an RDS or ElastiCache class (``pulumi_webstack.instance_classes``)."""
    size = RDS_INSTANCE_CLASSES.get(instance_class) or CACHE_NODE_TYPES.get(instance_class)
    if size is None:
        raise _NoPrice(f"unknown instance class {instance_class!r}")
    return size.vcpus


def _hourly(table: dict[str, float], key: Any, what: str) -> float:
    if key not in table:
        raise _NoPrice(f"no list price for {what} {key!r} in the table of {prices.AS_OF}")
    return table[key]


def _money(value: float) -> str:
    return f"${value:,.2f}"


def _rds_instance(res: Resource, plan: Plan) -> tuple[float, str]:
    inputs = res.inputs
    klass = inputs.get("instanceClass")
    hourly = _hourly(prices.RDS_POSTGRES_HOURLY, klass, "RDS instance class")
    copies = 2 if inputs.get("multiAz") else 1
    storage_type = inputs.get("storageType") or "gp3"
    gb = inputs.get("allocatedStorage")
    if gb is None and inputs.get("replicateSourceDb"):
        source = _instance_by_identifier(plan, inputs["replicateSourceDb"])
        gb = source.inputs.get("allocatedStorage") if source else None
    if gb is None:
        raise _NoPrice("allocated storage unknown")
    per_gb = _hourly(prices.RDS_STORAGE_GB_MONTH, storage_type, "RDS storage type")
    compute = hourly * prices.HOURS_PER_MONTH * copies
    storage = float(gb) * per_gb * copies
    extra_iops = max(0, int(inputs.get("iops") or 0) - 3000) if storage_type == "gp3" else 0
    iops = extra_iops * prices.RDS_GP3_IOPS_MONTH * copies
    az = "Multi-AZ" if copies == 2 else "Single-AZ"
    detail = f"{klass} {az} {_money(compute)} + {gb} GB {storage_type} {_money(storage)}"
    if iops:
        detail += f" + {extra_iops} IOPS {_money(iops)}"
    return compute + storage + iops, detail


def _instance_by_identifier(plan: Plan, identifier_or_arn: str) -> Optional[Resource]:
    identifier = identifier_or_arn.rsplit(":", 1)[-1]
    return next((r for r in plan.by_type("aws:rds/instance:Instance")
                 if r.inputs.get("identifier") == identifier), None)


def _rds_proxy(res: Resource, plan: Plan) -> tuple[float, str]:
    name = res.inputs.get("name")
    targets = [t for t in plan.by_type("aws:rds/proxyTarget:ProxyTarget") if t.inputs.get("dbProxyName") == name]
    instances = [_instance_by_identifier(plan, t.inputs.get("dbInstanceIdentifier", "")) for t in targets]
    if not instances or None in instances:
        raise _NoPrice("the proxy's target instance is not in the plan")
    cpus = max(prices.RDS_PROXY_MIN_VCPUS, sum(vcpus(i.inputs["instanceClass"]) for i in instances))
    monthly = cpus * prices.RDS_PROXY_VCPU_HOUR * prices.HOURS_PER_MONTH
    return monthly, f"{cpus} vCPUs of its target × ${prices.RDS_PROXY_VCPU_HOUR}/vCPU-hour"


def _node_count(res: Resource) -> int:
    inputs = res.inputs
    if inputs.get("numNodeGroups"):
        return int(inputs["numNodeGroups"]) * (1 + int(inputs.get("replicasPerNodeGroup") or 0))
    return int(inputs.get("numCacheClusters") or 1)


def _replication_group(res: Resource, plan: Plan) -> tuple[float, str]:
    node_type = res.inputs.get("nodeType")
    hourly = _hourly(prices.ELASTICACHE_REDIS_HOURLY, node_type, "ElastiCache node type")
    engine = res.inputs.get("engine") or "redis"
    if engine == "valkey":
        hourly *= 1 - prices.ELASTICACHE_VALKEY_DISCOUNT
    nodes = _node_count(res)
    return nodes * hourly * prices.HOURS_PER_MONTH, f"{nodes} × {node_type} ({engine})"


def _secret(res: Resource, plan: Plan) -> tuple[float, str]:
    regions = 1 + len(res.inputs.get("replicas") or [])
    return regions * prices.SECRET_MONTH, "secret" + (f" in {regions} regions" if regions > 1 else "")


def _alarm(res: Resource, plan: Plan) -> tuple[float, str]:
    queries = res.inputs.get("metricQueries") or []
    # An expression-only alarm (DB_PERF_INSIGHTS metric math) is billed as one metric.
    metrics = max(1, sum(1 for q in queries if q.get("metric"))) if queries else 1
    periods = [res.inputs.get("period")] + [(q.get("metric") or {}).get("period") for q in queries]
    high_resolution = any(isinstance(p, (int, float)) and p < 60 for p in periods)
    unit = prices.ALARM_METRIC_HIGH_RESOLUTION_MONTH if high_resolution else prices.ALARM_METRIC_MONTH
    return metrics * unit, f"{metrics} metric{'s' if metrics > 1 else ''}" + (" (high resolution)" if high_resolution else "")


def _health_check(res: Resource, plan: Plan) -> tuple[float, str]:
    inputs = res.inputs
    kind = "aws" if inputs.get("type") in ("CLOUDWATCH_METRIC", "CALCULATED") else "external"
    features = [name for name, on in (
        ("HTTPS", str(inputs.get("type", "")).startswith("HTTPS")),
        ("string matching", "STR_MATCH" in str(inputs.get("type", ""))),
        ("fast interval", inputs.get("requestInterval") == 10),
        ("latency", bool(inputs.get("measureLatency"))),
    ) if on]
    monthly = prices.HEALTH_CHECK_MONTH[kind] + len(features) * prices.HEALTH_CHECK_FEATURE_MONTH[kind]
    target = "of an AWS metric" if kind == "aws" else "of an endpoint"
    return monthly, f"health check {target}" + (f" + {', '.join(features)}" if features else "")


def _web_acl(res: Resource, plan: Plan) -> tuple[float, str]:
    rules = len(res.inputs.get("rules") or [])
    return prices.WAF_WEB_ACL_MONTH + rules * prices.WAF_RULE_MONTH, f"web ACL + {rules} rules"


def _monitoring_subscription(res: Resource, plan: Plan) -> tuple[float, str]:
    config = (res.inputs.get("monitoringSubscription") or {}).get("realtimeMetricsSubscriptionConfig") or {}
    if config.get("realtimeMetricsSubscriptionStatus") != "Enabled":
        return 0.0, "additional metrics off"
    n = prices.CLOUDFRONT_ADDITIONAL_METRICS
    return n * prices.CUSTOM_METRIC_MONTH, f"{n} additional CloudFront metrics"


def _fargate_service(res: Resource, plan: Plan) -> tuple[float, str]:
    """The service's minimum task count around the clock (autoscaling above it is usage)."""
    arn = res.inputs.get("taskDefinition")
    task = next((t for t in plan.by_type("aws:ecs/taskDefinition:TaskDefinition") if t.state.get("arn") == arn), None)
    if task is None:
        raise _NoPrice("the service's task definition is not in the plan")
    architecture = (task.inputs.get("runtimePlatform") or {}).get("cpuArchitecture") or "X86_64"
    vcpu, gb = int(task.inputs["cpu"]) / 1024, int(task.inputs["memory"]) / 1024
    tasks = int(res.inputs.get("desiredCount") or 0)
    hourly = (vcpu * _hourly(prices.FARGATE_VCPU_HOUR, architecture, "Fargate architecture")
              + gb * prices.FARGATE_GB_HOUR[architecture])
    return tasks * hourly * prices.HOURS_PER_MONTH, f"{tasks} × Fargate {architecture} {vcpu:g} vCPU / {gb:g} GB"


def _load_balancer(res: Resource, plan: Plan) -> tuple[float, str]:
    base = prices.ALB_HOUR * prices.HOURS_PER_MONTH
    if res.inputs.get("internal"):
        return base, "Application Load Balancer (LCUs per use)"
    zones = len(res.inputs.get("subnets") or [])
    addresses = zones * prices.PUBLIC_IPV4_HOUR * prices.HOURS_PER_MONTH
    return base + addresses, (f"Application Load Balancer {_money(base)} + {zones} public IPv4 {_money(addresses)} "
                              "(LCUs per use)")


def _vpc_endpoint(res: Resource, plan: Plan) -> tuple[float, str]:
    if res.inputs.get("vpcEndpointType") != "Interface":
        return 0.0, "gateway endpoint (free)"
    zones = len(res.inputs.get("subnetIds") or [])
    return zones * prices.VPC_ENDPOINT_AZ_HOUR * prices.HOURS_PER_MONTH, f"interface endpoint in {zones} AZ(s)"


def canary_runs_per_month(expression: str) -> int:
    """Runs a Synthetics schedule makes in a month: ``rate(5 minutes)`` -> 8,760."""
    match = re.fullmatch(r"rate\((\d+) (minute|minutes|hour|hours)\)", expression or "")
    if match is None:
        raise _NoPrice(f"schedule {expression!r}: runs per month are derived from rate() expressions only")
    minutes = int(match.group(1)) * (60 if match.group(2).startswith("hour") else 1)
    if minutes == 0:
        raise _NoPrice("runs once: not a standing charge")
    return prices.HOURS_PER_MONTH * 60 // minutes


def _canary(res: Resource, plan: Plan) -> tuple[float, str]:
    if res.inputs.get("startCanary") is False:
        return 0.0, "stopped"
    runs = canary_runs_per_month((res.inputs.get("schedule") or {}).get("expression"))
    return runs * prices.SYNTHETICS_CANARY_RUN, f"{runs:,} runs × ${prices.SYNTHETICS_CANARY_RUN}"


def _flat(monthly: float, detail: str) -> Callable[[Resource, Plan], tuple[float, str]]:
    return lambda res, plan: (monthly, detail)


PRICERS: dict[str, Callable[[Resource, Plan], tuple[float, str]]] = {
    "aws:rds/instance:Instance": _rds_instance,
    "aws:rds/proxy:Proxy": _rds_proxy,
    "aws:elasticache/replicationGroup:ReplicationGroup": _replication_group,
    "aws:kms/key:Key": _flat(prices.KMS_KEY_MONTH, "customer-managed key"),
    "aws:secretsmanager/secret:Secret": _secret,
    "aws:cloudwatch/metricAlarm:MetricAlarm": _alarm,
    "aws:cloudwatch/compositeAlarm:CompositeAlarm": _flat(prices.COMPOSITE_ALARM_MONTH, "composite alarm"),
    "aws:synthetics/canary:Canary": _canary,
    "aws:cloudwatch/dashboard:Dashboard": _flat(prices.DASHBOARD_MONTH, "dashboard (first 3 per account free)"),
    "aws:route53/zone:Zone": _flat(prices.HOSTED_ZONE_MONTH, "hosted zone"),
    "aws:route53/healthCheck:HealthCheck": _health_check,
    "aws:wafv2/webAcl:WebAcl": _web_acl,
    "aws:cloudfront/monitoringSubscription:MonitoringSubscription": _monitoring_subscription,
    "aws:ecs/service:Service": _fargate_service,
    "aws:lb/loadBalancer:LoadBalancer": _load_balancer,
    "aws:ec2/vpcEndpoint:VpcEndpoint": _vpc_endpoint,
}
"""Resource types with a standing monthly charge. Every other AWS type in the plan has none
(VPC, subnets, IAM, SNS topics, log groups, ACM certificates...) or is priced per use."""

NOT_AWS = {
    "vercel": "billed by Vercel (plan and usage), not AWS",
    "kubernetes": "runs on your cluster; its nodes are billed where the cluster runs",
}


def cost_estimate(plan: Plan) -> CostEstimate:
    estimate = CostEstimate()
    for res in plan:
        if not res.custom:
            continue
        package = res.type.split(":", 1)[0]
        if package in NOT_AWS:
            estimate.unpriced.append(Unpriced(res, NOT_AWS[package]))
            continue
        pricer = PRICERS.get(res.type)
        if pricer is None:
            continue
        try:
            monthly, detail = pricer(res, plan)
        except _NoPrice as exc:
            estimate.unpriced.append(Unpriced(res, str(exc)))
            continue
        if monthly:
            estimate.lines.append(CostLine(res, round(monthly, 2), detail))
    return estimate


# ----------------------------------------------------------------------------- output


LABEL = (f"Estimate, not a quote: on-demand {prices.REGION} list prices as of {prices.AS_OF} "
         f"({prices.CURRENCY}, {prices.HOURS_PER_MONTH} hours a month), standing charges only")


def duration(seconds: int) -> str:
    """``2190`` -> ``36m 30s``; ``45`` -> ``45s``; ``3725`` -> ``1h 02m 05s``."""
    hours, rest = divmod(int(seconds), 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}h {minutes:02d}m {secs:02d}s"
    return f"{minutes}m {secs:02d}s" if minutes else f"{secs}s"


def to_json(plan: Plan, deploy: DeployEstimate, cost: CostEstimate) -> dict[str, Any]:
    def ref(res: Resource) -> dict[str, str]:
        return {"urn": res.urn, "type": res.type, "name": res.name}

    return {
        "schemaVersion": SCHEMA_VERSION,
        "stack": plan.stack,
        "resources": len(plan),
        "deploy": {
            "criticalPathSeconds": deploy.critical_path_seconds,
            "serialSeconds": deploy.serial_seconds,
            "steps": len(deploy.chain),
            "chain": [{**ref(s.resource), "seconds": s.seconds, "startsAt": s.starts_at,
                       "finishesAt": s.finishes_at, "basis": s.basis} for s in deploy.chain],
            "defaultedTypes": deploy.defaulted_types,
        },
        "cost": {
            "currency": prices.CURRENCY,
            "region": prices.REGION,
            "pricesAsOf": prices.AS_OF,
            "label": LABEL,
            "monthlyTotal": cost.monthly_total,
            "lines": [{**ref(line.resource), "monthly": line.monthly, "detail": line.detail} for line in cost.lines],
            "unpriced": [{**ref(u.resource), "reason": u.reason} for u in cost.unpriced],
            "usageBased": [{"service": s, "what": w, "price": p} for s, w, p in prices.USAGE_BASED],
        },
    }


def render_text(plan: Plan, deploy: DeployEstimate, cost: CostEstimate) -> str:
    lines = [
        f"Deploy estimate for stack {plan.stack!r} ({len(plan)} resources): "
        f"critical path {duration(deploy.critical_path_seconds)}, typical AWS creation times.",
        f"Creating everything one after another would take {duration(deploy.serial_seconds)}; "
        "the rest of the graph is created alongside this chain.",
        "",
        f"  {'starts':>9}  {'takes':>8}  resource",
    ]
    for step in deploy.chain:
        lines.append(f"  {duration(step.starts_at):>9}  {duration(step.seconds):>8}  "
                     f"{step.resource.name} ({step.resource.type}): {step.basis}")
    if deploy.defaulted_types:
        lines.append(f"  (no typical time known for {', '.join(deploy.defaulted_types)}: "
                     f"{DEFAULT_SECONDS}s assumed)")
    lines += ["", f"Monthly cost estimate for stack {plan.stack!r}. {LABEL}.", ""]
    width = max([len(line.resource.name) for line in cost.lines] + [8])
    for line in sorted(cost.lines, key=lambda l: (-l.monthly, l.resource.name)):
        lines.append(f"  {line.resource.name:<{width}}  {_money(line.monthly):>10}  {line.detail}")
    lines.append(f"  {'Total':<{width}}  {_money(cost.monthly_total):>10}  per month, before usage-based charges")
    if cost.unpriced:
        lines += ["", "Not included:"]
        reasons: dict[str, list[str]] = {}
        for item in cost.unpriced:
            reasons.setdefault(item.reason, []).append(item.resource.name)
        for reason, names in reasons.items():
            shown = ", ".join(names[:4]) + (f" and {len(names) - 4} more" if len(names) > 4 else "")
            lines.append(f"  {shown}: {reason}")
    lines += ["", "Charged per use on top (unit prices, same table):"]
    for service, what, price in prices.USAGE_BASED:
        lines.append(f"  {service}: {what}: {price}")
    return "\n".join(lines)


def _cmd_estimate(args: argparse.Namespace) -> int:
    session = args.session
    plan = session.plan(session.stack(args), args.set)
    deploy, cost = deploy_estimate(plan), cost_estimate(plan)
    if args.json:
        print(json.dumps(to_plain(to_json(plan, deploy, cost)), indent=2))
    else:
        print(render_text(plan, deploy, cost))
    return 0


def register(subparsers: Any, common: argparse.ArgumentParser) -> None:
    from pulumi_webstack_cli.main import add_set_option, add_stack_options

    parser = subparsers.add_parser(
        "estimate", parents=[common], help="deploy critical path and monthly cost estimate of a stack",
        description="Estimate how long a first `pulumi up` of the stack takes (the longest chain of "
                    "dependent creations, typical AWS creation times) and its monthly cost "
                    f"(on-demand {prices.REGION} list prices as of {prices.AS_OF}).",
    )
    add_stack_options(parser)
    parser.add_argument("--json", action="store_true", help="machine-readable estimate (schemaVersion 1)")
    add_set_option(parser)
    parser.set_defaults(func=_cmd_estimate)
