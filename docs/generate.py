"""Generate the tables of the component pages in docs/ from the code.

Each page (``docs/<component>.md``) is hand-written prose around blocks this script owns,
fenced by ``<!-- generated:NAME -->`` and ``<!-- /generated:NAME -->``:

- ``args``: every Args field, from the dataclass (Python name, default, docstring) and the
  package schema ``pulumi package add`` infers (schema name, type, required);
- ``outputs``: every output attribute, with its Python annotation and schema type;
- ``tiers``: what differs per tier: the rows of ``infra/presets.py`` (keyed by this
  component's Args fields) the stack program sets, with the stack-file key of each;

``docs/alerting.md`` also has ``alarms``, the prod alarm catalogue of ``components/alarms.py``,
and ``budgets``, the prod burn-rate alerts of ``components/slo.py``; ``docs/README.md`` has an
``index`` block linking every page.

    python docs/generate.py            # rewrite the blocks (make docs)
    python docs/generate.py --check    # exit 1, naming each stale or missing page

A component added to ``components/__main__.py`` gets a page (created with its blocks when
missing); a row added to the presets must name a field of a component (or a stack-only key
of ``infra/sections.py``) or this script stops and says so.
"""

from __future__ import annotations

import argparse
import dataclasses
import enum
import inspect
import json
import re
import sys
import typing
from pathlib import Path
from typing import Any, Iterable, Optional

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path[:1]:
    sys.path.insert(0, str(ROOT))  # document this checkout, not some installed copy

from pulumi.provider.experimental.util import camel_case as camel  # noqa: E402

import pulumi_webstack.__main__ as package  # noqa: E402
from pulumi_webstack import alarms, slo  # noqa: E402
from pulumi_webstack.__main__ import args_class  # noqa: E402
from infra.presets import PRESETS, Tier, presets_for  # noqa: E402
from infra.sections import PLATFORMS, SECTIONS, args_class as section_args  # noqa: E402
from pulumi_webstack.alerting import AlertingArgs  # noqa: E402
from pulumi_webstack.database import max_connections_for  # noqa: E402

DOCS = ROOT / "docs"
ALARM_EXAMPLE_CLASS = "db.r7g.large"
"""Instance class of the database in the Alerting page's alarm catalogue (the prod default)."""
TIERS = tuple(Tier)
BLOCK = re.compile(r"(<!-- generated:([a-z]+) -->\n)(.*?)(<!-- /generated:\2 -->)", re.S)


# ----------------------------------------------------------------------------- helpers


def page_name(component: type) -> str:
    """``VercelApp`` -> ``vercel-app.md``."""
    return re.sub(r"(?<!^)(?=[A-Z])", "-", component.__name__).lower() + ".md"


def both_names(name: str) -> str:
    """The Python name and, when it differs, the schema name of a field."""
    return f"`{name}`" if camel(name) == name else f"`{name}`<br>`{camel(name)}`"


def summary(component: type) -> str:
    """The first paragraph of a component's docstring, as one Markdown table cell."""
    return clean((component.__doc__ or "").strip().split("\n\n")[0])


def clean(text: Optional[str]) -> str:
    """A docstring as one Markdown table cell."""
    text = re.sub(r"\s+", " ", (text or "").strip())
    text = re.sub(r"``([^`]+)``", r"`\1`", text)
    return text.replace("|", "\\|")


def value(v: Any, limit: int = 48) -> str:
    """A default or tier value as the docs show it (JSON spelling, in code)."""
    if v is None:
        return "—"
    if isinstance(v, enum.Enum):
        v = v.value
    if dataclasses.is_dataclass(v):
        return f"[defaults](#{type(v).__name__.lower()})"
    text = json.dumps(v)
    if len(text) > limit:
        text = text[: limit - 2] + "…" + text[-1]
    return "`" + text.replace("|", "\\|") + "`"


def default_of(f: dataclasses.Field) -> Optional[str]:
    """Rendered default of a dataclass field; None when the field is required."""
    if f.default is not dataclasses.MISSING:
        return value(f.default)
    if f.default_factory is not dataclasses.MISSING:
        return value(f.default_factory())
    return None


def schema_type(prop: dict[str, Any], schema: dict[str, Any], under_input: bool = False) -> str:
    """``Input<array<string>>``: the schema type, ``Input<...>`` where another resource's
    output is accepted (not ``plain``)."""
    wrap = not prop.get("plain") and not under_input
    inner = under_input or wrap
    if "$ref" in prop:
        name = prop["$ref"].rsplit(":", 1)[-1]
        type_def = schema["types"][f"{schema['name']}:index:{name}"]
        if "enum" in type_def:
            return " or ".join(f'`"{e["value"]}"`' for e in type_def["enum"])
        return f"[`{name}`](#{name.lower()})"
    kind = prop["type"]
    if kind == "array":
        text = f"array<{schema_type(prop['items'], schema, inner).strip('`')}>"
    elif kind == "object" and "additionalProperties" in prop:
        text = f"map<{schema_type(prop['additionalProperties'], schema, inner).strip('`')}>"
    else:
        text = kind
    return f"`Input<{text}>`" if wrap else f"`{text}`"


def python_type(annotation: Any) -> str:
    text = repr(annotation) if not isinstance(annotation, type) else annotation.__name__
    text = re.sub(r"\b(typing|pulumi\.output|pulumi|builtins|collections\.abc)\.", "", text)
    return f"`{text}`"


# ------------------------------------------------------------------------------ blocks


def args_block(component: type, schema: dict[str, Any]) -> str:
    cls = args_class(component)
    definition = schema["resources"][f"{package.PACKAGE}:index:{component.__name__}"]
    rows = _field_rows(cls, definition["inputProperties"], set(definition.get("requiredInputs", [])), schema)
    text = ["| Args field (Python / schema) | Type | Default | Description |", "|---|---|---|---|", *rows]
    for nested in _nested_types(cls):
        type_def = schema["types"][f"{package.PACKAGE}:index:{nested.__name__}"]
        required = set(type_def.get("required", []))
        text += ["", f"#### `{nested.__name__}`", "", clean(type_def.get("description")), "",
                 "| Field (Python / schema) | Type | Default | Description |", "|---|---|---|---|",
                 *_field_rows(nested, type_def["properties"], required, schema)]
    return "\n".join(text)


def _field_rows(cls: type, props: dict[str, Any], required: set[str], schema: dict[str, Any]) -> list[str]:
    rows = []
    for f in dataclasses.fields(cls):
        prop = props[camel(f.name)]
        default = default_of(f)
        if camel(f.name) in required or default is None:
            default = "**required**"
        rows.append(f"| {both_names(f.name)} | {schema_type(prop, schema)} | {default} | "
                    f"{clean(prop.get('description'))} |")
    return rows


def _nested_types(cls: type) -> list[type]:
    """Dataclasses used in ``cls``'s fields (the schema's object types), in field order."""
    found: list[type] = []

    def walk(annotation: Any) -> None:
        if isinstance(annotation, type) and dataclasses.is_dataclass(annotation):
            if annotation not in found:
                found.append(annotation)
            return
        for arg in typing.get_args(annotation):
            walk(arg)

    for f in dataclasses.fields(cls):
        walk(f.type)
    return found


def outputs_block(component: type, schema: dict[str, Any]) -> str:
    definition = schema["resources"][f"{package.PACKAGE}:index:{component.__name__}"]
    always = set(definition.get("required", []))
    rows = ["| Output (Python / schema) | Python type | Schema type | Description |", "|---|---|---|---|"]
    for attr, annotation in inspect.get_annotations(component).items():
        if attr.startswith("_"):
            continue
        prop = definition["properties"][camel(attr)]
        kind = schema_type(prop, schema, under_input=True)
        if camel(attr) not in always:
            kind += " (may be unset)"
        rows.append(f"| {both_names(attr)} | {python_type(annotation)} | {kind} | "
                    f"{clean(prop.get('description'))} |")
    return "\n".join(rows)


def section_components() -> dict[str, list[tuple[type, str]]]:
    """Section -> [(Args class, stack-file key prefix)] (``app``: one per platform)."""
    out = {name: [(section_args(name), f"webstack:{name}")] for name in SECTIONS if name != "app"}
    out["app"] = [(section_args("app", platform), f"webstack:app.{platform}") for platform in PLATFORMS]
    return out


def tier_rows() -> dict[type, list[tuple[str, str, Any]]]:
    """Args class -> [(stack-file key, Args field path, the field)] of every preset row;
    stops when a row names no field of its section's Args and no stack-only key."""
    per_class: dict[type, list[tuple[str, str, Any]]] = {}
    unplaced = []
    for key in PRESETS:
        section, path = key.split(".", 1)
        stack_key = camel(path.replace(".", "_")) if "." not in path else None
        if stack_key in SECTIONS[section].stack_keys:
            continue  # a stack-program setting: on the README's configuration table, not a component page
        placed = False
        for cls, prefix in section_components()[section]:
            field = _field_at(cls, path.split("."))
            if field is not None:
                per_class.setdefault(cls, []).append((f"{prefix}.{'.'.join(camel(p) for p in path.split('.'))}",
                                                      path, field))
                placed = True
        if not placed and section != "app":
            unplaced.append(key)
    if unplaced:
        raise SystemExit("docs/generate.py: rows of infra/presets.py naming no Args field: " + ", ".join(unplaced))
    return per_class


def _field_at(cls: type, path: list[str]) -> Any:
    fields = {f.name: f for f in dataclasses.fields(cls)}
    field = fields.get(path[0])
    if field is None or len(path) == 1:
        return field
    nested = [a for a in typing.get_args(field.type) if dataclasses.is_dataclass(a)] or [field.type]
    return _field_at(nested[0], path[1:]) if dataclasses.is_dataclass(nested[0]) else None


def tiers_block(component: type, rows_by_class: dict[type, list]) -> str:
    rows = ["| Stack-file key | Args field | Args default | dev | staging | prod |", "|---|---|---|---|---|---|"]
    for key, path, field in rows_by_class.get(args_class(component), []):
        cells = " | ".join(value(PRESETS[f"{key.split(':')[1].split('.')[0]}.{path}"][t]) for t in TIERS)
        rows.append(f"| `{key}` | `{path}` | {default_of(field) or '**required**'} | {cells} |")
    if len(rows) == 2:
        return "The same in every tier: the stack program sets nothing here from `infra/presets.py`."
    return "\n".join(rows)


def alarms_block() -> str:
    """The prod alarm catalogue, for a representative prod stack: what ``Alerting`` builds
    for these Args (``AlertingArgs.catalogue``), so every alarm family appears."""
    args = AlertingArgs(
        emails=["oncall@example.com"], health_check_url="https://shop.example.com/health",
        cdn_distribution_id="distribution", certificate_arn="certificate",
        database_identifier="primary", database_replica_identifiers=["replica"],
        database_max_connections=max_connections_for(ALARM_EXAMPLE_CLASS), database_resource_id="resource-id",
        database_instance_class=ALARM_EXAMPLE_CLASS,
        database_cross_region_replica_identifier="dr-replica", database_cross_region_replica_region="eu-central-1",
        cache_member_clusters=["node-a", "node-b"],
        app_platform="kubernetes", kubernetes_cluster_name="cluster", kubernetes_namespace="namespace",
        kubernetes_deployment_name="deployment", kubernetes_max_replicas=20,
        backup_vault_name="vault",
    )
    return alarms.markdown_table(args.catalogue("health-check"))


def budgets_block() -> str:
    """The burn-rate alerts of the prod objectives (``infra/presets.py``), on a distribution
    with CloudFront's additional metrics."""
    objectives = slo.Objectives(**presets_for(Tier.PROD)["alerting"]["objectives"])
    return slo.markdown_table(slo.burn_rate_alerts(objectives, "distribution"))


def index_block() -> str:
    rows = ["| Component | Type token | Page | Builds |", "|---|---|---|---|"]
    for c in package.COMPONENTS:
        rows.append(f"| `{c.__name__}` | `{package.PACKAGE}:index:{c.__name__}` | [{page_name(c)}]({page_name(c)}) | "
                    f"{summary(c)} |")
    return "\n".join(rows)


# ------------------------------------------------------------------------------- pages


def schema() -> dict[str, Any]:
    return json.loads(package.provider().schema)


def expected_blocks() -> dict[str, dict[str, str]]:
    """Page file name -> block name -> generated content."""
    s = schema()
    targets = tier_rows()
    pages = {page_name(c): {"args": args_block(c, s), "outputs": outputs_block(c, s), "tiers": tiers_block(c, targets)}
             for c in package.COMPONENTS}
    pages["alerting.md"]["alarms"] = alarms_block()
    pages["alerting.md"]["budgets"] = budgets_block()
    pages["README.md"] = {"index": index_block()}
    return pages


def render(text: str, blocks: dict[str, str], where: str) -> str:
    """``text`` with each generated block replaced; ValueError for missing or unknown blocks."""
    found = [m.group(2) for m in BLOCK.finditer(text)]
    missing = [b for b in blocks if b not in found]
    unknown = [b for b in found if b not in blocks]
    if missing or unknown:
        raise ValueError(f"{where}: " + "; ".join(
            ([f"missing block(s) {', '.join(missing)}"] if missing else [])
            + ([f"unknown block(s) {', '.join(unknown)}"] if unknown else [])))
    return BLOCK.sub(lambda m: m.group(1) + "\n" + blocks[m.group(2)] + "\n\n" + m.group(4), text)


def skeleton(component: type, blocks: dict[str, str]) -> str:
    """A new page: the component's summary and its generated blocks, ready for prose."""
    parts = [f"# {component.__name__}\n\n{summary(component)}\n"]
    headings = {"tiers": "Per tier", "args": "Args", "outputs": "Outputs", "alarms": "Alarms"}
    for name, heading in headings.items():
        if name in blocks:
            parts.append(f"## {heading}\n\n<!-- generated:{name} -->\n<!-- /generated:{name} -->\n")
    return render("\n".join(parts), blocks, component.__name__)


def stale_pages(docs: Path = DOCS, *, write: bool = False) -> list[str]:
    """Pages whose generated blocks differ from the code (written when ``write``)."""
    by_name = {page_name(c): c for c in package.COMPONENTS}
    stale = []
    for name, blocks in expected_blocks().items():
        path = docs / name
        if not path.exists():
            if name == "README.md" or not write:
                stale.append(f"docs/{name}: missing")
                continue
            new = skeleton(by_name[name], blocks)
            old = ""
        else:
            old = path.read_text()
            try:
                new = render(old, blocks, f"docs/{name}")
            except ValueError as err:
                stale.append(str(err))
                continue
        if new != old:
            stale.append(f"docs/{name}: " + ("created" if not old else "updated" if write else "stale"))
            if write:
                path.write_text(new)
    return stale


def main(argv: Optional[Iterable[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="exit 1 when a page is stale or missing; write nothing")
    parser.add_argument("--docs", type=Path, default=DOCS, help=argparse.SUPPRESS)
    options = parser.parse_args(list(argv) if argv is not None else None)
    problems = stale_pages(options.docs, write=not options.check)
    for line in problems:
        print(line)
    if options.check and problems:
        print("run `make docs` (python docs/generate.py) and commit the result", file=sys.stderr)
        return 1
    unwritable = [p for p in problems if not p.endswith(("updated", "created"))]
    return 1 if unwritable else 0


if __name__ == "__main__":
    sys.exit(main())
