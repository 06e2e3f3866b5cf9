"""Physical names derived from project, stack and component name: helpers, not components."""

import hashlib
import re

_SCOPED_ID = re.compile(r"^[a-z](?:[a-z0-9]|-(?!-))*[a-z0-9]$")


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
