"""Security response headers: one set of values, rendered for CloudFront, Vercel and ingress-nginx.

Every response a user receives carries the same headers whichever path served it (the
CDN, a Vercel deployment reached directly, or the Kubernetes Ingress):

=============================  ==================================================
Strict-Transport-Security      ``max-age=<n>; includeSubDomains[; preload]`` (n >= 1 year)
Content-Security-Policy        owned by the app (default) or the CDN, see below
X-Content-Type-Options         ``nosniff``
X-Frame-Options                ``DENY`` (or ``SAMEORIGIN``)
Referrer-Policy                ``strict-origin-when-cross-origin`` (or stricter)
Permissions-Policy             camera, microphone, geolocation, payment, usb off
=============================  ==================================================

Who owns the CSP (``csp_owner``) is explicit, because the two cannot both set it:

* ``app`` (default): the app sends its own CSP, per request, with a nonce (Next.js
  middleware/proxy, SvelteKit ``kit.csp``). CloudFront adds ``content_security_policy``
  only to responses that carry none (``override=False``) and never replaces the app's; the
  Vercel route and the Ingress send no CSP at all (they would replace or duplicate it).
  The default CSP is that fallback: what a stock Next.js App Router or SvelteKit build
  needs (their inline bootstrap scripts need ``'unsafe-inline'`` without a nonce), with
  everything else locked down (no plugins, no ``<base>`` hijack, no framing, forms to this
  origin only, no ``eval``). A stricter app CSP replaces it on the responses that matter.
* ``cdn``: every layer sends ``content_security_policy`` and CloudFront overrides whatever
  the app sends (``override=True``). A CDN-owned CSP is static, so it cannot carry nonces:
  use it for apps without inline scripts (or with hashed ones), and write a strict policy.

The policy pack judges the CSP against OWASP's guidance in both modes
(``content-security-policy-strength``, mandatory in prod).

``SecurityHeaders`` holds and validates the settings; the functions below render them in
each platform's format. Nothing here needs the Pulumi runtime.
"""

import re
from dataclasses import dataclass
from typing import Any, Optional

from pulumi_webstack.args import check_fields, setting
from pulumi_webstack.errors import require

ORIGIN_VERIFY_HEADER = "X-Origin-Verify"
"""Header carrying the secret that proves a request came through the CDN (both app tiers)."""

ONE_YEAR = 31536000
"""Smallest HSTS max-age accepted (and the minimum for the browsers' preload list)."""
TWO_YEARS = 63072000
"""Largest HSTS max-age accepted (what hstspreload.org recommends)."""

CLOUDFRONT_CSP_MAX_LENGTH = 1783
"""CloudFront rejects a response headers policy whose Content-Security-Policy is longer."""

DEFAULT_CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob: https:; font-src 'self' data:; connect-src 'self' https:; object-src 'none'; "
    "base-uri 'self'; form-action 'self'; frame-ancestors 'none'; upgrade-insecure-requests"
)
"""The CSP a stock Next.js App Router or SvelteKit build works with, as the fallback of an
app-owned CSP: scripts only from this origin plus the framework's inline bootstrap
scripts (no nonce without app code), no plugins, no ``<base>``, no framing, forms to this
origin, no ``eval``. Move to nonces in the app (docs/cdn.md#content-security-policy)."""
CSP_OWNERS = ("app", "cdn")
"""Who sends the Content-Security-Policy: the app (CDN fills in where it sends none) or the CDN."""
DEFAULT_PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"

REFERRER_POLICIES = (
    "no-referrer",
    "same-origin",
    "strict-origin",
    "strict-origin-when-cross-origin",
    "origin",
    "origin-when-cross-origin",
)
"""Allowed Referrer-Policy values: ``unsafe-url`` and ``no-referrer-when-downgrade`` leak full URLs."""
FRAME_OPTIONS = ("DENY", "SAMEORIGIN")

HSTS = "Strict-Transport-Security"
CSP = "Content-Security-Policy"
CONTENT_TYPE_OPTIONS = "X-Content-Type-Options"
FRAME = "X-Frame-Options"
REFERRER = "Referrer-Policy"
PERMISSIONS = "Permissions-Policy"

REMOVED_ORIGIN_HEADERS = ("Server", "X-Powered-By")
"""Origin headers that only advertise the software stack; the CDN strips them."""

_DIRECTIVE = re.compile(r"^[a-z][a-z0-9-]*$")
_PERMISSION = re.compile(r"^[a-z][a-z0-9-]*=(\*|\(\s*[^()]*\))$")


@dataclass(frozen=True)
class SecurityHeaders:
    """The security headers every response carries (validated on construction)."""

    content_security_policy: Optional[str] = DEFAULT_CSP
    """Content-Security-Policy. Not empty; at most 1783 characters (CloudFront's limit). With
    ``csp_owner`` ``app`` it is the fallback CloudFront adds to responses without a CSP;
    with ``cdn`` every response gets exactly this policy."""
    csp_owner: Optional[str] = setting(
        "app", one_of=CSP_OWNERS,
        words="must be 'app' (the app sends its nonce-based CSP; the CDN fills in where it sends none) "
              "or 'cdn' (the CDN's CSP replaces the app's)")
    """Who owns the CSP: ``app`` (the app sends it, nonce-based; CloudFront adds
    ``content_security_policy`` only where the app sends none; the Vercel route and the
    Ingress send none) or ``cdn`` (every layer sends ``content_security_policy``, CloudFront
    overrides the app's)."""
    referrer_policy: Optional[str] = setting(
        "strict-origin-when-cross-origin", one_of=REFERRER_POLICIES,
        words="must be one of " + ", ".join(REFERRER_POLICIES) + " (unsafe-url and no-referrer-when-downgrade "
              "leak full URLs)")
    """Referrer-Policy; ``unsafe-url`` and ``no-referrer-when-downgrade`` are refused."""
    frame_options: Optional[str] = setting("DENY", one_of=FRAME_OPTIONS)
    """X-Frame-Options: ``DENY`` or ``SAMEORIGIN``."""
    permissions_policy: Optional[str] = DEFAULT_PERMISSIONS_POLICY
    """Permissions-Policy, comma-separated ``feature=(allowlist)`` items."""
    hsts_max_age_seconds: Optional[int] = setting(ONE_YEAR, ge=ONE_YEAR, le=TWO_YEARS)
    """HSTS max-age, one to two years."""
    hsts_include_subdomains: Optional[bool] = True
    """HSTS ``includeSubDomains``."""
    hsts_preload: Optional[bool] = False
    """HSTS ``preload`` (needs includeSubDomains; prod)."""

    def __post_init__(self) -> None:
        check_fields(self)
        csp = self.content_security_policy
        require(isinstance(csp, str) and bool(csp.strip()), "headers.content_security_policy", csp,
                "must not be empty (the default is a CSP with frame-ancestors 'none')")
        require("\n" not in csp and "\r" not in csp, "headers.content_security_policy", csp,
                "must be one line (no line breaks)")
        require(len(csp) <= CLOUDFRONT_CSP_MAX_LENGTH, "headers.content_security_policy", csp,
                f"must be at most {CLOUDFRONT_CSP_MAX_LENGTH} characters (CloudFront's limit), "
                f"got {len(csp)}")
        for directive in csp_directives(csp):
            require(bool(_DIRECTIVE.match(directive)), "headers.content_security_policy", csp,
                    f"directive {directive!r} is not a CSP directive name (lower-case letters and '-')")
        items = [i.strip() for i in self.permissions_policy.split(",")] if self.permissions_policy else []
        require(bool(items) and all(_PERMISSION.match(i) for i in items), "headers.permissions_policy",
                self.permissions_policy, "must be comma-separated feature=(allowlist) items, e.g. camera=()")
        require(not self.hsts_preload or self.hsts_include_subdomains, "headers.hsts_preload", self.hsts_preload,
                "preload needs hsts_include_subdomains=True (the browsers' preload list requires it)")


def csp_directives(csp: str) -> list[str]:
    """Directive names of a Content-Security-Policy, in order (``["default-src", ...]``)."""
    return [part.split()[0] for part in csp.split(";") if part.strip()]


def hsts_value(h: SecurityHeaders) -> str:
    """``"max-age=63072000; includeSubDomains; preload"``."""
    parts = [f"max-age={h.hsts_max_age_seconds}"]
    if h.hsts_include_subdomains:
        parts.append("includeSubDomains")
    if h.hsts_preload:
        parts.append("preload")
    return "; ".join(parts)


def response_headers(h: SecurityHeaders) -> dict[str, str]:
    """Header name -> value: what the origin-side layers (Vercel route, Ingress) send, in this
    order. No CSP when the app owns it: these layers would replace (ingress-nginx) or
    duplicate the app's nonce-based policy."""
    headers = {
        HSTS: hsts_value(h),
        CSP: h.content_security_policy,
        CONTENT_TYPE_OPTIONS: "nosniff",
        FRAME: h.frame_options,
        REFERRER: h.referrer_policy,
        PERMISSIONS: h.permissions_policy,
    }
    if h.csp_owner == "app":
        del headers[CSP]
    return headers


def edge_headers(h: SecurityHeaders) -> list[str]:
    """Names of the headers every response through the CDN carries: all of them, the CSP
    included whoever owns it (the app's, or CloudFront's fallback where the app sent none)."""
    return [HSTS, CSP, CONTENT_TYPE_OPTIONS, FRAME, REFERRER, PERMISSIONS]


# ------------------------------------------------------------------------------ CloudFront


def cloudfront_security_headers_config(h: SecurityHeaders) -> dict[str, Any]:
    """``security_headers_config`` of an ``aws.cloudfront.ResponseHeadersPolicy``.

    Every header has ``override=True``: the origin cannot weaken or drop it, except the CSP
    of an app-owned policy (``override=False``: CloudFront adds it only where the app sent
    none, and never replaces the app's nonce-based one). X-XSS-Protection is sent as ``0``
    (the legacy XSS auditor is itself an attack surface; CSP replaces it).
    """
    return {
        "strict_transport_security": {
            "access_control_max_age_sec": h.hsts_max_age_seconds,
            "include_subdomains": h.hsts_include_subdomains,
            "preload": h.hsts_preload,
            "override": True,
        },
        "content_security_policy": {"content_security_policy": h.content_security_policy,
                                    "override": h.csp_owner == "cdn"},
        "content_type_options": {"override": True},
        "frame_options": {"frame_option": h.frame_options, "override": True},
        "referrer_policy": {"referrer_policy": h.referrer_policy, "override": True},
        "xss_protection": {"protection": False, "override": True},
    }


def cloudfront_custom_headers_config(h: SecurityHeaders) -> dict[str, Any]:
    """``custom_headers_config``: the headers CloudFront has no dedicated setting for."""
    return {"items": [{"header": PERMISSIONS, "value": h.permissions_policy, "override": True}]}


def cloudfront_remove_headers_config() -> dict[str, Any]:
    """``remove_headers_config``: strip headers that advertise the origin's software."""
    return {"items": [{"header": name} for name in REMOVED_ORIGIN_HEADERS]}


# ---------------------------------------------------------------------------------- Vercel

VERCEL_CATCH_ALL = "/(.*)"
"""Vercel route source matching every path."""


def vercel_route(h: SecurityHeaders) -> dict[str, Any]:
    """``route`` of a ``vercel.ProjectRoute`` that sets the headers on every path."""
    return {"src": VERCEL_CATCH_ALL, "headers": response_headers(h)}


# ---------------------------------------------------------------------------- ingress-nginx

NGINX_CUSTOM_HEADERS_ANNOTATION = "nginx.ingress.kubernetes.io/custom-headers"


def nginx_custom_headers(h: SecurityHeaders) -> dict[str, str]:
    """``data`` of the ConfigMap named by the ``custom-headers`` Ingress annotation.

    ingress-nginx applies these with ``more_set_headers`` in the Ingress's locations, so
    they replace (never duplicate) a header the controller or the app already set.
    """
    return response_headers(h)


def nginx_controller_config(h: SecurityHeaders) -> dict[str, str]:
    """Keys the ingress-nginx controller ConfigMap needs for these headers.

    ``custom-headers`` refuses (503 on every path of the Ingress) any header not listed in
    ``global-allowed-response-headers``; the ``hsts*`` keys make the controller's own HSTS
    header (sent on its other hosts and on error pages) agree with ours.
    """
    return {
        "global-allowed-response-headers": ",".join(response_headers(h)),
        "hsts": "true",
        "hsts-max-age": str(h.hsts_max_age_seconds),
        "hsts-include-subdomains": "true" if h.hsts_include_subdomains else "false",
        "hsts-preload": "true" if h.hsts_preload else "false",
    }
