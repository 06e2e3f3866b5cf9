"""Vercel Secure Compute for ``VercelApp``: a private network for the project's functions,
peered with the data tier's VPC. Helpers of ``VercelApp`` (its resources are the app's
children), not a component of their own.

Secure Compute needs a Vercel **Enterprise** team. What it takes, and who does it:

==========================================  ==========================================  ========
piece                                       how                                         who
==========================================  ==========================================  ========
Secure Compute network (``vercel.Network``)  in the Vercel region nearest the AWS region  Pulumi
project attached to the network             project settings (no resource in            Vercel
                                            pulumiverse-vercel 5.21)
VPC peering request, network -> VPC         Secure Compute settings (Vercel initiates)  Vercel
peering accepted                            ``VpcPeeringConnectionAccepter``            Pulumi
routes to the network's CIDR                one per route table of the data subnets     Pulumi
data groups admit the network's CIDR        exactly the database and cache ports        Pulumi
reader zone resolvable from the network     ``VpcAssociationAuthorization`` here, then  Pulumi,
                                            the association through Vercel's API        Vercel
==========================================  ==========================================  ========

The Vercel side of the peering routes the VPC's range itself once the peering is active;
on the AWS side every route table of the data subnets needs the way back. ``steps`` is the
exact list of what the user does in Vercel, with the ids filled in; the stack exports it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional

import pulumi
import pulumi_aws as aws
import pulumiverse_vercel as vercel

from pulumi_webstack import port_rules

VERCEL_REGIONS: dict[str, str] = {
    "arn1": "eu-north-1", "bom1": "ap-south-1", "cdg1": "eu-west-3", "cle1": "us-east-2", "cpt1": "af-south-1",
    "dub1": "eu-west-1", "dxb1": "me-central-1", "fra1": "eu-central-1", "gru1": "sa-east-1",
    "hkg1": "ap-east-1", "hnd1": "ap-northeast-1", "iad1": "us-east-1", "icn1": "ap-northeast-2",
    "kix1": "ap-northeast-3", "lhr1": "eu-west-2", "pdx1": "us-west-2", "sfo1": "us-west-1",
    "sin1": "ap-southeast-1", "syd1": "ap-southeast-2", "yul1": "ca-central-1",
}
"""Vercel's compute regions and the AWS region each runs in (vercel.com/docs/regions)."""

NEAREST_VERCEL_REGION: dict[str, str] = {
    **{aws_region: region for region, aws_region in VERCEL_REGIONS.items()},
    # No Vercel region there: the nearest one by distance.
    "ap-east-2": "hkg1", "ap-south-2": "bom1", "ap-southeast-3": "sin1", "ap-southeast-4": "syd1",
    "ap-southeast-5": "sin1", "ap-southeast-6": "syd1", "ap-southeast-7": "sin1", "ca-west-1": "pdx1",
    "eu-central-2": "fra1", "eu-south-1": "fra1", "eu-south-2": "cdg1", "il-central-1": "dxb1",
    "me-south-1": "dxb1", "mx-central-1": "sfo1",
}
"""AWS region of the data -> the Vercel region functions and the Secure Compute network run in.

One table for both, so functions run next to their data. Only the commercial ``aws``
partition is listed: Vercel runs there, and a VPC peering never crosses partitions (China,
GovCloud, the European Sovereign Cloud and the isolated regions cannot be peered with it)."""

ENTERPRISE_NOTE = "Vercel Secure Compute needs a Vercel Enterprise team"
HOSTED_ZONES_API = "https://api.vercel.com/v1/connect/configurations/{network}/hosted-zones?teamId={team}"
"""Vercel's API associating a Route 53 private zone with a Secure Compute network (what
terraform-provider-vercel's ``vercel_hosted_zone_association`` calls)."""


def vercel_region(aws_region: str) -> Optional[str]:
    """The Vercel region nearest ``aws_region``; None where Vercel cannot reach (other partitions)."""
    return NEAREST_VERCEL_REGION.get(aws_region)


@dataclass
class SecureCompute:
    """What ``connect`` built."""

    network: vercel.Network
    accepter: Optional[aws.ec2.VpcPeeringConnectionAccepter]
    steps: pulumi.Output[str]


def connect(name: str, args: Any, function_region: pulumi.Input[str], region: pulumi.Input[str],
            account: pulumi.Input[str], team: dict[str, Any], opts: pulumi.ResourceOptions) -> SecureCompute:
    """The Secure Compute network of ``args.project_name`` and its way into the data tier.

    ``args`` is a ``VercelAppArgs`` with ``secure_compute_cidr`` set; ``region`` and
    ``account`` are the data tier's; ``opts`` parents everything to the app.
    """
    network = vercel.Network(
        f"{name}-network",
        name=f"{args.project_name}-data",
        cidr=args.secure_compute_cidr,
        region=function_region,
        **team,
        opts=opts,
    )
    accepter = None
    if args.peering_connection_id:
        accepter = aws.ec2.VpcPeeringConnectionAccepter(
            f"{name}-peering",
            vpc_peering_connection_id=args.peering_connection_id,
            auto_accept=True,
            tags={"Name": f"{args.project_name}-vercel-secure-compute"},
            opts=opts,
        )
        _routes(name, args, accepter, opts)
    _admit(name, args, opts)
    if args.reader_zone_id is not None:
        # The network's VPC is in Vercel's account: this authorizes it; Vercel associates.
        aws.route53.VpcAssociationAuthorization(
            f"{name}-reader-zone",
            zone_id=args.reader_zone_id,
            vpc_id=network.vpc_id,
            vpc_region=network.aws_region,
            opts=opts,
        )
    return SecureCompute(network, accepter, _steps(args, network, region, account))


def _routes(name: str, args: Any, accepter: aws.ec2.VpcPeeringConnectionAccepter,
            opts: pulumi.ResourceOptions) -> None:
    """The way back: every route table of the data subnets sends the network's range to the peering."""
    for index, table in enumerate(args.route_table_ids):
        aws.ec2.Route(
            f"{name}-route-{index}",
            route_table_id=table,
            destination_cidr_block=args.secure_compute_cidr,
            vpc_peering_connection_id=accepter.id,
            opts=opts,
        )


def _admit(name: str, args: Any, opts: pulumi.ResourceOptions) -> None:
    """The database and cache groups admit the network's range, each on its one port."""
    for label, group, port in (("database", args.database_security_group_id, args.database_port),
                               ("cache", args.cache_security_group_id, args.cache_port)):
        if group is None:
            continue
        port_rules.ingress(f"{name}-{label}-from-vercel", group, port,
                           f"{label} port from the Vercel Secure Compute network of {args.project_name}", opts,
                           cidr_ipv4=args.secure_compute_cidr)


def _steps(args: Any, network: vercel.Network, region: pulumi.Input[str],
           account: pulumi.Input[str]) -> pulumi.Output[str]:
    return pulumi.Output.all(network.id, network.name, network.vpc_id, args.vpc_id, region, account,
                             args.reader_zone_id).apply(lambda v: steps(args, *v))


def steps(args: Any, network_id: str, network_name: str, network_vpc: str, vpc_id: str, region: str,
          account: str, reader_zone_id: Optional[str]) -> str:
    """What the user does in Vercel, in order, with the ids filled in."""
    team = args.team_id or "<your team id>"
    environments = " and ".join(args.data_targets)
    lines = [
        f"{ENTERPRISE_NOTE}. In Vercel, for project {args.project_name} (team {team}):",
        f"1. Attach the project to Secure Compute network {network_name} ({network_id}): Project -> Settings -> "
        f"Secure Compute -> network {network_name}, environment(s) {environments}.",
    ]
    if args.peering_connection_id:
        lines.append(f"2. Done: VPC peering {args.peering_connection_id} from {network_name} to {vpc_id} is accepted "
                     f"and routed by this stack.")
    else:
        lines.append(
            f"2. Request the VPC peering: Team Settings -> Secure Compute -> {network_name} -> Peering -> AWS account "
            f"{account}, region {region}, VPC {vpc_id}. Copy its id (pcx-...) into peering_connection_id and update "
            "the stack: it accepts the peering and routes the network's range back. Until then the project cannot "
            "reach the database or the cache.")
    if reader_zone_id:
        lines.append(
            f"3. Let the network resolve the reader name: this stack authorized {network_vpc} for private zone "
            f"{reader_zone_id}; complete the association once: curl -X POST "
            f"\"{HOSTED_ZONES_API.format(network=network_id, team=team)}\" -H \"Authorization: Bearer $VERCEL_API_TOKEN\" "
            f"-H \"Content-Type: application/json\" -d '{{\"hostedZoneId\": \"{reader_zone_id}\"}}'")
    lines.append(f"{len(lines)}. Verify from AWS: VPC Reachability Analyzer, source the peering connection, destination "
                 "the database's or cache's network interface, protocol TCP, the database or cache port.")
    return "\n".join(lines)
