"""Specification of the Network component: private subnets per tier, no way in from the
internet, data ports reachable only from the app tier, bring-your-own VPC, Args errors."""

from __future__ import annotations

import ipaddress
import json

import pulumi
import pulumi_aws as aws
import pytest

from pulumi_webstack.errors import ArgsError
from pulumi_webstack.network import Network, NetworkArgs, flow_log_group_name, public_subnet_cidrs, subnet_cidrs
from infra.presets import Tier, presets_for
from pulumi_webstack_cli.engine import ACCOUNT_ID, Plan, synth
from tests.helpers import assert_args_error

SG = "aws:ec2/securityGroup:SecurityGroup"
INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
EGRESS = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"
SUBNET = "aws:ec2/subnet:Subnet"
BYO_SUBNETS = ["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"]


def network_plan(**overrides) -> tuple[Plan, dict]:
    """Plan of one Network built with ``NetworkArgs(**overrides)``, and its outputs."""
    settings = {"cidr": "10.42.0.0/16", "az_count": 3, **overrides}

    def program():
        net = Network("net", NetworkArgs(**settings))
        pulumi.export("subnets", net.subnet_ids)
        pulumi.export("zones", net.availability_zones)

    plan = synth(program)
    return plan, plan.outputs


def subnet_zone(subnet_id: str) -> str:
    """The AZ ``aws.ec2.get_subnet`` answers for ``subnet_id``."""
    return synth(lambda: pulumi.export("zone", aws.ec2.get_subnet_output(id=subnet_id).availability_zone)).outputs["zone"]


def groups_by_id(plan: Plan) -> dict[str, str]:
    """Security group id -> logical name."""
    return {g.id: g.name for g in plan.by_type(SG)}


# ----------------------------------------------------------------- subnet_cidrs


def test_subnet_cidrs_are_the_first_slash_20s_of_a_slash_16():
    assert subnet_cidrs("10.42.0.0/16", 3) == ["10.42.0.0/20", "10.42.16.0/20", "10.42.32.0/20"]


def test_subnet_cidrs_of_smaller_vpcs_are_four_bits_longer():
    assert subnet_cidrs("10.1.0.0/20", 2) == ["10.1.0.0/24", "10.1.1.0/24"]
    assert subnet_cidrs("10.1.0.0/24", 2) == ["10.1.0.0/28", "10.1.0.16/28"]


def test_subnet_cidrs_take_an_explicit_prefix():
    assert subnet_cidrs("10.0.0.0/16", 2, new_prefix=24) == ["10.0.0.0/24", "10.0.1.0/24"]


def test_subnet_cidrs_never_overlap_and_stay_inside_the_vpc():
    vpc = ipaddress.ip_network("10.40.0.0/16")
    subnets = [ipaddress.ip_network(c) for c in subnet_cidrs(str(vpc), 6)]
    assert all(s.subnet_of(vpc) for s in subnets)
    assert all(not a.overlaps(b) for i, a in enumerate(subnets) for b in subnets[i + 1:])


def test_public_subnets_are_taken_from_the_end_of_the_range_so_more_zones_never_collide():
    assert public_subnet_cidrs("10.42.0.0/16", 3) == ["10.42.240.0/20", "10.42.224.0/20", "10.42.208.0/20"]
    for prefix in (16, 20, 24):
        cidr = f"10.1.0.0/{prefix}"
        private = {ipaddress.ip_network(c) for c in subnet_cidrs(cidr, 6)}
        public = {ipaddress.ip_network(c) for c in public_subnet_cidrs(cidr, 6)}
        assert not any(a.overlaps(b) for a in private for b in public)
    assert public_subnet_cidrs("10.42.0.0/16", 0) == []


def test_subnet_cidrs_refuse_more_subnets_than_fit():
    with pytest.raises(ValueError, match="holds only 16 /28 subnets"):
        subnet_cidrs("10.0.0.0/24", 17)


# ----------------------------------------------------------------- per tier


@pytest.mark.parametrize("tier, zones", [(Tier.DEV, 2), (Tier.STAGING, 2), (Tier.PROD, 3)])
def test_each_tier_gets_one_private_subnet_per_zone(tier, zones):
    cidr = presets_for(tier)["network"]["cidr"]
    plan, outputs = network_plan(cidr=cidr, az_count=presets_for(tier)["network"]["az_count"])
    subnets = plan.by_type(SUBNET)
    assert len(subnets) == zones
    assert [s.inputs["cidrBlock"] for s in subnets] == subnet_cidrs(cidr, zones)
    assert len({s.inputs["availabilityZone"] for s in subnets}) == zones
    assert outputs["zones"] == [f"us-east-1{c}" for c in "abc"[:zones]]
    assert outputs["subnets"] == [s.id for s in subnets]


def test_subnets_are_private_and_nothing_routes_to_the_internet():
    plan, _ = network_plan()
    assert all(s.inputs["mapPublicIpOnLaunch"] is False for s in plan.by_type(SUBNET))
    for kind in ("internetGateway:InternetGateway", "natGateway:NatGateway", "eip:Eip", "route:Route",
                 "egressOnlyInternetGateway:EgressOnlyInternetGateway"):
        assert not plan.by_type(f"aws:ec2/{kind}"), kind
    table = plan.one("aws:ec2/routeTable:RouteTable")
    assert not table.inputs.get("routes")
    associations = plan.by_type("aws:ec2/routeTableAssociation:RouteTableAssociation")
    assert {a.inputs["subnetId"] for a in associations} == {s.id for s in plan.by_type(SUBNET)}
    assert {a.inputs["routeTableId"] for a in associations} == {table.id}


def test_public_subnets_are_an_opt_in_routed_to_an_internet_gateway_the_private_ones_never_use():
    plan, _ = network_plan(public_subnets=True)
    gateway = plan.one("aws:ec2/internetGateway:InternetGateway")
    public_table = plan.one("aws:ec2/routeTable:RouteTable", "net-public")
    private_table = plan.one("aws:ec2/routeTable:RouteTable", "net-private")
    (route,) = plan.by_type("aws:ec2/route:Route")
    assert route.inputs == {**route.inputs, "routeTableId": public_table.id, "destinationCidrBlock": "0.0.0.0/0",
                            "gatewayId": gateway.id}
    public = [s for s in plan.by_type(SUBNET) if s.inputs["tags"]["Tier"] == "public"]
    private = [s for s in plan.by_type(SUBNET) if s.inputs["tags"]["Tier"] == "private"]
    assert [s.inputs["cidrBlock"] for s in public] == public_subnet_cidrs("10.42.0.0/16", 3)
    assert {s.inputs["availabilityZone"] for s in public} == {s.inputs["availabilityZone"] for s in private}
    assert all(s.inputs["mapPublicIpOnLaunch"] is False for s in public)
    tables = {a.inputs["subnetId"]: a.inputs["routeTableId"]
              for a in plan.by_type("aws:ec2/routeTableAssociation:RouteTableAssociation")}
    assert {tables[s.id] for s in public} == {public_table.id}
    assert {tables[s.id] for s in private} == {private_table.id}
    component = plan.one("webstack:index:Network").component_outputs
    assert component["public_subnet_ids"] == [s.id for s in public]
    assert component["route_table_ids"] == [private_table.id]  # peerings route into the private table only


def test_an_existing_vpc_names_its_public_subnets():
    public = ["subnet-0123456789abcdef8", "subnet-0123456789abcdef9"]
    plan, _ = network_plan(vpc_id="vpc-0123456789abcdef0", subnet_ids=BYO_SUBNETS, public_subnets=True,
                           public_subnet_ids=public)
    assert plan.one("webstack:index:Network").component_outputs["public_subnet_ids"] == public
    assert not plan.by_type("aws:ec2/internetGateway:InternetGateway")


def test_the_vpc_resolves_private_names_and_the_default_group_is_emptied():
    plan, _ = network_plan()
    vpc = plan.one("aws:ec2/vpc:Vpc")
    assert vpc.inputs["cidrBlock"] == "10.42.0.0/16"
    assert vpc.inputs["enableDnsSupport"] is True and vpc.inputs["enableDnsHostnames"] is True
    default_group = plan.one("aws:ec2/defaultSecurityGroup:DefaultSecurityGroup")
    assert default_group.inputs["vpcId"] == vpc.id
    assert default_group.inputs.get("ingress", []) == [] and default_group.inputs.get("egress", []) == []


# ------------------------------------------------------------- security groups


def test_data_ports_are_reachable_only_from_the_app_group_and_app_cidrs():
    plan, _ = network_plan(app_cidrs=["10.90.0.0/16"])
    ids = groups_by_id(plan)
    sources: dict[str, set] = {}
    for rule in plan.by_type(INGRESS):
        target = ids[rule.inputs["securityGroupId"]]
        source = ids.get(rule.inputs.get("referencedSecurityGroupId")) or rule.inputs.get("cidrIpv4")
        sources.setdefault(target, set()).add((source, rule.inputs["fromPort"], rule.inputs["toPort"]))
        assert rule.inputs["ipProtocol"] == "tcp"
    assert sources == {
        # The database group also admits itself: the RDS Proxy carries that group.
        "net-database": {("net-app", 5432, 5432), ("10.90.0.0/16", 5432, 5432), ("net-database", 5432, 5432)},
        "net-cache": {("net-app", 6379, 6379), ("10.90.0.0/16", 6379, 6379)},
    }
    assert "net-app" not in sources, "nothing may connect to the app group"


def test_no_rule_opens_anything_to_the_internet():
    plan, _ = network_plan(app_cidrs=["10.90.0.0/16", "192.168.0.0/24"])
    for rule in plan.by_type(INGRESS) + plan.by_type(EGRESS):
        assert rule.inputs.get("cidrIpv4") in (None, "10.90.0.0/16", "192.168.0.0/24"), rule.name
        assert "cidrIpv6" not in rule.inputs
        assert rule.inputs["ipProtocol"] == "tcp" and rule.inputs["fromPort"] == rule.inputs["toPort"]


def test_the_app_group_may_only_leave_towards_the_data_ports():
    plan, _ = network_plan()
    ids = groups_by_id(plan)
    outbound = {
        (ids[r.inputs["securityGroupId"]], ids[r.inputs["referencedSecurityGroupId"]], r.inputs["fromPort"])
        for r in plan.by_type(EGRESS)
    }
    assert outbound == {
        ("net-app", "net-database", 5432),
        ("net-app", "net-cache", 6379),
        ("net-database", "net-database", 5432),  # proxy -> instances
    }


def test_app_cidr_rules_are_named_by_the_cidr_so_reordering_replaces_nothing():
    first, _ = network_plan(app_cidrs=["10.90.0.0/16", "10.91.0.0/16"])
    second, _ = network_plan(app_cidrs=["10.91.0.0/16", "10.90.0.0/16"])
    names = {r.name for r in first.by_type(INGRESS)}
    assert "net-database-from-10.90.0.0-16" in names and "net-cache-from-10.91.0.0-16" in names
    assert names == {r.name for r in second.by_type(INGRESS)}


def test_custom_ports_are_the_ones_opened():
    plan, _ = network_plan(database_port=6432, cache_port=6380)
    ports = {(r.name, r.inputs["fromPort"]) for r in plan.by_type(INGRESS)}
    assert ports == {("net-database-from-app", 6432), ("net-database-from-proxy", 6432), ("net-cache-from-app", 6380)}


# ------------------------------------------------------------------- flow logs


def test_flow_logs_record_all_traffic_with_the_given_retention():
    plan, _ = network_plan(flow_log_retention_days=30)
    group = plan.one("aws:cloudwatch/logGroup:LogGroup")
    assert group.inputs["retentionInDays"] == 30
    flow = plan.one("aws:ec2/flowLog:FlowLog")
    assert flow.inputs["trafficType"] == "ALL"
    assert flow.inputs["vpcId"] == plan.one("aws:ec2/vpc:Vpc").id
    assert flow.inputs["logDestination"] == group.state["arn"]
    role = plan.one("aws:iam/role:Role")
    assert flow.inputs["iamRoleArn"] == role.state["arn"]
    trust = json.loads(role.inputs["assumeRolePolicy"])["Statement"]
    assert [s["Principal"] for s in trust] == [{"Service": "vpc-flow-logs.amazonaws.com"}]
    # The role may write to this log group only.
    policy = plan.one("aws:iam/rolePolicy:RolePolicy")
    assert policy.inputs["role"] == role.id
    (statement,) = json.loads(policy.inputs["policy"])["Statement"]
    assert "logs:PutLogEvents" in statement["Action"] and "logs:CreateLogStream" in statement["Action"]
    assert statement["Resource"] == [group.state["arn"], group.state["arn"] + ":*"]


def test_the_flow_log_group_is_named_per_project_stack_and_network():
    plan, _ = network_plan()
    group = plan.one("aws:cloudwatch/logGroup:LogGroup")
    # Log group names are unique per account and region: staging and prod must not share one.
    assert group.inputs["name"] == "/webstack/test/net/vpc-flow-logs"
    assert flow_log_group_name("webstack", "prod", "network") == "/webstack/prod/network/vpc-flow-logs"
    assert flow_log_group_name("webstack", "staging", "network") != flow_log_group_name("webstack", "prod", "network")


def test_flow_logs_are_encrypted_with_a_key_only_cloudwatch_logs_of_this_group_may_use():
    plan, _ = network_plan()
    group = plan.one("aws:cloudwatch/logGroup:LogGroup")
    key = plan.one("aws:kms/key:Key")
    assert group.inputs["kmsKeyId"] == key.state["arn"]
    assert key.inputs["enableKeyRotation"] is True
    statements = {s["Sid"]: s for s in json.loads(key.inputs["policy"])["Statement"]}
    logs = statements["CloudWatchLogsEncryptsFlowLogs"]
    assert logs["Principal"] == {"Service": "logs.us-east-1.amazonaws.com"}
    assert logs["Condition"]["ArnLike"]["kms:EncryptionContext:aws:logs:arn"] == (
        f"arn:aws:logs:us-east-1:{ACCOUNT_ID}:log-group:/webstack/test/net/vpc-flow-logs")
    assert statements["AccountAdministersKey"]["Principal"] == {"AWS": f"arn:aws:iam::{ACCOUNT_ID}:root"}
    alias = plan.one("aws:kms/alias:Alias")
    assert alias.inputs["name"] == "alias/webstack-test-net-flow-logs" and alias.inputs["targetKeyId"] == key.state["keyId"]


def test_only_this_accounts_flow_logs_may_assume_the_flow_log_role():
    plan, _ = network_plan()
    (trust,) = json.loads(plan.one("aws:iam/role:Role").inputs["assumeRolePolicy"])["Statement"]
    assert trust["Condition"] == {
        "StringEquals": {"aws:SourceAccount": ACCOUNT_ID},
        "ArnLike": {"aws:SourceArn": f"arn:aws:ec2:us-east-1:{ACCOUNT_ID}:vpc-flow-log/*"},
    }


def test_flow_logs_can_be_turned_off():
    plan, _ = network_plan(flow_logs=False)
    assert not plan.by_type("aws:ec2/flowLog:FlowLog")
    assert not plan.by_type("aws:cloudwatch/logGroup:LogGroup")


# -------------------------------------------------------------- bring your own


def test_bring_your_own_vpc_creates_no_network_only_the_groups():
    plan, outputs = network_plan(vpc_id="vpc-0123456789abcdef0", subnet_ids=BYO_SUBNETS)
    types = {r.type for r in plan if r.custom}
    assert types == {SG, INGRESS, EGRESS}
    assert {g.inputs["vpcId"] for g in plan.by_type(SG)} == {"vpc-0123456789abcdef0"}
    assert outputs["subnets"] == BYO_SUBNETS
    # The zones are looked up from the subnets, one per subnet, in the same order.
    assert outputs["zones"] == [subnet_zone(s) for s in BYO_SUBNETS]


# ------------------------------------------------------------ component shape


def test_every_resource_is_a_child_of_the_component_and_outputs_are_registered():
    plan, _ = network_plan()
    component = plan.one("webstack:index:Network")
    assert {r.urn for r in plan.descendants(component)} == {r.urn for r in plan if r.urn != component.urn}
    assert set(component.component_outputs) == {
        "vpc_id", "subnet_ids", "availability_zones", "route_table_ids", "public_subnet_ids",
        "app_security_group_id", "database_security_group_id", "cache_security_group_id",
    }
    assert component.component_outputs["public_subnet_ids"] == []
    assert component.component_outputs["vpc_id"] == plan.one("aws:ec2/vpc:Vpc").id
    # Every subnet of a new VPC uses its one private route table: routes to a peer go there.
    assert component.component_outputs["route_table_ids"] == [plan.one("aws:ec2/routeTable:RouteTable").id]


def test_an_existing_vpc_names_its_route_tables():
    tables = ["rtb-0123456789abcdef0", "rtb-0123456789abcdef1"]
    plan, _ = network_plan(vpc_id="vpc-0123456789abcdef0", subnet_ids=BYO_SUBNETS, route_table_ids=tables)
    assert plan.one("webstack:index:Network").component_outputs["route_table_ids"] == tables
    assert not plan.by_type("aws:ec2/routeTable:RouteTable")


def test_callers_options_reach_the_children():
    def program():
        provider = pulumi.ProviderResource("aws", "eu", {"region": "eu-west-1"})
        Network("net", NetworkArgs(cidr="10.42.0.0/16", az_count=2),
                opts=pulumi.ResourceOptions(providers={"aws": provider}))

    plan = synth(program)
    provider = plan.one("pulumi:providers:aws")
    subnets = plan.by_type(SUBNET)
    assert subnets and all(s.provider_urn == provider.urn for s in subnets)
    assert {s.inputs["availabilityZone"] for s in subnets} == {"eu-west-1a", "eu-west-1b"}


# ---------------------------------------------------------------- Args errors


@pytest.mark.parametrize(
    "overrides, field",
    [
        ({"az_count": 1}, "network.az_count"),
        ({"az_count": 7}, "network.az_count"),
        ({"cidr": "10.0.0.0/33"}, "network.cidr"),
        ({"cidr": "10.0.0.1/16"}, "network.cidr"),
        ({"cidr": "8.8.0.0/16"}, "network.cidr"),
        ({"cidr": "10.0.0.0/8"}, "network.cidr"),
        ({"cidr": "10.0.0.0/25"}, "network.cidr"),
        ({"vpc_id": "vpc-0123456789abcdef0"}, "network.subnet_ids"),
        ({"vpc_id": "vpc-0123456789abcdef0", "subnet_ids": BYO_SUBNETS[:1]}, "network.subnet_ids"),
        ({"subnet_ids": BYO_SUBNETS}, "network.subnet_ids"),
        ({"route_table_ids": ["rtb-0123456789abcdef0"]}, "network.route_table_ids"),
        ({"vpc_id": "vpc-0123456789abcdef0", "subnet_ids": BYO_SUBNETS, "route_table_ids": ["main"]},
         "network.route_table_ids"),
        ({"vpc_id": "vpc-0123456789abcdef0", "subnet_ids": BYO_SUBNETS,
          "route_table_ids": ["rtb-0123456789abcdef0"] * 2}, "network.route_table_ids"),
        ({"public_subnet_ids": BYO_SUBNETS}, "network.public_subnet_ids"),
        ({"vpc_id": "vpc-0123456789abcdef0", "subnet_ids": BYO_SUBNETS, "public_subnets": True},
         "network.public_subnet_ids"),
        ({"public_subnets": "yes"}, "network.public_subnets"),
        ({"app_cidrs": ["not-a-cidr"]}, "network.app_cidrs"),
        ({"app_cidrs": ["0.0.0.0/0"]}, "network.app_cidrs"),
        ({"app_cidrs": ["8.8.8.0/24"]}, "network.app_cidrs"),
        ({"database_port": 0}, "network.database_port"),
        ({"cache_port": 70000}, "network.cache_port"),
        ({"flow_log_retention_days": 0}, "network.flow_log_retention_days"),
        ({"flow_log_retention_days": 4000}, "network.flow_log_retention_days"),
        ({"flow_log_retention_days": 2}, "network.flow_log_retention_days"),  # CloudWatch has no 2-day retention
    ],
)
def test_each_bad_setting_is_refused_before_anything_is_registered(overrides, field):
    assert_args_error(lambda: NetworkArgs(**{"cidr": "10.42.0.0/16", "az_count": 3, **overrides}), field)


def test_an_args_error_reads_field_value_and_what_is_allowed():
    with pytest.raises(ArgsError, match=r"^network\.az_count = 1: must be between 2 and 6$"):
        NetworkArgs(az_count=1)
