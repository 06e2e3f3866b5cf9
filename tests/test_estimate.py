"""Specification of `webstack estimate`: the deploy critical path of a stack, weighted by
typical creation times, and its monthly cost from the bundled, dated price table."""

from __future__ import annotations

import json

import pulumi_aws as aws
import pytest

from pulumi_webstack_cli import estimate, price_table as prices
from pulumi_webstack_cli.main import main
from pulumi_webstack_cli.engine import synth
from tests.conftest import cached_plan
from tests.helpers import ECS, KUBERNETES

INSTANCE = "aws:rds/instance:Instance"
NO_DR_REPLICA = {"webstack:database": {"replicas": 3, "crossRegionReplica": None},
                 # Without the DR replica, what losing the region costs is what the copies give.
                 "webstack:recovery": {"rpoMinutes": 1440, "rtoMinutes": 240}}


def chain_of(plan):
    return [(s.resource.type, s.resource.name) for s in estimate.deploy_estimate(plan).chain]


# ----------------------------------------------------------------- deploy critical path


def test_the_prod_critical_path_is_the_inherent_data_tier_chain():
    """Key -> log group -> Multi-AZ primary -> the slowest replica (cross-region) -> one
    API call that needs that replica's identifier: its lag alarm and the dashboard (its
    DR lag widget) both finish 1 s after it, and the tie goes to the dashboard (the
    earlier-ordered URN). Nothing else (CDN, cache, app, other alarms, proxy) lengthens
    the first deployment."""
    plan = cached_plan("prod")
    deploy = estimate.deploy_estimate(plan)
    assert chain_of(plan) == [
        ("aws:kms/key:Key", "database-key"),
        ("aws:cloudwatch/logGroup:LogGroup", "database-primary-postgresql-logs"),
        (INSTANCE, "database-primary"),
        (INSTANCE, "database-replica-eu-central-1"),
        ("aws:cloudwatch/dashboard:Dashboard", "alerting-dashboard"),
    ]
    seconds = [s.seconds for s in deploy.chain]
    assert seconds == [estimate.CREATION_SECONDS["aws:kms/key:Key"][0],
                       estimate.CREATION_SECONDS["aws:cloudwatch/logGroup:LogGroup"][0],
                       estimate.RDS_SECONDS["primary-multi-az"], estimate.RDS_SECONDS["cross-region-replica"],
                       estimate.CREATION_SECONDS["aws:cloudwatch/dashboard:Dashboard"][0]]
    assert deploy.critical_path_seconds == sum(seconds) == 2418
    # Each step starts when the previous one ends, and really waits for it.
    for before, after in zip(deploy.chain, deploy.chain[1:]):
        assert after.starts_at == before.finishes_at
        assert before.resource in plan.waits_for(after.resource)
    # The network (VPC -> subnet -> subnet group) also feeds the primary, alongside the
    # key chain, and is just shorter.
    primary = deploy.chain[2].resource
    assert "aws:rds/subnetGroup:SubnetGroup" in {r.type for r in plan.waits_for(primary)}
    network = sum(estimate.CREATION_SECONDS[t][0] for t in
                  ("aws:ec2/vpc:Vpc", "aws:ec2/subnet:Subnet", "aws:rds/subnetGroup:SubnetGroup"))
    assert network < deploy.chain[2].starts_at
    # The DR replica's lag alarm ends the path just as well: same wait, same 1 s.
    dr_replica = deploy.chain[3].resource
    dr_lag = plan.one("aws:cloudwatch/metricAlarm:MetricAlarm", "alerting-db-replica-eu-central-1-lag")
    assert dr_replica in plan.waits_for(dr_lag)
    assert estimate.creation_seconds(dr_lag)[0] == deploy.chain[4].seconds == 1
    assert deploy.defaulted_types == []


def test_without_a_dr_replica_the_path_ends_with_a_replica_and_what_needs_it():
    """Primary -> replica -> its lag alarm -> the health check on that alarm -> the reader
    record gated by it -> the app's reader-host variable: each needs the one before."""
    plan = cached_plan("prod", NO_DR_REPLICA)
    types = [t for t, _ in chain_of(plan)]
    assert types[2:] == [INSTANCE, INSTANCE, "aws:cloudwatch/metricAlarm:MetricAlarm",
                         "aws:route53/healthCheck:HealthCheck", "aws:route53/record:Record",
                         "vercel:index/projectEnvironmentVariable:ProjectEnvironmentVariable"]
    names = [n for _, n in chain_of(plan)]
    assert names[2] == "database-primary" and names[3].startswith("database-replica-")
    replica = plan.one(INSTANCE, names[3])
    alarm = plan.one("aws:cloudwatch/metricAlarm:MetricAlarm", names[4])
    assert alarm.depends_on(replica)


def test_the_critical_path_is_a_fraction_of_creating_everything_in_turn():
    plan = cached_plan("prod")
    deploy = estimate.deploy_estimate(plan)
    assert deploy.serial_seconds == sum(estimate.creation_seconds(r)[0] for r in plan.creatable()) == 7971
    assert deploy.serial_seconds > 2.5 * deploy.critical_path_seconds


def test_a_type_without_a_typical_time_is_named_and_defaulted():
    def program():
        aws.sqs.Queue("jobs")

    plan = synth(program)
    deploy = estimate.deploy_estimate(plan)
    assert deploy.defaulted_types == ["aws:sqs/queue:Queue"]
    assert deploy.critical_path_seconds == estimate.DEFAULT_SECONDS
    text = estimate.render_text(plan, deploy, estimate.cost_estimate(plan))
    assert f"(no typical time known for aws:sqs/queue:Queue: {estimate.DEFAULT_SECONDS}s assumed)" in text


@pytest.mark.parametrize("stack", ["dev", "staging"])
def test_smaller_tiers_deploy_faster(stack):
    prod = estimate.deploy_estimate(cached_plan("prod")).critical_path_seconds
    deploy = estimate.deploy_estimate(cached_plan(stack))
    assert deploy.critical_path_seconds < prod
    assert any(s.resource.name == "database-primary" for s in deploy.chain)


def test_creation_times_follow_the_inputs():
    def program():
        aws.rds.Instance("single", instance_class="db.t4g.micro", engine="postgres")
        aws.rds.Instance("multi", instance_class="db.t4g.micro", engine="postgres", multi_az=True)
        aws.rds.Instance("near", instance_class="db.t4g.micro", replicate_source_db="single-id")
        aws.rds.Instance("far", instance_class="db.t4g.micro",
                         replicate_source_db="arn:aws:rds:eu-west-1:123456789012:db:single-id")
        aws.elasticache.ReplicationGroup("one", description="x", node_type="cache.t4g.micro", num_cache_clusters=1)
        aws.elasticache.ReplicationGroup("three", description="x", node_type="cache.t4g.micro", num_cache_clusters=3)
        aws.sqs.Queue("unlisted")

    plan = synth(program)
    took = {r.name: estimate.creation_seconds(r)[0] for r in plan}
    assert took["single"] == estimate.RDS_SECONDS["primary"] < took["multi"] == estimate.RDS_SECONDS["primary-multi-az"]
    assert took["near"] == estimate.RDS_SECONDS["replica"] < took["far"] == estimate.RDS_SECONDS["cross-region-replica"]
    assert took["one"] < took["three"]
    assert took["unlisted"] == estimate.DEFAULT_SECONDS
    assert estimate.deploy_estimate(plan).defaulted_types == ["aws:sqs/queue:Queue"]


def test_every_type_the_stacks_create_has_a_typical_time():
    for stack, overrides in (("dev", None), ("staging", None), ("prod", None), ("prod", KUBERNETES), ("dev", ECS),
                             ("prod", ECS)):
        assert estimate.deploy_estimate(cached_plan(stack, overrides)).defaulted_types == [], stack


def test_durations_read_as_hours_minutes_seconds():
    assert estimate.duration(45) == "45s"
    assert estimate.duration(2417) == "40m 17s"
    assert estimate.duration(3725) == "1h 02m 05s"


# ------------------------------------------------------------------------ monthly cost


def line(cost, name, token=None):
    return next(item for item in cost.lines
                if item.resource.name == name and (token is None or item.resource.type == token))


def test_prod_database_lines_are_class_times_hours_times_copies_plus_storage():
    cost = estimate.cost_estimate(cached_plan("prod"))
    hourly = prices.RDS_POSTGRES_HOURLY["db.r7g.large"]
    gp3 = prices.RDS_STORAGE_GB_MONTH["gp3"]
    assert line(cost, "database-primary").monthly == round(2 * (hourly * 730 + 100 * gp3), 2)
    for replica in ("database-replica-1", "database-replica-2", "database-replica-3", "database-replica-eu-central-1"):
        # Replicas are Single-AZ and inherit the primary's storage.
        assert line(cost, replica).monthly == round(hourly * 730 + 100 * gp3, 2)
    assert line(cost, "database-proxy").monthly == round(2 * prices.RDS_PROXY_VCPU_HOUR * 730, 2)
    assert line(cost, "cache-group").monthly == round(3 * prices.ELASTICACHE_REDIS_HOURLY["cache.r7g.large"] * 730, 2)


def test_prod_small_lines_are_priced_from_their_inputs():
    plan = cached_plan("prod")
    cost = estimate.cost_estimate(plan)
    assert line(cost, "database-master").monthly == 2 * prices.SECRET_MONTH  # replicated to the DR region
    assert line(cost, "cache-auth").monthly == prices.SECRET_MONTH
    rules = len(plan.one("aws:wafv2/webAcl:WebAcl").inputs["rules"])
    assert line(cost, "cdn-waf").monthly == prices.WAF_WEB_ACL_MONTH + rules * prices.WAF_RULE_MONTH
    # The site check is HTTPS with latency measurement: base + 2 features, endpoint rates.
    assert line(cost, "alerting-health").monthly == prices.HEALTH_CHECK_MONTH["external"] + 2 * prices.HEALTH_CHECK_FEATURE_MONTH["external"]
    assert line(cost, "database-replica-1-rotation", "aws:route53/healthCheck:HealthCheck").detail.startswith("health check of an AWS metric")
    assert line(cost, "alerting-cdn-metrics").monthly == round(
        prices.CLOUDFRONT_ADDITIONAL_METRICS * prices.CUSTOM_METRIC_MONTH, 2)
    assert line(cost, "database-reader", "aws:route53/zone:Zone").monthly == prices.HOSTED_ZONE_MONTH
    assert line(cost, "alerting-dashboard").monthly == prices.DASHBOARD_MONTH
    keys = plan.by_type("aws:kms/key:Key")
    assert sum(1 for item in cost.lines if item.resource.type == "aws:kms/key:Key") == len(keys)
    alarms = plan.by_type("aws:cloudwatch/metricAlarm:MetricAlarm")
    assert round(sum(i.monthly for i in cost.lines if i.resource.type == alarms[0].type), 2) == round(len(alarms) * prices.ALARM_METRIC_MONTH, 2)


def test_the_total_is_the_sum_of_the_lines_and_grows_with_the_tier():
    totals = {s: estimate.cost_estimate(cached_plan(s)).monthly_total for s in ("dev", "staging", "prod")}
    assert totals["dev"] < totals["staging"] < totals["prod"]
    assert totals["prod"] == 1681.30  # the figure README "Performance and cost" publishes


def test_what_is_not_billed_by_aws_is_named_not_counted():
    vercel = estimate.cost_estimate(cached_plan("prod"))
    assert {u.resource.type.split(":")[0] for u in vercel.unpriced} == {"vercel"}
    kubernetes = estimate.cost_estimate(cached_plan("prod", KUBERNETES))
    assert {u.resource.type.split(":")[0] for u in kubernetes.unpriced} == {"kubernetes"}
    assert all(not i.resource.type.startswith(("vercel:", "kubernetes:")) for i in kubernetes.lines)
    plan = cached_plan("prod", KUBERNETES)
    text = estimate.render_text(plan, estimate.deploy_estimate(plan), kubernetes)
    names = [u.resource.name for u in kubernetes.unpriced]
    assert f"  {', '.join(names[:4])} and {len(names) - 4} more: {estimate.NOT_AWS['kubernetes']}" in text.splitlines()


def test_the_ecs_tier_is_priced_tasks_load_balancer_and_endpoints():
    cost = estimate.cost_estimate(cached_plan("prod", ECS))
    lines = {line.resource.name: line for line in cost.lines}
    hours = prices.HOURS_PER_MONTH
    # prod: 2 tasks of 1 vCPU / 2 GB on ARM64, around the clock (more under load: usage-based)
    assert lines["app-service"].monthly == round(2 * (1 * 0.03238 + 2 * 0.00356) * hours, 2)
    assert lines["app-service"].detail == "2 × Fargate ARM64 1 vCPU / 2 GB"
    assert lines["app-alb"].monthly == round((0.0225 + 3 * 0.005) * hours, 2)  # and a public IPv4 per zone
    endpoints = [line for line in cost.lines if line.resource.type == "aws:ec2/vpcEndpoint:VpcEndpoint"]
    assert len(endpoints) == 4 and {line.monthly for line in endpoints} == {round(3 * 0.01 * hours, 2)}
    assert cost.unpriced == []
    dev = {line.resource.name: line.monthly for line in estimate.cost_estimate(cached_plan("dev", ECS)).lines}
    assert dev["app-service"] == round(0.25 * 0.03238 * hours + 0.5 * 0.00356 * hours, 2)
    assert dev["app-ecr-api"] == round(0.01 * hours, 2)  # dev's endpoints span one zone
    assert any("Fargate" in service for service, _, _ in prices.USAGE_BASED)


def test_a_class_missing_from_the_table_is_unpriced_never_free():
    def program():
        aws.rds.Instance("odd", instance_class="db.x2g.large", engine="postgres", allocated_storage=20)
        aws.elasticache.ReplicationGroup("valkey", description="x", node_type="cache.t4g.small",
                                         num_cache_clusters=2, engine="valkey")

    cost = estimate.cost_estimate(synth(program))
    assert [(u.resource.name, u.reason) for u in cost.unpriced] == [
        ("odd", f"no list price for RDS instance class 'db.x2g.large' in the table of {prices.AS_OF}")]
    valkey = line(cost, "valkey")
    assert valkey.monthly == round(2 * prices.ELASTICACHE_REDIS_HOURLY["cache.t4g.small"] * 0.8 * 730, 2)


def test_provisioned_iops_sharded_caches_and_health_check_features_are_priced_from_inputs():
    def program():
        aws.rds.Instance("io", instance_class="db.r7g.large", engine="postgres", allocated_storage=100,
                         storage_type="gp3", iops=12000)
        aws.elasticache.ReplicationGroup("sharded", description="x", node_type="cache.r7g.large",
                                         num_node_groups=2, replicas_per_node_group=1)
        aws.route53.HealthCheck("fast", type="HTTPS_STR_MATCH", fqdn="shop.example.com", port=443,
                                resource_path="/health", search_string="ok", request_interval=10)

    cost = estimate.cost_estimate(synth(program))
    rds = prices.RDS_POSTGRES_HOURLY["db.r7g.large"] * 730 + 100 * prices.RDS_STORAGE_GB_MONTH["gp3"]
    assert line(cost, "io").monthly == round(rds + 9000 * prices.RDS_GP3_IOPS_MONTH, 2)  # 3,000 IOPS are included
    assert line(cost, "io").detail.endswith(f"+ 9000 IOPS ${9000 * prices.RDS_GP3_IOPS_MONTH:,.2f}")
    assert line(cost, "sharded").monthly == round(4 * prices.ELASTICACHE_REDIS_HOURLY["cache.r7g.large"] * 730, 2)
    features = prices.HEALTH_CHECK_FEATURE_MONTH["external"]
    assert line(cost, "fast").monthly == prices.HEALTH_CHECK_MONTH["external"] + 3 * features
    assert line(cost, "fast").detail == "health check of an endpoint + HTTPS, string matching, fast interval"


def test_metric_math_alarms_cost_per_metric_and_high_resolution_costs_more():
    def program():
        aws.cloudwatch.MetricAlarm(
            "ratio", comparison_operator="GreaterThanThreshold", evaluation_periods=1, threshold=1,
            metric_queries=[
                aws.cloudwatch.MetricAlarmMetricQueryArgs(id="e", expression="a/b", return_data=True),
                aws.cloudwatch.MetricAlarmMetricQueryArgs(id="a", metric=aws.cloudwatch.MetricAlarmMetricQueryMetricArgs(
                    metric_name="A", namespace="N", period=60, stat="Sum")),
                aws.cloudwatch.MetricAlarmMetricQueryArgs(id="b", metric=aws.cloudwatch.MetricAlarmMetricQueryMetricArgs(
                    metric_name="B", namespace="N", period=60, stat="Sum")),
            ])
        aws.cloudwatch.MetricAlarm("fast", comparison_operator="GreaterThanThreshold", evaluation_periods=1,
                                   threshold=1, metric_name="M", namespace="N", period=10, statistic="Sum")

    cost = estimate.cost_estimate(synth(program))
    assert line(cost, "ratio").monthly == 2 * prices.ALARM_METRIC_MONTH
    assert line(cost, "fast").monthly == prices.ALARM_METRIC_HIGH_RESOLUTION_MONTH


def test_canaries_are_priced_per_run_from_their_schedule_and_burn_rate_alerts_per_composite():
    prod = estimate.cost_estimate(cached_plan("prod"))
    every_5_minutes = 12 * 24 * 365 // 12  # 8,760 runs a month
    for region in ("eu-west-1", "us-east-1"):
        assert line(prod, f"canary-{region}").monthly == round(every_5_minutes * prices.SYNTHETICS_CANARY_RUN, 2)
    assert line(prod, "canary-us-east-1").detail == f"8,760 runs × ${prices.SYNTHETICS_CANARY_RUN}"
    assert line(estimate.cost_estimate(cached_plan("dev")), "canary-eu-west-1").detail.startswith("730 runs")
    composites = [i for i in prod.lines if i.resource.type == "aws:cloudwatch/compositeAlarm:CompositeAlarm"]
    assert len(composites) == 6 and {i.monthly for i in composites} == {prices.COMPOSITE_ALARM_MONTH}
    # A drill costs only while it runs: named with its unit price, not counted.
    assert ("AWS FIS", "recovery drills, while an experiment runs", "$0.10 per action-minute") in prices.USAGE_BASED
    assert estimate.canary_runs_per_month("rate(1 hour)") == 730

    def program():
        aws.synthetics.Canary("stopped", artifact_s3_location="s3://b/", execution_role_arn="arn:aws:iam::1:role/r",
                              handler="c.handler", runtime_version="syn-nodejs-playwright-5.1",
                              schedule={"expression": "rate(5 minutes)"}, start_canary=False)
        aws.synthetics.Canary("nightly", artifact_s3_location="s3://b/", execution_role_arn="arn:aws:iam::1:role/r",
                              handler="c.handler", runtime_version="syn-nodejs-playwright-5.1",
                              schedule={"expression": "cron(0 2 * * ? *)"}, start_canary=True)

    cost = estimate.cost_estimate(synth(program))
    assert "stopped" not in [i.resource.name for i in cost.lines]  # a stopped canary makes no runs
    assert [(u.resource.name, u.reason) for u in cost.unpriced] == [
        ("nightly", "schedule 'cron(0 2 * * ? *)': runs per month are derived from rate() expressions only")]


def test_the_price_table_is_dated_and_labelled():
    assert prices.AS_OF == "2026-11" and prices.REGION == "us-east-1"
    assert "Estimate, not a quote" in estimate.LABEL and prices.AS_OF in estimate.LABEL
    # Every class the tier presets pick has a price, and every priced class is one the
    # components accept (the one table of classes).
    from infra.presets import PRESETS
    from pulumi_webstack.instance_classes import CACHE_NODE_TYPES, RDS_INSTANCE_CLASSES
    for klass in PRESETS["database.instance_class"].values():
        assert klass in prices.RDS_POSTGRES_HOURLY
    for node in PRESETS["cache.node_type"].values():
        assert node in prices.ELASTICACHE_REDIS_HOURLY
    assert set(prices.RDS_POSTGRES_HOURLY) <= set(RDS_INSTANCE_CLASSES)
    assert set(prices.ELASTICACHE_REDIS_HOURLY) <= set(CACHE_NODE_TYPES)


# ------------------------------------------------------------------------------ command


def test_estimate_prints_the_chain_and_the_cost_table(capsys):
    assert main(["estimate", "prod"]) == 0
    out = capsys.readouterr().out
    assert "critical path 40m 18s" in out
    assert "database-primary (aws:rds/instance:Instance): Multi-AZ instance" in out
    assert "Estimate, not a quote: on-demand us-east-1 list prices as of 2026-11" in out
    total = estimate.cost_estimate(cached_plan("prod")).monthly_total
    assert any(line.split() == ["Total", f"${total:,.2f}", "per", "month,", "before", "usage-based", "charges"]
               for line in out.splitlines())
    assert "billed by Vercel" in out and "CloudFront: data transfer out" in out


def test_estimate_json_is_the_documented_schema(capsys):
    assert main(["estimate", "staging", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["schemaVersion"] == 1 and data["stack"] == "staging"
    assert data["resources"] == len(cached_plan("staging"))
    deploy, cost = data["deploy"], data["cost"]
    assert set(data) == {"schemaVersion", "stack", "resources", "deploy", "cost"}
    assert set(deploy) == {"criticalPathSeconds", "serialSeconds", "steps", "chain", "defaultedTypes"}
    assert set(cost) == {"currency", "region", "pricesAsOf", "label", "monthlyTotal", "lines", "unpriced", "usageBased"}
    assert deploy["serialSeconds"] == estimate.deploy_estimate(cached_plan("staging")).serial_seconds
    assert deploy["defaultedTypes"] == [] and cost["label"] == estimate.LABEL
    assert deploy["criticalPathSeconds"] == deploy["chain"][-1]["finishesAt"]
    assert deploy["steps"] == len(deploy["chain"]) and deploy["chain"][0]["startsAt"] == 0
    assert set(deploy["chain"][0]) == {"urn", "type", "name", "seconds", "startsAt", "finishesAt", "basis"}
    assert cost["currency"] == "USD" and cost["pricesAsOf"] == prices.AS_OF and cost["region"] == "us-east-1"
    assert cost["monthlyTotal"] == round(sum(i["monthly"] for i in cost["lines"]), 2)
    assert {u["type"].split(":")[0] for u in cost["unpriced"]} == {"vercel"}
    assert cost["usageBased"][0] == {"service": "CloudFront", "what": "data transfer out to the internet",
                                     "price": prices.USAGE_BASED[0][2]}


def test_estimate_of_an_unknown_stack_is_one_line(capsys):
    assert main(["estimate", "qa"]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.startswith("webstack: error: no stack file Pulumi.qa.yaml")


def test_the_proxy_is_priced_per_vcpu_of_its_target_class():
    cost = estimate.cost_estimate(cached_plan("prod", {"webstack:database": {"instanceClass": "db.r7g.4xlarge"}}))
    assert line(cost, "database-proxy").monthly == round(16 * prices.RDS_PROXY_VCPU_HOUR * 730, 2)
    assert line(cost, "database-proxy").detail.startswith("16 vCPUs")
    assert estimate.vcpus("cache.t4g.micro") == 2 and estimate.vcpus("db.m7g.12xlarge") == 48
    with pytest.raises(Exception, match="unknown instance class 'db.r7g.metal'"):
        estimate.vcpus("db.r7g.metal")


def test_estimate_honours_set(capsys):
    assert main(["estimate", "prod", "--json", "--set", "webstack:database.crossRegionReplica=eu-north-1"]) == 0
    data = json.loads(capsys.readouterr().out)
    chain = [step["name"] for step in data["deploy"]["chain"]]
    assert "database-replica-eu-north-1" in chain and "database-replica-eu-central-1" not in chain
