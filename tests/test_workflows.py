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

from pulumi_webstack_cli.diff import MARKER_PREFIX, diff_sides, marker, side_from_payload
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
    """``actions/checkout@v6`` -> ``actions/checkout``; "" for run steps."""
    return step.get("uses", "").split("@", 1)[0]


def the_step(job: dict[str, Any], name: str) -> dict[str, Any]:
    found = [s for s in steps(job) if action(s) == name]
    assert len(found) == 1, f"expected one {name} step, found {len(found)}"
    return found[0]


def index_of(job: dict[str, Any], predicate) -> int:
    return next(i for i, s in enumerate(steps(job)) if predicate(s))


def runs(job: dict[str, Any]) -> str:
    return "\n".join(s.get("run", "") for s in steps(job))


def test_the_four_workflows_exist_and_parse():
    assert set(all_workflows()) == {"pr.yml", "pr-comment.yml", "preview.yml", "deploy.yml"}
    assert STACKS == ["dev", "prod", "staging"]


def test_every_action_is_pinned_to_a_release():
    for name, workflow in all_workflows().items():
        for job in workflow["jobs"].values():
            for step in steps(job):
                if "uses" in step:
                    assert re.fullmatch(r"[\w.-]+/[\w.-]+@v\d+(\.\d+){0,2}", step["uses"]), (name, step["uses"])


# ------------------------------------------------------------------------------- pr.yml


@pytest.fixture(scope="module")
def pr():
    return load("pr.yml")


def test_pr_runs_on_pull_request_with_a_read_only_token(pr):
    assert triggers(pr) == {"pull_request"}
    assert pr["permissions"] == {"contents": "read"}
    assert all("permissions" not in job for job in pr["jobs"].values())
    assert set(pr["jobs"]) == {"test", "check", "diff"}


def test_pr_jobs_do_not_leave_the_token_to_pr_code(pr):
    for job in pr["jobs"].values():
        assert the_step(job, "actions/checkout")["with"]["persist-credentials"] is False


def test_pr_runs_make_test(pr):
    assert "make test" in runs(pr["jobs"]["test"]).splitlines()


def test_pr_checks_every_stack(pr):
    check = pr["jobs"]["check"]
    assert sorted(check["strategy"]["matrix"]["stack"]) == STACKS
    assert "make check STACK=${{ matrix.stack }}" in runs(check).splitlines()


def test_pr_diffs_every_stack_against_the_base_branch(pr):
    diff = pr["jobs"]["diff"]
    assert diff["env"]["BASE_REF"] == "${{ github.base_ref }}"
    # The whole history, so origin/<base> exists; the token is not left behind for PR code.
    assert the_step(diff, "actions/checkout")["with"] == {"fetch-depth": 0, "persist-credentials": False}
    run = index_of(diff, lambda s: "webstack diff" in s.get("run", ""))
    command = re.search(r"\.venv/bin/webstack diff ([\w ]+) --base \"origin/\$\{BASE_REF\}\" > webstack-diff/diff\.md",
                        steps(diff)[run]["run"])
    assert command and sorted(command.group(1).split()) == STACKS
    script = steps(diff)[run]["run"]
    assert 'cat webstack-diff/diff.md >> "$GITHUB_STEP_SUMMARY"' in script
    assert 'echo "$PR_NUMBER" > webstack-diff/pr-number' in script
    assert diff["env"]["PR_NUMBER"] == "${{ github.event.pull_request.number }}"
    # When the diff fails the comment still says so, under the same marker.
    assert f"echo '{MARKER_PREFIX}{','.join(command.group(1).split())} -->'" in script


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
    assert job["permissions"] == {"actions": "read", "pull-requests": "write"}
    assert "github.event.workflow_run.event == 'pull_request'" in job["if"]


def test_pr_comment_only_downloads_and_posts(comment):
    [job] = comment["jobs"].values()
    assert [action(s) for s in steps(job)] == ["actions/download-artifact", "actions/github-script"]
    assert all("run" not in s for s in steps(job))
    download = steps(job)[0]
    assert download["with"] == {"name": "webstack-diff", "path": "webstack-diff",
                                "run-id": "${{ github.event.workflow_run.id }}", "github-token": "${{ github.token }}"}


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
    assert set(aws_creds["with"]) == {"role-to-assume", "role-session-name", "aws-region"}
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
        "role-to-assume", "role-session-name", "aws-region"}
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
