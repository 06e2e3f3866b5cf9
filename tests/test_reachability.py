"""Specification of ``pulumi_webstack_cli.reachability``: when a plan lets a compute open a
connection to a host and port, link by link (DNS, ingress, egress, route back), on small
hand-made plans. The stacks' own paths are specified in ``test_connectivity``."""

from __future__ import annotations

import pytest

from pulumi_webstack_cli import reachability as r
from pulumi_webstack_cli.engine import Plan, Resource

VPC, PEER_VPC = "vpc-0000000000000000a", "vpc-0000000000000000b"
APP, DB, CACHE = "sg-app", "sg-db", "sg-cache"
SUBNETS = ("subnet-a", "subnet-b")
TABLE = "rtb-private"
PCX = "pcx-0123456789abcdef0"
PEER_CIDR = "10.240.0.0/20"
WRITER = "db.c123.eu-west-1.rds.amazonaws.com"
REPLICAS = ("db-replica-1.c123.eu-west-1.rds.amazonaws.com", "db-replica-2.c123.eu-west-1.rds.amazonaws.com")
READER = "reader.db.internal"
ZONE_ID = "Z0PRIVATE"


def res(type_: str, name: str, rid: str = "", inputs: dict | None = None, state: dict | None = None) -> Resource:
    return Resource(urn=f"urn:{type_}::{name}", type=type_, name=name, custom=True, parent=None,
                    inputs=inputs or {}, state={"id": rid or name, **(state or {})}, dependencies=[],
                    property_dependencies={}, provider="", providers={}, protect=False, retain_on_delete=False,
                    delete_before_replace=False, ignore_changes=[], replace_on_changes=[],
                    additional_secret_outputs=[], aliases=[], deleted_with="", id=rid or name)


def rule(direction: str, name: str, group: str, port: int, **peer: str) -> Resource:
    kind = r.INGRESS if direction == "ingress" else r.EGRESS
    return res(kind, name, inputs={"securityGroupId": group, "ipProtocol": "tcp", "fromPort": port, "toPort": port,
                                   **peer})


def base() -> list[Resource]:
    """A VPC with two private subnets on one route table, app/db/cache groups, a writer with
    two replicas behind a private reader name, and a cache: reachable from the app group."""
    return [
        res(r.SUBNET, "private-0", SUBNETS[0], {"vpcId": VPC, "cidrBlock": "10.42.0.0/20"}),
        res(r.SUBNET, "private-1", SUBNETS[1], {"vpcId": VPC, "cidrBlock": "10.42.16.0/20"}),
        res(r.ROUTE_TABLE, "private", TABLE, {"vpcId": VPC}),
        res(r.ASSOCIATION, "private-0", inputs={"subnetId": SUBNETS[0], "routeTableId": TABLE}),
        res(r.ASSOCIATION, "private-1", inputs={"subnetId": SUBNETS[1], "routeTableId": TABLE}),
        *(res(r.SG, name, sg, {"vpcId": VPC}) for name, sg in (("app", APP), ("database", DB), ("cache", CACHE))),
        rule("ingress", "database-from-app", DB, 5432, referencedSecurityGroupId=APP),
        rule("ingress", "cache-from-app", CACHE, 6379, referencedSecurityGroupId=APP),
        rule("egress", "app-to-database", APP, 5432, referencedSecurityGroupId=DB),
        rule("egress", "app-to-cache", APP, 6379, referencedSecurityGroupId=CACHE),
        res("aws:rds/subnetGroup:SubnetGroup", "db-subnets", "db-subnets", {"subnetIds": list(SUBNETS)}),
        res("aws:rds/instance:Instance", "primary", inputs={"vpcSecurityGroupIds": [DB],
                                                              "dbSubnetGroupName": "db-subnets"},
            state={"address": WRITER}),
        *(res("aws:rds/instance:Instance", f"replica-{i}", inputs={"vpcSecurityGroupIds": [DB],
                                                                     "dbSubnetGroupName": "db-subnets"},
              state={"address": host}) for i, host in enumerate(REPLICAS, 1)),
        res(r.ZONE, "reader", ZONE_ID, {"name": "db.internal", "vpcs": [{"vpcId": VPC}]}, {"zoneId": ZONE_ID}),
        *(res(r.RECORD, f"reader-{i}", inputs={"zoneId": ZONE_ID, "name": READER, "type": "CNAME",
                                                "records": [host]}, state={"fqdn": READER})
          for i, host in enumerate(REPLICAS, 1)),
        res("aws:elasticache/subnetGroup:SubnetGroup", "cache-subnets", "cache-subnets",
            {"name": "cache-subnets", "subnetIds": list(SUBNETS)}),
        res("aws:elasticache/replicationGroup:ReplicationGroup", "cache", inputs={
            "securityGroupIds": [CACHE], "subnetGroupName": "cache-subnets"},
            state={"primaryEndpointAddress": "master.cache.abc.euw1.cache.amazonaws.com",
                   "readerEndpointAddress": "replica.cache.abc.euw1.cache.amazonaws.com"}),
    ]


def peered() -> list[Resource]:
    """``base`` plus a peered network admitted by CIDR and routed through an accepted peering."""
    return [
        *base(),
        res(r.PEERING_ACCEPTER, "peering", PCX, {"vpcPeeringConnectionId": PCX, "autoAccept": True}),
        res(r.ROUTE, "to-peer", inputs={"routeTableId": TABLE, "destinationCidrBlock": PEER_CIDR,
                                        "vpcPeeringConnectionId": PCX}),
        rule("ingress", "database-from-peer", DB, 5432, cidrIpv4=PEER_CIDR),
        rule("ingress", "cache-from-peer", CACHE, 6379, cidrIpv4=PEER_CIDR),
        res(r.ZONE_AUTHORIZATION, "reader-for-peer", inputs={"zoneId": ZONE_ID, "vpcId": PEER_VPC}),
    ]


def plan_of(resources: list[Resource]) -> Plan:
    return Plan("test", "test", resources, {})


def without(resources: list[Resource], *urns: str) -> Plan:
    return plan_of([x for x in resources if x.urn not in urns])


POD = r.Compute("pods", security_groups=frozenset({APP}), vpc_id=VPC)
PEER = r.Compute("vercel", cidr=PEER_CIDR, resolver_vpc_id=PEER_VPC)


# ------------------------------------------------------------------------ inside the VPC


def test_a_member_of_the_app_group_reaches_the_writer_the_reader_and_the_cache():
    plan = plan_of(base())
    for host, port in ((WRITER, 5432), (READER, 5432), ("master.cache.abc.euw1.cache.amazonaws.com", 6379)):
        assert r.reach(plan, POD, host, port).open, r.reach(plan, POD, host, port)


def test_the_reader_name_leads_to_every_replica():
    result = r.reach(plan_of(base()), POD, READER, 5432)
    assert [c.link for c in result.checks] == ["dns", "ingress", "egress", "ingress", "egress"]
    assert result.checks[0].any_of == ("urn:aws:route53/record:Record::reader-1",
                                       "urn:aws:route53/record:Record::reader-2")


def test_a_group_without_an_egress_rule_lets_nothing_out():
    resources = [x for x in base() if x.type != r.EGRESS]
    result = r.reach(plan_of(resources), POD, WRITER, 5432)
    assert not result.open
    assert result.failures() == ["egress: no egress rule of pods's groups ['sg-app'] lets 5432 out to primary"]


def test_each_link_of_an_open_path_is_needed():
    resources = base()
    result = r.reach(plan_of(resources), POD, WRITER, 5432)
    assert result.open
    for check in result.checks:
        for urn in check.resources:
            assert not r.reach(without(resources, urn), POD, WRITER, 5432).open, urn


def test_the_wrong_port_or_protocol_is_not_admitted():
    plan = plan_of(base())
    assert not r.reach(plan, POD, WRITER, 6379).open
    udp = [x for x in base() if x.name != "database-from-app"]
    udp.append(res(r.INGRESS, "udp", inputs={"securityGroupId": DB, "ipProtocol": "udp", "fromPort": 5432,
                                             "toPort": 5432, "referencedSecurityGroupId": APP}))
    assert r.reach(plan_of(udp), POD, WRITER, 5432).failures()[0].startswith("ingress: no rule")


def test_all_traffic_rules_cover_every_port():
    everything = [x for x in base() if x.name not in ("database-from-app", "app-to-database")]
    everything += [res(r.INGRESS, "all-in", inputs={"securityGroupId": DB, "ipProtocol": "-1",
                                                    "referencedSecurityGroupId": APP}),
                   res(r.EGRESS, "all-out", inputs={"securityGroupId": APP, "ipProtocol": "-1",
                                                    "cidrIpv4": "0.0.0.0/0"})]
    assert r.reach(plan_of(everything), POD, WRITER, 5432).open


def test_egress_to_a_cidr_must_hold_every_subnet_of_the_target():
    narrow = [x for x in base() if x.name != "app-to-database"]
    narrow.append(rule("egress", "to-one-subnet", APP, 5432, cidrIpv4="10.42.0.0/20"))
    assert r.reach(plan_of(narrow), POD, WRITER, 5432).failures()[0].startswith("egress:")
    wide = [x for x in base() if x.name != "app-to-database"]
    wide.append(rule("egress", "to-the-vpc", APP, 5432, cidrIpv4="10.42.0.0/16"))
    assert r.reach(plan_of(wide), POD, WRITER, 5432).open


# ----------------------------------------------------------------------- a peered network


def test_a_peered_network_reaches_through_cidr_rules_an_accepted_peering_and_routes_back():
    plan = plan_of(peered())
    for host, port in ((WRITER, 5432), (READER, 5432), ("replica.cache.abc.euw1.cache.amazonaws.com", 6379)):
        result = r.reach(plan, PEER, host, port)
        assert result.open, result
        assert "egress" not in [c.link for c in result.checks]  # the peer's own egress is not in the plan


def test_deleting_the_route_the_accepter_a_subnet_association_or_the_rule_closes_the_peered_path():
    resources = peered()
    for name in ("to-peer", "peering", "private-1", "database-from-peer"):
        urn = next(x.urn for x in resources if x.name == name and x.type != r.SUBNET)
        result = r.reach(without(resources, urn), PEER, WRITER, 5432)
        assert not result.open, name


def test_a_route_through_an_unaccepted_peering_does_not_count():
    resources = [x for x in peered() if x.type != r.PEERING_ACCEPTER]
    assert r.reach(plan_of(resources), PEER, WRITER, 5432).failures() == [
        f"route: route table {TABLE} (subnet subnet-a of primary) has no route to {PEER_CIDR} through a peering or "
        "transit attachment"]


def test_a_transit_gateway_the_vpc_is_attached_to_carries_the_route():
    resources = [x for x in peered() if x.name != "to-peer" and x.type != r.PEERING_ACCEPTER]
    resources += [res(r.ROUTE, "via-tgw", inputs={"routeTableId": TABLE, "destinationCidrBlock": "10.240.0.0/16",
                                                  "transitGatewayId": "tgw-1"}),
                  res(r.TGW_ATTACHMENT, "attachment", inputs={"transitGatewayId": "tgw-1", "vpcId": VPC})]
    assert r.reach(plan_of(resources), PEER, WRITER, 5432).open


def test_a_rule_for_a_range_that_does_not_hold_the_peer_admits_nothing():
    resources = [x for x in peered() if x.name != "database-from-peer"]
    resources.append(rule("ingress", "half", DB, 5432, cidrIpv4="10.240.0.0/21"))
    assert r.reach(plan_of(resources), PEER, WRITER, 5432).failures()[0].startswith("ingress:")


def test_compute_outside_the_vpc_without_an_address_range_cannot_be_routed_to():
    stranger = r.Compute("elsewhere", security_groups=frozenset({APP}), vpc_id=PEER_VPC)
    assert "route: elsewhere is outside" in r.reach(plan_of(base()), stranger, WRITER, 5432).failures()[0]


# ------------------------------------------------------------------------------------ DNS


def test_a_private_name_resolves_only_where_its_zone_is_associated():
    resources = [x for x in peered() if x.type != r.ZONE_AUTHORIZATION]
    assert r.reach(plan_of(resources), PEER, READER, 5432).failures() == [
        f"dns: {READER}: private zone db.internal is not associated with {PEER_VPC}"]
    assert r.reach(plan_of(peered()), PEER, READER, 5432).checks[0].resources == (
        "urn:aws:route53/zone:Zone::reader", "urn:aws:route53/vpcAssociationAuthorization:VpcAssociationAuthorization"
                                             "::reader-for-peer")


def test_an_association_resource_makes_the_zone_answer_in_that_vpc():
    resources = [x for x in peered() if x.type != r.ZONE_AUTHORIZATION]
    resources.append(res(r.ZONE_ASSOCIATION, "assoc", inputs={"zoneId": ZONE_ID, "vpcId": PEER_VPC}))
    assert r.reach(plan_of(resources), PEER, READER, 5432).open


def test_names_nobody_holds_do_not_resolve():
    plan = plan_of(base())
    assert r.reach(plan, POD, "db.example.org", 5432).failures() == [
        "dns: db.example.org: no zone in the plan holds it and it is no AWS service name"]
    assert r.reach(plan, POD, "reader.db.internal.example", 5432).checks[0].ok is False
    assert r.reach(plan, POD, "gone.c123.eu-west-1.rds.amazonaws.com", 5432).failures() == [
        "dns: gone.c123.eu-west-1.rds.amazonaws.com is an AWS service name, but nothing in the plan owns it"]


def test_every_record_of_the_reader_name_must_be_deleted_for_it_to_stop_resolving():
    resources = base()
    records = [x.urn for x in resources if x.type == r.RECORD]
    assert r.reach(without(resources, records[0]), POD, READER, 5432).open
    assert not r.reach(without(resources, *records), POD, READER, 5432).open


def test_cname_loops_end():
    loop = [res(r.ZONE, "z", "Z1", {"name": "x.internal"}, {"zoneId": "Z1"}),
            *(res(r.RECORD, name, inputs={"zoneId": "Z1", "name": f"{name}.x.internal", "type": "CNAME",
                                          "records": [f"{other}.x.internal"]}) for name, other in (("a", "b"), ("b", "a")))]
    assert "CNAME loop" in r.reach(plan_of(loop), POD, "a.x.internal", 443).failures()[0]


# ------------------------------------------------------------------- a load balancer, CDN


def test_an_endpoint_outside_the_plan_is_checked_by_its_groups():
    lb_group = "sg-lb"
    cloudfront = r.Compute("cloudfront", prefix_list="pl-cloudfront")
    lb = r.Target("ingress load balancer", "origin.example.com", frozenset({lb_group}), frozenset())
    resources = [res(r.SG, "lb", lb_group, {"vpcId": VPC}),
                 rule("ingress", "https-from-cloudfront", lb_group, 443, prefixListId="pl-cloudfront")]
    assert all(c.ok for c in r.path(plan_of(resources), cloudfront, lb, 443))
    assert not all(c.ok for c in r.path(plan_of(resources), cloudfront, lb, 80))
    stranger = r.Compute("anyone", cidr="198.51.100.0/24")
    assert not all(c.ok for c in r.path(plan_of(resources), stranger, lb, 443))


# ------------------------------------------------------------------------------ admitted


@pytest.mark.parametrize("rules, expected", [
    ([rule("ingress", "one", DB, 5432, referencedSecurityGroupId=APP)],
     [("security-group", APP, "tcp", 5432, 5432)]),
    ([res(r.LEGACY_RULE, "legacy", inputs={"securityGroupId": DB, "type": "ingress", "protocol": "tcp",
                                           "fromPort": 5432, "toPort": 5433, "cidrBlocks": ["10.0.0.0/8"],
                                           "self": True})],
     [("cidr", "10.0.0.0/8", "tcp", 5432, 5433), ("security-group", DB, "tcp", 5432, 5433)]),
    ([res(r.SG, "inline", DB, {"ingress": [{"protocol": "-1", "fromPort": 0, "toPort": 0,
                                            "prefixListIds": ["pl-1"]}]})],
     [("prefix-list", "pl-1", "-1", 0, 65535)]),
])
def test_admitted_lists_every_source_of_a_group_whatever_form_its_rules_take(rules, expected):
    found = [(s.kind, s.value, s.protocol, s.from_port, s.to_port) for s in r.admitted(plan_of(rules), DB)]
    assert found == expected


def test_let_out_lists_every_destination_of_a_group():
    found = [(s.kind, s.value, s.from_port) for s in r.let_out(plan_of(base()), APP)]
    assert found == [("security-group", DB, 5432), ("security-group", CACHE, 6379)]
    assert r.let_out(plan_of(base()), DB) == []
