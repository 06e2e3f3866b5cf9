"""``webstack``: the offline plan of a stack, without the Pulumi CLI, plugins or credentials.

    webstack synth STACK [--json] [--set KEY=JSON ...]   resource tree of the stack
    webstack check STACK [--json]                         policy pack against that tree
    webstack diff A B | webstack diff STACK --base REF    structural diff (PR comment)
    webstack estimate STACK [--json]                      deploy critical path and monthly cost

Exit codes: 0 success, 1 `check` found a mandatory violation (or `diff --exit-code` found
changes), 2 bad input (unknown stack, invalid config). User errors print one message, never a Python traceback.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
import time
from typing import Any, Optional, Sequence

from pulumi_webstack_cli.engine import Plan, synth_stack, to_plain

# Subcommands living in their own modules; each exposes ``register(subparsers)``.
_SUBCOMMAND_MODULES = ("pulumi_webstack_cli.check", "pulumi_webstack_cli.diff", "pulumi_webstack_cli.estimate")

_MAX_VALUE = 100


def parse_overrides(pairs: Sequence[str]) -> dict[str, Any]:
    """``--set webstack:app='{"platform":"kubernetes"}'`` -> {"webstack:app": {...}}."""
    overrides: dict[str, Any] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or ":" not in key:
            raise UserError(f"--set {pair!r}: expected NAMESPACE:KEY=VALUE, e.g. webstack:app='{{\"platform\":\"kubernetes\"}}'")
        try:
            overrides[key] = json.loads(value)
        except json.JSONDecodeError:
            overrides[key] = value
    return overrides


class UserError(Exception):
    """A problem with what the user asked for: printed as one line, exit 2."""


def plan_for(stack: str, overrides: Optional[dict[str, Any]] = None) -> Plan:
    """Synthesize ``stack``, turning user errors into ``UserError``."""
    import pulumi

    try:
        return synth_stack(stack, overrides)
    except FileNotFoundError as exc:
        raise UserError(str(exc)) from None
    except pulumi.RunError as exc:
        raise UserError(str(exc)) from None


def _short(value: Any) -> str:
    """One line for the tree: JSON, secrets masked, long values cut."""
    plain = to_plain(value)
    if isinstance(plain, str) and plain is not value:  # a masked secret or unknown: no quotes
        return plain
    if isinstance(plain, str):
        return json.dumps(plain if len(plain) <= _MAX_VALUE else plain[: _MAX_VALUE - 3] + "...")
    text = json.dumps(plain, separators=(",", ":"), default=str)
    if isinstance(plain, (dict, list)) and len(text) > _MAX_VALUE:
        text = text[: _MAX_VALUE - 3] + "..."
    return text


def render_tree(plan: Plan, show_inputs: bool = True) -> str:
    """Human-readable tree: type, name, options, inputs and dependencies per resource."""
    lines = [f"{plan.project}-{plan.stack} (pulumi:pulumi:Stack) — {len(plan)} resources"]
    names = {r.urn: r.name for r in plan}

    def walk(parent: Optional[str], prefix: str) -> None:
        children = [r for r in plan if (r.parent if r.parent in names else None) == parent]
        for i, res in enumerate(children):
            last = i == len(children) - 1
            flags = [f for f, on in (("protect", res.protect), ("retainOnDelete", res.retain_on_delete)) if on]
            provider = names.get(res.provider_urn or "", None)
            suffix = "".join(f" [{f}]" for f in flags) + (f" provider={provider}" if provider and res.custom else "")
            lines.append(f"{prefix}{'└─ ' if last else '├─ '}{res.name}  {res.type}{suffix}")
            inner = prefix + ("   " if last else "│  ")
            if show_inputs and res.custom:
                for key in sorted(res.inputs):
                    if key.startswith("__"):
                        continue
                    lines.append(f"{inner}    {key}: {_short(res.inputs[key])}")
                if res.dependencies:
                    deps = sorted({names.get(d, d.rsplit('::', 1)[-1]) for d in res.dependencies})
                    lines.append(f"{inner}    ↳ depends on: {', '.join(deps)}")
            walk(res.urn, inner)

    walk(None, "")
    if plan.outputs:
        lines.append("Outputs:")
        for key in sorted(plan.outputs):
            lines.append(f"    {key}: {_short(plan.outputs[key])}")
    if plan.placeholders:
        lines.append(
            "Note: secret config values cannot be decrypted offline; placeholders were used for: "
            + ", ".join(plan.placeholders)
        )
    return "\n".join(lines)


def _cmd_synth(args: argparse.Namespace) -> int:
    started = time.perf_counter()
    plan = plan_for(args.stack, parse_overrides(args.set))
    if args.json:
        print(json.dumps(plan.to_json(), indent=2, sort_keys=False, default=str))
    else:
        print(render_tree(plan, show_inputs=not args.tree_only))
        chain = plan.critical_path()
        print(f"Planned {len(plan)} resources for stack {args.stack!r} in {time.perf_counter() - started:.2f}s (offline).")
        if chain:
            print(f"Longest creation chain ({len(chain)} steps; everything else is created in parallel): "
                  + " → ".join(r.name for r in chain))
    return 0


def add_set_option(parser: argparse.ArgumentParser) -> None:
    """``--set KEY=VALUE`` (repeatable): config overrides for one run, read by ``parse_overrides``."""
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                        help="override a stack config key for this run, e.g. "
                             "webstack:app='{\"platform\":\"kubernetes\"}'")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="webstack",
        description="Offline plan, policy check and diff of the webstack Pulumi stacks (no CLI, plugins or credentials).",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    synth = sub.add_parser("synth", help="print the resource tree a stack would deploy")
    synth.add_argument("stack", help="stack name (reads Pulumi.<stack>.yaml)")
    synth.add_argument("--json", action="store_true", help="machine-readable plan (schemaVersion 1)")
    synth.add_argument("--tree-only", action="store_true", help="types and names only, no inputs")
    add_set_option(synth)
    synth.set_defaults(func=_cmd_synth)
    for module_name in _SUBCOMMAND_MODULES:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name != module_name:
                raise
            continue
        module.register(sub)
    return parser


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        code = args.func(args)
    except UserError as exc:
        print(f"webstack: error: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        return 0
    return int(code or 0)


if __name__ == "__main__":
    sys.exit(main())
