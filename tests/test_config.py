"""Specification of the stack config: tier defaults, overrides, and every error path."""

from __future__ import annotations

import pytest
import yaml

from pulumi_webstack.tiers import TIER_DEFAULTS, Tier, default
from infra.config import ConfigError, StackConfig, parse, tier_for
from pulumi_webstack_cli.engine import ROOT

DOMAIN = {"domain": "app.example.com", "alerting": {"emails": ["oncall@example.com"]}}


def problems(stack: str, raw: dict) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        parse(stack, raw)
    return caught.value.problems


def only_problem(stack: str, raw: dict) -> str:
    found = problems(stack, raw)
    assert len(found) == 1, found
    return found[0]


# ------------------------------------------------------------------ tier resolution


@pytest.mark.parametrize(
    "stack, tier",
    [("dev", Tier.DEV), ("staging", Tier.STAGING), ("prod", Tier.PROD), ("prod-eu", Tier.PROD), ("dev_alice", Tier.DEV)],
)
def test_tier_comes_from_the_stack_name_when_not_set(stack, tier):
    assert tier_for(stack, None) is tier


def test_explicit_tier_wins_over_the_stack_name():
    assert parse("preview-42", {**DOMAIN, "tier": "staging"}).tier is Tier.STAGING


def test_a_stack_name_that_names_no_tier_needs_the_tier_key():
    message = only_problem("qa", DOMAIN)
    assert "webstack:tier" in message and "'qa'" in message and "'prod'" in message


def test_a_bad_tier_value_is_named_with_the_allowed_values():
    message = only_problem("dev", {**DOMAIN, "tier": "production"})
    assert message == "webstack:tier = 'production': must be one of 'dev', 'staging', 'prod'"


# ------------------------------------------------------------------ tier defaults


@pytest.mark.parametrize("tier", list(Tier))
def test_every_unset_setting_comes_from_the_tier_column(tier):
    cfg = parse(tier.value, DOMAIN)
    for key in TIER_DEFAULTS:
        section, setting = key.split(".", 1)
        assert getattr(getattr(cfg, section), setting) == default(key, tier), key


def test_prod_defaults_follow_the_design_table():
    cfg = parse("prod", DOMAIN)
    assert cfg.database.multi_az and cfg.database.deletion_protection and cfg.database.protect
    assert cfg.database.replicas >= 2 and cfg.database.backup_retention_days == 30
    assert cfg.cache.automatic_failover and cfg.cache.multi_az and cfg.cache.snapshot_retention_days > 0
    assert (cfg.app.min_instances, cfg.app.max_instances, cfg.app.cpu_target_percent) == (2, 20, 70)
    assert cfg.app.rollout == "canary" and cfg.app.canary_steps == [5, 10, 25, 50, 100]
    assert cfg.cdn.static_ttl_seconds == 31536000 and cfg.cdn.api_ttl_seconds == 300
    assert cfg.cdn.image_ttl_seconds == 7 * 86400 and cfg.cdn.html_ttl_seconds == 0
    assert cfg.cdn.waf and cfg.cdn.api_rate_limit_per_minute == 50 and cfg.cdn.hsts_preload
    assert cfg.backups.object_lock_days and cfg.backups.copy_region and cfg.backups.continuous
    assert cfg.alerting.error_rate_percent == 5 and cfg.alerting.latency_p95_seconds == 3
    assert cfg.alerting.db_connections_percent == 90 and cfg.alerting.db_free_storage_percent == 10


def test_dev_defaults_are_small_and_unprotected():
    cfg = parse("dev", DOMAIN)
    assert cfg.database.replicas == 0 and not cfg.database.multi_az and not cfg.database.protect
    assert cfg.cache.replicas == 0 and not cfg.cache.automatic_failover
    assert not cfg.cdn.waf and cfg.app.max_instances == 1


def test_a_stack_value_overrides_only_that_setting():
    cfg = parse("prod", {**DOMAIN, "database": {"replicas": 4}})
    assert cfg.database.replicas == 4
    assert cfg.database.multi_az is True  # still the prod default


def test_nested_objects_merge_with_their_defaults():
    cfg = parse("dev", {**DOMAIN, "cdn": {"headers": {"frameOptions": "SAMEORIGIN"}}})
    assert cfg.cdn.headers.frame_options == "SAMEORIGIN"
    assert "frame-ancestors 'none'" in cfg.cdn.headers.content_security_policy


def test_the_table_has_a_value_for_every_tier():
    for key, row in TIER_DEFAULTS.items():
        assert set(row) == set(Tier), key


def test_default_lists_are_copies():
    steps = default("app.canary_steps", Tier.PROD)
    steps.append(1)
    assert default("app.canary_steps", Tier.PROD) == [5, 10, 25, 50, 100]


# ------------------------------------------------------------------ unknown keys


def test_a_typo_in_a_top_level_key_suggests_the_real_one():
    message = only_problem("dev", {**DOMAIN, "databse": {}})
    assert message.startswith("webstack:databse: unknown key; did you mean 'webstack:database'?")


def test_a_typo_in_a_section_key_suggests_the_real_one():
    message = only_problem("dev", {**DOMAIN, "database": {"replcias": 1}})
    assert message.startswith("webstack:database.replcias: unknown key; did you mean 'replicas'?")
    assert "backupRetentionDays" in message  # lists what is allowed


def test_a_typo_in_a_nested_key_suggests_the_real_one():
    message = only_problem("dev", {**DOMAIN, "app": {"kubernetes": {"namespac": "x"}}})
    assert "webstack:app.kubernetes.namespac: unknown key; did you mean 'namespace'?" in message


def test_snake_case_keys_are_accepted_in_python_spelling():
    assert parse("dev", {**DOMAIN, "database": {"backup_retention_days": 5}}).database.backup_retention_days == 5


# ------------------------------------------------------------------ value errors


@pytest.mark.parametrize(
    "raw, expected",
    [
        ({"database": {"replicas": 9}}, "webstack:database.replicas = 9: must be between 0 and 5"),
        ({"database": {"backupRetentionDays": 0}}, "webstack:database.backupRetentionDays = 0: must be between 1 and 35"),
        ({"database": {"monitoringIntervalSeconds": 7}}, "webstack:database.monitoringIntervalSeconds = 7: must be 0, 1, 5, 10, 15, 30 or 60"),
        ({"database": {"performanceInsightsRetentionDays": 30}}, "webstack:database.performanceInsightsRetentionDays = 30: must be 7 or a multiple of 31"),
        ({"database": {"allocatedStorageGb": 100, "maxAllocatedStorageGb": 50}}, "webstack:database.maxAllocatedStorageGb = 50: must be at least allocatedStorageGb (100)"),
        ({"cache": {"automaticFailover": True}}, "webstack:cache.automaticFailover = True: needs replicas >= 1"),
        ({"cache": {"multiAz": True}}, "webstack:cache.multiAz = True: needs automaticFailover: true"),
        ({"cache": {"engine": "memcached"}}, "webstack:cache.engine = 'memcached': must be 'redis' or 'valkey'"),
        ({"network": {"cidr": "8.8.0.0/16"}}, "webstack:network.cidr = '8.8.0.0/16': must be a private (RFC 1918) range"),
        ({"network": {"cidr": "10.0.0.0/8"}}, "webstack:network.cidr = '10.0.0.0/8': must be an IPv4 network with a prefix between /16 and /24"),
        ({"network": {"azCount": 1}}, "webstack:network.azCount = 1: must be between 2 and 6"),
        ({"network": {"flowLogRetentionDays": 2}}, "webstack:network.flowLogRetentionDays = 2: must be a CloudWatch Logs retention: 1, 3, 5"),
        ({"network": {"vpcId": "vpc-0123456789abcdef0"}}, "webstack:network.subnetIds (not set): with vpcId, give at least 2"),
        ({"app": {"platform": "heroku"}}, "webstack:app.platform = 'heroku': must be 'vercel' or 'kubernetes'"),
        ({"app": {"minInstances": 5, "maxInstances": 2}}, "webstack:app.minInstances = 5: must not exceed maxInstances (2)"),
        ({"app": {"rollout": "canary", "canarySteps": [50, 10, 100]}}, "webstack:app.canarySteps = [50, 10, 100]: must be strictly ascending percentages ending at 100"),
        ({"app": {"rollout": "canary", "canarySteps": [5, 50]}}, "webstack:app.canarySteps = [5, 50]: must be strictly ascending"),
        ({"app": {"kubernetes": {"image": "nginx:latest"}}}, "webstack:app.kubernetes.image = 'nginx:latest': must be pinned by digest"),
        ({"cdn": {"headers": {"contentSecurityPolicy": "  "}}}, "webstack:cdn.headers.contentSecurityPolicy = '  ': must not be empty"),
        ({"cdn": {"headers": {"referrerPolicy": "unsafe-url"}}}, "webstack:cdn.headers.referrerPolicy = 'unsafe-url': must be"),
        ({"cdn": {"hstsMaxAgeSeconds": 300}}, "webstack:cdn.hstsMaxAgeSeconds = 300: must be between 31536000 and 63072000"),
        ({"cdn": {"apiRateLimitPerMinute": 50}}, "webstack:cdn.apiRateLimitPerMinute = 50: needs waf: true"),
        ({"cdn": {"aliases": ["https://x.example.com"]}}, "webstack:cdn.aliases.0 = 'https://x.example.com': must be a lower-case DNS name"),
        ({"backups": {"transitionDays": 9}}, "webstack:backups.transitionDays = 9: must be shorter than retentionDays (7)"),
        ({"backups": {"objectLockDays": 8}}, "webstack:backups.objectLockDays = 8: must not exceed retentionDays (7)"),
        ({"backups": {"copyRegion": "mars-1"}}, "webstack:backups.copyRegion = 'mars-1': must be an AWS region name"),
        ({"alerting": {"emails": ["oncall", "x@example.com"]}}, "webstack:alerting.emails.0 = 'oncall': must be an email address"),
        ({"alerting": {"errorRatePercent": 0, "emails": ["x@example.com"]}}, "webstack:alerting.errorRatePercent = 0: must be above 0 and at most 100"),
        ({"domain": "https://app.example.com/"}, "webstack:domain = 'https://app.example.com/': must be a lower-case DNS name"),
        ({"network": "10.0.0.0/16"}, "webstack:network = '10.0.0.0/16': must be an object of settings"),
    ],
)
def test_each_bad_value_is_named_with_what_is_allowed(raw, expected):
    message = only_problem("dev", {**DOMAIN, **raw})
    assert message.startswith(expected), message


def test_the_domain_is_required():
    assert only_problem("dev", {}) == "webstack:domain: required, not set (the public host name, e.g. app.example.com)"


def test_secrets_in_plain_text_are_refused():
    message = only_problem("prod", {**DOMAIN, "pagerWebhookUrl": "https://events.pagerduty.com/x"})
    assert "webstack:pagerWebhookUrl is set in plain text" in message
    assert "pagerduty" not in message  # the value itself is never echoed


def test_every_problem_is_reported_at_once():
    found = problems("dev", {**DOMAIN, "database": {"replicas": 9}, "cache": {"engine": "x"}, "cdn": {"wafx": 1}})
    assert len(found) == 3


def test_the_error_message_names_the_stack_file():
    with pytest.raises(ConfigError) as caught:
        parse("staging", {**DOMAIN, "database": {"replicas": 9}})
    assert "Pulumi.staging.yaml" in str(caught.value)


# ------------------------------------------------------------------ tier rules


def test_prod_cannot_turn_off_deletion_protection_without_the_override():
    message = only_problem("prod", {**DOMAIN, "database": {"deletionProtection": False}})
    assert message.startswith("webstack:database.deletionProtection = False")
    assert "allowUnprotectedProd" in message
    cfg = parse("prod", {**DOMAIN, "database": {"deletionProtection": False, "allowUnprotectedProd": True}})
    assert cfg.database.deletion_protection is False


def test_prod_keeps_a_final_snapshot():
    assert "skipFinalSnapshot" in only_problem("prod", {**DOMAIN, "database": {"skipFinalSnapshot": True}})


def test_prod_needs_two_replicas_and_staging_one():
    assert "at least 2 read replicas" in only_problem("prod", {**DOMAIN, "database": {"replicas": 1}})
    assert "at least 1 read replica" in only_problem("staging", {**DOMAIN, "database": {"replicas": 0}})


def test_prod_spreads_across_three_zones():
    assert "webstack:network.azCount = 2" in only_problem("prod", {**DOMAIN, "network": {"azCount": 2}})


def test_blue_green_is_a_kubernetes_rollout():
    message = only_problem("dev", {**DOMAIN, "app": {"rollout": "blue-green"}})
    assert message.startswith("webstack:app.rollout = 'blue-green'")
    assert parse("dev", {**DOMAIN, "app": {"rollout": "blue-green", "platform": "kubernetes"}}).app.rollout == "blue-green"


def test_canary_without_steps_gets_the_standard_ladder():
    assert parse("staging", {**DOMAIN, "app": {"rollout": "canary"}}).app.canary_steps == [5, 10, 25, 50, 100]


def test_the_config_is_immutable():
    cfg = parse("dev", DOMAIN)
    with pytest.raises(Exception):
        cfg.database.replicas = 3  # type: ignore[misc]


# ------------------------------------------------------------------ shipped stack files


@pytest.mark.parametrize("stack", ["dev", "staging", "prod"])
def test_shipped_stack_files_are_valid_and_have_no_plain_secrets(stack):
    text = (ROOT / f"Pulumi.{stack}.yaml").read_text()
    document = yaml.safe_load(text)["config"]
    for key, value in document.items():
        if key.rsplit(":", 1)[-1] in ("pagerWebhookUrl", "chatWebhookUrl", "vercelApiToken"):
            assert isinstance(value, dict) and set(value) == {"secure"}, key
    raw = {k.split(":", 1)[1]: v for k, v in document.items() if k.startswith("webstack:")}
    secrets = {k: v for k, v in raw.items() if isinstance(v, dict) and "secure" in v}
    for key in secrets:
        raw.pop(key)
    assert isinstance(parse(stack, raw), StackConfig)


def test_shipped_stack_files_stay_short():
    for stack in ("dev", "staging", "prod"):
        lines = [l for l in (ROOT / f"Pulumi.{stack}.yaml").read_text().splitlines() if l.strip() and not l.lstrip().startswith("#")]
        assert len(lines) <= 30, stack


def test_unpooled_connections_are_checked_against_the_app_instance_count():
    message = only_problem("dev", {**DOMAIN, "app": {"maxInstances": 60}, "database": {"connectionsPerAppInstance": 30}})
    assert message.startswith("webstack:database.pooling (with app.maxInstances = 60):")
    assert "30 x 60 = 1800 connections" in message
    assert parse("dev", {**DOMAIN, "app": {"maxInstances": 60}, "database": {"connectionsPerAppInstance": 30, "pooling": True}})


def test_someone_is_always_told_about_alarms():
    message = only_problem("dev", {"domain": "app.example.com"})
    assert message.startswith("webstack:alerting.emails = []: warning and info alarms would reach nobody")
    with pytest.raises(ConfigError, match="would reach nobody"):
        parse("dev", {"domain": "app.example.com"}, secrets={"pagerWebhookUrl": object()})
    assert parse("dev", {"domain": "app.example.com"}, secrets={"chatWebhookUrl": object()}).alerting.emails == []
