"""Specification of the `webstack` command line: which project and stack it plans, what it
prints, how it fails (check, diff and estimate have their own modules)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import pulumi_webstack_cli.main as cli
from pulumi_webstack_cli.engine import ROOT
from pulumi_webstack_cli.main import UserError, main
from pulumi_webstack_cli.project import ConfigSet, apply_sets, from_set, parse_set
from pulumi_webstack_cli.style import Progress, Style, color_enabled, op_summary
from tests.conftest import cached_plan

WEBSTACK = Path(sys.executable).parent / "webstack"


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


PROGRAM = '''
import pathlib
import pulumi
import pulumi_aws as aws

pathlib.Path("ran").write_text("the program ran")  # in the program's directory, as the CLI runs it
config = pulumi.Config()
bucket = aws.s3.Bucket("assets", bucket=f"{pulumi.get_project()}-{pulumi.get_stack()}-assets",
                       tags={"team": config.require("team"), "token": config.get_secret("token") or "none"})
pulumi.export("bucket", bucket.bucket)
pulumi.export("rootDirectory", pulumi.get_root_directory() if hasattr(pulumi, "get_root_directory") else "")
'''


def project(tmp_path: Path, stacks: dict[str, str], *, main: str | None = None, program: str = PROGRAM,
            extra: str = "") -> Path:
    """A small Pulumi Python project of someone else's: one bucket, a project default, stack files."""
    root = tmp_path / "proj"
    program_dir = root / main if main else root
    program_dir.mkdir(parents=True, exist_ok=True)
    (program_dir / "__main__.py").write_text(program)
    (root / "Pulumi.yaml").write_text(textwrap.dedent(f"""\
        name: shop
        runtime: python
        {f'main: {main}' if main else ''}
        config:
          shop:team:
            type: string
            default: platform
        {extra}"""))
    for stack, text in stacks.items():
        (root / f"Pulumi.{stack}.yaml").write_text(text)
    return root


# ------------------------------------------------------------------ this repository's stacks


def test_synth_prints_the_tree_with_inputs_and_dependencies(capsys):
    code, out, _ = run(capsys, "synth", "dev")
    assert code == 0
    assert "network-vpc  aws:ec2/vpc:Vpc provider=aws" in out
    assert 'cidrBlock: "10.40.0.0/16"' in out
    assert "↳ depends on: network-vpc" in out
    assert "\x1b[" not in out  # not a terminal: no colour


def test_synth_marks_every_resource_and_ends_with_the_summary_and_the_typed_chain(capsys):
    code, out, _ = run(capsys, "synth", "-s", "prod", "--tree-only")
    lines = out.splitlines()
    tree = [line for line in lines if "├─ " in line or "└─ " in line]
    assert tree and all(line.startswith("+ ") for line in tree)
    planned = len(cached_plan("prod"))
    assert f"Resources: + {planned} to create" in lines
    chain = lines[lines.index(next(l for l in lines if l.startswith("Longest creation chain"))) + 1:]
    assert chain[0].split() == ["1.", "network-vpc", "aws:ec2/vpc:Vpc"]
    assert any(line.split()[-1] == "aws:rds/instance:Instance" for line in chain)
    assert lines[-1].startswith(f"Planned {planned} resources for stack 'prod' in ")


def test_whole_numbers_print_as_whole_numbers(capsys):
    _, out, _ = run(capsys, "synth", "prod")
    assert "port: 5432" in out and "5432.0" not in out
    assert not [line for line in out.splitlines() if line.rstrip().endswith(".0")]
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
    assert err.strip() == "webstack: error: no stack file Pulumi.qa.yaml in .; stacks: dev, prod, staging"


def test_two_different_stacks_are_refused(capsys):
    code, _, err = run(capsys, "synth", "dev", "-s", "prod")
    assert code == 2 and "two stacks given: -s prod and dev" in err


def test_a_bad_set_fails_before_anything_is_planned(capsys):
    code, out, err = run(capsys, "synth", "dev", "--set", 'webstack:database={"replicas": 9}')
    assert code == 2 and out == ""
    assert "webstack:database.replicas = 9: must be between 0 and 5" in err
    assert "Traceback" not in err


def test_version_names_the_package_and_the_sdks(capsys):
    with pytest.raises(SystemExit) as done:
        main(["--version"])
    out = capsys.readouterr().out
    assert done.value.code == 0
    assert out.startswith("webstack 0.") and "pulumi 3." in out and "pulumi-aws 7." in out


# --------------------------------------------------------------- any project, any stack


def test_it_plans_the_project_of_the_current_directory_found_by_walking_up(tmp_path, monkeypatch, capsys):
    root = project(tmp_path, {"dev": "config:\n  aws:region: eu-west-1\n"})
    (root / "docs" / "deep").mkdir(parents=True)
    monkeypatch.chdir(root / "docs" / "deep")
    code, out, _ = run(capsys, "synth", "--json")
    plan = json.loads(out)
    assert code == 0 and (plan["project"], plan["stack"]) == ("shop", "dev")  # the only stack
    [bucket] = [r for r in plan["resources"] if r["type"] == "aws:s3/bucket:Bucket"]
    assert bucket["inputs"]["bucket"] == "shop-dev-assets"
    assert bucket["inputs"]["tags"]["team"] == "platform"  # the project's default
    assert (root / "ran").read_text() == "the program ran"  # run in its own directory
    assert Path.cwd() == root / "docs" / "deep"  # and the working directory is restored


def test_dash_c_names_the_project_and_main_may_point_elsewhere(tmp_path, capsys):
    root = project(tmp_path, {"dev": "config: {}\n", "prod": "config:\n  shop:team: payments\n"}, main="infra")
    code, out, _ = run(capsys, "-C", str(root), "synth", "-s", "prod", "--json")
    plan = json.loads(out)
    assert code == 0 and plan["stack"] == "prod"
    assert plan["outputs"]["rootDirectory"] == str(root / "infra")
    [bucket] = [r for r in plan["resources"] if r["type"] == "aws:s3/bucket:Bucket"]
    assert bucket["inputs"]["tags"]["team"] == "payments"
    assert (root / "infra" / "ran").is_file()


def test_the_stack_comes_from_pulumi_stack_and_a_qualified_name_uses_its_last_part(tmp_path, monkeypatch, capsys):
    root = project(tmp_path, {"dev": "config: {}\n", "prod": "config: {}\n"})
    monkeypatch.setenv("PULUMI_STACK", "acme/shop/prod")
    code, out, _ = run(capsys, "synth", "-C", str(root), "--json")
    assert code == 0 and json.loads(out)["stack"] == "prod"
    monkeypatch.delenv("PULUMI_STACK")
    code, _, err = run(capsys, "synth", "-C", str(root))
    assert code == 2 and "no stack selected: pass -s STACK or set PULUMI_STACK (stacks: dev, prod)" in err


def test_stack_files_live_in_stack_config_dir(tmp_path, capsys):
    root = project(tmp_path, {}, extra="stackConfigDir: stacks\n")
    (root / "stacks").mkdir()
    (root / "stacks" / "Pulumi.qa.yaml").write_text("config:\n  shop:team: qa\n")
    code, out, _ = run(capsys, "-C", str(root), "synth", "--json")
    assert code == 0 and json.loads(out)["stack"] == "qa"


def test_secure_values_become_placeholders(tmp_path, capsys):
    root = project(tmp_path, {"dev": "config:\n  shop:token:\n    secure: AAABAMaybeCiphertext==\n"})
    code, out, _ = run(capsys, "-C", str(root), "synth", "--json")
    plan = json.loads(out)
    assert code == 0 and plan["placeholders"] == ["shop:token"]
    [bucket] = [r for r in plan["resources"] if r["type"] == "aws:s3/bucket:Bucket"]
    assert bucket["inputs"]["tags"]["token"] == "[secret]"


def test_outside_a_project_it_says_so(tmp_path, capsys):
    code, _, err = run(capsys, "-C", str(tmp_path), "synth")
    assert code == 2 and "no Pulumi.yaml in" in err and "is this a Pulumi project?" in err
    code, _, err = run(capsys, "-C", str(tmp_path / "nowhere"), "synth")
    assert code == 2 and "no such directory" in err


def test_a_failing_program_shows_its_own_frames_not_webstacks(tmp_path, capsys):
    root = project(tmp_path, {"dev": "config: {}\n"}, program="import pulumi\n\ndef broken():\n    return {}['x']\n\nbroken()\n")
    code, out, err = run(capsys, "-C", str(root), "synth")
    assert code == 2 and out == ""
    assert "stack 'dev': the program failed" in err and "KeyError: 'x'" in err
    assert "__main__.py" in err and "return {}['x']" in err
    assert "pulumi_webstack_cli" not in err and "/pulumi/runtime/" not in err


# ------------------------------------------------------------ stack files that cannot be read

BAD_FILES = [
    ("config:\n  aws:region: [eu-west-1\n", 3, "invalid YAML"),
    ("config:\n\taws:region: eu-west-1\n", 2, "a tab character: YAML indents with spaces only"),
    ("config:\n  - aws:region: eu-west-1\n", 2, "config: must be a mapping of keys to values (namespace:key: value), not a list"),
    ("just some text\n", 1, "a stack file must be a mapping of keys, not a string"),
    ("- config\n- more\n", 1, "a stack file must be a mapping of keys, not a list"),
    ("config:\n  shop:team: caf\xe9\n".encode("latin-1"), 2, "not UTF-8 text (byte 0xe9)"),
    ("config:\n  shop:team: a\n  aws:region: eu-west-1\n  shop:team: b\n", 4,
     "duplicate key 'shop:team' (first at line 2); YAML would keep only the last value: remove one"),
    ("config:\n  shop:settings:\n    size: 1\n    size: 2\n", 4, "duplicate key 'size' (first at line 3)"),
]


@pytest.mark.parametrize("content,line,problem", BAD_FILES,
                         ids=["syntax", "tab", "config-list", "scalar", "list", "not-utf8", "duplicate", "duplicate-nested"])
def test_a_stack_file_that_cannot_be_read_is_one_error_with_file_and_line(tmp_path, capsys, content, line, problem):
    root = project(tmp_path, {})
    path = root / "Pulumi.dev.yaml"
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    code, out, err = run(capsys, "-C", str(root), "synth", "dev")
    assert (code, out) == (2, "")
    lines = err.splitlines()
    assert lines[0] == "webstack: error: stack 'dev': invalid configuration (Pulumi.dev.yaml); nothing was deployed:"
    assert len(lines) == 2 and lines[1].startswith(f"  - Pulumi.dev.yaml:{line}: ") and problem in lines[1]
    assert "Traceback" not in err
    assert not (root / "ran").exists()  # the program never ran: nothing registered


def test_a_project_file_that_cannot_be_read_is_one_error_too(tmp_path, capsys):
    root = project(tmp_path, {"dev": "config: {}\n"})
    (root / "Pulumi.yaml").write_text("name: shop\nname: other\nruntime: python\n")
    code, _, err = run(capsys, "-C", str(root), "synth")
    assert code == 2 and "invalid project file (Pulumi.yaml)" in err and "Pulumi.yaml:2: duplicate key 'name'" in err


def test_the_console_script_fails_a_typo_without_traceback(tmp_path):
    for name in ("Pulumi.yaml", "Pulumi.dev.yaml"):
        shutil.copy(ROOT / name, tmp_path / name)
    shutil.copytree(ROOT / "infra", tmp_path / "infra", ignore=shutil.ignore_patterns("__pycache__"))
    (tmp_path / "Pulumi.dev.yaml").write_text(
        (ROOT / "Pulumi.dev.yaml").read_text() + "  webstack:database:\n    replcias: 2\n")
    proc = subprocess.run([WEBSTACK, "-C", tmp_path, "synth", "dev"], capture_output=True, text=True, cwd=tmp_path)
    assert proc.returncode == 2 and proc.stdout == ""
    assert "webstack:database.replcias: unknown key; did you mean 'replicas'?" in proc.stderr
    assert "Traceback" not in proc.stderr


# --------------------------------------------------------------------------------- --set


def test_set_paths_parse_like_pulumi_config_set_path():
    assert parse_set("webstack:database.replicas=4") == ConfigSet("webstack:database", ("replicas",), 4,
                                                                   "webstack:database.replicas=4")
    assert parse_set('webstack:cdn.headers["x.y"]=on').path == ("headers", "x.y")
    assert parse_set("webstack:alerting.emails[1]=b@example.com").path == ("emails", 1)
    assert parse_set("webstack:tier=prod").value == "prod" and parse_set("webstack:tier=prod").path == ()
    assert parse_set('webstack:app={"platform":"kubernetes"}').value == {"platform": "kubernetes"}
    for bad in ("replicas=3", "webstack:database", "webstack:database.=3", "webstack:x[a]=1"):
        with pytest.raises(Exception, match="--set"):
            parse_set(bad)


STACK = {"aws:region": "eu-west-1",
         "webstack:database": {"replicas": 3, "crossRegionReplica": "eu-central-1", "tags": {"a": "1"}},
         "webstack:alerting": {"emails": ["a@example.com"]}}


@pytest.mark.parametrize("given,expected", [
    (["webstack:database.replicas=4"],
     {**STACK, "webstack:database": {**STACK["webstack:database"], "replicas": 4}}),
    (['webstack:database={"replicas":4}'],
     {**STACK, "webstack:database": {**STACK["webstack:database"], "replicas": 4}}),
    (['webstack:database={"tags":{"b":"2"}}'],
     {**STACK, "webstack:database": {**STACK["webstack:database"], "tags": {"a": "1", "b": "2"}}}),
    (["webstack:database.crossRegionReplica=null"],
     {**STACK, "webstack:database": {"replicas": 3, "tags": {"a": "1"}}}),
    (["webstack:alerting.emails[1]=b@example.com"],
     {**STACK, "webstack:alerting": {"emails": ["a@example.com", "b@example.com"]}}),
    (["webstack:cache.replicas=2"], {**STACK, "webstack:cache": {"replicas": 2}}),
    (["webstack:tier=prod", "webstack:tier=dev"], {**STACK, "webstack:tier": "dev"}),
])
def test_set_merges_into_the_stack_files_value(given, expected):
    assert apply_sets(STACK, [parse_set(g) for g in given]) == expected


def test_set_into_a_value_that_has_no_such_place_is_an_error(capsys):
    with pytest.raises(Exception, match="index 3 is past the end"):
        apply_sets(STACK, [parse_set("webstack:alerting.emails[3]=x")])
    code, _, err = run(capsys, "synth", "dev", "--set", "aws:region.zone=a")
    assert code == 2 and "aws:region.zone goes into a string, which has no keys" in err


def test_a_problem_is_from_set_when_its_key_is_at_or_under_a_set_path():
    sets = [parse_set("webstack:database.replicas=9"), parse_set('webstack:cache={"nodeType":"x"}')]
    assert from_set("webstack:database.replicas", sets)
    assert from_set("webstack:cache.nodeType", sets)
    assert not from_set("webstack:cache.replicas", sets)  # kept from the stack file
    assert not from_set("webstack:database", sets) and not from_set("webstack:databaseX.replicas", sets)
    assert not from_set(None, sets)


CONFIG_ERROR_PROGRAM = '''
from dataclasses import dataclass
import pulumi


@dataclass
class Problem:
    key: str
    text: str


class ConfigError(pulumi.RunError):
    def __init__(self, problems):
        self.problems = problems
        super().__init__("stack 'dev': invalid configuration (Pulumi.dev.yaml); nothing was deployed:\\n"
                         + "\\n".join(f"  - {p.text}" for p in problems))


settings = pulumi.Config().require_object("database")
problems = [Problem(f"shop:database.{k}", f"shop:database.{k} = {v!r}: too big") for k, v in sorted(settings.items()) if v > 5]
if problems:
    raise ConfigError(problems)
'''


def test_errors_caused_by_set_say_so(tmp_path, capsys):
    root = project(tmp_path, {"dev": "config:\n  shop:database:\n    replicas: 7\n    size: 1\n"},
                   program=CONFIG_ERROR_PROGRAM)
    code, out, err = run(capsys, "-C", str(root), "synth", "--set", "shop:database.size=9")
    assert (code, out) == (2, "")
    assert err.splitlines() == [
        "webstack: error: stack 'dev': invalid configuration (Pulumi.dev.yaml); nothing was deployed:",
        "  - shop:database.replicas = 7: too big",
        "  - shop:database.size = 9: too big (from --set)",
    ]
    code, _, err = run(capsys, "-C", str(root), "synth")  # no --set: the program's message as it is
    assert err.splitlines()[1:] == ["  - shop:database.replicas = 7: too big"]


# ------------------------------------------------------------------------- output style


def test_colour_follows_the_terminal_no_color_and_the_option():
    class Tty:
        def isatty(self):
            return True

    assert color_enabled("auto", Tty(), {}) is True
    assert color_enabled("auto", Tty(), {"NO_COLOR": "1"}) is False
    assert color_enabled("auto", Tty(), {"NO_COLOR": ""}) is True  # no-color.org: only a non-empty value
    assert color_enabled("auto", Tty(), {"TERM": "dumb"}) is False
    assert color_enabled("auto", object(), {}) is False
    assert color_enabled("always", object(), {"NO_COLOR": "1"}) is True
    assert color_enabled("never", Tty(), {}) is False


def test_color_always_colours_signs_and_the_summary(capsys):
    _, out, _ = run(capsys, "synth", "dev", "--tree-only", "--color", "always")
    planned = len(cached_plan("dev"))
    assert "\x1b[32m+\x1b[0m ├─ " in out and f"Resources:\x1b[0m \x1b[32m+ {planned} to create\x1b[0m" in out


def test_the_summary_line_reads_like_pulumi():
    plain = Style(False)
    assert op_summary(plain, 12, 3, 1) == "+ 12 to create, ~ 3 to update, - 1 to delete"
    assert op_summary(plain, 0, 2, 0, 40) == "~ 2 to update, 40 unchanged"
    assert op_summary(plain, 0, 0, 0, 7) == "7 unchanged"
    assert op_summary(Style(True), 1, 0, 0) == "\x1b[32m+ 1 to create\x1b[0m"


def test_progress_shows_a_slow_step_on_stderr_and_clears_it(tmp_path):
    import io
    import time

    stream = io.StringIO()
    with Progress(stream, enabled=True, delay=0.05).step("Planning shop/dev offline"):
        time.sleep(0.4)
    text = stream.getvalue()
    assert "Planning shop/dev offline … 0s" in text and text.endswith("\r\x1b[K")
    quiet = io.StringIO()
    with Progress(quiet, enabled=True, delay=5).step("fast"):
        pass
    assert quiet.getvalue() == ""  # quick steps show nothing
    assert Progress(io.StringIO()).enabled is False  # not a terminal: never


def test_plan_for_turns_user_errors_into_one_message(tmp_path):
    with pytest.raises(UserError, match="expected NAMESPACE:KEY"):
        cli.parse_sets(["replicas=3"])
    assert os.environ.get("PULUMI_STACK") is None


def test_without_the_cli_extra_the_command_says_which_extra_to_install(monkeypatch, capsys):
    # The core install has the webstack script but not the policy SDK the command imports.
    import importlib.util

    from pulumi_webstack_cli import main as cli_main

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "pulumi_policy" else real(name, *a))
    with pytest.raises(SystemExit) as exit_:
        cli_main.console()
    assert exit_.value.code == 2
    assert capsys.readouterr().err.strip() == (
        "webstack: error: the webstack command needs the cli extra, which brings pulumi-policy: "
        "pip install 'pulumi-webstack[cli]'")
