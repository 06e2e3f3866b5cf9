"""The settings every S3 bucket of the components gets: helpers, not components.

Backups' buckets and Cdn's access-log bucket are locked down the same way: all public
access blocked, ACLs off (``BucketOwnerEnforced``), versioning on, TLS required by the
bucket policy, and (where the writer supports it) SSE-KMS with a customer-managed key and
an S3 bucket key. Each function registers one resource into the caller's tree (``opts``
carries the parent); the caller chooses its resource name and where it sits in the story.
``region`` places the resource in another region than the provider's (pulumi-aws 7).
"""

from typing import Any, Optional

import pulumi
import pulumi_aws as aws


def block_public_access(resource_name: str, bucket: aws.s3.Bucket, *, opts: pulumi.ResourceOptions,
                        region: Optional[str] = None) -> aws.s3.BucketPublicAccessBlock:
    """All four public-access switches on: no public ACL or policy is accepted or honoured."""
    return aws.s3.BucketPublicAccessBlock(
        resource_name,
        bucket=bucket.id,
        block_public_acls=True,
        block_public_policy=True,
        ignore_public_acls=True,
        restrict_public_buckets=True,
        region=region,
        opts=opts,
    )


def enforce_bucket_owner(resource_name: str, bucket: aws.s3.Bucket, *, opts: pulumi.ResourceOptions,
                         region: Optional[str] = None) -> aws.s3.BucketOwnershipControls:
    """``BucketOwnerEnforced``: ACLs are off, the bucket owner owns every object; writers
    (log delivery services included) are granted by the bucket policy instead."""
    return aws.s3.BucketOwnershipControls(
        resource_name,
        bucket=bucket.id,
        rule={"object_ownership": "BucketOwnerEnforced"},
        region=region,
        opts=opts,
    )


def enable_versioning(resource_name: str, bucket: aws.s3.Bucket, *, opts: pulumi.ResourceOptions,
                      region: Optional[str] = None) -> aws.s3.BucketVersioning:
    """Versioning on: overwritten and deleted objects stay as noncurrent versions."""
    return aws.s3.BucketVersioning(
        resource_name,
        bucket=bucket.id,
        versioning_configuration={"status": "Enabled"},
        region=region,
        opts=opts,
    )


def encrypt_with_kms(resource_name: str, bucket: aws.s3.Bucket, key: aws.kms.Key, *,
                     opts: pulumi.ResourceOptions, region: Optional[str] = None
                     ) -> aws.s3.BucketServerSideEncryptionConfiguration:
    """Default encryption SSE-KMS with ``key`` and an S3 bucket key (fewer KMS requests)."""
    return aws.s3.BucketServerSideEncryptionConfiguration(
        resource_name,
        bucket=bucket.id,
        rules=[{
            "apply_server_side_encryption_by_default": {"sse_algorithm": "aws:kms", "kms_master_key_id": key.arn},
            "bucket_key_enabled": True,
        }],
        region=region,
        opts=opts,
    )


def deny_insecure_transport(bucket_arn: str) -> dict[str, Any]:
    """Bucket policy statement: every S3 request without TLS is denied."""
    return {
        "Sid": "DenyInsecureTransport",
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:*",
        "Resource": [bucket_arn, f"{bucket_arn}/*"],
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    }
