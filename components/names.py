"""Names: physical names derived from project, stack and component name, and the shapes
of the names a user passes (host names, regions, email addresses). Helpers, not components."""

import hashlib
import ipaddress
import re
from typing import Any, Optional

from pulumi_aws import Region as _Region

SCOPED_ID_40 = r"(?=.{2,40}$)[a-z](?:[a-z0-9]|-(?!-))*[a-z0-9]"
"""What ``stack_scoped_id`` gives with its default limit: lower-case letters, digits and single
hyphens, starting with a letter, at most 40 characters (RDS identifiers, ElastiCache ids)."""

HOSTNAME = re.compile(r"^(?=.{1,253}$)(?!-)[a-z0-9-]{1,63}(?<!-)(\.(?!-)[a-z0-9-]{1,63}(?<!-))+$")
"""A lower-case DNS name with at least two labels (no scheme, port or path)."""
AWS_REGIONS: tuple[str, ...] = tuple(sorted(r.value for r in _Region))
"""Every AWS region the AWS provider knows (its ``Region`` enum), the one list of regions."""
REGION_WORDS = "must be an AWS region such as eu-west-1 (lower case, as the AWS provider lists them)"

AVAILABILITY_ZONES: dict[str, int] = {
    "us-east-1": 6, "us-east-2": 3, "us-west-1": 2, "us-west-2": 4,
    "af-south-1": 3, "ap-east-1": 3, "ap-east-2": 3, "ap-south-1": 3, "ap-south-2": 3,
    "ap-southeast-1": 3, "ap-southeast-2": 3, "ap-southeast-3": 3, "ap-southeast-4": 3, "ap-southeast-5": 3,
    "ap-southeast-6": 3, "ap-southeast-7": 3, "ap-northeast-1": 3, "ap-northeast-2": 4, "ap-northeast-3": 3,
    "ca-central-1": 3, "ca-west-1": 3, "eu-central-1": 3, "eu-central-2": 3, "eu-west-1": 3, "eu-west-2": 3,
    "eu-west-3": 3, "eu-south-1": 3, "eu-south-2": 3, "eu-north-1": 3, "il-central-1": 3, "me-south-1": 3,
    "me-central-1": 3, "mx-central-1": 3, "sa-east-1": 3, "cn-north-1": 3, "cn-northwest-1": 3,
    "us-gov-west-1": 3, "us-gov-east-1": 3, "eusc-de-east-1": 3,
}
"""Availability zones a new account can use per region (AWS Global Infrastructure, as of
2026-11; us-west-1 and ap-northeast-1 have more, closed to new accounts). The isolated
regions are not listed: nothing is checked there."""
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[a-z]{2,}$", re.IGNORECASE)
"""An email address as SNS accepts it for subscriptions."""


def private_range_problem(cidr: Any) -> Optional[str]:
    """What keeps ``cidr`` from being a VPC-sized private range (RFC 1918, /16 to /24), or None."""
    try:
        net = ipaddress.ip_network(cidr, strict=True)
    except (TypeError, ValueError):
        return "must be an IPv4 network in CIDR form, e.g. 10.0.0.0/16"
    if not (net.version == 4 and net.is_private and 16 <= net.prefixlen <= 24):
        return "must be a private (RFC 1918) IPv4 range with a prefix between /16 and /24"
    return None


def stack_scoped_id(project: str, stack: str, name: str, *, fallback: str, limit: int = 40) -> str:
    """``<project>-<stack>-<name>`` as an AWS identifier of at most ``limit`` characters.

    Lower-case letters, digits and single hyphens, starting with a letter (``fallback`` when
    nothing is left). A longer id is cut and ends in 6 hex digits of a hash of the whole
    id, so stacks whose names differ only past the cut still get different ids.
    """
    raw = re.sub(r"[^a-z0-9]+", "-", f"{project}-{stack}-{name}".lower()).strip("-")
    raw = re.sub(r"^[^a-z]+", "", raw) or fallback
    if len(raw) > limit:
        digest = hashlib.sha256(raw.encode()).hexdigest()[:6]
        raw = raw[:limit - 7].rstrip("-") + "-" + digest
    return raw
