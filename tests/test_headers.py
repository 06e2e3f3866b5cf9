"""Specification of components/headers.py: one set of security headers, three renderings.

Plain Python: no Pulumi runtime.
"""

from __future__ import annotations

import pytest

from pulumi_webstack import headers as h
from pulumi_webstack_policies.security_headers import ALL_HEADERS, csp_problems, header_problems
from tests.helpers import assert_args_error

PROD = h.SecurityHeaders(hsts_max_age_seconds=h.TWO_YEARS, hsts_preload=True)
PROD_CDN_CSP = h.SecurityHeaders(hsts_max_age_seconds=h.TWO_YEARS, hsts_preload=True, csp_owner="cdn",
                                 content_security_policy="default-src 'self'; object-src 'none'; "
                                 "base-uri 'none'; frame-ancestors 'none'")


def test_the_default_headers_are_the_documented_set():
    # The app owns the CSP by default: the origin-side layers (Vercel route, Ingress) send none.
    assert h.response_headers(h.SecurityHeaders()) == {
        "Strict-Transport-Security": "max-age=31536000; includeSubDomains",
        "X-Content-Type-Options": "nosniff",
        "X-Frame-Options": "DENY",
        "Referrer-Policy": "strict-origin-when-cross-origin",
        "Permissions-Policy": h.DEFAULT_PERMISSIONS_POLICY,
    }


def test_the_default_permissions_policy_has_no_obsolete_tokens():
    # interest-cohort (FLoC) was withdrawn; browsers log an "unrecognized feature" error for it.
    features = [item.split("=")[0].strip() for item in h.DEFAULT_PERMISSIONS_POLICY.split(",")]
    assert features == ["camera", "microphone", "geolocation", "payment", "usb"]


def test_a_cdn_owned_csp_is_sent_by_every_layer():
    headers = h.response_headers(h.SecurityHeaders(csp_owner="cdn"))
    assert list(headers)[:2] == ["Strict-Transport-Security", "Content-Security-Policy"]
    assert headers["Content-Security-Policy"] == h.DEFAULT_CSP


def test_the_default_csp_forbids_framing_and_plugins():
    directives = {part.split()[0]: part.split()[1:] for part in h.DEFAULT_CSP.split(";") if part.strip()}
    assert directives["frame-ancestors"] == ["'none'"]
    assert directives["object-src"] == ["'none'"]
    assert directives["default-src"] == ["'self'"]
    assert directives["base-uri"] == ["'self'"]
    assert directives["form-action"] == ["'self'"]
    assert "'unsafe-eval'" not in h.DEFAULT_CSP


def test_the_default_csp_lets_a_stock_next_or_sveltekit_build_run():
    # Without app code there is no nonce, and both frameworks inline their bootstrap scripts
    # (Next.js App Router: self.__next_f.push(...); SvelteKit: the kit.start(...) block), so
    # script-src needs 'unsafe-inline'. 'strict-dynamic' would make browsers ignore both
    # 'self' and 'unsafe-inline' (CSP3 §8.2) and block every script; a hash cannot match
    # per-page inline payloads. Scripts stay limited to this origin, and no eval.
    directives = {part.split()[0]: part.split()[1:] for part in h.DEFAULT_CSP.split(";") if part.strip()}
    assert directives["script-src"] == ["'self'", "'unsafe-inline'"]
    assert "'strict-dynamic'" not in h.DEFAULT_CSP
    assert "blob:" in directives["img-src"]  # next/image placeholders, client-side previews


@pytest.mark.parametrize(
    "settings, value",
    [
        (h.SecurityHeaders(), "max-age=31536000; includeSubDomains"),
        (PROD, "max-age=63072000; includeSubDomains; preload"),
        (h.SecurityHeaders(hsts_include_subdomains=False), "max-age=31536000"),
    ],
)
def test_hsts_value(settings, value):
    assert h.hsts_value(settings) == value


def test_the_rendered_headers_satisfy_the_policy_pack_even_in_prod():
    cfg = {"hstsMinMaxAgeSeconds": h.ONE_YEAR, "requireHstsPreload": True,
           "forbiddenReferrerPolicies": ["unsafe-url", "no-referrer-when-downgrade"]}
    for settings in (PROD, PROD_CDN_CSP):
        required = [name for name in ALL_HEADERS if settings.csp_owner == "cdn" or name != "content-security-policy"]
        assert header_problems(h.response_headers(settings), cfg, required) == []
        assert header_problems(h.nginx_custom_headers(settings), cfg, required) == []
        assert header_problems(h.vercel_route(settings)["headers"], cfg, required) == []
    assert csp_problems(PROD_CDN_CSP.content_security_policy, "cdn") == []
    assert csp_problems(h.DEFAULT_CSP, "app") == []


def test_cloudfront_config_overrides_every_origin_header():
    cfg = h.cloudfront_security_headers_config(PROD)
    assert cfg["strict_transport_security"] == {
        "access_control_max_age_sec": 63072000, "include_subdomains": True, "preload": True, "override": True}
    # The app owns the CSP: CloudFront adds the fallback only where the app sends none.
    assert cfg["content_security_policy"] == {"content_security_policy": h.DEFAULT_CSP, "override": False}
    assert cfg["content_type_options"] == {"override": True}
    assert cfg["frame_options"] == {"frame_option": "DENY", "override": True}
    assert cfg["referrer_policy"] == {"referrer_policy": "strict-origin-when-cross-origin", "override": True}
    assert cfg["xss_protection"] == {"protection": False, "override": True}
    assert h.cloudfront_custom_headers_config(PROD) == {
        "items": [{"header": "Permissions-Policy", "value": h.DEFAULT_PERMISSIONS_POLICY, "override": True}]}
    assert h.cloudfront_remove_headers_config() == {"items": [{"header": "Server"}, {"header": "X-Powered-By"}]}


def test_a_cdn_owned_csp_overrides_the_app():
    cfg = h.cloudfront_security_headers_config(PROD_CDN_CSP)
    assert cfg["content_security_policy"] == {
        "content_security_policy": PROD_CDN_CSP.content_security_policy, "override": True}


def test_vercel_route_matches_every_path():
    route = h.vercel_route(PROD)
    assert route["src"] == "/(.*)"
    assert route["headers"] == h.response_headers(PROD)


def test_nginx_controller_allows_exactly_the_headers_the_ingress_sets():
    config = h.nginx_controller_config(PROD)
    assert config["global-allowed-response-headers"].split(",") == list(h.nginx_custom_headers(PROD))
    assert config["hsts"] == "true"
    assert config["hsts-max-age"] == "63072000"
    assert config["hsts-include-subdomains"] == "true"
    assert config["hsts-preload"] == "true"
    assert h.nginx_controller_config(h.SecurityHeaders())["hsts-preload"] == "false"


def test_overrides_flow_into_every_rendering():
    custom = h.SecurityHeaders(content_security_policy="default-src 'self'; frame-ancestors 'self'", csp_owner="cdn",
                               frame_options="SAMEORIGIN", referrer_policy="no-referrer",
                               permissions_policy="camera=(self)")
    assert h.cloudfront_security_headers_config(custom)["frame_options"]["frame_option"] == "SAMEORIGIN"
    assert h.cloudfront_security_headers_config(custom)["referrer_policy"]["referrer_policy"] == "no-referrer"
    assert h.vercel_route(custom)["headers"]["Content-Security-Policy"] == "default-src 'self'; frame-ancestors 'self'"
    assert h.nginx_custom_headers(custom)["Permissions-Policy"] == "camera=(self)"


def test_csp_directives():
    assert h.csp_directives("default-src 'self'; img-src * ;; frame-ancestors 'none'") == [
        "default-src", "img-src", "frame-ancestors"]


@pytest.mark.parametrize(
    "kwargs, field, allowed",
    [
        ({"content_security_policy": "  "}, "headers.content_security_policy", "must not be empty"),
        ({"content_security_policy": "default-src 'self';\nscript-src 'self'"}, "headers.content_security_policy",
         "must be one line"),
        ({"content_security_policy": "default-src " + "a" * 1800}, "headers.content_security_policy",
         "at most 1783 characters"),
        ({"content_security_policy": "Default_Src 'self'"}, "headers.content_security_policy",
         "is not a CSP directive name"),
        ({"csp_owner": "origin"}, "headers.csp_owner", "must be 'app'"),
        ({"referrer_policy": "unsafe-url"}, "headers.referrer_policy", "must be one of"),
        ({"referrer_policy": "no-referrer-when-downgrade"}, "headers.referrer_policy", "must be one of"),
        ({"frame_options": "ALLOW-FROM https://example.com"}, "headers.frame_options", "must be one of"),
        ({"permissions_policy": ""}, "headers.permissions_policy", "feature=(allowlist)"),
        ({"permissions_policy": "camera 'none'"}, "headers.permissions_policy", "feature=(allowlist)"),
        ({"hsts_max_age_seconds": 86400}, "headers.hsts_max_age_seconds", "between 31536000 and 63072000"),
        ({"hsts_max_age_seconds": 63072001}, "headers.hsts_max_age_seconds", "between 31536000 and 63072000"),
        ({"hsts_preload": True, "hsts_include_subdomains": False}, "headers.hsts_preload",
         "needs hsts_include_subdomains=True"),
    ],
)
def test_bad_settings_are_refused_with_field_value_and_rule(kwargs, field, allowed):
    assert_args_error(lambda: h.SecurityHeaders(**kwargs), field, allowed)
