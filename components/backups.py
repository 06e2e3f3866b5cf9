"""Backups: hardened S3 backup bucket(s) and an AWS Backup vault and plan for the database.

Two independent layers keep data recoverable (DESIGN.md: RPO <= 6 h, RTO <= 1 h):

- **AWS Backup** protects the database: a daily full backup at 02:00 UTC and, where the
  tier asks for it, continuous backup (point-in-time restore to any second of the last
  <= 35 days, which is what brings the RPO under 6 h). In prod the vault is locked
  (compliance mode: nobody, root included, can shorten retention or delete recovery
  points once the grace period is over) and every daily recovery point is copied to a
  vault in a second region. A weekly restore test (staging, prod) restores the latest daily
  recovery point into the database's subnets and deletes it: the backups are proven to restore.
- **The backup bucket** holds application-level exports (``pg_dump`` files, user uploads,
  configuration snapshots): versioned, SSE-KMS with a customer-managed key and an S3
  bucket key, all public access blocked, ACLs disabled, TLS and KMS enforced by policy,
  lifecycle to Glacier Instant Retrieval and expiry, server access logs; in prod Object
  Lock in compliance mode and replication to a bucket in the second region.

ElastiCache is not in the backup selection: AWS Backup does not support ElastiCache (its
``GetSupportedResourceTypes`` list is Aurora, CloudFormation, DocumentDB, DynamoDB, EBS,
EC2, EFS, EKS, FSx, Neptune, RDS, Redshift, S3, SAP HANA on EC2, Storage Gateway,
Timestream and VMware: https://docs.aws.amazon.com/aws-backup/latest/devguide/API_GetSupportedResourceTypes.html).
The cache keeps its own daily snapshots (``cache.snapshotRetentionDays``), and a cache
can be rebuilt from the database, so it sets neither RPO nor RTO.

Resources in the copy region are created with the provider's per-resource ``region``
argument (pulumi-aws 7), so one provider with the stack's default tags serves both
regions and the Args stay plain values.
"""

import json
import re
from dataclasses import dataclass, field, replace
from typing import Any, Optional

import pulumi
import pulumi_aws as aws

from pulumi_webstack import buckets, kms
from pulumi_webstack.args import check_fields, from_inputs, aws_region, setting
from pulumi_webstack.backup_policies import (  # noqa: F401  (public names of this module)
    ALL_OBJECTS, TRANSITION_STORAGE_CLASS, backup_name, bucket_arn, bucket_name, data_bucket_policy,
    data_lifecycle_rules, log_bucket_policy, log_lifecycle_rules, replication_policy, slug)
from pulumi_webstack.errors import ArgsError, require
from pulumi_webstack.iam_policies import assume_role_policy, granted
from pulumi_webstack.ordering import after

DAILY_SCHEDULE = "cron(0 2 * * ? *)"
"""Daily full backup, 02:00 UTC (DESIGN.md)."""
CONTINUOUS_SCHEDULE = "cron(0 */6 * * ? *)"
"""How often the continuous rule's job refreshes its recovery point (every 6 hours)."""
RESTORE_TEST_SCHEDULE = "cron(0 5 ? * SUN *)"
"""Weekly restore test, Sunday 05:00 UTC: after that day's daily backup (02:00) has had time to finish."""
RESTORE_TEST_VALIDATION_HOURS = 1
"""How long the restored test instance is kept (for a validation script) before AWS Backup deletes it."""
MAX_CONTINUOUS_DAYS = 35
"""Point-in-time recovery window limit of AWS Backup continuous backups."""

OUTPUTS = ("bucket_name", "bucket_arn", "log_bucket_name", "replica_bucket_name", "replica_bucket_arn", "kms_key_arn",
           "vault_name", "vault_arn", "copy_vault_arn", "plan_id", "plan_arn", "role_arn")
"""Every output of ``Backups``, in the order they are registered."""

_CRON = re.compile(r"^cron\((\S+ ){5}\S+\)$")
_PREFIX = re.compile(r"^[a-z0-9][a-z0-9-]{0,40}$")

# ----------------------------------------------------------------------------- args


@dataclass
class BackupsArgs:
    """Arguments of ``Backups``. Defaults are the prod values of DESIGN.md except the
    region-specific ones (``copy_region``), the one-way doors (``vault_lock``,
    ``object_lock_days``, ``protect``), which a caller turns on deliberately, and
    ``transition_days`` (None: objects stay in S3 Standard; the tier table sets it for prod)."""

    retention_days: Optional[int] = setting(30, ge=1, le=3650)
    """How long recovery points and bucket objects are kept (days)."""
    transition_days: Optional[int] = setting(None, ge=1, le=3650)
    """Move bucket objects to Glacier Instant Retrieval after this many days (None: never).
    Must be shorter than ``retention_days``."""
    noncurrent_version_days: Optional[int] = setting(30, ge=1, le=3650)
    """Delete noncurrent (overwritten or deleted) object versions after this many days."""
    object_lock_days: Optional[int] = setting(None, ge=1, le=3650)
    """S3 Object Lock, compliance mode, default retention in days (None: no object lock).
    Object lock can only be enabled when the bucket is created. At most ``retention_days``."""
    continuous: Optional[bool] = True
    """Add the continuous-backup rule (point-in-time restore; brings the RPO to minutes)."""
    continuous_retention_days: Optional[int] = setting(None, ge=1, le=MAX_CONTINUOUS_DAYS)
    """Point-in-time window of the continuous rule (1-35 days; None: ``min(retention_days, 35)``)."""
    copy_region: Optional[str] = aws_region()
    """Second region: copy of every daily recovery point and a replica of the bucket."""
    vault_lock: Optional[bool] = False
    """AWS Backup Vault Lock (compliance mode) on the vault(s): after
    ``vault_lock_changeable_days`` nobody can delete recovery points or shorten retention."""
    vault_lock_changeable_days: Optional[int] = setting(3, ge=3, le=36500)
    """Grace period in which the vault lock can still be removed (3 days minimum)."""
    schedule: Optional[str] = setting(DAILY_SCHEDULE, pattern=_CRON.pattern.strip("^$"), words="must be an AWS cron expression with 6 fields, e.g. cron(0 2 * * ? *)")
    """Daily full backup schedule, AWS cron in UTC."""
    continuous_schedule: Optional[str] = setting(CONTINUOUS_SCHEDULE, pattern=_CRON.pattern.strip("^$"), words="must be an AWS cron expression with 6 fields, e.g. cron(0 2 * * ? *)")
    """Schedule of the continuous rule's job, AWS cron in UTC."""
    start_window_minutes: Optional[int] = setting(60, ge=60, le=10080)
    """A scheduled job that has not started within this many minutes is cancelled (>= 60)."""
    completion_window_minutes: Optional[int] = 360
    """A started job that has not finished within this many minutes is cancelled."""
    resource_arns: Optional[list[pulumi.Input[str]]] = field(default_factory=list)
    """Resources protected by the plan (the database primary's ARN). Empty: no selection."""
    restore_testing: Optional[bool] = False
    """Weekly AWS Backup restore test of the database: the latest daily recovery point of the
    last 7 days is restored into the database's subnets and security group, kept
    an hour for validation, then deleted. Proves the backups restore,
    and how long it takes (the restore job's duration)."""
    restore_subnet_group_name: Optional[pulumi.Input[str]] = None
    """DB subnet group the restore test restores into (``database=`` sets the database's own)."""
    restore_security_group_ids: Optional[list[pulumi.Input[str]]] = field(default_factory=list)
    """Security groups of the restored test instance (``database=`` sets the database's group)."""
    access_log_retention_days: Optional[int] = setting(365, ge=1, le=3650)
    """Retention of the S3 server access logs."""
    protect: Optional[bool] = False
    """Pulumi ``protect`` and ``retain_on_delete`` on buckets, keys and vaults (prod)."""
    force_destroy: Optional[bool] = False
    """Let ``pulumi destroy`` empty the buckets and vaults (throw-away dev stacks only;
    never with ``protect`` or object lock)."""
    name_prefix: Optional[str] = setting(
        None, pattern=_PREFIX.pattern.strip("^$"),
        words="must be 1-41 lower-case letters, digits or hyphens, starting with a letter or digit")
    """Prefix of physical names (default ``<project>-<stack>-<component name>``)."""

    def __post_init__(self) -> None:
        check_fields(self)
        if self.transition_days is not None:
            require(self.transition_days < self.retention_days, "backups.transition_days", self.transition_days,
                    f"must be shorter than retention_days ({self.retention_days}): objects would expire "
                    "before they move to cheaper storage")
        if self.object_lock_days is not None:
            require(self.object_lock_days <= self.retention_days, "backups.object_lock_days", self.object_lock_days,
                    f"must not exceed retention_days ({self.retention_days})")
            require(not self.force_destroy, "backups.object_lock_days", self.object_lock_days,
                    "cannot be combined with force_destroy: locked objects cannot be deleted on destroy")
        require(self.completion_window_minutes >= self.start_window_minutes + 60,
                "backups.completion_window_minutes", self.completion_window_minutes,
                f"must be at least start_window_minutes + 60 ({self.start_window_minutes + 60})")
        require(not (self.protect and self.force_destroy), "backups.force_destroy", self.force_destroy,
                "cannot be combined with protect: protected backups are never emptied on destroy")

    @property
    def continuous_days(self) -> int:
        """Point-in-time window of the continuous rule."""
        return self.continuous_retention_days or min(self.retention_days, MAX_CONTINUOUS_DAYS)

    def rule_retentions(self) -> list[int]:
        """Retention (days) of every plan rule; the vault lock bounds must admit all."""
        return [self.retention_days] + ([self.continuous_days] if self.continuous else [])

    def watching(self, database: Any = None) -> "BackupsArgs":
        """A copy that also protects ``database`` (any object with ``primary_arn``) and, with
        ``restore_testing``, restores it into its ``subnet_group_name`` and ``security_group_id``."""
        if database is None:
            return self
        arn = getattr(database, "primary_arn", None)
        if arn is None:
            raise ArgsError("backups.database", type(database).__name__,
                            "must expose primary_arn (the Database component's contract)")
        watched = replace(self, resource_arns=[*self.resource_arns, arn])
        if self.restore_testing and self.restore_subnet_group_name is None:
            group = getattr(database, "security_group_id", None)
            watched = replace(watched, restore_subnet_group_name=getattr(database, "subnet_group_name", None),
                              restore_security_group_ids=[group] if group is not None else [])
        return watched

    def check_restore_target(self) -> None:
        """A restore test needs a database to restore and a subnet group to restore it into:
        checked once ``database=`` has linked them, before anything is registered."""
        if not self.restore_testing:
            return
        require(bool(self.resource_arns), "backups.restore_testing", self.restore_testing,
                "needs the database to restore (database=, or its ARN in resource_arns)")
        require(self.restore_subnet_group_name is not None, "backups.restore_subnet_group_name",
                self.restore_subnet_group_name,
                "a restore test needs the database's DB subnet group: without one RDS restores into the "
                "default VPC, which a private data tier does not use (and many accounts have deleted)")


# ------------------------------------------------------------------------ component


class Backups(pulumi.ComponentResource):
    """Backup bucket(s) and AWS Backup vault/plan for the database.

    Creates, in the stack's region: a KMS key (rotation on) and alias; the backup bucket
    (versioning, SSE-KMS + bucket key, public access block, BucketOwnerEnforced, TLS/KMS
    bucket policy, lifecycle, access logging, object lock when ``object_lock_days``); an
    access-log bucket (SSE-S3, the only default encryption S3 server access logging
    delivers to; no object lock, which log delivery does not support); the backup vault
    (KMS) with vault lock when ``vault_lock``; the plan (rule ``daily`` and, with
    ``continuous``, rule ``continuous``); the backup IAM role and the selection of
    ``resource_arns``; with ``restore_testing``, a weekly restore testing plan and its selection
    (the database restored into its own subnet group and security group). With ``copy_region``, the same key/bucket/log bucket/vault in that
    region, S3 replication (IAM role + replication configuration) and a copy action on
    the daily rule.

    Outputs: ``bucket_name``, ``bucket_arn``, ``log_bucket_name``, ``replica_bucket_name``,
    ``replica_bucket_arn``, ``kms_key_arn``, ``vault_name``, ``vault_arn``,
    ``copy_vault_arn``, ``plan_id``, ``plan_arn``, ``role_arn``.
    """

    bucket_name: pulumi.Output[str]
    """The backup bucket."""
    bucket_arn: pulumi.Output[str]
    """ARN of the backup bucket."""
    log_bucket_name: pulumi.Output[str]
    """Bucket receiving the backup bucket's server access logs."""
    replica_bucket_name: Optional[pulumi.Output[str]]
    """Replica of the backup bucket in ``copy_region`` (None without one)."""
    replica_bucket_arn: Optional[pulumi.Output[str]]
    """ARN of the replica bucket (None without ``copy_region``)."""
    kms_key_arn: pulumi.Output[str]
    """Customer-managed key of the bucket and the vault."""
    vault_name: pulumi.Output[str]
    """AWS Backup vault receiving the recovery points."""
    vault_arn: pulumi.Output[str]
    """ARN of the vault."""
    copy_vault_arn: Optional[pulumi.Output[str]]
    """Vault in ``copy_region`` receiving copies (None without one)."""
    plan_id: pulumi.Output[str]
    """AWS Backup plan id."""
    plan_arn: pulumi.Output[str]
    """AWS Backup plan ARN."""
    role_arn: pulumi.Output[str]
    """IAM role AWS Backup uses for the selection."""

    def __init__(
        self,
        name: str,
        args: BackupsArgs,
        opts: Optional[pulumi.ResourceOptions] = None,
        *,
        database: Any = None,
    ):
        """``database``: a Database component (or anything with ``primary_arn``) to protect,
        in addition to ``args.resource_arns``."""
        args = from_inputs(BackupsArgs, args)
        args = args.watching(database)
        args.check_restore_target()
        super().__init__("webstack:index:Backups", name, None, opts)
        self._name = name
        self._args = args
        self._child = pulumi.ResourceOptions(parent=self)
        # Unset (not False) when off, so a caller's ``protect`` on the component still reaches them.
        self._stateful = pulumi.ResourceOptions(
            parent=self, protect=args.protect or None, retain_on_delete=args.protect or None
        )
        invoke = pulumi.InvokeOptions(parent=self)
        self._account = aws.get_caller_identity_output(opts=invoke).account_id
        self._region = aws.get_region_output(opts=invoke).region
        self._partition = aws.get_partition_output(opts=invoke).partition
        self._prefix = args.name_prefix or slug(f"{pulumi.get_project()}-{pulumi.get_stack()}-{name}")


        key, log_bucket, bucket, versioning = self._main_region()
        replica, copy_vault = self._copy_region(bucket, versioning, key)
        vault = self._vault(f"{name}-vault", None, key)
        plan = self._plan(vault, copy_vault)
        role_arn = self._backup_role()
        self._selection(plan, role_arn)
        if args.restore_testing:
            self._restore_test(vault, role_arn)

        self.bucket_name = bucket.bucket
        self.bucket_arn = bucket.arn
        self.log_bucket_name = log_bucket.bucket
        self.replica_bucket_name = replica.bucket if replica else None
        self.replica_bucket_arn = replica.arn if replica else None
        self.kms_key_arn = key.arn
        self.vault_name = vault.name
        self.vault_arn = vault.arn
        self.copy_vault_arn = copy_vault.arn if copy_vault else None
        self.plan_id = plan.id
        self.plan_arn = plan.arn
        self.role_arn = role_arn
        self.register_outputs({output: getattr(self, output) for output in OUTPUTS})

    # ------------------------------------------------------------------ steps

    def _main_region(self) -> tuple[aws.kms.Key, aws.s3.Bucket, aws.s3.Bucket, aws.s3.BucketVersioning]:
        """The stack region's key, access-log bucket and backup bucket (with its versioning)."""
        name = self._name
        key = self._key(f"{name}-key", None)
        log_bucket = self._log_bucket(f"{name}-logs", None, self._region)
        bucket, versioning = self._data_bucket(f"{name}-bucket", None, self._region, key, log_bucket,
                                               require_encryption_header=True)
        return key, log_bucket, bucket, versioning

    def _copy_region(self, bucket: aws.s3.Bucket, versioning: aws.s3.BucketVersioning, key: aws.kms.Key
                     ) -> tuple[Optional[aws.s3.Bucket], Optional[aws.backup.Vault]]:
        """With ``copy_region``: that region's key, buckets and vault, and the bucket's replication
        there; the replica bucket and the copy vault (None, None without a copy region)."""
        name, region = self._name, self._args.copy_region
        if not region:
            return None, None
        copy_key = self._key(f"{name}-replica-key", region)
        region_name = pulumi.Output.from_input(region)
        replica_logs = self._log_bucket(f"{name}-replica-logs", region, region_name)
        replica, replica_versioning = self._data_bucket(
            f"{name}-replica", region, region_name, copy_key, replica_logs, require_encryption_header=False)
        self._replication(bucket, versioning, key, replica, replica_versioning, copy_key)
        return replica, self._vault(f"{name}-copy-vault", region, copy_key)

    def _backup_role(self) -> pulumi.Output[str]:
        """The role AWS Backup backs up, copies and restores with (the AWS-managed policies):
        its ARN, once the policies are attached (AWS Backup checks the role may list the
        selected resources when the selection is created)."""
        name = self._name
        role = aws.iam.Role(
            f"{name}-backup-role",
            description=f"AWS Backup service role of {self._prefix}",
            assume_role_policy=assume_role_policy("backup.amazonaws.com"),
            opts=self._child,
        )
        attachments = [
            aws.iam.RolePolicyAttachment(
                f"{name}-backup-role-{suffix}",
                role=role.name,
                policy_arn=self._partition.apply(
                    lambda p, policy=policy: f"arn:{p}:iam::aws:policy/service-role/{policy}"),
                opts=self._child,
            )
            for suffix, policy in (("backup", "AWSBackupServiceRolePolicyForBackup"),
                                   ("restores", "AWSBackupServiceRolePolicyForRestores"))
        ]
        return granted(role, *attachments)

    def _selection(self, plan: aws.backup.Plan, role_arn: pulumi.Output[str]) -> None:
        """The plan's selection of ``resource_arns`` (none when empty: AWS refuses an empty one)."""
        if not self._args.resource_arns:
            return
        aws.backup.Selection(
            f"{self._name}-selection",
            name=backup_name(self._prefix, "database"),
            plan_id=plan.id,
            iam_role_arn=role_arn,
            resources=list(self._args.resource_arns),
            opts=self._child,
        )

    # ------------------------------------------------------------------ building blocks

    def _key(self, resource_name: str, region: Optional[str]) -> aws.kms.Key:
        where = f" ({region})" if region else ""
        key = kms.customer_managed_key(
            resource_name,
            description=f"Backups of {self._prefix}{where}: bucket objects and recovery points",
            deletion_window_in_days=30,
            # S3 (SSE-KMS for writers and the replication role) and AWS Backup (grants for
            # the backup role) use the key on behalf of this account's principals: IAM decides.
            policy=pulumi.Output.all(self._account, self._partition).apply(
                lambda a: json.dumps(kms.account_key_policy(a[0], a[1]))),
            region=region,
            opts=self._stateful,
        )
        kms.key_alias(f"{resource_name}-alias", key, f"alias/{self._prefix}-backups", region=region, opts=self._child)
        return key

    def _bucket_basics(self, resource_name: str, bucket: aws.s3.Bucket, region: Optional[str]) -> aws.s3.BucketVersioning:
        """Versioning, public access block and BucketOwnerEnforced: every bucket here has them."""
        versioning = buckets.enable_versioning(f"{resource_name}-versioning", bucket, region=region, opts=self._child)
        buckets.block_public_access(f"{resource_name}-public-access", bucket, region=region, opts=self._child)
        buckets.enforce_bucket_owner(f"{resource_name}-ownership", bucket, region=region, opts=self._child)
        return versioning

    def _log_bucket(self, resource_name: str, region: Optional[str], region_name: pulumi.Output[str]
                    ) -> aws.s3.Bucket:
        args = self._args
        bucket = aws.s3.Bucket(
            resource_name,
            bucket=pulumi.Output.all(self._account, region_name).apply(
                lambda a: bucket_name(self._prefix, a[0], a[1], "logs")),
            force_destroy=args.force_destroy,
            region=region,
            opts=self._stateful,
        )
        self._bucket_basics(resource_name, bucket, region)
        aws.s3.BucketServerSideEncryptionConfiguration(
            f"{resource_name}-encryption",
            bucket=bucket.id,
            rules=[{"apply_server_side_encryption_by_default": {"sse_algorithm": "AES256"}}],
            region=region,
            opts=self._child,
        )
        sources = pulumi.Output.all(self._partition, self._account, region_name).apply(
            lambda a: [bucket_arn(a[0], bucket_name(self._prefix, a[1], a[2]))])
        aws.s3.BucketPolicy(
            f"{resource_name}-policy",
            bucket=bucket.id,
            policy=pulumi.Output.all(bucket.arn, sources, self._account).apply(
                lambda a: json.dumps(log_bucket_policy(a[0], a[1], a[2]))),
            region=region,
            opts=self._child,
        )
        aws.s3.BucketLifecycleConfiguration(
            f"{resource_name}-lifecycle",
            bucket=bucket.id,
            rules=log_lifecycle_rules(args.access_log_retention_days),
            region=region,
            opts=self._child,
        )
        return bucket

    def _data_bucket(self, resource_name: str, region: Optional[str], region_name: pulumi.Output[str],
                     key: aws.kms.Key, log_bucket: aws.s3.Bucket, *, require_encryption_header: bool
                     ) -> tuple[aws.s3.Bucket, aws.s3.BucketVersioning]:
        args = self._args
        locked = args.object_lock_days is not None
        bucket = aws.s3.Bucket(
            resource_name,
            bucket=pulumi.Output.all(self._account, region_name).apply(
                lambda a: bucket_name(self._prefix, a[0], a[1])),
            object_lock_enabled=True if locked else None,
            force_destroy=args.force_destroy,
            region=region,
            opts=self._stateful,
        )
        versioning = self._bucket_basics(resource_name, bucket, region)
        buckets.encrypt_with_kms(f"{resource_name}-encryption", bucket, key, region=region, opts=self._child)
        aws.s3.BucketPolicy(
            f"{resource_name}-policy",
            bucket=bucket.id,
            policy=pulumi.Output.all(bucket.arn, key.arn).apply(
                lambda a: json.dumps(data_bucket_policy(a[0], a[1], require_encryption_header=require_encryption_header))),
            region=region,
            opts=self._child,
        )
        aws.s3.BucketLifecycleConfiguration(
            f"{resource_name}-lifecycle",
            bucket=bucket.id,
            rules=data_lifecycle_rules(args.retention_days, args.transition_days, args.noncurrent_version_days),
            region=region,
            opts=self._child,
        )
        aws.s3.BucketLogging(
            f"{resource_name}-logging",
            bucket=bucket.id,
            target_bucket=log_bucket.bucket,
            target_prefix="s3-access/",
            target_object_key_format={"partitioned_prefix": {"partition_date_source": "EventTime"}},
            region=region,
            opts=self._child,
        )
        if locked:
            aws.s3.BucketObjectLockConfiguration(
                f"{resource_name}-object-lock",
                bucket=bucket.id,
                object_lock_enabled="Enabled",
                rule={"default_retention": {"mode": "COMPLIANCE", "days": args.object_lock_days}},
                region=region,
                opts=self._stateful,
            )
        return bucket, versioning

    def _replication(self, source: aws.s3.Bucket, source_versioning: aws.s3.BucketVersioning,
                     source_key: aws.kms.Key, replica: aws.s3.Bucket, replica_versioning: aws.s3.BucketVersioning,
                     replica_key: aws.kms.Key) -> None:
        name = self._name
        role = aws.iam.Role(
            f"{name}-replication-role",
            description=f"S3 replication of {self._prefix} backups to {self._args.copy_region}",
            assume_role_policy=assume_role_policy("s3.amazonaws.com"),
            opts=self._child,
        )
        policy = aws.iam.RolePolicy(
            f"{name}-replication-policy",
            role=role.id,
            policy=pulumi.Output.all(source.arn, replica.arn, source_key.arn, replica_key.arn).apply(
                lambda a: json.dumps(replication_policy(*a))),
            opts=self._child,
        )
        aws.s3.BucketReplicationConfig(
            f"{name}-replication",
            # Replication needs versioning switched on in both buckets first: taking the names
            # from the versioning resources makes that a data dependency.
            bucket=source_versioning.bucket,
            # S3 replicates with the role from the first object on: its policy must be there.
            role=granted(role, policy),
            rules=[{
                "id": "copy-region",
                "status": "Enabled",
                "filter": {},
                # Deletes are not replicated: a delete in the source must not reach the copy.
                "delete_marker_replication": {"status": "Disabled"},
                "source_selection_criteria": {"sse_kms_encrypted_objects": {"status": "Enabled"}},
                "destination": {
                    "bucket": after(replica.arn, replica_versioning),
                    "storage_class": "STANDARD",
                    "encryption_configuration": {"replica_kms_key_id": replica_key.arn},
                },
            }],
            opts=self._child,
        )

    def _vault(self, resource_name: str, region: Optional[str], key: aws.kms.Key) -> aws.backup.Vault:
        args = self._args
        vault = aws.backup.Vault(
            resource_name,
            name=backup_name(self._prefix, "vault"),
            kms_key_arn=key.arn,
            force_destroy=args.force_destroy,
            region=region,
            opts=self._stateful,
        )
        if args.vault_lock:
            retentions = args.rule_retentions()
            aws.backup.VaultLockConfiguration(
                f"{resource_name}-lock",
                backup_vault_name=vault.name,
                min_retention_days=min(retentions),
                max_retention_days=max(retentions),
                changeable_for_days=args.vault_lock_changeable_days,
                region=region,
                opts=self._stateful,
            )
        return vault

    def _restore_test(self, vault: aws.backup.Vault, role_arn: pulumi.Output[str]) -> None:
        """Weekly restore of the latest daily recovery point into the database's own subnets and
        group, with the backup role (it carries AWSBackupServiceRolePolicyForRestores)."""
        args = self._args
        # Restore testing names allow letters, digits and underscores only.
        plan = aws.backup.RestoreTestingPlan(
            f"{self._name}-restore-test",
            name=backup_name(self._prefix, "restore-test").replace("-", "_"),
            schedule_expression=RESTORE_TEST_SCHEDULE,
            start_window_hours=8,
            recovery_point_selection=aws.backup.RestoreTestingPlanRecoveryPointSelectionArgs(
                algorithm="LATEST_WITHIN_WINDOW",
                include_vaults=[vault.arn],
                recovery_point_types=["SNAPSHOT"],
                selection_window_days=7,
            ),
            opts=self._child,
        )
        aws.backup.RestoreTestingSelection(
            f"{self._name}-restore-test",
            name=backup_name(self._prefix, "database").replace("-", "_"),
            restore_testing_plan_name=plan.name,
            protected_resource_type="RDS",
            protected_resource_arns=list(args.resource_arns),
            iam_role_arn=role_arn,
            # Override keys are case-insensitive; the group ids are a JSON list in a string.
            restore_metadata_overrides={
                "dbsubnetgroupname": args.restore_subnet_group_name,
                "vpcsecuritygroupids": pulumi.Output.all(*args.restore_security_group_ids).apply(
                    lambda ids: json.dumps(list(ids))),
            },
            validation_window_hours=RESTORE_TEST_VALIDATION_HOURS,
            opts=self._child,
        )

    def _plan(self, vault: aws.backup.Vault, copy_vault: Optional[aws.backup.Vault]) -> aws.backup.Plan:
        args = self._args
        daily: dict[str, Any] = {
            "rule_name": "daily",
            "target_vault_name": vault.name,
            "schedule": args.schedule,
            "start_window": args.start_window_minutes,
            "completion_window": args.completion_window_minutes,
            "lifecycle": {"delete_after": args.retention_days},
            "recovery_point_tags": {"BackupRule": "daily"},
        }
        if copy_vault is not None:
            # Copies are taken from the daily snapshots; AWS Backup would otherwise snapshot the
            # continuous recovery point for each copy.
            daily["copy_actions"] = [{
                "destination_vault_arn": copy_vault.arn,
                "lifecycle": {"delete_after": args.retention_days},
            }]
        rules = [daily]
        if args.continuous:
            rules.append({
                "rule_name": "continuous",
                "target_vault_name": vault.name,
                "schedule": args.continuous_schedule,
                "enable_continuous_backup": True,
                "start_window": args.start_window_minutes,
                "completion_window": args.completion_window_minutes,
                "lifecycle": {"delete_after": args.continuous_days},
                "recovery_point_tags": {"BackupRule": "continuous"},
            })
        return aws.backup.Plan(
            f"{self._name}-plan",
            name=backup_name(self._prefix, "plan"),
            rules=rules,
            opts=self._child,
        )
