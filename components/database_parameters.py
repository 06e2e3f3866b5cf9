"""The PostgreSQL engine facts of ``Database``: versions RDS offers, the parameter group, and
how ``max_connections`` and the RDS Proxy pool are sized. Pure logic, no resources; the
names are re-exported by ``pulumi_webstack.database``."""

import math
from typing import Optional

from pulumi_webstack.instance_classes import RDS_INSTANCE_CLASSES

ENGINE = "postgres"
POSTGRES_MINORS: dict[int, tuple[int, int]] = {
    13: (20, 23), 14: (18, 23), 15: (13, 18), 16: (9, 14), 17: (5, 10), 18: (1, 4)}
"""Per PostgreSQL major RDS offers (13 in extended support), the oldest and newest minor a
new instance can be created on, as of ``POSTGRES_AS_OF``: the newest are the community's
2026-08 quarterly releases; the oldest follow RDS's notice of 2026-05 (14.14-14.17,
15.9-15.12, 16.5-16.8 and 17.1-17.4 can no longer be created). Give the major alone
(``"17"``) to get the newest minor and automatic minor upgrades."""
POSTGRES_AS_OF = "2026-08"
SUPPORTED_MAJORS = tuple(POSTGRES_MINORS)
ENGINE_VERSIONS = tuple(
    version for major, (oldest, newest) in POSTGRES_MINORS.items()
    for version in (str(major), *(f"{major}.{minor}" for minor in range(oldest, newest + 1))))
"""Every ``engine_version`` the component accepts: a major, or a major.minor RDS offers."""
CA_CERT_IDENTIFIER = "rds-ca-rsa2048-g1"
"""Current RDS server CA (RSA 2048, valid to 2061)."""
LOG_EXPORTS = ["postgresql", "upgrade"]
"""Logs each instance publishes to CloudWatch Logs."""
MONITORING_INTERVALS = (0, 1, 5, 10, 15, 30, 60)
MAX_REPLICAS = 5
MIN_WINDOW_MINUTES = 30
"""RDS refuses a backup or maintenance window shorter than this."""
PERFORMANCE_INSIGHTS_RETENTIONS = (7, *range(31, 714, 31), 731)
"""Days Performance Insights keeps data: 7 (free), whole months (31 to 713) or 731."""
BYTES_PER_CONNECTION = 9531392
"""RDS for PostgreSQL's default: ``max_connections = LEAST({DBInstanceClassMemory/9531392}, 5000)``."""
MAX_CONNECTIONS_CAP = 5000
USABLE_MEMORY_FRACTION = 0.9
"""Share of the class's nominal memory counted as ``DBInstanceClassMemory`` (RDS reserves the rest)."""
PROXY_BUDGET_PERCENT = 80
"""Most of ``max_connections`` the proxy may hold; the rest stays for admin, migrations, monitoring."""
UNPOOLED_BUDGET_PERCENT = 80
"""Without pooling, all app instances' pools together must fit in this share of ``max_connections``."""


def postgres_major(engine_version: str) -> int:
    """Major version of ``"17"`` or ``"17.4"``."""
    return int(engine_version.split(".", 1)[0])


def parameter_group_family(engine_version: str) -> str:
    """RDS parameter group family: ``"17.4"`` -> ``"postgres17"``."""
    return f"{ENGINE}{postgres_major(engine_version)}"


def instance_memory_gib(instance_class: str) -> Optional[float]:
    """Memory of an RDS instance class (``RDS_INSTANCE_CLASSES``), or None for one it does not list."""
    size = RDS_INSTANCE_CLASSES.get(instance_class)
    return size.memory_gib if size else None


def max_connections_for(instance_class: str) -> int:
    """The ``max_connections`` set for ``instance_class``: RDS's default formula on the
    usable part of the class's memory, capped at 5000. ValueError for a class not listed."""
    memory = instance_memory_gib(instance_class)
    if memory is None:
        raise ValueError(f"unknown instance class {instance_class!r}")
    usable = memory * (1 << 30) * USABLE_MEMORY_FRACTION
    return min(MAX_CONNECTIONS_CAP, int(usable // BYTES_PER_CONNECTION))


def connection_demand(connections_per_app_instance: int, app_max_instances: int) -> int:
    """Client connections the app tier may open at its largest."""
    return connections_per_app_instance * app_max_instances


def proxy_pool_percent(max_connections: int, connections_per_app_instance: int, app_max_instances: int) -> int:
    """``max_connections_percent`` of the proxy's target group.

    Enough of ``max_connections`` for the app tier at full scale (the proxy multiplexes, so
    this is an upper bound), at least 10 %, and never more than ``PROXY_BUDGET_PERCENT``.
    """
    demand = connection_demand(connections_per_app_instance, app_max_instances)
    percent = math.ceil(100 * demand / max_connections)
    return max(10, min(PROXY_BUDGET_PERCENT, percent))



def db_parameters(slow_query_ms: int, max_connections: int) -> list[dict[str, str]]:
    """Parameter group entries (the same for every supported major). Dynamic ones apply at
    once; static ones at the next reboot."""
    return [
        {"name": "rds.force_ssl", "value": "1", "apply_method": "immediate"},
        {"name": "log_min_duration_statement", "value": str(slow_query_ms), "apply_method": "immediate"},
        {"name": "log_connections", "value": "1", "apply_method": "immediate"},
        {"name": "log_disconnections", "value": "1", "apply_method": "immediate"},
        {"name": "log_lock_waits", "value": "1", "apply_method": "immediate"},
        {"name": "shared_preload_libraries", "value": "pg_stat_statements", "apply_method": "pending-reboot"},
        {"name": "max_connections", "value": str(max_connections), "apply_method": "pending-reboot"},
    ]
