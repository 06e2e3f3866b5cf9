"""What ``webstack diff`` prints: text for a terminal, Markdown for a pull-request comment,
JSON for tools, and the command itself. The diffing is ``pulumi_webstack_cli.diff``.

Text (the default) reads like ``pulumi preview --diff``: ``+``/``~``/``-`` per resource,
each changed path as ``old => new``, a summary line per stack, coloured on a terminal.

Markdown (``--format markdown``) is a PR comment: a hidden marker
(``<!-- webstack-diff:STACK -->``) that the sticky-comment workflow uses to find and update
its own comment, the summary first (a table of +added ~changed -removed per component),
then the policy results and one collapsed ``<details>`` section per component. The whole
body stays under 65,000 characters (GitHub's comment limit is 65,536): what does not fit is
counted in a note pointing at ``--json``, which always has everything.
"""

from __future__ import annotations

import argparse
import html
import json
import re
from typing import Any, Optional, Sequence

from pulumi_webstack_cli.diff import (
    SCHEMA_VERSION,
    SECRET_TEXT,
    UNKNOWN_TEXT,
    Change,
    Masked,
    ResourceDiff,
    Side,
    StackDiff,
    Violation,
    _short_type,
    diff_against_ref,
    diff_stacks,
)
from pulumi_webstack_cli.diff_base import user_error
from pulumi_webstack_cli.style import OP_STYLE, Style, op_summary

MAX_COMMENT_CHARS = 65_000
"""Upper bound for the Markdown body (GitHub rejects comments over 65,536 characters)."""
MARKER_PREFIX = "<!-- webstack-diff:"

_VALUE_CHARS = 120
"""Longest rendered value in a Markdown cell (JSON output is never shortened)."""
_ROWS_PER_RESOURCE = 60
"""Changed paths shown per resource in Markdown before "... N more"."""
_TABLE_ROWS = 40
"""Components listed in a summary table before "... N more"."""
_FOOTER_RESERVE = 1_200


# ---------------------------------------------------------------------------- Markdown


def _value_text(value: Any, limit: Optional[int] = _VALUE_CHARS) -> str:
    """Compact JSON (strings quoted, like ``pulumi preview``), shortened to ``limit``."""
    if isinstance(value, Masked):
        return SECRET_TEXT
    if value == UNKNOWN_TEXT:
        return UNKNOWN_TEXT
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)
    if limit is not None and len(text) > limit:
        text = text[: limit - 1] + "…"
    return text


def _code(text: str) -> str:
    """Inline code that survives a GFM table cell: no newlines, escaped pipes, safe fences."""
    text = text.replace("\r", " ").replace("\n", " ").replace("|", "\\|")
    fence = "``" if "`" in text else "`"
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def _cell(change: Change, side: str) -> str:
    value = change.old if side == "old" else change.new
    absent = (change.op == "add" and side == "old") or (change.op == "remove" and side == "new")
    if absent:
        return "—"
    if change.note == "dependencies":
        return ", ".join(_code(v) for v in value) if value else "—"
    text = _code(_value_text(value))
    if side == "new" and change.note:
        text += f" ({change.note})"
    return text


def _h(text: str) -> str:
    return html.escape(text, quote=True)


def _resource_entry(r: ResourceDiff, old_label: str, new_label: str) -> str:
    where = "/".join(r.parents)
    title = f"{_code(r.name)} {_code(_short_type(r.type))}" + (f" in {_code(where)}" if where else "")
    if r.op == "add":
        return f"- **+ add** {title}" + (" · protected" if r.protect else "") + "\n"
    if r.op == "remove":
        warn = " · ⚠️ protected: `pulumi up` will refuse to delete it" if r.protect else ""
        return f"- **− remove** {title}{warn}\n"
    rows = [f"- **~ change** {title}", "",
            f"  | path | {_h(old_label)} | {_h(new_label)} |", "  |---|---|---|"]
    for change in r.changes[:_ROWS_PER_RESOURCE]:
        rows.append(f"  | {_code(change.path)} | {_cell(change, 'old')} | {_cell(change, 'new')} |")
    if len(r.changes) > _ROWS_PER_RESOURCE:
        rows.append(f"  | … {len(r.changes) - _ROWS_PER_RESOURCE} more paths | | |")
    return "\n".join(rows) + "\n\n"


def _violation_line(v: Violation, sign: str) -> str:
    message = html.escape(" ".join(v.message.split()), quote=False)
    return f"- {sign} **{_h(v.level)}** {_code(v.policy)} on {_code(v.resource)}: {message}\n"


def _policy_summary(d: StackDiff) -> str:
    parts = []
    for label, result in ((d.old.label, d.old.policy), (d.new.label, d.new.policy)):
        if result.violations is None:
            parts.append(f"{_code(label)}: not evaluated ({_h(result.note)})")
        else:
            unverified = f", {result.unverified} unverified offline" if result.unverified else ""
            parts.append(f"{_code(label)}: {result.count('mandatory')} mandatory, {result.count('advisory')} advisory"
                         f"{unverified}")
    return " → ".join(parts)


def _headline(d: StackDiff) -> str:
    c = d.counts()
    text = f"**{c['add']} to add · {c['change']} to change · {c['remove']} to remove**"
    if d.outputs:
        text += f" · {len(d.outputs)} output{'s' if len(d.outputs) != 1 else ''} changed"
    text += f" · {d.unchanged_resources} unchanged"
    if d.introduced or d.resolved:
        text += f" · policy: {len(d.introduced)} new, {len(d.resolved)} resolved"
    if d.folded:
        text += (f"\n\n{d.folded} value{'s' if d.folded != 1 else ''} that differ only by the stack name "
                 f"({_code(d.fold[0])} → {_code(d.fold[1])}, e.g. resource names) are not listed "
                 f"(`--show-stack-names` lists them).")
    return text


def _title(d: StackDiff) -> str:
    if d.old.ref:
        old = f"{_code(d.old.ref)} ({_code(d.old.commit)})"
        new = "this checkout" + (f" ({_code(d.new.commit)})" if d.new.commit else "")
        return f"{_code(d.new.stack)}: {old} → {new}"
    return f"{_code(d.old.label)} → {_code(d.new.label)}"


def marker(diffs: Sequence[StackDiff]) -> str:
    """The hidden first line the sticky-comment step looks for."""
    if len(diffs) == 1 and not diffs[0].old.ref:
        ident = f"{diffs[0].old.stack}..{diffs[0].new.stack}"
    else:
        ident = ",".join(d.new.stack for d in diffs)
    return f"{MARKER_PREFIX}{re.sub(r'[^A-Za-z0-9_.,-]', '_', ident)} -->"


class _Budget:
    """Appends blocks while the document stays under the limit; counts what it had to leave out."""

    def __init__(self, limit: int):
        self.limit = limit
        self.parts: list[str] = []
        self.size = 0
        self.omitted = 0

    def fits(self, text: str, reserve: int = 0) -> bool:
        return self.size + len(text) + reserve <= self.limit

    def add(self, text: str) -> None:
        self.parts.append(text)
        self.size += len(text)


def _section(budget: _Budget, summary: str, entries: list[str]) -> None:
    """One ``<details>`` block with as many entries as fit; the rest are counted as omitted."""
    opening = f"<details><summary>{summary}</summary>\n\n"
    closing = "\n</details>\n\n"
    more = "- … {} more not shown here (comment size limit)\n"
    reserve = len(more) + 8
    if not entries or not budget.fits(opening + entries[0] + closing, reserve):
        budget.omitted += len(entries)
        return
    budget.add(opening)
    for i, entry in enumerate(entries):
        if not budget.fits(entry + closing, reserve):
            budget.omitted += len(entries) - i
            budget.add(more.format(len(entries) - i))
            break
        budget.add(entry)
    budget.add(closing)


def render_markdown(diffs: Sequence[StackDiff], command: str = "webstack diff", max_chars: int = MAX_COMMENT_CHARS) -> str:
    """PR-comment Markdown: marker, summary first, details collapsed, always under ``max_chars``."""
    budget = _Budget(max_chars - _FOOTER_RESERVE)
    budget.add(marker(diffs) + "\n")
    multi = len(diffs) > 1
    if multi:
        budget.add(f"## Offline plan diff: {', '.join(_code(d.new.stack) for d in diffs)}\n\n")
        budget.add("| stack | add | change | remove | outputs | mandatory | advisory |\n|---|--:|--:|--:|--:|--:|--:|\n")
        for d in diffs:
            c = d.counts()
            pol = d.new.policy
            cells = [str(c["add"]), str(c["change"]), str(c["remove"]), str(len(d.outputs))] if d.comparable else ["?"] * 4
            cells += [str(pol.count("mandatory")), str(pol.count("advisory"))] if pol.violations is not None else ["—", "—"]
            budget.add(f"| {_code(d.new.stack)} | " + " | ".join(cells) + " |\n")
        budget.add("\n")
    for d in diffs:
        budget.add(f"{'###' if multi else '##'} {'' if multi else 'Offline plan diff: '}{_title(d)}\n\n")
        notes = []
        for side in (d.old, d.new):
            if side.status == "missing":
                notes.append(f"{_code(side.label)} has no {_code(f'Pulumi.{side.stack}.yaml')}: "
                             "a new stack, every resource is listed as added.")
            elif side.status == "failed":
                notes.append(f"{_code(side.label)} could not be planned, so there is nothing to compare:\n\n"
                             f"```\n{side.error[:4000].replace('```', 'ˋˋˋ')}\n```")
        for note in notes:
            budget.add(f"> [!WARNING]\n> {note.replace(chr(10), chr(10) + '> ')}\n\n")
        if not d.comparable:
            continue
        if not d.has_changes:
            folded = (f" ({d.folded} value{'s' if d.folded != 1 else ''} differ only by the stack name)"
                      if d.folded else "")
            budget.add(f"**No changes**: both plans have the same {d.unchanged_resources} resources, inputs, "
                       f"options and outputs{folded}.\n\n")
        else:
            budget.add(_headline(d) + "\n\n")
            rows = list(d.by_component().items())
            table = "| component | add | change | remove |\n|---|--:|--:|--:|\n"
            for name, c in rows[:_TABLE_ROWS]:
                table += f"| {_code(name)} | {c['add']} | {c['change']} | {c['remove']} |\n"
            if len(rows) > _TABLE_ROWS:
                table += f"| … {len(rows) - _TABLE_ROWS} more components | | | |\n"
            budget.add(table + "\n")
        budget.add(f"Policy: {_policy_summary(d)}\n\n")
        policy_entries = [_violation_line(v, "🆕") for v in d.introduced] + [_violation_line(v, "✅ resolved:") for v in d.resolved]
        if policy_entries:
            _section(budget, f"Policy results: {len(d.introduced)} new, {len(d.resolved)} resolved", policy_entries)
        for name, c in d.by_component().items():
            summary = f"<b>{_h(name)}</b>: +{c['add']} ~{c['change']} −{c['remove']}"
            items = [r for r in d.resources if r.component == name]
            _section(budget, summary, [_resource_entry(r, d.old.label, d.new.label) for r in items])
        if d.outputs:
            header = f"| path | {_h(d.old.label)} | {_h(d.new.label)} |\n|---|---|---|\n"
            entries = [f"| {_code(c.path)} | {_cell(c, 'old')} | {_cell(c, 'new')} |\n" for c in d.outputs]
            _section(budget, f"Stack outputs: {len(d.outputs)} changed", [header + entries[0], *entries[1:]])
        placeholders = sorted(set(d.old.placeholders) | set(d.new.placeholders))
        if placeholders:
            budget.add(f"<sub>Secret config values cannot be decrypted offline; placeholders were used for "
                       f"{', '.join(_code(p) for p in placeholders)}.</sub>\n\n")
    footer = ""
    if budget.omitted:
        footer += (f"> [!NOTE]\n> {budget.omitted} more change{'s' if budget.omitted != 1 else ''} not shown "
                   f"(comment size limit); run `{command} --json` for all of them.\n\n")
    footer += ("<sub>Offline plan diff by `webstack diff` (Pulumi mock engine, no credentials): desired state only, "
               "no refresh, no replacement prediction. Secret values are masked.</sub>\n")
    text = "".join(budget.parts) + footer
    if len(text) > max_chars:  # only a pathological header could get here; never exceed the limit
        text = text[: max_chars - 200] + "\n\n</details>\n\n(truncated)\n"
    return text


def _json_value(value: Any) -> Any:
    if isinstance(value, Masked):
        return SECRET_TEXT
    return value


def _change_json(c: Change) -> dict[str, Any]:
    out: dict[str, Any] = {"path": c.path, "op": c.op}
    if c.op != "add":
        out["old"] = _json_value(c.old)
    if c.op != "remove":
        out["new"] = _json_value(c.new)
    if c.secret:
        out["secret"] = True
    if c.note and c.note != "dependencies":
        out["note"] = c.note
    return out


def _side_json(side: Side) -> dict[str, Any]:
    out: dict[str, Any] = {"label": side.label, "stack": side.stack, "status": side.status}
    if side.ref:
        out["ref"] = side.ref
    if side.commit:
        out["commit"] = side.commit
    if side.error:
        out["error"] = side.error
    if side.status == "ok":
        out["resources"] = len(side.nodes)
        out["placeholders"] = side.placeholders
        out["policy"] = ({"status": "ok", "violations": [v.__dict__ for v in side.policy.violations]}
                         if side.policy.violations is not None else {"status": "unavailable", "note": side.policy.note})
    return out


def to_json(diffs: Sequence[StackDiff]) -> dict[str, Any]:
    """The ``--json`` document (``schemaVersion`` 1): everything, nothing trimmed, secrets masked."""
    return {
        "schemaVersion": SCHEMA_VERSION,
        "diffs": [
            {
                "old": _side_json(d.old),
                "new": _side_json(d.new),
                "comparable": d.comparable,
                "hasChanges": d.has_changes,
                "summary": {**d.counts(), "unchanged": d.unchanged_resources, "outputs": len(d.outputs),
                            "foldedStackNameValues": d.folded, "components": d.by_component()},
                "resources": [
                    {"op": r.op, "type": r.type, "name": r.name, "parents": list(r.parents), "component": r.component,
                     "protect": r.protect, **({"changes": [_change_json(c) for c in r.changes]} if r.op == "change" else {})}
                    for r in d.resources
                ],
                "outputs": [_change_json(c) for c in d.outputs],
                "policy": {"introduced": [v.__dict__ for v in d.introduced], "resolved": [v.__dict__ for v in d.resolved]},
            }
            for d in diffs
        ],
    }


# ------------------------------------------------------------------------------- text


def _text_value(value: Any) -> str:
    return _value_text(value, _VALUE_CHARS)


def _text_change(c: Change, style: Any) -> str:
    sign = {"add": "+", "remove": "-", "change": "~"}[c.op]
    if c.note == "dependencies":
        removed, added = ", ".join(c.old or []) or "—", ", ".join(c.new or []) or "—"
        body = f"{c.path}: only before: {removed}; only after: {added}"
    elif c.op == "add":
        body = f"{c.path}: {_text_value(c.new)}"
    elif c.op == "remove":
        body = f"{c.path}: {_text_value(c.old)}"
    else:
        body = f"{c.path}: {_text_value(c.old)} => {_text_value(c.new)}" + (f" ({c.note})" if c.note else "")
    return style.paint(f"{sign} {body}", OP_STYLE[sign])


def _text_resource(r: ResourceDiff, style: Any) -> list[str]:
    sign = {"add": "+", "remove": "-", "change": "~"}[r.op]
    where = style.dim(f"  ({'/'.join(r.parents)})") if r.parents else ""
    flag = ""
    if r.protect and r.op == "remove":
        flag = style.paint("  protected: `pulumi up` will refuse to delete it", "red", "bold")
    elif r.protect:
        flag = style.yellow("  [protect]")
    verb = {"add": "create", "remove": "delete", "change": "update"}[r.op]
    lines = [f"  {style.paint(sign, OP_STYLE[sign], 'bold')} {style.cyan(r.type)}  {style.bold(r.name)}{where}{flag}"
             f"  {style.dim(f'({verb})')}"]
    lines += [f"      {_text_change(c, style)}" for c in r.changes]
    return lines


def _text_title(d: StackDiff) -> str:
    if d.old.ref:
        return (f"{d.new.stack}: {d.old.ref} ({d.old.commit}) → this checkout"
                + (f" ({d.new.commit})" if d.new.commit else ""))
    return f"{d.old.label} → {d.new.label}"


def render_text(diffs: Sequence[StackDiff], style: Any = None) -> str:
    """The diff for a terminal, like ``pulumi preview --diff``: a sign per resource, changed
    paths as ``old => new``, and a summary line per stack."""
    style = style or Style(False)
    out: list[str] = []
    for d in diffs:
        out += [style.bold(f"Offline plan diff: {_text_title(d)}"), ""]
        for side in (d.old, d.new):
            if side.status == "missing":
                out.append(style.yellow(f"{side.label} has no Pulumi.{side.stack}.yaml: a new stack, "
                                        "every resource is listed as added."))
            elif side.status == "failed":
                out += [style.paint(f"{side.label} could not be planned, so there is nothing to compare:", "red"),
                        *(f"    {line}" for line in side.error.splitlines()), ""]
        if not d.comparable:
            continue
        component = None
        for r in d.resources:
            if r.component != component:
                component = r.component
                out.append(style.dim(f"{component}:"))
            out += _text_resource(r, style)
        if d.outputs:
            out += ["", style.bold("Outputs:")]
            out += [f"  {_text_change(c, style)}" for c in d.outputs]
        out += ["", f"Policy: {' → '.join(_policy_counts(side) for side in (d.old, d.new))}"]
        out += [f"  {style.red('+ new')} {v.level} {v.policy} on {v.resource}: {' '.join(v.message.split())}"
                for v in d.introduced]
        out += [f"  {style.green('✓ resolved')} {v.level} {v.policy} on {v.resource}: {' '.join(v.message.split())}"
                for v in d.resolved]
        c = d.counts()
        out += ["", f"{style.bold('Resources:')} {op_summary(style, c['add'], c['change'], c['remove'], d.unchanged_resources)}"
                + (f"; {len(d.outputs)} output{'s' if len(d.outputs) != 1 else ''} changed" if d.outputs else "")]
        if d.folded:
            out.append(style.dim(f"{d.folded} value{'s' if d.folded != 1 else ''} that differ only by the stack name "
                                 f"({d.fold[0]} → {d.fold[1]}) are not listed (--show-stack-names lists them)."))
        placeholders = sorted(set(d.old.placeholders) | set(d.new.placeholders))
        if placeholders:
            out.append(style.dim(f"Secret config replaced by placeholders offline: {', '.join(placeholders)}."))
        out.append("")
    return "\n".join(out)


def _policy_counts(side: Side) -> str:
    result = side.policy
    if result.violations is None:
        return f"{side.label}: not evaluated ({result.note})"
    return f"{side.label}: {result.count('mandatory')} mandatory, {result.count('advisory')} advisory"


# --------------------------------------------------------------------------------- CLI


FORMATS = ("text", "markdown", "json")


def _cmd_diff(args: argparse.Namespace) -> int:
    session = args.session
    root = session.project().root
    options = list(args.stack_options or [])
    if args.base is None:
        stacks = list(args.stacks) + options
        if len(stacks) != 2:
            raise user_error("diff: give two stacks (webstack diff A B), or --base GIT_REF and the stacks to "
                              "compare with it (webstack diff -s prod --base origin/main)")
        with session.progress.step(f"Planning {stacks[0]} and {stacks[1]}"):
            diffs = [diff_stacks(*stacks, fold_stack_names=not args.show_stack_names, root=root)]
    else:
        stacks = list(args.stacks) + options or [session.stack(argparse.Namespace())]
        if len(set(stacks)) != len(stacks):
            raise user_error("diff: each stack once, please")
        diffs = diff_against_ref(stacks, args.base, root=root, progress=session.progress)
    shown = " ".join(args.stacks) + "".join(f" -s {s}" for s in options)
    command = "webstack diff " + shown.strip() + (f" --base {args.base}" if args.base else "")
    fmt = "json" if args.json else args.format
    if fmt == "json":
        print(json.dumps(to_json(diffs), indent=2, ensure_ascii=False, default=str))
    elif fmt == "markdown":
        print(render_markdown(diffs, command, args.max_chars), end="")
    else:
        print(render_text(diffs, session.style), end="")
    return 1 if args.exit_code and any(d.has_changes for d in diffs) else 0


def register(subparsers: Any, common: argparse.ArgumentParser) -> None:
    """Adds ``webstack diff`` to the CLI (called by ``pulumi_webstack_cli.main.build_parser``)."""
    parser = subparsers.add_parser(
        "diff",
        parents=[common],
        help="structural diff of two stacks, or of stacks between a git ref and this checkout",
        description="Diff two stacks (webstack diff staging prod) or stacks between GIT_REF and this "
                    "checkout (webstack diff -s prod --base origin/main). Text on a terminal (like "
                    "`pulumi preview --diff`), --format markdown for a PR comment, --format json for tools.",
    )
    parser.add_argument("stacks", nargs="*", metavar="STACK", help="two stacks, or with --base the stacks to compare")
    parser.add_argument("-s", "--stack", dest="stack_options", action="append", metavar="STACK",
                        help="a stack to compare with --base (repeatable; default: $PULUMI_STACK, else the only one)")
    parser.add_argument("--base", metavar="GIT_REF", help="compare with this commit (branch, tag, sha, HEAD~1)")
    parser.add_argument("--format", choices=FORMATS, default="text",
                        help="text (default), markdown (a PR comment, under GitHub's size limit) or json")
    parser.add_argument("--json", action="store_true", help="same as --format json (schemaVersion 1), never trimmed")
    parser.add_argument("--show-stack-names", action="store_true",
                        help="A B diffs: also list values that differ only by the stack name (folded by default)")
    parser.add_argument("--exit-code", action="store_true", help="exit 1 when there are changes (like git diff --exit-code)")
    parser.add_argument("--max-chars", type=int, default=MAX_COMMENT_CHARS, metavar="N",
                        help=f"upper bound of the Markdown size (default {MAX_COMMENT_CHARS}, under GitHub's comment limit)")
    parser.set_defaults(func=_cmd_diff)
