"""Specification of the Database component: encrypted PostgreSQL primary, parallel read
replicas across AZs, a reader endpoint, RDS Proxy pooling, a cross-region replica, outputs,
protect flags and every Args error."""

from __future__ import annotations

import json
import re
from functools import lru_cache

import pulumi
import pytest

from pulumi_webstack.database import (
    CA_CERT_IDENTIFIER,
    Database,
    DatabaseArgs,
    db_parameters,
    default_identifier,
    instance_memory_gib,
    max_connections_for,
    parameter_group_family,
    proxy_pool_percent,
    replica_zone,
)
from pulumi_webstack.errors import ArgsError
from pulumi_webstack.windows import daily_minutes, daily_overlaps_weekly, weekly_minutes
from pulumi_webstack_cli.engine import ACCOUNT_ID, Plan, Secret, synth
from tests.helpers import assert_args_error

INSTANCE = "aws:rds/instance:Instance"
ZONES = ["us-east-1a", "us-east-1b", "us-east-1c"]
LINKS = {
    "subnet_ids": ["subnet-0000000000000000a", "subnet-0000000000000000b", "subnet-0000000000000000c"],
    "security_group_id": "sg-0000000000000000d",
    "availability_zones": ZONES,
    "vpc_id": "vpc-0000000000000000e",
}
REMOTE = {
    "cross_region_replica": "eu-central-1",
    "cross_region_subnet_ids": ["subnet-0000000000000000f", "subnet-00000000000000010"],
    "cross_region_security_group_id": "sg-00000000000000011",
}


def args(**overrides) -> DatabaseArgs:
    return DatabaseArgs(**{**LINKS, **overrides})


@lru_cache(maxsize=None)
def _plan(frozen: tuple) -> Plan:
    settings = dict(frozen)
    return synth(lambda: Database("db", args(**{k: list(v) if isinstance(v, tuple) else v for k, v in settings.items()})))


def plan_of(**overrides) -> Plan:
    """Plan of one ``Database("db", ...)`` (cached per settings; plans are read-only)."""
    return _plan(tuple(sorted((k, tuple(v) if isinstance(v, list) else v) for k, v in overrides.items())))


PROD_LIKE = dict(multi_az=True, replicas=3, pooling=True, protect=True, instance_class="db.r7g.large",
                 connections_per_app_instance=25, app_max_instances=20, backup_retention_days=30, **REMOTE)


def component(plan: Plan):
    return plan.one("webstack:index:Database")


def replicas(plan: Plan):
    return [r for r in plan.by_type(INSTANCE) if r.name.startswith("db-replica-") and "region" not in r.inputs]


def master_secret_arn(plan: Plan) -> str:
    """ARN of the master secret in use: the generated one, else the RDS-managed one."""
    generated = plan.by_type("aws:secretsmanager/secret:Secret")
    if generated:
        return generated[0].state["arn"]
    return plan.one(INSTANCE, "db-primary").state["masterUserSecrets"][0]["secretArn"]


# ------------------------------------------------------------------ pure logic


@pytest.mark.parametrize("window, minutes", [
    ("00:00-01:00", 60), ("09:46-10:16", 30), ("23:30-00:30", 60), ("12:00-11:59", 1439)])
def test_a_daily_window_lasts_from_start_to_end_across_midnight(window, minutes):
    assert daily_minutes(window) == minutes


@pytest.mark.parametrize("window, minutes", [
    ("sun:04:00-sun:05:00", 60), ("sat:23:00-sun:01:00", 120), ("sun:23:00-mon:00:30", 90),
    ("mon:00:00-sun:23:59", 7 * 1440 - 1)])
def test_a_weekly_window_lasts_from_start_to_end_across_the_week(window, minutes):
    assert weekly_minutes(window) == minutes


@pytest.mark.parametrize("daily, weekly, overlaps", [
    ("00:00-01:00", "sun:04:00-sun:05:00", False),
    ("03:30-04:30", "sun:04:00-sun:05:00", True),
    ("03:00-04:00", "sun:04:00-sun:05:00", False),  # touching is not overlapping
    ("23:30-00:30", "mon:00:00-mon:01:00", True),  # Sunday's backup runs into Monday
    ("10:00-11:00", "sun:23:00-mon:12:00", True),  # a weekly window over midnight
    ("10:00-11:00", "sun:23:00-sun:23:30", False),
])
def test_a_daily_window_overlaps_a_weekly_one_when_any_days_run_shares_a_minute(daily, weekly, overlaps):
    assert daily_overlaps_weekly(daily, weekly) is overlaps



def test_parameter_group_family_follows_the_major_version():
    assert parameter_group_family("17") == "postgres17"
    assert parameter_group_family("16.4") == "postgres16"


@pytest.mark.parametrize("cls, gib", [
    ("db.t4g.micro", 1), ("db.t4g.medium", 4), ("db.t3.large", 8), ("db.r7g.large", 16), ("db.r6i.2xlarge", 64),
    ("db.m7g.xlarge", 16), ("db.m6gd.4xlarge", 64), ("db.x2g.large", 32), ("db.r6id.32xlarge", 1024),
    ("db.m7g.large", 8), ("db.m6i.2xlarge", 32), ("db.r6g.4xlarge", 128), ("db.r8g.16xlarge", 512),
])
def test_instance_memory_of_known_classes(cls, gib):
    assert instance_memory_gib(cls) == gib


@pytest.mark.parametrize("cls", ["db.foo.bar", "db.t4g.nano", "db.r7g.metal", "r7g.large", "db.t4g.nano2", "db.serverless",
                                 "db.r7g.medium", "db.z1d.large", "db.x2iedn.xlarge"])
def test_classes_rds_for_postgresql_does_not_offer_are_not_in_the_table_and_are_refused(cls):
    assert instance_memory_gib(cls) is None
    assert_args_error(lambda: args(instance_class=cls), "database.instance_class",
                      "must be an RDS for PostgreSQL instance class such as db.r7g.large")


def test_max_connections_follow_rds_formula_on_usable_memory_capped_at_5000():
    assert max_connections_for("db.t4g.micro") == 101
    assert max_connections_for("db.t4g.medium") == 405
    assert max_connections_for("db.r7g.large") == 1622
    assert max_connections_for("db.r7g.16xlarge") == 5000
    sizes = ["db.r7g.large", "db.r7g.xlarge", "db.r7g.2xlarge"]
    assert [max_connections_for(s) for s in sizes] == sorted(max_connections_for(s) for s in sizes)
    with pytest.raises(ValueError, match="unknown instance class"):
        max_connections_for("db.foo.bar")


def test_proxy_pool_share_covers_the_app_tier_between_10_and_80_percent():
    assert proxy_pool_percent(1622, 25, 20) == 31  # 500 of 1622
    assert proxy_pool_percent(405, 20, 2) == 10  # floor
    assert proxy_pool_percent(101, 25, 20) == 80  # ceiling: admin and migrations keep 20 %


def test_replicas_go_round_robin_starting_after_the_primary_zone():
    assert [replica_zone(ZONES, i) for i in range(4)] == ["us-east-1b", "us-east-1c", "us-east-1a", "us-east-1b"]
    assert [replica_zone(["a", "b"], i) for i in range(3)] == ["b", "a", "b"]
    assert replica_zone(["a", "a", "b"], 0) == "b"  # two subnets in one AZ count once


def test_default_identifier_is_a_valid_short_rds_identifier():
    assert default_identifier("webstack", "prod", "database") == "webstack-prod-database"
    assert default_identifier("Web_Stack", "prod.eu", "db") == "web-stack-prod-eu-db"
    long = default_identifier("a-very-long-project-name", "production-eu-west-1", "database")
    assert len(long) <= 40 and long[0].isalpha() and "--" not in long and not long.endswith("-")
    assert long != default_identifier("a-very-long-project-name", "production-eu-west-2", "database")


def test_db_parameters_force_tls_log_slow_queries_and_fix_max_connections():
    params = {p["name"]: (p["value"], p["apply_method"]) for p in db_parameters(500, 1622)}
    assert params["rds.force_ssl"] == ("1", "immediate")
    assert params["log_min_duration_statement"] == ("500", "immediate")
    assert params["log_connections"] == ("1", "immediate") and params["log_disconnections"] == ("1", "immediate")
    assert params["shared_preload_libraries"] == ("pg_stat_statements", "pending-reboot")
    assert params["max_connections"] == ("1622", "pending-reboot")


# --------------------------------------------------------------------- primary


def test_the_primary_is_encrypted_private_and_monitored():
    plan = plan_of(**PROD_LIKE)
    primary = plan.one(INSTANCE, "db-primary")
    key = plan.one("aws:kms/key:Key", "db-key")
    i = primary.inputs
    assert i["engine"] == "postgres" and i["engineVersion"] == "17"
    assert i["storageEncrypted"] is True and i["kmsKeyId"] == key.state["arn"]
    assert i["storageType"] == "gp3" and i["allocatedStorage"] == 20 and i["maxAllocatedStorage"] == 100
    assert i["publiclyAccessible"] is False
    assert i["iamDatabaseAuthenticationEnabled"] is True
    assert i["performanceInsightsEnabled"] is True and i["performanceInsightsKmsKeyId"] == key.state["arn"]
    assert i["monitoringInterval"] == 60
    assert i["monitoringRoleArn"] == plan.one("aws:iam/role:Role", "db-monitoring").state["arn"]
    assert i["enabledCloudwatchLogsExports"] == ["postgresql", "upgrade"]
    assert i["caCertIdentifier"] == CA_CERT_IDENTIFIER == "rds-ca-rsa2048-g1"
    assert i["backupRetentionPeriod"] == 30 and i["copyTagsToSnapshot"] is True
    assert i["autoMinorVersionUpgrade"] is True and i["allowMajorVersionUpgrade"] is False
    assert i["vpcSecurityGroupIds"] == [LINKS["security_group_id"]]
    assert i["dbSubnetGroupName"] == plan.one("aws:rds/subnetGroup:SubnetGroup", "db-subnets").id
    assert i["parameterGroupName"] == plan.one("aws:rds/parameterGroup:ParameterGroup", "db-params").id
    assert i["dbName"] == "app" and i["username"] == "webstack_admin"
    assert i["tags"] == {"Name": "webstack-test-db", "Role": "primary"}


def test_without_replicas_rds_manages_the_master_password():
    plan = plan_of()
    primary = plan.one(INSTANCE, "db-primary")
    key_arn = plan.one("aws:kms/key:Key").state["arn"]
    assert primary.inputs["manageMasterUserPassword"] is True and "password" not in primary.inputs
    assert primary.inputs["masterUserSecretKmsKeyId"] == key_arn
    assert not plan.by_type("random:index/randomPassword:RandomPassword")
    assert not plan.by_type("aws:secretsmanager/secret:Secret")
    assert component(plan).component_outputs["secret_arn"] == primary.state["masterUserSecrets"][0]["secretArn"]


def test_with_replicas_the_master_password_is_generated_and_kept_encrypted():
    # RDS refuses to create replicas of an instance whose master password it manages.
    plan = plan_of(replicas=1, protect=True)
    primary = plan.one(INSTANCE, "db-primary")
    password = plan.one("random:index/randomPassword:RandomPassword", "db-master-password")
    assert password.inputs["length"] == 40 and password.inputs["overrideSpecial"] == "-_.~"
    assert "manageMasterUserPassword" not in primary.inputs
    assert isinstance(primary.inputs["password"], Secret)
    assert primary.inputs["password"].value == password.state["result"].value
    secret = plan.one("aws:secretsmanager/secret:Secret", "db-master")
    assert secret.inputs["kmsKeyId"] == plan.one("aws:kms/key:Key").state["arn"]
    assert secret.protect and secret.inputs["recoveryWindowInDays"] == 30
    version = plan.one("aws:secretsmanager/secretVersion:SecretVersion", "db-master")
    assert version.inputs["secretId"] == secret.id and isinstance(version.inputs["secretString"], Secret)
    assert json.loads(version.inputs["secretString"].value) == {
        "username": "webstack_admin", "password": password.state["result"].value, "engine": "postgres",
        "host": primary.state["address"], "port": 5432, "dbname": "app", "dbInstanceIdentifier": "webstack-test-db",
    }
    outputs = component(plan).component_outputs
    assert outputs["secret_arn"] == secret.state["arn"]
    assert password.state["result"].value not in json.dumps(outputs)


def test_the_generated_secret_is_replicated_to_the_disaster_recovery_region():
    plan = plan_of(**REMOTE)
    secret = plan.one("aws:secretsmanager/secret:Secret", "db-master")
    remote_key = plan.one("aws:kms/key:Key", "db-key-eu-central-1")
    assert secret.inputs["replicas"] == [{"region": "eu-central-1", "kmsKeyId": remote_key.state["arn"]}]


def test_a_multi_az_primary_is_not_pinned_to_a_zone():
    multi = plan_of(multi_az=True).one(INSTANCE, "db-primary").inputs
    single = plan_of().one(INSTANCE, "db-primary").inputs
    assert multi["multiAz"] is True and "availabilityZone" not in multi
    assert single["multiAz"] is False and single["availabilityZone"] == "us-east-1a"


def test_the_key_rotates_and_lets_cloudwatch_logs_encrypt_only_this_databases_logs():
    plan = plan_of()
    key = plan.one("aws:kms/key:Key", "db-key")
    assert key.inputs["enableKeyRotation"] is True and key.inputs["deletionWindowInDays"] == 7
    statements = {s["Sid"]: s for s in json.loads(key.inputs["policy"])["Statement"]}
    assert statements["AccountAdministersKey"]["Principal"] == {"AWS": "arn:aws:iam::123456789012:root"}
    logs = statements["CloudWatchLogsEncryptsDatabaseLogs"]
    assert logs["Principal"] == {"Service": "logs.us-east-1.amazonaws.com"}
    assert logs["Condition"]["ArnLike"]["kms:EncryptionContext:aws:logs:arn"] == [
        "arn:aws:logs:us-east-1:123456789012:log-group:/aws/rds/instance/webstack-test-db*",
        "arn:aws:logs:us-east-1:123456789012:log-group:/aws/rds/proxy/webstack-test-db-proxy"]
    alias = plan.one("aws:kms/alias:Alias", "db-key")
    assert alias.inputs == {"name": "alias/webstack-test-db", "targetKeyId": key.state["keyId"]}


def test_the_parameter_group_matches_the_version_and_the_published_max_connections():
    plan = plan_of(engine_version="16", instance_class="db.r7g.large", slow_query_ms=250)
    group = plan.one("aws:rds/parameterGroup:ParameterGroup", "db-params")
    assert group.inputs["family"] == "postgres16"
    params = {p["name"]: p for p in group.inputs["parameters"]}
    assert params["rds.force_ssl"]["value"] == "1"
    assert params["log_min_duration_statement"]["value"] == "250"
    assert params["max_connections"] == {"name": "max_connections", "value": "1622", "applyMethod": "pending-reboot"}
    assert component(plan).component_outputs["max_connections"] == 1622


def test_an_explicit_max_connections_wins_over_the_class_formula():
    plan = plan_of(instance_class="db.r8g.24xlarge", max_connections=3000)
    params = {p["name"]: p["value"] for p in plan.one("aws:rds/parameterGroup:ParameterGroup").inputs["parameters"]}
    assert params["max_connections"] == "3000"


def test_exported_logs_land_in_precreated_encrypted_groups_with_retention():
    plan = plan_of(replicas=1, log_retention_days=90)
    key_arn = plan.one("aws:kms/key:Key").state["arn"]
    for label, instance_id in (("primary", "webstack-test-db"), ("replica-1", "webstack-test-db-replica-1")):
        instance = plan.one(INSTANCE, f"db-{label}")
        for log in ("postgresql", "upgrade"):
            group = plan.get(f"db-{label}-{log}-logs")
            assert group.inputs["name"] == f"/aws/rds/instance/{instance_id}/{log}"
            assert group.inputs["retentionInDays"] == 90 and group.inputs["kmsKeyId"] == key_arn
            # Created first, or RDS would create it itself without retention or KMS.
            assert instance.depends_on(group)


def test_enhanced_monitoring_role_is_attached_before_instances_use_it():
    plan = plan_of(replicas=1, **REMOTE)
    role = plan.one("aws:iam/role:Role", "db-monitoring")
    trust = json.loads(role.inputs["assumeRolePolicy"])["Statement"][0]
    assert trust["Principal"] == {"Service": "monitoring.rds.amazonaws.com"}
    # Confused deputy: only this account's DB instances (any region: the DR replica uses it too).
    assert trust["Condition"] == {"StringEquals": {"aws:SourceAccount": ACCOUNT_ID},
                                  "ArnLike": {"aws:SourceArn": f"arn:aws:rds:*:{ACCOUNT_ID}:db:*"}}
    attachment = plan.one("aws:iam/rolePolicyAttachment:RolePolicyAttachment")
    assert attachment.inputs["policyArn"] == "arn:aws:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole"
    assert attachment.inputs["role"] == role.id
    instances = plan.by_type(INSTANCE)
    assert len(instances) == 3  # primary, replica, cross-region replica
    for instance in instances:
        assert instance.depends_on(attachment)
        assert instance.inputs["monitoringRoleArn"] == role.state["arn"]


def test_monitoring_interval_zero_creates_no_role():
    plan = plan_of(monitoring_interval_seconds=0)
    assert not plan.by_type("aws:iam/role:Role")
    primary = plan.one(INSTANCE, "db-primary").inputs
    assert primary["monitoringInterval"] == 0 and "monitoringRoleArn" not in primary


# -------------------------------------------------------------------- replicas


def test_replicas_are_encrypted_monitored_tagged_and_each_in_another_zone():
    plan = plan_of(**PROD_LIKE)
    key_arn = plan.one("aws:kms/key:Key", "db-key").state["arn"]
    found = replicas(plan)
    assert [r.name for r in found] == ["db-replica-1", "db-replica-2", "db-replica-3"]
    assert [r.inputs["availabilityZone"] for r in found] == ["us-east-1b", "us-east-1c", "us-east-1a"]
    for number, replica in enumerate(found, start=1):
        i = replica.inputs
        assert i["identifier"] == f"webstack-test-db-replica-{number}"
        assert i["replicateSourceDb"] == "webstack-test-db"
        assert i["storageEncrypted"] is True and i["kmsKeyId"] == key_arn
        assert i["publiclyAccessible"] is False and i["iamDatabaseAuthenticationEnabled"] is True
        assert i["monitoringInterval"] == 60 and i["performanceInsightsEnabled"] is True
        assert i["parameterGroupName"] == plan.one("aws:rds/parameterGroup:ParameterGroup", "db-params").id
        assert i["vpcSecurityGroupIds"] == [LINKS["security_group_id"]]
        assert i["deletionProtection"] is True and i["skipFinalSnapshot"] is True and i["multiAz"] is False
        assert i["tags"] == {"Name": f"webstack-test-db-replica-{number}", "Role": "replica",
                             "ReplicaOf": "webstack-test-db"}


def test_two_replicas_avoid_the_primary_zone():
    plan = plan_of(replicas=2)
    primary_zone = plan.one(INSTANCE, "db-primary").inputs["availabilityZone"]
    zones = [r.inputs["availabilityZone"] for r in replicas(plan)]
    assert len(set(zones)) == 2 and primary_zone not in zones


def test_replicas_are_created_in_parallel_from_the_primary():
    plan = plan_of(replicas=5)
    primary = plan.one(INSTANCE, "db-primary")
    found = replicas(plan)
    assert len(found) == 5
    for replica in found:
        assert replica.depends_on(primary)
        assert replica.property_dependencies["replicateSourceDb"] == [primary.urn]
        assert not [other for other in found if replica.depends_on(other)]


def test_no_replicas_means_reads_go_to_the_primary():
    plan = plan_of()
    assert not replicas(plan)
    assert not plan.by_type("aws:route53/zone:Zone")
    outputs = component(plan).component_outputs
    assert outputs["reader_endpoint"] == outputs["writer_endpoint"] == plan.one(INSTANCE, "db-primary").state["address"]
    assert outputs["replica_identifiers"] == []


# ------------------------------------------------------------- reader endpoint


def test_the_reader_endpoint_is_a_private_weighted_name_over_the_replicas():
    plan = plan_of(replicas=2)
    zone = plan.one("aws:route53/zone:Zone")
    assert zone.inputs["name"] == "webstack-test-db.internal"
    assert zone.inputs["vpcs"] == [{"vpcId": LINKS["vpc_id"]}]
    records = plan.by_type("aws:route53/record:Record")
    addresses = {r.state["address"] for r in replicas(plan)}
    assert {r.inputs["records"][0] for r in records} == addresses
    for record in records:
        assert record.inputs["zoneId"] == zone.id
        assert record.inputs["name"] == "reader.webstack-test-db.internal"
        assert record.inputs["type"] == "CNAME" and record.inputs["ttl"] == 5
        assert record.inputs["weightedRoutingPolicies"] == [{"weight": 1}]
    assert len({r.inputs["setIdentifier"] for r in records}) == 2
    assert component(plan).component_outputs["reader_endpoint"] == "reader.webstack-test-db.internal"


def test_a_lagging_or_silent_replica_leaves_reader_rotation():
    plan = plan_of(replicas=2, reader_max_lag_seconds=30)
    for number, replica in enumerate(replicas(plan), start=1):
        alarm = next(r for r in plan.named(f"db-replica-{number}-rotation") if r.type.endswith("MetricAlarm"))
        check = next(r for r in plan.named(f"db-replica-{number}-rotation") if r.type.endswith("HealthCheck"))
        record = plan.get(f"db-reader-{number}")
        assert alarm.inputs["metricName"] == "ReplicaLag" and alarm.inputs["namespace"] == "AWS/RDS"
        assert alarm.inputs["dimensions"] == {"DBInstanceIdentifier": replica.inputs["identifier"]}
        assert alarm.inputs["threshold"] == 30 and alarm.inputs["treatMissingData"] == "breaching"
        assert check.inputs["type"] == "CLOUDWATCH_METRIC"
        assert check.inputs["cloudwatchAlarmName"] == alarm.inputs["name"]
        assert check.inputs["cloudwatchAlarmRegion"] == "us-east-1"
        assert record.inputs["healthCheckId"] == check.id


def test_reader_rotation_by_lag_can_be_turned_off():
    plan = plan_of(replicas=2, reader_max_lag_seconds=None)
    assert not plan.by_type("aws:route53/healthCheck:HealthCheck")
    assert not plan.by_type("aws:cloudwatch/metricAlarm:MetricAlarm")
    assert all("healthCheckId" not in r.inputs for r in plan.by_type("aws:route53/record:Record"))


def test_the_reader_zone_name_can_be_chosen():
    plan = plan_of(replicas=1, reader_zone_name="orders.db.internal")
    assert plan.one("aws:route53/zone:Zone").inputs["name"] == "orders.db.internal"
    assert component(plan).component_outputs["reader_endpoint"] == "reader.orders.db.internal"


# ----------------------------------------------------------------------- proxy


def test_pooling_puts_a_tls_only_proxy_in_front_of_the_primary():
    plan = plan_of(**PROD_LIKE)
    primary = plan.one(INSTANCE, "db-primary")
    secret_arn = master_secret_arn(plan)
    proxy = plan.one("aws:rds/proxy:Proxy")
    i = proxy.inputs
    assert i["engineFamily"] == "POSTGRESQL" and i["requireTls"] is True
    # With replicas the secret is generated: the proxy is created from its ARN alongside the
    # primary, and registering the primary as its target waits until the value is stored.
    stored = plan.one("aws:secretsmanager/secretVersion:SecretVersion")
    assert not proxy.depends_on(stored) and not proxy.depends_on(primary)
    assert plan.one("aws:rds/proxyTarget:ProxyTarget").depends_on(stored)
    assert i["name"] == "webstack-test-db-proxy"
    assert i["vpcSecurityGroupIds"] == [LINKS["security_group_id"]] and i["vpcSubnetIds"] == LINKS["subnet_ids"]
    assert i["auths"] == [{"authScheme": "SECRETS", "secretArn": secret_arn, "iamAuth": "DISABLED",
                           "clientPasswordAuthType": "POSTGRES_SCRAM_SHA_256",
                           "description": "Master user of webstack-test-db"}]
    pool = plan.one("aws:rds/proxyDefaultTargetGroup:ProxyDefaultTargetGroup").inputs["connectionPoolConfig"]
    assert pool["maxConnectionsPercent"] == proxy_pool_percent(1622, 25, 20) == 31
    assert pool["maxIdleConnectionsPercent"] == 15
    target = plan.one("aws:rds/proxyTarget:ProxyTarget")
    assert target.inputs["dbInstanceIdentifier"] == "webstack-test-db" and target.depends_on(primary)
    assert target.inputs["targetGroupName"] == "default"
    outputs = component(plan).component_outputs
    assert outputs["proxy_endpoint"] == proxy.state["endpoint"]
    assert outputs["proxy_name"] == "webstack-test-db-proxy"
    assert outputs.get("proxy_reader_endpoint") is None  # RDS Proxy read-only endpoints are Aurora-only


def test_the_proxy_role_reads_only_the_master_secret():
    plan = plan_of(pooling=True)
    role = plan.one("aws:iam/role:Role", "db-proxy")
    assert json.loads(role.inputs["assumeRolePolicy"])["Statement"][0]["Principal"] == {"Service": "rds.amazonaws.com"}
    policy = json.loads(plan.one("aws:iam/rolePolicy:RolePolicy", "db-proxy").inputs["policy"])
    statements = {s["Sid"]: s for s in policy["Statement"]}
    secret_arn = master_secret_arn(plan)
    assert statements["ReadMasterSecret"]["Action"] == "secretsmanager:GetSecretValue"
    assert statements["ReadMasterSecret"]["Resource"] == secret_arn
    assert statements["DecryptMasterSecret"]["Resource"] == plan.one("aws:kms/key:Key").state["arn"]
    assert statements["DecryptMasterSecret"]["Condition"] == {
        "StringEquals": {"kms:ViaService": "secretsmanager.us-east-1.amazonaws.com"}}
    assert plan.one("aws:rds/proxy:Proxy").inputs["roleArn"] == role.state["arn"]


def test_proxy_clients_can_be_required_to_use_iam():
    plan = plan_of(pooling=True, proxy_iam_auth=True)
    assert plan.one("aws:rds/proxy:Proxy").inputs["auths"][0]["iamAuth"] == "REQUIRED"


def test_without_pooling_there_is_no_proxy():
    plan = plan_of()
    assert not [r for r in plan if r.type.startswith("aws:rds/proxy")]
    outputs = component(plan).component_outputs
    assert outputs.get("proxy_endpoint") is None and outputs.get("proxy_name") is None


# --------------------------------------------------------- cross-region replica


def test_the_cross_region_replica_has_its_own_key_subnets_and_parameters_there():
    plan = plan_of(**REMOTE)
    primary = plan.one(INSTANCE, "db-primary")
    remote = plan.one(INSTANCE, "db-replica-eu-central-1")
    key = plan.one("aws:kms/key:Key", "db-key-eu-central-1")
    subnets = plan.one("aws:rds/subnetGroup:SubnetGroup", "db-subnets-eu-central-1")
    params = plan.one("aws:rds/parameterGroup:ParameterGroup", "db-params-eu-central-1")
    assert key.inputs["region"] == subnets.inputs["region"] == params.inputs["region"] == "eu-central-1"
    assert key.inputs["enableKeyRotation"] is True and key.state["arn"].startswith("arn:aws:kms:eu-central-1:")
    assert subnets.inputs["subnetIds"] == REMOTE["cross_region_subnet_ids"]
    i = remote.inputs
    assert i["region"] == "eu-central-1" and i["identifier"] == "webstack-test-db-eu-central-1"
    assert i["replicateSourceDb"] == primary.state["arn"]  # cross-region sources are named by ARN
    assert i["storageEncrypted"] is True and i["kmsKeyId"] == key.state["arn"]
    assert i["performanceInsightsKmsKeyId"] == key.state["arn"]
    assert i["dbSubnetGroupName"] == subnets.id and i["parameterGroupName"] == params.id
    assert i["vpcSecurityGroupIds"] == [REMOTE["cross_region_security_group_id"]]
    assert i["publiclyAccessible"] is False and i["multiAz"] is False and i["skipFinalSnapshot"] is True
    assert i["tags"] == {"Name": "webstack-test-db-eu-central-1", "Role": "cross-region-replica",
                         "ReplicaOf": "webstack-test-db"}
    for log in ("postgresql", "upgrade"):
        group = plan.get(f"db-replica-eu-central-1-{log}-logs")
        assert group.inputs["name"] == f"/aws/rds/instance/webstack-test-db-eu-central-1/{log}"
        assert group.inputs["region"] == "eu-central-1" and group.inputs["kmsKeyId"] == key.state["arn"]
        assert remote.depends_on(group)
    outputs = component(plan).component_outputs
    assert outputs["cross_region_replica_arn"] == remote.state["arn"]
    assert outputs["replica_identifiers"] == []  # in-region replicas only


def test_the_cross_region_replica_is_named_for_alerting_in_its_region():
    """``Alerting(..., database=db)`` reads these two to put the DR replica's lag alarm
    where its metric is."""
    plan = plan_of(**REMOTE)
    remote = plan.one(INSTANCE, "db-replica-eu-central-1")
    outputs = component(plan).component_outputs
    assert outputs["cross_region_replica_identifier"] == remote.state["identifier"] == "webstack-test-db-eu-central-1"
    assert outputs["cross_region_replica_region"] == remote.inputs["region"] == "eu-central-1"
    local = component(plan_of()).component_outputs
    assert "cross_region_replica_identifier" not in local and "cross_region_replica_region" not in local


def test_the_cross_region_replica_is_not_in_reader_rotation():
    plan = plan_of(replicas=1, **REMOTE)
    records = plan.by_type("aws:route53/record:Record")
    assert [r.inputs["records"] for r in records] == [[plan.one(INSTANCE, "db-replica-1").state["address"]]]


# ------------------------------------------------------------ protect, snapshots


def test_protected_data_is_protected_retained_and_snapshotted():
    plan = plan_of(**PROD_LIKE)
    stateful = plan.by_type(INSTANCE) + plan.by_type("aws:kms/key:Key") + plan.by_type("aws:secretsmanager/secret:Secret")
    assert len(stateful) == 4 + 1 + 2 + 1  # primary, 3 replicas, cross-region replica; two keys; master secret
    for res in stateful:
        assert res.protect and res.retain_on_delete, res.name
    primary = plan.one(INSTANCE, "db-primary").inputs
    assert primary["deletionProtection"] is True and primary["skipFinalSnapshot"] is False
    assert primary["finalSnapshotIdentifier"] == final_snapshot_name(plan, "db-final-snapshot", "webstack-test-db")
    assert primary["deleteAutomatedBackups"] is False
    assert plan.one("aws:kms/key:Key", "db-key").inputs["deletionWindowInDays"] == 30
    # Only stateful resources are protected; the rest can be replaced freely.
    assert not [r for r in plan if r.protect and r not in stateful]


def final_snapshot_name(plan: Plan, random_name: str, identifier: str) -> str:
    """``<identifier>-final-<suffix>`` of the RandomString ``random_name`` (unique per incarnation)."""
    suffix = plan.one("random:index/randomString:RandomString", random_name)
    return f"{identifier}-final-{suffix.state['result']}"


def test_every_incarnation_of_the_primary_gets_its_own_final_snapshot_name():
    # RDS refuses a deletion whose final snapshot name exists: a fixed "<id>-final" makes the
    # second deletion (a replacement, or destroy and re-create) fail. The suffix is a random
    # string replaced together with the instance: keyed on what replaces an RDS instance.
    plan = plan_of(**PROD_LIKE)
    primary = plan.one(INSTANCE, "db-primary")
    suffix = plan.one("random:index/randomString:RandomString", "db-final-snapshot")
    name = primary.inputs["finalSnapshotIdentifier"]
    assert name != "webstack-test-db-final" and name.startswith("webstack-test-db-final-")
    assert re.fullmatch(r"[a-z][a-z0-9-]*[a-z0-9]", name) and "--" not in name and len(name) <= 255
    assert (suffix.inputs["length"], suffix.inputs["special"], suffix.inputs["upper"]) == (8, False, False)
    assert primary.depends_on(suffix) and suffix.parent == component(plan).urn
    key = plan.one("aws:kms/key:Key", "db-key")
    assert suffix.inputs["keepers"] == {
        "identifier": "webstack-test-db", "engine": "postgres", "db_name": "app", "username": "webstack_admin",
        "kms_key_id": key.state["arn"], "storage_encrypted": "true", "region": "us-east-1"}
    # A Single-AZ primary is pinned to a zone, and moving it replaces it: the zone is a keeper too.
    single = plan_of(replicas=1)
    assert single.one("random:index/randomString:RandomString", "db-final-snapshot").inputs["keepers"][
        "availability_zone"] == single.one(INSTANCE, "db-primary").inputs["availabilityZone"]


def test_unprotected_data_can_be_deleted_without_a_snapshot():
    plan = plan_of(deletion_protection=False, skip_final_snapshot=True, replicas=1)
    primary = plan.one(INSTANCE, "db-primary")
    assert not primary.protect and not primary.retain_on_delete
    assert primary.inputs["deletionProtection"] is False and primary.inputs["skipFinalSnapshot"] is True
    assert "finalSnapshotIdentifier" not in primary.inputs
    assert not plan.by_type("random:index/randomString:RandomString")
    assert primary.inputs["deleteAutomatedBackups"] is True


def test_fixed_identifiers_are_replaced_delete_first():
    plan = plan_of(replicas=1, **REMOTE)
    instances = plan.by_type(INSTANCE)
    assert len(instances) == 3 and all(i.delete_before_replace for i in instances)


def test_the_proxy_is_replaced_delete_first_because_its_name_is_fixed():
    # New subnets replace a proxy (RDS cannot move one); created first, the new proxy would
    # fail on the name the old one still holds.
    proxy = plan_of(pooling=True).one("aws:rds/proxy:Proxy")
    assert proxy.inputs["name"] == "webstack-test-db-proxy" and proxy.delete_before_replace


def test_the_override_allows_protected_data_without_deletion_protection():
    plan = plan_of(protect=True, deletion_protection=False, allow_unprotected_prod=True)
    primary = plan.one(INSTANCE, "db-primary")
    assert primary.protect and primary.inputs["deletionProtection"] is False


# ----------------------------------------------------------- component shape


def test_outputs_are_registered_and_match_the_resources():
    plan = plan_of(**PROD_LIKE)
    primary = plan.one(INSTANCE, "db-primary")
    found = replicas(plan)
    outputs = component(plan).component_outputs
    assert outputs["writer_endpoint"] == primary.state["address"]
    assert outputs["port"] == 5432
    assert outputs["secret_arn"] == master_secret_arn(plan)
    assert outputs["security_group_id"] == LINKS["security_group_id"]
    assert outputs["primary_identifier"] == "webstack-test-db" and outputs["primary_arn"] == primary.state["arn"]
    assert outputs["replica_identifiers"] == [r.inputs["identifier"] for r in found]
    assert outputs["replica_arns"] == [r.state["arn"] for r in found]
    assert outputs["replica_endpoints"] == [r.state["address"] for r in found]
    assert outputs["database_name"] == "app"
    assert outputs["allocated_storage_gb"] == 20
    assert outputs["kms_key_arn"] == plan.one("aws:kms/key:Key", "db-key").state["arn"]
    assert not any(isinstance(v, Secret) for v in outputs.values())


def test_every_resource_is_a_descendant_of_the_component():
    plan = plan_of(**PROD_LIKE)
    root = component(plan)
    assert {r.urn for r in plan.descendants(root)} == {r.urn for r in plan if r.urn != root.urn}


def test_callers_options_are_honoured():
    def program():
        provider = pulumi.ProviderResource("aws", "eu", {"region": "eu-west-1"})
        Database("db", args(replicas=1), opts=pulumi.ResourceOptions(providers={"aws": provider}, protect=True))

    plan = synth(program)
    provider = plan.one("pulumi:providers:aws")
    custom = [r for r in plan if r.custom and r.type.startswith("aws:")]
    assert custom and all(r.provider_urn == provider.urn for r in custom)
    assert plan.one(INSTANCE, "db-primary").state["arn"].startswith("arn:aws:rds:eu-west-1:")
    assert component(plan).protect and all(r.protect for r in custom)  # protect flows down from the caller


def test_an_explicit_identifier_names_everything():
    plan = plan_of(identifier="orders", replicas=1, pooling=True)
    assert plan.one(INSTANCE, "db-primary").inputs["identifier"] == "orders"
    assert plan.one(INSTANCE, "db-replica-1").inputs["identifier"] == "orders-replica-1"
    assert plan.one("aws:rds/proxy:Proxy").inputs["name"] == "orders-proxy"


# ---------------------------------------------------------------- Args errors


@pytest.mark.parametrize(
    "overrides, field",
    [
        ({"engine_version": "12"}, "database.engine_version"),
        ({"engine_version": "latest"}, "database.engine_version"),
        ({"instance_class": "r7g.large"}, "database.instance_class"),
        ({"instance_class": "db.foo.bar"}, "database.instance_class"),
        ({"max_connections": 10}, "database.max_connections"),
        ({"allocated_storage_gb": 10}, "database.allocated_storage_gb"),
        ({"max_allocated_storage_gb": 70000}, "database.max_allocated_storage_gb"),
        ({"allocated_storage_gb": 200, "max_allocated_storage_gb": 100}, "database.max_allocated_storage_gb"),
        ({"replicas": 6}, "database.replicas"),
        ({"replicas": -1}, "database.replicas"),
        ({"backup_retention_days": 0}, "database.backup_retention_days"),
        ({"backup_retention_days": 36}, "database.backup_retention_days"),
        ({"backup_window": "1:00-2:00"}, "database.backup_window"),
        ({"maintenance_window": "sunday 4am"}, "database.maintenance_window"),
        ({"backup_window": "03:00-03:15"}, "database.backup_window"),  # RDS: at least 30 minutes
        ({"maintenance_window": "sun:04:00-sun:04:20"}, "database.maintenance_window"),  # at least 30 minutes
        ({"backup_window": "03:30-04:30"}, "database.backup_window"),  # overlaps sun:04:00-sun:05:00
        ({"backup_window": "23:30-00:30", "maintenance_window": "mon:00:00-mon:01:00"}, "database.backup_window"),
        ({"subnet_ids": ["subnet-0000000000000000a"]}, "database.subnet_ids"),
        ({**REMOTE, "cross_region_replica": "europe"}, "database.cross_region_replica"),
        ({**REMOTE, "cross_region_subnet_ids": []}, "database.cross_region_subnet_ids"),
        ({**REMOTE, "cross_region_subnet_ids": ["subnet-0000000000000000f"]}, "database.cross_region_subnet_ids"),
        ({**REMOTE, "cross_region_security_group_id": None}, "database.cross_region_security_group_id"),
        ({"cross_region_subnet_ids": ["subnet-0000000000000000f"]}, "database.cross_region_subnet_ids"),
        ({"protect": True, "deletion_protection": False}, "database.deletion_protection"),
        ({"protect": True, "skip_final_snapshot": True}, "database.skip_final_snapshot"),
        ({"connections_per_app_instance": 0}, "database.connections_per_app_instance"),
        ({"app_max_instances": 0}, "database.app_max_instances"),
        ({"monitoring_interval_seconds": 2}, "database.monitoring_interval_seconds"),
        ({"performance_insights_retention_days": 8}, "database.performance_insights_retention_days"),
        ({"performance_insights_retention_days": 744}, "database.performance_insights_retention_days"),
        ({"slow_query_ms": -1}, "database.slow_query_ms"),
        ({"log_retention_days": 8}, "database.log_retention_days"),
        ({"database_name": "App"}, "database.database_name"),
        ({"database_name": "template1"}, "database.database_name"),
        ({"master_username": "postgres"}, "database.master_username"),
        ({"master_username": "rdsuser"}, "database.master_username"),
        ({"master_username": "a_very_long_username_indeed"}, "database.master_username"),
        ({"port": 80}, "database.port"),
        ({"identifier": "Bad_Id"}, "database.identifier"),
        ({"identifier": "a" * 41}, "database.identifier"),
        ({"identifier": "double--hyphen"}, "database.identifier"),
        ({"reader_zone_name": "Not A Zone"}, "database.reader_zone_name"),
        ({"reader_max_lag_seconds": 0}, "database.reader_max_lag_seconds"),
        ({"instance_class": "db.t4g.micro", "connections_per_app_instance": 25, "app_max_instances": 20},
         "database.pooling"),
    ],
)
def test_each_bad_setting_is_refused_before_anything_is_registered(overrides, field):
    assert_args_error(lambda: args(**overrides), field)


def test_an_args_error_reads_field_value_and_what_is_allowed():
    with pytest.raises(ArgsError, match=r"^database\.replicas = 6: must be between 0 and 5$"):
        args(replicas=6)


def test_the_connection_budget_rule_explains_itself_and_pooling_lifts_it():
    with pytest.raises(ArgsError, match=r"25 x 20 = 500 connections, over 80 % of max_connections 101"):
        args(instance_class="db.t4g.micro", connections_per_app_instance=25, app_max_instances=20)
    assert args(instance_class="db.t4g.micro", connections_per_app_instance=25, app_max_instances=20, pooling=True)


def test_valid_edge_values_are_accepted():
    assert args(replicas=5, backup_retention_days=35, performance_insights_retention_days=731,
                monitoring_interval_seconds=0, engine_version="17.10", port=1150)


def test_the_subnet_group_is_an_output_so_a_restore_lands_in_the_databases_subnets():
    plan = plan_of()
    group = plan.one("aws:rds/subnetGroup:SubnetGroup")
    assert plan.one(INSTANCE, "db-primary").inputs["dbSubnetGroupName"] == group.id
    assert component(plan).component_outputs["subnet_group_name"] == group.id  # its id is its name


def test_windows_that_rds_would_refuse_are_refused_with_the_reason():
    with pytest.raises(ArgsError, match=r"^database\.backup_window = '03:30-04:30': must not overlap "
                                        r"maintenance_window \(sun:04:00-sun:05:00\)"):
        args(backup_window="03:30-04:30")
    with pytest.raises(ArgsError, match=r"^database\.backup_window = '03:00-03:15': must be at least 30 minutes"):
        args(backup_window="03:00-03:15")
    # Touching is not overlapping; a window across midnight is measured across midnight.
    assert args(backup_window="03:00-04:00", maintenance_window="sun:04:00-sun:05:00")
    assert args(backup_window="23:45-00:15", maintenance_window="sat:22:00-sat:23:00")


def test_resizing_the_instance_changes_max_connections_in_place_and_never_replaces_the_parameter_group():
    # RDS cannot change a parameter group's description (the provider replaces the group when
    # it changes), so the description names no value that follows the class.
    groups = [plan_of(instance_class=cls).one("aws:rds/parameterGroup:ParameterGroup")
              for cls in ("db.t4g.medium", "db.r7g.large")]
    assert groups[0].inputs["description"] == groups[1].inputs["description"]
    assert groups[0].inputs["parameters"] != groups[1].inputs["parameters"]
    assert all("description" in group.ignore_changes for group in groups)


def test_an_instance_stays_in_the_zone_it_was_created_in():
    # An RDS instance's AZ can only change by replacement: a different desired zone (multi_az
    # turned off after a failover moved the primary, reordered subnets, more AZs shifting the
    # replicas' round-robin) must never delete a database to recreate it elsewhere.
    plan = plan_of(replicas=2, **REMOTE)
    in_region = [plan.one(INSTANCE, "db-primary"), *replicas(plan)]
    assert [i.inputs["availabilityZone"] for i in in_region] == ZONES
    assert all("availabilityZone" in i.ignore_changes for i in in_region)


def test_the_proxy_logs_to_a_precreated_encrypted_group_with_retention():
    # RDS Proxy writes to /aws/rds/proxy/<name>; created by the service it would never expire
    # and use no key. It must exist before the proxy does.
    plan = plan_of(pooling=True, log_retention_days=90)
    group = plan.one("aws:cloudwatch/logGroup:LogGroup", "db-proxy-logs")
    assert group.inputs["name"] == "/aws/rds/proxy/webstack-test-db-proxy"
    assert group.inputs["retentionInDays"] == 90
    assert group.inputs["kmsKeyId"] == plan.one("aws:kms/key:Key", "db-key").state["arn"]
    proxy = plan.one("aws:rds/proxy:Proxy")
    assert proxy.inputs["name"] == "webstack-test-db-proxy" and proxy.depends_on(group)
    assert "db-proxy-logs" not in {g.name for g in plan_of().by_type("aws:cloudwatch/logGroup:LogGroup")}
