"""Specification of the error budgets (components/slo.py) and of their alarms in Alerting:
the SRE workbook's multi-window burn rates, the alarm specs, the composite alarms that page,
and the dashboard row with the budget left."""

from __future__ import annotations

import json

import pytest

from pulumi_webstack.alarms import Severity
from pulumi_webstack.alerting import AlertingArgs, dashboard_body
from pulumi_webstack.slo import (
    BURN_WINDOWS,
    Objectives,
    alarm_rule,
    budget_widgets,
    burn_rate_alerts,
    latency_target_ms,
    percentile_rank,
)
from pulumi_webstack_cli.engine import ACCOUNT_ID
from tests.conftest import cached_plan
from tests.helpers import assert_args_error
from tests.test_alerting import prod as alerting_prod, run

COMPOSITE = "aws:cloudwatch/compositeAlarm:CompositeAlarm"
ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
PROD = Objectives(availability_percent=99.99, latency_percent=95, latency_seconds=3)


# ------------------------------------------------------------------------------ the maths


def test_the_workbook_windows_burn_14_4_6_and_1_times_over_30_days():
    assert [(w.key, w.long_minutes, w.short_minutes, w.severity) for w in BURN_WINDOWS] == [
        ("1h", 60, 5, Severity.CRITICAL), ("6h", 360, 30, Severity.CRITICAL), ("3d", 4320, 360, Severity.WARNING)]
    assert [round(w.burn_rate(30), 6) for w in BURN_WINDOWS] == [14.4, 6, 1]
    # the rate is the budget share burned in the long window, scaled to the period
    assert round(BURN_WINDOWS[0].burn_rate(28), 6) == 13.44 and round(BURN_WINDOWS[2].burn_rate(7), 6) == 0.233333


def test_an_objective_leaves_its_budget():
    assert PROD.budget_percent("availability") == 0.01 and PROD.budget_percent("latency") == 5
    assert Objectives(availability_percent=None).budget_percent("availability") is None


def test_the_alert_thresholds_are_burn_rate_times_budget():
    alerts = {a.key: a for a in burn_rate_alerts(PROD, "E1")}
    assert list(alerts) == [f"slo-{sli}-burn-{w}" for sli in ("availability", "latency") for w in ("1h", "6h", "3d")]
    fast = alerts["slo-availability-burn-1h"]
    assert (fast.long.metric_name, fast.long.statistic, fast.long.comparison) == (
        "5xxErrorRate", "Average", "GreaterThanThreshold")
    assert [alerts[f"slo-availability-burn-{w}"].long.threshold for w in ("1h", "6h", "3d")] == [0.144, 0.06, 0.01]
    # latency: the share of origin requests within the target must not fall under 100 - rate x 5 %
    latency = [alerts[f"slo-latency-burn-{w}"].long for w in ("1h", "6h", "3d")]
    assert [s.threshold for s in latency] == [28, 70, 95]
    assert {s.extended_statistic for s in latency} == {"PR(:3000)"} and latency[0].comparison == "LessThanThreshold"
    # each window alarm measures over its window, once: CloudWatch slides it every evaluation
    assert [(fast.long.period, fast.short.period) for fast in alerts.values()][:3] == [
        (3600, 300), (21600, 1800), (259200, 21600)]
    assert all(s.evaluation_periods == s.datapoints_to_alarm == 1 for a in alerts.values() for s in (a.long, a.short))
    assert all(s.edge and s.dimensions == {"DistributionId": "E1", "Region": "Global"}
               for a in alerts.values() for s in (a.long, a.short))
    assert [a.severity for a in alerts.values()] == [Severity.CRITICAL, Severity.CRITICAL, Severity.WARNING] * 2


def test_no_traffic_burns_no_budget():
    for alert in burn_rate_alerts(PROD, "E1"):
        assert alert.long.treat_missing_data == alert.short.treat_missing_data == "notBreaching"


def test_latency_alerts_need_cloudfronts_additional_metrics_and_an_objective():
    assert {a.sli for a in burn_rate_alerts(PROD, "E1", additional_metrics=False)} == {"availability"}
    assert {a.sli for a in burn_rate_alerts(Objectives(latency_percent=None), "E1")} == {"availability"}
    assert burn_rate_alerts(Objectives(availability_percent=None, latency_percent=None), "E1") == []


def test_helpers_spell_the_statistic_and_the_rule():
    assert latency_target_ms(Objectives(latency_seconds=2.5)) == 2500
    assert percentile_rank(2500) == "PR(:2500)"
    assert alarm_rule("a-long", "a-short") == 'ALARM("a-long") AND ALARM("a-short")'


def test_an_objective_too_loose_for_the_fast_window_is_refused():
    error = assert_args_error(lambda: Objectives(latency_percent=90), "objectives.latency_percent",
                              "leaves a budget of 10 %")
    assert "at least 93.06 over 30 days" in str(error)
    assert_args_error(lambda: Objectives(availability_percent=94.9), "objectives.availability_percent",
                      "must be between 95 and 99.999")
    assert_args_error(lambda: Objectives(period_days=31), "objectives.period_days", "must be one of 7, 14, 28, 30")
    assert Objectives(latency_percent=93.1).budget_percent("latency") == pytest.approx(6.9)


def test_the_budget_row_shows_what_is_left_of_each_budget_over_the_period():
    widgets = budget_widgets(PROD, "E1", "us-east-1", top=24)
    assert [(w["x"], w["y"], w["width"]) for w in widgets] == [(0, 24, 12), (12, 24, 12)]
    availability, latency = (w["properties"] for w in widgets)
    assert availability["view"] == "singleValue" and availability["setPeriodToTimeRange"] is True
    assert availability["start"] == "-P30D" and availability["region"] == "us-east-1"
    assert availability["metrics"] == [
        [{"expression": "100 * (1 - bad / 0.01)", "label": "budget left (%)", "id": "left"}],
        ["AWS/CloudFront", "5xxErrorRate", "DistributionId", "E1", "Region", "Global",
         {"id": "bad", "stat": "Average", "visible": False}]]
    assert latency["metrics"][0][0]["expression"] == "100 * (1 - (100 - fast) / 5)"
    assert latency["metrics"][1][-1] == {"id": "fast", "stat": "PR(:3000)", "visible": False}
    assert len(budget_widgets(PROD, "E1", "us-east-1", top=0, additional_metrics=False)) == 1


def test_the_operations_dashboard_ends_with_the_budget_row():
    body = dashboard_body(region="eu-west-1", distribution_id="E1", database_identifier="db", objectives=PROD)
    last = body["widgets"][-2:]
    assert [w["properties"]["title"] for w in last] == [
        "Availability budget left (99.99%, 30 d)", "Latency budget left (95% within 3000 ms, 30 d)"]
    assert last[0]["y"] == max(w["y"] for w in body["widgets"][:-2]) + 6
    assert "budget left" not in json.dumps(dashboard_body(region="eu-west-1", distribution_id="E1"))


# ----------------------------------------------------------------------- in Alerting


def composites(plan) -> dict:
    return {r.name.removeprefix("alerting-"): r for r in plan.by_type(COMPOSITE)}


def test_each_alert_is_a_composite_of_its_two_windows_paging_by_severity_in_the_edge_region():
    plan = alerting_prod()
    found = composites(plan)
    assert sorted(found) == sorted(a.key for a in burn_rate_alerts(Objectives(), "E2EXAMPLE12345"))
    fast = found["slo-availability-burn-1h"]
    assert fast.inputs["alarmName"] == "webstack-prod-slo-availability-burn-1h"
    assert fast.inputs["alarmRule"] == ('ALARM("webstack-prod-slo-availability-burn-1h-long") AND '
                                        'ALARM("webstack-prod-slo-availability-burn-1h-short")')
    critical = f"arn:aws:sns:us-east-1:{ACCOUNT_ID}:webstack-prod-critical"
    warning = f"arn:aws:sns:us-east-1:{ACCOUNT_ID}:webstack-prod-warning"
    assert fast.inputs["alarmActions"] == fast.inputs["okActions"] == [critical]
    assert found["slo-latency-burn-3d"].inputs["alarmActions"] == [warning]
    assert {r.inputs["region"] for r in found.values()} == {"us-east-1"}
    assert fast.inputs["alarmDescription"].startswith("[critical] Error budget burning 14.4x")
    for window in ("long", "short"):
        alarm = plan.one(ALARM, f"alerting-slo-availability-burn-1h-{window}")
        assert alarm.inputs["actionsEnabled"] is False and "alarmActions" not in alarm.inputs
        assert alarm.inputs["region"] == "us-east-1" and fast.depends_on(alarm)
    assert plan.one(ALARM, "alerting-slo-latency-burn-6h-long").inputs["extendedStatistic"] == "PR(:3000)"


def test_without_a_cdn_or_objectives_there_are_no_budget_alarms():
    assert not run("bare", lambda: AlertingArgs(emails=["ops@example.com"], region="eu-west-1",
                                                dashboard=False)).by_type(COMPOSITE)
    none = run("no-objectives", lambda: AlertingArgs(
        emails=["ops@example.com"], region="eu-west-1", cdn_distribution_id="E1",
        objectives=Objectives(availability_percent=None, latency_percent=None)))
    assert not none.by_type(COMPOSITE)
    assert "budget left" not in none.one("aws:cloudwatch/dashboard:Dashboard").inputs["dashboardBody"]


@pytest.mark.parametrize("stack, objectives", [
    ("dev", None), ("staging", (99.9, 95, 5000)), ("prod", (99.99, 95, 3000))])
def test_the_stacks_alarm_on_their_tiers_objectives(stack, objectives):
    plan = cached_plan(stack)
    found = composites(plan)
    if objectives is None:
        assert found == {}
        return
    availability, latency, target_ms = objectives
    assert len(found) == 6
    fast = plan.one(ALARM, "alerting-slo-availability-burn-1h-long")
    assert fast.inputs["threshold"] == pytest.approx(14.4 * (100 - availability))
    assert plan.one(ALARM, "alerting-slo-latency-burn-1h-long").inputs["extendedStatistic"] == f"PR(:{target_ms})"
    body = json.loads(plan.get("alerting-dashboard").inputs["dashboardBody"])
    titles = [w["properties"]["title"] for w in body["widgets"]]
    assert f"Availability budget left ({availability:g}%, 30 d)" in titles
