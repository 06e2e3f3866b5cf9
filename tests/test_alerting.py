"""Specification of the Alerting component: topics, routing, alarms per resource, events, dashboard."""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from typing import Any, Optional

import pulumi
import pytest

from infra.presets import presets_for
from pulumi_webstack.alarms import Severity, Thresholds, cross_region_replica_alarms
from pulumi_webstack import notifications as n
from pulumi_webstack.alerting import (
    Alerting,
    AlertingArgs,
    Route,
    dashboard_body,
    routing,
    topic_key_policy,
    topic_policy,
)
from pulumi_webstack.errors import ArgsError
from pulumi_webstack_cli.engine import ACCOUNT_ID, Plan, Secret, synth
from tests.helpers import assert_args_error

PAGER = "https://events.pager.example.com/integration/abc123/enqueue"
SLACK = dict(slack_team_id="T0EXAMPLE01", slack_channel_id="C0PRODALRT1")
CERT = "arn:aws:acm:us-east-1:123456789012:certificate/11111111-2222-3333-4444-555555555555"

WATCHED = dict(
    database_identifier="webstack-prod-db",
    database_replica_identifiers=["webstack-prod-db-replica-1", "webstack-prod-db-replica-2"],
    database_max_connections=800,
    database_resource_id="db-ABCDEFGHIJKLMNOPQRSTUVWXY1",
    database_arn="arn:aws:rds:eu-west-1:123456789012:db:webstack-prod-db",
    database_allocated_storage_gb=100,
    database_max_allocated_storage_gb=1000,
    database_instance_class="db.r7g.large",
    cache_member_clusters=["webstack-prod-cache-001", "webstack-prod-cache-002"],
    cdn_distribution_id="E2EXAMPLE12345",
    certificate_arn=CERT,
    health_check_url="https://shop.example.com/api/health",
    backup_vault_name="webstack-prod-backups-vault",
)

DR = dict(database_cross_region_replica_identifier="webstack-prod-db-eu-central-1",
          database_cross_region_replica_region="eu-central-1")

_PLANS: dict[str, Plan] = {}


def run(label: str, make_args, region: str = "eu-west-1", **components) -> Plan:
    """Alerting("alerting", make_args(), **components) under the engine (cached per label)."""
    if label not in _PLANS:
        def program():
            alerting = Alerting("alerting", make_args(), **components)
            pulumi.export("topics", alerting.topic_arns)
            pulumi.export("alarms", alerting.alarm_names)
        _PLANS[label] = synth(program, stack="prod", config={"aws:region": region})
    return _PLANS[label]


def prod_args() -> AlertingArgs:
    return AlertingArgs(
        emails=["platform@example.com", "oncall@example.com"],
        pager_webhook_url=pulumi.Output.secret(PAGER), region="eu-west-1", **SLACK, **WATCHED,
    )


def prod() -> Plan:
    return run("prod", prod_args)


def alarm(plan: Plan, key: str):
    return plan.one("aws:cloudwatch/metricAlarm:MetricAlarm", f"alerting-{key}")


def topic_arn(severity: str, region: str = "eu-west-1") -> str:
    return f"arn:aws:sns:{region}:{ACCOUNT_ID}:webstack-prod-{severity}"


# --------------------------------------------------------------------- pure helpers


def test_routing_follows_the_design_table():
    prod_routes = routing(["ops@example.com"], has_pager=True, has_chat=True)
    assert prod_routes[Severity.CRITICAL] == [Route("pager")]
    assert prod_routes[Severity.WARNING] == [Route("chat")]
    assert prod_routes[Severity.INFO] == [Route("email", "ops@example.com")]
    # Topics in other regions carry the pager and chat; their email legs are relayed.
    assert n.remote_routes(routing(["ops@example.com"], False, True))[Severity.CRITICAL] == [Route("chat")]


def test_a_severity_without_its_channel_falls_back_so_someone_is_always_told():
    staging = routing(["ops@example.com"], has_pager=False, has_chat=True)
    assert staging[Severity.CRITICAL] == [Route("chat"), Route("email", "ops@example.com")]
    assert staging[Severity.WARNING] == [Route("chat")]
    dev = routing(["dev@example.com"], has_pager=False, has_chat=False)
    assert all(routes == [Route("email", "dev@example.com")] for routes in dev.values())
    chat_only = routing([], has_pager=False, has_chat=True)
    assert all(routes == [Route("chat")] for routes in chat_only.values())
    assert routing([], has_pager=True, has_chat=False)[Severity.INFO] == []


def test_subscription_names_are_keyed_by_address_not_position():
    assert Route("email", "On.Call@example.com").key == "email-on-call-example-com"
    assert Route("pager").key == "pager" and Route("pager").subscribed
    assert not Route("chat").subscribed  # AWS Chatbot subscribes itself


def test_the_topic_policy_lets_only_this_stacks_alarms_and_rules_publish_over_tls_only():
    arn = f"arn:aws:sns:eu-west-1:{ACCOUNT_ID}:webstack-prod-warning"
    sids = {s["Sid"]: s for s in topic_policy(arn, "webstack-prod")["Statement"]}
    alarms = sids["StackAlarmsPublish"]
    assert alarms["Principal"] == {"Service": "cloudwatch.amazonaws.com"}
    assert alarms["Condition"] == {
        "StringEquals": {"aws:SourceAccount": ACCOUNT_ID},
        "ArnLike": {"aws:SourceArn": f"arn:aws:cloudwatch:eu-west-1:{ACCOUNT_ID}:alarm:webstack-prod-*"}}
    rules = sids["StackEventRulesPublish"]
    assert rules["Principal"] == {"Service": "events.amazonaws.com"}
    assert rules["Condition"] == {
        "StringEquals": {"aws:SourceAccount": ACCOUNT_ID},
        "ArnLike": {"aws:SourceArn": f"arn:aws:events:eu-west-1:{ACCOUNT_ID}:rule/webstack-prod-*"}}
    assert sids["AccountManagesTopic"]["Principal"] == {"AWS": f"arn:aws:iam::{ACCOUNT_ID}:root"}
    # No service may publish without both conditions (AWS Backup's vault notifications could not be
    # scoped: backups are reported through EventBridge rules instead).
    for statement in sids.values():
        if statement["Effect"] == "Allow" and "Service" in statement["Principal"]:
            assert {"aws:SourceAccount", "aws:SourceArn"} <= {
                k for cond in statement["Condition"].values() for k in cond}
    assert "backup.amazonaws.com" not in json.dumps(sids)
    deny = sids["DenyInsecureTransport"]
    assert deny["Effect"] == "Deny" and deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    assert all(s["Resource"] == arn for s in sids.values())


def test_the_topic_key_lets_the_publishing_services_encrypt():
    sids = {s["Sid"]: s for s in topic_key_policy(ACCOUNT_ID)["Statement"]}
    assert set(sids["PublishersEncryptMessages"]["Principal"]["Service"]) == {
        "cloudwatch.amazonaws.com", "events.amazonaws.com"}
    assert sids["PublishersEncryptMessages"]["Action"] == ["kms:Decrypt", "kms:GenerateDataKey*"]
    assert sids["AccountAdministersKey"]["Principal"] == {"AWS": f"arn:aws:iam::{ACCOUNT_ID}:root"}


def test_event_messages_to_a_chat_topic_use_chatbots_custom_schema():
    # AWS Chatbot drops messages it cannot parse; email readers get the same JSON.
    chat = json.loads(n.event_message("AWS Backup job failed", "job <job> ended <state>", chat=True))
    assert chat == {"version": "1.0", "source": "custom", "content": {
        "textType": "client-markdown", "title": "AWS Backup job failed", "description": "job <job> ended <state>"}}
    assert json.loads(n.event_message("T", "text", chat=False)) == "T: text"


def test_the_dashboard_shows_health_errors_latency_database_cache_and_hit_rate():
    body = dashboard_body(region="eu-west-1", health_check_id="hc", distribution_id="E1", database_identifier="db",
                          replica_identifiers=["r0"], cache_members=["c1", "c2"], connections_limit=720.0)
    widgets = {w["properties"]["title"]: w["properties"] for w in body["widgets"]}
    assert widgets["Service health (Route 53 health check)"]["region"] == "us-east-1"
    assert widgets["CDN error rates (%)"]["metrics"][0] == ["AWS/CloudFront", "5xxErrorRate", "DistributionId", "E1",
                                                            "Region", "Global"]
    assert widgets["Origin latency (ms)"]["metrics"][0][-1] == {"stat": "p95"}
    assert widgets["CDN cache hit rate (%)"]["region"] == "us-east-1"
    assert widgets["Database CPU (%)"]["region"] == "eu-west-1" and len(widgets["Database CPU (%)"]["metrics"]) == 2
    assert widgets["Database connections"]["annotations"] == {"horizontal": [{"label": "alarm", "value": 720.0}]}
    assert len(widgets["Redis memory used (%)"]["metrics"]) == 2
    assert "Replica lag (s)" in widgets
    only_db = dashboard_body(region="eu-west-1", database_identifier="db")
    assert {w["properties"]["title"] for w in only_db["widgets"]} == {
        "Database CPU (%)", "Database connections", "Database free storage (bytes)"}


def test_the_dr_replica_lag_alarm_belongs_to_its_region_and_warns_like_a_replica():
    t = Thresholds()
    (lag,) = cross_region_replica_alarms(t, "db-eu-central-1", "eu-central-1")
    assert (lag.key, lag.region, lag.severity) == ("db-replica-eu-central-1-lag", "eu-central-1", Severity.WARNING)
    assert (lag.namespace, lag.metric_name, lag.statistic) == ("AWS/RDS", "ReplicaLag", "Maximum")
    assert lag.dimensions == {"DBInstanceIdentifier": "db-eu-central-1"}
    assert lag.threshold == t.db_replica_lag_seconds == 30
    assert lag.treat_missing_data == "breaching" and not lag.edge


def test_the_catalogue_places_every_alarm_in_its_region():
    args = AlertingArgs(emails=["ops@example.com"], region="eu-west-1", edge_region="us-east-1",
                        database_cross_region_replica_identifier="db-dr",
                        database_cross_region_replica_region="eu-central-1", **WATCHED)
    regions = {s.key: s.region for s in args.catalogue()}
    assert regions["service-down"] == regions["cdn-5xx-rate"] == regions["certificate-expiry"] == "us-east-1"
    assert regions["db-replica-eu-central-1-lag"] == "eu-central-1"
    assert regions["db-cpu"] is regions["db-replica-1-lag"] is regions["backup-stale"] is None
    assert args.topic_regions(args.catalogue()) == ["us-east-1", "eu-central-1"]
    assert (args.topic_infix("us-east-1"), args.topic_infix("eu-central-1")) == ("edge-", "eu-central-1-")
    # Without the DR replica nothing changes for the edge.
    plain = AlertingArgs(emails=["ops@example.com"], region="eu-west-1", **WATCHED)
    assert plain.topic_regions(plain.catalogue()) == ["us-east-1"]
    assert AlertingArgs(emails=["ops@example.com"], region="us-east-1", **WATCHED).topic_regions(plain.catalogue()) == []


# ------------------------------------------------------------------------ validation


@pytest.mark.parametrize(
    "change, field, allowed",
    [
        ({"emails": ["oncall"]}, "alerting.emails", "must be an email address"),
        ({"emails": ["a@example.com", "a@example.com"]}, "alerting.emails", "must not repeat an address"),
        ({"emails": []}, "alerting.emails", "the critical, warning and info topics would have no subscriber"),
        ({"emails": [], "pager_webhook_url": "https://pager.example.com/x"}, "alerting.emails",
         "the warning and info topics would have no subscriber"),
        ({"health_check_url": "http://shop.example.com/api/health"}, "alerting.health_check_url", "https:// URL"),
        ({"thresholds": {"error_rate_percent": 5}}, "alerting.thresholds", "must be a pulumi_webstack.alarms.Thresholds"),
        ({"database_identifier": "db", "database_resource_id": "db-X"}, "alerting.database_max_connections",
         "required with database_identifier"),
        ({"database_identifier": "db", "database_max_connections": 100}, "alerting.database_resource_id",
         "required with database_identifier"),
        ({"database_allocated_storage_gb": 100, "database_max_allocated_storage_gb": 1000,
          "thresholds": Thresholds(db_free_storage_percent=10)}, "alerting.thresholds.db_free_storage_percent",
         "must be below 10 while storage autoscaling is on"),
        ({"database_instance_class": "db.serverless"}, "alerting.database_instance_class", "must be an RDS instance class"),
        ({"app_platform": "heroku"}, "alerting.app_platform", "must be one of"),
        ({"app_platform": "kubernetes", "kubernetes_cluster_name": "eks"}, "alerting.kubernetes_namespace",
         "required with kubernetes_cluster_name"),
        ({"region": "Ireland"}, "alerting.region", "must be an AWS region such as eu-west-1"),
        ({"app_platform": "ecs", "ecs_cluster_name": "shop"}, "alerting.ecs_service_name", "required with ecs_cluster_name"),
        ({"cache_node_count": 7}, "alerting.cache_node_count", "must be between 1 and 6"),
        ({"slack_team_id": "T0EXAMPLE01"}, "alerting.slack_channel_id", "give slack_team_id and slack_channel_id"),
        ({"slack_team_id": "acme", "slack_channel_id": "C0PRODALRT1"}, "alerting.slack_team_id",
         "must be a Slack workspace id"),
        ({"slack_team_id": "T0EXAMPLE01", "slack_channel_id": "#alerts"}, "alerting.slack_channel_id",
         "must be a Slack channel id"),
        ({"teams_channel_id": "19%3aabc%40thread.tacv2"}, "alerting.teams_channel_id",
         "give teams_tenant_id, teams_team_id and teams_channel_id together"),
        ({"teams_tenant_id": "contoso"}, "alerting.teams_tenant_id", "must be a Microsoft Entra tenant id"),
        ({"database_identifier": "db", "database_max_connections": 0, "database_resource_id": "db-X"},
         "alerting.database_max_connections", "must be between 1 and 262143"),
        ({"database_allocated_storage_gb": 10}, "alerting.database_allocated_storage_gb", "must be between 20 and 65536"),
        ({"app_platform": "kubernetes", "kubernetes_cluster_name": "eks", "kubernetes_namespace": "shop",
          "kubernetes_deployment_name": "web", "kubernetes_max_replicas": 0},
         "alerting.kubernetes_max_replicas", "must be between 1 and 1000"),
        ({"edge_region": "Virginia"}, "alerting.edge_region", "must be an AWS region"),
        ({"name_prefix": "web stack"}, "alerting.name_prefix", "letters, digits, hyphens or underscores"),
        ({"database_cross_region_replica_identifier": "db-eu-central-1"},
         "alerting.database_cross_region_replica_region", "required with database_cross_region_replica_identifier"),
        ({"database_cross_region_replica_region": "eu-central-1"},
         "alerting.database_cross_region_replica_identifier", "required with database_cross_region_replica_region"),
        ({"database_cross_region_replica_identifier": "db-x", "database_cross_region_replica_region": "Frankfurt"},
         "alerting.database_cross_region_replica_region", "must be an AWS region such as eu-west-1"),
        ({"database_cross_region_replica_identifier": "db-x", "database_cross_region_replica_region": "eu-west-1",
          "region": "eu-west-1"},
         "alerting.database_cross_region_replica_region",
         "must differ from region (eu-west-1): replicas in the stack's region go in database_replica_identifiers"),
    ],
)
def test_bad_args_are_refused_with_the_field_the_value_and_what_is_allowed(change, field, allowed):
    assert_args_error(lambda: AlertingArgs(**{"emails": ["ops@example.com"], **change}), field, allowed)


def test_a_webhook_url_is_never_echoed_in_an_error():
    with pytest.raises(ArgsError) as caught:
        AlertingArgs(pager_webhook_url="http://pager.example.com/secret-token")
    assert "secret-token" not in str(caught.value) and "<redacted>" in str(caught.value)


def test_thresholds_left_out_are_the_production_values():
    assert AlertingArgs(emails=["ops@example.com"]).thresholds == Thresholds()
    tuned = AlertingArgs(emails=["ops@example.com"], thresholds=Thresholds(pod_restarts=10, error_rate_percent=2.5))
    assert tuned.thresholds == replace(Thresholds(), pod_restarts=10, error_rate_percent=2.5)


def test_a_chat_channel_alone_is_enough_to_receive_alerts():
    plan = run("chat-only", lambda: AlertingArgs(region="eu-west-1", **SLACK))
    assert not plan.by_type("aws:sns/topicSubscription:TopicSubscription")  # Chatbot subscribes itself
    slack = plan.one("aws:chatbot/slackChannelConfiguration:SlackChannelConfiguration")
    assert slack.inputs["snsTopicArns"] == [topic_arn(s) for s in ("critical", "warning", "info")]


# --------------------------------------------------------------------------- topics


def test_three_kms_encrypted_topics_with_a_tls_only_policy():
    plan = prod()
    key = plan.one("aws:kms/key:Key", "alerting-key")
    assert key.inputs["enableKeyRotation"] is True
    assert "cloudwatch.amazonaws.com" in key.inputs["policy"]
    for severity in ("critical", "warning", "info"):
        topic = plan.one("aws:sns/topic:Topic", f"alerting-{severity}")
        assert topic.inputs["name"] == f"webstack-prod-{severity}"
        assert topic.inputs["kmsMasterKeyId"] == key.state["arn"]
        policy = plan.one("aws:sns/topicPolicy:TopicPolicy", f"alerting-{severity}-policy")
        assert policy.inputs["arn"] == topic_arn(severity)
        assert json.loads(policy.inputs["policy"]) == topic_policy(topic_arn(severity), "webstack-prod")
    assert plan.outputs["topics"] == {s: topic_arn(s) for s in ("critical", "warning", "info")}


def test_every_topic_uses_the_key_of_its_own_region_that_lets_alarms_and_rules_encrypt():
    # CloudWatch and EventBridge publish to an encrypted topic only if the key's policy lets them
    # use it, and SNS only takes a key of the topic's region.
    plan = run("prod-dr", lambda: replace(prod_args(), **DR))
    keys = {k.state["arn"]: k for k in plan.by_type("aws:kms/key:Key")}
    topics = plan.by_type("aws:sns/topic:Topic")
    assert {t.inputs.get("region") for t in topics} == {None, "us-east-1", "eu-central-1"}
    for topic in topics:
        key = keys[topic.inputs["kmsMasterKeyId"]]
        assert key.inputs.get("region") == topic.inputs.get("region"), topic.name
        assert json.loads(key.inputs["policy"]) == topic_key_policy(ACCOUNT_ID), key.name


def test_subscriptions_route_critical_to_the_pager_warning_to_chat_info_to_email():
    plan = prod()
    subs = {s.name: s for s in plan.by_type("aws:sns/topicSubscription:TopicSubscription")
            if not s.name.startswith("alerting-edge-")}
    assert set(subs) == {"alerting-critical-pager", "alerting-info-email-platform-example-com",
                         "alerting-info-email-oncall-example-com"}
    pager = subs["alerting-critical-pager"]
    assert (pager.inputs["protocol"], pager.inputs["topic"]) == ("https", topic_arn("critical"))
    assert pager.inputs["endpoint"] == Secret(PAGER)  # stays secret in state and in every plan
    assert json.loads(pager.inputs["deliveryPolicy"])["healthyRetryPolicy"]["numRetries"] == 20
    email = subs["alerting-info-email-oncall-example-com"]
    assert (email.inputs["protocol"], email.inputs["endpoint"], email.inputs["topic"]) == (
        "email", "oncall@example.com", topic_arn("info"))
    assert PAGER not in json.dumps(plan.to_json())


def test_a_pager_that_never_confirms_fails_the_deploy_instead_of_leaving_critical_unread():
    # Without endpoint_auto_confirms the provider does not wait for an HTTPS subscription: a
    # wrong integration URL leaves it "pending confirmation" and `pulumi up` succeeds with
    # nobody receiving the critical topic. The pager's CloudWatch integration confirms on its
    # own, so the deploy waits for it (and a pending subscription is never left behind).
    plan = prod()
    for name in ("alerting-critical-pager", "alerting-edge-critical-pager"):
        pager = plan.one("aws:sns/topicSubscription:TopicSubscription", name)
        assert pager.inputs["endpointAutoConfirms"] is True
        assert pager.inputs["confirmationTimeoutInMinutes"] == n.PAGER_CONFIRMATION_MINUTES
    emails = [s for s in plan.by_type("aws:sns/topicSubscription:TopicSubscription") if s.inputs["protocol"] == "email"]
    assert emails and not [s for s in emails if "endpointAutoConfirms" in s.inputs]  # a person confirms


def test_chat_goes_through_aws_chatbot_subscribed_to_the_warning_topics_of_every_region():
    plan = prod()
    slack = plan.one("aws:chatbot/slackChannelConfiguration:SlackChannelConfiguration", "alerting-slack")
    assert (slack.inputs["slackTeamId"], slack.inputs["slackChannelId"]) == ("T0EXAMPLE01", "C0PRODALRT1")
    assert slack.inputs["configurationName"] == "webstack-prod-alerts"  # unique per stack in the account
    assert slack.inputs["snsTopicArns"] == [topic_arn("warning"), topic_arn("warning", "us-east-1")]
    assert slack.inputs["guardrailPolicyArns"] == ["arn:aws:iam::aws:policy/CloudWatchReadOnlyAccess"]
    assert slack.inputs["loggingLevel"] == "ERROR"
    role = plan.one("aws:iam/role:Role", "alerting-chatbot")
    assert slack.inputs["iamRoleArn"] == role.state["arn"]
    assert json.loads(role.inputs["assumeRolePolicy"])["Statement"][0]["Principal"] == {
        "Service": "chatbot.amazonaws.com"}
    policy = json.loads(plan.one("aws:iam/rolePolicy:RolePolicy", "alerting-chatbot").inputs["policy"])
    assert policy == n.CHATBOT_ROLE_POLICY  # reads CloudWatch to render the alarm, nothing else
    teams = run("teams", lambda: AlertingArgs(
        emails=["ops@example.com"], region="eu-west-1", teams_tenant_id="11111111-2222-3333-4444-555555555555",
        teams_team_id="66666666-7777-8888-9999-000000000000", teams_channel_id="19%3aabc123%40thread.tacv2"))
    config = teams.one("aws:chatbot/teamsChannelConfiguration:TeamsChannelConfiguration")
    assert config.inputs["channelId"] == "19%3aabc123%40thread.tacv2"
    assert config.inputs["snsTopicArns"] == [topic_arn("critical"), topic_arn("warning")]  # info: email


def test_the_chat_configuration_lives_where_the_chatbot_api_is():
    # The AWS Chatbot API has endpoints in us-east-2, us-west-2, eu-west-1 and ap-southeast-1 only
    # (AWS General Reference, "Amazon Q Developer in chat applications endpoints"): a stack
    # elsewhere keeps its configuration in us-east-2, Chatbot's home, subscribed to its topics.
    assert prod().one("aws:chatbot/slackChannelConfiguration:SlackChannelConfiguration").inputs.get("region") is None
    for stack_region in ("us-east-1", "eu-central-1"):
        plan = run(f"chat-{stack_region}", lambda r=stack_region: AlertingArgs(
            emails=["ops@example.com"], region=r, **SLACK), region=stack_region)
        slack = plan.one("aws:chatbot/slackChannelConfiguration:SlackChannelConfiguration")
        assert slack.inputs["region"] == "us-east-2"
        assert topic_arn("warning", stack_region) in slack.inputs["snsTopicArns"]
    # Without args.region, the provider's region decides.
    plan = run("chat-provider-region", lambda: AlertingArgs(emails=["ops@example.com"], **SLACK),
               region="ap-northeast-1")
    assert plan.one("aws:chatbot/slackChannelConfiguration:SlackChannelConfiguration").inputs["region"] == "us-east-2"
    assert n.chatbot_region("eu-west-1") is None and n.chatbot_region("ap-southeast-1") is None


def test_edge_alarms_get_pager_and_chat_topics_in_us_east_1_and_no_email_subscriptions():
    plan = prod()
    for severity in ("critical", "warning"):
        topic = plan.one("aws:sns/topic:Topic", f"alerting-edge-{severity}")
        assert topic.inputs["region"] == "us-east-1"
        assert topic.inputs["kmsMasterKeyId"] == plan.one("aws:kms/key:Key", "alerting-edge-key").state["arn"]
        assert plan.one("aws:sns/topicPolicy:TopicPolicy", f"alerting-edge-{severity}-policy").inputs["region"] == "us-east-1"
    assert "alerting-edge-info" not in {r.name for r in plan}  # no edge alarm is info, and info is email
    assert plan.get("alerting-edge-critical-pager").inputs["endpoint"] == Secret(PAGER)
    assert plan.get("alerting-edge-key").inputs["region"] == "us-east-1"
    assert not [s for s in plan.by_type("aws:sns/topicSubscription:TopicSubscription")
                if s.inputs["protocol"] == "email" and s.inputs.get("region")]


def test_each_address_confirms_once_per_severity_not_per_region():
    # Email only, with a DR replica: alarms in three regions, email subscriptions in one.
    plan = run("email-dr", lambda: AlertingArgs(emails=["ops@example.com"], region="eu-west-1", **WATCHED, **DR))
    emails = [s for s in plan.by_type("aws:sns/topicSubscription:TopicSubscription") if s.inputs["protocol"] == "email"]
    assert sorted(s.inputs["topic"] for s in emails) == sorted(topic_arn(s) for s in ("critical", "warning", "info"))
    assert len(plan.by_type("aws:sns/topic:Topic")) == 3  # nothing to carry elsewhere: no pager, no chat
    # The other regions' alarms reach those subscriptions through EventBridge.
    lag = alarm(plan, "db-replica-eu-central-1-lag")
    assert lag.inputs["alarmActions"] == [] and lag.inputs["region"] == "eu-central-1"
    forward = plan.one("aws:cloudwatch/eventRule:EventRule", "alerting-eu-central-1-relay")
    assert forward.inputs["region"] == "eu-central-1"
    assert json.loads(forward.inputs["eventPattern"]) == n.alarm_state_pattern(
        ["webstack-prod-db-replica-eu-central-1-lag"])
    target = plan.one("aws:cloudwatch/eventTarget:EventTarget", "alerting-eu-central-1-relay")
    assert target.inputs["arn"] == f"arn:aws:events:eu-west-1:{ACCOUNT_ID}:event-bus/default"
    assert target.inputs["roleArn"] == plan.one("aws:iam/role:Role", "alerting-relay").state["arn"]
    edge = json.loads(plan.one("aws:cloudwatch/eventRule:EventRule", "alerting-us-east-1-relay").inputs["eventPattern"])
    # The edge alarms, and the error budgets' composite burn-rate alerts (windows notify no one).
    burn = [f"slo-{sli}-burn-{w}" for sli in ("availability", "latency") for w in ("1h", "6h", "3d")]
    assert edge["detail"]["alarmName"] == sorted(f"webstack-prod-{k}" for k in (
        "service-down", "cdn-5xx-rate", "cdn-origin-latency-p95", "certificate-expiry", *burn))
    relayed = plan.one("aws:cloudwatch/eventRule:EventRule", "alerting-relayed-warning")
    assert "region" not in relayed.inputs
    assert json.loads(relayed.inputs["eventPattern"])["region"] == ["eu-central-1", "us-east-1"]
    to_topic = plan.one("aws:cloudwatch/eventTarget:EventTarget", "alerting-relayed-warning")
    assert to_topic.inputs["arn"] == topic_arn("warning")
    assert json.loads(to_topic.inputs["inputTransformer"]["inputTemplate"]) == n.RELAYED_ALARM_TEXT


def test_a_stack_in_us_east_1_shares_one_set_of_topics():
    plan = run("us-east-1", lambda: AlertingArgs(emails=["ops@example.com"], region="us-east-1", **WATCHED),
               region="us-east-1")
    assert len(plan.by_type("aws:sns/topic:Topic")) == 3
    assert not plan.by_type("aws:cloudwatch/eventRule:EventRule") or all(
        "relay" not in r.name for r in plan.by_type("aws:cloudwatch/eventRule:EventRule"))
    assert alarm(plan, "cdn-5xx-rate").inputs["alarmActions"] == [topic_arn("critical", "us-east-1")]


# --------------------------------------------------------------------------- alarms


def test_every_alarm_notifies_its_severity_topic_and_sends_ok_too():
    plan = prod()
    expected = {
        "service-down": ("critical", "us-east-1"), "cdn-5xx-rate": ("critical", "us-east-1"),
        "cdn-origin-latency-p95": ("warning", "us-east-1"), "certificate-expiry": ("warning", "us-east-1"),
        "db-cpu": ("warning", "eu-west-1"), "db-free-storage": ("critical", "eu-west-1"),
        "db-connections": ("warning", "eu-west-1"), "db-freeable-memory": ("warning", "eu-west-1"),
        "db-replica-1-lag": ("warning", "eu-west-1"), "db-replica-2-lag": ("warning", "eu-west-1"),
        "cache-001-memory": ("warning", "eu-west-1"), "cache-002-evictions": ("info", "eu-west-1"),
        "cache-002-replication-lag": ("warning", "eu-west-1"), "backup-stale": ("warning", "eu-west-1"),
    }
    for key, (severity, region) in expected.items():
        res = alarm(plan, key)
        assert res.inputs["alarmActions"] == [topic_arn(severity, region)], key
        assert res.inputs["okActions"] == [topic_arn(severity, region)], key
        assert res.inputs["actionsEnabled"] is True
        assert res.inputs["alarmDescription"].startswith(f"[{severity}] ")
        assert res.inputs.get("region", "eu-west-1") == region, key


def test_prod_alarms_carry_the_design_thresholds_on_the_watched_resources():
    plan = prod()
    down = alarm(plan, "service-down")
    health = plan.one("aws:route53/healthCheck:HealthCheck", "alerting-health")
    assert down.inputs["dimensions"] == {"HealthCheckId": health.id}
    assert (down.inputs["threshold"], down.inputs["evaluationPeriods"], down.inputs["period"]) == (1, 2, 60)
    assert down.inputs["treatMissingData"] == "breaching"
    errors = alarm(plan, "cdn-5xx-rate")
    assert errors.inputs["dimensions"] == {"DistributionId": "E2EXAMPLE12345", "Region": "Global"}
    assert (errors.inputs["metricName"], errors.inputs["threshold"]) == ("5xxErrorRate", 5)
    latency = alarm(plan, "cdn-origin-latency-p95")
    assert (latency.inputs["extendedStatistic"], latency.inputs["threshold"]) == ("p95", 3000)
    assert "statistic" not in latency.inputs
    assert alarm(plan, "certificate-expiry").inputs["dimensions"] == {"CertificateArn": CERT}
    assert alarm(plan, "db-connections").inputs["threshold"] == 720  # 90 % of 800
    storage = alarm(plan, "db-free-storage")
    # Percent of the volume as it is now (metric math over Performance Insights), below
    # autoscaling's 10 % trigger: not bytes of the size at creation.
    assert storage.inputs["threshold"] == 5 and storage.inputs["comparisonOperator"] == "LessThanThreshold"
    assert storage.inputs["metricQueries"] == [{
        "id": "free", "label": "Free storage (%)", "period": 300, "returnData": True,
        "expression": "100 - DB_PERF_INSIGHTS('RDS', 'db-ABCDEFGHIJKLMNOPQRSTUVWXY1', 'os.fileSys.usedPercent.avg')"}]
    assert not {"metricName", "namespace", "statistic", "period"} & set(storage.inputs)
    assert alarm(plan, "db-freeable-memory").inputs["threshold"] == int(16 * 1024**3 * 0.15)
    # Numbered as AWS names what they watch: replica 1 is db-replica-1, node -002 is cache-002.
    assert alarm(plan, "db-replica-1-lag").inputs["dimensions"] == {"DBInstanceIdentifier": "webstack-prod-db-replica-1"}
    assert alarm(plan, "db-replica-2-lag").inputs["dimensions"] == {"DBInstanceIdentifier": "webstack-prod-db-replica-2"}
    assert alarm(plan, "cache-002-memory").inputs["dimensions"] == {"CacheClusterId": "webstack-prod-cache-002"}
    assert alarm(plan, "cache-001-memory").inputs["threshold"] == 85
    assert alarm(plan, "backup-stale").inputs["dimensions"] == {"BackupVaultName": "webstack-prod-backups-vault"}
    assert plan.outputs["alarms"][0] == "webstack-prod-service-down"
    assert len(plan.outputs["alarms"]) == len(plan.by_type("aws:cloudwatch/metricAlarm:MetricAlarm")) + len(
        plan.by_type("aws:cloudwatch/compositeAlarm:CompositeAlarm"))


def test_thresholds_given_are_the_alarms_thresholds():
    dev = Thresholds(**presets_for("dev")["alerting"]["thresholds"])
    plan = run("dev", lambda: AlertingArgs(thresholds=dev, emails=["dev@example.com"], region="eu-west-1", **WATCHED))
    assert alarm(plan, "cdn-5xx-rate").inputs["threshold"] == 20
    assert alarm(plan, "service-down").inputs["evaluationPeriods"] == 5
    assert alarm(plan, "db-cpu").inputs["threshold"] == 90
    # Every severity goes to the one address.
    subs = {s.name for s in plan.by_type("aws:sns/topicSubscription:TopicSubscription")}
    assert {"alerting-critical-email-dev-example-com", "alerting-warning-email-dev-example-com",
            "alerting-info-email-dev-example-com"} <= subs


def test_the_health_check_probes_the_public_health_url_over_https():
    check = prod().one("aws:route53/healthCheck:HealthCheck", "alerting-health")
    assert (check.inputs["type"], check.inputs["fqdn"], check.inputs["port"], check.inputs["resourcePath"]) == (
        "HTTPS", "shop.example.com", 443, "/api/health")
    assert check.inputs["enableSni"] is True
    # Two failed 30-second checks mark it unhealthy; the alarm then waits service_down_minutes.
    assert (check.inputs["requestInterval"], check.inputs["failureThreshold"]) == (30, 2)


def test_cloudfront_additional_metrics_are_switched_on_for_origin_latency():
    sub = prod().one("aws:cloudfront/monitoringSubscription:MonitoringSubscription")
    assert sub.inputs["distributionId"] == "E2EXAMPLE12345"
    assert sub.inputs["monitoringSubscription"] == {
        "realtimeMetricsSubscriptionConfig": {"realtimeMetricsSubscriptionStatus": "Enabled"}}


def test_failed_backup_jobs_page_and_failed_copies_warn():
    plan = prod()
    rule = plan.one("aws:cloudwatch/eventRule:EventRule", "alerting-backup-failed")
    pattern = json.loads(rule.inputs["eventPattern"])
    assert pattern["detail-type"] == ["Backup Job State Change"]
    assert pattern["detail"] == {"state": ["FAILED", "ABORTED", "EXPIRED"], "backupVaultName": ["webstack-prod-backups-vault"]}
    # Critical goes to the pager, which reads CloudWatch alarms only (its CloudWatch integration
    # parses the alarm's SNS message): the rule matching pages through an alarm on its
    # TriggeredRules, not as event text the pager would drop.
    page = alarm(plan, "backup-failed-event")
    assert (page.inputs["namespace"], page.inputs["metricName"]) == ("AWS/Events", "TriggeredRules")
    assert page.inputs["dimensions"] == {"RuleName": rule.state["name"]}
    assert (page.inputs["statistic"], page.inputs["comparisonOperator"], page.inputs["threshold"]) == (
        "Sum", "GreaterThanOrEqualToThreshold", 1)
    assert page.inputs["treatMissingData"] == "notBreaching"  # no match, no datapoint: nothing failed
    assert page.inputs["alarmActions"] == [topic_arn("critical")]
    assert page.inputs["okActions"] == []  # the count falls back in 5 minutes; the page stays open
    assert "webstack-prod-backups-vault" in page.inputs["alarmDescription"]
    assert "list-backup-jobs" in page.inputs["alarmDescription"]
    assert page.inputs["name"] in plan.outputs["alarms"]
    # The event still goes to the topic (the rule keeps its target; the pager ignores the text).
    assert plan.one("aws:cloudwatch/eventTarget:EventTarget", "alerting-backup-failed-target").inputs["arn"] == (
        topic_arn("critical"))
    # Without a pager, people read the event itself (email text, or Chatbot's schema).
    email = run("email-dr", lambda: AlertingArgs(emails=["ops@example.com"], region="eu-west-1", **WATCHED, **DR))
    target = email.one("aws:cloudwatch/eventTarget:EventTarget", "alerting-backup-failed-target")
    assert target.inputs["arn"] == topic_arn("critical")
    assert target.inputs["rule"] == email.one("aws:cloudwatch/eventRule:EventRule", "alerting-backup-failed").state["name"]
    assert "<resource>" in target.inputs["inputTransformer"]["inputTemplate"]
    assert "alerting-backup-failed-event" not in {r.name for r in email}
    copy = plan.one("aws:cloudwatch/eventTarget:EventTarget", "alerting-copy-failed-target")
    assert copy.inputs["arn"] == topic_arn("warning")
    # Warning goes to chat: the message is in Chatbot's schema (it drops anything else).
    assert json.loads(copy.inputs["inputTransformer"]["inputTemplate"])["source"] == "custom"
    assert not plan.by_type("aws:backup/vaultNotifications:VaultNotifications")


def test_restores_and_recovery_point_changes_inform_through_eventbridge():
    # Replaces AWS Backup vault notifications, whose topic grant cannot be scoped to an account.
    plan = prod()
    restore = json.loads(plan.one("aws:cloudwatch/eventRule:EventRule", "alerting-restore-completed").inputs["eventPattern"])
    assert restore == {"source": ["aws.backup"], "detail-type": ["Restore Job State Change"], "detail": {
        "status": ["COMPLETED"], "backupVaultArn": [{"suffix": ":backup-vault:webstack-prod-backups-vault"}]}}
    point = json.loads(plan.one("aws:cloudwatch/eventRule:EventRule", "alerting-recovery-point-changed")
                       .inputs["eventPattern"])
    assert point["detail"] == {"status": ["DELETING", "EXPIRED", "PARTIAL", "STOPPED"],
                               "backupVaultName": ["webstack-prod-backups-vault"]}
    for key in ("restore-completed", "recovery-point-changed"):
        target = plan.one("aws:cloudwatch/eventTarget:EventTarget", f"alerting-{key}-target")
        assert target.inputs["arn"] == topic_arn("info")
        assert isinstance(json.loads(target.inputs["inputTransformer"]["inputTemplate"]), str)  # email: text
    # A failed restore warns (chat), like a failed copy: the recovery time objective is unproven.
    failed = plan.one("aws:cloudwatch/eventTarget:EventTarget", "alerting-restore-failed-target")
    assert failed.inputs["arn"] == topic_arn("warning")


def test_the_operations_dashboard_names_the_watched_resources():
    plan = prod()
    dashboard = plan.one("aws:cloudwatch/dashboard:Dashboard")
    assert dashboard.inputs["dashboardName"] == "webstack-prod-operations"
    body = json.loads(dashboard.inputs["dashboardBody"])
    text = json.dumps(body)
    for needle in ("E2EXAMPLE12345", "webstack-prod-db-replica-1", "webstack-prod-cache-002", "CacheHitRate",
                   plan.one("aws:route53/healthCheck:HealthCheck").id):
        assert needle in text
    assert {w["properties"]["region"] for w in body["widgets"]} == {"us-east-1", "eu-west-1"}


def test_outputs_are_registered_and_everything_is_parented():
    plan = prod()
    component = plan.one("webstack:index:Alerting", "alerting")
    assert len(plan.descendants(component)) == len(plan) - 1
    outputs = component.component_outputs
    assert outputs["topic_arns"] == {s: topic_arn(s) for s in ("critical", "warning", "info")}
    assert outputs["edge_topic_arns"] == {s: topic_arn(s, "us-east-1") for s in ("critical", "warning")}
    assert outputs["regional_topic_arns"] == {
        "eu-west-1": {s: topic_arn(s) for s in ("critical", "warning", "info")},
        "us-east-1": {s: topic_arn(s, "us-east-1") for s in ("critical", "warning")}}
    assert outputs["dashboard_name"] == "webstack-prod-operations"
    assert outputs["health_check_id"] == plan.one("aws:route53/healthCheck:HealthCheck").id
    # 4 edge (down, 5xx, latency, certificate) + 4 primary + 2 x 2 replica + 2 x 4 cache + backup
    # + the failed-backup page, and the error budgets: 2 objectives x 3 alerts x (2 windows + the composite)
    assert len(outputs["alarm_names"]) == 4 + 4 + 4 + 8 + 1 + 1 + 2 * 3 * 3




def dr() -> Plan:
    return run("dr", lambda: replace(prod_args(), **DR))


def test_the_dr_replica_lag_alarm_is_created_in_its_region_and_notifies_topics_there():
    plan = dr()
    lag = alarm(plan, "db-replica-eu-central-1-lag")
    assert lag.inputs["region"] == "eu-central-1"
    assert lag.inputs["dimensions"] == {"DBInstanceIdentifier": "webstack-prod-db-eu-central-1"}
    assert lag.inputs["alarmActions"] == lag.inputs["okActions"] == [topic_arn("warning", "eu-central-1")]
    assert lag.inputs["alarmDescription"].startswith("[warning] The disaster-recovery replica in eu-central-1")
    assert lag.depends_on(plan.one("aws:sns/topic:Topic", "alerting-eu-central-1-warning"))
    # Everything else stays where it was.
    assert alarm(plan, "db-replica-1-lag").inputs["alarmActions"] == [topic_arn("warning")]
    assert "region" not in alarm(plan, "db-replica-1-lag").inputs
    assert alarm(plan, "cdn-5xx-rate").inputs["alarmActions"] == [topic_arn("critical", "us-east-1")]


def test_the_dr_region_gets_the_topic_its_alarm_needs_and_the_others_keep_their_names():
    plan, before = dr(), prod()
    added = {r.urn for r in plan} - {r.urn for r in before}
    assert {r.urn for r in before} <= {r.urn for r in plan}  # nothing renamed or removed
    # The lag alarm warns, warning goes to chat: one topic there, subscribed by Chatbot.
    assert sorted(plan.by_urn(u).name for u in added) == sorted([
        "alerting-eu-central-1-key", "alerting-eu-central-1-key-alias",
        "alerting-eu-central-1-warning", "alerting-eu-central-1-warning-policy",
        "alerting-db-replica-eu-central-1-lag"])
    key = plan.one("aws:kms/key:Key", "alerting-eu-central-1-key")
    assert key.inputs["region"] == "eu-central-1" and key.inputs["enableKeyRotation"] is True
    topic = plan.one("aws:sns/topic:Topic", "alerting-eu-central-1-warning")
    assert (topic.inputs["region"], topic.inputs["name"]) == ("eu-central-1", "webstack-prod-warning")
    assert topic.inputs["kmsMasterKeyId"] == key.state["arn"]
    policy = plan.one("aws:sns/topicPolicy:TopicPolicy", "alerting-eu-central-1-warning-policy")
    assert json.loads(policy.inputs["policy"]) == topic_policy(topic_arn("warning", "eu-central-1"), "webstack-prod")
    slack = plan.one("aws:chatbot/slackChannelConfiguration:SlackChannelConfiguration")
    assert topic_arn("warning", "eu-central-1") in slack.inputs["snsTopicArns"]
    outputs = plan.one("webstack:index:Alerting").component_outputs
    assert outputs["topic_arns"] == {s: topic_arn(s) for s in ("critical", "warning", "info")}
    assert outputs["regional_topic_arns"]["eu-central-1"] == {"warning": topic_arn("warning", "eu-central-1")}
    assert sorted(outputs["regional_topic_arns"]) == ["eu-central-1", "eu-west-1", "us-east-1"]
    assert "webstack-prod-db-replica-eu-central-1-lag" in outputs["alarm_names"]


def test_the_dashboard_reads_the_dr_replica_lag_in_its_region():
    body = json.loads(dr().one("aws:cloudwatch/dashboard:Dashboard").inputs["dashboardBody"])
    widgets = {w["properties"]["title"]: w["properties"] for w in body["widgets"]}
    lag = widgets["Cross-region replica lag (s), eu-central-1"]
    assert lag["region"] == "eu-central-1"
    assert lag["metrics"] == [["AWS/RDS", "ReplicaLag", "DBInstanceIdentifier", "webstack-prod-db-eu-central-1"]]
    assert "eu-central-1" not in json.dumps(widgets["Replica lag (s)"])


def test_storage_autoscaling_reaching_its_maximum_warns():
    plan = prod()
    rule = plan.one("aws:cloudwatch/eventRule:EventRule", "alerting-db-storage-autoscaling")
    assert json.loads(rule.inputs["eventPattern"]) == {
        "source": ["aws.rds"], "detail-type": ["RDS DB Instance Event"],
        "resources": ["arn:aws:rds:eu-west-1:123456789012:db:webstack-prod-db"],
        "detail": {"EventID": ["RDS-EVENT-0223", "RDS-EVENT-0224"]}}
    target = plan.one("aws:cloudwatch/eventTarget:EventTarget", "alerting-db-storage-autoscaling-target")
    assert target.inputs["arn"] == topic_arn("warning")
    assert "1000 GiB" in target.inputs["inputTransformer"]["inputTemplate"]
    # Without autoscaling (ceiling = allocation) there is nothing to watch.
    fixed = run("fixed-storage", lambda: replace(prod_args(), database_max_allocated_storage_gb=100))
    assert not [r for r in fixed.by_type("aws:cloudwatch/eventRule:EventRule") if "storage" in r.name]


def test_nothing_watched_means_topics_only():
    plan = run("bare", lambda: AlertingArgs(emails=["ops@example.com"], region="eu-west-1", dashboard=False))
    assert not plan.by_type("aws:cloudwatch/metricAlarm:MetricAlarm")
    assert len(plan.by_type("aws:sns/topic:Topic")) == 3  # no edge alarms: no edge topics
    assert not plan.by_type("aws:cloudwatch/dashboard:Dashboard")
    assert plan.outputs["alarms"] == []


# ----------------------------------------------------- components passed as keywords


@dataclass
class StandInDatabase:
    primary_identifier: Any
    replica_identifiers: Any
    max_connections: int = 500
    allocated_storage_gb: int = 50
    primary_resource_id: Any = "db-STANDIN"
    cross_region_replica_identifier: Any = None
    cross_region_replica_region: Optional[str] = None


@dataclass
class StandInCache:
    member_clusters: Any


@dataclass
class StandInCdn:
    distribution_id: Any
    certificate_arn: Any = None


@dataclass
class StandInApp:
    platform: str
    health_url: Any
    namespace: Any = None
    deployment_name: Any = None
    max_replicas: Optional[int] = None


@dataclass
class StandInEcsApp:
    platform: str
    health_url: Any
    cluster_name: Any
    service_name: Any
    min_tasks: int
    load_balancer_arn_suffix: Any
    target_group_arn_suffixes: list


@dataclass
class StandInBackups:
    vault_name: Any


def out(value: Any) -> pulumi.Output:
    return pulumi.Output.from_input(value)


def test_components_passed_by_keyword_get_their_alarms():
    def args():
        return AlertingArgs(emails=["ops@example.com"], region="eu-west-1",
                            kubernetes_cluster_name="prod-eks")

    plan = run(
        "keywords", args,
        database=StandInDatabase(out("db-1"), [out("db-1-replica-1")]),
        cache=StandInCache([out("rg-001"), out("rg-002")]),
        cdn=StandInCdn(out("E9"), out(CERT)),
        app=StandInApp("kubernetes", out("https://origin.example.com/api/health"), out("shop"), out("web"), 12),
        backups=StandInBackups(out("vault-1")),
    )
    assert alarm(plan, "db-connections").inputs["threshold"] == 450
    assert alarm(plan, "db-replica-1-lag").inputs["dimensions"] == {"DBInstanceIdentifier": "db-1-replica-1"}
    assert "alerting-db-freeable-memory" not in {r.name for r in plan}  # no instance class: no memory size
    assert alarm(plan, "cache-002-replication-lag").inputs["dimensions"] == {"CacheClusterId": "rg-002"}
    assert alarm(plan, "cdn-5xx-rate").inputs["dimensions"]["DistributionId"] == "E9"
    assert alarm(plan, "certificate-expiry").inputs["dimensions"] == {"CertificateArn": CERT}
    assert plan.one("aws:route53/healthCheck:HealthCheck").inputs["fqdn"] == "origin.example.com"
    assert alarm(plan, "app-hpa-at-max").inputs["threshold"] == 12
    assert alarm(plan, "app-pod-restarts").inputs["dimensions"] == {
        "ClusterName": "prod-eks", "Namespace": "shop", "PodName": "web"}
    assert alarm(plan, "backup-stale").inputs["dimensions"] == {"BackupVaultName": "vault-1"}


def test_an_ecs_app_passed_by_keyword_gets_its_service_and_load_balancer_alarms():
    app = StandInEcsApp("ecs", out("https://origin.example.com/api/health"), out("shop-prod"), out("web"), 3,
                        out("app/shop/1"), [out("targetgroup/blue/1"), out("targetgroup/green/2")])
    plan = run("keywords-ecs", lambda: AlertingArgs(emails=["ops@example.com"], region="eu-west-1"), app=app)
    assert alarm(plan, "app-cpu").inputs["dimensions"] == {"ClusterName": "shop-prod", "ServiceName": "web"}
    assert alarm(plan, "app-running-tasks").inputs["threshold"] == 3
    assert alarm(plan, "app-unhealthy-targets-1").inputs["dimensions"] == {"TargetGroup": "targetgroup/green/2",
                                                                          "LoadBalancer": "app/shop/1"}
    rate = alarm(plan, "app-5xx-rate").inputs
    assert "namespace" not in rate and "period" not in rate and len(rate["metricQueries"]) == 4
    assert not [r for r in plan.by_type("aws:cloudwatch/metricAlarm:MetricAlarm") if "pod" in r.name]


def test_a_database_with_a_cross_region_replica_gets_its_lag_alarm_there():
    plan = run("keywords-dr", lambda: AlertingArgs(emails=["ops@example.com"], region="eu-west-1"),
               database=StandInDatabase(out("db-1"), [out("db-1-replica-1")],
                                        cross_region_replica_identifier=out("db-1-eu-central-1"),
                                        cross_region_replica_region="eu-central-1"))
    lag = alarm(plan, "db-replica-eu-central-1-lag")
    assert (lag.inputs["region"], lag.inputs["dimensions"]) == ("eu-central-1", {"DBInstanceIdentifier": "db-1-eu-central-1"})
    assert lag.inputs["alarmActions"] == []  # email only: relayed to the stack region's warning topic
    assert plan.one("aws:cloudwatch/eventRule:EventRule", "alerting-eu-central-1-relay")


def test_a_database_without_one_gets_no_dr_alarm_and_a_bad_region_is_refused():
    watched = AlertingArgs(emails=["ops@example.com"], region="eu-west-1").watching(
        database=StandInDatabase("db", ["db-r1"]))
    assert watched.database_cross_region_replica_identifier is None
    assert not [s for s in watched.catalogue() if s.region is not None]
    with pytest.raises(ArgsError) as caught:
        AlertingArgs(emails=["ops@example.com"], region="eu-west-1").watching(
            database=StandInDatabase("db", [], cross_region_replica_identifier="db-eu-west-1",
                                     cross_region_replica_region="eu-west-1"))
    assert caught.value.field == "alerting.database_cross_region_replica_region"
    with pytest.raises(ArgsError, match="must expose cross_region_replica_region"):
        AlertingArgs(emails=["ops@example.com"]).watching(
            database=StandInDatabase("db", [], cross_region_replica_identifier="db-dr"))


def test_explicit_args_win_over_what_a_component_exposes():
    args = AlertingArgs(emails=["ops@example.com"], health_check_url="https://shop.example.com/api/health",
                        cdn_distribution_id="E-EXPLICIT")
    watched = args.watching(cdn=StandInCdn("E-COMPONENT"), app=StandInApp("vercel", "https://origin.example.com/"))
    assert watched.cdn_distribution_id == "E-EXPLICIT"
    assert watched.health_check_url == "https://shop.example.com/api/health"
    assert watched.app_platform == "vercel"
    dr = AlertingArgs(emails=["ops@example.com"], region="eu-west-1",
                      database_cross_region_replica_identifier="db-explicit",
                      database_cross_region_replica_region="us-west-2").watching(
        database=StandInDatabase("db", [], cross_region_replica_identifier="db-component",
                                 cross_region_replica_region="eu-central-1"))
    assert (dr.database_cross_region_replica_identifier, dr.database_cross_region_replica_region) == (
        "db-explicit", "us-west-2")
    assert dr.database_identifier == "db"  # the rest still comes from the component


def test_vercel_gets_no_container_insights_alarms():
    args = AlertingArgs(emails=["ops@example.com"], kubernetes_cluster_name="eks").watching(
        app=StandInApp("vercel", "https://shop.example.com/api/health"))
    assert not [s for s in args.catalogue() if s.namespace == "ContainerInsights"]
    assert [s.key for s in args.catalogue()] == ["service-down"]


def test_a_cache_exposing_members_as_one_output_needs_the_node_count():
    members = out(["rg-002", "rg-001", "rg-003"])
    with pytest.raises(ArgsError) as caught:
        AlertingArgs(emails=["ops@example.com"]).watching(cache=StandInCache(members))
    assert caught.value.field == "alerting.cache_node_count"
    plan = run("members-output", lambda: AlertingArgs(emails=["ops@example.com"], cache_node_count=3, region="eu-west-1"),
               cache=StandInCache(members))
    assert alarm(plan, "cache-001-memory").inputs["dimensions"] == {"CacheClusterId": "rg-001"}
    assert alarm(plan, "cache-003-memory").inputs["dimensions"] == {"CacheClusterId": "rg-003"}


@pytest.mark.parametrize(
    "components, message",
    [
        ({"database": object()}, "must expose primary_identifier"),
        ({"database": StandInDatabase("db", out(["r0"]))}, "replica_identifiers must be a list"),
        ({"cdn": object()}, "must expose distribution_id"),
        ({"app": object()}, "must expose platform"),
        ({"backups": object()}, "must expose vault_name"),
        ({"app": StandInApp("kubernetes", "https://a.example.com/")}, "must expose namespace"),
    ],
)
def test_a_component_missing_a_contract_attribute_is_named(components, message):
    with pytest.raises(ArgsError, match=message):
        AlertingArgs(emails=["ops@example.com"]).watching(**components)


def test_regional_topic_arns_key_the_stacks_topics_by_the_providers_region_when_region_is_not_given():
    plan = run("no-region", lambda: replace(prod_args(), region=None), region="ap-southeast-2")
    outputs = plan.one("webstack:index:Alerting").component_outputs
    assert sorted(outputs["regional_topic_arns"]) == ["ap-southeast-2", "us-east-1"]
    assert outputs["regional_topic_arns"]["ap-southeast-2"] == outputs["topic_arns"]
    assert outputs["regional_topic_arns"]["us-east-1"] == outputs["edge_topic_arns"]
