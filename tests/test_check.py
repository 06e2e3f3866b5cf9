"""``webstack check``: the policy pack against offline plans.

* Resources registered through the real SDKs (pulumi-aws, pulumi-kubernetes, Vercel) reach
  the policies under the property names the policies read: a compliant program passes, a
  program with one weakened setting fails naming the resource and the fix.
* Every shipped stack (dev, staging, prod, prod on Kubernetes) has zero mandatory violations.
* The CLI: exit codes, human and JSON output, policy-config selection, no secret printed.
"""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path

import pulumi
import pulumi_aws as aws
import pulumi_kubernetes as k8s
import pulumiverse_vercel as vercel
import pytest

import pulumi_webstack_cli.engine
import pulumi_webstack_cli.main
from pulumi_webstack_cli.check import CheckReport, check_plan
from pulumi_webstack_policies.pack import POLICIES
from pulumi_webstack_cli.main import main
from pulumi_webstack_cli.engine import Plan, Secret, load_stack_config, synth
from tests.conftest import cached_plan
from tests.helpers import variant
from tests.helpers import ECS, KUBERNETES

CERT = "arn:aws:acm:us-east-1:123456789012:certificate/0e9d0c8e-1111-2222-3333-444455556666"
KEY = "arn:aws:kms:eu-west-1:123456789012:key/0e9d0c8e-aaaa-bbbb-cccc-444455556666"
HEADERS = {
    "Strict-Transport-Security": "max-age=63072000; includeSubDomains; preload",
    "Content-Security-Policy": "default-src 'self'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "strict-origin-when-cross-origin",
}


def sdk_program(weaken: str = ""):
    """One of each resource the pack checks, registered through the SDKs; ``weaken`` breaks one setting."""

    def program():
        rhp = aws.cloudfront.ResponseHeadersPolicy(
            "headers",
            security_headers_config={
                "strict_transport_security": {
                    "access_control_max_age_sec": 300 if weaken == "hsts" else 63072000,
                    "include_subdomains": True, "preload": True, "override": True},
                "content_security_policy": {"content_security_policy": HEADERS["Content-Security-Policy"],
                                            "override": True},
                "content_type_options": {"override": True},
                "frame_options": {"frame_option": "DENY", "override": True},
                "referrer_policy": {"referrer_policy": "strict-origin-when-cross-origin", "override": True},
            },
        )
        behavior = {"target_origin_id": "app", "allowed_methods": ["GET", "HEAD"], "cached_methods": ["GET", "HEAD"],
                    "viewer_protocol_policy": "allow-all" if weaken == "viewer" else "redirect-to-https",
                    "response_headers_policy_id": rhp.id}
        ordered = dict(behavior, path_pattern="/api/*")
        if weaken == "behavior":
            del ordered["response_headers_policy_id"]
        aws.cloudfront.Distribution(
            "cdn",
            enabled=True,
            origins=[{"origin_id": "app", "domain_name": "app.vercel.app", "custom_origin_config": {
                "http_port": 80, "https_port": 443,
                "origin_protocol_policy": "match-viewer" if weaken == "origin" else "https-only",
                "origin_ssl_protocols": ["TLSv1.2"]}}],
            default_cache_behavior=behavior,
            ordered_cache_behaviors=[ordered],
            restrictions={"geo_restriction": {"restriction_type": "none"}},
            viewer_certificate={"acm_certificate_arn": CERT, "ssl_support_method": "sni-only",
                                "minimum_protocol_version": "TLSv1" if weaken == "tls" else "TLSv1.2_2021"},
            web_acl_id="arn:aws:wafv2:us-east-1:123456789012:global/webacl/cdn/1",
            logging_config={"bucket": "logs.s3.amazonaws.com"},
        )
        aws.rds.ParameterGroup("db-params", family="postgres17", parameters=[
            {"name": "rds.force_ssl", "value": "0" if weaken == "rds" else "1"}])
        aws.elasticache.ReplicationGroup(
            "cache", description="cache", node_type="cache.t4g.micro", at_rest_encryption_enabled=True,
            kms_key_id=KEY, transit_encryption_enabled=True,
            transit_encryption_mode="preferred" if weaken == "cache" else "required", snapshot_retention_limit=1)
        aws.lb.Listener("https", load_balancer_arn="arn:lb", port=443, protocol="HTTPS", certificate_arn=CERT,
                        ssl_policy="ELBSecurityPolicy-2016-08" if weaken == "listener" else
                        "ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09",
                        default_actions=[{"type": "forward", "target_group_arn": "arn:tg"}])
        bucket = aws.s3.Bucket("logs")
        aws.s3.BucketServerSideEncryptionConfiguration("logs", bucket=bucket.id, rules=[{
            "apply_server_side_encryption_by_default": {"sse_algorithm": "aws:kms", "kms_master_key_id": KEY}}])
        if weaken != "bucket":
            aws.s3.BucketPolicy("logs", bucket=bucket.id, policy=bucket.arn.apply(lambda arn: json.dumps({
                "Version": "2012-10-17", "Statement": [{
                    "Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": [arn, f"{arn}/*"],
                    "Condition": {"Bool": {"aws:SecureTransport": "false"}}}]})))
        topic = aws.sns.Topic("alerts", kms_master_key_id=KEY)
        aws.sns.TopicPolicy("alerts", arn=topic.arn, policy=topic.arn.apply(lambda arn: json.dumps({
            "Version": "2012-10-17", "Statement": [{
                "Effect": "Deny", "Principal": {"AWS": "*"}, "Action": "sns:Publish", "Resource": arn,
                "Condition": {"Bool": {"aws:SecureTransport": "false"}}}]})))
        project = vercel.Project("app", name="app")
        headers = dict(HEADERS)
        if weaken == "vercel":
            headers["Referrer-Policy"] = "unsafe-url"
        vercel.ProjectRoute("app-headers", project_id=project.id, route={"src": "/(.*)", "headers": headers})
        cm = k8s.core.v1.ConfigMap("security-headers", metadata={"name": "security-headers", "namespace": "app"},
                                   data=dict(HEADERS, **({"X-Frame-Options": "ALLOWALL"} if weaken == "ingress" else {})))
        k8s.networking.v1.Ingress(
            "app",
            metadata={"namespace": "app", "annotations": {
                "nginx.ingress.kubernetes.io/custom-headers": "app/security-headers"}},
            spec={"ingress_class_name": "nginx",
                  "tls": [] if weaken == "ingress-tls" else [{"hosts": ["app.example.com"], "secret_name": "tls"}],
                  "rules": [{"host": "app.example.com"}]},
            opts=pulumi.ResourceOptions(depends_on=[cm]),
        )

    return program


def sdk_check(weaken: str = "") -> CheckReport:
    return check_plan(synth(sdk_program(weaken), stack="dev"), "dev")


def test_sdk_registered_compliant_resources_pass():
    report = sdk_check()
    assert [v.message for v in report.mandatory] == []
    assert report.unverified == []
    assert report.policy_config == "policies/config/dev.json"


@pytest.mark.parametrize(
    "weaken,policy,resource,expected",
    [
        ("hsts", "cloudfront-security-headers", "headers", "accessControlMaxAgeSec is 300"),
        ("viewer", "cloudfront-viewer-tls", "cdn", "viewerProtocolPolicy is 'allow-all'"),
        ("tls", "cloudfront-viewer-tls", "cdn", "minimumProtocolVersion is 'TLSv1'"),
        ("behavior", "cloudfront-behaviors-response-headers", "cdn", "orderedCacheBehaviors.0 ('/api/*') has no"),
        ("origin", "cloudfront-origin-tls", "cdn", "originProtocolPolicy is 'match-viewer'"),
        ("rds", "rds-parameter-group-force-ssl", "db-params", "rds.force_ssl = '0'"),
        ("cache", "elasticache-transit-encryption", "cache", "transitEncryptionMode is 'preferred'"),
        ("listener", "lb-listener-tls", "https", "sslPolicy is 'ELBSecurityPolicy-2016-08'"),
        ("bucket", "s3-bucket-tls-only", "logs", "has no bucket policy"),
        ("vercel", "vercel-security-headers", "app-headers", "Referrer-Policy is 'unsafe-url'"),
        ("ingress", "kubernetes-ingress-security-headers", "app", "X-Frame-Options is 'ALLOWALL'"),
        ("ingress-tls", "kubernetes-ingress-tls", "app", "spec.tls is empty"),
    ],
)
def test_sdk_one_weakened_setting_fails_naming_resource_and_fix(weaken, policy, resource, expected):
    report = sdk_check(weaken)
    assert not report.passed and report.exit_code == 1
    found = [v for v in report.mandatory if v.policy == policy]
    assert found and any(expected in v.message for v in found), [v.message for v in found]
    assert all(v.resource_name == resource and v.remediation and v.severity for v in found)
    assert {v.policy for v in report.mandatory} == {policy}, "only the weakened setting is reported"


# ------------------------------------------------------------------------ shipped stacks

K8S = KUBERNETES
SHIPPED = {"dev": None, "staging": None, "prod": None, "prod-kubernetes": K8S, "prod-ecs": ECS}


def _plan(case: str) -> Plan:
    stack = case.split("-")[0]
    overrides = SHIPPED[case]
    if overrides:
        _, config, _ = load_stack_config(stack)
        overrides = {**overrides, "webstack:app": {**(config.get("webstack:app") or {}), **overrides["webstack:app"]}}
    return cached_plan(stack, overrides)


@pytest.mark.parametrize("case", sorted(SHIPPED))
def test_shipped_stack_has_no_mandatory_violation(case):
    plan = _plan(case)
    report = check_plan(plan, plan.stack)
    assert report.policy_config == f"policies/config/{plan.stack}.json"
    assert [f"{v.policy}: {v.resource}: {v.message}" for v in report.mandatory] == []


def test_prod_on_ecs_passes_with_no_advisory_either():
    report = check_plan(_plan("prod-ecs"), "prod")
    assert report.resources > len(_plan("prod")) and report.violations == []


def test_prod_plan_is_checked_with_hardening_mandatory():
    report = check_plan(_plan("prod"), "prod")
    assert report.policies == len(POLICIES) and report.resources == len(_plan("prod"))
    weakened = _edit(_plan("prod"), "aws:rds/instance:Instance", "deletionProtection", False)
    found = [v for v in check_plan(weakened, "prod").mandatory if v.policy == "database-deletion-protection"]
    assert found and "set deletion_protection=True" in found[0].message


def _edit(plan: Plan, type_: str, path: str, value, name: str | None = None) -> Plan:
    """A copy of ``plan`` whose first resource of ``type_`` (named ``name``) has ``path`` set in inputs and state."""
    targets = [r for r in plan.by_type(type_) if name in (None, r.name)]
    assert targets, f"no {type_} in the plan"
    target = targets[0]
    edited = dataclasses.replace(target, inputs=variant(target.inputs, path, value),
                                 state=variant(target.state, path, value))
    resources = [edited if r is target else r for r in plan.resources]
    return Plan(plan.project, plan.stack, resources, plan.outputs, plan.placeholders, plan.config)


@pytest.mark.parametrize(
    "type_,path,value,policy,expected",
    [
        ("aws:cloudfront/distribution:Distribution", "viewerCertificate.minimumProtocolVersion", "TLSv1.1_2016",
         "cloudfront-viewer-tls", "minimumProtocolVersion is 'TLSv1.1_2016'"),
        ("aws:cloudfront/responseHeadersPolicy:ResponseHeadersPolicy",
         "securityHeadersConfig.strictTransportSecurity.includeSubdomains", False,
         "cloudfront-security-headers", "lacks includeSubdomains=True"),
        ("aws:elasticache/replicationGroup:ReplicationGroup", "transitEncryptionMode", "preferred",
         "elasticache-transit-encryption", "transitEncryptionMode is 'preferred'"),
        # The issue's weak prod CSP passed the pack before content-security-policy-strength.
        ("aws:cloudfront/responseHeadersPolicy:ResponseHeadersPolicy",
         "securityHeadersConfig.contentSecurityPolicy.contentSecurityPolicy",
         "default-src *; script-src * 'unsafe-inline' 'unsafe-eval'", "content-security-policy-strength",
         "script-src allows *"),
        ("kubernetes:apps/v1:Deployment", "spec.template.spec.containers.0.image",
         "ghcr.io/example/webstack-app@sha256:" + "0" * 64, "workload-placeholder-image", "is the placeholder"),
    ],
)
def test_prod_with_one_weakened_setting_fails(type_, path, value, policy, expected):
    plan = _plan("prod-kubernetes" if type_.startswith("kubernetes:") else "prod")
    report = check_plan(_edit(plan, type_, path, value), "prod")
    found = [v for v in report.mandatory if v.policy == policy]
    assert found and expected in found[0].message
    assert found[0].resource_type == type_ and found[0].resource_name in found[0].message


def test_prod_data_given_to_preview_deployments_fails():
    edited = _edit(_plan("prod"), "vercel:index/projectEnvironmentVariable:ProjectEnvironmentVariable", "targets",
                   ["production", "preview"], name="app-env-database-host")
    found = [v for v in check_plan(edited, "prod").mandatory if v.policy == "vercel-preview-data-access"]
    assert len(found) == 1 and "key DATABASE_HOST (data-tier access) reaches preview" in found[0].message


# ---------------------------------------------------------------------------------- CLI


def test_cli_check_passes_prod(capsys):
    assert main(["check", "prod"]) == 0
    out = capsys.readouterr().out
    assert "Policy pack webstack-security on stack 'prod'" in out and "policies/config/prod.json" in out
    assert out.rstrip().splitlines()[-1].startswith("PASSED: 0 mandatory")


def test_cli_check_preview_judges_what_a_first_deploy_preview_can(capsys):
    # --preview: the cloud's values are unknown, as in `pulumi preview` of a new stack; what a
    # policy cannot judge then is not verifiable, never a violation.
    assert main(["check", "prod", "--preview", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["summary"]["mandatory"] == 0 and report["summary"]["unverified"] > 0
    assert main(["check", "prod", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["summary"]["unverified"] == 0


def test_cli_check_fails_listing_policy_resource_message_fix(monkeypatch, capsys):
    weak = _edit(_plan("prod"), "aws:cloudfront/distribution:Distribution", "defaultCacheBehavior.viewerProtocolPolicy",
                 "allow-all")
    monkeypatch.setattr(pulumi_webstack_cli.main, "plan_for", lambda stack, *_, **__: weak)
    assert main(["check", "prod"]) == 1
    out = capsys.readouterr().out
    dist = weak.by_type("aws:cloudfront/distribution:Distribution")[0]
    assert "MANDATORY  cloudfront-viewer-tls  [high]" in out
    assert f"resource: aws:cloudfront/distribution:Distribution {dist.name}" in out
    assert "defaultCacheBehavior.viewerProtocolPolicy is 'allow-all'" in out
    assert "fix: Set viewer_protocol_policy='redirect-to-https'" in out
    assert out.rstrip().splitlines()[-1].startswith("FAILED: 1 mandatory")


def test_cli_json_report_is_stable(monkeypatch, capsys):
    weak = _edit(_plan("prod"), "aws:rds/proxy:Proxy", "requireTls", False)
    monkeypatch.setattr(pulumi_webstack_cli.main, "plan_for", lambda stack, *_, **__: weak)
    assert main(["check", "prod", "--json"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert data["schemaVersion"] == 1 and data["stack"] == "prod" and data["policyPack"] == "webstack-security"
    assert data["passed"] is False and data["summary"] == {"mandatory": 1, "advisory": 0, "unverified": 0}
    assert (data["policyConfig"], data["policies"], data["resources"]) == ("policies/config/prod.json", len(POLICIES), len(weak))
    assert data["unverified"] == [] and data["placeholders"] == weak.placeholders != []
    [v] = data["violations"]
    proxy = weak.by_type("aws:rds/proxy:Proxy")[0]
    assert v["policy"] == "rds-proxy-require-tls" and v["severity"] == "high"
    assert v["resource"] == {"urn": proxy.urn, "type": "aws:rds/proxy:Proxy", "name": proxy.name}
    assert "requireTls is False" in v["message"] and v["remediation"]


def test_secret_values_are_never_printed(monkeypatch, capsys):
    secret = "TLSv1-very-secret-value"
    weak = _edit(_plan("prod"), "aws:cloudfront/distribution:Distribution", "viewerCertificate.minimumProtocolVersion",
                 Secret(secret))
    report = check_plan(weak, "prod")
    assert any("minimumProtocolVersion is '[secret]'" in v.message for v in report.mandatory)
    monkeypatch.setattr(pulumi_webstack_cli.main, "plan_for", lambda stack, *_, **__: weak)
    main(["check", "prod", "--json"])
    main(["check", "prod"])
    assert secret not in capsys.readouterr().out


def test_cli_policy_config_option_and_errors(tmp_path, capsys):
    strict = tmp_path / "strict.json"
    strict.write_text(json.dumps({"all": "mandatory", "database-backups": {"minRetentionDays": 35}}))
    assert main(["check", "dev", "--policy-config", str(strict)]) == 1
    out = capsys.readouterr().out
    assert str(strict) in out and "backupRetentionPeriod" in out
    # Numbers cross the analyzer's wire as floats; messages quote whole numbers as whole numbers.
    assert re.search(r"backupRetentionPeriod is \d+: keep automated backups", out)
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"cloudfront-waf": {"enforcementLevel": "loud"}}))
    assert main(["check", "dev", "--policy-config", str(bad)]) == 2
    assert "cloudfront-waf.enforcementLevel = 'loud'" in capsys.readouterr().err
    assert main(["check", "dev", "--policy-config", str(tmp_path / "missing.json")]) == 2
    assert main(["check", "no-such-stack"]) == 2
    assert "no stack file Pulumi.no-such-stack.yaml" in capsys.readouterr().err


def test_stack_without_its_own_file_uses_its_tier():
    plan = _plan("staging")
    renamed = Plan(plan.project, "staging-eu", plan.resources, plan.outputs, plan.placeholders, plan.config)
    assert check_plan(renamed).policy_config == "policies/config/staging.json"


# ------------------------------------------------------------------ CI outputs, other packs


def test_sarif_is_what_github_code_scanning_reads(monkeypatch, capsys, tmp_path):
    weak = _edit(_plan("prod"), "aws:rds/proxy:Proxy", "requireTls", False)
    monkeypatch.setattr(pulumi_webstack_cli.main, "plan_for", lambda stack, *_, **__: weak)
    summary = tmp_path / "summary.md"
    summary.write_text("earlier step\n")
    assert main(["check", "prod", "--format", "sarif", "--summary", str(summary)]) == 1
    sarif = json.loads(capsys.readouterr().out)
    assert sarif["version"] == "2.1.0" and sarif["$schema"].endswith("sarif-2.1.0.json")
    [run] = sarif["runs"]
    assert run["tool"]["driver"]["name"] == "webstack check"
    rules = run["tool"]["driver"]["rules"]
    assert len(rules) == len(POLICIES) and len({r["id"] for r in rules}) == len(POLICIES)
    rule = next(r for r in rules if r["id"] == "rds-proxy-require-tls")
    assert rule["properties"]["security-severity"] == "8.0" and "security" in rule["properties"]["tags"]
    assert rule["help"]["text"] and rule["shortDescription"]["text"]
    assert run["automationDetails"]["id"] == "webstack-check/prod/"
    [result] = [r for r in run["results"] if r["level"] == "error"]
    assert result["ruleId"] == "rds-proxy-require-tls" and rules[result["ruleIndex"]]["id"] == result["ruleId"]
    [location] = result["locations"]
    physical = location["physicalLocation"]
    # The line of the project's code that created the proxy (paths relative to the repository).
    assert physical["artifactLocation"] == {"uri": "components/database_proxy.py", "uriBaseId": "%SRCROOT%"}
    source = (pulumi_webstack_cli.engine.ROOT / "components" / "database_proxy.py").read_text().splitlines()
    assert "aws.rds.Proxy(" in source[physical["region"]["startLine"] - 1]
    assert location["logicalLocations"][0]["fullyQualifiedName"].endswith("::database-proxy")
    assert len(result["partialFingerprints"]["webstackFinding/v1"]) == 32
    assert all(r["level"] in ("error", "warning", "note") for r in run["results"])
    # ... and the job summary got the Markdown, appended.
    text = summary.read_text()
    assert text.startswith("earlier step\n### Policy check `prod`: ❌ failed")
    assert "| mandatory | `rds-proxy-require-tls` | high | `database-proxy` (`aws:rds/proxy:Proxy`) |" in text


def test_sarif_gives_each_finding_its_own_fingerprint():
    """GitHub code scanning takes results with the same partialFingerprints for the same alert:
    dev's primary database has three findings of one policy (deletion protection, final
    snapshot, Pulumi protect), and each must stay its own alert."""
    from pulumi_webstack_cli.project import load_project
    from pulumi_webstack_cli.sarif import to_sarif

    report = check_plan(_plan("dev"), "dev")
    [run] = to_sarif(report, load_project(pulumi_webstack_cli.engine.ROOT), pulumi_webstack_cli.engine.ROOT)["runs"]
    same_resource = [r for r in run["results"] if r["ruleId"] == "database-deletion-protection"
                     and r["properties"].get("resourceName") == "database-primary"]
    assert len(same_resource) == 3
    prints = [r["partialFingerprints"]["webstackFinding/v1"] for r in run["results"]]
    assert len(set(prints)) == len(prints)
    again = to_sarif(check_plan(_plan("dev"), "dev"), None, None)["runs"][0]["results"]
    assert [r["partialFingerprints"] for r in again] == [r["partialFingerprints"] for r in run["results"]]


def test_a_resource_built_by_an_installed_component_points_at_the_program_line():
    plan = _plan("prod")
    proxy = plan.one("aws:rds/proxy:Proxy")
    from pulumi_webstack_cli.check import source_location

    installed = [(f"/venv/lib/python3.11/site-packages/pulumi_webstack/{Path(f).name}", line)
                 for f, line in proxy.stack_trace if "/components/" in f]
    program = [(f, line) for f, line in proxy.stack_trace if "/infra/" in f]
    moved = dataclasses.replace(proxy, stack_trace=tuple(installed + program))
    edited = Plan(plan.project, plan.stack, [moved if r is proxy else r for r in plan.resources], plan.outputs)
    path, line = source_location(edited, moved, pulumi_webstack_cli.engine.ROOT)
    assert path == "infra/program.py" and "Database(" in (pulumi_webstack_cli.engine.ROOT / path).read_text().splitlines()[line - 1]


def test_another_policy_pack_directory_is_loaded_without_serving_it(tmp_path, capsys):
    pack = tmp_path / "pack"
    pack.mkdir()
    (pack / "PulumiPolicy.yaml").write_text("runtime: python\n")
    (pack / "__main__.py").write_text('''
from pulumi_policy import EnforcementLevel, PolicyPack, ResourceValidationPolicy

def no_public_buckets(args, report):
    if args.resource_type == "aws:s3/bucket:Bucket" and args.props.get("acl") == "public-read":
        report("public bucket")

def flow_logs_kept_a_year(args, report):
    if args.resource_type == "aws:cloudwatch/logGroup:LogGroup" and args.props.get("retentionInDays", 0) < 365:
        report(f"retentionInDays is {args.props.get('retentionInDays')}: keep logs a year")

PolicyPack("team-rules", [
    ResourceValidationPolicy(name="no-public-buckets", description="No public buckets.", validate=no_public_buckets),
    ResourceValidationPolicy(name="logs-a-year", description="Logs are kept a year.", validate=flow_logs_kept_a_year),
], enforcement_level=EnforcementLevel.MANDATORY)
raise SystemExit("the real PolicyPack would have blocked serving; this line is never reached")
''')
    assert main(["check", "dev", "--policy-pack", str(pack), "--json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["policyPack"] == "team-rules" and report["policies"] == 2 and report["policyConfig"] is None
    assert {v["policy"] for v in report["violations"]} == {"logs-a-year"}
    assert all(v["level"] == "mandatory" for v in report["violations"])  # the pack's own level
    (pack / "PulumiPolicy.yaml").unlink()
    assert main(["check", "dev", "--policy-pack", str(pack)]) == 2
    assert "no PulumiPolicy.yaml there" in capsys.readouterr().err


def test_this_repositorys_pack_directory_is_the_builtin_pack(capsys):
    assert main(["check", "prod", "--policy-pack", str(pulumi_webstack_cli.engine.ROOT / "policies"), "--json"]) == 0
    from_dir = json.loads(capsys.readouterr().out)
    assert main(["check", "prod", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == from_dir
