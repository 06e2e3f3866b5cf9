"""``webstack check STACK [--json]``: the CrossGuard pack against a stack's offline plan.

The stack is synthesized by the offline engine (``pulumi_webstack_cli.engine.synth_stack``), then every
policy of ``pulumi_webstack_policies.pack.POLICIES`` -- the very objects ``pulumi preview --policy-pack
policies`` loads -- is evaluated by ``pulumi_webstack_policies.runner`` the way the analyzer server does it:
resource policies once per resource on its inputs, stack policies once over every
resource's outputs (inputs plus computed attributes), with parents, dependencies and
property dependencies, after the same protobuf round trip and read-only proxies.

Policy configuration: ``--policy-config FILE``, else ``policies/config/<STACK>.json``, else
the file of the stack's tier (the ``tier`` stack output), else the pack defaults; merged
and validated like the Pulumi CLI does (``pulumi_webstack_policies.settings.resolve``).

Exit codes: 0 no mandatory violation, 1 at least one mandatory violation, 2 the check
could not run (unknown stack, invalid stack config or policy config).

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

from pulumi_webstack_cli.engine import SECRET_TEXT, Plan, Secret, Unknown, gc_paused
from pulumi_webstack_policies import settings
from pulumi_webstack_policies.pack import BY_NAME, PACK_NAME, POLICIES
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
            "policyPack": PACK_NAME,
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

    def render(self) -> str:
        """Human-readable report: policy, resource (type + name), message, fix."""
        config = self.policy_config or "pack defaults"
        lines = [
            f"Policy pack {PACK_NAME} on stack {self.stack!r}: {self.policies} policies "
            f"({config}), {self.resources} resources (offline plan)",
            "",
        ]
        for v in self.violations:
            lines += [
                f"{v.level.upper():9}  {v.policy}  [{v.severity}]",
                f"    resource: {v.resource}",
                f"    {v.message}",
                f"    fix: {v.remediation}",
                "",
            ]
        for v in self.unverified:
            lines += [f"UNVERIFIED {v.policy}: {v.message}", ""]
        if self.placeholders:
            lines += ["Note: secret config values were replaced by placeholders offline: "
                      + ", ".join(self.placeholders), ""]
        verdict = "PASSED" if self.passed else "FAILED"
        lines.append(
            f"{verdict}: {len(self.mandatory)} mandatory, {len(self.advisory)} advisory violation(s)"
            + (f", {len(self.unverified)} not verifiable offline" if self.unverified else "")
        )
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


def resolve_config(stack: str, plan: Plan, path: Optional[Path | str] = None):
    """(resolved per-policy config, path used or None) for ``stack`` (``plan`` gives its tier)."""
    if path is None:
        tier = plan.outputs.get("tier")
        path = settings.config_file_for(stack, tier if isinstance(tier, str) else None)
    given = settings.load_file(path) if path is not None else {}
    return settings.resolve(POLICIES, given, source=str(path) if path else "pack defaults"), path


def check_plan(
    plan: Plan,
    stack: Optional[str] = None,
    *,
    policy_config: Optional[Path | str] = None,
) -> CheckReport:
    """Evaluate the pack against ``plan`` with ``stack``'s policy config (see module doc).

    Raises ``pulumi_webstack_policies.settings.PolicyConfigError`` for an invalid policy config file.
    """
    # Tens of thousands of short-lived proxies and dicts over a heap of long-lived SDK
    # classes: without the pause, collections walk that heap over and over (engine.gc_paused).
    with gc_paused():
        return _check_plan(plan, stack, policy_config)


def _check_plan(plan: Plan, stack: Optional[str], policy_config: Optional[Path | str]) -> CheckReport:
    stack = stack or plan.stack
    resolved, path = resolve_config(stack, plan, policy_config)
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
    )
    for diag in evaluate(POLICIES, states, resolved):
        policy = BY_NAME[diag.policy]
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
        )
        (report.unverified if diag.unverifiable else report.violations).append(violation)
    order = {"mandatory": 0, "advisory": 1}
    report.violations.sort(key=lambda v: (order[v.level], v.policy, v.resource))
    return report


def _display_path(path: Optional[Path | str]) -> Optional[str]:
    if path is None:
        return None
    p = Path(path).resolve()
    try:
        return str(p.relative_to(Path.cwd()))
    except ValueError:
        return str(p)


# ---------------------------------------------------------------------------- the CLI


def _cmd_check(args: argparse.Namespace) -> int:
    from pulumi_webstack_cli.main import UserError, parse_overrides, plan_for

    plan = plan_for(args.stack, parse_overrides(args.set))
    try:
        report = check_plan(plan, args.stack, policy_config=args.policy_config)
    except (settings.PolicyConfigError, OSError) as exc:
        raise UserError(f"policy config: {exc}") from None
    if args.json:
        print(json.dumps(report.to_json(), indent=2))
    else:
        print(report.render())
    sys.stdout.flush()
    return report.exit_code


def register(subparsers: Any) -> None:
    """Adds ``webstack check`` to the CLI (called by ``pulumi_webstack_cli.main.build_parser``)."""
    parser = subparsers.add_parser(
        "check",
        help="evaluate the CrossGuard policy pack against a stack's offline plan",
        description="Run every policy of policies/ (the pack `pulumi preview --policy-pack policies` loads) on "
                    "the offline plan of STACK. Exit 0 when no mandatory policy is violated, 1 otherwise, 2 when "
                    "the check cannot run.",
    )
    parser.add_argument("stack", help="stack name (reads Pulumi.<stack>.yaml)")
    parser.add_argument("--json", action="store_true", help="machine-readable report (schemaVersion 1)")
    parser.add_argument("--policy-config", metavar="FILE",
                        help="policy pack config (default: policies/config/<stack>.json, else the tier's file)")
    from pulumi_webstack_cli.main import add_set_option  # the CLI imports this module: import at call time

    add_set_option(parser)
    parser.set_defaults(func=_cmd_check)
