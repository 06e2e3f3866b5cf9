"""Specification of the request path as the stack program wires it, for both app platforms in
every tier: users -> CDN (TLS, headers, WAF) -> app tier origin -> data tier."""

from __future__ import annotations

import json

import pytest

from infra.presets import CANARY_STEPS
from pulumi_webstack_cli.check import check_plan
from infra.config import ConfigError, parse
from pulumi_webstack_cli.engine import Secret
from tests.conftest import cached_plan
from tests.helpers import KUBERNETES, SHOP_IMAGE, on_kubernetes

PLATFORMS = {"vercel": None, "kubernetes": KUBERNETES}
DISTRIBUTION = "aws:cloudfront/distribution:Distribution"
HEADERS_POLICY = "aws:cloudfront/responseHeadersPolicy:ResponseHeadersPolicy"
DOMAINS = {"dev": "dev.shop.example.com", "staging": "staging.shop.example.com", "prod": "shop.example.com"}
EDGE_POLICIES = ("cloudfront-", "vercel-", "kubernetes-", "content-security-policy-")


@pytest.fixture(params=[(s, p) for s in ("dev", "staging", "prod") for p in PLATFORMS], ids=lambda sp: "-".join(sp))
def edge(request):
    stack, platform = request.param
    return stack, platform, cached_plan(stack, PLATFORMS[platform])


def behaviors(dist):
    return [dist.inputs["defaultCacheBehavior"], *dist.inputs["orderedCacheBehaviors"]]


# ------------------------------------------------------------------- every behavior, every tier


def test_every_cache_behavior_of_every_distribution_carries_the_headers_policy_and_tls(edge):
    stack, _, plan = edge
    distributions = plan.by_type(DISTRIBUTION)
    assert distributions
    policies = {p.id for p in plan.by_type(HEADERS_POLICY)}
    for dist in distributions:
        if stack == "dev":  # no zone, records not confirmed: the first-deploy state (README)
            assert dist.inputs["viewerCertificate"] == {"cloudfrontDefaultCertificate": True,
                                                        "minimumProtocolVersion": "TLSv1"}
            assert not dist.inputs.get("aliases")
        else:
            assert dist.inputs["viewerCertificate"]["minimumProtocolVersion"] in ("TLSv1.2_2021", "TLSv1.2_2025",
                                                                                  "TLSv1.3_2025")
            assert dist.inputs["viewerCertificate"]["sslSupportMethod"] == "sni-only"
            assert dist.inputs["viewerCertificate"]["acmCertificateArn"].startswith("arn:aws:acm:us-east-1:")
            assert dist.inputs["aliases"] == [DOMAINS[stack]]
        for behavior in behaviors(dist):
            assert behavior["responseHeadersPolicyId"] in policies
            assert behavior["viewerProtocolPolicy"] == "redirect-to-https"
        for origin in dist.inputs["origins"]:
            assert origin["customOriginConfig"]["originProtocolPolicy"] == "https-only"
            assert origin["customOriginConfig"]["originSslProtocols"] == ["TLSv1.2"]


def test_hsts_is_a_year_everywhere_and_preloaded_in_prod(edge):
    stack, _, plan = edge
    hsts = plan.one(HEADERS_POLICY).inputs["securityHeadersConfig"]["strictTransportSecurity"]
    assert hsts["accessControlMaxAgeSec"] >= 31536000
    assert hsts["includeSubdomains"] is True
    assert hsts["preload"] is (stack == "prod")


def test_the_policy_pack_finds_nothing_wrong_on_the_edge(edge):
    stack, _, plan = edge
    report = check_plan(plan)
    found = [(v.policy, v.level) for v in report.violations if v.policy.startswith(EDGE_POLICIES)]
    # dev runs without WAF by design (tier table), and its stack file is in the first-deploy
    # state (no zone, certificate not confirmed): the pack flags both as advisory only.
    assert found == ([("cloudfront-custom-domain", "advisory"), ("cloudfront-waf", "advisory")]
                     if stack == "dev" else [])
    assert not [v for v in report.unverified if v.policy.startswith(EDGE_POLICIES)]


CDN_OWNED_CSP = ("default-src 'self'; script-src 'self'; object-src 'none'; base-uri 'self'; "
                 "frame-ancestors 'none'")


def origin_csp(plan) -> list[str]:
    """The CSP values the origin-side layers send (Vercel route, Ingress headers ConfigMap)."""
    out = []
    for route in plan.by_type("vercel:index/projectRoute:ProjectRoute"):
        out += [v for k, v in route.inputs["route"]["headers"].items() if k == "Content-Security-Policy"]
    for cm in plan.by_type("kubernetes:core/v1:ConfigMap"):
        out += [v for k, v in (cm.inputs.get("data") or {}).items() if k == "Content-Security-Policy"]
    return out


@pytest.mark.parametrize("platform", PLATFORMS)
def test_the_csp_owner_decides_which_layers_send_the_csp(platform):
    # app (default): the app's nonce-based CSP wins; CloudFront only fills in, the origin layers send none.
    plan = cached_plan("prod", PLATFORMS[platform])
    csp = plan.one(HEADERS_POLICY).inputs["securityHeadersConfig"]["contentSecurityPolicy"]
    assert csp["override"] is False and "'unsafe-inline'" in csp["contentSecurityPolicy"]
    assert origin_csp(plan) == []
    # cdn: one static policy, sent by every layer, and CloudFront overrides the app's.
    headers = {"webstack:cdn": {"certificateValidated": True,
                                "headers": {"cspOwner": "cdn", "contentSecurityPolicy": CDN_OWNED_CSP}}}
    plan = cached_plan("prod", {**(PLATFORMS[platform] or {}), **headers})
    csp = plan.one(HEADERS_POLICY).inputs["securityHeadersConfig"]["contentSecurityPolicy"]
    assert csp == {"contentSecurityPolicy": CDN_OWNED_CSP, "override": True}
    assert origin_csp(plan) == [CDN_OWNED_CSP]
    assert not [v for v in check_plan(plan).violations if v.policy.startswith(EDGE_POLICIES)]


def test_a_weak_cdn_owned_csp_fails_the_prod_check():
    weak = {"webstack:cdn": {"certificateValidated": True, "headers": {"cspOwner": "cdn", "contentSecurityPolicy":
                                "default-src *; script-src * 'unsafe-inline' 'unsafe-eval'"}}}
    report = check_plan(cached_plan("prod", weak))
    found = {(v.policy, v.level) for v in report.violations}
    assert ("content-security-policy-strength", "mandatory") in found


def test_cdn_resources_live_in_us_east_1(edge):
    _, _, plan = edge
    provider = plan.one("pulumi:providers:aws", "aws-us-east-1")
    cdn = plan.one("webstack:index:Cdn", "cdn")
    for res in plan.descendants(cdn):
        if res.type.startswith("aws:"):
            assert res.provider_urn == provider.urn, res.name


# --------------------------------------------------------------------- CDN -> app tier origin


def test_the_cdn_fetches_from_the_app_tiers_origin_with_its_secret_header(edge):
    stack, platform, plan = edge
    app = plan.one(f"webstack:index:{'VercelApp' if platform == 'vercel' else 'KubernetesApp'}", "app")
    (origin,) = plan.one(DISTRIBUTION).inputs["origins"]
    assert origin["domainName"] == app.component_outputs["origin_domain"] == f"origin.{DOMAINS[stack]}"
    (header,) = origin["customHeaders"]
    secret = plan.one("random:index/randomPassword:RandomPassword", "app-origin-secret")
    assert header["name"] == "X-Origin-Verify"
    assert isinstance(header["value"], Secret)
    assert header["value"].value == secret.state["result"].value
    assert plan.one(DISTRIBUTION).inputs.get("aliases", []) == ([] if stack == "dev" else [DOMAINS[stack]])


def test_the_vercel_project_serves_the_origin_host_and_enforces_the_origin_secret():
    plan = cached_plan("prod")
    domain = plan.one("vercel:index/projectDomain:ProjectDomain")
    assert domain.inputs["domain"] == "origin.shop.example.com"
    secret = plan.one("random:index/randomPassword:RandomPassword", "app-origin-secret").state["result"].value
    rules = plan.one("vercel:index/firewallConfig:FirewallConfig").inputs["rules"]["rules"]
    lock = next(r for r in rules if r["name"] == "cdn-only")
    assert lock["conditionGroups"][1]["conditions"][0]["value"].value == secret


def test_the_viewer_security_policy_is_configurable_but_never_below_tls_1_2():
    plan = cached_plan("staging", {"webstack:cdn": {"certificateValidated": True,
                                                    "minimumProtocolVersion": "TLSv1.3_2025"}})
    assert plan.one(DISTRIBUTION).inputs["viewerCertificate"]["minimumProtocolVersion"] == "TLSv1.3_2025"
    assert any('webstack:cdn.minimumProtocolVersion = "TLSv1": must be one of' in p
               for p in problems("prod", {"cdn": {"minimumProtocolVersion": "TLSv1"}}))


def test_on_kubernetes_the_cdn_sits_in_front_of_the_ingress():
    plan = cached_plan("prod", KUBERNETES)
    ingress = plan.one("kubernetes:networking.k8s.io/v1:Ingress")
    (origin,) = plan.one(DISTRIBUTION).inputs["origins"]
    assert ingress.inputs["spec"]["rules"][0]["host"] == origin["domainName"]
    assert ingress.inputs["spec"]["tls"][0]["hosts"] == [origin["domainName"]]
    assert not [r for r in plan if r.type.startswith("vercel:")]


def test_synth_prod_shows_distribution_headers_policy_waf_and_the_vercel_project():
    plan = cached_plan("prod")
    for type_ in (DISTRIBUTION, HEADERS_POLICY, "aws:wafv2/webAcl:WebAcl", "vercel:index/project:Project"):
        assert len(plan.by_type(type_)) == 1, type_
    assert not [r for r in plan if r.type.startswith("kubernetes:")]
    k8s = cached_plan("prod", KUBERNETES)
    for type_ in ("kubernetes:apps/v1:Deployment", "kubernetes:core/v1:Service",
                  "kubernetes:autoscaling/v2:HorizontalPodAutoscaler", "kubernetes:policy/v1:PodDisruptionBudget",
                  "kubernetes:networking.k8s.io/v1:Ingress", "kubernetes:networking.k8s.io/v1:NetworkPolicy"):
        assert k8s.by_type(type_), type_
    for type_ in (DISTRIBUTION, HEADERS_POLICY, "aws:wafv2/webAcl:WebAcl"):
        assert len(k8s.by_type(type_)) == 1, type_


# ------------------------------------------------------------------------ tier differences


@pytest.mark.parametrize("stack, waf, rate", [("dev", False, None), ("staging", True, None), ("prod", True, 50)])
def test_waf_per_tier(stack, waf, rate):
    plan = cached_plan(stack)
    acls = plan.by_type("aws:wafv2/webAcl:WebAcl")
    assert bool(acls) is waf
    if waf:
        assert plan.one(DISTRIBUTION).inputs["webAclId"] == acls[0].state["arn"]
        limits = [r for r in acls[0].inputs["rules"] if r["name"] == "api-rate-limit"]
        assert [r["statement"]["rateBasedStatement"]["limit"] for r in limits] == ([rate] if rate else [])
    else:
        assert "webAclId" not in plan.one(DISTRIBUTION).inputs


@pytest.mark.parametrize(
    "stack, static, images, api, public, html",
    [
        ("dev", 300, 300, 0, 0, 0),
        ("staging", 3600, 3600, 60, 3600, 0),
        ("prod", 31536000, 604800, 300, 86400, 0),
    ],
)
def test_cache_ttls_per_tier(stack, static, images, api, public, html):
    plan = cached_plan(stack)

    def max_ttl(name):
        return plan.get(f"cdn-{name}").inputs["maxTtl"]

    assert (max_ttl("static"), max_ttl("images"), max_ttl("api"), max_ttl("public"), max_ttl("html")) == (
        static, images, api, public, html)
    assert plan.get("cdn-api").inputs["defaultTtl"] == 0


def test_every_tier_writes_access_logs_to_its_locked_bucket(edge):
    stack, _, plan = edge
    source = plan.one("aws:cloudwatch/logDeliverySource:LogDeliverySource")
    assert source.inputs["resourceArn"] == plan.one(DISTRIBUTION).state["arn"]
    bucket = plan.one("webstack:index:Cdn").component_outputs["log_bucket_name"]
    assert plan.outputs["cdnLogBucketName"] == bucket
    days = {"dev": 14, "staging": 90, "prod": 365}[stack]
    life = plan.one("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", "cdn-logs")
    assert life.inputs["rules"][0]["expiration"] == {"days": days}


# ----------------------------------------------------------------------- app -> data tier


def data_endpoints(plan, stack):
    rds = {r.name: r for r in plan.by_type("aws:rds/instance:Instance")}
    proxy = plan.by_type("aws:rds/proxy:Proxy")
    cache = plan.one("aws:elasticache/replicationGroup:ReplicationGroup")
    host = proxy[0].state["endpoint"] if proxy else next(r for r in rds.values() if "replicateSourceDb" not in r.inputs
                                                          ).state["address"]
    return {
        "DATABASE_HOST": host,
        "DATABASE_NAME": "app",
        "REDIS_HOST": cache.state["primaryEndpointAddress"],
        "REDIS_READER_HOST": cache.state["readerEndpointAddress"],
        "REDIS_PORT": "6379",
        "DATABASE_PORT": "5432",
        "DATABASE_SECRET_ARN": plan.outputs["databaseSecretArn"],
        "REDIS_AUTH_SECRET_ARN": plan.outputs["cacheAuthSecretArn"],
    }


@pytest.mark.parametrize("stack", ["dev", "staging", "prod"])
def test_vercel_gets_the_data_tier_as_sensitive_secret_variables(stack):
    plan = cached_plan(stack)
    env = {r.inputs["key"]: r.inputs for r in plan.by_type("vercel:index/projectEnvironmentVariable:ProjectEnvironmentVariable")}
    for key, expected in data_endpoints(plan, stack).items():
        assert env[key]["sensitive"] is True
        assert isinstance(env[key]["value"], Secret)
        assert env[key]["value"].value == expected, key
    targets = {tuple(e["targets"]) for e in env.values()}
    assert targets == ({("production",)} if stack == "prod" else {("production", "preview")})


@pytest.mark.parametrize("stack", ["dev", "staging", "prod"])
def test_kubernetes_gets_the_data_tier_in_a_secret(stack):
    plan = cached_plan(stack, KUBERNETES)
    data = plan.one("kubernetes:core/v1:Secret").inputs["stringData"]
    assert isinstance(data, Secret)
    for key, expected in data_endpoints(plan, stack).items():
        assert data.value[key] == expected, key
    policy = plan.one("kubernetes:networking.k8s.io/v1:NetworkPolicy").inputs["spec"]
    # The data tier is in the cluster's VPC: egress goes to its range (as AWS reports it).
    assert policy["egress"][-1]["to"] == [{"ipBlock": {"cidr": "10.90.0.0/16"}}]


def test_pooled_tiers_connect_through_the_proxy():
    for stack in ("staging", "prod"):
        plan = cached_plan(stack)
        env = {r.inputs["key"]: r.inputs for r in plan.by_type(
            "vercel:index/projectEnvironmentVariable:ProjectEnvironmentVariable")}
        assert ".proxy-" in env["DATABASE_HOST"]["value"].value


@pytest.mark.parametrize("stack, replicas", [("dev", (1, 1)), ("staging", (2, 2)), ("prod", (2, 20))])
def test_kubernetes_replicas_per_tier(stack, replicas):
    plan = cached_plan(stack, KUBERNETES)
    spec = plan.one("kubernetes:autoscaling/v2:HorizontalPodAutoscaler").inputs["spec"]
    assert (spec["minReplicas"], spec["maxReplicas"]) == replicas
    assert spec["metrics"][0]["resource"]["target"]["averageUtilization"] == 70
    assert plan.one("kubernetes:apps/v1:Deployment").inputs["spec"]["replicas"] == replicas[0]


@pytest.mark.parametrize("stack, canary", [("dev", False), ("staging", False), ("prod", True)])
def test_vercel_rolling_release_only_in_prod(stack, canary):
    releases = cached_plan(stack).by_type("vercel:index/projectRollingRelease:ProjectRollingRelease")
    assert bool(releases) is canary
    if canary:
        assert [s["targetPercentage"] for s in releases[0].inputs["stages"]] == CANARY_STEPS


def test_kubernetes_blue_green_and_canary_from_config():
    image = "ghcr.io/example/shop@sha256:" + "d" * 64
    bg = cached_plan("prod", on_kubernetes(rollout="blue-green", activeColor="green", colorImages={"green": image}))
    svc = next(s for s in bg.by_type("kubernetes:core/v1:Service") if s.inputs["metadata"]["name"] == "web")
    assert svc.inputs["spec"]["selector"]["webstack.io/color"] == "green"
    assert bg.outputs["kubernetesDeployment"] == "web-green"
    canary = cached_plan("prod", on_kubernetes(canaryImage=image, canaryWeight=25))
    ingress = next(i for i in canary.by_type("kubernetes:networking.k8s.io/v1:Ingress")
                   if i.inputs["metadata"]["name"] == "web-canary")
    assert ingress.inputs["metadata"]["annotations"]["nginx.ingress.kubernetes.io/canary-weight"] == "25"


# --------------------------------------------------------------------------------- outputs


def test_stack_outputs_name_the_edge_and_never_a_secret(edge):
    stack, platform, plan = edge
    out = plan.outputs
    assert out["appPlatform"] == platform
    assert out["cdnDistributionId"] == plan.one(DISTRIBUTION).id
    dist = plan.one(DISTRIBUTION)
    attached = stack != "dev"  # dev's stack file is in the first-deploy state
    assert out["cdnUrl"] == (f"https://{DOMAINS[stack]}" if attached else f"https://{dist.state['domainName']}")
    assert out["cdnCustomDomainAttached"] is attached
    assert out["appHealthUrl"] == f"https://origin.{DOMAINS[stack]}/api/health"
    assert ("cdnWebAclArn" in out) is (stack != "dev")
    secret = plan.one("random:index/randomPassword:RandomPassword", "app-origin-secret").state["result"].value
    assert secret not in json.dumps(out, default=str)
    if platform == "kubernetes":
        assert out["kubernetesHpa"] == "web"
        assert out["ingressControllerConfig"]["global-allowed-response-headers"].startswith("Strict-Transport-Security")
    else:
        assert out["vercelProjectId"] == plan.one("vercel:index/project:Project").id


# -------------------------------------------------------------------------- config errors


PROD_BASE = {"aws:region": "eu-west-1", "webstack:domain": "shop.example.com",
             "webstack:alerting": {"emails": ["oncall@example.com"]},
             "webstack:app": {"vercel": {"projectName": "shop"}}}


def problems(stack: str, raw: dict) -> list[str]:
    with pytest.raises(ConfigError) as err:
        parse(stack, {**PROD_BASE, **{f"webstack:{k}": v for k, v in raw.items()}})
    return [p.text for p in err.value.problems]


VERCEL_CANARY = {"projectName": "shop", "rollout": "canary"}
CANARY_IMAGE = "ghcr.io/x/y@sha256:" + "e" * 64


@pytest.mark.parametrize(
    "raw, expected",
    [
        ({"domain": "https://shop.example.com"}, 'webstack:domain = "https://shop.example.com": must be a lower-case DNS name'),
        ({"cdn": {"headers": {"contentSecurityPolicy": " "}}}, 'webstack:cdn.headers.contentSecurityPolicy = " ": must not be empty'),
        ({"app": {"vercel": {**VERCEL_CANARY, "canarySteps": [10, 5, 100]}}},
         "webstack:app.vercel.canarySteps = [10, 5, 100]: must be 2 to 10 strictly ascending"),
        ({"app": {"vercel": {**VERCEL_CANARY, "canarySteps": [5, 50]}}},
         "webstack:app.vercel.canarySteps = [5, 50]: must be 2 to 10 strictly ascending percentages ending at 100"),
        ({"app": {"platform": "kubernetes", "kubernetes": {"image": SHOP_IMAGE, "minInstances": 5, "maxInstances": 3}}},
         "webstack:app.kubernetes.minInstances = 5: must not exceed maxInstances (3)"),
        ({"app": {"platform": "kubernetes", "kubernetes": {"image": SHOP_IMAGE, "canaryImage": CANARY_IMAGE,
                                                          "canaryWeight": 7}}},
         "webstack:app.kubernetes.canaryWeight = 7: must be 0 or one of the canary steps [5, 10, 25, 50, 100]"),
        ({"app": {"platform": "kubernetes", "kubernetes": {"image": SHOP_IMAGE, "rollout": "direct",
                                                          "canaryImage": CANARY_IMAGE}}},
         'webstack:app.kubernetes.canaryImage = "' + CANARY_IMAGE + '": needs rollout \'canary\''),
        ({"app": {"platform": "kubernetes", "kubernetes": {"image": SHOP_IMAGE, "canaryWeight": 10}}},
         "webstack:app.kubernetes.canaryWeight = 10: needs canaryImage"),
        ({"app": {"platform": "kubernetes", "kubernetes": {"image": SHOP_IMAGE, "colorImages": {"green": "shop:latest"}}}},
         "must be pinned by digest"),
        ({"app": {"platform": "kubernetes", "kubernetes": {"image": SHOP_IMAGE, "colorImages": {"green": CANARY_IMAGE}}}},
         "only applies to rollout 'blue-green'"),
        ({"cdn": {"hostedZoneId": "example.com"}}, 'webstack:cdn.hostedZoneId = "example.com": must be a Route 53 hosted zone id'),
        ({"cdn": {"certificateArn": "arn:aws:acm:eu-west-1:123456789012:certificate/0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0"}},
         "webstack:cdn.certificateArn"),
        ({"cdn": {"logRetentionDays": 0}}, "webstack:cdn.logRetentionDays = 0: must be a CloudWatch Logs retention"),
        ({"app": {"vercel": {"projectName": "shop", "teamId": "My Team"}}}, 'webstack:app.vercel.teamId = "My Team"'),
        ({"app": {"vercel": {"projectName": "shop", "rollingReleaseAdvancement": "timed"}}},
         "webstack:app.vercel.rollingReleaseAdvancement"),
        ({"app": {"rollout": "canary"}}, "webstack:app.rollout: unknown key; the vercel settings go under app.vercel"),
        ({"app": {"vercel": {"projectName": "shop", "rollout": "blue-green"}}},
         'webstack:app.vercel.rollout = "blue-green": must be \'direct\' or \'canary\''),
    ],
)
def test_bad_edge_config_is_refused_with_key_value_and_rule(raw, expected):
    found = problems("prod", raw)
    assert any(expected in p for p in found), found


def test_component_validation_surfaces_through_the_stack_program():
    """A CSP directive name the header rules refuse is a config problem, before anything exists."""
    found = problems("prod", {"cdn": {"headers": {"contentSecurityPolicy": "Default-Src 'self'"}}})
    assert any(p.startswith("webstack:cdn.headers.contentSecurityPolicy = ") and "is not a CSP directive name" in p
               for p in found), found



# ------------------------------------------------------------------------ first deploy (item 2)


def test_a_first_prod_deploy_without_a_zone_finishes_and_is_not_blocked_by_the_pack():
    # No hostedZoneId and certificateValidated not set: nothing creates the validation records,
    # so nothing may wait for them, and CloudFront must not get the unissued certificate.
    plan = cached_plan("prod", {"webstack:cdn": {}})
    assert not plan.by_type("aws:acm/certificateValidation:CertificateValidation")
    dist = plan.one(DISTRIBUTION)
    assert dist.inputs["viewerCertificate"].get("cloudfrontDefaultCertificate") is True
    assert plan.outputs["cdnCustomDomainAttached"] is False
    assert len(plan.outputs["cdnCertificateValidationRecords"]) == 1  # what the user creates
    # The service-down check follows the distribution's own name meanwhile (the domain does
    # not point at it yet), so it does not page for the pending domain.
    health = plan.one("aws:route53/healthCheck:HealthCheck", "alerting-health")
    assert health.inputs["fqdn"] == dist.state["domainName"]
    # So do the canaries, from both regions (without demanding a TLS 1.0 refusal of that name).
    for region in ("eu-west-1", "us-east-1"):
        script = canary_script_of(plan, region)
        assert f'"host": "{dist.state["domainName"]}"' in script and '"refusedTls": []' in script
    report = check_plan(plan)
    assert report.mandatory == []
    assert [(v.policy, v.level) for v in report.violations] == [("cloudfront-custom-domain", "advisory")]


def test_the_second_deploy_attaches_the_domain_and_the_health_check_follows():
    plan = cached_plan("prod")  # the stack file sets certificateValidated: the records exist
    assert plan.one("aws:acm/certificateValidation:CertificateValidation")
    assert plan.one(DISTRIBUTION).inputs["aliases"] == ["shop.example.com"]
    assert plan.one("aws:route53/healthCheck:HealthCheck", "alerting-health").inputs["fqdn"] == "shop.example.com"
    for region in ("eu-west-1", "us-east-1"):
        assert '"host": "shop.example.com"' in canary_script_of(plan, region)


def canary_script_of(plan, region: str) -> str:
    source = plan.one("aws:s3/bucketObjectv2:BucketObjectv2", f"canary-{region}-script").inputs["source"]
    return source["assets"]["canary.js"]["text"]
