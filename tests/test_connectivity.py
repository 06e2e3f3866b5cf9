"""Specification of the system's network paths, stack by stack and platform by platform: the
app's compute opens connections to the names it is given (the database proxy or writer, the
reader, the cache and its reader) and the CDN reaches the origin, link by link; deleting any
one link closes the path; and nothing but the app is admitted to the data tier.

The compute is taken from what the stack registered: on Vercel the Secure Compute network (its
range, the VPC its resolver answers in), on Kubernetes the security group the
SecurityGroupPolicy puts on the pods, on ECS the security groups of the service's tasks. The
names are the ones the app is handed (Vercel variables, the Kubernetes Secret, the ECS task
definition's environment). ``pulumi_webstack_cli.reachability`` answers."""

from __future__ import annotations

import json

import pytest

from pulumi_webstack_cli import reachability as r
from pulumi_webstack_cli.engine import MANAGED_PREFIX_LISTS, Plan, Secret
from tests.conftest import cached_plan
from tests.helpers import ECS, KUBERNETES

STACKS = ("dev", "staging", "prod")
PLATFORMS = {"vercel": None, "kubernetes": KUBERNETES, "ecs": ECS}
ENV = "vercel:index/projectEnvironmentVariable:ProjectEnvironmentVariable"
SGP = "kubernetes:vpcresources.k8s.aws/v1beta1:SecurityGroupPolicy"
TASKS = "aws:ecs/taskDefinition:TaskDefinition"
SERVICE = "aws:ecs/service:Service"
BALANCER = "aws:lb/loadBalancer:LoadBalancer"
CLOUDFRONT = r.Compute("cloudfront", prefix_list=MANAGED_PREFIX_LISTS["com.amazonaws.global.cloudfront.origin-facing"])
HOSTS = (("DATABASE_HOST", "DATABASE_PORT"), ("DATABASE_READER_HOST", "DATABASE_PORT"),
         ("REDIS_HOST", "REDIS_PORT"), ("REDIS_READER_HOST", "REDIS_PORT"))
"""The names the app is given and the port each is used on."""


@pytest.fixture(params=[(s, p) for s in STACKS for p in PLATFORMS], ids=lambda sp: "-".join(sp))
def system(request):
    stack, platform = request.param
    return stack, platform, cached_plan(stack, PLATFORMS[platform])


def app_environment(plan: Plan) -> dict[str, str]:
    """What the app is told: the Vercel variables or the Kubernetes Secret, in clear."""
    variables = plan.by_type(ENV)
    if variables:
        return {v.inputs["key"]: v.inputs["value"].value for v in variables}
    tasks = plan.by_type(TASKS)
    if tasks:
        (container,) = json.loads(tasks[0].inputs["containerDefinitions"])
        return {v["name"]: v["value"] for v in container["environment"]}
    data = plan.one("kubernetes:core/v1:Secret").inputs["stringData"]
    return dict(data.value if isinstance(data, Secret) else data)


def app_compute(plan: Plan) -> r.Compute:
    """The app's compute as the plan registers it."""
    networks = plan.by_type("vercel:index/network:Network")
    if networks:
        (network,) = networks
        return r.Compute("vercel functions", cidr=network.inputs["cidr"], resolver_vpc_id=network.state["vpcId"])
    services = plan.by_type(SERVICE)
    if services:
        groups = services[0].inputs["networkConfiguration"]["securityGroups"]
        (vpc,) = {g.inputs["vpcId"] for g in plan.by_type(r.SG) if g.id in groups}
        return r.Compute("tasks", security_groups=frozenset(groups), vpc_id=vpc)
    (groups,) = [p.inputs["spec"]["securityGroups"]["groupIds"] for p in plan.by_type(SGP)]
    (vpc,) = {g.inputs["vpcId"] for g in plan.by_type(r.SG) if g.id in groups}
    return r.Compute("pods", security_groups=frozenset(groups), vpc_id=vpc)


def group(plan: Plan, name: str) -> str:
    return plan.one(r.SG, name).id


# ------------------------------------------------------------------------- open paths


def test_the_app_reaches_every_data_endpoint_it_is_given(system):
    stack, platform, plan = system
    env, compute = app_environment(plan), app_compute(plan)
    for host, port in HOSTS:
        result = r.reach(plan, compute, env[host], int(env[port]))
        assert result.open, str(result)
    if stack != "dev":  # pooled tiers go through the proxy
        assert ".proxy-" in env["DATABASE_HOST"]


def test_deleting_any_single_link_closes_the_path(system):
    _, _, plan = system
    env, compute = app_environment(plan), app_compute(plan)
    for host, port in HOSTS:
        result = r.reach(plan, compute, env[host], int(env[port]))
        for check in result.checks:
            for urn in check.resources:
                assert not r.reach(without(plan, urn), compute, env[host], int(env[port])).open, (host, check.link, urn)
            if check.any_of:
                assert not r.reach(without(plan, *check.any_of), compute, env[host], int(env[port])).open


def without(plan: Plan, *urns: str) -> Plan:
    return Plan(plan.project, plan.stack, [res for res in plan if res.urn not in urns], plan.outputs)


def test_each_path_rests_on_the_links_of_its_platform(system):
    stack, platform, plan = system
    env, compute = app_environment(plan), app_compute(plan)
    links = {c.link: c for c in r.reach(plan, compute, env["REDIS_HOST"], 6379).checks}
    if platform == "vercel":
        # Peered network: admitted by range, answered through the accepted peering.
        assert set(links) == {"dns", "ingress", "route"}
        kinds = {plan.by_urn(u).type for u in links["route"].resources}
        assert kinds == {r.ROUTE, r.PEERING_ACCEPTER, r.ASSOCIATION}
    else:
        # Pods or tasks carrying the app group inside the VPC: both ends' rules, the local route.
        assert set(links) == {"dns", "ingress", "egress"}
        assert plan.by_urn(links["egress"].resources[0]).inputs["securityGroupId"] == group(plan, "network-app")


def test_the_reader_name_resolves_where_the_app_runs(system):
    stack, platform, plan = system
    env, compute = app_environment(plan), app_compute(plan)
    dns = r.reach(plan, compute, env["DATABASE_READER_HOST"], 5432).checks[0]
    if stack == "dev":  # no replicas: the writer's own AWS name
        assert dns.resources == () and env["DATABASE_READER_HOST"] == env["DATABASE_HOST"]
        return
    kinds = [plan.by_urn(u).type for u in dns.resources]
    if platform == "vercel":
        assert kinds == [r.ZONE, r.ZONE_AUTHORIZATION]
    else:
        assert kinds == [r.ZONE]  # associated inline with the cluster's VPC


def test_a_reader_zone_associated_with_another_vpc_than_the_clusters_breaks_the_reader_name():
    plan = cached_plan("prod", KUBERNETES)
    env, compute = app_environment(plan), app_compute(plan)
    zone = plan.one(r.ZONE)
    elsewhere = [{"vpcId": "vpc-0123456789abcdef0"}]  # a private zone keeps at least one VPC
    unassociated = Plan(plan.project, plan.stack, [
        res if res is not zone else _with_inputs(res, {**res.inputs, "vpcs": elsewhere}) for res in plan], plan.outputs)
    assert r.reach(plan, compute, env["DATABASE_READER_HOST"], 5432).open
    assert not r.reach(unassociated, compute, env["DATABASE_READER_HOST"], 5432).open


def _with_inputs(res, inputs):
    from dataclasses import replace

    return replace(res, inputs=inputs)


# -------------------------------------------------------------------- the CDN -> origin


@pytest.mark.parametrize("stack", STACKS)
def test_on_kubernetes_only_cloudfront_reaches_the_ingress_load_balancer_on_https(stack):
    plan = cached_plan(stack, KUBERNETES)
    origin_group = plan.outputs["ingressOriginSecurityGroupId"]
    annotations = plan.outputs["ingressServiceAnnotations"]
    assert annotations["service.beta.kubernetes.io/aws-load-balancer-security-groups"] == origin_group
    balancer = r.Target("ingress load balancer", plan.outputs["appOriginDomain"], frozenset({origin_group}), frozenset())
    cloudfront = r.Compute("cloudfront",
                           prefix_list=MANAGED_PREFIX_LISTS["com.amazonaws.global.cloudfront.origin-facing"])
    checks = r.path(plan, cloudfront, balancer, 443)
    assert all(c.ok for c in checks), checks
    assert not all(c.ok for c in r.path(plan, cloudfront, balancer, 80))
    assert not all(c.ok for c in r.path(plan, r.Compute("anyone", cidr="0.0.0.0/0"), balancer, 443))
    (rule,) = checks[0].resources
    assert not all(c.ok for c in r.path(without(plan, rule), cloudfront, balancer, 443))
    assert [(s.kind, s.from_port, s.to_port) for s in r.admitted(plan, origin_group)] == [("prefix-list", 443, 443)]
    # The CDN fetches exactly that host over HTTPS only.
    (origin,) = plan.one("aws:cloudfront/distribution:Distribution").inputs["origins"]
    assert origin["domainName"] == plan.outputs["appOriginDomain"]
    assert origin["customOriginConfig"]["originProtocolPolicy"] == "https-only"


@pytest.mark.parametrize("stack", STACKS)
def test_on_vercel_the_origin_admits_only_requests_carrying_the_cdns_secret(stack):
    plan = cached_plan(stack)
    (origin,) = plan.one("aws:cloudfront/distribution:Distribution").inputs["origins"]
    (header,) = origin["customHeaders"]
    (lock,) = plan.one("vercel:index/firewallConfig:FirewallConfig").inputs["rules"]["rules"]
    assert lock["action"] == {"action": "deny"}
    missing, wrong = lock["conditionGroups"]
    assert missing["conditions"][0] == {"type": "header", "key": header["name"].lower(), "op": "nex"}
    assert wrong["conditions"][0]["value"].value == header["value"].value
    assert origin["domainName"] == plan.one("vercel:index/projectDomain:ProjectDomain").inputs["domain"]


# ---------------------------------------------------------------- nothing else admitted


def test_nothing_but_the_app_is_admitted_to_the_data_tier(system):
    _, platform, plan = system
    app, database, cache = (group(plan, f"network-{n}") for n in ("app", "database", "cache"))
    compute = app_compute(plan)
    peer = {("cidr", compute.cidr)} if platform == "vercel" else set()
    expected = {
        database: {("security-group", app), ("security-group", database), *peer},  # itself: proxy -> instances
        cache: {("security-group", app), *peer},
    }
    ports = {database: 5432, cache: 6379}
    for target, sources in expected.items():
        found = r.admitted(plan, target)
        assert {(s.kind, s.value) for s in found} == sources
        assert all((s.protocol, s.from_port, s.to_port) == ("tcp", ports[target], ports[target]) for s in found)
    every_source = [s for g in plan.by_type(r.SG) if g.name.startswith("network-") for s in r.admitted(plan, g.id)]
    assert not [s for s in every_source if s.value in ("0.0.0.0/0", "::/0")]


def test_the_app_group_lets_out_only_what_the_app_needs(system):
    _, platform, plan = system
    app, database, cache = (group(plan, f"network-{n}") for n in ("app", "database", "cache"))
    out = {(s.kind, s.value, s.protocol, s.from_port) for s in r.let_out(plan, app)}
    expected = {("security-group", database, "tcp", 5432), ("security-group", cache, "tcp", 6379)}
    if platform == "kubernetes":  # pods carry only this group: DNS to CoreDNS, HTTPS to AWS APIs
        cluster = KUBERNETES["webstack:app"]["kubernetes"]["clusterSecurityGroupId"]
        expected |= {("security-group", cluster, "udp", 53), ("security-group", cluster, "tcp", 53),
                     ("cidr", "0.0.0.0/0", "tcp", 443)}
    if platform == "ecs":  # tasks: HTTPS to the VPC endpoints and the S3 gateway (image layers), nothing else
        s3 = next(e for e in plan.by_type("aws:ec2/vpcEndpoint:VpcEndpoint") if e.inputs["vpcEndpointType"] == "Gateway")
        expected |= {("security-group", group(plan, "app-endpoints"), "tcp", 443),
                     ("prefix-list", s3.state["prefixListId"], "tcp", 443)}
    assert out == expected


# ------------------------------------------------------- ECS: CDN -> load balancer -> tasks


def balancer_target(plan: Plan) -> r.Target:
    balancer = plan.one(BALANCER)
    return r.Target("load balancer", balancer.state["dnsName"], frozenset(balancer.inputs["securityGroups"]),
                    frozenset(balancer.inputs["subnets"]))


def tasks_target(plan: Plan) -> r.Target:
    network = plan.one(SERVICE).inputs["networkConfiguration"]
    return r.Target("tasks", "tasks", frozenset(network["securityGroups"]), frozenset(network["subnets"]))


def assert_open_and_each_link_needed(plan: Plan, compute: r.Compute, target: r.Target, port: int) -> None:
    checks = r.path(plan, compute, target, port)
    assert checks and all(c.ok for c in checks), checks
    for check in checks:
        for urn in check.resources:
            assert not all(c.ok for c in r.path(without(plan, urn), compute, target, port)), (check.link, urn)


@pytest.mark.parametrize("stack", STACKS)
def test_on_ecs_only_cloudfront_reaches_the_load_balancer_on_https(stack):
    plan = cached_plan(stack, ECS)
    balancer = balancer_target(plan)
    assert_open_and_each_link_needed(plan, CLOUDFRONT, balancer, 443)
    assert not all(c.ok for c in r.path(plan, CLOUDFRONT, balancer, 80))
    assert not all(c.ok for c in r.path(plan, r.Compute("anyone", cidr="0.0.0.0/0"), balancer, 443))
    (only,) = balancer.security_groups
    assert [(s.kind, s.from_port, s.to_port) for s in r.admitted(plan, only)] == [("prefix-list", 443, 443)]
    public = set(plan.one("webstack:index:Network", "network").component_outputs["public_subnet_ids"])
    assert balancer.subnets == public and plan.one(BALANCER).inputs["internal"] is False


@pytest.mark.parametrize("stack", STACKS)
def test_on_ecs_the_load_balancer_reaches_the_tasks_on_the_container_port_only(stack):
    plan = cached_plan(stack, ECS)
    balancer, tasks = balancer_target(plan), tasks_target(plan)
    vpc = plan.one("aws:ec2/vpc:Vpc", "network-vpc").id
    from_balancer = r.Compute("load balancer", security_groups=balancer.security_groups, vpc_id=vpc)
    assert_open_and_each_link_needed(plan, from_balancer, tasks, 3000)
    assert not all(c.ok for c in r.path(plan, from_balancer, tasks, 22))
    private = set(plan.one("webstack:index:Network", "network").component_outputs["subnet_ids"])
    assert tasks.subnets == private and plan.one(SERVICE).inputs["networkConfiguration"]["assignPublicIp"] is False
    # The tasks are the app group's only other way in: nothing but the load balancer is admitted.
    app = group(plan, "network-app")
    assert {(s.kind, s.value, s.from_port) for s in r.admitted(plan, app)} == {
        ("security-group", next(iter(balancer.security_groups)), 3000)}


@pytest.mark.parametrize("stack", STACKS)
def test_on_ecs_the_tasks_reach_ecr_logs_and_secrets_through_the_vpc_endpoints(stack):
    plan = cached_plan(stack, ECS)
    tasks = app_compute(plan)
    for endpoint in plan.by_type("aws:ec2/vpcEndpoint:VpcEndpoint"):
        if endpoint.inputs["vpcEndpointType"] != "Interface":
            continue
        target = r.Target(endpoint.inputs["serviceName"], endpoint.inputs["serviceName"],
                          frozenset(endpoint.inputs["securityGroupIds"]), frozenset(endpoint.inputs["subnetIds"]))
        assert_open_and_each_link_needed(plan, tasks, target, 443)
    zones = {"dev": 1, "staging": 2, "prod": 3}[stack]  # dev saves per-zone endpoint hours
    assert {len(e.inputs.get("subnetIds") or []) for e in plan.by_type("aws:ec2/vpcEndpoint:VpcEndpoint")} == {0, zones}


@pytest.mark.parametrize("stack", STACKS)
def test_on_ecs_the_cdn_fetches_the_load_balancers_https_name(stack):
    plan = cached_plan(stack, ECS)
    (origin,) = plan.one("aws:cloudfront/distribution:Distribution").inputs["origins"]
    assert origin["domainName"] == plan.outputs["appOriginDomain"]
    assert origin["customOriginConfig"]["originProtocolPolicy"] == "https-only"
    # No hosted zone in the shipped stacks: the origin name is a record the stack lists to create.
    records = plan.outputs["originDnsRecords"]
    assert {"name": origin["domainName"], "type": "CNAME", "value": plan.one(BALANCER).state["dnsName"]} in records
    (header,) = origin["customHeaders"]
    (condition,) = plan.one("aws:lb/listenerRule:ListenerRule").inputs["conditions"]
    assert condition["httpHeader"]["httpHeaderName"] == header["name"]
    assert [v.value for v in condition["httpHeader"]["values"]] == [header["value"].value]


def test_on_ecs_with_a_hosted_zone_the_origin_name_aliases_the_load_balancer():
    plan = cached_plan("prod", {**ECS, "webstack:cdn": {"hostedZoneId": "Z0123456789ABCDEFGHIJ"}})
    alias = plan.one("aws:route53/record:Record", "app-origin-alias")
    balancer = plan.one(BALANCER)
    assert alias.inputs["name"] == plan.outputs["appOriginDomain"]
    assert alias.inputs["aliases"][0]["name"] == balancer.state["dnsName"]
    assert plan.outputs["originDnsRecords"] == []
