"""Specification of the Cdn component: TLS, security headers on every behavior, cache classes,
WAF, locked-down access logs, certificate and DNS."""

from __future__ import annotations

import json

import pulumi
import pulumi_aws as aws
import pytest

from pulumi_webstack import cdn as c
from pulumi_webstack import waf
from pulumi_webstack.headers import SecurityHeaders
from pulumi_webstack_cli.engine import Secret, synth
from tests.helpers import assert_args_error, component_program

DISTRIBUTION = "aws:cloudfront/distribution:Distribution"
CACHE_POLICY = "aws:cloudfront/cachePolicy:CachePolicy"
HEADERS_POLICY = "aws:cloudfront/responseHeadersPolicy:ResponseHeadersPolicy"
WEB_ACL = "aws:wafv2/webAcl:WebAcl"
RECORD = "aws:route53/record:Record"
PROD_HEADERS = SecurityHeaders(hsts_max_age_seconds=63072000, hsts_preload=True)
ALL_VIEWER_EXCEPT_HOST_ID = "b689b0a8-53d0-40ab-baf2-68738e2966ac"
CERT = "arn:aws:acm:us-east-1:123456789012:certificate/0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0"


def prod_args(**overrides) -> c.CdnArgs:
    values = dict(
        domain="shop.example.com",
        origin_domain="origin.shop.example.com",
        aliases=["www.shop.example.com"],
        origin_headers={"X-Origin-Verify": pulumi.Output.secret("s3cr3t")},
        hosted_zone_id="Z0123456789ABCDEFGHIJ",
        price_class="PriceClass_All",
        api_rate_limit_per_minute=50,
        log_retention_days=365,
        origin_shield_region="eu-west-1",
        headers=PROD_HEADERS,
    )
    values.update(overrides)
    return c.CdnArgs(**values)


def program(args: c.CdnArgs):
    return component_program(c.Cdn, "cdn", args, provider="use1", region="us-east-1")


@pytest.fixture(scope="module")
def plan():
    return synth(program(prod_args()))


@pytest.fixture(scope="module")
def lean():
    """No WAF, no logs, an existing certificate, DNS elsewhere."""
    return synth(program(prod_args(
        aliases=[], origin_headers={}, hosted_zone_id=None, api_rate_limit_per_minute=None, waf=False,
        access_logs=False, origin_shield_region=None,
        certificate_arn=CERT,
    )))


def behaviors(dist):
    return [dist.inputs["defaultCacheBehavior"], *dist.inputs["orderedCacheBehaviors"]]


# ------------------------------------------------------------------------- component mechanics


def test_every_child_is_parented_to_the_component_and_uses_the_callers_provider(plan):
    component = plan.one("webstack:index:Cdn", "cdn")
    provider = plan.one("pulumi:providers:aws", "use1")
    children = plan.descendants(component)
    assert len(children) == len([r for r in plan if r.type != "pulumi:providers:aws"]) - 1
    for res in children:
        assert res.parent == component.urn
        if res.type.startswith("aws:"):
            assert res.provider_urn == provider.urn, res.name


GLOBAL_SERVICES = ("aws:cloudfront/", "aws:route53/")
"""CloudFront and Route 53 resources have no region; everything else of the CDN is regional."""


def test_the_regional_resources_live_in_us_east_1_whatever_the_callers_provider():
    """CloudFront reads certificates and CLOUDFRONT-scoped web ACLs only in us-east-1, and
    standard logging v2 delivers from there: a provider in the stack's region (the easy
    mistake with the library) must not put them elsewhere, where CreateDistribution refuses
    the certificate and CreateWebACL the scope."""
    plan = synth(component_program(c.Cdn, "cdn", prod_args(), provider="euw1", region="eu-west-1"))
    regional = [r for r in plan.descendants(plan.one("webstack:index:Cdn"))
                if r.type.startswith("aws:") and not r.type.startswith(GLOBAL_SERVICES)]
    assert {r.type for r in regional} >= {"aws:acm/certificate:Certificate", WEB_ACL, "aws:kms/key:Key",
                                          "aws:s3/bucket:Bucket", "aws:cloudwatch/logGroup:LogGroup",
                                          "aws:cloudwatch/logDeliverySource:LogDeliverySource"}
    for res in regional:
        assert res.inputs.get("region") == "us-east-1", (res.type, res.name)
    key_policy = json.loads(plan.one("aws:kms/key:Key").inputs["policy"])
    waf_logs = next(s for s in key_policy["Statement"] if s["Sid"] == "CloudWatchLogsEncryptsWafLogs")
    assert waf_logs["Principal"] == {"Service": "logs.us-east-1.amazonaws.com"}
    assert ":logs:us-east-1:" in waf_logs["Condition"]["ArnLike"]["kms:EncryptionContext:aws:logs:arn"]


def test_register_outputs_names_every_output(plan):
    outputs = plan.one("webstack:index:Cdn").component_outputs
    dist = plan.one(DISTRIBUTION)
    assert outputs["distribution_id"] == dist.id
    assert outputs["distribution_arn"] == dist.state["arn"]
    assert outputs["domain_name"] == dist.state["domainName"]
    assert outputs["web_acl_arn"] == plan.one(WEB_ACL).state["arn"]
    assert outputs["response_headers_policy_id"] == plan.one(HEADERS_POLICY).id
    assert outputs["log_bucket_name"] == plan.one("aws:s3/bucket:Bucket").state["bucket"]
    assert outputs["certificate_arn"] == plan.one("aws:acm/certificate:Certificate").state["arn"]
    assert outputs["url"] == "https://shop.example.com"
    assert {r["name"] for r in outputs["certificate_validation_records"]} == {
        o["resourceRecordName"] for o in plan.one("aws:acm/certificate:Certificate").state["domainValidationOptions"]}


# ------------------------------------------------------------------------------------ TLS


def test_viewers_get_tls_1_2_or_newer_with_sni_and_the_validated_certificate(plan):
    dist = plan.one(DISTRIBUTION)
    validation = plan.one("aws:acm/certificateValidation:CertificateValidation")
    assert dist.inputs["viewerCertificate"] == {
        "acmCertificateArn": validation.state["certificateArn"],
        "sslSupportMethod": "sni-only",
        "minimumProtocolVersion": "TLSv1.2_2021",
    }
    assert dist.depends_on(validation)
    assert dist.inputs["aliases"] == ["shop.example.com", "www.shop.example.com"]
    assert dist.inputs["httpVersion"] == "http2and3"
    assert dist.inputs["isIpv6Enabled"] is True
    assert dist.inputs["priceClass"] == "PriceClass_All"


def test_every_behavior_redirects_to_https_compresses_and_carries_the_headers_policy(plan):
    dist = plan.one(DISTRIBUTION)
    policy = plan.one(HEADERS_POLICY)
    assert dist.depends_on(policy)
    for behavior in behaviors(dist):
        assert behavior["viewerProtocolPolicy"] == "redirect-to-https"
        assert behavior["responseHeadersPolicyId"] == policy.id
        assert behavior["compress"] is True
        assert behavior["targetOriginId"] == "app"


def test_the_origin_is_https_only_with_tls_1_2_and_gets_the_verify_header(plan):
    (origin,) = plan.one(DISTRIBUTION).inputs["origins"]
    assert origin["domainName"] == "origin.shop.example.com"
    assert origin["originId"] == "app"
    assert origin["customOriginConfig"] == {
        "httpPort": 80, "httpsPort": 443, "originProtocolPolicy": "https-only", "originSslProtocols": ["TLSv1.2"],
        "originReadTimeout": 30, "originKeepaliveTimeout": 5,
    }
    (header,) = origin["customHeaders"]
    assert header["name"] == "X-Origin-Verify"
    assert isinstance(header["value"], Secret) and header["value"].value == "s3cr3t"
    assert origin["originShield"] == {"enabled": True, "originShieldRegion": "eu-west-1"}


def test_the_certificate_covers_domain_and_aliases_validated_in_route53(plan):
    cert = plan.one("aws:acm/certificate:Certificate")
    assert cert.inputs["domainName"] == "shop.example.com"
    assert cert.inputs["subjectAlternativeNames"] == ["www.shop.example.com"]
    assert cert.inputs["validationMethod"] == "DNS"
    records = {r.name: r for r in plan.by_type(RECORD) if "-validation-" in r.name}
    assert set(records) == {"cdn-validation-shop-example-com", "cdn-validation-www-shop-example-com"}
    options = {o["domainName"]: o for o in cert.state["domainValidationOptions"]}
    record = records["cdn-validation-www-shop-example-com"]
    assert record.inputs["zoneId"] == "Z0123456789ABCDEFGHIJ"
    assert record.inputs["name"] == options["www.shop.example.com"]["resourceRecordName"]
    assert record.inputs["records"] == [options["www.shop.example.com"]["resourceRecordValue"]]
    assert record.inputs["type"] == "CNAME"
    validation = plan.one("aws:acm/certificateValidation:CertificateValidation")
    assert sorted(validation.inputs["validationRecordFqdns"]) == sorted(r.state["fqdn"] for r in records.values())
    assert all(validation.depends_on(r) for r in records.values())


def test_the_domain_and_aliases_point_at_the_distribution(plan):
    dist = plan.one(DISTRIBUTION)
    aliases = [r for r in plan.by_type(RECORD) if r.name.endswith(("-a", "-aaaa"))]
    assert sorted((r.inputs["name"], r.inputs["type"]) for r in aliases) == [
        ("shop.example.com", "A"), ("shop.example.com", "AAAA"),
        ("www.shop.example.com", "A"), ("www.shop.example.com", "AAAA")]
    for record in aliases:
        assert record.inputs["aliases"] == [{
            "name": dist.state["domainName"], "zoneId": "Z2FDTNDATAQYW2", "evaluateTargetHealth": False}]


def test_without_a_zone_the_first_deploy_finishes_on_the_default_domain():
    # Nothing would create the validation records, so nothing may wait for them: no
    # CertificateValidation, and the distribution must not reference the unissued certificate
    # (CloudFront refuses it). It serves *.cloudfront.net until the domain is attached.
    plan = synth(program(prod_args(hosted_zone_id=None)))
    assert not plan.by_type(RECORD)
    assert not plan.by_type("aws:acm/certificateValidation:CertificateValidation")
    cert = plan.one("aws:acm/certificate:Certificate")
    dist = plan.one(DISTRIBUTION)
    assert dist.inputs["viewerCertificate"] == {"cloudfrontDefaultCertificate": True, "minimumProtocolVersion": "TLSv1"}
    assert dist.inputs.get("aliases", []) == []
    assert cert.state["arn"] not in json.dumps(dist.inputs, default=str)
    outputs = plan.one("webstack:index:Cdn").component_outputs
    records = outputs["certificate_validation_records"]
    assert len(records) == 2 and {r["type"] for r in records} == {"CNAME"}
    assert outputs["custom_domain_attached"] is False
    assert outputs["url"] == "https://" + dist.state["domainName"]
    assert outputs["certificate_arn"] == cert.state["arn"]  # what the validation records are for


def test_once_the_records_exist_the_next_deploy_attaches_the_domain():
    plan = synth(program(prod_args(hosted_zone_id=None, certificate_validated=True)))
    assert not plan.by_type(RECORD)
    validation = plan.one("aws:acm/certificateValidation:CertificateValidation")
    assert "validationRecordFqdns" not in validation.inputs  # waits for the records the user created
    dist = plan.one(DISTRIBUTION)
    assert dist.inputs["aliases"] == ["shop.example.com", "www.shop.example.com"]
    assert dist.inputs["viewerCertificate"]["acmCertificateArn"] == validation.state["certificateArn"]
    assert dist.inputs["viewerCertificate"]["minimumProtocolVersion"] == "TLSv1.2_2021"
    outputs = plan.one("webstack:index:Cdn").component_outputs
    assert outputs["custom_domain_attached"] is True and outputs["url"] == "https://shop.example.com"


def test_a_given_certificate_is_used_as_is(lean):
    assert not lean.by_type("aws:acm/certificate:Certificate")
    assert lean.one(DISTRIBUTION).inputs["viewerCertificate"]["acmCertificateArn"] == (
        "arn:aws:acm:us-east-1:123456789012:certificate/0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0")


# -------------------------------------------------------------------------- security headers


def test_the_headers_policy_sends_every_security_header_and_overrides_the_origin(plan):
    policy = plan.one(HEADERS_POLICY)
    shc = policy.inputs["securityHeadersConfig"]
    assert shc["strictTransportSecurity"] == {
        "accessControlMaxAgeSec": 63072000, "includeSubdomains": True, "preload": True, "override": True}
    assert "frame-ancestors 'none'" in shc["contentSecurityPolicy"]["contentSecurityPolicy"]
    assert shc["contentSecurityPolicy"]["override"] is False  # the app owns the CSP: CloudFront only fills in
    assert shc["contentTypeOptions"] == {"override": True}
    assert shc["frameOptions"] == {"frameOption": "DENY", "override": True}
    assert shc["referrerPolicy"] == {"referrerPolicy": "strict-origin-when-cross-origin", "override": True}
    assert policy.inputs["customHeadersConfig"]["items"][0]["header"] == "Permissions-Policy"
    assert {i["header"] for i in policy.inputs["removeHeadersConfig"]["items"]} == {"Server", "X-Powered-By"}


def test_header_overrides_reach_the_policy():
    custom = SecurityHeaders(content_security_policy="default-src 'self'; frame-ancestors 'self'",
                             frame_options="SAMEORIGIN")
    plan = synth(program(prod_args(headers=custom, hosted_zone_id=None, aliases=[])))
    shc = plan.one(HEADERS_POLICY).inputs["securityHeadersConfig"]
    assert shc["contentSecurityPolicy"]["contentSecurityPolicy"] == "default-src 'self'; frame-ancestors 'self'"
    assert shc["frameOptions"]["frameOption"] == "SAMEORIGIN"
    assert shc["strictTransportSecurity"]["preload"] is False


# ---------------------------------------------------------------------------- cache classes


def test_each_path_pattern_uses_its_class_cache_policy(plan):
    dist = plan.one(DISTRIBUTION)
    policy_of = {p.id: p.name for p in plan.by_type(CACHE_POLICY)}
    ordered = {b["pathPattern"]: policy_of[b["cachePolicyId"]] for b in dist.inputs["orderedCacheBehaviors"]}
    assert ordered == {
        "/_next/static/*": "cdn-static", "/_app/immutable/*": "cdn-static", "/assets/*": "cdn-static",
        "/_next/image*": "cdn-images", "/images/*": "cdn-images",
        "/api/*": "cdn-api",
        "/favicon.ico": "cdn-public", "/robots.txt": "cdn-public", "/sitemap*.xml": "cdn-public",
        "/manifest.webmanifest": "cdn-public",
    }
    assert policy_of[dist.inputs["defaultCacheBehavior"]["cachePolicyId"]] == "cdn-html"


def ttl(plan, name):
    p = plan.get(name).inputs
    return p["minTtl"], p["defaultTtl"], p["maxTtl"]


def test_prod_ttls_per_class(plan):
    assert ttl(plan, "cdn-static") == (0, 31536000, 31536000)
    assert ttl(plan, "cdn-images") == (0, 604800, 604800)
    assert ttl(plan, "cdn-api") == (0, 0, 300)
    assert ttl(plan, "cdn-public") == (0, 86400, 86400)
    assert ttl(plan, "cdn-html") == (0, 0, 0)


def test_api_responses_are_keyed_on_credentials_so_per_user_responses_are_never_shared(plan):
    key = plan.get("cdn-api").inputs["parametersInCacheKeyAndForwardedToOrigin"]
    assert key["headersConfig"] == {"headerBehavior": "whitelist", "headers": {"items": ["Authorization"]}}
    assert key["cookiesConfig"] == {"cookieBehavior": "all"}
    assert key["queryStringsConfig"] == {"queryStringBehavior": "all"}


def test_images_are_keyed_on_query_and_accept(plan):
    key = plan.get("cdn-images").inputs["parametersInCacheKeyAndForwardedToOrigin"]
    assert key["headersConfig"]["headers"]["items"] == ["Accept"]
    assert key["queryStringsConfig"] == {"queryStringBehavior": "all"}
    assert key["cookiesConfig"] == {"cookieBehavior": "none"}
    assert key["enableAcceptEncodingBrotli"] is True and key["enableAcceptEncodingGzip"] is True


def test_html_is_not_cached_and_the_viewer_request_reaches_the_origin(plan):
    key = plan.get("cdn-html").inputs["parametersInCacheKeyAndForwardedToOrigin"]
    # CloudFront refuses key parameters and compression flags when caching is disabled.
    assert key["headersConfig"] == {"headerBehavior": "none"}
    assert key["cookiesConfig"] == {"cookieBehavior": "none"}
    assert key["enableAcceptEncodingGzip"] is False
    default = plan.one(DISTRIBUTION).inputs["defaultCacheBehavior"]
    assert default["originRequestPolicyId"] == ALL_VIEWER_EXCEPT_HOST_ID
    assert default["allowedMethods"] == c.ALL_METHODS
    assert default["cachedMethods"] == ["GET", "HEAD"]


def test_only_dynamic_classes_forward_the_viewer_request(plan):
    dist = plan.one(DISTRIBUTION)
    for b in dist.inputs["orderedCacheBehaviors"]:
        forwards = "originRequestPolicyId" in b
        assert forwards == (b["pathPattern"] == "/api/*"), b["pathPattern"]
        assert b["allowedMethods"] == (c.ALL_METHODS if forwards else ["GET", "HEAD", "OPTIONS"])


def test_cache_key_disables_parameters_when_a_class_never_caches():
    off = c.PathClass("api", ("/api/*",), 0, 0, 0, tuple(c.ALL_METHODS), key_headers=("Authorization",),
                      key_query=True, key_cookies=True)
    assert c.cache_key(off) == {
        "headers_config": {"header_behavior": "none"},
        "cookies_config": {"cookie_behavior": "none"},
        "query_strings_config": {"query_string_behavior": "none"},
        "enable_accept_encoding_gzip": False,
        "enable_accept_encoding_brotli": False,
    }


def test_path_classes_follow_the_args_and_end_with_html():
    args = prod_args(static_paths=["/static/*"], public_paths=[], api_ttl_seconds=60)
    classes = c.path_classes(args)
    assert [pc.name for pc in classes] == ["static", "images", "api", "html"]
    assert classes[0].paths == ("/static/*",)
    assert (classes[2].default_ttl, classes[2].max_ttl) == (0, 60)
    assert classes[-1].paths == ("*",)


# ------------------------------------------------------------------------------------- WAF


def test_the_web_acl_is_cloudfront_scoped_with_managed_rules_and_the_api_rate_limit(plan):
    acl = plan.one(WEB_ACL)
    assert acl.inputs["scope"] == "CLOUDFRONT"
    assert acl.inputs["defaultAction"] == {"allow": {}}
    rules = {r["name"]: r for r in acl.inputs["rules"]}
    assert set(rules) == {"api-rate-limit", "AWSManagedRulesAmazonIpReputationList",
                          "AWSManagedRulesCommonRuleSet", "AWSManagedRulesKnownBadInputsRuleSet"}
    rate = rules["api-rate-limit"]
    assert rate["action"] == {"block": {"customResponse": {"responseCode": 429}}}
    statement = rate["statement"]["rateBasedStatement"]
    assert statement["limit"] == 50
    assert statement["evaluationWindowSec"] == 60
    assert statement["aggregateKeyType"] == "IP"
    match = statement["scopeDownStatement"]["byteMatchStatement"]
    assert (match["positionalConstraint"], match["searchString"]) == ("STARTS_WITH", "/api/")
    assert match["fieldToMatch"] == {"uriPath": {}}
    for group in ("AWSManagedRulesCommonRuleSet", "AWSManagedRulesKnownBadInputsRuleSet"):
        statement = rules[group]["statement"]["managedRuleGroupStatement"]
        assert (statement["vendorName"], statement["name"]) == ("AWS", group)
        assert rules[group]["overrideAction"] == {"none": {}}
    assert len({r["priority"] for r in acl.inputs["rules"]}) == 4
    assert all(r["visibilityConfig"]["cloudwatchMetricsEnabled"] for r in acl.inputs["rules"])
    dist = plan.one(DISTRIBUTION)
    assert dist.inputs["webAclId"] == acl.state["arn"]


def test_several_api_prefixes_are_matched_with_an_or_statement():
    plan = synth(program(prod_args(api_paths=["/api/*", "/graphql*"], hosted_zone_id=None, aliases=[])))
    scope = plan.one(WEB_ACL).inputs["rules"][0]["statement"]["rateBasedStatement"]["scopeDownStatement"]
    assert [s["byteMatchStatement"]["searchString"] for s in scope["orStatement"]["statements"]] == ["/api/", "/graphql"]


def test_the_core_rule_set_counts_oversized_bodies_instead_of_blocking_them(plan):
    # SizeRestrictions_BODY blocks every body over 8 KB: uploads, large JSON, server actions.
    rules = {r["name"]: r for r in plan.one(WEB_ACL).inputs["rules"]}
    crs = rules["AWSManagedRulesCommonRuleSet"]["statement"]["managedRuleGroupStatement"]
    assert crs["ruleActionOverrides"] == [{"name": "SizeRestrictions_BODY", "actionToUse": {"count": {}}}]
    others = [r for name, r in rules.items() if name != "AWSManagedRulesCommonRuleSet" and "statement" in r]
    assert not [r for r in others if "ruleActionOverrides" in (r["statement"].get("managedRuleGroupStatement") or {})]
    strict = synth(program(prod_args(waf_count_rules=[], hosted_zone_id=None, aliases=[])))
    rules = {r["name"]: r for r in strict.one(WEB_ACL).inputs["rules"]}
    assert "ruleActionOverrides" not in rules["AWSManagedRulesCommonRuleSet"]["statement"]["managedRuleGroupStatement"]


def test_the_common_rule_set_names_are_the_documented_22():
    assert len(set(waf.COMMON_RULE_SET_RULES)) == 22
    assert set(waf.DEFAULT_COUNT_RULES) <= set(waf.COMMON_RULE_SET_RULES)


def test_the_web_acl_logs_to_its_own_encrypted_group_with_credentials_redacted(plan):
    acl = plan.one(WEB_ACL)
    group = plan.one("aws:cloudwatch/logGroup:LogGroup")
    assert group.inputs["name"] == "aws-waf-logs-webstack-test-cdn"
    assert group.inputs["retentionInDays"] == 365
    key = plan.one("aws:kms/key:Key")
    assert group.inputs["kmsKeyId"] == key.state["arn"]
    statement = {s["Sid"]: s for s in json.loads(key.inputs["policy"])["Statement"]}["CloudWatchLogsEncryptsWafLogs"]
    assert statement["Principal"] == {"Service": "logs.us-east-1.amazonaws.com"}
    assert statement["Condition"]["ArnLike"] == {"kms:EncryptionContext:aws:logs:arn":
                                                 "arn:aws:logs:us-east-1:123456789012:log-group:"
                                                 "aws-waf-logs-webstack-test-cdn"}
    logging = plan.one("aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration")
    assert logging.inputs["resourceArn"] == acl.state["arn"]
    assert logging.inputs["logDestinationConfigs"] == [group.state["arn"]]
    assert logging.inputs["redactedFields"] == [{"singleHeader": {"name": "authorization"}},
                                                {"singleHeader": {"name": "cookie"}}]
    policy = plan.one("aws:cloudwatch/logResourcePolicy:LogResourcePolicy")
    assert policy.inputs["policyName"] == "webstack-test-cdn-waf-logs"
    (grant,) = json.loads(policy.inputs["policyDocument"])["Statement"]
    assert grant["Principal"] == {"Service": "delivery.logs.amazonaws.com"}
    assert grant["Resource"] == group.state["arn"] + ":*"
    assert grant["Condition"] == {"StringEquals": {"aws:SourceAccount": "123456789012"},
                                  "ArnLike": {"aws:SourceArn": "arn:aws:logs:us-east-1:123456789012:*"}}
    # WAF checks the delivery permissions when logging is switched on: the policy comes first.
    assert logging.depends_on(policy)


def test_waf_logging_can_be_off_and_needs_no_log_bucket():
    plan = synth(program(prod_args(waf_logging=False, hosted_zone_id=None, aliases=[])))
    assert not plan.by_type("aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration")
    assert not plan.by_type("aws:cloudwatch/logGroup:LogGroup")
    only_waf = synth(program(prod_args(access_logs=False, hosted_zone_id=None, aliases=[])))
    assert not only_waf.by_type("aws:s3/bucket:Bucket")
    key = only_waf.one("aws:kms/key:Key")
    assert {s["Sid"] for s in json.loads(key.inputs["policy"])["Statement"]} == {
        "AccountAdministers", "CloudWatchLogsEncryptsWafLogs"}
    assert only_waf.one("webstack:index:Cdn").component_outputs["waf_log_group_name"] == (
        "aws-waf-logs-webstack-test-cdn")


def test_without_waf_there_is_no_web_acl(lean):
    assert not lean.by_type(WEB_ACL)
    assert "webAclId" not in lean.one(DISTRIBUTION).inputs
    assert lean.one("webstack:index:Cdn").component_outputs.get("web_acl_arn") is None


# ------------------------------------------------------------------------------ access logs


def test_the_log_bucket_is_private_encrypted_tls_only_and_expires_logs(plan):
    bucket = plan.one("aws:s3/bucket:Bucket")

    def attached(type_):
        (res,) = [r for r in plan.by_type(type_) if r.inputs["bucket"] == bucket.id]
        return res

    assert attached("aws:s3/bucketOwnershipControls:BucketOwnershipControls").inputs["rule"] == {
        "objectOwnership": "BucketOwnerEnforced"}
    block = attached("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock").inputs
    assert all(block[k] is True for k in ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls",
                                          "restrictPublicBuckets"))
    key = plan.one("aws:kms/key:Key")
    assert key.inputs["enableKeyRotation"] is True
    sse = attached("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration")
    assert sse.inputs["rules"][0]["applyServerSideEncryptionByDefault"] == {
        "sseAlgorithm": "aws:kms", "kmsMasterKeyId": key.state["arn"]}
    life = attached("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration").inputs["rules"][0]
    assert life["expiration"] == {"days": 365} and life["status"] == "Enabled"
    policy = json.loads(attached("aws:s3/bucketPolicy:BucketPolicy").inputs["policy"])
    by_sid = {s["Sid"]: s for s in policy["Statement"]}
    deny = by_sid["DenyInsecureTransport"]
    assert deny["Effect"] == "Deny" and deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    # s3:ListBucket next to GetBucketAcl: without it log delivery's checks show as AccessDenied in CloudTrail
    assert by_sid["LogDeliveryAclCheck"]["Action"] == ["s3:GetBucketAcl", "s3:ListBucket"]
    write = by_sid["LogDeliveryWrite"]
    assert write["Principal"] == {"Service": "delivery.logs.amazonaws.com"}
    assert write["Action"] == "s3:PutObject"
    assert write["Condition"]["StringEquals"]["aws:SourceAccount"] == "123456789012"
    assert write["Condition"]["ArnLike"]["aws:SourceArn"] == "arn:aws:logs:us-east-1:123456789012:delivery-source:*"
    assert {s["Effect"] for s in policy["Statement"] if s["Sid"] != "DenyInsecureTransport"} == {"Allow"}
    key_policy = json.loads(key.inputs["policy"])
    assert {s["Sid"] for s in key_policy["Statement"]} == {"AccountAdministers", "LogDeliveryEncrypts",
                                                           "CloudWatchLogsEncryptsWafLogs"}


def test_access_logs_are_delivered_v2_from_the_distribution_to_the_bucket(plan):
    dist = plan.one(DISTRIBUTION)
    source = plan.one("aws:cloudwatch/logDeliverySource:LogDeliverySource")
    destination = plan.one("aws:cloudwatch/logDeliveryDestination:LogDeliveryDestination")
    delivery = plan.one("aws:cloudwatch/logDelivery:LogDelivery")
    assert source.inputs["logType"] == "ACCESS_LOGS"
    assert source.inputs["resourceArn"] == dist.state["arn"]
    assert source.inputs["name"] == "webstack-test-cdn-access-logs"
    assert destination.inputs["deliveryDestinationConfiguration"] == {
        "destinationResourceArn": plan.one("aws:s3/bucket:Bucket").state["arn"]}
    assert delivery.inputs["deliverySourceName"] == source.inputs["name"]
    assert delivery.inputs["deliveryDestinationArn"] == destination.state["arn"]
    assert delivery.depends_on(source) and delivery.depends_on(destination)
    assert "loggingConfig" not in dist.inputs
    # Log delivery writes its own statement into a bucket whose policy does not grant it yet
    # (and a concurrent put of ours would then be overwritten, or overwrite it): the
    # destination is created once the bucket policy is in place.
    assert destination.depends_on(plan.one("aws:s3/bucketPolicy:BucketPolicy"))


def test_without_access_logs_there_is_no_bucket(lean):
    assert not lean.by_type("aws:s3/bucket:Bucket")
    assert not lean.by_type("aws:cloudwatch/logDeliverySource:LogDeliverySource")
    assert lean.one("webstack:index:Cdn").component_outputs.get("log_bucket_name") is None


# ----------------------------------------------------------------------------- pure helpers


def test_helpers():
    assert c.api_prefixes(["/api/*", "/api/*", "/rpc"]) == ["/api/", "/rpc"]
    assert c.validation_names(["example.com", "*.example.com", "www.example.org"]) == ["example.com", "www.example.org"]
    assert c.physical_name("webstack", "prod", "cdn", "access logs", limit=60) == "webstack-prod-cdn-access-logs"
    assert len(c.physical_name("x" * 80, limit=60)) == 60
    assert c.comment("short") == "short"
    long = c.comment("a" * 60 + "." + "b" * 120)
    assert len(long) == 128 and long.endswith("...")


def test_comments_fit_cloudfronts_128_characters():
    domain = "a" * 60 + "." + "b" * 60 + ".example.com"
    plan = synth(program(prod_args(domain=domain, origin_domain="origin.example.com", aliases=[],
                                   hosted_zone_id=None, certificate_arn=CERT)))
    for res in [plan.one(HEADERS_POLICY), plan.one(DISTRIBUTION), *plan.by_type(CACHE_POLICY)]:
        assert len(res.inputs["comment"]) <= 128, res.name


# ------------------------------------------------------------------------------- validation


@pytest.mark.parametrize(
    "overrides, field, allowed",
    [
        ({"domain": "https://shop.example.com"}, "cdn.domain", "lower-case DNS name"),
        ({"domain": "Shop.Example.com"}, "cdn.domain", "lower-case DNS name"),
        ({"domain": "a" * 60 + ".example.com"}, "cdn.domain", "at most 64 characters"),
        ({"aliases": ["www..example.com"]}, "cdn.aliases", "lower-case DNS name"),
        ({"aliases": ["shop.example.com"]}, "cdn.aliases", "must not repeat"),
        ({"origin_domain": "shop.example.com"}, "cdn.origin_domain", "fetch from itself"),
        ({"origin_domain": "origin.example.com/path"}, "cdn.origin_domain", "host name"),
        ({"origin_headers": {"Host": "x"}}, "cdn.origin_headers", "may add to origin requests"),
        ({"origin_headers": {"X-Amz-Thing": "x"}}, "cdn.origin_headers", "may add to origin requests"),
        # CloudFront's list of custom headers it cannot add to origin requests (developer guide,
        # "Custom headers that CloudFront can't add to origin requests"): each fails CreateDistribution.
        ({"origin_headers": {"Cache-Control": "x"}}, "cdn.origin_headers", "may add to origin requests"),
        ({"origin_headers": {"Range": "x"}}, "cdn.origin_headers", "may add to origin requests"),
        ({"origin_headers": {"Via": "x"}}, "cdn.origin_headers", "may add to origin requests"),
        ({"origin_headers": {"X-Real-IP": "x"}}, "cdn.origin_headers", "may add to origin requests"),
        ({"origin_headers": {"If-None-Match": "x"}}, "cdn.origin_headers", "may add to origin requests"),
        ({"origin_headers": {"Transfer-Encoding": "x"}}, "cdn.origin_headers", "may add to origin requests"),
        ({"certificate_arn": "arn:aws:acm:eu-west-1:123456789012:certificate/0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0"},
         "cdn.certificate_arn", "in us-east-1"),
        ({"hosted_zone_id": "example.com"}, "cdn.hosted_zone_id", "hosted zone id"),
        ({"price_class": "PriceClass_Cheap"}, "cdn.price_class", "must be one of"),
        ({"minimum_protocol_version": "TLSv1"}, "cdn.minimum_protocol_version", "must be one of"),
        ({"minimum_protocol_version": "TLSv1.2_2019"}, "cdn.minimum_protocol_version", "must be one of"),
        ({"static_ttl_seconds": -1}, "cdn.static_ttl_seconds", "between 0 and 31536000"),
        ({"html_ttl_seconds": 31536001}, "cdn.html_ttl_seconds", "between 0 and 31536000"),
        ({"public_paths": ["/assets/*"]}, "cdn.public_paths", "already in static_paths"),
        ({"image_paths": ["images/*"]}, "cdn.image_paths", "starting with '/'"),
        ({"api_paths": []}, "cdn.api_paths", "at least one"),
        ({"public_paths": [f"/p{i}" for i in range(20)]}, "cdn.paths", "at most 25"),
        ({"waf": False}, "cdn.api_rate_limit_per_minute", "needs waf=True"),
        ({"api_rate_limit_per_minute": 5}, "cdn.api_rate_limit_per_minute", "between 10 and"),
        ({"api_paths": ["/v*/api/*"]}, "cdn.api_paths", "only at the end"),
        ({"log_retention_days": 0}, "cdn.log_retention_days", "must be a CloudWatch Logs retention"),
        ({"log_retention_days": 100}, "cdn.log_retention_days", "must be a CloudWatch Logs retention"),
        ({"waf_count_rules": ["SizeRestrictions_Body"]}, "cdn.waf_count_rules", "must name a rule of"),
        ({"certificate_validated": True}, "cdn.certificate_validated", "only applies to a requested certificate"),
        ({"certificate_validated": True, "hosted_zone_id": None, "certificate_arn": CERT},
         "cdn.certificate_validated", "only applies"),
        ({"waf_count_rules": ["SizeRestrictions_BODY"] * 2}, "cdn.waf_count_rules", "must not repeat"),
        ({"origin_shield_region": "Ireland"}, "cdn.origin_shield_region", "AWS region"),
        ({"origin_read_timeout_seconds": 0}, "cdn.origin_read_timeout_seconds", "between 1 and 180"),
        ({"headers": {"content_security_policy": ""}}, "cdn.headers", "SecurityHeaders"),
    ],
)
def test_bad_args_are_refused_before_anything_is_registered(overrides, field, allowed):
    assert_args_error(lambda: prod_args(**overrides), field, allowed)
