"""The policy pack's contents: every policy object, in one list, without starting anything.

``policies/__main__.py`` hands :data:`POLICIES` to ``PolicyPack`` (which starts the
analyzer's gRPC server and blocks); ``webstack check`` and the tests import the same list.
"""

from __future__ import annotations

from pulumi_policy import Policy

from pulumi_webstack_policies import containers, hardening, runtime_proof, security_headers, transport_security

PACK_NAME = "webstack-security"
DISPLAY_NAME = "pulumi-webstack security headers, TLS and hardening"
DESCRIPTION = (
    "Security headers on CloudFront, Vercel and Kubernetes Ingress; TLS on every hop (CloudFront, load "
    "balancers, RDS, ElastiCache, S3, SNS, Ingress); encryption at rest with KMS, private databases, "
    "deletion protection, backups, WAF, access logs, restricted pods and ECS tasks; synthetic canaries and "
    "recovery drills that prove the running stack."
)
TAGS = ["security-headers", "tls", "hardening", "runtime-proof", "aws", "kubernetes", "vercel", "ecs"]

POLICIES: list[Policy] = [
    *security_headers.POLICIES,
    *transport_security.POLICIES,
    *hardening.POLICIES,
    *containers.POLICIES,
    *runtime_proof.POLICIES,
]

BY_NAME: dict[str, Policy] = {p.name: p for p in POLICIES}
if len(BY_NAME) != len(POLICIES):  # pragma: no cover - a programming error caught at import
    raise RuntimeError("policy names must be unique within the pack")
