"""The JSON every ``--json`` output prints is what its published schema
(``pulumi_webstack_cli/schemas/*.schema.json``, shipped in the wheel) says, and the schemas
describe every field the outputs have."""

from __future__ import annotations

import json
from importlib.resources import files

import pytest
from jsonschema import Draft202012Validator

from pulumi_webstack_cli.main import main
from tests.helpers import KUBERNETES

SCHEMAS = files("pulumi_webstack_cli") / "schemas"


def schema(name: str) -> dict:
    document = json.loads((SCHEMAS / f"{name}.schema.json").read_text())
    Draft202012Validator.check_schema(document)
    return document


def output(capsys, *argv) -> dict:
    main(list(argv))
    return json.loads(capsys.readouterr().out)


KUBERNETES_SETS = [arg for key, value in KUBERNETES.items() for arg in ("--set", f"{key}={json.dumps(value)}")]
"""``--set`` options planning dev's app tier on Kubernetes (in the cluster's VPC)."""

CASES = {
    "plan": [("synth", "prod", "--json"), ("synth", "dev", "--json", *KUBERNETES_SETS)],
    "check": [("check", "prod", "--format", "json"),
              ("check", "dev", "--json", "--set", "webstack:database.deletionProtection=false")],
    "diff": [("diff", "staging", "prod", "--format", "json")],
    "estimate": [("estimate", "prod", "--json"), ("estimate", "dev", "--json")],
}


@pytest.mark.parametrize("name,argv", [(name, argv) for name, cases in CASES.items() for argv in cases],
                         ids=lambda v: v if isinstance(v, str) else " ".join(v[:2]))
def test_each_output_is_valid_against_its_schema(capsys, name, argv):
    document = schema(name)
    data = output(capsys, *argv)
    errors = sorted(Draft202012Validator(document).iter_errors(data), key=lambda e: list(e.path))
    assert not errors, [f"{list(e.path)}: {e.message}" for e in errors[:5]]
    # Every top-level field is documented (the schema is not a loose superset).
    assert set(data) == set(document["properties"])


def test_the_schemas_reject_what_they_should(capsys):
    plan = output(capsys, "synth", "dev", "--json")
    broken = {**plan, "resources": [{**plan["resources"][0], "protect": "yes"}]}
    assert list(Draft202012Validator(schema("plan")).iter_errors(broken))
    check = output(capsys, "check", "dev", "--json")
    assert list(Draft202012Validator(schema("check")).iter_errors({**check, "schemaVersion": 2}))


def test_the_schemas_ship_with_the_package():
    assert sorted(p.name for p in SCHEMAS.iterdir() if p.name.endswith(".json")) == [
        "check.schema.json", "diff.schema.json", "estimate.schema.json", "plan.schema.json"]
