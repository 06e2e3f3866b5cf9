"""Names: physical names derived from project, stack and component name, and the shapes
of the names a user passes (host names, regions, email addresses). Helpers, not components."""

import hashlib
import re

_SCOPED_ID = re.compile(r"^[a-z](?:[a-z0-9]|-(?!-))*[a-z0-9]$")

HOSTNAME = re.compile(r"^(?=.{1,253}$)(?!-)[a-z0-9-]{1,63}(?<!-)(\.(?!-)[a-z0-9-]{1,63}(?<!-))+$")
"""A lower-case DNS name with at least two labels (no scheme, port or path)."""
REGION = re.compile(r"^[a-z]{2}(-gov)?-[a-z]+-\d$")
"""An AWS region name such as ``eu-west-1``."""
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[a-z]{2,}$", re.IGNORECASE)
"""An email address as SNS accepts it for subscriptions."""


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


def is_scoped_id(value: object, limit: int = 40) -> bool:
    """``value`` has the shape ``stack_scoped_id`` gives: a string of at most ``limit``
    lower-case letters, digits and single hyphens, starting with a letter and ending in a
    letter or digit (what RDS identifiers and ElastiCache group ids accept)."""
    return isinstance(value, str) and len(value) <= limit and _SCOPED_ID.match(value) is not None
