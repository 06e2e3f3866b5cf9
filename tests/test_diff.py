"""Specification of `webstack diff`: structural plan diffs for pull-request review.

Plans are shared (module fixtures / ``cached_plan``); the ``--base`` tests build one small
git repository with a copy of the project and plan both commits in subprocesses, once.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pulumi
import pulumi_aws as aws
import pytest

from pulumi_webstack_cli.main import main
from pulumi_webstack_cli.diff import Masked, diff_plans, diff_sides, diff_values, flatten, side_from_payload
from pulumi_webstack_cli.diff_report import MAX_COMMENT_CHARS, render_markdown, to_json
from pulumi_webstack_cli.engine import ROOT, synth
from tests.conftest import cached_plan


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def cached_cli(monkeypatch):
    """The CLI planning through the session's plan cache (same plans, planned once)."""
    import pulumi_webstack_cli.main

    monkeypatch.setattr(pulumi_webstack_cli.main, "plan_for", lambda stack, *_, **__: cached_plan(stack))


def changed(diff, name, type_=None):
    found = [r for r in diff.resources if r.name == name and r.op == "change" and (type_ is None or r.type == type_)]
    assert len(found) == 1, [(r.op, r.type, r.name) for r in diff.resources]
    return {c.path: c for c in found[0].changes}


def ops(diff):
    return {(r.op, r.type.rsplit(":", 1)[-1], r.name) for r in diff.resources}


# ------------------------------------------------------------------ two stacks, this checkout


@pytest.fixture(scope="module")
def staging_prod():
    return diff_plans(cached_plan("staging"), cached_plan("prod"), fold_stack_names=True)


def test_identical_stacks_have_no_changes(capsys, cached_cli):
    diff = diff_plans(cached_plan("staging"), cached_plan("staging"))
    assert diff.resources == [] and diff.outputs == [] and not diff.has_changes
    assert diff.unchanged_resources == len(cached_plan("staging"))
    code, out, _ = run(capsys, "diff", "staging", "staging", "--exit-code", "--format", "markdown")
    assert code == 0
    assert out.startswith("<!-- webstack-diff:staging..staging -->\n")
    assert f"**No changes**: both plans have the same {len(cached_plan('staging'))} resources" in out


def test_staging_to_prod_lists_the_real_differences(staging_prod):
    assert changed(staging_prod, "network-vpc")["cidrBlock"].old == "10.41.0.0/16"
    assert changed(staging_prod, "network-vpc")["cidrBlock"].new == "10.42.0.0/16"
    retention = changed(staging_prod, "network-flow-logs", "aws:cloudwatch/logGroup:LogGroup")["retentionInDays"]
    assert (retention.old, retention.new) == (30, 90)
    # prod spans three zones and copies backups to eu-central-1: those resources are added.
    assert {("add", "Subnet", "network-private-2"), ("add", "aws", "aws-eu-central-1")} <= ops(staging_prod)
    outputs = {c.path: c for c in staging_prod.outputs}
    assert (outputs["domain"].old, outputs["domain"].new) == ("staging.shop.example.com", "shop.example.com")


def test_values_that_differ_only_by_the_stack_name_are_folded(staging_prod, capsys, cached_cli):
    # "staging" -> "prod" in names and tags is expected; it is counted, not listed.
    assert staging_prod.fold == ("staging", "prod") and staging_prod.folded > 0
    assert "defaultTags.tags.Stack" not in {c.path for r in staging_prod.resources for c in r.changes}
    assert "tier" not in {c.path for c in staging_prod.outputs}
    assert f"{staging_prod.folded} values that differ only by the stack name (`staging` → `prod`" in \
        render_markdown([staging_prod])
    full = diff_plans(cached_plan("staging"), cached_plan("prod"))
    assert full.folded == 0
    assert len([c for r in full.resources for c in r.changes]) + len(full.outputs) == staging_prod.folded + len(
        [c for r in staging_prod.resources for c in r.changes]) + len(staging_prod.outputs)
    _, out, _ = run(capsys, "diff", "staging", "prod", "--json", "--show-stack-names")
    assert json.loads(out)["diffs"][0]["summary"]["foldedStackNameValues"] == 0


def test_json_string_inputs_are_compared_structurally():
    # The provider's defaultTags input is a JSON string; only the tags that differ are listed.
    tags = changed(diff_plans(cached_plan("staging"), cached_plan("prod")), "aws", "pulumi:providers:aws")
    assert set(tags) == {"defaultTags.tags.Stack", "defaultTags.tags.Tier"}
    assert (tags["defaultTags.tags.Stack"].old, tags["defaultTags.tags.Stack"].new) == ("staging", "prod")


def test_changes_are_grouped_by_top_level_component(staging_prod):
    groups = staging_prod.by_component()
    assert groups["network"] == {"add": 2, "change": 4, "remove": 0}
    assert groups["(stack)"] == {"add": 1, "change": 0, "remove": 0}  # the eu-central-1 provider; tags folded
    vpc = next(r for r in staging_prod.resources if r.name == "network-vpc")
    assert vpc.component == "network" and vpc.parents == ("network",)


def test_one_changed_input_is_one_change():
    before = cached_plan("staging")
    after = cached_plan("staging", {"webstack:network": {"flowLogRetentionDays": 365}})
    diff = diff_plans(before, after)
    assert [(r.op, r.name) for r in diff.resources] == [("change", "network-flow-logs")]
    [change] = diff.resources[0].changes
    assert (change.path, change.op, change.old, change.new) == ("retentionInDays", "change", 30, 365)
    assert diff.outputs == []


def test_added_and_removed_resources():
    two = cached_plan("staging")
    three = cached_plan("staging", {"webstack:network": {"azCount": 3}})
    grown = diff_plans(two, three)
    assert {("add", "Subnet", "network-private-2"), ("add", "RouteTableAssociation", "network-private-2")} <= ops(grown)
    shrunk = diff_plans(three, two)
    assert {("remove", "Subnet", "network-private-2"), ("remove", "RouteTableAssociation", "network-private-2")} <= ops(shrunk)
    zones = {c.path: c for c in shrunk.outputs}["availabilityZones"]
    assert zones.old == ["eu-west-1a", "eu-west-1b", "eu-west-1c"] and zones.new == ["eu-west-1a", "eu-west-1b"]


def test_markdown_puts_the_summary_first_and_collapses_details(staging_prod):
    text = render_markdown([staging_prod], "webstack diff staging prod")
    lines = text.splitlines()
    assert lines[0] == "<!-- webstack-diff:staging..prod -->"
    assert lines[1] == "## Offline plan diff: `staging` → `prod`"
    counts = staging_prod.counts()
    assert lines[3].startswith(f"**{counts['add']} to add · {counts['change']} to change · {counts['remove']} to remove**")
    assert text.index("| component | add | change | remove |") < text.index("<details>")
    assert "<details><summary><b>network</b>:" in text
    assert "| `cidrBlock` | `\"10.41.0.0/16\"` | `\"10.42.0.0/16\"` |" in text
    assert text.count("<details>") == text.count("</details>")
    assert len(text) < MAX_COMMENT_CHARS


def test_json_output_has_every_change(capsys, cached_cli):
    code, out, _ = run(capsys, "diff", "staging", "prod", "--json")
    data = json.loads(out)
    assert code == 0 and data["schemaVersion"] == 1
    [d] = data["diffs"]
    assert (d["old"]["stack"], d["new"]["stack"], d["hasChanges"]) == ("staging", "prod", True)
    vpc = next(r for r in d["resources"] if r["name"] == "network-vpc")
    assert vpc["changes"] == [{"path": "cidrBlock", "op": "change", "old": "10.41.0.0/16", "new": "10.42.0.0/16"}]
    assert d["summary"]["components"]["network"]["change"] >= 4


def test_on_a_terminal_it_reads_like_pulumi_preview_diff(staging_prod, capsys, cached_cli):
    code, out, _ = run(capsys, "diff", "staging", "prod")
    lines = out.splitlines()
    assert code == 0 and lines[0] == "Offline plan diff: staging → prod"
    vpc = lines.index("  ~ aws:ec2/vpc:Vpc  network-vpc  (network)  (update)")
    assert lines[vpc + 1] == '      ~ cidrBlock: "10.41.0.0/16" => "10.42.0.0/16"'
    assert "  + aws:ec2/subnet:Subnet  network-private-2  (network)  (create)" in lines
    assert any(line.startswith("  - ") and line.endswith("(delete)") for line in lines)
    c = staging_prod.counts()
    assert (f"Resources: + {c['add']} to create, ~ {c['change']} to update, - {c['remove']} to delete, "
            f"{staging_prod.unchanged_resources} unchanged; {len(staging_prod.outputs)} outputs changed") in lines
    assert "\x1b[" not in out
    _, coloured, _ = run(capsys, "diff", "staging", "prod", "--color", "always")
    assert "\x1b[33m~ cidrBlock: " in coloured and "\x1b[32;1m+\x1b[0m" in coloured and "\x1b[31;1m-\x1b[0m" in coloured


def test_exit_code_flag_reports_changes_like_git_diff(capsys, cached_cli):
    assert run(capsys, "diff", "staging", "prod")[0] == 0
    assert run(capsys, "diff", "staging", "prod", "--exit-code")[0] == 1


def test_cli_usage_errors_are_one_line(capsys):
    code, out, err = run(capsys, "diff", "staging")
    assert code == 2 and out == ""
    assert err.startswith("webstack: error: diff: give two stacks") and "Traceback" not in err
    code, _, err = run(capsys, "diff", "qa", "staging")
    assert code == 2 and "no stack file Pulumi.qa.yaml" in err


def test_an_unknown_git_ref_is_one_message(capsys):
    code, out, err = run(capsys, "diff", "prod", "--base", "no-such-branch-xyz")
    assert code == 2 and out == ""
    assert err.startswith("webstack: error: --base no-such-branch-xyz: unknown revision")
    assert len(err.strip().splitlines()) == 1


# ---------------------------------------------------------- options, secrets, JSON documents


class Vault(pulumi.ComponentResource):
    """A small program with every kind of difference the diff must see."""

    def __init__(self, name, variant: dict, opts=None):
        super().__init__("webstack:index:Vault", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        key = aws.kms.Key(f"{name}-key", description="vault",
                          opts=pulumi.ResourceOptions(parent=self, protect=variant["protect"]))
        note = variant["note"]
        secret = aws.secretsmanager.Secret(
            f"{name}-secret", kms_key_id=key.arn if variant["kms"] else None,
            description=pulumi.Output.secret(note) if variant["secret"] else note, opts=child)
        aws.secretsmanager.SecretVersion(f"{name}-value", secret_id=secret.id, secret_string=variant["value"], opts=child)
        aws.iam.Policy(f"{name}-read", policy=json.dumps({
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": variant["actions"], "Resource": "*"}],
        }), opts=child)
        self.register_outputs({})


BASE = {"protect": False, "kms": True, "value": "hunter2-old", "note": "rotated by ops", "secret": True,
        "actions": ["secretsmanager:GetSecretValue"]}


def vault(**changes):
    return synth(lambda: Vault("v", {**BASE, **changes}))


@pytest.fixture(scope="module")
def vault_base():
    return vault()


def test_a_changed_secret_is_detected_without_revealing_it(vault_base):
    diff = diff_plans(vault_base, vault(value="hunter2-new"))
    change = changed(diff, "v-value")["secretString"]
    assert (change.note, change.secret) == ("changed", True)
    text = render_markdown([diff]) + json.dumps(to_json([diff]))
    assert "| `secretString` | `[secret]` | `[secret]` (changed) |" in render_markdown([diff])
    assert "hunter2" not in text
    # Nor the keyed digests the two sides were compared by.
    digests = {v.digest for side in (diff.old, diff.new) for node in side.nodes.values()
               for v in flatten(node.inputs).values() if isinstance(v, Masked)}
    assert digests and not [d for d in digests if d in text]


def test_an_unchanged_secret_is_no_change(vault_base):
    assert diff_plans(vault_base, vault()).resources == []


def test_a_value_secret_on_one_side_is_masked_on_both(vault_base):
    # secretString is always secret (the provider schema says so); description only when the program says so.
    diff = diff_plans(vault(secret=False, note="plain-but-sensitive"), vault_base)
    change = changed(diff, "v-secret")["description"]
    assert change.note == "now secret"
    assert isinstance(change.old, Masked) and isinstance(change.new, Masked)
    out = render_markdown([diff]) + json.dumps(to_json([diff]))
    assert "| `description` | `[secret]` | `[secret]` (now secret) |" in out
    assert "plain-but-sensitive" not in out and "rotated by ops" not in out and "hunter2" not in out


def test_protect_and_dependency_changes_are_listed(vault_base):
    diff = diff_plans(vault_base, vault(protect=True, kms=False))
    key = changed(diff, "v-key")
    assert (key["[protect]"].old, key["[protect]"].new) == (False, True)
    secret = changed(diff, "v-secret")
    assert secret["kmsKeyId"].op == "remove"
    assert (secret["[dependsOn]"].old, secret["[dependsOn]"].new) == (["v-key"], [])


def test_iam_policy_documents_are_diffed_statement_by_statement(vault_base):
    diff = diff_plans(vault_base, vault(actions=["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"]))
    paths = changed(diff, "v-read")
    assert list(paths) == ["policy.Statement.0.Action"]
    assert paths["policy.Statement.0.Action"].new == ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"]


def test_flatten_paths():
    doc = {"a": {"b": [1, 2], "c": [{"d": True}]}, "tags": {"kubernetes.io/name": "x"}, "e": {}, "j": '{"k": [1]}'}
    assert flatten(doc) == {"a.b": [1, 2], "a.c.0.d": True, 'tags["kubernetes.io/name"]': "x", "e": {}, "j.k": [1]}
    assert flatten({"s": Masked("d")}) == {"s": Masked("d")}
    # Named elements are keyed by name: inserting one does not shift the others.
    params = {"parameters": [{"name": "rds.force_ssl", "value": "1"}, {"name": "max_connections", "value": "405"}]}
    assert flatten(params) == {"parameters[*]": ["rds.force_ssl", "max_connections"],
                               'parameters["rds.force_ssl"].value': "1", 'parameters["max_connections"].value': "405"}


def test_a_new_named_list_element_is_one_addition_not_a_shift():
    rules = [{"name": "common", "priority": 1}, {"name": "bad-inputs", "priority": 2}]
    changes = diff_values({"rules": rules}, {"rules": [{"name": "rate-limit", "priority": 0}, *rules]})
    assert [(c.path, c.op) for c in changes] == [("rules[*]", "change"), ('rules["rate-limit"].priority', "add")]


def test_database_tier_differences_between_staging_and_prod(staging_prod):
    primary = changed(staging_prod, "database-primary")
    assert (primary["multiAz"].old, primary["multiAz"].new) == (False, True)
    assert (primary["deletionProtection"].new, primary["[protect]"].new) == (True, True)
    assert {("add", "Instance", "database-replica-2"), ("add", "Instance", "database-replica-3")} <= ops(staging_prod)
    waf = changed(staging_prod, "cdn-waf")
    assert waf['rules["api-rate-limit"].statement.rateBasedStatement.limit'].new == 50


# ------------------------------------------------------------------- policy results, trimming


def _payload(resources, violations=None):
    records = [{
        "urn": f"urn:pulumi:s::webstack::aws:s3/bucket:Bucket::{name}", "type": "aws:s3/bucket:Bucket", "name": name,
        "custom": True, "parent": None, "provider": None, "protect": False, "retainOnDelete": False,
        "deleteBeforeReplace": False, "ignoreChanges": [], "dependencies": [], "inputs": inputs,
    } for name, inputs in resources.items()]
    policy = {"status": "ok", "violations": violations} if violations is not None else {"status": "unavailable", "note": "n/a"}
    return {"status": "ok", "records": records, "outputs": {}, "placeholders": [], "policy": policy}


def test_policy_results_of_both_sides_show_new_and_resolved_violations():
    v = lambda policy, level, name: {"policy": policy, "level": level, "resource": f"{name} (aws:s3/bucket:Bucket)",
                                     "message": f"{policy} on {name}"}
    old = side_from_payload("base", "s", _payload({"b": {}}, [v("s3-encryption", "mandatory", "b"), v("tags", "advisory", "b")]))
    new = side_from_payload("head", "s", _payload({"b": {}}, [v("tags", "advisory", "b"), v("s3-versioning", "mandatory", "b")]))
    diff = diff_sides(old, new)
    assert [x.policy for x in diff.introduced] == ["s3-versioning"]
    assert [x.policy for x in diff.resolved] == ["s3-encryption"]
    text = render_markdown([diff])
    assert "Policy: `base`: 1 mandatory, 1 advisory → `head`: 1 mandatory, 1 advisory" in text
    assert "🆕 **mandatory** `s3-versioning` on `b (aws:s3/bucket:Bucket)`" in text
    assert "✅ resolved: **mandatory** `s3-encryption`" in text


def test_json_says_which_side_could_not_be_planned():
    new = side_from_payload("this checkout", "qa", _payload({"b": {"acl": "private"}}))
    missing = diff_sides(side_from_payload("origin/main", "qa", {"status": "missing", "error": "no Pulumi.qa.yaml"}), new)
    [d] = to_json([missing])["diffs"]
    assert (d["old"]["status"], d["comparable"], d["summary"]["add"]) == ("missing", True, 1)
    failed = diff_sides(side_from_payload("origin/main", "qa", {"status": "failed", "error": "bad config"}), new)
    [d] = to_json([failed])["diffs"]
    assert (d["old"]["status"], d["old"]["error"], d["comparable"], d["hasChanges"], d["resources"]) == (
        "failed", "bad config", False, True, [])


def test_a_huge_diff_is_trimmed_under_the_comment_limit_with_a_note():
    old = {f"bucket-{i:04d}": {"tags": {f"t{j}": "a" * 150 for j in range(5)}} for i in range(1500)}
    new = {name: {"tags": {k: "b" * 150 for k in inputs["tags"]}} for name, inputs in old.items()}
    new.update({f"extra-{i}": {} for i in range(300)})
    diff = diff_sides(side_from_payload("a", "s", _payload(old)), side_from_payload("b", "s", _payload(new)))
    assert len(diff.resources) == 1800
    text = render_markdown([diff], "webstack diff a b")
    assert len(text) < MAX_COMMENT_CHARS
    assert text.startswith("<!-- webstack-diff:s..s -->\n")
    assert "**300 to add · 1500 to change · 0 to remove**" in text  # the summary is never trimmed
    shown = text.count("- **~ change**") + text.count("- **+ add**")
    note = re.search(r"> (\d+) more changes not shown \(comment size limit\); run `webstack diff a b --json`", text)
    assert note and int(note.group(1)) == 1800 - shown > 0
    assert text.count("<details>") == text.count("</details>")


# ----------------------------------------------------------------------- --base GIT_REF


def _git(repo: Path, *args: str) -> str:
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com"}
    return subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True, text=True, env=env).stdout


@pytest.fixture(scope="module")
def repo(tmp_path_factory) -> Path:
    """A clone-like repository: commit 1 = the project with a broken dev file; commit 2 fixes dev,
    raises prod's flow-log retention and adds a stack output in code."""
    repo = tmp_path_factory.mktemp("webstack-repo")
    for name in ("components", "infra", "policies", "cli"):
        shutil.copytree(ROOT / name, repo / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    shutil.copy(ROOT / "pyproject.toml", repo / "pyproject.toml")
    for path in ROOT.glob("Pulumi*.yaml"):
        shutil.copy(path, repo / path.name)
    dev = (repo / "Pulumi.dev.yaml").read_text()
    (repo / "Pulumi.dev.yaml").write_text(dev + "  webstack:network:\n    azCount: 9\n")
    _git(repo, "init", "--quiet")
    _git(repo, "add", ".")
    _git(repo, "commit", "--quiet", "-m", "first")
    (repo / "Pulumi.dev.yaml").write_text(dev)
    with (repo / "Pulumi.prod.yaml").open("a") as f:
        f.write("  webstack:network:\n    flowLogRetentionDays: 365\n")
    program = repo / "infra" / "program.py"
    program.write_text(program.read_text() + "\n\n_main = main\n\n\ndef main() -> None:\n"
                       "    _main()\n    pulumi.export(\"diffProbe\", \"only in the second commit\")\n")
    _git(repo, "commit", "--quiet", "-am", "second")
    # A stack that exists only in the working tree (uncommitted): new on this side.
    (repo / "Pulumi.qa.yaml").write_text(dev + "  webstack:tier: dev\n")
    return repo


@pytest.fixture(scope="module")
def clone_diff(repo):
    """`webstack diff prod dev qa --base HEAD~1 --exit-code`, run in the repository like a user would."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["PYTHONPATH"] = str(repo)
    return subprocess.run([sys.executable, "-m", "pulumi_webstack_cli.main", "diff", "prod", "dev", "qa", "--base", "HEAD~1", "--exit-code",
                           "--format", "markdown"],
                          cwd=repo, env=env, capture_output=True, text=True, timeout=900)


def test_the_base_worker_module_imports_nothing_of_the_project_when_loaded_by_path():
    # The worker loads cli/diff_base.py by path before REF's packages are importable: a
    # project import at module level would plan REF with this checkout's engine and library.
    probe = ("import importlib.util, sys\n"
             "spec = importlib.util.spec_from_file_location('worker', sys.argv[1])\n"
             "spec.loader.exec_module(importlib.util.module_from_spec(spec))\n"
             "print(sorted(m for m in sys.modules if m.split('.')[0] in "
             "('pulumi', 'pulumi_webstack', 'pulumi_webstack_cli', 'pulumi_webstack_policies', 'infra')))\n")
    loaded = subprocess.run([sys.executable, "-c", probe, str(ROOT / "cli" / "diff_base.py")],
                            capture_output=True, text=True, check=True, timeout=60)
    assert loaded.stdout.strip() == "[]"


def section(text: str, stack: str) -> str:
    parts = re.split(r"^### ", text, flags=re.M)
    [found] = [p for p in parts if p.startswith(f"`{stack}`")]
    return found


def test_webstack_diff_base_head_1_works_in_a_clone(clone_diff, repo):
    assert clone_diff.returncode == 1, clone_diff.stderr  # --exit-code: there are changes
    out = clone_diff.stdout
    assert out.startswith("<!-- webstack-diff:prod,dev,qa -->\n")
    commit = _git(repo, "rev-parse", "--short=7", "HEAD~1").strip()
    head = _git(repo, "rev-parse", "--short=7", "HEAD").strip()
    assert f"### `prod`: `HEAD~1` (`{commit}`) → this checkout (`{head} + uncommitted changes`)" in out
    assert len(_git(repo, "worktree", "list").splitlines()) == 1  # the temporary worktree is gone


def test_base_diff_shows_the_commit_s_config_change(clone_diff):
    prod = section(clone_diff.stdout, "prod")
    # Flow-log retention applies to every VPC the stack builds (the main one and any DR network).
    assert "- **~ change** `network-flow-logs` `LogGroup` in `network`" in prod
    changes = prod.count("- **~ change**")
    assert prod.count("| `retentionInDays` | `90` | `365` |") == changes >= 1
    assert f"**0 to add · {changes} to change · 0 to remove** · 1 output changed" in prod
    # prod registers secrets (webhook subscriptions, app variables): digests made in the two
    # processes agree, so unchanged secrets are no change.
    assert "[secret]" not in prod


def test_base_side_runs_its_own_code(clone_diff):
    # diffProbe is exported only by the second commit's infra/program.py: had the base been
    # planned with this checkout's modules, both sides would export it.
    assert '| `diffProbe` | — | `"only in the second commit"` |' in section(clone_diff.stdout, "prod")


def test_base_that_cannot_be_planned_is_reported_not_raised(clone_diff):
    dev = section(clone_diff.stdout, "dev")
    assert "`HEAD~1` could not be planned, so there is nothing to compare" in dev
    assert "webstack:network.azCount = 9" in dev
    assert re.search(r"^\| `dev` \| \? \| \? \| \? \| \? \|", clone_diff.stdout, flags=re.M)


def test_a_new_stack_lists_every_resource_as_added(clone_diff):
    qa = section(clone_diff.stdout, "qa")
    assert "`HEAD~1` has no `Pulumi.qa.yaml`: a new stack, every resource is listed as added." in qa
    added = len(cached_plan("dev"))  # qa is a copy of dev
    assert f"**{added} to add · 0 to change · 0 to remove**" in qa


@pytest.mark.parametrize("use_worktree", [True, False], ids=["worktree", "git-archive"])
def test_checkout_at_gives_the_commit_s_files_and_cleans_up(repo, use_worktree):
    from pulumi_webstack_cli.diff import checkout_at, resolve_ref

    top, commit = resolve_ref(repo, "HEAD~1")
    with checkout_at(top, commit, use_worktree) as tree:
        assert "azCount: 9" in (tree / "Pulumi.dev.yaml").read_text()
        assert "diffProbe" not in (tree / "infra" / "program.py").read_text()
        assert not (tree / "Pulumi.qa.yaml").exists()
        assert len(_git(repo, "worktree", "list").splitlines()) == (2 if use_worktree else 1)
    assert not tree.exists()
    assert len(_git(repo, "worktree", "list").splitlines()) == 1


def test_a_commit_without_the_stack_files_needs_no_subprocess(tmp_path):
    from pulumi_webstack_cli.diff import plan_checkout

    assert plan_checkout(tmp_path, ["prod"], b"k") == {"prod": {"status": "missing", "error": "no Pulumi.prod.yaml"}}


def test_base_works_from_a_git_worktree_of_the_repository(repo, tmp_path):
    """A worktree's .git is a file: the ref resolves in the worktree's repository and the
    temporary checkout is another worktree of it, removed afterwards."""
    from pulumi_webstack_cli.diff import checkout_at, resolve_ref

    worktree = tmp_path / "feature"
    _git(repo, "worktree", "add", "--quiet", "--detach", str(worktree), "HEAD")
    try:
        assert (worktree / ".git").is_file()
        top, commit = resolve_ref(worktree, "HEAD~1")
        assert top == worktree.resolve() and commit == _git(repo, "rev-parse", "HEAD~1").strip()
        with checkout_at(top, commit) as tree:
            assert "azCount: 9" in (tree / "Pulumi.dev.yaml").read_text()
    finally:
        _git(repo, "worktree", "remove", "--force", str(worktree))
    assert len(_git(repo, "worktree", "list").splitlines()) == 1
