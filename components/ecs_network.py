"""The network side of ``EcsApp``: who may talk to the load balancer and the tasks, and how
tasks in private subnets reach the AWS APIs they need. Helpers of ``EcsApp`` (its resources
are the app's children), not a component of their own.

**The load balancer admits CloudFront only**: its group admits HTTPS from CloudFront's
origin-facing prefix list and nothing else, and may only connect to the tasks on the
container port. **The tasks carry the stack's app group** (the one the database and cache
admit): the app group admits the load balancer on the container port and lets the tasks out
to the VPC endpoints on 443 (and to the S3 gateway endpoint's prefix list for image layers);
its rules to the database and cache are the Network's.

**Private subnets, no internet: VPC endpoints, not NAT gateways.** Fargate (platform 1.4+)
pulls the image, fetches the secrets and ships the logs through the task's own network
interface, so the private subnets need a way to ECR (``ecr.api``, ``ecr.dkr``, and S3 for
the layers), Secrets Manager and CloudWatch Logs. Chosen over NAT gateways:

* cost: an interface endpoint is $0.01 per AZ-hour and $0.01/GB; a NAT gateway $0.045 per
  hour, $0.045/GB and a public IPv4 address ($0.005/h). Four endpoints in three zones cost
  $87.60 a month against $109.50 for a NAT gateway in each zone, and image pulls (hundreds
  of MB per task start) cost a quarter as much per GB; one zone of endpoints (dev,
  ``endpoint_zones=1``) costs $29.20 against $36.50 for one NAT gateway;
* availability: endpoints are zonal and served by AWS per zone (a zone's tasks use their
  zone's interface, private DNS answers per zone); one NAT gateway is a single-zone
  dependency, and one per zone is the most expensive option;
* security: the tasks have no route to the internet at all, only to these services.

The tasks never call KMS themselves: Secrets Manager decrypts the secrets (the roles may use
the keys only ``kms:ViaService`` Secrets Manager) and CloudWatch Logs encrypts the log group,
so no KMS endpoint is needed. An app that calls third-party APIs needs a NAT gateway of its
own (not built here).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Optional

import pulumi
import pulumi_aws as aws

from pulumi_webstack import port_rules

INTERFACE_ENDPOINTS = ("ecr.api", "ecr.dkr", "logs", "secretsmanager")
"""AWS services the tasks reach through interface endpoints (private DNS on)."""


@dataclass(frozen=True)
class Network:
    """The groups ``EcsApp`` built."""

    load_balancer_group_id: pulumi.Output[str]
    endpoint_group_id: Optional[pulumi.Output[str]]
    task_paths: tuple[pulumi.Resource, ...]
    """The endpoints and rules a task needs to start and pass its health checks: ECR, Secrets
    Manager and CloudWatch Logs through the endpoints, the load balancer in and out."""


def ecr_layer_bucket_policy(region: str, partition: str = "aws") -> str:
    """S3 gateway endpoint policy: only reads of ECR's layer bucket in ``region`` (Amazon ECR
    user guide, "Minimum Amazon S3 bucket permissions for Amazon ECR")."""
    return json.dumps({"Version": "2012-10-17", "Statement": [{
        "Sid": "EcrImageLayers", "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
        "Resource": f"arn:{partition}:s3:::prod-{region}-starport-layer-bucket/*"}]})


def endpoint_subnets(subnet_ids: list[str], zones: Optional[int]) -> list[str]:
    """The subnets (one per zone, in the Network's order) the interface endpoints go in."""
    return list(subnet_ids) if zones is None else list(subnet_ids)[:zones]


def build(name: str, args: Any, region: pulumi.Output[str], opts: pulumi.ResourceOptions) -> Network:
    """The load balancer's group, the tasks' rules on the app group and the endpoints."""
    app = args.app_security_group_id
    balancer = port_rules.cloudfront_only_group(f"{name}-load-balancer", args.vpc_id,
                                                f"Load balancer of {args.origin_domain}: HTTPS from CloudFront only", opts)
    paths: list[pulumi.Resource] = [
        port_rules.egress(f"{name}-load-balancer-to-tasks", balancer.id, args.port,
                          "to the app tasks (traffic and health checks)", opts, referenced_security_group_id=app),
        port_rules.ingress(f"{name}-tasks-from-load-balancer", app, args.port, "app port from the load balancer",
                           opts, referenced_security_group_id=balancer.id),
    ]
    endpoints = _endpoints(name, args, region, opts, paths) if args.vpc_endpoints else None
    return Network(balancer.id, endpoints, tuple(paths))


def _endpoints(name: str, args: Any, region: pulumi.Output[str], opts: pulumi.ResourceOptions,
               paths: list[pulumi.Resource]) -> pulumi.Output[str]:
    """Interface endpoints of ``INTERFACE_ENDPOINTS`` and the S3 gateway endpoint, and the
    app group's way out to them (HTTPS only); adds each of them to ``paths``."""
    app = args.app_security_group_id
    group = aws.ec2.SecurityGroup(
        f"{name}-endpoints",
        vpc_id=args.vpc_id,
        description="VPC endpoints of the app tasks: HTTPS from the app group only",
        tags={"Name": f"{name}-endpoints"},
        opts=opts,
    )
    paths.append(port_rules.ingress(f"{name}-endpoints-from-tasks", group.id, 443, "HTTPS from the app tasks", opts,
                                    referenced_security_group_id=app))
    paths.append(port_rules.egress(f"{name}-tasks-to-endpoints", app, 443, "to the VPC endpoints (ECR, logs, secrets)",
                                   opts, referenced_security_group_id=group.id))
    subnets = pulumi.Output.from_input(args.subnet_ids).apply(lambda ids: endpoint_subnets(ids, args.endpoint_zones))
    for service in INTERFACE_ENDPOINTS:
        paths.append(aws.ec2.VpcEndpoint(
            f"{name}-{service.replace('.', '-')}",
            vpc_id=args.vpc_id,
            service_name=pulumi.Output.concat("com.amazonaws.", region, ".", service),
            vpc_endpoint_type="Interface",
            private_dns_enabled=True,
            subnet_ids=subnets,
            security_group_ids=[group.id],
            tags={"Name": f"{name}-{service}"},
            opts=opts,
        ))
    partition = aws.get_partition_output(opts=pulumi.InvokeOptions(parent=opts.parent)).partition
    s3 = aws.ec2.VpcEndpoint(
        f"{name}-s3",
        vpc_id=args.vpc_id,
        service_name=pulumi.Output.concat("com.amazonaws.", region, ".s3"),
        vpc_endpoint_type="Gateway",
        route_table_ids=args.route_table_ids,
        policy=pulumi.Output.all(region, partition).apply(lambda v: ecr_layer_bucket_policy(*v)),
        tags={"Name": f"{name}-s3"},
        opts=opts,
    )
    paths += [s3, port_rules.egress(f"{name}-tasks-to-s3", app, 443, "to S3 through the gateway endpoint (image layers)",
                                    opts, prefix_list_id=s3.prefix_list_id)]
    return group.id
