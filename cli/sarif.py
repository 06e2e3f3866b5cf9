"""``webstack check --format sarif``: policy results as SARIF 2.1.0, for GitHub code scanning.

One run per report. Each policy of the pack is a rule (its description, remediation, tags,
and GitHub's ``security-severity`` from the policy's severity); each violation is a result:
``error`` when mandatory, ``warning`` when advisory, ``note`` when it could not be verified
offline. GitHub requires a physical location for every result: it is the line of the
project's own code that created the resource (``check.source_location``: for a resource
built inside an installed component, the program line that made the component), else the
stack file. Paths are relative to the repository root, so alerts land on the lines of
the pull request. ``partialFingerprints`` keys each result by policy, resource identity
(types and names of the resource and its ancestors), stack and the finding's text, so an
alert keeps its identity when the code around it moves, and two findings of one policy on
one resource stay two alerts.

Secret values never appear: messages are the check's, already scrubbed of every secret.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any, Optional

from pulumi_webstack_cli.check import CheckReport, Violation

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"

SECURITY_SEVERITY = {"critical": "9.5", "high": "8.0", "medium": "5.5", "low": "3.0"}
"""GitHub's scale: 9.0+ critical, 7.0-8.9 high, 4.0-6.9 medium, 0.1-3.9 low."""

LEVEL = {"mandatory": "error", "advisory": "warning"}


def _version() -> str:
    try:
        from importlib.metadata import version

        return version("pulumi-webstack")
    except Exception:  # noqa: BLE001 - a source checkout without metadata
        from pulumi_webstack import __version__

        return __version__


def _rule(policy: Any, pack_name: str) -> dict[str, Any]:
    severity = getattr(getattr(policy, "severity", None), "value", None)
    level = getattr(getattr(policy, "enforcement_level", None), "value", None)
    rule: dict[str, Any] = {
        "id": policy.name,
        "name": "".join(part.capitalize() for part in policy.name.replace("_", "-").split("-")),
        "shortDescription": {"text": policy.description.split(". ")[0].rstrip(".")},
        "fullDescription": {"text": policy.description},
        "defaultConfiguration": {"level": "error" if level in ("mandatory", "remediate") else "warning"},
        "properties": {"tags": ["security", "pulumi", pack_name], "precision": "high"},
    }
    if policy.remediation_steps:
        rule["help"] = {"text": policy.remediation_steps, "markdown": policy.remediation_steps}
    if getattr(policy, "url", None):
        rule["helpUri"] = policy.url
    if severity in SECURITY_SEVERITY:
        rule["properties"]["security-severity"] = SECURITY_SEVERITY[severity]
    return rule


def _fingerprint(report: CheckReport, v: Violation, identity: str) -> str:
    # The finding's own text too: one policy can find several things on one resource
    # (deletion protection, final snapshot, Pulumi protect), and GitHub merges results
    # that share a fingerprint into one alert.
    return hashlib.sha256(f"{v.policy}\0{identity}\0{report.stack}\0{v.message}".encode()).hexdigest()[:32]


def _identity(v: Violation) -> str:
    """The resource's type and name (URNs carry the ancestors' types; the stack is dropped)."""
    if not v.urn:
        return "(stack)"
    return v.urn.split("::", 2)[-1] if "::" in v.urn else v.urn


def to_sarif(report: CheckReport, project: Any, root: Optional[Path]) -> dict[str, Any]:
    """The SARIF log of ``report``. ``project`` (a ``project.Project``) names the stack file
    that stack-wide results point at; ``root`` is the directory paths are relative to."""
    rules = [_rule(policy, report.pack.name) for policy in report.pack.policies]
    index = {rule["id"]: i for i, rule in enumerate(rules)}
    stack_file = project.stack_file(report.stack) if project is not None else None
    fallback = (_relative(stack_file, root), 1) if stack_file is not None else (f"Pulumi.{report.stack}.yaml", 1)
    results = []
    for level, violations in (("", report.violations), ("note", report.unverified)):
        for v in violations:
            path, line = v.location or fallback
            result: dict[str, Any] = {
                "ruleId": v.policy,
                "ruleIndex": index.get(v.policy, 0),
                "level": level or LEVEL[v.level],
                "message": {"text": f"{v.message} (stack {report.stack}; {v.resource})"},
                "locations": [{
                    "physicalLocation": {
                        "artifactLocation": {"uri": path, "uriBaseId": "%SRCROOT%"},
                        "region": {"startLine": max(int(line), 1)},
                    },
                    **({"logicalLocations": [{"fullyQualifiedName": v.urn, "kind": "resource"}]} if v.urn else {}),
                }],
                "partialFingerprints": {"webstackFinding/v1": _fingerprint(report, v, _identity(v))},
                "properties": {
                    "stack": report.stack,
                    "enforcementLevel": v.level,
                    **({"resourceType": v.resource_type, "resourceName": v.resource_name} if v.resource_type else {}),
                },
            }
            results.append(result)
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "webstack check",
                "fullName": f"webstack check (policy pack {report.pack.name})",
                "version": _version(),
                "semanticVersion": _version(),
                "rules": rules,
            }},
            "automationDetails": {"id": f"webstack-check/{report.stack}/"},
            "results": results,
            "properties": {
                "policyPack": report.pack.name,
                "policyConfig": report.policy_config,
                "resources": report.resources,
                "placeholders": list(report.placeholders),
            },
        }],
    }


def _relative(path: Path, root: Optional[Path]) -> str:
    if root is not None:
        try:
            return path.resolve().relative_to(root.resolve()).as_posix()
        except ValueError:
            pass
    return path.name
