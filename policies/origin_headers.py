"""Security-header rules of the origin-side layers: Vercel routes and Kubernetes Ingress.

Each layer that answers users directly (a Vercel deployment reached without the CDN, the
Ingress in front of the pods) sends the secure headers itself, judged like the CDN's
(``header_values``); none sends a CSP when the app owns it.
"""

from __future__ import annotations

import re
from typing import Any, Iterable, Sequence

from pulumi_policy import PolicyResource, Severity

from pulumi_webstack_policies.base import MANDATORY, label, of_type, references, referring_to, stack_policy
from pulumi_webstack_policies.header_values import (
    ALL_HEADERS,
    CONFIG_MAP,
    CSP,
    HSTS,
    INGRESS,
    VERCEL_PROJECT,
    VERCEL_ROUTE,
    XCTO,
    XFO,
    header_problems,
    header_schema_properties,
    origin_required_headers,
    unknown_headers,
    weakened_header_problems,
)
from pulumi_webstack_policies.settings import schema
from pulumi_webstack_policies.values import UNKNOWN, Evaluation, elements, entries, lookup, truthy


# ------------------------------------------------------------------------- Vercel routes

CATCH_ALL_SOURCES = ["/(.*)", "/.*", "(.*)", ".*", "/:path*", "/:path(.*)", "^/(.*)$", "^/.*$", "/((?!).*)"]


def route_headers(route: PolicyResource, ev: Evaluation) -> Any:
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
        headers = [route_headers(r, ev) for r in catch_all]
        if UNKNOWN in headers:
            continue
        for h in headers:
            merged.update(h)
        route = catch_all[-1]
        required = origin_required_headers(resources)
        for name in unknown_headers(merged, required):
            ev.unknown(f"{route.name}.route.headers.{name}")
        for problem in header_problems(merged, cfg, required=required):
            ev.violation(f"{label(route.resource_type, route.name)} (catch-all route of {who}): route.headers: "
                         f"{problem}", route.urn)
    # Any other route that sets a security header must not weaken it.
    for route in routes:
        if route.urn in catch_all_urns:
            continue
        headers = route_headers(route, ev)
        if headers is UNKNOWN:
            continue
        for name in unknown_headers(headers, ALL_HEADERS):
            ev.unknown(f"{route.name}.route.headers.{name}")
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
        **header_schema_properties(),
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
        for name in unknown_headers(headers, required):
            ev.unknown(f"{ingress.name}: {name}")
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
        **header_schema_properties(),
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
