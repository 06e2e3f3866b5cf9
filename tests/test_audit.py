"""Specification of what an independent audit of the shipped stacks checks, and a first real
deploy needs: physical names unique per stack, encryption and explicit key policies
everywhere, resource and trust policies scoped to this account, explicit lifecycle filters.

These are properties of whole plans (every resource of a type, across components), so they
live here rather than in one component's module.
"""

from __future__ import annotations

import collections
import fnmatch
import json
import re
from pathlib import Path
from typing import Any, Iterator

import pytest

from tests.conftest import cached_plan

# Inputs that hold the physical name of the resource itself (not a reference to another
# resource), by type; every other AWS type is named by its `name` input when it has one.
PHYSICAL_NAME_INPUTS: dict[str, tuple[str, ...]] = {
    "aws:s3/bucket:Bucket": ("bucket",),
    "aws:rds/instance:Instance": ("identifier", "finalSnapshotIdentifier"),
    "aws:elasticache/replicationGroup:ReplicationGroup": ("replicationGroupId", "finalSnapshotIdentifier"),
    "aws:cloudwatch/dashboard:Dashboard": ("dashboardName",),
    "aws:iam/openIdConnectProvider:OpenIdConnectProvider": ("url",),
    "aws:chatbot/slackChannelConfiguration:SlackChannelConfiguration": ("configurationName",),
    "aws:chatbot/teamsChannelConfiguration:TeamsChannelConfiguration": ("configurationName",),
    "aws:cloudwatch/logResourcePolicy:LogResourcePolicy": ("policyName",),
    "vercel:index/project:Project": ("name",),
    # A DNS record's name is scoped to its zone (and is the site's own host name).
    "aws:route53/record:Record": (),
}

ACCOUNT_SINGLETONS = {"aws:iam/openIdConnectProvider:OpenIdConnectProvider"}
"""Created once per account and found by the other stacks (the Vercel OIDC provider: one per
issuer URL per account); test_the_vercel_oidc_provider_is_one_per_account checks them."""


def physical_names(stack: str, overrides: dict | None = None) -> dict[tuple[str, str], set[str]]:
    """(type, physical name) -> logical names, for every account- or region-scoped name."""
    names: dict[tuple[str, str], set[str]] = collections.defaultdict(set)
    for res in cached_plan(stack, overrides):
        if not res.custom or not res.type.startswith(("aws:", "vercel:index/project:")):
            continue
        for key in PHYSICAL_NAME_INPUTS.get(res.type, ("name",)):
            value = res.inputs.get(key)
            if isinstance(value, str) and value:
                names[(res.type, value)].add(res.name)
    return names


def test_staging_and_prod_share_no_physical_name_in_one_account():
    staging, prod = physical_names("staging"), physical_names("prod")
    shared = {key for key in set(staging) & set(prod) if key[0] not in ACCOUNT_SINGLETONS}
    assert not shared, f"names both stacks would create in one account: {sorted(shared)}"
    # The comparison is not vacuous: it covers the names that used to collide.
    assert ("aws:cloudwatch/logGroup:LogGroup", "/webstack/prod/network/vpc-flow-logs") in prod
    assert ("aws:rds/instance:Instance", "webstack-prod-database") in prod


def test_staging_and_prod_on_kubernetes_share_no_aws_physical_name():
    from tests.helpers import KUBERNETES

    shared = set(physical_names("staging", KUBERNETES)) & set(physical_names("prod", KUBERNETES))
    assert not shared, sorted(shared)


def test_the_vercel_oidc_provider_is_one_per_account():
    """Staging creates the account's provider for the team's issuer; prod, in the same
    account, is given its ARN (vercel.oidcProviderArn) and creates none."""
    staging, prod = physical_names("staging"), physical_names("prod")
    providers = [key for key in staging if key[0] in ACCOUNT_SINGLETONS]
    assert providers and not [key for key in prod if key[0] in ACCOUNT_SINGLETONS]


def region_of(plan, res) -> str:
    """The region a resource is created in: its own ``region`` input, else its provider's."""
    if isinstance(res.inputs.get("region"), str):
        return res.inputs["region"]
    return plan.by_urn(res.provider_urn).inputs["region"]


def test_no_stack_creates_one_physical_name_twice_in_a_region(each_stack):
    plan = cached_plan(each_stack)
    seen: dict[tuple[str, str, str], list[str]] = collections.defaultdict(list)
    for res in plan:
        if res.custom and res.type.startswith("aws:"):
            for key in PHYSICAL_NAME_INPUTS.get(res.type, ("name",)):
                if isinstance(res.inputs.get(key), str):
                    seen[(res.type, region_of(plan, res), res.inputs[key])].append(res.name)
    assert not {key: names for key, names in seen.items() if len(names) > 1}


# ------------------------------------------------------------------ security groups

EC2_DESCRIPTION = re.compile(r"[a-zA-Z0-9 ._\-:/()#,@\[\]+=&;{}!$*]{0,255}")
"""What EC2 accepts in a security group's or a rule's description (CreateSecurityGroup,
IpPermission): anything else, an apostrophe included, fails the create call with
InvalidParameterValue after the plan looked fine."""

SECURITY_GROUP_TYPES = ("aws:ec2/securityGroup:SecurityGroup", "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
                        "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule")


@pytest.mark.parametrize("platform", ["vercel", "kubernetes", "ecs"])
def test_every_security_group_description_is_one_ec2_accepts(each_stack, platform):
    from tests.helpers import ECS, KUBERNETES

    plan = cached_plan(each_stack, {"vercel": None, "kubernetes": KUBERNETES, "ecs": ECS}[platform])
    described = [res for res in plan if res.type in SECURITY_GROUP_TYPES and res.inputs.get("description")]
    assert described
    refused = {res.name: res.inputs["description"] for res in described
               if not EC2_DESCRIPTION.fullmatch(res.inputs["description"])}
    assert not refused


# ------------------------------------------------------------------------ S3 lifecycle


def lifecycle_rules(plan) -> Iterator[tuple[str, dict[str, Any]]]:
    for res in plan.by_type("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration"):
        for rule in res.inputs["rules"]:
            yield res.name, rule


def test_every_lifecycle_rule_has_an_explicit_filter(each_stack):
    rules = list(lifecycle_rules(cached_plan(each_stack)))
    assert rules
    for name, rule in rules:
        # An empty filter block is deprecated by the AWS provider: say "every object" as prefix "".
        assert rule.get("filter") and rule["filter"] != {}, (name, rule["id"])
        assert isinstance(rule["filter"].get("prefix"), str), (name, rule["id"])  # "" for every object


# ------------------------------------------------------------- encryption and key policies


def test_every_log_group_is_encrypted_with_a_customer_managed_key(each_stack):
    plan = cached_plan(each_stack)
    keys = {k.state["arn"] for k in plan.by_type("aws:kms/key:Key")}
    groups = plan.by_type("aws:cloudwatch/logGroup:LogGroup")
    assert groups
    for group in groups:
        assert group.inputs.get("kmsKeyId") in keys, group.inputs["name"]


def test_every_kms_key_has_an_explicit_policy_the_account_administers(each_stack):
    # The implicit default key policy is what an audit flags; every key states its policy,
    # and in every one the account root administers the key (else it could become unmanageable).
    keys = cached_plan(each_stack).by_type("aws:kms/key:Key")
    assert keys
    for key in keys:
        assert isinstance(key.inputs.get("policy"), str), key.name
        statements = {s["Sid"]: s for s in json.loads(key.inputs["policy"])["Statement"]}
        admin = next(s for s in statements.values() if s["Action"] == "kms:*")
        assert admin["Principal"] == {"AWS": "arn:aws:iam::123456789012:root"}, key.name
        assert key.inputs["enableKeyRotation"] is True


# Service principals that document aws:SourceAccount / aws:SourceArn on role assumption:
# their roles are confined to this account's resources (cross-service confused deputy).
# The others are listed, with the reason, in policies/exceptions.json.
CONFINED_SERVICES = {"vpc-flow-logs.amazonaws.com", "monitoring.rds.amazonaws.com"}


def test_service_roles_of_services_that_support_it_are_confined_to_this_account(each_stack):
    roles = [r for r in cached_plan(each_stack).by_type("aws:iam/role:Role")
             if "Service" in json.loads(r.inputs["assumeRolePolicy"])["Statement"][0]["Principal"]]
    confined = 0
    for role in roles:
        (trust,) = json.loads(role.inputs["assumeRolePolicy"])["Statement"]
        if trust["Principal"]["Service"] in CONFINED_SERVICES:
            assert trust["Condition"]["StringEquals"] == {"aws:SourceAccount": "123456789012"}, role.name
            assert trust["Condition"]["ArnLike"]["aws:SourceArn"].split(":")[4] == "123456789012", role.name
            confined += 1
    assert confined >= 1


# ------------------------------------------------------------------------- topic policies


def test_every_topic_policy_lets_services_publish_only_for_this_account_and_stack(each_stack):
    plan = cached_plan(each_stack)
    policies = plan.by_type("aws:sns/topicPolicy:TopicPolicy")
    assert len(policies) == len(plan.by_type("aws:sns/topic:Topic"))
    for res in policies:
        for statement in json.loads(res.inputs["policy"])["Statement"]:
            principal = statement["Principal"]
            if statement["Effect"] != "Allow" or not isinstance(principal, dict) or "Service" not in principal:
                continue
            conditions = statement["Condition"]
            assert conditions["StringEquals"] == {"aws:SourceAccount": "123456789012"}, res.name
            source = conditions["ArnLike"]["aws:SourceArn"]
            assert source.split(":")[4] == "123456789012" and f"webstack-{each_stack}-" in source, (res.name, source)


# ------------------------------------------------------------ exceptions (issue 18, item 14)

EXCEPTIONS = json.loads((Path(__file__).resolve().parent.parent / "policies" / "exceptions.json").read_text())[
    "exceptions"]
STACKS = ("dev", "staging", "prod")


def _listed(stack: str, entry: dict) -> set[tuple[str, str]]:
    plan = cached_plan(stack)
    out = set()
    for group in entry["resources"]:
        if stack not in group["stacks"]:
            continue
        for pattern in group["names"]:
            found = {(r.type, r.name) for r in plan.by_type(group["type"]) if fnmatch.fnmatchcase(r.name, pattern)}
            assert found, f"{entry['id']}: no {group['type']} named {pattern!r} in {stack}"
            out |= found
    return out


def _buckets_without_logging(plan):
    logged = {r.inputs["bucket"] for r in plan.by_type("aws:s3/bucketLogging:BucketLogging")}
    return {(r.type, r.name) for r in plan.by_type("aws:s3/bucket:Bucket") if r.id not in logged}


def _buckets_not_replicated(plan):
    sources = {r.inputs["bucket"] for r in plan.by_type("aws:s3/bucketReplicationConfig:BucketReplicationConfig")}
    return {(r.type, r.name) for r in plan.by_type("aws:s3/bucket:Bucket") if r.id not in sources}


def _roles_without_source_conditions(plan):
    out = set()
    for role in plan.by_type("aws:iam/role:Role"):
        (trust, *_) = json.loads(role.inputs["assumeRolePolicy"])["Statement"]
        if "Service" in trust["Principal"] and "Condition" not in trust:
            out.add((role.type, role.name))
    return out


def _star_role_policies(plan):
    return {(r.type, r.name) for r in plan.by_type("aws:iam/rolePolicy:RolePolicy")
            if any(s.get("Resource") in ("*", ["*"]) for s in json.loads(r.inputs["policy"])["Statement"])}


# What each exception's check flags in a plan: the exceptions must name exactly these, so a
# suppression list derived from them is complete and hides nothing else.
PROBES = {
    "log-buckets-not-access-logged": _buckets_without_logging,
    "log-buckets-not-replicated": _buckets_not_replicated,
    "buckets-without-event-notifications": lambda plan: {(r.type, r.name) for r in plan.by_type("aws:s3/bucket:Bucket")},
    "single-az-replicas-and-non-prod-primaries": lambda plan: {
        (r.type, r.name) for r in plan.by_type("aws:rds/instance:Instance") if not r.inputs.get("multiAz")},
    "deletion-protection-off-outside-prod": lambda plan: {
        (r.type, r.name) for r in plan.by_type("aws:rds/instance:Instance") if not r.inputs.get("deletionProtection")},
    "log-retention-by-tier": lambda plan: {
        (r.type, r.name) for r in plan.by_type("aws:cloudwatch/logGroup:LogGroup")
        if 0 < r.inputs.get("retentionInDays", 0) < 365},
    "cloudfront-default-domain-until-validated": lambda plan: {
        (r.type, r.name) for r in plan.by_type("aws:cloudfront/distribution:Distribution")
        if r.inputs["viewerCertificate"].get("minimumProtocolVersion") not in ("TLSv1.2_2018", "TLSv1.2_2019",
                                                                               "TLSv1.2_2021")},
    "no-waf-in-dev": lambda plan: {
        (r.type, r.name) for r in plan.by_type("aws:cloudfront/distribution:Distribution") if not r.inputs.get("webAclId")},
    "service-roles-without-source-conditions": _roles_without_source_conditions,
    "chatbot-reads-cloudwatch-on-any-resource": _star_role_policies,
}


def test_every_exception_is_explained_and_names_resources_the_stacks_have():
    ids = [e["id"] for e in EXCEPTIONS]
    assert len(ids) == len(set(ids))
    for entry in EXCEPTIONS:
        assert entry["check"] and len(entry["reason"]) > 80 and entry["evidence"], entry["id"]
        for stack in STACKS:
            _listed(stack, entry)  # every named resource exists where the entry says


@pytest.mark.parametrize("stack", STACKS)
@pytest.mark.parametrize("entry_id", sorted(PROBES))
def test_each_exception_names_exactly_what_its_check_flags(entry_id, stack):
    entry = next(e for e in EXCEPTIONS if e["id"] == entry_id)
    assert _listed(stack, entry) == PROBES[entry_id](cached_plan(stack))


def test_the_policy_readme_lists_every_exception():
    readme = (Path(__file__).resolve().parent.parent / "policies" / "README.md").read_text()
    section = readme[readme.index("## Exceptions"):]
    for entry in EXCEPTIONS:
        assert f"`{entry['id']}`" in section, entry["id"]
        for ids in entry["scanners"].values():
            for check in ids:
                assert check in section, (entry["id"], check)
