"""Names, lifecycle rules and policies of the ``Backups`` component's buckets and AWS Backup
resources: pure logic with plain tests, re-exported by ``pulumi_webstack.backups``."""

import hashlib
import re
from typing import Any, Optional

from pulumi_webstack import buckets

TRANSITION_STORAGE_CLASS = "GLACIER_IR"
"""Cheaper storage for older objects that still restore in milliseconds."""

ALL_OBJECTS: dict[str, str] = {"prefix": ""}
"""Lifecycle rule filter matching every object. Explicit, because the AWS provider
deprecates an empty ``filter`` block (its meaning changed between provider versions)."""


def _short_hash(text: str, n: int = 8) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:n]


def slug(text: str) -> str:
    """``text`` in lower-case letters, digits and single hyphens (the shape of every name here)."""
    cleaned = re.sub(r"[^a-z0-9-]+", "-", text.lower())
    return re.sub(r"-{2,}", "-", cleaned).strip("-")


def bucket_name(prefix: str, account_id: str, region: str, purpose: str = "") -> str:
    """Globally unique, stable S3 bucket name: ``<prefix>[-<purpose>]-<account>-<region>``.

    S3 names are global, 3-63 characters of lower-case letters, digits and hyphens. The
    account and region make the name unique without random suffixes (so it is the same on
    every deploy); when it would be too long, the prefix is cut and a hash of the full
    prefix keeps it unique.
    """
    head = slug("-".join(p for p in (prefix, purpose) if p))
    tail = f"-{account_id}-{region}"
    name = head + tail
    if len(name) > 63:
        keep = 63 - len(tail) - 9
        name = f"{head[:keep].rstrip('-')}-{_short_hash(head)}{tail}"
    if not re.fullmatch(r"[a-z0-9][a-z0-9-]{1,61}[a-z0-9]", name):
        raise ValueError(f"cannot build a valid bucket name from {prefix!r}, {account_id!r}, {region!r}")
    return name


def bucket_arn(partition: str, name: str) -> str:
    """ARN of S3 bucket ``name`` in ``partition`` (``aws``, ``aws-cn``, ``aws-us-gov``)."""
    return f"arn:{partition}:s3:::{name}"


def backup_name(prefix: str, suffix: str = "") -> str:
    """Name for a vault, plan or selection: ``[A-Za-z0-9-_]``, at most 50 characters."""
    name = slug("-".join(p for p in (prefix, suffix) if p))
    if len(name) > 50:
        name = f"{name[:41].rstrip('-')}-{_short_hash(name)}"
    return name


def data_lifecycle_rules(
    retention_days: int, transition_days: Optional[int], noncurrent_version_days: int
) -> list[dict[str, Any]]:
    """Lifecycle of the backup bucket: transition, expiry, noncurrent versions, cleanup."""
    rule: dict[str, Any] = {
        "id": "retention",
        "status": "Enabled",
        "filter": dict(ALL_OBJECTS),
        "expiration": {"days": retention_days},
        "noncurrent_version_expiration": {"noncurrent_days": noncurrent_version_days},
        "abort_incomplete_multipart_upload": {"days_after_initiation": 7},
    }
    if transition_days is not None:
        rule["transitions"] = [{"days": transition_days, "storage_class": TRANSITION_STORAGE_CLASS}]
        if transition_days < noncurrent_version_days:
            rule["noncurrent_version_transitions"] = [
                {"noncurrent_days": transition_days, "storage_class": TRANSITION_STORAGE_CLASS}
            ]
    # ExpiredObjectDeleteMarker cannot share an expiration block with Days.
    cleanup = {"id": "expired-delete-markers", "status": "Enabled", "filter": dict(ALL_OBJECTS),
               "expiration": {"expired_object_delete_marker": True}}
    return [rule, cleanup]


def log_lifecycle_rules(retention_days: int) -> list[dict[str, Any]]:
    """Lifecycle of an access-log bucket: logs expire after ``retention_days``."""
    return [{
        "id": "access-log-retention",
        "status": "Enabled",
        "filter": dict(ALL_OBJECTS),
        "expiration": {"days": retention_days},
        "noncurrent_version_expiration": {"noncurrent_days": 1},
        "abort_incomplete_multipart_upload": {"days_after_initiation": 1},
    }]


def data_bucket_policy(bucket_arn: str, key_arn: str, *, require_encryption_header: bool = True) -> dict[str, Any]:
    """Bucket policy of a backup bucket: TLS only, SSE-KMS with this bucket's key only.

    With ``require_encryption_header`` an upload without the SSE-KMS header is refused
    (writers must ask for encryption, not rely on the default). The replica bucket sets it
    to False: S3 replication writes rely on the destination's encryption settings, and the
    header checks still refuse any other algorithm or key.
    """
    objects = f"{bucket_arn}/*"
    statements = [
        buckets.deny_insecure_transport(bucket_arn),
        {
            "Sid": "DenyNonKmsEncryption",
            "Effect": "Deny",
            "Principal": "*",
            "Action": "s3:PutObject",
            "Resource": objects,
            "Condition": {"StringNotEqualsIfExists": {"s3:x-amz-server-side-encryption": "aws:kms"}},
        },
        {
            "Sid": "DenyOtherKmsKeys",
            "Effect": "Deny",
            "Principal": "*",
            "Action": "s3:PutObject",
            "Resource": objects,
            "Condition": {"StringNotEqualsIfExists": {"s3:x-amz-server-side-encryption-aws-kms-key-id": key_arn}},
        },
    ]
    if require_encryption_header:
        statements.insert(1, {
            "Sid": "DenyUnencryptedUploads",
            "Effect": "Deny",
            "Principal": "*",
            "Action": "s3:PutObject",
            "Resource": objects,
            "Condition": {"Null": {"s3:x-amz-server-side-encryption": "true"}},
        })
    return {"Version": "2012-10-17", "Statement": statements}


def log_bucket_policy(log_bucket_arn: str, source_bucket_arns: list[str], account_id: str) -> dict[str, Any]:
    """Access-log bucket: TLS only; S3 log delivery may write, only for our source buckets.

    With ``BucketOwnerEnforced`` ACLs are off, so the logging service principal is granted
    by this policy (scoped by source bucket and account against confused deputies).
    """
    return {
        "Version": "2012-10-17",
        "Statement": [
            buckets.deny_insecure_transport(log_bucket_arn),
            {
                "Sid": "AllowS3ServerAccessLogs",
                "Effect": "Allow",
                "Principal": {"Service": "logging.s3.amazonaws.com"},
                "Action": "s3:PutObject",
                "Resource": f"{log_bucket_arn}/*",
                "Condition": {
                    "ArnLike": {"aws:SourceArn": source_bucket_arns},
                    "StringEquals": {"aws:SourceAccount": account_id},
                },
            },
        ],
    }


def replication_policy(
    source_arn: str, destination_arn: str, source_key_arn: str, destination_key_arn: str
) -> dict[str, Any]:
    """Permissions of the S3 replication role: read versions (and their lock), write replicas."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "ReadReplicationConfig", "Effect": "Allow",
             "Action": ["s3:GetReplicationConfiguration", "s3:ListBucket"], "Resource": source_arn},
            {"Sid": "ReadSourceVersions", "Effect": "Allow",
             "Action": ["s3:GetObjectVersionForReplication", "s3:GetObjectVersionAcl", "s3:GetObjectVersionTagging",
                        "s3:GetObjectRetention", "s3:GetObjectLegalHold"],
             "Resource": f"{source_arn}/*"},
            {"Sid": "WriteReplicas", "Effect": "Allow",
             "Action": ["s3:ReplicateObject", "s3:ReplicateDelete", "s3:ReplicateTags", "s3:ObjectOwnerOverrideToBucketOwner"],
             "Resource": f"{destination_arn}/*"},
            {"Sid": "DecryptSource", "Effect": "Allow", "Action": "kms:Decrypt", "Resource": source_key_arn},
            {"Sid": "EncryptReplica", "Effect": "Allow", "Action": ["kms:Encrypt", "kms:GenerateDataKey"],
             "Resource": destination_key_arn},
        ],
    }
