"""The pack on what ``pulumi preview`` sends for a stack's first deploy: every value the
providers compute (ids, ARNs, endpoints, names AWS picks) is unknown, and so is every input
built from one (policy documents holding an ARN, a replica's source, a behavior's response
headers policy id).

The offline engine plans the stack in preview mode (``mock_cloud.FirstDeployPreview``: each
new resource answers unknowns for everything its inputs did not give), so the unknowns reach the
pack through the SDK, the wire and the analyzer's proxies exactly as in a real preview. A
correct stack must pass, and an unknown must never be a violation: the preview reports no
definite violation the fully known plan does not, and what it cannot judge is reported as
unverifiable (the analyzer's advisory "can't run policy ... during preview").
"""

from __future__ import annotations

import pytest

from pulumi_webstack_cli import engine
from pulumi_webstack_cli.check import check_plan
from pulumi_webstack_cli.plan import Unknown
from tests.conftest import cached_plan
from tests.helpers import ECS, KUBERNETES


def _preview_plan(stack: str, overrides=None):
    return engine.synth_stack(stack, overrides, preview=True)


def _findings(report) -> set[tuple[str, str, str]]:
    return {(v.policy, v.level, v.resource) for v in report.violations}


CASES = [("dev", None), ("staging", None), ("prod", None), ("prod", ECS), ("prod", KUBERNETES)]


@pytest.mark.parametrize("stack,overrides", CASES, ids=["dev", "staging", "prod", "prod-ecs", "prod-kubernetes"])
def test_a_first_deploy_preview_reports_no_violation_the_known_plan_does_not(stack, overrides):
    preview = check_plan(_preview_plan(stack, overrides), stack)
    known = check_plan(cached_plan(stack, overrides), stack)
    assert preview.passed, [(v.policy, v.resource, v.message) for v in preview.mandatory]
    assert _findings(preview) <= _findings(known)
    assert preview.unverified, "a first deploy has values no policy can judge before pulumi up"
    assert all("during preview" in v.message for v in preview.unverified)


def test_the_preview_plan_really_has_unknown_inputs():
    # Without unknowns reaching the inputs the test above would prove nothing.
    plan = _preview_plan("prod")
    policy = plan.one("aws:s3/bucketPolicy:BucketPolicy", "backups-bucket-policy")
    assert isinstance(policy.inputs["policy"], Unknown)
    cross_region = next(r for r in plan.by_type("aws:rds/instance:Instance") if "region" in r.inputs)
    assert isinstance(cross_region.inputs["replicateSourceDb"], Unknown)  # the primary's ARN
