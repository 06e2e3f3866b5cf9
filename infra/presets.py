"""Environment tiers and the one table of per-tier presets.

Every difference between dev, staging and prod lives in ``PRESETS`` below and nowhere
else. The table is keyed ``"<section>.<Args field>"`` (nested Args by their path:
``"cdn.headers.hsts_preload"``), one column per tier, so it reads like the design
document's tier table and each key is the field of a component's Args that it sets. The
stack program merges a stack file over its tier's column; the components know nothing of
tiers and take explicit values.

An ``app.*`` row applies to whichever platform's Args has that field (``min_instances``
is a Kubernetes and ECS setting; Vercel has none; ``task_cpu`` is ECS's alone).
"""

from __future__ import annotations

import enum
import re
from typing import Any, Optional


class Tier(str, enum.Enum):
    """Environment tier of a stack."""

    DEV = "dev"
    STAGING = "staging"
    PROD = "prod"


DEV, STAGING, PROD = Tier.DEV, Tier.STAGING, Tier.PROD

CANARY_STEPS = [5, 10, 25, 50, 100]
"""Rolling-release weights (percent of traffic) for the prod canary."""

PLACEHOLDER_IMAGE = "ghcr.io/example/webstack-app@sha256:" + "0" * 64
"""Container image dev and staging plan with until a stack sets its own (never deployable to prod)."""

# fmt: off
PRESETS: dict[str, dict[Tier, Any]] = {
    # ------------------------------------------------------------------ network
    "network.cidr":                     {DEV: "10.40.0.0/16", STAGING: "10.41.0.0/16", PROD: "10.42.0.0/16"},
    "network.az_count":                 {DEV: 2,        STAGING: 2,        PROD: 3},
    "network.flow_logs":                {DEV: False,    STAGING: True,     PROD: True},
    "network.flow_log_retention_days":  {DEV: 7,        STAGING: 30,       PROD: 90},
    # ----------------------------------------------------------------- database
    # Engines are pinned here, not left to the Args defaults: a library upgrade that moves a
    # default must never upgrade a stack's database or cache engine by itself.
    "database.engine_version":          {DEV: "17",     STAGING: "17",     PROD: "17"},
    "database.instance_class":          {DEV: "db.t4g.micro", STAGING: "db.t4g.medium", PROD: "db.r7g.large"},
    "database.allocated_storage_gb":    {DEV: 20,       STAGING: 50,       PROD: 100},
    "database.max_allocated_storage_gb": {DEV: 50,      STAGING: 200,      PROD: 1000},
    "database.multi_az":                {DEV: False,    STAGING: False,    PROD: True},
    "database.replicas":                {DEV: 0,        STAGING: 1,        PROD: 2},
    "database.backup_retention_days":   {DEV: 3,        STAGING: 7,        PROD: 30},
    "database.deletion_protection":     {DEV: False,    STAGING: False,    PROD: True},
    "database.skip_final_snapshot":     {DEV: True,     STAGING: False,    PROD: False},
    "database.protect":                 {DEV: False,    STAGING: False,    PROD: True},
    "database.pooling":                 {DEV: False,    STAGING: True,     PROD: True},
    "database.connections_per_app_instance": {DEV: 10,  STAGING: 20,       PROD: 25},
    "database.app_max_instances":       {DEV: 1,        STAGING: 2,        PROD: 20},
    "database.monitoring_interval_seconds": {DEV: 60,   STAGING: 30,       PROD: 15},
    "database.performance_insights_retention_days": {DEV: 7, STAGING: 7,   PROD: 31},
    "database.slow_query_ms":           {DEV: 1000,     STAGING: 500,      PROD: 500},
    "database.log_retention_days":      {DEV: 7,        STAGING: 30,       PROD: 90},
    "database.apply_immediately":       {DEV: True,     STAGING: True,     PROD: False},
    # Prod's RTO of an hour survives losing the region only with a warm standby there:
    # restoring the copied backups takes hours (components/drills.py, RECOVERY_MINUTES).
    "database.cross_region_replica":    {DEV: None,     STAGING: None,     PROD: "us-west-2"},
    "database.cross_region_cidr":       {DEV: "10.140.0.0/16", STAGING: "10.141.0.0/16", PROD: "10.142.0.0/16"},
    # -------------------------------------------------------------------- cache
    "cache.engine":                     {DEV: "redis",  STAGING: "redis",  PROD: "redis"},
    "cache.engine_version":             {DEV: "7.1",    STAGING: "7.1",    PROD: "7.1"},
    "cache.node_type":                  {DEV: "cache.t4g.micro", STAGING: "cache.t4g.small", PROD: "cache.r7g.large"},
    "cache.replicas":                   {DEV: 0,        STAGING: 1,        PROD: 2},
    "cache.automatic_failover":         {DEV: False,    STAGING: True,     PROD: True},
    "cache.multi_az":                   {DEV: False,    STAGING: True,     PROD: True},
    "cache.snapshot_retention_days":    {DEV: 0,        STAGING: 1,        PROD: 7},
    "cache.final_snapshot":             {DEV: False,    STAGING: False,    PROD: True},
    "cache.protect":                    {DEV: False,    STAGING: False,    PROD: True},
    "cache.apply_immediately":          {DEV: True,     STAGING: True,     PROD: False},
    "cache.log_retention_days":         {DEV: 7,        STAGING: 30,       PROD: 90},
    # ---------------------------------------------------------------------- app
    "app.platform":                     {DEV: "vercel", STAGING: "vercel", PROD: "vercel"},
    "app.min_instances":                {DEV: 1,        STAGING: 2,        PROD: 2},
    "app.max_instances":                {DEV: 1,        STAGING: 2,        PROD: 20},
    "app.rollout":                      {DEV: "direct", STAGING: "direct", PROD: "canary"},
    "app.canary_steps":                 {DEV: CANARY_STEPS, STAGING: CANARY_STEPS, PROD: CANARY_STEPS},
    "app.preview_data_access":          {DEV: True,     STAGING: True,     PROD: False},
    "app.image":                        {DEV: PLACEHOLDER_IMAGE, STAGING: PLACEHOLDER_IMAGE, PROD: PLACEHOLDER_IMAGE},
    "app.secure_compute_cidr":          {DEV: "10.240.0.0/20", STAGING: "10.240.16.0/20", PROD: "10.240.32.0/20"},
    "app.task_cpu":                     {DEV: 256,      STAGING: 512,      PROD: 1024},
    "app.task_memory_mib":              {DEV: 512,      STAGING: 1024,     PROD: 2048},
    "app.log_retention_days":           {DEV: 7,        STAGING: 30,       PROD: 90},
    "app.deletion_protection":          {DEV: False,    STAGING: False,    PROD: True},
    "app.access_logs":                  {DEV: False,    STAGING: False,    PROD: True},
    "app.endpoint_zones":               {DEV: 1,        STAGING: None,     PROD: None},
    # ---------------------------------------------------------------------- cdn
    "cdn.price_class":                  {DEV: "PriceClass_100", STAGING: "PriceClass_100", PROD: "PriceClass_All"},
    "cdn.default_ttl_seconds":          {DEV: 0,        STAGING: 3600,     PROD: 86400},
    "cdn.static_ttl_seconds":           {DEV: 300,      STAGING: 3600,     PROD: 31536000},
    "cdn.image_ttl_seconds":            {DEV: 300,      STAGING: 3600,     PROD: 604800},
    "cdn.api_ttl_seconds":              {DEV: 0,        STAGING: 60,       PROD: 300},
    "cdn.waf":                          {DEV: False,    STAGING: True,     PROD: True},
    "cdn.api_rate_limit_per_minute":    {DEV: None,     STAGING: None,     PROD: 50},
    "cdn.headers.hsts_max_age_seconds": {DEV: 31536000, STAGING: 31536000, PROD: 63072000},
    "cdn.headers.hsts_preload":         {DEV: False,    STAGING: False,    PROD: True},
    "cdn.log_retention_days":           {DEV: 14,       STAGING: 90,       PROD: 365},
    # ------------------------------------------------------------------ backups
    "backups.retention_days":           {DEV: 7,        STAGING: 30,       PROD: 30},
    "backups.transition_days":          {DEV: None,     STAGING: 14,       PROD: 7},
    "backups.noncurrent_version_days":  {DEV: 3,        STAGING: 14,       PROD: 30},
    "backups.object_lock_days":         {DEV: None,     STAGING: None,     PROD: 30},
    "backups.continuous":               {DEV: False,    STAGING: True,     PROD: True},
    "backups.copy_region":              {DEV: None,     STAGING: None,     PROD: "us-west-2"},
    "backups.vault_lock":               {DEV: False,    STAGING: False,    PROD: True},
    "backups.restore_testing":          {DEV: False,    STAGING: True,     PROD: True},
    "backups.protect":                  {DEV: False,    STAGING: False,    PROD: True},
    "backups.force_destroy":            {DEV: True,     STAGING: False,    PROD: False},
    # ----------------------------------------------------------------- alerting
    "alerting.thresholds.service_down_minutes":    {DEV: 5,   STAGING: 5,   PROD: 2},
    "alerting.thresholds.error_rate_percent":      {DEV: 20,  STAGING: 10,  PROD: 5},
    "alerting.thresholds.latency_p95_seconds":     {DEV: 10,  STAGING: 5,   PROD: 3},
    "alerting.thresholds.db_cpu_percent":          {DEV: 90,  STAGING: 85,  PROD: 80},
    "alerting.thresholds.db_connections_percent":  {DEV: 95,  STAGING: 90,  PROD: 90},
    "alerting.thresholds.db_replica_lag_seconds":  {DEV: 300, STAGING: 120, PROD: 30},
    "alerting.thresholds.memory_percent":          {DEV: 90,  STAGING: 85,  PROD: 85},
    "alerting.thresholds.cache_cpu_percent":       {DEV: 90,  STAGING: 80,  PROD: 75},
    "alerting.objectives.availability_percent":    {DEV: None, STAGING: 99.9, PROD: 99.99},
    "alerting.objectives.latency_percent":         {DEV: None, STAGING: 95,   PROD: 95},
    "alerting.objectives.latency_seconds":         {DEV: 10,   STAGING: 5,    PROD: 3},
    # ---------------------------------------------------------- runtime proof
    "canaries.schedule_minutes":        {DEV: 60,       STAGING: 15,       PROD: 5},
    "canaries.extra_regions":           {DEV: [],       STAGING: [],       PROD: ["us-east-1"]},
    "canaries.timeout_seconds":         {DEV: 120,      STAGING: 60,       PROD: 60},
    "canaries.artifact_retention_days": {DEV: 3,        STAGING: 7,        PROD: 14},
    "recovery.rpo_minutes":             {DEV: None,     STAGING: None,     PROD: 360},
    "recovery.rto_minutes":             {DEV: None,     STAGING: None,     PROD: 60},
}
# fmt: on

REPLICA_FLOOR: dict[Tier, int] = {DEV: 0, STAGING: 1, PROD: 2}
"""Fewest in-region read replicas a tier may run (the design's tier table)."""
MIN_AZS: dict[Tier, int] = {DEV: 2, STAGING: 2, PROD: 3}
"""Fewest availability zones a tier's new VPC spans."""


def tier_for(stack: str, explicit: Optional[str]) -> Optional[Tier]:
    """The tier: ``explicit`` (``webstack:tier``) if given, else the first word of the stack
    name (``prod``, ``prod-eu`` ...). None when neither names one."""
    if explicit is not None:
        return Tier(explicit) if explicit in {t.value for t in Tier} else None
    head = re.split(r"[-_.]", stack, maxsplit=1)[0]
    return Tier(head) if head in {t.value for t in Tier} else None


def presets_for(tier: Tier | str) -> dict[str, dict[str, Any]]:
    """``{section: {field: value}}`` of the tier's column, nested Args as nested mappings
    (``{"cdn": {"headers": {"hsts_preload": True}}}``). Lists are copies."""
    tier = Tier(tier)
    nested: dict[str, dict[str, Any]] = {}
    for key, row in PRESETS.items():
        section, *path, name = key.split(".")
        node = nested.setdefault(section, {})
        for part in path:
            node = node.setdefault(part, {})
        value = row[tier]
        node[name] = list(value) if isinstance(value, list) else value
    return nested

TIERS_ORDER = (DEV, STAGING, PROD)
"""The tiers in the order the design's tables list them."""
