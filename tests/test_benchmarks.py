"""benchmarks/: the growth programs build what they claim, the report's schema and analysis,
`benchmarks/run.py --quick` runs, and the speed work keeps the engine's and runner's behaviour.

No timing is asserted here (it would flake on a shared machine); benchmarks/run.py measures.
"""

from __future__ import annotations

import functools
import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from benchmarks import programs, run
from benchmarks.programs import CONFIG, DIMENSIONS, STACK
from pulumi_webstack.database import MAX_REPLICAS
from pulumi_webstack_cli.check import check_plan
from pulumi_webstack_cli.engine import Plan, synth
from tests.conftest import cached_plan

ROOT = Path(__file__).resolve().parent.parent
ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"


@functools.cache
def bench_plan(dimension: str, n: int) -> Plan:
    return synth(DIMENSIONS[dimension].program(n), stack=STACK, config=CONFIG)


def subtree(plan: Plan, *component_names: str) -> list:
    """The named top-level components and everything under them."""
    out = []
    for name in component_names:
        root = plan.get(name)
        out += [root, *plan.descendants(root)]
    return out


def shape(resources) -> Counter:
    return Counter(r.type for r in resources)


# --------------------------------------------------------------- the growth programs


@pytest.mark.parametrize("dimension, unit_names", [
    ("apps", lambda i: (f"app-{i}", f"cdn-{i}")),
    ("databases", lambda i: (f"db-{i}", f"alerts-{i}")),
])
def test_each_unit_adds_one_app_tier_and_cdn_or_one_database_with_its_alarms(dimension, unit_names):
    one, two, three = (bench_plan(dimension, n) for n in (1, 2, 3))
    unit_1, unit_2, unit_3 = subtree(one, *unit_names(1)), subtree(two, *unit_names(2)), subtree(three, *unit_names(3))
    assert len(unit_2) > 20
    # every unit has the same resources, and adding one adds exactly those
    assert shape(unit_1) == shape(unit_2) == shape(unit_3)
    assert len(two) - len(one) == len(unit_2)
    assert len(three) - len(two) == len(unit_3)
    # the base is untouched by growth: N=2 is N=1 plus the second unit, URN for URN
    assert {r.urn for r in two} - {r.urn for r in unit_2} == {r.urn for r in one}


def test_apps_units_are_wired_to_the_shared_data_tier_and_fronted_by_their_own_cdn():
    plan = bench_plan("apps", 2)
    assert len(plan.by_type("aws:rds/instance:Instance")) == 3  # one prod database (primary + 2 replicas), shared
    assert [r.name for r in plan.by_type("webstack:index:Database")] == ["database"]
    # Each app reaches the database through its RDS Proxy, as the stack's app does.
    proxy = plan.one("aws:rds/proxy:Proxy")
    for i in (1, 2):
        app = plan.get(f"app-{i}")
        assert any(proxy in plan.waits_for(r) for r in plan.descendants(app)), app.name
    assert len(plan.by_type("vercel:index/project:Project")) == 2
    distributions = plan.by_type("aws:cloudfront/distribution:Distribution")
    assert sorted(r.inputs["aliases"][0] for r in distributions) == ["app1.bench.example.com", "app2.bench.example.com"]
    origins = sorted(d.inputs["origins"][0]["domainName"] for d in distributions)
    assert origins == ["origin.app1.bench.example.com", "origin.app2.bench.example.com"]


def test_databases_units_bring_the_same_number_of_alarms_each():
    counts = [len(bench_plan("databases", n).by_type(ALARM)) for n in (1, 2, 3)]
    assert counts[0] > 0
    assert counts[1] - counts[0] == counts[2] - counts[1] == counts[0]


def test_replicas_unit_is_one_more_read_replica_with_its_alarms_up_to_the_component_cap():
    plans = [bench_plan("replicas", n) for n in (1, 2, 3)]
    instances = [len(p.by_type("aws:rds/instance:Instance")) for p in plans]
    assert instances == [2, 3, 4]  # primary + n replicas
    deltas = [len(b) - len(a) for a, b in zip(plans, plans[1:])]
    assert deltas[0] == deltas[1] > 1
    alarm_deltas = [len(b.by_type(ALARM)) - len(a.by_type(ALARM)) for a, b in zip(plans, plans[1:])]
    assert alarm_deltas[0] == alarm_deltas[1] > 0
    # the dimension stops where DatabaseArgs does (RDS itself would allow 15)
    assert max(DIMENSIONS["replicas"].sizes) == MAX_REPLICAS


@pytest.mark.parametrize("dimension", sorted(DIMENSIONS))
def test_benchmark_programs_pass_the_policy_pack_like_the_prod_stack(dimension):
    report = programs.check(bench_plan(dimension, 1))
    assert report.passed and not report.advisory, [v.message for v in report.violations]
    # Judged by prod's config, less the policies about a whole stack (which they fail: parts of one).
    config = json.loads(programs.policy_config().read_text())
    prod = json.loads((ROOT / "policies" / "config" / "prod.json").read_text())
    assert config == {**prod, "synthetic-canaries": "disabled", "recovery-drills": "disabled"}
    whole = {v.policy for v in check_plan(bench_plan(dimension, 1)).violations}
    assert whole == set(programs.PART_OF_A_STACK) - ({"synthetic-canaries"} if dimension != "apps" else set())


# ------------------------------------------------------------------- report analysis


def test_stats_are_median_min_max_and_count():
    assert run.stats([3.0, 1.0, 2.0, 10.0]) == {"median": 2.5, "min": 1.0, "max": 10.0, "n": 4}


def test_growth_tells_linear_from_superlinear():
    points = [{"resources": r, "t": {"median": t}} for r, t in ((100, 0.1), (300, 0.3), (1000, 1.0))]
    linear = run.growth(points, "t")
    assert linear["marginal_ms_per_resource"] == [1.0, 1.0]
    assert linear["marginal_ratio"] == 1.0 and linear["linear"] is True
    assert linear["fit"] == {"intercept_s": 0.0, "ms_per_resource": 1.0}
    quadratic = [{"resources": r, "t": {"median": (r / 1000) ** 2}} for r in (100, 300, 1000)]
    assert run.growth(quadratic, "t")["linear"] is False
    # steps of a few resources are not judged: noise would decide
    small = [{"resources": r, "t": {"median": t}} for r, t in ((63, 0.08), (79, 0.29), (95, 0.30))]
    assert run.growth(small, "t")["marginal_ratio"] is None and run.growth(small, "t")["linear"] is None


# ------------------------------------------------------------------- the quick run


def test_quick_run_writes_the_documented_schema(tmp_path):
    proc = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "run.py"), "--quick", "--out", str(tmp_path)],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    results = json.loads((tmp_path / "results.json").read_text())
    assert results["schemaVersion"] == 1 and results["mode"] == "quick"
    machine = results["machine"]
    assert machine["cores"] >= 1 and machine["cpu"] and machine["python"] == ".".join(map(str, sys.version_info[:3]))
    assert machine["packages"]["pulumi"] and machine["packages"]["pulumi-aws"] and machine["date"]

    def is_stats(value) -> bool:
        return set(value) == {"median", "min", "max", "n"} and value["min"] <= value["median"] <= value["max"]

    (dev,) = results["stacks"]
    assert dev["label"] == "dev" and dev["resources"] == len(cached_plan("dev")) and dev["passed"]
    for key in ("import_core_s", "import_program_s", "synth_first_s", "synth_s", "check_s", "synth_peak_mib",
                "check_peak_mib", "rss_mib"):
        assert is_stats(dev[key]), key
    assert dev["synth_peak_mib"]["median"] > 0 and dev["rss_mib"]["median"] > 50

    (cli,) = results["cli"]
    assert cli["argv"] == ["webstack", "check", "dev"] and cli["exit_code"] == 0
    assert is_stats(cli["wall_s"]) and cli["rss_mib"]["median"] > 50

    (apps,) = results["scaling"]
    assert apps["dimension"] == "apps" and [p["n"] for p in apps["points"]] == [1, 2]
    assert [p["resources"] for p in apps["points"]] == [len(bench_plan("apps", 1)), len(bench_plan("apps", 2))]
    assert apps["resources_per_unit"] == [len(bench_plan("apps", 2)) - len(bench_plan("apps", 1))]
    assert all(is_stats(p["synth_s"]) and is_stats(p["check_s"]) and p["passed"] for p in apps["points"])
    assert set(apps["synth"]) == {"ms_per_resource", "marginal_ms_per_resource", "fit", "marginal_ratio", "linear"}
    assert results["targets"]["target_s"] == 2.0

    markdown = (tmp_path / "results.md").read_text()
    assert "| dev | " in markdown and "`webstack check dev`" in markdown and "### apps: N x" in markdown
    assert markdown in proc.stdout


@pytest.mark.parametrize("name", ["results", "after-speed-work", "before-speed-work"])
def test_committed_results_are_full_runs_and_their_markdown_is_their_rendering(name):
    results = json.loads((ROOT / "benchmarks" / f"{name}.json").read_text())
    assert results["schemaVersion"] == 1 and results["mode"] == "full"
    labels = [s["label"] for s in results["stacks"]]
    # The older runs predate the ECS app tier.
    assert labels[:4] == ["dev", "staging", "prod", "prod (kubernetes)"] and labels[4:] in ([], ["prod (ecs)"])
    assert name != "results" or labels[4:] == ["prod (ecs)"]
    assert [d["dimension"] for d in results["scaling"]] == ["apps", "databases", "replicas"]
    assert [p["n"] for p in results["scaling"][0]["points"]] == [1, 5, 20]
    assert (ROOT / "benchmarks" / f"{name}.md").read_text() == run.to_markdown(results)
