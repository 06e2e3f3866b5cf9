"""Customer-managed KMS keys as the components create them: helpers, not components.

Every component that keeps data (Database, Cache, Backups, Alerting's topics, Cdn's
access logs, Network's flow logs) encrypts it with its own symmetric key, rotated yearly,
with an explicit key policy (never the implicit default, which auditors flag and which
says nothing about who uses the key): the account administers the key, so IAM decides
who may use it, plus a statement per AWS service that encrypts with it, scoped to this
account's resources. The functions here register into the caller's
resource tree (``opts`` carries the parent) and change nothing about names: the caller
chooses every resource name, description and option.
"""

from typing import Any, Optional, Sequence, Union

import pulumi
import pulumi_aws as aws


def customer_managed_key(
    resource_name: str,
    *,
    description: str,
    deletion_window_in_days: int,
    opts: pulumi.ResourceOptions,
    policy: pulumi.Input[str],
    region: Optional[str] = None,
) -> aws.kms.Key:
    """A symmetric ``aws.kms.Key`` with automatic yearly rotation.

    ``policy`` is the key policy JSON, required: at least ``account_key_policy``.
    ``region`` places the key in another region than the provider's (pulumi-aws 7
    per-resource region).
    """
    return aws.kms.Key(
        resource_name,
        description=description,
        enable_key_rotation=True,
        deletion_window_in_days=deletion_window_in_days,
        policy=policy,
        region=region,
        opts=opts,
    )


def key_alias(
    resource_name: str,
    key: aws.kms.Key,
    alias: str,
    *,
    opts: pulumi.ResourceOptions,
    region: Optional[str] = None,
) -> aws.kms.Alias:
    """``alias`` (``alias/<name>``) pointing at ``key``, in the key's region."""
    return aws.kms.Alias(resource_name, name=alias, target_key_id=key.key_id, region=region, opts=opts)


def account_administers_key(account_id: str, partition: str = "aws", sid: str = "AccountAdministersKey"
                            ) -> dict[str, Any]:
    """Key policy statement: the account root administers the key, so IAM policies decide
    who may use it (without it the key could become unmanageable)."""
    return {
        "Sid": sid,
        "Effect": "Allow",
        "Principal": {"AWS": f"arn:{partition}:iam::{account_id}:root"},
        "Action": "kms:*",
        "Resource": "*",
    }


def account_key_policy(account_id: str, partition: str = "aws") -> dict[str, Any]:
    """Key policy of a key only IAM principals of this account use (through their IAM
    policies and the grants AWS services create on their behalf): the account administers it."""
    return {"Version": "2012-10-17", "Statement": [account_administers_key(account_id, partition)]}


def log_groups_key_policy(region: str, account_id: str, partition: str, dns_suffix: str, *,
                          sid: str, log_groups: Union[str, Sequence[str]]) -> dict[str, Any]:
    """Key policy: the account administers the key; CloudWatch Logs of ``region`` may use
    it, only for the log groups whose name matches ``log_groups`` (an ARN pattern after
    ``log-group:``, e.g. ``/aws/rds/instance/<id>*``, or a list of them), through the
    encryption context."""
    prefix = f"arn:{partition}:logs:{region}:{account_id}:log-group:"
    arns: Union[str, list[str]] = (prefix + log_groups if isinstance(log_groups, str)
                                   else [prefix + pattern for pattern in log_groups])
    return {
        "Version": "2012-10-17",
        "Statement": [
            account_administers_key(account_id, partition),
            {
                "Sid": sid,
                "Effect": "Allow",
                "Principal": {"Service": f"logs.{region}.{dns_suffix}"},
                "Action": ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"],
                "Resource": "*",
                "Condition": {
                    "ArnLike": {"kms:EncryptionContext:aws:logs:arn": arns}
                },
            },
        ],
    }
