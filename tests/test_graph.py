"""Specification of the resource graph: `pulumi up` can create in parallel whatever does
not need something else first, and only real data dependencies order creation."""

from __future__ import annotations

import json

import pulumi
import pulumi_aws as aws
import pytest

from pulumi_webstack.iam_policies import assume_role_policy, granted
from pulumi_webstack_cli.engine import Plan, Resource, Secret, synth
from pulumi_webstack_cli.mock_cloud import resource_id
from tests.conftest import cached_plan
from tests.helpers import ECS, KUBERNETES

# Orderings that no input expresses but AWS needs: RDS must find its log groups (else it
# creates them itself, unencrypted and kept forever); RDS Proxy likewise must find its log
# group, and the secret must hold its value when the proxy's target is registered (the proxy
# connects at once). The EKS VPC resource controller gives a pod its security groups when
# the pod is created, so the SecurityGroupPolicy must exist before the Deployment's first
# pods. ECS registers a service's tasks only with a target group attached to a load balancer
# (the forwarding rule must exist). Orderings an input can carry travel with it instead
# (``pulumi_webstack.ordering.after``; a role with its policies: ``iam_policies.granted``).
JUSTIFIED_EXPLICIT = {
    ("aws:rds/instance:Instance", "aws:cloudwatch/logGroup:LogGroup"),
    ("aws:rds/proxy:Proxy", "aws:cloudwatch/logGroup:LogGroup"),
    ("aws:rds/proxyTarget:ProxyTarget", "aws:secretsmanager/secretVersion:SecretVersion"),
    ("kubernetes:apps/v1:Deployment", "kubernetes:vpcresources.k8s.aws/v1beta1:SecurityGroupPolicy"),
    ("aws:ecs/service:Service", "aws:lb/listenerRule:ListenerRule"),
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


# ------------------------------------------------------------------- roles and their grants
#
# IAM refuses a resource policy naming a principal that does not exist yet (KMS:
# MalformedPolicyDocumentException "invalid principals"; S3: "Invalid principal in policy"),
# and IAM is eventually consistent: a service handed a role whose policy is attached at the
# same moment may check, or start using, the role before the policy reaches it (AWS Backup
# refuses the selection, a flow log stays in "Access error" until it is recreated).

STACKS = [("dev", None), ("staging", None), ("prod", None), ("prod", ECS), ("prod", KUBERNETES)]
STACK_IDS = ["dev", "staging", "prod", "prod-ecs", "prod-kubernetes"]
ROLE = "aws:iam/role:Role"
OIDC_PROVIDER = "aws:iam/openIdConnectProvider:OpenIdConnectProvider"
GRANTS = ("aws:iam/rolePolicy:RolePolicy", "aws:iam/rolePolicyAttachment:RolePolicyAttachment")


def _strings(value):
    value = value.value if isinstance(value, Secret) else value
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _strings(item)


def _named_principals(res: Resource) -> set[str]:
    """The AWS and federated principals (ARNs) the policy documents among ``res``'s inputs
    name (a trust policy's too: IAM refuses a federated principal that does not exist)."""
    out: set[str] = set()
    for text in _strings(res.inputs):
        if '"Statement"' not in text:
            continue
        for statement in json.loads(text)["Statement"]:
            for key in ("Principal", "NotPrincipal"):
                principal = statement.get(key)
                for kind in ("AWS", "Federated"):
                    arns = principal.get(kind, []) if isinstance(principal, dict) else []
                    out.update([arns] if isinstance(arns, str) else arns)
    return out


def _created_before(plan: Plan, res: Resource, memo: dict[str, set[str]]) -> set[str]:
    """URNs of every resource ``res`` waits for, directly or through others."""
    if res.urn not in memo:
        memo[res.urn] = set()
        memo[res.urn] = {urn for dep in plan.waits_for(res) for urn in {dep.urn} | _created_before(plan, dep, memo)}
    return memo[res.urn]


def _grants(plan: Plan) -> dict[str, list[Resource]]:
    """Role URN -> the inline policies and attachments that give the role its permissions."""
    out: dict[str, list[Resource]] = {}
    for grant in (g for token in GRANTS for g in plan.by_type(token)):
        for urn in grant.property_dependencies.get("role", []):
            out.setdefault(urn, []).append(grant)
    return out


def principals_named_too_early(plan: Plan) -> list[tuple[str, str]]:
    """(resource, principal) for every policy naming a role or OIDC provider of the plan that
    may not exist yet."""
    memo: dict[str, set[str]] = {}
    principals = {r.state.get("arn"): r for token in (ROLE, OIDC_PROVIDER) for r in plan.by_type(token)}
    return [(res.name, principals[arn].name) for res in plan.creatable() for arn in sorted(_named_principals(res))
            if arn in principals and principals[arn].urn not in _created_before(plan, res, memo)]


def roles_taken_before_their_grants(plan: Plan) -> list[tuple[str, str, str]]:
    """(resource, role, grant) for everything outside IAM handed a role of the plan (its ARN
    among its inputs) before one of the role's policies is in place."""
    memo: dict[str, set[str]] = {}
    roles = {r.state.get("arn"): r for r in plan.by_type(ROLE)}
    grants = _grants(plan)
    out = []
    for res in plan.creatable():
        if res.type.startswith("aws:iam/"):
            continue
        taken = {roles[arn].urn for text in _strings(res.inputs) for arn in roles if arn and arn in text}
        out += [(res.name, plan.by_urn(role).name, grant.name) for role in sorted(taken) for grant in grants.get(role, [])
                if grant.urn not in _created_before(plan, res, memo)]
    return out


def test_a_policy_naming_a_role_by_a_hand_built_arn_is_found():
    def program(by_output: bool):
        role = aws.iam.Role("reader", assume_role_policy=assume_role_policy("lambda.amazonaws.com"))
        arn = role.arn if by_output else "arn:aws:iam::123456789012:role/" + resource_id(ROLE, "reader", {})
        aws.kms.Key("key", policy=pulumi.Output.from_input(arn).apply(lambda a: json.dumps({"Statement": [
            {"Effect": "Allow", "Principal": {"AWS": a}, "Action": "kms:Decrypt", "Resource": "*"}]})))

    assert principals_named_too_early(synth(lambda: program(by_output=False))) == [("key", "reader")]
    assert principals_named_too_early(synth(lambda: program(by_output=True))) == []


def test_a_role_handed_over_before_its_policy_is_found():
    def program(waits: bool):
        role = aws.iam.Role("logs", assume_role_policy=assume_role_policy("vpc-flow-logs.amazonaws.com"))
        policy = aws.iam.RolePolicy("logs", role=role.id, policy="{}")
        aws.ec2.FlowLog("flow", vpc_id="vpc-1", traffic_type="ALL",
                        iam_role_arn=granted(role, policy) if waits else role.arn)

    assert roles_taken_before_their_grants(synth(lambda: program(waits=False))) == [("flow", "logs", "logs")]
    assert roles_taken_before_their_grants(synth(lambda: program(waits=True))) == []


@pytest.mark.parametrize("stack,overrides", STACKS, ids=STACK_IDS)
def test_resource_policies_name_only_roles_that_already_exist(stack, overrides):
    plan = cached_plan(stack, overrides)
    named = {arn for res in plan.creatable() for arn in _named_principals(res)}
    assert all(r.state.get("arn") in named for r in plan.by_type(OIDC_PROVIDER))  # the Vercel role trusts it
    assert principals_named_too_early(plan) == []


@pytest.mark.parametrize("stack,overrides", STACKS, ids=STACK_IDS)
def test_whoever_takes_a_role_gets_it_with_its_permissions(stack, overrides):
    """Every consumer of a role's ARN (RDS monitoring, RDS Proxy, canaries, FIS, AWS Backup,
    flow logs, S3 replication, EventBridge targets, Chatbot, ECS, the Vercel functions)
    waits for the role's policies, not only for the role."""
    plan = cached_plan(stack, overrides)
    assert roles_taken_before_their_grants(plan) == []


def test_the_internet_facing_load_balancer_waits_for_the_internet_gateway():
    """Elastic Load Balancing refuses an internet-facing load balancer in a VPC without an
    attached internet gateway ("InvalidSubnet: VPC ... has no internet gateway"): the public
    subnets are handed over once the default route to the gateway and their route table
    associations exist."""
    plan = cached_plan("prod", ECS)
    (balancer,) = plan.by_type("aws:lb/loadBalancer:LoadBalancer")
    assert balancer.inputs["internal"] is False
    before = _created_before(plan, balancer, {})
    public = [a for a in plan.by_type("aws:ec2/routeTableAssociation:RouteTableAssociation")
              if a.name.startswith("network-public-")]
    needed = [plan.one("aws:ec2/internetGateway:InternetGateway"), plan.one("aws:ec2/route:Route"), *public]
    assert len(public) == len(balancer.inputs["subnets"]) == 3
    assert [r.name for r in needed if r.urn not in before] == []
