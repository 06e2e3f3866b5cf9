"""Hardening rules: encryption at rest with KMS, private databases, deletion protection and
backups, WAF and access logs on CloudFront, restricted pods, real images, production data kept
from preview deployments.

Advisory by default: dev and staging deliberately trade some of these for cost (no WAF in
dev, short backups, no deletion protection). ``policies/config/prod.json`` makes them
mandatory, with the prod thresholds from the tier table.

This module holds the CloudFront rules (WAF, access logs) and the list of them all; the
others live by what they judge, and are re-exported here: ``encryption_at_rest`` (RDS,
Performance Insights, ElastiCache, S3, SNS), ``database_safety`` (not public, deletion
protection, backups) and ``workloads`` (pods, images, Vercel preview deployments).
"""

from __future__ import annotations

from typing import Sequence

from pulumi_policy import PolicyResource, Severity

from pulumi_webstack_policies.base import ADVISORY, Subject, label, of_type, referring_to, resource_policy, stack_policy
from pulumi_webstack_policies.database_safety import (  # noqa: F401  (this module's public names before the split)
    CACHE_REPLICATION_GROUP, RDS_CLUSTER, RDS_INSTANCE, check_backups, check_deletion_protection, check_not_public,
    database_backups, database_deletion_protection, rds_not_public,
)
from pulumi_webstack_policies.encryption_at_rest import (  # noqa: F401  (this module's public names before the split)
    AWS_MANAGED_SNS_KEY, BUCKET_LOGGING, BUCKET_SSE, CACHE_SERVERLESS, KMS_ALGORITHMS, LOAD_BALANCERS, TOPIC,
    check_buckets_kms, check_cache_encryption, check_performance_insights_kms, check_rds_encryption, check_topic_kms,
    elasticache_encryption_at_rest_kms, rds_encryption_at_rest_kms, rds_performance_insights_kms,
    s3_bucket_encryption_kms, sns_topic_kms,
)
from pulumi_webstack_policies.values import UNKNOWN, Evaluation, lookup, unset
from pulumi_webstack_policies.workloads import (  # noqa: F401  (this module's public names before the split)
    DATA_VARIABLES, IAM_ROLE, PLACEHOLDER_IMAGES, VERCEL_ENV_VARIABLE, VERCEL_ENV_VARIABLES, VERCEL_OIDC_ISSUER,
    WORKLOADS, check_placeholder_image, check_pod_security, check_preview_data_access, kubernetes_pod_security,
    pod_containers, vercel_preview_data_access, workload_placeholder_image,
)

DISTRIBUTION = "aws:cloudfront/distribution:Distribution"
LOG_DELIVERY_SOURCE = "aws:cloudwatch/logDeliverySource:LogDeliverySource"


# --------------------------------------------------------------------- CloudFront WAF, logs


def check_waf(subject: Subject, cfg: dict, ev: Evaluation) -> None:
    if unset(lookup(subject.props, "webAclId")):
        ev.violation(f"{subject.label}: webAclId is not set: associate a WAFv2 web ACL (scope CLOUDFRONT, in "
                     "us-east-1) with AWS managed rule groups")


cloudfront_waf = resource_policy(
    name="cloudfront-waf",
    description="CloudFront distributions are protected by a WAFv2 web ACL.",
    resource_types=[DISTRIBUTION],
    check=check_waf,
    enforcement_level=ADVISORY,
    severity=Severity.HIGH,
    remediation="Create an aws.wafv2.WebAcl (scope='CLOUDFRONT', us-east-1 provider) and pass its arn as "
    "web_acl_id.",
    tags=["hardening", "waf", "cloudfront"],
)


def check_access_logging(resources: Sequence[PolicyResource], cfg: dict, ev: Evaluation) -> None:
    sources = [
        s for s in of_type(resources, LOG_DELIVERY_SOURCE)
        if lookup(s.props, "logType") in ("ACCESS_LOGS", UNKNOWN)
    ]
    for dist in of_type(resources, DISTRIBUTION):
        bucket = lookup(dist.props, "loggingConfig.bucket")
        if not unset(bucket):
            continue
        if referring_to(dist, sources, "resourceArn", ("arn",)):
            continue
        ev.violation(f"{label(dist.resource_type, dist.name)}: access logging is off: set logging_config "
                     "{bucket: <log bucket domain name>} or deliver ACCESS_LOGS with an "
                     "aws.cloudwatch.LogDeliverySource for this distribution", dist.urn)


cloudfront_access_logging = stack_policy(
    name="cloudfront-access-logging",
    description="CloudFront distributions write access logs (standard logging to S3, or a CloudWatch "
    "log delivery of ACCESS_LOGS).",
    check=check_access_logging,
    resource_types=[DISTRIBUTION, LOG_DELIVERY_SOURCE],
    enforcement_level=ADVISORY,
    severity=Severity.MEDIUM,
    remediation="Set logging_config={bucket: log_bucket.bucket_domain_name, include_cookies: False, prefix: "
    "'cloudfront/'} or create aws.cloudwatch.LogDeliverySource(log_type='ACCESS_LOGS', "
    "resource_arn=distribution.arn) with a LogDelivery.",
    tags=["hardening", "logging", "cloudfront"],
)


POLICIES = [
    rds_encryption_at_rest_kms,
    rds_performance_insights_kms,
    elasticache_encryption_at_rest_kms,
    s3_bucket_encryption_kms,
    sns_topic_kms,
    rds_not_public,
    database_deletion_protection,
    database_backups,
    cloudfront_waf,
    cloudfront_access_logging,
    kubernetes_pod_security,
    vercel_preview_data_access,
    workload_placeholder_image,
]
