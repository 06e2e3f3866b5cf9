"""Security-header policies: a compliant baseline, then one field broken per case.

Resources are evaluated with ``pulumi_webstack_policies.runner``, i.e. through a protobuf Struct and the
analyzer's own ``deserialize_properties`` + ``unknown_checking_proxy``: the policies see
the read-only proxies and unknown sentinels the real analyzer passes.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from pulumi_policy import EnforcementLevel

from pulumi_webstack_policies import security_headers as sh
from pulumi_webstack_policies.runner import evaluate_policy, urn_for
from pulumi_webstack_policies.values import UNKNOWN
from tests.helpers import DELETE, mandatory, res, variant



# ------------------------------------------------------------------------- pure functions


def test_parse_hsts_reads_directives_case_insensitively():
    assert sh.parse_hsts("max-age=63072000; includeSubDomains; Preload") == (63072000, {"includesubdomains", "preload"})
    assert sh.parse_hsts("includeSubDomains") == (None, {"includesubdomains"})


def test_frame_ancestors_protects_only_without_wildcards():
    assert sh.frame_ancestors_protects("default-src 'self'; frame-ancestors 'none'")
    assert sh.frame_ancestors_protects("frame-ancestors 'self' https://admin.example.com")
    assert not sh.frame_ancestors_protects("frame-ancestors *")
    assert not sh.frame_ancestors_protects("frame-ancestors https:")
    assert not sh.frame_ancestors_protects("default-src 'self'")


STRONG_CSP = "default-src 'self'; object-src 'none'; base-uri 'self'; frame-ancestors 'none'"
GOOD_HEADERS = {
    "Strict-Transport-Security": "max-age=63072000; includeSubDomains; preload",
    "Content-Security-Policy": STRONG_CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "strict-origin-when-cross-origin",
}
CFG = {"hstsMinMaxAgeSeconds": 31536000, "requireHstsPreload": True,
       "forbiddenReferrerPolicies": ["unsafe-url", "no-referrer-when-downgrade"]}


def test_header_problems_baseline_is_clean():
    assert sh.header_problems(GOOD_HEADERS, CFG) == []


@pytest.mark.parametrize(
    "header,value,expected",
    [
        ("Strict-Transport-Security", "max-age=300; includeSubDomains; preload", "at least 31536000"),
        ("Strict-Transport-Security", "max-age=63072000; preload", "lacks includeSubDomains"),
        ("Strict-Transport-Security", "max-age=63072000; includeSubDomains", "lacks preload"),
        ("Strict-Transport-Security", None, "Strict-Transport-Security is missing"),
        ("Content-Security-Policy", "  ", "Content-Security-Policy is missing or empty"),
        ("X-Content-Type-Options", "sniff", "send 'nosniff'"),
        ("X-Frame-Options", "ALLOW-FROM https://x.example", "use DENY or SAMEORIGIN"),
        ("Referrer-Policy", "unsafe-url", "sends full URLs"),
        ("Referrer-Policy", "no-referrer, no-referrer-when-downgrade", "sends full URLs"),
        ("Referrer-Policy", None, "Referrer-Policy is missing"),
    ],
)
def test_header_problems_one_broken_header(header, value, expected):
    headers = dict(GOOD_HEADERS)
    if value is None:
        del headers[header]
    else:
        headers[header] = value
    problems = sh.header_problems(headers, CFG)
    assert len(problems) == 1 and expected in problems[0], problems


def test_framing_needs_xfo_or_frame_ancestors():
    no_xfo = {k: v for k, v in GOOD_HEADERS.items() if k != "X-Frame-Options"}
    assert sh.header_problems(no_xfo, CFG) == []  # CSP frame-ancestors 'none' protects
    no_framing = dict(no_xfo, **{"Content-Security-Policy": "default-src 'self'"})
    assert any("no framing protection" in p for p in sh.header_problems(no_framing, CFG))


def test_header_problems_respects_platform_subset_and_unknowns():
    alb = {k: v for k, v in GOOD_HEADERS.items() if k != "Referrer-Policy"}
    assert sh.header_problems(alb, CFG, required=[sh.HSTS, sh.CSP, sh.XCTO, sh.XFO]) == []
    assert sh.header_problems(dict(GOOD_HEADERS, **{"Strict-Transport-Security": UNKNOWN}), CFG) == []


def test_nginx_snippet_and_alb_attribute_parsing():
    snippet = (
        "more_set_headers \"Strict-Transport-Security: max-age=63072000; includeSubDomains\" 'X-Frame-Options: DENY';\n"
        "add_header Referrer-Policy \"same-origin\" always;\n"
    )
    assert sh.nginx_snippet_headers(snippet) == {
        "strict-transport-security": "max-age=63072000; includeSubDomains",
        "x-frame-options": "DENY",
        "referrer-policy": "same-origin",
    }
    attrs = ("routing.http.response.strict_transport_security.header_value=max-age=63072000; includeSubDomains,"
             "routing.http.response.content_security_policy.header_value=default-src 'self', https://cdn.example;"
             " frame-ancestors 'none',routing.http.response.server.enabled=false")
    parsed = sh.alb_listener_headers(attrs)
    assert parsed[sh.HSTS] == "max-age=63072000; includeSubDomains"
    assert parsed[sh.CSP] == "default-src 'self', https://cdn.example; frame-ancestors 'none'"
    assert sh.XCTO not in parsed


# ------------------------------------------------------- cloudfront-security-headers (resource)

RHP_TYPE = sh.RESPONSE_HEADERS_POLICY
RHP = {
    "name": "site-security-headers",
    "securityHeadersConfig": {
        "strictTransportSecurity": {"accessControlMaxAgeSec": 63072000, "includeSubdomains": True,
                                    "preload": True, "override": True},
        "contentSecurityPolicy": {"contentSecurityPolicy": STRONG_CSP, "override": True},
        "contentTypeOptions": {"override": True},
        "frameOptions": {"frameOption": "DENY", "override": True},
        "referrerPolicy": {"referrerPolicy": "strict-origin-when-cross-origin", "override": True},
    },
}
SHC = "securityHeadersConfig"
PROD = {"requireHstsPreload": True}


def rhp_diags(inputs, **cfg):
    return evaluate_policy(sh.cloudfront_security_headers, [res(RHP_TYPE, "headers", inputs)], cfg)


def test_response_headers_policy_baseline_passes_prod_config():
    assert rhp_diags(RHP, **PROD) == []


@pytest.mark.parametrize(
    "path,value,expected",
    [
        (f"{SHC}.strictTransportSecurity.accessControlMaxAgeSec", 300, "accessControlMaxAgeSec is 300"),
        (f"{SHC}.strictTransportSecurity.accessControlMaxAgeSec", 31535999, "at least 31536000"),
        (f"{SHC}.strictTransportSecurity.includeSubdomains", False, "lacks includeSubdomains=True"),
        (f"{SHC}.strictTransportSecurity.preload", False, "lacks preload=True"),
        (f"{SHC}.strictTransportSecurity.override", False, "strictTransportSecurity.override is False"),
        (f"{SHC}.contentTypeOptions.override", DELETE, "contentTypeOptions.override is None"),
        (f"{SHC}.frameOptions.override", False, "frameOptions.override is False"),
        (f"{SHC}.strictTransportSecurity", DELETE, "strictTransportSecurity is not set"),
        (f"{SHC}.contentSecurityPolicy.contentSecurityPolicy", "", "contentSecurityPolicy is empty"),
        (f"{SHC}.contentSecurityPolicy", DELETE, "contentSecurityPolicy is empty or missing"),
        (f"{SHC}.contentTypeOptions", DELETE, "contentTypeOptions is not set"),
        (f"{SHC}.frameOptions.frameOption", "ALLOWALL", "use 'DENY' or 'SAMEORIGIN'"),
        (f"{SHC}.referrerPolicy.referrerPolicy", "unsafe-url", "sends full URLs"),
        (f"{SHC}.referrerPolicy.referrerPolicy", "no-referrer-when-downgrade", "sends full URLs"),
        (f"{SHC}.referrerPolicy", DELETE, "referrerPolicy is missing"),
        (SHC, DELETE, "strictTransportSecurity is not set"),
    ],
)
def test_response_headers_policy_one_broken_field(path, value, expected):
    diags = rhp_diags(variant(RHP, path, value), **PROD)
    assert mandatory(diags), f"{path}={value!r} must violate"
    assert any(expected in d.message for d in diags), [d.message for d in diags]
    assert all("ResponseHeadersPolicy 'headers'" in d.message for d in diags)
    assert all(d.urn == urn_for(RHP_TYPE, "headers") for d in diags)


def test_preload_required_only_when_configured():
    no_preload = variant(RHP, f"{SHC}.strictTransportSecurity.preload", False)
    assert rhp_diags(no_preload) == []  # default (dev/staging): preload optional
    assert mandatory(rhp_diags(no_preload, requireHstsPreload=True))


def test_hsts_threshold_is_configurable():
    assert mandatory(rhp_diags(RHP, hstsMinMaxAgeSeconds=94608000))  # three years required
    short = variant(RHP, f"{SHC}.strictTransportSecurity.accessControlMaxAgeSec", 86400)
    assert rhp_diags(short, hstsMinMaxAgeSeconds=86400) == []


def test_frame_ancestors_replaces_frame_options():
    no_xfo = variant(RHP, f"{SHC}.frameOptions", DELETE)
    assert rhp_diags(no_xfo) == []
    no_framing = variant(no_xfo, f"{SHC}.contentSecurityPolicy.contentSecurityPolicy", "default-src 'self'")
    assert any("no framing protection" in d.message for d in mandatory(rhp_diags(no_framing)))


def test_override_requirement_can_be_relaxed():
    weak = variant(RHP, f"{SHC}.referrerPolicy.override", False)
    assert mandatory(rhp_diags(weak))
    assert rhp_diags(weak, requireOverride=False) == []


def test_unknown_value_is_unverifiable_not_a_violation_and_others_still_reported():
    unknown_age = variant(RHP, f"{SHC}.strictTransportSecurity.accessControlMaxAgeSec", UNKNOWN)
    diags = rhp_diags(unknown_age)
    assert [d.unverifiable for d in diags] == [True]
    assert diags[0].level == EnforcementLevel.ADVISORY
    assert "accessControlMaxAgeSec" in diags[0].message
    both = variant(unknown_age, f"{SHC}.referrerPolicy.referrerPolicy", "unsafe-url")
    diags = rhp_diags(both)
    assert len(mandatory(diags)) == 1 and any(d.unverifiable for d in diags)


def test_other_resource_types_are_ignored():
    diags = evaluate_policy(sh.cloudfront_security_headers, [res("aws:s3/bucket:Bucket", "b", {})])
    assert diags == []


# ------------------------------------------- cloudfront-behaviors-response-headers (stack)

DIST_TYPE = sh.DISTRIBUTION
RHP_ID = "rhp-0123"
DIST = {
    "defaultCacheBehavior": {"targetOriginId": "app", "viewerProtocolPolicy": "redirect-to-https",
                             "responseHeadersPolicyId": RHP_ID},
    "orderedCacheBehaviors": [
        {"pathPattern": "/_next/static/*", "targetOriginId": "app", "viewerProtocolPolicy": "redirect-to-https",
         "responseHeadersPolicyId": RHP_ID},
        {"pathPattern": "/api/*", "targetOriginId": "app", "viewerProtocolPolicy": "https-only",
         "responseHeadersPolicyId": RHP_ID},
    ],
}


def stack(dist_inputs, rhp_outputs=None, dist_kw=None):
    rhp = res(RHP_TYPE, "headers", RHP, dict(RHP, id=RHP_ID) if rhp_outputs is None else rhp_outputs)
    dist = res(DIST_TYPE, "cdn", dist_inputs, **(dist_kw or {}))
    return [rhp, dist]


def behavior_diags(resources, **cfg):
    return evaluate_policy(sh.cloudfront_behaviors_response_headers, resources, cfg)


def test_behaviors_baseline_passes():
    assert behavior_diags(stack(DIST)) == []


@pytest.mark.parametrize(
    "path,value,expected",
    [
        ("defaultCacheBehavior.responseHeadersPolicyId", DELETE, "defaultCacheBehavior has no responseHeadersPolicyId"),
        ("orderedCacheBehaviors.1.responseHeadersPolicyId", DELETE, "orderedCacheBehaviors.1 ('/api/*') has no"),
        ("orderedCacheBehaviors.0.responseHeadersPolicyId", "", "orderedCacheBehaviors.0 ('/_next/static/*') has no"),
        ("defaultCacheBehavior.responseHeadersPolicyId", "67f7725c-6f97-4210-82d7-5512b31e9d03",
         "is not a ResponseHeadersPolicy of this stack"),
    ],
)
def test_behaviors_one_broken_field(path, value, expected):
    diags = behavior_diags(stack(variant(DIST, path, value)))
    assert len(mandatory(diags)) == 1, diags
    assert expected in diags[0].message
    assert diags[0].urn == urn_for(DIST_TYPE, "cdn")
    assert "Distribution 'cdn'" in diags[0].message


def test_managed_policy_id_allowed_only_when_configured():
    managed = variant(DIST, "defaultCacheBehavior.responseHeadersPolicyId", "67f7725c-6f97-4210-82d7-5512b31e9d03")
    assert mandatory(behavior_diags(stack(managed)))
    assert behavior_diags(stack(managed), allowedResponseHeadersPolicyIds=["67f7725c-6f97-4210-82d7-5512b31e9d03"]) == []


def test_unknown_policy_id_resolved_through_property_dependencies():
    """Preview: the id of a policy being created is unknown; the engine's property deps link it."""
    unknown = copy.deepcopy(DIST)
    for b in [unknown["defaultCacheBehavior"], *unknown["orderedCacheBehaviors"]]:
        b["responseHeadersPolicyId"] = UNKNOWN
    rhp_urn = urn_for(RHP_TYPE, "headers")
    linked = stack(unknown, rhp_outputs=dict(RHP, id=UNKNOWN), dist_kw={
        "property_dependencies": {"defaultCacheBehavior": [rhp_urn], "orderedCacheBehaviors": [rhp_urn]},
        "dependencies": [rhp_urn]})
    assert behavior_diags(linked) == []


def test_unknown_policy_id_from_elsewhere_is_unverifiable_not_a_violation():
    """Preview: an id computed from something that is not a response headers policy of the
    stack (an invoke with an unknown argument, say) may still be an allowed policy's once
    known: pulumi up judges it; the preview reports it as unverifiable (README: "never
    treats an unknown as compliant or as a violation")."""
    unknown = variant(DIST, "defaultCacheBehavior.responseHeadersPolicyId", UNKNOWN)
    diags = behavior_diags(stack(unknown))
    assert mandatory(diags) == []
    assert [d.unverifiable for d in diags] == [True]
    assert "defaultCacheBehavior.responseHeadersPolicyId" in diags[0].message


def test_wrong_in_stack_policy_id_is_reported():
    wrong = variant(DIST, "orderedCacheBehaviors.0.responseHeadersPolicyId", "rhp-other")
    diags = behavior_diags(stack(wrong))
    assert len(mandatory(diags)) == 1 and "'rhp-other'" in diags[0].message


# ---------------------------------------------------------------- vercel-security-headers

PROJECT_TYPE = sh.VERCEL_PROJECT
ROUTE_TYPE = sh.VERCEL_ROUTE
PROJECT_ID = "prj_abc"
ROUTE = {"projectId": PROJECT_ID, "route": {"src": "/(.*)", "headers": dict(GOOD_HEADERS)}}


def vercel_stack(route=ROUTE, extra=()):
    return [
        res(PROJECT_TYPE, "app", {"name": "webstack"}, {"name": "webstack", "id": PROJECT_ID}),
        res(ROUTE_TYPE, "security-headers", route, dict(route, id="route-1")),
        *extra,
    ]


def vercel_diags(resources, **cfg):
    return evaluate_policy(sh.vercel_security_headers, resources, cfg)


def test_vercel_baseline_passes_prod():
    assert vercel_diags(vercel_stack(), **PROD) == []


@pytest.mark.parametrize(
    "path,value,expected",
    [
        ("route.headers.Strict-Transport-Security", "max-age=600; includeSubDomains; preload", "at least 31536000"),
        ("route.headers.Strict-Transport-Security", DELETE, "Strict-Transport-Security is missing"),
        ("route.headers.Content-Security-Policy", "", "Content-Security-Policy is missing or empty"),
        ("route.headers.X-Content-Type-Options", DELETE, "send 'nosniff'"),
        ("route.headers.Referrer-Policy", "unsafe-url", "sends full URLs"),
        ("route.src", "/blog/(.*)", "no enabled catch-all ProjectRoute"),
        ("projectId", "prj_other", "no enabled catch-all ProjectRoute"),
        ("route.has", [{"type": "host", "value": "a.example"}], "no enabled catch-all ProjectRoute"),
    ],
)
def test_vercel_one_broken_field(path, value, expected):
    diags = vercel_diags(vercel_stack(variant(ROUTE, path, value)), **PROD)
    assert mandatory(diags), f"{path}={value!r} must violate"
    assert any(expected in d.message for d in diags), [d.message for d in diags]


@pytest.mark.parametrize("header", ["Strict-Transport-Security", "Content-Security-Policy", "Referrer-Policy"])
def test_vercel_unknown_header_value_is_unverifiable_not_compliant(header):
    """Preview: a value built from another resource's output (a CSP's report-uri endpoint,
    say) could be anything."""
    diags = vercel_diags(vercel_stack(variant(ROUTE, f"route.headers.{header}", UNKNOWN)), **PROD)
    assert not mandatory(diags) and [d.unverifiable for d in diags] == [True]


def test_vercel_disabled_route_does_not_count():
    diags = vercel_diags(vercel_stack(dict(ROUTE, enabled=False)))
    assert any("no enabled catch-all" in d.message for d in mandatory(diags))


def test_vercel_partial_route_must_not_weaken_headers():
    weak = {"projectId": PROJECT_ID, "route": {"src": "/embed/(.*)", "headers": {"X-Frame-Options": "ALLOWALL"}}}
    extra = [res(ROUTE_TYPE, "embed", weak, dict(weak, id="route-2"))]
    diags = vercel_diags(vercel_stack(extra=extra))
    assert len(mandatory(diags)) == 1
    assert "ProjectRoute 'embed'" in diags[0].message and "DENY or SAMEORIGIN" in diags[0].message
    fine = {"projectId": PROJECT_ID, "route": {"src": "/assets/(.*)", "headers": {"Cache-Control": "immutable"}}}
    assert vercel_diags(vercel_stack(extra=[res(ROUTE_TYPE, "assets", fine)])) == []


# ------------------------------------------------------- kubernetes-ingress-security-headers

INGRESS_TYPE = sh.INGRESS
CM_TYPE = sh.CONFIG_MAP
INGRESS = {
    "metadata": {"name": "app", "namespace": "webstack",
                 "annotations": {sh.NGINX_CUSTOM_HEADERS: "webstack/security-headers"}},
    "spec": {"ingressClassName": "nginx", "tls": [{"hosts": ["app.example.com"], "secretName": "tls"}],
             "rules": [{"host": "app.example.com"}]},
}
CONFIG_MAP = {"metadata": {"name": "security-headers", "namespace": "webstack"}, "data": dict(GOOD_HEADERS)}


def ingress_stack(ingress=INGRESS, cm=CONFIG_MAP):
    out = [res(INGRESS_TYPE, "app", ingress)]
    if cm is not None:
        out.insert(0, res(CM_TYPE, "security-headers", cm))
    return out


def ingress_diags(resources, **cfg):
    return evaluate_policy(sh.kubernetes_ingress_security_headers, resources, cfg)


def test_ingress_configmap_headers_pass():
    assert ingress_diags(ingress_stack(), **PROD) == []


@pytest.mark.parametrize(
    "path,value,expected",
    [
        ("data.Strict-Transport-Security", "max-age=63072000", "lacks includeSubDomains"),
        ("data.Referrer-Policy", "no-referrer-when-downgrade", "sends full URLs"),
        ("data.X-Content-Type-Options", DELETE, "send 'nosniff'"),
        ("data.Content-Security-Policy", DELETE, "Content-Security-Policy is missing"),
        ("metadata.name", "other-headers", "names no ConfigMap of this stack"),
        ("metadata.namespace", "other", "names no ConfigMap of this stack"),
    ],
)
def test_ingress_one_broken_header(path, value, expected):
    diags = ingress_diags(ingress_stack(cm=variant(CONFIG_MAP, path, value)))
    assert mandatory(diags), f"{path}={value!r} must violate"
    assert any(expected in d.message for d in diags), [d.message for d in diags]
    assert all("Ingress 'app'" in d.message for d in diags)


def test_ingress_unknown_header_value_is_unverifiable_not_compliant():
    diags = ingress_diags(ingress_stack(cm=variant(CONFIG_MAP, "data.Strict-Transport-Security", UNKNOWN)))
    assert not mandatory(diags) and [d.unverifiable for d in diags] == [True]


def test_ingress_without_any_header_source_fails():
    bare = variant(INGRESS, "metadata.annotations", {})
    diags = ingress_diags(ingress_stack(bare, cm=None))
    assert len(mandatory(diags)) >= 4


def test_ingress_snippet_headers_count():
    snippet = "\n".join(f"more_set_headers \"{k}: {v}\";" for k, v in GOOD_HEADERS.items())
    ingress = variant(INGRESS, "metadata.annotations", {"nginx.ingress.kubernetes.io/configuration-snippet": snippet})
    assert ingress_diags(ingress_stack(ingress, cm=None)) == []


def test_ingress_alb_class_needs_no_referrer_policy():
    attrs = ",".join([
        "routing.http.response.strict_transport_security.header_value=max-age=63072000; includeSubDomains",
        "routing.http.response.content_security_policy.header_value=default-src 'self'; frame-ancestors 'none'",
        "routing.http.response.x_content_type_options.header_value=nosniff",
        "routing.http.response.x_frame_options.header_value=DENY",
    ])
    alb = copy.deepcopy(INGRESS)
    alb["spec"]["ingressClassName"] = "alb"
    alb["metadata"]["annotations"] = {"alb.ingress.kubernetes.io/listener-attributes.HTTPS-443": attrs}
    assert ingress_diags(ingress_stack(alb, cm=None)) == []
    weak = copy.deepcopy(alb)
    weak["metadata"]["annotations"]["alb.ingress.kubernetes.io/listener-attributes.HTTPS-443"] = attrs.replace(
        "x_content_type_options.header_value=nosniff", "x_content_type_options.header_value=none")
    assert any("nosniff" in d.message for d in mandatory(ingress_diags(ingress_stack(weak, cm=None))))


def test_ingress_unknown_class_must_be_exempted_explicitly():
    traefik = variant(INGRESS, "spec.ingressClassName", "traefik")
    assert any("not one the pack can read headers from" in d.message
               for d in mandatory(ingress_diags(ingress_stack(traefik, cm=None))))
    assert ingress_diags(ingress_stack(traefik, cm=None), exemptIngressClasses=["traefik"]) == []


def test_ingress_configmap_found_through_dependencies_when_name_unknown():
    unknown_ref = variant(INGRESS, ["metadata", "annotations", sh.NGINX_CUSTOM_HEADERS], UNKNOWN)
    cm_urn = urn_for(CM_TYPE, "security-headers")
    resources = [res(CM_TYPE, "security-headers", variant(CONFIG_MAP, "metadata.name", UNKNOWN)),
                 res(INGRESS_TYPE, "app", unknown_ref, property_dependencies={"metadata": [cm_urn]})]
    assert ingress_diags(resources) == []


# ---------------------------------------------------- content-security-policy-strength

ISSUE_CSP = "default-src *; script-src * 'unsafe-inline' 'unsafe-eval'"
"""The prod CSP the issue reports as passing the pack before this rule."""
NONCE_CSP = ("default-src 'self'; script-src 'nonce-abc123' 'strict-dynamic' https: 'unsafe-inline'; "
             "object-src 'none'; base-uri 'none'; frame-ancestors 'none'")


def test_csp_problems_baseline_and_the_issue_example():
    assert sh.csp_problems(STRONG_CSP, "cdn") == []
    problems = " | ".join(sh.csp_problems(ISSUE_CSP, "cdn"))
    for expected in ("script-src allows *", "'unsafe-inline' with no hash or nonce", "'unsafe-eval'",
                     "object-src (from default-src) is *", "has no base-uri", "has no frame-ancestors"):
        assert expected in problems, (expected, problems)


@pytest.mark.parametrize(
    "csp, expected",
    [
        ("default-src 'self'; object-src 'none'; base-uri 'self'; frame-ancestors 'none'", None),
        ("script-src 'self' https:; object-src 'none'; base-uri 'self'; frame-ancestors 'none'", "allows https:"),
        ("script-src 'self' data:; object-src 'none'; base-uri 'self'; frame-ancestors 'none'", "allows data:"),
        ("script-src https://*; object-src 'none'; base-uri 'self'; frame-ancestors 'none'", "allows https://*"),
        ("script-src 'self' https://*.example.com; object-src 'none'; base-uri 'self'; frame-ancestors 'none'",
         None),
        ("script-src 'self' 'unsafe-inline'; object-src 'none'; base-uri 'self'; frame-ancestors 'none'",
         "'unsafe-inline' with no hash or nonce"),
        ("script-src 'self' 'unsafe-inline' 'sha256-abc='; object-src 'none'; base-uri 'self'; "
         "frame-ancestors 'none'", None),  # a hash makes browsers ignore 'unsafe-inline'
        ("script-src 'sha256-abc=' 'strict-dynamic' https: 'unsafe-inline'; object-src 'none'; base-uri 'none'; "
         "frame-ancestors 'none'", None),  # strict CSP with old-browser fallbacks
        ("script-src 'self' 'unsafe-eval'; object-src 'none'; base-uri 'self'; frame-ancestors 'none'",
         "'unsafe-eval'"),
        (NONCE_CSP, "fixed nonce 'nonce-abc123'"),
        ("default-src 'self'; base-uri 'self'; frame-ancestors 'none'", "object-src (from default-src) is 'self'"),
        ("default-src 'none'; object-src 'self'; base-uri 'self'; frame-ancestors 'none'", "object-src is 'self'"),
        ("default-src 'self'; object-src 'none'; frame-ancestors 'none'", "has no base-uri"),
        ("default-src 'self'; object-src 'none'; base-uri *; frame-ancestors 'none'", "base-uri allows *"),
        ("default-src 'self'; object-src 'none'; base-uri 'self'", "has no frame-ancestors"),
        ("default-src 'self'; object-src 'none'; base-uri 'self'; frame-ancestors https:", "frame-ancestors allows"),
        ("img-src 'self'; object-src 'none'; base-uri 'self'; frame-ancestors 'none'", "no script-src and no default"),
        # CSP3: script-src-elem governs <script> elements and script-src-attr inline event
        # handlers, over script-src; a strict script-src says nothing when they are loose.
        ("default-src 'self'; script-src 'self'; script-src-elem 'self' *; object-src 'none'; base-uri 'self'; "
         "frame-ancestors 'none'", "script-src-elem allows *"),
        ("default-src 'self'; script-src 'self'; script-src-attr 'unsafe-inline'; object-src 'none'; "
         "base-uri 'self'; frame-ancestors 'none'", "script-src-attr allows 'unsafe-inline'"),
        ("default-src 'self'; script-src 'self'; script-src-elem 'self' https://cdn.example.com; "
         "script-src-attr 'none'; object-src 'none'; base-uri 'self'; frame-ancestors 'none'", None),
    ],
)
def test_csp_problems_one_weakness_at_a_time(csp, expected):
    problems = sh.csp_problems(csp, "cdn")
    if expected is None:
        assert problems == []
    else:
        assert len(problems) == 1 and expected in problems[0], problems


def test_an_app_owned_fallback_may_inline_scripts_but_nothing_else():
    fallback = "default-src 'self'; script-src 'self' 'unsafe-inline'; object-src 'none'; base-uri 'self'; " \
               "frame-ancestors 'none'"
    assert sh.csp_problems(fallback, "app") == []
    assert len(sh.csp_problems(fallback, "cdn")) == 1
    problems = " | ".join(sh.csp_problems(ISSUE_CSP, "app"))
    assert "script-src allows *" in problems and "'unsafe-eval'" in problems and "has no base-uri" in problems
    assert "'unsafe-inline'" not in problems
    assert any("fixed nonce" in p for p in sh.csp_problems(NONCE_CSP, "app"))


def csp_stack(csp: str, override: bool, *extra):
    rhp = variant(variant(RHP, f"{SHC}.contentSecurityPolicy.contentSecurityPolicy", csp),
                  f"{SHC}.contentSecurityPolicy.override", override)
    return [res(RHP_TYPE, "headers", rhp, dict(rhp, id=RHP_ID)), *extra]


def strength_diags(resources, level=EnforcementLevel.MANDATORY, **cfg):
    return evaluate_policy(sh.content_security_policy_strength, resources, cfg, level)


def test_the_issue_csp_fails_the_strength_rule_in_prod_in_both_modes():
    for override in (True, False):
        diags = strength_diags(csp_stack(ISSUE_CSP, override))  # prod.json makes the rule mandatory
        assert len(mandatory(diags)) >= 5, [d.message for d in diags]
        assert all(d.urn == urn_for(RHP_TYPE, "headers") for d in diags)
    assert sh.content_security_policy_strength.enforcement_level == EnforcementLevel.ADVISORY  # elsewhere
    prod = json.loads((Path(__file__).resolve().parent.parent / "policies" / "config" / "prod.json").read_text())
    assert prod["content-security-policy-strength"] == "mandatory"


def test_the_strength_rule_reads_the_owner_from_the_override():
    fallback = "default-src 'self'; script-src 'self' 'unsafe-inline'; object-src 'none'; base-uri 'self'; " \
               "frame-ancestors 'none'"
    assert strength_diags(csp_stack(fallback, False)) == []
    diags = strength_diags(csp_stack(fallback, True))
    assert len(diags) == 1 and "the CSP the CDN sends on every response" in diags[0].message


def test_an_origin_layer_must_not_send_a_csp_the_app_owns():
    route = res(ROUTE_TYPE, "security-headers", ROUTE, dict(ROUTE, id="route-1"))
    cm = res(CM_TYPE, "security-headers", CONFIG_MAP)
    diags = strength_diags(csp_stack(STRONG_CSP, False, route, cm))
    assert sorted(d.urn for d in diags) == sorted([route.urn, cm.urn])
    assert all("the app owns the CSP" in d.message for d in diags)
    # CDN-owned: the origin layers send the CSP too, judged like the CDN's.
    assert strength_diags(csp_stack(STRONG_CSP, True, route, cm)) == []
    weak = variant(ROUTE, "route.headers.Content-Security-Policy", ISSUE_CSP)
    diags = strength_diags(csp_stack(STRONG_CSP, True, res(ROUTE_TYPE, "security-headers", weak)))
    assert diags and all("ProjectRoute 'security-headers': route.headers Content-Security-Policy" in d.message
                         for d in diags)


def test_origin_layers_need_no_csp_when_the_app_owns_it():
    no_csp = variant(ROUTE, "route.headers.Content-Security-Policy", DELETE)
    cdn_owned = [*vercel_stack(no_csp), *csp_stack(STRONG_CSP, True)]
    assert any("Content-Security-Policy is missing" in d.message for d in mandatory(vercel_diags(cdn_owned)))
    assert vercel_diags([*vercel_stack(no_csp), *csp_stack(STRONG_CSP, False)]) == []
    cm = variant(CONFIG_MAP, "data.Content-Security-Policy", DELETE)
    assert mandatory(ingress_diags([*ingress_stack(cm=cm), *csp_stack(STRONG_CSP, True)]))
    assert ingress_diags([*ingress_stack(cm=cm), *csp_stack(STRONG_CSP, False)]) == []


def test_an_unknown_origin_csp_is_unverifiable_for_the_strength_rule():
    unknown = variant(ROUTE, "route.headers.Content-Security-Policy", UNKNOWN)
    diags = strength_diags(csp_stack(STRONG_CSP, True, res(ROUTE_TYPE, "security-headers", unknown)))
    assert not mandatory(diags) and [d.unverifiable for d in diags] == [True]
