"""What secure response headers are, and who owns the CSP: the values the header rules judge.

The pure functions (:func:`parse_hsts`, :func:`csp_problems`, :func:`header_problems`, ...)
need no Pulumi runtime; :func:`stack_csp_owner` and :func:`origin_required_headers` read who
owns the Content-Security-Policy from a stack's CloudFront response headers policy. The rules
that apply them are in ``security_headers`` (CloudFront, CSP strength) and ``origin_headers``
(Vercel routes, Kubernetes Ingress).
"""

from __future__ import annotations

import re
from typing import Any, Mapping, Optional, Sequence

from pulumi_policy import PolicyResource

from pulumi_webstack_policies.base import of_type
from pulumi_webstack_policies.values import UNKNOWN, as_int, lookup, shown, truthy

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


def header_schema_properties() -> dict[str, dict[str, Any]]:
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


SCRIPT_OVERRIDES = ("script-src-elem", "script-src-attr")
"""CSP3 directives that take over from script-src for ``<script>`` elements and inline event
handlers: a strict script-src says nothing about scripts they let in."""


def _script_problems(script: list[str], where: str, owner: str) -> list[str]:
    """Weaknesses of one script directive's sources (see :func:`csp_problems`)."""
    out: list[str] = []
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
    return out


def csp_problems(csp: str, owner: str) -> list[str]:
    """Weaknesses of a CSP against OWASP's Content Security Policy cheat sheet.

    ``owner`` is ``cdn`` (the policy is what browsers enforce) or ``app`` (the fallback the
    CDN adds where the app sent none; the app's own per-request policy carries the nonce).
    Both are static, so neither may carry a nonce. The app-owned fallback may allow
    ``'unsafe-inline'`` scripts, because stock Next.js and SvelteKit builds cannot run
    without it when the app sends no nonce; everything else is judged alike:

    * script-src (or default-src), and script-src-elem / script-src-attr where present (CSP3:
      they override script-src for script elements and event handlers): no ``*``, bare
      scheme or wildcard host, no ``'unsafe-eval'``; ``'unsafe-inline'`` only with a hash
      (or a nonce), which makes browsers ignore it. With ``'strict-dynamic'`` and a hash,
      hosts and schemes are ignored by browsers (CSP3) and are only old-browser fallbacks.
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
        out += _script_problems(script, where, owner)
    for directive in SCRIPT_OVERRIDES:  # CSP3: they govern script elements and event handlers over script-src
        sources = csp_directive(csp, directive)
        if sources is not None:
            out += _script_problems(sources, directive, owner)
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


def unknown_headers(headers: Mapping[str, Any], names: Sequence[str]) -> list[str]:
    """The headers among ``names`` whose value is :data:`UNKNOWN` (names case-insensitive):
    :func:`header_problems` does not judge them, so the caller records them as unverifiable."""
    h = {str(k).lower(): v for k, v in headers.items()}
    return [name for name in names if h.get(name) is UNKNOWN]


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


SHC = "securityHeadersConfig"
"""Where a response headers policy keeps its security headers."""
CSP_PATH = f"{SHC}.contentSecurityPolicy"


# ---------------------------------------------------------------------------- CSP owner




def rhp_csp_owner(rhp: PolicyResource) -> Any:
    """``app`` when the response headers policy's CSP does not override the origin's
    (``override=False``: CloudFront only fills in), else ``cdn``; :data:`UNKNOWN` if unknown."""
    override = lookup(rhp.props, f"{CSP_PATH}.override")
    if override is UNKNOWN:
        return UNKNOWN
    return "cdn" if truthy(override) else "app"


def stack_csp_owner(resources: Sequence[PolicyResource]) -> str:
    """Who owns the stack's CSP: ``app`` when a CloudFront response headers policy with a CSP
    leaves the origin's in place (``override=False``), else ``cdn`` (with no CDN to fill in,
    every origin-side layer must send the CSP itself)."""
    for rhp in of_type(resources, RESPONSE_HEADERS_POLICY):
        csp = lookup(rhp.props, f"{CSP_PATH}.contentSecurityPolicy")
        if isinstance(csp, str) and csp.strip() and rhp_csp_owner(rhp) == "app":
            return "app"
    return "cdn"


def origin_required_headers(resources: Sequence[PolicyResource], headers: Sequence[str] = ALL_HEADERS) -> list[str]:
    """The headers an origin-side layer (Vercel route, Ingress) must send: all of them, but no
    CSP when the app owns it (the layer would replace or duplicate the app's policy)."""
    app_owned = stack_csp_owner(resources) == "app"
    return [name for name in headers if not (app_owned and name == CSP)]
