"""Cdn: CloudFront in front of the app tier, with TLS 1.2+, security headers, per-path caching,
WAF (with request logs) and access logs.

Users reach the distribution over HTTPS only (HTTP is redirected) with a certificate for
the site's own domain and a TLSv1.2_2021-or-newer security policy; CloudFront reaches the
app tier over HTTPS with TLS 1.2 only. Every cache behavior carries the same response
headers policy (components/headers.py), so every response has HSTS, CSP, nosniff, framing
protection, a safe Referrer-Policy and a Permissions-Policy, whatever the origin sends.

Caching follows the path classes of a Next.js / SvelteKit app (DESIGN.md):

=========  ==========================================  ======================================
class      paths (defaults)                            cache policy
=========  ==========================================  ======================================
static     /_next/static/*, /_app/immutable/*,         ``static_ttl`` (1 year in prod; the
           /assets/*                                   files are content-hashed: immutable)
images     /_next/image*, /images/*                    ``image_ttl`` (7 days in prod), keyed
                                                       on query and ``Accept`` (format)
api        /api/*                                      cached only when the origin opts in
                                                       (default TTL 0), at most ``api_ttl``
                                                       (5 min in prod); keyed on
                                                       Authorization, cookies and query, so a
                                                       per-user response is never shared
public     /favicon.ico, /robots.txt, /sitemap*.xml,   ``default_ttl`` (24 h in prod)
           /manifest.webmanifest
html       everything else (default behavior)          ``html_ttl`` (0 in prod: never cached)
=========  ==========================================  ======================================

CloudFront reads certificates and CLOUDFRONT-scoped web ACLs only in us-east-1, and standard
logging v2 is configured there: every regional resource of the component (certificate, web
ACL, keys, log groups and bucket, log delivery) names ``region="us-east-1"`` itself, whatever
the region of the AWS provider it is given (which still supplies credentials and default tags).

Access logs use CloudFront standard logging **v2** (CloudWatch Logs vended delivery to
S3), not the legacy ``logging_config``: legacy logging writes through S3 ACLs and needs
the bucket's ACLs enabled for the ``awslogsdelivery`` account, while v2 delivers with a
bucket policy. The log bucket therefore keeps ACLs disabled (BucketOwnerEnforced), blocks
all public access, is encrypted with its own KMS key, refuses non-TLS requests, and only
the log delivery service, for this account's delivery sources, may write to it.

Certificate: an ACM certificate (DNS validation) for ``domain`` and ``aliases``, or an
issued us-east-1 one from ``certificate_arn``. CloudFront refuses a certificate that is not
issued yet, and ACM issues only once the validation CNAMEs resolve, so:

* with ``hosted_zone_id`` the component writes the validation records, waits for issuance
  (``CertificateValidation``, a few minutes) and attaches the domain, with A/AAAA alias
  records, in one ``pulumi up``;
* without it the first ``pulumi up`` cannot wait (nothing would ever create the records it
  waits for): it requests the certificate, exports the CNAMEs it needs
  (``certificate_validation_records``) and creates the distribution on its default
  ``*.cloudfront.net`` domain and certificate, without the custom domain. Create those
  CNAMEs in your DNS, set ``certificate_validated`` (``webstack:cdn.certificateValidated:
  true``) and run ``pulumi up`` again: it confirms the certificate is issued and attaches
  the domain; then point the domain at ``domain_name``. ``custom_domain_attached`` says
  which state the distribution is in.

Helpers of this component: components/cdn_caching.py (path classes, cache policies,
behaviors), components/cdn_logs.py (the logs key, access logs) and components/waf.py (web
ACL rules, WAF request logs).
"""

import re
from dataclasses import dataclass, field
from typing import Any, Optional

import pulumi
import pulumi_aws as aws

from pulumi_webstack import waf as w
from pulumi_webstack import headers as h
from pulumi_webstack.cdn_caching import (  # noqa: F401  (ALL_METHODS ... cache_key: public names of this module)
    ALL_METHODS, ALL_VIEWER_EXCEPT_HOST, CACHED_METHODS, ORIGIN_ID, READ_METHODS, Behaviors, PathClass, cache_behaviors,
    cache_key, comment, path_classes,
)
from pulumi_webstack.cdn_logs import CLOUDFRONT_REGION, access_logs, logs_key, physical_name
from pulumi_webstack.args import aws_region, check_fields, from_inputs, log_retention, setting
from pulumi_webstack.errors import require
from pulumi_webstack.names import HOSTNAME

VIEWER_SECURITY_POLICIES = ("TLSv1.2_2021", "TLSv1.2_2025", "TLSv1.3_2025")
"""CloudFront viewer security policies with TLS 1.2 or newer and modern ciphers only."""
PRICE_CLASSES = ("PriceClass_100", "PriceClass_200", "PriceClass_All")
MAX_CACHE_BEHAVIORS = 25
"""CloudFront's default quota of cache behaviors per distribution."""
MAX_TTL = 31536000
WAF_MIN_RATE_LIMIT = w.WAF_MIN_RATE_LIMIT

REFUSED_ORIGIN_HEADERS = frozenset({
    # CloudFront cannot add these to origin requests (developer guide, "Custom headers that
    # CloudFront can't add to origin requests"): CreateDistribution fails.
    "cache-control", "connection", "content-length", "cookie", "host", "if-match", "if-modified-since",
    "if-none-match", "if-range", "if-unmodified-since", "max-forwards", "pragma", "proxy-authorization",
    "proxy-connection", "range", "request-range", "te", "trailer", "transfer-encoding", "upgrade", "via",
    "x-real-ip",
    # Accepted by CloudFront, refused here: a fixed value would replace the viewer's credentials
    # on the API paths, or forge the client address the app sees.
    "authorization", "x-forwarded-for",
})
REFUSED_ORIGIN_HEADER_PREFIXES = ("x-amz-", "x-edge-")

_PATH = re.compile(r"^/[A-Za-z0-9_\-.*/]*$")
_CERT_ARN = re.compile(r"^arn:aws[\w-]*:acm:us-east-1:\d{12}:certificate/[0-9a-f-]{36}$")
_ZONE_ID = re.compile(r"^Z[A-Z0-9]{1,32}$")


@dataclass
class CdnArgs:
    """Arguments of ``Cdn``."""

    domain: str
    """Public host name users type (``shop.example.com``); lower case, no scheme."""
    origin_domain: pulumi.Input[str]
    """Host name of the app tier CloudFront fetches from over HTTPS (``origin.shop.example.com``)."""
    aliases: Optional[list[str]] = field(default_factory=list)
    """More host names served by the distribution (each on the certificate)."""
    origin_headers: Optional[dict[str, pulumi.Input[str]]] = field(default_factory=dict)
    """Headers CloudFront adds to every origin request, e.g. the app tier's origin-verify
    secret (values may be secrets; they stay secret in state)."""
    certificate_arn: Optional[str] = setting(
        None, pattern=_CERT_ARN.pattern.strip("^$"),
        words="must be an ACM certificate ARN in us-east-1 (CloudFront reads certificates only there)")
    """Use this issued us-east-1 ACM certificate instead of requesting one."""
    hosted_zone_id: Optional[str] = setting(
        None, pattern=_ZONE_ID.pattern.strip("^$"), words="must be a Route 53 hosted zone id such as Z0123456789ABCDEFGHIJ")
    """Route 53 zone holding ``domain``: validation and alias records are created there."""
    certificate_validated: Optional[bool] = False
    """Without ``hosted_zone_id``: the validation CNAMEs of ``certificate_validation_records``
    exist in your DNS, so ``pulumi up`` may wait for the certificate and attach the domain.
    Until then the distribution serves its default ``*.cloudfront.net`` domain only."""
    price_class: Optional[str] = setting("PriceClass_100", one_of=PRICE_CLASSES)
    """CloudFront price class."""
    minimum_protocol_version: Optional[str] = setting("TLSv1.2_2021", one_of=VIEWER_SECURITY_POLICIES)
    """Viewer security policy (TLSv1.2_2021 or newer)."""
    default_ttl_seconds: Optional[int] = setting(86400, ge=0, le=MAX_TTL)
    """TTL of the ``public`` class (root files such as robots.txt)."""
    static_ttl_seconds: Optional[int] = setting(MAX_TTL, ge=0, le=MAX_TTL)
    """TTL of content-hashed static assets."""
    image_ttl_seconds: Optional[int] = setting(604800, ge=0, le=MAX_TTL)
    """TTL of optimised images."""
    api_ttl_seconds: Optional[int] = setting(300, ge=0, le=MAX_TTL)
    """Longest time an API response that allows caching is cached."""
    html_ttl_seconds: Optional[int] = setting(0, ge=0, le=MAX_TTL)
    """TTL of HTML (default behavior); 0 never caches it."""
    static_paths: Optional[list[str]] = field(default_factory=lambda: ["/_next/static/*", "/_app/immutable/*", "/assets/*"])
    """Path patterns of the ``static`` class."""
    image_paths: Optional[list[str]] = field(default_factory=lambda: ["/_next/image*", "/images/*"])
    """Path patterns of the ``images`` class."""
    api_paths: Optional[list[str]] = field(default_factory=lambda: ["/api/*"])
    """Path patterns of the ``api`` class (also the scope of the WAF rate limit)."""
    public_paths: Optional[list[str]] = field(
        default_factory=lambda: ["/favicon.ico", "/robots.txt", "/sitemap*.xml", "/manifest.webmanifest"]
    )
    """Path patterns of the ``public`` class."""
    waf: Optional[bool] = True
    """Attach a WAFv2 web ACL with AWS managed rule groups."""
    waf_count_rules: Optional[list[str]] = field(default_factory=lambda: list(w.DEFAULT_COUNT_RULES))
    """Rules of the core rule set that only count (label and log) instead of blocking. By
    default ``SizeRestrictions_BODY``, which blocks bodies over 8 KB (uploads, large JSON,
    server actions); ``[]`` lets every rule block."""
    waf_logging: Optional[bool] = True
    """Log the web ACL's requests (authorization and cookie headers redacted) to a
    KMS-encrypted CloudWatch Logs group ``aws-waf-logs-<project>-<stack>-<name>``, kept
    ``log_retention_days`` (with ``waf``)."""
    api_rate_limit_per_minute: Optional[int] = setting(None, ge=WAF_MIN_RATE_LIMIT, le=2_000_000_000)
    """Requests per client IP per minute on the API paths before WAF answers 429 (needs waf)."""
    access_logs: Optional[bool] = True
    """Standard access logs (v2) to a locked-down S3 bucket."""
    log_retention_days: Optional[int] = log_retention(90)
    """Days access logs and WAF logs are kept."""
    origin_shield_region: Optional[str] = aws_region()
    """Origin Shield region (an extra caching layer in front of the origin); None: off."""
    origin_read_timeout_seconds: Optional[int] = setting(30, ge=1, le=180)
    """How long CloudFront waits for the origin's response. Above 60 needs a raised "response
    timeout per origin" quota first (CloudFront refuses the value without it)."""
    headers: Optional[h.SecurityHeaders] = field(default_factory=h.SecurityHeaders)
    """Security headers sent with every response."""

    def __post_init__(self) -> None:
        check_fields(self)
        require(isinstance(self.domain, str) and bool(HOSTNAME.match(self.domain)), "cdn.domain", self.domain,
                "must be a lower-case DNS name such as app.example.com (no scheme, no path)")
        for alias in self.aliases:
            require(isinstance(alias, str) and bool(HOSTNAME.match(alias.removeprefix("*."))), "cdn.aliases", alias,
                    "must be a lower-case DNS name (optionally *.) such as www.example.com")
        names = [self.domain, *self.aliases]
        require(len(set(names)) == len(names), "cdn.aliases", self.aliases,
                "must not repeat a name or the domain itself")
        if isinstance(self.origin_domain, str):
            require(bool(HOSTNAME.match(self.origin_domain)), "cdn.origin_domain", self.origin_domain,
                    "must be a host name (no scheme, no path)")
            require(self.origin_domain not in names, "cdn.origin_domain", self.origin_domain,
                    "must differ from the names the distribution serves (CloudFront would fetch from itself)")
        for name in self.origin_headers:
            require(origin_header_allowed(name), "cdn.origin_headers", name,
                    "must be a header name CloudFront may add to origin requests")
        require(not (self.certificate_validated and (self.certificate_arn or self.hosted_zone_id)),
                "cdn.certificate_validated", self.certificate_validated,
                "only applies to a requested certificate without hosted_zone_id (with certificate_arn or "
                "hosted_zone_id the domain is attached at once)")
        require(self.certificate_arn is not None or len(self.domain) <= 64, "cdn.domain", self.domain,
                "ACM certificates need a first name of at most 64 characters: give certificate_arn for longer names")
        seen: dict[str, str] = {}
        for cls in ("static", "image", "api", "public"):
            paths = getattr(self, f"{cls}_paths")
            require(cls != "api" or bool(paths), f"cdn.{cls}_paths", paths, "must list at least one pattern")
            for path in paths:
                require(isinstance(path, str) and bool(_PATH.match(path)) and len(path) <= 255,
                        f"cdn.{cls}_paths", path, "must be a CloudFront path pattern starting with '/'")
                require(path not in seen, f"cdn.{cls}_paths", path,
                        f"is already in {seen.get(path)}_paths: each pattern belongs to one class")
                seen[path] = cls
        require(len(seen) <= MAX_CACHE_BEHAVIORS, "cdn.paths", len(seen),
                f"at most {MAX_CACHE_BEHAVIORS} path patterns (CloudFront's cache behavior quota)")
        for rule in self.waf_count_rules:
            require(rule in w.COMMON_RULE_SET_RULES, "cdn.waf_count_rules", rule,
                    "must name a rule of AWSManagedRulesCommonRuleSet: " + ", ".join(w.COMMON_RULE_SET_RULES))
        require(len(set(self.waf_count_rules)) == len(self.waf_count_rules), "cdn.waf_count_rules",
                self.waf_count_rules, "must not repeat a rule")
        if self.api_rate_limit_per_minute is not None:
            require(self.waf, "cdn.api_rate_limit_per_minute", self.api_rate_limit_per_minute,
                    "needs waf=True (the limit is a WAF rate-based rule)")
            for path in self.api_paths:
                require("*" not in path.rstrip("*"), "cdn.api_paths", path,
                        "with a rate limit, API patterns may use '*' only at the end (the WAF matches a prefix)")


def origin_header_allowed(name: str) -> bool:
    """Whether CloudFront accepts ``name`` as a custom origin header (and it is safe to set)."""
    lower = name.lower()
    return (bool(re.match(r"^[A-Za-z0-9-]+$", name)) and not lower.startswith(REFUSED_ORIGIN_HEADER_PREFIXES)
            and lower not in REFUSED_ORIGIN_HEADERS)


api_prefixes = w.api_prefixes


PENDING_VIEWER_CERTIFICATE = {"cloudfront_default_certificate": True, "minimum_protocol_version": "TLSv1"}
"""``viewer_certificate`` until the custom domain is attached: the ``*.cloudfront.net``
certificate. CloudFront sets the security policy of that certificate to TLSv1 whatever is
asked (a different value shows as a change on every ``pulumi up``); the custom domain gets
``minimum_protocol_version``."""


def validation_names(domains: list[str]) -> list[str]:
    """Names that get their own DNS validation record (``*.x`` shares the record of ``x``)."""
    out: list[str] = []
    for d in domains:
        base = d.removeprefix("*.")
        if base not in out:
            out.append(base)
    return out


class Cdn(pulumi.ComponentResource):
    """CloudFront distribution with TLS 1.2+, security headers on every behavior, cache
    policies per path class, WAFv2 and locked-down access logs.

    Creates: ACM certificate (unless ``certificate_arn``) and its validation (with
    ``hosted_zone_id`` or ``certificate_validated``), Route 53 validation and A/AAAA alias
    records (with ``hosted_zone_id``), response headers policy, one cache
    policy per path class, WAFv2 web ACL (``waf``) and its KMS-encrypted log group, log
    resource policy and logging configuration (``waf_logging``), log bucket with KMS key,
    policies and lifecycle plus the log delivery source/destination/delivery
    (``access_logs``), and the distribution.

    Outputs: ``distribution_id``, ``distribution_arn``, ``domain_name``, ``certificate_arn``,
    ``web_acl_arn`` (None without WAF), ``waf_log_group_name`` (None without WAF logging),
    ``response_headers_policy_id``, ``log_bucket_name`` (None without access logs),
    ``certificate_validation_records``, ``custom_domain_attached``, ``url``.
    """

    distribution_id: pulumi.Output[str]
    """CloudFront distribution id (for invalidations and CloudWatch metrics)."""
    distribution_arn: pulumi.Output[str]
    """ARN of the distribution (WAF association, IAM and S3 bucket policies)."""
    domain_name: pulumi.Output[str]
    """The distribution's own host name (``d111111abcdef8.cloudfront.net``): the DNS target."""
    certificate_arn: pulumi.Output[str]
    """The viewer certificate (issued)."""
    web_acl_arn: Optional[pulumi.Output[str]]
    """The WAFv2 web ACL, or None when WAF is off."""
    waf_log_group_name: Optional[pulumi.Output[str]]
    """CloudWatch Logs group of the web ACL's request logs, or None without WAF logging."""
    response_headers_policy_id: pulumi.Output[str]
    """The security-headers policy on every cache behavior."""
    log_bucket_name: Optional[pulumi.Output[str]]
    """Bucket holding access logs, or None when access logs are off."""
    certificate_validation_records: pulumi.Output[list[dict[str, str]]]
    """CNAME records ACM needs (name, type, value) when DNS is not in Route 53."""
    custom_domain_attached: bool
    """Whether the distribution serves ``domain`` (False until ``certificate_validated``
    when there is no ``hosted_zone_id``: it serves its ``*.cloudfront.net`` name only)."""
    url: pulumi.Output[str]
    """``https://<domain>``, or ``https://<domain_name>`` until the domain is attached."""

    def __init__(self, name: str, args: CdnArgs, opts: Optional[pulumi.ResourceOptions] = None):
        args = from_inputs(CdnArgs, args)
        super().__init__("webstack:index:Cdn", name, None, opts)
        self._name, self._args = name, args
        self._child = pulumi.ResourceOptions(parent=self)
        self._invoke = pulumi.InvokeOptions(parent=self)
        domains = [args.domain, *args.aliases]
        attached = bool(args.certificate_arn or args.hosted_zone_id or args.certificate_validated)

        certificate_arn, validation_records = self._certificate(domains, attached)
        self.headers_policy = self._headers_policy()
        behaviors = cache_behaviors(name, args, self.headers_policy.id, self._child, self._invoke)
        self.cache_policies = behaviors.cache_policies
        self.web_acl = self._web_acl() if args.waf else None
        self.distribution = self._distribution(domains if attached else None, certificate_arn, behaviors)
        self.waf_log_group, self.log_bucket = self._logs()
        if args.hosted_zone_id:
            self._alias_records(domains)

        self.distribution_id = self.distribution.id
        self.distribution_arn = self.distribution.arn
        self.domain_name = self.distribution.domain_name
        self.certificate_arn = pulumi.Output.from_input(certificate_arn)
        self.web_acl_arn = self.web_acl.arn if self.web_acl else None
        self.waf_log_group_name = self.waf_log_group.name if self.waf_log_group else None
        self.response_headers_policy_id = self.headers_policy.id
        self.log_bucket_name = self.log_bucket.bucket if self.log_bucket else None
        self.certificate_validation_records = validation_records
        self.custom_domain_attached = attached
        self.url = pulumi.Output.concat("https://", args.domain if attached else self.distribution.domain_name)
        self.register_outputs(
            {
                "distribution_id": self.distribution_id,
                "distribution_arn": self.distribution_arn,
                "domain_name": self.domain_name,
                "certificate_arn": self.certificate_arn,
                "web_acl_arn": self.web_acl_arn,
                "waf_log_group_name": self.waf_log_group_name,
                "response_headers_policy_id": self.response_headers_policy_id,
                "log_bucket_name": self.log_bucket_name,
                "certificate_validation_records": self.certificate_validation_records,
                "custom_domain_attached": self.custom_domain_attached,
                "url": self.url,
            }
        )

    # ------------------------------------------------------------------ certificate

    def _certificate(self, domains: list[str], attached: bool) -> tuple[pulumi.Input[str], pulumi.Output[list]]:
        """The viewer certificate's ARN (issued, when ``attached``) and the CNAMEs ACM needs."""
        name, args = self._name, self._args
        if args.certificate_arn:
            return args.certificate_arn, pulumi.Output.from_input([])
        cert = aws.acm.Certificate(
            f"{name}-cert",
            domain_name=args.domain,
            subject_alternative_names=list(args.aliases),
            validation_method="DNS",
            options={"certificate_transparency_logging_preference": "ENABLED"},
            region=CLOUDFRONT_REGION,
            opts=self._child,
        )
        self.certificate = cert
        validation_records = cert.domain_validation_options.apply(validation_record_list)
        fqdns = self._validation_records(cert, domains) if args.hosted_zone_id else []
        if not attached:
            # Nothing would create the records a CertificateValidation waits for: the first
            # deploy ends here, the distribution on its default certificate (module doc).
            return cert.arn, validation_records
        validation = aws.acm.CertificateValidation(
            f"{name}-cert",
            certificate_arn=cert.arn,
            validation_record_fqdns=fqdns or None,
            region=CLOUDFRONT_REGION,
            opts=self._child,
        )
        return validation.certificate_arn, validation_records

    def _validation_records(self, cert: aws.acm.Certificate, domains: list[str]) -> list[pulumi.Output[str]]:
        """The DNS validation records in ``hosted_zone_id`` (one per name; ``*.x`` shares ``x``'s)."""
        fqdns: list[pulumi.Output[str]] = []
        for base in validation_names(domains):
            option = cert.domain_validation_options.apply(
                lambda opts, d=base: next(o for o in opts if o.domain_name.removeprefix("*.") == d)
            )
            record = aws.route53.Record(
                f"{self._name}-validation-{base.replace('.', '-')}",
                zone_id=self._args.hosted_zone_id,
                name=option.apply(lambda o: o.resource_record_name),
                type=option.apply(lambda o: o.resource_record_type),
                records=[option.apply(lambda o: o.resource_record_value)],
                ttl=300,
                allow_overwrite=True,
                opts=self._child,
            )
            fqdns.append(record.fqdn)
        return fqdns

    # -------------------------------------------------------------- the distribution

    def _headers_policy(self) -> aws.cloudfront.ResponseHeadersPolicy:
        headers = self._args.headers
        return aws.cloudfront.ResponseHeadersPolicy(
            f"{self._name}-security-headers",
            comment=comment(f"{self._args.domain}: HSTS, CSP, nosniff, framing, referrer and permissions policies"),
            security_headers_config=h.cloudfront_security_headers_config(headers),
            custom_headers_config=h.cloudfront_custom_headers_config(headers),
            remove_headers_config=h.cloudfront_remove_headers_config(),
            opts=self._child,
        )

    def _origin(self) -> dict[str, Any]:
        """The app tier over HTTPS (TLS 1.2), with the origin headers and Origin Shield."""
        args = self._args
        origin: dict[str, Any] = {
            "origin_id": ORIGIN_ID,
            "domain_name": args.origin_domain,
            "custom_origin_config": {
                "http_port": 80,
                "https_port": 443,
                "origin_protocol_policy": "https-only",
                "origin_ssl_protocols": ["TLSv1.2"],
                "origin_read_timeout": args.origin_read_timeout_seconds,
                "origin_keepalive_timeout": 5,
            },
        }
        if args.origin_headers:
            origin["custom_headers"] = [{"name": k, "value": v} for k, v in sorted(args.origin_headers.items())]
        if args.origin_shield_region:
            origin["origin_shield"] = {"enabled": True, "origin_shield_region": args.origin_shield_region}
        return origin

    def _distribution(self, aliases: Optional[list[str]], certificate_arn: pulumi.Input[str],
                      behaviors: Behaviors) -> aws.cloudfront.Distribution:
        """The distribution: serving ``aliases`` with the certificate, or (None) only its own
        ``*.cloudfront.net`` name until the custom domain is attached."""
        args = self._args
        return aws.cloudfront.Distribution(
            f"{self._name}-distribution",
            enabled=True,
            comment=comment(f"{args.domain} ({pulumi.get_stack()})"),
            aliases=aliases or [],
            http_version="http2and3",
            is_ipv6_enabled=True,
            price_class=args.price_class,
            origins=[self._origin()],
            default_cache_behavior=behaviors.default,
            ordered_cache_behaviors=behaviors.ordered,
            viewer_certificate={
                "acm_certificate_arn": certificate_arn,
                "ssl_support_method": "sni-only",
                "minimum_protocol_version": args.minimum_protocol_version,
            } if aliases else PENDING_VIEWER_CERTIFICATE,
            restrictions={"geo_restriction": {"restriction_type": "none"}},
            web_acl_id=self.web_acl.arn if self.web_acl else None,
            opts=self._child,
        )

    def _alias_records(self, domains: list[str]) -> None:
        """A and AAAA alias records of every served name in ``hosted_zone_id``."""
        for domain in domains:
            for record_type in ("A", "AAAA"):
                aws.route53.Record(
                    f"{self._name}-{domain.replace('*', 'wildcard').replace('.', '-')}-{record_type.lower()}",
                    zone_id=self._args.hosted_zone_id,
                    name=domain,
                    type=record_type,
                    aliases=[{
                        "name": self.distribution.domain_name,
                        "zone_id": self.distribution.hosted_zone_id,
                        "evaluate_target_health": False,
                    }],
                    opts=self._child,
                )

    # --------------------------------------------------------------------------- WAF

    def _web_acl(self) -> aws.wafv2.WebAcl:
        args = self._args
        metric = physical_name(pulumi.get_project(), pulumi.get_stack(), self._name, limit=100)
        return aws.wafv2.WebAcl(
            f"{self._name}-waf",
            scope="CLOUDFRONT",
            description=(f"{args.domain}: AWS managed rules"
                         + (f", {args.api_rate_limit_per_minute} req/min per IP on the API"
                            if args.api_rate_limit_per_minute else ""))[:256],
            default_action={"allow": {}},
            rules=w.web_acl_rules(metric, args.api_paths, args.api_rate_limit_per_minute, args.waf_count_rules),
            visibility_config={
                "cloudwatch_metrics_enabled": True,
                "metric_name": metric,
                "sampled_requests_enabled": True,
            },
            region=CLOUDFRONT_REGION,
            opts=self._child,
        )

    # -------------------------------------------------------------------------- logs

    def _logs(self) -> tuple[Optional[aws.cloudwatch.LogGroup], Optional[aws.s3.Bucket]]:
        """The logs key, the access logs (``access_logs``) and the WAF's request logs (``waf_logging``)."""
        name, args = self._name, self._args
        waf_logging = bool(self.web_acl is not None and args.waf_logging)
        if not (args.access_logs or waf_logging):
            return None, None
        account = aws.get_caller_identity_output(opts=self._invoke).account_id
        partition = aws.get_partition_output(opts=self._invoke)
        region = CLOUDFRONT_REGION
        waf_group = w.log_group_name(pulumi.get_project(), pulumi.get_stack(), name) if waf_logging else None
        key = logs_key(name, args, waf_group, account, partition, region, self._child)
        bucket = None
        if args.access_logs:
            bucket = access_logs(name, args, key, self.distribution.arn, account, partition.partition, self._child)
        group = None
        if waf_group is not None and self.web_acl is not None:
            group = w.enable_logging(
                name, self.web_acl, group_name=waf_group, key=key, retention_days=args.log_retention_days,
                region=region, account=account, partition=partition.partition, opts=self._child)
        return group, bucket


def validation_record_list(options: Any) -> list[dict[str, str]]:
    """The CNAMEs of a certificate's ``domain_validation_options``, one per record name."""
    by_name: dict[str, dict[str, str]] = {}
    for o in options or []:
        by_name.setdefault(o.resource_record_name, {
            "name": o.resource_record_name, "type": o.resource_record_type, "value": o.resource_record_value,
        })
    return sorted(by_name.values(), key=lambda r: r["name"])
