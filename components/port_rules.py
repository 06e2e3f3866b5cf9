"""Security group rules on one port (or one range), the one shape every component writes:
``ingress`` and ``egress`` each register one ``aws.vpc`` rule resource (one rule per
resource, so changing one never rewrites the others). Helpers, not a component."""

from __future__ import annotations

from typing import Any, Union

import pulumi
import pulumi_aws as aws

CLOUDFRONT_ORIGIN_FACING = "com.amazonaws.global.cloudfront.origin-facing"
"""AWS-managed prefix list of the addresses CloudFront connects to origins from (it weighs 55
of a security group's 60 rules: one rule per group can reference it)."""

Port = Union[int, tuple[int, int]]
"""A port, or ``(first, last)`` of a range."""


def ingress(name: str, group: pulumi.Input[str], port: Port, description: str, opts: pulumi.ResourceOptions,
            protocol: str = "tcp", **peer: Any) -> aws.vpc.SecurityGroupIngressRule:
    """``group`` admits ``peer`` (``referenced_security_group_id=``, ``cidr_ipv4=`` or
    ``prefix_list_id=``) on ``port``."""
    low, high = port if isinstance(port, tuple) else (port, port)
    return aws.vpc.SecurityGroupIngressRule(name, security_group_id=group, ip_protocol=protocol, from_port=low,
                                            to_port=high, description=description, **peer, opts=opts)


def egress(name: str, group: pulumi.Input[str], port: Port, description: str, opts: pulumi.ResourceOptions,
           protocol: str = "tcp", **peer: Any) -> aws.vpc.SecurityGroupEgressRule:
    """``group`` lets connections out to ``peer`` on ``port``."""
    low, high = port if isinstance(port, tuple) else (port, port)
    return aws.vpc.SecurityGroupEgressRule(name, security_group_id=group, ip_protocol=protocol, from_port=low,
                                           to_port=high, description=description, **peer, opts=opts)


def cloudfront_only_group(resource_name: str, vpc_id: pulumi.Input[str], description: str,
                          opts: pulumi.ResourceOptions) -> aws.ec2.SecurityGroup:
    """A security group admitting HTTPS from CloudFront's origin-facing servers and nothing
    else (its way out is the caller's: the group of the load balancer's targets)."""
    cloudfront = aws.ec2.get_managed_prefix_list_output(name=CLOUDFRONT_ORIGIN_FACING,
                                                        opts=pulumi.InvokeOptions(parent=opts.parent))
    group = aws.ec2.SecurityGroup(resource_name, vpc_id=vpc_id, description=description,
                                  tags={"Name": resource_name}, opts=opts)
    ingress(f"{resource_name}-from-cloudfront", group.id, 443, "HTTPS from the CloudFront origin-facing servers", opts,
            prefix_list_id=cloudfront.id)
    return group
