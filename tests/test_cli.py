"""Specification of the `webstack` command line (synth; check and diff have their own modules)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from pulumi_webstack_cli.main import main, parse_overrides, UserError
from pulumi_webstack_cli.engine import ROOT


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_synth_prints_the_tree_with_inputs_and_dependencies(capsys):
    code, out, _ = run(capsys, "synth", "dev")
    assert code == 0
    assert "network-vpc  aws:ec2/vpc:Vpc provider=aws" in out
    assert 'cidrBlock: "10.40.0.0/16"' in out
    assert "↳ depends on: network-vpc" in out
    assert "Planned " in out and "(offline)" in out


def test_synth_json_is_the_documented_schema(capsys):
    code, out, _ = run(capsys, "synth", "staging", "--json")
    data = json.loads(out)
    assert code == 0 and data["schemaVersion"] == 1 and data["stack"] == "staging"
    vpc = next(r for r in data["resources"] if r["type"] == "aws:ec2/vpc:Vpc")
    assert set(vpc) >= {"urn", "type", "name", "parent", "provider", "protect", "dependencies", "inputs"}
    assert data["placeholders"] == []  # staging has no secret config (chat is AWS Chatbot, by ids)


def test_synth_says_when_secrets_were_replaced(capsys):
    _, out, _ = run(capsys, "synth", "prod", "--tree-only")
    assert "placeholders were used for: webstack:pagerWebhookUrl" in out


def test_an_unknown_stack_is_one_line_on_stderr(capsys):
    code, out, err = run(capsys, "synth", "qa")
    assert code == 2 and out == ""
    assert err.strip() == "webstack: error: no stack file Pulumi.qa.yaml; stacks: dev, prod, staging"


def test_a_bad_override_fails_before_anything_is_planned(capsys):
    code, out, err = run(capsys, "synth", "dev", "--set", 'webstack:database={"replicas": 9}')
    assert code == 2 and out == ""
    assert "webstack:database.replicas = 9: must be between 0 and 5" in err
    assert "Traceback" not in err


def test_overrides_parse_json_or_text():
    assert parse_overrides(['webstack:app={"platform":"kubernetes"}', "webstack:tier=prod"]) == {
        "webstack:app": {"platform": "kubernetes"}, "webstack:tier": "prod"}
    with pytest.raises(UserError, match="expected NAMESPACE:KEY=VALUE"):
        parse_overrides(["replicas=3"])


def test_a_typo_in_a_stack_file_fails_the_console_script_without_traceback(tmp_path):
    # The real entry point, on a copy of the project with one typo'd key.
    for name in ("Pulumi.yaml", "Pulumi.dev.yaml"):
        (tmp_path / name).write_text((ROOT / name).read_text())
    (tmp_path / "Pulumi.dev.yaml").write_text(
        (ROOT / "Pulumi.dev.yaml").read_text() + "  webstack:database:\n    replcias: 2\n")
    (tmp_path / "infra").mkdir()
    (tmp_path / "infra" / "__main__.py").write_text((ROOT / "infra" / "__main__.py").read_text())
    code = (
        "import sys; from pathlib import Path; import pulumi_webstack_cli.main as c, pulumi_webstack_cli.engine as e;"
        f"e.ROOT = Path({str(tmp_path)!r});"
        "from functools import partial; c.synth_stack = partial(e.synth_stack, root=e.ROOT);"
        "sys.exit(c.main(['synth', 'dev']))"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert "webstack:database.replcias: unknown key; did you mean 'replicas'?" in proc.stderr
    assert "Traceback" not in proc.stderr
