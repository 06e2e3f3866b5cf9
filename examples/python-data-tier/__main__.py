"""A Pulumi program of another team that reuses the webstack components.

It builds only a private network, a PostgreSQL database with two read replicas and a Redis
cache, and gets the matching alarms by handing the components to ``Alerting``. Nothing
here knows about tiers or stack files: the components take plain, validated Args.

    pulumi stack init prod && pulumi config set aws:region eu-west-1 && pulumi up
"""

import pulumi

from components import (
    Alerting, AlertingArgs, Cache, CacheArgs, Database, DatabaseArgs, Network, NetworkArgs, Tier,
)

config = pulumi.Config()
protect = pulumi.get_stack() == "prod"

network = Network("orders-net", NetworkArgs(cidr="10.60.0.0/16", az_count=3))

database = Database(
    "orders-db",
    DatabaseArgs(
        subnet_ids=network.subnet_ids,
        security_group_id=network.database_security_group_id,
        availability_zones=network.availability_zones,
        vpc_id=network.vpc_id,
        instance_class="db.r7g.large",
        multi_az=True,
        replicas=2,
        protect=protect,
    ),
)

cache = Cache(
    "orders-cache",
    CacheArgs(
        subnet_ids=network.subnet_ids,
        security_group_id=network.cache_security_group_id,
        availability_zones=network.availability_zones,
        replicas=1,
        automatic_failover=True,
        multi_az=True,
    ),
)

alerting = Alerting(
    "orders-alerts",
    AlertingArgs(tier=Tier.PROD, emails=[config.get("oncallEmail") or "orders-oncall@example.com"]),
    database=database,
    cache=cache,
)

pulumi.export("writerEndpoint", database.writer_endpoint)
pulumi.export("readerEndpoint", database.reader_endpoint)
pulumi.export("databaseSecretArn", database.secret_arn)
pulumi.export("cacheEndpoint", cache.primary_endpoint)
pulumi.export("alarmTopics", alerting.topic_arns)
