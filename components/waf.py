"""The CDN's WAFv2 web ACL rules and its logging: helpers of ``Cdn``, not a component.

Rules, in priority order:

* ``api-rate-limit`` (with a limit): a per-IP rate-based rule over the API prefixes that
  answers 429.
* AWS managed rule groups: the IP reputation list, the core rule set (CRS) and known bad
  inputs. CRS rules named in ``count_rules`` only count (they label and log the request,
  the request goes on): by default ``SizeRestrictions_BODY``, which otherwise blocks every
  request whose body is over 8 KB, i.e. uploads, large JSON bodies and Next.js server
  actions (POSTs to any page path, so excluding paths cannot carve them out). The limit that
  matters for bodies is the app's own (Next.js server actions: 1 MB by default); the other
  CRS body rules still inspect the body window WAF reads.

Logging: WAF writes the full request of every evaluated request, so the ``authorization``
and ``cookie`` headers are redacted. The destination is a CloudWatch Logs group named
``aws-waf-logs-<project>-<stack>-<name>`` (WAF requires the ``aws-waf-logs-`` prefix; a
name per stack keeps stacks of one account apart), in us-east-1 like the CLOUDFRONT-scoped
web ACL, encrypted with the CDN's log key, kept ``retention_days``. WAF delivers through
CloudWatch Logs' log delivery service; it needs a log resource policy granting that
service ``CreateLogStream``/``PutLogEvents`` on the group. Without one WAF would add or grow
an account-wide ``AWSWAF-LOGS`` policy itself (outside Pulumi, shared by every stack, with
a 5,120-character limit), so the component manages its own, one per stack, confined to this
account's log deliveries.
"""

import json
import re
from typing import Any, Optional

import pulumi
import pulumi_aws as aws

from pulumi_webstack.ordering import after

WAF_MIN_RATE_LIMIT = 10
"""Smallest limit a WAF rate-based rule accepts (per evaluation window)."""

COMMON_RULE_SET = "AWSManagedRulesCommonRuleSet"
MANAGED_RULE_GROUPS = ("AWSManagedRulesAmazonIpReputationList", COMMON_RULE_SET,
                       "AWSManagedRulesKnownBadInputsRuleSet")
"""AWS managed rule groups of the web ACL, in priority order."""

COMMON_RULE_SET_RULES = (
    "NoUserAgent_HEADER", "UserAgent_BadBots_HEADER", "SizeRestrictions_QUERYSTRING",
    "SizeRestrictions_Cookie_HEADER", "SizeRestrictions_BODY", "SizeRestrictions_URIPATH",
    "EC2MetaDataSSRF_BODY", "EC2MetaDataSSRF_COOKIE", "EC2MetaDataSSRF_URIPATH", "EC2MetaDataSSRF_QUERYARGUMENTS",
    "GenericLFI_QUERYARGUMENTS", "GenericLFI_URIPATH", "GenericLFI_BODY", "RestrictedExtensions_URIPATH",
    "RestrictedExtensions_QUERYARGUMENTS", "GenericRFI_QUERYARGUMENTS", "GenericRFI_BODY", "GenericRFI_URIPATH",
    "CrossSiteScripting_COOKIE", "CrossSiteScripting_QUERYARGUMENTS", "CrossSiteScripting_BODY",
    "CrossSiteScripting_URIPATH",
)
"""The rules of the core rule set (AWS WAF developer guide, "Core rule set (CRS) managed rule group")."""

DEFAULT_COUNT_RULES = ("SizeRestrictions_BODY",)
"""CRS rules that only count by default: bodies over 8 KB are normal for uploads, large JSON
and server actions."""

REDACTED_HEADERS = ("authorization", "cookie")
"""Request headers WAF logs redact (credentials and sessions)."""

LOG_GROUP_PREFIX = "aws-waf-logs-"
"""WAF only logs to CloudWatch Logs groups whose name starts with this."""


def api_prefixes(paths: list[str]) -> list[str]:
    """URI prefixes the WAF rate limit matches: ``/api/*`` -> ``/api/``."""
    return sorted({p.rstrip("*") for p in paths})


def _visibility(metric: str) -> dict[str, Any]:
    return {"cloudwatch_metrics_enabled": True, "metric_name": metric, "sampled_requests_enabled": True}


def web_acl_rules(metric: str, api_paths: list[str], rate_limit: Optional[int],
                  count_rules: list[str]) -> list[dict[str, Any]]:
    """``rules`` of the web ACL: the API rate limit (with ``rate_limit``), then the managed
    groups, with ``count_rules`` of the core rule set overridden to count."""
    rules: list[dict[str, Any]] = []
    if rate_limit is not None:
        matches = [
            {
                "byte_match_statement": {
                    "positional_constraint": "STARTS_WITH",
                    "search_string": prefix,
                    "field_to_match": {"uri_path": {}},
                    "text_transformations": [{"priority": 0, "type": "NONE"}],
                }
            }
            for prefix in api_prefixes(api_paths)
        ]
        scope = matches[0] if len(matches) == 1 else {"or_statement": {"statements": matches}}
        rules.append({
            "name": "api-rate-limit",
            "priority": 0,
            "action": {"block": {"custom_response": {"response_code": 429}}},
            "statement": {
                "rate_based_statement": {
                    "limit": rate_limit,
                    "evaluation_window_sec": 60,
                    "aggregate_key_type": "IP",
                    "scope_down_statement": scope,
                }
            },
            "visibility_config": _visibility(f"{metric}-api-rate-limit"),
        })
    for priority, group in enumerate(MANAGED_RULE_GROUPS, start=10):
        statement: dict[str, Any] = {"vendor_name": "AWS", "name": group}
        if group == COMMON_RULE_SET and count_rules:
            statement["rule_action_overrides"] = [
                {"name": rule, "action_to_use": {"count": {}}} for rule in count_rules
            ]
        rules.append({
            "name": group,
            "priority": priority,
            "override_action": {"none": {}},
            "statement": {"managed_rule_group_statement": statement},
            "visibility_config": _visibility(f"{metric}-{group}"),
        })
    return rules


def log_group_name(project: str, stack: str, name: str) -> str:
    """``aws-waf-logs-<project>-<stack>-<name>``: WAF's required prefix, unique per stack."""
    text = re.sub(r"[^A-Za-z0-9_.-]+", "-", f"{project}-{stack}-{name}").strip("-")
    return (LOG_GROUP_PREFIX + text)[:512]


def logs_key_statement(region: str, account: str, partition: str, dns_suffix: str, group: str) -> dict[str, Any]:
    """Key policy statement: CloudWatch Logs of ``region`` encrypts the WAF log group ``group``
    (and only it, through the encryption context)."""
    return {
        "Sid": "CloudWatchLogsEncryptsWafLogs",
        "Effect": "Allow",
        "Principal": {"Service": f"logs.{region}.{dns_suffix}"},
        "Action": ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"],
        "Resource": "*",
        "Condition": {"ArnLike": {
            "kms:EncryptionContext:aws:logs:arn": f"arn:{partition}:logs:{region}:{account}:log-group:{group}"}},
    }


def log_resource_policy(group_arn: str, region: str, account: str, partition: str) -> str:
    """CloudWatch Logs resource policy letting log delivery (WAF's) write to the group, for
    this account's deliveries only (aws:SourceAccount, aws:SourceArn: confused deputy)."""
    return json.dumps({
        "Version": "2012-10-17",
        "Statement": [{
            "Sid": "WafLogDelivery",
            "Effect": "Allow",
            "Principal": {"Service": "delivery.logs.amazonaws.com"},
            "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
            "Resource": f"{group_arn}:*",
            "Condition": {
                "StringEquals": {"aws:SourceAccount": account},
                "ArnLike": {"aws:SourceArn": f"arn:{partition}:logs:{region}:{account}:*"},
            },
        }],
    })


def enable_logging(
    name: str,
    web_acl: aws.wafv2.WebAcl,
    *,
    group_name: str,
    key: aws.kms.Key,
    retention_days: int,
    region: str,
    account: pulumi.Input[str],
    partition: pulumi.Input[str],
    opts: pulumi.ResourceOptions,
) -> aws.cloudwatch.LogGroup:
    """Log ``web_acl`` to a KMS-encrypted group in ``region`` (the web ACL's) with credentials
    redacted (see module doc)."""
    group = aws.cloudwatch.LogGroup(
        f"{name}-waf-logs",
        name=group_name,
        retention_in_days=retention_days,
        kms_key_id=key.arn,
        region=region,
        opts=opts,
    )
    policy = aws.cloudwatch.LogResourcePolicy(
        f"{name}-waf-logs",
        policy_name=group_name.removeprefix(LOG_GROUP_PREFIX) + "-waf-logs",
        policy_document=pulumi.Output.all(group.arn, region, account, partition).apply(
            lambda a: log_resource_policy(*a)),
        region=region,
        opts=opts,
    )
    aws.wafv2.WebAclLoggingConfiguration(
        f"{name}-waf-logs",
        resource_arn=web_acl.arn,
        # Data-dependent on the resource policy: WAF checks delivery permissions when logging is enabled.
        log_destination_configs=[after(group.arn, policy)],
        redacted_fields=[{"single_header": {"name": header}} for header in REDACTED_HEADERS],
        region=region,
        opts=opts,
    )
    return group
