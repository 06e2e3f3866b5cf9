"""The RDS Proxy of ``Database``: its IAM role (reads the master secret, decrypts it through
Secrets Manager only), its log group (retention, the database's key), the proxy (TLS
required, SCRAM or IAM from clients), the pool sizing of its default target group and the
primary as its target. A helper registering into the component's tree; why there is no
read-only proxy endpoint is in ``pulumi_webstack.database``."""

from __future__ import annotations

import json
from typing import Any

import pulumi
import pulumi_aws as aws

from pulumi_webstack.database_parameters import proxy_pool_percent
from pulumi_webstack.database_replicas import DatabaseScope
from pulumi_webstack.iam_policies import assume_role_policy, granted


def proxy_name(identifier: str) -> str:
    """Name of the proxy of the database ``identifier``."""
    return f"{identifier}-proxy"


def proxy_log_group(identifier: str) -> str:
    """The log group RDS Proxy writes to (created by the service, it would never expire)."""
    return f"/aws/rds/proxy/{proxy_name(identifier)}"


def proxy(scope: DatabaseScope, primary: aws.rds.Instance, key: aws.kms.Key, secret_arn: pulumi.Output[str],
          target_waits_for: list[pulumi.Resource], max_connections: int, region: pulumi.Output[str],
          partition: Any) -> aws.rds.Proxy:
    """RDS Proxy in front of the primary, reading the master secret ``secret_arn``, logging to
    a group of its own (retention, ``key``); its target is registered once
    ``target_waits_for`` (the stored value) exists."""
    args, name, identifier, child = scope.args, scope.name, scope.identifier, scope.child
    role = aws.iam.Role(
        f"{name}-proxy",
        description=f"RDS Proxy of {identifier} reads the master secret",
        assume_role_policy=assume_role_policy("rds.amazonaws.com"),
        opts=child,
    )
    policy = aws.iam.RolePolicy(
        f"{name}-proxy",
        role=role.id,
        policy=pulumi.Output.all(secret_arn, key.arn, region, partition.dns_suffix).apply(
            lambda v: json.dumps(secret_read_policy(*v))),
        opts=child,
    )
    logs = aws.cloudwatch.LogGroup(
        f"{name}-proxy-logs",
        name=proxy_log_group(identifier),
        retention_in_days=args.log_retention_days,
        kms_key_id=key.arn,
        opts=child,
    )
    db_proxy = aws.rds.Proxy(
        f"{name}-proxy",
        name=proxy_name(identifier),
        engine_family="POSTGRESQL",
        # The role must be able to read the secret before the proxy's first connection.
        role_arn=granted(role, policy),
        vpc_subnet_ids=args.subnet_ids,
        vpc_security_group_ids=[args.security_group_id],
        require_tls=True,
        idle_client_timeout=1800,
        debug_logging=False,
        auths=[
            aws.rds.ProxyAuthArgs(
                auth_scheme="SECRETS",
                secret_arn=secret_arn,
                iam_auth="REQUIRED" if args.proxy_iam_auth else "DISABLED",
                client_password_auth_type="POSTGRES_SCRAM_SHA_256",
                description=f"Master user of {identifier}",
            )
        ],
        # Its log group must exist first (else the service creates it). New subnets or engine
        # family replace a proxy (ModifyDBProxy changes neither); its name is fixed, so the old
        # one must go first.
        opts=pulumi.ResourceOptions.merge(child, pulumi.ResourceOptions(depends_on=[logs],
                                                                        delete_before_replace=True)),
    )
    pool_percent = proxy_pool_percent(max_connections, args.connections_per_app_instance, args.app_max_instances)
    target_group = aws.rds.ProxyDefaultTargetGroup(
        f"{name}-proxy",
        db_proxy_name=db_proxy.name,
        connection_pool_config=aws.rds.ProxyDefaultTargetGroupConnectionPoolConfigArgs(
            max_connections_percent=pool_percent,
            max_idle_connections_percent=max(1, pool_percent // 2),
            connection_borrow_timeout=120,
        ),
        opts=child,
    )
    aws.rds.ProxyTarget(
        f"{name}-proxy-primary",
        db_proxy_name=db_proxy.name,
        target_group_name=target_group.name,
        db_instance_identifier=primary.identifier,
        # The proxy connects with the secret as soon as the target is registered.
        opts=pulumi.ResourceOptions.merge(child, pulumi.ResourceOptions(depends_on=target_waits_for)),
    )
    return db_proxy


def secret_read_policy(secret_arn: str, key_arn: str, region: str, dns_suffix: str) -> dict[str, Any]:
    """The proxy role's policy: read the master secret, decrypt it only through Secrets Manager."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "ReadMasterSecret",
                "Effect": "Allow",
                "Action": "secretsmanager:GetSecretValue",
                "Resource": secret_arn,
            },
            {
                "Sid": "DecryptMasterSecret",
                "Effect": "Allow",
                "Action": "kms:Decrypt",
                "Resource": key_arn,
                "Condition": {"StringEquals": {"kms:ViaService": f"secretsmanager.{region}.{dns_suffix}"}},
            },
        ],
    }
