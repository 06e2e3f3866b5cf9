"""Security-header rules: CloudFront response headers policies, Vercel routes, Kubernetes Ingress.

What "secure headers" means here (the same for every platform):

* ``Strict-Transport-Security``: ``max-age`` >= ``hstsMinMaxAgeSeconds`` (one year by
  default), ``includeSubDomains``; ``preload`` when ``requireHstsPreload`` (prod).
* ``Content-Security-Policy``: present and not empty where its owner sends it. Who owns
  it is read from the stack's CloudFront response headers policy: ``override=True`` means
  the CDN does (every layer sends the same static policy), ``override=False`` that the app
  does (it sends a per-request, nonce-based policy; CloudFront only fills in where it sent
  none, and the Vercel route and the Ingress must not send one). Its strength is judged by
  ``content-security-policy-strength`` (OWASP's CSP cheat sheet), in both modes.
* ``X-Content-Type-Options: nosniff``.
* Framing protection: ``X-Frame-Options`` ``DENY``/``SAMEORIGIN``, or a CSP
  ``frame-ancestors`` directive that does not allow ``*``.
* ``Referrer-Policy``: present, none of ``forbiddenReferrerPolicies``
  (``unsafe-url``, ``no-referrer-when-downgrade``).

What those values are is ``header_values`` (pure functions, :func:`parse_hsts`,
:func:`header_problems`, ..., and who owns the CSP); the rules of the origin-side layers
(Vercel routes, Kubernetes Ingress) are ``origin_headers``. This module holds the CloudFront
rules and the CSP strength rule, and re-exports the names of both, so
``pulumi_webstack_policies.security_headers`` still offers every header rule and helper.
"""


from __future__ import annotations

from typing import Any, Sequence

from pulumi_policy import PolicyResource, Severity

from pulumi_webstack_policies.base import (
    ADVISORY,
    MANDATORY,
    Subject,
    label,
    of_type,
    referred_by,
    require_true,
    resource_policy,
    stack_policy,
)
from pulumi_webstack_policies.header_values import (  # noqa: F401  (this module's public names before the split)
    ALL_HEADERS, CONFIG_MAP, CSP, CSP_OWNERS, CSP_PATH, DISTRIBUTION, HSTS, INGRESS, ONE_YEAR, RECOMMENDED, REFERRER,
    RESPONSE_HEADERS_POLICY, SHC, UNSAFE_REFERRER_POLICIES, VERCEL_PROJECT, VERCEL_ROUTE, XCTO, XFO, broad_source,
    csp_directive, csp_problems, frame_ancestors_protects, frame_options_valid, header_problems,
    header_schema_properties, hsts_problems, origin_required_headers, parse_hsts, referrer_problems, rhp_csp_owner,
    stack_csp_owner, unknown_headers, weakened_header_problems,
)
from pulumi_webstack_policies.origin_headers import (  # noqa: F401  (this module's public names before the split)
    ALB_HEADER_ATTRIBUTES, ALB_LISTENER_ATTRIBUTES, CATCH_ALL_SOURCES, NGINX_CUSTOM_HEADERS, NGINX_SNIPPETS,
    alb_listener_headers, check_ingress_headers, check_vercel_headers, kubernetes_ingress_security_headers,
    nginx_snippet_headers, route_headers, vercel_security_headers,
)
from pulumi_webstack_policies.settings import schema
from pulumi_webstack_policies.values import UNKNOWN, Evaluation, as_int, elements, entries, lookup, truthy, unset


# ---------------------------------------------------------- CloudFront response headers policy



def check_response_headers_policy(subject: Subject, cfg: dict, ev: Evaluation) -> None:
    p = subject.props
    who = subject.label

    def get(path: str) -> Any:
        return ev.get(p, f"{SHC}.{path}")

    def override(section: str) -> None:
        if truthy(cfg.get("requireOverride")):
            require_true(subject, ev, f"{SHC}.{section}.override",
                         "set override=True so the origin cannot replace or drop this header")

    hsts = get("strictTransportSecurity")
    if hsts is None:
        ev.violation(f"{who}: {SHC}.strictTransportSecurity is not set: add it with "
                     f"accessControlMaxAgeSec >= {as_int(cfg['hstsMinMaxAgeSeconds'])}, includeSubdomains=True"
                     + (", preload=True" if truthy(cfg.get("requireHstsPreload")) else ""))
    elif hsts is not UNKNOWN:
        for problem in hsts_problems(
            get("strictTransportSecurity.accessControlMaxAgeSec"),
            get("strictTransportSecurity.includeSubdomains"),
            get("strictTransportSecurity.preload"),
            cfg,
            f"{SHC}.strictTransportSecurity:",
            ("accessControlMaxAgeSec", "includeSubdomains=True", "preload=True"),
        ):
            ev.violation(f"{who}: {problem}")
        override("strictTransportSecurity")

    csp = get("contentSecurityPolicy.contentSecurityPolicy")
    if csp is not UNKNOWN:
        if not isinstance(csp, str) or not csp.strip():
            ev.violation(f"{who}: {SHC}.contentSecurityPolicy.contentSecurityPolicy is empty or missing: "
                         f"set a policy such as \"{RECOMMENDED[CSP]}\"")
        # override=False is not a weakness but the CSP owner: the app sends the policy and
        # CloudFront fills in where it sent none (content-security-policy-strength judges both).

    xcto = get("contentTypeOptions")
    if xcto is None:
        ev.violation(f"{who}: {SHC}.contentTypeOptions is not set: add it (override=True) to send "
                     "'X-Content-Type-Options: nosniff'")
    elif xcto is not UNKNOWN:
        override("contentTypeOptions")

    frame = get("frameOptions.frameOption")
    if frame is not UNKNOWN and csp is not UNKNOWN:
        ok_frame = isinstance(frame, str) and frame.upper() in ("DENY", "SAMEORIGIN")
        if frame is not None and not ok_frame:
            ev.violation(f"{who}: {SHC}.frameOptions.frameOption is {frame!r}: use 'DENY' or 'SAMEORIGIN'")
        elif not ok_frame and not frame_ancestors_protects(csp):
            ev.violation(f"{who}: no framing protection: set {SHC}.frameOptions.frameOption='DENY' "
                         "or a CSP frame-ancestors directive")
        if ok_frame:
            override("frameOptions")

    referrer = get("referrerPolicy.referrerPolicy")
    for problem in referrer_problems(referrer, cfg, f"{SHC}.referrerPolicy.referrerPolicy"):
        ev.violation(f"{who}: {problem}")
    if isinstance(referrer, str) and referrer.strip():
        override("referrerPolicy")


cloudfront_security_headers = resource_policy(
    name="cloudfront-security-headers",
    description="CloudFront response headers policies send HSTS, CSP, X-Content-Type-Options, "
    "framing protection and a safe Referrer-Policy.",
    resource_types=[RESPONSE_HEADERS_POLICY],
    check=check_response_headers_policy,
    enforcement_level=MANDATORY,
    severity=Severity.HIGH,
    remediation=(
        "In the aws.cloudfront.ResponseHeadersPolicy set security_headers_config with "
        "strict_transport_security (access_control_max_age_sec >= 31536000, include_subdomains=True, "
        "preload=True in prod, override=True), a non-empty content_security_policy, content_type_options, "
        "frame_options (DENY) and referrer_policy 'strict-origin-when-cross-origin', each with override=True."
    ),
    config_schema=schema(
        **header_schema_properties(),
        requireOverride={
            "type": "boolean",
            "default": True,
            "description": "Require override=True on every security header so the origin cannot weaken it.",
        },
    ),
    tags=["security-headers", "cloudfront"],
)


# ------------------------------------------------------- CloudFront behaviors -> headers policy


def _behaviors(dist: PolicyResource) -> list[tuple[str, str, Any]]:
    """(property path, top-level property, behavior) for the default and each ordered behavior."""
    out = []
    default = lookup(dist.props, "defaultCacheBehavior")
    if default is not None:
        out.append(("defaultCacheBehavior", "defaultCacheBehavior", default))
    ordered = lookup(dist.props, "orderedCacheBehaviors")
    if ordered is UNKNOWN:
        out.append(("orderedCacheBehaviors", "orderedCacheBehaviors", UNKNOWN))
    else:
        for i, behavior in enumerate(elements(ordered)):
            out.append((f"orderedCacheBehaviors.{i}", "orderedCacheBehaviors", behavior))
    return out


def check_behaviors_have_headers(resources: Sequence[PolicyResource], cfg: dict, ev: Evaluation) -> None:
    policies = of_type(resources, RESPONSE_HEADERS_POLICY)
    allowed = {str(v) for v in cfg.get("allowedResponseHeadersPolicyIds") or []}
    for dist in of_type(resources, DISTRIBUTION):
        who = label(dist.resource_type, dist.name)
        for path, top, behavior in _behaviors(dist):
            if behavior is UNKNOWN:
                ev.unknown(f"{dist.name}.{path}")
                continue
            where = path
            pattern = lookup(behavior, "pathPattern")
            if isinstance(pattern, str):
                where = f"{path} ('{pattern}')"
            value = lookup(behavior, "responseHeadersPolicyId")
            if unset(value):
                ev.violation(
                    f"{who}: {where} has no responseHeadersPolicyId: attach the stack's "
                    "aws.cloudfront.ResponseHeadersPolicy (security headers) to every cache behavior",
                    dist.urn,
                )
                continue
            if value is not UNKNOWN and value in allowed:
                continue
            matches = referred_by(dist, top, policies, ("id",), value=value)
            if matches:
                continue
            if value is UNKNOWN:
                # Not from a headers policy of the stack, but possibly an allowed id once known
                # (an invoke with an unknown argument): judged by pulumi up, unverifiable now.
                ev.unknown(f"{dist.name}.{path}.responseHeadersPolicyId")
            else:
                ev.violation(
                    f"{who}: {where}.responseHeadersPolicyId = '{value}' is not a ResponseHeadersPolicy of this "
                    "stack: use the stack's security-headers policy, or list the id in "
                    "allowedResponseHeadersPolicyIds if it is a vetted policy",
                    dist.urn,
                )


cloudfront_behaviors_response_headers = stack_policy(
    name="cloudfront-behaviors-response-headers",
    description="Every CloudFront cache behavior (default and ordered) attaches a response headers "
    "policy defined in the stack (and so checked by cloudfront-security-headers).",
    check=check_behaviors_have_headers,
    resource_types=[DISTRIBUTION, RESPONSE_HEADERS_POLICY],
    enforcement_level=MANDATORY,
    severity=Severity.HIGH,
    remediation=(
        "Set response_headers_policy_id on default_cache_behavior and on every ordered_cache_behaviors "
        "entry to the id of the stack's aws.cloudfront.ResponseHeadersPolicy."
    ),
    config_schema=schema(
        allowedResponseHeadersPolicyIds={
            "type": "array",
            "items": {"type": "string"},
            "default": [],
            "description": "Ids of response headers policies outside the stack (e.g. vetted managed "
            "policies) that behaviors may reference. Empty by default: AWS's Managed-SecurityHeadersPolicy "
            "sends no CSP and no includeSubDomains.",
        }
    ),
    tags=["security-headers", "cloudfront"],
)


# --------------------------------------------------------------- content-security-policy-strength


def check_csp_strength(resources: Sequence[PolicyResource], cfg: dict, ev: Evaluation) -> None:
    owner = stack_csp_owner(resources)
    for rhp in of_type(resources, RESPONSE_HEADERS_POLICY):
        csp = ev.get(rhp.props, f"{CSP_PATH}.contentSecurityPolicy", label=f"{rhp.name}.")
        mode = rhp_csp_owner(rhp)
        if not isinstance(csp, str) or not csp.strip() or mode is UNKNOWN:
            continue
        what = ("the CSP the CDN sends on every response (override=True)" if mode == "cdn" else
                "the fallback CSP the CDN adds where the app sent none (override=False: the app owns the CSP)")
        for problem in csp_problems(csp, mode):
            ev.violation(f"{label(rhp.resource_type, rhp.name)}: {CSP_PATH}.contentSecurityPolicy, {what}, "
                         f"{problem}", rhp.urn)
    origin_csps: list[tuple[PolicyResource, str, Any]] = []
    for route in of_type(resources, VERCEL_ROUTE):
        headers = route_headers(route, ev)
        if headers is not UNKNOWN and CSP in headers:
            origin_csps.append((route, "route.headers", headers[CSP]))
    for cm in of_type(resources, CONFIG_MAP):
        data = ev.get(cm.props, "data", label=f"{cm.name}.")
        if data is UNKNOWN or data is None:
            continue
        for key, value in entries(data):
            if str(key).lower() == CSP:
                origin_csps.append((cm, f"data.{key}", value))
    for resource, where, csp in origin_csps:
        who = label(resource.resource_type, resource.name)
        if owner == "app":
            ev.violation(f"{who}: {where} sets Content-Security-Policy, but the app owns the CSP (the CloudFront "
                         "response headers policy does not override it): this layer would replace or duplicate "
                         "the app's nonce-based policy; remove it, or make the CDN the owner (override=True)",
                         resource.urn)
        elif csp is UNKNOWN:
            ev.unknown(f"{resource.name}.{where}")
        elif isinstance(csp, str):
            for problem in csp_problems(csp, "cdn"):
                ev.violation(f"{who}: {where} Content-Security-Policy {problem}", resource.urn)


content_security_policy_strength = stack_policy(
    name="content-security-policy-strength",
    description="The Content-Security-Policy resists script injection (OWASP CSP cheat sheet): scripts only "
    "from listed hosts, no eval, no inline scripts without hash or nonce (except the fallback of an app-owned "
    "CSP), no fixed nonces, object-src 'none', base-uri and frame-ancestors set; only the owner sends it.",
    check=check_csp_strength,
    resource_types=[RESPONSE_HEADERS_POLICY, VERCEL_ROUTE, CONFIG_MAP],
    enforcement_level=ADVISORY,
    severity=Severity.HIGH,
    remediation=(
        "Start from \"default-src 'self'; script-src 'self'; object-src 'none'; base-uri 'self'; "
        "frame-ancestors 'none'\". For a Next.js or SvelteKit app, let the app own the CSP "
        "(webstack:cdn.headers.cspOwner: app) and send a per-request nonce with 'strict-dynamic' "
        "(docs/cdn.md#content-security-policy)."
    ),
    tags=["security-headers", "csp"],
)



POLICIES = [
    cloudfront_security_headers,
    cloudfront_behaviors_response_headers,
    vercel_security_headers,
    kubernetes_ingress_security_headers,
    content_security_policy_strength,
]
