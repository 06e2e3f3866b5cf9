"""Specification of the stack program's foundation: providers, default tags, network slice."""

from __future__ import annotations

import json

import pytest

from tests.conftest import cached_plan
from tests.helpers import ECS, KUBERNETES

AZS = {"dev": 2, "staging": 2, "prod": 3}


def test_every_aws_resource_uses_an_explicit_provider_with_the_stack_tags(each_stack):
    plan = cached_plan(each_stack)
    providers = {r.urn: r for r in plan.by_type("pulumi:providers:aws")}
    assert providers, "the program creates explicit AWS providers"
    for provider in providers.values():
        tags = json.loads(provider.inputs["defaultTags"])["tags"]
        assert tags == {"Project": "webstack", "Stack": each_stack, "Tier": each_stack, "ManagedBy": "pulumi"}
    aws_resources = [r for r in plan if r.custom and r.type.startswith("aws:")]
    assert aws_resources
    for res in aws_resources:
        assert res.provider_urn in providers, f"{res.type} {res.name} uses the default provider"


def test_the_main_provider_is_in_the_stack_region(each_stack):
    assert cached_plan(each_stack).get("aws").inputs["region"] == "eu-west-1"


def test_cloudfront_resources_get_a_us_east_1_provider():
    plan = cached_plan("prod")
    east = plan.one("pulumi:providers:aws", "aws-us-east-1")
    assert east.inputs["region"] == "us-east-1"
    for type_ in ("aws:acm/certificate:Certificate", "aws:wafv2/webAcl:WebAcl"):
        assert plan.one(type_).provider_urn == east.urn, type_


def test_private_subnets_span_the_tier_zone_count(each_stack):
    plan = cached_plan(each_stack)
    subnets = plan.by_type("aws:ec2/subnet:Subnet")
    network_subnets = [s for s in subnets if s.name.startswith("network-private-")]
    assert len(network_subnets) == AZS[each_stack]
    assert len({s.inputs["availabilityZone"] for s in network_subnets}) == AZS[each_stack]
    assert all(s.inputs["mapPublicIpOnLaunch"] is False for s in network_subnets)


def test_the_network_has_no_route_to_the_internet(each_stack):
    plan = cached_plan(each_stack)
    assert not plan.by_type("aws:ec2/internetGateway:InternetGateway")
    assert not [r for r in plan.by_type("aws:ec2/route:Route") if r.inputs.get("destinationCidrBlock") == "0.0.0.0/0"]


def test_the_network_component_parents_its_resources():
    plan = cached_plan("prod")
    network = plan.one("webstack:index:Network", "network")
    children = plan.children(network)
    assert {"aws:ec2/vpc:Vpc", "aws:ec2/subnet:Subnet", "aws:ec2/securityGroup:SecurityGroup"} <= {r.type for r in children}
    assert plan.one("aws:ec2/vpc:Vpc", "network-vpc").parent == network.urn
    assert all(r.name.startswith("network") for r in plan.descendants(network))


def test_stack_outputs_name_the_network(each_stack):
    outputs = cached_plan(each_stack).outputs
    assert outputs["tier"] == each_stack
    assert outputs["vpcId"].startswith("vpc-")
    assert len(outputs["subnetIds"]) == AZS[each_stack]


PLATFORM_OUTPUTS = {
    "vercel": {"vercelProjectId", "vercelFunctionRegion", "vercelRoleArn", "vercelOidcProviderArn",
               "vercelSecureComputeNetworkId", "vercelSecureComputeSteps"},
    "ecs": {"ecsCluster", "ecsService", "ecsTaskRoleArn", "ecsLogGroup", "loadBalancerDnsName", "originDnsRecords"},
    "kubernetes": {"kubernetesNamespace", "kubernetesDeployment", "kubernetesHpa", "ingressControllerConfig",
                   "ingressOriginSecurityGroupId", "ingressServiceAnnotations"},
}
"""The outputs only a stack on that platform exports."""
OPTIONAL_PARTS = {
    "databaseProxyEndpoint": lambda plan: plan.by_type("aws:rds/proxy:Proxy"),
    "databaseCrossRegionReplicaEndpoint": lambda plan: [
        r for r in plan.by_type("aws:rds/instance:Instance") if "replicateSourceDb" in r.inputs
        and r.inputs.get("region", "eu-west-1") != "eu-west-1"],
    "cdnWebAclArn": lambda plan: plan.by_type("aws:wafv2/webAcl:WebAcl"),
    "backupCopyVaultArn": lambda plan: [v for v in plan.by_type("aws:backup/vault:Vault") if v.name != "backups-vault"],
    "backupReplicaBucketArn": lambda plan: [b for b in plan.by_type("aws:s3/bucket:Bucket") if b.name == "backups-replica"],
    "dashboardName": lambda plan: plan.by_type("aws:cloudwatch/dashboard:Dashboard"),
}
"""Outputs of parts a stack may not have, and how to find that part among what it registered."""


@pytest.mark.parametrize("platform, override", [("vercel", None), ("ecs", ECS), ("kubernetes", KUBERNETES)])
def test_the_stack_exports_the_outputs_of_the_parts_it_built(each_stack, platform, override):
    # (An output that resolves to None is never recorded, by Pulumi or offline; what is
    # checked is that no output of a part the stack does not have is exported with a value.)
    plan = cached_plan(each_stack, override)
    outputs = set(plan.outputs)
    assert plan.outputs["appPlatform"] == platform
    always = {"vercel": {"vercelProjectId", "vercelFunctionRegion"},
              "ecs": PLATFORM_OUTPUTS["ecs"],
              "kubernetes": PLATFORM_OUTPUTS["kubernetes"] - {"ingressOriginSecurityGroupId", "ingressServiceAnnotations"}}
    assert always[platform] <= outputs
    assert not outputs & set().union(*(keys for name, keys in PLATFORM_OUTPUTS.items() if name != platform))
    for key, part in OPTIONAL_PARTS.items():
        assert (key in outputs) == bool(part(plan)), key


def test_bring_your_own_vpc_creates_no_vpc():
    plan = cached_plan("staging", {"webstack:network": {
        "vpcId": "vpc-0123456789abcdef0", "subnetIds": ["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"],
        "routeTableIds": ["rtb-0123456789abcdef0"]}})
    assert not plan.by_type("aws:ec2/vpc:Vpc")
    assert not [s for s in plan.by_type("aws:ec2/subnet:Subnet") if s.name.startswith("network-")]
    groups = [g for g in plan.by_type("aws:ec2/securityGroup:SecurityGroup") if g.name.startswith("network-")]
    assert {g.inputs["vpcId"] for g in groups} == {"vpc-0123456789abcdef0"}
    assert plan.outputs["vpcId"] == "vpc-0123456789abcdef0"


def test_kubernetes_pods_may_reach_the_data_tier_of_a_brought_vpc():
    # With an existing VPC the program looks up its CIDR for the pods' egress NetworkPolicy.
    plan = cached_plan("staging", KUBERNETES)
    policy = plan.one("kubernetes:networking.k8s.io/v1:NetworkPolicy")
    blocks = [peer["ipBlock"]["cidr"] for rule in policy.inputs["spec"]["egress"]
              for peer in rule.get("to", []) if "ipBlock" in peer]
    assert "10.90.0.0/16" in blocks  # the looked-up VPC CIDR, not the unused network.cidr default
    assert "10.41.0.0/16" not in blocks
