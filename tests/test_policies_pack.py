"""The pack as a whole: metadata, config schema and files, README, import hygiene, and
robustness against what the runtime really passes (proxies, unknowns at every position)."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from pulumi_policy import EnforcementLevel, ResourceValidationPolicy, Severity, StackValidationPolicy
from pulumi_policy.proxy import UNKNOWN_STRING_VALUE, UnknownValueError

import pulumi_webstack
from pulumi_webstack_policies import containers, hardening, runtime_proof, security_headers, settings, transport_security
from pulumi_webstack_policies.pack import BY_NAME, PACK_NAME, POLICIES
from pulumi_webstack_policies.runner import ResourceState, analyzer_props, evaluate, evaluate_policy
from pulumi_webstack_policies.settings import ResolvedPolicyConfig
from pulumi_webstack_policies.values import UNKNOWN, Evaluation, elements, entries, lookup, plain, truthy
from tests import test_policies_hardening as hd_t
from tests import test_policies_headers as sh_t
from tests import test_policies_runtime_proof as rp_t
from tests import test_policies_tls as ts_t
from tests.helpers import res, variant

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "policies" / "README.md").read_text()


# --------------------------------------------------------------------------- metadata


def test_pack_lists_every_rule_module_policy_once():
    modules = (security_headers.POLICIES + transport_security.POLICIES + hardening.POLICIES + containers.POLICIES
               + runtime_proof.POLICIES)
    assert POLICIES == modules
    assert len(BY_NAME) == len(POLICIES) == 34
    assert PACK_NAME == "webstack-security"


@pytest.mark.parametrize("policy", POLICIES, ids=lambda p: p.name)
def test_every_policy_has_name_description_severity_remediation(policy):
    assert policy.name and policy.name == policy.name.lower()
    assert len(policy.description) > 30
    assert isinstance(policy.severity, Severity)
    assert policy.remediation_steps and len(policy.remediation_steps) > 30
    assert policy.tags
    assert isinstance(policy, (ResourceValidationPolicy, StackValidationPolicy))
    assert policy.resource_types, "each policy documents the types it looks at"


def test_tls_and_header_rules_are_mandatory_hardening_advisory():
    # CSP strength is a judgement beyond "the header is there": advisory by default, mandatory
    # in prod (policies/config/prod.json), like the hardening rules. A distribution on its
    # default domain is the deliberate first-deploy state (advisory everywhere).
    judged = {"content-security-policy-strength", "cloudfront-custom-domain"}
    for policy in security_headers.POLICIES + transport_security.POLICIES:
        expected = EnforcementLevel.ADVISORY if policy.name in judged else EnforcementLevel.MANDATORY
        assert policy.enforcement_level == expected, policy.name
    for policy in hardening.POLICIES:
        assert policy.enforcement_level == EnforcementLevel.ADVISORY, policy.name


@pytest.mark.parametrize("policy", [p for p in POLICIES if p.config_schema], ids=lambda p: p.name)
def test_config_schema_properties_have_type_default_description(policy):
    for name, prop in policy.config_schema.properties.items():
        assert {"type", "default", "description"} <= set(prop), name
        settings._check_value(name, prop["default"], prop)  # the default satisfies its own schema


def test_schema_requires_defaults():
    with pytest.raises(ValueError, match="needs a description and a default"):
        settings.schema(x={"type": "integer"})


# ------------------------------------------------------------------------ config files


def test_shipped_config_files_resolve_against_the_pack():
    for stack in ("dev", "staging", "prod"):
        path = settings.config_file_for(stack)
        assert path == ROOT / "policies" / "config" / f"{stack}.json"
        resolved = settings.resolve(POLICIES, settings.load_file(path), source=str(path))
        assert set(resolved) == set(BY_NAME)


def test_prod_config_makes_hardening_mandatory_and_preload_required():
    prod = settings.resolve(POLICIES, settings.load_file(settings.config_file_for("prod")))
    dev = settings.resolve(POLICIES, settings.load_file(settings.config_file_for("dev")))
    # Previews share dev's own data by design, and dev plans with the placeholder image.
    off_in_dev = {"vercel-preview-data-access", "workload-placeholder-image"}
    for policy in hardening.POLICIES:
        assert prod[policy.name].level == EnforcementLevel.MANDATORY
        expected = EnforcementLevel.DISABLED if policy.name in off_in_dev else EnforcementLevel.ADVISORY
        assert dev[policy.name].level == expected, policy.name
    assert prod["content-security-policy-strength"].level == EnforcementLevel.MANDATORY
    for name in ("cloudfront-security-headers", "vercel-security-headers", "kubernetes-ingress-security-headers"):
        assert prod[name].properties["requireHstsPreload"] is True
        assert dev[name].properties["requireHstsPreload"] is False
    assert prod["database-backups"].properties == {"minRetentionDays": 30, "minCacheSnapshotRetentionDays": 7}


def test_config_file_for_falls_back_to_tier_then_none():
    assert settings.config_file_for("prod-eu", "prod").name == "prod.json"
    assert settings.config_file_for("sandbox") is None


def test_resolve_follows_cli_semantics():
    resolved = settings.resolve(POLICIES, {"all": "disabled", "cloudfront-waf": {"enforcementLevel": "mandatory"},
                                           "cloudfront-viewer-tls": {"allowedMinimumProtocolVersions": ["TLSv1.3_2025"]}})
    assert resolved["cloudfront-waf"].level == EnforcementLevel.MANDATORY
    assert resolved["rds-not-public"].level == EnforcementLevel.DISABLED
    assert resolved["cloudfront-viewer-tls"].level == EnforcementLevel.DISABLED  # "all" applies, props kept
    assert resolved["cloudfront-viewer-tls"].properties == {"allowedMinimumProtocolVersions": ["TLSv1.3_2025"]}
    assert resolved["database-backups"].properties == {"minRetentionDays": 7, "minCacheSnapshotRetentionDays": 1}


@pytest.mark.parametrize(
    "given,message",
    [
        ({"no-such-policy": "mandatory"}, "'no-such-policy' is not a policy of this pack"),
        ({"cloudfront-waf": "strict"}, "cloudfront-waf = 'strict': must be one of"),
        ({"cloudfront-waf": {"enforcementLevel": "loud"}}, "cloudfront-waf.enforcementLevel = 'loud'"),
        ({"cloudfront-waf": 3}, "must be an enforcement level string or an object"),
        ({"cloudfront-waf": {"x": 1}}, "cloudfront-waf.x: unknown property"),
        ({"database-backups": {"minRetentionDays": "30"}}, "minRetentionDays = '30': must be of type integer"),
        ({"database-backups": {"minRetentionDays": 0}}, "minRetentionDays = 0: must be >= 1"),
        ({"lb-listener-tls": {"allowedSslPolicies": [1]}}, "allowedSslPolicies[0] = 1: must be of type string"),
        ({"all": {"minRetentionDays": 3}}, "only an enforcement level may be set for all"),
    ],
)
def test_resolve_rejects_bad_config_naming_key_and_allowed(given, message):
    with pytest.raises(settings.PolicyConfigError, match="test.json") as e:
        settings.resolve(POLICIES, given, source="test.json")
    assert message in str(e.value)


def test_load_file_errors(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(settings.PolicyConfigError, match="not valid JSON"):
        settings.load_file(bad)
    bad.write_text("[]")
    with pytest.raises(settings.PolicyConfigError, match="must be a JSON object"):
        settings.load_file(bad)
    bad.write_text("  ")
    assert settings.load_file(bad) == {}


# ---------------------------------------------------------------------------- README


def test_readme_documents_every_policy_and_config_property():
    for policy in POLICIES:
        assert f"`{policy.name}`" in README, policy.name
        for prop in (policy.config_schema.properties if policy.config_schema else {}):
            assert f"`{prop}`" in README, f"{policy.name}.{prop}"
    assert "pulumi preview --policy-pack policies --policy-pack-config policies/config/prod.json" in README
    assert "webstack check" in README


# --------------------------------------------------------------------- import hygiene


def test_rule_modules_import_without_side_effects():
    """Importing the pack must not start the analyzer server (only __main__ constructs PolicyPack)."""
    code = (
        "import pulumi_webstack_policies, pulumi_webstack_policies.pack, pulumi_webstack_policies.runner, pulumi_webstack_policies.settings\n"
        "import pulumi_policy.policy as p\n"
        "called = []\n"
        "p.PolicyPack.__init__ = lambda *a, **k: called.append(1)\n"
        "import importlib\n"
        "for m in ('security_headers', 'header_values', 'origin_headers', 'transport_security', 'service_tls',\n"
        "          'hardening', 'encryption_at_rest', 'database_safety', 'workloads', 'base', 'values'):\n"
        "    importlib.import_module('policies.' + m)\n"
        "assert not called\n"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout == ""


# ------------------------------------------------------------------ runtime objects


def test_values_read_real_analyzer_proxies():
    props = analyzer_props({"a": {"b": [1, UNKNOWN, {"c": True}]}, "s": "x", "u": UNKNOWN})
    assert type(props).__name__ == "_DictProxy"
    with pytest.raises(UnknownValueError):
        props.get("u")  # Mapping.get goes through __getitem__: why every read uses lookup()
    assert lookup(props, "a.b.0") == 1.0  # numbers arrive as floats, as on the wire
    assert lookup(props, "a.b.1") is UNKNOWN
    assert lookup(props, "a.b.2.c") is True
    assert lookup(props, "u") is UNKNOWN
    assert lookup(props, "a.missing.x", "dflt") == "dflt"
    assert lookup(props, "s.x") is None
    assert elements(lookup(props, "a.b"))[1] is UNKNOWN
    assert dict(entries(props))["u"] is UNKNOWN
    assert plain(props) == {"a": {"b": [1.0, UNKNOWN, {"c": True}]}, "s": "x", "u": UNKNOWN}
    assert lookup({"raw": UNKNOWN_STRING_VALUE}, "raw") is UNKNOWN


def test_runner_levels_follow_the_analyzer_servicer():
    """Like pulumi_policy's servicer: 'remediate' reports as mandatory (resource and stack policies alike),
    'disabled' does not run the policy."""
    weak_dist = variant(ts_t.DIST, "viewerCertificate.minimumProtocolVersion", "TLSv1")
    dist = [res(ts_t.DIST_TYPE, "cdn", weak_dist)]
    bucket = [res(ts_t.BUCKET_TYPE, "logs", {"bucket": "logs"}, {"bucket": "logs", "id": "logs"})]
    for policy, resources in ((BY_NAME["cloudfront-viewer-tls"], dist), (BY_NAME["s3-bucket-tls-only"], bucket)):
        remediate = evaluate_policy(policy, resources, level=EnforcementLevel.REMEDIATE)
        assert [d.level for d in remediate] == [EnforcementLevel.MANDATORY], policy.name
        assert evaluate_policy(policy, resources, level=EnforcementLevel.DISABLED) == [], policy.name


def test_unknown_has_no_truth_value():
    with pytest.raises(TypeError):
        bool(UNKNOWN)
    assert truthy(UNKNOWN) is False
    assert truthy("true") and truthy(1.0) and not truthy("false") and not truthy(None)


def test_evaluation_reraises_first_unknown_after_reporting():
    reported = []
    ev = Evaluation(lambda *a: reported.append(a))
    ev.get({"x": UNKNOWN}, "x")
    ev.violation("definite", "urn:x")
    with pytest.raises(UnknownValueError) as e:
        ev.finish()
    assert reported == [("definite", "urn:x")]
    assert e.value.props == ["x"]


# ---------------------------------------------- every leaf unknown: never a crash, never wrong


def _compliant_stack() -> list[ResourceState]:
    """One resource of every type the pack checks, each compliant with every policy (prod config)."""
    dist = copy.deepcopy(ts_t.DIST)
    dist["defaultCacheBehavior"]["responseHeadersPolicyId"] = sh_t.RHP_ID
    for behavior in dist["orderedCacheBehaviors"]:
        behavior["responseHeadersPolicyId"] = sh_t.RHP_ID
    dist.update(hd_t.DIST)
    dist_out = dict(dist, arn="arn:aws:cloudfront::123456789012:distribution/E1", id="E1")
    primary = dict(ts_t.PRIMARY, **hd_t.PRIMARY)
    replica = dict(ts_t.REPLICA, **hd_t.REPLICA)
    bucket, policy = ts_t.bucket_stack()
    topic_in = {"name": "alerts-critical", "kmsMasterKeyId": hd_t.KEY}
    topic_policy = {"arn": ts_t.TOPIC_OUT["arn"], "policy": ts_t.sns_doc()}
    cache = dict(ts_t.RG, **hd_t.RG)
    return [
        res(sh_t.RHP_TYPE, "headers", sh_t.RHP, dict(sh_t.RHP, id=sh_t.RHP_ID)),
        res(sh_t.DIST_TYPE, "cdn", dist, dist_out),
        *sh_t.vercel_stack(),
        *sh_t.ingress_stack(),
        res(ts_t.ts.VPC_ORIGIN, "vpc-origin", ts_t.VPC_ORIGIN),
        res(ts_t.LISTENER_TYPE, "https", ts_t.HTTPS),
        res(ts_t.LISTENER_TYPE, "http", ts_t.HTTP),
        res(ts_t.PG_TYPE, "db-params", ts_t.PG, dict(ts_t.PG, id=ts_t.PG["name"])),
        res(ts_t.INSTANCE_TYPE, "db-primary", primary, dict(primary, arn=rp_t.DB_ARN), protect=True),
        res(ts_t.INSTANCE_TYPE, "db-replica-0", replica, protect=True),
        res(ts_t.ts.RDS_PROXY, "db-proxy", {"engineFamily": "POSTGRESQL", "requireTls": True}),
        res(ts_t.ts.CACHE_REPLICATION_GROUP, "cache", cache),
        bucket,
        policy,
        hd_t.s3_stack()[1],
        res(ts_t.ts.TOPIC, "critical", topic_in, dict(ts_t.TOPIC_OUT, **topic_in)),
        res(ts_t.ts.TOPIC_POLICY, "critical-policy", topic_policy),
        res("kubernetes:apps/v1:Deployment", "app", hd_t.DEPLOYMENT),
        res(hd_t.ENV_TYPE, "app-env-database-host", hd_t.ENV),
        res(hd_t.hd.IAM_ROLE, "app-vercel", hd_t.trust("owner:example:project:shop:environment:production")),
        res(runtime_proof.TEMPLATE, "drill-db", rp_t.DB_TEMPLATE),
        *rp_t.canary_stack(),
    ]


PROD_CONFIG = settings.resolve(POLICIES, settings.load_file(settings.CONFIG_DIR / "prod.json"))


def _leaf_paths(value, prefix=()):
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _leaf_paths(v, prefix + (k,))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _leaf_paths(v, prefix + (i,))
    if prefix:
        yield prefix


def _with_unknown(value, path):
    out = copy.deepcopy(value)
    node = out
    for part in path[:-1]:
        node = node[part]
    node[path[-1]] = UNKNOWN
    return out


def test_compliant_reference_stack_has_no_violation():
    diags = evaluate(POLICIES, _compliant_stack(), PROD_CONFIG)
    assert [d.message for d in diags] == []


LINK_FIELDS = {"id", "arn", "bucket", "name", "metadata", "projectId", "responseHeadersPolicyId"}


def test_any_single_unknown_value_never_crashes_or_invents_a_mandatory_violation():
    """Preview can make any value unknown; policies must degrade to 'unverifiable'."""
    base = _compliant_stack()
    checked = 0
    for index, resource in enumerate(base):
        for which in ("inputs", "outputs"):
            props = getattr(resource, which)
            if props is None:
                continue
            for path in _leaf_paths(props):
                changed = copy.copy(base)
                kwargs = {f: getattr(resource, f) for f in resource.__dataclass_fields__}
                kwargs[which] = _with_unknown(props, path)
                changed[index] = ResourceState(**kwargs)
                diags = evaluate(POLICIES, changed, PROD_CONFIG)
                wrong = [d for d in diags if d.level == EnforcementLevel.MANDATORY and not d.unverifiable]
                # Only a link between resources (an id/arn/name another resource refers to) can
                # turn into a definite violation, because this synthetic stack carries no
                # dependency information to follow instead (the engine always sends it).
                if path[-1] not in LINK_FIELDS:
                    assert wrong == [], (resource.name, which, path, [d.message for d in wrong])
                checked += 1
    assert checked > 200


def test_policies_accept_read_only_mapping_proxies_directly():
    """Callers other than the analyzer (tests, other tools) may pass MappingProxyType objects."""
    from types import MappingProxyType

    from pulumi_policy import PolicyCustomTimeouts, PolicyResourceOptions, ResourceValidationArgs

    def freeze(value):
        if isinstance(value, dict):
            return MappingProxyType({k: freeze(v) for k, v in value.items()})
        if isinstance(value, list):
            return tuple(freeze(v) for v in value)
        return value

    weak = copy.deepcopy(ts_t.DIST)
    weak["viewerCertificate"]["minimumProtocolVersion"] = "TLSv1"
    opts = PolicyResourceOptions(False, [], None, [], PolicyCustomTimeouts(0, 0, 0), [], None)
    reported = []
    args = ResourceValidationArgs(ts_t.DIST_TYPE, freeze(weak), "urn:x", "cdn", opts, None, None,
                                  MappingProxyType({}))
    BY_NAME["cloudfront-viewer-tls"].validate(args, lambda message, urn=None: reported.append(message))
    assert reported == ["Distribution 'cdn': viewerCertificate.minimumProtocolVersion is 'TLSv1': set one of "
                        "['TLSv1.2_2021', 'TLSv1.2_2025', 'TLSv1.3_2025'] (TLS 1.2 or newer with modern ciphers)"]


def test_the_pack_is_versioned_with_the_library():
    """One release number: the pack published with `pulumi policy publish` is the one the
    components of the same release are checked against."""
    manifest = yaml.safe_load((ROOT / "policies" / "PulumiPolicy.yaml").read_text())
    assert str(manifest["version"]) == pulumi_webstack.__version__


def test_runner_gives_every_policy_call_its_own_props_and_config():
    """The runner decodes each resource and each config once; a policy that writes into
    its args (the analyzer's proxies allow it) must still not reach another call."""
    seen: list[tuple[str, object, object]] = []

    def tamper(args, report):
        seen.append(("tamper", args.props["bucket"], args.get_config()["limit"]))
        args.props["bucket"] = "tampered"
        args.props["tags"]["Owner"] = "tampered"
        args.get_config()["limit"] = 99

    def observe(args, report):
        seen.append(("observe", args.props["bucket"], args.props["tags"]["Owner"]))

    policies = [ResourceValidationPolicy("tamper", "writes into its args", tamper),
                ResourceValidationPolicy("observe", "reads the same resource", observe)]
    resources = [ResourceState("aws:s3/bucket:Bucket", name, f"urn:{name}", {"bucket": name, "tags": {"Owner": "team"}})
                 for name in ("a", "b")]
    config = {"tamper": ResolvedPolicyConfig(EnforcementLevel.ADVISORY, {"limit": 5}),
              "observe": ResolvedPolicyConfig(EnforcementLevel.ADVISORY, {})}
    evaluate(policies, resources, config)
    assert seen == [("tamper", "a", 5), ("tamper", "b", 5), ("observe", "a", "team"), ("observe", "b", "team")]


# ------------------------------------------------------------------------ exceptions table


def exceptions_table() -> str:
    """The README's exceptions table, rendered from policies/exceptions.json (the source)."""
    entries = json.loads((ROOT / "policies" / "exceptions.json").read_text())["exceptions"]
    lines = ["| Exception | Check (scanner ids) | Resources (stacks) | Why |", "|---|---|---|---|"]
    for e in entries:
        ids = ", ".join(f"{scanner}: " + ", ".join(f"`{i}`" for i in found) for scanner, found in e["scanners"].items())
        groups = "; ".join(f"{g['type'].rsplit(':', 1)[-1]} " + ", ".join(f"`{n}`" for n in g["names"])
                           + f" ({', '.join(g['stacks'])})" for g in e["resources"])
        lines.append(f"| `{e['id']}` | {e['check']} ({ids or 'none (a review finding)'}) | {groups} | {e['reason']} |")
    return "\n".join(lines) + "\n"


def test_the_readme_exceptions_table_is_exceptions_json():
    """exceptions.json says it is rendered in the README: every resource and reason, not only
    the ids (the canary buckets, role and role policies were missing)."""
    section = README[README.index("## Exceptions"):]
    start = section.index("| Exception |")
    table = section[start:section.index("\n\n", start) + 1]
    assert table == exceptions_table(), "policies/README.md#exceptions is stale; the table should read:\n" + \
        exceptions_table()
