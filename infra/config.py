"""The typed stack config: every ``webstack:*`` key, validated before anything is built.

A stack file stays short because every setting it leaves out is filled from the tier's
column of ``pulumi_webstack.tiers.TIER_DEFAULTS``. Loading goes:

    raw ``webstack:*`` values  ->  tier resolved (key, else stack name)
    ->  tier defaults deep-merged under the stack's values  ->  pydantic validation
    ->  cross-field rules  ->  ``StackConfig`` (frozen)

Any problem raises ``ConfigError`` (a ``pulumi.RunError``, so the CLI prints the message and
no traceback) listing every bad key as ``webstack:<key>.<path> = <value>: <allowed>``, with
"did you mean ...?" for near-miss key names. Nothing is registered before this returns.

In YAML, keys are camelCase (``webstack:database: {backupRetentionDays: 30}``), the Pulumi
convention; in Python they are snake_case.
"""

from __future__ import annotations

import difflib
import ipaddress
import json
import re
from typing import Annotated, Any, Literal, Optional

import pulumi
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic.alias_generators import to_camel

from pulumi_webstack.errors import LOG_RETENTION_DAYS
from pulumi_webstack.tiers import CANARY_STEPS, Tier, defaults_for
from pulumi_webstack.names import EMAIL, HOSTNAME, REGION

PROJECT = "webstack"

SECTIONS = ("network", "database", "cache", "app", "cdn", "backups", "alerting")
"""Object-valued keys; ``tier`` and ``domain`` are plain strings."""

SECRET_KEYS = ("pagerWebhookUrl", "chatWebhookUrl", "vercelApiToken")
"""Keys that may only be set with ``pulumi config set --secret`` (stored as ``secure:``)."""

TOP_LEVEL_KEYS = ("tier", "domain", *SECTIONS, *SECRET_KEYS)



class ConfigError(pulumi.RunError):
    """The stack config is invalid. ``problems`` holds one line per bad key."""

    def __init__(self, stack: str, problems: list[str]):
        self.stack = stack
        self.problems = problems
        lines = "\n".join(f"  - {p}" for p in problems)
        super().__init__(
            f"stack {stack!r}: invalid configuration (Pulumi.{stack}.yaml); nothing was deployed:\n{lines}"
        )


# ---------------------------------------------------------------------------- helpers


def _cidr(value: str) -> str:
    try:
        network = ipaddress.ip_network(value, strict=True)
    except ValueError:
        raise ValueError("must be an IPv4 network in CIDR form, e.g. 10.0.0.0/16") from None
    if network.version != 4 or not 16 <= network.prefixlen <= 24:
        raise ValueError("must be an IPv4 network with a prefix between /16 and /24")
    if not network.is_private:
        raise ValueError("must be a private (RFC 1918) range")
    return value


def _region(value: str) -> str:
    if not REGION.match(value):
        raise ValueError("must be an AWS region name such as us-west-2")
    return value


def _hostname(value: str) -> str:
    if not HOSTNAME.match(value):
        raise ValueError("must be a lower-case DNS name such as app.example.com (no scheme, no path)")
    return value


def _email(value: str) -> str:
    if not EMAIL.match(value):
        raise ValueError("must be an email address such as oncall@example.com")
    return value


Cidr = Annotated[str, AfterValidator(_cidr)]
Region = Annotated[str, AfterValidator(_region)]
Hostname = Annotated[str, AfterValidator(_hostname)]
Email = Annotated[str, AfterValidator(_email)]


class _Section(BaseModel):
    """Strict base: unknown keys are errors, camelCase aliases, values immutable."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        alias_generator=to_camel,
        populate_by_name=True,
        strict=False,
    )


# ---------------------------------------------------------------------------- sections


class NetworkConfig(_Section):
    """``webstack:network``: a new VPC, or an existing one (``vpcId`` + ``subnetIds``)."""

    cidr: Cidr
    """CIDR of the VPC this stack creates (ignored with ``vpcId``)."""
    az_count: int = Field(ge=2, le=6)
    """Availability zones for private subnets (2 minimum; 3 in prod)."""
    vpc_id: Optional[str] = Field(default=None, pattern=r"^vpc-[0-9a-f]{8,17}$")
    """Existing VPC to deploy into instead of creating one."""
    subnet_ids: list[Annotated[str, Field(pattern=r"^subnet-[0-9a-f]{8,17}$")]] = []
    """Existing private subnets (one per AZ, at least 2); required with ``vpcId``."""
    app_cidrs: list[Cidr] = []
    """Extra networks allowed to reach the database and cache ports (e.g. a peered
    Vercel Secure Compute network or a Kubernetes pod range). Never 0.0.0.0/0."""
    flow_logs: bool
    """VPC flow logs to CloudWatch Logs."""
    flow_log_retention_days: int
    """Retention of the flow log group (a value CloudWatch Logs accepts)."""

    @field_validator("flow_log_retention_days")
    @classmethod
    def _retention(cls, v: int) -> int:
        if v not in LOG_RETENTION_DAYS:
            raise ValueError("must be a CloudWatch Logs retention: " + ", ".join(map(str, LOG_RETENTION_DAYS)))
        return v

    @model_validator(mode="after")
    def _bring_your_own(self) -> "NetworkConfig":
        if self.vpc_id and len(self.subnet_ids) < 2:
            raise ValueError("subnetIds: with vpcId, give at least 2 private subnet ids in different AZs")
        if self.subnet_ids and not self.vpc_id:
            raise ValueError("subnetIds: needs vpcId (the VPC the subnets belong to)")
        return self


class DatabaseConfig(_Section):
    """``webstack:database``: RDS PostgreSQL primary, replicas and pooling."""

    engine_version: str = Field(pattern=r"^(1[3-9])(\.\d+)?$")
    """PostgreSQL major (or major.minor) version, 13 to 19."""
    instance_class: str = Field(pattern=r"^db\.[a-z0-9]+\.[a-z0-9]+$")
    """Instance class of the primary and replicas, e.g. db.r7g.large."""
    allocated_storage_gb: int = Field(ge=20, le=65536)
    """Initial gp3 storage."""
    max_allocated_storage_gb: int = Field(ge=20, le=65536)
    """Storage autoscaling ceiling (>= allocatedStorageGb)."""
    multi_az: bool
    """Synchronous standby in a second AZ."""
    replicas: int = Field(ge=0, le=5)
    """Read replicas in this region, spread across AZs."""
    cross_region_replica: Optional[Region] = None
    """Region for one more, cross-region read replica (disaster recovery)."""
    backup_retention_days: int = Field(ge=1, le=35)
    """Automated backup retention (also the point-in-time-recovery window)."""
    deletion_protection: bool
    """RDS deletion protection."""
    allow_unprotected_prod: bool = False
    """Explicit override needed to turn deletion protection off in prod."""
    skip_final_snapshot: bool
    """Skip the final snapshot on delete (never allowed in prod)."""
    protect: bool
    """Pulumi ``protect`` on the stateful resources."""
    pooling: bool
    """RDS Proxy in front of the primary and replicas."""
    connections_per_app_instance: int = Field(ge=1, le=500)
    """Pool size each app instance may use; sizes the proxy's connection budget."""
    monitoring_interval_seconds: Literal[0, 1, 5, 10, 15, 30, 60]
    """Enhanced monitoring granularity (0 turns it off)."""
    performance_insights_retention_days: int
    """7 (free tier), a multiple of 31 up to 713 (months), or 731."""
    slow_query_ms: int = Field(ge=0, le=60000)
    """``log_min_duration_statement``: statements slower than this are logged."""
    database_name: str = Field(default="app", pattern=r"^[a-z][a-z0-9_]{0,62}$")
    """Name of the application database."""
    master_username: str = Field(default="webstack_admin", pattern=r"^[a-z][a-z0-9_]{0,15}$")
    """Master user; its password is generated and rotated by RDS in Secrets Manager."""
    log_retention_days: int
    """Retention of the exported PostgreSQL and upgrade logs (a CloudWatch Logs retention value)."""
    apply_immediately: bool
    """Apply modifications now (dev, staging) or in the maintenance window (prod)."""
    cross_region_cidr: Cidr
    max_connections: Optional[int] = Field(default=None, ge=20, le=262143)
    """``max_connections`` of the parameter group (default: from the instance class's memory)."""
    """CIDR of the private network this stack creates in ``crossRegionReplica``'s region for
    that replica (not peered; keep it distinct from ``network.cidr`` if you ever peer them)."""

    @field_validator("performance_insights_retention_days")
    @classmethod
    def _pi_retention(cls, v: int) -> int:
        if v not in (7, 731) and not (v % 31 == 0 and 31 <= v <= 713):
            raise ValueError("must be 7 or a multiple of 31 (months, up to 713) or 731 (RDS Performance Insights)")
        return v

    @model_validator(mode="after")
    def _storage(self) -> "DatabaseConfig":
        if self.max_allocated_storage_gb < self.allocated_storage_gb:
            raise ValueError(f"maxAllocatedStorageGb: must be at least allocatedStorageGb ({self.allocated_storage_gb})")
        return self

    def component_args(
        self,
        *,
        subnet_ids: Any,
        security_group_id: Any,
        availability_zones: Any,
        vpc_id: Any,
        app_max_instances: int = 1,
        cross_region_subnet_ids: Any = (),
        cross_region_security_group_id: Any = None,
    ) -> Any:
        """The ``pulumi_webstack.database.DatabaseArgs`` of these settings and the given links."""
        from pulumi_webstack.database import DatabaseArgs

        return DatabaseArgs(
            subnet_ids=subnet_ids,
            security_group_id=security_group_id,
            availability_zones=availability_zones,
            vpc_id=vpc_id,
            engine_version=self.engine_version,
            instance_class=self.instance_class,
            allocated_storage_gb=self.allocated_storage_gb,
            max_allocated_storage_gb=self.max_allocated_storage_gb,
            multi_az=self.multi_az,
            replicas=self.replicas,
            cross_region_replica=self.cross_region_replica,
            cross_region_subnet_ids=cross_region_subnet_ids if self.cross_region_replica else [],
            cross_region_security_group_id=cross_region_security_group_id if self.cross_region_replica else None,
            backup_retention_days=self.backup_retention_days,
            deletion_protection=self.deletion_protection,
            skip_final_snapshot=self.skip_final_snapshot,
            protect=self.protect,
            allow_unprotected_prod=self.allow_unprotected_prod,
            pooling=self.pooling,
            connections_per_app_instance=self.connections_per_app_instance,
            app_max_instances=app_max_instances,
            monitoring_interval_seconds=self.monitoring_interval_seconds,
            performance_insights_retention_days=self.performance_insights_retention_days,
            slow_query_ms=self.slow_query_ms,
            log_retention_days=self.log_retention_days,
            database_name=self.database_name,
            master_username=self.master_username,
            apply_immediately=self.apply_immediately,
            max_connections=self.max_connections,
        )

    def check_component(self, app_max_instances: int = 1) -> None:
        """The component's own validation, run now with stand-in links, so a setting the
        component rejects fails at load time, before the first resource is registered."""
        _component_check(
            DatabaseConfig,
            lambda: self.component_args(
                **_STAND_IN_LINKS,
                vpc_id="vpc-config-check",
                app_max_instances=app_max_instances,
                cross_region_subnet_ids=["subnet-config-check-c", "subnet-config-check-d"],
                cross_region_security_group_id="sg-config-check-remote",
            ),
        )

    @model_validator(mode="after")
    def _component_rules(self) -> "DatabaseConfig":
        self.check_component()
        return self


class CacheConfig(_Section):
    """``webstack:cache``: ElastiCache replication group (Redis OSS or Valkey)."""

    engine: Literal["redis", "valkey"]
    """Cache engine."""
    engine_version: str = Field(pattern=r"^\d+(\.\d+)?$")
    """Engine version (Redis 7.0+ / Valkey 7.2+)."""
    node_type: str = Field(pattern=r"^cache\.[a-z0-9]+\.[a-z0-9]+$")
    """Node type, e.g. cache.r7g.large."""
    replicas: int = Field(ge=0, le=5)
    """Replicas of the primary."""
    automatic_failover: bool
    """Promote a replica automatically (needs replicas >= 1)."""
    multi_az: bool
    """Place replicas in other AZs (needs automaticFailover)."""
    snapshot_retention_days: int = Field(ge=0, le=35)
    """Daily snapshots kept (0: none)."""
    final_snapshot: bool
    """Final snapshot when the replication group is deleted."""
    protect: bool
    """Pulumi ``protect`` on the key, auth secret and replication group."""
    apply_immediately: bool
    """Apply modifications now (dev, staging) or in the maintenance window (prod)."""
    log_retention_days: int
    """Retention of the slow-log and engine-log groups (a CloudWatch Logs retention value)."""
    maxmemory_policy: str = "volatile-lru"
    """Eviction policy when memory is full (``allkeys-lru`` for a pure cache)."""

    @model_validator(mode="after")
    def _failover(self) -> "CacheConfig":
        if self.automatic_failover and self.replicas < 1:
            raise ValueError("automaticFailover: needs replicas >= 1 (there is nothing to fail over to)")
        if self.multi_az and not self.automatic_failover:
            raise ValueError("multiAz: needs automaticFailover: true")
        return self

    def component_args(self, *, subnet_ids: Any, security_group_id: Any, availability_zones: Any) -> Any:
        """The ``pulumi_webstack.cache.CacheArgs`` of these settings and the given links."""
        from pulumi_webstack.cache import CacheArgs

        return CacheArgs(
            subnet_ids=subnet_ids,
            security_group_id=security_group_id,
            availability_zones=availability_zones,
            engine=self.engine,
            engine_version=self.engine_version,
            node_type=self.node_type,
            replicas=self.replicas,
            automatic_failover=self.automatic_failover,
            multi_az=self.multi_az,
            snapshot_retention_days=self.snapshot_retention_days,
            final_snapshot=self.final_snapshot,
            protect=self.protect,
            apply_immediately=self.apply_immediately,
            maxmemory_policy=self.maxmemory_policy,
            log_retention_days=self.log_retention_days,
        )

    @model_validator(mode="after")
    def _component_rules(self) -> "CacheConfig":
        # As for the database: the component's validation, at load time.
        _component_check(
            CacheConfig,
            lambda: self.component_args(**_STAND_IN_LINKS),
        )
        return self


_STAND_IN_LINKS: dict[str, Any] = {
    "subnet_ids": ["subnet-config-check-a", "subnet-config-check-b"],
    "security_group_id": "sg-config-check",
    "availability_zones": ["az-a", "az-b"],
}
"""Placeholder links for running a component's Args validation before anything exists."""


def _component_check(section: type[BaseModel], build: Any) -> None:
    """Run a component's Args validation; its ArgsError becomes this section's error,
    ``<camelKey>: <what is allowed>`` (reported as ``webstack:<section>.<camelKey> = <value>``),
    with the section's setting names in the message spelled as in the stack file."""
    from pulumi_webstack.errors import ArgsError

    try:
        build()
    except ArgsError as exc:
        names = set(section.model_fields)
        allowed = re.sub(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b",
                         lambda m: to_camel(m.group()) if m.group() in names else m.group(), exc.allowed)
        raise ValueError(f"{to_camel(exc.field.split('.', 1)[-1])}: {allowed}") from None


class VercelConfig(_Section):
    """``webstack:app.vercel``: the Vercel project."""

    project_name: str = Field(default="webstack", pattern=r"^[a-z0-9][a-z0-9._-]{0,99}$")
    """Vercel project name."""
    team_id: Optional[str] = None
    """Vercel team the project belongs to."""
    framework: str = "nextjs"
    """Framework preset (nextjs, sveltekit-1, ...)."""
    git_repository: Optional[str] = Field(default=None, pattern=r"^[\w.-]+/[\w.-]+$")
    """GitHub repository ``owner/name`` deployed by Vercel."""
    root_directory: Optional[str] = None
    """Directory of the app inside the repository."""
    production_branch: str = "main"
    """Branch Vercel deploys to production."""
    log_drain_url: Optional[str] = Field(default=None, pattern=r"^https://")
    """HTTPS endpoint receiving runtime logs."""
    team_slug: Optional[str] = Field(default=None, pattern=r"^[a-z0-9][a-z0-9-]{0,47}$")
    """Team slug: functions assume an AWS role through Vercel OIDC to read the data-tier secrets."""
    oidc_provider_arn: Optional[str] = Field(
        default=None, pattern=r"^arn:aws[\w-]*:iam::\d{12}:oidc-provider/oidc\.vercel\.com/.+$"
    )
    """Existing IAM OIDC provider for oidc.vercel.com/<teamSlug> (one per account; else created)."""
    rolling_release_advancement: Literal["automatic", "manual-approval"] = "automatic"
    """How a rolling release (rollout: canary) moves to its next step."""
    rolling_release_stage_minutes: int = Field(default=10, ge=1, le=1440)
    """Minutes per rolling-release step when advancing automatically."""
    origin_rate_limit_per_minute: int = Field(default=1200, ge=1, le=10_000_000)
    """Vercel firewall limit on /api per connecting address (behind the CDN: per edge server)."""
    firewall_owasp: bool = False
    """Vercel's OWASP core ruleset (Enterprise plans only)."""


class KubernetesConfig(_Section):
    """``webstack:app.kubernetes``: workloads on an existing cluster."""

    namespace: str = Field(default="webstack", pattern=r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")
    """Namespace created for the app."""
    image: str = Field(default="ghcr.io/example/webstack-app@sha256:" + "0" * 64)
    """Container image, pinned by digest (``name@sha256:...``)."""
    port: int = Field(default=3000, ge=1, le=65535)
    """Container port."""
    cpu_request: str = "250m"
    """CPU request per pod."""
    cpu_limit: str = "1"
    """CPU limit per pod."""
    memory_request: str = "512Mi"
    """Memory request per pod."""
    memory_limit: str = "1Gi"
    """Memory limit per pod."""
    ingress_class: str = "nginx"
    """IngressClass handling the Ingress."""
    active_color: Literal["blue", "green"] = "blue"
    """Colour receiving traffic with ``rollout: blue-green``."""
    service_account_role_arn: Optional[str] = Field(default=None, pattern=r"^arn:aws[\w-]*:iam::\d{12}:role/.+$")
    """IAM role for the pods (IRSA) reading the database/cache secrets."""
    ingress_controller_namespace: str = Field(default="ingress-nginx", pattern=r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")
    """Namespace of the ingress-nginx controller (the only source allowed to reach the pods)."""
    cluster_issuer: Optional[str] = Field(default=None, pattern=r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")
    """cert-manager ClusterIssuer for the origin certificate (else provide the TLS Secret)."""
    color_images: dict[Literal["blue", "green"], str] = {}
    """Image per colour with ``rollout: blue-green`` (default: ``image``)."""
    canary_image: Optional[str] = None
    """Image of the canary Deployment with ``rollout: canary``."""
    canary_weight: int = Field(default=0, ge=0, le=99)
    """Percent of requests the canary receives: 0 or one of ``canarySteps`` below 100."""

    @field_validator("image", "canary_image")
    @classmethod
    def _pinned(cls, v: Optional[str]) -> Optional[str]:
        if v is not None and not re.match(r"^[\w./:-]+@sha256:[0-9a-f]{64}$", v):
            raise ValueError("must be pinned by digest: registry/name@sha256:<64 hex>")
        return v

    @field_validator("color_images")
    @classmethod
    def _pinned_colors(cls, v: dict[str, str]) -> dict[str, str]:
        for color, image in v.items():
            if not re.match(r"^[\w./:-]+@sha256:[0-9a-f]{64}$", image):
                raise ValueError(f"{color}: must be pinned by digest: registry/name@sha256:<64 hex>")
        return v


class AppConfig(_Section):
    """``webstack:app``: the app tier, on Vercel or Kubernetes."""

    platform: Literal["vercel", "kubernetes"]
    """Where the app runs."""
    min_instances: int = Field(ge=1, le=100)
    """Minimum instances (Kubernetes replicas / HPA minimum)."""
    max_instances: int = Field(ge=1, le=100)
    """Maximum instances (HPA maximum)."""
    cpu_target_percent: int = Field(ge=10, le=95)
    """Scale out above this average CPU."""
    memory_target_percent: int = Field(ge=10, le=95)
    """Scale out above this average memory."""
    rollout: Literal["direct", "canary", "blue-green"]
    """Release strategy."""
    canary_steps: list[int] = []
    """Traffic percentages of a canary release; ascending, ending at 100."""
    health_path: str = Field(default="/api/health", pattern=r"^/[\w/.-]*$")
    """Health endpoint used by probes, the CDN and the uptime check."""
    preview_data_access: bool
    """Vercel preview deployments get the data-tier variables too (never in prod)."""
    vercel: VercelConfig = VercelConfig()
    """Vercel settings (platform: vercel)."""
    kubernetes: KubernetesConfig = KubernetesConfig()
    """Kubernetes settings (platform: kubernetes)."""

    @model_validator(mode="after")
    def _consistent(self) -> "AppConfig":
        if self.min_instances > self.max_instances:
            raise ValueError(f"minInstances: must not exceed maxInstances ({self.max_instances})")
        steps = self.canary_steps
        if self.rollout == "canary":
            if not steps:
                object.__setattr__(self, "canary_steps", list(CANARY_STEPS))
            elif steps != sorted(set(steps)) or steps[-1] != 100 or steps[0] <= 0:
                raise ValueError("canarySteps: must be strictly ascending percentages ending at 100, e.g. [5, 10, 25, 50, 100]")
        k = self.kubernetes
        if (k.canary_image is not None or k.canary_weight) and self.rollout != "canary":
            raise ValueError("kubernetes: canaryImage/canaryWeight need rollout: canary")
        if k.canary_weight and k.canary_weight not in self.canary_steps:
            raise ValueError(f"kubernetes: canaryWeight {k.canary_weight} must be one of canarySteps {self.canary_steps}")
        if k.canary_weight and k.canary_image is None:
            raise ValueError("kubernetes: canaryWeight needs canaryImage (the version receiving that traffic)")
        if k.color_images and self.rollout != "blue-green":
            raise ValueError("kubernetes: colorImages needs rollout: blue-green")
        return self


class SecurityHeadersConfig(_Section):
    """``webstack:cdn.headers``: overrides of the security headers sent on every response."""

    content_security_policy: str = (
        "default-src 'self'; img-src 'self' data: https:; script-src 'self'; style-src 'self' 'unsafe-inline'; "
        "font-src 'self' data:; connect-src 'self' https:; object-src 'none'; base-uri 'self'; "
        "form-action 'self'; frame-ancestors 'none'; upgrade-insecure-requests"
    )
    """Content-Security-Policy; must not be empty."""
    referrer_policy: Literal[
        "no-referrer", "same-origin", "strict-origin", "strict-origin-when-cross-origin", "origin", "origin-when-cross-origin"
    ] = "strict-origin-when-cross-origin"
    """Referrer-Policy (unsafe-url and no-referrer-when-downgrade are not allowed)."""
    frame_options: Literal["DENY", "SAMEORIGIN"] = "DENY"
    """X-Frame-Options."""
    permissions_policy: str = "camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()"
    """Permissions-Policy."""

    @field_validator("content_security_policy")
    @classmethod
    def _csp(cls, v: str) -> str:
        if not v.strip():
            raise ValueError("must not be empty (a CSP with frame-ancestors 'none' is the default)")
        return v


class CdnConfig(_Section):
    """``webstack:cdn``: CloudFront, cache TTLs per path class, WAF and headers."""

    price_class: Literal["PriceClass_100", "PriceClass_200", "PriceClass_All"]
    """CloudFront price class."""
    default_ttl_seconds: int = Field(ge=0, le=31536000)
    """TTL of the public root files (favicon.ico, robots.txt, sitemaps, web manifest)."""
    static_ttl_seconds: int = Field(ge=0, le=31536000)
    """TTL of static assets (/_next/static/*, /assets/*): immutable in prod."""
    image_ttl_seconds: int = Field(ge=0, le=31536000)
    """TTL of optimised images (/_next/image*, /images/*)."""
    api_ttl_seconds: int = Field(ge=0, le=86400)
    """TTL of /api/* responses that allow caching."""
    html_ttl_seconds: int = Field(ge=0, le=86400)
    """TTL of HTML documents (0: never cached)."""
    waf: bool
    """WAFv2 web ACL with AWS managed rule groups."""
    api_rate_limit_per_minute: Optional[int] = Field(default=None, ge=10, le=2_000_000_000)
    """Per-IP request limit on /api/* (WAF rate-based rule, 60 s window); needs waf."""
    hsts_max_age_seconds: int = Field(ge=31536000, le=63072000)
    """HSTS max-age: at least one year."""
    hsts_preload: bool
    """Add ``preload`` to HSTS (and so ask browsers to hard-code HTTPS for the domain)."""
    access_logs: bool
    """Standard access logs to a locked-down S3 bucket."""
    origin_shield_region: Optional[Region] = None
    """Origin Shield region (None: off)."""
    aliases: list[Hostname] = []
    """Extra host names served by the distribution besides ``webstack:domain``."""
    headers: SecurityHeadersConfig = SecurityHeadersConfig()
    """Security-header overrides."""
    hosted_zone_id: Optional[str] = Field(default=None, pattern=r"^Z[A-Z0-9]{1,32}$")
    """Route 53 zone of the domain: certificate validation, alias and origin records go there."""
    certificate_arn: Optional[str] = Field(
        default=None, pattern=r"^arn:aws[\w-]*:acm:us-east-1:\d{12}:certificate/[0-9a-f-]{36}$"
    )
    """An issued us-east-1 ACM certificate to use instead of requesting one."""
    log_retention_days: int = Field(ge=1, le=3650)
    """Days CloudFront access logs are kept."""
    minimum_protocol_version: Literal["TLSv1.2_2021", "TLSv1.2_2025", "TLSv1.3_2025"] = "TLSv1.2_2021"
    """CloudFront viewer security policy (TLS 1.2 or newer; TLSv1.3_2025 accepts TLS 1.3 only)."""

    @model_validator(mode="after")
    def _rate_limit_needs_waf(self) -> "CdnConfig":
        if self.api_rate_limit_per_minute is not None and not self.waf:
            raise ValueError("apiRateLimitPerMinute: needs waf: true (the limit is a WAF rule)")
        return self


class BackupsConfig(_Section):
    """``webstack:backups``: backup bucket and AWS Backup plan."""

    retention_days: int = Field(ge=1, le=3650)
    """How long backups (bucket objects and recovery points) are kept."""
    transition_days: Optional[int] = Field(default=None, ge=1, le=3650)
    """Move bucket objects to Glacier Instant Retrieval after this many days."""
    noncurrent_version_days: int = Field(ge=1, le=3650)
    """Expire noncurrent object versions after this many days."""
    object_lock_days: Optional[int] = Field(default=None, ge=1, le=3650)
    """S3 Object Lock (compliance mode) default retention; None: no object lock."""
    continuous: bool
    """Continuous backup (PITR) rule in the AWS Backup plan."""
    copy_region: Optional[Region] = None
    """Second region receiving copies of recovery points and a bucket replica."""
    vault_lock: bool
    """AWS Backup Vault Lock on the vault."""
    schedule: str = Field(pattern=r"^cron\(.+\)$")
    """Daily full backup schedule (AWS cron, UTC)."""
    protect: bool
    """Pulumi ``protect`` and ``retain_on_delete`` on the buckets, keys and vaults."""
    force_destroy: bool
    """Let ``pulumi destroy`` empty the buckets and vault (throw-away dev stacks only)."""

    @model_validator(mode="after")
    def _lifecycle(self) -> "BackupsConfig":
        if self.transition_days is not None and self.transition_days >= self.retention_days:
            raise ValueError(f"transitionDays: must be shorter than retentionDays ({self.retention_days})")
        if self.object_lock_days is not None and self.object_lock_days > self.retention_days:
            raise ValueError(f"objectLockDays: must not exceed retentionDays ({self.retention_days})")
        return self

    def component_args(self, *, resource_arns: Any = ()) -> Any:
        """The ``pulumi_webstack.backups.BackupsArgs`` of these settings (protecting ``resource_arns``)."""
        from pulumi_webstack.backups import BackupsArgs

        return BackupsArgs(
            retention_days=self.retention_days,
            transition_days=self.transition_days,
            noncurrent_version_days=self.noncurrent_version_days,
            object_lock_days=self.object_lock_days,
            continuous=self.continuous,
            copy_region=self.copy_region,
            vault_lock=self.vault_lock,
            schedule=self.schedule,
            protect=self.protect,
            force_destroy=self.force_destroy,
            resource_arns=list(resource_arns),
        )

    @model_validator(mode="after")
    def _component_rules(self) -> "BackupsConfig":
        # The component's validation at load time, as for the database.
        _component_check(BackupsConfig, lambda: self.component_args())
        return self


class AlertingConfig(_Section):
    """``webstack:alerting``: who is told, and when."""

    emails: list[Email] = []
    """Addresses subscribed to the info topic (and every topic without a webhook)."""
    service_down_minutes: int = Field(ge=1, le=60)
    """Health check failing this long pages (critical)."""
    error_rate_percent: float = Field(gt=0, le=100)
    """CDN 5xx error rate that pages."""
    latency_p95_seconds: float = Field(gt=0, le=60)
    """Origin latency p95 that warns."""
    db_cpu_percent: float = Field(gt=0, le=100)
    """Database CPU that warns."""
    db_connections_percent: float = Field(gt=0, le=100)
    """Connections as a share of max_connections that warns."""
    db_free_storage_percent: float = Field(gt=0, le=100)
    """Free storage below this share of allocated storage pages."""
    db_replica_lag_seconds: float = Field(gt=0, le=3600)
    """Replica lag that warns."""
    memory_percent: float = Field(gt=0, le=100)
    """Memory use (database, cache, app) that warns."""
    cache_cpu_percent: float = Field(gt=0, le=100)
    """Redis engine CPU that warns."""
    certificate_expiry_days: int = Field(ge=1, le=90)
    """Certificate days-to-expiry that warns."""
    kubernetes_cluster_name: Optional[str] = Field(default=None, pattern=r"^[0-9A-Za-z][A-Za-z0-9_-]{0,99}$")
    """EKS cluster running the app with CloudWatch Container Insights: turns on the pod
    restart, crash-loop and at-max-replicas alarms (``app.platform: kubernetes``)."""

    def component_args(
        self, *, tier: Any, pager_webhook_url: Any = None, chat_webhook_url: Any = None, region: Optional[str] = None
    ) -> Any:
        """The ``pulumi_webstack.alerting.AlertingArgs`` of these settings and the secret webhooks."""
        from pulumi_webstack.alerting import AlertingArgs

        return AlertingArgs(
            tier=tier,
            emails=list(self.emails),
            pager_webhook_url=pager_webhook_url,
            chat_webhook_url=chat_webhook_url,
            service_down_minutes=self.service_down_minutes,
            error_rate_percent=self.error_rate_percent,
            latency_p95_seconds=self.latency_p95_seconds,
            db_cpu_percent=self.db_cpu_percent,
            db_connections_percent=self.db_connections_percent,
            db_free_storage_percent=self.db_free_storage_percent,
            db_replica_lag_seconds=self.db_replica_lag_seconds,
            memory_percent=self.memory_percent,
            cache_cpu_percent=self.cache_cpu_percent,
            certificate_expiry_days=self.certificate_expiry_days,
            kubernetes_cluster_name=self.kubernetes_cluster_name,
            region=region,
        )

    @model_validator(mode="after")
    def _component_rules(self) -> "AlertingConfig":
        # The component's validation at load time. The webhooks are secrets this section does
        # not see: a stand-in keeps "someone receives the alerts" for the build, where the
        # real values are known.
        _component_check(
            AlertingConfig,
            lambda: self.component_args(tier=Tier.PROD, chat_webhook_url="https://config-check.invalid/"),
        )
        return self


class StackConfig(BaseModel):
    """The whole, validated configuration of one stack."""

    model_config = ConfigDict(frozen=True)

    stack: str
    tier: Tier
    domain: Hostname
    network: NetworkConfig
    database: DatabaseConfig
    cache: CacheConfig
    app: AppConfig
    cdn: CdnConfig
    backups: BackupsConfig
    alerting: AlertingConfig
    secrets: dict[str, Any] = {}
    """User-supplied secrets (Output secrets), by key: only those the stack sets."""

    @property
    def is_prod(self) -> bool:
        return self.tier is Tier.PROD


# ---------------------------------------------------------------------------- loading


def tier_for(stack: str, explicit: Optional[str]) -> Tier:
    """The tier: the ``webstack:tier`` key if set, else the stack name (``prod``, ``prod-eu`` ...)."""
    if explicit is not None:
        try:
            return Tier(explicit)
        except ValueError:
            raise ConfigError(stack, [f"webstack:tier = {explicit!r}: must be one of 'dev', 'staging', 'prod'"]) from None
    head = re.split(r"[-_.]", stack, maxsplit=1)[0]
    try:
        return Tier(head)
    except ValueError:
        raise ConfigError(
            stack,
            [
                f"webstack:tier is not set and the stack name {stack!r} does not name a tier: "
                "set webstack:tier to one of 'dev', 'staging', 'prod'"
            ],
        ) from None


def _deep_merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _camel_keys(value: Any) -> Any:
    """Accept Python spelling too (``backup_retention_days``); one spelling after this."""
    if isinstance(value, dict):
        return {to_camel(k) if "_" in k else k: _camel_keys(v) for k, v in value.items()}
    return value


def _field_at(model: type[BaseModel], path: tuple[Any, ...]) -> tuple[type[BaseModel], Any]:
    """(model that holds the last key of ``path``, its FieldInfo or None), following nested
    section models along a pydantic error location (names or camelCase aliases)."""
    current: type[BaseModel] = model
    for depth, part in enumerate(path):
        info = next((f for n, f in current.model_fields.items() if part in (n, f.alias)), None)
        if depth == len(path) - 1 or info is None:
            return current, info
        if not (isinstance(info.annotation, type) and issubclass(info.annotation, BaseModel)):
            return current, None
        current = info.annotation
    return current, None


def _allowed_keys(model: type[BaseModel], path: tuple[Any, ...]) -> list[str]:
    """camelCase keys allowed where the (unknown) last key of ``path`` was found."""
    holder, _ = _field_at(model, path)
    return [f.alias or n for n, f in holder.model_fields.items()]


def _describe(error: dict[str, Any], section_model: type[BaseModel]) -> str:
    loc = error["loc"]
    key = "webstack:" + ".".join(str(p) for p in loc)
    if error["type"] == "extra_forbidden":
        allowed = _allowed_keys(section_model, loc[1:])
        near = difflib.get_close_matches(str(loc[-1]), allowed, n=1, cutoff=0.6)
        hint = f"; did you mean {near[0]!r}?" if near else ""
        return f"{key}: unknown key{hint} (allowed: {', '.join(allowed)})"
    message = error["msg"].removeprefix("Value error, ").replace("Input should be", "must be")
    if error["type"] == "missing":
        return f"{key}: required, not set"
    if error["type"] in _BOUND_ERRORS:
        low, high = _bounds(section_model, loc[1:])
        if low is not None and high is not None:
            message = f"must be between {low[0]} and {high[0]}"
            if low[1] or high[1]:
                message = f"must be {'above' if low[1] else 'at least'} {low[0]} and {'below' if high[1] else 'at most'} {high[0]}"
    # Rules over several fields name the offending field first: "replicas: needs ...".
    rule = re.match(r"^([a-z][A-Za-z0-9]*): (.*)$", message, re.DOTALL)
    if error["type"] == "value_error" and rule and isinstance(error.get("input"), dict):
        field, reason = rule.groups()
        if field not in error["input"]:
            return f"{key}.{field} (not set): {reason}"
        return f"{key}.{field} = {error['input'][field]!r}: {reason}"
    return f"{key} = {error['input']!r}: {message}"


_BOUND_ERRORS = {"greater_than", "greater_than_equal", "less_than", "less_than_equal"}


def _bounds(model: type[BaseModel], path: tuple[Any, ...]) -> tuple[Any, Any]:
    """((low, exclusive), (high, exclusive)) declared on the field at ``path`` inside ``model``, where both exist."""
    _, info = _field_at(model, path)
    low = high = None
    for meta in getattr(info, "metadata", []):
        for attr in ("ge", "gt"):
            if getattr(meta, attr, None) is not None:
                low = (getattr(meta, attr), attr == "gt")
        for attr in ("le", "lt"):
            if getattr(meta, attr, None) is not None:
                high = (getattr(meta, attr), attr == "lt")
    return low, high


_SECTION_MODELS: dict[str, type[_Section]] = {
    "network": NetworkConfig,
    "database": DatabaseConfig,
    "cache": CacheConfig,
    "app": AppConfig,
    "cdn": CdnConfig,
    "backups": BackupsConfig,
    "alerting": AlertingConfig,
}


def parse(stack: str, raw: dict[str, Any], secrets: Optional[dict[str, Any]] = None) -> StackConfig:
    """Validate raw ``webstack:*`` values (key without namespace -> value) for ``stack``.

    ``raw`` holds plain values (objects for sections); ``secrets`` the user-supplied secret
    values as ``pulumi.Output`` secrets. Raises ``ConfigError`` listing every problem.
    """
    problems: list[str] = []
    for key in raw:
        if key not in TOP_LEVEL_KEYS:
            near = difflib.get_close_matches(key, TOP_LEVEL_KEYS, n=1, cutoff=0.6)
            hint = f"; did you mean 'webstack:{near[0]}'?" if near else ""
            problems.append(f"webstack:{key}: unknown key{hint} (allowed: {', '.join(TOP_LEVEL_KEYS)})")
    for key in SECRET_KEYS:
        if key in raw:
            problems.append(
                f"webstack:{key} is set in plain text: store it with `pulumi config set --secret {key} ...`"
            )
    tier = tier_for(stack, raw.get("tier"))
    defaults = defaults_for(tier)
    sections: dict[str, Any] = {}
    for name, model in _SECTION_MODELS.items():
        value = raw.get(name, {})
        if value is None:
            value = {}
        if not isinstance(value, dict):
            problems.append(f"webstack:{name} = {value!r}: must be an object of settings")
            continue
        # Defaults are snake_case, the stack file camelCase: bring defaults to aliases.
        camel_defaults = {to_camel(k): v for k, v in defaults.get(name, {}).items()}
        merged = _deep_merge(camel_defaults, _camel_keys(value))
        try:
            sections[name] = model.model_validate(merged)
        except ValidationError as exc:
            for error in exc.errors():
                error = dict(error)
                error["loc"] = (name, *error["loc"])
                problems.append(_describe(error, model))
    domain = raw.get("domain")
    if domain is None:
        problems.append("webstack:domain: required, not set (the public host name, e.g. app.example.com)")
    else:
        try:
            _hostname(str(domain))
        except ValueError as exc:
            problems.append(f"webstack:domain = {domain!r}: {exc}")
    if not problems:
        problems.extend(_cross_section_rules(tier, sections))
        if not sections["alerting"].emails and "chatWebhookUrl" not in (secrets or {}):
            problems.append(
                "webstack:alerting.emails = []: warning and info alarms would reach nobody (a pager gets only "
                "critical ones); add an address, or set webstack:chatWebhookUrl with `pulumi config set --secret`"
            )
    if problems:
        raise ConfigError(stack, problems)
    return StackConfig(stack=stack, tier=tier, domain=domain, secrets=dict(secrets or {}), **sections)


def _cross_section_rules(tier: Tier, s: dict[str, Any]) -> list[str]:
    """Rules that span sections or depend on the tier."""
    problems = []
    db: DatabaseConfig = s["database"]
    if tier is Tier.PROD:
        if not db.deletion_protection and not db.allow_unprotected_prod:
            problems.append(
                "webstack:database.deletionProtection = False: prod keeps deletion protection on; "
                "set database.allowUnprotectedProd: true to override deliberately"
            )
        if db.skip_final_snapshot:
            problems.append("webstack:database.skipFinalSnapshot = True: prod always keeps a final snapshot")
        if db.replicas < 2:
            problems.append(f"webstack:database.replicas = {db.replicas}: prod needs at least 2 read replicas")
        if s["network"].az_count < 3 and not s["network"].vpc_id:
            problems.append(f"webstack:network.azCount = {s['network'].az_count}: prod spreads across at least 3 AZs")
    if tier is Tier.STAGING and db.replicas < 1:
        problems.append(f"webstack:database.replicas = {db.replicas}: staging needs at least 1 read replica")
    app: AppConfig = s["app"]
    # The database component sizes connection pools from the app's instance count, which
    # only this level knows: run that check here too, before anything is registered.
    try:
        db.check_component(app_max_instances=app.max_instances)
    except ValueError as exc:
        field, _, reason = str(exc).partition(": ")
        problems.append(f"webstack:database.{field} (with app.maxInstances = {app.max_instances}): {reason}")
    if app.rollout == "blue-green" and app.platform != "kubernetes":
        problems.append(
            "webstack:app.rollout = 'blue-green': blue/green is a Kubernetes rollout; "
            "on Vercel use 'canary' (rolling release) or 'direct'"
        )
    return problems


def _decode(value: Any) -> Any:
    """Config values arrive as strings; objects and lists as JSON text."""
    if isinstance(value, str) and value[:1] in "{[":
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            return value
    return value


def load(stack: Optional[str] = None) -> StackConfig:
    """Read and validate this stack's ``webstack:*`` config from the Pulumi runtime."""
    from pulumi.runtime import config as runtime_config

    stack = stack or pulumi.get_stack()
    values = {**runtime_config.get_config_env(), **runtime_config.CONFIG.get()}
    raw: dict[str, Any] = {}
    secrets: dict[str, Any] = {}
    cfg = pulumi.Config(PROJECT)
    for full_key, value in values.items():
        namespace, _, key = full_key.partition(":")
        if namespace != PROJECT:
            continue
        if key in SECRET_KEYS and runtime_config.is_config_secret(full_key):
            secrets[key] = cfg.require_secret(key)
        else:
            raw[key] = _decode(value)
    return parse(stack, raw, secrets)
