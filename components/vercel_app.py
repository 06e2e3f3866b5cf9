"""VercelApp: the app tier as a Vercel project behind the CDN.

The project builds from a Git repository and serves the CDN's origin host
(``origin_domain``, e.g. ``origin.shop.example.com``); users never reach Vercel directly:

* **Origin lock.** A random secret travels from CloudFront in the ``X-Origin-Verify``
  header (``origin_headers``, passed to ``Cdn``); the Vercel firewall denies every request
  without it except the health check, so the CDN's WAF and headers cannot be bypassed.
* **Security headers** on every route: a catch-all ``ProjectRoute`` sets the values of
  ``pulumi_webstack.headers`` (the same the CDN and the Kubernetes Ingress send); the CSP
  only when the CDN owns it (``headers.csp_owner``), else the app's own CSP is left alone.
* **Firewall**: the origin lock and the managed bot and AI-bot rulesets (log only: behind
  the CDN every request comes from a CloudFront address, so Vercel's client classification
  would judge CloudFront, not the user). No per-client rate limit here: Vercel's rate-limit
  keys are the connecting address and its JA4 fingerprint, and behind CloudFront both are
  the edge server's, so such a limit would throttle every user of a busy edge server at
  once. The per-client limit is the CDN's WAF rule, which sees the viewer's address
  (``cdn.api_rate_limit_per_minute``). OWASP core rules (``firewall_owasp``) need a Vercel
  Enterprise plan.
* **Deployment protection**: Vercel Authentication (``standard_protection_new``) on
  preview deployments and generated deployment URLs; production custom domains stay public.
* **Rolling release** (``rollout="canary"``): new production deployments take
  ``canary_steps`` percent of traffic (5/10/25/50/100 in prod), advancing automatically
  every ``rolling_release_stage_minutes`` or on manual approval; skew protection keeps each
  client on one version meanwhile.
* **Functions next to the data**: the project's functions run in the Vercel region nearest
  the AWS region (``secure_compute.NEAREST_VERCEL_REGION``), not in Vercel's default iad1.
* **Team pinned by id** (``team_id``): every Vercel resource names it, so a token whose
  default scope is another team cannot put the project elsewhere, and the OIDC trust is
  built from the slug Vercel reports for that id.
* **Data tier access** without secrets in environment variables: variables carry hosts,
  ports, the TLS settings that verify each host (``pulumi_webstack.connections``) and the
  ARNs of the Secrets Manager secrets, all ``sensitive`` (write-only in Vercel, secret in
  Pulumi state). With ``team_id`` the project's functions assume an IAM role through Vercel
  OIDC federation (``AWS_ROLE_ARN``) that may read exactly those secrets (and decrypt them
  with their KMS keys).
* **A private way to the data** (``secure_compute_cidr``, Vercel Enterprise): a Vercel
  Secure Compute network in that region, peered with the data tier's VPC
  (``peering_connection_id``, requested in Vercel, accepted here), routes back from every
  data route table, the database and cache groups admitting the network's range on their
  ports, and the reader's private zone authorized for the network's VPC. What only Vercel
  can do is listed, ids filled in, in ``secure_compute_steps`` (``pulumi_webstack.secure_compute``).
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

from pulumi_webstack.extras import missing_sdk

try:
    import pulumiverse_vercel as vercel
except ModuleNotFoundError as _missing:  # an optional SDK: name the extra that installs it
    raise missing_sdk(_missing, "VercelApp") from None

from pulumi_webstack import headers as h
from pulumi_webstack import secure_compute
from pulumi_webstack.args import check_fields, from_inputs, setting
from pulumi_webstack.connections import data_environment
from pulumi_webstack.errors import ArgsError, require, static_len
from pulumi_webstack.headers import ORIGIN_VERIFY_HEADER
from pulumi_webstack.iam_policies import granted, secret_read_policy_output
from pulumi_webstack.names import HOSTNAME, private_range_problem

VERCEL_CNAME_TARGET = "cname.vercel-dns.com"
OIDC_ISSUER = "oidc.vercel.com"
ENVIRONMENTS = ("production", "preview")
ADVANCEMENT_TYPES = ("automatic", "manual-approval")
GIT_PROVIDERS = ("github", "gitlab", "bitbucket")
LOG_SOURCES = ["static", "edge", "external", "build", "lambda", "firewall"]

_PROJECT = re.compile(r"^[a-z0-9][a-z0-9._-]{0,99}$")
_REPO = re.compile(r"^[\w.-]+/[\w.-]+$")
_OIDC_PROVIDER = r"arn:aws[\w-]*:iam::\d{12}:oidc-provider/oidc\.vercel\.com/[a-z0-9][a-z0-9-]*"


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
    team_id: Optional[str] = setting(None, pattern=r"team_[A-Za-z0-9]{1,64}",
                                     words="must be a Vercel team id such as team_a1B2c3D4e5F6g7H8i9J0k1L2 "
                                           "(Team Settings -> General -> Team ID)")
    """Vercel team owning the project and every other Vercel resource here (pinned by id, so the
    API token's default team does not matter); also enables OIDC federation to AWS, trusting
    the issuer ``https://oidc.vercel.com/<slug>`` of this team's slug."""
    oidc_provider_arn: Optional[str] = setting(
        None, pattern=_OIDC_PROVIDER,
        words="must be the ARN of the IAM OIDC provider for https://oidc.vercel.com/<team slug>")
    """The account's IAM OIDC provider for the team's issuer. IAM allows one per account and
    URL: the first stack in an account creates it (leave this out) and exports its ARN as
    ``oidc_provider_arn``; every other stack of that team in the account sets this to it."""
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
    secure_compute_cidr: Optional[str] = None
    """Range of the Vercel Secure Compute network the project's functions reach the data tier
    through (Vercel Enterprise): a private range, /16 to /24, apart from the VPC's. None: no
    private network (the functions cannot reach private subnets)."""
    peering_connection_id: Optional[str] = setting(
        None, pattern=r"pcx-[0-9a-f]{8,17}",
        words="must be the id of the VPC peering connection Vercel requested, such as pcx-0123456789abcdef0")
    """VPC peering connection from the Secure Compute network to ``vpc_id``, requested in Vercel
    (see ``secure_compute_steps``); accepted here, and routed from every ``route_table_ids``."""
    vpc_id: Optional[pulumi.Input[str]] = None
    """VPC of the database and cache (the peering's accepter side)."""
    route_table_ids: Optional[list[pulumi.Input[str]]] = field(default_factory=list)
    """Route tables of the database and cache subnets: each gets the route to the network."""
    database_security_group_id: Optional[pulumi.Input[str]] = None
    """Security group of the database and its proxy: admits the network on ``database_port``."""
    cache_security_group_id: Optional[pulumi.Input[str]] = None
    """Security group of the cache: admits the network on ``cache_port``."""
    reader_zone_id: Optional[pulumi.Input[str]] = None
    """Private Route 53 zone of ``database_reader_host``: authorized for the network's VPC."""
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
            require(self.team_id is not None, "vercel.oidc_provider_arn", self.oidc_provider_arn,
                    "needs team_id (the provider's issuer is https://oidc.vercel.com/<the team's slug>)")
        if self.rollout == "canary":
            steps = self.canary_steps
            require(2 <= len(steps) <= 10 and all(0 < s <= 100 for s in steps)
                    and steps == sorted(set(steps)) and steps[-1] == 100,
                    "vercel.canary_steps", steps,
                    "must be 2 to 10 strictly ascending percentages ending at 100, e.g. [5, 10, 25, 50, 100]")
        if self.secure_compute_cidr is not None:
            problem = private_range_problem(self.secure_compute_cidr)
            require(problem is None, "vercel.secure_compute_cidr", self.secure_compute_cidr, problem or "")
            require(self.vpc_id is not None, "vercel.vpc_id", self.vpc_id,
                    "required with secure_compute_cidr (the VPC the network is peered with)")
        if self.peering_connection_id is not None:
            require(self.secure_compute_cidr is not None, "vercel.peering_connection_id", self.peering_connection_id,
                    "needs secure_compute_cidr (the network the peering comes from)")
            require(static_len(self.route_table_ids) != 0, "vercel.route_table_ids", self.route_table_ids,
                    "needs the route tables of the data subnets: each routes the network's range to the peering")

    @property
    def data_targets(self) -> list[str]:
        """Vercel environments that get the data-tier variables."""
        return list(ENVIRONMENTS) if self.preview_data_access else ["production"]

    @property
    def secret_arns(self) -> list[pulumi.Input[str]]:
        return [a for a in (self.database_secret_arn, self.cache_auth_secret_arn) if a is not None]


def _as_text(value: pulumi.Input[Any]) -> pulumi.Output[str]:
    return pulumi.Output.from_input(value).apply(str)


def oidc_subjects(team_slug: str, project_name: str, environments: list[str]) -> list[str]:
    """``sub`` claims of the project's OIDC tokens for those environments."""
    return [f"owner:{team_slug}:project:{project_name}:environment:{env}" for env in environments]


def oidc_trust_policy(provider_arn: str, slug: str, subjects: list[str]) -> str:
    """Trust policy JSON: tokens of the team ``slug``'s issuer, for these subjects, may assume the role.

    Raises ArgsError when ``provider_arn`` is a provider of another team's issuer (it was
    given as ``oidc_provider_arn``): the tokens would never match it.
    """
    issuer = f"{OIDC_ISSUER}/{slug}"
    if not provider_arn.endswith(f":oidc-provider/{issuer}"):
        raise ArgsError("vercel.oidc_provider_arn", provider_arn,
                        f"is not the provider of this team's issuer https://{issuer}")
    return json.dumps({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": {"Federated": provider_arn},
            "Action": "sts:AssumeRoleWithWebIdentity",
            "Condition": {
                "StringEquals": {f"{issuer}:aud": f"https://vercel.com/{slug}"},
                "StringLike": {f"{issuer}:sub": subjects if len(subjects) > 1 else subjects[0]},
            },
        }],
    })


def firewall_rules(args: VercelAppArgs, origin_secret: Optional[pulumi.Input[str]]) -> list[dict[str, Any]]:
    """Custom firewall rules: the origin lock, when a secret is given."""
    if origin_secret is None:
        return []
    header = ORIGIN_VERIFY_HEADER.lower()
    not_health = {"type": "path", "op": "eq", "neg": True, "value": args.health_path}
    return [{
        "name": "cdn-only",
        "description": f"Deny requests that did not come through the CDN (no valid {ORIGIN_VERIFY_HEADER})",
        "active": True,
        "condition_groups": [
            {"conditions": [{"type": "header", "key": header, "op": "nex"}, not_health]},
            {"conditions": [{"type": "header", "key": header, "op": "neq", "value": origin_secret}, not_health]},
        ],
        "action": {"action": "deny"},
    }]


def managed_rulesets(args: VercelAppArgs) -> dict[str, Any]:
    """Managed rulesets: bot and AI-bot detection (log), OWASP core rules (deny) when enabled."""
    rulesets: dict[str, Any] = {
        "bot_protection": {"action": "log", "active": True},
        "ai_bots": {"action": "log", "active": True},
    }
    if args.firewall_owasp:
        rulesets["owasp"] = {k: {"action": "deny"} for k in ("xss", "sqli", "rce", "php", "java", "lfi", "rfi", "gen")}
    return rulesets


def function_region(aws_region: str) -> str:
    """The Vercel region functions run in for data in ``aws_region`` (iad1 where Vercel has no
    way to it: another partition; the stack program refuses those regions for Vercel)."""
    return secure_compute.vercel_region(aws_region) or "iad1"


class VercelApp(pulumi.ComponentResource):
    """Vercel project serving the CDN's origin host, locked to the CDN.

    Creates: project (Git, framework, deployment protection, OIDC, functions in the Vercel
    region nearest the data), project domain for the origin host (+ Route 53 CNAME with
    ``hosted_zone_id``), catch-all security-headers route, firewall config, origin secret,
    environment variables (sensitive) per target, rolling release (canary), log drain
    (+ signing secret); with ``team_id`` the IAM OIDC provider (unless given), role and
    secret-read policy; with ``secure_compute_cidr`` the Secure Compute network, the data
    groups' ingress from it, the reader zone's authorization and, with
    ``peering_connection_id``, the peering accepter and a route per data route table.

    Outputs: ``platform`` ("vercel"), ``project_id``, ``origin_domain``, ``health_url``,
    ``origin_headers`` (secret values, for ``Cdn``), ``role_arn`` and ``oidc_provider_arn``
    (None without ``team_id``), ``environment_variables`` (names), ``function_region``,
    ``secure_compute_network_id``, ``secure_compute_steps`` (None without
    ``secure_compute_cidr``).
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
    """IAM role the project's functions assume through OIDC (None without team_id)."""
    oidc_provider_arn: Optional[pulumi.Output[str]]
    """IAM OIDC provider of the team's issuer, made here or given (None without team_id):
    other stacks of the team in this account pass it as their ``oidc_provider_arn``."""
    environment_variables: list[str]
    """Names of the environment variables this component manages."""
    function_region: pulumi.Output[str]
    """Vercel region the functions (and the Secure Compute network) run in."""
    secure_compute_network_id: Optional[pulumi.Output[str]]
    """Id of the Secure Compute network (None without ``secure_compute_cidr``)."""
    secure_compute_steps: Optional[pulumi.Output[str]]
    """What to do in Vercel, in order, ids filled in (None without ``secure_compute_cidr``)."""

    def __init__(self, name: str, args: VercelAppArgs, opts: Optional[pulumi.ResourceOptions] = None):
        args = from_inputs(VercelAppArgs, args)
        super().__init__("webstack:index:VercelApp", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        invoke = pulumi.InvokeOptions(parent=self)
        team = {"team_id": args.team_id} if args.team_id else {}
        region = aws.get_region_output(opts=invoke).region
        self.function_region = region.apply(function_region)

        self.project = self._project(name, args, team, child)
        self._origin_domain(name, args, team, child)
        self._headers_route(name, args, team, child)
        self._firewall(name, args, team, child)
        self.role_arn = self.oidc_provider_arn = None
        if args.team_id:
            self.role_arn, self.oidc_provider_arn = self._oidc_role(name, args, region, invoke)
        self._variables(name, args, region, team, child)
        if args.rollout == "canary":
            self._rolling_release(name, args, team, child)
        if args.log_drain_url:
            self._log_drain(name, args, team, child)
        self.secure_compute_network_id = self.secure_compute_steps = None
        if args.secure_compute_cidr:
            account = aws.get_caller_identity_output(opts=invoke).account_id
            connection = secure_compute.connect(name, args, self.function_region, region, account, team, child)
            self.secure_compute_network_id = connection.network.id
            self.secure_compute_steps = connection.steps

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
                "oidc_provider_arn": self.oidc_provider_arn,
                "environment_variables": self.environment_variables,
                "function_region": self.function_region,
                "secure_compute_network_id": self.secure_compute_network_id,
                "secure_compute_steps": self.secure_compute_steps,
            }
        )

    # ------------------------------------------------------------------------ steps

    def _project(self, name: str, args: VercelAppArgs, team: dict[str, Any],
                 child: pulumi.ResourceOptions) -> vercel.Project:
        project_args: dict[str, Any] = dict(
            name=args.project_name,
            framework=args.framework,
            root_directory=args.root_directory,
            vercel_authentication={"deployment_type": "standard_protection_new"},
            git_fork_protection=True,
            directory_listing=False,
            automatically_expose_system_environment_variables=True,
            oidc_token_config={"issuer_mode": "team"},
            # Vercel's default is iad1; the data may be an ocean away.
            resource_config={"function_default_regions": [self.function_region]},
            **team,
        )
        if args.git_repository:
            project_args["git_repository"] = {
                "type": args.git_provider,
                "repo": args.git_repository,
                "production_branch": args.production_branch,
            }
        if args.rollout == "canary":
            project_args["skew_protection"] = "12 hours"
        return vercel.Project(f"{name}-project", **project_args, opts=child)

    def _origin_domain(self, name: str, args: VercelAppArgs, team: dict[str, Any],
                       child: pulumi.ResourceOptions) -> None:
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

    def _headers_route(self, name: str, args: VercelAppArgs, team: dict[str, Any],
                       child: pulumi.ResourceOptions) -> None:
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

    def _firewall(self, name: str, args: VercelAppArgs, team: dict[str, Any], child: pulumi.ResourceOptions) -> None:
        """The origin lock (its secret, for the CDN, in ``origin_headers``) and managed rulesets."""
        origin_secret: Optional[pulumi.Output[str]] = None
        self.origin_headers = {}
        if args.require_origin_secret:
            secret = random.RandomPassword(f"{name}-origin-secret", length=48, special=False, opts=child)
            origin_secret = pulumi.Output.secret(secret.result)
            self.origin_headers = {ORIGIN_VERIFY_HEADER: origin_secret}
        rules = firewall_rules(args, origin_secret)
        self.firewall = vercel.FirewallConfig(
            f"{name}-firewall",
            project_id=self.project.id,
            enabled=True,
            rules={"rules": rules} if rules else None,
            managed_rulesets=managed_rulesets(args),
            **team,
            opts=child,
        )

    def _oidc_role(self, name: str, args: VercelAppArgs, region: pulumi.Output[str],
                   invoke: pulumi.InvokeOptions) -> tuple[pulumi.Output[str], pulumi.Output[str]]:
        """Role the functions assume with their OIDC token, and the OIDC provider it trusts.

        The issuer is the team's slug, asked of Vercel by the pinned team id. The provider is
        an account-wide singleton (one per URL): made here unless ``oidc_provider_arn`` is
        given, and kept when this stack is destroyed (other stacks may trust it).
        """
        child = pulumi.ResourceOptions(parent=self)
        slug = vercel.get_team_config_output(id=args.team_id, opts=invoke).slug
        if args.oidc_provider_arn:
            provider_arn: pulumi.Output[str] = pulumi.Output.from_input(args.oidc_provider_arn)
        else:
            provider_arn = aws.iam.OpenIdConnectProvider(
                f"{name}-vercel-oidc",
                url=slug.apply(lambda s: f"https://{OIDC_ISSUER}/{s}"),
                client_id_lists=[slug.apply(lambda s: f"https://vercel.com/{s}")],
                opts=pulumi.ResourceOptions(parent=self, retain_on_delete=True),
            ).arn
        subjects = slug.apply(lambda s: oidc_subjects(s, args.project_name, args.data_targets))
        role = aws.iam.Role(
            f"{name}-vercel",
            description=f"Assumed by Vercel project {args.project_name} ({', '.join(args.data_targets)}) via OIDC",
            max_session_duration=3600,
            assume_role_policy=pulumi.Output.all(provider_arn, slug, subjects).apply(
                lambda v: oidc_trust_policy(*v)),
            opts=child,
        )
        grants = [aws.iam.RolePolicy(
            f"{name}-vercel-secrets",
            role=role.id,
            policy=secret_read_policy_output(args.secret_arns, args.secret_kms_key_arns, region),
            opts=child,
        )] if args.secret_arns else []
        # The functions get the role (AWS_ROLE_ARN) once it may read the secrets.
        return granted(role, *grants), provider_arn

    def _variables(self, name: str, args: VercelAppArgs, region: pulumi.Output[str], team: dict[str, Any],
                   child: pulumi.ResourceOptions) -> None:
        """Sensitive variables: the data tier's hosts, ports, TLS settings and secret ARNs, the
        region and the role."""
        variables: dict[str, pulumi.Input[Any]] = dict(data_environment(args))
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

    def _rolling_release(self, name: str, args: VercelAppArgs, team: dict[str, Any],
                         child: pulumi.ResourceOptions) -> None:
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

    def _log_drain(self, name: str, args: VercelAppArgs, team: dict[str, Any], child: pulumi.ResourceOptions) -> None:
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
