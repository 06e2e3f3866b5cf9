"""Specification of the resource graph: `pulumi up` can create in parallel whatever does
not need something else first, and only real data dependencies order creation."""

from __future__ import annotations

import pytest

from pulumi_webstack_cli.engine import synth
from tests.conftest import cached_plan

import pulumi_aws as aws
from tests.helpers import ECS, KUBERNETES

# Orderings that no input expresses but AWS needs: RDS must find its log groups (else it
# creates them itself, unencrypted and kept forever) and its monitoring role's policy
# attached; RDS Proxy likewise must find its log group and be able to read its secret when it
# starts, and the secret must hold its value when the proxy's target is registered (the proxy
# connects at once). The EKS VPC resource controller gives a pod its security groups when the
# pod is created, so the SecurityGroupPolicy must exist before the Deployment's first pods.
# ECS registers a service's tasks only with a target group attached to a load balancer (the
# forwarding rule must exist);
# Elastic Load Balancing checks it may write to the access-log bucket when logging is turned on.
JUSTIFIED_EXPLICIT = {
    ("aws:rds/instance:Instance", "aws:cloudwatch/logGroup:LogGroup"),
    ("aws:rds/instance:Instance", "aws:iam/rolePolicyAttachment:RolePolicyAttachment"),
    ("aws:rds/proxy:Proxy", "aws:iam/rolePolicy:RolePolicy"),
    ("aws:rds/proxy:Proxy", "aws:cloudwatch/logGroup:LogGroup"),
    ("aws:rds/proxyTarget:ProxyTarget", "aws:secretsmanager/secretVersion:SecretVersion"),
    ("kubernetes:apps/v1:Deployment", "kubernetes:vpcresources.k8s.aws/v1beta1:SecurityGroupPolicy"),
    ("aws:ecs/service:Service", "aws:lb/listenerRule:ListenerRule"),
    ("aws:lb/loadBalancer:LoadBalancer", "aws:s3/bucketPolicy:BucketPolicy"),
}


def test_waves_follow_dependencies():
    def program():
        a = aws.sns.Topic("a")
        b = aws.sns.Topic("b")
        aws.sns.TopicPolicy("c", arn=a.arn, policy=b.arn)

    plan = synth(program)
    waves = plan.creation_waves()
    assert waves[plan.get("a").urn] == waves[plan.get("b").urn] == 1
    assert waves[plan.get("c").urn] == 2
    assert [r.name for r in plan.critical_path()] in (["a", "c"], ["b", "c"])


@pytest.mark.parametrize("stack", ["dev", "staging", "prod"])
@pytest.mark.parametrize("overrides", [None, ECS], ids=["vercel", "ecs"])
def test_the_longest_creation_chain_is_short(stack, overrides):
    """On ECS three steps follow the app's task definition, which carries the data tier's host
    names: the service, its scaling target (Application Auto Scaling checks the service
    exists) and the scaling policies."""
    chain = cached_plan(stack, overrides).critical_path()
    assert 3 <= len(chain) <= (12 if overrides else 10), [r.name for r in chain]


def test_read_replicas_are_created_side_by_side():
    plan = cached_plan("prod")
    waves = plan.creation_waves()
    replicas = [r for r in plan.by_type("aws:rds/instance:Instance") if "replica" in r.name]
    assert len(replicas) >= 3
    in_region = [r for r in replicas if not r.name.endswith("eu-central-1")]
    assert len({waves[r.urn] for r in in_region}) == 1
    for replica in replicas:
        assert not any(w in replicas for w in plan.waits_for(replica)), replica.name


def test_the_proxy_is_created_alongside_the_primary_not_after_it():
    """RDS Proxy takes minutes to create; only registering the primary as its target has
    to wait for the primary and for the secret's value."""
    plan = cached_plan("prod")
    primary = plan.one("aws:rds/instance:Instance", "database-primary")
    proxy = plan.one("aws:rds/proxy:Proxy")
    target = plan.one("aws:rds/proxyTarget:ProxyTarget")
    stored = plan.one("aws:secretsmanager/secretVersion:SecretVersion", "database-master")
    waves = plan.creation_waves()
    assert not proxy.depends_on(stored) and waves[proxy.urn] <= waves[primary.urn]
    assert {primary.urn, proxy.urn, stored.urn} <= set(target.dependencies)


def test_alarms_never_wait_for_each_other():
    plan = cached_plan("prod")
    alarms = plan.by_type("aws:cloudwatch/metricAlarm:MetricAlarm")
    assert len(alarms) > 10
    for alarm in alarms:
        assert not [w for w in plan.waits_for(alarm) if w.type == alarm.type], alarm.name


@pytest.mark.parametrize("overrides", [None, KUBERNETES, ECS], ids=["vercel", "kubernetes", "ecs"])
def test_only_real_data_dependencies_order_creation(overrides):
    plan = cached_plan("prod", overrides)
    for res in plan:
        through_inputs = {u for urns in res.property_dependencies.values() for u in urns}
        for urn in res.dependencies:
            if urn in through_inputs:
                continue
            dep = plan.by_urn(urn)
            assert (res.type, dep.type) in JUSTIFIED_EXPLICIT, f"{res.name} depends_on {dep.name} ({dep.type})"


@pytest.mark.parametrize("overrides", [None, KUBERNETES, ECS], ids=["vercel", "kubernetes", "ecs"])
def test_nothing_at_the_edge_waits_for_the_data_tier(overrides):
    """The CDN, its certificate, WAF and the app's load balancer deploy while the database is
    created: no chain to them passes through an RDS or ElastiCache resource."""
    plan = cached_plan("prod", overrides)
    data_tier = 10**6
    finish = plan.finish_times(lambda r: data_tier if r.type.startswith(("aws:rds/", "aws:elasticache/")) else 1)
    for token in ("aws:cloudfront/distribution:Distribution", "aws:acm/certificateValidation:CertificateValidation",
                  "aws:wafv2/webAcl:WebAcl", "aws:lb/loadBalancer:LoadBalancer", "aws:lb/listenerRule:ListenerRule",
                  "aws:ec2/vpcEndpoint:VpcEndpoint"):
        for res in plan.by_type(token):
            assert finish[res.urn] < data_tier, res.name
    assert overrides is not ECS or len(plan.by_type("aws:acm/certificateValidation:CertificateValidation")) == 2
