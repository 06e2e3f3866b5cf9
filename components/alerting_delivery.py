"""How ``Alerting``'s alerts reach people, as resources: the topics of each region with their
KMS key, policy and subscriptions, the EventBridge relay of other regions' email legs, AWS
Chatbot, and the EventBridge rules that turn AWS events into messages (or pages). The
routing itself is plain Python in ``pulumi_webstack.notifications``."""

import json
from dataclasses import replace
from typing import TYPE_CHECKING, Optional

import pulumi
import pulumi_aws as aws

from pulumi_webstack import kms, notifications as n
from pulumi_webstack.alarms import SEVERITIES, AlarmSpec, EventSpec, Severity, alarm_name, event_alarm
from pulumi_webstack.alarms_data import backup_events, storage_autoscaling_event_pattern
from pulumi_webstack.iam_policies import assume_role_policy, granted
from pulumi_webstack.notifications import HTTPS_DELIVERY_POLICY, Notice, Route, topic_key_policy, topic_policy
from pulumi_webstack.slo import metric_inputs

if TYPE_CHECKING:
    from pulumi_webstack.alerting import AlertingArgs

Topics = dict[Severity, aws.sns.Topic]
"""The topics of one region, by severity (only the severities that have one there)."""


class Delivery:
    """Builds the delivery resources of an ``Alerting`` (``parent``), named after it."""

    def __init__(self, parent: pulumi.Resource, name: str, prefix: str, args: "AlertingArgs",
                 account: pulumi.Output[str]):
        self._parent = parent
        self._child = pulumi.ResourceOptions(parent=parent)
        self._name = name
        self._prefix = prefix
        self._args = args
        self._account = account

    def regional_topics(self, notifying: list[AlarmSpec | Notice]) -> dict[Optional[str], Topics]:
        """Region (None and ``args.region``: the stack's) -> its topics. An alarm can only
        notify topics in its region: the stack's region has all three; another region with
        alarms gets the topics of the severities going to pager or chat, and its email legs
        are relayed to the stack region (one confirmation per address)."""
        args = self._args
        home = self._topics("", None, args.routes, list(SEVERITIES))
        by_region: dict[Optional[str], Topics] = {None: home, args.region: home}
        remote = n.remote_routes(args.routes)
        for region in args.topic_regions(notifying):
            here = [severity for severity in SEVERITIES if remote[severity] and any(
                notice.region == region and notice.severity is severity for notice in notifying)]
            by_region[region] = self._topics(args.topic_infix(region), region, remote, here) if here else {}
        return by_region

    def relay_email(self, home: pulumi.Output[str], notifying: list[AlarmSpec | Notice], topics: Topics) -> None:
        """The EventBridge relay of what notifies in other regions, for severities read by email."""
        args = self._args
        relayed = [notice for notice in notifying
                   if notice.region not in (None, args.region) and n.emails_of(args.routes[notice.severity])]
        if relayed:
            self._relay(home, relayed, topics)

    def events(self, topics: Topics) -> list[aws.cloudwatch.MetricAlarm]:
        """The AWS events watched: AWS Backup's of the vault, storage autoscaling's of the
        database. Returns the alarms that page for them."""
        args = self._args
        alarms: list[aws.cloudwatch.MetricAlarm] = []
        if args.backup_vault_name is not None:
            vault_events = pulumi.Output.from_input(args.backup_vault_name).apply(backup_events)
            for index, event in enumerate(backup_events("<vault>")):
                alarms += self._event(event, vault_events.apply(lambda events, i=index: events[i]), topics)
        if args.database_arn is not None and args.storage_autoscaling:
            event = self._storage_autoscaling_event()
            alarms += self._event(event, pulumi.Output.from_input(args.database_arn).apply(
                lambda arn: replace(event, pattern=storage_autoscaling_event_pattern(arn))), topics)
        return alarms

    def chat(self, home: pulumi.Output[str], by_region: dict[Optional[str], Topics]) -> None:
        """AWS Chatbot on the topics, in every region, of the severities that go to chat; the
        configuration where the Chatbot API is (``notifications.chatbot_region`` of the stack's
        region ``home``)."""
        args = self._args
        if not args.has_chat:
            return
        distinct = {id(topics): topics for topics in by_region.values()}.values()
        region = n.chatbot_region(args.region) if args.region is not None else home.apply(n.chatbot_region)
        self._chatbot([topic.arn for topics in distinct for severity, topic in topics.items()
                      if n.chats_of(args.routes[severity])], region)

    def _topics(self, infix: str, region: Optional[str], routes: dict[Severity, list[Route]],
               severities: list[Severity]) -> Topics:
        """A KMS key and the topics of ``severities`` in ``region`` (None: the stack's), each
        with its policy and the SNS subscriptions among its routes (email, pager)."""
        name, args = self._name, self._args
        where = f" ({region})" if region else ""
        partition = aws.get_partition_output(opts=pulumi.InvokeOptions(parent=self._parent)).partition
        key = kms.customer_managed_key(
            f"{name}-{infix}key",
            description=f"Alert topics of {self._prefix}{where}",
            deletion_window_in_days=30,
            policy=pulumi.Output.all(self._account, partition).apply(lambda a: json.dumps(topic_key_policy(*a))),
            region=region,
            opts=self._child,
        )
        kms.key_alias(f"{name}-{infix}key-alias", key, f"alias/{self._prefix}-alerts", region=region, opts=self._child)
        topics: dict[Severity, aws.sns.Topic] = {}
        for severity in severities:
            resource = f"{name}-{infix}{severity.value}"
            topic = aws.sns.Topic(
                resource,
                name=f"{self._prefix}-{severity.value}",
                display_name=f"{self._prefix} {severity.value}",
                kms_master_key_id=key.arn,
                region=region,
                opts=self._child,
            )
            aws.sns.TopicPolicy(
                f"{resource}-policy",
                arn=topic.arn,
                policy=topic.arn.apply(lambda arn: json.dumps(topic_policy(arn, self._prefix))),
                region=region,
                opts=self._child,
            )
            for route in routes[severity]:
                if not route.subscribed:
                    continue
                pager = route.kind == "pager"
                aws.sns.TopicSubscription(
                    f"{resource}-{route.key}",
                    topic=topic.arn,
                    protocol="https" if pager else "email",
                    endpoint=pulumi.Output.secret(args.pager_webhook_url) if pager else route.address,
                    delivery_policy=json.dumps(HTTPS_DELIVERY_POLICY) if pager else None,
                    # Wait for the pager to confirm: a URL that never does fails the deploy.
                    endpoint_auto_confirms=True if pager else None,
                    confirmation_timeout_in_minutes=n.PAGER_CONFIRMATION_MINUTES if pager else None,
                    region=region,
                    opts=self._child,
                )
            topics[severity] = topic
        return topics

    def _relay(self, home: pulumi.Output[str], specs: list[AlarmSpec | Notice], topics: Topics) -> None:
        """Email legs of alarms in other regions: their state changes go to the stack region's
        default event bus (EventBridge cross-region target) and, from there, as plain text to
        the severity's topic, whose email subscriptions are the only ones."""
        name, prefix = self._name, self._prefix
        invoke = pulumi.InvokeOptions(parent=self._parent)
        partition = aws.get_partition_output(opts=invoke).partition
        bus = pulumi.Output.all(partition, home, self._account).apply(lambda a: n.event_bus_arn(*a))
        role = aws.iam.Role(
            f"{name}-relay",
            description=f"{prefix}: EventBridge forwards other regions' alarm state changes to the stack region",
            assume_role_policy=assume_role_policy("events.amazonaws.com"),
            opts=self._child,
        )
        role_arn = granted(role, aws.iam.RolePolicy(f"{name}-relay", role=role.id, policy=bus.apply(n.put_events_policy),
                                                    opts=self._child))
        regions = list(dict.fromkeys(sp.region for sp in specs))
        for region in regions:
            names = [alarm_name(prefix, sp.key) for sp in specs if sp.region == region]
            rule = aws.cloudwatch.EventRule(
                f"{name}-{region}-relay",
                name=n.rule_name(prefix, "alarms-relay"),
                description=f"{prefix}: alarm state changes in {region}, forwarded to the stack region for email",
                event_pattern=json.dumps(n.alarm_state_pattern(names)),
                region=region,
                opts=self._child,
            )
            aws.cloudwatch.EventTarget(
                f"{name}-{region}-relay",
                rule=rule.name,
                arn=bus,
                role_arn=role_arn,
                region=region,
                opts=self._child,
            )
        for severity in SEVERITIES:
            names = [alarm_name(prefix, sp.key) for sp in specs if sp.severity is severity]
            if not names:
                continue
            rule = aws.cloudwatch.EventRule(
                f"{name}-relayed-{severity.value}",
                name=n.rule_name(prefix, f"relayed-{severity.value}"),
                description=f"{prefix}: {severity.value} alarms of other regions, to the {severity.value} topic",
                event_pattern=json.dumps(n.alarm_state_pattern(names, regions)),
                opts=self._child,
            )
            aws.cloudwatch.EventTarget(
                f"{name}-relayed-{severity.value}",
                rule=rule.name,
                arn=topics[severity].arn,
                input_transformer={"input_paths": n.RELAYED_ALARM_PATHS,
                                   # Plain text: email reads it; Chatbot ignores it (it got the alarm itself).
                                   "input_template": json.dumps(n.RELAYED_ALARM_TEXT)},
                opts=self._child,
            )

    def _event(self, event: EventSpec, resolved: pulumi.Output[EventSpec],
               topics: Topics) -> list[aws.cloudwatch.MetricAlarm]:
        """An EventBridge rule matching ``event`` (``resolved``: the same with the caller's
        values) that publishes it to its severity's topic in the format email and chat read
        (``notifications.event_message``); when the severity goes to a pager, which reads
        CloudWatch alarms only, also an alarm on the rule matching (``alarms.event_alarm``) that
        notifies the topic. Returns that alarm, if any."""
        name = self._name
        rule = aws.cloudwatch.EventRule(
            f"{name}-{event.key}",
            name=n.rule_name(self._prefix, event.key),
            description=f"{event.title} ({event.severity.value})",
            event_pattern=resolved.apply(lambda e: json.dumps(e.pattern)),
            opts=self._child,
        )
        routes = self._args.routes[event.severity]
        # Always a target: email and chat read it, and a rule with a target is the setup whose
        # TriggeredRules the pager's alarm reads (a pager drops the text itself).
        aws.cloudwatch.EventTarget(
            f"{name}-{event.key}-target",
            rule=rule.name,
            arn=topics[event.severity].arn,
            input_transformer={"input_paths": event.paths,
                               "input_template": n.event_message(event.title, event.text, chat=n.chats_of(routes))},
            opts=self._child,
        )
        if not any(route.kind == "pager" for route in routes):
            return []
        spec = event_alarm(event, rule.name)
        return [aws.cloudwatch.MetricAlarm(
            f"{name}-{spec.key}",
            name=alarm_name(self._prefix, spec.key),
            alarm_description=resolved.apply(lambda e: f"[{spec.severity.value}] {e.page}"[:1024]),
            **metric_inputs(spec),
            actions_enabled=True,
            alarm_actions=[topics[spec.severity].arn],
            ok_actions=[],  # the count is back to 0 after one period: the page stays open until someone acts
            opts=self._child,
        )]

    def _chatbot(self, topic_arns: list[pulumi.Output[str]], region: pulumi.Input[Optional[str]]) -> None:
        """AWS Chatbot channel configuration(s) subscribed to the chat topics of every region,
        with a role that can only read CloudWatch and the same guardrail."""
        name, args, prefix = self._name, self._args, self._prefix
        partition = aws.get_partition_output(opts=pulumi.InvokeOptions(parent=self._parent)).partition
        role = aws.iam.Role(
            f"{name}-chatbot",
            description=f"{prefix}: AWS Chatbot reads the alarms it posts",
            assume_role_policy=assume_role_policy("chatbot.amazonaws.com"),
            opts=self._child,
        )
        policy = aws.iam.RolePolicy(f"{name}-chatbot", role=role.id, policy=json.dumps(n.CHATBOT_ROLE_POLICY),
                                    opts=self._child)
        common = dict(
            configuration_name=f"{prefix}-alerts",
            iam_role_arn=granted(role, policy),
            guardrail_policy_arns=[partition.apply(lambda p: f"arn:{p}:iam::aws:policy/{n.CHATBOT_GUARDRAIL}")],
            logging_level="ERROR",
            sns_topic_arns=topic_arns,
            region=region,
            opts=self._child,
        )
        if args.slack_channel_id is not None:
            aws.chatbot.SlackChannelConfiguration(
                f"{name}-slack", slack_team_id=args.slack_team_id, slack_channel_id=args.slack_channel_id, **common)
        if args.teams_channel_id is not None:
            aws.chatbot.TeamsChannelConfiguration(
                f"{name}-teams", tenant_id=args.teams_tenant_id, team_id=args.teams_team_id,
                channel_id=args.teams_channel_id, **common)

    def _storage_autoscaling_event(self) -> EventSpec:
        """RDS storage autoscaling that could not scale or will reach its maximum: warning."""
        args = self._args
        return EventSpec(
            "db-storage-autoscaling", Severity.WARNING, "RDS storage autoscaling",
            {}, {"event": "$.detail.EventID", "message": "$.detail.Message", "instance": "$.detail.SourceIdentifier"},
            f"RDS <event> on <instance>: <message> Storage autoscaling stops at "
            f"{args.database_max_allocated_storage_gb} GiB (maxAllocatedStorageGb); past it the free-storage alarm "
            f"pages when free space falls below {args.thresholds.db_free_storage_percent:g}%. Raise "
            "maxAllocatedStorageGb, or free space.",
        )
