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

The pieces, each a module of its own: ``database_parameters`` (engine versions, parameter
group, ``max_connections`` and pool sizing: pure logic), ``database_replicas`` (log groups,
replicas in and out of region, reader endpoint), ``database_credentials`` (the generated
master password and its secret) and ``database_proxy`` (RDS Proxy). Their public names are
importable from this module as before.

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
import re
from dataclasses import dataclass, field
from typing import Any, Optional

import pulumi
import pulumi_aws as aws
import pulumi_random as random

from pulumi_webstack import kms
from pulumi_webstack.args import aws_region, check_fields, from_inputs, log_retention, setting
from pulumi_webstack.database_credentials import (  # noqa: F401  (public names of this module)
    MASTER_PASSWORD_LENGTH, MASTER_PASSWORD_SPECIALS, master_password, master_secret)
from pulumi_webstack.database_parameters import (  # noqa: F401  (public names of this module)
    BYTES_PER_CONNECTION, CA_CERT_IDENTIFIER, ENGINE, ENGINE_VERSIONS, LOG_EXPORTS, MAX_CONNECTIONS_CAP, MAX_REPLICAS,
    MIN_WINDOW_MINUTES, MONITORING_INTERVALS, PERFORMANCE_INSIGHTS_RETENTIONS, POSTGRES_AS_OF, POSTGRES_MINORS,
    PROXY_BUDGET_PERCENT, SUPPORTED_MAJORS, UNPOOLED_BUDGET_PERCENT, USABLE_MEMORY_FRACTION, connection_demand,
    db_parameters, instance_memory_gib, max_connections_for, parameter_group_family, postgres_major,
    proxy_pool_percent)
from pulumi_webstack.database_proxy import proxy, proxy_log_group
from pulumi_webstack.database_replicas import (  # noqa: F401  (replica_zone: public name of this module)
    DatabaseScope, cross_region_replica, log_groups, reader_endpoint, replica, replica_zone)
from pulumi_webstack.errors import DAILY_WINDOW, WEEKLY_WINDOW, require, static_len
from pulumi_webstack.iam_policies import confined_assume_role_policy, granted
from pulumi_webstack.instance_classes import RDS_INSTANCE_CLASSES, families
from pulumi_webstack.names import SCOPED_ID_40, stack_scoped_id
from pulumi_webstack.ordering import after
from pulumi_webstack.snapshots import final_snapshot_identifier
from pulumi_webstack.windows import daily_minutes, daily_overlaps_weekly, weekly_minutes

RESERVED_USERNAMES = ("postgres", "rdsadmin", "rdsrepladmin", "rds_superuser", "admin")

_DNS_NAME = re.compile(r"^(?=.{1,200}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")

STAYS_IN_ITS_ZONE = ["availabilityZone"]
"""An instance's AZ changes only by replacement (the provider's ForceNew), so the zone chosen at
creation is kept: turning multi_az off after a failover moved the primary, reordered subnets
or a third AZ shifting the replicas' round-robin never delete a database to move it."""

OUTPUTS = (
    "writer_endpoint", "reader_endpoint", "reader_zone_id", "port", "secret_arn", "security_group_id",
    "primary_identifier", "primary_arn", "primary_resource_id", "replica_identifiers", "replica_arns",
    "replica_endpoints", "cross_region_replica_arn", "cross_region_replica_endpoint",
    "cross_region_replica_identifier", "cross_region_replica_region", "proxy_endpoint", "proxy_reader_endpoint",
    "proxy_name", "database_name", "max_connections", "allocated_storage_gb", "max_allocated_storage_gb",
    "kms_key_arn", "subnet_group_name",
)
"""Every output of ``Database``, in the order they are registered."""


# ------------------------------------------------------------------------ pure logic


def default_identifier(project: str, stack: str, name: str) -> str:
    """``<project>-<stack>-<name>`` as an RDS identifier prefix (at most 40 characters, leaving
    room for the replica and region suffixes within RDS's 63)."""
    return stack_scoped_id(project, stack, name, fallback="db", limit=40)


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
    health check; with ``pooling``, an RDS Proxy (TLS required) with IAM role, log group, pool sizing
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
        identifier = args.identifier or default_identifier(pulumi.get_project(), pulumi.get_stack(), name)
        # Stateful resources: losing them loses data. Unset (not False) when off, so a
        # caller's ``protect`` on the component still flows down to them.
        self._scope = DatabaseScope(
            name, identifier, args, child=pulumi.ResourceOptions(parent=self),
            stateful=pulumi.ResourceOptions(parent=self, protect=args.protect or None,
                                            retain_on_delete=args.protect or None))
        invoke = pulumi.InvokeOptions(parent=self)
        self._partition = aws.get_partition_output(opts=invoke)
        self._account = aws.get_caller_identity_output(opts=invoke).account_id
        self._region = aws.get_region_output(opts=invoke).region
        self.max_connections = args.max_connections or max_connections_for(args.instance_class)

        key, remote_key = self._keys()
        subnet_group, parameter_group = self._groups()
        common = self._instance_settings(self._monitoring_role())
        password = master_password(self._scope)
        primary = self._primary(key, subnet_group, parameter_group, password, common)
        self._replicas(primary, key, parameter_group, common)
        self._cross_region_replica(primary, remote_key, common)
        self._credentials(primary, password, key, remote_key)
        self._proxy(primary, key)
        self._outputs(primary, key, subnet_group)

    # ------------------------------------------------------------------ steps

    def _keys(self) -> tuple[aws.kms.Key, Optional[aws.kms.Key]]:
        """The component's key, and one in the cross-region replica's region when there is one."""
        remote = self._scope.args.cross_region_replica
        key = self._key(None, self._region)
        return key, self._key(remote, remote) if remote else None

    def _key(self, remote_region: Optional[str], region: pulumi.Input[str]) -> aws.kms.Key:
        """Customer-managed key; its policy lets CloudWatch Logs use it for this DB's log groups."""
        scope, partition = self._scope, self._partition
        suffix = f"-{remote_region}" if remote_region else ""
        identifier = scope.identifier
        # The instances' log groups, and in the stack's region the proxy's.
        log_groups = [f"/aws/rds/instance/{identifier}*"] + ([] if remote_region else [proxy_log_group(identifier)])
        policy = pulumi.Output.all(region, self._account, partition.partition, partition.dns_suffix).apply(
            lambda v: json.dumps(kms.log_groups_key_policy(
                *v, sid="CloudWatchLogsEncryptsDatabaseLogs", log_groups=log_groups))
        )
        key = kms.customer_managed_key(
            f"{scope.name}-key{suffix}",
            description=f"{identifier}: storage, master secret, Performance Insights, logs",
            deletion_window_in_days=30 if scope.args.protect else 7,
            policy=policy,
            region=remote_region,
            opts=scope.stateful,
        )
        kms.key_alias(f"{scope.name}-key{suffix}", key, f"alias/{identifier}", region=remote_region,
                      opts=pulumi.ResourceOptions(parent=self))
        return key

    def _groups(self) -> tuple[aws.rds.SubnetGroup, aws.rds.ParameterGroup]:
        """The DB subnet group and the parameter group of the primary and in-region replicas."""
        scope = self._scope
        subnet_group = aws.rds.SubnetGroup(
            f"{scope.name}-subnets", subnet_ids=scope.args.subnet_ids,
            description=f"Private subnets of {scope.identifier}", opts=scope.child,
        )
        parameter_group = aws.rds.ParameterGroup(
            f"{scope.name}-params", family=parameter_group_family(scope.args.engine_version),
            parameters=db_parameters(scope.args.slow_query_ms, self.max_connections),
            description=f"{scope.identifier}: TLS only, slow-query logging, max_connections for its class",
            # RDS cannot change a description: a new one would replace the group (and keep every
            # instance on pending-reboot); the text names no setting, and an older text is kept.
            opts=pulumi.ResourceOptions.merge(scope.child, pulumi.ResourceOptions(ignore_changes=["description"])),
        )
        return subnet_group, parameter_group

    def _monitoring_role(self) -> Optional[pulumi.Output[str]]:
        """Enhanced monitoring role, assumable only for this account's DB instances (any
        region: the cross-region replica uses it too), against the confused deputy: its ARN,
        once its policy is attached (RDS checks the role when it accepts it)."""
        scope, partition = self._scope, self._partition
        if scope.args.monitoring_interval_seconds == 0:
            return None
        role = aws.iam.Role(
            f"{scope.name}-monitoring",
            description="RDS enhanced monitoring publishes OS metrics to CloudWatch Logs",
            assume_role_policy=pulumi.Output.all(self._account, partition.partition).apply(
                lambda v: confined_assume_role_policy("monitoring.rds.amazonaws.com", v[0], f"arn:{v[1]}:rds:*:{v[0]}:db:*")),
            opts=scope.child,
        )
        attachment = aws.iam.RolePolicyAttachment(
            f"{scope.name}-monitoring",
            role=role.id,
            policy_arn=partition.partition.apply(
                lambda p: f"arn:{p}:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole"
            ),
            opts=scope.child,
        )
        return granted(role, attachment)

    def _instance_settings(self, monitoring_role_arn: Optional[pulumi.Output[str]]) -> dict[str, Any]:
        """Settings every instance shares, the primary and each replica."""
        args = self._scope.args
        return dict(
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
            monitoring_role_arn=monitoring_role_arn,
            enabled_cloudwatch_logs_exports=LOG_EXPORTS,
            auto_minor_version_upgrade=True,
            ca_cert_identifier=CA_CERT_IDENTIFIER,
            copy_tags_to_snapshot=True,
            deletion_protection=args.deletion_protection,
            apply_immediately=args.apply_immediately,
        )

    def _primary(self, key: aws.kms.Key, subnet_group: aws.rds.SubnetGroup, parameter_group: aws.rds.ParameterGroup,
                 password: Optional[random.RandomPassword], common: dict[str, Any]) -> aws.rds.Instance:
        """The primary: its log groups first, a final snapshot name per incarnation, the instance."""
        scope = self._scope
        args, name, identifier = scope.args, scope.name, scope.identifier
        credentials: dict[str, Any] = (
            {"password": password.result} if password is not None
            else {"manage_master_user_password": True, "master_user_secret_kms_key_id": key.arn})
        primary_logs = log_groups(scope, "primary", identifier, key, None)
        zones = pulumi.Output.from_input(args.availability_zones)
        primary_zone = None if args.multi_az else zones.apply(lambda z: list(dict.fromkeys(z))[0])
        final_snapshot = None if args.skip_final_snapshot else final_snapshot_identifier(
            f"{name}-final-snapshot", identifier, opts=scope.child,
            # What replaces an RDS instance (the provider's ForceNew inputs this component sets).
            replaced_by={"identifier": identifier, "engine": ENGINE, "db_name": args.database_name,
                         "username": args.master_username, "kms_key_id": key.arn, "storage_encrypted": "true",
                         "availability_zone": primary_zone, "region": self._region})
        return aws.rds.Instance(
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
            # The log groups must exist first (else RDS creates them without retention or KMS).
            opts=pulumi.ResourceOptions.merge(scope.stateful, pulumi.ResourceOptions(
                depends_on=primary_logs, delete_before_replace=True, ignore_changes=STAYS_IN_ITS_ZONE)),
        )

    def _replicas(self, primary: aws.rds.Instance, key: aws.kms.Key, parameter_group: aws.rds.ParameterGroup,
                  common: dict[str, Any]) -> None:
        """The in-region replicas, each in its own AZ, and the reader endpoint over them (the
        primary's host without replicas)."""
        scope = self._scope
        args, identifier = scope.args, scope.identifier
        zones = pulumi.Output.from_input(args.availability_zones)
        # Every replica depends on the primary only, never on another replica, so RDS
        # builds them in parallel.
        replicas = [
            replica(
                scope, f"replica-{number}", f"{identifier}-replica-{number}", primary, key, None, common,
                availability_zone=zones.apply(lambda z, i=number - 1: replica_zone(z, i)),
                parameter_group_name=parameter_group.id,
                vpc_security_group_ids=[args.security_group_id],
            )
            for number in range(1, args.replicas + 1)
        ]
        self.reader_zone_id = None
        self.reader_endpoint = primary.address
        if replicas:
            self.reader_endpoint, self.reader_zone_id = reader_endpoint(scope, replicas, self._region)
        self.replica_identifiers = [r.identifier for r in replicas]
        self.replica_arns = [r.arn for r in replicas]
        self.replica_endpoints = [r.address for r in replicas]

    def _cross_region_replica(self, primary: aws.rds.Instance, remote_key: Optional[aws.kms.Key],
                              common: dict[str, Any]) -> None:
        """The replica in ``cross_region_replica``'s region, with that region's key."""
        args = self._scope.args
        self.cross_region_replica_arn = None
        self.cross_region_replica_endpoint = None
        self.cross_region_replica_identifier = None
        self.cross_region_replica_region = args.cross_region_replica
        if remote_key is None:
            return
        remote = cross_region_replica(
            self._scope, primary, remote_key, parameter_group_family(args.engine_version),
            db_parameters(args.slow_query_ms, self.max_connections), common)
        self.cross_region_replica_arn = remote.arn
        self.cross_region_replica_endpoint = remote.address
        self.cross_region_replica_identifier = remote.identifier

    def _credentials(self, primary: aws.rds.Instance, password: Optional[random.RandomPassword], key: aws.kms.Key,
                     remote_key: Optional[aws.kms.Key]) -> None:
        """``secret_arn``: the generated password's secret (handed out once its value is
        stored), else the one RDS manages; and what the proxy reads and waits for."""
        if password is None:
            self.secret_arn = primary.master_user_secrets.apply(lambda secrets: secrets[0]["secret_arn"])
            self._proxy_secret_arn, self._proxy_target_waits_for = self.secret_arn, []
            return
        secret, stored = master_secret(self._scope, primary, password, key, remote_key)
        # Handed out once the value is stored: whoever gets the ARN can read it at once.
        self.secret_arn = after(secret.arn, stored)
        # The proxy only needs the ARN to be created (in parallel with the primary); it
        # reads the value when its target is registered, which waits for the value.
        self._proxy_secret_arn, self._proxy_target_waits_for = secret.arn, [stored]

    def _proxy(self, primary: aws.rds.Instance, key: aws.kms.Key) -> None:
        """With ``pooling``, the RDS Proxy in front of the primary."""
        self.proxy_endpoint = None
        self.proxy_reader_endpoint = None
        self.proxy_name = None
        if not self._scope.args.pooling:
            return
        db_proxy = proxy(self._scope, primary, key, self._proxy_secret_arn, self._proxy_target_waits_for,
                         self.max_connections, self._region, self._partition)
        self.proxy_endpoint = db_proxy.endpoint
        self.proxy_name = db_proxy.name

    def _outputs(self, primary: aws.rds.Instance, key: aws.kms.Key, subnet_group: aws.rds.SubnetGroup) -> None:
        args = self._scope.args
        self.writer_endpoint = primary.address
        self.port = primary.port
        self.security_group_id = pulumi.Output.from_input(args.security_group_id)
        self.primary_identifier = primary.identifier
        self.primary_arn = primary.arn
        self.primary_resource_id = primary.resource_id
        self.database_name = args.database_name
        self.allocated_storage_gb = args.allocated_storage_gb
        self.max_allocated_storage_gb = args.max_allocated_storage_gb
        self.kms_key_arn = key.arn
        self.subnet_group_name = subnet_group.id  # a DB subnet group's id is its name
        self.register_outputs({output: getattr(self, output) for output in OUTPUTS})
