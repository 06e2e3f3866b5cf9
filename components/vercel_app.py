"""VercelApp: the app tier as a Vercel project behind the CDN.

The project builds from a Git repository and serves the CDN's origin host
(``origin_domain``, e.g. ``origin.shop.example.com``); users never reach Vercel directly:

* **Origin lock.** A random secret travels from CloudFront in the ``X-Origin-Verify``
  header (``origin_headers``, passed to ``Cdn``); the Vercel firewall denies every request
  without it except the health check, so the CDN's WAF and headers cannot be bypassed.
* **Security headers** on every route: a catch-all ``ProjectRoute`` sets the values of
  ``pulumi_webstack.headers`` (the same the CDN and the Kubernetes Ingress send); the CSP
  only when the CDN owns it (``headers.csp_owner``), else the app's own CSP is left alone.
* **Firewall**: the origin lock, a rate limit on the API paths and the managed bot and
  AI-bot rulesets (log only: behind the CDN every request comes from a CloudFront address,
  so Vercel's client classification would judge CloudFront, not the user; the per-client
  rate limit and managed rules that act are the CDN's WAF). The rate limit here counts per
  connecting address, i.e. per CloudFront edge server: it caps floods that reach the
  origin. OWASP core rules (``firewall_owasp``) need a Vercel Enterprise plan.
* **Deployment protection**: Vercel Authentication (``standard_protection_new``) on
  preview deployments and generated deployment URLs; production custom domains stay public.
* **Rolling release** (``rollout="canary"``): new production deployments take
  ``canary_steps`` percent of traffic (5/10/25/50/100 in prod), advancing automatically
  every ``rolling_release_stage_minutes`` or on manual approval; skew protection keeps each
  client on one version meanwhile.
* **Data tier access** without secrets in environment variables: variables carry hosts,
  ports and the ARNs of the Secrets Manager secrets, all ``sensitive`` (write-only in
  Vercel, secret in Pulumi state). With ``team_slug`` the project's functions assume an
  IAM role through Vercel OIDC federation (``AWS_ROLE_ARN``) that may read exactly those
  secrets (and decrypt them with their KMS keys). The database and cache are in private
  subnets: Vercel functions reach them only over a private connection (Vercel Secure
  Compute peered with the VPC, its CIDR listed in ``network.appCidrs``).
* **Log drain** (``log_drain_url``): runtime, edge and firewall logs as signed JSON. The
  endpoint must answer Vercel's verification request (``x-vercel-verify`` header).
"""

import json
import re
from dataclasses import dataclass, field
from typing import Any, Optional

import pulumi
import pulumi_aws as aws
import pulumi_random as random
import pulumiverse_vercel as vercel

from pulumi_webstack import headers as h
from pulumi_webstack.headers import ORIGIN_VERIFY_HEADER
from pulumi_webstack.args import check_fields, from_inputs, setting
from pulumi_webstack.errors import require
from pulumi_webstack.iam_policies import secret_read_policy_output
from pulumi_webstack.names import HOSTNAME

VERCEL_CNAME_TARGET = "cname.vercel-dns.com"
OIDC_ISSUER = "oidc.vercel.com"
ENVIRONMENTS = ("production", "preview")
ADVANCEMENT_TYPES = ("automatic", "manual-approval")
GIT_PROVIDERS = ("github", "gitlab", "bitbucket")
LOG_SOURCES = ["static", "edge", "external", "build", "lambda", "firewall"]

_PROJECT = re.compile(r"^[a-z0-9][a-z0-9._-]{0,99}$")
_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,47}$")
_REPO = re.compile(r"^[\w.-]+/[\w.-]+$")


@dataclass
class VercelAppArgs:
    """Arguments of ``VercelApp``."""

    project_name: str = setting(pattern=_PROJECT.pattern.strip("^$"),
                                words="must be lower case letters, digits, '.', '_' or '-' (at most 100)")
    """Vercel project name (lower case, unique in the team)."""
    origin_domain: str = setting(pattern=HOSTNAME.pattern.strip("^$"),
                                 words="must be a lower-case DNS name such as origin.example.com")
    """Host the CDN fetches from; attached to the project as its production domain."""
    framework: Optional[str] = setting("nextjs", pattern=r"[a-z0-9-]+",
                                       words="must be a Vercel framework preset such as nextjs or sveltekit-1")
    """Vercel framework preset (``nextjs``, ``sveltekit-1``, ...)."""
    git_repository: Optional[str] = setting(None, pattern=_REPO.pattern.strip("^$"), words="must be owner/name")
    """Repository ``owner/name`` Vercel deploys from."""
    git_provider: Optional[str] = setting("github", one_of=GIT_PROVIDERS)
    """``github``, ``gitlab`` or ``bitbucket``."""
    root_directory: Optional[str] = None
    """Directory of the app inside the repository."""
    production_branch: Optional[str] = "main"
    """Branch whose pushes deploy to production."""
    team_id: Optional[str] = None
    """Vercel team owning the project (else the provider's default team)."""
    team_slug: Optional[str] = setting(None, pattern=_SLUG.pattern.strip("^$"),
                                       words="must be a Vercel team slug (lower case letters, digits and '-')")
    """Team slug: enables OIDC federation to AWS (issuer ``https://oidc.vercel.com/<slug>``)."""
    oidc_provider_arn: Optional[str] = None
    """Existing IAM OIDC provider for the team's issuer (one per AWS account); None creates it."""
    database_host: Optional[pulumi.Input[str]] = None
    """Writer (or proxy) endpoint of the database."""
    database_reader_host: Optional[pulumi.Input[str]] = None
    """Reader endpoint of the database."""
    database_port: Optional[pulumi.Input[int]] = None
    """Database port."""
    database_name: Optional[str] = setting(None, pattern=r"[a-z][a-z0-9_]{0,62}", words="must be a PostgreSQL identifier")
    """Name of the application database."""
    database_secret_arn: Optional[pulumi.Input[str]] = None
    """Secrets Manager secret with the database credentials."""
    cache_host: Optional[pulumi.Input[str]] = None
    """Primary endpoint of the cache (TLS)."""
    cache_reader_host: Optional[pulumi.Input[str]] = None
    """Reader endpoint of the cache."""
    cache_port: Optional[pulumi.Input[int]] = None
    """Cache port."""
    cache_auth_secret_arn: Optional[pulumi.Input[str]] = None
    """Secrets Manager secret with the cache AUTH token."""
    secret_kms_key_arns: Optional[list[pulumi.Input[str]]] = field(default_factory=list)
    """KMS keys encrypting those secrets (the role may decrypt through Secrets Manager only)."""
    preview_data_access: Optional[bool] = False
    """Preview deployments get the data-tier variables (and may assume the role) too."""
    rollout: Optional[str] = setting("direct", one_of=("direct", "canary"),
                                     words="must be 'direct' or 'canary' (a Vercel rolling release)")
    """``direct`` or ``canary`` (Vercel rolling release)."""
    canary_steps: Optional[list[int]] = field(default_factory=list)
    """Traffic percentages of the rolling release, ascending, ending at 100 (2 to 10 steps)."""
    rolling_release_advancement: Optional[str] = setting("automatic", one_of=ADVANCEMENT_TYPES)
    """``automatic`` (timed) or ``manual-approval``."""
    rolling_release_stage_minutes: Optional[int] = setting(10, ge=1, le=1440)
    """Minutes each stage runs before an automatic rolling release advances."""
    api_paths: Optional[list[str]] = field(default_factory=lambda: ["/api/"])
    """Path prefixes the firewall rate limit applies to."""
    api_rate_limit_per_minute: Optional[int] = setting(1200, ge=1, le=10_000_000)
    """Requests per connecting address (behind the CDN: per edge server) per minute on the API."""
    firewall_owasp: Optional[bool] = False
    """Enable Vercel's OWASP core ruleset (deny); needs an Enterprise plan."""
    require_origin_secret: Optional[bool] = True
    """Deny requests without the CDN's ``X-Origin-Verify`` secret (all but ``health_path``)."""
    health_path: Optional[str] = setting("/api/health", pattern=r"/[\w/.-]*", words="must be a path such as /api/health")
    """Health endpoint (reachable without the origin secret, for uptime checks)."""
    log_drain_url: Optional[str] = setting(None, pattern=r"https://[^\s/]+(/\S*)?", words="must be an https:// URL")
    """HTTPS endpoint receiving the project's logs."""
    hosted_zone_id: Optional[str] = setting(None, pattern=r"Z[A-Z0-9]{1,32}", words="must be a Route 53 hosted zone id")
    """Route 53 zone of ``origin_domain``: a CNAME to Vercel is created there."""
    headers: Optional[h.SecurityHeaders] = field(default_factory=h.SecurityHeaders)
    """Security headers set on every route."""

    def __post_init__(self) -> None:
        check_fields(self)
        if self.root_directory is not None:
            require(not self.root_directory.startswith("/") and ".." not in self.root_directory.split("/"),
                    "vercel.root_directory", self.root_directory, "must be a relative path inside the repository")
        if self.oidc_provider_arn is not None:
            require(self.team_slug is not None, "vercel.oidc_provider_arn", self.oidc_provider_arn,
                    "needs team_slug (the provider's issuer is https://oidc.vercel.com/<team_slug>)")
            require(bool(re.match(r"^arn:aws[\w-]*:iam::\d{12}:oidc-provider/oidc\.vercel\.com/", self.oidc_provider_arn)),
                    "vercel.oidc_provider_arn", self.oidc_provider_arn,
                    "must be the ARN of the IAM OIDC provider for oidc.vercel.com/<team_slug>")
        if self.rollout == "canary":
            steps = self.canary_steps
            require(2 <= len(steps) <= 10 and all(0 < s <= 100 for s in steps)
                    and steps == sorted(set(steps)) and steps[-1] == 100,
                    "vercel.canary_steps", steps,
                    "must be 2 to 10 strictly ascending percentages ending at 100, e.g. [5, 10, 25, 50, 100]")
        require(bool(self.api_paths), "vercel.api_paths", self.api_paths, "must list at least one path prefix")
        for prefix in self.api_paths:
            require(prefix.startswith("/") and "*" not in prefix, "vercel.api_paths",
                    prefix, "must be a path prefix starting with '/' (no wildcards)")

    @property
    def data_targets(self) -> list[str]:
        """Vercel environments that get the data-tier variables."""
        return list(ENVIRONMENTS) if self.preview_data_access else ["production"]

    @property
    def secret_arns(self) -> list[pulumi.Input[str]]:
        return [a for a in (self.database_secret_arn, self.cache_auth_secret_arn) if a is not None]


def _as_text(value: pulumi.Input[Any]) -> pulumi.Output[str]:
    return pulumi.Output.from_input(value).apply(str)


def data_variables(args: VercelAppArgs) -> dict[str, pulumi.Input[Any]]:
    """Environment variable name -> value for the data-tier links that are set."""
    values: dict[str, Optional[pulumi.Input[Any]]] = {
        "DATABASE_HOST": args.database_host,
        "DATABASE_READER_HOST": args.database_reader_host,
        "DATABASE_PORT": args.database_port,
        "DATABASE_NAME": args.database_name,
        "DATABASE_SECRET_ARN": args.database_secret_arn,
        "DATABASE_SSLMODE": "verify-full" if args.database_host is not None else None,
        "REDIS_HOST": args.cache_host,
        "REDIS_READER_HOST": args.cache_reader_host,
        "REDIS_PORT": args.cache_port,
        "REDIS_AUTH_SECRET_ARN": args.cache_auth_secret_arn,
        "REDIS_TLS": "true" if args.cache_host is not None else None,
    }
    return {k: v for k, v in values.items() if v is not None}


def oidc_subjects(team_slug: str, project_name: str, environments: list[str]) -> list[str]:
    """``sub`` claims of the project's OIDC tokens for those environments."""
    return [f"owner:{team_slug}:project:{project_name}:environment:{env}" for env in environments]


def firewall_rules(args: VercelAppArgs, origin_secret: Optional[pulumi.Input[str]]) -> list[dict[str, Any]]:
    """Custom firewall rules: the origin lock (when a secret is given), then the API rate limit."""
    rules: list[dict[str, Any]] = []
    header = ORIGIN_VERIFY_HEADER.lower()
    if origin_secret is not None:
        not_health = {"type": "path", "op": "eq", "neg": True, "value": args.health_path}
        rules.append({
            "name": "cdn-only",
            "description": f"Deny requests that did not come through the CDN (no valid {ORIGIN_VERIFY_HEADER})",
            "active": True,
            "condition_groups": [
                {"conditions": [{"type": "header", "key": header, "op": "nex"}, not_health]},
                {"conditions": [{"type": "header", "key": header, "op": "neq", "value": origin_secret}, not_health]},
            ],
            "action": {"action": "deny"},
        })
    rules.append({
        "name": "api-rate-limit",
        "description": f"At most {args.api_rate_limit_per_minute} API requests per minute per connecting address",
        "active": True,
        "condition_groups": [{"conditions": [{"type": "path", "op": "pre", "value": p}]} for p in args.api_paths],
        "action": {
            "action": "rate_limit",
            "rate_limit": {"algo": "fixed_window", "window": 60, "limit": args.api_rate_limit_per_minute,
                           "keys": ["ip"], "action": "deny"},
            "action_duration": "1m",
        },
    })
    return rules


def managed_rulesets(args: VercelAppArgs) -> dict[str, Any]:
    """Managed rulesets: bot and AI-bot detection (log), OWASP core rules (deny) when enabled."""
    rulesets: dict[str, Any] = {
        "bot_protection": {"action": "log", "active": True},
        "ai_bots": {"action": "log", "active": True},
    }
    if args.firewall_owasp:
        rulesets["owasp"] = {k: {"action": "deny"} for k in ("xss", "sqli", "rce", "php", "java", "lfi", "rfi", "gen")}
    return rulesets


class VercelApp(pulumi.ComponentResource):
    """Vercel project serving the CDN's origin host, locked to the CDN.

    Creates: project (Git, framework, deployment protection, OIDC), project domain for the
    origin host (+ Route 53 CNAME with ``hosted_zone_id``), catch-all security-headers
    route, firewall config, origin secret, environment variables (sensitive) per target,
    rolling release (canary), log drain (+ signing secret), and with ``team_slug`` the IAM
    OIDC provider (unless given), role and secret-read policy.

    Outputs: ``platform`` ("vercel"), ``project_id``, ``origin_domain``, ``health_url``,
    ``origin_headers`` (secret values, for ``Cdn``), ``role_arn`` (None without
    ``team_slug``), ``environment_variables`` (names).
    """

    platform: str = "vercel"
    """Which app tier this is: always ``"vercel"``."""
    project_id: pulumi.Output[str]
    """Id of the Vercel project."""
    origin_domain: pulumi.Output[str]
    """Host the CDN uses as its HTTPS origin."""
    health_url: pulumi.Output[str]
    """``https://<origin_domain><health_path>`` (open without the origin secret)."""
    origin_headers: dict[str, pulumi.Output[str]]
    """Headers the CDN must add to origin requests (secret values)."""
    role_arn: Optional[pulumi.Output[str]]
    """IAM role the project's functions assume through OIDC (None without team_slug)."""
    environment_variables: list[str]
    """Names of the environment variables this component manages."""

    def __init__(self, name: str, args: VercelAppArgs, opts: Optional[pulumi.ResourceOptions] = None):
        args = from_inputs(VercelAppArgs, args)
        super().__init__("webstack:index:VercelApp", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        invoke = pulumi.InvokeOptions(parent=self)
        team = {"team_id": args.team_id} if args.team_id else {}
        canary = args.rollout == "canary"

        project_args: dict[str, Any] = dict(
            name=args.project_name,
            framework=args.framework,
            root_directory=args.root_directory,
            vercel_authentication={"deployment_type": "standard_protection_new"},
            git_fork_protection=True,
            directory_listing=False,
            automatically_expose_system_environment_variables=True,
            oidc_token_config={"issuer_mode": "team"},
            **team,
        )
        if args.git_repository:
            project_args["git_repository"] = {
                "type": args.git_provider,
                "repo": args.git_repository,
                "production_branch": args.production_branch,
            }
        if canary:
            project_args["skew_protection"] = "12 hours"
        self.project = vercel.Project(f"{name}-project", **project_args, opts=child)

        self.domain = vercel.ProjectDomain(
            f"{name}-origin-domain", project_id=self.project.id, domain=args.origin_domain, **team, opts=child
        )
        if args.hosted_zone_id:
            aws.route53.Record(
                f"{name}-origin-cname",
                zone_id=args.hosted_zone_id,
                name=args.origin_domain,
                type="CNAME",
                ttl=300,
                records=[VERCEL_CNAME_TARGET],
                opts=child,
            )

        self.headers_route = vercel.ProjectRoute(
            f"{name}-security-headers",
            project_id=self.project.id,
            name="security-headers",
            description="Security headers on every response (HSTS, CSP, nosniff, framing, referrer, permissions)",
            enabled=True,
            position={"placement": "start"},
            route=h.vercel_route(args.headers),
            **team,
            opts=child,
        )

        origin_secret: Optional[pulumi.Output[str]] = None
        self.origin_headers = {}
        if args.require_origin_secret:
            secret = random.RandomPassword(f"{name}-origin-secret", length=48, special=False, opts=child)
            origin_secret = pulumi.Output.secret(secret.result)
            self.origin_headers = {ORIGIN_VERIFY_HEADER: origin_secret}
        self.firewall = vercel.FirewallConfig(
            f"{name}-firewall",
            project_id=self.project.id,
            enabled=True,
            rules={"rules": firewall_rules(args, origin_secret)},
            managed_rulesets=managed_rulesets(args),
            **team,
            opts=child,
        )

        region = aws.get_region_output(opts=invoke).region
        self.role_arn: Optional[pulumi.Output[str]] = None
        if args.team_slug:
            self.role_arn = self._oidc_role(name, args, region, child)

        variables: dict[str, pulumi.Input[Any]] = dict(data_variables(args))
        if variables or self.role_arn is not None:
            variables["AWS_REGION"] = region
        if self.role_arn is not None:
            variables["AWS_ROLE_ARN"] = self.role_arn
        self.environment_variables = sorted(variables)
        for key in self.environment_variables:
            vercel.ProjectEnvironmentVariable(
                f"{name}-env-{key.lower().replace('_', '-')}",
                project_id=self.project.id,
                key=key,
                value=pulumi.Output.secret(_as_text(variables[key])),
                targets=args.data_targets,
                sensitive=True,
                comment="Managed by Pulumi (webstack): data-tier connection",
                **team,
                opts=child,
            )

        if canary:
            stages: list[dict[str, Any]] = []
            for step in args.canary_steps:
                stage: dict[str, Any] = {"target_percentage": step}
                if step < 100 and args.rolling_release_advancement == "automatic":
                    stage["duration"] = args.rolling_release_stage_minutes
                stages.append(stage)
            vercel.ProjectRollingRelease(
                f"{name}-rolling-release",
                project_id=self.project.id,
                advancement_type=args.rolling_release_advancement,
                stages=stages,
                **team,
                opts=child,
            )

        if args.log_drain_url:
            signing = random.RandomPassword(f"{name}-log-drain-secret", length=32, special=False, opts=child)
            vercel.LogDrain(
                f"{name}-log-drain",
                name=f"{args.project_name}-logs",
                endpoint=args.log_drain_url,
                delivery_format="json",
                environments=list(ENVIRONMENTS),
                sources=LOG_SOURCES,
                project_ids=[self.project.id],
                secret=pulumi.Output.secret(signing.result),
                **team,
                opts=child,
            )

        self.project_id = self.project.id
        self.origin_domain = pulumi.Output.from_input(args.origin_domain)
        self.health_url = pulumi.Output.from_input(f"https://{args.origin_domain}{args.health_path}")
        self.register_outputs(
            {
                "platform": self.platform,
                "project_id": self.project_id,
                "origin_domain": self.origin_domain,
                "health_url": self.health_url,
                "origin_headers": self.origin_headers,
                "role_arn": self.role_arn,
                "environment_variables": self.environment_variables,
            }
        )

    def _oidc_role(
        self, name: str, args: VercelAppArgs, region: pulumi.Output[str], child: pulumi.ResourceOptions
    ) -> pulumi.Output[str]:
        slug = args.team_slug
        issuer = f"{OIDC_ISSUER}/{slug}"
        audience = f"https://vercel.com/{slug}"
        if args.oidc_provider_arn:
            provider_arn: pulumi.Input[str] = args.oidc_provider_arn
        else:
            provider_arn = aws.iam.OpenIdConnectProvider(
                f"{name}-vercel-oidc", url=f"https://{issuer}", client_id_lists=[audience], opts=child
            ).arn
        subjects = oidc_subjects(slug, args.project_name, args.data_targets)
        role = aws.iam.Role(
            f"{name}-vercel",
            description=f"Assumed by Vercel project {args.project_name} ({', '.join(args.data_targets)}) via OIDC",
            max_session_duration=3600,
            assume_role_policy=pulumi.Output.from_input(provider_arn).apply(
                lambda arn: json.dumps({
                    "Version": "2012-10-17",
                    "Statement": [{
                        "Effect": "Allow",
                        "Principal": {"Federated": arn},
                        "Action": "sts:AssumeRoleWithWebIdentity",
                        "Condition": {
                            "StringEquals": {f"{issuer}:aud": audience},
                            "StringLike": {f"{issuer}:sub": subjects if len(subjects) > 1 else subjects[0]},
                        },
                    }],
                })
            ),
            opts=child,
        )
        if args.secret_arns:
            aws.iam.RolePolicy(
                f"{name}-vercel-secrets",
                role=role.id,
                policy=secret_read_policy_output(args.secret_arns, args.secret_kms_key_arns, region),
                opts=child,
            )
        return role.arn
