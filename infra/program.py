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


def main() -> None:
    cfg = load()
    providers = make_providers(cfg)
    aws_opts = pulumi.ResourceOptions(providers={"aws": providers.main})

    network = build_network(cfg, aws_opts)

    pulumi.export("tier", cfg.tier.value)
    pulumi.export("domain", cfg.domain)
    pulumi.export("vpcId", network.vpc_id)
    pulumi.export("subnetIds", network.subnet_ids)
    pulumi.export("availabilityZones", network.availability_zones)
