"""Network: private subnets across availability zones and the security groups that let
only the app tier reach the database and cache.

The data tier is never reachable from the internet: its subnets are private, with no route
out. The app tier reaches it from inside the VPC (pods or tasks carrying
``app_security_group_id``) or from a peered network: ``VercelApp`` admits and routes its
Secure Compute network itself (into ``route_table_ids``); ``app_cidrs`` admits others.

Public subnets are an opt-in for an app tier whose load balancer faces the internet
(``public_subnets``, set by the stack program on ECS): one per availability zone with their
own route table, the only one with a default route, to an internet gateway. Nothing of the
data tier is ever placed in them, and the private route table stays without a way out.
"""

import ipaddress
import json
from dataclasses import dataclass, field
from typing import Optional

import pulumi
import pulumi_aws as aws

from pulumi_webstack import kms, port_rules
from pulumi_webstack.args import check_fields, from_inputs, log_retention, setting
from pulumi_webstack.errors import ArgsError, require
from pulumi_webstack.iam_policies import confined_assume_role_policy, granted
from pulumi_webstack.names import private_range_problem
from pulumi_webstack.ordering import after


def subnet_cidrs(cidr: str, count: int, new_prefix: Optional[int] = None) -> list[str]:
    """The first ``count`` equal subnets of ``cidr``.

    Subnets are /20 inside a /16 (4,091 usable addresses each: room for RDS, ElastiCache and
    pod ENIs), or four bits longer than the VPC prefix for smaller VPCs.
    """
    network = ipaddress.ip_network(cidr)
    prefix = new_prefix or min(max(network.prefixlen + 4, 20), 28)
    subnets = list(network.subnets(new_prefix=prefix))
    if count > len(subnets):
        raise ValueError(f"{cidr} holds only {len(subnets)} /{prefix} subnets, {count} requested")
    return [str(s) for s in subnets[:count]]


def public_subnet_cidrs(cidr: str, count: int) -> list[str]:
    """``count`` subnets for the public tier, the same size as the private ones, taken from the
    end of the VPC's range: private subnets grow from the start (``subnet_cidrs``), so adding
    availability zones later never makes the two collide."""
    network = ipaddress.ip_network(cidr)
    prefix = min(max(network.prefixlen + 4, 20), 28)
    subnets = list(network.subnets(new_prefix=prefix))
    return [str(s) for s in reversed(subnets[-count:])] if count else []


def subnet_tier(name: str, tier: str, vpc: aws.ec2.Vpc, cidrs: list[str], zones: pulumi.Output[list[str]],
                opts: pulumi.ResourceOptions
                ) -> tuple[aws.ec2.RouteTable, list[aws.ec2.Subnet], list[aws.ec2.RouteTableAssociation]]:
    """One subnet per zone of ``tier`` (``private`` or ``public``) sharing one route table
    (returned with the subnets and their associations to it).

    No subnet gives a public address on launch: the public tier holds only load balancer
    nodes, which get theirs from Elastic Load Balancing, never a task or an instance.
    """
    routes = aws.ec2.RouteTable(f"{name}-{tier}", vpc_id=vpc.id, tags={"Name": f"{name}-{tier}"}, opts=opts)
    subnets, associations = [], []
    for index, cidr in enumerate(cidrs):
        subnet = aws.ec2.Subnet(
            f"{name}-{tier}-{index}",
            vpc_id=vpc.id,
            cidr_block=cidr,
            availability_zone=zones[index],
            map_public_ip_on_launch=False,
            tags={"Name": f"{name}-{tier}-{index}", "Tier": tier},
            opts=opts,
        )
        associations.append(aws.ec2.RouteTableAssociation(f"{name}-{tier}-{index}", subnet_id=subnet.id,
                                                          route_table_id=routes.id, opts=opts))
        subnets.append(subnet)
    return routes, subnets, associations
def flow_log_group_name(project: str, stack: str, name: str) -> str:
    """``/<project>/<stack>/<name>/vpc-flow-logs``: log group names are unique per account
    and region, so two stacks (or two networks of one stack) never share one."""
    return f"/{project}/{stack}/{name}/vpc-flow-logs"


VPC_ID = r"vpc-[0-9a-f]{8,17}"
SUBNET_ID = r"subnet-[0-9a-f]{8,17}"
ROUTE_TABLE_ID = r"rtb-[0-9a-f]{8,17}"


@dataclass
class NetworkArgs:
    """Arguments of ``Network``."""

    cidr: Optional[str] = "10.0.0.0/16"
    """CIDR of the new VPC (private RFC 1918 range, /16 to /24). Ignored with ``vpc_id``."""
    az_count: Optional[int] = setting(3, ge=2, le=6)
    """Availability zones with a private subnet; at least 2 (and no more than the region has)."""
    vpc_id: Optional[str] = setting(None, pattern=VPC_ID, words="must be a VPC id such as vpc-0123456789abcdef0")
    """Existing VPC to use instead of creating one (then ``subnet_ids`` is required)."""
    subnet_ids: Optional[list[str]] = setting(default_factory=list, pattern=SUBNET_ID,
                                              words="must be a subnet id such as subnet-0123456789abcdef0")
    """Existing private subnets, at least 2, in different AZs."""
    route_table_ids: Optional[list[str]] = setting(default_factory=list, pattern=ROUTE_TABLE_ID,
                                                   words="must be a route table id such as rtb-0123456789abcdef0")
    """Route tables of ``subnet_ids`` (each once), with ``vpc_id``: where routes to a peered
    app network (Vercel Secure Compute) go."""
    app_cidrs: Optional[list[str]] = field(default_factory=list)
    """Peered networks (besides members of the app security group) allowed to reach the data
    ports; routes to them are the peering's owner's (see ``route_table_ids``)."""
    database_port: Optional[int] = setting(5432, ge=1, le=65535)
    """PostgreSQL port opened from the app tier to the database security group."""
    cache_port: Optional[int] = setting(6379, ge=1, le=65535)
    """Redis port opened from the app tier to the cache security group."""
    public_subnets: Optional[bool] = False
    """Public subnets (one per AZ, routed to an internet gateway) for an internet-facing load
    balancer; with ``vpc_id``, give them as ``public_subnet_ids``. The data tier never uses them."""
    public_subnet_ids: Optional[list[str]] = setting(default_factory=list, pattern=SUBNET_ID,
                                                     words="must be a subnet id such as subnet-0123456789abcdef0")
    """Existing public subnets of ``vpc_id`` (at least 2, in different AZs, routed to an
    internet gateway), with ``public_subnets``."""
    flow_logs: Optional[bool] = True
    """Record VPC flow logs in CloudWatch Logs, encrypted with the network's own KMS key
    (new VPC only)."""
    flow_log_retention_days: Optional[int] = log_retention(90)
    """Retention of the flow log group."""

    def __post_init__(self) -> None:
        check_fields(self)
        if self.vpc_id is None:
            problem = private_range_problem(self.cidr)
            require(problem is None, "network.cidr", self.cidr, problem or "")
        else:
            require(len(self.subnet_ids) >= 2, "network.subnet_ids", self.subnet_ids,
                    "with vpc_id, give at least 2 private subnets in different AZs")
        require(not self.subnet_ids or self.vpc_id is not None, "network.subnet_ids", self.subnet_ids,
                "needs vpc_id (the VPC the subnets belong to)")
        require(not self.route_table_ids or self.vpc_id is not None, "network.route_table_ids", self.route_table_ids,
                "needs vpc_id (a new VPC gets its own route table)")
        require(not self.public_subnet_ids or self.vpc_id is not None, "network.public_subnet_ids",
                self.public_subnet_ids, "needs vpc_id (a new VPC gets its own with public_subnets)")
        if self.public_subnets and self.vpc_id is not None:
            require(len(self.public_subnet_ids) >= 2, "network.public_subnet_ids", self.public_subnet_ids,
                    "with vpc_id and public_subnets, give at least 2 public subnets in different AZs")
        require(len(set(self.route_table_ids)) == len(self.route_table_ids), "network.route_table_ids",
                self.route_table_ids, "must list each route table once")
        for cidr in self.app_cidrs:
            try:
                net = ipaddress.ip_network(cidr, strict=True)
            except ValueError:
                raise ArgsError("network.app_cidrs", cidr, "must be a network in CIDR form") from None
            require(net.prefixlen > 0 and net.is_private, "network.app_cidrs", cidr,
                    "must be a private network; the data tier is never opened to the internet")


class Network(pulumi.ComponentResource):
    """Private network for the data tier.

    Creates (new VPC): VPC with DNS support, one private subnet per AZ and their route
    table, the default security group emptied, flow logs (KMS key + alias, log group
    ``/<project>/<stack>/<name>/vpc-flow-logs``, IAM role confined to this account's flow
    logs); with ``public_subnets``, an internet gateway, one public subnet per AZ and their
    route table (default route to the gateway). Always:
    security groups ``app``, ``database`` and ``cache``, with ingress to the data ports only
    from the app group and ``app_cidrs`` (plus, on the database port, from the database
    group itself: the RDS Proxy shares that group with the instances it connects to).

    Outputs: ``vpc_id``, ``subnet_ids``, ``availability_zones``, ``route_table_ids``,
    ``public_subnet_ids``, ``app_security_group_id``, ``database_security_group_id``,
    ``cache_security_group_id``.
    """

    vpc_id: pulumi.Output[str]
    """The VPC."""
    subnet_ids: pulumi.Output[list[str]]
    """Private subnets, one per availability zone, in AZ order."""
    availability_zones: pulumi.Output[list[str]]
    """The AZ of each subnet, same order as ``subnet_ids``."""
    route_table_ids: list[pulumi.Output[str]]
    """Route tables of the subnets: the private table of a new VPC, or ``route_table_ids``."""
    public_subnet_ids: pulumi.Output[list[str]]
    """Public subnets, one per availability zone (empty without ``public_subnets``)."""
    app_security_group_id: pulumi.Output[str]
    """Attach to app-tier workloads that reach the database and cache."""
    database_security_group_id: pulumi.Output[str]
    """Attach to the database (and its proxy)."""
    cache_security_group_id: pulumi.Output[str]
    """Attach to the cache."""

    def __init__(self, name: str, args: NetworkArgs, opts: Optional[pulumi.ResourceOptions] = None):
        args = from_inputs(NetworkArgs, args)
        super().__init__("webstack:index:Network", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)

        if args.vpc_id is None:
            self._new_vpc(name, args, child)
        else:
            self._existing_vpc(args)
        app, database, cache = self._security_groups(name, args, child)

        self.app_security_group_id = app.id
        self.database_security_group_id = database.id
        self.cache_security_group_id = cache.id
        self.register_outputs(
            {
                "vpc_id": self.vpc_id,
                "subnet_ids": self.subnet_ids,
                "availability_zones": self.availability_zones,
                "route_table_ids": self.route_table_ids,
                "public_subnet_ids": self.public_subnet_ids,
                "app_security_group_id": self.app_security_group_id,
                "database_security_group_id": self.database_security_group_id,
                "cache_security_group_id": self.cache_security_group_id,
            }
        )

    def _new_vpc(self, name: str, args: NetworkArgs, child: pulumi.ResourceOptions) -> None:
        """The VPC, one private subnet per zone on a route table with no way out, the default
        group emptied, flow logs and, with ``public_subnets``, the public tier."""
        vpc = aws.ec2.Vpc(
            f"{name}-vpc",
            cidr_block=args.cidr,
            enable_dns_hostnames=True,
            enable_dns_support=True,
            tags={"Name": f"{name}-vpc"},
            opts=child,
        )
        self.vpc_id = vpc.id
        zones = aws.get_availability_zones_output(
            state="available",
            filters=[{"name": "opt-in-status", "values": ["opt-in-not-required"]}],
            opts=pulumi.InvokeOptions(parent=self),
        ).names.apply(lambda names: sorted(names)[: args.az_count])
        routes, subnets, _ = subnet_tier(name, "private", vpc, subnet_cidrs(args.cidr, args.az_count), zones, child)
        self.route_table_ids = [routes.id]
        self.subnet_ids = pulumi.Output.all(*[s.id for s in subnets])
        self.availability_zones = pulumi.Output.all(*[s.availability_zone for s in subnets])
        # The default group allows all traffic between its members: empty it so nothing
        # launched without an explicit group can talk to the data tier.
        aws.ec2.DefaultSecurityGroup(
            f"{name}-default", vpc_id=vpc.id, ingress=[], egress=[], tags={"Name": f"{name}-default-locked"},
            opts=child,
        )
        if args.flow_logs:
            self._flow_logs(name, vpc, args, child)
        self.public_subnet_ids = (self._public_subnets(name, vpc, zones, args, child) if args.public_subnets
                                  else pulumi.Output.from_input([]))

    def _existing_vpc(self, args: NetworkArgs) -> None:
        """``vpc_id`` and its subnets and route tables as given; the zones asked of EC2."""
        invoke = pulumi.InvokeOptions(parent=self)
        self.vpc_id = pulumi.Output.from_input(args.vpc_id)
        self.public_subnet_ids = pulumi.Output.from_input(list(args.public_subnet_ids))
        self.subnet_ids = pulumi.Output.from_input(list(args.subnet_ids))
        self.route_table_ids = [pulumi.Output.from_input(t) for t in args.route_table_ids]
        self.availability_zones = pulumi.Output.all(
            *[aws.ec2.get_subnet_output(id=s, opts=invoke).availability_zone for s in args.subnet_ids]
        )

    def _security_groups(self, name: str, args: NetworkArgs, child: pulumi.ResourceOptions
                         ) -> tuple[aws.ec2.SecurityGroup, aws.ec2.SecurityGroup, aws.ec2.SecurityGroup]:
        """The app, database and cache groups: the data ports open from the app group and
        ``app_cidrs`` only, and the database port within the database group (proxy -> instances)."""
        app = aws.ec2.SecurityGroup(
            f"{name}-app",
            vpc_id=self.vpc_id,
            description="App tier: members may reach the database and cache",
            tags={"Name": f"{name}-app"},
            opts=child,
        )
        database = aws.ec2.SecurityGroup(
            f"{name}-database",
            vpc_id=self.vpc_id,
            description="PostgreSQL: reachable from the app tier only",
            tags={"Name": f"{name}-database"},
            opts=child,
        )
        cache = aws.ec2.SecurityGroup(
            f"{name}-cache",
            vpc_id=self.vpc_id,
            description="Redis: reachable from the app tier only",
            tags={"Name": f"{name}-cache"},
            opts=child,
        )
        for target, port, label in ((database, args.database_port, "database"), (cache, args.cache_port, "cache")):
            port_rules.ingress(f"{name}-{label}-from-app", target.id, port, f"{label} port from the app security group",
                               child, referenced_security_group_id=app.id)
            port_rules.egress(f"{name}-app-to-{label}", app.id, port, f"app tier to the {label} port", child,
                              referenced_security_group_id=target.id)
            # Keyed by the CIDR itself, so reordering app_cidrs never replaces a rule.
            for cidr in args.app_cidrs:
                port_rules.ingress(f"{name}-{label}-from-{cidr.replace('/', '-')}", target.id, port,
                                   f"{label} port from peered app network {cidr}", child, cidr_ipv4=cidr)

        # The RDS Proxy carries the database group too: members of that group may reach the
        # database port of each other (proxy -> instances), and nothing else is opened.
        port_rules.ingress(f"{name}-database-from-proxy", database.id, args.database_port,
                           "database port from the RDS Proxy (same security group)", child,
                           referenced_security_group_id=database.id)
        port_rules.egress(f"{name}-proxy-to-database", database.id, args.database_port,
                          "RDS Proxy to the database port (same security group)", child,
                          referenced_security_group_id=database.id)
        return app, database, cache

    def _public_subnets(self, name: str, vpc: aws.ec2.Vpc, zones: pulumi.Output[list[str]], args: NetworkArgs,
                        child: pulumi.ResourceOptions) -> pulumi.Output[list[str]]:
        """Internet gateway, public route table with the default route, one public subnet per AZ:
        their ids once they are routed to the gateway (Elastic Load Balancing refuses an
        internet-facing load balancer in a VPC without an attached gateway)."""
        gateway = aws.ec2.InternetGateway(f"{name}-igw", vpc_id=vpc.id, tags={"Name": f"{name}-igw"}, opts=child)
        routes, subnets, associations = subnet_tier(name, "public", vpc, public_subnet_cidrs(args.cidr, args.az_count),
                                                    zones, child)
        default = aws.ec2.Route(f"{name}-public-default", route_table_id=routes.id, destination_cidr_block="0.0.0.0/0",
                                gateway_id=gateway.id, opts=child)
        return after(pulumi.Output.all(*[s.id for s in subnets]), default, *associations)

    def _flow_logs(self, name: str, vpc: aws.ec2.Vpc, args: NetworkArgs, child: pulumi.ResourceOptions) -> None:
        """Flow logs into a KMS-encrypted log group; the role only this account's flow logs
        of this region may assume (aws:SourceAccount / aws:SourceArn, confused deputy)."""
        invoke = pulumi.InvokeOptions(parent=self)
        account = aws.get_caller_identity_output(opts=invoke).account_id
        region = aws.get_region_output(opts=invoke).region
        partition = aws.get_partition_output(opts=invoke)
        group_name = flow_log_group_name(pulumi.get_project(), pulumi.get_stack(), name)
        key = kms.customer_managed_key(
            f"{name}-flow-logs",
            description=f"{group_name}: VPC flow log records",
            deletion_window_in_days=30,
            policy=pulumi.Output.all(region, account, partition.partition, partition.dns_suffix).apply(
                lambda v: json.dumps(kms.log_groups_key_policy(
                    *v, sid="CloudWatchLogsEncryptsFlowLogs", log_groups=group_name))),
            opts=child,
        )
        kms.key_alias(f"{name}-flow-logs", key,
                      f"alias/{pulumi.get_project()}-{pulumi.get_stack()}-{name}-flow-logs", opts=child)
        group = aws.cloudwatch.LogGroup(
            f"{name}-flow-logs",
            name=group_name,
            retention_in_days=args.flow_log_retention_days,
            kms_key_id=key.arn,
            opts=child,
        )
        role = aws.iam.Role(
            f"{name}-flow-logs",
            assume_role_policy=pulumi.Output.all(account, region, partition.partition).apply(
                lambda v: confined_assume_role_policy(
                    "vpc-flow-logs.amazonaws.com", v[0], f"arn:{v[2]}:ec2:{v[1]}:{v[0]}:vpc-flow-log/*")),
            opts=child,
        )
        policy = aws.iam.RolePolicy(
            f"{name}-flow-logs",
            role=role.id,
            policy=group.arn.apply(
                lambda arn: json.dumps(
                    {
                        "Version": "2012-10-17",
                        "Statement": [
                            {
                                "Effect": "Allow",
                                "Action": [
                                    "logs:CreateLogStream",
                                    "logs:PutLogEvents",
                                    "logs:DescribeLogGroups",
                                    "logs:DescribeLogStreams",
                                ],
                                "Resource": [arn, f"{arn}:*"],
                            }
                        ],
                    }
                )
            ),
            opts=child,
        )
        aws.ec2.FlowLog(
            f"{name}-flow-logs",
            vpc_id=vpc.id,
            traffic_type="ALL",
            log_destination_type="cloud-watch-logs",
            log_destination=group.arn,
            # A flow log created before its role may write stays in "Access error" until it is
            # recreated: it takes the role once the policy is attached.
            iam_role_arn=granted(role, policy),
            max_aggregation_interval=60,
            opts=child,
        )
