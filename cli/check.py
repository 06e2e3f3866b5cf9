"""``webstack check [-s STACK] [--policy-pack DIR] [--format text|json|sarif|markdown]``:
a CrossGuard policy pack against a stack's offline plan.

The stack is synthesized by the offline engine (``pulumi_webstack_cli.engine.synth_stack``),
then every policy of the pack -- this package's (``pulumi_webstack_policies.pack.POLICIES``)
or the one in ``--policy-pack DIR`` (``pulumi_webstack_cli.packs``): the very objects
``pulumi preview --policy-pack DIR`` loads -- is evaluated by
``pulumi_webstack_policies.runner`` the way the analyzer server does it: resource policies
once per resource on its inputs, stack policies once over every resource's outputs (inputs
plus computed attributes), with parents, dependencies and property dependencies, after the
same protobuf round trip and read-only proxies.

Policy configuration: ``--policy-config FILE``, else the pack's ``config/<STACK>.json``, else
the file of the stack's tier (the ``tier`` stack output), else the pack defaults; merged
and validated like the Pulumi CLI does (``pulumi_webstack_policies.settings.resolve``).

Outputs: text for people; ``--format json`` (below; schema ``schemas/check.schema.json``);
``--format sarif`` (SARIF 2.1.0 for GitHub code scanning, ``pulumi_webstack_cli.sarif``);
``--format markdown`` (a summary for a CI job summary). ``--sarif FILE`` and ``--summary
FILE`` write those too, next to what goes to stdout, from the same run.

Exit codes: 0 no mandatory violation, 1 at least one mandatory violation, 2 the check
could not run (unknown stack, invalid stack config, policy pack or policy config).

Secrets: values registered as secrets are never printed. Messages are scrubbed of every
secret value of the plan, and config secrets are placeholders offline anyway.

JSON output (``--json``), ``schemaVersion`` 1; fields are only ever added::

    {
      "schemaVersion": 1,
      "stack": "prod",
      "policyPack": "webstack-security",
      "policyConfig": "policies/config/prod.json",     # null: pack defaults
      "policies": 25,                                  # policies evaluated (not disabled)
      "resources": 187,                                # resources in the plan
      "passed": true,                                  # no mandatory violation
      "summary": {"mandatory": 0, "advisory": 2, "unverified": 0},
      "violations": [                                  # mandatory first, then advisory
        {
          "policy": "cloudfront-viewer-tls",
          "level": "mandatory",                        # or "advisory"
          "severity": "high",                          # low | medium | high | critical
          "resource": {"urn": "urn:pulumi:...", "type": "aws:cloudfront/distribution:Distribution",
                       "name": "cdn-distribution"},    # null for a stack-wide finding
          "message": "Distribution 'cdn-distribution': ...: set ...",
          "remediation": "Set viewer_protocol_policy='redirect-to-https' ..."
        }
      ],
      "unverified": [ ... same shape ... ],             # policies that met a value unknown offline
      "placeholders": ["webstack:vercelApiToken"]      # secret config replaced by placeholders
    }
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

from pulumi_policy import EnforcementLevel, Secret as PolicySecret

from pulumi_webstack_cli.engine import SECRET_TEXT, Plan, Resource, Secret, Unknown, gc_paused
from pulumi_webstack_cli.packs import Pack, builtin_pack
from pulumi_webstack_cli.style import Style
from pulumi_webstack_policies import settings
from pulumi_webstack_policies.runner import ResourceState, evaluate
from pulumi_webstack_policies.values import UNKNOWN

SCHEMA_VERSION = 1


@dataclass(frozen=True)
class Violation:
    """One finding of one policy on one resource (or on the whole stack)."""

    policy: str
    level: str
    """``mandatory`` or ``advisory``."""
    severity: str
    message: str
    remediation: str
    urn: Optional[str] = None
    resource_type: Optional[str] = None
    resource_name: Optional[str] = None
    location: Optional[tuple[str, int]] = None
    """(file, line) of the code that created the resource (``Resource.source_in``)."""

    @property
    def resource(self) -> str:
        """``type name`` of the resource, or ``(stack)``."""
        if self.resource_type:
            return f"{self.resource_type} {self.resource_name}"
        return "(stack)"

    def to_json(self) -> dict[str, Any]:
        return {
            "policy": self.policy,
            "level": self.level,
            "severity": self.severity,
            "resource": (
                {"urn": self.urn, "type": self.resource_type, "name": self.resource_name} if self.urn else None
            ),
            "message": self.message,
            "remediation": self.remediation,
        }


@dataclass
class CheckReport:
    """The pack's verdict on one stack plan."""

    stack: str
    policy_config: Optional[str]
    policies: int
    resources: int
    violations: list[Violation] = field(default_factory=list)
    unverified: list[Violation] = field(default_factory=list)
    placeholders: list[str] = field(default_factory=list)
    pack: Pack = field(default_factory=builtin_pack)
    project: str = ""

    @property
    def mandatory(self) -> list[Violation]:
        return [v for v in self.violations if v.level == "mandatory"]

    @property
    def advisory(self) -> list[Violation]:
        return [v for v in self.violations if v.level != "mandatory"]

    @property
    def passed(self) -> bool:
        return not self.mandatory

    @property
    def exit_code(self) -> int:
        return 0 if self.passed else 1

    def to_json(self) -> dict[str, Any]:
        return {
            "schemaVersion": SCHEMA_VERSION,
            "stack": self.stack,
            "policyPack": self.pack.name,
            "policyConfig": self.policy_config,
            "policies": self.policies,
            "resources": self.resources,
            "passed": self.passed,
            "summary": {"mandatory": len(self.mandatory), "advisory": len(self.advisory),
                        "unverified": len(self.unverified)},
            "violations": [v.to_json() for v in self.violations],
            "unverified": [v.to_json() for v in self.unverified],
            "placeholders": list(self.placeholders),
        }

    def render(self, style: Optional[Style] = None) -> str:
        """Human-readable report: policy, resource (type + name), message, fix."""
        style = style or Style(False)
        config = self.policy_config or "pack defaults"
        lines = [
            style.bold(f"Policy pack {self.pack.name} on stack {self.stack!r}: {self.policies} policies "
                       f"({config}), {self.resources} resources (offline plan)"),
            "",
        ]
        colours = {"mandatory": "red", "advisory": "yellow"}
        for v in self.violations:
            lines += [
                f"{style.paint(f'{v.level.upper():9}', colours[v.level], 'bold')}  {v.policy}  [{v.severity}]",
                f"    resource: {v.resource}" + (style.dim(f"  ({v.location[0]}:{v.location[1]})") if v.location else ""),
                f"    {v.message}",
                f"    fix: {v.remediation}",
                "",
            ]
        for v in self.unverified:
            lines += [f"{style.dim('UNVERIFIED')} {v.policy}: {v.message}", ""]
        if self.placeholders:
            lines += ["Note: secret config values were replaced by placeholders offline: "
                      + ", ".join(self.placeholders), ""]
        lines.append(self.verdict(style))
        return "\n".join(lines)

    def verdict(self, style: Optional[Style] = None) -> str:
        """``PASSED: 0 mandatory, 2 advisory violation(s)`` (or FAILED)."""
        style = style or Style(False)
        verdict = style.paint("PASSED", "green", "bold") if self.passed else style.paint("FAILED", "red", "bold")
        return (f"{verdict}: {len(self.mandatory)} mandatory, {len(self.advisory)} advisory violation(s)"
                + (f", {len(self.unverified)} not verifiable offline" if self.unverified else ""))

    def to_markdown(self) -> str:
        """A summary for a CI job summary (``$GITHUB_STEP_SUMMARY``): verdict, counts, a table."""
        icon = "✅ passed" if self.passed else "❌ failed"
        lines = [
            f"### Policy check `{self.stack}`: {icon}",
            "",
            f"`{self.pack.name}`: {self.policies} policies ({self.policy_config or 'pack defaults'}) on "
            f"{self.resources} resources of the offline plan: **{len(self.mandatory)} mandatory**, "
            f"{len(self.advisory)} advisory" + (f", {len(self.unverified)} not verifiable offline" if self.unverified else "")
            + ".",
            "",
        ]
        if self.violations:
            lines += ["| level | policy | severity | resource | message |", "|---|---|---|---|---|"]
            for v in self.violations:
                cell = " ".join(v.message.split()).replace("|", "\\|")
                where = f"`{v.resource_name}` (`{v.resource_type}`)" if v.resource_type else "(stack)"
                lines.append(f"| {v.level} | `{v.policy}` | {v.severity} | {where} | {cell} |")
            lines.append("")
        if self.placeholders:
            lines += [f"<sub>Secret config replaced by placeholders offline: "
                      f"{', '.join(f'`{p}`' for p in self.placeholders)}.</sub>", ""]
        return "\n".join(lines)


# ------------------------------------------------------------------------ plan -> pack


def _policy_value(value: Any, secrets: list[str], in_secret: bool = False) -> Any:
    """Engine values -> what the analyzer receives: Secret -> secret, Unknown -> unknown.

    The text of every value inside a secret is added to ``secrets`` (for ``_scrub``).
    """
    if isinstance(value, Secret):
        return PolicySecret(_policy_value(value.value, secrets, True))
    if isinstance(value, Unknown):
        return UNKNOWN
    if isinstance(value, dict):
        return {k: _policy_value(v, secrets, in_secret) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_policy_value(v, secrets, in_secret) for v in value]
    if in_secret and value is not None and not isinstance(value, bool):
        text = str(value)
        if len(text) >= 4:
            secrets.append(text)
            if not isinstance(value, (int, float)):
                # JSON-encoded forms a message could quote
                secrets.append(json.dumps(text)[1:-1])
    return value


def _properties(values: dict[str, Any], secrets: list[str]) -> dict[str, Any]:
    # Like the engine (MarshalOptions.SkipInternalKeys), internal "__" keys are not sent.
    return {k: _policy_value(v, secrets) for k, v in values.items() if not k.startswith("__")}


def _scrub(text: str, secrets: list[str]) -> str:
    for secret in sorted(set(secrets), key=len, reverse=True):
        text = text.replace(secret, SECRET_TEXT)
    return text


def _provider_inputs(plan: Plan, res: Resource, secrets: list[str]) -> dict[str, Any]:
    """The inputs of ``res``'s provider, as the engine sends them with the resource: an explicit
    provider's, else those of the package's default provider, which the engine builds from the
    stack config of the package (``aws:region`` -> ``region``)."""
    explicit = plan.lookup(res.provider_urn)
    if explicit is not None:
        return _properties(explicit.inputs, secrets)
    package = res.type.split(":", 1)[0]
    return _properties({key.split(":", 1)[1]: value for key, value in plan.config.items()
                        if key.startswith(f"{package}:")}, secrets)


def resolve_config(stack: str, plan: Plan, path: Optional[Path | str] = None, pack: Optional[Pack] = None):
    """(resolved per-policy config, path used or None) for ``stack`` (``plan`` gives its tier)."""
    pack = pack or builtin_pack()
    if path is None and pack.config_dir is not None:
        tier = plan.outputs.get("tier")
        path = settings.config_file_for(stack, tier if isinstance(tier, str) else None, pack.config_dir)
    given = settings.load_file(path) if path is not None else {}
    return settings.resolve(pack.policies, given, source=str(path) if path else "pack defaults",
                            default_level=pack.enforcement_level), path


def check_plan(
    plan: Plan,
    stack: Optional[str] = None,
    *,
    policy_config: Optional[Path | str] = None,
    pack: Optional[Pack] = None,
    source_root: Optional[Path] = None,
) -> CheckReport:
    """Evaluate ``pack`` (default: this package's) against ``plan`` with ``stack``'s policy
    config (see module doc). With ``source_root``, each violation carries the place in the
    program (a file under ``source_root``) that created its resource.

    Raises ``pulumi_webstack_policies.settings.PolicyConfigError`` for an invalid policy config file.
    """
    # Tens of thousands of short-lived proxies and dicts over a heap of long-lived SDK
    # classes: without the pause, collections walk that heap over and over (engine.gc_paused).
    with gc_paused():
        return _check_plan(plan, stack, policy_config, pack or builtin_pack(), source_root)


def _check_plan(plan: Plan, stack: Optional[str], policy_config: Optional[Path | str], pack: Pack,
                source_root: Optional[Path]) -> CheckReport:
    stack = stack or plan.stack
    resolved, path = resolve_config(stack, plan, policy_config, pack)
    secrets: list[str] = []
    states = [
        ResourceState(
            type=r.type,
            name=r.name,
            urn=r.urn,
            inputs=_properties(r.inputs, secrets),
            outputs=_properties(r.state if r.custom else r.inputs, secrets),
            parent=r.parent,
            dependencies=tuple(r.dependencies),
            property_dependencies={k: tuple(v) for k, v in r.property_dependencies.items()},
            protect=r.protect,
            custom=r.custom,
            provider=_provider_inputs(plan, r, secrets) if r.custom else None,
        )
        for r in plan.resources
    ]
    by_urn = {r.urn: r for r in plan.resources}
    report = CheckReport(
        stack=stack,
        policy_config=_display_path(path),
        policies=sum(1 for c in resolved.values() if c.level != EnforcementLevel.DISABLED),
        resources=len(plan.resources),
        placeholders=list(plan.placeholders),
        pack=pack,
        project=plan.project,
    )
    by_name = pack.by_name
    for diag in evaluate(pack.policies, states, resolved):
        policy = by_name[diag.policy]
        res = by_urn.get(diag.urn or "")
        violation = Violation(
            policy=diag.policy,
            level="mandatory" if diag.level == EnforcementLevel.MANDATORY else "advisory",
            severity=policy.severity.value if policy.severity else "",
            message=_scrub(diag.message, secrets),
            remediation=policy.remediation_steps or "",
            urn=diag.urn if res is not None else None,
            resource_type=res.type if res is not None else None,
            resource_name=res.name if res is not None else None,
            location=source_location(plan, res, source_root) if res is not None and source_root else None,
        )
        (report.unverified if diag.unverifiable else report.violations).append(violation)
    order = {"mandatory": 0, "advisory": 1}
    report.violations.sort(key=lambda v: (order[v.level], v.policy, v.resource))
    return report


_VENDORED = ("site-packages", "dist-packages", ".venv", "venv")


def source_location(plan: Plan, res: Resource, root: Path) -> Optional[tuple[str, int]]:
    """(path relative to ``root``, line) of the code in ``root`` that created ``res``: the
    innermost frame of its creation that is the project's own code (not an installed
    package), else its parent's. A resource built by an installed component points at the
    line of the program that made the component."""
    root = root.resolve()
    current: Optional[Resource] = res
    while current is not None:
        frames = current.stack_trace or ((current.source,) if current.source else ())
        for file, line in frames:
            path = Path(file)
            try:
                relative = path.resolve().relative_to(root)
            except (ValueError, OSError):
                continue
            if not any(part in _VENDORED for part in relative.parts):
                return relative.as_posix(), line
        current = plan.lookup(current.parent)
    return None


def _display_path(path: Optional[Path | str]) -> Optional[str]:
    if path is None:
        return None
    p = Path(path).resolve()
    try:
        return str(p.relative_to(Path.cwd()))
    except ValueError:
        return str(p)


# ---------------------------------------------------------------------------- the CLI


FORMATS = ("text", "json", "sarif", "markdown")


def _cmd_check(args: argparse.Namespace) -> int:
    from pulumi_webstack_cli.main import UserError
    from pulumi_webstack_cli.packs import PackError, load_pack
    from pulumi_webstack_cli.sarif import to_sarif

    session = args.session
    stack = session.stack(args)
    try:
        pack = load_pack(args.policy_pack) if args.policy_pack else builtin_pack()
    except PackError as exc:
        raise UserError(str(exc)) from None
    plan = session.plan(stack, args.set, preview=args.preview)
    root = session.source_root()
    try:
        with session.progress.step(f"Evaluating {len(pack.policies)} policies of {pack.name}"):
            report = check_plan(plan, stack, policy_config=args.policy_config, pack=pack, source_root=root)
    except (settings.PolicyConfigError, OSError) as exc:
        raise UserError(f"policy config: {exc}") from None
    fmt = "json" if args.json else args.format
    if args.sarif:
        _write(args.sarif, json.dumps(to_sarif(report, session.project(), root), indent=2) + "\n")
    if args.summary:
        _write(args.summary, report.to_markdown() + "\n", append=True)
    if fmt == "json":
        print(json.dumps(report.to_json(), indent=2))
    elif fmt == "sarif":
        print(json.dumps(to_sarif(report, session.project(), root), indent=2))
    elif fmt == "markdown":
        print(report.to_markdown())
    else:
        print(report.render(session.style))
    sys.stdout.flush()
    return report.exit_code


def _write(path: str, text: str, append: bool = False) -> None:
    from pulumi_webstack_cli.main import UserError

    try:
        with open(path, "a" if append else "w", encoding="utf-8") as out:
            out.write(text)
    except OSError as exc:
        raise UserError(f"cannot write {path}: {exc.strerror}") from None


def register(subparsers: Any, common: argparse.ArgumentParser) -> None:
    """Adds ``webstack check`` to the CLI (called by ``pulumi_webstack_cli.main.build_parser``)."""
    from pulumi_webstack_cli.main import add_set_option, add_stack_options

    parser = subparsers.add_parser(
        "check",
        parents=[common],
        help="evaluate a CrossGuard policy pack against a stack's offline plan",
        description="Run every policy of a CrossGuard pack (default: the pulumi-webstack pack, the one "
                    "`pulumi preview --policy-pack` loads) on the offline plan of the stack. Exit 0 when no "
                    "mandatory policy is violated, 1 otherwise, 2 when the check cannot run.",
    )
    add_stack_options(parser)
    parser.add_argument("--policy-pack", metavar="DIR",
                        help="a Python policy pack directory (PulumiPolicy.yaml + __main__.py); "
                             "default: this package's pack")
    parser.add_argument("--policy-config", metavar="FILE",
                        help="policy pack config (default: the pack's config/<stack>.json, else the tier's file)")
    parser.add_argument("--format", choices=FORMATS, default="text",
                        help="what to print: text (default), json, sarif (GitHub code scanning) or markdown")
    parser.add_argument("--json", action="store_true", help="same as --format json (schemaVersion 1)")
    parser.add_argument("--sarif", metavar="FILE", help="also write the SARIF 2.1.0 report to FILE")
    parser.add_argument("--summary", metavar="FILE",
                        help="also append the Markdown summary to FILE (e.g. \"$GITHUB_STEP_SUMMARY\")")
    parser.add_argument("--preview", action="store_true",
                        help="check the plan as `pulumi preview` of the stack's first deploy sees it: every value "
                             "the cloud computes (ids, ARNs, endpoints) is unknown, and what a policy cannot judge "
                             "then is reported as not verifiable")
    add_set_option(parser)
    parser.set_defaults(func=_cmd_check)
