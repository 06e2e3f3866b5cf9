"""Benchmarks of the offline plan (`webstack synth`) and policy check (`webstack check`).

    python benchmarks/run.py                 # full run (make bench): writes benchmarks/results.{json,md}
    python benchmarks/run.py --quick --out DIR   # seconds-long smoke run (tests use it)

What is measured (every number is a median over repeated runs, with min and max):

* per stack (dev, staging, prod, and prod on Kubernetes and on ECS),
  each in a fresh Python process: the imports ``webstack`` pays (the engine and policy pack,
  then the stack program's modules as ``synth_stack`` loads them), the first program run
  (which also loads the SDK modules used only at run time), then repeated warm runs of the
  program under the offline engine and of the policy pack over its plan; the memory one run
  allocates at its peak (``tracemalloc``) and the process's peak RSS (``ru_maxrss``);
* the cold command line: ``webstack synth STACK`` and ``webstack check STACK``, each a new
  process, wall time and peak RSS (``wait4``);
* growth: the programs of ``benchmarks/programs.py`` at increasing size, resource count and
  time per N, time per resource, and the cost of each added resource between sizes.

Nothing here changes what is measured: the same entry points the CLI and tests use
(``pulumi_webstack_cli.engine.synth_stack`` / ``synth``, ``pulumi_webstack_cli.check.check_plan``) and the installed
``webstack`` script. Timings use ``time.perf_counter``.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import os
import platform
import resource
import statistics
import subprocess
import tempfile
import sys
import time
import tracemalloc
from pathlib import Path
from typing import Any, Callable, Optional, Sequence

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # `python benchmarks/run.py` puts benchmarks/ first, not the project
    sys.path.insert(0, str(ROOT))

SCHEMA_VERSION = 1
TARGET_S = 2.0
"""The goal of issue 9: a full prod synth + check in under 2 s on a 2-core machine."""
LINEAR_TOLERANCE = 1.5
"""Growth counts as linear when the cost of an added resource at the largest size is at most
this many times its cost at the smallest (timing noise on a shared machine is ~20 %)."""
MIN_STEP = 100
"""Fewest resources a step between sizes must add for its per-resource cost to be judged:
below that, a few milliseconds of noise swamp the difference (the replicas dimension adds
8 resources per replica and stops at 5)."""
# The overrides the tests plan prod on Kubernetes (in the cluster's VPC) and on ECS (an ECR
# image of the stack's region) with: prod refuses the placeholder image of dev and staging.
from tests.helpers import ECS, KUBERNETES as K8S  # noqa: E402
STACKS: list[dict[str, Any]] = [
    {"label": "dev", "stack": "dev", "overrides": {}},
    {"label": "staging", "stack": "staging", "overrides": {}},
    {"label": "prod", "stack": "prod", "overrides": {}},
    {"label": "prod (kubernetes)", "stack": "prod", "overrides": K8S},
    {"label": "prod (ecs)", "stack": "prod", "overrides": ECS},
]
MIB = 1024 * 1024


# ------------------------------------------------------------------------- statistics


def stats(values: Sequence[float], digits: int = 4) -> dict[str, Any]:
    """Median, min, max and count of ``values``."""
    values = list(values)
    return {
        "median": round(statistics.median(values), digits),
        "min": round(min(values), digits),
        "max": round(max(values), digits),
        "n": len(values),
    }


def linear_fit(xs: Sequence[float], ys: Sequence[float]) -> tuple[float, float]:
    """Least-squares ``y = a + b x``: (a, b)."""
    n = len(xs)
    mx, my = sum(xs) / n, sum(ys) / n
    sxx = sum((x - mx) ** 2 for x in xs)
    b = sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sxx if sxx else 0.0
    return my - b * mx, b


def growth(points: list[dict[str, Any]], key: str) -> dict[str, Any]:
    """How ``key`` (seconds, a stats dict per point) grows with the resource count."""
    rs = [p["resources"] for p in points]
    ts = [p[key]["median"] for p in points]
    marginal = [
        round(1000 * (ts[i + 1] - ts[i]) / (rs[i + 1] - rs[i]), 4) for i in range(len(points) - 1)
    ]
    a, b = linear_fit(rs, ts)
    steps = [rs[i + 1] - rs[i] for i in range(len(rs) - 1)]
    judgeable = len(marginal) > 1 and min(steps) >= MIN_STEP and marginal[0] > 0
    ratio = round(marginal[-1] / marginal[0], 2) if judgeable else None
    return {
        "ms_per_resource": [round(1000 * t / r, 4) for t, r in zip(ts, rs)],
        "marginal_ms_per_resource": marginal,
        "fit": {"intercept_s": round(a, 4), "ms_per_resource": round(1000 * b, 4)},
        "marginal_ratio": ratio,
        "linear": None if ratio is None else ratio <= LINEAR_TOLERANCE,
    }


# ---------------------------------------------------------------------- the machine


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _mem_total_gib() -> Optional[float]:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    return None


def _version(dist: str) -> Optional[str]:
    from importlib import metadata

    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return None


def _git(*args: str) -> Optional[str]:
    try:
        out = subprocess.run(["git", "-C", str(ROOT), *args], capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() if out.returncode == 0 else None


def cpu_times() -> Optional[list[int]]:
    """The aggregate ``cpu`` line of /proc/stat (user nice system idle iowait irq softirq steal ...)."""
    try:
        return [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    except (OSError, ValueError, IndexError):
        return None


def contention(start: Optional[list[int]], end: Optional[list[int]]) -> Optional[dict[str, float]]:
    """Share of CPU time, over the run, stolen by the hypervisor and spent idle (all cores)."""
    if not start or not end or len(start) < 8 or len(end) < 8:
        return None
    delta = [b - a for a, b in zip(start, end)]
    total = sum(delta[:8]) or 1
    return {"steal_percent": round(100 * delta[7] / total, 1), "idle_percent": round(100 * delta[3] / total, 1)}


def machine() -> dict[str, Any]:
    """What the numbers were measured on."""
    dirty = _git("status", "--porcelain", "--", "infra", "components", "policies", "Pulumi.yaml",
                 "Pulumi.dev.yaml", "Pulumi.staging.yaml", "Pulumi.prod.yaml")
    return {
        "date": _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "cpu": _cpu_model(),
        "cores": os.cpu_count(),
        "cores_available": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
        "memory_gib": _mem_total_gib(),
        "load_average": [round(x, 2) for x in os.getloadavg()] if hasattr(os, "getloadavg") else None,
        "os": platform.platform(),
        "python": platform.python_version(),
        "python_bytecode_cache": "off (PYTHONDONTWRITEBYTECODE)" if os.environ.get("PYTHONDONTWRITEBYTECODE") else "on",
        "packages": {name: _version(name) for name in (
            "pulumi", "pulumi-aws", "pulumi-kubernetes", "pulumiverse-vercel", "pulumi-random", "pulumi-policy",
            "protobuf", "grpcio")},
        "commit": _git("rev-parse", "--short", "HEAD"),
        "uncommitted_changes": bool(dirty) if dirty is not None else None,
    }


# --------------------------------------------------------------- in-process workers


def _rss_mib() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def _peak_mib(fn) -> tuple[Any, float]:
    """``fn()`` under tracemalloc: (its result, peak traced allocation in MiB)."""
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        result = fn()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return result, round(peak / MIB, 1)


def _timed(fn) -> tuple[Any, float]:
    started = time.perf_counter()
    result = fn()
    return result, time.perf_counter() - started


def _warm_runs(synth: Callable[[], Any], check: Callable[[Any], Any], runs: int,
               memory: bool) -> tuple[Any, dict[str, Any]]:
    """``runs`` timed ``synth()``, then ``runs`` timed ``check(plan)`` of the last plan, and
    (``memory``) the peak allocation of one more of each: (the plan, the measurements)."""
    synths, checks = [], []
    for _ in range(runs):
        plan, seconds = _timed(synth)
        synths.append(seconds)
    for _ in range(runs):
        report, seconds = _timed(lambda: check(plan))
        checks.append(seconds)
    out: dict[str, Any] = {"passed": report.passed, "synth_s": synths, "check_s": checks}
    if memory:
        plan, out["synth_peak_mib"] = _peak_mib(synth)
        _, out["check_peak_mib"] = _peak_mib(lambda: check(plan))
    return plan, out


def job_stack(stack: str, overrides: dict[str, Any], runs: int) -> dict[str, Any]:
    """One stack in this (fresh) process: imports, first run, warm runs, check, memory."""
    started = time.perf_counter()
    import pulumi_webstack_cli.check  # noqa: F401 - the engine and policy pack, as `webstack check` loads them
    import pulumi_webstack_cli.engine

    core = time.perf_counter() - started
    # What synth_stack does on its first call: the program's modules, GC paused, then frozen
    # (a checkout older than that step just imports them: see --before in benchmarks/README.md).
    preload = getattr(pulumi_webstack_cli.engine, "_preload_program", None)
    _, program = _timed(lambda: preload(pulumi_webstack_cli.engine.ROOT) if preload else __import__("infra.program"))
    _, first = _timed(lambda: pulumi_webstack_cli.engine.synth_stack(stack, overrides))
    plan, out = _warm_runs(lambda: pulumi_webstack_cli.engine.synth_stack(stack, overrides),
                           lambda plan: pulumi_webstack_cli.check.check_plan(plan, stack), runs, memory=True)
    return {
        "resources": len(plan),
        "import_core_s": round(core, 4),
        "import_program_s": round(program, 4),
        "synth_first_s": round(first, 4),
        **out,
        "rss_mib": _rss_mib(),
    }


def _load_programs():
    """The benchmark programs' module, loaded as synth_stack loads the stack program
    (``engine.preload``; a checkout from before that step just imports it)."""
    import pulumi_webstack_cli.engine

    if hasattr(pulumi_webstack_cli.engine, "preload"):
        pulumi_webstack_cli.engine.preload("benchmarks.programs")
    from benchmarks import programs
    return programs


def job_scale(dimension: str, n: int, runs: int, memory: bool) -> dict[str, Any]:
    """One size of one benchmark program: warm synth and check times, counts, memory."""
    import pulumi_webstack_cli.check
    import pulumi_webstack_cli.engine

    programs = _load_programs()
    dim = programs.DIMENSIONS[dimension]

    def synth():
        return pulumi_webstack_cli.engine.synth(dim.program(n), stack=programs.STACK, config=programs.CONFIG)

    synth()  # warm-up: SDK modules used only at run time load here
    # A checkout from before the programs had their own check uses the pack's config for the stack.
    check = getattr(programs, "check", pulumi_webstack_cli.check.check_plan)
    plan, out = _warm_runs(synth, check, runs, memory)
    return {
        "resources": len(plan),
        "custom_resources": sum(1 for r in plan if r.custom),
        "alarms": len(plan.by_type("aws:cloudwatch/metricAlarm:MetricAlarm")),
        **out,
    }


def worker(jobs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    results = []
    for job in jobs:
        if job["kind"] == "stack":
            results.append(job_stack(job["stack"], job["overrides"], job["runs"]))
        elif job["kind"] == "scale":
            results.append(job_scale(job["dimension"], job["n"], job["runs"], job["memory"]))
        else:
            raise ValueError(f"unknown job kind {job['kind']!r}")
    return results


def run_worker(jobs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Run ``jobs`` in a fresh Python process (cold imports) and return their results."""
    proc = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--worker", json.dumps(jobs)],
                          cwd=ROOT, capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"benchmark worker failed ({proc.returncode}):\n{proc.stderr[-4000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


# --------------------------------------------------------------------- the cold CLI


CLI_AS_MODULE = False
"""Run the CLI as ``python -m pulumi_webstack_cli.main`` from ROOT instead of the installed ``webstack``
script (``--cli-as-module``: for a checkout the installed script does not import)."""


def webstack_command() -> list[str]:
    script = Path(sys.executable).with_name("webstack")
    if script.exists() and not CLI_AS_MODULE:
        return [str(script)]
    return [sys.executable, "-m", "pulumi_webstack_cli.main"]


def cli_argv(command: str, entry: dict[str, Any]) -> list[str]:
    argv = [command, entry["stack"]]
    for key, value in entry["overrides"].items():
        argv += ["--set", f"{key}={json.dumps(value, separators=(',', ':'))}"]
    return argv


def run_cli(argv: list[str]) -> tuple[float, float, int]:
    """(wall seconds, peak RSS MiB, exit code) of one ``webstack`` process, output discarded."""
    # stderr goes to a file, not a pipe: wait4 reaps the child before anything reads it.
    with tempfile.TemporaryFile() as stderr:
        started = time.perf_counter()
        proc = subprocess.Popen(webstack_command() + argv, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=stderr)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode not in (0, 1):  # 1 is a policy verdict, not a failure to run
            stderr.seek(0)
            raise RuntimeError(f"webstack {' '.join(argv)} exited {proc.returncode}: "
                               f"{stderr.read().decode(errors='replace')[-2000:]}")
    return wall, round(usage.ru_maxrss / 1024, 1), proc.returncode


# ----------------------------------------------------------------------- the report


def measure(quick: bool, processes: int, runs: int, cli_runs: int, log=print) -> dict[str, Any]:
    times_at_start = cpu_times()
    stacks = STACKS[:1] if quick else STACKS
    results: dict[str, Any] = {
        "schemaVersion": SCHEMA_VERSION,
        "mode": "quick" if quick else "full",
        "machine": machine(),
        "settings": {"processes_per_stack": processes, "warm_runs_per_process": runs, "cli_runs": cli_runs,
                     "target_s": TARGET_S, "linear_tolerance": LINEAR_TOLERANCE,
                     "cli_command": " ".join(Path(c).name if i == 0 else c for i, c in enumerate(webstack_command()))},
        "stacks": [],
        "cli": [],
        "scaling": [],
    }
    from benchmarks import programs

    dims = [programs.DIMENSIONS["apps"]] if quick else list(programs.DIMENSIONS.values())
    sizes = {d.name: ((1, 2) if quick else d.sizes) for d in dims}
    scale_jobs = [{"kind": "scale", "dimension": d.name, "n": n, "runs": runs, "memory": not quick}
                  for d in dims for n in sizes[d.name]]

    scale_results: list[dict[str, Any]] = []
    for entry in stacks:
        log(f"stack {entry['label']}: {processes} fresh process(es) x {runs} warm run(s)")
        per_process = []
        for process in range(processes):
            jobs = [{"kind": "stack", "stack": entry["stack"], "overrides": entry["overrides"], "runs": runs}]
            if quick and process == 0:  # the first process runs the rest too: the quick mode is a smoke test
                jobs += scale_jobs
            out = run_worker(jobs)
            per_process.append(out[0])
            if quick and process == 0:
                scale_results = out[1:]
        results["stacks"].append({
            "label": entry["label"],
            "stack": entry["stack"],
            "overrides": entry["overrides"],
            "resources": per_process[0]["resources"],
            "passed": per_process[0]["passed"],
            "import_core_s": stats([p["import_core_s"] for p in per_process]),
            "import_program_s": stats([p["import_program_s"] for p in per_process]),
            "synth_first_s": stats([p["synth_first_s"] for p in per_process]),
            "synth_s": stats([s for p in per_process for s in p["synth_s"]]),
            "check_s": stats([s for p in per_process for s in p["check_s"]]),
            "synth_peak_mib": stats([p["synth_peak_mib"] for p in per_process], 1),
            "check_peak_mib": stats([p["check_peak_mib"] for p in per_process], 1),
            "rss_mib": stats([p["rss_mib"] for p in per_process], 1),
        })

    cli_stacks = stacks if not quick else stacks[:1]
    commands = ("check",) if quick else ("synth", "check")
    for entry in cli_stacks:
        for command in commands:
            argv = cli_argv(command, entry)
            log(f"cli: webstack {' '.join(argv)} x {cli_runs}")
            if not quick:
                run_cli(argv)  # warm-up (file cache); not counted
            samples = [run_cli(argv) for _ in range(cli_runs)]
            results["cli"].append({
                "label": entry["label"],
                "command": command,
                "argv": ["webstack", *argv],
                "exit_code": samples[-1][2],
                "wall_s": stats([s[0] for s in samples]),
                "rss_mib": stats([s[1] for s in samples], 1),
            })

    if not quick:
        for job in scale_jobs:
            log(f"scaling: {job['dimension']} n={job['n']}")
            scale_results.append(run_worker([job])[0])
    for dim in dims:
        points = []
        for job, out in zip(scale_jobs, scale_results):
            if job["dimension"] != dim.name:
                continue
            points.append({
                "n": job["n"],
                "resources": out["resources"],
                "custom_resources": out["custom_resources"],
                "alarms": out["alarms"],
                "passed": out["passed"],
                "synth_s": stats(out["synth_s"]),
                "check_s": stats(out["check_s"]),
                "synth_peak_mib": out.get("synth_peak_mib"),  # None: not measured (--quick)
                "check_peak_mib": out.get("check_peak_mib"),
            })
        per_unit = [
            (b["resources"] - a["resources"]) / (b["n"] - a["n"]) for a, b in zip(points, points[1:])
        ]
        results["scaling"].append({
            "dimension": dim.name,
            "unit": dim.unit,
            "points": points,
            "resources_per_unit": per_unit,
            "synth": growth(points, "synth_s"),
            "check": growth(points, "check_s"),
        })
    results["targets"] = targets(results)
    results["machine"]["load_average_end"] = (
        [round(x, 2) for x in os.getloadavg()] if hasattr(os, "getloadavg") else None)
    results["machine"]["cpu_during_run"] = contention(times_at_start, cpu_times())
    return results


def targets(results: dict[str, Any]) -> dict[str, Any]:
    """The issue's target (prod synth + check < 2 s) measured three ways."""
    out: dict[str, Any] = {"target_s": TARGET_S}
    prod = next((s for s in results["stacks"] if s["label"] == "prod"), None)
    if prod:
        warm = prod["synth_s"]["median"] + prod["check_s"]["median"]
        first = prod["synth_first_s"]["median"] + prod["check_s"]["median"]
        out["in_process_warm_s"] = round(warm, 3)
        out["in_process_first_run_s"] = round(first, 3)
    cli = {(c["label"], c["command"]): c["wall_s"]["median"] for c in results["cli"]}
    if ("prod", "check") in cli:
        out["cold_cli_check_s"] = cli[("prod", "check")]
    if ("prod", "synth") in cli and ("prod", "check") in cli:
        out["cold_cli_synth_then_check_s"] = round(cli[("prod", "synth")] + cli[("prod", "check")], 3)
    out["met"] = {k: v < TARGET_S for k, v in out.items() if k.endswith("_s") and k != "target_s"}
    return out


def _stat(st: dict[str, Any]) -> str:
    return f"{st['median']:.3f} ({st['min']:.3f}–{st['max']:.3f})"


def to_markdown(results: dict[str, Any]) -> str:
    m = results["machine"]
    st = results["settings"]
    pk = ", ".join(f"{k} {v}" for k, v in m["packages"].items() if v)
    lines = [
        "# Benchmark results",
        "",
        f"Generated by `python benchmarks/run.py{' --quick' if results['mode'] == 'quick' else ''}` "
        f"(`make bench` runs the full set); see benchmarks/README.md for what each number means.",
        "",
        f"- Machine: {m['cpu']}, {m['cores']} cores ({m['cores_available']} available), "
        f"{m['memory_gib']} GiB, {m['os']}",
        f"- Python {m['python']} (bytecode cache {m['python_bytecode_cache']}); {pk}",
        f"- Date: {m['date']};"
        + (f" commit {m['commit']}{' + uncommitted changes' if m['uncommitted_changes'] else ''};" if m["commit"] else "")
        + f" load average {m['load_average']} at start, {m.get('load_average_end')} at end"
        + (f"; CPU over the run: {m['cpu_during_run']['steal_percent']} % stolen by the hypervisor, "
           f"{m['cpu_during_run']['idle_percent']} % idle" if m.get("cpu_during_run") else "")
        + (f"; {m['label']}" if m.get("label") else ""),
        f"- Runs: {st['processes_per_stack']} fresh process(es) per stack x {st['warm_runs_per_process']} warm "
        f"run(s); {st['cli_runs']} run(s) per CLI command"
        f"{' (after one untimed warm-up)' if results['mode'] == 'full' else ''}; median (min–max), seconds",
        "",
        "## Per stack, in process",
        "",
        "| stack | resources | import engine + pack | import program | first run | synth (warm) | check | "
        "synth peak alloc | check peak alloc | process peak RSS |",
        "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|",
    ]
    for s in results["stacks"]:
        lines.append(
            f"| {s['label']} | {s['resources']} | {_stat(s['import_core_s'])} | {_stat(s['import_program_s'])} | "
            f"{_stat(s['synth_first_s'])} | {_stat(s['synth_s'])} | {_stat(s['check_s'])} | "
            f"{s['synth_peak_mib']['median']:.0f} MiB | {s['check_peak_mib']['median']:.0f} MiB | "
            f"{s['rss_mib']['median']:.0f} MiB |")
    lines += ["", "## Cold command line (new process each run)", "",
              "| command | wall | peak RSS |", "|---|--:|--:|"]
    for c in results["cli"]:
        lines.append(f"| `{' '.join(c['argv'])}` | {_stat(c['wall_s'])} | {c['rss_mib']['median']:.0f} MiB |")
    t = results["targets"]
    lines += ["", f"## Target: prod synth + check under {t['target_s']:.0f} s", ""]
    if len(t) <= 2:
        lines.append("- not measured (the prod stack is not part of a quick run)")
    names = {
        "in_process_warm_s": "in process, imports excluded (warm synth + check)",
        "in_process_first_run_s": "in process, first run (imports excluded, SDK modules loaded on first use included)",
        "cold_cli_check_s": "cold `webstack check prod` (one process: imports, synth, check)",
        "cold_cli_synth_then_check_s": "cold `webstack synth prod` then `webstack check prod` (two processes)",
    }
    for key, label in names.items():
        if key in t:
            lines.append(f"- {label}: **{t[key]:.3f} s** — {'met' if t['met'][key] else 'not met'}")
    lines += ["", "## Growth", ""]
    for d in results["scaling"]:
        lines += [f"### {d['dimension']}: N x {d['unit']}", "",
                  "| N | resources | alarms | synth | ms / resource | check | ms / resource | synth peak alloc |",
                  "|--:|--:|--:|--:|--:|--:|--:|--:|"]
        for p, sm, cm in zip(d["points"], d["synth"]["ms_per_resource"], d["check"]["ms_per_resource"]):
            lines.append(f"| {p['n']} | {p['resources']} | {p['alarms']} | {_stat(p['synth_s'])} | {sm:.2f} | "
                         f"{_stat(p['check_s'])} | {cm:.2f} | "
                         f"{'–' if p['synth_peak_mib'] is None else format(p['synth_peak_mib'], '.0f') + ' MiB'} |")
        for what in ("synth", "check"):
            g = d[what]
            marg = ", ".join(f"{x:.2f}" for x in g["marginal_ms_per_resource"])
            verdict = (("linear" if g["linear"] else "SUPERLINEAR") if g["linear"] is not None
                       else f"not judged: steps under {MIN_STEP} resources")
            lines.append("")
            lines.append(f"{what}: each added resource costs {marg} ms between successive sizes "
                         f"(last/first = {g['marginal_ratio']}: {verdict}); least-squares fit "
                         f"{g['fit']['intercept_s']:.3f} s + {g['fit']['ms_per_resource']:.2f} ms x resources.")
        lines += ["", f"Resources per unit: {', '.join(f'{x:g}' for x in d['resources_per_unit'])}.", ""]
    return "\n".join(lines).rstrip() + "\n"


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true",
                        help="smoke run: dev only, one process, one run, growth of one dimension at N = 1, 2 "
                             "(no memory figures for those); writes nothing unless --out is given")
    parser.add_argument("--out", metavar="DIR", help="where results.json and results.md go "
                        "(default: benchmarks/ for a full run)")
    parser.add_argument("--processes", type=int, default=None, help="fresh processes per stack (default 5)")
    parser.add_argument("--runs", type=int, default=None, help="warm runs per process and per size (default 5)")
    parser.add_argument("--cli-runs", type=int, default=None, help="runs of each CLI command (default 5)")
    parser.add_argument("--cli-as-module", action="store_true",
                        help="time `python -m pulumi_webstack_cli.main` run from this checkout instead of the installed "
                             "`webstack` script (for a checkout the script does not import)")
    parser.add_argument("--label", help="free text recorded with the results, e.g. which tree was measured")
    parser.add_argument("--render", metavar="JSON", help="only re-render the Markdown of an earlier results.json "
                        "(written next to it, same name with .md)")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        print(json.dumps(worker(json.loads(args.worker))))
        return 0
    if args.render:
        source = Path(args.render)
        markdown = to_markdown(json.loads(source.read_text()))
        source.with_suffix(".md").write_text(markdown)
        print(markdown)
        return 0
    global CLI_AS_MODULE
    CLI_AS_MODULE = args.cli_as_module
    default = 1 if args.quick else 5
    processes = args.processes or default
    runs = args.runs or default
    cli_runs = args.cli_runs or default
    log = (lambda msg: print(msg, file=sys.stderr, flush=True))
    results = measure(args.quick, processes, runs, cli_runs, log=log)
    results["machine"]["label"] = args.label
    markdown = to_markdown(results)
    out = Path(args.out) if args.out else (None if args.quick else Path(__file__).resolve().parent)
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        (out / "results.json").write_text(json.dumps(results, indent=2) + "\n")
        (out / "results.md").write_text(markdown)
        log(f"wrote {out / 'results.json'} and {out / 'results.md'}")
    print(markdown)
    return 0


if __name__ == "__main__":
    sys.exit(main())
