"""Specification of Drills: FIS experiment templates per claim, their stop conditions and
least-privilege roles, the recovery objectives they carry, and what the stacks drill; and of
the recovery maths the stack config checks objectives with."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from pulumi_webstack.drills import (
    DRILLS,
    MAX_STOP_CONDITIONS,
    RECOVERY_MINUTES,
    Drills,
    DrillsArgs,
    RecoverySetup,
    cache_policy,
    cron_interval_minutes,
    database_policy,
    ecs_policy,
    iso_minutes,
    objectives_text,
    recovery_gaps,
    trust_policy,
)
from pulumi_webstack_cli.engine import ACCOUNT_ID, Plan, synth
from tests.conftest import cached_plan
from tests.helpers import ECS, assert_args_error

TEMPLATE = "aws:fis/experimentTemplate:ExperimentTemplate"
STOP = f"arn:aws:cloudwatch:eu-west-1:{ACCOUNT_ID}:alarm:shop-canary-eu-west-1-failed"
DB_ARN = f"arn:aws:rds:eu-west-1:{ACCOUNT_ID}:db:shop-prod"


def args(**changes) -> DrillsArgs:
    base = DrillsArgs(stop_alarm_arns=[STOP], rpo_minutes=360, rto_minutes=60, database_instance_arn=DB_ARN,
                      database_multi_az=True, cache_replication_group_id="shop-prod-cache",
                      cache_availability_zone="eu-west-1a", ecs_cluster_name="shop", ecs_service_name="web")
    return replace(base, **changes)


@pytest.fixture(scope="module")
def plan() -> Plan:
    return synth(lambda: Drills("drills", args()), stack="prod", config={"aws:region": "eu-west-1"})


def template(plan: Plan, key: str) -> dict:
    return plan.one(TEMPLATE, f"drills-{key}").inputs


def role_policy(plan: Plan, key: str) -> dict:
    return json.loads(plan.one("aws:iam/rolePolicy:RolePolicy", f"drills-{key}-role-policy").inputs["policy"])


# -------------------------------------------------------------------------------- templates


def test_the_database_drill_reboots_the_primary_with_failover(plan):
    t = template(plan, "database-failover")
    assert t["actions"] == [{"name": "database-failover", "actionId": "aws:rds:reboot-db-instances",
                             "parameters": [{"key": "forceFailover", "value": "true"}],
                             "target": {"key": "DBInstances", "value": "target"}}]
    assert t["targets"] == [{"name": "target", "resourceType": "aws:rds:db", "resourceArns": [DB_ARN],
                             "selectionMode": "ALL"}]
    single_az = synth(lambda: Drills("drills", args(database_multi_az=False)), stack="prod",
                      config={"aws:region": "eu-west-1"})
    assert template(single_az, "database-failover")["actions"][0]["parameters"] == [
        {"key": "forceFailover", "value": "false"}]  # RebootDBInstance refuses ForceFailover without Multi-AZ


def test_the_cache_drill_powers_off_its_primarys_az_by_tag(plan):
    t = template(plan, "cache-az-power")
    assert t["actions"][0]["actionId"] == "aws:elasticache:replicationgroup-interrupt-az-power"
    assert t["actions"][0]["parameters"] == [{"key": "duration", "value": "PT10M"}]
    assert t["actions"][0]["target"] == {"key": "ReplicationGroups", "value": "target"}
    assert t["targets"] == [{"name": "target", "resourceType": "aws:elasticache:replicationgroup",
                             "resourceTags": [{"key": "Name", "value": "shop-prod-cache"}],
                             "parameters": {"availabilityZoneIdentifier": "eu-west-1a"}, "selectionMode": "ALL"}]


def test_the_ecs_drill_stops_a_share_of_the_services_tasks(plan):
    t = template(plan, "ecs-stop-tasks")
    assert t["actions"] == [{"name": "ecs-stop-tasks", "actionId": "aws:ecs:stop-task",
                             "target": {"key": "Tasks", "value": "target"}}]
    assert t["targets"] == [{"name": "target", "resourceType": "aws:ecs:task",
                             "parameters": {"cluster": "shop", "service": "web"}, "selectionMode": "PERCENT(50)"}]


def test_every_template_stops_on_the_alarms_fails_on_a_missing_target_and_states_its_objectives(plan):
    for key in ("database-failover", "cache-az-power", "ecs-stop-tasks"):
        t = template(plan, key)
        assert t["stopConditions"] == [{"source": "aws:cloudwatch:alarm", "value": STOP}]
        assert t["experimentOptions"] == {"accountTargeting": "single-account", "emptyTargetResolutionMode": "fail"}
        assert t["tags"] == {"Name": f"webstack-prod-{key}", "Drill": key, "RecoveryPointObjective": "360 min",
                             "RecoveryTimeObjective": "60 min"}
        assert t["description"].startswith(f"Drill {key}: ") and t["description"].endswith(
            "Judge against RPO 360 min, RTO 60 min.")
        role = plan.one("aws:iam/role:Role", f"drills-{key}-role")
        assert t["roleArn"] == role.state["arn"]
        # FIS checks the role when an experiment starts: the template waits for its policy
        assert plan.one(TEMPLATE, f"drills-{key}").depends_on(
            plan.one("aws:iam/rolePolicy:RolePolicy", f"drills-{key}-role-policy"))
    outputs = plan.one("webstack:index:Drills", "drills").component_outputs
    assert set(outputs["template_ids"]) == set(outputs["role_arns"]) == {
        "database-failover", "cache-az-power", "ecs-stop-tasks"}


def test_only_the_targets_given_are_drilled():
    only_db = synth(lambda: Drills("drills", args(cache_replication_group_id=None, cache_availability_zone=None,
                                                 ecs_cluster_name=None, ecs_service_name=None, rpo_minutes=None,
                                                 rto_minutes=None)),
                    stack="prod", config={"aws:region": "eu-west-1"})
    (t,) = only_db.by_type(TEMPLATE)
    assert t.name == "drills-database-failover" and "RecoveryPointObjective" not in t.inputs["tags"]
    assert t.inputs["description"].endswith("No recovery objectives declared.")


# ---------------------------------------------------------------------------------- roles


def test_fis_alone_assumes_each_role_for_this_account_and_region(plan):
    for key in ("database-failover", "cache-az-power", "ecs-stop-tasks"):
        trust = json.loads(plan.one("aws:iam/role:Role", f"drills-{key}-role").inputs["assumeRolePolicy"])
        assert trust == trust_policy(ACCOUNT_ID, "aws", "eu-west-1")
    (statement,) = trust_policy(ACCOUNT_ID, "aws", "eu-west-1")["Statement"]
    assert statement["Principal"] == {"Service": "fis.amazonaws.com"}
    assert statement["Condition"] == {"StringEquals": {"aws:SourceAccount": ACCOUNT_ID},
                                      "ArnLike": {"aws:SourceArn": f"arn:aws:fis:eu-west-1:{ACCOUNT_ID}:experiment/*"}}


def test_each_role_may_do_its_action_to_its_target_only(plan):
    assert role_policy(plan, "database-failover") == database_policy(DB_ARN)
    db = database_policy(DB_ARN)["Statement"]
    assert db[0]["Action"] == ["rds:RebootDBInstance", "rds:DescribeDBInstances"] and db[0]["Resource"] == DB_ARN
    assert db[1] == {"Sid": "ResolveTargets", "Effect": "Allow", "Action": "tag:GetResources", "Resource": "*"}
    group = f"arn:aws:elasticache:eu-west-1:{ACCOUNT_ID}:replicationgroup:shop-prod-cache"
    assert role_policy(plan, "cache-az-power") == cache_policy(group)
    assert cache_policy(group)["Statement"][0]["Resource"] == [
        group, f"arn:aws:elasticache:eu-west-1:{ACCOUNT_ID}:cluster:shop-prod-cache-*"]
    cluster = f"arn:aws:ecs:eu-west-1:{ACCOUNT_ID}:cluster/shop"
    assert role_policy(plan, "ecs-stop-tasks") == ecs_policy(cluster)
    stop, listing, _ = ecs_policy(cluster)["Statement"]
    assert stop["Resource"] == f"arn:aws:ecs:eu-west-1:{ACCOUNT_ID}:task/shop/*"
    assert listing["Condition"] == {"ArnEquals": {"ecs:cluster": cluster}}


# ---------------------------------------------------------------------------------- args


@pytest.mark.parametrize("changes, field, allowed", [
    ({"stop_alarm_arns": []}, "drills.stop_alarm_arns", "must list 1 to 5 alarm ARNs"),
    ({"stop_alarm_arns": [STOP] * (MAX_STOP_CONDITIONS + 1)}, "drills.stop_alarm_arns", "FIS allows 5"),
    ({"stop_alarm_arns": ["arn:aws:sns:eu-west-1:123456789012:critical"]}, "drills.stop_alarm_arns",
     "must be CloudWatch alarm ARNs"),
    ({"cache_availability_zone": None}, "drills.cache_availability_zone", "required with cache_replication_group_id"),
    ({"ecs_cluster_name": None}, "drills.ecs_cluster_name", "required with ecs_service_name"),
    ({"database_instance_arn": None, "cache_replication_group_id": None, "cache_availability_zone": None,
      "ecs_cluster_name": None, "ecs_service_name": None}, "drills.database_instance_arn",
     "give at least one target"),
    ({"cache_outage_minutes": 0}, "drills.cache_outage_minutes", "must be between 1 and 720"),
    ({"rto_minutes": 0}, "drills.rto_minutes", "must be between 1 and 10080"),
])
def test_bad_args_are_refused_before_anything_is_built(changes, field, allowed):
    assert_args_error(lambda: args(**changes), field, allowed)


def test_the_catalogue_names_fis_actions_and_their_target_types():
    assert {k: (d.action_id, d.resource_type, d.target_key) for k, d in DRILLS.items()} == {
        "database": ("aws:rds:reboot-db-instances", "aws:rds:db", "DBInstances"),
        "cache": ("aws:elasticache:replicationgroup-interrupt-az-power", "aws:elasticache:replicationgroup",
                  "ReplicationGroups"),
        "ecs": ("aws:ecs:stop-task", "aws:ecs:task", "Tasks"),
    }
    assert iso_minutes(10) == "PT10M"
    assert objectives_text(None, 60) == "Judge against RTO 60 min."


# ------------------------------------------------------------------------ recovery maths


@pytest.mark.parametrize("expression, minutes", [
    ("cron(0 2 * * ? *)", 1440),
    ("cron(0 */6 * * ? *)", 360),
    ("cron(0 0,12 * * ? *)", 720),
    ("cron(30 1,7,13,19 * * ? *)", 360),
    ("cron(0/15 * * * ? *)", 15),
    ("cron(0 3-5 * * ? *)", 22 * 60),
    ("cron(30 2 ? * MON-FRI *)", 3 * 1440),
    ("cron(0 2 ? * SUN *)", 7 * 1440),
    ("cron(0 3 1 * ? *)", 31 * 1440),
])
def test_the_longest_time_between_two_backups(expression, minutes):
    assert cron_interval_minutes(expression) == minutes


def test_what_is_not_a_cron_expression_is_refused():
    with pytest.raises(ValueError):
        cron_interval_minutes("rate(1 day)")
    with pytest.raises(ValueError):
        cron_interval_minutes("cron(0 25 * * ? *)")


PROD = RecoverySetup(region="eu-west-1", multi_az=True, replicas=2, cross_region_replica="eu-central-1",
                     copy_region="eu-central-1", backup_interval_minutes=1440, retention_days=30)


def gaps(rpo, rto, **changes) -> list[tuple[str, str, str]]:
    return [(g.objective, g.section, g.field) for g in recovery_gaps(rpo, rto, replace(PROD, **changes))]


def test_prod_meets_six_hours_and_one_hour():
    assert recovery_gaps(360, 60, PROD) == []
    assert recovery_gaps(None, None, replace(PROD, copy_region=None, cross_region_replica=None, multi_az=False)) == []


def test_losing_the_region_needs_copies_often_enough_or_a_warm_replica():
    assert gaps(360, None, cross_region_replica=None) == [("rpo_minutes", "backups", "schedule")]
    assert gaps(1440, None, cross_region_replica=None) == []  # a daily copy loses at most a day
    assert gaps(360, None, cross_region_replica=None, backup_interval_minutes=360) == []
    assert gaps(360, None, cross_region_replica=None, copy_region=None) == [("rpo_minutes", "backups", "copy_region")]
    assert gaps(None, 60, cross_region_replica=None) == [("rto_minutes", "database", "cross_region_replica")]
    assert gaps(None, RECOVERY_MINUTES["rebuild-in-copy-region"], cross_region_replica=None) == []
    assert gaps(None, 10_000, cross_region_replica=None, copy_region=None) == [
        ("rto_minutes", "database", "cross_region_replica")]  # nothing to recover from, however long


def test_losing_the_primary_needs_multi_az_for_a_short_rto():
    assert gaps(None, 45, multi_az=False, replicas=0) == [("rto_minutes", "database", "multi_az")]  # restore: ~1 h
    assert gaps(None, 60, multi_az=False, replicas=1) == []  # promoting a replica: ~15 min
    assert gaps(None, 10, multi_az=False, replicas=1) == [
        ("rto_minutes", "database", "multi_az"),
        ("rto_minutes", "recovery", "rto_minutes")]  # and even the cross-region promotion takes ~30 min
    assert gaps(3, None, multi_az=False, replicas=0) == [("rpo_minutes", "database", "multi_az")]  # 5 min of logs
    # an objective no setting reaches names the objective itself
    assert gaps(None, 1) == [("rto_minutes", "recovery", "rto_minutes"), ("rto_minutes", "recovery", "rto_minutes")]


def test_a_recovery_point_must_outlive_the_time_to_the_next():
    assert gaps(360, None, retention_days=1) == [("rpo_minutes", "backups", "retention_days")]
    assert gaps(360, None, retention_days=2) == []


def test_the_gaps_say_why():
    (schedule,) = recovery_gaps(360, None, replace(PROD, cross_region_replica=None))
    assert schedule.text == (
        "only the scheduled backups are copied to eu-central-1, 24 h apart: losing eu-west-1 loses up to that much, "
        "over the RPO of 6 h: back up at least every 6 h (e.g. cron(0 */6 * * ? *)) or set "
        "database.crossRegionReplica")


# ----------------------------------------------------------------------------- the stacks


def stack_templates(stack: str, overrides=None) -> dict[str, dict]:
    return {r.name.removeprefix("drills-"): r.inputs for r in cached_plan(stack, overrides).by_type(TEMPLATE)}


def test_prod_drills_its_multi_az_primary_and_cache_stopping_on_the_canary_and_critical_alarms():
    plan = cached_plan("prod")
    templates = stack_templates("prod")
    assert sorted(templates) == ["cache-az-power", "database-failover"]
    primary = plan.one("aws:rds/instance:Instance", "database-primary")
    database = templates["database-failover"]
    assert database["targets"][0]["resourceArns"] == [primary.state["arn"]]
    assert database["actions"][0]["parameters"] == [{"key": "forceFailover", "value": "true"}]
    cache = templates["cache-az-power"]
    group = plan.one("aws:elasticache/replicationGroup:ReplicationGroup")
    assert cache["targets"][0]["resourceTags"] == [{"key": "Name", "value": group.inputs["replicationGroupId"]}]
    assert group.inputs["tags"]["Name"] == group.inputs["replicationGroupId"]  # what FIS selects it by
    primary_az = group.inputs["preferredCacheClusterAzs"][0]
    assert cache["targets"][0]["parameters"] == {"availabilityZoneIdentifier": primary_az}
    canary = plan.one("aws:cloudwatch/metricAlarm:MetricAlarm", "canary-eu-west-1-failed").state["arn"]
    free_storage = plan.one("aws:cloudwatch/metricAlarm:MetricAlarm", "alerting-db-free-storage").state["arn"]
    for t in templates.values():
        assert [s["value"] for s in t["stopConditions"]] == [canary, free_storage]
        assert (t["tags"]["RecoveryPointObjective"], t["tags"]["RecoveryTimeObjective"]) == ("360 min", "60 min")


def test_dev_reboots_its_single_az_primary_and_has_no_cache_to_fail_over():
    templates = stack_templates("dev")
    assert sorted(templates) == ["database-failover"]
    database = templates["database-failover"]
    assert database["actions"][0]["parameters"] == [{"key": "forceFailover", "value": "false"}]
    assert "RecoveryPointObjective" not in database["tags"]


def test_staging_rehearses_the_cache_drill():
    assert sorted(stack_templates("staging")) == ["cache-az-power", "database-failover"]


def test_the_template_ids_are_a_stack_output():
    plan = cached_plan("prod")
    assert plan.outputs["drillTemplateIds"] == {
        key: plan.one(TEMPLATE, f"drills-{key}").id for key in ("database-failover", "cache-az-power")}


def test_prod_on_ecs_also_drills_the_loss_of_tasks():
    plan = cached_plan("prod", ECS)
    templates = stack_templates("prod", ECS)
    assert sorted(templates) == ["cache-az-power", "database-failover", "ecs-stop-tasks"]
    service = plan.one("aws:ecs/service:Service")
    cluster = plan.one("aws:ecs/cluster:Cluster")
    (target,) = templates["ecs-stop-tasks"]["targets"]
    assert target["parameters"] == {"cluster": cluster.inputs["name"], "service": service.inputs["name"]}
    assert target["selectionMode"] == "PERCENT(50)"
    assert templates["ecs-stop-tasks"]["stopConditions"] == templates["database-failover"]["stopConditions"]
