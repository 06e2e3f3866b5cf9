"""Error budgets: service level objectives, the SRE workbook's multi-window burn-rate
alerts, and how much of the budget is left.

Pure Python, no Pulumi runtime: ``pulumi_webstack.alerting.Alerting`` turns these specs into
CloudWatch alarms (one per window, no actions) and composite alarms (long window AND short
window, to the severity's topic), and draws the budget row of its dashboard from
``budget_widgets``.

The maths (The Site Reliability Workbook, ch. 5 "Alerting on SLOs", table 5-8): an objective
of 99.9 % over 30 days leaves an error budget of 0.1 % of requests. Burning it at rate 1
spends exactly the budget in 30 days; at 14.4 it spends 2 % of the month's budget in one
hour. Each alert fires when both a long window (how much was burned) and a short window
(is it still burning) exceed the burn rate, so it pages fast on a big fire and stops as soon
as the fire is out:

======  ============  ===========  ============  =========  ==========
alert   budget spent  long window  short window  burn rate  severity
======  ============  ===========  ============  =========  ==========
``1h``  2 %           1 hour       5 minutes     14.4       critical
``6h``  5 %           6 hours      30 minutes    6          critical
``3d``  10 %          3 days       6 hours       1          warning
======  ============  ===========  ============  =========  ==========

Burn rates follow from the period: ``budget spent x period / long window``.

The SLIs are the CDN's, measured in us-east-1 where CloudFront publishes them:

- availability: ``5xxErrorRate`` (percent of viewer requests answered 5xx), statistic
  ``Average`` over the window. CloudFront publishes the rate per minute, not a count of
  errors, so the window's value is the mean of the per-minute rates: it equals the
  request-weighted ratio when traffic is steady and gives quiet minutes more weight than
  their share of requests otherwise. An application load balancer's
  ``HTTPCode_Target_5XX_Count`` / ``RequestCount`` would give the exact ratio (the ECS tier).
- latency: the share of origin requests slower than the target, ``100 - PR(:target)`` of
  ``OriginLatency`` (percentile rank: the percent of requests at or under the target). It
  needs CloudFront's additional metrics and counts cache misses only (hits never reach the
  origin).
"""


from dataclasses import dataclass
from typing import Any, Optional

from pulumi_webstack.alarms import AlarmSpec, Severity
from pulumi_webstack.args import check_fields, setting
from pulumi_webstack.errors import require

MINUTES_PER_DAY = 1440
PERIODS_DAYS = (7, 14, 28, 30)
"""SLO periods offered: a week, two weeks, four weeks (whole weeks), a month."""


@dataclass(frozen=True)
class BurnWindow:
    """One multi-window burn-rate alert of the SRE workbook (table 5-8)."""

    key: str
    """Stable id (alarm names derive from it): the long window, ``1h``."""
    budget_percent: float
    """Share of the period's error budget burned in the long window when the alert fires."""
    long_minutes: int
    """How much was burned: the window the burn rate is measured over."""
    short_minutes: int
    """Is it still burning: a twelfth of the long window, so the alert resets soon after."""
    severity: Severity
    """Fast burns page (critical); the slow burn opens a ticket (warning)."""

    def burn_rate(self, period_days: int) -> float:
        """Multiple of the sustainable rate: ``budget share x period / long window``."""
        return self.budget_percent / 100 * period_days * MINUTES_PER_DAY / self.long_minutes


BURN_WINDOWS = (
    BurnWindow("1h", 2, 60, 5, Severity.CRITICAL),
    BurnWindow("6h", 5, 360, 30, Severity.CRITICAL),
    BurnWindow("3d", 10, 3 * MINUTES_PER_DAY, 360, Severity.WARNING),
)
"""The workbook's recommended windows, fastest first."""


@dataclass(frozen=True)
class Objectives:
    """Service level objectives: what share of requests must succeed and be fast, per period.

    The error budget of each is what the objective leaves (99.99 %: 0.01 % of requests may
    fail). ``Alerting`` alarms on how fast it burns and shows how much is left."""

    availability_percent: Optional[float] = setting(99.99, ge=95, le=99.999, nullable=True)
    """Share of viewer requests the CDN answers without a 5xx over the period; None: no
    availability budget."""
    latency_percent: Optional[float] = setting(95, ge=50, le=99.9, nullable=True)
    """Share of origin requests answered within ``latency_seconds`` (95: the p95 target);
    None: no latency budget."""
    latency_seconds: Optional[float] = setting(3, gt=0, le=60)
    """Latency target of the origin, the ``latency_percent`` objective's bound (also what
    the synthetic canaries allow the health check)."""
    period_days: Optional[int] = setting(30, one_of=PERIODS_DAYS)
    """Period the budget is counted over (the workbook's windows assume 30 days)."""

    def __post_init__(self) -> None:
        check_fields(self)
        for name in ("availability_percent", "latency_percent"):
            objective = getattr(self, name)
            if objective is None:
                continue
            fastest = max(BURN_WINDOWS, key=lambda w: w.burn_rate(self.period_days))
            rate = fastest.burn_rate(self.period_days)
            require(rate * (100 - objective) < 100, f"objectives.{name}", objective,
                    f"leaves a budget of {100 - objective:g} % that the {fastest.key} alert ({rate:g}x) could "
                    f"only see with more than 100 % of requests bad: at least {100 - 100 / rate:.2f} over "
                    f"{self.period_days} days")

    def budget_percent(self, sli: str) -> Optional[float]:
        """Error budget of ``availability`` or ``latency``, percent of requests; None without one."""
        objective = getattr(self, f"{sli}_percent")
        return None if objective is None else round(100 - objective, 6)


# ------------------------------------------------------------------------------ alerts


@dataclass(frozen=True)
class BurnRateAlert:
    """One burn-rate alert: two window alarms (no actions) and the composite of both."""

    key: str
    """``slo-<sli>-burn-<window>``: the composite alarm's key; the windows add ``-long``/``-short``."""
    sli: str
    window: BurnWindow
    burn_rate: float
    long: AlarmSpec
    short: AlarmSpec
    description: str
    """What it means and what to do (the composite alarm's description)."""

    @property
    def severity(self) -> Severity:
        return self.window.severity


def alarm_rule(long_name: str, short_name: str) -> str:
    """Composite alarm rule: both windows in ALARM."""
    return f'ALARM("{long_name}") AND ALARM("{short_name}")'


def _window_text(minutes: int) -> str:
    if minutes % MINUTES_PER_DAY == 0:
        return f"{minutes // MINUTES_PER_DAY} d"
    return f"{minutes // 60} h" if minutes % 60 == 0 else f"{minutes} min"


def burn_rate_alerts(objectives: Objectives, distribution_id: Any, *, additional_metrics: bool = True
                     ) -> list[BurnRateAlert]:
    """Every burn-rate alert of ``objectives`` on the CloudFront distribution (edge alarms).

    The latency SLO needs CloudFront's additional metrics (``OriginLatency``); without them
    only the availability alerts exist, as with the latency threshold alarm."""
    dims = {"DistributionId": distribution_id, "Region": "Global"}
    alerts: list[BurnRateAlert] = []
    slis = ["availability"] + (["latency"] if additional_metrics else [])
    for sli in slis:
        budget = objectives.budget_percent(sli)
        if budget is None:
            continue
        for window in BURN_WINDOWS:
            rate = window.burn_rate(objectives.period_days)
            bad = round(rate * budget, 6)
            key = f"slo-{sli}-burn-{window.key}"
            spec = _availability_window if sli == "availability" else _latency_window
            long, short = (spec(f"{key}-{part}", minutes, bad, dims, objectives, window)
                           for part, minutes in (("long", window.long_minutes), ("short", window.short_minutes)))
            alerts.append(BurnRateAlert(key, sli, window, rate, long, short, _alert_text(sli, window, rate, bad,
                                                                                         objectives)))
    return alerts


def _availability_window(key: str, minutes: int, bad_percent: float, dims: dict[str, Any], objectives: Objectives,
                         window: BurnWindow) -> AlarmSpec:
    return AlarmSpec(
        key=key, title=f"Availability burn {window.key} ({_window_text(minutes)} window)", severity=window.severity,
        namespace="AWS/CloudFront", metric_name="5xxErrorRate", dimensions=dims, statistic="Average",
        comparison="GreaterThanThreshold", threshold=bad_percent, unit="% 5xx",
        period=minutes * 60, evaluation_periods=1, datapoints_to_alarm=1, edge=True,
        treat_missing_data="notBreaching",
        missing_data_reason="CloudFront publishes no error rate without requests: nothing failed",
        description=(f"Over the last {_window_text(minutes)} more than {bad_percent:g}% of requests were 5xx "
                     f"({window.burn_rate(objectives.period_days):g}x the budget of the "
                     f"{objectives.availability_percent:g}% objective). One window of the {window.key} burn-rate "
                     "alert; the composite alarm notifies."),
    )


def _latency_window(key: str, minutes: int, bad_percent: float, dims: dict[str, Any], objectives: Objectives,
                    window: BurnWindow) -> AlarmSpec:
    target_ms = latency_target_ms(objectives)
    return AlarmSpec(
        key=key, title=f"Latency burn {window.key} ({_window_text(minutes)} window)", severity=window.severity,
        namespace="AWS/CloudFront", metric_name="OriginLatency", dimensions=dims,
        extended_statistic=percentile_rank(target_ms), comparison="LessThanThreshold",
        threshold=round(100 - bad_percent, 6), unit=f"% within {target_ms} ms",
        period=minutes * 60, evaluation_periods=1, datapoints_to_alarm=1, edge=True,
        treat_missing_data="notBreaching",
        missing_data_reason="no request reached the origin (all cached or no traffic): nothing was slow",
        description=(f"Over the last {_window_text(minutes)} fewer than {100 - bad_percent:g}% of origin requests "
                     f"were answered within {target_ms} ms ({window.burn_rate(objectives.period_days):g}x the budget "
                     f"of the {objectives.latency_percent:g}% objective). One window of the {window.key} burn-rate "
                     "alert; the composite alarm notifies."),
    )


def metric_inputs(spec: AlarmSpec) -> dict[str, Any]:
    """What an ``aws.cloudwatch.MetricAlarm`` watches and when it fires, from a spec: the
    burn-rate windows here and the canaries' failure alarms (``pulumi_webstack.canaries``)
    add their name, description, actions and region."""
    return dict(
        namespace=spec.namespace, metric_name=spec.metric_name, dimensions=spec.dimensions,
        statistic=spec.statistic, extended_statistic=spec.extended_statistic, period=spec.period,
        evaluation_periods=spec.evaluation_periods, datapoints_to_alarm=spec.datapoints_to_alarm,
        threshold=spec.threshold, comparison_operator=spec.comparison, treat_missing_data=spec.treat_missing_data,
    )


def latency_target_ms(objectives: Objectives) -> int:
    """The latency target in whole milliseconds (CloudFront's ``OriginLatency`` unit)."""
    return int(round(objectives.latency_seconds * 1000))


def percentile_rank(target_ms: int) -> str:
    """CloudWatch statistic: percent of datapoints at or under ``target_ms`` (``PR(:3000)``)."""
    return f"PR(:{target_ms})"


def _alert_text(sli: str, window: BurnWindow, rate: float, bad: float, objectives: Objectives) -> str:
    spent = f"{window.budget_percent:g}% of the {objectives.period_days}-day error budget"
    what = (f"more than {bad:g}% of requests answered 5xx" if sli == "availability"
            else f"more than {bad:g}% of origin requests slower than {latency_target_ms(objectives)} ms")
    act = ("Page: check the service-down and CDN 5xx alarms, the latest deploy (roll it back if it coincides) and "
           "the database and cache alarms." if window.severity is Severity.CRITICAL else
           "Ticket: a slow, steady burn; find the failing or slow endpoints in the access logs before the budget "
           "runs out.")
    return (f"Error budget burning {rate:g}x: {what} over the last {_window_text(window.long_minutes)} and still "
            f"over the last {_window_text(window.short_minutes)}. At this rate {spent} is gone in "
            f"{_window_text(window.long_minutes)}. {act}")


# ---------------------------------------------------------------------------- dashboard


def budget_widgets(objectives: Objectives, distribution_id: str, region: str, *, top: int,
                   additional_metrics: bool = True) -> list[dict[str, Any]]:
    """Dashboard row: the error budget left over the last period, one single-value widget per SLO.

    ``100 x (1 - bad share / budget)``: 100 % untouched, 0 % spent, negative overspent. Each
    widget reads its own time range (the period), whatever range the dashboard shows."""
    cdn = ["DistributionId", distribution_id, "Region", "Global"]
    rows: list[tuple[str, str, list[Any]]] = []
    if objectives.availability_percent is not None:
        budget = objectives.budget_percent("availability")
        rows.append((f"Availability budget left ({objectives.availability_percent:g}%, {objectives.period_days} d)",
                     f"100 * (1 - bad / {budget:g})",
                     ["AWS/CloudFront", "5xxErrorRate", *cdn, {"id": "bad", "stat": "Average", "visible": False}]))
    if objectives.latency_percent is not None and additional_metrics:
        budget = objectives.budget_percent("latency")
        rank = percentile_rank(latency_target_ms(objectives))
        rows.append((f"Latency budget left ({objectives.latency_percent:g}% within "
                     f"{latency_target_ms(objectives)} ms, {objectives.period_days} d)",
                     f"100 * (1 - (100 - fast) / {budget:g})",
                     ["AWS/CloudFront", "OriginLatency", *cdn, {"id": "fast", "stat": rank, "visible": False}]))
    return [{
        "type": "metric", "x": index * 12, "y": top, "width": 12, "height": 6,
        "properties": {
            "title": title, "region": region, "view": "singleValue", "setPeriodToTimeRange": True,
            "start": f"-P{objectives.period_days}D",
            "metrics": [[{"expression": expression, "label": "budget left (%)", "id": "left"}], metric],
        },
    } for index, (title, expression, metric) in enumerate(rows)]


def markdown_table(alerts: list[BurnRateAlert]) -> str:
    """The burn-rate alerts as a Markdown table (docs)."""
    lines = ["| alert | severity | SLI | burn rate | long window | short window | fires when |",
             "|---|---|---|---|---|---|---|"]
    for a in alerts:
        condition = f"{a.long.statistic_label} {a.long.operator} {a.long.threshold:g} {a.long.unit}"
        lines.append(f"| `{a.key}` | {a.severity.value} | {a.sli} | {a.burn_rate:g}x | "
                     f"{_window_text(a.window.long_minutes)} | {_window_text(a.window.short_minutes)} | "
                     f"{condition} in both |")
    return "\n".join(lines)

