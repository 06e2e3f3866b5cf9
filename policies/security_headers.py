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

The pure functions (:func:`parse_hsts`, :func:`header_problems`, ...) need no Pulumi
runtime; the policies at the bottom apply them to resource properties.
"""

from __future__ import annotations

import re
from typing import Any, Iterable, Mapping, Optional, Sequence

from pulumi_policy import PolicyResource, Severity

from pulumi_webstack_policies.base import (
    ADVISORY,
    MANDATORY,
    Subject,
    label,
    of_type,
    referred_by,
    references,
    referring_to,
    require_true,
    resource_policy,
    stack_policy,
)
from pulumi_webstack_policies.settings import schema
from pulumi_webstack_policies.values import UNKNOWN, Evaluation, as_int, elements, entries, lookup, shown, truthy, unset

DISTRIBUTION = "aws:cloudfront/distribution:Distribution"
RESPONSE_HEADERS_POLICY = "aws:cloudfront/responseHeadersPolicy:ResponseHeadersPolicy"
VERCEL_PROJECT = "vercel:index/project:Project"
VERCEL_ROUTE = "vercel:index/projectRoute:ProjectRoute"
INGRESS = "kubernetes:networking.k8s.io/v1:Ingress"
CONFIG_MAP = "kubernetes:core/v1:ConfigMap"

ONE_YEAR = 31536000
UNSAFE_REFERRER_POLICIES = ["unsafe-url", "no-referrer-when-downgrade"]

HSTS = "strict-transport-security"
CSP = "content-security-policy"
XCTO = "x-content-type-options"
XFO = "x-frame-options"
REFERRER = "referrer-policy"
ALL_HEADERS = (HSTS, CSP, XCTO, XFO, REFERRER)

RECOMMENDED = {
    HSTS: "max-age=63072000; includeSubDomains; preload",
    CSP: "default-src 'self'; object-src 'none'; base-uri 'self'; frame-ancestors 'none'",
    XCTO: "nosniff",
    XFO: "DENY",
    REFERRER: "strict-origin-when-cross-origin",
}


def _header_schema_properties() -> dict[str, dict[str, Any]]:
    return {
        "hstsMinMaxAgeSeconds": {
            "type": "integer",
            "minimum": 0,
            "default": ONE_YEAR,
            "description": "Smallest accepted HSTS max-age in seconds (one year by default).",
        },
        "requireHstsPreload": {
            "type": "boolean",
            "default": False,
            "description": "Require the HSTS preload directive (set true for prod stacks).",
        },
        "forbiddenReferrerPolicies": {
            "type": "array",
            "items": {"type": "string"},
            "default": list(UNSAFE_REFERRER_POLICIES),
            "description": "Referrer-Policy values that leak full URLs and are rejected.",
        },
    }


# --------------------------------------------------------------------- pure header checks


def parse_hsts(value: str) -> tuple[Optional[int], set[str]]:
    """``"max-age=63072000; includeSubDomains; preload"`` -> ``(63072000, {"includesubdomains", "preload"})``."""
    max_age: Optional[int] = None
    flags: set[str] = set()
    for part in value.split(";"):
        token = part.strip()
        if not token:
            continue
        key, _, arg = token.partition("=")
        key = key.strip().lower()
        if key == "max-age":
            digits = arg.strip().strip('"')
            max_age = int(digits) if digits.isdigit() else None
        else:
            flags.add(key)
    return max_age, flags


def csp_directive(csp: str, name: str) -> Optional[list[str]]:
    """Sources of a CSP directive (``None`` if absent)."""
    for part in csp.split(";"):
        tokens = part.strip().split()
        if tokens and tokens[0].lower() == name:
            return tokens[1:]
    return None


def frame_options_valid(value: Any) -> bool:
    """An ``X-Frame-Options`` value browsers honour: ``DENY`` or ``SAMEORIGIN`` (any case)."""
    return isinstance(value, str) and value.strip().upper() in ("DENY", "SAMEORIGIN")


def frame_ancestors_protects(csp: Any) -> bool:
    """A CSP ``frame-ancestors`` directive that does not allow any origin."""
    if not isinstance(csp, str):
        return False
    sources = csp_directive(csp, "frame-ancestors")
    if sources is None or not sources:
        return False
    return not any(s in ("*", "http:", "https:") for s in sources)


CSP_OWNERS = ("app", "cdn")
_SCHEME_SOURCE = re.compile(r"^[a-z][a-z0-9+.-]*:$")
_HASH_PREFIXES = ("'sha256-", "'sha384-", "'sha512-")


def broad_source(source: str) -> bool:
    """A CSP source that allows any host: ``*``, a bare scheme (``https:``, ``data:``,
    ``blob:``) or a wildcard host without a domain (``https://*``)."""
    s = source.strip().lower()
    if s == "*" or _SCHEME_SOURCE.match(s):
        return True
    host = s.split("://", 1)[1] if "://" in s else s
    return host == "*" or host.startswith("*:") or host.startswith("*/")


def csp_problems(csp: str, owner: str) -> list[str]:
    """Weaknesses of a CSP against OWASP's Content Security Policy cheat sheet.

    ``owner`` is ``cdn`` (the policy is what browsers enforce) or ``app`` (the fallback the
    CDN adds where the app sent none; the app's own per-request policy carries the nonce).
    Both are static, so neither may carry a nonce. The app-owned fallback may allow
    ``'unsafe-inline'`` scripts, because stock Next.js and SvelteKit builds cannot run
    without it when the app sends no nonce; everything else is judged alike:

    * script-src (or default-src): no ``*``, bare scheme or wildcard host, no
      ``'unsafe-eval'``; ``'unsafe-inline'`` only with a hash (or a nonce), which makes
      browsers ignore it. With ``'strict-dynamic'`` and a hash, hosts and schemes are
      ignored by browsers (CSP3) and are only old-browser fallbacks.
    * object-src (or default-src) ``'none'``: no plugins.
    * base-uri and frame-ancestors present (neither falls back to default-src) and not broad.
    """
    out: list[str] = []
    script, where = csp_directive(csp, "script-src"), "script-src"
    if script is None:
        script, where = csp_directive(csp, "default-src"), "default-src (there is no script-src)"
    if script is None:
        out.append("has no script-src and no default-src, so scripts load from anywhere: add "
                   "\"script-src 'self'\"")
    else:
        tokens = [t.lower() for t in script]
        nonces = [t for t in script if t.lower().startswith("'nonce-")]
        hashed = any(t.startswith(_HASH_PREFIXES) for t in tokens)
        if nonces:
            out.append(f"{where} has the fixed nonce {nonces[0]}: a nonce set by infrastructure is the same on "
                       "every response, so an injected script can carry it too; let the app send a fresh nonce "
                       "per response (csp_owner 'app')")
        if not ("'strict-dynamic'" in tokens and (hashed or nonces)):
            broad = [t for t in script if broad_source(t)]
            if broad:
                out.append(f"{where} allows {' '.join(broad)}: scripts from any host; list 'self' and the exact "
                           "hosts scripts come from")
            if "'unsafe-inline'" in tokens and not hashed and not nonces and owner == "cdn":
                out.append(f"{where} allows 'unsafe-inline' with no hash or nonce, so any injected inline script "
                           "runs: hash the inline scripts, or let the app own the CSP (csp_owner 'app') and send "
                           "a nonce")
        if "'unsafe-eval'" in tokens:
            out.append(f"{where} allows 'unsafe-eval': strings run as code (eval, new Function); remove it")
    objects = csp_directive(csp, "object-src")
    objects_where = "object-src"
    if objects is None:
        objects, objects_where = csp_directive(csp, "default-src"), "object-src (from default-src)"
    if objects is None or [t.lower() for t in objects] != ["'none'"]:
        shown = "absent" if objects is None else " ".join(objects) or "empty"
        out.append(f"{objects_where} is {shown}: set \"object-src 'none'\" (no plugins)")
    for directive, fix in (("base-uri", "'none' or 'self'"), ("frame-ancestors", "'none' or 'self'")):
        sources = csp_directive(csp, directive)
        if sources is None or not sources:
            out.append(f"has no {directive} (it does not fall back to default-src): set {directive} {fix}")
        elif any(broad_source(t) for t in sources):
            out.append(f"{directive} allows {' '.join(t for t in sources if broad_source(t))}: set {directive} {fix}")
    return out


def hsts_problems(
    max_age: Any,
    include_subdomains: Any,
    preload: Any,
    cfg: Mapping[str, Any],
    where: str,
    names: tuple[str, str, str] = ("max-age", "includeSubDomains", "preload"),
) -> list[str]:
    """Problems of an HSTS setting; unknown parts are not judged.

    ``names`` are how the three settings are spelled where the user fixes them (header
    directives, or CloudFront's ``accessControlMaxAgeSec``/``includeSubdomains``/``preload``).
    """
    out = []
    minimum = as_int(cfg.get("hstsMinMaxAgeSeconds")) or 0
    if max_age is not UNKNOWN:
        age = as_int(max_age)
        if age is None or age < minimum:
            out.append(f"{where} {names[0]} is {shown(max_age)}: set it to at least {minimum} seconds")
    if include_subdomains is not UNKNOWN and not truthy(include_subdomains):
        out.append(f"{where} lacks {names[1]}: add it so every subdomain is HTTPS-only too")
    if truthy(cfg.get("requireHstsPreload")) and preload is not UNKNOWN and not truthy(preload):
        out.append(f"{where} lacks {names[2]} (required for this stack): add it")
    return out


def referrer_problems(value: Any, cfg: Mapping[str, Any], where: str) -> list[str]:
    if value is UNKNOWN:
        return []
    forbidden = {str(v).lower() for v in cfg.get("forbiddenReferrerPolicies") or []}
    if not isinstance(value, str) or not value.strip():
        return [f"{where} is missing: set it to 'strict-origin-when-cross-origin' (or stricter)"]
    tokens = [t.strip().lower() for t in value.split(",") if t.strip()]
    bad = [t for t in tokens if t in forbidden]
    if bad:
        return [f"{where} is '{value}', which sends full URLs to other origins: use 'strict-origin-when-cross-origin'"]
    return []


def header_problems(headers: Mapping[str, Any], cfg: Mapping[str, Any], required: Sequence[str] = ALL_HEADERS) -> list[str]:
    """Problems of a set of response headers (names case-insensitive, values strings).

    ``required`` narrows the checks to what a platform can set (an ALB cannot set
    Referrer-Policy). Values that are :data:`UNKNOWN` are not judged.
    """
    h = {str(k).lower(): v for k, v in headers.items()}
    out: list[str] = []
    if HSTS in required:
        value = h.get(HSTS)
        if value is None:
            out.append(f"Strict-Transport-Security is missing: send '{RECOMMENDED[HSTS]}'")
        elif isinstance(value, str):
            max_age, flags = parse_hsts(value)
            out += hsts_problems(
                max_age if max_age is not None else value,
                "includesubdomains" in flags,
                "preload" in flags,
                cfg,
                "Strict-Transport-Security",
            )
    if CSP in required:
        value = h.get(CSP)
        if value is None or (isinstance(value, str) and not value.strip()):
            out.append("Content-Security-Policy is missing or empty: send a policy such as "
                       f"\"{RECOMMENDED[CSP]}\"")
    if XCTO in required:
        value = h.get(XCTO)
        if value is not UNKNOWN and (not isinstance(value, str) or value.strip().lower() != "nosniff"):
            out.append(f"X-Content-Type-Options is {value!r}: send 'nosniff'")
    if XFO in required:
        xfo = h.get(XFO)
        csp = h.get(CSP)
        if xfo is not UNKNOWN and csp is not UNKNOWN:
            valid_xfo = frame_options_valid(xfo)
            if xfo is not None and not valid_xfo:
                out.append(f"X-Frame-Options is {xfo!r}: use DENY or SAMEORIGIN")
            elif not valid_xfo and not frame_ancestors_protects(csp):
                out.append("no framing protection: send 'X-Frame-Options: DENY' or a CSP frame-ancestors directive")
    if REFERRER in required:
        out += referrer_problems(h.get(REFERRER), cfg, "Referrer-Policy")
    return out


def weakened_header_problems(headers: Mapping[str, Any], cfg: Mapping[str, Any]) -> list[str]:
    """Problems of the security headers a partial rule *sets* (absent headers are fine).

    Used for rules that only add headers to some paths: they may omit a header (the
    catch-all rule sends it) but must not send a weaker value.
    """
    h = {str(k).lower(): v for k, v in headers.items()}
    present = [name for name in ALL_HEADERS if name in h and name != XFO]
    out = header_problems(h, cfg, required=present)
    xfo = h.get(XFO)
    if xfo is not None and xfo is not UNKNOWN and not frame_options_valid(xfo):
        out.append(f"X-Frame-Options is {xfo!r}: use DENY or SAMEORIGIN")
    return out


# ---------------------------------------------------------- CloudFront response headers policy

_SHC = "securityHeadersConfig"


def check_response_headers_policy(subject: Subject, cfg: dict, ev: Evaluation) -> None:
    p = subject.props
    who = subject.label

    def get(path: str) -> Any:
        return ev.get(p, f"{_SHC}.{path}")

    def override(section: str) -> None:
        if truthy(cfg.get("requireOverride")):
            require_true(subject, ev, f"{_SHC}.{section}.override",
                         "set override=True so the origin cannot replace or drop this header")

    hsts = get("strictTransportSecurity")
    if hsts is None:
        ev.violation(f"{who}: {_SHC}.strictTransportSecurity is not set: add it with "
                     f"accessControlMaxAgeSec >= {as_int(cfg['hstsMinMaxAgeSeconds'])}, includeSubdomains=True"
                     + (", preload=True" if truthy(cfg.get("requireHstsPreload")) else ""))
    elif hsts is not UNKNOWN:
        for problem in hsts_problems(
            get("strictTransportSecurity.accessControlMaxAgeSec"),
            get("strictTransportSecurity.includeSubdomains"),
            get("strictTransportSecurity.preload"),
            cfg,
            f"{_SHC}.strictTransportSecurity:",
            ("accessControlMaxAgeSec", "includeSubdomains=True", "preload=True"),
        ):
            ev.violation(f"{who}: {problem}")
        override("strictTransportSecurity")

    csp = get("contentSecurityPolicy.contentSecurityPolicy")
    if csp is not UNKNOWN:
        if not isinstance(csp, str) or not csp.strip():
            ev.violation(f"{who}: {_SHC}.contentSecurityPolicy.contentSecurityPolicy is empty or missing: "
                         f"set a policy such as \"{RECOMMENDED[CSP]}\"")
        # override=False is not a weakness but the CSP owner: the app sends the policy and
        # CloudFront fills in where it sent none (content-security-policy-strength judges both).

    xcto = get("contentTypeOptions")
    if xcto is None:
        ev.violation(f"{who}: {_SHC}.contentTypeOptions is not set: add it (override=True) to send "
                     "'X-Content-Type-Options: nosniff'")
    elif xcto is not UNKNOWN:
        override("contentTypeOptions")

    frame = get("frameOptions.frameOption")
    if frame is not UNKNOWN and csp is not UNKNOWN:
        ok_frame = isinstance(frame, str) and frame.upper() in ("DENY", "SAMEORIGIN")
        if frame is not None and not ok_frame:
            ev.violation(f"{who}: {_SHC}.frameOptions.frameOption is {frame!r}: use 'DENY' or 'SAMEORIGIN'")
        elif not ok_frame and not frame_ancestors_protects(csp):
            ev.violation(f"{who}: no framing protection: set {_SHC}.frameOptions.frameOption='DENY' "
                         "or a CSP frame-ancestors directive")
        if ok_frame:
            override("frameOptions")

    referrer = get("referrerPolicy.referrerPolicy")
    for problem in referrer_problems(referrer, cfg, f"{_SHC}.referrerPolicy.referrerPolicy"):
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
        **_header_schema_properties(),
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
                ev.violation(
                    f"{who}: {where}.responseHeadersPolicyId is computed from something other than a "
                    "ResponseHeadersPolicy in this stack, so its headers cannot be verified: reference an "
                    "aws.cloudfront.ResponseHeadersPolicy defined in the stack",
                    dist.urn,
                )
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


# ---------------------------------------------------------------------------- CSP owner

_CSP_PATH = f"{_SHC}.contentSecurityPolicy"


def rhp_csp_owner(rhp: PolicyResource) -> Any:
    """``app`` when the response headers policy's CSP does not override the origin's
    (``override=False``: CloudFront only fills in), else ``cdn``; :data:`UNKNOWN` if unknown."""
    override = lookup(rhp.props, f"{_CSP_PATH}.override")
    if override is UNKNOWN:
        return UNKNOWN
    return "cdn" if truthy(override) else "app"


def stack_csp_owner(resources: Sequence[PolicyResource]) -> str:
    """Who owns the stack's CSP: ``app`` when a CloudFront response headers policy with a CSP
    leaves the origin's in place (``override=False``), else ``cdn`` (with no CDN to fill in,
    every origin-side layer must send the CSP itself)."""
    for rhp in of_type(resources, RESPONSE_HEADERS_POLICY):
        csp = lookup(rhp.props, f"{_CSP_PATH}.contentSecurityPolicy")
        if isinstance(csp, str) and csp.strip() and rhp_csp_owner(rhp) == "app":
            return "app"
    return "cdn"


def origin_required_headers(resources: Sequence[PolicyResource], headers: Sequence[str] = ALL_HEADERS) -> list[str]:
    """The headers an origin-side layer (Vercel route, Ingress) must send: all of them, but no
    CSP when the app owns it (the layer would replace or duplicate the app's policy)."""
    app_owned = stack_csp_owner(resources) == "app"
    return [name for name in headers if not (app_owned and name == CSP)]


# ------------------------------------------------------------------------- Vercel routes

CATCH_ALL_SOURCES = ["/(.*)", "/.*", "(.*)", ".*", "/:path*", "/:path(.*)", "^/(.*)$", "^/.*$", "/((?!).*)"]


def _route_headers(route: PolicyResource, ev: Evaluation) -> Any:
    """The route's headers (lower-case names), ``{}`` if none, :data:`UNKNOWN` if not known yet."""
    headers = ev.get(route.props, "route.headers", label=f"{route.name}.")
    if headers is UNKNOWN:
        return UNKNOWN
    if headers is None:
        return {}
    return {str(k).lower(): v for k, v in entries(headers)}


def _is_catch_all(route: PolicyResource, sources: Iterable[str]) -> Any:
    """True/False, or :data:`UNKNOWN` when a deciding field is not known yet."""
    enabled = lookup(route.props, "enabled")
    src = lookup(route.props, "route.src")
    has = lookup(route.props, "route.has")
    missing = lookup(route.props, "route.missings")
    if UNKNOWN in (enabled, src, has, missing):
        return UNKNOWN
    if enabled is not None and not truthy(enabled):
        return False
    conditional = any(v is not None and len(elements(v)) > 0 for v in (has, missing))
    return isinstance(src, str) and src.strip() in set(sources) and not conditional


def check_vercel_headers(resources: Sequence[PolicyResource], cfg: dict, ev: Evaluation) -> None:
    routes = of_type(resources, VERCEL_ROUTE)
    sources = [str(s) for s in cfg.get("catchAllSources") or CATCH_ALL_SOURCES]
    catch_all_urns = set()
    for project in of_type(resources, VERCEL_PROJECT):
        who = label(project.resource_type, project.name)
        mine = [(r, _is_catch_all(r, sources)) for r in referring_to(project, routes, "projectId", ("id",))]
        catch_all = [r for r, state in mine if state is True]
        undecided = [r for r, state in mine if state is UNKNOWN]
        catch_all_urns.update(r.urn for r in catch_all)
        if not catch_all:
            if undecided:
                ev.unknown(f"{undecided[0].name}.route")
                continue
            ev.violation(
                f"{who}: no enabled catch-all ProjectRoute (src '/(.*)') sets the security headers: add a "
                "vercel.ProjectRoute for this project with route.headers Strict-Transport-Security, "
                "Content-Security-Policy, X-Content-Type-Options, X-Frame-Options and Referrer-Policy",
                project.urn,
            )
            continue
        merged: dict[str, Any] = {}
        headers = [_route_headers(r, ev) for r in catch_all]
        if UNKNOWN in headers:
            continue
        for h in headers:
            merged.update(h)
        route = catch_all[-1]
        for problem in header_problems(merged, cfg, required=origin_required_headers(resources)):
            ev.violation(f"{label(route.resource_type, route.name)} (catch-all route of {who}): route.headers: "
                         f"{problem}", route.urn)
    # Any other route that sets a security header must not weaken it.
    for route in routes:
        if route.urn in catch_all_urns:
            continue
        headers = _route_headers(route, ev)
        if headers is UNKNOWN:
            continue
        for problem in weakened_header_problems(headers, cfg):
            ev.violation(f"{label(route.resource_type, route.name)}: route.headers: {problem}", route.urn)


vercel_security_headers = stack_policy(
    name="vercel-security-headers",
    description="Every Vercel project has a catch-all route that sends the security headers "
    "(HSTS, CSP, X-Content-Type-Options, framing protection, safe Referrer-Policy), and no route weakens them.",
    check=check_vercel_headers,
    resource_types=[VERCEL_PROJECT, VERCEL_ROUTE],
    enforcement_level=MANDATORY,
    severity=Severity.HIGH,
    remediation=(
        "Add a vercel.ProjectRoute(project_id=project.id, route={'src': '/(.*)', 'headers': {...}}) "
        "with the five security headers; HSTS max-age >= 31536000 with includeSubDomains (and preload in prod)."
    ),
    config_schema=schema(
        **_header_schema_properties(),
        catchAllSources={
            "type": "array",
            "items": {"type": "string"},
            "default": list(CATCH_ALL_SOURCES),
            "description": "route.src values that match every path.",
        },
    ),
    tags=["security-headers", "vercel"],
)


# ------------------------------------------------------------------------ Kubernetes Ingress

NGINX_SNIPPETS = (
    "nginx.ingress.kubernetes.io/configuration-snippet",
    "nginx.ingress.kubernetes.io/server-snippet",
)
NGINX_CUSTOM_HEADERS = "nginx.ingress.kubernetes.io/custom-headers"
ALB_LISTENER_ATTRIBUTES = "alb.ingress.kubernetes.io/listener-attributes."
ALB_HEADER_ATTRIBUTES = {
    "routing.http.response.strict_transport_security.header_value": HSTS,
    "routing.http.response.content_security_policy.header_value": CSP,
    "routing.http.response.x_content_type_options.header_value": XCTO,
    "routing.http.response.x_frame_options.header_value": XFO,
}

_MORE_SET = re.compile(r"more_set_headers\s+((?:\s*(?:\"[^\"]*\"|'[^']*'))+)\s*;", re.S)
_QUOTED = re.compile(r"\"([^\"]*)\"|'([^']*)'")
_ADD_HEADER = re.compile(r"add_header\s+([A-Za-z0-9-]+)\s+(\"[^\"]*\"|'[^']*'|[^\s;]+)(?:\s+always)?\s*;")


def nginx_snippet_headers(snippet: str) -> dict[str, str]:
    """Response headers set by ``more_set_headers``/``add_header`` lines of an nginx snippet."""
    out: dict[str, str] = {}
    for m in _MORE_SET.finditer(snippet):
        for q in _QUOTED.finditer(m.group(1)):
            text = q.group(1) if q.group(1) is not None else q.group(2)
            name, sep, value = text.partition(":")
            if sep:
                out[name.strip().lower()] = value.strip()
    for m in _ADD_HEADER.finditer(snippet):
        value = m.group(2)
        if value[:1] in "\"'":
            value = value[1:-1]
        out[m.group(1).lower()] = value.strip()
    return out


def alb_listener_headers(value: str) -> dict[str, str]:
    """Response headers from an ``alb.ingress.kubernetes.io/listener-attributes.*`` annotation."""
    out: dict[str, str] = {}
    for item in re.split(r",(?=\s*[a-z0-9_.]+=)", value):
        key, sep, val = item.partition("=")
        header = ALB_HEADER_ATTRIBUTES.get(key.strip())
        if sep and header:
            out[header] = val.strip()
    return out


def _ingress_class(ingress: PolicyResource) -> Any:
    cls = lookup(ingress.props, "spec.ingressClassName")
    if cls is None:
        cls = lookup(ingress.props, ["metadata", "annotations", "kubernetes.io/ingress.class"])
    return cls


def check_ingress_headers(resources: Sequence[PolicyResource], cfg: dict, ev: Evaluation) -> None:
    nginx = {str(c) for c in cfg.get("nginxIngressClasses") or []}
    alb = {str(c) for c in cfg.get("albIngressClasses") or []}
    exempt = {str(c) for c in cfg.get("exemptIngressClasses") or []}
    config_maps = of_type(resources, CONFIG_MAP)
    for ingress in of_type(resources, INGRESS):
        who = label(ingress.resource_type, ingress.name)
        cls = _ingress_class(ingress)
        if cls is UNKNOWN:
            ev.unknown(f"{ingress.name}.spec.ingressClassName")
            continue
        if cls in exempt:
            continue
        annotations = ev.get(ingress.props, "metadata.annotations", label=f"{ingress.name}.")
        if annotations is UNKNOWN:
            continue
        notes = dict(entries(annotations))
        headers: dict[str, Any] = {}
        complete = True
        if cls in alb:
            required = origin_required_headers(resources, [HSTS, CSP, XCTO, XFO])  # an ALB cannot set Referrer-Policy
            for key, value in notes.items():
                if key.startswith(ALB_LISTENER_ATTRIBUTES) and isinstance(value, str):
                    headers.update(alb_listener_headers(value))
                elif key.startswith(ALB_LISTENER_ATTRIBUTES) and value is UNKNOWN:
                    ev.unknown(f"{ingress.name}.metadata.annotations.{key}")
                    complete = False
            how = (f"annotation {ALB_LISTENER_ATTRIBUTES}HTTPS-443 with "
                   "routing.http.response.*.header_value attributes")
        elif cls in nginx or cls is None:
            required = origin_required_headers(resources)
            ref = notes.get(NGINX_CUSTOM_HEADERS)
            if ref is not None:
                found = [cm for cm in config_maps if _is_config_map(ingress, cm, ref)]
                if not found and ref is UNKNOWN:
                    ev.unknown(f"{ingress.name}.metadata.annotations.{NGINX_CUSTOM_HEADERS}")
                    complete = False
                elif not found:
                    ev.violation(f"{who}: {NGINX_CUSTOM_HEADERS} = '{ref}' names no ConfigMap of this stack: "
                                 "define the headers ConfigMap in the stack", ingress.urn)
                    complete = False  # the missing ConfigMap is the one thing to fix
                for cm in found:
                    data = ev.get(cm.props, "data", label=f"{cm.name}.")
                    if data is UNKNOWN:
                        complete = False
                    elif data is not None:
                        headers.update({str(k).lower(): v for k, v in entries(data)})
            for key in NGINX_SNIPPETS:
                snippet = notes.get(key)
                if isinstance(snippet, str):
                    headers.update(nginx_snippet_headers(snippet))
                elif snippet is UNKNOWN:
                    ev.unknown(f"{ingress.name}.metadata.annotations.{key}")
                    complete = False
            how = f"a {NGINX_CUSTOM_HEADERS} ConfigMap (or more_set_headers in a configuration-snippet)"
        else:
            ev.violation(
                f"{who}: ingress class '{cls}' is not one the pack can read headers from: use an nginx or alb "
                "class, or list it in exemptIngressClasses if its controller adds the headers itself",
                ingress.urn,
            )
            continue
        if not complete:
            continue
        for problem in header_problems(headers, cfg, required=required):
            ev.violation(f"{who}: {problem} (set through {how})", ingress.urn)


def _is_config_map(ingress: PolicyResource, cm: PolicyResource, ref: Any) -> bool:
    if ref is UNKNOWN:
        return references(ingress, "metadata", cm, ())
    if not isinstance(ref, str):
        return False
    namespace, _, name = ref.rpartition("/")
    cm_name = lookup(cm.props, "metadata.name")
    cm_ns = lookup(cm.props, "metadata.namespace")
    ing_ns = lookup(ingress.props, "metadata.namespace")
    if cm_name is UNKNOWN:
        return references(ingress, "metadata", cm, ())
    return cm_name == name and (cm_ns == (namespace or ing_ns) or cm_ns is UNKNOWN)


kubernetes_ingress_security_headers = stack_policy(
    name="kubernetes-ingress-security-headers",
    description="Kubernetes Ingresses send the security headers the ingress controller can set "
    "(all five on nginx; HSTS, CSP, X-Content-Type-Options and X-Frame-Options on ALB).",
    check=check_ingress_headers,
    resource_types=[INGRESS, CONFIG_MAP],
    enforcement_level=MANDATORY,
    severity=Severity.HIGH,
    remediation=(
        "ingress-nginx: annotate the Ingress with nginx.ingress.kubernetes.io/custom-headers: <ns>/<configmap> "
        "and define that ConfigMap (data: header -> value) in the stack. AWS Load Balancer Controller: set "
        "alb.ingress.kubernetes.io/listener-attributes.HTTPS-443 with the routing.http.response.*.header_value "
        "attributes."
    ),
    config_schema=schema(
        **_header_schema_properties(),
        nginxIngressClasses={
            "type": "array",
            "items": {"type": "string"},
            "default": ["nginx"],
            "description": "Ingress classes served by ingress-nginx (headers from annotations/ConfigMap).",
        },
        albIngressClasses={
            "type": "array",
            "items": {"type": "string"},
            "default": ["alb"],
            "description": "Ingress classes served by the AWS Load Balancer Controller.",
        },
        exemptIngressClasses={
            "type": "array",
            "items": {"type": "string"},
            "default": [],
            "description": "Ingress classes whose controller adds the security headers globally.",
        },
    ),
    tags=["security-headers", "kubernetes"],
)


# --------------------------------------------------------------- content-security-policy-strength


def check_csp_strength(resources: Sequence[PolicyResource], cfg: dict, ev: Evaluation) -> None:
    owner = stack_csp_owner(resources)
    for rhp in of_type(resources, RESPONSE_HEADERS_POLICY):
        csp = ev.get(rhp.props, f"{_CSP_PATH}.contentSecurityPolicy", label=f"{rhp.name}.")
        mode = rhp_csp_owner(rhp)
        if not isinstance(csp, str) or not csp.strip() or mode is UNKNOWN:
            continue
        what = ("the CSP the CDN sends on every response (override=True)" if mode == "cdn" else
                "the fallback CSP the CDN adds where the app sent none (override=False: the app owns the CSP)")
        for problem in csp_problems(csp, mode):
            ev.violation(f"{label(rhp.resource_type, rhp.name)}: {_CSP_PATH}.contentSecurityPolicy, {what}, "
                         f"{problem}", rhp.urn)
    origin_csps: list[tuple[PolicyResource, str, Any]] = []
    for route in of_type(resources, VERCEL_ROUTE):
        headers = _route_headers(route, ev)
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
