"""IAM policy documents more than one component grants, and ``granted``: helpers, not components.

Each document function returns a document (JSON text where the caller passes it straight to
an ``assume_role_policy`` or ``policy`` argument). The statements, their Sids and their order
are part of what the components register: change them here and every component that uses
them changes with them.
"""

import json
from typing import Any

import pulumi
import pulumi_aws as aws

from pulumi_webstack.ordering import after


def granted(role: "aws.iam.Role | pulumi.Input[str]", *grants: pulumi.Resource) -> pulumi.Output[str]:
    """``role``'s ARN (a Role of this program, or the ARN of one made elsewhere), known only
    once ``grants`` (its policies) exist: whoever takes it waits for the permissions, not only
    for the role (a data dependency, not a ``depends_on``).

    IAM is eventually consistent: a service handed a role whose policy is attached at the same
    moment may check or use the role before the policy reaches it (AWS Backup refuses the
    selection, a flow log stays in "Access error", RDS enhanced monitoring cannot publish)."""
    return after(role.arn if isinstance(role, aws.iam.Role) else role, *grants)


def assume_role_policy(service: str) -> str:
    """Trust policy JSON: the AWS service ``service`` (``rds.amazonaws.com``) may assume the role.

    For services that do not document sending ``aws:SourceAccount`` / ``aws:SourceArn`` when
    they assume a customer role (AWS Backup, S3 replication, RDS Proxy, EventBridge
    targets, AWS Chatbot): a condition on a key the request lacks denies, so adding one
    would break the role. These roles are reachable only through ``iam:PassRole`` by
    principals of this account (``policies/exceptions.json``). Use
    ``confined_assume_role_policy`` where the service documents the keys.
    """
    return json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}],
    })


def confined_assume_role_policy(service: str, account_id: str, source_arn: str) -> str:
    """Trust policy JSON: ``service`` may assume the role only on behalf of this account's
    resources matching ``source_arn`` (an ARN pattern), against the cross-service confused
    deputy. Only for services that document both keys on role assumption: VPC Flow Logs
    (``arn:aws:ec2:<region>:<account>:vpc-flow-log/*``) and RDS Enhanced Monitoring
    (``arn:aws:rds:<region>:<account>:db:*``)."""
    return json.dumps({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": {"Service": service},
            "Action": "sts:AssumeRole",
            "Condition": {"StringEquals": {"aws:SourceAccount": account_id}, "ArnLike": {"aws:SourceArn": source_arn}},
        }],
    })


def secret_read_policy(secret_arns: list[str], kms_key_arns: list[str], region: str) -> str:
    """IAM policy JSON: read these secrets, decrypt with these keys through Secrets Manager only.

    What the app tier (Vercel OIDC role, Kubernetes IRSA role) is granted on the data-tier
    secrets; ARNs are sorted so the document does not depend on the order they came in.
    """
    statements: list[dict[str, Any]] = [
        {"Sid": "ReadDataTierSecrets", "Effect": "Allow",
         "Action": ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"], "Resource": sorted(secret_arns)},
    ]
    if kms_key_arns:
        statements.append({
            "Sid": "DecryptThroughSecretsManager", "Effect": "Allow", "Action": "kms:Decrypt",
            "Resource": sorted(kms_key_arns),
            "Condition": {"StringEquals": {"kms:ViaService": f"secretsmanager.{region}.amazonaws.com"}},
        })
    return json.dumps({"Version": "2012-10-17", "Statement": statements})


def secret_read_policy_output(
    secret_arns: list[pulumi.Input[str]], kms_key_arns: list[pulumi.Input[str]], region: pulumi.Input[str]
) -> pulumi.Output[str]:
    """``secret_read_policy`` of values that are not known yet (the data tier's outputs)."""
    return pulumi.Output.all(pulumi.Output.all(*secret_arns), pulumi.Output.all(*kms_key_arns), region).apply(
        lambda a: secret_read_policy(list(a[0]), list(a[1]), a[2])
    )
