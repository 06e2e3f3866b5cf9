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

The CloudFront control plane for certificates and web ACLs is us-east-1: create this
component with a us-east-1 AWS provider (``opts=ResourceOptions(providers={"aws": ...})``).
The access-log bucket is created there too, next to the log delivery source (CloudFront
standard logging v2 is configured in us-east-1).

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
"""

import json
import re
from dataclasses import dataclass, field
from typing import Any, Optional

import pulumi
import pulumi_aws as aws

from pulumi_webstack import buckets, kms, waf as w
from pulumi_webstack import headers as h
from pulumi_webstack.args import aws_region, check_fields, from_inputs, log_retention, setting
from pulumi_webstack.errors import require
from pulumi_webstack.names import HOSTNAME

CLOUDFRONT_REGION = "us-east-1"
ORIGIN_ID = "app"

VIEWER_SECURITY_POLICIES = ("TLSv1.2_2021", "TLSv1.2_2025", "TLSv1.3_2025")
"""CloudFront viewer security policies with TLS 1.2 or newer and modern ciphers only."""
PRICE_CLASSES = ("PriceClass_100", "PriceClass_200", "PriceClass_All")
MAX_CACHE_BEHAVIORS = 25
"""CloudFront's default quota of cache behaviors per distribution."""
MAX_TTL = 31536000
WAF_MIN_RATE_LIMIT = w.WAF_MIN_RATE_LIMIT

ALL_METHODS = ["GET", "HEAD", "OPTIONS", "PUT", "POST", "PATCH", "DELETE"]
READ_METHODS = ["GET", "HEAD", "OPTIONS"]
CACHED_METHODS = ["GET", "HEAD"]

ALL_VIEWER_EXCEPT_HOST = "Managed-AllViewerExceptHostHeader"
"""AWS managed origin request policy: every viewer header, query string and cookie, but
CloudFront sends the origin's own host name (the app tier serves ``origin_domain``)."""

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


@dataclass(frozen=True)
class PathClass:
    """One class of paths and how CloudFront caches it (plain data, see ``path_classes``)."""

    name: str
    paths: tuple[str, ...]
    min_ttl: int
    default_ttl: int
    max_ttl: int
    methods: tuple[str, ...]
    key_headers: tuple[str, ...] = ()
    key_query: bool = False
    key_cookies: bool = False
    forward_viewer: bool = False
    """Forward every viewer header/cookie/query (except Host) via the origin request policy."""

    @property
    def caches(self) -> bool:
        return self.max_ttl > 0


def cache_key(pc: PathClass) -> dict[str, Any]:
    """``parameters_in_cache_key_and_forwarded_to_origin`` of a class's cache policy.

    CloudFront refuses cache-key parameters and compression flags on a policy whose
    max TTL is 0 (caching disabled); such classes forward what the origin needs through
    the origin request policy instead.
    """
    if not pc.caches:
        return {
            "headers_config": {"header_behavior": "none"},
            "cookies_config": {"cookie_behavior": "none"},
            "query_strings_config": {"query_string_behavior": "none"},
            "enable_accept_encoding_gzip": False,
            "enable_accept_encoding_brotli": False,
        }
    headers_config: dict[str, Any] = {"header_behavior": "none"}
    if pc.key_headers:
        headers_config = {"header_behavior": "whitelist", "headers": {"items": list(pc.key_headers)}}
    return {
        "headers_config": headers_config,
        "cookies_config": {"cookie_behavior": "all" if pc.key_cookies else "none"},
        "query_strings_config": {"query_string_behavior": "all" if pc.key_query else "none"},
        "enable_accept_encoding_gzip": True,
        "enable_accept_encoding_brotli": True,
    }


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


def path_classes(args: CdnArgs) -> list[PathClass]:
    """The cache classes of ``args``, ordered behaviors first and ``html`` (the default) last."""
    classes = [
        PathClass("static", tuple(args.static_paths), 0, args.static_ttl_seconds, args.static_ttl_seconds,
                  tuple(READ_METHODS)),
        PathClass("images", tuple(args.image_paths), 0, args.image_ttl_seconds, args.image_ttl_seconds,
                  tuple(READ_METHODS), key_headers=("Accept",), key_query=True),
        PathClass("api", tuple(args.api_paths), 0, 0, args.api_ttl_seconds, tuple(ALL_METHODS),
                  key_headers=("Authorization",), key_query=True, key_cookies=True, forward_viewer=True),
        PathClass("public", tuple(args.public_paths), 0, args.default_ttl_seconds, args.default_ttl_seconds,
                  tuple(READ_METHODS)),
        # HTML takes form posts and server actions too, hence every method.
        PathClass("html", ("*",), 0, args.html_ttl_seconds, args.html_ttl_seconds, tuple(ALL_METHODS),
                  key_query=True, key_cookies=True, forward_viewer=True),
    ]
    return [c for c in classes if c.paths]


api_prefixes = w.api_prefixes


def comment(text: str) -> str:
    """A CloudFront comment: at most 128 characters."""
    return text if len(text) <= 128 else text[:125] + "..."


def physical_name(*parts: str, limit: int) -> str:
    """``"webstack-prod-cdn-access-logs"``: parts joined by '-', cut to ``limit`` characters."""
    text = re.sub(r"[^A-Za-z0-9-]+", "-", "-".join(parts)).strip("-")
    return text[:limit].rstrip("-")


PENDING_VIEWER_CERTIFICATE = {"cloudfront_default_certificate": True, "minimum_protocol_version": "TLSv1"}
"""``viewer_certificate`` until the custom domain is attached: the ``*.cloudfront.net``
certificate. CloudFront sets the security policy of that certificate to TLSv1 whatever is
asked (a different value shows as a change on every ``pulumi up``); the custom domain gets
``minimum_protocol_version``."""


def _delivery_sources(partition: str, account: str) -> str:
    """ARN pattern of this account's log delivery sources (CloudFront standard logging v2)."""
    return f"arn:{partition}:logs:{CLOUDFRONT_REGION}:{account}:delivery-source:*"


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
        child = pulumi.ResourceOptions(parent=self)
        invoke = pulumi.InvokeOptions(parent=self)
        domains = [args.domain, *args.aliases]

        attached = bool(args.certificate_arn or args.hosted_zone_id or args.certificate_validated)
        certificate_arn, validation_records = self._certificate(name, args, domains, attached, child)

        self.headers_policy = aws.cloudfront.ResponseHeadersPolicy(
            f"{name}-security-headers",
            comment=comment(f"{args.domain}: HSTS, CSP, nosniff, framing, referrer and permissions policies"),
            security_headers_config=h.cloudfront_security_headers_config(args.headers),
            custom_headers_config=h.cloudfront_custom_headers_config(args.headers),
            remove_headers_config=h.cloudfront_remove_headers_config(),
            opts=child,
        )

        viewer_policy = aws.cloudfront.get_origin_request_policy_output(name=ALL_VIEWER_EXCEPT_HOST, opts=invoke)
        behaviors: list[dict[str, Any]] = []
        default_behavior: dict[str, Any] = {}
        self.cache_policies: dict[str, aws.cloudfront.CachePolicy] = {}
        for pc in path_classes(args):
            policy = aws.cloudfront.CachePolicy(
                f"{name}-{pc.name}",
                comment=comment(f"{args.domain} {pc.name}: ttl {pc.min_ttl}/{pc.default_ttl}/{pc.max_ttl} s"),
                min_ttl=pc.min_ttl,
                default_ttl=pc.default_ttl,
                max_ttl=pc.max_ttl,
                parameters_in_cache_key_and_forwarded_to_origin=cache_key(pc),
                opts=child,
            )
            self.cache_policies[pc.name] = policy
            behavior: dict[str, Any] = {
                "target_origin_id": ORIGIN_ID,
                "viewer_protocol_policy": "redirect-to-https",
                "allowed_methods": list(pc.methods),
                "cached_methods": CACHED_METHODS,
                "compress": True,
                "cache_policy_id": policy.id,
                "response_headers_policy_id": self.headers_policy.id,
            }
            if pc.forward_viewer:
                behavior["origin_request_policy_id"] = viewer_policy.id
            if pc.name == "html":
                default_behavior = behavior
            else:
                behaviors.extend({**behavior, "path_pattern": path} for path in pc.paths)

        self.web_acl = self._web_acl(name, args) if args.waf else None

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

        self.distribution = aws.cloudfront.Distribution(
            f"{name}-distribution",
            enabled=True,
            comment=comment(f"{args.domain} ({pulumi.get_stack()})"),
            aliases=domains if attached else [],
            http_version="http2and3",
            is_ipv6_enabled=True,
            price_class=args.price_class,
            origins=[origin],
            default_cache_behavior=default_behavior,
            ordered_cache_behaviors=behaviors,
            viewer_certificate={
                "acm_certificate_arn": certificate_arn,
                "ssl_support_method": "sni-only",
                "minimum_protocol_version": args.minimum_protocol_version,
            } if attached else PENDING_VIEWER_CERTIFICATE,
            restrictions={"geo_restriction": {"restriction_type": "none"}},
            web_acl_id=self.web_acl.arn if self.web_acl else None,
            opts=child,
        )

        waf_logging = bool(self.web_acl is not None and args.waf_logging)
        self.waf_log_group: Optional[aws.cloudwatch.LogGroup] = None
        self.log_bucket = None
        if args.access_logs or waf_logging:
            account = aws.get_caller_identity_output(opts=invoke).account_id
            partition = aws.get_partition_output(opts=invoke)
            region = aws.get_region_output(opts=invoke).region
            waf_group = w.log_group_name(pulumi.get_project(), pulumi.get_stack(), name) if waf_logging else None
            key = self._logs_key(name, args, waf_group, account, partition, region, child)
            if args.access_logs:
                self.log_bucket = self._access_logs(name, args, key, account, partition.partition, child)
            if waf_group is not None and self.web_acl is not None:
                self.waf_log_group = w.enable_logging(
                    name, self.web_acl, group_name=waf_group, key=key, retention_days=args.log_retention_days,
                    region=region, account=account, partition=partition.partition, opts=child)

        if args.hosted_zone_id:
            for domain in domains:
                for record_type in ("A", "AAAA"):
                    aws.route53.Record(
                        f"{name}-{domain.replace('*', 'wildcard').replace('.', '-')}-{record_type.lower()}",
                        zone_id=args.hosted_zone_id,
                        name=domain,
                        type=record_type,
                        aliases=[{
                            "name": self.distribution.domain_name,
                            "zone_id": self.distribution.hosted_zone_id,
                            "evaluate_target_health": False,
                        }],
                        opts=child,
                    )

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

    def _certificate(
        self, name: str, args: CdnArgs, domains: list[str], attached: bool, child: pulumi.ResourceOptions
    ) -> tuple[pulumi.Input[str], pulumi.Output[list]]:
        if args.certificate_arn:
            return args.certificate_arn, pulumi.Output.from_input([])
        cert = aws.acm.Certificate(
            f"{name}-cert",
            domain_name=args.domain,
            subject_alternative_names=list(args.aliases),
            validation_method="DNS",
            options={"certificate_transparency_logging_preference": "ENABLED"},
            opts=child,
        )
        self.certificate = cert

        def records(options: Any) -> list[dict[str, str]]:
            by_name: dict[str, dict[str, str]] = {}
            for o in options or []:
                by_name.setdefault(o.resource_record_name, {
                    "name": o.resource_record_name, "type": o.resource_record_type, "value": o.resource_record_value,
                })
            return sorted(by_name.values(), key=lambda r: r["name"])

        validation_records = cert.domain_validation_options.apply(records)
        fqdns: list[pulumi.Output[str]] = []
        if args.hosted_zone_id:
            for base in validation_names(domains):
                option = cert.domain_validation_options.apply(
                    lambda opts, d=base: next(o for o in opts if o.domain_name.removeprefix("*.") == d)
                )
                record = aws.route53.Record(
                    f"{name}-validation-{base.replace('.', '-')}",
                    zone_id=args.hosted_zone_id,
                    name=option.apply(lambda o: o.resource_record_name),
                    type=option.apply(lambda o: o.resource_record_type),
                    records=[option.apply(lambda o: o.resource_record_value)],
                    ttl=300,
                    allow_overwrite=True,
                    opts=child,
                )
                fqdns.append(record.fqdn)
        if not attached:
            # Nothing would create the records a CertificateValidation waits for: the first
            # deploy ends here, the distribution on its default certificate (module doc).
            return cert.arn, validation_records
        validation = aws.acm.CertificateValidation(
            f"{name}-cert",
            certificate_arn=cert.arn,
            validation_record_fqdns=fqdns or None,
            opts=child,
        )
        return validation.certificate_arn, validation_records

    # --------------------------------------------------------------------------- WAF

    def _web_acl(self, name: str, args: CdnArgs) -> aws.wafv2.WebAcl:
        metric = physical_name(pulumi.get_project(), pulumi.get_stack(), name, limit=100)
        return aws.wafv2.WebAcl(
            f"{name}-waf",
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
            opts=pulumi.ResourceOptions(parent=self),
        )

    # ---------------------------------------------------------------------- access logs

    def _logs_key(
        self, name: str, args: CdnArgs, waf_group: Optional[str], account: pulumi.Output[str],
        partition: pulumi.Output[Any], region: pulumi.Output[str], child: pulumi.ResourceOptions,
    ) -> aws.kms.Key:
        """The key of the CDN's logs: log delivery encrypts the access logs with it (for this
        account's delivery sources), CloudWatch Logs the WAF log group (that group only)."""
        uses = [u for u, on in (("CloudFront access logs", args.access_logs), ("WAF logs", waf_group)) if on]

        def policy(a: list[Any]) -> str:
            acct, part, dns_suffix, reg = a
            statements = [kms.account_administers_key(acct, part, sid="AccountAdministers")]
            if args.access_logs:
                statements.append({
                    "Sid": "LogDeliveryEncrypts",
                    "Effect": "Allow",
                    "Principal": {"Service": "delivery.logs.amazonaws.com"},
                    "Action": ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*",
                               "kms:DescribeKey"],
                    "Resource": "*",
                    "Condition": {"StringEquals": {"aws:SourceAccount": acct},
                                  "ArnLike": {"aws:SourceArn": _delivery_sources(part, acct)}},
                })
            if waf_group:
                statements.append(w.logs_key_statement(reg, acct, part, dns_suffix, waf_group))
            return json.dumps({"Version": "2012-10-17", "Statement": statements})

        return kms.customer_managed_key(
            f"{name}-logs",
            description=f"{args.domain}: " + " and ".join(uses),
            deletion_window_in_days=30,
            policy=pulumi.Output.all(account, partition.partition, partition.dns_suffix, region).apply(policy),
            opts=child,
        )

    def _access_logs(
        self, name: str, args: CdnArgs, key: aws.kms.Key, account: pulumi.Output[str],
        partition: pulumi.Output[str], child: pulumi.ResourceOptions,
    ) -> aws.s3.Bucket:
        source_arn = pulumi.Output.all(partition, account).apply(lambda a: _delivery_sources(*a))
        bucket = aws.s3.Bucket(f"{name}-logs", opts=child)
        buckets.enforce_bucket_owner(f"{name}-logs", bucket, opts=child)
        buckets.block_public_access(f"{name}-logs", bucket, opts=child)
        buckets.encrypt_with_kms(f"{name}-logs", bucket, key, opts=child)
        buckets.enable_versioning(f"{name}-logs", bucket, opts=child)
        aws.s3.BucketLifecycleConfiguration(
            f"{name}-logs",
            bucket=bucket.id,
            rules=[{
                "id": "expire-access-logs",
                "status": "Enabled",
                "filter": {"prefix": ""},
                "expiration": {"days": args.log_retention_days},
                "noncurrent_version_expiration": {"noncurrent_days": 7},
                "abort_incomplete_multipart_upload": {"days_after_initiation": 7},
            }],
            opts=child,
        )
        policy = aws.s3.BucketPolicy(
            f"{name}-logs",
            bucket=bucket.id,
            policy=pulumi.Output.all(bucket.arn, account, source_arn).apply(
                lambda a: json.dumps({
                    "Version": "2012-10-17",
                    "Statement": [
                        buckets.deny_insecure_transport(a[0]),
                        {
                            "Sid": "LogDeliveryAclCheck",
                            "Effect": "Allow",
                            "Principal": {"Service": "delivery.logs.amazonaws.com"},
                            # ListBucket too: log delivery's checks otherwise show as AccessDenied in CloudTrail.
                            "Action": ["s3:GetBucketAcl", "s3:ListBucket"],
                            "Resource": a[0],
                            "Condition": {"StringEquals": {"aws:SourceAccount": a[1]},
                                          "ArnLike": {"aws:SourceArn": a[2]}},
                        },
                        {
                            "Sid": "LogDeliveryWrite",
                            "Effect": "Allow",
                            "Principal": {"Service": "delivery.logs.amazonaws.com"},
                            "Action": "s3:PutObject",
                            "Resource": f"{a[0]}/AWSLogs/{a[1]}/*",
                            "Condition": {
                                "StringEquals": {"s3:x-amz-acl": "bucket-owner-full-control",
                                                 "aws:SourceAccount": a[1]},
                                "ArnLike": {"aws:SourceArn": a[2]},
                            },
                        },
                    ],
                })
            ),
            opts=child,
        )
        # Delivery names are unique per account and region: qualify them with project and stack.
        delivery_name = physical_name(pulumi.get_project(), pulumi.get_stack(), name, "access-logs", limit=60)
        source = aws.cloudwatch.LogDeliverySource(
            f"{name}-access-logs",
            name=delivery_name,
            log_type="ACCESS_LOGS",
            resource_arn=self.distribution.arn,
            opts=child,
        )
        destination = aws.cloudwatch.LogDeliveryDestination(
            f"{name}-access-logs",
            name=delivery_name,
            output_format="json",
            # After the bucket policy: log delivery writes its own statement into a bucket whose
            # policy does not grant it yet, racing (and overwriting, or overwritten by) ours.
            delivery_destination_configuration={
                "destination_resource_arn": pulumi.Output.all(bucket.arn, policy.id).apply(lambda a: a[0])},
            opts=child,
        )
        aws.cloudwatch.LogDelivery(
            f"{name}-access-logs",
            delivery_source_name=source.name,
            delivery_destination_arn=destination.arn,
            s3_delivery_configurations=[{
                "suffix_path": "{DistributionId}/{yyyy}/{MM}/{dd}/{HH}",
                "enable_hive_compatible_path": False,
            }],
            opts=child,
        )
        return bucket
