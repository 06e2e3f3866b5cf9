"""Specification of the Cache component: TLS required, encryption at rest with its own key,
a generated auth token kept in Secrets Manager, replicas and failover across AZs, snapshots,
log delivery, outputs, protect flags and every Args error."""

from __future__ import annotations

import json
from functools import lru_cache

import pulumi
import pytest

from pulumi_webstack.cache import (
    AUTH_TOKEN_SPECIALS,
    Cache,
    CacheArgs,
    CacheEngine,
    cache_cluster_zones,
    default_replication_group_id,
    parameter_group_family,
)
from pulumi_webstack.errors import ArgsError
from pulumi_webstack_cli.engine import Plan, Secret, synth
from tests.helpers import assert_args_error

GROUP = "aws:elasticache/replicationGroup:ReplicationGroup"
ZONES = ["us-east-1a", "us-east-1b", "us-east-1c"]
LINKS = {
    "subnet_ids": ["subnet-0000000000000000a", "subnet-0000000000000000b", "subnet-0000000000000000c"],
    "security_group_id": "sg-0000000000000000d",
    "availability_zones": ZONES,
}
PROD_LIKE = dict(replicas=2, automatic_failover=True, multi_az=True, snapshot_retention_days=7, protect=True,
                 final_snapshot=True, node_type="cache.r7g.large")


def args(**overrides) -> CacheArgs:
    return CacheArgs(**{**LINKS, **overrides})


@lru_cache(maxsize=None)
def _plan(frozen: tuple) -> Plan:
    return synth(lambda: Cache("cache", args(**dict(frozen))))


def plan_of(**overrides) -> Plan:
    """Plan of one ``Cache("cache", ...)`` (cached per settings; plans are read-only)."""
    return _plan(tuple(sorted(overrides.items())))


def outputs(plan: Plan) -> dict:
    return plan.one("webstack:index:Cache").component_outputs


# ------------------------------------------------------------------ pure logic


def test_parameter_group_family_follows_engine_and_major_version():
    assert parameter_group_family("redis", "7.1") == "redis7"
    assert parameter_group_family("valkey", "7.2") == "valkey7"
    assert parameter_group_family(CacheEngine.VALKEY, "8.0") == "valkey8"


def test_nodes_are_spread_round_robin_primary_first():
    assert cache_cluster_zones(ZONES, 3) == ZONES
    assert cache_cluster_zones(["a", "b"], 3) == ["a", "b", "a"]
    assert cache_cluster_zones(["a", "a", "b"], 2) == ["a", "b"]
    assert cache_cluster_zones(ZONES, 1) == ["us-east-1a"]


def test_default_replication_group_id_is_short_and_valid():
    assert default_replication_group_id("webstack", "prod", "cache") == "webstack-prod-cache"
    long = default_replication_group_id("a-very-long-project-name", "production-eu-west-1", "cache")
    assert len(long) <= 40 and long[0].isalpha() and "--" not in long and not long.endswith("-")


# ------------------------------------------------------------ replication group


def test_tls_is_required_and_data_at_rest_uses_the_components_key():
    plan = plan_of(**PROD_LIKE)
    group = plan.one(GROUP).inputs
    key = plan.one("aws:kms/key:Key")
    assert group["transitEncryptionEnabled"] is True and group["transitEncryptionMode"] == "required"
    assert group["atRestEncryptionEnabled"] is True and group["kmsKeyId"] == key.state["arn"]
    assert key.inputs["enableKeyRotation"] is True
    alias = plan.one("aws:kms/alias:Alias")
    assert alias.inputs == {"name": "alias/webstack-test-cache", "targetKeyId": key.state["keyId"]}


def test_the_auth_token_is_generated_secret_and_restricted_to_allowed_characters():
    plan = plan_of()
    password = plan.one("random:index/randomPassword:RandomPassword")
    assert password.inputs["length"] == 64 and password.inputs["special"] is True
    assert password.inputs["overrideSpecial"] == AUTH_TOKEN_SPECIALS == "!&#$^<>-"
    token = plan.one(GROUP).inputs["authToken"]
    assert isinstance(token, Secret) and token.value == password.state["result"].value


def test_the_auth_secret_is_encrypted_and_holds_token_and_endpoints():
    plan = plan_of(**PROD_LIKE)
    key_arn = plan.one("aws:kms/key:Key").state["arn"]
    secret = plan.one("aws:secretsmanager/secret:Secret")
    assert secret.inputs["kmsKeyId"] == key_arn and secret.inputs["recoveryWindowInDays"] == 30
    version = plan.one("aws:secretsmanager/secretVersion:SecretVersion")
    assert version.inputs["secretId"] == secret.id
    assert isinstance(version.inputs["secretString"], Secret)
    content = json.loads(version.inputs["secretString"].value)
    group = plan.one(GROUP)
    assert content == {
        "password": plan.one("random:index/randomPassword:RandomPassword").state["result"].value,
        "host": group.state["primaryEndpointAddress"],
        "readerHost": group.state["readerEndpointAddress"],
        "port": 6379,
        "tls": True,
    }
    assert outputs(plan)["auth_secret_arn"] == secret.state["arn"]


def test_prod_like_settings_give_failover_multi_az_and_nodes_in_every_zone():
    plan = plan_of(**PROD_LIKE)
    group = plan.one(GROUP).inputs
    assert group["numCacheClusters"] == 3
    assert group["automaticFailoverEnabled"] is True and group["multiAzEnabled"] is True
    assert group["preferredCacheClusterAzs"] == ZONES
    assert group["nodeType"] == "cache.r7g.large"
    assert group["engine"] == "redis" and group["engineVersion"] == "7.1"


def test_a_single_node_has_no_failover():
    group = plan_of().one(GROUP).inputs
    assert group["numCacheClusters"] == 1
    assert group["automaticFailoverEnabled"] is False and group["multiAzEnabled"] is False
    assert group["preferredCacheClusterAzs"] == ["us-east-1a"]


def test_snapshots_are_kept_and_a_final_one_is_taken_when_asked():
    group = plan_of(**PROD_LIKE).one(GROUP).inputs
    assert group["snapshotRetentionLimit"] == 7 and group["snapshotWindow"] == "01:00-02:00"
    assert group["maintenanceWindow"] == "sun:05:00-sun:06:00"
    assert "finalSnapshotIdentifier" not in plan_of().one(GROUP).inputs


def test_every_incarnation_of_the_group_gets_its_own_final_snapshot_name():
    # ElastiCache refuses a deletion whose final snapshot exists: "<id>-final" would fail the
    # second deletion. The suffix is replaced with the group (keyed on what replaces it).
    plan = plan_of(**PROD_LIKE)
    group = plan.one(GROUP)
    suffix = plan.one("random:index/randomString:RandomString", "cache-final-snapshot")
    assert group.inputs["finalSnapshotIdentifier"] == f"webstack-test-cache-final-{suffix.state['result']}"
    assert group.depends_on(suffix)
    assert suffix.inputs["keepers"] == {
        "replication_group_id": "webstack-test-cache", "engine": "redis", "port": "6379",
        "kms_key_id": plan.one("aws:kms/key:Key").state["arn"],
        "subnet_group_name": plan.one("aws:elasticache/subnetGroup:SubnetGroup").id, "region": "us-east-1"}


def test_slow_and_engine_logs_are_delivered_to_encrypted_log_groups():
    plan = plan_of(log_retention_days=90)
    key_arn = plan.one("aws:kms/key:Key").state["arn"]
    deliveries = {d["logType"]: d for d in plan.one(GROUP).inputs["logDeliveryConfigurations"]}
    assert set(deliveries) == {"slow-log", "engine-log"}
    for log_type, delivery in deliveries.items():
        group = plan.get(f"cache-{log_type}")
        assert group.inputs["name"] == f"/aws/elasticache/webstack-test-cache/{log_type}"
        assert group.inputs["retentionInDays"] == 90 and group.inputs["kmsKeyId"] == key_arn
        assert delivery == {"destination": group.inputs["name"], "destinationType": "cloudwatch-logs",
                            "logFormat": "json", "logType": log_type}
    statements = {s["Sid"]: s for s in json.loads(plan.one("aws:kms/key:Key").inputs["policy"])["Statement"]}
    assert statements["CloudWatchLogsEncryptsCacheLogs"]["Condition"]["ArnLike"][
        "kms:EncryptionContext:aws:logs:arn"] == "arn:aws:logs:us-east-1:123456789012:log-group:/aws/elasticache/webstack-test-cache/*"


def test_network_placement_and_parameters():
    plan = plan_of(maxmemory_policy="allkeys-lru")
    group = plan.one(GROUP).inputs
    subnets = plan.one("aws:elasticache/subnetGroup:SubnetGroup")
    params = plan.one("aws:elasticache/parameterGroup:ParameterGroup")
    assert subnets.inputs["subnetIds"] == LINKS["subnet_ids"] and group["subnetGroupName"] == subnets.id
    assert group["securityGroupIds"] == [LINKS["security_group_id"]]
    assert params.inputs["family"] == "redis7" and group["parameterGroupName"] == params.id
    assert params.inputs["parameters"] == [{"name": "maxmemory-policy", "value": "allkeys-lru"}]


def test_valkey_is_supported():
    plan = plan_of(engine="valkey", engine_version="8.0")
    assert plan.one(GROUP).inputs["engine"] == "valkey"
    assert plan.one("aws:elasticache/parameterGroup:ParameterGroup").inputs["family"] == "valkey8"


# ------------------------------------------------------------------- protect


def test_protected_cache_is_protected_and_applies_changes_in_the_window():
    plan = plan_of(**PROD_LIKE)
    stateful = [plan.one(GROUP), plan.one("aws:kms/key:Key"), plan.one("aws:secretsmanager/secret:Secret")]
    for res in stateful:
        assert res.protect and res.retain_on_delete, res.name
    assert not [r for r in plan if r.protect and r not in stateful]
    assert plan.one(GROUP).inputs["applyImmediately"] is False
    assert plan.one("aws:kms/key:Key").inputs["deletionWindowInDays"] == 30


def test_unprotected_cache_can_be_removed():
    plan = plan_of(apply_immediately=True)
    assert not [r for r in plan if r.protect]
    assert plan.one(GROUP).inputs["applyImmediately"] is True
    assert plan.one("aws:secretsmanager/secret:Secret").inputs["recoveryWindowInDays"] == 7


# ------------------------------------------------------------ component shape


def test_outputs_are_registered_and_hold_no_secret():
    plan = plan_of(**PROD_LIKE)
    group = plan.one(GROUP)
    out = outputs(plan)
    assert out["primary_endpoint"] == group.state["primaryEndpointAddress"]
    assert out["reader_endpoint"] == group.state["readerEndpointAddress"]
    assert out["port"] == 6379
    assert out["replication_group_id"] == "webstack-test-cache"
    assert out["member_clusters"] == ["webstack-test-cache-001", "webstack-test-cache-002", "webstack-test-cache-003"]
    assert out["arn"] == group.state["arn"]
    assert out["kms_key_arn"] == plan.one("aws:kms/key:Key").state["arn"]
    token = plan.one("random:index/randomPassword:RandomPassword").state["result"].value
    assert token not in json.dumps(out)


def test_every_resource_is_a_descendant_of_the_component():
    plan = plan_of(**PROD_LIKE)
    root = plan.one("webstack:index:Cache")
    assert {r.urn for r in plan.descendants(root)} == {r.urn for r in plan if r.urn != root.urn}


def test_callers_options_are_honoured():
    def program():
        provider = pulumi.ProviderResource("aws", "eu", {"region": "eu-west-1"})
        Cache("cache", args(), opts=pulumi.ResourceOptions(providers={"aws": provider}, protect=True))

    plan = synth(program)
    provider = plan.one("pulumi:providers:aws")
    custom = [r for r in plan if r.custom and r.type.startswith("aws:")]
    assert custom and all(r.provider_urn == provider.urn for r in custom)
    assert all(r.protect for r in plan.descendants(plan.one("webstack:index:Cache")))
    assert plan.one(GROUP).state["arn"].startswith("arn:aws:elasticache:eu-west-1:")


def test_an_explicit_replication_group_id_names_the_group():
    plan = plan_of(replication_group_id="sessions")
    assert plan.one(GROUP).inputs["replicationGroupId"] == "sessions"


# ---------------------------------------------------------------- Args errors


@pytest.mark.parametrize(
    "overrides, field",
    [
        ({"engine": "memcached"}, "cache.engine"),
        ({"engine_version": "6.2"}, "cache.engine_version"),
        ({"engine": "valkey", "engine_version": "7.1"}, "cache.engine_version"),
        ({"node_type": "r7g.large"}, "cache.node_type"),
        ({"replicas": 6}, "cache.replicas"),
        ({"replicas": -1}, "cache.replicas"),
        ({"automatic_failover": True}, "cache.automatic_failover"),
        ({"replicas": 1, "multi_az": True}, "cache.multi_az"),
        ({"replicas": 1, "automatic_failover": True, "multi_az": True, "subnet_ids": ["subnet-0000000000000000a"]},
         "cache.subnet_ids"),
        ({"subnet_ids": []}, "cache.subnet_ids"),
        ({"snapshot_retention_days": 36}, "cache.snapshot_retention_days"),
        ({"snapshot_window": "1-2"}, "cache.snapshot_window"),
        ({"maintenance_window": "sunday"}, "cache.maintenance_window"),
        ({"snapshot_window": "01:00-01:30"}, "cache.snapshot_window"),  # ElastiCache: at least 60 minutes
        ({"maintenance_window": "sun:05:00-sun:05:30"}, "cache.maintenance_window"),  # at least 60 minutes
        ({"port": 80}, "cache.port"),
        ({"maxmemory_policy": "lru"}, "cache.maxmemory_policy"),
        ({"log_retention_days": 8}, "cache.log_retention_days"),
        ({"replication_group_id": "Cache_1"}, "cache.replication_group_id"),
        ({"replication_group_id": "c" * 41}, "cache.replication_group_id"),
    ],
)
def test_each_bad_setting_is_refused_before_anything_is_registered(overrides, field):
    assert_args_error(lambda: args(**overrides), field)


def test_failover_errors_say_why():
    with pytest.raises(ArgsError, match=r"^cache\.automatic_failover = True: needs replicas >= 1"):
        args(automatic_failover=True)
    with pytest.raises(ArgsError, match=r"^cache\.multi_az = True: needs automatic_failover$"):
        args(replicas=1, multi_az=True)


def test_valid_edge_values_are_accepted():
    assert args(replicas=5, automatic_failover=True, multi_az=True, snapshot_retention_days=35, port=1024)
    assert args(engine=CacheEngine.VALKEY, engine_version="7.2").engine is CacheEngine.VALKEY


def test_the_group_is_replaced_delete_first_because_its_id_is_fixed():
    # A replacement (port, KMS key, subnet group) creating the new group first would fail:
    # the replication group id is taken until the old group is gone.
    group = plan_of().one(GROUP)
    assert group.inputs["replicationGroupId"] == "webstack-test-cache" and group.delete_before_replace


def test_changing_the_eviction_policy_changes_one_parameter_and_never_replaces_the_group():
    # ElastiCache cannot change a parameter group's description (the provider replaces the
    # group when it changes), so the description names no setting, and an older one is kept.
    groups = [plan_of(maxmemory_policy=policy).one("aws:elasticache/parameterGroup:ParameterGroup")
              for policy in ("volatile-lru", "allkeys-lru")]
    assert groups[0].inputs["description"] == groups[1].inputs["description"]
    assert groups[0].inputs["parameters"] != groups[1].inputs["parameters"]
    assert all("description" in group.ignore_changes for group in groups)
