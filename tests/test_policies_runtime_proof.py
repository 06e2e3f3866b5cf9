"""Runtime-proof policies (synthetic canaries, recovery drills): a compliant baseline, then
one field broken per case; advisory by default, mandatory with the prod config, and the
shipped prod stack fails them once its canaries or drills are gone."""

from __future__ import annotations

import pytest
from pulumi_policy import EnforcementLevel

from pulumi_webstack_cli.check import check_plan
from pulumi_webstack_cli.engine import Plan
from pulumi_webstack_policies import runtime_proof as rp
from pulumi_webstack_policies.runner import evaluate_policy
from pulumi_webstack_policies.values import UNKNOWN
from tests.conftest import cached_plan
from tests.helpers import DELETE, res, variant

CANARY_NAME = "shop-canary"
TOPIC = "arn:aws:sns:{region}:123456789012:shop-critical"
DB_ARN = "arn:aws:rds:eu-west-1:123456789012:db:shop-db"
GROUP_ID = "shop-cache"
ALARM_ARN = "arn:aws:cloudwatch:eu-west-1:123456789012:alarm:shop-canary-eu-west-1-failed"


def canary(region: str) -> dict:
    return {"name": CANARY_NAME, "region": region, "startCanary": True, "runtimeVersion": "syn-nodejs-playwright-5.1",
            "schedule": {"expression": "rate(5 minutes)"}}


def canary_alarm(region: str) -> dict:
    return {"namespace": "CloudWatchSynthetics", "metricName": "SuccessPercent", "region": region,
            "dimensions": {"CanaryName": CANARY_NAME}, "alarmActions": [TOPIC.format(region=region)]}


def canary_stack(regions=("eu-west-1", "us-east-1"), alarm=canary_alarm) -> list:
    out = []
    for region in regions:
        out.append(res(rp.CANARY, f"canary-{region}", canary(region)))
        out.append(res(rp.METRIC_ALARM, f"canary-{region}-failed", alarm(region)))
    return out


STOP = [{"source": "aws:cloudwatch:alarm", "value": ALARM_ARN}]
DB_TEMPLATE = {
    "description": "Drill database-failover",
    "roleArn": "arn:aws:iam::123456789012:role/drill",
    "stopConditions": STOP,
    "actions": [{"name": "database-failover", "actionId": "aws:rds:reboot-db-instances",
                 "parameters": [{"key": "forceFailover", "value": "true"}],
                 "target": {"key": "DBInstances", "value": "target"}}],
    "targets": [{"name": "target", "resourceType": "aws:rds:db", "resourceArns": [DB_ARN], "selectionMode": "ALL"}],
}
CACHE_TEMPLATE = {
    "description": "Drill cache-az-power",
    "roleArn": "arn:aws:iam::123456789012:role/drill-cache",
    "stopConditions": STOP,
    "actions": [{"name": "cache-az-power", "actionId": "aws:elasticache:replicationgroup-interrupt-az-power",
                 "parameters": [{"key": "duration", "value": "PT10M"}],
                 "target": {"key": "ReplicationGroups", "value": "target"}}],
    "targets": [{"name": "target", "resourceType": "aws:elasticache:replicationgroup",
                 "resourceTags": [{"key": "Name", "value": GROUP_ID}],
                 "parameters": {"availabilityZoneIdentifier": "eu-west-1a"}, "selectionMode": "ALL"}],
}
PRIMARY = {"engine": "postgres", "identifier": "shop-db", "multiAz": True}
GROUP = {"replicationGroupId": GROUP_ID, "multiAzEnabled": True, "description": "cache"}


def data_stack(db_template=DB_TEMPLATE, cache_template=CACHE_TEMPLATE, group=GROUP) -> list:
    return [
        res(rp.RDS_INSTANCE, "db-primary", PRIMARY, dict(PRIMARY, arn=DB_ARN)),
        res(rp.RDS_INSTANCE, "db-replica-0", {"replicateSourceDb": "shop-db"}),
        res(rp.CACHE_REPLICATION_GROUP, "cache", group),
        *([res(rp.TEMPLATE, "drill-db", db_template)] if db_template is not None else []),
        *([res(rp.TEMPLATE, "drill-cache", cache_template)] if cache_template is not None else []),
    ]


def canaries(resources, **cfg):
    return evaluate_policy(rp.synthetic_canaries, resources, cfg)


def drills(resources, **cfg):
    return evaluate_policy(rp.recovery_drills, resources, cfg)


def messages(diags) -> list[str]:
    return [d.message for d in diags if not d.unverifiable]


def test_the_policies_are_advisory_by_default_and_mandatory_in_prod():
    from pulumi_webstack_policies import settings
    from pulumi_webstack_policies.pack import POLICIES

    assert {p.enforcement_level for p in rp.POLICIES} == {EnforcementLevel.ADVISORY}
    prod = settings.resolve(POLICIES, settings.load_file(settings.CONFIG_DIR / "prod.json"))
    assert prod["synthetic-canaries"].level == prod["recovery-drills"].level == EnforcementLevel.MANDATORY
    assert prod["synthetic-canaries"].properties["minRegions"] == 2


# ------------------------------------------------------------------------------ canaries


def test_canaries_from_two_regions_each_alarmed_pass():
    assert canaries(canary_stack()) == []


def test_one_region_is_too_few_by_default_and_enough_where_configured():
    assert messages(canaries(canary_stack(regions=("eu-west-1",)))) == [
        "the live site is checked from 1 region(s) (eu-west-1): run started CloudWatch Synthetics canaries "
        "from at least 2"]
    assert canaries(canary_stack(regions=("eu-west-1",)), minRegions=1) == []


def test_canaries_in_two_regions_by_their_providers_count_twice():
    """The classic way to run a canary elsewhere is an explicit provider of that region, no
    ``region`` input: each canary is in its provider's region, not all in one."""
    resources = []
    for region in ("eu-west-1", "us-east-1"):
        unset = variant(canary(region), "region", DELETE)
        resources += [res(rp.CANARY, f"canary-{region}", unset, provider={"region": region}),
                      res(rp.METRIC_ALARM, f"canary-{region}-failed", canary_alarm(region), provider={"region": region})]
    assert canaries(resources) == []
    same = [res(r.type, r.name, r.inputs, provider={"region": "eu-west-1"}) for r in resources]
    (diag,) = canaries(same)
    assert "1 region(s) (eu-west-1)" in diag.message


def test_a_site_without_canaries_fails_and_a_stack_without_a_site_is_not_judged():
    site = res("aws:cloudfront/distribution:Distribution", "cdn", {"enabled": True})
    assert "checked from 0 region(s) (nowhere)" in messages(canaries([site]))[0]
    assert canaries([res(rp.RDS_INSTANCE, "db", PRIMARY)]) == []


@pytest.mark.parametrize("path, value", [
    ("alarmActions", []),
    ("alarmActions", DELETE),
    ("namespace", "AWS/Lambda"),
    ("dimensions.CanaryName", "another-canary"),
])
def test_a_canary_whose_failures_reach_nobody_fails(path, value):
    found = messages(canaries(canary_stack(alarm=lambda r: variant(canary_alarm(r), path, value))))
    assert found == [f"Canary 'canary-{r}': no alarm on its CloudWatchSynthetics metrics notifies anyone: a failing "
                     "check would go unseen" for r in ("eu-west-1", "us-east-1")]


def test_a_stopped_canary_does_not_count():
    stack = canary_stack()
    stack[2] = res(rp.CANARY, "canary-us-east-1", dict(canary("us-east-1"), startCanary=False))
    assert "checked from 1 region(s)" in messages(canaries(stack))[0]


def test_unknown_canary_values_are_unverifiable_not_violations():
    stack = canary_stack()
    stack[0] = res(rp.CANARY, "canary-eu-west-1", dict(canary("eu-west-1"), region=UNKNOWN))
    stack[1] = res(rp.METRIC_ALARM, "canary-eu-west-1-failed", dict(canary_alarm("eu-west-1"), namespace=UNKNOWN))
    diags = canaries(stack)
    assert diags and all(d.unverifiable for d in diags)


# -------------------------------------------------------------------------------- drills


def test_a_drilled_primary_and_multi_az_cache_with_alarm_stops_pass():
    assert drills(data_stack()) == []


def test_an_undrilled_primary_fails_and_replicas_need_no_drill_of_their_own():
    assert messages(drills(data_stack(db_template=None))) == [
        "Instance 'db-primary': no FIS experiment template reboots it (aws:rds:reboot-db-instances, forceFailover "
        "when Multi-AZ): its failover is a claim, not a tested fact"]


@pytest.mark.parametrize("path, value", [
    ("targets.0.resourceArns.0", "arn:aws:rds:eu-west-1:123456789012:db:another-db"),
    ("actions.0.actionId", "aws:ec2:stop-instances"),
])
def test_a_template_that_misses_the_primary_does_not_count(path, value):
    assert "Instance 'db-primary': no FIS experiment template" in messages(
        drills(data_stack(db_template=variant(DB_TEMPLATE, path, value))))[0]


def test_a_multi_az_cache_needs_its_drill_unless_configured_otherwise():
    found = messages(drills(data_stack(cache_template=None)))
    assert found == ["ReplicationGroup 'cache': no FIS experiment template interrupts the power of its primary's AZ "
                     "(aws:elasticache:replicationgroup-interrupt-az-power): its failover is a claim, not a tested "
                     "fact"]
    assert drills(data_stack(cache_template=None), requireCacheDrill=False) == []
    # A single-AZ cache has nothing to fail over to: the AZ power action does not apply.
    assert drills(data_stack(cache_template=None, group=dict(GROUP, multiAzEnabled=False))) == []
    # The action's former id still drills it; a template tagged for another group does not.
    old = variant(CACHE_TEMPLATE, "actions.0.actionId", "aws:elasticache:interrupt-cluster-az-power")
    assert drills(data_stack(cache_template=old)) == []
    other = variant(CACHE_TEMPLATE, "targets.0.resourceTags.0.value", "another-cache")
    assert "ReplicationGroup 'cache'" in messages(drills(data_stack(cache_template=other)))[0]


@pytest.mark.parametrize("stops", [[], [{"source": "none"}], [{"source": "aws:cloudwatch:alarm"}]])
def test_a_template_no_alarm_can_stop_fails(stops):
    found = messages(drills(data_stack(db_template=variant(DB_TEMPLATE, "stopConditions", stops))))
    assert len(found) == 1 and found[0].startswith("ExperimentTemplate 'drill-db': no CloudWatch alarm stops it")


def test_unknown_drill_values_are_unverifiable_not_violations():
    for path in ("targets.0.resourceArns.0", "actions.0.actionId", "stopConditions.0.value"):
        diags = drills(data_stack(db_template=variant(DB_TEMPLATE, path, UNKNOWN)))
        assert diags and all(d.unverifiable for d in diags), (path, [d.message for d in diags])


# --------------------------------------------------------------- the shipped stacks


def without(plan: Plan, *types: str) -> Plan:
    """``plan`` less every resource of ``types`` (what a stack without its proof would plan)."""
    return Plan(plan.project, plan.stack, [r for r in plan.resources if r.type not in types], plan.outputs,
                plan.placeholders, plan.config)


def test_prod_passes_and_fails_mandatorily_without_its_canaries_or_its_drills():
    plan = cached_plan("prod")
    assert not [v for v in check_plan(plan).violations if v.policy in ("synthetic-canaries", "recovery-drills")]
    no_canaries = check_plan(without(plan, rp.CANARY))
    assert not no_canaries.passed
    assert {(v.policy, v.level) for v in no_canaries.violations} == {("synthetic-canaries", "mandatory")}
    no_drills = check_plan(without(plan, rp.TEMPLATE))
    assert {v.resource_name for v in no_drills.violations if v.policy == "recovery-drills"} == {
        "database-primary", "cache-group"}
    assert not no_drills.passed
