"""The shape of a stack file: which component's Args backs each ``webstack:*`` section.

A section's keys are the fields of its component's Args in camelCase, less the fields the
stack program fills itself (``wired``: links to other components' outputs, and values one
section takes from another), plus a few stack-only keys. Nothing here declares a setting:
types, defaults, allowed values and descriptions all come from the Args.

=============  ===============================  =============================================
section        Args                             stack-only keys
=============  ===============================  =============================================
``network``    ``NetworkArgs``
``database``   ``DatabaseArgs``                 ``crossRegionCidr`` (the DR replica's network)
``cache``      ``CacheArgs``
``app``        ``app.vercel``: ``VercelAppArgs``,  ``platform`` (which subsection is used)
               ``app.kubernetes``:
               ``KubernetesAppArgs``,
               ``app.ecs``: ``EcsAppArgs``
``cdn``        ``CdnArgs`` (``headers``:
               ``SecurityHeaders``)
``backups``    ``BackupsArgs``
``alerting``   ``AlertingArgs`` (``thresholds``:
               ``Thresholds``, ``objectives``:
               ``Objectives``)
``canaries``   ``CanariesArgs``
``recovery``   ``DrillsArgs`` (recovery objectives
               and FIS drills)
=============  ===============================  =============================================
"""

from __future__ import annotations

import dataclasses
import importlib
import typing
from dataclasses import dataclass, field
from typing import Any, Mapping


from pulumi_webstack.args import _plain_member, field_types

PROJECT = "webstack"
"""The stack program's config namespace (``webstack:database``)."""

PLATFORMS: dict[str, str] = {
    "vercel": "pulumi_webstack.vercel_app:VercelAppArgs",
    "kubernetes": "pulumi_webstack.kubernetes_app:KubernetesAppArgs",
    "ecs": "pulumi_webstack.ecs_app:EcsAppArgs",
}
"""``webstack:app.platform`` -> the Args of that app tier (imported only when used)."""

_DATA_LINKS = {
    name: "the database and cache this stack builds"
    for name in ("database_host", "database_reader_host", "database_secret_arn", "cache_host", "cache_reader_host",
                 "cache_auth_secret_arn", "secret_kms_key_arns", "database_port", "cache_port", "database_name")
}


@dataclass(frozen=True)
class StackKey:
    """A key of a section that no Args has: the stack program's own."""

    doc: str
    schema: Mapping[str, Any]


@dataclass(frozen=True)
class Section:
    """One ``webstack:<name>`` section."""

    name: str
    args: str
    """``module:Class`` of the Args (for ``app``, set by ``platform``)."""
    wired: Mapping[str, str] = field(default_factory=dict)
    """Args field -> where the stack program takes its value from (no stack-file key)."""
    stack_keys: Mapping[str, StackKey] = field(default_factory=dict)
    """camelCase key -> a stack-only key of this section."""


SECTIONS: dict[str, Section] = {
    "network": Section("network", "pulumi_webstack.network:NetworkArgs", wired={
        "database_port": "webstack:database.port", "cache_port": "webstack:cache.port",
        "public_subnets": "webstack:app.platform (on ecs, for the load balancer)"}),
    "database": Section("database", "pulumi_webstack.database:DatabaseArgs", wired={
        "subnet_ids": "the network", "security_group_id": "the network", "availability_zones": "the network",
        "vpc_id": "the network", "cross_region_subnet_ids": "the network built in crossRegionReplica's region",
        "cross_region_security_group_id": "the network built in crossRegionReplica's region",
    }, stack_keys={"crossRegionCidr": StackKey(
        "CIDR of the private network built in ``crossRegionReplica``'s region for that replica (not peered; "
        "keep it distinct from ``network.cidr`` if you ever peer them).", {"type": "string"})}),
    "cache": Section("cache", "pulumi_webstack.cache:CacheArgs", wired={
        "subnet_ids": "the network", "security_group_id": "the network", "availability_zones": "the network"}),
    "app": Section("app", "", wired={
        "origin_domain": "webstack:domain (origin.<domain>)", "headers": "webstack:cdn.headers",
        "hosted_zone_id": "webstack:cdn.hostedZoneId", **_DATA_LINKS,
        **{name: "the network" for name in ("data_cidrs", "vpc_id", "route_table_ids", "database_security_group_id",
                                            "cache_security_group_id", "app_security_group_id", "subnet_ids",
                                            "public_subnet_ids")},
        "reader_zone_id": "the database",
    }, stack_keys={"platform": StackKey(
        "Where the app runs: ``vercel``, ``kubernetes`` or ``ecs``. Its settings are the subsection of that name; "
        "the other platforms' subsections may stay in the file, unused.",
        {"enum": list(PLATFORMS)}), "awaitPeering": StackKey(
        "First deploy of a prod stack on Vercel only: plan without ``vercel.peeringConnectionId``, so the Secure "
        "Compute network and the VPC exist for Vercel to request the peering from (see the "
        "``vercelSecureComputeSteps`` output). Until the peering is set, the app cannot reach the data tier.",
        {"type": "boolean"})}),
    "cdn": Section("cdn", "pulumi_webstack.cdn:CdnArgs", wired={
        "domain": "webstack:domain", "origin_domain": "webstack:domain (origin.<domain>)",
        "origin_headers": "the app tier (its origin secret)"}),
    "backups": Section("backups", "pulumi_webstack.backups:BackupsArgs", wired={
        "resource_arns": "the database", "continuous_retention_days": "webstack:database.backupRetentionDays",
        "restore_subnet_group_name": "the database (its DB subnet group)",
        "restore_security_group_ids": "the database (its security group)"}),
    "alerting": Section("alerting", "pulumi_webstack.alerting:AlertingArgs", wired={
        "pager_webhook_url": "webstack:pagerWebhookUrl (a secret)",
        "region": "aws:region", "health_check_url": "webstack:domain and webstack:app.healthPath",
        "database_instance_class": "webstack:database.instanceClass", "app_platform": "webstack:app.platform",
        "database_allocated_storage_gb": "webstack:database.allocatedStorageGb",
        "database_max_allocated_storage_gb": "webstack:database.maxAllocatedStorageGb",
        **{name: "the components this stack builds" for name in (
            "database_identifier", "database_replica_identifiers", "database_cross_region_replica_identifier",
            "database_cross_region_replica_region", "database_max_connections", "database_resource_id", "database_arn",
            "cache_member_clusters", "cache_node_count", "cdn_distribution_id", "certificate_arn",
            "kubernetes_namespace", "kubernetes_deployment_name", "kubernetes_max_replicas", "backup_vault_name",
            "ecs_cluster_name", "ecs_service_name", "ecs_min_tasks", "ecs_load_balancer", "ecs_target_groups")},
    }),
    "canaries": Section("canaries", "pulumi_webstack.canaries:CanariesArgs", wired={
        "domain": "webstack:domain (the CDN's own name until the domain is attached)", "region": "aws:region",
        "legacy_tls_refused": "the CDN (false until the domain is attached)", "health_path": "webstack:app.healthPath",
        "headers": "webstack:cdn.headers", "latency_target_ms": "webstack:alerting.objectives.latencySeconds",
        "alarm_topic_arns": "the alerting topics (critical) of each canary region"}),
    "recovery": Section("recovery", "pulumi_webstack.drills:DrillsArgs", wired={
        "stop_alarm_arns": "the home region's canary alarm and critical alarms",
        "database_instance_arn": "the database primary", "database_multi_az": "webstack:database.multiAz",
        "cache_replication_group_id": "the cache (with webstack:cache.multiAz)",
        "cache_availability_zone": "the network (the cache primary's AZ)",
        "ecs_cluster_name": "the app tier (ECS)", "ecs_service_name": "the app tier (ECS)"}),
}

SECRET_KEYS = ("pagerWebhookUrl", "vercelApiToken")
"""Keys that may only be set with ``pulumi config set --secret`` (stored as ``secure:``)."""

REMOVED_KEYS = {
    "chatWebhookUrl": (
        "no longer used: an SNS HTTPS subscription cannot be confirmed by a Slack or Teams incoming webhook, "
        "which does not parse SNS messages either, so those alerts never arrived. Chat goes through AWS "
        "Chatbot: authorise the workspace once in the AWS console, then set webstack:alerting.slackTeamId "
        "and slackChannelId (or teamsTenantId, teamsTeamId, teamsChannelId); remove this key with "
        "`pulumi config rm webstack:chatWebhookUrl`"),
}
"""Stack-file keys that were removed, and what replaces them."""
TOP_LEVEL_KEYS = ("tier", "domain", *SECTIONS, *SECRET_KEYS)


def load_class(path: str) -> type:
    """The class at ``module:Class``."""
    module, _, name = path.partition(":")
    return getattr(importlib.import_module(module), name)


def args_class(section: str, platform: str = "vercel") -> type:
    """The Args class backing ``section`` (``app``: the platform's)."""
    return load_class(PLATFORMS[platform] if section == "app" else SECTIONS[section].args)


def nested_args(cls: type) -> dict[str, type]:
    """Fields of ``cls`` that are themselves Args (``CdnArgs.headers``: ``SecurityHeaders``)."""
    out = {}
    for name, annotation in field_types(cls).items():
        plain = _plain_member(annotation)
        if dataclasses.is_dataclass(plain) and isinstance(plain, type):
            out[name] = plain
    return out


def settings(section: str, cls: type) -> list[dataclasses.Field]:
    """The fields of ``cls`` a stack file may set in ``section``: all but the wired ones."""
    wired = SECTIONS[section].wired
    return [f for f in dataclasses.fields(cls) if f.name not in wired and not _is_link(field_types(cls)[f.name])]


def _is_link(annotation: Any) -> bool:
    """An annotation holding ``pulumi.Input``: a value from another resource, never config."""
    return "Awaitable" in repr(annotation) or "Output" in repr(annotation)


def camel(name: str) -> str:
    """``backup_retention_days`` -> ``backupRetentionDays`` (the stack file's spelling)."""
    head, *words = name.split("_")
    return head + "".join(word[:1].upper() + word[1:] for word in words)


def snake(key: str) -> str:
    """``backupRetentionDays`` -> ``backup_retention_days``."""
    return "".join("_" + c.lower() if c.isupper() else c for c in key)


def is_list(annotation: Any) -> bool:
    return typing.get_origin(_plain_member(annotation)) is list
