"""pulumi-webstack: reusable Pulumi components for a production web application on AWS.

This package is the one public API. Every component, its Args class and the types the
Args use are importable from here::

    from pulumi_webstack import Database, DatabaseArgs, Network, NetworkArgs

    network = Network("net", NetworkArgs(cidr="10.42.0.0/16", az_count=3))
    db = Database("db", DatabaseArgs(subnet_ids=network.subnet_ids, vpc_id=network.vpc_id,
                                     security_group_id=network.database_security_group_id,
                                     availability_zones=network.availability_zones))

=====================  ===============================  ========================================
component              Args                             type token
=====================  ===============================  ========================================
``Network``            ``NetworkArgs``                  ``webstack:index:Network``
``Database``           ``DatabaseArgs``                 ``webstack:index:Database``
``Cache``              ``CacheArgs``                    ``webstack:index:Cache``
``Cdn``                ``CdnArgs``                      ``webstack:index:Cdn``
``VercelApp``          ``VercelAppArgs``                ``webstack:index:VercelApp``
``KubernetesApp``      ``KubernetesAppArgs``            ``webstack:index:KubernetesApp``
``EcsApp``             ``EcsAppArgs``                   ``webstack:index:EcsApp``
``Backups``            ``BackupsArgs``                  ``webstack:index:Backups``
``Alerting``           ``AlertingArgs``                 ``webstack:index:Alerting``
``Canaries``           ``CanariesArgs``                 ``webstack:index:Canaries``
``Drills``             ``DrillsArgs``                   ``webstack:index:Drills``
=====================  ===============================  ========================================

Shared types: ``SecurityHeaders`` (the response headers of ``Cdn``, ``VercelApp``,
``KubernetesApp`` and what ``Canaries`` expect), ``Thresholds`` (when ``Alerting``'s alarms
fire), ``Objectives`` (``Alerting``'s service level objectives and error budgets),
``CacheEngine`` (redis / valkey, for ``CacheArgs.engine``) and ``ArgsError``, raised by
every Args class before anything is registered (``database.replicas = 9: must be between 0
and 5``).

Every component takes ``(name, args, opts=None)``, registers as ``webstack:index:<Class>``,
parents all of its resources to itself, honours the caller's ``opts`` (``providers``,
``protect``, ``aliases``, ``transforms``) and registers all of its outputs, each a
documented ``pulumi.Output`` attribute.

Names resolve on first use (PEP 562), so ``import pulumi_webstack`` and ``from pulumi_webstack.database
import Database`` load only what they need: the Kubernetes and Vercel SDKs are imported by
the components that use them, not by this package. The modules (``pulumi_webstack.database``,
...) stay importable as before.
"""

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.2.0"
"""The release (semantic versioning). The one place it is written: ``pyproject.toml`` reads
it for the distribution, ``components/__main__.py`` for the component package's schema."""

_EXPORTS: dict[str, str] = {
    "Network": "network",
    "NetworkArgs": "network",
    "Database": "database",
    "DatabaseArgs": "database",
    "Cache": "cache",
    "CacheArgs": "cache",
    "CacheEngine": "cache",
    "Cdn": "cdn",
    "CdnArgs": "cdn",
    "VercelApp": "vercel_app",
    "VercelAppArgs": "vercel_app",
    "KubernetesApp": "kubernetes_app",
    "KubernetesAppArgs": "kubernetes_app",
    "EcsApp": "ecs_app",
    "EcsAppArgs": "ecs_app",
    "Backups": "backups",
    "BackupsArgs": "backups",
    "Alerting": "alerting",
    "AlertingArgs": "alerting",
    "Canaries": "canaries",
    "CanariesArgs": "canaries",
    "Drills": "drills",
    "DrillsArgs": "drills",
    "Objectives": "slo",
    "SecurityHeaders": "headers",
    "Thresholds": "alarms",
    "ArgsError": "errors",
}
"""Public name -> the module (under ``components``) that defines it."""

__all__ = list(_EXPORTS)

if TYPE_CHECKING:  # what type checkers and IDEs see; at run time names load lazily
    from pulumi_webstack.alerting import Alerting, AlertingArgs
    from pulumi_webstack.backups import Backups, BackupsArgs
    from pulumi_webstack.cache import Cache, CacheArgs, CacheEngine
    from pulumi_webstack.canaries import Canaries, CanariesArgs
    from pulumi_webstack.cdn import Cdn, CdnArgs
    from pulumi_webstack.database import Database, DatabaseArgs
    from pulumi_webstack.ecs_app import EcsApp, EcsAppArgs
    from pulumi_webstack.drills import Drills, DrillsArgs
    from pulumi_webstack.errors import ArgsError
    from pulumi_webstack.headers import SecurityHeaders
    from pulumi_webstack.kubernetes_app import KubernetesApp, KubernetesAppArgs
    from pulumi_webstack.network import Network, NetworkArgs
    from pulumi_webstack.slo import Objectives
    from pulumi_webstack.alarms import Thresholds
    from pulumi_webstack.vercel_app import VercelApp, VercelAppArgs


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
