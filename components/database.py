"""Database: RDS for PostgreSQL primary, read replicas spread across availability zones,
a reader endpoint, optional RDS Proxy pooling and an optional cross-region replica.

What the usual building blocks leave out, and this component does:

- replicas are first-class: each in its own AZ (round-robin, starting after the primary's),
  each encrypted, monitored and tagged, all created in parallel from the primary;
- a reader endpoint users can connect to: a private Route 53 name with one weighted record
  per replica, each record pulled out of rotation by a replica-lag health check;
- ``rds.force_ssl=1``, IAM auth, a customer-managed KMS key for storage, the master
  secret and Performance Insights; an explicit ``max_connections``.

The master password is never typed anywhere. Without replicas RDS manages it in Secrets
Manager (``manage_master_user_password``, rotated by RDS). RDS refuses to create read
replicas of an instance whose master password it manages (all engines but SQL Server), so
with replicas the password is generated here (``random.RandomPassword``, a secret in
Pulumi state) and kept in a Secrets Manager secret encrypted with the component's key,
with the same ``username``/``password`` keys (plus host, port, dbname) and, with a
cross-region replica, replicated to that region. ``secret_arn`` names whichever is in use.

Reader endpoint and TLS: the reader name is a CNAME onto the replicas' RDS host names, so
clients verify the server certificate with ``sslmode=verify-ca`` on it (``verify-full``
checks the host name, and RDS certificates do not carry custom names). The writer endpoint
and the proxy endpoint support ``verify-full``.

Why no RDS Proxy read-only endpoint: RDS Proxy targets only the writer of an RDS for
PostgreSQL instance; read-only proxy endpoints exist for Aurora clusters only, and
requests to one fail when the target is an RDS instance. So the proxy pools writes (and
reads that need read-your-writes), and ``reader_endpoint`` spreads reads over replicas.

Example::

    from pulumi_webstack.database import Database, DatabaseArgs

    db = Database("orders", DatabaseArgs(
        subnet_ids=network.subnet_ids,
        security_group_id=network.database_security_group_id,
        availability_zones=network.availability_zones,
        vpc_id=network.vpc_id,
        instance_class="db.r7g.large",
        multi_az=True,
        replicas=2,
        pooling=True,
    ))
    pulumi.export("dbWriter", db.writer_endpoint)
    pulumi.export("dbReader", db.reader_endpoint)
"""

import json
import math
import re
from dataclasses import dataclass, field
from typing import Any, Optional

import pulumi
import pulumi_aws as aws
import pulumi_random as random

from pulumi_webstack import kms
from pulumi_webstack.snapshots import final_snapshot_identifier
from pulumi_webstack.args import check_fields, from_inputs, log_retention, aws_region, setting
from pulumi_webstack.errors import DAILY_WINDOW, WEEKLY_WINDOW, require, static_len
from pulumi_webstack.iam_policies import assume_role_policy, confined_assume_role_policy
from pulumi_webstack.instance_classes import RDS_INSTANCE_CLASSES, families
from pulumi_webstack.names import SCOPED_ID_40, stack_scoped_id
from pulumi_webstack.windows import daily_minutes, daily_overlaps_weekly, weekly_minutes

ENGINE = "postgres"
POSTGRES_MINORS: dict[int, tuple[int, int]] = {
    13: (20, 23), 14: (18, 23), 15: (13, 18), 16: (9, 14), 17: (5, 10), 18: (1, 4)}
"""Per PostgreSQL major RDS offers (13 in extended support), the oldest and newest minor a
new instance can be created on, as of ``POSTGRES_AS_OF``: the newest are the community's
2026-08 quarterly releases; the oldest follow RDS's notice of 2026-05 (14.14-14.17,
15.9-15.12, 16.5-16.8 and 17.1-17.4 can no longer be created). Give the major alone
(``"17"``) to get the newest minor and automatic minor upgrades."""
POSTGRES_AS_OF = "2026-08"
SUPPORTED_MAJORS = tuple(POSTGRES_MINORS)
ENGINE_VERSIONS = tuple(
    version for major, (oldest, newest) in POSTGRES_MINORS.items()
    for version in (str(major), *(f"{major}.{minor}" for minor in range(oldest, newest + 1))))
"""Every ``engine_version`` the component accepts: a major, or a major.minor RDS offers."""
CA_CERT_IDENTIFIER = "rds-ca-rsa2048-g1"
"""Current RDS server CA (RSA 2048, valid to 2061)."""
LOG_EXPORTS = ["postgresql", "upgrade"]
"""Logs each instance publishes to CloudWatch Logs."""
MONITORING_INTERVALS = (0, 1, 5, 10, 15, 30, 60)
MAX_REPLICAS = 5
MIN_WINDOW_MINUTES = 30
"""RDS refuses a backup or maintenance window shorter than this."""
PERFORMANCE_INSIGHTS_RETENTIONS = (7, *range(31, 714, 31), 731)
"""Days Performance Insights keeps data: 7 (free), whole months (31 to 713) or 731."""
BYTES_PER_CONNECTION = 9531392
"""RDS for PostgreSQL's default: ``max_connections = LEAST({DBInstanceClassMemory/9531392}, 5000)``."""
MAX_CONNECTIONS_CAP = 5000
USABLE_MEMORY_FRACTION = 0.9
"""Share of the class's nominal memory counted as ``DBInstanceClassMemory`` (RDS reserves the rest)."""
PROXY_BUDGET_PERCENT = 80
"""Most of ``max_connections`` the proxy may hold; the rest stays for admin, migrations, monitoring."""
UNPOOLED_BUDGET_PERCENT = 80
"""Without pooling, all app instances' pools together must fit in this share of ``max_connections``."""
RESERVED_USERNAMES = ("postgres", "rdsadmin", "rdsrepladmin", "rds_superuser", "admin")
MASTER_PASSWORD_LENGTH = 40
MASTER_PASSWORD_SPECIALS = "-_.~"
"""Specials of a generated master password: RDS forbids / ' " @ and space; these four also
need no escaping in a connection URL."""

_DNS_NAME = re.compile(r"^(?=.{1,200}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")


# ------------------------------------------------------------------------ pure logic


def postgres_major(engine_version: str) -> int:
    """Major version of ``"17"`` or ``"17.4"``."""
    return int(engine_version.split(".", 1)[0])


def parameter_group_family(engine_version: str) -> str:
    """RDS parameter group family: ``"17.4"`` -> ``"postgres17"``."""
    return f"{ENGINE}{postgres_major(engine_version)}"


def instance_memory_gib(instance_class: str) -> Optional[float]:
    """Memory of an RDS instance class (``RDS_INSTANCE_CLASSES``), or None for one it does not list."""
    size = RDS_INSTANCE_CLASSES.get(instance_class)
    return size.memory_gib if size else None


def max_connections_for(instance_class: str) -> int:
    """The ``max_connections`` set for ``instance_class``: RDS's default formula on the
    usable part of the class's memory, capped at 5000. ValueError for a class not listed."""
    memory = instance_memory_gib(instance_class)
    if memory is None:
        raise ValueError(f"unknown instance class {instance_class!r}")
    usable = memory * (1 << 30) * USABLE_MEMORY_FRACTION
    return min(MAX_CONNECTIONS_CAP, int(usable // BYTES_PER_CONNECTION))


def connection_demand(connections_per_app_instance: int, app_max_instances: int) -> int:
    """Client connections the app tier may open at its largest."""
    return connections_per_app_instance * app_max_instances


def proxy_pool_percent(max_connections: int, connections_per_app_instance: int, app_max_instances: int) -> int:
    """``max_connections_percent`` of the proxy's target group.

    Enough of ``max_connections`` for the app tier at full scale (the proxy multiplexes, so
    this is an upper bound), at least 10 %, and never more than ``PROXY_BUDGET_PERCENT``.
    """
    demand = connection_demand(connections_per_app_instance, app_max_instances)
    percent = math.ceil(100 * demand / max_connections)
    return max(10, min(PROXY_BUDGET_PERCENT, percent))


def replica_zone(zones: list[str], index: int) -> str:
    """AZ of in-region replica ``index`` (0-based): round-robin starting after ``zones[0]``,
    the primary's AZ, so replicas land in other AZs than the primary first."""
    distinct = list(dict.fromkeys(zones))
    if not distinct:
        raise ValueError("no availability zones")
    return distinct[(index + 1) % len(distinct)]


def default_identifier(project: str, stack: str, name: str) -> str:
    """``<project>-<stack>-<name>`` as an RDS identifier prefix (at most 40 characters, leaving
    room for the replica and region suffixes within RDS's 63)."""
    return stack_scoped_id(project, stack, name, fallback="db", limit=40)


def db_parameters(slow_query_ms: int, max_connections: int) -> list[dict[str, str]]:
    """Parameter group entries (the same for every supported major). Dynamic ones apply at
    once; static ones at the next reboot."""
    return [
        {"name": "rds.force_ssl", "value": "1", "apply_method": "immediate"},
        {"name": "log_min_duration_statement", "value": str(slow_query_ms), "apply_method": "immediate"},
        {"name": "log_connections", "value": "1", "apply_method": "immediate"},
        {"name": "log_disconnections", "value": "1", "apply_method": "immediate"},
        {"name": "log_lock_waits", "value": "1", "apply_method": "immediate"},
        {"name": "shared_preload_libraries", "value": "pg_stat_statements", "apply_method": "pending-reboot"},
        {"name": "max_connections", "value": str(max_connections), "apply_method": "pending-reboot"},
    ]


# ---------------------------------------------------------------------------- args


@dataclass
class DatabaseArgs:
    """Arguments of ``Database``. Structural settings are validated on construction."""

    subnet_ids: pulumi.Input[list[str]]
    """Private subnets (at least 2, in different AZs) for the DB subnet group and proxy."""
    security_group_id: pulumi.Input[str]
    """Security group of the database and its proxy (``Network.database_security_group_id``)."""
    availability_zones: pulumi.Input[list[str]]
    """AZs of the subnets; the primary uses the first, replicas the next ones round-robin."""
    vpc_id: pulumi.Input[str]
    """VPC the private reader DNS zone is attached to."""
    engine_version: Optional[str] = setting(
        "17", one_of=ENGINE_VERSIONS,
        words=f"must be a PostgreSQL version RDS offers: a major ({SUPPORTED_MAJORS[0]} to {SUPPORTED_MAJORS[-1]}; "
              f"minor upgrades automatic) or major.minor such as 17.6 (as of {POSTGRES_AS_OF}: "
              + ", ".join(f"{m}.{lo}-{m}.{hi}" for m, (lo, hi) in POSTGRES_MINORS.items()) + ")")
    """PostgreSQL major (``"17"``, minor upgrades automatic) or major.minor version."""
    instance_class: Optional[str] = setting(
        "db.t4g.medium", one_of=tuple(RDS_INSTANCE_CLASSES),
        words="must be an RDS for PostgreSQL instance class such as db.r7g.large (families: "
              + families(RDS_INSTANCE_CLASSES) + ")")
    """Instance class of the primary and the replicas."""
    allocated_storage_gb: Optional[int] = setting(20, ge=20, le=65536)
    """Initial gp3 storage (20 to 65536 GiB)."""
    max_allocated_storage_gb: Optional[int] = setting(100, ge=20, le=65536)
    """Storage autoscaling ceiling (at least ``allocated_storage_gb``)."""
    multi_az: Optional[bool] = False
    """Synchronous standby of the primary in another AZ."""
    replicas: Optional[int] = setting(0, ge=0, le=MAX_REPLICAS)
    """In-region read replicas, 0 to 5, each in its own AZ where the subnets allow."""
    cross_region_replica: Optional[str] = aws_region()
    """Region of one more read replica (disaster recovery); None: no cross-region replica."""
    cross_region_subnet_ids: Optional[pulumi.Input[list[str]]] = field(default_factory=list)
    """Private subnets (at least 2) in ``cross_region_replica``'s region for that replica."""
    cross_region_security_group_id: Optional[pulumi.Input[str]] = None
    """Security group (in that region's VPC) of the cross-region replica."""
    backup_retention_days: Optional[int] = setting(7, ge=1, le=35)
    """Automated backups and point-in-time-recovery window, 1 to 35 days."""
    backup_window: Optional[str] = setting("00:00-01:00", pattern=DAILY_WINDOW, words="must be hh:mm-hh:mm (UTC)")
    """Daily automated backup window (UTC, hh:mm-hh:mm, at least 30 minutes, apart from the
    maintenance window)."""
    maintenance_window: Optional[str] = setting(
        "sun:04:00-sun:05:00", pattern=WEEKLY_WINDOW, words="must be ddd:hh:mm-ddd:hh:mm (UTC), e.g. sun:04:00-sun:05:00")
    """Weekly maintenance window (UTC, ddd:hh:mm-ddd:hh:mm, at least 30 minutes)."""
    deletion_protection: Optional[bool] = True
    """RDS deletion protection on the primary and replicas."""
    skip_final_snapshot: Optional[bool] = False
    """Delete without a final snapshot."""
    protect: Optional[bool] = False
    """Production data: Pulumi ``protect`` and ``retain_on_delete`` on the KMS keys and the
    instances, automated backups kept after deletion, 30-day key deletion window."""
    allow_unprotected_prod: Optional[bool] = False
    """Explicit override allowing ``protect`` together with deletion protection off or
    ``skip_final_snapshot``."""
    pooling: Optional[bool] = False
    """RDS Proxy (TLS required) in front of the primary."""
    connections_per_app_instance: Optional[int] = setting(10, ge=1, le=500)
    """Connection pool size of one app instance."""
    app_max_instances: Optional[int] = setting(1, ge=1, le=1000)
    """Most app instances at once; with ``connections_per_app_instance`` it sizes the pool."""
    proxy_iam_auth: Optional[bool] = False
    """Require IAM authentication from clients of the proxy (else SCRAM passwords over TLS)."""
    max_connections: Optional[int] = setting(None, ge=20, le=262143)
    """``max_connections`` (default: from the instance class's memory, RDS's own formula)."""
    monitoring_interval_seconds: Optional[int] = setting(60, one_of=MONITORING_INTERVALS)
    """Enhanced monitoring granularity (0 turns it off)."""
    performance_insights_retention_days: Optional[int] = setting(
        7, one_of=PERFORMANCE_INSIGHTS_RETENTIONS, words="must be 7, a multiple of 31 up to 713 (months), or 731")
    """Performance Insights retention: 7, a multiple of 31 up to 713 (months), or 731."""
    slow_query_ms: Optional[int] = setting(1000, ge=0, le=60000)
    """Statements slower than this are logged (``log_min_duration_statement``)."""
    log_retention_days: Optional[int] = log_retention(30)
    """Retention of the exported PostgreSQL and upgrade logs."""
    database_name: Optional[str] = setting(
        "app", pattern=r"(?!template0$|template1$|rdsadmin$)[a-z][a-z0-9_]{0,62}",
        words="must be lower-case letters, digits and _, start with a letter, at most 63 characters, "
              "and not template0/template1/rdsadmin")
    """Database created on the primary."""
    master_username: Optional[str] = setting(
        "webstack_admin", pattern=r"(?!(?:postgres|admin|rds\w*)$)[a-z][a-z0-9_]{0,15}",
        words="must be 1-16 lower-case letters, digits or _, start with a letter, and not be reserved "
              f"({', '.join(RESERVED_USERNAMES)}, rds*)")
    """Master user; its password is generated (or managed by RDS) and kept in Secrets Manager."""
    port: Optional[int] = setting(5432, ge=1150, le=65535)
    """PostgreSQL port (the security group must open the same port)."""
    identifier: Optional[str] = setting(
        None, pattern=SCOPED_ID_40, words="must be lower-case letters, digits and single hyphens, start with a letter, "
                                          "at most 40 characters (replica and region suffixes are appended)")
    """Identifier of the primary and prefix of the replicas' (default: ``<project>-<stack>-<name>``)."""
    reader_zone_name: Optional[str] = setting(
        None, pattern=_DNS_NAME.pattern.strip("^$"), words="must be a lower-case DNS name such as db.internal")
    """Private DNS zone of the reader endpoint (default: ``<identifier>.internal``)."""
    reader_max_lag_seconds: Optional[int] = setting(60, ge=1, le=3600, nullable=True)
    """A replica lagging more than this (or silent) leaves reader rotation; None: never."""
    apply_immediately: Optional[bool] = False
    """Apply modifications now instead of in the maintenance window."""

    def __post_init__(self) -> None:
        check_fields(self)
        require(self.max_allocated_storage_gb >= self.allocated_storage_gb, "database.max_allocated_storage_gb",
                self.max_allocated_storage_gb, f"must be at least allocated_storage_gb ({self.allocated_storage_gb})")
        require(daily_minutes(self.backup_window) >= MIN_WINDOW_MINUTES, "database.backup_window",
                self.backup_window, f"must be at least {MIN_WINDOW_MINUTES} minutes long (RDS)")
        require(weekly_minutes(self.maintenance_window) >= MIN_WINDOW_MINUTES, "database.maintenance_window",
                self.maintenance_window, f"must be at least {MIN_WINDOW_MINUTES} minutes long (RDS)")
        require(not daily_overlaps_weekly(self.backup_window, self.maintenance_window), "database.backup_window",
                self.backup_window, f"must not overlap maintenance_window ({self.maintenance_window}): "
                "RDS refuses overlapping backup and maintenance windows")
        n_subnets = static_len(self.subnet_ids)
        require(n_subnets is None or n_subnets >= 2, "database.subnet_ids", self.subnet_ids,
                "needs at least 2 private subnets in different AZs (RDS subnet groups span 2 AZs)")
        if self.cross_region_replica is not None:
            n_remote = static_len(self.cross_region_subnet_ids)
            require(n_remote is None or n_remote >= 2, "database.cross_region_subnet_ids",
                    self.cross_region_subnet_ids,
                    f"a cross-region replica needs at least 2 private subnets in {self.cross_region_replica} "
                    "(else RDS would place it in that region's default VPC)")
            require(self.cross_region_security_group_id is not None, "database.cross_region_security_group_id",
                    self.cross_region_security_group_id,
                    f"a cross-region replica needs a security group of its VPC in {self.cross_region_replica}")
        else:
            require(not static_len(self.cross_region_subnet_ids), "database.cross_region_subnet_ids",
                    self.cross_region_subnet_ids, "needs cross_region_replica (the region the subnets are in)")
        if self.protect and not self.allow_unprotected_prod:
            require(self.deletion_protection, "database.deletion_protection", self.deletion_protection,
                    "protected (production) data keeps deletion protection on; "
                    "set allow_unprotected_prod to override deliberately")
            require(not self.skip_final_snapshot, "database.skip_final_snapshot", self.skip_final_snapshot,
                    "protected (production) data always gets a final snapshot; "
                    "set allow_unprotected_prod to override deliberately")
        max_conn = self.max_connections or max_connections_for(self.instance_class)
        demand = connection_demand(self.connections_per_app_instance, self.app_max_instances)
        if not self.pooling:
            require(demand * 100 <= max_conn * UNPOOLED_BUDGET_PERCENT, "database.pooling", self.pooling,
                    f"without pooling the app tier may open {self.connections_per_app_instance} x "
                    f"{self.app_max_instances} = {demand} connections, over {UNPOOLED_BUDGET_PERCENT} % of "
                    f"max_connections {max_conn} of {self.instance_class}: turn pooling on, lower "
                    "connections_per_app_instance or use a larger class")


# ---------------------------------------------------------------------- component


class Database(pulumi.ComponentResource):
    """RDS for PostgreSQL: encrypted primary, read replicas across AZs, reader endpoint.

    Creates: KMS key (rotation on) + alias; DB subnet group; parameter group
    (``rds.force_ssl=1``, slow-query and connection logging, ``pg_stat_statements``,
    explicit ``max_connections``); CloudWatch log groups for the exported logs (KMS,
    retention); enhanced-monitoring IAM role; the primary (gp3, encrypted, storage
    autoscaling, Multi-AZ per args, IAM auth, master secret in Secrets Manager (RDS-managed
    without replicas; generated, KMS-encrypted and replicated to the DR region with them),
    Performance Insights, backups + PITR, deletion protection, final snapshot); ``replicas``
    read replicas, each in its own AZ; with replicas, a private Route 53 zone whose
    ``reader`` name has one weighted record per replica, each behind a replica-lag alarm
    health check; with ``pooling``, an RDS Proxy (TLS required) with IAM role, pool sizing
    and the primary as target; with ``cross_region_replica``, a KMS key, subnet group,
    parameter group, log groups and a read replica in that region.

    Outputs: ``writer_endpoint``, ``reader_endpoint``, ``reader_zone_id``, ``port``, ``secret_arn``,
    ``security_group_id``, ``primary_identifier``, ``primary_arn``, ``replica_identifiers``,
    ``replica_arns``, ``replica_endpoints``, ``cross_region_replica_arn``,
    ``cross_region_replica_endpoint``, ``cross_region_replica_identifier``,
    ``cross_region_replica_region``, ``proxy_endpoint``, ``proxy_reader_endpoint``,
    ``proxy_name``, ``database_name``, ``max_connections``, ``allocated_storage_gb``,
    ``max_allocated_storage_gb``, ``primary_resource_id``, ``kms_key_arn``, ``subnet_group_name``.
    """

    writer_endpoint: pulumi.Output[str]
    """Host name of the primary (TLS; ``sslmode=verify-full`` works)."""
    reader_endpoint: pulumi.Output[str]
    """Host name spreading reads over the replicas; the primary's host when there are none."""
    reader_zone_id: Optional[pulumi.Output[str]]
    """Private Route 53 zone of ``reader_endpoint`` (None without replicas): associate it with
    any other VPC whose clients read through that name."""
    port: pulumi.Output[int]
    """PostgreSQL port of the instances and the proxy."""
    secret_arn: pulumi.Output[str]
    """Secrets Manager secret (KMS-encrypted) with the master ``username`` and ``password``:
    RDS-managed without replicas, generated by this component with replicas."""
    security_group_id: pulumi.Output[str]
    """Security group of the instances and the proxy."""
    primary_identifier: pulumi.Output[str]
    """DB instance identifier of the primary."""
    primary_arn: pulumi.Output[str]
    """ARN of the primary."""
    primary_resource_id: pulumi.Output[str]
    """``DbiResourceId`` of the primary (``db-...``): Performance Insights and metric math
    (``DB_PERF_INSIGHTS``) name the instance by it."""
    replica_identifiers: list[pulumi.Output[str]]
    """Identifiers of the in-region replicas (one entry per replica)."""
    replica_arns: list[pulumi.Output[str]]
    """ARNs of the in-region replicas."""
    replica_endpoints: list[pulumi.Output[str]]
    """Host names of the in-region replicas."""
    cross_region_replica_arn: Optional[pulumi.Output[str]]
    """ARN of the cross-region replica (None without one)."""
    cross_region_replica_endpoint: Optional[pulumi.Output[str]]
    """Host name of the cross-region replica (None without one)."""
    cross_region_replica_identifier: Optional[pulumi.Output[str]]
    """DB instance identifier of the cross-region replica, ``<identifier>-<region>`` (None
    without one); its metrics are in ``cross_region_replica_region``."""
    cross_region_replica_region: Optional[str]
    """Region of the cross-region replica (None without one)."""
    proxy_endpoint: Optional[pulumi.Output[str]]
    """RDS Proxy endpoint to the primary (None without pooling)."""
    proxy_reader_endpoint: Optional[pulumi.Output[str]]
    """Always None: RDS Proxy read-only endpoints exist only for Aurora; read via ``reader_endpoint``."""
    proxy_name: Optional[pulumi.Output[str]]
    """Name of the RDS Proxy (None without pooling)."""
    database_name: str
    """Name of the application database."""
    max_connections: int
    """``max_connections`` set in the parameter group."""
    allocated_storage_gb: int
    """Initial allocated storage (autoscaling may grow it up to ``max_allocated_storage_gb``)."""
    max_allocated_storage_gb: int
    """Ceiling of storage autoscaling (equal to ``allocated_storage_gb``: autoscaling off)."""
    kms_key_arn: pulumi.Output[str]
    """Customer-managed key of storage, master secret, Performance Insights and logs."""
    subnet_group_name: pulumi.Output[str]
    """DB subnet group of the primary and in-region replicas: where a restore (Backups' restore
    test, a point-in-time restore) puts the restored instance."""

    def __init__(self, name: str, args: DatabaseArgs, opts: Optional[pulumi.ResourceOptions] = None):
        args = from_inputs(DatabaseArgs, args)
        super().__init__("webstack:index:Database", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        # Stateful resources: losing them loses data. Unset (not False) when off, so a
        # caller's ``protect`` on the component still flows down to them.
        stateful = pulumi.ResourceOptions(parent=self, protect=args.protect or None,
                                          retain_on_delete=args.protect or None)
        invoke = pulumi.InvokeOptions(parent=self)

        identifier = args.identifier or default_identifier(pulumi.get_project(), pulumi.get_stack(), name)
        max_connections = args.max_connections or max_connections_for(args.instance_class)
        zones = pulumi.Output.from_input(args.availability_zones)
        partition = aws.get_partition_output(opts=invoke)
        account = aws.get_caller_identity_output(opts=invoke).account_id
        region = aws.get_region_output(opts=invoke).region
        parameters = db_parameters(args.slow_query_ms, max_connections)
        family = parameter_group_family(args.engine_version)

        key = self._key(name, identifier, None, region, account, partition, args, stateful)
        remote_key = (
            self._key(name, identifier, args.cross_region_replica, args.cross_region_replica, account, partition,
                      args, stateful)
            if args.cross_region_replica else None
        )
        subnet_group = aws.rds.SubnetGroup(
            f"{name}-subnets", subnet_ids=args.subnet_ids,
            description=f"Private subnets of {identifier}", opts=child,
        )
        parameter_group = aws.rds.ParameterGroup(
            f"{name}-params", family=family, parameters=parameters,
            description=f"{identifier}: TLS only, slow-query logging, max_connections {max_connections}",
            opts=child,
        )
        monitoring = self._monitoring_role(name, partition, account, args, child)
        ready = [monitoring[1]] if monitoring else []
        common = dict(
            instance_class=args.instance_class,
            storage_type="gp3",
            storage_encrypted=True,
            max_allocated_storage=args.max_allocated_storage_gb,
            port=args.port,
            publicly_accessible=False,
            iam_database_authentication_enabled=True,
            performance_insights_enabled=True,
            performance_insights_retention_period=args.performance_insights_retention_days,
            monitoring_interval=args.monitoring_interval_seconds,
            monitoring_role_arn=monitoring[0].arn if monitoring else None,
            enabled_cloudwatch_logs_exports=LOG_EXPORTS,
            auto_minor_version_upgrade=True,
            ca_cert_identifier=CA_CERT_IDENTIFIER,
            copy_tags_to_snapshot=True,
            deletion_protection=args.deletion_protection,
            apply_immediately=args.apply_immediately,
        )

        # RDS cannot create replicas of an instance whose master password it manages.
        replicated = args.replicas > 0 or args.cross_region_replica is not None
        password: Optional[random.RandomPassword] = None
        if replicated:
            password = random.RandomPassword(
                f"{name}-master-password",
                length=MASTER_PASSWORD_LENGTH,
                special=True,
                override_special=MASTER_PASSWORD_SPECIALS,
                min_lower=2,
                min_upper=2,
                min_numeric=2,
                opts=child,
            )
            credentials: dict[str, Any] = {"password": password.result}
        else:
            credentials = {"manage_master_user_password": True, "master_user_secret_kms_key_id": key.arn}

        primary_logs = self._log_groups(name, "primary", identifier, key, args, None, child)
        primary_zone = None if args.multi_az else zones.apply(lambda z: list(dict.fromkeys(z))[0])
        final_snapshot = None if args.skip_final_snapshot else final_snapshot_identifier(
            f"{name}-final-snapshot", identifier, opts=child,
            # What replaces an RDS instance (the provider's ForceNew inputs this component sets).
            replaced_by={"identifier": identifier, "engine": ENGINE, "db_name": args.database_name,
                         "username": args.master_username, "kms_key_id": key.arn, "storage_encrypted": "true",
                         "availability_zone": primary_zone, "region": region})
        primary = aws.rds.Instance(
            f"{name}-primary",
            identifier=identifier,
            engine=ENGINE,
            engine_version=args.engine_version,
            allocated_storage=args.allocated_storage_gb,
            kms_key_id=key.arn,
            db_name=args.database_name,
            username=args.master_username,
            **credentials,
            multi_az=args.multi_az,
            # A Multi-AZ primary cannot be pinned to an AZ; RDS places primary and standby.
            availability_zone=primary_zone,
            db_subnet_group_name=subnet_group.id,
            vpc_security_group_ids=[args.security_group_id],
            parameter_group_name=parameter_group.id,
            backup_retention_period=args.backup_retention_days,
            backup_window=args.backup_window,
            maintenance_window=args.maintenance_window,
            delete_automated_backups=not args.protect,
            skip_final_snapshot=args.skip_final_snapshot,
            # Unique per incarnation: a second deletion (replacement) would fail on a fixed name.
            final_snapshot_identifier=final_snapshot,
            allow_major_version_upgrade=False,
            performance_insights_kms_key_id=key.arn,
            tags={"Name": identifier, "Role": "primary"},
            **common,
            # The log groups must exist first (else RDS creates them without retention or
            # KMS), and the monitoring role must carry its policy before RDS accepts it.
            opts=pulumi.ResourceOptions.merge(
                stateful, pulumi.ResourceOptions(depends_on=[*primary_logs, *ready], delete_before_replace=True)
            ),
        )

        # Every replica depends on the primary only, never on another replica, so RDS
        # builds them in parallel.
        replicas = [
            self._replica(
                name, f"replica-{number}", f"{identifier}-replica-{number}", identifier, primary, key, None,
                ready, common, args, child, stateful,
                availability_zone=zones.apply(lambda z, i=number - 1: replica_zone(z, i)),
                parameter_group_name=parameter_group.id,
                vpc_security_group_ids=[args.security_group_id],
            )
            for number in range(1, args.replicas + 1)
        ]

        self.writer_endpoint = primary.address
        self.reader_zone_id = None
        self.reader_endpoint = (
            self._reader_endpoint(name, identifier, replicas, region, args, child) if replicas else primary.address
        )

        self.cross_region_replica_arn = None
        self.cross_region_replica_endpoint = None
        self.cross_region_replica_identifier = None
        self.cross_region_replica_region = args.cross_region_replica
        if args.cross_region_replica:
            assert remote_key is not None
            remote = self._cross_region_replica(
                name, identifier, primary, remote_key, ready, family, parameters, common, args, child, stateful,
            )
            self.cross_region_replica_arn = remote.arn
            self.cross_region_replica_endpoint = remote.address
            self.cross_region_replica_identifier = remote.identifier

        if password is not None:
            secret, stored = self._master_secret(
                name, identifier, primary, password, key, remote_key, args, stateful, child
            )
            # Handed out once the value is stored: whoever gets the ARN can read it at once.
            self.secret_arn = pulumi.Output.all(secret.arn, stored.id).apply(lambda v: v[0])
            # The proxy only needs the ARN to be created (in parallel with the primary); it
            # reads the value when its target is registered, which waits for the value.
            proxy_secret_arn, proxy_target_waits_for = secret.arn, [stored]
        else:
            self.secret_arn = primary.master_user_secrets.apply(lambda secrets: secrets[0]["secret_arn"])
            proxy_secret_arn, proxy_target_waits_for = self.secret_arn, []
        self.proxy_endpoint = None
        self.proxy_reader_endpoint = None
        self.proxy_name = None
        if args.pooling:
            proxy = self._proxy(name, identifier, primary, key, proxy_secret_arn, proxy_target_waits_for,
                                max_connections, region, partition, args, child)
            self.proxy_endpoint = proxy.endpoint
            self.proxy_name = proxy.name

        self.port = primary.port
        self.security_group_id = pulumi.Output.from_input(args.security_group_id)
        self.primary_identifier = primary.identifier
        self.primary_arn = primary.arn
        self.primary_resource_id = primary.resource_id
        self.replica_identifiers = [r.identifier for r in replicas]
        self.replica_arns = [r.arn for r in replicas]
        self.replica_endpoints = [r.address for r in replicas]
        self.database_name = args.database_name
        self.max_connections = max_connections
        self.allocated_storage_gb = args.allocated_storage_gb
        self.max_allocated_storage_gb = args.max_allocated_storage_gb
        self.kms_key_arn = key.arn
        self.subnet_group_name = subnet_group.id  # a DB subnet group's id is its name
        self.register_outputs(
            {
                "writer_endpoint": self.writer_endpoint,
                "reader_endpoint": self.reader_endpoint,
                "reader_zone_id": self.reader_zone_id,
                "port": self.port,
                "secret_arn": self.secret_arn,
                "security_group_id": self.security_group_id,
                "primary_identifier": self.primary_identifier,
                "primary_arn": self.primary_arn,
                "primary_resource_id": self.primary_resource_id,
                "replica_identifiers": self.replica_identifiers,
                "replica_arns": self.replica_arns,
                "replica_endpoints": self.replica_endpoints,
                "cross_region_replica_arn": self.cross_region_replica_arn,
                "cross_region_replica_endpoint": self.cross_region_replica_endpoint,
                "cross_region_replica_identifier": self.cross_region_replica_identifier,
                "cross_region_replica_region": self.cross_region_replica_region,
                "proxy_endpoint": self.proxy_endpoint,
                "proxy_reader_endpoint": self.proxy_reader_endpoint,
                "proxy_name": self.proxy_name,
                "database_name": self.database_name,
                "max_connections": self.max_connections,
                "allocated_storage_gb": self.allocated_storage_gb,
                "max_allocated_storage_gb": self.max_allocated_storage_gb,
                "kms_key_arn": self.kms_key_arn,
                "subnet_group_name": self.subnet_group_name,
            }
        )

    # ------------------------------------------------------------------ pieces

    def _key(self, name: str, identifier: str, remote_region: Optional[str], region: pulumi.Input[str],
             account: pulumi.Output[str], partition: Any, args: DatabaseArgs,
             stateful: pulumi.ResourceOptions) -> aws.kms.Key:
        """Customer-managed key; its policy lets CloudWatch Logs use it for this DB's log groups."""
        suffix = f"-{remote_region}" if remote_region else ""
        policy = pulumi.Output.all(region, account, partition.partition, partition.dns_suffix).apply(
            lambda v: json.dumps(kms.log_groups_key_policy(
                *v, sid="CloudWatchLogsEncryptsDatabaseLogs", log_groups=f"/aws/rds/instance/{identifier}*"))
        )
        key = kms.customer_managed_key(
            f"{name}-key{suffix}",
            description=f"{identifier}: storage, master secret, Performance Insights, logs",
            deletion_window_in_days=30 if args.protect else 7,
            policy=policy,
            region=remote_region,
            opts=stateful,
        )
        kms.key_alias(f"{name}-key{suffix}", key, f"alias/{identifier}", region=remote_region,
                      opts=pulumi.ResourceOptions(parent=self))
        return key

    def _master_secret(self, name: str, identifier: str, primary: aws.rds.Instance,
                       password: random.RandomPassword, key: aws.kms.Key, remote_key: Optional[aws.kms.Key],
                       args: DatabaseArgs, stateful: pulumi.ResourceOptions,
                       child: pulumi.ResourceOptions) -> tuple[aws.secretsmanager.Secret,
                                                                aws.secretsmanager.SecretVersion]:
        """Secret holding a generated master password, in the shape of an RDS-managed one,
        and the version that stores the value."""
        remote = args.cross_region_replica
        secret = aws.secretsmanager.Secret(
            f"{name}-master",
            description=f"Master user of {identifier} (username, password, host, port, dbname)",
            kms_key_id=key.arn,
            recovery_window_in_days=30 if args.protect else 7,
            # The disaster-recovery region gets a copy, encrypted with its own key.
            replicas=[aws.secretsmanager.SecretReplicaArgs(region=remote, kms_key_id=remote_key.arn)]
            if remote and remote_key is not None else None,
            opts=stateful,
        )
        version = aws.secretsmanager.SecretVersion(
            f"{name}-master",
            secret_id=secret.id,
            secret_string=pulumi.Output.secret(
                pulumi.Output.all(password.result, primary.address, primary.port).apply(
                    lambda v: json.dumps(
                        {
                            "username": args.master_username,
                            "password": v[0],
                            "engine": ENGINE,
                            "host": v[1],
                            "port": v[2],
                            "dbname": args.database_name,
                            "dbInstanceIdentifier": identifier,
                        }
                    )
                )
            ),
            opts=child,
        )
        return secret, version

    def _log_groups(self, name: str, label: str, instance_id: str, key: aws.kms.Key, args: DatabaseArgs,
                    remote_region: Optional[str], child: pulumi.ResourceOptions) -> list[aws.cloudwatch.LogGroup]:
        return [
            aws.cloudwatch.LogGroup(
                f"{name}-{label}-{log}-logs",
                name=f"/aws/rds/instance/{instance_id}/{log}",
                retention_in_days=args.log_retention_days,
                kms_key_id=key.arn,
                region=remote_region,
                opts=child,
            )
            for log in LOG_EXPORTS
        ]

    def _monitoring_role(self, name: str, partition: Any, account: pulumi.Output[str], args: DatabaseArgs,
                         child: pulumi.ResourceOptions) -> Optional[tuple[aws.iam.Role, aws.iam.RolePolicyAttachment]]:
        """Enhanced monitoring role, assumable only for this account's DB instances (any
        region: the cross-region replica uses it too), against the confused deputy."""
        if args.monitoring_interval_seconds == 0:
            return None
        role = aws.iam.Role(
            f"{name}-monitoring",
            description="RDS enhanced monitoring publishes OS metrics to CloudWatch Logs",
            assume_role_policy=pulumi.Output.all(account, partition.partition).apply(
                lambda v: confined_assume_role_policy("monitoring.rds.amazonaws.com", v[0], f"arn:{v[1]}:rds:*:{v[0]}:db:*")),
            opts=child,
        )
        attachment = aws.iam.RolePolicyAttachment(
            f"{name}-monitoring",
            role=role.id,
            policy_arn=partition.partition.apply(
                lambda p: f"arn:{p}:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole"
            ),
            opts=child,
        )
        return role, attachment

    def _reader_endpoint(self, name: str, identifier: str, replicas: list[aws.rds.Instance],
                         region: pulumi.Output[str], args: DatabaseArgs,
                         child: pulumi.ResourceOptions) -> pulumi.Output[str]:
        """Private zone with one weighted CNAME per replica under ``reader.<zone>``."""
        zone_name = args.reader_zone_name or f"{identifier}.internal"
        zone = aws.route53.Zone(
            f"{name}-reader",
            name=zone_name,
            comment=f"Reader endpoint of {identifier} (private)",
            vpcs=[aws.route53.ZoneVpcArgs(vpc_id=args.vpc_id)],
            opts=child,
        )
        self.reader_zone_id = zone.zone_id
        records = []
        for index, replica in enumerate(replicas):
            number = index + 1
            health_check_id = None
            if args.reader_max_lag_seconds is not None:
                alarm = aws.cloudwatch.MetricAlarm(
                    f"{name}-replica-{number}-rotation",
                    name=f"{identifier}-replica-{number}-reader-rotation",
                    alarm_description=(
                        f"Replica {number} of {identifier} lags more than {args.reader_max_lag_seconds}s or "
                        "reports nothing: Route 53 takes it out of the reader endpoint"
                    ),
                    namespace="AWS/RDS",
                    metric_name="ReplicaLag",
                    dimensions={"DBInstanceIdentifier": replica.identifier},
                    statistic="Maximum",
                    period=60,
                    evaluation_periods=2,
                    datapoints_to_alarm=2,
                    threshold=args.reader_max_lag_seconds,
                    comparison_operator="GreaterThanThreshold",
                    treat_missing_data="breaching",
                    opts=child,
                )
                health_check_id = aws.route53.HealthCheck(
                    f"{name}-replica-{number}-rotation",
                    type="CLOUDWATCH_METRIC",
                    cloudwatch_alarm_name=alarm.name,
                    cloudwatch_alarm_region=region,
                    insufficient_data_health_status="LastKnownStatus",
                    tags={"Name": f"{identifier}-replica-{number}-reader-rotation"},
                    opts=child,
                ).id
            records.append(
                aws.route53.Record(
                    f"{name}-reader-{number}",
                    zone_id=zone.zone_id,
                    name=f"reader.{zone_name}",
                    type="CNAME",
                    ttl=5,
                    records=[replica.address],
                    set_identifier=f"replica-{number}",
                    weighted_routing_policies=[aws.route53.RecordWeightedRoutingPolicyArgs(weight=1)],
                    health_check_id=health_check_id,
                    opts=child,
                )
            )
        return pulumi.Output.all(*[r.fqdn for r in records]).apply(lambda names: names[0])

    def _proxy(self, name: str, identifier: str, primary: aws.rds.Instance, key: aws.kms.Key,
               secret_arn: pulumi.Output[str], target_waits_for: list[pulumi.Resource],
               max_connections: int, region: pulumi.Output[str], partition: Any, args: DatabaseArgs,
               child: pulumi.ResourceOptions) -> aws.rds.Proxy:
        """RDS Proxy in front of the primary, reading the master secret ``secret_arn``;
        its target is registered once ``target_waits_for`` (the stored value) exists."""
        role = aws.iam.Role(
            f"{name}-proxy",
            description=f"RDS Proxy of {identifier} reads the master secret",
            assume_role_policy=assume_role_policy("rds.amazonaws.com"),
            opts=child,
        )
        policy = aws.iam.RolePolicy(
            f"{name}-proxy",
            role=role.id,
            policy=pulumi.Output.all(secret_arn, key.arn, region, partition.dns_suffix).apply(
                lambda v: json.dumps(
                    {
                        "Version": "2012-10-17",
                        "Statement": [
                            {
                                "Sid": "ReadMasterSecret",
                                "Effect": "Allow",
                                "Action": "secretsmanager:GetSecretValue",
                                "Resource": v[0],
                            },
                            {
                                "Sid": "DecryptMasterSecret",
                                "Effect": "Allow",
                                "Action": "kms:Decrypt",
                                "Resource": v[1],
                                "Condition": {"StringEquals": {"kms:ViaService": f"secretsmanager.{v[2]}.{v[3]}"}},
                            },
                        ],
                    }
                )
            ),
            opts=child,
        )
        proxy = aws.rds.Proxy(
            f"{name}-proxy",
            name=f"{identifier}-proxy",
            engine_family="POSTGRESQL",
            role_arn=role.arn,
            vpc_subnet_ids=args.subnet_ids,
            vpc_security_group_ids=[args.security_group_id],
            require_tls=True,
            idle_client_timeout=1800,
            debug_logging=False,
            auths=[
                aws.rds.ProxyAuthArgs(
                    auth_scheme="SECRETS",
                    secret_arn=secret_arn,
                    iam_auth="REQUIRED" if args.proxy_iam_auth else "DISABLED",
                    client_password_auth_type="POSTGRES_SCRAM_SHA_256",
                    description=f"Master user of {identifier}",
                )
            ],
            # The role must be able to read the secret before the proxy's first connection.
            opts=pulumi.ResourceOptions.merge(child, pulumi.ResourceOptions(depends_on=[policy])),
        )
        pool_percent = proxy_pool_percent(max_connections, args.connections_per_app_instance, args.app_max_instances)
        target_group = aws.rds.ProxyDefaultTargetGroup(
            f"{name}-proxy",
            db_proxy_name=proxy.name,
            connection_pool_config=aws.rds.ProxyDefaultTargetGroupConnectionPoolConfigArgs(
                max_connections_percent=pool_percent,
                max_idle_connections_percent=max(1, pool_percent // 2),
                connection_borrow_timeout=120,
            ),
            opts=child,
        )
        aws.rds.ProxyTarget(
            f"{name}-proxy-primary",
            db_proxy_name=proxy.name,
            target_group_name=target_group.name,
            db_instance_identifier=primary.identifier,
            # The proxy connects with the secret as soon as the target is registered.
            opts=pulumi.ResourceOptions.merge(child, pulumi.ResourceOptions(depends_on=target_waits_for)),
        )
        return proxy

    def _cross_region_replica(self, name: str, identifier: str, primary: aws.rds.Instance, key: aws.kms.Key,
                              ready: list[Any], family: str, parameters: list[dict[str, str]],
                              common: dict[str, Any], args: DatabaseArgs, child: pulumi.ResourceOptions,
                              stateful: pulumi.ResourceOptions) -> aws.rds.Instance:
        """A read replica in another region, with its own key, subnet group and parameters."""
        remote = args.cross_region_replica
        assert remote is not None
        replica_id = f"{identifier}-{remote}"
        subnet_group = aws.rds.SubnetGroup(
            f"{name}-subnets-{remote}", subnet_ids=args.cross_region_subnet_ids, region=remote,
            description=f"Private subnets of {replica_id}", opts=child,
        )
        parameter_group = aws.rds.ParameterGroup(
            f"{name}-params-{remote}", family=family, parameters=parameters, region=remote,
            description=f"{replica_id}: same settings as {identifier}", opts=child,
        )
        return self._replica(
            name, f"replica-{remote}", replica_id, identifier, primary, key, remote, ready, common, args, child,
            stateful,
            db_subnet_group_name=subnet_group.id,
            parameter_group_name=parameter_group.id,
            vpc_security_group_ids=[args.cross_region_security_group_id],
        )

    def _replica(self, name: str, label: str, replica_id: str, identifier: str, primary: aws.rds.Instance,
                 key: aws.kms.Key, remote_region: Optional[str], ready: list[Any], common: dict[str, Any],
                 args: DatabaseArgs, child: pulumi.ResourceOptions, stateful: pulumi.ResourceOptions,
                 **placement: Any) -> aws.rds.Instance:
        """Read replica ``<name>-<label>`` of the primary, in its region or in ``remote_region``:
        its log groups first, then the instance, encrypted with ``key`` (a key of the replica's
        region), no standby, no final snapshot. ``placement`` places it (AZ or subnet group,
        parameter group, security group)."""
        logs = self._log_groups(name, label, replica_id, key, args, remote_region, child)
        return aws.rds.Instance(
            f"{name}-{label}",
            identifier=replica_id,
            region=remote_region,
            # Cross-region replicas name their source by ARN.
            replicate_source_db=primary.arn if remote_region else primary.identifier,
            kms_key_id=key.arn,
            multi_az=False,
            skip_final_snapshot=True,
            performance_insights_kms_key_id=key.arn,
            tags={"Name": replica_id, "Role": "cross-region-replica" if remote_region else "replica",
                  "ReplicaOf": identifier},
            **placement,
            **common,
            opts=pulumi.ResourceOptions.merge(
                stateful, pulumi.ResourceOptions(depends_on=[*logs, *ready], delete_before_replace=True)
            ),
        )
