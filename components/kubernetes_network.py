"""The network side of ``KubernetesApp``: who may talk to the app's pods and whom they may
talk to, in the cluster (NetworkPolicy) and in the VPC (security groups). Helpers of
``KubernetesApp`` (its resources are the app's children), not a component of their own.

**Pods carry the app security group** (``app_security_group_id``, the stack's ``app``
group, the only source the database and cache groups admit) through a
``SecurityGroupPolicy`` of the EKS VPC CNI ("security groups for pods"). Chosen over
admitting the cluster's node group because then only the app's pods reach the data tier,
not every pod on those nodes. The cluster needs (docs.aws.amazon.com/eks/latest/userguide/
security-groups-for-pods.html): EKS with the Amazon VPC CNI, ``ENABLE_POD_ENI=true`` on the
``aws-node`` DaemonSet and ``DISABLE_TCP_EARLY_DEMUX=true`` on its ``aws-vpc-cni-init``
container (the kubelet's TCP/HTTP probes to a branch interface time out without it: the pods
would never become Ready), the ``AmazonEKSVPCResourceController`` policy on the cluster role,
Linux nodes of a Nitro instance type with trunk interfaces (most m, c and r generations; no
t type). Not on EKS Fargate: a Fargate pod with a policy must also carry the cluster security
group to reach the control plane (AWS re:Post, "eks-configure-fargate-pod-security-group"),
and this policy names the app group alone. A pod with such a policy carries only
the groups it names, so the app group here also gets what the pod needs besides the data
tier: the app port from the cluster security group (kubelet probes, the ingress
controller), DNS to CoreDNS behind the cluster security group (which admits it back), and
HTTPS out (Secrets Manager, STS for IRSA).

**The Ingress is reachable from CloudFront only**: an ``origin`` security group admits
HTTPS from CloudFront's origin-facing prefix list (``com.amazonaws.global.cloudfront.
origin-facing``) and nothing else; the ingress controller's load balancer carries it
(``ingress_service_annotations``: the AWS Load Balancer Controller's annotations for the
controller's Service). The prefix list counts as 55 rules against the group's quota of 60.
"""

from __future__ import annotations

from typing import Any, Callable

import pulumi
import pulumi_aws as aws
import pulumi_kubernetes as k8s

from pulumi_webstack import port_rules

DNS_PROTOCOLS = ("udp", "tcp")


def network_policy(name: str, args: Any, meta: Callable[..., dict[str, Any]], selector: dict[str, str],
                   opts: pulumi.ResourceOptions) -> k8s.networking.v1.NetworkPolicy:
    """Ingress from the ingress controller's namespace only; egress to DNS, the data tier's
    networks on its ports, and HTTPS."""
    egress: list[dict[str, Any]] = [
        {
            "to": [{"namespace_selector": {"match_labels": {"kubernetes.io/metadata.name": "kube-system"}}}],
            "ports": [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}],
        },
        {"ports": [{"protocol": "TCP", "port": 443}]},
    ]
    if args.data_cidrs:
        egress.append({
            "to": [{"ip_block": {"cidr": c}} for c in args.data_cidrs],
            "ports": [{"protocol": "TCP", "port": args.database_port}, {"protocol": "TCP", "port": args.cache_port}],
        })
    return k8s.networking.v1.NetworkPolicy(
        f"{name}-network-policy",
        metadata=meta(args.app_name),
        spec={
            "pod_selector": {"match_labels": selector},
            "policy_types": ["Ingress", "Egress"],
            "ingress": [{
                "from": [{"namespace_selector": {"match_labels": {
                    "kubernetes.io/metadata.name": args.ingress_controller_namespace}}}],
                "ports": [{"protocol": "TCP", "port": args.port}],
            }],
            "egress": egress,
        },
        opts=opts,
    )


def pod_security_group(name: str, args: Any, meta: Callable[..., dict[str, Any]], selector: dict[str, str],
                       opts: pulumi.ResourceOptions) -> k8s.apiextensions.CustomResource:
    """The app's pods carry ``args.app_security_group_id``, with the rules a pod needs besides
    the data tier (see the module docstring)."""
    app, cluster = args.app_security_group_id, args.cluster_security_group_id
    policy = k8s.apiextensions.CustomResource(
        f"{name}-security-group-policy",
        api_version="vpcresources.k8s.aws/v1beta1",
        kind="SecurityGroupPolicy",
        metadata=meta(args.app_name),
        spec={"podSelector": {"matchLabels": selector}, "securityGroups": {"groupIds": [app]}},
        opts=opts,
    )
    port_rules.ingress(f"{name}-pods-from-cluster", app, args.port,
                       "app port from the cluster security group (kubelet probes, ingress controller)", opts,
                       referenced_security_group_id=cluster)
    for protocol in DNS_PROTOCOLS:
        port_rules.egress(f"{name}-pods-dns-{protocol}", app, 53, "DNS to CoreDNS (cluster security group)", opts,
                          protocol=protocol, referenced_security_group_id=cluster)
        port_rules.ingress(f"{name}-cluster-dns-{protocol}-from-pods", cluster, 53,
                           "DNS from the app pods (they carry only the app security group)", opts,
                           protocol=protocol, referenced_security_group_id=app)
    port_rules.egress(f"{name}-pods-https", app, 443, "HTTPS out: Secrets Manager, STS (IRSA)", opts,
                      cidr_ipv4="0.0.0.0/0")
    return policy


def origin_security_group(name: str, args: Any, opts: pulumi.ResourceOptions) -> aws.ec2.SecurityGroup:
    """Security group for the ingress controller's load balancer: HTTPS from CloudFront only."""
    group = port_rules.cloudfront_only_group(f"{name}-origin", args.cluster_vpc_id,
                                             f"Load balancer of {args.origin_domain}: HTTPS from CloudFront only", opts)
    port_rules.egress(f"{name}-origin-to-cluster", group.id, (0, 65535),
                      "to the ingress controller (node ports or pod IPs) and its health checks", opts,
                      referenced_security_group_id=args.cluster_security_group_id)
    return group


def ingress_service_annotations(group_id: pulumi.Input[str]) -> dict[str, pulumi.Input[str]]:
    """Annotations of the ingress controller's Service (AWS Load Balancer Controller 2.6+)
    putting its Network Load Balancer behind ``group_id``."""
    return {
        "service.beta.kubernetes.io/aws-load-balancer-type": "external",
        "service.beta.kubernetes.io/aws-load-balancer-scheme": "internet-facing",
        "service.beta.kubernetes.io/aws-load-balancer-security-groups": group_id,
        "service.beta.kubernetes.io/aws-load-balancer-manage-backend-security-group-rules": "true",
    }

