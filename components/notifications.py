"""Who hears about an alert, and how: helpers of ``Alerting``, plain Python (no Pulumi runtime).

Routes per severity (DESIGN.md): critical -> pager, warning -> chat, info -> email. A
severity without its channel falls back (critical: chat and email; warning: email; info:
chat), and ``AlertingArgs`` refuses a severity nobody reads.

* **Pager**: an SNS HTTPS subscription to the pager's CloudWatch integration endpoint
  (PagerDuty's Amazon CloudWatch integration confirms SNS subscriptions and parses the
  alarm's SNS message).
* **Chat**: AWS Chatbot (Amazon Q Developer in chat applications), which subscribes to the
  topics itself and renders CloudWatch alarms. A Slack or Teams *incoming webhook* cannot
  be an SNS endpoint: it cannot confirm the subscription (SNS first posts a
  SubscriptionConfirmation and waits for its URL to be visited) and does not parse SNS's
  JSON. Chatbot drops messages it cannot parse, so event messages to a chat topic use its
  custom-notification schema (``event_message``).
* **Email**: SNS email subscriptions on the stack region's topics only. Alarms in other
  regions (the edge region's CloudFront/Route 53/ACM alarms, the cross-region replica's lag)
  reach them through EventBridge: their state changes are forwarded to the stack region's
  default event bus and published there as plain text. Each address therefore confirms once
  per severity it receives, never once per region.

Topic policies let only this account's alarms and rules of this stack publish
(``aws:SourceAccount`` and ``aws:SourceArn``) and refuse plain HTTP.
"""

import json
import re
from dataclasses import dataclass
from typing import Any, Optional, Sequence

from pulumi_webstack import kms
from pulumi_webstack.alarms import SEVERITIES, Severity

PUBLISHING_SERVICES = ("cloudwatch.amazonaws.com", "events.amazonaws.com")
"""Services that publish to the topics: CloudWatch alarms and EventBridge rules."""

SLACK_TEAM_ID = r"T[A-Z0-9]{8,20}"
SLACK_CHANNEL_ID = r"[CG][A-Z0-9]{8,20}"
UUID = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
TEAMS_CHANNEL_ID = r"19(:|%3[aA])[A-Za-z0-9_-]+(@|%40)thread\.(tacv2|skype)"
"""A Teams channel id as its link shows it (``19%3a...%40thread.tacv2``) or decoded."""

CHATBOT_REGIONS = ("us-east-2", "us-west-2", "eu-west-1", "ap-southeast-1")
"""Regions with an AWS Chatbot API endpoint (AWS General Reference, "Amazon Q Developer in
chat applications endpoints and quotas"); elsewhere the API does not answer."""
CHATBOT_HOME = "us-east-2"
"""Where a stack outside ``CHATBOT_REGIONS`` keeps its channel configuration (Chatbot's
console region). A configuration reads SNS topics of any region."""


def chatbot_region(stack_region: str) -> Optional[str]:
    """Region of the channel configuration: None (the stack's) where Chatbot has an API."""
    return None if stack_region in CHATBOT_REGIONS else CHATBOT_HOME


CHATBOT_GUARDRAIL = "CloudWatchReadOnlyAccess"
"""AWS managed policy capping what anyone in the channel can do through Chatbot: read CloudWatch."""
CHATBOT_ROLE_POLICY = {
    "Version": "2012-10-17",
    "Statement": [{
        "Sid": "ReadAlarmsForNotifications",
        "Effect": "Allow",
        "Action": ["cloudwatch:Describe*", "cloudwatch:Get*", "cloudwatch:List*"],
        "Resource": "*",
    }],
}
"""Chatbot's "notification permissions" template: it reads the alarm to render it."""

HTTPS_DELIVERY_POLICY = {
    "healthyRetryPolicy": {
        "minDelayTarget": 5,
        "maxDelayTarget": 60,
        "numRetries": 20,
        "numNoDelayRetries": 2,
        "numMinDelayRetries": 3,
        "numMaxDelayRetries": 10,
        "backoffFunction": "exponential",
    },
    "throttlePolicy": {"maxReceivesPerSecond": 10},
}
"""Pager deliveries retry for about 20 minutes with exponential backoff."""

PAGER_CONFIRMATION_MINUTES = 5
"""How long ``pulumi up`` waits for the pager to confirm its HTTPS subscription (the pager's
CloudWatch integration confirms on its own, in seconds). Without the wait the provider
leaves an unconfirmed subscription in place and reports success: a wrong integration URL
would leave the critical topic without a reader, silently."""


@dataclass(frozen=True)
class Notice:
    """What notifies a topic, as the topics and the email relay see it: an alarm's key (its
    name), severity and region (None: the stack's). A composite burn-rate alert is one."""

    key: str
    severity: Severity
    region: Optional[str]


@dataclass(frozen=True)
class Route:
    """One way a severity's messages reach people."""

    kind: str
    """``email``, ``pager`` (SNS HTTPS subscription) or ``chat`` (AWS Chatbot)."""
    address: str = ""
    """The email address (email routes)."""

    @property
    def key(self) -> str:
        """Stable resource-name suffix (keyed by address, never by list position)."""
        if self.kind == "email":
            return "email-" + re.sub(r"[^a-z0-9]+", "-", self.address.lower()).strip("-")
        return self.kind

    @property
    def subscribed(self) -> bool:
        """Whether the route is an SNS subscription of the topic (chat is Chatbot's own)."""
        return self.kind in ("email", "pager")


def routing(emails: Sequence[str], has_pager: bool, has_chat: bool) -> dict[Severity, list[Route]]:
    """Routes per severity.

    critical: the pager; without one, chat and the emails.
    warning: chat; without it, the emails.
    info: the emails; without any, chat.
    A severity may still end up with no route (a pager alone); ``AlertingArgs`` refuses that.
    """
    mail = [Route("email", e) for e in emails]
    chat = [Route("chat")] if has_chat else []
    critical = [Route("pager")] if has_pager else chat + mail
    return {Severity.CRITICAL: critical, Severity.WARNING: chat or list(mail), Severity.INFO: list(mail) or chat}


def remote_routes(routes: dict[Severity, list[Route]]) -> dict[Severity, list[Route]]:
    """The routes a topic in another region than the stack's carries: pager and chat. Email
    legs are relayed to the stack region's topics instead (one confirmation per address)."""
    return {severity: [r for r in rs if r.kind != "email"] for severity, rs in routes.items()}


def emails_of(routes: Sequence[Route]) -> bool:
    return any(r.kind == "email" for r in routes)


def chats_of(routes: Sequence[Route]) -> bool:
    return any(r.kind == "chat" for r in routes)


def rule_name(prefix: str, suffix: str) -> str:
    """EventBridge rule name ``<prefix>-<suffix>``, at most 64 characters."""
    return f"{prefix}-{suffix}"[:64]


def _arn_parts(arn: str) -> tuple[str, str, str]:
    """(partition, region, account) of an ARN."""
    parts = arn.split(":")
    return parts[1], parts[3], parts[4]


def _service_publishes(sid: str, service: str, topic_arn: str, account: str, source_arn: str) -> dict[str, Any]:
    """Topic policy statement: ``service`` may publish on behalf of this account's resources
    matching ``source_arn`` only."""
    return {
        "Sid": sid,
        "Effect": "Allow",
        "Principal": {"Service": service},
        "Action": "SNS:Publish",
        "Resource": topic_arn,
        "Condition": {"StringEquals": {"aws:SourceAccount": account}, "ArnLike": {"aws:SourceArn": source_arn}},
    }


def topic_policy(topic_arn: str, prefix: str) -> dict[str, Any]:
    """SNS topic policy: the account manages the topic; only this account's CloudWatch alarms
    and EventBridge rules of this stack (named ``<prefix>-...``) in the topic's region may
    publish (``aws:SourceAccount`` and ``aws:SourceArn``, against the confused deputy); TLS only."""
    partition, region, account = _arn_parts(topic_arn)
    rules = rule_name(prefix, "")
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "AccountManagesTopic",
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:{partition}:iam::{account}:root"},
                "Action": ["SNS:GetTopicAttributes", "SNS:SetTopicAttributes", "SNS:AddPermission",
                           "SNS:RemovePermission", "SNS:DeleteTopic", "SNS:Subscribe",
                           "SNS:ListSubscriptionsByTopic", "SNS:Publish"],
                "Resource": topic_arn,
            },
            _service_publishes("StackAlarmsPublish", "cloudwatch.amazonaws.com", topic_arn, account,
                               f"arn:{partition}:cloudwatch:{region}:{account}:alarm:{prefix}-*"),
            _service_publishes("StackEventRulesPublish", "events.amazonaws.com", topic_arn, account,
                               f"arn:{partition}:events:{region}:{account}:rule/{rules}*"),
            {
                "Sid": "DenyInsecureTransport",
                "Effect": "Deny",
                "Principal": "*",
                "Action": "SNS:Publish",
                "Resource": topic_arn,
                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
            },
        ],
    }


def topic_key_policy(account_id: str, partition: str = "aws") -> dict[str, Any]:
    """Key policy of the topics' KMS key: the account administers it (IAM decides who may
    use it); the publishing services may encrypt messages with it."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            kms.account_administers_key(account_id, partition),
            {
                "Sid": "PublishersEncryptMessages",
                "Effect": "Allow",
                "Principal": {"Service": list(PUBLISHING_SERVICES)},
                "Action": ["kms:Decrypt", "kms:GenerateDataKey*"],
                "Resource": "*",
            },
        ],
    }


def event_message(title: str, text: str, *, chat: bool) -> str:
    """``input_template`` of an EventBridge target publishing to a topic: plain text, or, when
    the topic's severity goes to chat, AWS Chatbot's custom-notification schema (Chatbot drops
    anything else; email readers get the same JSON, with the text in ``description``).
    ``<name>`` placeholders are filled from the target's ``input_paths``."""
    if chat:
        return json.dumps({"version": "1.0", "source": "custom",
                           "content": {"textType": "client-markdown", "title": title, "description": text}})
    return json.dumps(f"{title}: {text}")


def alarm_state_pattern(alarm_names: Sequence[str], regions: Optional[Sequence[str]] = None) -> dict[str, Any]:
    """EventBridge pattern of ALARM and OK transitions of these alarms (from ``regions``)."""
    pattern: dict[str, Any] = {
        "source": ["aws.cloudwatch"],
        "detail-type": ["CloudWatch Alarm State Change"],
        "detail": {"alarmName": sorted(alarm_names), "state": {"value": ["ALARM", "OK"]}},
    }
    if regions:
        pattern["region"] = sorted(regions)
    return pattern


RELAYED_ALARM_PATHS = {
    "alarm": "$.detail.alarmName",
    "state": "$.detail.state.value",
    "reason": "$.detail.state.reason",
    "region": "$.region",
    "description": "$.detail.configuration.description",
}
RELAYED_ALARM_TEXT = "CloudWatch alarm <alarm> in <region> is <state>: <reason> <description>"
"""How a relayed alarm reads in email (its description says what to do first)."""


def event_bus_arn(partition: str, region: str, account: str) -> str:
    return f"arn:{partition}:events:{region}:{account}:event-bus/default"


def put_events_policy(bus_arn: str) -> str:
    """IAM policy JSON: put events on the stack region's default bus (the relay's role)."""
    return json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "events:PutEvents", "Resource": bus_arn}]})
