"""The CDN's logs: its KMS key and the access logs (CloudFront standard logging v2). Helpers
of ``Cdn`` (components/cdn.py), not a component; the WAF's request logs are in
components/waf.py.

Access logs are delivered by CloudWatch Logs' vended log delivery to S3 (source:
the distribution; destination: the bucket), not by the legacy ``logging_config``, which
writes through S3 ACLs. The bucket keeps ACLs off, blocks public access, is encrypted with
the logs key, refuses non-TLS requests, and only the log delivery service, for this account's
delivery sources, may write to it. Delivery sources are configured in us-east-1, so the
component's provider (us-east-1, for CloudFront) places all of this there.
"""

import json
import re
from typing import TYPE_CHECKING, Any, Optional

import pulumi
import pulumi_aws as aws

from pulumi_webstack import buckets, kms, waf as w
from pulumi_webstack.ordering import after

if TYPE_CHECKING:
    from pulumi_webstack.cdn import CdnArgs

CLOUDFRONT_REGION = "us-east-1"
LOG_DELIVERY = "delivery.logs.amazonaws.com"


def physical_name(*parts: str, limit: int) -> str:
    """``"webstack-prod-cdn-access-logs"``: parts joined by '-', cut to ``limit`` characters."""
    text = re.sub(r"[^A-Za-z0-9-]+", "-", "-".join(parts)).strip("-")
    return text[:limit].rstrip("-")


def delivery_sources(partition: str, account: str) -> str:
    """ARN pattern of this account's log delivery sources (CloudFront standard logging v2)."""
    return f"arn:{partition}:logs:{CLOUDFRONT_REGION}:{account}:delivery-source:*"


def logs_key(
    name: str, args: "CdnArgs", waf_group: Optional[str], account: pulumi.Output[str],
    partition: pulumi.Output[Any], region: str, opts: pulumi.ResourceOptions,
) -> aws.kms.Key:
    """The key of the CDN's logs: log delivery encrypts the access logs with it (for this
    account's delivery sources), CloudWatch Logs the WAF log group (that group only)."""
    uses = [u for u, on in (("CloudFront access logs", args.access_logs), ("WAF logs", waf_group)) if on]

    def policy(a: list[Any]) -> str:
        acct, part, dns_suffix, reg = a
        statements = [kms.account_administers_key(acct, part, sid="AccountAdministers")]
        if args.access_logs:
            statements.append({
                "Sid": "LogDeliveryEncrypts",
                "Effect": "Allow",
                "Principal": {"Service": LOG_DELIVERY},
                "Action": ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*",
                           "kms:DescribeKey"],
                "Resource": "*",
                "Condition": {"StringEquals": {"aws:SourceAccount": acct},
                              "ArnLike": {"aws:SourceArn": delivery_sources(part, acct)}},
            })
        if waf_group:
            statements.append(w.logs_key_statement(reg, acct, part, dns_suffix, waf_group))
        return json.dumps({"Version": "2012-10-17", "Statement": statements})

    return kms.customer_managed_key(
        f"{name}-logs",
        description=f"{args.domain}: " + " and ".join(uses),
        deletion_window_in_days=30,
        policy=pulumi.Output.all(account, partition.partition, partition.dns_suffix, region).apply(policy),
        region=region,
        opts=opts,
    )


def log_bucket_policy(bucket_arn: str, account: str, source_arn: str) -> str:
    """TLS only; log delivery, for this account's delivery sources, checks the bucket and
    writes under ``AWSLogs/<account>/``."""
    source = {"StringEquals": {"aws:SourceAccount": account}, "ArnLike": {"aws:SourceArn": source_arn}}
    return json.dumps({
        "Version": "2012-10-17",
        "Statement": [
            buckets.deny_insecure_transport(bucket_arn),
            {
                "Sid": "LogDeliveryAclCheck",
                "Effect": "Allow",
                "Principal": {"Service": LOG_DELIVERY},
                # ListBucket too: log delivery's checks otherwise show as AccessDenied in CloudTrail.
                "Action": ["s3:GetBucketAcl", "s3:ListBucket"],
                "Resource": bucket_arn,
                "Condition": source,
            },
            {
                "Sid": "LogDeliveryWrite",
                "Effect": "Allow",
                "Principal": {"Service": LOG_DELIVERY},
                "Action": "s3:PutObject",
                "Resource": f"{bucket_arn}/AWSLogs/{account}/*",
                "Condition": {
                    "StringEquals": {"s3:x-amz-acl": "bucket-owner-full-control", "aws:SourceAccount": account},
                    "ArnLike": {"aws:SourceArn": source_arn},
                },
            },
        ],
    })


def access_logs(
    name: str, args: "CdnArgs", key: aws.kms.Key, distribution_arn: pulumi.Output[str],
    account: pulumi.Output[str], partition: pulumi.Output[str], opts: pulumi.ResourceOptions,
) -> aws.s3.Bucket:
    """The locked-down log bucket and the delivery of ``distribution_arn``'s access logs to it."""
    source_arn = pulumi.Output.all(partition, account).apply(lambda a: delivery_sources(*a))
    region = CLOUDFRONT_REGION
    bucket = aws.s3.Bucket(f"{name}-logs", region=region, opts=opts)
    buckets.enforce_bucket_owner(f"{name}-logs", bucket, region=region, opts=opts)
    buckets.block_public_access(f"{name}-logs", bucket, region=region, opts=opts)
    buckets.encrypt_with_kms(f"{name}-logs", bucket, key, region=region, opts=opts)
    buckets.enable_versioning(f"{name}-logs", bucket, region=region, opts=opts)
    aws.s3.BucketLifecycleConfiguration(
        f"{name}-logs",
        bucket=bucket.id,
        rules=[{
            "id": "expire-access-logs",
            "status": "Enabled",
            "filter": {"prefix": ""},
            "expiration": {"days": args.log_retention_days},
            "noncurrent_version_expiration": {"noncurrent_days": 7},
            "abort_incomplete_multipart_upload": {"days_after_initiation": 7},
        }],
        region=region,
        opts=opts,
    )
    policy = aws.s3.BucketPolicy(
        f"{name}-logs",
        bucket=bucket.id,
        policy=pulumi.Output.all(bucket.arn, account, source_arn).apply(lambda a: log_bucket_policy(*a)),
        region=region,
        opts=opts,
    )
    # Delivery names are unique per account and region: qualify them with project and stack.
    delivery_name = physical_name(pulumi.get_project(), pulumi.get_stack(), name, "access-logs", limit=60)
    source = aws.cloudwatch.LogDeliverySource(
        f"{name}-access-logs",
        name=delivery_name,
        log_type="ACCESS_LOGS",
        resource_arn=distribution_arn,
        region=region,
        opts=opts,
    )
    destination = aws.cloudwatch.LogDeliveryDestination(
        f"{name}-access-logs",
        name=delivery_name,
        output_format="json",
        # After the bucket policy: log delivery writes its own statement into a bucket whose
        # policy does not grant it yet, racing (and overwriting, or overwritten by) ours.
        delivery_destination_configuration={
            "destination_resource_arn": after(bucket.arn, policy)},
        region=region,
        opts=opts,
    )
    aws.cloudwatch.LogDelivery(
        f"{name}-access-logs",
        delivery_source_name=source.name,
        delivery_destination_arn=destination.arn,
        s3_delivery_configurations=[{
            "suffix_path": "{DistributionId}/{yyyy}/{MM}/{dd}/{HH}",
            "enable_hive_compatible_path": False,
        }],
        region=region,
        opts=opts,
    )
    return bucket
