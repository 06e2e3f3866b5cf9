"""The stack program: validated config in, components composed in data-flow order, outputs out.

Order (DESIGN.md): network -> database, cache -> app tier -> CDN -> backups -> alerting.
The config is loaded and validated completely before the first resource is registered,
so a bad stack file never gets as far as registering half a stack.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import pulumi
import pulumi_aws as aws

from components.cache import Cache
from components.database import Database
from components.network import Network, NetworkArgs
from infra.config import StackConfig, load

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


def default_tags(cfg: StackConfig) -> dict[str, str]:
    """Tags on every taggable AWS resource (via the providers' ``default_tags``)."""
    return {
        "Project": pulumi.get_project(),
        "Stack": cfg.stack,
        "Tier": cfg.tier.value,
        "ManagedBy": "pulumi",
    }


def make_providers(cfg: StackConfig) -> Providers:
    region = aws.config.region or "us-east-1"
    tags = {"tags": default_tags(cfg)}
    main_provider = aws.Provider("aws", region=region, default_tags=tags)
    cdn = main_provider if region == CDN_REGION else aws.Provider(f"aws-{CDN_REGION}", region=CDN_REGION, default_tags=tags)
    copy_region = cfg.backups.copy_region or cfg.database.cross_region_replica
    copy = None
    if copy_region:
        copy = aws.Provider(f"aws-{copy_region}", region=copy_region, default_tags=tags)
    return Providers(main=main_provider, cdn=cdn, copy=copy)


def build_network(cfg: StackConfig, aws_opts: pulumi.ResourceOptions) -> Network:
    n = cfg.network
    return Network(
        "network",
        NetworkArgs(
            cidr=n.cidr,
            az_count=n.az_count,
            vpc_id=n.vpc_id,
            subnet_ids=list(n.subnet_ids),
            app_cidrs=list(n.app_cidrs),
            flow_logs=n.flow_logs,
            flow_log_retention_days=n.flow_log_retention_days,
        ),
        opts=aws_opts,
    )


def _region_provider(cfg: StackConfig, providers: Providers, region: str) -> aws.Provider:
    """Provider of ``region``: ``providers.copy`` when that is its region, else a new one."""
    copy_region = cfg.backups.copy_region or cfg.database.cross_region_replica
    if providers.copy is not None and copy_region == region:
        return providers.copy
    return aws.Provider(f"aws-{region}", region=region, default_tags={"tags": default_tags(cfg)})


def build_database(cfg: StackConfig, network: Network, providers: Providers) -> Database:
    """RDS PostgreSQL from ``webstack:database``.

    With ``crossRegionReplica``, a private network (``crossRegionCidr``, same shape as the
    main one, no public subnet) is built in that region to hold the cross-region replica.
    """
    d = cfg.database
    remote_subnets: object = []
    remote_group: object = None
    if d.cross_region_replica:
        remote = Network(
            f"network-{d.cross_region_replica}",
            NetworkArgs(
                cidr=d.cross_region_cidr,
                az_count=cfg.network.az_count,
                flow_logs=cfg.network.flow_logs,
                flow_log_retention_days=cfg.network.flow_log_retention_days,
            ),
            opts=pulumi.ResourceOptions(providers={"aws": _region_provider(cfg, providers, d.cross_region_replica)}),
        )
        remote_subnets, remote_group = remote.subnet_ids, remote.database_security_group_id
    return Database(
        "database",
        d.component_args(
            subnet_ids=network.subnet_ids,
            security_group_id=network.database_security_group_id,
            availability_zones=network.availability_zones,
            vpc_id=network.vpc_id,
            app_max_instances=cfg.app.max_instances,
            cross_region_subnet_ids=remote_subnets,
            cross_region_security_group_id=remote_group,
        ),
        opts=pulumi.ResourceOptions(providers={"aws": providers.main}),
    )


def build_cache(cfg: StackConfig, network: Network, providers: Providers) -> Cache:
    """ElastiCache replication group from ``webstack:cache``."""
    return Cache(
        "cache",
        cfg.cache.component_args(
            subnet_ids=network.subnet_ids,
            security_group_id=network.cache_security_group_id,
            availability_zones=network.availability_zones,
        ),
        opts=pulumi.ResourceOptions(providers={"aws": providers.main}),
    )


def main() -> None:
    cfg = load()
    providers = make_providers(cfg)
    aws_opts = pulumi.ResourceOptions(providers={"aws": providers.main})

    network = build_network(cfg, aws_opts)
    database = build_database(cfg, network, providers)
    cache = build_cache(cfg, network, providers)

    pulumi.export("tier", cfg.tier.value)
    pulumi.export("domain", cfg.domain)
    pulumi.export("vpcId", network.vpc_id)
    pulumi.export("subnetIds", network.subnet_ids)
    pulumi.export("availabilityZones", network.availability_zones)
    pulumi.export("databaseWriterEndpoint", database.writer_endpoint)
    pulumi.export("databaseReaderEndpoint", database.reader_endpoint)
    pulumi.export("databaseReplicaEndpoints", database.replica_endpoints)
    pulumi.export("databasePort", database.port)
    pulumi.export("databaseName", database.database_name)
    pulumi.export("databaseSecretArn", database.secret_arn)
    if database.proxy_endpoint is not None:
        pulumi.export("databaseProxyEndpoint", database.proxy_endpoint)
    if database.cross_region_replica_endpoint is not None:
        pulumi.export("databaseCrossRegionReplicaEndpoint", database.cross_region_replica_endpoint)
    pulumi.export("cachePrimaryEndpoint", cache.primary_endpoint)
    pulumi.export("cacheReaderEndpoint", cache.reader_endpoint)
    pulumi.export("cachePort", cache.port)
    pulumi.export("cacheAuthSecretArn", cache.auth_secret_arn)
