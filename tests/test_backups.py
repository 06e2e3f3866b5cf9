"""Specification of the Backups component: hardened buckets, AWS Backup vault/plan, validation."""

from __future__ import annotations

import json
from dataclasses import dataclass

import pulumi
import pytest

from pulumi_webstack.backups import (
    Backups,
    BackupsArgs,
    backup_name,
    bucket_arn,
    bucket_name,
    data_bucket_policy,
    data_lifecycle_rules,
    log_lifecycle_rules,
    log_bucket_policy,
)
from pulumi_webstack.errors import ArgsError
from pulumi_webstack_cli.engine import ACCOUNT_ID, Plan, synth
from tests.helpers import assert_args_error

DB_ARN = "arn:aws:rds:eu-west-1:123456789012:db:webstack-prod-db"

PROD_ARGS = dict(
    retention_days=30, transition_days=7, noncurrent_version_days=30, object_lock_days=30, continuous=True,
    copy_region="eu-central-1", vault_lock=True, protect=True, resource_arns=[DB_ARN],
)
DEV_ARGS = dict(retention_days=7, noncurrent_version_days=3, continuous=False, force_destroy=True)

_PLANS: dict[str, Plan] = {}


def plan_of(label: str, **kwargs) -> Plan:
    """Backups("backups", BackupsArgs(**kwargs)) in eu-west-1 (cached per label)."""
    if label not in _PLANS:
        _PLANS[label] = synth(lambda: Backups("backups", BackupsArgs(**kwargs)),
                              stack="prod", config={"aws:region": "eu-west-1"})
    return _PLANS[label]


def prod() -> Plan:
    return plan_of("prod", **PROD_ARGS)


def dev() -> Plan:
    return plan_of("dev", **DEV_ARGS)


def statements(policy_json: str) -> dict[str, dict]:
    return {s["Sid"]: s for s in json.loads(policy_json)["Statement"]}


# --------------------------------------------------------------------- pure helpers


def test_bucket_names_are_stable_unique_and_valid():
    name = bucket_name("webstack-prod-backups", ACCOUNT_ID, "eu-west-1")
    assert name == "webstack-prod-backups-123456789012-eu-west-1"
    assert bucket_name("webstack-prod-backups", ACCOUNT_ID, "eu-west-1", "logs") == \
        "webstack-prod-backups-logs-123456789012-eu-west-1"
    assert bucket_name("Web_Stack--Prod", ACCOUNT_ID, "eu-west-1") == "web-stack-prod-123456789012-eu-west-1"


def test_long_bucket_names_are_shortened_with_a_hash_and_stay_unique():
    a = bucket_name("a-very-long-project-name-for-the-shop-prod-eu-backups", ACCOUNT_ID, "ap-southeast-2")
    b = bucket_name("a-very-long-project-name-for-the-shop-prod-us-backups", ACCOUNT_ID, "ap-southeast-2")
    assert len(a) <= 63 and len(b) <= 63
    assert a != b and a.endswith("-123456789012-ap-southeast-2")
    assert a == bucket_name("a-very-long-project-name-for-the-shop-prod-eu-backups", ACCOUNT_ID, "ap-southeast-2")


def test_bucket_arns_follow_the_partition():
    # The log bucket admits S3 log delivery only for these ARNs: in aws-cn or aws-us-gov an
    # arn:aws: ARN never matches and access logs are refused.
    assert bucket_arn("aws", "b-1") == "arn:aws:s3:::b-1"
    assert bucket_arn("aws-cn", "b-1") == "arn:aws-cn:s3:::b-1"


def test_backup_names_fit_aws_backup_limits():
    assert backup_name("webstack-prod-backups", "vault") == "webstack-prod-backups-vault"
    long = backup_name("x" * 60, "vault")
    assert len(long) <= 50


def test_lifecycle_transitions_then_expires_after_retention():
    rule, cleanup = data_lifecycle_rules(30, 7, 30)
    assert rule["transitions"] == [{"days": 7, "storage_class": "GLACIER_IR"}]
    assert rule["expiration"] == {"days": 30}
    assert rule["noncurrent_version_expiration"] == {"noncurrent_days": 30}
    assert rule["noncurrent_version_transitions"] == [{"noncurrent_days": 7, "storage_class": "GLACIER_IR"}]
    assert rule["abort_incomplete_multipart_upload"] == {"days_after_initiation": 7}
    assert cleanup["expiration"] == {"expired_object_delete_marker": True}
    plain, _ = data_lifecycle_rules(7, None, 3)
    assert "transitions" not in plain and "noncurrent_version_transitions" not in plain


def test_every_lifecycle_rule_names_its_objects_with_an_explicit_empty_prefix():
    # The AWS provider deprecates an empty `filter {}`: every rule says "all objects" explicitly.
    for rule in (*data_lifecycle_rules(30, 7, 30), *log_lifecycle_rules(365)):
        assert rule["filter"] == {"prefix": ""}, rule["id"]


def test_the_bucket_policy_requires_tls_and_this_buckets_kms_key():
    arn, key = "arn:aws:s3:::b", "arn:aws:kms:eu-west-1:123456789012:key/k"
    sids = statements(json.dumps(data_bucket_policy(arn, key)))
    tls = sids["DenyInsecureTransport"]
    assert tls["Effect"] == "Deny" and tls["Action"] == "s3:*" and tls["Resource"] == [arn, f"{arn}/*"]
    assert tls["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    assert sids["DenyUnencryptedUploads"]["Condition"] == {"Null": {"s3:x-amz-server-side-encryption": "true"}}
    assert sids["DenyNonKmsEncryption"]["Condition"] == {
        "StringNotEqualsIfExists": {"s3:x-amz-server-side-encryption": "aws:kms"}}
    assert sids["DenyOtherKmsKeys"]["Condition"] == {
        "StringNotEqualsIfExists": {"s3:x-amz-server-side-encryption-aws-kms-key-id": key}}
    # The replica accepts S3 replication writes, which carry no encryption header.
    replica = statements(json.dumps(data_bucket_policy(arn, key, require_encryption_header=False)))
    assert "DenyUnencryptedUploads" not in replica and "DenyOtherKmsKeys" in replica


def test_the_log_bucket_policy_admits_only_s3_log_delivery_for_our_buckets():
    sids = statements(json.dumps(log_bucket_policy("arn:aws:s3:::logs", ["arn:aws:s3:::data"], ACCOUNT_ID)))
    allow = sids["AllowS3ServerAccessLogs"]
    assert allow["Principal"] == {"Service": "logging.s3.amazonaws.com"} and allow["Action"] == "s3:PutObject"
    assert allow["Condition"] == {"ArnLike": {"aws:SourceArn": ["arn:aws:s3:::data"]},
                                  "StringEquals": {"aws:SourceAccount": ACCOUNT_ID}}
    assert "DenyInsecureTransport" in sids


# ------------------------------------------------------------------------ validation


@pytest.mark.parametrize(
    "change, field, allowed",
    [
        ({"retention_days": 0}, "backups.retention_days", "must be between 1 and 3650"),
        ({"transition_days": 30}, "backups.transition_days", "must be shorter than retention_days (30)"),
        ({"noncurrent_version_days": 0}, "backups.noncurrent_version_days", "must be between 1 and 3650"),
        ({"object_lock_days": 31}, "backups.object_lock_days", "must not exceed retention_days (30)"),
        ({"object_lock_days": 7, "force_destroy": True}, "backups.object_lock_days", "cannot be combined with force_destroy"),
        ({"continuous_retention_days": 36}, "backups.continuous_retention_days", "must be between 1 and 35"),
        ({"copy_region": "Frankfurt"}, "backups.copy_region", "must be an AWS region such as"),
        ({"vault_lock_changeable_days": 2}, "backups.vault_lock_changeable_days", "must be between 3 and 36500"),
        ({"schedule": "rate(1 day)"}, "backups.schedule", "AWS cron expression with 6 fields"),
        ({"schedule": "cron(0 2 * * *)"}, "backups.schedule", "AWS cron expression with 6 fields"),
        ({"continuous_schedule": "daily"}, "backups.continuous_schedule", "AWS cron expression"),
        ({"start_window_minutes": 30}, "backups.start_window_minutes", "must be between 60 and 10080"),
        ({"completion_window_minutes": 90}, "backups.completion_window_minutes", "at least start_window_minutes + 60 (120)"),
        ({"protect": True, "force_destroy": True}, "backups.force_destroy", "cannot be combined with protect"),
        ({"name_prefix": "Web Stack"}, "backups.name_prefix", "lower-case letters, digits or hyphens"),
        ({"access_log_retention_days": 0}, "backups.access_log_retention_days", "must be between 1 and 3650"),
    ],
)
def test_bad_args_are_refused_before_anything_is_registered(change, field, allowed):
    assert_args_error(lambda: BackupsArgs(**{"retention_days": 30, **change}), field, allowed)


def test_a_component_without_primary_arn_is_refused():
    with pytest.raises(ArgsError, match="must expose primary_arn"):
        BackupsArgs().watching(object())


# ------------------------------------------------------------------------- prod shape


def test_every_bucket_is_versioned_private_owner_enforced_and_tls_only():
    plan = prod()
    buckets = plan.by_type("aws:s3/bucket:Bucket")
    assert {b.name for b in buckets} == {"backups-bucket", "backups-logs", "backups-replica", "backups-replica-logs"}
    for bucket in buckets:
        versioning = plan.one("aws:s3/bucketVersioning:BucketVersioning", f"{bucket.name}-versioning")
        assert versioning.inputs["versioningConfiguration"] == {"status": "Enabled"}
        assert versioning.depends_on(bucket)
        block = plan.one("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", f"{bucket.name}-public-access")
        assert all(block.inputs[k] is True for k in
                   ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"))
        ownership = plan.one("aws:s3/bucketOwnershipControls:BucketOwnershipControls", f"{bucket.name}-ownership")
        assert ownership.inputs["rule"] == {"objectOwnership": "BucketOwnerEnforced"}
        policy = statements(plan.one("aws:s3/bucketPolicy:BucketPolicy", f"{bucket.name}-policy").inputs["policy"])
        assert policy["DenyInsecureTransport"]["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
        assert bucket.inputs["forceDestroy"] is False
        assert bucket.protect and bucket.retain_on_delete


def test_the_backup_bucket_uses_sse_kms_with_the_customer_key_and_a_bucket_key():
    plan = prod()
    key = plan.one("aws:kms/key:Key", "backups-key")
    assert key.inputs["enableKeyRotation"] is True and key.protect
    sse = plan.one("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
                   "backups-bucket-encryption")
    rule = sse.inputs["rules"][0]
    assert rule["applyServerSideEncryptionByDefault"] == {"sseAlgorithm": "aws:kms", "kmsMasterKeyId": key.state["arn"]}
    assert rule["bucketKeyEnabled"] is True
    policy = statements(plan.one("aws:s3/bucketPolicy:BucketPolicy", "backups-bucket-policy").inputs["policy"])
    assert "DenyUnencryptedUploads" in policy
    assert policy["DenyOtherKmsKeys"]["Condition"]["StringNotEqualsIfExists"][
        "s3:x-amz-server-side-encryption-aws-kms-key-id"] == key.state["arn"]


def test_access_logs_go_to_a_log_bucket_s3_can_deliver_to():
    plan = prod()
    logging = plan.one("aws:s3/bucketLogging:BucketLogging", "backups-bucket-logging")
    assert logging.inputs["bucket"] == "webstack-prod-backups-123456789012-eu-west-1"
    assert logging.inputs["targetBucket"] == "webstack-prod-backups-logs-123456789012-eu-west-1"
    # S3 server access logging delivers only to SSE-S3 buckets without object lock.
    sse = plan.one("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
                   "backups-logs-encryption")
    assert sse.inputs["rules"] == [{"applyServerSideEncryptionByDefault": {"sseAlgorithm": "AES256"}}]
    assert "objectLockEnabled" not in plan.get("backups-logs").inputs
    allow = statements(plan.one("aws:s3/bucketPolicy:BucketPolicy", "backups-logs-policy").inputs["policy"])[
        "AllowS3ServerAccessLogs"]
    assert allow["Condition"]["ArnLike"]["aws:SourceArn"] == ["arn:aws:s3:::webstack-prod-backups-123456789012-eu-west-1"]


def test_lifecycle_and_object_lock_follow_the_retention():
    plan = prod()
    lifecycle = plan.one("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", "backups-bucket-lifecycle")
    rule = lifecycle.inputs["rules"][0]
    assert rule["transitions"] == [{"days": 7, "storageClass": "GLACIER_IR"}]
    assert rule["expiration"] == {"days": 30}
    assert rule["noncurrentVersionExpiration"] == {"noncurrentDays": 30}
    assert plan.get("backups-bucket").inputs["objectLockEnabled"] is True
    lock = plan.one("aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration", "backups-bucket-object-lock")
    assert lock.inputs["rule"] == {"defaultRetention": {"mode": "COMPLIANCE", "days": 30}}
    assert lock.protect


def test_the_bucket_is_replicated_to_the_copy_region():
    plan = prod()
    replica = plan.get("backups-replica")
    assert replica.inputs["region"] == "eu-central-1"
    assert replica.inputs["bucket"] == "webstack-prod-backups-123456789012-eu-central-1"
    assert replica.inputs["objectLockEnabled"] is True  # locked objects replicate only to a locked bucket
    replica_key = plan.one("aws:kms/key:Key", "backups-replica-key")
    assert replica_key.inputs["region"] == "eu-central-1"
    config = plan.one("aws:s3/bucketReplicationConfig:BucketReplicationConfig", "backups-replication")
    assert config.depends_on(plan.get("backups-bucket-versioning"))
    assert config.depends_on(plan.get("backups-replica-versioning"))
    rule = config.inputs["rules"][0]
    assert rule["status"] == "Enabled" and rule["deleteMarkerReplication"] == {"status": "Disabled"}
    assert rule["destination"]["bucket"] == replica.state["arn"]
    assert rule["destination"]["encryptionConfiguration"] == {"replicaKmsKeyId": replica_key.state["arn"]}
    assert rule["sourceSelectionCriteria"] == {"sseKmsEncryptedObjects": {"status": "Enabled"}}
    role = plan.one("aws:iam/role:Role", "backups-replication-role")
    assert config.inputs["role"] == role.state["arn"]
    permissions = statements(plan.one("aws:iam/rolePolicy:RolePolicy", "backups-replication-policy").inputs["policy"])
    assert "s3:ReplicateObject" in permissions["WriteReplicas"]["Action"]
    assert "s3:GetObjectRetention" in permissions["ReadSourceVersions"]["Action"]
    # The replica is as hardened as the source, with its own access-log bucket.
    assert plan.one("aws:s3/bucketLogging:BucketLogging", "backups-replica-logging").inputs["region"] == "eu-central-1"


def test_the_vault_is_kms_encrypted_and_locked_in_compliance_mode():
    plan = prod()
    vault = plan.one("aws:backup/vault:Vault", "backups-vault")
    assert vault.inputs["kmsKeyArn"] == plan.one("aws:kms/key:Key", "backups-key").state["arn"]
    assert vault.inputs["name"] == "webstack-prod-backups-vault"
    assert vault.protect and vault.retain_on_delete and vault.inputs["forceDestroy"] is False
    lock = plan.one("aws:backup/vaultLockConfiguration:VaultLockConfiguration", "backups-vault-lock")
    assert (lock.inputs["minRetentionDays"], lock.inputs["maxRetentionDays"], lock.inputs["changeableForDays"]) == (30, 30, 3)
    copy = plan.one("aws:backup/vault:Vault", "backups-copy-vault")
    assert copy.inputs["region"] == "eu-central-1"
    assert copy.inputs["kmsKeyArn"] == plan.one("aws:kms/key:Key", "backups-replica-key").state["arn"]
    assert plan.one("aws:backup/vaultLockConfiguration:VaultLockConfiguration", "backups-copy-vault-lock").inputs[
        "region"] == "eu-central-1"


def test_the_plan_takes_a_daily_full_backup_at_2_utc_plus_continuous_backup_and_copies_it():
    plan = prod()
    rules = {r["ruleName"]: r for r in plan.one("aws:backup/plan:Plan").inputs["rules"]}
    daily = rules["daily"]
    assert daily["schedule"] == "cron(0 2 * * ? *)"
    assert daily["lifecycle"] == {"deleteAfter": 30}
    assert daily["targetVaultName"] == "webstack-prod-backups-vault"
    assert (daily["startWindow"], daily["completionWindow"]) == (60, 360)
    copy_vault = plan.one("aws:backup/vault:Vault", "backups-copy-vault")
    assert daily["copyActions"] == [{"destinationVaultArn": copy_vault.state["arn"], "lifecycle": {"deleteAfter": 30}}]
    assert copy_vault.state["arn"].startswith("arn:aws:backup:eu-central-1:")
    continuous = rules["continuous"]
    assert continuous["enableContinuousBackup"] is True
    assert continuous["lifecycle"] == {"deleteAfter": 30}
    assert continuous["schedule"] == "cron(0 */6 * * ? *)"
    assert "copyActions" not in continuous


def test_the_selection_covers_the_database_with_the_aws_backup_role():
    plan = prod()
    selection = plan.one("aws:backup/selection:Selection")
    assert selection.inputs["resources"] == [DB_ARN]
    role = plan.one("aws:iam/role:Role", "backups-backup-role")
    assert selection.inputs["iamRoleArn"] == role.state["arn"]
    assert selection.inputs["planId"] == plan.one("aws:backup/plan:Plan").id
    assert json.loads(role.inputs["assumeRolePolicy"])["Statement"][0]["Principal"] == {"Service": "backup.amazonaws.com"}
    attached = {a.inputs["policyArn"] for a in plan.by_type("aws:iam/rolePolicyAttachment:RolePolicyAttachment")}
    assert attached == {"arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup",
                        "arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForRestores"}


def test_everything_is_a_child_of_the_component_and_outputs_are_registered():
    plan = prod()
    component = plan.one("webstack:index:Backups", "backups")
    assert len(plan.descendants(component)) == len(plan) - 1
    outputs = component.component_outputs
    assert outputs["bucket_name"] == "webstack-prod-backups-123456789012-eu-west-1"
    assert outputs["vault_arn"] == "arn:aws:backup:eu-west-1:123456789012:backup-vault:webstack-prod-backups-vault"
    assert outputs["replica_bucket_arn"] == "arn:aws:s3:::webstack-prod-backups-123456789012-eu-central-1"
    assert outputs["copy_vault_arn"].startswith("arn:aws:backup:eu-central-1:")
    assert outputs["plan_id"] == plan.one("aws:backup/plan:Plan").id
    assert set(outputs) == {"bucket_name", "bucket_arn", "log_bucket_name", "replica_bucket_name", "replica_bucket_arn",
                            "kms_key_arn", "vault_name", "vault_arn", "copy_vault_arn", "plan_id", "plan_arn", "role_arn"}


# -------------------------------------------------------------------------- dev shape


def test_dev_has_no_lock_no_copy_no_continuous_rule_and_can_be_destroyed():
    plan = dev()
    assert {b.name for b in plan.by_type("aws:s3/bucket:Bucket")} == {"backups-bucket", "backups-logs"}
    bucket = plan.get("backups-bucket")
    assert bucket.inputs["forceDestroy"] is True and "objectLockEnabled" not in bucket.inputs
    assert not bucket.protect and not bucket.retain_on_delete
    assert not plan.by_type("aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration")
    assert not plan.by_type("aws:s3/bucketReplicationConfig:BucketReplicationConfig")
    assert not plan.by_type("aws:backup/vaultLockConfiguration:VaultLockConfiguration")
    rules = plan.one("aws:backup/plan:Plan").inputs["rules"]
    assert [r["ruleName"] for r in rules] == ["daily"] and "copyActions" not in rules[0]
    assert rules[0]["lifecycle"] == {"deleteAfter": 7}
    # No resources to protect: no selection (an empty selection is an API error).
    assert not plan.by_type("aws:backup/selection:Selection")
    outputs = plan.one("webstack:index:Backups").component_outputs
    assert outputs.get("replica_bucket_arn") is None and outputs.get("copy_vault_arn") is None


def test_a_database_component_is_protected_through_its_primary_arn():
    @dataclass
    class StandInDatabase:  # the attribute of the interface contract Backups reads
        primary_arn: object

    def program():
        Backups("backups", BackupsArgs(**DEV_ARGS),
                database=StandInDatabase(primary_arn=pulumi.Output.from_input(DB_ARN)))

    plan = synth(program, stack="dev", config={"aws:region": "eu-west-1"})
    assert plan.one("aws:backup/selection:Selection").inputs["resources"] == [DB_ARN]


def test_a_callers_protect_reaches_the_stateful_children():
    plan = synth(lambda: Backups("b", BackupsArgs(protect=False),
                                 opts=pulumi.ResourceOptions(protect=True)))
    stateful = [plan.get(name) for name in ("b-key", "b-bucket", "b-logs", "b-vault")]
    assert all(res.protect for res in stateful), [res.name for res in stateful if not res.protect]


# ------------------------------------------------------------------------ restore test

RESTORE_ARGS = dict(PROD_ARGS, restore_testing=True, restore_subnet_group_name="webstack-prod-db-subnets",
                    restore_security_group_ids=["sg-0database"])


def test_a_restore_test_restores_the_latest_daily_recovery_point_into_the_databases_subnets_weekly():
    plan = plan_of("restore", **RESTORE_ARGS)
    testing = plan.one("aws:backup/restoreTestingPlan:RestoreTestingPlan")
    assert testing.inputs["name"] == "webstack_prod_backups_restore_test"  # underscores: AWS allows no hyphen
    assert testing.inputs["scheduleExpression"] == "cron(0 5 ? * SUN *)"  # after Sunday's 02:00 daily backup
    assert testing.inputs["recoveryPointSelection"] == {
        "algorithm": "LATEST_WITHIN_WINDOW", "includeVaults": [plan.get("backups-vault").state["arn"]],
        "recoveryPointTypes": ["SNAPSHOT"], "selectionWindowDays": 7}
    selection = plan.one("aws:backup/restoreTestingSelection:RestoreTestingSelection")
    assert selection.inputs["restoreTestingPlanName"] == testing.state["name"]
    assert selection.inputs["protectedResourceType"] == "RDS"
    assert selection.inputs["protectedResourceArns"] == [DB_ARN]
    # Restored into the database's own subnets and group: RDS's default would be the default VPC.
    assert selection.inputs["restoreMetadataOverrides"] == {
        "dbsubnetgroupname": "webstack-prod-db-subnets", "vpcsecuritygroupids": '["sg-0database"]'}
    # The backup role restores (AWSBackupServiceRolePolicyForRestores is attached to it).
    assert selection.inputs["iamRoleArn"] == plan.get("backups-backup-role").state["arn"]
    assert selection.inputs["validationWindowHours"] == 1


def test_without_restore_testing_no_restore_test_is_registered():
    assert not prod().by_type("aws:backup/restoreTestingPlan:RestoreTestingPlan")
    assert not prod().by_type("aws:backup/restoreTestingSelection:RestoreTestingSelection")


def test_a_restore_test_needs_the_database_and_its_subnet_group():
    # Checked once the database is known (``database=`` links it), before anything is registered.
    with pytest.raises(ArgsError, match=r"^backups\.restore_testing = True: .*database"):
        synth(lambda: Backups("b", BackupsArgs(**dict(RESTORE_ARGS, resource_arns=[]))))
    with pytest.raises(ArgsError, match=r"^backups\.restore_subnet_group_name = None: .*default VPC"):
        synth(lambda: Backups("b", BackupsArgs(**dict(RESTORE_ARGS, restore_subnet_group_name=None))))


def test_a_database_component_gives_the_restore_test_its_subnet_group_and_security_group():
    @dataclass
    class StandInDatabase:  # the attributes of the interface contract Backups reads
        primary_arn: object
        subnet_group_name: object
        security_group_id: object

    def program():
        Backups("backups", BackupsArgs(**dict(DEV_ARGS, restore_testing=True)),
                database=StandInDatabase(pulumi.Output.from_input(DB_ARN), pulumi.Output.from_input("db-subnets"),
                                         pulumi.Output.from_input("sg-0db")))

    plan = synth(program, stack="dev", config={"aws:region": "eu-west-1"})
    selection = plan.one("aws:backup/restoreTestingSelection:RestoreTestingSelection")
    assert selection.inputs["protectedResourceArns"] == [DB_ARN]
    assert selection.inputs["restoreMetadataOverrides"] == {
        "dbsubnetgroupname": "db-subnets", "vpcsecuritygroupids": '["sg-0db"]'}
