"""Cache: ElastiCache replication group (Redis OSS or Valkey) with TLS, auth, failover.

What the usual building blocks leave out, and this component does: replicas spread over
the AZs with automatic failover and Multi-AZ, TLS *required* (not merely offered), an auth
token generated here and kept in Secrets Manager (never in the stack file or in clear in
state), encryption at rest with a customer-managed key, daily snapshots with retention,
and slow-log plus engine-log delivery to CloudWatch Logs.

Example::

    from pulumi_webstack.cache import Cache, CacheArgs

    cache = Cache("sessions", CacheArgs(
        subnet_ids=network.subnet_ids,
        security_group_id=network.cache_security_group_id,
        availability_zones=network.availability_zones,
        node_type="cache.r7g.large",
        replicas=2,
        automatic_failover=True,
        multi_az=True,
        snapshot_retention_days=7,
    ))
    pulumi.export("redisHost", cache.primary_endpoint)   # rediss://<host>:6379, AUTH from cache.auth_secret_arn
"""

import enum
import json
import re
from dataclasses import dataclass
from typing import Optional

import pulumi
import pulumi_aws as aws
import pulumi_random as random

from pulumi_webstack import kms
from pulumi_webstack.snapshots import final_snapshot_identifier
from pulumi_webstack.args import check_fields, from_inputs, log_retention, setting
from pulumi_webstack.errors import DAILY_WINDOW, WEEKLY_WINDOW, require, static_len
from pulumi_webstack.instance_classes import CACHE_NODE_TYPES, families
from pulumi_webstack.names import SCOPED_ID_40, stack_scoped_id
from pulumi_webstack.windows import daily_minutes, weekly_minutes


class CacheEngine(str, enum.Enum):
    """Cache engine of the replication group."""

    REDIS = "redis"
    """Redis OSS."""
    VALKEY = "valkey"
    """Valkey, the open-source fork of Redis OSS that ElastiCache also offers."""


SUPPORTED_VERSIONS: dict[str, tuple[str, ...]] = {
    "redis": ("7.0", "7.1"),
    "valkey": ("7.2", "8.0", "8.1"),
}
"""Engine versions offered by ElastiCache that support ``transit_encryption_mode=required``
and engine-log delivery (Redis OSS 7.0.5+, every Valkey)."""
MAXMEMORY_POLICIES = (
    "volatile-lru", "allkeys-lru", "volatile-lfu", "allkeys-lfu", "volatile-random", "allkeys-random",
    "volatile-ttl", "noeviction",
)
MAX_REPLICAS = 5
AUTH_TOKEN_LENGTH = 64
AUTH_TOKEN_SPECIALS = "!&#$^<>-"
"""The only special characters ElastiCache accepts in an AUTH token."""
LOG_TYPES = ("slow-log", "engine-log")
MIN_WINDOW_MINUTES = 60
"""ElastiCache refuses a snapshot or maintenance window shorter than this."""


# ------------------------------------------------------------------------ pure logic


def parameter_group_family(engine: str, engine_version: str) -> str:
    """ElastiCache parameter group family: ("redis", "7.1") -> "redis7", ("valkey", "8.0") -> "valkey8"."""
    return f"{CacheEngine(engine).value}{engine_version.split('.', 1)[0]}"


def cache_cluster_zones(zones: list[str], count: int) -> list[str]:
    """AZs of the ``count`` cache nodes, primary first: round-robin over the distinct ``zones``."""
    distinct = list(dict.fromkeys(zones))
    if not distinct:
        raise ValueError("no availability zones")
    return [distinct[i % len(distinct)] for i in range(count)]


def default_replication_group_id(project: str, stack: str, name: str) -> str:
    """``<project>-<stack>-<name>`` as a replication group id (at most 40 characters)."""
    return stack_scoped_id(project, stack, name, fallback="cache", limit=40)


# ---------------------------------------------------------------------------- args


@dataclass
class CacheArgs:
    """Arguments of ``Cache``. Structural settings are validated on construction."""

    subnet_ids: pulumi.Input[list[str]]
    """Private subnets of the cache subnet group (at least 2 for Multi-AZ)."""
    security_group_id: pulumi.Input[str]
    """Security group of the cache nodes (``Network.cache_security_group_id``)."""
    availability_zones: pulumi.Input[list[str]]
    """AZs of the subnets; nodes are spread over them, the primary in the first."""
    engine: Optional[CacheEngine] = CacheEngine.REDIS
    """``redis`` (Redis OSS) or ``valkey``."""
    engine_version: Optional[str] = setting(
        "7.1", one_of=sorted({v for versions in SUPPORTED_VERSIONS.values() for v in versions}),
        words="must be an engine version ElastiCache offers with TLS required: "
              + "; ".join(f"{engine} {', '.join(versions)}" for engine, versions in SUPPORTED_VERSIONS.items()))
    """Engine version: Redis OSS 7.0 / 7.1, Valkey 7.2 / 8.0 / 8.1."""
    node_type: Optional[str] = setting(
        "cache.t4g.small", one_of=tuple(CACHE_NODE_TYPES),
        words="must be an ElastiCache node type such as cache.r7g.large (families: " + families(CACHE_NODE_TYPES) + ")")
    """Node type of the primary and the replicas."""
    replicas: Optional[int] = setting(0, ge=0, le=MAX_REPLICAS)
    """Replicas of the primary, 0 to 5."""
    automatic_failover: Optional[bool] = False
    """Promote a replica when the primary fails (needs at least 1 replica)."""
    multi_az: Optional[bool] = False
    """Multi-AZ: replicas in other AZs than the primary, failover across AZs (needs failover)."""
    snapshot_retention_days: Optional[int] = setting(1, ge=0, le=35)
    """Daily snapshots kept, 0 (none) to 35."""
    snapshot_window: Optional[str] = setting("01:00-02:00", pattern=DAILY_WINDOW, words="must be hh:mm-hh:mm (UTC)")
    """Daily snapshot window (UTC, hh:mm-hh:mm, at least 60 minutes)."""
    maintenance_window: Optional[str] = setting(
        "sun:05:00-sun:06:00", pattern=WEEKLY_WINDOW, words="must be ddd:hh:mm-ddd:hh:mm (UTC), e.g. sun:05:00-sun:06:00")
    """Weekly maintenance window (UTC, ddd:hh:mm-ddd:hh:mm, at least 60 minutes)."""
    final_snapshot: Optional[bool] = False
    """Take a final snapshot when the replication group is deleted."""
    protect: Optional[bool] = False
    """Production data: Pulumi ``protect`` and ``retain_on_delete`` on the KMS key, the auth
    secret and the replication group, 30-day key and secret recovery windows."""
    apply_immediately: Optional[bool] = False
    """Apply modifications now instead of in the maintenance window."""
    port: Optional[int] = setting(6379, ge=1024, le=65535)
    """Port of the nodes (the security group must open the same port)."""
    maxmemory_policy: Optional[str] = setting("volatile-lru", one_of=MAXMEMORY_POLICIES)
    """Eviction policy when memory is full (``allkeys-lru`` for a pure cache)."""
    log_retention_days: Optional[int] = log_retention(30)
    """Retention of the slow-log and engine-log groups."""
    replication_group_id: Optional[str] = setting(
        None, pattern=SCOPED_ID_40, words="must be lower-case letters, digits and single hyphens, start with a letter, "
                                          "at most 40 characters")
    """Replication group id (default: ``<project>-<stack>-<name>``, at most 40 characters)."""

    def __post_init__(self) -> None:
        check_fields(self)
        self.engine = CacheEngine(self.engine)
        require(self.engine_version in SUPPORTED_VERSIONS[self.engine.value], "cache.engine_version",
                self.engine_version, f"{self.engine.value} versions ElastiCache offers with TLS required: "
                + ", ".join(SUPPORTED_VERSIONS[self.engine.value]))
        require(not self.automatic_failover or self.replicas >= 1, "cache.automatic_failover",
                self.automatic_failover, "needs replicas >= 1 (there is nothing to fail over to)")
        require(not self.multi_az or self.automatic_failover, "cache.multi_az", self.multi_az,
                "needs automatic_failover")
        require(daily_minutes(self.snapshot_window) >= MIN_WINDOW_MINUTES, "cache.snapshot_window",
                self.snapshot_window, f"must be at least {MIN_WINDOW_MINUTES} minutes long (ElastiCache)")
        require(weekly_minutes(self.maintenance_window) >= MIN_WINDOW_MINUTES, "cache.maintenance_window",
                self.maintenance_window, f"must be at least {MIN_WINDOW_MINUTES} minutes long (ElastiCache)")
        n_subnets = static_len(self.subnet_ids)
        require(n_subnets is None or n_subnets >= (2 if self.multi_az else 1), "cache.subnet_ids", self.subnet_ids,
                "needs at least 1 private subnet, and 2 in different AZs with multi_az")


# ---------------------------------------------------------------------- component


class Cache(pulumi.ComponentResource):
    """ElastiCache replication group with TLS, auth and failover.

    Creates: KMS key (rotation on) + alias; subnet group; parameter group
    (``maxmemory-policy``); auth token (``random.RandomPassword``) kept in a Secrets Manager
    secret encrypted with the key; slow-log and engine-log CloudWatch log groups (KMS,
    retention); the replication group (``1 + replicas`` nodes spread over the AZs, TLS
    required, encrypted at rest, failover and Multi-AZ per args, snapshots, logs delivered).

    Outputs: ``primary_endpoint``, ``reader_endpoint``, ``port``, ``auth_secret_arn``,
    ``replication_group_id``, ``member_clusters``, ``arn``, ``kms_key_arn``.
    """

    primary_endpoint: pulumi.Output[str]
    """Host clients write to (TLS, port ``port``)."""
    reader_endpoint: pulumi.Output[str]
    """Host spreading reads over the replicas (the primary when there are none)."""
    port: pulumi.Output[int]
    """Port of the nodes."""
    auth_secret_arn: pulumi.Output[str]
    """Secret with JSON ``{"password", "host", "readerHost", "port", "tls"}``."""
    replication_group_id: pulumi.Output[str]
    """Id of the replication group."""
    member_clusters: list[pulumi.Output[str]]
    """Ids of the cache clusters (nodes), one entry per node."""
    arn: pulumi.Output[str]
    """ARN of the replication group."""
    kms_key_arn: pulumi.Output[str]
    """Customer-managed key of data at rest, snapshots, the auth secret and the logs."""

    def __init__(self, name: str, args: CacheArgs, opts: Optional[pulumi.ResourceOptions] = None):
        args = from_inputs(CacheArgs, args)
        super().__init__("webstack:index:Cache", name, None, opts)
        self._name = name
        self._args = args
        self._child = pulumi.ResourceOptions(parent=self)
        # Unset (not False) when off, so a caller's ``protect`` still flows down.
        self._stateful = pulumi.ResourceOptions(parent=self, protect=args.protect or None,
                                                retain_on_delete=args.protect or None)
        self._group_id = args.replication_group_id or default_replication_group_id(
            pulumi.get_project(), pulumi.get_stack(), name
        )
        self._log_prefix = f"/aws/elasticache/{self._group_id}"
        invoke = pulumi.InvokeOptions(parent=self)
        self._partition = aws.get_partition_output(opts=invoke)
        self._account = aws.get_caller_identity_output(opts=invoke).account_id
        self._region = aws.get_region_output(opts=invoke).region

        key = self._key()
        subnet_group, parameter_group = self._groups()
        token = self._auth_token()
        logs = self._log_groups(key)
        group = self._replication_group(key, subnet_group, parameter_group, token, logs)
        secret = self._auth_secret(key, token, group)
        self._outputs(group, secret, key)

    # ------------------------------------------------------------------ steps

    def _key(self) -> aws.kms.Key:
        """Customer-managed key; its policy lets CloudWatch Logs use it for this group's log groups."""
        args, name, group_id, log_prefix = self._args, self._name, self._group_id, self._log_prefix
        partition = self._partition
        key = kms.customer_managed_key(
            f"{name}-key",
            description=f"{group_id}: data at rest, snapshots, auth secret, logs",
            deletion_window_in_days=30 if args.protect else 7,
            policy=pulumi.Output.all(self._region, self._account, partition.partition, partition.dns_suffix).apply(
                lambda v: json.dumps(kms.log_groups_key_policy(
                    *v, sid="CloudWatchLogsEncryptsCacheLogs", log_groups=f"{log_prefix}/*"))
            ),
            opts=self._stateful,
        )
        kms.key_alias(f"{name}-key", key, f"alias/{group_id}", opts=self._child)
        return key

    def _groups(self) -> tuple[aws.elasticache.SubnetGroup, aws.elasticache.ParameterGroup]:
        """The subnet group and the parameter group (eviction policy) of the nodes."""
        args, name, group_id = self._args, self._name, self._group_id
        subnet_group = aws.elasticache.SubnetGroup(
            f"{name}-subnets", subnet_ids=args.subnet_ids, description=f"Private subnets of {group_id}",
            opts=self._child
        )
        parameter_group = aws.elasticache.ParameterGroup(
            f"{name}-params",
            family=parameter_group_family(args.engine.value, args.engine_version),
            description=f"{group_id}: eviction policy",
            parameters=[aws.elasticache.ParameterGroupParameterArgs(name="maxmemory-policy",
                                                                    value=args.maxmemory_policy)],
            # ElastiCache cannot change a description: a new one would replace the group, whose
            # deletion waits for the replication group to leave it (the maintenance window without
            # apply_immediately). The text names no setting, and an older text is kept.
            opts=pulumi.ResourceOptions.merge(self._child, pulumi.ResourceOptions(ignore_changes=["description"])),
        )
        return subnet_group, parameter_group

    def _auth_token(self) -> random.RandomPassword:
        """The AUTH token: generated, of the characters ElastiCache accepts, a secret in state."""
        return random.RandomPassword(
            f"{self._name}-auth-token",
            length=AUTH_TOKEN_LENGTH,
            special=True,
            override_special=AUTH_TOKEN_SPECIALS,
            min_lower=4,
            min_upper=4,
            min_numeric=4,
            min_special=2,
            opts=self._child,
        )

    def _log_groups(self, key: aws.kms.Key) -> dict[str, aws.cloudwatch.LogGroup]:
        """The slow-log and engine-log groups the replication group delivers to."""
        return {
            log_type: aws.cloudwatch.LogGroup(
                f"{self._name}-{log_type}",
                name=f"{self._log_prefix}/{log_type}",
                retention_in_days=self._args.log_retention_days,
                kms_key_id=key.arn,
                opts=self._child,
            )
            for log_type in LOG_TYPES
        }

    def _replication_group(self, key: aws.kms.Key, subnet_group: aws.elasticache.SubnetGroup,
                           parameter_group: aws.elasticache.ParameterGroup, token: random.RandomPassword,
                           logs: dict[str, aws.cloudwatch.LogGroup]) -> aws.elasticache.ReplicationGroup:
        """``1 + replicas`` nodes spread over the AZs, TLS required, encrypted, snapshots, logs."""
        args, name, group_id = self._args, self._name, self._group_id
        engine = args.engine.value
        nodes = 1 + args.replicas
        zones = pulumi.Output.from_input(args.availability_zones).apply(lambda z: cache_cluster_zones(z, nodes))
        final_snapshot = final_snapshot_identifier(
            f"{name}-final-snapshot", group_id, opts=self._child,
            # What replaces a replication group (the provider's ForceNew inputs this component sets).
            replaced_by={"replication_group_id": group_id, "engine": engine, "port": str(args.port),
                         "kms_key_id": key.arn, "subnet_group_name": subnet_group.id, "region": self._region},
        ) if args.final_snapshot else None
        return aws.elasticache.ReplicationGroup(
            f"{name}-group",
            replication_group_id=group_id,
            description=f"{engine} {args.engine_version}: 1 primary + {args.replicas} replicas, TLS required",
            engine=engine,
            engine_version=args.engine_version,
            node_type=args.node_type,
            port=args.port,
            num_cache_clusters=nodes,
            preferred_cache_cluster_azs=zones,
            automatic_failover_enabled=args.automatic_failover,
            multi_az_enabled=args.multi_az,
            subnet_group_name=subnet_group.id,
            security_group_ids=[args.security_group_id],
            parameter_group_name=parameter_group.id,
            at_rest_encryption_enabled=True,
            kms_key_id=key.arn,
            transit_encryption_enabled=True,
            transit_encryption_mode="required",
            auth_token=token.result,
            snapshot_retention_limit=args.snapshot_retention_days,
            snapshot_window=args.snapshot_window,
            maintenance_window=args.maintenance_window,
            # Unique per incarnation: a second deletion (replacement) would fail on a fixed name.
            final_snapshot_identifier=final_snapshot,
            auto_minor_version_upgrade=True,
            apply_immediately=args.apply_immediately,
            log_delivery_configurations=[
                aws.elasticache.ReplicationGroupLogDeliveryConfigurationArgs(
                    destination=logs[log_type].name,
                    destination_type="cloudwatch-logs",
                    log_format="json",
                    log_type=log_type,
                )
                for log_type in LOG_TYPES
            ],
            tags={"Name": group_id},
            # The id is fixed: a replacement (port, key, subnet group) must delete the old group first.
            opts=pulumi.ResourceOptions.merge(self._stateful, pulumi.ResourceOptions(delete_before_replace=True)),
        )

    def _auth_secret(self, key: aws.kms.Key, token: random.RandomPassword,
                     group: aws.elasticache.ReplicationGroup) -> aws.secretsmanager.Secret:
        """The Secrets Manager secret the app reads: the token and the endpoints, KMS-encrypted."""
        secret = aws.secretsmanager.Secret(
            f"{self._name}-auth",
            description=f"AUTH token and endpoints of {self._group_id} (TLS required)",
            kms_key_id=key.arn,
            recovery_window_in_days=30 if self._args.protect else 7,
            opts=self._stateful,
        )
        aws.secretsmanager.SecretVersion(
            f"{self._name}-auth",
            secret_id=secret.id,
            secret_string=pulumi.Output.secret(
                pulumi.Output.all(token.result, group.primary_endpoint_address, group.reader_endpoint_address,
                                  group.port).apply(
                    lambda v: json.dumps({"password": v[0], "host": v[1], "readerHost": v[2], "port": v[3],
                                          "tls": True})
                )
            ),
            opts=self._child,
        )
        return secret

    def _outputs(self, group: aws.elasticache.ReplicationGroup, secret: aws.secretsmanager.Secret,
                 key: aws.kms.Key) -> None:
        self.primary_endpoint = group.primary_endpoint_address
        self.reader_endpoint = group.reader_endpoint_address
        self.port = group.port
        self.auth_secret_arn = secret.arn
        self.replication_group_id = group.id
        self.member_clusters = [
            group.member_clusters.apply(lambda members, i=i: sorted(members)[i]) for i in range(1 + self._args.replicas)
        ]
        self.arn = group.arn
        self.kms_key_arn = key.arn
        self.register_outputs(
            {
                "primary_endpoint": self.primary_endpoint,
                "reader_endpoint": self.reader_endpoint,
                "port": self.port,
                "auth_secret_arn": self.auth_secret_arn,
                "replication_group_id": self.replication_group_id,
                "member_clusters": self.member_clusters,
                "arn": self.arn,
                "kms_key_arn": self.kms_key_arn,
            }
        )
