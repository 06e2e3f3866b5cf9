"""``webstack diff``: what would change, offline: on a terminal, or as a pull-request comment.

    webstack diff A B                          stack A's plan -> stack B's plan (e.g. staging prod)
    webstack diff [-s STACK ...] --base REF    REF's plan -> this checkout's plan, per stack
                                               (default stack: $PULUMI_STACK, else the only one)

Both sides are desired-state plans from the offline engine (``pulumi_webstack_cli.engine``): no Pulumi
CLI, no plugins, no credentials, so the diff works for pull requests from forks. It is a
structural diff of what the program registers, not a provider diff: it does not refresh,
read cloud state or predict replacements (``pulumi preview`` does that where credentials
exist; see ``.github/workflows/preview.yml``).

Identity rule
-------------
A resource is "the same resource" on both sides when its **type**, its **name** and the
**types and names of all its ancestors** (parent, grandparent, ... up to, not including,
the stack) are equal. That is its URN without the ``stack`` and ``project`` parts, plus
the ancestors' names, so it matches across two stacks (``staging`` vs ``prod``) and across
commits. A renamed or re-parented resource therefore shows as one removal and one
addition, which is also what Pulumi does without an alias.

Resources are grouped by their top-level component: the ancestor directly under the
stack (``network``, ``database``, ...). Top-level custom resources (the providers) are
grouped under ``(stack)``.

What is compared
----------------
* inputs, flattened to dotted paths (``viewerCertificate.minimumProtocolVersion``,
  ``tags["kubernetes.io/name"]``, ``rules.0.action``); lists of plain values compare
  whole; lists of objects that name their elements (``name``, ``Sid``, ``pathPattern``,
  ``id``) are keyed by that name (``parameters["max_connections"].value``, with
  ``parameters[*]`` holding the order), so one inserted WAF rule is one addition, not a
  shift of every later index; strings holding JSON documents (IAM policies, the
  providers' ``defaultTags``, dashboard bodies) are parsed and compared structurally;
* resource options: ``protect``, ``retainOnDelete``, ``deleteBeforeReplace``,
  ``ignoreChanges``, the provider and ``dependsOn`` (dependencies, by identity);
* stack outputs, flattened the same way;
* the policy pack's results on each side (``pulumi_webstack_cli.check.check_plan``), as violations
  introduced and resolved.

In ``A B`` diffs, values that differ only by the stack name (``webstack-staging-db`` ->
``webstack-prod-db``, the ``Stack`` tag) are expected: they are counted in the summary
and not listed, so the real differences (replica counts, Multi-AZ, WAF, thresholds) stand
out. ``--show-stack-names`` lists them too.

Secrets never leave the plan in clear. A secret value is replaced, on each side, by a
keyed digest (HMAC-SHA256 with a random key made for this run and never stored or
printed) and shown as ``[secret]``; a changed secret shows ``[secret] -> [secret]
(changed)``. A value that is secret on either side is masked on both.

Output (``pulumi_webstack_cli.diff_report``)
--------------------------------------------
Text by default (``--format text``), like ``pulumi preview --diff``: ``+``/``~``/``-`` per
resource with the changed paths as ``old => new``, coloured on a terminal, and a summary
line (``+ 2 to create, ~ 3 to update, - 1 to delete``). ``--format json`` (``--json``) is
everything, never trimmed (schema ``schemas/diff.schema.json``). ``--format markdown`` is
for a PR comment: a hidden marker (``<!-- webstack-diff:STACK -->``) that the
sticky-comment workflow uses to find and update its own comment, the summary first
(a table of +added ~changed -removed per component), then the policy results and one
collapsed ``<details>`` section per component. The whole body stays under 65,000
characters (GitHub's comment limit is 65,536): what does not fit is counted in a note
pointing at ``--json``, which always has everything.

Exit code: 0 whether or not there are changes; with ``--exit-code``, 1 when there are
changes (like ``git diff --exit-code``); 2 for bad input (unknown stack or git ref,
invalid config in this checkout).

``--base REF`` works in any git checkout or worktree that holds the project (at its top or
in a subdirectory). It plans REF in a temporary ``git worktree`` (``git archive`` where a
worktree cannot be made), in a subprocess running this Python with that tree first on
``sys.path`` and the packages REF's ``pyproject.toml`` maps to its folders (setuptools
``package-dir``) imported from that tree, so REF's own program and library are planned,
never this checkout's; a project that maps none (another team's project, using the
installed library) plans REF's program with what is installed. For that reason this module imports nothing from the project at
import time: the subprocess loads this file by path before REF's packages are importable.
A stack whose file does not exist at REF (a new stack) shows every resource as added; a
stack REF cannot plan (invalid config, program error) is reported as such.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import json
import os
import re
import secrets
import shutil
import subprocess
import sys
import tarfile
import tempfile
import weakref
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator, Optional, Sequence

if TYPE_CHECKING:  # pragma: no cover
    from pulumi_webstack_cli.engine import Plan

SCHEMA_VERSION = 1
SECRET_TEXT = "[secret]"
UNKNOWN_TEXT = "[unknown]"
STACK_GROUP = "(stack)"

_GIT_TIMEOUT = 120
_WORKER_TIMEOUT = 1_800

_SECRET_KEY = "$webstack-secret"
_UNKNOWN_KEY = "$webstack-unknown"
_OPTION_LABELS = {
    "protect": "[protect]",
    "retainOnDelete": "[retainOnDelete]",
    "deleteBeforeReplace": "[deleteBeforeReplace]",
    "ignoreChanges": "[ignoreChanges]",
    "provider": "[provider]",
    "dependsOn": "[dependsOn]",
}


# ------------------------------------------------------------------------------- model


@dataclass(frozen=True)
class Masked:
    """A secret value: equal to another when their keyed digests are; never shows the value."""

    digest: str

    def __repr__(self) -> str:
        return SECRET_TEXT


Key = tuple  # (type, ((ancestor type, ancestor name), ... root first), name)


@dataclass
class Node:
    """One resource of one side, secrets already masked."""

    key: Key
    type: str
    name: str
    parents: tuple[str, ...]
    """Ancestor names, root first (the stack excluded)."""
    component: str
    custom: bool
    inputs: dict[str, Any]
    options: dict[str, Any]


@dataclass(frozen=True)
class Violation:
    """One policy result: the policy, its enforcement level, the resource (by identity) and the message."""

    policy: str
    level: str
    """``mandatory`` or ``advisory``."""
    resource: str
    """``ancestors/name (type)`` or ``(stack)``: comparable across stacks and commits."""
    message: str
    severity: str = ""

    @property
    def ident(self) -> tuple[str, str, str, str]:
        return (self.policy, self.level, self.resource, self.message)


@dataclass
class PolicyResult:
    """The policy pack's verdict on one side; ``violations`` is None when it could not run."""

    violations: Optional[list[Violation]]
    note: str = ""
    unverified: int = 0
    """Policies that met a value unknown offline (reported by ``webstack check``)."""

    def count(self, level: str) -> int:
        return sum(1 for v in self.violations or () if v.level == level)


@dataclass
class Side:
    """One side of a diff: a planned stack, or the reason it could not be planned."""

    label: str
    stack: str
    status: str = "ok"
    """``ok``; ``missing`` (no stack file there: every resource is new); ``failed``."""
    error: str = ""
    ref: str = ""
    commit: str = ""
    nodes: dict[Key, Node] = field(default_factory=dict)
    outputs: dict[str, Any] = field(default_factory=dict)
    placeholders: list[str] = field(default_factory=list)
    policy: PolicyResult = field(default_factory=lambda: PolicyResult(None, "not evaluated"))


@dataclass
class Change:
    """One changed path: ``op`` is ``add``/``remove``/``change``; absent sides are None with the op saying so."""

    path: str
    op: str
    old: Any = None
    new: Any = None
    note: str = ""
    """For secrets: ``changed``, ``now secret``, ``no longer secret``."""

    @property
    def secret(self) -> bool:
        return isinstance(self.old, Masked) or isinstance(self.new, Masked)


@dataclass
class ResourceDiff:
    op: str
    """``add``, ``remove`` or ``change``."""
    type: str
    name: str
    parents: tuple[str, ...]
    component: str
    changes: list[Change] = field(default_factory=list)
    protect: bool = False


@dataclass
class StackDiff:
    """Everything that differs between two sides."""

    old: Side
    new: Side
    resources: list[ResourceDiff]
    outputs: list[Change]
    introduced: list[Violation]
    resolved: list[Violation]
    unchanged_resources: int
    fold: Optional[tuple[str, str]] = None
    """(old stack, new stack) when values differing only by the stack name were folded."""
    folded: int = 0
    """How many values were folded (not listed) because they differ only by the stack name."""

    @property
    def comparable(self) -> bool:
        return self.old.status != "failed" and self.new.status != "failed"

    @property
    def has_changes(self) -> bool:
        return bool(self.resources or self.outputs) or not self.comparable

    def counts(self) -> dict[str, int]:
        out = {"add": 0, "change": 0, "remove": 0}
        for r in self.resources:
            out[r.op] += 1
        return out

    def by_component(self) -> dict[str, dict[str, int]]:
        """{component: {add, change, remove}} in plan order."""
        out: dict[str, dict[str, int]] = {}
        for r in self.resources:
            out.setdefault(r.component, {"add": 0, "change": 0, "remove": 0})[r.op] += 1
        return out


# ------------------------------------------------------------- plan -> payload (both processes)


def _unwrap(value: Any) -> Any:
    """Plain JSON-able value with every secret marker removed (only ever hashed, never shown)."""
    kind = type(value).__name__
    if kind == "Secret":
        return _unwrap(value.value)
    if kind == "Unknown":
        return UNKNOWN_TEXT
    if isinstance(value, dict):
        return {str(k): _unwrap(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_unwrap(v) for v in value]
    return value


def secret_digest(value: Any, key: bytes) -> str:
    """Keyed digest of a secret value: compares two secrets without revealing either."""
    canonical = json.dumps(_unwrap(value), sort_keys=True, separators=(",", ":"), default=str)
    return hmac.new(key, canonical.encode(), hashlib.sha256).hexdigest()


def encode_value(value: Any, key: bytes) -> Any:
    """JSON-able copy of a registered value with each secret replaced by its keyed digest."""
    kind = type(value).__name__
    if kind == "Secret":
        return {_SECRET_KEY: secret_digest(value.value, key)}
    if kind == "Unknown":
        return {_UNKNOWN_KEY: True}
    if isinstance(value, dict):
        return {str(k): encode_value(v, key) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [encode_value(v, key) for v in value]
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)


def plan_payload(plan: "Plan", key: bytes) -> dict[str, Any]:
    """What a diff needs from a plan, JSON-able, secrets as keyed digests.

    Uses only the engine's documented ``Plan``/``Resource`` attributes, so it also works on
    the plans of older commits.
    """
    records = []
    for r in plan.resources:
        provider = getattr(r, "provider", "") or ""
        records.append({
            "urn": r.urn,
            "type": r.type,
            "name": r.name,
            "custom": bool(r.custom),
            "parent": r.parent,
            "provider": provider.rsplit("::", 1)[0] if provider else None,
            "protect": bool(getattr(r, "protect", False)),
            "retainOnDelete": bool(getattr(r, "retain_on_delete", False)),
            "deleteBeforeReplace": bool(getattr(r, "delete_before_replace", False)),
            "ignoreChanges": sorted(getattr(r, "ignore_changes", []) or []),
            "dependencies": list(getattr(r, "dependencies", []) or []),
            "inputs": encode_value(r.inputs, key),
        })
    return {
        "status": "ok",
        "records": records,
        "outputs": encode_value(plan.outputs, key),
        "placeholders": list(getattr(plan, "placeholders", []) or []),
    }


def policy_payload(plan: "Plan", stack: str) -> dict[str, Any]:
    """The policy pack's results on ``plan``: ``pulumi_webstack_cli.check.check_plan(plan, stack)`` of the same revision.

    Violations are keyed for comparison by policy, level, resource identity (ancestor names
    and name, plus type) and message, so the same finding on both sides is not a change.
    """
    try:
        from pulumi_webstack_cli.check import check_plan
    except ModuleNotFoundError as exc:
        if exc.name == "pulumi_webstack_cli.check":
            return {"status": "unavailable", "note": "this revision has no policy checker (cli/check.py)"}
        return {"status": "error", "note": f"policy pack could not be loaded: {exc}"}
    except ImportError as exc:
        return {"status": "error", "note": f"policy pack could not be loaded: {exc}"}
    try:
        report = check_plan(plan, stack)
    except Exception as exc:  # an invalid policy config at some revision is reported, not fatal
        return {"status": "error", "note": f"policy evaluation failed: {type(exc).__name__}: {exc}"}
    by_urn = {r.urn: r for r in plan.resources}

    def identity(urn: Optional[str]) -> str:
        res = by_urn.get(urn or "")
        if res is None:
            return STACK_GROUP
        chain = [res.name]
        parent = by_urn.get(res.parent or "")
        while parent is not None:
            chain.append(parent.name)
            parent = by_urn.get(parent.parent or "")
        return "/".join(reversed(chain)) + f" ({res.type})"

    return {
        "status": "ok",
        "violations": [
            {"policy": v.policy, "level": str(v.level), "severity": str(getattr(v, "severity", "") or ""),
             "resource": identity(getattr(v, "urn", None)), "message": str(v.message)}
            for v in report.violations
        ],
        "unverified": len(getattr(report, "unverified", []) or []),
    }


# -------------------------------------------------------------------- payload -> Side


def _decode(value: Any) -> Any:
    if isinstance(value, dict):
        if set(value) == {_SECRET_KEY}:
            return Masked(str(value[_SECRET_KEY]))
        if set(value) == {_UNKNOWN_KEY}:
            return UNKNOWN_TEXT
        return {k: _decode(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_decode(v) for v in value]
    return value


def _short_type(type_: str) -> str:
    """``aws:rds/instance:Instance`` -> ``Instance``; ``pulumi:providers:aws`` -> ``provider:aws``."""
    if type_.startswith("pulumi:providers:"):
        return "provider:" + type_.rsplit(":", 1)[-1]
    return type_.rsplit(":", 1)[-1]


def side_from_payload(label: str, stack: str, payload: dict[str, Any], **extra: str) -> Side:
    """Build a ``Side`` from :func:`plan_payload` output (plus ``policy``), applying the identity rule."""
    side = Side(label=label, stack=stack, **extra)
    status = payload.get("status", "failed")
    if status != "ok":
        side.status = "missing" if status == "missing" else "failed"
        side.error = str(payload.get("error", ""))
        side.policy = PolicyResult(None, "stack not planned")
        return side
    records = payload["records"]
    by_urn = {r["urn"]: r for r in records}

    def chain(record: dict[str, Any]) -> list[dict[str, Any]]:
        out = []
        parent = by_urn.get(record.get("parent") or "")
        while parent is not None:
            out.append(parent)
            parent = by_urn.get(parent.get("parent") or "")
        return list(reversed(out))

    chains = {record["urn"]: chain(record) for record in records}
    keys: dict[str, Key] = {
        record["urn"]: (record["type"], tuple((a["type"], a["name"]) for a in chains[record["urn"]]), record["name"])
        for record in records
    }
    for record in records:
        ancestors = chains[record["urn"]]
        if ancestors:
            component = ancestors[0]["name"]
        elif not record["custom"] and not record["type"].startswith("pulumi:providers:"):
            component = record["name"]
        else:
            component = STACK_GROUP
        options = {
            "protect": record["protect"],
            "retainOnDelete": record["retainOnDelete"],
            "deleteBeforeReplace": record["deleteBeforeReplace"],
            "ignoreChanges": list(record["ignoreChanges"]),
            "provider": keys.get(record.get("provider") or ""),
            "dependsOn": frozenset(keys[d] for d in record["dependencies"] if d in keys),
        }
        key = keys[record["urn"]]
        side.nodes[key] = Node(
            key=key, type=record["type"], name=record["name"], parents=tuple(a["name"] for a in ancestors),
            component=component, custom=record["custom"], inputs=_decode(record["inputs"]), options=options,
        )
    side.outputs = _decode(payload.get("outputs") or {})
    side.placeholders = list(payload.get("placeholders") or [])
    policy = payload.get("policy") or {"status": "unavailable", "note": "not evaluated"}
    if policy.get("status") == "ok":
        side.policy = PolicyResult([Violation(**v) for v in policy["violations"]],
                                   unverified=int(policy.get("unverified", 0)))
    else:
        side.policy = PolicyResult(None, str(policy.get("note", "")))
    return side


# ------------------------------------------------------------------------- flattening

_PLAIN_KEY = re.compile(r"^[A-Za-z0-9_$@:-]+$")
_SCALARS = (str, int, float, bool, type(None))


def _join(prefix: str, key: str) -> str:
    """``a`` + ``b`` -> ``a.b``; keys with dots or spaces are quoted: ``tags["kubernetes.io/name"]``."""
    if not _PLAIN_KEY.match(key):
        return f"{prefix}[{json.dumps(key)}]"
    return f"{prefix}.{key}" if prefix else key


def _json_document(text: str) -> Any:
    """The parsed document if ``text`` is a JSON object or array, else None."""
    stripped = text.strip()
    if not stripped or stripped[0] not in "{[":
        return None
    try:
        parsed = json.loads(stripped)
    except ValueError:
        return None
    return parsed if isinstance(parsed, (dict, list)) else None


_ELEMENT_IDS = ("name", "Sid", "sid", "pathPattern", "id")
"""Fields that name the elements of a list of objects (WAF rules, DB parameters, IAM statements, cache behaviors)."""


def _element_ids(items: list[Any]) -> Optional[tuple[str, list[str]]]:
    """(field, ids) when every element is an object with a distinct string in the same naming field."""
    if not items or not all(isinstance(i, dict) for i in items):
        return None
    for name in _ELEMENT_IDS:
        ids = [i.get(name) for i in items]
        if all(isinstance(x, str) and x for x in ids) and len(set(ids)) == len(ids):
            return name, ids  # type: ignore[return-value]
    return None


def flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    """{dotted path: leaf}. Leaves are scalars, ``Masked``, empty containers and lists of plain values.

    Lists of objects that name their elements are keyed by that name, so inserting a WAF
    rule or a DB parameter does not shift every later index: ``parameters["max_connections"].value``,
    with ``parameters[*]`` holding the names in order (a reorder shows there). Other lists
    of objects are keyed by index: ``rules.0.action``.
    """
    if isinstance(value, str):
        doc = _json_document(value)
        if doc is not None:
            return flatten(doc, prefix)
        return {prefix: value}
    if isinstance(value, dict):
        if not value:
            return {prefix: {}}
        out: dict[str, Any] = {}
        for k, v in value.items():
            out.update(flatten(v, _join(prefix, str(k))))
        return out
    if isinstance(value, list):
        if all(isinstance(v, _SCALARS) and not (isinstance(v, str) and _json_document(v) is not None) for v in value):
            return {prefix: list(value)}
        out = {}
        named = _element_ids(value)
        if named is not None:
            field_name, ids = named
            out[f"{prefix}[*]"] = ids
            for element_id, element in zip(ids, value):
                rest = {k: v for k, v in element.items() if k != field_name}
                out.update(flatten(rest, f"{prefix}[{json.dumps(element_id)}]") if rest else {f"{prefix}[{json.dumps(element_id)}]": {}})
            return out
        for i, v in enumerate(value):
            out.update(flatten(v, f"{prefix}.{i}" if prefix else str(i)))
        return out
    return {prefix: value}


def _only_stack_name(va: Any, vb: Any, fold: Optional[tuple[str, str]]) -> bool:
    """True when ``vb`` is ``va`` with the old stack name replaced by the new one (and they differ)."""
    if fold is None:
        return False
    if isinstance(va, str) and isinstance(vb, str):
        return va != vb and va.replace(fold[0], fold[1]) == vb
    if isinstance(va, list) and isinstance(vb, list) and len(va) == len(vb) and va != vb:
        return all(x == y or _only_stack_name(x, y, fold) for x, y in zip(va, vb))
    return False


def diff_values(old: dict[str, Any], new: dict[str, Any], fold: Optional[tuple[str, str]] = None,
                folded: Optional[list[str]] = None) -> list[Change]:
    """Changed paths between two (unflattened) values, secrets compared by digest only.

    With ``fold=(old stack, new stack)``, values that differ only by the stack name
    (``webstack-staging-db`` -> ``webstack-prod-db``) are not listed but appended to ``folded``.
    """
    a, b = flatten(old), flatten(new)
    changes: list[Change] = []
    for path in [*b, *(p for p in a if p not in b)]:
        in_a, in_b = path in a, path in b
        va, vb = a.get(path), b.get(path)
        if in_a and in_b and type(va) is type(vb) and va == vb:
            continue
        if in_a and in_b and _only_stack_name(va, vb, fold):
            if folded is not None:
                folded.append(path)
            continue
        if in_a and in_b and isinstance(va, (int, float)) and isinstance(vb, (int, float)) \
                and not isinstance(va, bool) and not isinstance(vb, bool) and va == vb:
            continue
        if isinstance(va, Masked) or isinstance(vb, Masked):
            # Masked on both sides, whatever the other side held in clear.
            if not in_a:
                changes.append(Change(path, "add", None, Masked("")))
            elif not in_b:
                changes.append(Change(path, "remove", Masked(""), None))
            else:
                note = "changed" if isinstance(va, Masked) and isinstance(vb, Masked) else (
                    "now secret" if isinstance(vb, Masked) else "no longer secret")
                changes.append(Change(path, "change", Masked(""), Masked(""), note))
            continue
        op = "change" if in_a and in_b else ("add" if in_b else "remove")
        changes.append(Change(path, op, va, vb))
    return changes


def _option_changes(old: Node, new: Node, label: dict[Key, str]) -> list[Change]:
    out = []
    for name in ("protect", "retainOnDelete", "deleteBeforeReplace", "ignoreChanges"):
        if old.options[name] != new.options[name]:
            out.append(Change(_OPTION_LABELS[name], "change", old.options[name], new.options[name]))
    if old.options["provider"] != new.options["provider"]:
        out.append(Change(_OPTION_LABELS["provider"], "change", label.get(old.options["provider"]),
                          label.get(new.options["provider"])))
    before, after = old.options["dependsOn"], new.options["dependsOn"]
    if before != after:
        out.append(Change(_OPTION_LABELS["dependsOn"], "change", sorted(label.get(k, "?") for k in before - after),
                          sorted(label.get(k, "?") for k in after - before), "dependencies"))
    return out


def _labels(*sides: Side) -> dict[Key, str]:
    """Display name per identity: the name, with the type when two share a name."""
    names: dict[str, set[str]] = {}
    for side in sides:
        for node in side.nodes.values():
            names.setdefault(node.name, set()).add(node.type)
    out: dict[Key, str] = {}
    for side in sides:
        for key, node in side.nodes.items():
            out[key] = node.name if len(names[node.name]) == 1 else f"{node.name} ({_short_type(node.type)})"
    return out


def diff_sides(old: Side, new: Side, fold_stack_names: bool = False) -> StackDiff:
    """Structural diff of two sides by the identity rule (see module docstring).

    ``fold_stack_names`` (for two different stacks): values that differ only by the stack
    name are counted, not listed, so the real differences stand out.
    """
    fold = (old.stack, new.stack) if fold_stack_names and old.stack != new.stack else None
    if old.status == "failed" or new.status == "failed":
        return StackDiff(old, new, [], [], [], [], 0, fold)
    label = _labels(old, new)
    resources: list[ResourceDiff] = []
    unchanged = 0
    folded: list[str] = []
    for key, node in new.nodes.items():
        before = old.nodes.get(key)
        if before is None:
            resources.append(ResourceDiff("add", node.type, node.name, node.parents, node.component,
                                          protect=node.options["protect"]))
            continue
        changes = diff_values(before.inputs, node.inputs, fold, folded) + _option_changes(before, node, label)
        if changes:
            resources.append(ResourceDiff("change", node.type, node.name, node.parents, node.component, changes,
                                          protect=node.options["protect"]))
        else:
            unchanged += 1
    for key, node in old.nodes.items():
        if key not in new.nodes:
            resources.append(ResourceDiff("remove", node.type, node.name, node.parents, node.component,
                                          protect=node.options["protect"]))
    order = {c: i for i, c in enumerate(dict.fromkeys(
        [STACK_GROUP] + [n.component for n in new.nodes.values()] + [n.component for n in old.nodes.values()]))}
    resources.sort(key=lambda r: order[r.component])  # stable: plan order within a component
    outputs = diff_values(old.outputs, new.outputs, fold, folded)
    introduced: list[Violation] = []
    resolved: list[Violation] = []
    if old.policy.violations is not None and new.policy.violations is not None:
        before_ids = {v.ident for v in old.policy.violations}
        after_ids = {v.ident for v in new.policy.violations}
        introduced = [v for v in new.policy.violations if v.ident not in before_ids]
        resolved = [v for v in old.policy.violations if v.ident not in after_ids]
    elif new.policy.violations is not None:
        introduced = list(new.policy.violations)
    return StackDiff(old, new, resources, outputs, introduced, resolved, unchanged, fold, len(folded))


# ----------------------------------------------------------------------- planning sides


def _user_error(message: str) -> Exception:
    from pulumi_webstack_cli.main import UserError

    return UserError(message)


_POLICY_RESULTS: "weakref.WeakKeyDictionary[Plan, dict[str, Any]]" = weakref.WeakKeyDictionary()
"""Policy results per plan object (plans are read-only), so a plan used twice is checked once."""


def side_from_plan(label: str, plan: "Plan", key: bytes, **extra: str) -> Side:
    payload = plan_payload(plan, key)
    if plan not in _POLICY_RESULTS:
        _POLICY_RESULTS[plan] = policy_payload(plan, plan.stack)
    payload["policy"] = _POLICY_RESULTS[plan]
    return side_from_payload(label, plan.stack, payload, **extra)


def diff_plans(old: "Plan", new: "Plan", *, fold_stack_names: bool = False) -> StackDiff:
    """Diff two in-memory plans (e.g. ``synth_stack("staging")`` and ``synth_stack("prod")``)."""
    key = secrets.token_bytes(32)
    return diff_sides(side_from_plan(old.stack, old, key), side_from_plan(new.stack, new, key), fold_stack_names)


def diff_stacks(a: str, b: str, fold_stack_names: bool = True, root: Optional[Path] = None) -> StackDiff:
    """``webstack diff A B``: stack A's plan -> stack B's plan, in the project at ``root``
    (default: the current directory's)."""
    from pulumi_webstack_cli.main import plan_for

    return diff_plans(plan_for(a, root=root), plan_for(b, root=root), fold_stack_names=fold_stack_names)


def _git(root: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    try:
        proc = subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True, timeout=_GIT_TIMEOUT)
    except FileNotFoundError:
        raise _user_error("--base needs git, which is not installed") from None
    if check and proc.returncode != 0:
        message = (proc.stderr or proc.stdout).strip().splitlines()
        raise _user_error(f"git {' '.join(args[:2])}: {message[-1] if message else 'failed'}")
    return proc


def resolve_ref(root: Path, ref: str) -> tuple[Path, str]:
    """(repository top level, full commit id of ``ref``); UserError when either is missing."""
    top = _git(root, "rev-parse", "--show-toplevel", check=False)
    if top.returncode != 0:
        raise _user_error(f"--base {ref}: {root} is not inside a git checkout")
    if ref.startswith("-"):
        raise _user_error(f"--base {ref!r}: not a git revision")
    commit = _git(root, "rev-parse", "--verify", "--quiet", "--end-of-options", f"{ref}^{{commit}}", check=False)
    if commit.returncode != 0 or not commit.stdout.strip():
        raise _user_error(
            f"--base {ref}: unknown revision in {top.stdout.strip()} "
            "(in CI, fetch it first: git fetch origin +refs/heads/main:refs/remotes/origin/main)")
    return Path(top.stdout.strip()), commit.stdout.strip()


@contextmanager
def checkout_at(top: Path, commit: str, use_worktree: bool = True) -> Iterator[Path]:
    """A temporary copy of the repository at ``commit``: a detached worktree, else ``git archive``.

    Removed (worktree included) on exit.
    """
    tmp = Path(tempfile.mkdtemp(prefix="webstack-diff-"))
    tree = tmp / "tree"
    worktree = use_worktree and _git(
        top, "worktree", "add", "--detach", "--quiet", str(tree), commit, check=False).returncode == 0
    try:
        if not worktree:
            archive = subprocess.run(["git", "-C", str(top), "archive", "--format=tar", commit],
                                     capture_output=True, timeout=_GIT_TIMEOUT)
            if archive.returncode != 0:
                raise _user_error(f"git archive {commit[:12]}: {archive.stderr.decode(errors='replace').strip()}")
            tree.mkdir()
            with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
                if hasattr(tarfile, "data_filter"):  # Python >= 3.11.4
                    tar.extractall(tree, filter="data")
                else:  # pragma: no cover - our own repository's archive
                    tar.extractall(tree)
        yield tree
    finally:
        if worktree:
            if _git(top, "worktree", "remove", "--force", str(tree), check=False).returncode != 0:
                shutil.rmtree(tree, ignore_errors=True)
                _git(top, "worktree", "prune", check=False)
        shutil.rmtree(tmp, ignore_errors=True)


_BOOTSTRAP = (
    "import importlib.util, sys\n"
    "spec = importlib.util.spec_from_file_location('webstack_diff_worker', sys.argv[1])\n"
    "module = importlib.util.module_from_spec(spec)\n"
    "sys.modules[spec.name] = module\n"
    "spec.loader.exec_module(module)\n"
    "sys.exit(module.worker_main())\n"
)


def plan_checkout(root: Path, stacks: Sequence[str], key: bytes) -> dict[str, dict[str, Any]]:
    """Plan ``stacks`` of the project at ``root`` in a subprocess that imports ``root``'s own code.

    Returns {stack: payload}; a payload's ``status`` is ``ok``, ``missing`` (no stack file
    there, e.g. a new stack or a commit before the project existed) or ``failed``.
    """
    result: dict[str, dict[str, Any]] = {
        s: {"status": "missing", "error": f"no Pulumi.{s}.yaml"} for s in stacks if not _stack_file_exists(root, s)}
    todo = [s for s in stacks if s not in result]
    if not todo:
        return result
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "PYTHONHOME", "PYTHONSAFEPATH", "PYTHONSTARTUP", "PYTHONNOUSERSITE")}
    with tempfile.TemporaryDirectory(prefix="webstack-diff-out-") as out_dir:
        out = Path(out_dir) / "plans.json"
        env.update(
            PYTHONDONTWRITEBYTECODE="1",
            WEBSTACK_DIFF_ROOT=str(root),
            WEBSTACK_DIFF_STACKS=json.dumps(todo),
            WEBSTACK_DIFF_KEY=key.hex(),
            WEBSTACK_DIFF_OUT=str(out),
        )
        try:
            proc = subprocess.run([sys.executable, "-c", _BOOTSTRAP, str(Path(__file__).resolve())],
                                  cwd=root, env=env, capture_output=True, text=True, timeout=_WORKER_TIMEOUT)
        except subprocess.TimeoutExpired:
            return {**result, **{s: {"status": "failed", "error": f"planning took longer than {_WORKER_TIMEOUT} s"}
                                 for s in todo}}
        if not out.exists():
            lines = (proc.stderr or proc.stdout or "no output").strip().splitlines()
            error = f"the program could not be run: {lines[-1] if lines else 'exit ' + str(proc.returncode)}"
            return {**result, **{s: {"status": "failed", "error": error} for s in todo}}
        planned = json.loads(out.read_text())
    if planned.get("error"):
        return {**result, **{s: {"status": "failed", "error": planned["error"]} for s in todo}}
    return {**result, **planned["stacks"]}


def _stack_file_exists(root: Path, stack: str) -> bool:
    """Whether the project at ``root`` (as of some commit) has a stack file for ``stack``,
    in its ``stackConfigDir``; a tree without a readable project file has none."""
    from pulumi_webstack_cli.project import load_project

    try:
        return load_project(root).stack_file(stack).is_file()
    except Exception:  # noqa: BLE001 - no project (yet) at that commit, or one that cannot be read
        return (root / f"Pulumi.{stack}.yaml").is_file()


def _import_packages_from(root: Path) -> None:
    """Make the packages of the project at ``root`` import from ``root`` (this process only).

    ``root`` goes first on ``sys.path`` (its top-level packages, e.g. a stack program's
    folder), and the packages its ``pyproject.toml`` maps to folders (setuptools
    ``package-dir``: ``pulumi_webstack = "components"``) resolve to those folders, ahead of
    any installed copy of the same names. A project without that mapping is left to
    ``sys.path`` and what is installed.
    """
    import importlib.abc
    import importlib.util
    import tomllib

    try:
        mapping = tomllib.loads((root / "pyproject.toml").read_text())["tool"]["setuptools"]["package-dir"]
    except (OSError, KeyError, TypeError, tomllib.TOMLDecodeError):
        mapping = {}
    sys.path.insert(0, str(root / mapping.get("", "")))
    folders = {name: root / folder for name, folder in mapping.items() if name and "." not in name}

    class _TreeFinder(importlib.abc.MetaPathFinder):
        def find_spec(self, fullname, path=None, target=None):  # noqa: ANN001 - importlib's protocol
            folder = folders.get(fullname)
            if folder is None or not (folder / "__init__.py").is_file():
                return None
            return importlib.util.spec_from_file_location(
                fullname, folder / "__init__.py", submodule_search_locations=[str(folder)])

    sys.meta_path.insert(0, _TreeFinder())


def worker_main() -> int:
    """Entry point of the subprocess started by :func:`plan_checkout` (runs inside the other tree)."""
    root = Path(os.environ["WEBSTACK_DIFF_ROOT"]).resolve()
    key = bytes.fromhex(os.environ.pop("WEBSTACK_DIFF_KEY"))
    stacks = json.loads(os.environ["WEBSTACK_DIFF_STACKS"])
    result: dict[str, Any] = {"stacks": {}}
    try:
        _import_packages_from(root)
        import pulumi
        import pulumi_webstack_cli.engine as engine

        for stack in stacks:  # plan_checkout passes only stacks whose file exists there
            try:
                plan = engine.synth_stack(stack, root=root)
            except pulumi.RunError as exc:
                result["stacks"][stack] = {"status": "failed", "error": str(exc)}
                continue
            except Exception as exc:
                if type(exc).__name__ == "ConfigFileError":
                    result["stacks"][stack] = {"status": "failed", "error": f"invalid configuration: {exc}"}
                    continue
                result["stacks"][stack] = {"status": "failed", "error": f"the program failed: {type(exc).__name__}: {exc}"}
                continue
            payload = plan_payload(plan, key)
            payload["policy"] = policy_payload(plan, stack)
            result["stacks"][stack] = payload
    except Exception as exc:
        result["error"] = f"{type(exc).__name__}: {exc}"
    Path(os.environ["WEBSTACK_DIFF_OUT"]).write_text(json.dumps(result))
    return 0


def _describe_checkout(root: Path) -> str:
    head = _git(root, "rev-parse", "--short", "HEAD", check=False)
    dirty = _git(root, "status", "--porcelain", "--", ".", check=False)
    text = head.stdout.strip() if head.returncode == 0 else ""
    if dirty.returncode == 0 and dirty.stdout.strip():
        text = f"{text} + uncommitted changes" if text else "uncommitted changes"
    return text


def diff_against_ref(stacks: Sequence[str], ref: str, root: Optional[Path] = None,
                     progress: Any = None) -> list[StackDiff]:
    """``webstack diff -s STACK... --base REF``: REF's plan -> this checkout's plan, per stack.

    This checkout is the Pulumi project at ``root`` (default: the current directory's),
    planned in-process; REF is planned in a subprocess inside a temporary checkout of REF,
    so each side imports its own program and, where the project maps them, its own packages.
    """
    from pulumi_webstack_cli.main import plan_for
    from pulumi_webstack_cli.project import find_project
    from pulumi_webstack_cli.style import Progress

    progress = progress or Progress(enabled=False)
    root = (root or find_project()).resolve()
    top, commit = resolve_ref(root, ref)
    key = secrets.token_bytes(32)
    here = {"ref": "", "commit": _describe_checkout(root)}
    new_sides = []
    for stack in stacks:
        with progress.step(f"Planning {stack} in this checkout"):
            new_sides.append(side_from_plan("this checkout", plan_for(stack, root=root), key, **here))
    with progress.step(f"Planning {', '.join(stacks)} at {ref} ({commit[:7]}) in a temporary worktree"), \
            checkout_at(top, commit) as tree:
        payloads = plan_checkout(tree / root.relative_to(top.resolve()), stacks, key)
    there = {"ref": ref, "commit": commit[:7]}
    return [diff_sides(side_from_payload(ref, side.stack, payloads[side.stack], **there), side) for side in new_sides]
