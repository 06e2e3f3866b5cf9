"""Specification of the alarm catalogue (components/alarms.py and its families, alarms_data.py and alarms_app.py): plain Python, no Pulumi runtime."""

from __future__ import annotations

import re

import pytest

from tests.helpers import assert_args_error
from pulumi_webstack.alarms import (
    GIB,
    AlarmSpec,
    Severity,
    Thresholds,
    alarm_name,
    backup_alarms,
    backup_events,
    EventSpec,
    event_alarm,
    cache_alarms,
    cdn_alarms,
    certificate_alarms,
    connections_threshold,
    alb_5xx_rate_queries,
    database_alarms,
    STORAGE_AUTOSCALING_FREE_PERCENT,
    ecs_alarms,
    free_storage_percent_expression,
    storage_autoscaling_event_pattern,
    freeable_memory_threshold_bytes,
    health_alarms,
    kubernetes_alarms,
    markdown_table,
)
from infra.presets import presets_for

PROD = Thresholds()
DEV = Thresholds(**presets_for("dev")["alerting"]["thresholds"])


def by_key(specs: list[AlarmSpec]) -> dict[str, AlarmSpec]:
    keys = [s.key for s in specs]
    assert len(keys) == len(set(keys)), f"duplicate alarm keys: {keys}"
    return {s.key: s for s in specs}


def full_catalogue(t: Thresholds = PROD) -> list[AlarmSpec]:
    return [
        *health_alarms(t, "hc-1"),
        *cdn_alarms(t, "E123"),
        *certificate_alarms(t, "arn:aws:acm:us-east-1:123456789012:certificate/abc"),
        *database_alarms(t, "db-primary", max_connections=1000, resource_id="db-ABCDEFGH", memory_gib=16,
                         replica_identifiers=["db-replica-0", "db-replica-1"]),
        *cache_alarms(t, ["rg-001", "rg-002", "rg-003"]),
        *kubernetes_alarms(t, "prod-eks", "webstack", "web", 20),
        *backup_alarms(t, "vault"),
    ]


def ecs_catalogue(t: Thresholds = PROD) -> list[AlarmSpec]:
    return ecs_alarms(t, "webstack-prod-app", "web", "app/app-alb/1", ["targetgroup/a/1", "targetgroup/b/2"], 2)


# ------------------------------------------------------------------------ thresholds


def test_prod_thresholds_are_the_design_document_values():
    assert PROD.service_down_minutes == 2
    assert PROD.error_rate_percent == 5
    assert PROD.latency_p95_seconds == 3
    assert PROD.db_connections_percent == 90
    # DESIGN.md says < 10 % of allocated; that is RDS storage autoscaling's own trigger, so the
    # alarm sits below it (issue 18): a normal autoscale never pages.
    assert PROD.db_free_storage_percent == 5 < STORAGE_AUTOSCALING_FREE_PERCENT
    assert PROD.memory_percent == 85
    assert PROD.certificate_expiry_days == 7


def test_the_defaults_are_prod_and_the_presets_hold_the_other_tiers():
    assert PROD == Thresholds(**presets_for("prod")["alerting"]["thresholds"])
    assert (DEV.error_rate_percent, DEV.service_down_minutes, DEV.db_replica_lag_seconds) == (20, 5, 300)
    tuned = Thresholds(error_rate_percent=2.5, pod_restarts=10)
    assert tuned.error_rate_percent == 2.5 and tuned.pod_restarts == 10
    assert tuned.latency_p95_seconds == 3 and tuned.cache_evictions == 100  # the defaults


@pytest.mark.parametrize("field, value, message", [
    ("error_rate_percent", 100, "must be above 0 and below 100"),
    ("service_down_minutes", 0, "must be between 1 and 60"),
    ("pod_restarts", True, "must be a whole number"),
    ("latency_p95_seconds", "3", "must be a number"),
])
def test_a_threshold_out_of_range_or_of_the_wrong_type_is_refused(field, value, message):
    assert_args_error(lambda: Thresholds(**{field: value}), f"thresholds.{field}", message)


# --------------------------------------------------------------------- plain helpers


def test_percent_thresholds_are_computed_from_the_resource_size():
    assert connections_threshold(1000, 90) == 900
    assert connections_threshold(87, 90) == 78.3
    assert freeable_memory_threshold_bytes(16, 85) == pytest.approx(0.15 * 16 * GIB, abs=1)


def test_free_storage_is_a_percentage_of_whatever_the_volume_is_now():
    assert "".join(free_storage_percent_expression("db-ABC")) == (
        "100 - DB_PERF_INSIGHTS('RDS', 'db-ABC', 'os.fileSys.usedPercent.avg')")


def test_storage_autoscaling_events_of_the_instance_are_matched():
    arn = "arn:aws:rds:eu-west-1:123456789012:db:webstack-prod-database"
    assert storage_autoscaling_event_pattern(arn) == {
        "source": ["aws.rds"], "detail-type": ["RDS DB Instance Event"], "resources": [arn],
        "detail": {"EventID": ["RDS-EVENT-0223", "RDS-EVENT-0224"]}}


def test_alarm_names_are_prefixed_and_bounded():
    assert alarm_name("webstack-prod", "db-cpu") == "webstack-prod-db-cpu"
    with pytest.raises(ValueError, match="255"):
        alarm_name("x" * 250, "db-cpu")


# --------------------------------------------------------------------- the catalogue


def test_database_alarms_use_design_thresholds_and_severities():
    specs = by_key(database_alarms(PROD, "db-primary", max_connections=1000, resource_id="db-ABCDEFGH",
                                   memory_gib=16, replica_identifiers=["r0", "r1", "r2"]))
    cpu = specs["db-cpu"]
    assert (cpu.namespace, cpu.metric_name, cpu.statistic, cpu.comparison, cpu.threshold) == (
        "AWS/RDS", "CPUUtilization", "Average", "GreaterThanThreshold", 80)
    assert cpu.dimensions == {"DBInstanceIdentifier": "db-primary"} and cpu.severity is Severity.WARNING
    storage = specs["db-free-storage"]
    # A percentage of the volume, whatever autoscaling has grown it to (not bytes of the initial size).
    (free,) = storage.queries
    assert free["expression"] == ("100 - DB_PERF_INSIGHTS('RDS', '", "db-ABCDEFGH", "', 'os.fileSys.usedPercent.avg')")
    assert free["return_data"] and free["period"] == storage.period
    assert (storage.comparison, storage.threshold, storage.unit) == ("LessThanThreshold", 5, "% free")
    assert storage.severity is Severity.CRITICAL and storage.statistic is None
    connections = specs["db-connections"]
    assert (connections.metric_name, connections.threshold, connections.severity) == (
        "DatabaseConnections", 900, Severity.WARNING)
    memory = specs["db-freeable-memory"]
    assert memory.metric_name == "FreeableMemory" and memory.comparison == "LessThanThreshold"
    assert memory.threshold == pytest.approx(0.15 * 16 * GIB, abs=1)
    for index in range(3):
        # Numbered from 1 as Database names its replicas: db-replica-1-lag watches replica 1.
        lag = specs[f"db-replica-{index + 1}-lag"]
        assert lag.dimensions == {"DBInstanceIdentifier": f"r{index}"}
        assert lag.title == f"Replica {index + 1} lag"
        assert (lag.metric_name, lag.threshold, lag.statistic) == ("ReplicaLag", 30, "Maximum")
        assert lag.treat_missing_data == "breaching"
        assert specs[f"db-replica-{index + 1}-cpu"].dimensions == {"DBInstanceIdentifier": f"r{index}"}
    for key in ("db-cpu", "db-free-storage", "db-connections", "db-freeable-memory"):
        assert specs[key].treat_missing_data == "missing", key


def test_the_memory_alarm_needs_a_memory_size():
    keys = {s.key for s in database_alarms(PROD, "db", max_connections=100, resource_id="db-X")}
    assert "db-freeable-memory" not in keys and "db-cpu" in keys


def test_cache_alarms_cover_every_node_and_replication_lag_only_with_replicas():
    specs = by_key(cache_alarms(PROD, ["rg-001", "rg-002"]))
    for member in ["rg-001", "rg-002"]:
        # Numbered as ElastiCache names the member clusters: cache-001-* watches <group>-001.
        index = member.rsplit("-", 1)[1]
        cpu = specs[f"cache-{index}-engine-cpu"]
        assert (cpu.metric_name, cpu.threshold, cpu.dimensions) == ("EngineCPUUtilization", 75, {"CacheClusterId": member})
        memory = specs[f"cache-{index}-memory"]
        assert (memory.metric_name, memory.comparison, memory.threshold) == (
            "DatabaseMemoryUsagePercentage", "GreaterThanThreshold", 85)
        evictions = specs[f"cache-{index}-evictions"]
        assert (evictions.metric_name, evictions.statistic, evictions.severity, evictions.treat_missing_data) == (
            "Evictions", "Sum", Severity.INFO, "notBreaching")
        lag = specs[f"cache-{index}-replication-lag"]
        assert (lag.metric_name, lag.treat_missing_data) == ("ReplicationLag", "notBreaching")
        assert "primary" in lag.missing_data_reason
    single = {s.key for s in cache_alarms(PROD, ["rg-001"])}
    assert single == {"cache-001-engine-cpu", "cache-001-memory", "cache-001-evictions"}


def test_cdn_alarms_live_in_us_east_1_with_the_global_region_dimension():
    specs = by_key(cdn_alarms(PROD, "E123"))
    errors = specs["cdn-5xx-rate"]
    assert (errors.namespace, errors.metric_name, errors.threshold, errors.severity) == (
        "AWS/CloudFront", "5xxErrorRate", 5, Severity.CRITICAL)
    assert errors.dimensions == {"DistributionId": "E123", "Region": "Global"}
    assert errors.edge and errors.treat_missing_data == "notBreaching"
    latency = specs["cdn-origin-latency-p95"]
    assert (latency.metric_name, latency.extended_statistic, latency.statistic, latency.threshold) == (
        "OriginLatency", "p95", None, 3000)
    assert latency.edge and latency.severity is Severity.WARNING


def test_origin_latency_needs_the_additional_cloudfront_metrics():
    assert [s.key for s in cdn_alarms(PROD, "E123", additional_metrics=False)] == ["cdn-5xx-rate"]


def test_certificate_and_health_alarms():
    cert = certificate_alarms(PROD, "arn:cert")[0]
    assert (cert.namespace, cert.metric_name, cert.comparison, cert.threshold, cert.edge) == (
        "AWS/CertificateManager", "DaysToExpiry", "LessThanThreshold", 7, True)
    assert cert.treat_missing_data == "missing"
    down = health_alarms(PROD, "hc-1")[0]
    assert (down.namespace, down.metric_name, down.dimensions) == ("AWS/Route53", "HealthCheckStatus", {"HealthCheckId": "hc-1"})
    # "service down > 2 min": two consecutive one-minute datapoints below healthy.
    assert (down.period, down.evaluation_periods, down.datapoints_to_alarm) == (60, 2, 2)
    assert down.severity is Severity.CRITICAL and down.treat_missing_data == "breaching" and down.edge
    assert health_alarms(DEV, "hc")[0].evaluation_periods == 5


def test_kubernetes_alarms_use_container_insights():
    specs = by_key(kubernetes_alarms(PROD, "prod-eks", "webstack", "web", 20))
    restarts = specs["app-pod-restarts"]
    assert restarts.namespace == "ContainerInsights" and restarts.metric_name == "pod_number_of_container_restarts"
    assert restarts.dimensions == {"ClusterName": "prod-eks", "Namespace": "webstack", "PodName": "web"}
    assert restarts.threshold == 3
    at_max = specs["app-hpa-at-max"]
    assert (at_max.metric_name, at_max.comparison, at_max.threshold) == (
        "namespace_number_of_running_pods", "GreaterThanOrEqualToThreshold", 20)
    assert specs["app-crash-loop"].metric_name == "pod_container_status_waiting_reason_crash_loop_back_off"
    assert all(s.treat_missing_data == "notBreaching" for s in specs.values())


def test_ecs_alarms_watch_the_service_its_tasks_and_its_load_balancer():
    specs = by_key(ecs_catalogue())
    service = {"ClusterName": "webstack-prod-app", "ServiceName": "web"}
    assert {k: (s.severity, s.namespace, s.metric_name) for k, s in specs.items()} == {
        "app-cpu": (Severity.WARNING, "AWS/ECS", "CPUUtilization"),
        "app-memory": (Severity.WARNING, "AWS/ECS", "MemoryUtilization"),
        "app-running-tasks": (Severity.WARNING, "ECS/ContainerInsights", "RunningTaskCount"),
        "app-5xx-rate": (Severity.CRITICAL, "AWS/ApplicationELB", "HTTPCode_Target_5XX_Count"),
        "app-latency-p95": (Severity.WARNING, "AWS/ApplicationELB", "TargetResponseTime"),
        "app-unhealthy-targets-0": (Severity.WARNING, "AWS/ApplicationELB", "UnHealthyHostCount"),
        "app-unhealthy-targets-1": (Severity.WARNING, "AWS/ApplicationELB", "UnHealthyHostCount"),
    }
    assert specs["app-cpu"].dimensions == specs["app-memory"].dimensions == specs["app-running-tasks"].dimensions == service
    assert (specs["app-cpu"].threshold, specs["app-memory"].threshold) == (85, 85)
    tasks = specs["app-running-tasks"]
    assert (tasks.comparison, tasks.threshold, tasks.treat_missing_data) == ("LessThanThreshold", 2, "breaching")
    latency = specs["app-latency-p95"]
    assert (latency.extended_statistic, latency.threshold, latency.unit) == ("p95", 3, "s")  # seconds, as ALB reports
    assert specs["app-unhealthy-targets-1"].dimensions == {"TargetGroup": "targetgroup/b/2", "LoadBalancer": "app/app-alb/1"}


def test_the_load_balancer_5xx_rate_is_metric_math_over_all_requests():
    rate = by_key(ecs_catalogue())["app-5xx-rate"]
    assert rate.statistic is rate.extended_statistic is None and rate.statistic_label == "metric math"
    assert rate.queries == tuple(alb_5xx_rate_queries("app/app-alb/1", 60)) and rate.threshold == 5
    *metrics, expression = rate.queries
    assert [m["metric"]["metric_name"] for m in metrics] == ["HTTPCode_Target_5XX_Count", "HTTPCode_ELB_5XX_Count",
                                                            "RequestCount"]
    assert all(m["metric"]["stat"] == "Sum" and not m["return_data"] for m in metrics)
    assert expression == {"id": "rate", "expression": "100 * (FILL(targets, 0) + FILL(balancer, 0)) / requests",
                          "label": "5xx responses (%)", "return_data": True}
    assert by_key(ecs_catalogue(DEV))["app-5xx-rate"].threshold == 20
    with pytest.raises(ValueError, match="metric math takes its statistics from the queries"):
        AlarmSpec(**{**BASE, "queries": rate.queries})


def test_backup_staleness_guards_the_recovery_point_objective():
    stale = backup_alarms(PROD, "vault")[0]
    assert (stale.namespace, stale.metric_name, stale.dimensions) == (
        "AWS/Backup", "NumberOfBackupJobsCompleted", {"BackupVaultName": "vault"})
    assert (stale.comparison, stale.threshold, stale.treat_missing_data) == ("LessThanThreshold", 1, "breaching")
    assert stale.period * stale.evaluation_periods == 30 * 3600
    # Failures page through EventBridge; staleness warns (a new stack has no backup yet).
    assert stale.severity is Severity.WARNING


def test_failed_backup_and_copy_jobs_are_matched_for_the_vault_only():
    events = {e.key: e for e in backup_events("webstack-prod-backups-vault")}
    assert {k: e.severity.value for k, e in events.items()} == {
        "backup-failed": "critical", "copy-failed": "warning", "restore-failed": "warning",
        "restore-completed": "info", "recovery-point-changed": "info"}
    patterns = {"critical": events["backup-failed"].pattern, "warning": events["copy-failed"].pattern}
    for event in events.values():
        assert set(event.paths) == set(re.findall(r"<(\w+)>", event.text)), event.key  # every placeholder filled
    critical = patterns["critical"]
    assert critical["source"] == ["aws.backup"] and critical["detail-type"] == ["Backup Job State Change"]
    assert set(critical["detail"]["state"]) == {"FAILED", "ABORTED", "EXPIRED"}
    assert critical["detail"]["backupVaultName"] == ["webstack-prod-backups-vault"]
    warning = patterns["warning"]
    assert warning["detail-type"] == ["Copy Job State Change"] and warning["detail"]["state"] == ["FAILED"]
    assert warning["detail"]["sourceBackupVaultArn"] == [{"suffix": ":backup-vault:webstack-prod-backups-vault"}]
    # A restore that fails (the weekly restore test's above all) leaves the RTO unproven: someone is told.
    restore = events["restore-failed"].pattern
    assert restore["detail-type"] == ["Restore Job State Change"]
    assert restore["detail"] == {"status": ["FAILED", "ABORTED"],
                                 "backupVaultArn": [{"suffix": ":backup-vault:webstack-prod-backups-vault"}]}


def test_a_critical_event_pages_through_an_alarm_on_its_rule_matching():
    failed = backup_events("webstack-prod-backups-vault")[0]
    page = event_alarm(failed, "webstack-prod-backup-failed")
    assert (page.key, page.severity, page.namespace, page.metric_name) == (
        "backup-failed-event", Severity.CRITICAL, "AWS/Events", "TriggeredRules")
    assert page.dimensions == {"RuleName": "webstack-prod-backup-failed"}
    assert (page.statistic, page.operator, page.threshold, page.period) == ("Sum", ">=", 1, 300)
    assert page.treat_missing_data == "notBreaching" and page.missing_data_reason
    assert "--by-backup-vault-name webstack-prod-backups-vault" in page.description
    with pytest.raises(ValueError, match="needs the text of the alarm that pages"):
        EventSpec("x", Severity.CRITICAL, "X", {}, {}, "text")


def test_every_alarm_says_what_to_do_and_why_missing_data_is_treated_so_ecs_included():
    for spec in ecs_catalogue():
        assert len(spec.description) > 80 and spec.missing_data_reason


def test_every_alarm_says_what_to_do_and_why_missing_data_is_treated_so():
    for spec in full_catalogue():
        assert len(spec.description) > 60 and len(spec.description) <= 1024 - len("[critical] "), spec.key
        assert spec.missing_data_reason, spec.key
        assert spec.treat_missing_data in ("breaching", "notBreaching", "missing"), spec.key


def test_the_catalogue_renders_as_a_markdown_table():
    specs = full_catalogue()
    table = markdown_table(specs).splitlines()
    assert len(table) == len(specs) + 2
    assert table[2] == ("| `service-down` | critical | AWS/Route53 `HealthCheckStatus` | Minimum | < 1 (1 = healthy) "
                        "| 2 of 2 x 1 min | breaching |")
    rows = {row.split("`")[1]: row for row in table[2:]}
    assert "| metric math | < 5 % free |" in rows["db-free-storage"]
    assert "| 5 of 5 x 6 h |" in rows["backup-stale"] and "| 1 of 1 x 1 d |" in rows["certificate-expiry"]


# ------------------------------------------------------------------- spec validation


BASE = dict(key="k", title="t", severity=Severity.INFO, namespace="N", metric_name="M", dimensions={},
            comparison="GreaterThanThreshold", threshold=1.0, period=60, evaluation_periods=1,
            datapoints_to_alarm=1, treat_missing_data="missing", missing_data_reason="r", description="d",
            statistic="Average")


@pytest.mark.parametrize(
    "change, message",
    [
        ({"extended_statistic": "p95"}, "exactly one of statistic"),
        ({"statistic": None}, "exactly one of statistic"),
        ({"treat_missing_data": "ok"}, "treat_missing_data"),
        ({"comparison": "Above"}, "comparison"),
        ({"datapoints_to_alarm": 2}, "datapoints_to_alarm"),
        ({"period": 45}, "period 45"),
        ({"period": 60, "evaluation_periods": 1441, "datapoints_to_alarm": 1}, "evaluation range exceeds 86400"),
        ({"period": 3600, "evaluation_periods": 169, "datapoints_to_alarm": 1}, "evaluation range exceeds 604800"),
        ({"description": "x" * 1025}, "1024"),
        ({"queries": ({"id": "e1", "expression": "m1 * 2", "return_data": True},)},
         "metric math takes its statistics from the queries"),
    ],
)
def test_an_alarm_spec_cloudwatch_would_reject_is_refused(change, message):
    with pytest.raises(ValueError, match=message):
        AlarmSpec(**{**BASE, **change})


def test_the_families_live_by_tier_and_are_importable_from_the_catalogue():
    from pulumi_webstack import alarms, alarms_app, alarms_data
    for module in (alarms_app, alarms_data):
        for name in alarms._FAMILIES[module.__name__]:
            assert getattr(alarms, name) is getattr(module, name), name
    with pytest.raises(AttributeError, match="no attribute 'nothing_alarms'"):
        alarms.nothing_alarms  # noqa: B018
