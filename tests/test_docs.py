"""Specification of docs/: one page per component, its tables current with the code, every
Args field and output on it, and examples that run (Python under the offline engine, YAML
checked against the package schema and executed through the component provider)."""

from __future__ import annotations

import dataclasses
import importlib.util
import re
import shutil
import subprocess
import sys

import pytest
import yaml

import pulumi_webstack.__main__ as package
from infra.presets import PRESETS
from infra.sections import SECTIONS as CONFIG_SECTIONS
from pulumi_webstack_cli.engine import ROOT, synth
from tests.yaml_runner import program_problems, references, run_program

DOCS = ROOT / "docs"
SECTIONS = ("## What it builds", "## Per tier", "## Args", "## Outputs", "## Example: Python",
            "## Example: Pulumi YAML", "## Known limits")

_spec = importlib.util.spec_from_file_location("docs_generate", DOCS / "generate.py")
generate = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(generate)

COMPONENTS = {c.__name__: c for c in package.COMPONENTS}


def page(component: str) -> str:
    return (DOCS / generate.page_name(COMPONENTS[component])).read_text()


def block(text: str, name: str) -> str:
    """The generated block ``name`` of a page."""
    blocks = {m.group(2): m.group(3) for m in generate.BLOCK.finditer(text)}
    assert name in blocks, f"no generated:{name} block"
    return blocks[name]


def fenced(text: str, language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", text, re.S)


def row_of(table: str, first_cell: str) -> str:
    rows = [line for line in table.splitlines() if line.startswith(f"| {first_cell}")]
    assert len(rows) == 1, (first_cell, rows)
    return rows[0]


# ---------------------------------------------------------------------------- the pages


def test_the_page_names_are_the_components_in_kebab_case():
    assert [generate.page_name(c) for c in package.COMPONENTS] == [
        "network.md", "database.md", "cache.md", "vercel-app.md", "kubernetes-app.md", "ecs-app.md", "cdn.md", "backups.md",
        "alerting.md", "canaries.md", "drills.md",
    ]


@pytest.mark.parametrize("component", sorted(COMPONENTS))
def test_every_component_has_a_page_with_every_section(component):
    text = page(component)
    assert text.startswith(f"# {component}\n")
    assert f"`webstack:index:{component}`" in text
    positions = [text.find(heading + "\n") for heading in SECTIONS]
    assert -1 not in positions and positions == sorted(positions), dict(zip(SECTIONS, positions))


def test_the_index_links_every_page_and_only_pages_that_exist():
    index = block((DOCS / "README.md").read_text(), "index")
    linked = set(re.findall(r"\]\(([a-z-]+\.md)\)", index))
    assert linked == {generate.page_name(c) for c in package.COMPONENTS}
    assert {p.name for p in DOCS.glob("*.md")} == linked | {"README.md"}
    for component in COMPONENTS.values():
        assert generate.summary(component) in row_of(index, f"`{component.__name__}` |")


def test_the_pages_are_current_with_the_code():
    result = subprocess.run([sys.executable, str(DOCS / "generate.py"), "--check"], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout == ""


def test_the_check_names_a_stale_or_missing_page_and_the_generator_repairs_both(tmp_path, capsys):
    docs = tmp_path / "docs"
    shutil.copytree(DOCS, docs)
    stale = page("Database").replace("| `webstack:database.replicas` | `replicas` | `0` |", "| `webstack:database.replicas` | `replicas` | `7` |")
    assert stale != page("Database")
    (docs / "database.md").write_text(stale)
    (docs / "cache.md").unlink()
    assert generate.main(["--check", "--docs", str(docs)]) == 1
    out = capsys.readouterr().out
    assert "docs/database.md: stale" in out and "docs/cache.md: missing" in out and "network.md" not in out
    assert not (docs / "cache.md").exists()  # --check writes nothing
    assert generate.main(["--docs", str(docs)]) == 0
    assert (docs / "database.md").read_text() == page("Database")
    created = (docs / "cache.md").read_text()
    assert created.startswith("# Cache\n") and block(created, "args") == block(page("Cache"), "args")
    assert generate.main(["--check", "--docs", str(docs)]) == 0


def test_a_page_without_its_blocks_is_reported_not_overwritten(tmp_path, capsys):
    docs = tmp_path / "docs"
    shutil.copytree(DOCS, docs)
    broken = re.sub(r"<!-- generated:outputs -->.*?<!-- /generated:outputs -->", "", page("Network"), flags=re.S)
    (docs / "network.md").write_text(broken)
    assert generate.main(["--docs", str(docs)]) == 1
    assert "docs/network.md: missing block(s) outputs" in capsys.readouterr().out
    assert (docs / "network.md").read_text() == broken


# ---------------------------------------------------------------------------- the tables


@pytest.mark.parametrize("component", sorted(COMPONENTS))
def test_every_args_field_and_output_is_on_the_page_with_its_description(component, schema):
    cls = COMPONENTS[component]
    definition = schema["resources"][f"webstack:index:{component}"]
    args_table = block(page(component), "args")
    for f in dataclasses.fields(generate.args_class(cls)):
        name = generate.camel(f.name)
        row = row_of(args_table, f"`{f.name}`")
        assert f"`{name}`" in row
        assert generate.clean(definition["inputProperties"][name]["description"]) in row
        assert ("**required**" in row) == (name in definition.get("requiredInputs", []))
    outputs_table = block(page(component), "outputs")
    declared = [a for a in cls.__annotations__ if not a.startswith("_")]
    assert len([line for line in outputs_table.splitlines() if line.startswith("| `")]) == len(declared)
    for attr in declared:
        row = row_of(outputs_table, f"`{attr}`")
        assert generate.clean(definition["properties"][generate.camel(attr)]["description"]) in row


def test_input_types_say_where_an_output_is_accepted():
    database = block(page("Database"), "args")
    assert "| `subnet_ids`<br>`subnetIds` | `Input<array<string>>` | **required** |" in database
    assert "| `replicas` | `integer` | `0` |" in database
    alerting = block(page("Alerting"), "args")
    assert ("| `database_replica_identifiers`<br>`databaseReplicaIdentifiers` | `array<Input<string>>` | `[]` |"
            in alerting)
    assert "| `thresholds` | [`Thresholds`](#thresholds) | [defaults](#thresholds) |" in alerting
    assert "| `db_cpu_percent`<br>`dbCpuPercent` | `number` | `80` |" in alerting
    cdn = block(page("Cdn"), "args")
    assert "| `headers` | [`SecurityHeaders`](#securityheaders) | [defaults](#securityheaders) |" in cdn
    assert "#### `SecurityHeaders`" in cdn and "`hsts_preload`<br>`hstsPreload`" in cdn
    outputs = block(page("Database"), "outputs")
    assert "| `replica_identifiers`<br>`replicaIdentifiers` | `list[Output[str]]` | `array<string>` |" in outputs
    assert "`proxy_endpoint`<br>`proxyEndpoint` | `Optional[Output[str]]` | `string` (may be unset) |" in outputs


def test_every_preset_is_on_a_page_with_its_stack_file_key_and_values():
    tables = [block(page(c), "tiers") for c in COMPONENTS]
    for key, row in PRESETS.items():
        section, path = key.split(".", 1)
        if "." not in path and generate.camel(path) in CONFIG_SECTIONS[section].stack_keys:
            continue  # a stack-program key: the README's configuration section
        lines = [line for table in tables for line in table.splitlines() if f"| `{path}` |" in line
                 and line.startswith(f"| `webstack:{section}.")]
        assert lines, key
        for line in lines:
            cells = [c.strip() for c in line.strip().strip("|").split("|")][-3:]
            assert cells == [generate.value(v) for v in row.values()], key


def test_the_database_page_shows_what_the_stack_sets_per_tier():
    tiers = block(page("Database"), "tiers")
    assert "| `webstack:database.replicas` | `replicas` | `0` | `0` | `1` | `2` |" in tiers
    assert "| `webstack:database.protect` | `protect` | `false` | `false` | `false` | `true` |" in tiers
    assert "| `webstack:database.appMaxInstances` | `app_max_instances` | `1` | `1` | `2` | `20` |" in tiers


def test_the_alerting_page_shows_the_thresholds_each_tier_sets():
    tiers = block(page("Alerting"), "tiers")
    assert ("| `webstack:alerting.thresholds.serviceDownMinutes` | `thresholds.service_down_minutes` | `2` | "
            "`5` | `5` | `2` |") in tiers


# -------------------------------------------------------------------------- the examples


@pytest.mark.parametrize("component", sorted(COMPONENTS))
def test_the_python_example_runs_and_builds_the_component(component):
    (code,) = fenced(page(component), "python")
    compiled = compile(code, f"docs/{generate.page_name(COMPONENTS[component])}", "exec")
    plan = synth(lambda: exec(compiled, {"__name__": "__main__"}), project="docs", stack="prod",
                 config={"aws:region": "eu-west-1"})
    built = plan.by_type(f"webstack:index:{component}")
    assert len(built) == 1 and plan.descendants(built[0])
    exported = set(re.findall(r'pulumi\.export\("(\w+)"', code))
    assert exported and exported == set(plan.outputs)


@pytest.mark.parametrize("component", sorted(COMPONENTS))
def test_the_yaml_example_type_checks_and_runs(component, schema, provider):
    (text,) = fenced(page(component), "yaml")
    program = yaml.safe_load(text)
    assert program_problems(program, schema) == []
    assert any(r["type"] == f"webstack:index:{component}" for r in program["resources"].values())
    assert list(references(program["outputs"]))
    plan, _ = run_program(program, provider, project="docs", stack="prod")
    assert len(plan.by_type(f"webstack:index:{component}")) == 1
    assert set(plan.outputs) == set(program["outputs"])


def test_the_alerting_page_lists_the_prod_alarm_catalogue():
    from pulumi_webstack.database import max_connections_for

    table = block(page("Alerting"), "alarms")
    keys = re.findall(r"^\| `([a-z0-9-]+)` \|", table, re.M)
    assert keys[0] == "service-down" and "backup-stale" in keys and "cache-002-replication-lag" in keys
    assert row_of(table, "`service-down` |").startswith("| `service-down` | critical | AWS/Route53 `HealthCheckStatus`")
    limit = 0.9 * max_connections_for("db.r7g.large")  # prod: 90 % of the class's max_connections
    assert f"| > {limit:g} connections |" in row_of(table, "`db-connections` |")
