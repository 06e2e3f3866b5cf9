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
in a subdirectory). REF is planned in a temporary checkout by a subprocess that imports
REF's own program and library, never this checkout's (``pulumi_webstack_cli.diff_base``).
A stack whose file does not exist at REF (a new stack) shows every resource as added; a
stack REF cannot plan (invalid config, program error) is reported as such.
"""

from __future__ import annotations

import json
import re
import secrets
import weakref
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Optional, Sequence

from pulumi_webstack_cli.diff_base import (
    SECRET_KEY, STACK_GROUP, UNKNOWN_KEY, UNKNOWN_TEXT, checkout_at, describe_checkout, plan_checkout, plan_payload,
    policy_payload, resolve_ref,
)

from pulumi_webstack_cli.plan import SECRET_TEXT

if TYPE_CHECKING:  # pragma: no cover
    from pulumi_webstack_cli.engine import Plan

SCHEMA_VERSION = 1
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



# -------------------------------------------------------------------- payload -> Side


def _decode(value: Any) -> Any:
    if isinstance(value, dict):
        if set(value) == {SECRET_KEY}:
            return Masked(str(value[SECRET_KEY]))
        if set(value) == {UNKNOWN_KEY}:
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
    here = {"ref": "", "commit": describe_checkout(root)}
    new_sides = []
    for stack in stacks:
        with progress.step(f"Planning {stack} in this checkout"):
            new_sides.append(side_from_plan("this checkout", plan_for(stack, root=root), key, **here))
    with progress.step(f"Planning {', '.join(stacks)} at {ref} ({commit[:7]}) in a temporary worktree"), \
            checkout_at(top, commit) as tree:
        payloads = plan_checkout(tree / root.relative_to(top.resolve()), stacks, key)
    there = {"ref": ref, "commit": commit[:7]}
    return [diff_sides(side_from_payload(ref, side.stack, payloads[side.stack], **there), side) for side in new_sides]
