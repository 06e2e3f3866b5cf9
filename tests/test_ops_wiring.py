"""Specification of the stack's backups and alerting, as the real program composes them."""

from __future__ import annotations

import json

import pytest

from pulumi_webstack_cli.engine import Secret
from tests.conftest import cached_plan
from tests.helpers import ECS, KUBERNETES

ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"


def alarms(plan) -> dict[str, object]:
    return {r.name.removeprefix("alerting-"): r for r in plan.by_type(ALARM) if r.name.startswith("alerting-")}


def topic(plan, severity: str, region: str = "eu-west-1") -> str:
    infix = {"eu-west-1": "", "us-east-1": "edge-"}.get(region, f"{region}-")
    return plan.one("aws:sns/topic:Topic", f"alerting-{infix}{severity}").state["arn"]


# --------------------------------------------------------------------------- backups


def test_prod_backups_are_hardened_locked_and_copied_to_the_second_region():
    plan = cached_plan("prod")
    bucket = plan.get("backups-bucket")
    assert bucket.protect and bucket.retain_on_delete and bucket.inputs["objectLockEnabled"] is True
    lock = plan.get("backups-bucket-object-lock")
    assert lock.inputs["rule"]["defaultRetention"] == {"mode": "COMPLIANCE", "days": 30}
    replica = plan.get("backups-replica")
    assert replica.inputs["region"] == "eu-central-1"  # Pulumi.prod.yaml copyRegion
    assert plan.get("backups-replication").inputs["rules"][0]["destination"]["bucket"] == replica.state["arn"]
    sse = plan.get("backups-bucket-encryption").inputs["rules"][0]
    assert sse["applyServerSideEncryptionByDefault"]["sseAlgorithm"] == "aws:kms" and sse["bucketKeyEnabled"] is True
    assert plan.get("backups-vault-lock").inputs["changeableForDays"] == 3
    assert plan.get("backups-copy-vault").inputs["region"] == "eu-central-1"


def test_prod_plan_has_daily_and_continuous_rules_and_copies_cross_region():
    plan = cached_plan("prod")
    rules = {r["ruleName"]: r for r in plan.get("backups-plan").inputs["rules"]}
    assert rules["daily"]["schedule"] == "cron(0 2 * * ? *)"
    assert rules["daily"]["lifecycle"] == {"deleteAfter": 30}
    assert rules["daily"]["copyActions"][0]["destinationVaultArn"] == plan.get("backups-copy-vault").state["arn"]
    assert rules["continuous"]["enableContinuousBackup"] is True


@pytest.mark.parametrize("stack", ["staging", "prod"])
def test_the_continuous_window_is_the_databases_own_backup_retention(stack):
    # AWS Backup continuous backup for RDS sets the instance's automated-backup retention:
    # the two numbers must agree or every deploy would undo the other.
    plan = cached_plan(stack)
    continuous = {r["ruleName"]: r for r in plan.get("backups-plan").inputs["rules"]}["continuous"]
    primary = plan.one("aws:rds/instance:Instance", "database-primary")
    assert continuous["lifecycle"]["deleteAfter"] == primary.inputs["backupRetentionPeriod"]


def test_the_backup_selection_protects_the_real_database_primary():
    plan = cached_plan("prod")
    primary = plan.one("aws:rds/instance:Instance", "database-primary")
    assert plan.get("backups-selection").inputs["resources"] == [primary.state["arn"]]
    # ElastiCache is not an AWS Backup resource type: the cache keeps its own snapshots.
    assert not [r for r in plan.get("backups-selection").inputs["resources"] if ":elasticache:" in r]


@pytest.mark.parametrize("stack, continuous, locked", [("dev", False, False), ("staging", True, False)])
def test_lower_tiers_keep_backups_simpler(stack, continuous, locked):
    plan = cached_plan(stack)
    rules = [r["ruleName"] for r in plan.get("backups-plan").inputs["rules"]]
    assert ("continuous" in rules) is continuous
    assert bool(plan.by_type("aws:backup/vaultLockConfiguration:VaultLockConfiguration")) is locked
    assert not plan.by_type("aws:s3/bucketReplicationConfig:BucketReplicationConfig")
    assert plan.get("backups-bucket").protect is False
    assert plan.get("backups-bucket").inputs["forceDestroy"] is (stack == "dev")


# -------------------------------------------------------------------------- alerting


def test_prod_has_three_topics_routed_to_pager_chat_and_email():
    plan = cached_plan("prod")
    subs = {s.name: s for s in plan.by_type("aws:sns/topicSubscription:TopicSubscription")}
    assert subs["alerting-critical-pager"].inputs["topic"] == topic(plan, "critical")
    slack = plan.one("aws:chatbot/slackChannelConfiguration:SlackChannelConfiguration")
    assert (slack.inputs["slackTeamId"], slack.inputs["slackChannelId"]) == ("T0EXAMPLE01", "C0PRODALRT1")
    assert topic(plan, "warning") in slack.inputs["snsTopicArns"]
    assert {s.inputs["endpoint"] for s in subs.values() if s.inputs["topic"] == topic(plan, "info")} == {
        "platform@example.com", "oncall@example.com"}
    # The pager URL is a secret: offline a placeholder, and it stays wrapped.
    assert isinstance(subs["alerting-critical-pager"].inputs["endpoint"], Secret)
    assert "offline-placeholder" not in json.dumps(plan.to_json())


def test_staging_pages_through_chat_and_email_without_a_pager():
    plan = cached_plan("staging")
    critical = {s.name for s in plan.by_type("aws:sns/topicSubscription:TopicSubscription")
                if s.inputs["topic"] == topic(plan, "critical")}
    assert critical == {"alerting-critical-email-platform-example-com"}
    slack = plan.one("aws:chatbot/slackChannelConfiguration:SlackChannelConfiguration")
    assert topic(plan, "critical") in slack.inputs["snsTopicArns"]
    # One channel configuration per Slack channel per account: staging and prod use their own.
    assert slack.inputs["slackChannelId"] != cached_plan("prod").one(
        "aws:chatbot/slackChannelConfiguration:SlackChannelConfiguration").inputs["slackChannelId"]


# Every alert threshold of DESIGN.md, and the alarm (or rule) that implements it in prod.
DESIGN_THRESHOLDS = {
    "service down > 2 min": ("service-down", "HealthCheckStatus", 1, "critical"),
    "5xx error rate > 5 %": ("cdn-5xx-rate", "5xxErrorRate", 5, "critical"),
    "p95 latency > 3 s": ("cdn-origin-latency-p95", "OriginLatency", 3000, "warning"),
    "certificate expiring < 7 days": ("certificate-expiry", "DaysToExpiry", 7, "warning"),
    # Below autoscaling's own 10 % trigger (issue 18), as a percentage: metric math, no metricName.
    "free storage < 10 %": ("db-free-storage", None, 5, "critical"),
    "DB connections > 90 % of max": ("db-connections", "DatabaseConnections", None, "warning"),
    "memory > 85 % (cache)": ("cache-001-memory", "DatabaseMemoryUsagePercentage", 85, "warning"),
    "memory > 85 % (database)": ("db-freeable-memory", "FreeableMemory", None, "warning"),
    "replica lag": ("db-replica-1-lag", "ReplicaLag", 30, "warning"),
    "backup job failed (silent)": ("backup-stale", "NumberOfBackupJobsCompleted", 1, "warning"),
}


@pytest.mark.parametrize("threshold", list(DESIGN_THRESHOLDS))
def test_prod_has_an_alarm_for_every_design_threshold(threshold):
    plan = cached_plan("prod")
    key, metric, value, severity = DESIGN_THRESHOLDS[threshold]
    res = alarms(plan)[key]
    assert res.inputs.get("metricName") == metric
    if value is not None:
        assert res.inputs["threshold"] == value
    region = res.inputs.get("region", "eu-west-1")
    assert res.inputs["alarmActions"] == [topic(plan, severity, region)]


def test_percent_thresholds_are_computed_from_the_real_database():
    plan = cached_plan("prod")
    found = alarms(plan)
    database = plan.one("webstack:index:Database").component_outputs
    max_connections = database["max_connections"]
    assert found["db-connections"].inputs["threshold"] == pytest.approx(max_connections * 0.9)
    # The free-storage share is read from the primary's own volume (DbiResourceId), whatever its size now.
    primary_id = plan.one("aws:rds/instance:Instance", "database-primary").state["resourceId"]
    assert primary_id in found["db-free-storage"].inputs["metricQueries"][0]["expression"]
    assert found["db-freeable-memory"].inputs["threshold"] == int(16 * 1024**3 * 0.15)  # db.r7g.large: 16 GiB
    primary = plan.one("aws:rds/instance:Instance", "database-primary")
    assert found["db-cpu"].inputs["dimensions"] == {"DBInstanceIdentifier": primary.state["identifier"]}


def test_prod_watches_every_replica_every_cache_node_and_the_real_cdn():
    plan = cached_plan("prod")
    found = alarms(plan)
    replicas = [r for r in plan.by_type("aws:rds/instance:Instance") if r.inputs.get("replicateSourceDb")]
    lag = {k: r for k, r in found.items() if k.startswith("db-replica-") and k.endswith("-lag")}
    # 3 in-region replicas and the cross-region one: every replica's lag is watched.
    assert len(lag) == len(replicas) == 4
    assert {r.inputs["dimensions"]["DBInstanceIdentifier"] for r in lag.values()} == {
        r.state["identifier"] for r in replicas}
    group = plan.one("aws:elasticache/replicationGroup:ReplicationGroup")
    members = group.state["memberClusters"]
    assert {found[f"cache-{i:03d}-memory"].inputs["dimensions"]["CacheClusterId"]
            for i in range(1, len(members) + 1)} == set(members)
    distribution = plan.one("aws:cloudfront/distribution:Distribution")
    assert found["cdn-5xx-rate"].inputs["dimensions"]["DistributionId"] == distribution.id
    assert found["cdn-5xx-rate"].inputs["region"] == "us-east-1"
    assert plan.one("aws:cloudfront/monitoringSubscription:MonitoringSubscription").inputs["distributionId"] == distribution.id


def test_alarm_names_number_what_they_watch_as_aws_names_it():
    # On-call reads "...-db-replica-2-lag" and must find the instance "...-replica-2", and
    # "...-cache-003-memory" the node "...-003".
    found = alarms(cached_plan("prod"))
    numbered = [(k, r.inputs["dimensions"]) for k, r in found.items()
                if k.startswith(("db-replica-", "cache-")) and "eu-central-1" not in k]
    assert len(numbered) == 3 * 2 + 3 * 4
    for key, dimensions in numbered:
        watched = dimensions.get("DBInstanceIdentifier") or dimensions["CacheClusterId"]
        number = key.split("-")[2] if key.startswith("db-") else key.split("-")[1]
        assert watched.endswith(f"-{number}"), (key, watched)


def test_prod_alarms_on_the_disaster_recovery_replica_in_its_own_region():
    """Pulumi.prod.yaml's crossRegionReplica (eu-central-1): its ReplicaLag is the recovery
    point of a failover there. The alarm lives in eu-central-1 (where the metric is) and
    notifies the warning topic there, not the stack region's."""
    plan = cached_plan("prod")
    dr_replica = plan.one("aws:rds/instance:Instance", "database-replica-eu-central-1")
    lag = alarms(plan)["db-replica-eu-central-1-lag"]
    assert lag.inputs["region"] == dr_replica.inputs["region"] == "eu-central-1"
    assert (lag.inputs["namespace"], lag.inputs["metricName"]) == ("AWS/RDS", "ReplicaLag")
    assert lag.inputs["dimensions"] == {"DBInstanceIdentifier": dr_replica.state["identifier"]}
    assert lag.depends_on(dr_replica)
    # Same threshold and missing-data treatment as the in-region replicas.
    in_region = alarms(plan)["db-replica-1-lag"]
    for key in ("threshold", "statistic", "period", "evaluationPeriods", "treatMissingData"):
        assert lag.inputs[key] == in_region.inputs[key], key
    warning = topic(plan, "warning", "eu-central-1")
    assert warning.startswith("arn:aws:sns:eu-central-1:") and warning != topic(plan, "warning")
    assert lag.inputs["alarmActions"] == lag.inputs["okActions"] == [warning]
    assert lag.inputs["name"] == "webstack-prod-db-replica-eu-central-1-lag"
    assert lag.inputs["name"] in plan.outputs["alarmNames"]


def test_the_disaster_recovery_topics_reach_the_stacks_subscribers():
    """How topics are placed per region is the component's (test_alerting); the stack decides
    who is told: its chat gets the DR region's warning topic, nobody subscribes by email there."""
    plan = cached_plan("prod")
    dr = plan.one("aws:sns/topic:Topic", "alerting-eu-central-1-warning")
    slack = plan.one("aws:chatbot/slackChannelConfiguration:SlackChannelConfiguration")
    assert dr.state["arn"] in slack.inputs["snsTopicArns"]
    assert not [s for s in plan.by_type("aws:sns/topicSubscription:TopicSubscription")
                if s.inputs.get("region") == "eu-central-1"]


def test_the_prod_dashboard_shows_the_dr_replica_lag_from_its_region():
    plan = cached_plan("prod")
    dr_replica = plan.one("aws:rds/instance:Instance", "database-replica-eu-central-1")
    widgets = {w["properties"]["title"]: w["properties"]
               for w in json.loads(plan.get("alerting-dashboard").inputs["dashboardBody"])["widgets"]}
    lag = widgets["Cross-region replica lag (s), eu-central-1"]
    assert lag["region"] == "eu-central-1"
    assert lag["metrics"] == [["AWS/RDS", "ReplicaLag", "DBInstanceIdentifier", dr_replica.state["identifier"]]]
    assert lag["annotations"] == {"horizontal": [{"label": "alarm", "value": 30}]}


@pytest.mark.parametrize("stack", ["dev", "staging"])
def test_stacks_without_a_dr_replica_get_no_dr_alarm_and_no_dr_topics(stack):
    plan = cached_plan(stack)
    regions = {r.inputs.get("region") for r in plan.by_type(ALARM)}
    assert regions <= {None, "eu-west-1", "us-east-1"}  # the stack's region (canaries name it), the edge
    assert {t.inputs.get("region") for t in plan.by_type("aws:sns/topic:Topic")} <= {None, "us-east-1"}
    assert not [r for r in plan.by_type("aws:rds/instance:Instance") if r.inputs.get("region")]
    widgets = json.loads(plan.get("alerting-dashboard").inputs["dashboardBody"])["widgets"]
    assert not [w for w in widgets if w["properties"]["title"].startswith("Cross-region replica lag")]


def test_the_health_check_watches_the_public_domain_once_the_cdn_exists():
    plan = cached_plan("prod")
    check = plan.get("alerting-health")
    assert (check.inputs["fqdn"], check.inputs["resourcePath"]) == ("shop.example.com", "/api/health")
    assert check.depends_on(plan.one("aws:cloudfront/distribution:Distribution"))


def test_backup_events_watch_the_stack_vault():
    plan = cached_plan("prod")
    vault = plan.get("backups-vault").inputs["name"]
    pattern = json.loads(plan.get("alerting-backup-failed").inputs["eventPattern"])
    assert pattern["detail"]["backupVaultName"] == [vault]
    # DESIGN: "backup job failed" pages: an alarm on the rule matching, to the pager's topic.
    page = alarms(plan)["backup-failed-event"].inputs
    assert page["dimensions"] == {"RuleName": plan.get("alerting-backup-failed").inputs["name"]}
    assert page["alarmActions"] == [topic(plan, "critical")]
    # Staging has no pager: chat and email read the event itself.
    staging = cached_plan("staging")
    assert staging.get("alerting-backup-failed-target").inputs["arn"] == topic(staging, "critical")
    restore = json.loads(plan.get("alerting-restore-completed").inputs["eventPattern"])
    assert restore["detail"]["backupVaultArn"] == [{"suffix": f":backup-vault:{vault}"}]


def test_dev_thresholds_and_email_only_routing():
    plan = cached_plan("dev")
    assert alarms(plan)["cdn-5xx-rate"].inputs["threshold"] == 20
    https = [s for s in plan.by_type("aws:sns/topicSubscription:TopicSubscription") if s.inputs["protocol"] == "https"]
    assert https == []


def test_kubernetes_app_gets_container_insights_alarms_when_the_cluster_is_named():
    plan = cached_plan("prod", {**KUBERNETES,
                                "webstack:alerting": {"emails": ["oncall@example.com"], "kubernetesClusterName": "prod-eks"}})
    found = alarms(plan)
    assert found["app-hpa-at-max"].inputs["threshold"] == 20  # prod maxInstances
    assert found["app-pod-restarts"].inputs["dimensions"]["ClusterName"] == "prod-eks"
    assert not [k for k in alarms(cached_plan("prod")) if k.startswith("app-")]  # Vercel: none


def test_an_ecs_app_gets_its_alarms_on_the_severity_topics(each_stack):
    plan = cached_plan(each_stack, ECS)
    found = alarms(plan)
    cluster, service = plan.one("aws:ecs/cluster:Cluster"), plan.one("aws:ecs/service:Service")
    balancer = plan.one("aws:lb/loadBalancer:LoadBalancer")
    dims = {"ClusterName": cluster.state["name"], "ServiceName": service.state["name"]}
    for key in ("app-cpu", "app-memory", "app-running-tasks"):
        assert found[key].inputs["dimensions"] == dims, key
    assert found["app-running-tasks"].inputs["threshold"] == {"dev": 1, "staging": 2, "prod": 2}[each_stack]
    assert found["app-latency-p95"].inputs["dimensions"] == {"LoadBalancer": balancer.state["arnSuffix"]}
    rate = found["app-5xx-rate"].inputs
    assert "metricName" not in rate and rate["metricQueries"][-1]["returnData"] is True
    assert {q["metric"]["dimensions"]["LoadBalancer"] for q in rate["metricQueries"][:-1]} == {balancer.state["arnSuffix"]}
    groups = {g.state["arnSuffix"] for g in plan.by_type("aws:lb/targetGroup:TargetGroup")}
    unhealthy = [a for k, a in found.items() if k.startswith("app-unhealthy-targets-")]
    assert {a.inputs["dimensions"]["TargetGroup"] for a in unhealthy} == groups
    assert rate["alarmActions"] == [topic(plan, "critical")]
    assert found["app-cpu"].inputs["alarmActions"] == found["app-latency-p95"].inputs["alarmActions"] == [
        topic(plan, "warning")]


def test_stack_outputs_name_backups_and_alerting_without_secrets(each_stack):
    outputs = cached_plan(each_stack).outputs
    assert outputs["backupBucketName"].startswith(f"webstack-{each_stack}-backups-")
    assert outputs["backupVaultArn"].endswith(f":backup-vault:webstack-{each_stack}-backups-vault")
    assert set(outputs["alertTopicArns"]) == {"critical", "warning", "info"}
    assert outputs["dashboardName"] == f"webstack-{each_stack}-operations"
    assert f"webstack-{each_stack}-service-down" in outputs["alarmNames"]
    assert ("backupReplicaBucketArn" in outputs) is (each_stack == "prod")
    assert "Webhook" not in json.dumps(outputs)


# ------------------------------------------------------------- every alarm reaches a person

NOTIFYING = (ALARM, "aws:cloudwatch/compositeAlarm:CompositeAlarm")
CHATBOT = ("aws:chatbot/slackChannelConfiguration:SlackChannelConfiguration",
           "aws:chatbot/teamsChannelConfiguration:TeamsChannelConfiguration")
OWN_PURPOSE = ("database-replica-",)
"""Alarms that notify nobody by design: the reader rotation's replica health (Route 53 reads them)."""


def _readers(plan) -> dict[str, set[str]]:
    """Topic ARN -> who reads it: 'email' / 'https' subscriptions, 'chat' (AWS Chatbot)."""
    found: dict[str, set[str]] = {}
    for sub in plan.by_type("aws:sns/topicSubscription:TopicSubscription"):
        found.setdefault(sub.inputs["topic"], set()).add(sub.inputs["protocol"])
    for kind in CHATBOT:
        for config in plan.by_type(kind):
            for arn in config.inputs["snsTopicArns"]:
                found.setdefault(arn, set()).add("chat")
    return found


def _relayed_to(plan, name: str, region: str) -> set[str]:
    """Topics an alarm without actions reaches through the EventBridge relay: a rule in its
    region forwarding its state changes to the stack region's bus, and there a rule sending
    them to a topic."""
    rules = {r.name: r for r in plan.by_type("aws:cloudwatch/eventRule:EventRule")}
    # Rule names repeat across regions (one relay per region): a target is its rule's by both.
    targets = {(t.inputs["rule"], t.inputs.get("region")): t for t in plan.by_type("aws:cloudwatch/eventTarget:EventTarget")}
    forwarded = home = False
    topics: set[str] = set()
    for rule in rules.values():
        pattern = json.loads(rule.inputs["eventPattern"])
        if name not in pattern.get("detail", {}).get("alarmName", []):
            continue
        target = targets[rule.inputs["name"], rule.inputs.get("region")].inputs
        if rule.inputs.get("region") == region and ":event-bus/default" in target["arn"]:
            forwarded = target["arn"].startswith("arn:aws:events:eu-west-1:") and bool(target.get("roleArn"))
        elif rule.inputs.get("region") is None and region in pattern.get("region", []):
            home = True
            topics.add(target["arn"])
    return topics if forwarded and home else set()


@pytest.mark.parametrize("platform", [None, ECS, KUBERNETES], ids=["vercel", "ecs", "kubernetes"])
def test_every_alarm_reaches_a_person_through_a_topic_someone_reads(each_stack, platform):
    """Each link of alarm -> topic -> reader, for every alarm of every stack on every platform:
    the alarm's actions name a topic (in its own region: CloudWatch notifies no other), or, for
    an email-only severity of another region, the EventBridge relay carries it to the stack
    region's topic; and that topic has a confirmable subscription or a Chatbot channel."""
    plan = cached_plan(each_stack, platform)
    readers = _readers(plan)
    notifying = [a for kind in NOTIFYING for a in plan.by_type(kind)
                 if a.inputs.get("actionsEnabled") is not False and not a.name.startswith(OWN_PURPOSE)]
    assert len(notifying) > 10
    for alarm in notifying:
        region = alarm.inputs.get("region") or "eu-west-1"
        actions = alarm.inputs.get("alarmActions") or []
        assert all(arn.split(":")[3] == region for arn in actions), alarm.name
        name = alarm.inputs.get("name") or alarm.inputs["alarmName"]
        reached = actions or _relayed_to(plan, name, region)
        assert reached, f"{alarm.name}: no topic"
        assert [arn for arn in reached if readers.get(arn)], f"{alarm.name}: {reached} has no reader"
    # Critical reaches a pager or a person who confirmed: never chat alone in prod.
    if each_stack == "prod":
        assert readers[topic(plan, "critical")] == {"https"} == readers[topic(plan, "critical", "us-east-1")]
