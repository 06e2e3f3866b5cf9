"""The one table of RDS instance classes and ElastiCache node types the components support.

Each entry gives vCPUs and memory. The Database sizes ``max_connections`` from the memory,
Alerting turns memory percentages into the FreeableMemory threshold, the offline estimate
prices RDS Proxy per vCPU, and Args validation accepts exactly these names, so a typo
(``db.r7g.lage``) or an invented class (``cache.x99.mega``) is refused before deploy
instead of by the AWS API half-way through it.

RDS classes: the families RDS for PostgreSQL offers in current generations (AWS,
"Supported DB engines for DB instance classes" and "DB instance class types"; memory per
vCPU 4 GiB for m, 8 for r, 16 for x2g; the ``d`` variants add local NVMe storage for
Optimized Reads; burstable sizes by name). ElastiCache node types:
AWS, "Supported node types" (memory as ElastiCache reports it, which is less than the
instance's). Both as of ``AS_OF``; a newer class is one line here.
"""

from __future__ import annotations

from dataclasses import dataclass

AS_OF = "2026-11"


@dataclass(frozen=True)
class Size:
    """What one class or node type has."""

    vcpus: int
    memory_gib: float


def _vcpus(size: str) -> int:
    """vCPUs of a size name: micro to large 2, xlarge 4, Nxlarge 4N."""
    if size in ("micro", "small", "medium", "large"):
        return 2
    return 4 * int(size.removesuffix("xlarge") or 1)


_BURSTABLE = {"micro": 1, "small": 2, "medium": 4, "large": 8, "xlarge": 16, "2xlarge": 32}
_UP_TO_16 = ("large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge")
_UP_TO_24 = ("large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge", "24xlarge")
_UP_TO_32 = (*_UP_TO_24, "32xlarge")
_UP_TO_48 = (*_UP_TO_32, "48xlarge")

# family -> (GiB per vCPU, sizes); burstable families by size name.
_RDS_FAMILIES: dict[str, tuple[int, tuple[str, ...]]] = {
    "m5": (4, _UP_TO_24), "m5d": (4, _UP_TO_24), "m6g": (4, _UP_TO_16), "m6gd": (4, _UP_TO_16),
    "m6i": (4, _UP_TO_32), "m6id": (4, _UP_TO_32), "m7g": (4, _UP_TO_16), "m7i": (4, _UP_TO_48), "m8g": (4, _UP_TO_48),
    "r5": (8, _UP_TO_24), "r5d": (8, _UP_TO_24), "r6g": (8, _UP_TO_16), "r6gd": (8, _UP_TO_16),
    "r6i": (8, _UP_TO_32), "r6id": (8, _UP_TO_32), "r7g": (8, _UP_TO_16), "r7i": (8, _UP_TO_48), "r8g": (8, _UP_TO_48),
    "x2g": (16, _UP_TO_16),
}

RDS_INSTANCE_CLASSES: dict[str, Size] = {
    **{f"db.{family}.{size}": Size(_vcpus(size), float(gib))
       for family in ("t3", "t4g") for size, gib in _BURSTABLE.items()},
    **{f"db.{family}.{size}": Size(_vcpus(size), float(per_vcpu * _vcpus(size)))
       for family, (per_vcpu, sizes) in _RDS_FAMILIES.items() for size in sizes},
}
"""RDS for PostgreSQL instance classes: ``db.<family>.<size>`` -> vCPUs and memory."""

_CACHE_BURSTABLE = {"micro": 0.5, "small": 1.37, "medium": 3.09}
_CACHE_M = {"large": 6.38, "xlarge": 12.93, "2xlarge": 26.04, "4xlarge": 52.26, "8xlarge": 103.68,
            "12xlarge": 157.12, "16xlarge": 209.55}
_CACHE_R = {"large": 13.07, "xlarge": 26.32, "2xlarge": 52.82, "4xlarge": 105.81, "8xlarge": 209.55,
            "12xlarge": 317.77, "16xlarge": 419.09}

CACHE_NODE_TYPES: dict[str, Size] = {
    **{f"cache.{family}.{size}": Size(2, gib) for family in ("t3", "t4g") for size, gib in _CACHE_BURSTABLE.items()},
    **{f"cache.{family}.{size}": Size(_vcpus(size), gib) for family in ("m6g", "m7g") for size, gib in _CACHE_M.items()},
    **{f"cache.{family}.{size}": Size(_vcpus(size), gib) for family in ("r6g", "r7g") for size, gib in _CACHE_R.items()},
}
"""ElastiCache (Redis OSS / Valkey) node types: ``cache.<family>.<size>`` -> vCPUs and memory."""


def families(names: dict[str, Size]) -> str:
    """``"db.m5, db.m6g, ..."``: the families of a table, for error messages."""
    return ", ".join(dict.fromkeys(name.rsplit(".", 1)[0] for name in names))
