"""Benchmark programs that grow by a repeatable unit, built from the public components.

Each program is a plain Pulumi program (a function) for the offline engine
(``infra.engine.synth``): a fixed base plus ``n`` copies of one unit, so the resource count
is ``base + n * per_unit`` and the time per added resource can be compared across ``n``.
Settings are prod-like (Multi-AZ, 30-day backups, protect, WAF with an API rate limit), so
``webstack check`` passes them with the prod policy config, as it passes the prod stack.

* ``apps``: a shared data tier (Network, Database with one replica and pooling, Cache), then
  ``n`` app tiers, each a ``VercelApp`` wired to the data tier with a ``Cdn`` in front of it
  (us-east-1 provider for the certificate and WAF, as the stack program does).
* ``databases``: a shared Network, then ``n`` units of a ``Database`` (one read replica)
  and an ``Alerting`` over it (its topics, alarms and dashboard): the alarm count grows by
  the same number per unit.
* ``replicas``: one Network, one ``Database`` with ``n`` read replicas and an ``Alerting``
  over it (per-replica alarms and reader-endpoint records). RDS for PostgreSQL allows up to
  15 read replicas per source instance, but ``DatabaseArgs.replicas`` (and
  ``webstack:database.replicas``) stop at ``components.database.MAX_REPLICAS`` = 5, so this
  dimension runs 1, 3, 5: 20 and 15 cannot be built with the component.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import pulumi
import pulumi_aws as aws

from components import (
    Alerting,
    AlertingArgs,
    Cache,
    CacheArgs,
    Cdn,
    CdnArgs,
    Database,
    DatabaseArgs,
    Network,
    NetworkArgs,
    SecurityHeaders,
    Tier,
    VercelApp,
    VercelAppArgs,
)
from components.database import MAX_REPLICAS

REGION = "eu-west-1"
CDN_REGION = "us-east-1"
CONFIG = {"aws:region": REGION}
"""Stack config the benchmark programs run with."""
STACK = "bench"
"""Stack name of the benchmark plans; they export ``tier = prod``, so ``webstack check``
applies ``policies/config/prod.json``."""
HEADERS = SecurityHeaders(hsts_max_age_seconds=63072000, hsts_preload=True)
EMAILS = ["oncall@example.com"]


@dataclass(frozen=True)
class Dimension:
    """One way of growing a program."""

    name: str
    unit: str
    """What one step of ``n`` adds."""
    sizes: tuple[int, ...]
    """The ``n`` the full benchmark runs."""
    build: Callable[[int], None]
    """``build(n)`` registers the program (call it inside ``infra.engine.synth``)."""

    def program(self, n: int) -> Callable[[], None]:
        """The program of size ``n``, for ``infra.engine.synth``."""
        if n < 1 or n > max(self.sizes):
            raise ValueError(f"{self.name}: n = {n}: must be between 1 and {max(self.sizes)}")
        return lambda: self.build(n)


def _providers() -> tuple[aws.Provider, aws.Provider]:
    main = aws.Provider("aws", region=REGION)
    return main, aws.Provider(f"aws-{CDN_REGION}", region=CDN_REGION)


def _network(opts: pulumi.ResourceOptions) -> Network:
    return Network("network", NetworkArgs(cidr="10.42.0.0/16", az_count=3), opts=opts)


def _database(name: str, network: Network, replicas: int, opts: pulumi.ResourceOptions,
              pooling: bool = False) -> Database:
    return Database(
        name,
        DatabaseArgs(
            subnet_ids=network.subnet_ids,
            security_group_id=network.database_security_group_id,
            availability_zones=network.availability_zones,
            vpc_id=network.vpc_id,
            instance_class="db.r7g.large",
            multi_az=True,
            replicas=replicas,
            pooling=pooling,
            backup_retention_days=30,
            protect=True,
        ),
        opts=opts,
    )


def _alerting(name: str, database: Database, opts: pulumi.ResourceOptions) -> Alerting:
    return Alerting(name, AlertingArgs(tier=Tier.PROD, emails=list(EMAILS)), opts=opts, database=database)


def build_apps(n: int) -> None:
    """Data tier + ``n`` x (VercelApp + Cdn)."""
    main, cdn_provider = _providers()
    opts = pulumi.ResourceOptions(providers={"aws": main})
    network = _network(opts)
    database = _database("database", network, 1, opts, pooling=True)
    cache = Cache(
        "cache",
        CacheArgs(subnet_ids=network.subnet_ids, security_group_id=network.cache_security_group_id,
                  availability_zones=network.availability_zones, replicas=1, automatic_failover=True,
                  multi_az=True, snapshot_retention_days=7),
        opts=opts,
    )
    for i in range(1, n + 1):
        origin = f"origin.app{i}.bench.example.com"
        app = VercelApp(
            f"app-{i}",
            VercelAppArgs(
                project_name=f"bench-app-{i}",
                origin_domain=origin,
                git_repository="example/shop",
                team_slug="example",
                database_host=database.proxy_endpoint,
                database_reader_host=database.reader_endpoint,
                database_port=database.port,
                database_name=database.database_name,
                database_secret_arn=database.secret_arn,
                cache_host=cache.primary_endpoint,
                cache_reader_host=cache.reader_endpoint,
                cache_port=cache.port,
                cache_auth_secret_arn=cache.auth_secret_arn,
                secret_kms_key_arns=[database.kms_key_arn, cache.kms_key_arn],
                headers=HEADERS,
            ),
            opts=opts,
        )
        Cdn(
            f"cdn-{i}",
            CdnArgs(domain=f"app{i}.bench.example.com", origin_domain=origin,
                    origin_headers=dict(app.origin_headers), api_rate_limit_per_minute=50, headers=HEADERS),
            opts=pulumi.ResourceOptions(providers={"aws": cdn_provider}),
        )
    pulumi.export("tier", "prod")


def build_databases(n: int) -> None:
    """Network + ``n`` x (Database with one replica + Alerting over it)."""
    main, _ = _providers()
    opts = pulumi.ResourceOptions(providers={"aws": main})
    network = _network(opts)
    for i in range(1, n + 1):
        database = _database(f"db-{i}", network, 1, opts)
        _alerting(f"alerts-{i}", database, opts)
    pulumi.export("tier", "prod")


def build_replicas(n: int) -> None:
    """Network + Database with ``n`` read replicas + Alerting over it."""
    main, _ = _providers()
    opts = pulumi.ResourceOptions(providers={"aws": main})
    network = _network(opts)
    database = _database("database", network, n, opts)
    _alerting("alerting", database, opts)
    pulumi.export("tier", "prod")


DIMENSIONS: dict[str, Dimension] = {
    d.name: d
    for d in (
        Dimension("apps", "one app tier + CDN (VercelApp + Cdn)", (1, 5, 20), build_apps),
        Dimension("databases", "one Database (1 replica) + Alerting over it", (1, 5, 20), build_databases),
        Dimension("replicas", f"one read replica (+ its alarms); capped at {MAX_REPLICAS}", (1, 3, MAX_REPLICAS),
                  build_replicas),
    )
}
