"""Specification of the data tier as each shipped stack wires it: what dev, staging and prod
get from their tier defaults, how the database and cache are linked to the network, what
is exported, and that bad data-tier settings stop the program before anything is built."""

from __future__ import annotations

import json

import pytest

from pulumi_webstack.database import max_connections_for, proxy_pool_percent
from infra.config import ConfigError
from pulumi_webstack_cli.engine import Plan, Secret, synth_stack
from tests.conftest import cached_plan

INSTANCE = "aws:rds/instance:Instance"
GROUP = "aws:elasticache/replicationGroup:ReplicationGroup"


def final_snapshot(plan, component: str) -> str:
    """``webstack-prod-<component>-final-<suffix>``: a new suffix per incarnation (no name reuse)."""
    suffix = plan.one("random:index/randomString:RandomString", f"{component}-final-snapshot").state["result"]
    return f"webstack-prod-{component}-final-{suffix}"


def in_region_replicas(plan: Plan):
    return [r for r in plan.by_type(INSTANCE) if "replicateSourceDb" in r.inputs and "region" not in r.inputs]


def network_subnets(plan: Plan, prefix: str = "network-private-"):
    return [s for s in plan.by_type("aws:ec2/subnet:Subnet") if s.name.startswith(prefix)]


# ------------------------------------------------------------------------ dev


def test_dev_has_one_small_unprotected_instance_and_a_single_node_cache():
    plan = cached_plan("dev")
    primary = plan.one(INSTANCE, "database-primary")
    assert [r.name for r in plan.by_type(INSTANCE)] == ["database-primary"]
    i = primary.inputs
    assert i["instanceClass"] == "db.t4g.micro" and i["multiAz"] is False
    assert i["storageEncrypted"] is True and i["backupRetentionPeriod"] == 3
    assert i["deletionProtection"] is False and i["skipFinalSnapshot"] is True
    assert not primary.protect
    assert not plan.by_type("aws:rds/proxy:Proxy") and not plan.by_type("aws:route53/zone:Zone")
    group = plan.one(GROUP).inputs
    assert group["numCacheClusters"] == 1 and group["automaticFailoverEnabled"] is False
    assert group["transitEncryptionMode"] == "required" and group["snapshotRetentionLimit"] == 0
    assert not [r for r in plan if r.protect]
    assert plan.outputs["databaseReaderEndpoint"] == plan.outputs["databaseWriterEndpoint"]
    assert "databaseProxyEndpoint" not in plan.outputs
    # No replicas: RDS manages (and rotates) the master password.
    assert i["manageMasterUserPassword"] is True
    assert plan.outputs["databaseSecretArn"] == primary.state["masterUserSecrets"][0]["secretArn"]


# -------------------------------------------------------------------- staging


def test_staging_has_a_replica_in_another_zone_pooling_and_a_replicated_cache():
    plan = cached_plan("staging")
    primary = plan.one(INSTANCE, "database-primary")
    replicas = in_region_replicas(plan)
    assert len(replicas) == 1
    assert replicas[0].inputs["availabilityZone"] != primary.inputs["availabilityZone"]
    assert primary.inputs["backupRetentionPeriod"] == 7 and primary.inputs["skipFinalSnapshot"] is False
    proxy = plan.one("aws:rds/proxy:Proxy")
    assert proxy.inputs["requireTls"] is True
    assert plan.outputs["databaseProxyEndpoint"] == proxy.state["endpoint"]
    assert plan.outputs["databaseReaderEndpoint"] == "reader.webstack-staging-database.internal"
    group = plan.one(GROUP).inputs
    assert group["numCacheClusters"] == 2 and group["automaticFailoverEnabled"] is True
    assert group["multiAzEnabled"] is True  # so staging rehearses prod's cache drill (test_drills)


# ----------------------------------------------------------------------- prod


def test_prod_primary_is_multi_az_encrypted_protected_and_kept():
    plan = cached_plan("prod")
    primary = plan.one(INSTANCE, "database-primary")
    key = plan.one("aws:kms/key:Key", "database-key")
    i = primary.inputs
    assert i["multiAz"] is True and "availabilityZone" not in i
    assert i["storageEncrypted"] is True and i["kmsKeyId"] == key.state["arn"]
    assert i["instanceClass"] == "db.r7g.large"
    assert i["backupRetentionPeriod"] == 30 and i["deletionProtection"] is True
    assert i["skipFinalSnapshot"] is False and i["finalSnapshotIdentifier"] == final_snapshot(plan, "database")
    assert i["performanceInsightsRetentionPeriod"] == 31 and i["monitoringInterval"] == 15
    assert i["applyImmediately"] is False
    assert primary.protect and primary.retain_on_delete and key.protect
    params = {p["name"]: p["value"] for p in plan.one("aws:rds/parameterGroup:ParameterGroup", "database-params")
              .inputs["parameters"]}
    assert params["rds.force_ssl"] == "1" and params["log_min_duration_statement"] == "500"
    assert params["max_connections"] == str(max_connections_for("db.r7g.large"))


def test_prod_replicas_are_in_different_zones_and_built_in_parallel():
    plan = cached_plan("prod")
    primary = plan.one(INSTANCE, "database-primary")
    replicas = in_region_replicas(plan)
    assert len(replicas) == 3  # Pulumi.prod.yaml asks for 3 (the tier minimum is 2)
    assert len({r.inputs["availabilityZone"] for r in replicas}) == 3
    for replica in replicas:
        assert replica.inputs["replicateSourceDb"] == "webstack-prod-database"
        assert replica.inputs["storageEncrypted"] is True and replica.protect
        assert not [other for other in replicas if replica.depends_on(other)]
        assert replica.depends_on(primary)
    records = plan.by_type("aws:route53/record:Record")
    reader_records = [r for r in records if r.name.startswith("database-reader-")]
    assert sorted(r.inputs["records"][0] for r in reader_records) == sorted(r.state["address"] for r in replicas)


def test_prod_cross_region_replica_lives_in_a_private_network_of_its_region():
    plan = cached_plan("prod")
    remote = plan.one(INSTANCE, "database-replica-eu-central-1")
    assert remote.inputs["region"] == "eu-central-1"
    assert remote.inputs["replicateSourceDb"] == plan.one(INSTANCE, "database-primary").state["arn"]
    remote_network = plan.one("webstack:index:Network", "network-eu-central-1")
    provider = plan.by_urn(next(s.provider_urn for s in network_subnets(plan, "network-eu-central-1-private-")))
    assert provider.inputs["region"] == "eu-central-1"
    subnets = network_subnets(plan, "network-eu-central-1-private-")
    assert len(subnets) == 3
    assert {s.inputs["cidrBlock"] for s in subnets} <= {"10.142.0.0/20", "10.142.16.0/20", "10.142.32.0/20"}
    group = plan.one("aws:rds/subnetGroup:SubnetGroup", "database-subnets-eu-central-1")
    assert group.inputs["subnetIds"] == [s.id for s in subnets]
    assert remote.inputs["vpcSecurityGroupIds"] == [remote_network.component_outputs["database_security_group_id"]]
    assert not plan.by_type("aws:ec2/internetGateway:InternetGateway")
    assert plan.outputs["databaseCrossRegionReplicaEndpoint"] == remote.state["address"]
    # The generated master secret (RDS cannot replicate an RDS-managed one) follows to the DR region.
    secret = plan.one("aws:secretsmanager/secret:Secret", "database-master")
    assert [r["region"] for r in secret.inputs["replicas"]] == ["eu-central-1"]
    assert plan.outputs["databaseSecretArn"] == secret.state["arn"]


def test_prod_pool_is_sized_for_the_app_tier():
    pool = cached_plan("prod").one("aws:rds/proxyDefaultTargetGroup:ProxyDefaultTargetGroup").inputs
    # 25 connections x 20 app instances against max_connections of db.r7g.large.
    assert pool["connectionPoolConfig"]["maxConnectionsPercent"] == proxy_pool_percent(
        max_connections_for("db.r7g.large"), 25, 20)


def test_prod_cache_fails_over_across_zones_with_tls_snapshots_and_protection():
    plan = cached_plan("prod")
    group = plan.one(GROUP)
    i = group.inputs
    assert i["numCacheClusters"] == 3 and len(set(i["preferredCacheClusterAzs"])) == 3
    assert i["automaticFailoverEnabled"] is True and i["multiAzEnabled"] is True
    assert i["transitEncryptionEnabled"] is True and i["transitEncryptionMode"] == "required"
    assert i["atRestEncryptionEnabled"] is True and isinstance(i["authToken"], Secret)
    assert i["snapshotRetentionLimit"] == 7 and i["finalSnapshotIdentifier"] == final_snapshot(plan, "cache")
    assert i["applyImmediately"] is False and i["nodeType"] == "cache.r7g.large"
    assert group.protect and group.retain_on_delete


# --------------------------------------------------------------- every tier


def test_the_data_tier_sits_in_the_stack_network(each_stack):
    plan = cached_plan(each_stack)
    network = plan.one("webstack:index:Network", "network").component_outputs
    subnet_ids = [s.id for s in network_subnets(plan)]
    assert plan.one("aws:rds/subnetGroup:SubnetGroup", "database-subnets").inputs["subnetIds"] == subnet_ids
    assert plan.one("aws:elasticache/subnetGroup:SubnetGroup").inputs["subnetIds"] == subnet_ids
    for instance in plan.by_type(INSTANCE):
        if "region" not in instance.inputs:
            assert instance.inputs["vpcSecurityGroupIds"] == [network["database_security_group_id"]]
            assert instance.inputs["publiclyAccessible"] is False
    assert plan.one(GROUP).inputs["securityGroupIds"] == [network["cache_security_group_id"]]
    for zone in plan.by_type("aws:route53/zone:Zone"):
        if zone.name == "database-reader":
            assert zone.inputs["vpcs"] == [{"vpcId": network["vpc_id"]}]
    main_provider = plan.one("pulumi:providers:aws", "aws").urn
    for name in ("database-primary", "cache-group"):
        assert plan.get(name).provider_urn == main_provider


def test_the_data_tier_components_are_registered_with_their_outputs(each_stack):
    plan = cached_plan(each_stack)
    database = plan.one("webstack:index:Database", "database").component_outputs
    cache = plan.one("webstack:index:Cache", "cache").component_outputs
    network = plan.one("webstack:index:Network", "network").component_outputs
    assert {"writer_endpoint", "reader_endpoint", "port", "secret_arn", "security_group_id", "primary_identifier",
            "primary_arn", "replica_identifiers", "database_name", "max_connections", "allocated_storage_gb",
            "kms_key_arn"} <= set(database)
    assert {"primary_endpoint", "reader_endpoint", "port", "auth_secret_arn", "replication_group_id",
            "member_clusters", "arn", "kms_key_arn"} <= set(cache)
    # What is registered is what was built and what the stack exports.
    primary = plan.one(INSTANCE, "database-primary")
    params = {p["name"]: p["value"] for p in plan.one("aws:rds/parameterGroup:ParameterGroup", "database-params")
              .inputs["parameters"]}
    assert database["writer_endpoint"] == primary.state["address"] == plan.outputs["databaseWriterEndpoint"]
    assert database["reader_endpoint"] == plan.outputs["databaseReaderEndpoint"]
    assert database["port"] == primary.inputs["port"] == plan.outputs["databasePort"]
    assert database["secret_arn"] == plan.outputs["databaseSecretArn"]
    assert database["security_group_id"] == network["database_security_group_id"]
    assert database["primary_identifier"] == primary.inputs["identifier"]
    assert database["primary_arn"] == primary.state["arn"]
    assert database["replica_identifiers"] == [r.inputs["identifier"] for r in in_region_replicas(plan)]
    assert database["database_name"] == primary.inputs["dbName"] == plan.outputs["databaseName"]
    assert database["max_connections"] == int(params["max_connections"])
    assert database["allocated_storage_gb"] == primary.inputs["allocatedStorage"]
    assert database["kms_key_arn"] == plan.one("aws:kms/key:Key", "database-key").state["arn"]
    group = plan.one(GROUP)
    assert cache["primary_endpoint"] == group.state["primaryEndpointAddress"] == plan.outputs["cachePrimaryEndpoint"]
    assert cache["reader_endpoint"] == group.state["readerEndpointAddress"] == plan.outputs["cacheReaderEndpoint"]
    assert cache["port"] == group.inputs["port"] == plan.outputs["cachePort"]
    assert cache["auth_secret_arn"] == plan.outputs["cacheAuthSecretArn"]
    assert cache["replication_group_id"] == group.inputs["replicationGroupId"]
    assert len(cache["member_clusters"]) == group.inputs["numCacheClusters"]
    assert cache["arn"] == group.state["arn"]
    assert cache["kms_key_arn"] == plan.one("aws:kms/key:Key", "cache-key").state["arn"]


def test_stack_outputs_give_endpoints_and_secret_arns_never_secrets(each_stack):
    plan = cached_plan(each_stack)
    out = plan.outputs
    assert out["databaseWriterEndpoint"] == plan.one(INSTANCE, "database-primary").state["address"]
    assert out["databasePort"] == 5432 and out["databaseName"] == "app"
    assert out["databaseSecretArn"].startswith("arn:aws:secretsmanager:eu-west-1:")
    assert out["cachePrimaryEndpoint"] == plan.one(GROUP).state["primaryEndpointAddress"]
    assert out["cacheReaderEndpoint"] == plan.one(GROUP).state["readerEndpointAddress"]
    assert out["cachePort"] == 6379
    assert out["cacheAuthSecretArn"] == plan.one("aws:secretsmanager/secret:Secret", "cache-auth").state["arn"]
    token = plan.one("random:index/randomPassword:RandomPassword", "cache-auth-token").state["result"].value
    assert token not in json.dumps(out, default=str)


# ---------------------------------------------------------------- providers


def test_a_replica_region_other_than_the_backup_copy_region_gets_its_own_provider():
    plan = synth_stack("prod", {"webstack:backups": {"copyRegion": "us-west-2"}})
    subnet = network_subnets(plan, "network-eu-central-1-private-")[0]
    provider = plan.by_urn(subnet.provider_urn)
    assert provider.name == "aws-eu-central-1" and provider.inputs["region"] == "eu-central-1"
    assert subnet.inputs["availabilityZone"].startswith("eu-central-1")
    assert json.loads(provider.inputs["defaultTags"])["tags"]["Stack"] == "prod"


# --------------------------------------------------------- config validation


@pytest.mark.parametrize(
    "stack, overrides, message",
    [
        ("prod", {"webstack:database": {"replicas": 1}}, "webstack:database.replicas = 1: prod needs at least 2"),
        ("dev", {"webstack:database": {"replicas": 6}}, "webstack:database.replicas = 6"),
        ("dev", {"webstack:database": {"logRetentionDays": 8}},
         "webstack:database.logRetentionDays = 8: must be a CloudWatch Logs retention"),
        ("dev", {"webstack:database": {"engineVersion": "19"}},
         'webstack:database.engineVersion = "19": must be a PostgreSQL version RDS offers'),
        ("dev", {"webstack:database": {"instanceClass": "db.foo.bar"}},
         'webstack:database.instanceClass = "db.foo.bar": must be an RDS for PostgreSQL instance class'),
        ("prod", {"webstack:database": {"replicas": 2, "deletionProtection": False}},
         "webstack:database.deletionProtection = false: protected (production) data keeps deletion protection on"),
        ("dev", {"webstack:cache": {"engineVersion": "6.2"}}, 'webstack:cache.engineVersion = "6.2"'),
        ("dev", {"webstack:cache": {"automaticFailover": True}}, "webstack:cache.automaticFailover"),
        ("dev", {"webstack:cache": {"maxmemoryPolicy": "lru"}}, 'webstack:cache.maxmemoryPolicy = "lru"'),
        ("dev", {"webstack:database": {"backupWindow": "03:30-04:30"}},
         'webstack:database.backupWindow = "03:30-04:30": must not overlap maintenanceWindow (sun:04:00-sun:05:00)'),
        ("dev", {"webstack:cache": {"snapshotWindow": "01:00-01:30"}},
         'webstack:cache.snapshotWindow = "01:00-01:30": must be at least 60 minutes long'),
    ],
)
def test_bad_data_tier_settings_stop_the_program_before_any_resource(stack, overrides, message):
    with pytest.raises(ConfigError) as err:
        synth_stack(stack, overrides)
    assert message in str(err.value)
    assert "nothing was deployed" in str(err.value)


def test_prod_may_turn_deletion_protection_off_only_with_the_override():
    plan = synth_stack("prod", {"webstack:database": {
        "replicas": 2, "deletionProtection": False, "allowUnprotectedProd": True}})
    primary = plan.one(INSTANCE, "database-primary")
    assert primary.inputs["deletionProtection"] is False and primary.protect


# --------------------------------------------------------------- the CLI view


def _synth_json(stack: str) -> list[dict]:
    """The resources of ``webstack synth STACK --json`` (the CLI prints ``Plan.to_json``)."""
    return json.loads(json.dumps(cached_plan(stack).to_json(), default=str))["resources"]


def test_the_synth_json_shows_the_data_tier_of_prod_and_dev():
    prod = _synth_json("prod")
    instances = [r for r in prod if r["type"] == INSTANCE]
    primary = next(r for r in instances if r["name"] == "database-primary")
    assert primary["inputs"]["multiAz"] is True and primary["inputs"]["storageEncrypted"] is True
    assert primary["protect"] is True
    zones = {r["inputs"]["availabilityZone"] for r in instances
             if "replicateSourceDb" in r["inputs"] and "region" not in r["inputs"]}
    assert len(zones) >= 2
    group = next(r for r in prod if r["type"] == GROUP)["inputs"]
    assert group["automaticFailoverEnabled"] is True and group["transitEncryptionEnabled"] is True
    assert group["authToken"] == "[secret]"

    dev = _synth_json("dev")
    assert [r["name"] for r in dev if r["type"] == INSTANCE] == ["database-primary"]
    assert next(r for r in dev if r["type"] == GROUP)["inputs"]["numCacheClusters"] == 1


@pytest.mark.parametrize("stack", ["staging", "prod"])
def test_staging_and_prod_test_weekly_that_the_database_backup_restores_into_the_data_tier(stack):
    plan = cached_plan(stack)
    selection = plan.one("aws:backup/restoreTestingSelection:RestoreTestingSelection")
    assert selection.inputs["protectedResourceArns"] == [plan.one(INSTANCE, "database-primary").state["arn"]]
    subnet_group = plan.one("aws:rds/subnetGroup:SubnetGroup", "database-subnets")
    database_group = plan.one("aws:ec2/securityGroup:SecurityGroup", "network-database")
    assert selection.inputs["restoreMetadataOverrides"] == {
        "dbsubnetgroupname": subnet_group.id, "vpcsecuritygroupids": json.dumps([database_group.id])}
    testing = plan.one("aws:backup/restoreTestingPlan:RestoreTestingPlan")
    assert testing.inputs["recoveryPointSelection"]["includeVaults"] == [plan.get("backups-vault").state["arn"]]


def test_dev_does_not_pay_for_restore_tests():
    assert not cached_plan("dev").by_type("aws:backup/restoreTestingPlan:RestoreTestingPlan")
