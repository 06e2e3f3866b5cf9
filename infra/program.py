"""The stack program: validated config in, components composed in data-flow order, outputs out.

Order (DESIGN.md): network -> database, cache -> app tier -> CDN -> backups -> alerting ->
runtime proof (canaries, drills).
``infra.config.load`` validates the whole stack file first and returns one component Args
per section; this module only adds the links between components (ids, endpoints, secrets)
as it builds them, so a bad stack file never gets as far as registering anything.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Optional

import pulumi
import pulumi_aws as aws

from infra.config import StackConfig, load
from pulumi_webstack.alerting import Alerting
from pulumi_webstack.args import LINK
from pulumi_webstack.backups import Backups
from pulumi_webstack.cache import Cache
from pulumi_webstack.canaries import Canaries
from pulumi_webstack.cdn import Cdn
from pulumi_webstack.database import Database
from pulumi_webstack.drills import MAX_STOP_CONDITIONS, Drills
from pulumi_webstack.network import Network

if TYPE_CHECKING:  # build_app imports the one app tier a stack uses (Vercel's SDK costs ~0.07 s)
    from pulumi_webstack.ecs_app import EcsApp
    from pulumi_webstack.kubernetes_app import KubernetesApp
    from pulumi_webstack.vercel_app import VercelApp

    AppTier = VercelApp | KubernetesApp | EcsApp

CDN_REGION = "us-east-1"
"""CloudFront certificates and WAF web ACLs must live in us-east-1."""


@dataclass
class Providers:
    """Explicit AWS providers, all carrying the stack's default tags."""

    main: aws.Provider
    """The stack's region (``aws:region``)."""
    cdn: aws.Provider
    """us-east-1, for ACM certificates and WAF web ACLs used by CloudFront."""
    copy: Optional[aws.Provider]
    """The backup copy region, when the tier copies backups cross-region."""
    tags: dict[str, str] = field(default_factory=dict)
    """The default tags every provider carries."""
    by_region: dict[str, aws.Provider] = field(default_factory=dict)
    """Every provider made so far, by region."""

    def for_region(self, region: str) -> aws.Provider:
        """The provider of ``region``, made (with the default tags) on first use."""
        if region not in self.by_region:
            self.by_region[region] = aws.Provider(f"aws-{region}", region=region, default_tags={"tags": self.tags})
        return self.by_region[region]


def default_tags(cfg: StackConfig) -> dict[str, str]:
    """Tags on every taggable AWS resource (via the providers' ``default_tags``)."""
    return {
        "Project": pulumi.get_project(),
        "Stack": cfg.stack,
        "Tier": cfg.tier.value,
        "ManagedBy": "pulumi",
    }


def make_providers(cfg: StackConfig) -> Providers:
    tags = default_tags(cfg)
    main_provider = aws.Provider("aws", region=cfg.region, default_tags={"tags": tags})
    providers = Providers(main=main_provider, cdn=main_provider, copy=None, tags=tags,
                          by_region={cfg.region: main_provider})
    providers.cdn = providers.for_region(CDN_REGION)
    copy_region = cfg.backups.copy_region or cfg.database.cross_region_replica
    if copy_region:
        providers.copy = providers.for_region(copy_region)
    return providers


def linked(args: Any, **links: Any) -> Any:
    """``args`` with the links to other components set: every ``LINK`` config validation
    left must be among them (a missing one is a bug of this program, not of the stack file)."""
    built = replace(args, **links)
    unset = [name for name, value in vars(built).items() if value is LINK]
    if unset:
        raise AssertionError(f"{type(args).__name__}: links not set: {', '.join(unset)}")
    return built


def build_network(cfg: StackConfig, providers: Providers, *, name: str = "network") -> Network:
    return Network(name, cfg.network, opts=pulumi.ResourceOptions(providers={"aws": providers.main}))


def build_database(cfg: StackConfig, network: Network, providers: Providers, *, name: str = "database") -> Database:
    """RDS PostgreSQL from ``webstack:database``.

    With ``crossRegionReplica``, a private network (``crossRegionCidr``, same shape as the
    main one, no public subnet) is built in that region to hold the cross-region replica.
    """
    remote: dict[str, Any] = {}
    if cfg.dr_network is not None:
        region = cfg.database.cross_region_replica
        dr = Network(f"network-{region}", cfg.dr_network,
                     opts=pulumi.ResourceOptions(providers={"aws": providers.for_region(region)}))
        remote = {"cross_region_subnet_ids": dr.subnet_ids,
                  "cross_region_security_group_id": dr.database_security_group_id}
    return Database(
        name,
        linked(cfg.database, subnet_ids=network.subnet_ids, security_group_id=network.database_security_group_id,
               availability_zones=network.availability_zones, vpc_id=network.vpc_id, **remote),
        opts=pulumi.ResourceOptions(providers={"aws": providers.main}),
    )


def build_cache(cfg: StackConfig, network: Network, providers: Providers) -> Cache:
    """ElastiCache replication group from ``webstack:cache``."""
    return Cache(
        "cache",
        linked(cfg.cache, subnet_ids=network.subnet_ids, security_group_id=network.cache_security_group_id,
               availability_zones=network.availability_zones),
        opts=pulumi.ResourceOptions(providers={"aws": providers.main}),
    )


def origin_domain(cfg: StackConfig) -> str:
    """Host the CDN fetches from: the app tier serves ``origin.<domain>``."""
    return cfg.origin_domain


def data_links(database: Database, cache: Cache) -> dict[str, Any]:
    """What the app tier needs of the data tier: the proxy (when pooling) or the writer, the
    reader endpoint, and the Secrets Manager secrets and KMS keys of the credentials."""
    return dict(
        database_host=database.proxy_endpoint if database.proxy_endpoint is not None else database.writer_endpoint,
        database_reader_host=(
            database.proxy_reader_endpoint if database.proxy_reader_endpoint is not None else database.reader_endpoint
        ),
        database_secret_arn=database.secret_arn,
        cache_host=cache.primary_endpoint,
        cache_reader_host=cache.reader_endpoint,
        cache_auth_secret_arn=cache.auth_secret_arn,
        secret_kms_key_arns=[database.kms_key_arn, cache.kms_key_arn],
    )


def build_app(
    cfg: StackConfig, network: Network, database: Database, cache: Cache, providers: Providers, *, name: str = "app"
) -> AppTier:
    """The app tier of ``webstack:app.platform``, wired to the data tier's endpoints and secrets.

    The database link is the RDS Proxy when pooling is on, else the instances. Connection
    values reach the app as Vercel sensitive variables or a Kubernetes Secret (Pulumi
    secrets either way; on ECS plain task settings, the credentials themselves injected from
    Secrets Manager by the task definition); credentials stay in Secrets Manager. The way in:
    on Vercel the Secure Compute network peered with the VPC (its range admitted, routed back,
    the reader zone authorized for it); on Kubernetes the pods carrying the app security
    group; on ECS the tasks carrying it, in the VPC's private subnets.
    """
    links = data_links(database, cache)
    if cfg.platform == "vercel":
        import pulumiverse_vercel as vercel

        from pulumi_webstack.vercel_app import VercelApp

        providers_map: dict[str, pulumi.ProviderResource] = {"aws": providers.main}
        token = cfg.secrets.get("vercelApiToken")
        if token is not None:
            providers_map["vercel"] = vercel.Provider("vercel", api_token=token, team=cfg.app.team_id)
        private = dict(vpc_id=network.vpc_id, route_table_ids=network.route_table_ids,
                       database_security_group_id=network.database_security_group_id,
                       cache_security_group_id=network.cache_security_group_id, reader_zone_id=database.reader_zone_id)
        return VercelApp(name, linked(cfg.app, **links, **private), opts=pulumi.ResourceOptions(providers=providers_map))
    if cfg.platform == "ecs":
        from pulumi_webstack.ecs_app import EcsApp

        place = dict(vpc_id=network.vpc_id, subnet_ids=network.subnet_ids, public_subnet_ids=network.public_subnet_ids,
                     app_security_group_id=network.app_security_group_id, route_table_ids=network.route_table_ids)
        return EcsApp(name, linked(cfg.app, **links, **place), opts=pulumi.ResourceOptions(providers={"aws": providers.main}))
    from pulumi_webstack.kubernetes_app import KubernetesApp

    data_cidrs: list[object] = [cfg.network.cidr] if cfg.network.vpc_id is None else [
        aws.ec2.get_vpc_output(id=cfg.network.vpc_id, opts=pulumi.InvokeOptions(provider=providers.main)).cidr_block
    ]
    return KubernetesApp(name, linked(cfg.app, data_cidrs=data_cidrs,
                                      app_security_group_id=network.app_security_group_id, **links),
                         opts=pulumi.ResourceOptions(providers={"aws": providers.main}))


def build_cdn(cfg: StackConfig, app: AppTier, providers: Providers, *, name: str = "cdn") -> Cdn:
    """CloudFront in front of the app tier's origin host (us-east-1 provider: ACM, WAF, logs)."""
    return Cdn(name, linked(cfg.cdn, origin_headers=dict(app.origin_headers)),
               opts=pulumi.ResourceOptions(providers={"aws": providers.cdn}))


def build_backups(cfg: StackConfig, database: Database, providers: Providers) -> Backups:
    """Backup bucket(s) and the AWS Backup plan protecting the database, from ``webstack:backups``.

    The cache is not part of the AWS Backup selection: AWS Backup does not support
    ElastiCache (see ``components/backups.py``); the cache keeps its own daily snapshots
    (``webstack:cache.snapshotRetentionDays``). The copy region's resources use the
    per-resource ``region`` argument, so the main provider (with the default tags) serves both.

    The continuous rule's window is the database's ``backupRetentionDays`` (set by the
    config): for RDS, AWS Backup's continuous backup *is* the instance's automated backups and
    sets their retention, so any other value would fight the database's own setting.
    """
    return Backups("backups", cfg.backups, opts=pulumi.ResourceOptions(providers={"aws": providers.main}),
                   database=database)


def build_alerting(
    cfg: StackConfig,
    providers: Providers,
    *,
    database: Optional[Database] = None,
    cache: Optional[Cache] = None,
    cdn: Optional[Cdn] = None,
    app: Optional[AppTier] = None,
    backups: Optional[Backups] = None,
    name: str = "alerting",
) -> Alerting:
    """Topics, alarms and dashboard over everything built, from ``webstack:alerting``.

    The service-down check watches the public URL (``https://<domain><health path>``, through
    the CDN; the distribution's own name until the domain is attached) rather than the origin
    (which only answers the CDN): that is what users reach.
    It starts once the distribution exists, so a first deploy does not page while CloudFront
    is still being created. Edge alarms (CloudFront, Route 53, ACM) are created in us-east-1
    by the component itself, and so is the lag alarm of the database's cross-region
    (``crossRegionReplica``) replica in that replica's region: ``database=`` carries its
    identifier and region, and each of those regions gets its own copy of the topics.
    """
    public_health_url: Any = cfg.alerting.health_check_url
    if cdn is not None:
        # Through the CDN's URL: its *.cloudfront.net name until the custom domain is attached.
        path = cfg.app.health_path
        public_health_url = pulumi.Output.all(cdn.distribution_id, cdn.url).apply(lambda v: v[1] + path)
    workload: dict[str, Any] = {}
    if cfg.platform == "kubernetes" and app is not None:
        workload = dict(kubernetes_namespace=app.namespace, kubernetes_deployment_name=app.deployment_name,
                        kubernetes_max_replicas=app.max_replicas)
    args = linked(cfg.alerting, health_check_url=public_health_url,
                  pager_webhook_url=cfg.secrets.get("pagerWebhookUrl"), **workload)
    return Alerting(
        name,
        args,
        opts=pulumi.ResourceOptions(providers={"aws": providers.main}),
        database=database,
        cache=cache,
        cdn=cdn,
        app=app,
        backups=backups,
    )


def build_canaries(cfg: StackConfig, providers: Providers, alerting: Alerting, cdn: Cdn, *,
                   name: str = "canary") -> Canaries:
    """Synthetic checks of the public site from ``aws:region`` and ``canaries.extraRegions``;
    each canary's failure alarm notifies the critical topic of its region (config validation
    keeps the canaries to regions with topics).

    The site is what users reach, as for the health check: the distribution's own name until
    the custom domain is attached (the domain does not lead to it yet), where CloudFront's
    default certificate accepts TLS 1.0 whatever is asked, so no refusal is checked there."""
    topics = {region: alerting.regional_topic_arns.apply(lambda by_region, r=region: by_region[r]["critical"])
              for region in cfg.canaries.regions}
    site = {} if cdn.custom_domain_attached else {"domain": cdn.domain_name, "legacy_tls_refused": False}
    return Canaries(name, linked(cfg.canaries, alarm_topic_arns=topics, **site),
                    opts=pulumi.ResourceOptions(providers={"aws": providers.main}))


def build_drills(cfg: StackConfig, providers: Providers, network: Network, database: Database, cache: Cache,
                 alerting: Alerting, canaries: Canaries, app: Any = None, *, name: str = "drills") -> Drills:
    """FIS drill templates for the database primary, the cache when it is Multi-AZ, and the
    app's tasks when it runs on ECS.

    They run in the stack's region and stop on the alarms there that say users are hurt: the
    home canary's failure alarm first, then the critical alarms (FIS takes five at most).
    The cache drill powers off the AZ its primary is placed in (the first of the network's);
    the ECS drill stops a share of the service's tasks (the service must replace them)."""
    stop = pulumi.Output.all(canaries.alarm_arns, alerting.critical_alarm_arns).apply(
        lambda v: [v[0][cfg.region], *v[1]][:MAX_STOP_CONDITIONS])
    cache_links: dict[str, Any] = {}
    if cfg.cache.multi_az:
        cache_links = dict(cache_replication_group_id=cache.replication_group_id,
                           cache_availability_zone=network.availability_zones.apply(lambda zones: zones[0]))
    if cfg.platform == "ecs" and app is not None:
        cache_links.update(ecs_cluster_name=app.cluster_name, ecs_service_name=app.service_name)
    return Drills(name, linked(cfg.recovery, stop_alarm_arns=stop, database_instance_arn=database.primary_arn,
                               **cache_links),
                  opts=pulumi.ResourceOptions(providers={"aws": providers.main}))


def main() -> None:
    cfg = load()
    providers = make_providers(cfg)

    network = build_network(cfg, providers)
    database = build_database(cfg, network, providers)
    cache = build_cache(cfg, network, providers)
    app = build_app(cfg, network, database, cache, providers)
    cdn = build_cdn(cfg, app, providers)
    backups = build_backups(cfg, database, providers)
    alerting = build_alerting(cfg, providers, database=database, cache=cache, cdn=cdn, app=app, backups=backups)
    canaries = build_canaries(cfg, providers, alerting, cdn)
    drills = build_drills(cfg, providers, network, database, cache, alerting, canaries, app)

    outputs = {
        "tier": cfg.tier.value,
        "domain": cfg.domain,
        **network_outputs(network),
        **data_outputs(database, cache),
        **APP_OUTPUTS[cfg.platform](app),
        **cdn_outputs(cdn),
        **backup_outputs(backups),
        **operations_outputs(alerting, canaries, drills),
    }
    for key, value in outputs.items():
        pulumi.export(key, value)


# ------------------------------------------------------------------------- outputs
# What a stack exports, per component. An output of a part the stack does not have (no
# proxy, no WAF, ...) is None, and Pulumi exports nothing for a None value.


def network_outputs(network: Network) -> dict[str, Any]:
    return {"vpcId": network.vpc_id, "subnetIds": network.subnet_ids,
            "availabilityZones": network.availability_zones}


def data_outputs(database: Database, cache: Cache) -> dict[str, Any]:
    return {
        "databaseWriterEndpoint": database.writer_endpoint,
        "databaseReaderEndpoint": database.reader_endpoint,
        "databaseReplicaEndpoints": database.replica_endpoints,
        "databasePort": database.port,
        "databaseName": database.database_name,
        "databaseSecretArn": database.secret_arn,
        "databaseProxyEndpoint": database.proxy_endpoint,
        "databaseCrossRegionReplicaEndpoint": database.cross_region_replica_endpoint,
        "cachePrimaryEndpoint": cache.primary_endpoint,
        "cacheReaderEndpoint": cache.reader_endpoint,
        "cachePort": cache.port,
        "cacheAuthSecretArn": cache.auth_secret_arn,
    }


def _app_outputs(app: Any) -> dict[str, Any]:
    return {"appPlatform": app.platform, "appOriginDomain": app.origin_domain, "appHealthUrl": app.health_url}


def vercel_outputs(app: Any) -> dict[str, Any]:
    oidc = app.role_arn is not None
    secure_compute = app.secure_compute_steps is not None
    return {
        **_app_outputs(app),
        "vercelProjectId": app.project_id,
        "vercelFunctionRegion": app.function_region,
        "vercelRoleArn": app.role_arn,
        "vercelOidcProviderArn": app.oidc_provider_arn if oidc else None,
        "vercelSecureComputeNetworkId": app.secure_compute_network_id if secure_compute else None,
        "vercelSecureComputeSteps": app.secure_compute_steps,
    }


def ecs_outputs(app: Any) -> dict[str, Any]:
    return {
        **_app_outputs(app),
        "ecsCluster": app.cluster_name,
        "ecsService": app.service_name,
        "ecsTaskRoleArn": app.task_role_arn,
        "ecsLogGroup": app.log_group_name,
        "loadBalancerDnsName": app.load_balancer_dns_name,
        "originDnsRecords": app.dns_records,
    }


def kubernetes_outputs(app: Any) -> dict[str, Any]:
    origin_group = app.origin_security_group_id is not None
    return {
        **_app_outputs(app),
        "kubernetesNamespace": app.namespace,
        "kubernetesDeployment": app.deployment_name,
        "kubernetesHpa": app.hpa_name,
        "ingressControllerConfig": app.ingress_controller_config,
        "ingressOriginSecurityGroupId": app.origin_security_group_id,
        "ingressServiceAnnotations": app.ingress_service_annotations if origin_group else None,
    }


APP_OUTPUTS = {"vercel": vercel_outputs, "ecs": ecs_outputs, "kubernetes": kubernetes_outputs}
"""Platform -> the outputs of its app tier."""


def cdn_outputs(cdn: Cdn) -> dict[str, Any]:
    return {
        "cdnDistributionId": cdn.distribution_id,
        "cdnDomainName": cdn.domain_name,
        "cdnUrl": cdn.url,
        "cdnCustomDomainAttached": cdn.custom_domain_attached,
        "cdnCertificateArn": cdn.certificate_arn,
        "cdnCertificateValidationRecords": cdn.certificate_validation_records,
        "cdnResponseHeadersPolicyId": cdn.response_headers_policy_id,
        "cdnWebAclArn": cdn.web_acl_arn,
        "cdnLogBucketName": cdn.log_bucket_name,
    }


def backup_outputs(backups: Backups) -> dict[str, Any]:
    return {
        "backupBucketName": backups.bucket_name,
        "backupBucketArn": backups.bucket_arn,
        "backupVaultArn": backups.vault_arn,
        "backupPlanId": backups.plan_id,
        "backupReplicaBucketArn": backups.replica_bucket_arn,
        "backupCopyVaultArn": backups.copy_vault_arn,
    }


def operations_outputs(alerting: Alerting, canaries: Canaries, drills: Drills) -> dict[str, Any]:
    return {
        "alertTopicArns": alerting.topic_arns,
        "alarmNames": alerting.alarm_names,
        "dashboardName": alerting.dashboard_name,
        "canaryNames": canaries.canary_names,
        "drillTemplateIds": drills.template_ids,
    }
