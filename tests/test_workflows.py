"""Specification of the GitHub Actions workflows: triggers, permissions, jobs, and the
security rules that make PR review safe for forks.

The files are parsed with PyYAML (YAML 1.1 reads the key ``on`` as the boolean True, so
``load`` moves it back to ``"on"``) and checked structurally, never as text.
"""

from __future__ import annotations

import re
from typing import Any, Iterator

import pytest
import yaml

from pulumi_webstack_cli.diff import diff_sides, side_from_payload
from pulumi_webstack_cli.diff_report import MARKER_PREFIX, marker
from pulumi_webstack_cli.engine import ROOT

WORKFLOWS = ROOT / ".github" / "workflows"
STACKS = sorted(p.name[len("Pulumi."):-len(".yaml")] for p in ROOT.glob("Pulumi.*.yaml"))
SAME_REPO = "github.event.pull_request.head.repo.full_name == github.repository"


def load(name: str) -> dict[str, Any]:
    data = yaml.safe_load((WORKFLOWS / name).read_text())
    if True in data:
        data["on"] = data.pop(True)
    return data


def all_workflows() -> dict[str, dict[str, Any]]:
    return {p.name: load(p.name) for p in sorted(WORKFLOWS.glob("*.yml"))}


def strings(node: Any) -> Iterator[str]:
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for k, v in node.items():
            yield from strings(k)
            yield from strings(v)
    elif isinstance(node, list):
        for v in node:
            yield from strings(v)


def triggers(workflow: dict[str, Any]) -> set[str]:
    on = workflow["on"]
    return {on} if isinstance(on, str) else set(on)


def steps(job: dict[str, Any]) -> list[dict[str, Any]]:
    return job.get("steps", [])


def action(step: dict[str, Any]) -> str:
    """``actions/checkout@<sha>`` -> ``actions/checkout``; "" for run steps."""
    return step.get("uses", "").split("@", 1)[0]


def the_step(job: dict[str, Any], name: str) -> dict[str, Any]:
    found = [s for s in steps(job) if action(s) == name]
    assert len(found) == 1, f"expected one {name} step, found {len(found)}"
    return found[0]


def index_of(job: dict[str, Any], predicate) -> int:
    return next(i for i, s in enumerate(steps(job)) if predicate(s))


def runs(job: dict[str, Any]) -> str:
    return "\n".join(s.get("run", "") for s in steps(job))


def test_the_workflows_exist_and_parse():
    assert set(all_workflows()) == {"pr.yml", "pr-comment.yml", "preview.yml", "deploy.yml", "scan.yml",
                                    "sdk-canary.yml"}
    assert STACKS == ["dev", "prod", "staging"]


def test_every_action_is_pinned_by_commit_with_its_release_noted():
    """A tag can be moved; a commit cannot. The comment names the release, which Dependabot
    updates with the pin."""
    for name in sorted(WORKFLOWS.glob("*.yml")):
        uses = re.findall(r"^\s*(?:- )?uses: (\S+)(.*)$", name.read_text(), flags=re.M)
        assert uses, name
        for ref, comment in uses:
            assert re.fullmatch(r"[\w.-]+/[\w./-]+@[0-9a-f]{40}", ref), (name.name, ref)
            assert re.fullmatch(r" # v\d+\.\d+\.\d+", comment), (name.name, ref, comment)


def test_one_release_of_each_action_everywhere():
    pins: dict[str, set[str]] = {}
    for path in WORKFLOWS.glob("*.yml"):
        for ref in re.findall(r"uses: (\S+)", path.read_text()):
            name, sha = ref.split("@")
            pins.setdefault(name.split("/")[0] + "/" + name.split("/")[1], set()).add(sha)
    assert {name: len(shas) for name, shas in pins.items()} == {name: 1 for name in pins}


def test_dependabot_keeps_the_pins_and_the_lock_current():
    config = yaml.safe_load((ROOT / ".github" / "dependabot.yml").read_text())
    assert config["version"] == 2
    assert {(u["package-ecosystem"], u["directory"]) for u in config["updates"]} == {("github-actions", "/"), ("uv", "/")}


def test_the_pulumi_cli_is_the_version_of_the_locked_sdk():
    """The CLI and the Python SDK are released together under one version number."""
    import tomllib

    lock = tomllib.loads((ROOT / "uv.lock").read_text())
    [sdk] = [p["version"] for p in lock["package"] if p["name"] == "pulumi"]
    assert (ROOT / ".pulumi-version").read_text().strip() == sdk
    installs = [s for w in all_workflows().values() for j in w["jobs"].values() for s in steps(j)
                if action(s) == "pulumi/actions"]
    assert installs and all(s["with"]["pulumi-version-file"] == ".pulumi-version" for s in installs)


def test_ci_installs_from_the_lock():
    for name, workflow in all_workflows().items():
        for job_name, job in workflow["jobs"].items():
            if any(action(s) == "actions/setup-python" for s in steps(job)):
                uv = the_step(job, "astral-sh/setup-uv")
                assert uv["with"]["version"] == re.search(r"UV_VERSION := (\S+)", (ROOT / "Makefile").read_text()).group(1)
                assert any(r.startswith("make ") for r in runs(job).splitlines()), (name, job_name)
    assert "sync --locked" in (ROOT / "Makefile").read_text()


def test_aws_sessions_last_as_long_as_the_job():
    for name in ("deploy.yml", "preview.yml"):
        for job in load(name)["jobs"].values():
            creds = the_step(job, "aws-actions/configure-aws-credentials")["with"]
            assert creds["role-duration-seconds"] >= job["timeout-minutes"] * 60, name
    # The longest: a first prod deploy's critical path (webstack estimate) fits with room for the drift check.
    from pulumi_webstack_cli.estimate import deploy_estimate
    from tests.conftest import cached_plan

    prod = load("deploy.yml")["jobs"]["prod"]
    assert deploy_estimate(cached_plan("prod")).critical_path_seconds * 2 <= prod["timeout-minutes"] * 60


# ------------------------------------------------------------------------------- pr.yml


@pytest.fixture(scope="module")
def pr():
    return load("pr.yml")


def test_pr_runs_on_pull_request_with_a_read_only_token(pr):
    assert triggers(pr) == {"pull_request"}
    assert pr["permissions"] == {"contents": "read"}
    assert all("permissions" not in job for job in pr["jobs"].values())
    assert set(pr["jobs"]) == {"test", "check", "lint", "diff"}


def test_pr_jobs_do_not_leave_the_token_to_pr_code(pr):
    for job in pr["jobs"].values():
        assert the_step(job, "actions/checkout")["with"]["persist-credentials"] is False


def test_pr_runs_make_test(pr):
    assert "make test" in runs(pr["jobs"]["test"]).splitlines()


def test_pr_checks_every_stack_into_the_log_the_job_summary_and_sarif(pr):
    check = pr["jobs"]["check"]
    assert sorted(check["strategy"]["matrix"]["stack"]) == STACKS
    step = next(s for s in steps(check) if "webstack check" in s.get("run", ""))
    assert step["env"] == {"STACK": "${{ matrix.stack }}"}
    assert '.venv/bin/webstack check -s "$STACK" --sarif "sarif/webstack-check-$STACK.sarif" ' \
           '--summary "$GITHUB_STEP_SUMMARY"' in step["run"]
    upload = the_step(check, "actions/upload-artifact")
    assert upload["with"]["name"] == "webstack-sarif-${{ matrix.stack }}" and upload["with"]["path"] == "sarif/"
    assert upload["if"] == "${{ !cancelled() }}"  # also when the check fails: the alerts are the point


def test_pr_lints_the_workflows_with_a_pinned_actionlint(pr):
    lint = pr["jobs"]["lint"]
    assert "go install github.com/rhysd/actionlint/cmd/actionlint@v1.7.12" in runs(lint)
    assert "bin/actionlint" in runs(lint)


def test_pr_diffs_every_stack_against_the_base_branch(pr):
    diff = pr["jobs"]["diff"]
    assert diff["env"]["BASE_REF"] == "${{ github.base_ref }}"
    # The whole history, so origin/<base> exists; the token is not left behind for PR code.
    assert the_step(diff, "actions/checkout")["with"] == {"fetch-depth": 0, "persist-credentials": False}
    run = index_of(diff, lambda s: "webstack diff" in s.get("run", ""))
    command = re.search(r"\.venv/bin/webstack diff ((?:-s \w+ )+)--base \"origin/\$\{BASE_REF\}\" --format markdown "
                        r"> webstack-diff/diff\.md", steps(diff)[run]["run"])
    assert command
    stacks = command.group(1).replace("-s ", "").split()
    assert sorted(stacks) == STACKS
    script = steps(diff)[run]["run"]
    assert 'cat webstack-diff/diff.md >> "$GITHUB_STEP_SUMMARY"' in script
    assert 'echo "$PR_NUMBER" > webstack-diff/pr-number' in script
    assert diff["env"]["PR_NUMBER"] == "${{ github.event.pull_request.number }}"
    # When the diff fails the comment still says so, under the same marker.
    assert f"echo '{MARKER_PREFIX}{','.join(stacks)} -->'" in script


def test_pr_hands_the_comment_over_as_an_artifact(pr):
    diff = pr["jobs"]["diff"]
    upload = the_step(diff, "actions/upload-artifact")
    assert upload["with"]["name"] == "webstack-diff" and upload["with"]["path"] == "webstack-diff/"
    assert upload["if"] == "${{ !cancelled() }}"
    assert index_of(diff, lambda s: "webstack diff" in s.get("run", "")) < steps(diff).index(upload)


# ------------------------------------------------------------------------ pr-comment.yml


@pytest.fixture(scope="module")
def comment():
    return load("pr-comment.yml")


def test_pr_comment_follows_the_pr_workflow(comment, pr):
    assert comment["on"] == {"workflow_run": {"workflows": [pr["name"]], "types": ["completed"]}}
    assert comment["permissions"] == {}
    [job] = comment["jobs"].values()
    assert job["permissions"] == {"actions": "read", "pull-requests": "write", "security-events": "write"}
    assert "github.event.workflow_run.event == 'pull_request'" in job["if"]


def test_pr_comment_only_downloads_posts_and_uploads(comment):
    [job] = comment["jobs"].values()
    assert [action(s) for s in steps(job)] == ["actions/download-artifact", "actions/github-script",
                                               "actions/download-artifact", "github/codeql-action/upload-sarif"]
    assert all("run" not in s for s in steps(job))
    download = steps(job)[0]
    assert download["with"] == {"name": "webstack-diff", "path": "webstack-diff",
                                "run-id": "${{ github.event.workflow_run.id }}", "github-token": "${{ github.token }}"}


def test_pr_comment_uploads_the_sarif_of_the_verified_pr_head(comment):
    [job] = comment["jobs"].values()
    script = the_step(job, "actions/github-script")
    # The PR number is an output only after it was checked against the run's head commit.
    body = script["with"]["script"]
    assert body.index("pr.head.sha !== run.head_sha") < body.index("core.setOutput('pr'")
    sarif = steps(job)[2]
    assert sarif["if"] == "steps.comment.outputs.pr != ''"
    assert sarif["with"]["pattern"] == "webstack-sarif-*" and sarif["with"]["merge-multiple"] is True
    upload = the_step(job, "github/codeql-action/upload-sarif")["with"]
    assert upload == {"sarif_file": "sarif", "ref": "refs/pull/${{ steps.comment.outputs.pr }}/head",
                      "sha": "${{ github.event.workflow_run.head_sha }}"}


def test_main_s_policy_results_are_the_code_scanning_baseline():
    scan = load("scan.yml")
    assert scan["on"] == {"push": {"branches": ["main"]}} and scan["permissions"] == {"contents": "read"}
    [job] = scan["jobs"].values()
    assert job["permissions"] == {"contents": "read", "security-events": "write"}
    assert sorted(job["strategy"]["matrix"]["stack"]) == STACKS
    assert "--sarif" in runs(job)
    assert the_step(job, "github/codeql-action/upload-sarif")["with"]["sarif_file"] == \
        "webstack-check-${{ matrix.stack }}.sarif"


def test_the_sdk_canary_runs_the_engine_tests_on_the_newest_pulumi():
    canary = load("sdk-canary.yml")
    assert {"schedule", "workflow_dispatch", "pull_request"} <= triggers(canary)
    # Every module of the offline tool that calls the Pulumi SDK (the engine was split into
    # engine.py and mock_cloud.py): a pull request changing one runs the canary.
    sdk_users = {f"cli/{p.name}" for p in sorted((ROOT / "cli").glob("*.py"))
                 if re.search(r"^(import pulumi(\.| |$)|from pulumi(\.| ))", p.read_text(), re.M)}
    assert sdk_users >= {"cli/engine.py", "cli/mock_cloud.py"}
    assert sdk_users <= set(canary["on"]["pull_request"]["paths"])
    [job] = canary["jobs"].values()
    script = runs(job)
    assert "--upgrade pulumi " in script and "tests/test_engine.py" in script


def test_pr_comment_is_one_sticky_comment_found_by_marker(comment, pr):
    [job] = comment["jobs"].values()
    script = the_step(job, "actions/github-script")["with"]["script"]
    # The script's marker check accepts the first line `webstack diff` writes (A B and
    # --base diffs) and the one pr.yml writes when the diff fails.
    pattern = re.search(r"if \(!/(.+)/\.test\(marker\)\)", script).group(1)
    fallback = re.search(r"echo '(<!--.+)'$", runs(pr["jobs"]["diff"]), flags=re.M).group(1)
    side = lambda stack, **extra: side_from_payload("x", stack, {"status": "missing"}, **extra)
    written = [marker([diff_sides(side("staging"), side("prod"))]),
               marker([diff_sides(side(s, ref="origin/main"), side(s)) for s in STACKS])]
    for line in [*written, fallback]:
        assert line.startswith(MARKER_PREFIX) and re.fullmatch(pattern, line), line
    assert "startsWith(marker)" in script and "github-actions[bot]" in script
    assert "updateComment" in script and "createComment" in script
    # The artifact is untrusted: the PR number must belong to the commit that run checked.
    assert "pr.head.sha !== run.head_sha" in script
    assert "65000" in script


# --------------------------------------------------------------------- security, all files


def test_no_workflow_runs_fork_code_with_a_privileged_token():
    for name, workflow in all_workflows().items():
        assert "pull_request_target" not in triggers(workflow), name
        if triggers(workflow) & {"workflow_run", "pull_request_target"}:
            for job in workflow["jobs"].values():
                assert all(action(s) != "actions/checkout" for s in steps(job)), f"{name} checks out code"
                assert all("run" not in s for s in steps(job)), f"{name} runs a shell step"
                for step in steps(job):
                    script = step.get("with", {}).get("script", "")
                    assert not re.search(r"require\(\s*['\"]\.|\beval\(|new Function", script), name


def test_jobs_fork_prs_can_trigger_never_read_secrets():
    for name, workflow in all_workflows().items():
        if "pull_request" not in triggers(workflow):
            continue
        for job_name, job in workflow["jobs"].items():
            privileged = any("secrets." in s for s in strings(job)) or \
                (job.get("permissions") or {}).get("id-token") == "write"
            if privileged:
                assert job.get("if") == SAME_REPO, f"{name}:{job_name} must be limited to same-repository branches"
        if name == "pr.yml":
            assert not [s for s in strings(workflow) if "secrets." in s]


def test_no_long_lived_cloud_or_pulumi_keys():
    for name, workflow in all_workflows().items():
        for text in strings(workflow):
            assert "secrets." not in text, f"{name}: {text}"
            assert not re.search(r"aws-access-key-id|aws-secret-access-key|AWS_SECRET_ACCESS_KEY", text), name


def test_run_scripts_never_interpolate_event_data():
    """Event fields (branch names, titles) go through env, never straight into a shell script."""
    for name, workflow in all_workflows().items():
        for job in workflow["jobs"].values():
            for step in steps(job):
                assert not re.search(r"\$\{\{\s*github\.(event|head_ref|base_ref)", step.get("run", "")), (name, step)


# --------------------------------------------------------------------------- preview.yml


@pytest.fixture(scope="module")
def preview():
    return load("preview.yml")


def test_preview_runs_only_where_credentials_exist(preview):
    assert triggers(preview) == {"pull_request"}
    assert preview["permissions"] == {"contents": "read"}
    [job] = preview["jobs"].values()
    assert job["if"] == SAME_REPO
    assert job["permissions"] == {"id-token": "write", "contents": "read", "pull-requests": "write"}
    assert sorted(job["strategy"]["matrix"]["stack"]) == STACKS


def test_preview_authenticates_with_oidc_only(preview):
    [job] = preview["jobs"].values()
    aws_creds = the_step(job, "aws-actions/configure-aws-credentials")
    assert set(aws_creds["with"]) == {"role-to-assume", "role-session-name", "aws-region", "role-duration-seconds"}
    pulumi_token = the_step(job, "pulumi/auth-actions")
    assert pulumi_token["with"]["requested-token-type"] == "urn:pulumi:token-type:access_token:organization"
    order = [action(s) for s in steps(job)]
    assert order.index("actions/checkout") < order.index("aws-actions/configure-aws-credentials") \
        < order.index("pulumi/auth-actions") < order.index("pulumi/actions")


def test_preview_comments_with_the_policy_pack(preview):
    [job] = preview["jobs"].values()
    step = the_step(job, "pulumi/actions")
    w = step["with"]
    assert w["command"] == "preview"
    assert w["stack-name"].endswith("/webstack/${{ matrix.stack }}")
    assert (w["comment-on-pr"], w["edit-pr-comment"]) == (True, True)
    assert w["policyPacks"] == "policies"
    assert w["policyPackConfigs"] == "policies/config/${{ matrix.stack }}.json"
    assert (w["suppress-outputs"], w["always-include-summary"]) == (True, True)
    for stack in STACKS:
        assert (ROOT / "policies" / "config" / f"{stack}.json").exists()


# ---------------------------------------------------------------------------- deploy.yml


@pytest.fixture(scope="module")
def deploy():
    return load("deploy.yml")


def test_deploy_runs_on_merge_to_main(deploy):
    assert deploy["on"] == {"push": {"branches": ["main"]}}
    assert deploy["permissions"] == {"contents": "read"}
    assert set(deploy["jobs"]) == {"staging", "prod"}


def test_staging_deploys_automatically_and_prod_waits_for_reviewers(deploy):
    staging, prod = deploy["jobs"]["staging"], deploy["jobs"]["prod"]
    assert staging["environment"] == "staging" and "needs" not in staging
    assert prod["environment"] == "production" and prod["needs"] == "staging"
    assert staging["env"]["STACK"].endswith("/webstack/staging")
    assert prod["env"]["STACK"].endswith("/webstack/prod")


def test_two_deploys_of_a_stack_never_overlap(deploy):
    groups = set()
    for job in deploy["jobs"].values():
        assert job["concurrency"]["cancel-in-progress"] is False
        groups.add(job["concurrency"]["group"])
    assert len(groups) == 2


@pytest.mark.parametrize("job_name", ["staging", "prod"])
def test_deploy_enforces_the_pack_then_checks_for_drift(deploy, job_name):
    job = deploy["jobs"][job_name]
    assert job["permissions"] == {"id-token": "write", "contents": "read"}
    assert set(the_step(job, "aws-actions/configure-aws-credentials")["with"]) == {
        "role-to-assume", "role-session-name", "aws-region", "role-duration-seconds"}
    the_step(job, "pulumi/auth-actions")
    up = index_of(job, lambda s: s.get("run", "").startswith("pulumi up"))
    check = index_of(job, lambda s: s.get("run", "").startswith("pulumi preview"))
    assert up < check
    up_args = steps(job)[up]["run"].split()
    assert {"--yes", "--policy-pack", "policies", "--policy-pack-config", '"$POLICY_CONFIG"', "--stack", '"$STACK"'} <= set(up_args)
    check_args = steps(job)[check]["run"].split()
    assert {"--refresh", "--expect-no-changes", "--policy-pack", "--stack"} <= set(check_args)
    stack = job["env"]["STACK"].rsplit("/", 1)[-1]
    assert job["env"]["POLICY_CONFIG"] == f"policies/config/{stack}.json"
