"""Specification of the offline engine: it records what a program registers, faithfully."""

from __future__ import annotations

import gc
import json

import pulumi
import pulumi_aws as aws
import pytest

import pulumi_webstack_cli.check
import pulumi_webstack_cli.engine as engine
from pulumi.runtime import stack as pulumi_stack
from pulumi_webstack_cli.check import check_plan
from infra.config import ConfigError
from pulumi_webstack_cli.engine import Plan, Secret, gc_paused, load_stack_config, synth, synth_stack
from tests.conftest import cached_plan


class Pair(pulumi.ComponentResource):
    def __init__(self, name, opts=None):
        super().__init__("webstack:index:Pair", name, None, opts)
        self.key = aws.kms.Key(f"{name}-key", description="k", opts=pulumi.ResourceOptions(parent=self, protect=True))
        self.secret = aws.secretsmanager.Secret(f"{name}-secret", kms_key_id=self.key.arn, opts=pulumi.ResourceOptions(parent=self))
        aws.secretsmanager.SecretVersion(
            f"{name}-value", secret_id=self.secret.id, secret_string=pulumi.Output.secret("hunter2"),
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.register_outputs({"key_arn": self.key.arn, "secret_arn": self.secret.arn})


@pytest.fixture(scope="module")
def pair_plan() -> Plan:
    return synth(lambda: Pair("p"))


def test_parents_are_recorded(pair_plan):
    component = pair_plan.one("webstack:index:Pair")
    key = pair_plan.one("aws:kms/key:Key")
    assert key.parent == component.urn
    assert {r.name for r in pair_plan.children(component)} == {"p-key", "p-secret", "p-value"}


def test_dependencies_follow_the_data_flow(pair_plan):
    key = pair_plan.one("aws:kms/key:Key")
    secret = pair_plan.one("aws:secretsmanager/secret:Secret")
    assert secret.depends_on(key)
    assert not key.depends_on(secret)


def test_resource_options_are_recorded(pair_plan):
    assert pair_plan.one("aws:kms/key:Key").protect is True
    assert pair_plan.one("aws:secretsmanager/secret:Secret").protect is False


def test_secret_inputs_stay_secret_and_never_print(pair_plan):
    version = pair_plan.one("aws:secretsmanager/secretVersion:SecretVersion")
    assert isinstance(version.inputs["secretString"], Secret)
    assert "hunter2" not in repr(version.inputs)
    assert "hunter2" not in json.dumps(pair_plan.to_json())


def test_component_outputs_are_recorded(pair_plan):
    outputs = pair_plan.one("webstack:index:Pair").component_outputs
    assert outputs["key_arn"].startswith("arn:aws:kms:us-east-1:123456789012:key/")


def test_ids_and_arns_are_deterministic():
    first = synth(lambda: Pair("p")).to_json()
    second = synth(lambda: Pair("p")).to_json()
    assert first == second


def test_invokes_get_realistic_answers():
    seen = {}

    def program():
        zones = aws.get_availability_zones()
        seen["zones"] = zones.names
        seen["account"] = aws.get_caller_identity().account_id
        doc = aws.iam.get_policy_document(statements=[{
            "effect": "Deny", "actions": ["s3:*"], "resources": ["*"],
            "principals": [{"type": "*", "identifiers": ["*"]}],
            "conditions": [{"test": "Bool", "variable": "aws:SecureTransport", "values": ["false"]}],
        }])
        seen["doc"] = json.loads(doc.json)

    synth(program, config={"aws:region": "eu-west-1"})
    assert seen["zones"][:3] == ["eu-west-1a", "eu-west-1b", "eu-west-1c"]
    assert seen["account"] == "123456789012"
    assert seen["doc"]["Statement"][0] == {
        "Effect": "Deny", "Principal": {"*": "*"}, "Action": "s3:*", "Resource": "*",
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    }


def test_explicit_provider_regions_shape_arns():
    def program():
        east = aws.Provider("east", region="us-east-1")
        aws.sns.Topic("t", opts=pulumi.ResourceOptions(provider=east))
        aws.sns.Topic("u")

    plan = synth(program, config={"aws:region": "eu-west-1"})
    assert plan.get("t").state["arn"].startswith("arn:aws:sns:us-east-1:")
    assert plan.get("u").state["arn"].startswith("arn:aws:sns:eu-west-1:")


def test_secure_config_values_become_placeholders():
    _, config, placeholders = load_stack_config("prod")
    assert "webstack:pagerWebhookUrl" in placeholders
    assert config["webstack:pagerWebhookUrl"].startswith("offline-placeholder-")
    assert "AAAB" not in json.dumps(config)  # ciphertext is not passed on as a value


def test_secret_config_reaches_the_program_as_a_secret():
    plan = cached_plan("prod")
    assert plan.placeholders == ["webstack:pagerWebhookUrl"]
    webhooks = [r for r in plan.by_type("aws:sns/topicSubscription:TopicSubscription") if r.inputs["protocol"] == "https"]
    assert webhooks
    for subscription in webhooks:
        endpoint = subscription.inputs["endpoint"]
        assert isinstance(endpoint, Secret) and endpoint.value.startswith("offline-placeholder-webstack-")


def test_a_config_error_registers_nothing():
    with pytest.raises(ConfigError) as caught:
        synth_stack("dev", {"webstack:database": {"replicas": 9}})
    assert caught.value.registered == []


def test_unknown_stacks_are_reported_with_the_known_ones():
    with pytest.raises(FileNotFoundError, match="stacks: dev, prod, staging"):
        synth_stack("qa")


def test_preview_mode_plans_the_whole_stack():
    preview = synth_stack("prod", preview=True)
    assert len(preview) == len(cached_plan("prod"))


def test_the_prod_plan_takes_a_couple_of_seconds():
    import time

    cached_plan("prod")  # imports warmed
    timings = []
    for _ in range(2):  # best of two: a busy CI machine should not fail a performance spec
        started = time.perf_counter()
        synth_stack("prod")
        timings.append(time.perf_counter() - started)
    assert min(timings) < 3.0


def test_a_real_stack_plans_identically_every_time():
    # Concurrent registrations arrive in any order; the plan must not.
    assert synth_stack("prod").to_json() == cached_plan("prod").to_json()


# ---------------------------------------------------------------- the GC pause


def test_gc_paused_restores_the_collector_state_and_nests():
    assert gc.isenabled()
    with gc_paused():
        assert not gc.isenabled()
        with gc_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()
    gc.disable()
    try:
        with gc_paused():
            pass
        assert not gc.isenabled()  # a collector that was off stays off
    finally:
        gc.enable()


def test_synth_and_check_leave_the_collector_on_even_when_the_program_fails():
    with pytest.raises(RuntimeError, match="boom"):
        synth(lambda: (_ for _ in ()).throw(RuntimeError("boom")))
    assert gc.isenabled()
    check_plan(cached_plan("dev"))
    assert gc.isenabled()


def test_the_collector_is_paused_while_a_program_runs_and_while_the_pack_checks(monkeypatch):
    """Both walk tens of thousands of short-lived objects over the SDKs' long-lived heap
    (engine.gc_paused says why); the pause is the speed-up, so it is specified."""
    seen: list[tuple[str, bool]] = []
    synth(lambda: seen.append(("program", gc.isenabled())))
    evaluate = pulumi_webstack_cli.check.evaluate
    monkeypatch.setattr(pulumi_webstack_cli.check, "evaluate",
                        lambda *args, **kwargs: (seen.append(("pack", gc.isenabled())), evaluate(*args, **kwargs))[1])
    check_plan(cached_plan("dev"))
    assert seen == [("program", False), ("pack", False)]
    assert gc.isenabled()


# ------------------------------------------------------------------- what it needs of the SDK


def test_the_installed_sdk_offers_everything_the_engine_uses():
    """The SDK canary (.github/workflows/sdk-canary.yml) runs this against the newest Pulumi
    release: a change to the runtime API the engine builds on fails here, loudly."""
    assert engine.sdk_problems() == []


def test_the_wire_format_constants_are_the_sdks():
    from pulumi.runtime import rpc

    sdk = {name: getattr(rpc, name, None) for name in ("_special_sig_key", "_special_secret_sig",
                                                        "_special_resource_sig", "_special_asset_sig",
                                                        "_special_archive_sig", "_special_output_value_sig", "UNKNOWN")}
    ours = dict(zip(sdk, (engine._SIG, engine._SECRET_SIG, engine._RESOURCE_SIG, engine._ASSET_SIG,
                          engine._ARCHIVE_SIG, engine._OUTPUT_SIG, engine.UNKNOWN_WIRE)))
    # Protocol constants: an SDK that still names them must agree (one that renamed them cannot disagree).
    assert {k: v for k, v in sdk.items() if v is not None} == {k: ours[k] for k, v in sdk.items() if v is not None}


def test_the_stock_wait_gives_the_same_plan(monkeypatch):
    """Without the faster wait (an SDK whose internals moved), plans are identical, only slower."""
    fast = synth_stack("prod").to_json()
    monkeypatch.setattr(engine, "sdk_problems", lambda: ["pretend the SDK changed"])
    calls = []
    stock = pulumi_stack.wait_for_rpcs

    async def counting(*args, **kwargs):
        calls.append(1)
        return await stock(*args, **kwargs)

    monkeypatch.setattr(pulumi_stack, "wait_for_rpcs", counting)
    assert synth_stack("prod").to_json() == fast
    assert calls  # the stock wait ran


def test_source_positions_are_recorded():
    plan = synth_stack("dev")
    vpc = plan.one("aws:ec2/vpc:Vpc")
    path, line = vpc.source
    assert path.endswith("components/network.py") and "aws.ec2.Vpc(" in open(path).read().splitlines()[line - 1]
    assert any(f.endswith("infra/program.py") for f, _ in vpc.stack_trace)
