"""Reachability over a recorded plan: can this compute open a connection to that endpoint?

A pure function of a ``Plan`` (what a program registered), in the spirit of AWS's
Reachability Analyzer but offline and before anything exists. A connection from a
``Compute`` to a host name and port is open when every link on the way is in the plan:

``dns``
    The name the app is given resolves where the app runs: an AWS service name (RDS,
    RDS Proxy and ElastiCache endpoints are public DNS names that answer with private
    addresses), or a record in a Route 53 zone the compute can query: a public zone, or a
    private zone associated with the VPC whose resolver the compute uses (inline, by
    ``ZoneAssociation``, or authorized for another account's VPC by
    ``VpcAssociationAuthorization``, which that account then completes). CNAMEs are
    followed; every name a weighted or multi-value record gives must be reachable.
``ingress``
    A rule on one of the target's security groups admits the compute on the port: from one
    of its security groups, from a CIDR holding its address range, or from its prefix list.
``egress``
    A rule on one of the compute's security groups lets the connection out (a security
    group Pulumi creates has no egress rule until one is declared: the Terraform provider
    removes AWS's default allow-all). Compute outside any security group (a peered network,
    CloudFront) is not checked here.
``route``
    Compute outside the target's VPC, known by its address range, gets answers back only if
    the route table of every subnet the target may sit in sends that range through a VPC
    peering connection accepted in the plan, or a transit gateway the VPC is attached to
    in the plan. Inside the same VPC the local route carries it.

Each ``Check`` names the resources it rests on, so a test can delete any one of them and
see the connection close. ``admitted`` and ``let_out`` list everything a security group
lets in and out, for the converse: nothing but the app is admitted to the data tier.

Compute is described the way the network sees it (its security groups, its address range,
its prefix list, the VPC it sits in and the VPC whose resolver answers it), so any app tier
uses the same function: pods carrying a security group, a Vercel Secure Compute network, ECS
tasks, CloudFront.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from typing import Any, Iterable, Optional

from pulumi_webstack_cli.engine import Plan, Resource

SG = "aws:ec2/securityGroup:SecurityGroup"
INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
EGRESS = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"
LEGACY_RULE = "aws:ec2/securityGroupRule:SecurityGroupRule"
SUBNET = "aws:ec2/subnet:Subnet"
ROUTE = "aws:ec2/route:Route"
ROUTE_TABLE = "aws:ec2/routeTable:RouteTable"
ASSOCIATION = "aws:ec2/routeTableAssociation:RouteTableAssociation"
PEERING = "aws:ec2/vpcPeeringConnection:VpcPeeringConnection"
PEERING_ACCEPTER = "aws:ec2/vpcPeeringConnectionAccepter:VpcPeeringConnectionAccepter"
TGW_ATTACHMENT = "aws:ec2transitgateway/vpcAttachment:VpcAttachment"
ZONE = "aws:route53/zone:Zone"
ZONE_ASSOCIATION = "aws:route53/zoneAssociation:ZoneAssociation"
ZONE_AUTHORIZATION = "aws:route53/vpcAssociationAuthorization:VpcAssociationAuthorization"
RECORD = "aws:route53/record:Record"

PUBLIC_SERVICE_SUFFIXES = (".rds.amazonaws.com", ".cache.amazonaws.com", ".rds.amazonaws.com.cn",
                           ".cache.amazonaws.com.cn")
"""Endpoint names AWS publishes in public DNS (answering with the endpoint's private
addresses): RDS instances and proxies, ElastiCache groups. They resolve from anywhere."""

ALL_TRAFFIC = ("-1", "all")
TCP = ("tcp", "6")


@dataclass(frozen=True)
class Compute:
    """Where app code runs, as the network sees it."""

    name: str
    security_groups: frozenset[str] = frozenset()
    """Ids of the security groups on its network interfaces (pods with a SecurityGroupPolicy,
    ECS tasks); empty for compute outside the VPC."""
    cidr: Optional[str] = None
    """The address range its connections come from, when that is how it is known (a peered
    network such as Vercel Secure Compute)."""
    prefix_list: Optional[str] = None
    """Managed prefix list holding its addresses (CloudFront's origin-facing servers)."""
    vpc_id: Optional[str] = None
    """VPC its interfaces sit in (None: outside every VPC of the plan)."""
    resolver_vpc_id: Optional[str] = None
    """VPC whose Route 53 resolver answers its DNS queries (default: ``vpc_id``)."""

    @property
    def resolver(self) -> Optional[str]:
        return self.resolver_vpc_id or self.vpc_id


@dataclass(frozen=True)
class Target:
    """One network endpoint behind a name: its security groups and the subnets it may use."""

    name: str
    host: str
    security_groups: frozenset[str]
    subnets: frozenset[str]


@dataclass(frozen=True)
class Check:
    """One link of a path: whether it holds, why, and which resources it rests on."""

    link: str
    ok: bool
    reason: str
    resources: tuple[str, ...] = ()
    """URNs of resources each of which the link needs (delete one: the link breaks)."""
    any_of: tuple[str, ...] = ()
    """URNs of resources any one of which suffices (delete them all: the link breaks)."""


@dataclass
class Reach:
    """The answer for one compute, host and port: the DNS check and one path per endpoint."""

    compute: Compute
    host: str
    port: int
    checks: list[Check] = field(default_factory=list)

    @property
    def open(self) -> bool:
        return bool(self.checks) and all(c.ok for c in self.checks)

    def failures(self) -> list[str]:
        return [f"{c.link}: {c.reason}" for c in self.checks if not c.ok]

    def __str__(self) -> str:
        state = "open" if self.open else "closed (" + "; ".join(self.failures()) + ")"
        return f"{self.compute.name} -> {self.host}:{self.port}: {state}"


@dataclass(frozen=True)
class Source:
    """Something a security group admits: a group, a CIDR or a prefix list, on a port range."""

    kind: str
    """``security-group``, ``cidr`` or ``prefix-list``."""
    value: str
    protocol: str
    from_port: int
    to_port: int
    urn: str


# --------------------------------------------------------------------------- the question


def reach(plan: Plan, compute: Compute, host: str, port: int) -> Reach:
    """Can ``compute`` open a TCP connection to ``host`` on ``port``? (See the module docstring.)"""
    result = Reach(compute, host, port)
    dns, targets = _resolve(plan, compute, host)
    result.checks.append(dns)
    if not dns.ok:
        return result
    if not targets:
        result.checks.append(Check("target", False, f"nothing in the plan serves {host}"))
    for target in targets:
        result.checks.extend(path(plan, compute, target, port))
    return result


def admitted(plan: Plan, group_id: str) -> list[Source]:
    """Every source the security group ``group_id`` lets in (rules and inline blocks)."""
    return [s for rule in _rules(plan, group_id, "ingress") for s in _sources(rule, "ingress")]


def let_out(plan: Plan, group_id: str) -> list[Source]:
    """Every destination the security group ``group_id`` lets connections out to."""
    return [s for rule in _rules(plan, group_id, "egress") for s in _sources(rule, "egress")]


# ------------------------------------------------------------------------------ DNS


def _resolve(plan: Plan, compute: Compute, host: str, seen: frozenset[str] = frozenset()
             ) -> tuple[Check, list[Target]]:
    """The DNS check of ``host`` from ``compute`` and the endpoints the name leads to."""
    if host in seen:
        return Check("dns", False, f"{host}: CNAME loop"), []
    owner = _target_of(plan, host)
    if host.endswith(PUBLIC_SERVICE_SUFFIXES):
        ok = owner is not None
        return Check("dns", ok, f"{host} is an AWS service name" + ("" if ok else ", but nothing in the plan owns it")
                     ), [owner] if owner else []
    zone = _zone_of(plan, host)
    if zone is None:
        return Check("dns", False, f"{host}: no zone in the plan holds it and it is no AWS service name"), []
    records = [r for r in plan.by_type(RECORD)
               if r.inputs.get("zoneId") == zone.state.get("zoneId", zone.id) and _fqdn(r) == host]
    if not records:
        return Check("dns", False, f"{host}: zone {zone.inputs.get('name')} has no record of it"), []
    needed = [zone.urn]
    vpcs = _zone_vpcs(plan, zone)
    if vpcs:  # a private zone: only its associated VPCs' resolvers answer
        via = vpcs.get(compute.resolver or "")
        if via is None:
            return Check("dns", False, f"{host}: private zone {zone.inputs.get('name')} is not associated with "
                                       f"{compute.resolver or 'the VPC ' + compute.name + ' resolves in'}"), []
        needed += [u for u in via if u != zone.urn]
    targets: list[Target] = []
    for record in records:
        if record.inputs.get("type") != "CNAME":
            continue  # addresses: which endpoint holds them is not in the plan (reach() says so)
        for value in record.inputs.get("records") or []:
            check, found = _resolve(plan, compute, str(value).rstrip("."), seen | {host})
            if not check.ok:
                return Check("dns", False, f"{host} -> {check.reason}"), []
            needed += [u for u in check.resources if u not in needed]
            targets += found
    return Check("dns", True, f"{host}: record in {zone.inputs.get('name')}", tuple(needed),
                 tuple(r.urn for r in records)), targets


def _zone_of(plan: Plan, host: str) -> Optional[Resource]:
    """The zone with the longest name that ``host`` falls under."""
    zones = [z for z in plan.by_type(ZONE) if host == z.inputs.get("name", "").rstrip(".")
             or host.endswith("." + z.inputs.get("name", "").rstrip("."))]
    return max(zones, key=lambda z: len(z.inputs.get("name", "")), default=None)


def _zone_vpcs(plan: Plan, zone: Resource) -> dict[str, list[str]]:
    """VPC id -> URNs making the private ``zone`` answer in that VPC (empty: a public zone)."""
    zone_id = zone.state.get("zoneId", zone.id)
    out: dict[str, list[str]] = {v["vpcId"]: [zone.urn] for v in zone.inputs.get("vpcs") or [] if v.get("vpcId")}
    for kind in (ZONE_ASSOCIATION, ZONE_AUTHORIZATION):
        for res in plan.by_type(kind):
            if res.inputs.get("zoneId") == zone_id and res.inputs.get("vpcId"):
                out.setdefault(res.inputs["vpcId"], []).append(res.urn)
    return out


def _fqdn(record: Resource) -> str:
    return str(record.state.get("fqdn") or record.inputs.get("name", "")).rstrip(".")


# --------------------------------------------------------------------------- endpoints


_HOST_OWNERS: dict[str, tuple[tuple[str, ...], str, str]] = {
    "aws:rds/instance:Instance": (("address",), "vpcSecurityGroupIds", "dbSubnetGroupName"),
    "aws:rds/proxy:Proxy": (("endpoint",), "vpcSecurityGroupIds", "vpcSubnetIds"),
    "aws:rds/proxyEndpoint:ProxyEndpoint": (("endpoint",), "vpcSecurityGroupIds", "vpcSubnetIds"),
    "aws:elasticache/replicationGroup:ReplicationGroup": (
        ("primaryEndpointAddress", "readerEndpointAddress", "configurationEndpointAddress"),
        "securityGroupIds", "subnetGroupName"),
}
"""Resource type -> (state attributes holding its host names, input of its security groups,
input of its subnets: a list of subnet ids or the name of a subnet group)."""
_SUBNET_GROUPS = ("aws:rds/subnetGroup:SubnetGroup", "aws:elasticache/subnetGroup:SubnetGroup")


def _target_of(plan: Plan, host: str) -> Optional[Target]:
    for kind, (attributes, groups, subnets) in _HOST_OWNERS.items():
        for res in plan.by_type(kind):
            if host in (res.state.get(a) for a in attributes):
                return Target(res.name, host, frozenset(res.inputs.get(groups) or []),
                              frozenset(_subnets_of(plan, res.inputs.get(subnets))))
    return None


def _subnets_of(plan: Plan, value: Any) -> list[str]:
    if isinstance(value, list):
        return [str(v) for v in value]
    for group in (g for kind in _SUBNET_GROUPS for g in plan.by_type(kind)):
        if value in (group.id, group.inputs.get("name")):
            return list(group.inputs.get("subnetIds") or [])
    return []


# ------------------------------------------------------------------- one endpoint's path


def path(plan: Plan, compute: Compute, target: Target, port: int) -> list[Check]:
    """The ingress, egress and route checks from ``compute`` to one endpoint ``target``
    (without DNS: for an endpoint the plan does not name, such as a load balancer a
    controller creates from the security group the plan gives it)."""
    checks = [_ingress(plan, compute, target, port)]
    if compute.security_groups:
        checks.append(_egress(plan, compute, target, port))
    target_vpc = _vpc_of(plan, target)
    if compute.vpc_id is None or compute.vpc_id != target_vpc:
        if compute.cidr is not None:
            checks.append(_route_back(plan, compute, target))
        elif compute.prefix_list is None:
            checks.append(Check("route", False, f"{compute.name} is outside {target_vpc} and has no address range "
                                                "a route could send answers to"))
    return checks


def _ingress(plan: Plan, compute: Compute, target: Target, port: int) -> Check:
    for group in sorted(target.security_groups):
        for rule in _rules(plan, group, "ingress"):
            for source in _sources(rule, "ingress"):
                if _covers(source, port) and _admits(source, compute):
                    return Check("ingress", True, f"{target.name}: {source.kind} {source.value} on {port}",
                                 (rule.urn,))
    return Check("ingress", False, f"no rule on {target.name}'s groups {sorted(target.security_groups)} admits "
                                   f"{compute.name} on {port}")


def _egress(plan: Plan, compute: Compute, target: Target, port: int) -> Check:
    subnet_cidrs = [_subnet_cidr(plan, s) for s in target.subnets]
    for group in sorted(compute.security_groups):
        for rule in _rules(plan, group, "egress"):
            for dest in _sources(rule, "egress"):
                if not _covers(dest, port):
                    continue
                if dest.kind == "security-group" and dest.value in target.security_groups or (
                        dest.kind == "cidr" and _cidr_holds_all(dest.value, subnet_cidrs)):
                    return Check("egress", True, f"{compute.name}: to {dest.kind} {dest.value} on {port}", (rule.urn,))
    return Check("egress", False, f"no egress rule of {compute.name}'s groups {sorted(compute.security_groups)} "
                                  f"lets {port} out to {target.name}")


def _route_back(plan: Plan, compute: Compute, target: Target) -> Check:
    """Every subnet of ``target`` routes ``compute.cidr`` through an accepted peering or an
    attached transit gateway."""
    assert compute.cidr is not None
    if not target.subnets:
        return Check("route", False, f"{target.name}: its subnets are not in the plan")
    needed: list[str] = []
    for subnet in sorted(target.subnets):
        table, assoc = _route_table_of(plan, subnet)
        if table is None:
            return Check("route", False, f"subnet {subnet} of {target.name} has no route table in the plan "
                                         "(the VPC's main table holds only the local route)")
        route = _route_to(plan, table, compute.cidr)
        if route is None:
            return Check("route", False, f"route table {table} (subnet {subnet} of {target.name}) has no route "
                                         f"to {compute.cidr} through a peering or transit attachment")
        needed += [u for u in (assoc, *route) if u not in needed]
    return Check("route", True, f"every subnet of {target.name} routes {compute.cidr} back", tuple(needed))


def _route_table_of(plan: Plan, subnet: str) -> tuple[Optional[str], Optional[str]]:
    for assoc in plan.by_type(ASSOCIATION):
        if assoc.inputs.get("subnetId") == subnet:
            return assoc.inputs.get("routeTableId"), assoc.urn
    return None, None


def _route_to(plan: Plan, table: str, cidr: str) -> Optional[tuple[str, ...]]:
    """URNs of the route from ``table`` to ``cidr`` and of the attachment it goes through."""
    for route in plan.by_type(ROUTE):
        i = route.inputs
        if i.get("routeTableId") != table or not _cidr_holds(i.get("destinationCidrBlock"), cidr):
            continue
        attachment = _attachment(plan, i.get("vpcPeeringConnectionId"), i.get("transitGatewayId"))
        if attachment is not None:
            return route.urn, attachment
    return None


def _attachment(plan: Plan, peering: Optional[str], gateway: Optional[str]) -> Optional[str]:
    """URN of the resource making the peering active (accepted) or attaching the gateway."""
    if peering:
        for res in plan.by_type(PEERING_ACCEPTER):
            if res.inputs.get("vpcPeeringConnectionId") == peering:
                return res.urn
        for res in plan.by_type(PEERING):
            if res.id == peering and res.inputs.get("autoAccept"):
                return res.urn
    if gateway:
        for res in plan.by_type(TGW_ATTACHMENT):
            if res.inputs.get("transitGatewayId") == gateway:
                return res.urn
    return None


# ------------------------------------------------------------------------- rules, CIDRs


def _rules(plan: Plan, group_id: str, direction: str) -> list[Resource]:
    """Resources carrying ``direction`` rules of ``group_id``: rule resources and the group itself."""
    kind = INGRESS if direction == "ingress" else EGRESS
    out = [r for r in plan.by_type(kind) if r.inputs.get("securityGroupId") == group_id]
    out += [r for r in plan.by_type(LEGACY_RULE)
            if r.inputs.get("securityGroupId") == group_id and r.inputs.get("type") == direction]
    out += [g for g in plan.by_type(SG) if g.id == group_id and g.inputs.get(direction)]
    return out


def _sources(rule: Resource, direction: str) -> list[Source]:
    """The peers one rule resource (or a group's inline blocks) names, with protocol and ports."""
    i = rule.inputs
    if rule.type == SG:
        blocks = i.get(direction) or []
        return [s for b in blocks for s in _block_sources(b, rule.urn, self_id=rule.id)]
    if rule.type == LEGACY_RULE:
        block = {"protocol": i.get("protocol"), "fromPort": i.get("fromPort"), "toPort": i.get("toPort"),
                 "cidrBlocks": i.get("cidrBlocks"), "prefixListIds": i.get("prefixListIds"),
                 "securityGroups": [i["sourceSecurityGroupId"]] if i.get("sourceSecurityGroupId") else [],
                 "self": i.get("self")}
        return _block_sources(block, rule.urn, self_id=i.get("securityGroupId"))
    protocol, low, high = str(i.get("ipProtocol", "")), i.get("fromPort"), i.get("toPort")
    peers = [("security-group", i.get("referencedSecurityGroupId")), ("cidr", i.get("cidrIpv4")),
             ("cidr", i.get("cidrIpv6")), ("prefix-list", i.get("prefixListId"))]
    return [_source(kind, value, protocol, low, high, rule.urn) for kind, value in peers if value]


def _block_sources(block: dict[str, Any], urn: str, self_id: Optional[str]) -> list[Source]:
    protocol, low, high = str(block.get("protocol", "")), block.get("fromPort"), block.get("toPort")
    peers = [("cidr", c) for c in block.get("cidrBlocks") or []]
    peers += [("security-group", g) for g in block.get("securityGroups") or []]
    peers += [("prefix-list", p) for p in block.get("prefixListIds") or []]
    if block.get("self") and self_id:
        peers.append(("security-group", self_id))
    return [_source(kind, value, protocol, low, high, urn) for kind, value in peers]


def _source(kind: str, value: Any, protocol: str, low: Any, high: Any, urn: str) -> Source:
    if protocol.lower() in ALL_TRAFFIC:
        low, high = 0, 65535
    return Source(kind, str(value), protocol.lower(), int(low if low is not None else 0),
                  int(high if high is not None else 65535), urn)


def _covers(source: Source, port: int) -> bool:
    return (source.protocol in TCP or source.protocol in ALL_TRAFFIC) and source.from_port <= port <= source.to_port


def _admits(source: Source, compute: Compute) -> bool:
    if source.kind == "security-group":
        return source.value in compute.security_groups
    if source.kind == "prefix-list":
        return source.value == compute.prefix_list
    return compute.cidr is not None and _cidr_holds(source.value, compute.cidr)


def _cidr_holds(outer: Any, inner: Any) -> bool:
    """True if network ``outer`` contains network ``inner`` (both CIDR strings)."""
    try:
        a, b = ipaddress.ip_network(str(outer)), ipaddress.ip_network(str(inner))
    except ValueError:
        return False
    return a.version == b.version and b.subnet_of(a)  # type: ignore[arg-type]


def _cidr_holds_all(outer: str, inners: Iterable[Optional[str]]) -> bool:
    """``outer`` contains every known subnet CIDR (0.0.0.0/0 contains whatever is unknown)."""
    inners = list(inners)
    if outer in ("0.0.0.0/0", "::/0"):
        return True
    return bool(inners) and all(i is not None and _cidr_holds(outer, i) for i in inners)


def _subnet_cidr(plan: Plan, subnet_id: str) -> Optional[str]:
    for subnet in plan.by_type(SUBNET):
        if subnet.id == subnet_id:
            return subnet.inputs.get("cidrBlock")
    return None


def _vpc_of(plan: Plan, target: Target) -> Optional[str]:
    """The VPC of the target: from its subnets, else from its security groups."""
    for subnet in plan.by_type(SUBNET):
        if subnet.id in target.subnets:
            return subnet.inputs.get("vpcId")
    for group in plan.by_type(SG):
        if group.id in target.security_groups:
            return group.inputs.get("vpcId")
    return None
