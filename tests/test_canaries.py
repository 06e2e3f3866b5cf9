"""Specification of Canaries: the script and what it checks (run under node against local
servers), the resources per region, least privilege, the failure alarms, and the stacks'
canaries (one source of truth for the headers: the CDN's)."""

from __future__ import annotations

import json
import shutil
import ssl
import subprocess
import threading
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pulumi
import pytest

from pulumi_webstack.canaries import (
    ACCEPTED_TLS,
    REFUSED_TLS,
    Canaries,
    CanariesArgs,
    CanarySpec,
    Location,
    canary_script,
    canary_source,
    failure_alarm,
    role_policy,
    runtime_version_of,
    schedule_expression,
)
from pulumi_webstack.headers import edge_headers, SecurityHeaders, cloudfront_security_headers_config, response_headers
from pulumi_webstack_cli.engine import ACCOUNT_ID, Plan, synth
from tests.conftest import cached_plan
from tests.helpers import assert_args_error

CANARY = "aws:synthetics/canary:Canary"
SCRIPT = "aws:s3/bucketObjectv2:BucketObjectv2"
ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
TOPICS = {r: f"arn:aws:sns:{r}:{ACCOUNT_ID}:shop-critical" for r in ("eu-west-1", "us-east-1")}
NODE = shutil.which("node")


def args(**changes) -> CanariesArgs:
    base = CanariesArgs(domain="shop.example.com", region="eu-west-1", extra_regions=["us-east-1"],
                        alarm_topic_arns=dict(TOPICS))
    return replace(base, **changes)


def config_of(script: str) -> dict:
    """The CONFIG object rendered into a script."""
    start = script.index("const CONFIG = ") + len("const CONFIG = ")
    return json.loads(script[start:script.index(";\n", start)])


def script_of(plan: Plan, region: str) -> str:
    source = plan.one(SCRIPT, f"canary-{region}-script").inputs["source"]
    return source["assets"]["canary.js"]["text"]


# ------------------------------------------------------------------------------ the script


def test_the_script_carries_the_expectations_of_its_spec():
    spec = args().spec()
    script = canary_script(spec)
    assert script.replace(json.dumps(spec.config(), indent=2, sort_keys=True), "{}") == canary_source().replace(
        "/* CONFIG */ {}", "{}")
    config = config_of(script)
    assert config["headers"] == response_headers(SecurityHeaders())
    assert (config["host"], config["healthPath"], config["latencyTargetMs"]) == ("shop.example.com", "/api/health", 3000)
    assert config["headerPaths"] == ["/", "/api/health"]
    assert config["acceptedTls"] == list(ACCEPTED_TLS) and config["refusedTls"] == list(REFUSED_TLS) == ["TLSv1", "TLSv1.1"]
    assert (config["httpsPort"], config["httpPort"]) == (443, 80)
    assert config["timeoutMs"] == 60_000 // 8  # every request of a run fits in its timeout
    assert "exports.handler" in script and "require('@aws/synthetics-playwright')" in script


def test_a_changed_header_changes_the_script():
    before = canary_script(args().spec())
    after = canary_script(args(headers=SecurityHeaders(frame_options="SAMEORIGIN")).spec())
    assert before != after and config_of(after)["headers"]["X-Frame-Options"] == "SAMEORIGIN"


def test_the_expected_headers_are_the_cdns():
    """The same SecurityHeaders render the CDN's response headers policy and the canary's
    expectations: each value the CDN is told to send, the canary requires."""
    headers = SecurityHeaders(hsts_max_age_seconds=63072000, hsts_preload=True, frame_options="SAMEORIGIN",
                              csp_owner="cdn")
    cdn = cloudfront_security_headers_config(headers)
    expected = config_of(canary_script(args(headers=headers).spec()))["headers"]
    assert expected["Strict-Transport-Security"] == "max-age=63072000; includeSubDomains; preload"
    assert expected["Content-Security-Policy"] == cdn["content_security_policy"]["content_security_policy"]
    assert expected["X-Frame-Options"] == cdn["frame_options"]["frame_option"]
    assert expected["Referrer-Policy"] == cdn["referrer_policy"]["referrer_policy"]


@pytest.mark.skipif(NODE is None, reason="node is not installed")
def test_the_script_is_valid_javascript():
    done = subprocess.run([NODE, "--check", "-"], input=canary_script(args().spec()), capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def test_schedules_and_runtimes():
    assert [schedule_expression(m) for m in (1, 5, 60)] == ["rate(1 minute)", "rate(5 minutes)", "rate(1 hour)"]
    assert runtime_version_of("syn-nodejs-playwright-5.1") == (5, 1)
    with pytest.raises(ValueError):
        runtime_version_of("syn-nodejs-puppeteer-15.0")


# ------------------------------------------------------- the checks, run against local servers


class _Site:
    """An HTTPS server (TLS 1.2+, or also 1.0/1.1 with ``legacy``) answering every GET with
    ``headers``, and an HTTP server redirecting to it (unless ``redirect`` is False)."""

    def __init__(self, tmp: Path, headers: dict[str, str], *, legacy: bool = False, redirect: bool = True):
        self.cert, key = tmp / "cert.pem", tmp / "key.pem"
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out",
                        str(self.cert), "-days", "1", "-subj", "/CN=localhost", "-addext",
                        "subjectAltName=DNS:localhost"], check=True, capture_output=True)
        site = self

        class Page(BaseHTTPRequestHandler):
            def do_GET(self):
                self.send_response(200)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *_):
                pass

        class Plain(BaseHTTPRequestHandler):
            def do_GET(self):
                self.send_response(301 if redirect else 200)
                if redirect:
                    self.send_header("Location", f"https://localhost:{site.https_port}/")
                self.end_headers()

            def log_message(self, *_):
                pass

        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(self.cert, key)
        if legacy:  # a server that still speaks TLS 1.0 and 1.1: what the canary must catch
            context.minimum_version = ssl.TLSVersion.TLSv1
            context.set_ciphers("DEFAULT@SECLEVEL=0")
        else:
            context.minimum_version = ssl.TLSVersion.TLSv1_2
        self.servers = [HTTPServer(("localhost", 0), Page), HTTPServer(("localhost", 0), Plain)]
        self.servers[0].socket = context.wrap_socket(self.servers[0].socket, server_side=True)
        self.https_port, self.http_port = (s.server_address[1] for s in self.servers)
        for server in self.servers:
            threading.Thread(target=server.serve_forever, daemon=True).start()

    def close(self):
        for server in self.servers:
            server.shutdown()
            server.server_close()


APP_CSP = {"Content-Security-Policy": "default-src 'self'; script-src 'self' 'nonce-abc'; object-src 'none'"}
"""What an app that owns its CSP sends (a nonce per request): the canary requires one, any value."""


def run_canary(tmp: Path, site: _Site, headers: SecurityHeaders = SecurityHeaders()) -> tuple[bool, str]:
    exact = response_headers(headers)
    spec = CanarySpec(host="localhost", health_path="/api/health", headers=exact,
                      present=tuple(name for name in edge_headers(headers) if name not in exact),
                      latency_target_ms=3000, timeout_ms=5000, https_port=site.https_port, http_port=site.http_port)
    (tmp / "canary.js").write_text(canary_script(spec))
    done = subprocess.run(
        [NODE, "-e", "require('./canary.js').handler().then(r => console.log(r), e => { console.log('ERROR ' + "
                     "e.message); process.exit(1); })"],
        cwd=tmp, capture_output=True, text=True, timeout=60,
        env={"PATH": "/usr/bin:/bin", "NODE_EXTRA_CA_CERTS": str(site.cert)})
    return done.returncode == 0, done.stdout + done.stderr


@pytest.fixture
def site(tmp_path):
    sites = []

    def make(**kwargs):
        sites.append(_Site(tmp_path, **kwargs))
        return sites[-1]

    yield make
    for made in sites:
        made.close()


@pytest.mark.skipif(NODE is None or shutil.which("openssl") is None, reason="node and openssl are needed")
def test_the_checks_pass_against_a_site_that_keeps_every_promise(tmp_path, site):
    passed, out = run_canary(tmp_path, site(headers={**response_headers(SecurityHeaders()), **APP_CSP}))
    assert passed, out
    for step in ("health", "tls-modern", "tls-tlsv1-refused", "tls-tlsv11-refused", "headers-home", "headers-health",
                 "https-redirect"):
        assert f"PASS {step}" in out
    assert "7 checks passed" in out


@pytest.mark.skipif(NODE is None or shutil.which("openssl") is None, reason="node and openssl are needed")
def test_the_checks_catch_tls_1_0_and_1_1_a_wrong_header_and_no_redirect(tmp_path, site):
    legacy = site(headers={**response_headers(SecurityHeaders()), **APP_CSP}, legacy=True)
    passed, out = run_canary(tmp_path, legacy)
    assert not passed
    assert "FAIL tls-tlsv1-refused: the server accepted TLSv1: it must refuse TLSv1" in out
    assert "FAIL tls-tlsv11-refused: the server accepted TLSv1.1" in out and "PASS headers-home" in out
    weak = dict(response_headers(SecurityHeaders()), **APP_CSP, **{"X-Frame-Options": "SAMEORIGIN"})
    weak.pop("Permissions-Policy")
    passed, out = run_canary(tmp_path, site(headers=weak, redirect=False))
    assert not passed and "PASS tls-tlsv1-refused" in out
    assert ('FAIL headers-home: GET / (200): Permissions-Policy is missing; X-Frame-Options is "SAMEORIGIN", '
            'expected "DENY"') in out
    assert "FAIL https-redirect" in out and "3 of 7 checks failed" in out
    # what is judged is what this stack promises: a site sending SAMEORIGIN and camera=() keeps
    # the promises of a stack configured with them
    passed, out = run_canary(tmp_path, site(headers=dict(weak, **{"Permissions-Policy": "camera=()"})),
                             SecurityHeaders(frame_options="SAMEORIGIN", permissions_policy="camera=()"))
    assert "PASS headers-home" in out and "PASS headers-health" in out


# ------------------------------------------------------------------------------ the Args


@pytest.mark.parametrize("changes, field, allowed", [
    ({"extra_regions": ["eu-west-1"]}, "canaries.extra_regions", "must not repeat a region or name the home region"),
    ({"timeout_seconds": 400}, "canaries.timeout_seconds", "must be at most the time between runs (300 s)"),
    ({"timeout_seconds": 20}, "canaries.timeout_seconds", "at least the latency target (3000 ms): at least 24 s"),
    ({"runtime_version": "syn-nodejs-playwright-2.0"}, "canaries.runtime_version", "must be syn-nodejs-playwright-5.1"),
    ({"runtime_version": "syn-nodejs-puppeteer-15.0"}, "canaries.runtime_version", "Node.js Playwright runtime"),
    ({"alarm_topic_arns": {"eu-west-1": "arn:topic"}}, "canaries.alarm_topic_arns",
     "needs one topic per canary region, keyed by region: eu-west-1, us-east-1"),
    ({"domain": "https://shop.example.com"}, "canaries.domain", "must be a lower-case DNS name"),
    ({"schedule_minutes": 0}, "canaries.schedule_minutes", "must be between 1 and 60"),
])
def test_bad_args_are_refused_before_anything_is_built(changes, field, allowed):
    assert_args_error(lambda: args(**changes), field, allowed)


# ------------------------------------------------------------------------- the component


def built() -> Plan:
    return synth(lambda: Canaries("canary", args()), stack="prod", config={"aws:region": "eu-west-1"})


@pytest.fixture(scope="module")
def plan() -> Plan:
    return built()


def test_one_canary_per_region_runs_the_script_from_a_versioned_object(plan):
    canaries = {r.inputs["region"]: r.inputs for r in plan.by_type(CANARY)}
    assert sorted(canaries) == ["eu-west-1", "us-east-1"]
    for region, canary in canaries.items():
        script = plan.one(SCRIPT, f"canary-{region}-script")
        assert canary["name"] == "webstack-prod-canary"
        assert (canary["runtimeVersion"], canary["handler"]) == ("syn-nodejs-playwright-5.1", "canary.handler")
        assert (canary["s3Bucket"], canary["s3Key"], canary["s3Version"]) == (
            script.inputs["bucket"], "code/webstack-prod-canary.zip", script.state["versionId"])
        assert canary["schedule"] == {"expression": "rate(5 minutes)"} and canary["startCanary"] is True
        assert canary["runConfig"] == {"timeoutInSeconds": 60} and canary["deleteLambda"] is True
        assert canary["successRetentionPeriod"] == canary["failureRetentionPeriod"] == 14
        bucket = plan.one("aws:s3/bucket:Bucket", f"canary-{region}")
        key = plan.one("aws:kms/key:Key", f"canary-{region}-key")
        assert canary["artifactS3Location"] == f"s3://{bucket.state['bucket']}/artifacts/"
        assert canary["artifactConfig"] == {"s3Encryption": {"encryptionMode": "SSE_KMS", "kmsKeyArn": key.state["arn"]}}
        assert script.inputs["region"] == region and script.inputs["kmsKeyId"] == key.state["arn"]
        assert script.depends_on(plan.one("aws:s3/bucketVersioning:BucketVersioning", f"canary-{region}-versioning"))
        assert script_of(plan, region) == canary_script(args().spec())


def test_each_bucket_is_hardened_and_forgets_artifacts(plan):
    for region in ("eu-west-1", "us-east-1"):
        pab = plan.one("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", f"canary-{region}-public-access")
        assert all(pab.inputs[k] for k in ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls",
                                            "restrictPublicBuckets"))
        ownership = plan.one("aws:s3/bucketOwnershipControls:BucketOwnershipControls", f"canary-{region}-ownership")
        assert ownership.inputs["rule"] == {"objectOwnership": "BucketOwnerEnforced"}
        sse = plan.one("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
                       f"canary-{region}-encryption").inputs["rules"][0]
        assert sse["applyServerSideEncryptionByDefault"]["sseAlgorithm"] == "aws:kms"
        policy = json.loads(plan.one("aws:s3/bucketPolicy:BucketPolicy", f"canary-{region}-policy").inputs["policy"])
        assert [s["Sid"] for s in policy["Statement"]] == ["DenyInsecureTransport"]
        rules = {r["id"]: r for r in plan.one("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
                                              f"canary-{region}-lifecycle").inputs["rules"]}
        assert rules["expire-artifacts"]["filter"] == {"prefix": "artifacts/"}
        assert rules["expire-artifacts"]["expiration"] == {"days": 14}
        assert rules["expire-replaced-scripts"]["noncurrentVersionExpiration"] == {"noncurrentDays": 7}


def test_the_runs_role_may_do_only_what_a_run_needs(plan):
    role = plan.one("aws:iam/role:Role", "canary-role")
    assert json.loads(role.inputs["assumeRolePolicy"])["Statement"][0]["Principal"] == {"Service": "lambda.amazonaws.com"}
    policy = json.loads(plan.one("aws:iam/rolePolicy:RolePolicy", "canary-role-policy").inputs["policy"])
    statements = {s["Sid"]: s for s in policy["Statement"]}
    buckets = [plan.one("aws:s3/bucket:Bucket", f"canary-{r}").state["arn"] for r in ("eu-west-1", "us-east-1")]
    keys = [plan.one("aws:kms/key:Key", f"canary-{r}-key").state["arn"] for r in ("eu-west-1", "us-east-1")]
    assert statements["WriteArtifacts"] == {"Sid": "WriteArtifacts", "Effect": "Allow", "Action": "s3:PutObject",
                                            "Resource": [f"{b}/artifacts/*" for b in buckets]}
    assert statements["LocateArtifactBucket"]["Resource"] == buckets
    assert statements["EncryptArtifacts"]["Resource"] == keys and statements["EncryptArtifacts"]["Action"] == (
        "kms:GenerateDataKey")
    assert statements["EncryptArtifacts"]["Condition"]["StringEquals"]["kms:ViaService"] == [
        "s3.eu-west-1.amazonaws.com", "s3.us-east-1.amazonaws.com"]
    assert statements["WriteRunLogs"]["Resource"] == [
        f"arn:aws:logs:{r}:{ACCOUNT_ID}:log-group:/aws/lambda/cwsyn-webstack-prod-canary-*"
        for r in ("eu-west-1", "us-east-1")]
    assert statements["PublishCanaryMetrics"]["Condition"] == {
        "StringEquals": {"cloudwatch:namespace": "CloudWatchSynthetics"}}
    wildcard = {sid for sid, s in statements.items() if s["Resource"] == "*"}
    assert wildcard == {"ListBuckets", "PublishCanaryMetrics"}  # no resource-level permissions exist for these
    # the canaries start once the policy is attached: a run without it would write nothing
    for canary in plan.by_type(CANARY):
        assert canary.depends_on(plan.one("aws:iam/rolePolicy:RolePolicy", "canary-role-policy"))


def test_a_failing_canary_pages_through_its_regions_topic(plan):
    for region in ("eu-west-1", "us-east-1"):
        alarm = plan.one(ALARM, f"canary-{region}-failed").inputs
        assert alarm["name"] == f"webstack-prod-canary-{region}-failed" and alarm["region"] == region
        assert (alarm["namespace"], alarm["metricName"], alarm["dimensions"]) == (
            "CloudWatchSynthetics", "SuccessPercent", {"CanaryName": "webstack-prod-canary"})
        assert (alarm["comparisonOperator"], alarm["threshold"], alarm["period"]) == ("LessThanThreshold", 100, 300)
        assert alarm["evaluationPeriods"] == alarm["datapointsToAlarm"] == 2
        assert alarm["treatMissingData"] == "breaching"
        assert alarm["alarmActions"] == alarm["okActions"] == [TOPICS[region]]
    spec = failure_alarm("c", 60, "eu-west-1")
    assert spec.period == 3600 and spec.severity.value == "critical"


def test_outputs_name_each_regions_canary_alarm_and_bucket(plan):
    outputs = plan.one("webstack:index:Canaries", "canary").component_outputs
    assert outputs["canary_names"] == {"eu-west-1": "webstack-prod-canary", "us-east-1": "webstack-prod-canary"}
    assert outputs["alarm_arns"] == {r: f"arn:aws:cloudwatch:{r}:{ACCOUNT_ID}:alarm:webstack-prod-canary-{r}-failed"
                                     for r in ("eu-west-1", "us-east-1")}
    assert outputs["script"] == canary_script(args().spec())


def test_role_policy_lists_every_location():
    policy = role_policy("c", ACCOUNT_ID, "aws", [Location("eu-west-1", "arn:aws:s3:::b", "arn:k")])
    assert policy["Statement"][0]["Resource"] == ["arn:aws:s3:::b/artifacts/*"]


# ----------------------------------------------------------------------------- the stacks


@pytest.mark.parametrize("stack, regions, rate, retention", [
    ("dev", ["eu-west-1"], "rate(1 hour)", 3),
    ("staging", ["eu-west-1"], "rate(15 minutes)", 7),
    ("prod", ["eu-west-1", "us-east-1"], "rate(5 minutes)", 14),
])
def test_each_stack_checks_its_site_from_its_tiers_regions_and_pages_its_critical_topic(stack, regions, rate, retention):
    plan = cached_plan(stack)
    canaries = {r.inputs["region"]: r.inputs for r in plan.by_type(CANARY)}
    assert sorted(canaries) == regions
    assert {c["schedule"]["expression"] for c in canaries.values()} == {rate}
    assert {c["successRetentionPeriod"] for c in canaries.values()} == {retention}
    # dev ships without certificateValidated: its site is the distribution's own name (test below)
    domain = {"dev": cdn_host(plan), "staging": "staging.shop.example.com", "prod": "shop.example.com"}[stack]
    config = config_of(script_of(plan, "eu-west-1"))
    assert (config["host"], config["healthPath"]) == (domain, "/api/health")
    assert config["latencyTargetMs"] == {"dev": 10_000, "staging": 5_000, "prod": 3_000}[stack]
    topics = {r: f"arn:aws:sns:{r}:{ACCOUNT_ID}:webstack-{stack}-critical" for r in regions}
    for region in regions:
        assert plan.one(ALARM, f"canary-{region}-failed").inputs["alarmActions"] == [topics[region]]


def cdn_host(plan: Plan) -> str:
    return plan.one("aws:cloudfront/distribution:Distribution").state["domainName"]


def test_before_the_domain_is_attached_the_canaries_check_what_users_reach():
    """Until the custom domain is attached (dev as shipped; a new stack's first deploy) the
    distribution serves only its *.cloudfront.net name: the domain does not resolve to it and
    a check of the domain would fail every run (a critical alarm, paging in prod, and the
    drills' stop condition in alarm). The canaries check that name, as the health check does.
    On it CloudFront serves its default certificate with the TLSv1 policy whatever is asked
    (API reference, ViewerCertificate.MinimumProtocolVersion), so no refusal of TLS 1.0/1.1
    is demanded until the domain is attached."""
    dev = cached_plan("dev")
    assert dev.one("aws:cloudfront/distribution:Distribution").inputs["aliases"] == []
    for region in ("eu-west-1",):
        config = config_of(script_of(dev, region))
        assert config["host"] == cdn_host(dev) and config["refusedTls"] == []
        assert config["acceptedTls"] == ["TLSv1.2", "TLSv1.3"]
    assert dev.one("webstack:index:Canaries", "canary").component_outputs["script"] == script_of(dev, "eu-west-1")
    attached = cached_plan("dev", {"webstack:cdn": {"certificateValidated": True}})
    config = config_of(script_of(attached, "eu-west-1"))
    assert config["host"] == "dev.shop.example.com" and config["refusedTls"] == ["TLSv1", "TLSv1.1"]


def test_a_canary_told_the_site_cannot_refuse_old_tls_skips_only_those_checks():
    config = config_of(canary_script(args(legacy_tls_refused=False).spec()))
    assert config["refusedTls"] == [] and config["acceptedTls"] == list(ACCEPTED_TLS)
    assert config_of(canary_script(args().spec()))["refusedTls"] == list(REFUSED_TLS)


def test_the_canary_expects_the_headers_the_cdn_sends():
    plan = cached_plan("prod")
    policy = plan.one("aws:cloudfront/responseHeadersPolicy:ResponseHeadersPolicy").inputs["securityHeadersConfig"]
    config = config_of(script_of(plan, "eu-west-1"))
    expected = config["headers"]
    assert expected["Strict-Transport-Security"] == "max-age=63072000; includeSubDomains; preload"
    assert policy["strictTransportSecurity"]["accessControlMaxAgeSec"] == 63072000 and policy["strictTransportSecurity"]["preload"]
    assert expected["X-Frame-Options"] == policy["frameOptions"]["frameOption"]
    # Prod's app owns the CSP (a nonce per request; CloudFront's fallback where it sends none):
    # the canary requires one, not a value it cannot know.
    assert not policy["contentSecurityPolicy"]["override"]
    assert "Content-Security-Policy" not in expected and config["present"] == ["Content-Security-Policy"]


def test_a_changed_header_in_the_cdns_table_changes_the_canarys_expectations_in_the_same_plan():
    before, after = cached_plan("prod"), cached_plan("prod", {"webstack:cdn": {"headers": {"frameOptions": "SAMEORIGIN"}}})
    policy = after.one("aws:cloudfront/responseHeadersPolicy:ResponseHeadersPolicy").inputs["securityHeadersConfig"]
    assert policy["frameOptions"]["frameOption"] == "SAMEORIGIN"
    for region in ("eu-west-1", "us-east-1"):
        assert config_of(script_of(before, region))["headers"]["X-Frame-Options"] == "DENY"
        assert config_of(script_of(after, region))["headers"]["X-Frame-Options"] == "SAMEORIGIN"
        # the canary pins the script's version: a new script is a new version, so an update of the canary
        old, new = (p.one(CANARY, f"canary-{region}").inputs["s3Version"] for p in (before, after))
        assert old != new


@pytest.mark.skipif(NODE is None or shutil.which("openssl") is None, reason="node and openssl are needed")
def test_an_app_owned_csp_must_be_present_whatever_its_value(tmp_path, site):
    passed, out = run_canary(tmp_path, site(headers=response_headers(SecurityHeaders())))  # no CSP at all
    assert not passed and "Content-Security-Policy is missing" in out
