"""Regenerate the README's numbers and sample outputs from the code.

The README is hand-written prose around blocks this script owns, fenced like the component
pages' (``<!-- generated:NAME -->`` ... ``<!-- /generated:NAME -->``, see docs/generate.py):

- ``chain``: the end of ``webstack synth prod`` (resource count and the longest creation chain);
- ``estimate``: deploy critical path and standing monthly cost per shipped stack;
- ``timings``: the cold command-line times of the last full benchmark run
  (``benchmarks/results.json``, written by ``make bench``);
- ``diffsample``: the PR comment ``webstack diff staging prod --format markdown --max-chars 7000`` posts.

    python docs/readme.py            # rewrite README.md (make readme)
    python docs/readme.py --check    # exit 1 when README.md is stale

Resource counts and costs change whenever a component does: rerun ``make readme`` (the
tests fail while the README is stale).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import sys
from pathlib import Path
from typing import Iterable, Optional

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path[:1]:
    sys.path.insert(0, str(ROOT))  # document this checkout, not some installed copy

from docs.generate import render  # noqa: E402
from pulumi_webstack_cli import estimate  # noqa: E402
from pulumi_webstack_cli.engine import Plan, synth_stack  # noqa: E402

README = ROOT / "README.md"
STACKS = ("dev", "staging", "prod")


def _plans(cache: dict[str, Plan]) -> dict[str, Plan]:
    for stack in STACKS:
        if stack not in cache:
            cache[stack] = synth_stack(stack, root=ROOT)
    return cache


def chain_block(plans: dict[str, Plan]) -> str:
    from pulumi_webstack_cli.main import render_chain

    prod = plans["prod"]
    return "\n".join(["```", "$ webstack synth prod", "...", f"Resources: + {len(prod)} to create",
                      render_chain(prod), "```"])


def _chain_text(deploy: estimate.DeployEstimate) -> str:
    return " → ".join(step.resource.name for step in deploy.chain)


def estimate_block(plans: dict[str, Plan]) -> str:
    rows = ["| stack | resources | deploy critical path | everything one after another | standing monthly cost (USD) |",
            "|---|--:|---|--:|--:|"]
    for stack in STACKS:
        plan = plans[stack]
        deploy, cost = estimate.deploy_estimate(plan), estimate.cost_estimate(plan)
        rows.append(f"| {stack} | {len(plan)} | {estimate.duration(deploy.critical_path_seconds)}: {_chain_text(deploy)} "
                    f"| {estimate.duration(deploy.serial_seconds)} | {estimate._money(cost.monthly_total)} |")
    lines = sorted(estimate.cost_estimate(plans["prod"]).lines, key=lambda line: -line.monthly)[:4]
    rows += ["", "The largest standing charges in prod: "
             + ", ".join(f"`{line.resource.name}` {estimate._money(line.monthly)} ({line.detail})" for line in lines) + "."]
    return "\n".join(rows)


def timings_block(results_path: Path = ROOT / "benchmarks" / "results.json") -> str:
    results = json.loads(results_path.read_text())
    cli = {(c["label"], c["command"]): c for c in results["cli"]}
    lines = ["| command (a new process each run) | wall time, median (min–max) |", "|---|--:|"]
    for stack in STACKS:
        for command in ("synth", "check"):
            wall = cli[(stack, command)]["wall_s"]
            lines.append(f"| `webstack {command} {stack}` | {wall['median']:.2f} s ({wall['min']:.2f}–{wall['max']:.2f}) |")
    machine = results["machine"]
    lines += ["", f"Measured by `make bench` ({machine['date'][:10]}, commit {machine['commit']}) on {machine['cpu']}, "
                  f"{machine['cores']} cores, Python {machine['python']}; every number in `benchmarks/results.md`."]
    return "\n".join(lines)


def diffsample_block(plans: dict[str, Plan]) -> str:
    from pulumi_webstack_cli.diff import diff_plans
    from pulumi_webstack_cli.diff_report import render_markdown

    body = render_markdown([diff_plans(plans["staging"], plans["prod"], fold_stack_names=True)],
                           "webstack diff staging prod", max_chars=7000)
    return "````markdown\n" + body.rstrip("\n") + "\n````"


def blocks(cache: Optional[dict[str, Plan]] = None) -> dict[str, str]:
    with contextlib.redirect_stdout(io.StringIO()):  # a program's prints are not the README's
        plans = _plans(cache if cache is not None else {})
    return {"chain": chain_block(plans), "estimate": estimate_block(plans), "timings": timings_block(),
            "diffsample": diffsample_block(plans)}


def regenerate(text: str, cache: Optional[dict[str, Plan]] = None) -> str:
    return render(text, blocks(cache), "README.md")


def main(argv: Optional[Iterable[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if README.md is stale, without writing")
    args = parser.parse_args(list(argv) if argv is not None else None)
    text = README.read_text()
    fresh = regenerate(text)
    if fresh == text:
        return 0
    if args.check:
        print("README.md is stale: run `make readme`", file=sys.stderr)
        return 1
    README.write_text(fresh)
    print("README.md regenerated")
    return 0


if __name__ == "__main__":
    sys.exit(main())
