"""The pack as the Pulumi CLI runs it: a separate process spoken to over gRPC.

For a Python pack the CLI runs the ``pulumi-analyzer-policy-python`` shim, which executes
``python -u -m pulumi.policy <engine-address> .`` in the pack directory (newer language
hosts run ``python <pack-dir> <engine-address>``). ``PolicyPack`` prints the port of its
Analyzer server on stdout; the CLI then calls GetAnalyzerInfo, Configure, Analyze per
resource and AnalyzeStack. This test does the same with ``pulumi.runtime.proto``.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import grpc
import pytest
from google.protobuf import empty_pb2, json_format, struct_pb2
from pulumi.runtime.proto import analyzer_pb2, analyzer_pb2_grpc
from pulumi_policy.deserialize import SPECIAL_SECRET_SIG, SPECIAL_SIG_KEY
from pulumi_policy.proxy import UNKNOWN_STRING_VALUE

from pulumi_webstack_policies import settings
from pulumi_webstack_policies.pack import POLICIES

ROOT = Path(__file__).resolve().parent.parent
LEVELS = {"advisory": analyzer_pb2.ADVISORY, "mandatory": analyzer_pb2.MANDATORY,
          "disabled": analyzer_pb2.DISABLED, "remediate": analyzer_pb2.REMEDIATE}
STACK = "urn:pulumi:prod::webstack::"


def _struct(value: dict) -> struct_pb2.Struct:
    out = struct_pb2.Struct()
    out.update(value)
    return out


def _urn(type_: str, name: str) -> str:
    return f"{STACK}{type_}::{name}"


LAUNCHES = {
    # what the CLI's pulumi-analyzer-policy-python shim runs, in the pack directory
    "cli-shim": (["-u", "-m", "pulumi.policy", "127.0.0.1:1", "."], ROOT / "policies"),
    # what a language host's RunPlugin runs, in the project directory
    "run-plugin": (["-u", "policies", "127.0.0.1:1"], ROOT),
}


@pytest.fixture(params=sorted(LAUNCHES), scope="module")
def analyzer(request):
    args, cwd = LAUNCHES[request.param]
    env = dict(os.environ, PULUMI_PROJECT="webstack", PULUMI_STACK="prod", PULUMI_DRY_RUN="true",
               PULUMI_CONFIG="{}", PYTHONUNBUFFERED="1")
    proc = subprocess.Popen([sys.executable, *args], cwd=cwd, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    line: list[str] = []
    reader = threading.Thread(target=lambda: line.append(proc.stdout.readline()), daemon=True)
    reader.start()
    reader.join(timeout=60)
    if not line or not line[0].strip().isdigit():
        proc.kill()
        pytest.fail(f"pack did not print its port: {line!r} {proc.stderr.read() if proc.poll() is not None else ''}")
    channel = grpc.insecure_channel(f"127.0.0.1:{int(line[0])}")
    grpc.channel_ready_future(channel).result(timeout=30)
    stub = analyzer_pb2_grpc.AnalyzerStub(channel)
    yield stub, proc
    channel.close()
    proc.send_signal(signal.SIGINT)  # PolicyPack stops its server on KeyboardInterrupt
    try:
        code = proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert code == 0, proc.stderr.read()


def configure(stub, stack: str) -> None:
    """Send the reconciled config of ``policies/config/<stack>.json``, as the CLI does."""
    resolved = settings.resolve(POLICIES, settings.load_file(settings.config_file_for(stack)))
    request = analyzer_pb2.ConfigureAnalyzerRequest()
    for name, cfg in resolved.items():
        entry = request.policyConfig[name]
        entry.enforcementLevel = LEVELS[cfg.level.value]
        entry.properties.update(cfg.properties)
    stub.Configure(request)


def analyze(stub, type_: str, name: str, props: dict, protect: bool = False):
    return stub.Analyze(analyzer_pb2.AnalyzeRequest(
        type=type_, name=name, urn=_urn(type_, name), properties=_struct(props),
        options=analyzer_pb2.AnalyzerResourceOptions(protect=protect)))


def by_policy(response) -> dict[str, list]:
    out: dict[str, list] = {}
    for d in response.diagnostics:
        out.setdefault(d.policyName, []).append(d)
    return out


def test_get_analyzer_info_describes_every_policy(analyzer):
    stub, _ = analyzer
    info = stub.GetAnalyzerInfo(empty_pb2.Empty())
    assert info.name == "webstack-security" and info.supportsConfig
    policies = {p.name: p for p in info.policies}
    assert set(policies) == {p.name for p in POLICIES}
    viewer = policies["cloudfront-viewer-tls"]
    assert viewer.enforcementLevel == analyzer_pb2.MANDATORY
    assert viewer.policy_type == analyzer_pb2.POLICY_TYPE_RESOURCE
    assert viewer.severity == analyzer_pb2.POLICY_SEVERITY_HIGH
    assert "TLSv1.2_2021" in viewer.remediation_steps
    schema = json_format.MessageToDict(viewer.configSchema)
    assert schema["properties"]["allowedMinimumProtocolVersions"]["default"] == ["TLSv1.2_2021", "TLSv1.2_2025",
                                                                                   "TLSv1.3_2025"]
    assert policies["s3-bucket-tls-only"].policy_type == analyzer_pb2.POLICY_TYPE_STACK
    assert policies["cloudfront-waf"].enforcementLevel == analyzer_pb2.ADVISORY


DIST = {
    "origins": [{"originId": "app", "domainName": "app.vercel.app",
                 "customOriginConfig": {"httpPort": 80, "httpsPort": 443, "originProtocolPolicy": "https-only",
                                        "originSslProtocols": ["TLSv1.2"]}}],
    "defaultCacheBehavior": {"targetOriginId": "app", "viewerProtocolPolicy": "redirect-to-https",
                             "responseHeadersPolicyId": UNKNOWN_STRING_VALUE},
    "viewerCertificate": {"acmCertificateArn": UNKNOWN_STRING_VALUE, "sslSupportMethod": "sni-only",
                          "minimumProtocolVersion": "TLSv1.2_2021"},
    "webAclId": UNKNOWN_STRING_VALUE,
    "loggingConfig": {"bucket": "logs.s3.amazonaws.com"},
}
DIST_TYPE = "aws:cloudfront/distribution:Distribution"


def test_analyze_compliant_preview_resource_has_no_diagnostics(analyzer):
    stub, _ = analyzer
    configure(stub, "prod")
    response = analyze(stub, DIST_TYPE, "cdn", DIST)
    assert [d.message for d in response.diagnostics] == []


def test_analyze_reports_mandatory_violation_naming_resource_and_fix(analyzer):
    stub, _ = analyzer
    configure(stub, "prod")
    weak = json.loads(json.dumps(DIST))
    weak["defaultCacheBehavior"]["viewerProtocolPolicy"] = "allow-all"
    weak["viewerCertificate"]["minimumProtocolVersion"] = "TLSv1"
    del weak["webAclId"]
    found = by_policy(analyze(stub, DIST_TYPE, "cdn", weak))
    viewer = found["cloudfront-viewer-tls"]
    assert {d.enforcementLevel for d in viewer} == {analyzer_pb2.MANDATORY}
    messages = "\n".join(d.message for d in viewer)
    assert "Distribution 'cdn': defaultCacheBehavior.viewerProtocolPolicy is 'allow-all'" in messages
    assert "set 'redirect-to-https'" in messages and "minimumProtocolVersion is 'TLSv1'" in messages
    assert all(d.policyPackName == "webstack-security" for d in viewer)
    # prod config made the advisory WAF rule mandatory
    assert [d.enforcementLevel for d in found["cloudfront-waf"]] == [analyzer_pb2.MANDATORY]


def test_configure_dev_keeps_hardening_advisory(analyzer):
    stub, _ = analyzer
    configure(stub, "dev")
    no_waf = {k: v for k, v in DIST.items() if k != "webAclId"}
    found = by_policy(analyze(stub, DIST_TYPE, "cdn", no_waf))
    assert [d.enforcementLevel for d in found["cloudfront-waf"]] == [analyzer_pb2.ADVISORY]
    configure(stub, "prod")


def test_analyze_unknown_value_yields_advisory_cannot_run(analyzer):
    stub, _ = analyzer
    configure(stub, "prod")
    preview = json.loads(json.dumps(DIST))
    preview["viewerCertificate"]["minimumProtocolVersion"] = UNKNOWN_STRING_VALUE
    found = by_policy(analyze(stub, DIST_TYPE, "cdn", preview))
    [diag] = found["cloudfront-viewer-tls"]
    assert diag.enforcementLevel == analyzer_pb2.ADVISORY
    assert "during preview" in diag.message and "minimumProtocolVersion" in diag.message


def test_analyze_reads_secret_wrapped_values_and_resource_options(analyzer):
    stub, _ = analyzer
    configure(stub, "prod")
    props = {"engine": "postgres", "storageEncrypted": True, "kmsKeyId": "arn:aws:kms:us-east-1:1:key/k",
             "deletionProtection": True, "skipFinalSnapshot": False, "backupRetentionPeriod": 30,
             "password": {SPECIAL_SIG_KEY: SPECIAL_SECRET_SIG, "value": "hunter2"}, "publiclyAccessible": False}
    found = by_policy(analyze(stub, "aws:rds/instance:Instance", "db-primary", props, protect=True))
    assert "database-deletion-protection" not in found and "rds-not-public" not in found
    found = by_policy(analyze(stub, "aws:rds/instance:Instance", "db-primary", props, protect=False))
    assert "not Pulumi-protected" in found["database-deletion-protection"][0].message
    assert all("hunter2" not in d.message for ds in found.values() for d in ds)


def test_analyze_stack_links_by_property_dependencies_and_catches_unpoliced_bucket(analyzer):
    stub, _ = analyzer
    configure(stub, "prod")
    rhp_type = "aws:cloudfront/responseHeadersPolicy:ResponseHeadersPolicy"
    rhp_urn, dist_urn = _urn(rhp_type, "headers"), _urn(DIST_TYPE, "cdn")
    bucket_urn = _urn("aws:s3/bucket:Bucket", "logs")
    resources = [
        analyzer_pb2.AnalyzerResource(type=rhp_type, name="headers", urn=rhp_urn,
                                      properties=_struct({"id": UNKNOWN_STRING_VALUE, "name": "headers"})),
        analyzer_pb2.AnalyzerResource(
            type=DIST_TYPE, name="cdn", urn=dist_urn, properties=_struct(DIST), dependencies=[rhp_urn],
            propertyDependencies={"defaultCacheBehavior": analyzer_pb2.AnalyzerPropertyDependencies(urns=[rhp_urn])}),
        analyzer_pb2.AnalyzerResource(type="aws:s3/bucket:Bucket", name="logs", urn=bucket_urn,
                                      properties=_struct({"bucket": "webstack-logs", "id": "webstack-logs"})),
    ]
    found = by_policy(stub.AnalyzeStack(analyzer_pb2.AnalyzeStackRequest(resources=resources)))
    assert "cloudfront-behaviors-response-headers" not in found
    [tls_only] = found["s3-bucket-tls-only"]
    assert tls_only.urn == bucket_urn and tls_only.enforcementLevel == analyzer_pb2.MANDATORY
    assert "Bucket 'logs' has no bucket policy" in tls_only.message
    assert [d.urn for d in found["s3-bucket-encryption-kms"]] == [bucket_urn]

    unlinked = [resources[0], analyzer_pb2.AnalyzerResource(type=DIST_TYPE, name="cdn", urn=dist_urn,
                                                             properties=_struct(DIST))]
    found = by_policy(stub.AnalyzeStack(analyzer_pb2.AnalyzeStackRequest(resources=unlinked)))
    [diag] = found["cloudfront-behaviors-response-headers"]  # an id from elsewhere: pulumi up judges it
    assert diag.enforcementLevel == analyzer_pb2.ADVISORY
    assert "during preview" in diag.message and "responseHeadersPolicyId" in diag.message
