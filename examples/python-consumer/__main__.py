"""The bookings team's data tier, built from the pulumi-webstack components.

This is someone else's Pulumi project: it installs pulumi-webstack (requirements.txt) and
imports only the public API, ``pulumi_webstack``. It knows nothing of the webstack stack
program, its tiers or its stack files; the components take plain, validated Args.

    python -m venv .venv && .venv/bin/pip install -r requirements.txt
    pulumi stack init prod && pulumi config set aws:region eu-west-1
    pulumi config set bookings:oncallEmail oncall@bookings.example.com
    pulumi up

A stack whose name starts with ``prod`` gets Multi-AZ, a read replica, pooling, cache
failover and Pulumi ``protect`` on its data; any other stack gets the small single-node
shape. To use an existing VPC instead of creating one:

    pulumi config set bookings:vpcId vpc-0123456789abcdef0
    pulumi config set --path 'bookings:subnetIds[0]' subnet-0123456789abcdef0
    pulumi config set --path 'bookings:subnetIds[1]' subnet-0fedcba9876543210
"""

import pulumi

from pulumi_webstack import (
    Alerting,
    AlertingArgs,
    Cache,
    CacheArgs,
    Database,
    DatabaseArgs,
    Network,
    NetworkArgs,
    Thresholds,
)

config = pulumi.Config()
production = pulumi.get_stack().startswith("prod")

vpc_id = config.get("vpcId")
network = Network(
    "bookings-net",
    NetworkArgs(vpc_id=vpc_id, subnet_ids=config.require_object("subnetIds"))
    if vpc_id
    else NetworkArgs(cidr="10.70.0.0/16", az_count=3 if production else 2),
)

database = Database(
    "bookings-db",
    DatabaseArgs(
        subnet_ids=network.subnet_ids,
        security_group_id=network.database_security_group_id,
        availability_zones=network.availability_zones,
        vpc_id=network.vpc_id,
        instance_class="db.r7g.large" if production else "db.t4g.medium",
        multi_az=production,
        replicas=1 if production else 0,
        pooling=production,
        backup_retention_days=30 if production else 7,
        deletion_protection=production,
        skip_final_snapshot=not production,
        protect=production,
    ),
)

cache = Cache(
    "bookings-cache",
    CacheArgs(
        subnet_ids=network.subnet_ids,
        security_group_id=network.cache_security_group_id,
        availability_zones=network.availability_zones,
        replicas=1 if production else 0,
        automatic_failover=production,
        multi_az=production,
        snapshot_retention_days=7 if production else 1,
        protect=production,
    ),
)

alerting = Alerting(
    "bookings-alerts",
    AlertingArgs(
        # The defaults are production's; elsewhere page later and tolerate more.
        thresholds=Thresholds() if production else Thresholds(service_down_minutes=5, error_rate_percent=20),
        emails=[config.require("oncallEmail")],  # Pulumi.yaml gives a default
        # Warning alerts to Slack through AWS Chatbot (workspace authorised once in the console).
        slack_team_id=config.get("slackTeamId"),
        slack_channel_id=config.get("slackChannelId"),
    ),
    database=database,
    cache=cache,
)

# Connection settings for the bookings app: host names and secret ARNs, never a password.
pulumi.export("databaseWriter", database.proxy_endpoint if production else database.writer_endpoint)
pulumi.export("databaseReader", database.reader_endpoint)
pulumi.export("databaseSecretArn", database.secret_arn)
pulumi.export("cacheEndpoint", cache.primary_endpoint)
pulumi.export("cacheAuthSecretArn", cache.auth_secret_arn)
pulumi.export("appSecurityGroupId", network.app_security_group_id)
pulumi.export("alarmTopics", alerting.topic_arns)
