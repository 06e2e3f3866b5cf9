"""TLS rules: encryption in transit on every hop the project can create.

viewer -> CloudFront -> origin, load balancer listeners, clients -> RDS / RDS Proxy /
ElastiCache, S3 and SNS requests, and Kubernetes Ingress. All mandatory.

This module holds the rules of the edge (CloudFront, load balancers, Ingress) and the list of
them all; the rules for clients of AWS services (RDS, RDS Proxy, ElastiCache, S3, SNS) are in
``service_tls``, re-exported here.
"""

from __future__ import annotations

import re
from typing import Any

from pulumi_policy import Severity

from pulumi_webstack_policies.base import ADVISORY, MANDATORY, Subject, resource_policy
from pulumi_webstack_policies.service_tls import (  # noqa: F401  (this module's public names before the split)
    BUCKET_POLICY, CACHE_CLUSTER, CACHE_REPLICATION_GROUP, FORCE_TLS_PARAMETERS, RDS_CLUSTER, RDS_INSTANCE,
    RDS_PARAMETER_GROUPS, RDS_PROXY, SNS_PUBLISH, TOPIC, TOPIC_POLICY, check_buckets_tls_only, check_cache_transit,
    check_parameter_group_tls, check_proxy_tls, check_rds_uses_tls_group, check_topics_tls_only,
    elasticache_transit_encryption, parameter_values, rds_parameter_group_force_ssl, rds_proxy_require_tls,
    rds_uses_force_ssl_parameter_group, s3_bucket_tls_only, sns_topic_tls_only,
)
from pulumi_webstack_policies.settings import schema
from pulumi_webstack_policies.values import UNKNOWN, Evaluation, as_list, elements, entries, lookup, truthy

DISTRIBUTION = "aws:cloudfront/distribution:Distribution"
VPC_ORIGIN = "aws:cloudfront/vpcOrigin:VpcOrigin"
LISTENERS = ("aws:lb/listener:Listener", "aws:alb/listener:Listener")
INGRESS = "kubernetes:networking.k8s.io/v1:Ingress"

VIEWER_TLS_POLICIES = ["TLSv1.2_2021", "TLSv1.2_2025", "TLSv1.3_2025"]
ORIGIN_SSL_PROTOCOLS = ["TLSv1.2"]
ELB_TLS_POLICIES = [
    "ELBSecurityPolicy-TLS13-1-2-2021-06",
    "ELBSecurityPolicy-TLS13-1-2-Res-2021-06",
    "ELBSecurityPolicy-TLS13-1-3-2021-06",
    "ELBSecurityPolicy-TLS13-1-2-FIPS-2023-04",
    "ELBSecurityPolicy-TLS13-1-2-Res-FIPS-2023-04",
    "ELBSecurityPolicy-TLS13-1-3-FIPS-2023-04",
    "ELBSecurityPolicy-TLS13-1-2-PQ-2025-09",
    "ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09",
    "ELBSecurityPolicy-TLS13-1-3-PQ-2025-09",
    "ELBSecurityPolicy-TLS13-1-2-FIPS-PQ-2025-09",
    "ELBSecurityPolicy-TLS13-1-2-Res-FIPS-PQ-2025-09",
    "ELBSecurityPolicy-TLS13-1-3-FIPS-PQ-2025-09",
]


_REVISION = re.compile(r"^(?P<family>.+?)[-_](?P<date>\d{4}(?:-\d{2})?)$")


def accepted_security_policy(name: Any, allowed: list[str]) -> bool:
    """``name`` is listed in ``allowed``, or is a newer revision of a listed family.

    AWS publishes TLS security policies as dated revisions of a family (CloudFront's
    ``TLSv1.2_2018``, ``_2019``, ``_2021``, ``_2025``; ELB's ``ELBSecurityPolicy-TLS13-1-2-2021-06``),
    each keeping or narrowing the protocols and ciphers of the one before, so a revision newer
    than a listed one (``TLSv1.2_2027``) is accepted without a pack release. Only families named
    in ``allowed`` count: ``TLSv1.2_2027`` stays refused when only ``TLSv1.3_2025`` is allowed,
    and an ``Ext`` family never matches a listed non-``Ext`` one."""
    if not isinstance(name, str):
        return False
    if name in allowed:
        return True
    found = _REVISION.match(name)
    if found is None:
        return False
    for listed in allowed:
        other = _REVISION.match(listed)
        if other and other["family"] == found["family"] and len(other["date"]) == len(found["date"]) \
                and other["date"] <= found["date"]:
            return True
    return False


# ------------------------------------------------------------------------ CloudFront viewers


def check_viewer_tls(subject: Subject, cfg: dict, ev: Evaluation) -> None:
    p, who = subject.props, subject.label
    behaviors = [("defaultCacheBehavior", ev.get(p, "defaultCacheBehavior"))]
    ordered = ev.get(p, "orderedCacheBehaviors")
    behaviors += [(f"orderedCacheBehaviors.{i}", b) for i, b in enumerate(elements(ordered))]
    for path, behavior in behaviors:
        if behavior is UNKNOWN:  # not compliant, just not known yet: say so, like every rule
            ev.unknown(path)
            continue
        if behavior is None:
            continue
        policy = ev.get(behavior, "viewerProtocolPolicy", label=f"{path}.")
        if policy is not UNKNOWN and policy not in ("redirect-to-https", "https-only"):
            ev.violation(f"{who}: {path}.viewerProtocolPolicy is {policy!r}: set 'redirect-to-https' "
                         "(or 'https-only') so viewers never talk plain HTTP")
    cert = ev.get(p, "viewerCertificate")
    if cert is UNKNOWN:
        return
    if serves_default_domain_only(p) is True:
        return  # *.cloudfront.net only, until the custom domain is attached (cloudfront-custom-domain)
    default_cert = ev.get(p, "viewerCertificate.cloudfrontDefaultCertificate")
    # A computed (unknown) certificate ARN is still a custom certificate: presence is what counts.
    acm = lookup(p, "viewerCertificate.acmCertificateArn")
    iam = lookup(p, "viewerCertificate.iamCertificateId")
    if default_cert is not UNKNOWN and truthy(default_cert) or (acm is None and iam is None):
        ev.violation(f"{who}: viewerCertificate uses the default *.cloudfront.net certificate, which pins the "
                     "minimum TLS version to TLSv1: set acmCertificateArn to an ACM certificate (us-east-1) "
                     "for the site's domain with sslSupportMethod 'sni-only'")
    version = ev.get(p, "viewerCertificate.minimumProtocolVersion")
    allowed = [str(v) for v in cfg.get("allowedMinimumProtocolVersions") or []]
    if version is not UNKNOWN and not accepted_security_policy(version, allowed):
        ev.violation(f"{who}: viewerCertificate.minimumProtocolVersion is {version!r}: set one of {allowed} "
                     "(TLS 1.2 or newer with modern ciphers)")


def serves_default_domain_only(props: Any) -> Any:
    """True when a distribution has no aliases and CloudFront's default certificate: it serves
    only its ``*.cloudfront.net`` name (a first deploy before the site's certificate is
    issued). CloudFront pins that certificate's security policy to TLSv1 whatever is set, and
    browsers negotiate TLS 1.3 with it; no site domain is served over it. UNKNOWN if unknown."""
    aliases = lookup(props, "aliases")
    default_cert = lookup(props, "viewerCertificate.cloudfrontDefaultCertificate")
    if UNKNOWN in (aliases, default_cert):
        return UNKNOWN
    return truthy(default_cert) and not elements(aliases)


def check_custom_domain(subject: Subject, cfg: dict, ev: Evaluation) -> None:
    state = serves_default_domain_only(subject.props)
    if state is UNKNOWN:
        ev.unknown("aliases")
    elif state:
        ev.violation(f"{subject.label}: serves only its *.cloudfront.net name, with CloudFront's default certificate "
                     "(TLSv1 minimum), not the site's domain: create the certificate's validation CNAMEs "
                     "(cdnCertificateValidationRecords), turn on webstack:cdn.certificateValidated and run "
                     "pulumi up again, or give webstack:cdn.hostedZoneId")


cloudfront_custom_domain = resource_policy(
    name="cloudfront-custom-domain",
    description="A CloudFront distribution serves the site's own domain with its certificate (not only the "
    "*.cloudfront.net name a first deploy starts on).",
    resource_types=[DISTRIBUTION],
    check=check_custom_domain,
    enforcement_level=ADVISORY,
    severity=Severity.MEDIUM,
    remediation=(
        "Create the validation CNAMEs of the ACM certificate (stack output cdnCertificateValidationRecords) in "
        "the domain's DNS, turn on webstack:cdn.certificateValidated and run pulumi up (or set "
        "webstack:cdn.hostedZoneId so the component creates them); then point the domain at cdnDomainName."
    ),
    tags=["tls", "cloudfront"],
)


cloudfront_viewer_tls = resource_policy(
    name="cloudfront-viewer-tls",
    description="CloudFront viewers use HTTPS only, with a custom certificate and a TLSv1.2_2021-or-newer "
    "security policy.",
    resource_types=[DISTRIBUTION],
    check=check_viewer_tls,
    enforcement_level=MANDATORY,
    severity=Severity.HIGH,
    remediation=(
        "Set viewer_protocol_policy='redirect-to-https' on every cache behavior and viewer_certificate="
        "{acm_certificate_arn: <us-east-1 ACM cert>, ssl_support_method: 'sni-only', "
        "minimum_protocol_version: 'TLSv1.2_2021'}."
    ),
    config_schema=schema(
        allowedMinimumProtocolVersions={
            "type": "array",
            "items": {"type": "string"},
            "default": list(VIEWER_TLS_POLICIES),
            "description": "Accepted CloudFront viewer security policies (minimumProtocolVersion); a newer "
            "dated revision of a listed one (TLSv1.2_2027 after TLSv1.2_2025) is accepted too.",
        }
    ),
    tags=["tls", "cloudfront"],
)


# ------------------------------------------------------------------------ CloudFront origins


def _origin_protocol_problems(who: str, where: str, policy: Any, protocols: Any, allowed: list[str],
                              ev: Evaluation) -> list[str]:
    out = []
    if policy is not UNKNOWN and policy != "https-only":
        out.append(f"{who}: {where}.originProtocolPolicy is {policy!r}: set 'https-only' so CloudFront "
                   "never fetches from the origin over plain HTTP")
    if protocols is not UNKNOWN:
        listed = as_list(protocols)
        values = [v for v in listed if v is not UNKNOWN]
        if len(values) < len(listed):
            ev.unknown(f"{where}.originSslProtocols")  # an unknown entry could be a weak protocol
        weak = [v for v in values if v not in allowed]
        if weak or not listed:
            out.append(f"{who}: {where}.originSslProtocols is {values!r}: allow only {allowed}")
    return out


def check_origin_tls(subject: Subject, cfg: dict, ev: Evaluation) -> None:
    p, who = subject.props, subject.label
    allowed = [str(v) for v in cfg.get("allowedOriginSslProtocols") or []]
    if subject.type == VPC_ORIGIN:
        base = "vpcOriginEndpointConfig"
        for problem in _origin_protocol_problems(
            who, base, ev.get(p, f"{base}.originProtocolPolicy"),
            ev.get(p, f"{base}.originSslProtocols.items"), allowed, ev,
        ):
            ev.violation(problem)
        return
    for i, origin in enumerate(elements(ev.get(p, "origins"))):
        where = f"origins.{i}"
        if origin is UNKNOWN:
            ev.unknown(where)
            continue
        origin_id = lookup(origin, "originId")
        if isinstance(origin_id, str):
            where = f"origins.{i} ('{origin_id}')"
        custom = ev.get(origin, "customOriginConfig", label=f"origins.{i}.")
        if custom is UNKNOWN:
            continue
        if custom is None:
            typed = [lookup(origin, k) for k in ("s3OriginConfig", "vpcOriginConfig", "originAccessControlId")]
            if all(v is None for v in typed):
                ev.violation(f"{who}: {where} has no customOriginConfig, s3OriginConfig, vpcOriginConfig or "
                             "originAccessControlId: add customOriginConfig with originProtocolPolicy "
                             "'https-only' and originSslProtocols ['TLSv1.2']")
            continue
        for problem in _origin_protocol_problems(
            who, f"{where}.customOriginConfig",
            ev.get(custom, "originProtocolPolicy", label=f"origins.{i}.customOriginConfig."),
            ev.get(custom, "originSslProtocols", label=f"origins.{i}.customOriginConfig."),
            allowed, ev,
        ):
            ev.violation(problem)


cloudfront_origin_tls = resource_policy(
    name="cloudfront-origin-tls",
    description="CloudFront reaches custom and VPC origins over HTTPS only, with TLSv1.2 only.",
    resource_types=[DISTRIBUTION, VPC_ORIGIN],
    check=check_origin_tls,
    enforcement_level=MANDATORY,
    severity=Severity.HIGH,
    remediation=(
        "For every custom origin set custom_origin_config={origin_protocol_policy: 'https-only', "
        "origin_ssl_protocols: ['TLSv1.2'], https_port: 443, http_port: 80}; for VPC origins set the same "
        "in vpc_origin_endpoint_config."
    ),
    config_schema=schema(
        allowedOriginSslProtocols={
            "type": "array",
            "items": {"type": "string"},
            "default": list(ORIGIN_SSL_PROTOCOLS),
            "description": "SSL/TLS protocols CloudFront may use towards origins.",
        }
    ),
    tags=["tls", "cloudfront"],
)


# ------------------------------------------------------------------------- load balancers


def check_listener_tls(subject: Subject, cfg: dict, ev: Evaluation) -> None:
    p, who = subject.props, subject.label
    protocol = ev.get(p, "protocol")
    if protocol is UNKNOWN:
        return
    protocol = (protocol or "HTTP").upper() if isinstance(protocol, str) or protocol is None else protocol
    allowed = [str(v) for v in cfg.get("allowedSslPolicies") or []]
    if protocol in ("HTTPS", "TLS"):
        policy = ev.get(p, "sslPolicy")
        if policy is not UNKNOWN and not accepted_security_policy(policy, allowed):
            ev.violation(f"{who}: sslPolicy is {policy!r}: use a TLS 1.2+/1.3 policy such as "
                         f"'ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09' (allowed: {allowed})")
        return
    if protocol == "HTTP":
        for i, action in enumerate(elements(ev.get(p, "defaultActions"))):
            if action is UNKNOWN:
                ev.unknown(f"defaultActions.{i}")
                continue
            kind = ev.get(action, "type", label=f"defaultActions.{i}.")
            if kind is UNKNOWN:
                continue
            if kind == "redirect":
                target = ev.get(action, "redirect.protocol", label=f"defaultActions.{i}.")
                if target is not UNKNOWN and str(target).upper() != "HTTPS":
                    ev.violation(f"{who}: defaultActions.{i} redirects to {target!r}: redirect to protocol "
                                 "'HTTPS' (status HTTP_301)")
            elif kind != "fixed-response":
                ev.violation(f"{who}: plaintext HTTP listener forwards requests (defaultActions.{i}.type = "
                             f"{kind!r}): make port 80 a redirect to HTTPS and serve traffic from an HTTPS "
                             "listener")
        return
    ev.violation(f"{who}: protocol {protocol!r} carries plaintext traffic: use an HTTPS (ALB) or TLS (NLB) "
                 "listener with a modern sslPolicy")


lb_listener_tls = resource_policy(
    name="lb-listener-tls",
    description="Load balancer listeners never forward plaintext, and HTTPS/TLS listeners use a modern "
    "TLS security policy.",
    resource_types=LISTENERS,
    check=check_listener_tls,
    enforcement_level=MANDATORY,
    severity=Severity.HIGH,
    remediation=(
        "Serve traffic from protocol='HTTPS' (or 'TLS') listeners with ssl_policy="
        "'ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09'; make any port-80 listener a redirect to HTTPS."
    ),
    config_schema=schema(
        allowedSslPolicies={
            "type": "array",
            "items": {"type": "string"},
            "default": list(ELB_TLS_POLICIES),
            "description": "Accepted ELB security policies (TLS 1.2 minimum, TLS 1.3 capable, no legacy ciphers); "
            "a newer dated revision of a listed one (same name, later date) is accepted too.",
        }
    ),
    tags=["tls", "load-balancer"],
)



# ---------------------------------------------------------------------- Kubernetes Ingress


def _host_covered(host: str, tls_hosts: list[str]) -> bool:
    for pattern in tls_hosts:
        if pattern == host:
            return True
        if pattern.startswith("*.") and host.endswith(pattern[1:]) and host.count(".") == pattern.count("."):
            return True
    return False


def check_ingress_tls(subject: Subject, cfg: dict, ev: Evaluation) -> None:
    p, who = subject.props, subject.label
    tls = ev.get(p, "spec.tls")
    if tls is UNKNOWN:
        return
    entries_ = elements(tls)
    if not entries_:
        ev.violation(f"{who}: spec.tls is empty: add spec.tls=[{{hosts: [...], secretName: ...}}] so the "
                     "ingress terminates HTTPS for its hosts")
        return
    tls_hosts: list[str] = []
    complete = True
    for i, item in enumerate(entries_):
        hosts = lookup(item, "hosts") if item is not UNKNOWN else UNKNOWN
        if hosts is UNKNOWN or UNKNOWN in elements(hosts):
            ev.unknown(f"spec.tls.{i}.hosts")
            complete = False
            continue
        tls_hosts += [h for h in elements(hosts) if isinstance(h, str)]
    for i, rule in enumerate(elements(ev.get(p, "spec.rules")) if complete else []):
        host = lookup(rule, "host") if rule is not UNKNOWN else UNKNOWN
        if host is UNKNOWN:
            ev.unknown(f"spec.rules.{i}.host")  # could be a host spec.tls does not cover
        elif isinstance(host, str) and not _host_covered(host, tls_hosts):
            ev.violation(f"{who}: spec.rules.{i}.host '{host}' is not listed in any spec.tls hosts: add it so "
                         "it is served over HTTPS")
    annotations = ev.get(p, "metadata.annotations")
    for key, value in entries(annotations) if annotations is not UNKNOWN else []:
        if key in ("nginx.ingress.kubernetes.io/ssl-redirect", "nginx.ingress.kubernetes.io/force-ssl-redirect"):
            if isinstance(value, str) and value.strip().lower() == "false":
                ev.violation(f"{who}: annotation {key} = 'false' serves the site over plain HTTP: remove it "
                             "(ingress-nginx redirects to HTTPS by default when tls is set)")


kubernetes_ingress_tls = resource_policy(
    name="kubernetes-ingress-tls",
    description="Kubernetes Ingresses terminate TLS (spec.tls covers every host) and do not turn the "
    "HTTPS redirect off.",
    resource_types=[INGRESS],
    check=check_ingress_tls,
    enforcement_level=MANDATORY,
    severity=Severity.HIGH,
    remediation="Set spec.tls=[{hosts: [<every rule host>], secretName: <certificate secret>}] and do not set "
    "ssl-redirect annotations to 'false'.",
    tags=["tls", "kubernetes"],
)



POLICIES = [
    cloudfront_viewer_tls,
    cloudfront_custom_domain,
    cloudfront_origin_tls,
    lb_listener_tls,
    rds_parameter_group_force_ssl,
    rds_uses_force_ssl_parameter_group,
    rds_proxy_require_tls,
    elasticache_transit_encryption,
    s3_bucket_tls_only,
    sns_topic_tls_only,
    kubernetes_ingress_tls,
]
