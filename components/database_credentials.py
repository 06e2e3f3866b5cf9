"""The master credentials of ``Database`` when it has replicas: RDS refuses to create read
replicas of an instance whose master password it manages (all engines but SQL Server), so
the password is generated here (``random.RandomPassword``, a secret in Pulumi state) and kept
in a Secrets Manager secret encrypted with the component's key, in the shape of an
RDS-managed one (``username``/``password``, plus host, port, dbname) and, with a
cross-region replica, replicated to that region. Helpers registering into the component's tree."""

from __future__ import annotations

import json
from typing import Optional

import pulumi
import pulumi_aws as aws
import pulumi_random as random

from pulumi_webstack.database_parameters import ENGINE
from pulumi_webstack.database_replicas import DatabaseScope

MASTER_PASSWORD_LENGTH = 40
MASTER_PASSWORD_SPECIALS = "-_.~"
"""Specials of a generated master password: RDS forbids / ' " @ and space; these four also
need no escaping in a connection URL."""


def master_password(scope: DatabaseScope) -> Optional[random.RandomPassword]:
    """A generated master password when there are replicas; None: RDS manages it."""
    args = scope.args
    if args.replicas == 0 and args.cross_region_replica is None:
        return None
    return random.RandomPassword(
        f"{scope.name}-master-password",
        length=MASTER_PASSWORD_LENGTH,
        special=True,
        override_special=MASTER_PASSWORD_SPECIALS,
        min_lower=2,
        min_upper=2,
        min_numeric=2,
        opts=scope.child,
    )


def master_secret(scope: DatabaseScope, primary: aws.rds.Instance, password: random.RandomPassword,
                  key: aws.kms.Key, remote_key: Optional[aws.kms.Key]
                  ) -> tuple[aws.secretsmanager.Secret, aws.secretsmanager.SecretVersion]:
    """Secret holding a generated master password, in the shape of an RDS-managed one,
    and the version that stores the value."""
    args, name, identifier = scope.args, scope.name, scope.identifier
    remote = args.cross_region_replica
    secret = aws.secretsmanager.Secret(
        f"{name}-master",
        description=f"Master user of {identifier} (username, password, host, port, dbname)",
        kms_key_id=key.arn,
        recovery_window_in_days=30 if args.protect else 7,
        # The disaster-recovery region gets a copy, encrypted with its own key.
        replicas=[aws.secretsmanager.SecretReplicaArgs(region=remote, kms_key_id=remote_key.arn)]
        if remote and remote_key is not None else None,
        opts=scope.stateful,
    )
    version = aws.secretsmanager.SecretVersion(
        f"{name}-master",
        secret_id=secret.id,
        secret_string=pulumi.Output.secret(
            pulumi.Output.all(password.result, primary.address, primary.port).apply(
                lambda v: json.dumps(
                    {
                        "username": args.master_username,
                        "password": v[0],
                        "engine": ENGINE,
                        "host": v[1],
                        "port": v[2],
                        "dbname": args.database_name,
                        "dbInstanceIdentifier": identifier,
                    }
                )
            )
        ),
        opts=scope.child,
    )
    return secret, version
