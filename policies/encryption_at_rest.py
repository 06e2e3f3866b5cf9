"""Encryption at rest with customer managed KMS keys: RDS storage and Performance Insights,
ElastiCache, S3 bucket defaults, SNS topics. Part of the ``hardening`` rules, which re-exports
these names; advisory by default, mandatory with ``policies/config/prod.json``.
"""

from __future__ import annotations

from typing import Any, Sequence

from pulumi_policy import PolicyResource, Severity

from pulumi_webstack_policies.base import (
    ADVISORY,
    BUCKET_IDENTITY,
    BUCKETS,
    Subject,
    is_rds_replica,
    label,
    of_type,
    referring_to,
    require_true,
    resource_policy,
    stack_policy,
)
from pulumi_webstack_policies.settings import schema
from pulumi_webstack_policies.values import UNKNOWN, Evaluation, elements, lookup, truthy, unset

RDS_INSTANCE = "aws:rds/instance:Instance"
RDS_CLUSTER = "aws:rds/cluster:Cluster"
CACHE_REPLICATION_GROUP = "aws:elasticache/replicationGroup:ReplicationGroup"
CACHE_SERVERLESS = "aws:elasticache/serverlessCache:ServerlessCache"
BUCKET_SSE = (
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
    "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2",
)
BUCKET_LOGGING = ("aws:s3/bucketLogging:BucketLogging", "aws:s3/bucketLoggingV2:BucketLoggingV2")
LOAD_BALANCERS = ("aws:lb/loadBalancer:LoadBalancer", "aws:alb/loadBalancer:LoadBalancer")
TOPIC = "aws:sns/topic:Topic"

KMS_ALGORITHMS = ("aws:kms", "aws:kms:dsse")
AWS_MANAGED_SNS_KEY = "alias/aws/sns"

_CMK = {
    "requireCustomerManagedKey": {
        "type": "boolean",
        "default": True,
        "description": "Require an explicit KMS key id/ARN (a customer managed key) rather than the "
        "service's AWS managed key.",
    }
}


# ------------------------------------------------------------------------------ RDS at rest


def crosses_regions(subject: Subject) -> Any:
    """Whether an RDS read replica lives in another region than its source: named by ARN
    (``arn:aws:rds:<region>:...``) from a different region than the replica's own. A same-region
    replica is named by identifier, or by ARN when it sets db_subnet_group_name (pulumi_aws
    rds/instance.py, replicate_source_db). :data:`UNKNOWN` while the source is unknown."""
    source = lookup(subject.props, "replicateSourceDb")
    if source is UNKNOWN:
        return UNKNOWN
    if not (isinstance(source, str) and source.startswith("arn:")):
        return False
    region = subject.region
    if region is UNKNOWN:
        return UNKNOWN
    parts = source.split(":")
    # Without a region of its own to compare, an ARN most often names another region's source.
    return region is None or len(parts) < 4 or parts[3] != region


def check_rds_encryption(subject: Subject, cfg: dict, ev: Evaluation) -> None:
    p, who = subject.props, subject.label
    replica = is_rds_replica(p)
    if not replica:
        require_true(subject, ev, "storageEncrypted", "set storage_encrypted=True with a KMS key")
    cross_region = crosses_regions(subject) if replica else False
    needs_key = truthy(cfg.get("requireCustomerManagedKey")) and (not replica or cross_region is not False)
    if needs_key and cross_region is UNKNOWN:
        if unset(lookup(p, "kmsKeyId")):
            ev.unknown("replicateSourceDb")  # a cross-region replica needs a key, a same-region one inherits
        return
    if needs_key and unset(lookup(p, "kmsKeyId")):
        ev.violation(f"{who}: kmsKeyId is not set, so the AWS managed aws/rds key is used: set kms_key_id to the "
                     "stack's customer managed KMS key" + (" in the replica's region" if cross_region else ""))


rds_encryption_at_rest_kms = resource_policy(
    name="rds-encryption-at-rest-kms",
    description="RDS instances and clusters encrypt storage with a customer managed KMS key.",
    resource_types=[RDS_INSTANCE, RDS_CLUSTER],
    check=check_rds_encryption,
    enforcement_level=ADVISORY,
    severity=Severity.HIGH,
    remediation="Set storage_encrypted=True and kms_key_id=<aws.kms.Key arn> (cross-region replicas: a key in "
    "the replica's region).",
    config_schema=schema(**_CMK),
    tags=["hardening", "encryption", "rds"],
)


def check_performance_insights_kms(subject: Subject, cfg: dict, ev: Evaluation) -> None:
    p, who = subject.props, subject.label
    enabled = ev.get(p, "performanceInsightsEnabled")
    mode = lookup(p, "databaseInsightsMode")
    if enabled is not UNKNOWN and not truthy(enabled) and mode is UNKNOWN:
        ev.unknown("databaseInsightsMode")  # 'advanced' turns Performance Insights on
    if enabled is UNKNOWN or not (truthy(enabled) or mode == "advanced"):
        return
    if unset(lookup(p, "performanceInsightsKmsKeyId")):
        ev.violation(f"{who}: Performance Insights is on without performanceInsightsKmsKeyId, so query samples "
                     "are encrypted with the AWS managed key: set performance_insights_kms_key_id to the "
                     "stack's KMS key")


rds_performance_insights_kms = resource_policy(
    name="rds-performance-insights-kms",
    description="Performance Insights data (which holds SQL text) is encrypted with a customer managed KMS key.",
    resource_types=[RDS_INSTANCE, RDS_CLUSTER],
    check=check_performance_insights_kms,
    enforcement_level=ADVISORY,
    severity=Severity.MEDIUM,
    remediation="Set performance_insights_kms_key_id=<aws.kms.Key arn> wherever performance_insights_enabled=True.",
    tags=["hardening", "encryption", "rds"],
)


# ----------------------------------------------------------------------- ElastiCache at rest


def check_cache_encryption(subject: Subject, cfg: dict, ev: Evaluation) -> None:
    p, who = subject.props, subject.label
    if subject.type == CACHE_REPLICATION_GROUP:
        require_true(subject, ev, "atRestEncryptionEnabled", "set at_rest_encryption_enabled=True with kms_key_id")
    if truthy(cfg.get("requireCustomerManagedKey")) and unset(lookup(p, "kmsKeyId")):
        ev.violation(f"{who}: kmsKeyId is not set (AWS owned key): set kms_key_id to the stack's customer "
                     "managed KMS key ARN")


elasticache_encryption_at_rest_kms = resource_policy(
    name="elasticache-encryption-at-rest-kms",
    description="ElastiCache data and snapshots are encrypted at rest with a customer managed KMS key.",
    resource_types=[CACHE_REPLICATION_GROUP, CACHE_SERVERLESS],
    check=check_cache_encryption,
    enforcement_level=ADVISORY,
    severity=Severity.HIGH,
    remediation="Set at_rest_encryption_enabled=True and kms_key_id=<aws.kms.Key arn>.",
    config_schema=schema(**_CMK),
    tags=["hardening", "encryption", "elasticache"],
)


# --------------------------------------------------------------------------- S3 at rest


def _sse_rules(config: PolicyResource, ev: Evaluation) -> list[Any]:
    rules = ev.get(config.props, "rules", label=f"{config.name}.")
    if rules is UNKNOWN:
        return [UNKNOWN]
    return elements(rules)


def _access_log_destination(bucket: PolicyResource, loggings: Sequence[PolicyResource],
                            balancers: Sequence[PolicyResource] = ()) -> bool:
    """The bucket receives S3 server access logs (it is a BucketLogging's targetBucket) or a
    load balancer's access logs (its ``accessLogs.bucket``)."""
    return bool(referring_to(bucket, loggings, "targetBucket", BUCKET_IDENTITY)
                or referring_to(bucket, balancers, "accessLogs.bucket", BUCKET_IDENTITY))


def check_buckets_kms(resources: Sequence[PolicyResource], cfg: dict, ev: Evaluation) -> None:
    configs = of_type(resources, *BUCKET_SSE)
    loggings = of_type(resources, *BUCKET_LOGGING)
    balancers = of_type(resources, *LOAD_BALANCERS)
    require_key = truthy(cfg.get("requireCustomerManagedKey"))
    sse_s3_for_logs = truthy(cfg.get("allowSseS3ForAccessLogBuckets"))
    for bucket in of_type(resources, *BUCKETS):
        who = label(bucket.resource_type, bucket.name)
        attached = referring_to(bucket, configs, "bucket", BUCKET_IDENTITY)
        rules = [r for c in attached for r in _sse_rules(c, ev)]
        if not attached:  # the bucket's own (deprecated) serverSideEncryptionConfiguration
            own = ev.get(bucket.props, "serverSideEncryptionConfiguration.rule", label=f"{bucket.name}.")
            rules = [] if own is None else [own]
        if UNKNOWN in rules:
            continue
        defaults = [lookup(r, "applyServerSideEncryptionByDefault") for r in rules]
        if UNKNOWN in defaults:
            ev.unknown(f"{bucket.name}: applyServerSideEncryptionByDefault")
            continue
        algorithms = [lookup(d, "sseAlgorithm") for d in defaults if d is not None]
        kms = [d for d in defaults if d is not None and lookup(d, "sseAlgorithm") in (*KMS_ALGORITHMS, UNKNOWN)]
        if not kms and sse_s3_for_logs and "AES256" in algorithms and _access_log_destination(bucket, loggings,
                                                                                              balancers):
            continue  # S3 server access logs and ELB access logs can only be delivered to SSE-S3 buckets
        if not kms:
            what = "has no server-side encryption configuration" if not rules else "does not default to SSE-KMS"
            ev.violation(f"{who} {what}: add an aws.s3.BucketServerSideEncryptionConfiguration with "
                         "sse_algorithm 'aws:kms' and the stack's KMS key (bucket_key_enabled=True)", bucket.urn)
        elif require_key and all(unset(lookup(d, "kmsMasterKeyId")) for d in kms):
            ev.violation(f"{who}: SSE-KMS uses the AWS managed aws/s3 key: set kms_master_key_id to the stack's "
                         "customer managed KMS key", bucket.urn)


s3_bucket_encryption_kms = stack_policy(
    name="s3-bucket-encryption-kms",
    description="Every S3 bucket defaults to SSE-KMS with a customer managed key (S3 server access log and "
    "load balancer access log destinations: SSE-S3, the only default encryption that log delivery supports).",
    check=check_buckets_kms,
    resource_types=[*BUCKETS, *BUCKET_SSE, *BUCKET_LOGGING, *LOAD_BALANCERS],
    enforcement_level=ADVISORY,
    severity=Severity.MEDIUM,
    remediation="Add aws.s3.BucketServerSideEncryptionConfiguration(bucket=bucket.id, rules=[{"
    "apply_server_side_encryption_by_default: {sse_algorithm: 'aws:kms', kms_master_key_id: key.arn}, "
    "bucket_key_enabled: True}]).",
    config_schema=schema(
        **_CMK,
        allowSseS3ForAccessLogBuckets={
            "type": "boolean",
            "default": True,
            "description": "Accept SSE-S3 (AES256) on buckets that are the targetBucket of an "
            "aws.s3.BucketLogging or a load balancer's accessLogs.bucket: S3 server access log and Elastic Load "
            "Balancing log delivery do not support SSE-KMS destinations.",
        },
    ),
    tags=["hardening", "encryption", "s3"],
)


# -------------------------------------------------------------------------------- SNS at rest


def check_topic_kms(subject: Subject, cfg: dict, ev: Evaluation) -> None:
    key = lookup(subject.props, "kmsMasterKeyId")
    if unset(key):
        ev.violation(f"{subject.label}: kmsMasterKeyId is not set: encrypt the topic with the stack's customer "
                     "managed KMS key (its key policy must let cloudwatch.amazonaws.com use it)")
    elif isinstance(key, str) and (key == AWS_MANAGED_SNS_KEY or key.endswith(f":{AWS_MANAGED_SNS_KEY}")):
        ev.violation(f"{subject.label}: kmsMasterKeyId is {key!r}: CloudWatch alarms and AWS Backup "
                     "cannot publish to topics under the AWS managed key; use a customer managed key whose "
                     "policy allows cloudwatch.amazonaws.com")


sns_topic_kms = resource_policy(
    name="sns-topic-kms",
    description="SNS topics are encrypted with a customer managed KMS key.",
    resource_types=[TOPIC],
    check=check_topic_kms,
    enforcement_level=ADVISORY,
    severity=Severity.MEDIUM,
    remediation="Set kms_master_key_id=<aws.kms.Key id> whose key policy grants kms:GenerateDataKey* and "
    "kms:Decrypt to cloudwatch.amazonaws.com (and backup.amazonaws.com).",
    tags=["hardening", "encryption", "sns"],
)
