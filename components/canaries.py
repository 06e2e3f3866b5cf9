"""Canaries: CloudWatch Synthetics canaries that check the live site from the outside, from
one or more regions.

The plan proves the desired state (TLS policy, response headers policy); a canary proves the
running one, every few minutes, as a user's client sees it. Each run checks (``canary.js``):

- the health endpoint answers 200, its first byte within the latency target;
- a TLS 1.2+ handshake succeeds with a trusted certificate, and TLS 1.0 and 1.1 handshakes
  are refused by the server;
- every security header the CDN promises is present with the promised value, on the home
  page and the health endpoint: the expectations are ``headers.response_headers`` of the
  same ``SecurityHeaders`` the CDN's response headers policy is built from, rendered into the
  script, so the CDN, the policy pack and the canary cannot disagree and a changed header
  changes the canary's code in the same plan;
- plain HTTP redirects permanently to HTTPS.

The host is the site users reach: the stack program passes the CDN's own ``*.cloudfront.net``
name (and ``legacy_tls_refused=False``: CloudFront's default certificate accepts TLS 1.0
whatever is asked) until the custom domain is attached.

Runtime: ``syn-nodejs-playwright-5.1`` (Node.js 22) by default, the first Playwright runtime
with the ``@aws/synthetics-playwright`` namespace the script uses. The checks need no browser,
and in the Playwright runtimes the browser starts only when the script calls
``synthetics.launch()``, which it never does (the Puppeteer runtimes prepare a browser for
every run); the browserless ``syn-nodejs-3.x``/``4.x`` runtimes are documented for the
multi-check JSON blueprint rather than for scripts.

Per region: a KMS key, a hardened bucket (ACLs off, public access blocked, versioned,
SSE-KMS, TLS only) holding the script (``code/``, the canary reads a versioned object, so
the plan is deterministic) and the run artifacts (``artifacts/``, expired after
``artifact_retention_days``), the canary, and an alarm on its success rate to the region's
critical topic. One IAM role serves every region with what a run needs and nothing more.
"""


import json
import math
import re
from dataclasses import dataclass, field
from importlib import resources
from typing import Any, Optional

import pulumi
import pulumi_aws as aws

from pulumi_webstack import buckets, kms
from pulumi_webstack.alarms import AlarmSpec, Severity
from pulumi_webstack.args import check_fields, from_inputs, is_unknown, setting
from pulumi_webstack.errors import require
from pulumi_webstack.headers import SecurityHeaders, edge_headers, response_headers
from pulumi_webstack.iam_policies import assume_role_policy, granted
from pulumi_webstack.names import AWS_REGIONS, HOSTNAME, REGION_WORDS, stack_scoped_id
from pulumi_webstack.slo import metric_inputs

RUNTIME_PATTERN = r"syn-nodejs-playwright-(\d+)\.(\d+)"
OLDEST_RUNTIME = (5, 1)
"""The script imports ``@aws/synthetics-playwright``: the namespace of syn-nodejs-playwright-5.1 and later."""
DEFAULT_RUNTIME = "syn-nodejs-playwright-5.1"
HANDLER = "canary.handler"
"""``canary.js`` at the root of the code archive, exporting ``handler`` (Playwright runtimes
need no nodejs/node_modules folder)."""
CANARY_NAME_LENGTH = 21
"""Longest canary name this component makes (lower-case letters, digits, ``-`` and ``_``): the
limit of CreateCanary until 2024. The API takes 255 now (pulumi_aws/synthetics/canary.py), but
the run's Lambda function is named ``cwsyn-<name>-<id>``, and 21 keeps that within Lambda's 64."""
REFUSED_TLS = ("TLSv1", "TLSv1.1")
ACCEPTED_TLS = ("TLSv1.2", "TLSv1.3")
CODE_PREFIX = "code/"
ARTIFACT_PREFIX = "artifacts/"
USER_AGENT = "pulumi-webstack-canary"
REQUESTS_PER_RUN = 5 + len(REFUSED_TLS)
"""Connections a run opens: health, TLS 1.2+, each refused version, headers of two pages, redirect."""
_MARKER = "/* CONFIG */ {}"


# ------------------------------------------------------------------------------ the script


@dataclass(frozen=True)
class CanarySpec:
    """What the script checks, rendered into it (plain data, no Pulumi)."""

    host: str
    health_path: str
    headers: dict[str, str]
    """Header name -> the exact value every response must carry."""
    present: tuple[str, ...]
    """Headers every response must carry, whatever their value: the CSP when the app owns it
    (a per-request nonce, or the CDN's fallback where the app sent none)."""
    latency_target_ms: int
    timeout_ms: int
    https_port: int = 443
    http_port: int = 80
    refused_tls: tuple[str, ...] = REFUSED_TLS
    """TLS versions the server must turn down (none for a host that cannot refuse them)."""

    def config(self) -> dict[str, Any]:
        return {
            "host": self.host, "healthPath": self.health_path, "headers": self.headers, "present": list(self.present),
            "headerPaths": ["/", self.health_path], "latencyTargetMs": self.latency_target_ms,
            "timeoutMs": self.timeout_ms, "httpsPort": self.https_port, "httpPort": self.http_port,
            "acceptedTls": list(ACCEPTED_TLS), "refusedTls": list(self.refused_tls), "userAgent": USER_AGENT,
        }


def canary_source() -> str:
    """``canary.js``, the script with its CONFIG marker."""
    return resources.files("pulumi_webstack").joinpath("canary.js").read_text(encoding="utf-8")


def canary_script(spec: CanarySpec) -> str:
    """The script a canary runs: ``canary.js`` with ``spec`` as its CONFIG."""
    source = canary_source()
    if source.count(_MARKER) != 1:
        raise ValueError("canary.js must hold the CONFIG marker exactly once")
    return source.replace(_MARKER, json.dumps(spec.config(), indent=2, sort_keys=True))


def schedule_expression(minutes: int) -> str:
    """Synthetics ``rate(...)`` expression of a run every ``minutes``."""
    if minutes == 60:
        return "rate(1 hour)"
    return f"rate({minutes} minute{'s' if minutes > 1 else ''})"


def runtime_version_of(runtime: str) -> tuple[int, int]:
    """``syn-nodejs-playwright-5.1`` -> ``(5, 1)``."""
    match = re.fullmatch(RUNTIME_PATTERN, runtime)
    if match is None:
        raise ValueError(f"not a Node.js Playwright runtime: {runtime!r}")
    return int(match.group(1)), int(match.group(2))


# ------------------------------------------------------------------------ IAM and alarms


@dataclass(frozen=True)
class Store:
    """One region's key, bucket and the bucket's versioning (the script is written after it)."""

    key: aws.kms.Key
    bucket: aws.s3.Bucket
    versioning: aws.s3.BucketVersioning


@dataclass(frozen=True)
class Location:
    """Where one region's canary keeps its script and artifacts."""

    region: str
    bucket_arn: str
    key_arn: str


def role_policy(canary_name: str, account_id: str, partition: str, locations: list[Location]) -> dict[str, Any]:
    """What a canary run needs: write its artifacts (SSE-KMS) to its bucket, find that
    bucket, write its Lambda's logs, publish its metrics. Nothing else: the script is read at
    deploy time with the deployer's credentials, not by the run."""
    logs = [f"arn:{partition}:logs:{loc.region}:{account_id}:log-group:/aws/lambda/cwsyn-{canary_name}-*"
            for loc in locations]
    return {
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "WriteArtifacts", "Effect": "Allow", "Action": "s3:PutObject",
             "Resource": [f"{loc.bucket_arn}/{ARTIFACT_PREFIX}*" for loc in locations]},
            {"Sid": "LocateArtifactBucket", "Effect": "Allow", "Action": "s3:GetBucketLocation",
             "Resource": [loc.bucket_arn for loc in locations]},
            # Synthetics lists buckets to resolve the artifact location; the action has no
            # resource-level permissions.
            {"Sid": "ListBuckets", "Effect": "Allow", "Action": "s3:ListAllMyBuckets", "Resource": "*"},
            {"Sid": "EncryptArtifacts", "Effect": "Allow", "Action": "kms:GenerateDataKey",
             "Resource": [loc.key_arn for loc in locations],
             "Condition": {"StringEquals": {"kms:ViaService": [f"s3.{loc.region}.amazonaws.com" for loc in locations]}}},
            {"Sid": "WriteRunLogs", "Effect": "Allow",
             "Action": ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"], "Resource": logs},
            {"Sid": "PublishCanaryMetrics", "Effect": "Allow", "Action": "cloudwatch:PutMetricData", "Resource": "*",
             "Condition": {"StringEquals": {"cloudwatch:namespace": "CloudWatchSynthetics"}}},
        ],
    }


def failure_alarm(canary_name: Any, schedule_minutes: int, region: str) -> AlarmSpec:
    """The canary's success rate below 100 % on two runs in a row: the site fails a check
    from ``region`` (one failed run may be a blip of the network in between)."""
    period = schedule_minutes * 60
    return AlarmSpec(
        key=f"canary-{region}-failed", title=f"Canary failing from {region}", severity=Severity.CRITICAL,
        namespace="CloudWatchSynthetics", metric_name="SuccessPercent", dimensions={"CanaryName": canary_name},
        statistic="Average", comparison="LessThanThreshold", threshold=100.0, unit="% of runs",
        period=period, evaluation_periods=2, datapoints_to_alarm=2, region=region,
        treat_missing_data="breaching",
        missing_data_reason=("a canary that stops running proves nothing: silence is treated as failure "
                             "(stop this alarm's actions too when stopping the canary on purpose)"),
        description=(
            f"The synthetic checks from {region} failed two runs in a row ({schedule_minutes} min apart): the live "
            "site breaks a promise of the plan (health, TLS 1.2+, security headers or HTTPS redirect). The step "
            "that failed is in the canary's run report and artifacts; compare with the CDN 5xx and service-down "
            "alarms, and the latest deploy. (A new stack may show this before its first two runs report.)"
        ),
    )


# ----------------------------------------------------------------------------- args


@dataclass
class CanariesArgs:
    """Arguments of ``Canaries``."""

    domain: pulumi.Input[str]
    """Public host name the canaries check (``shop.example.com``), as users reach it: the
    CDN's own ``*.cloudfront.net`` name while its custom domain is not attached."""
    region: str = setting(one_of=AWS_REGIONS, words=REGION_WORDS)
    """Home region: the first canary runs here (usually the region of the stack)."""
    alarm_topic_arns: dict[str, pulumi.Input[str]]
    """Region -> SNS topic (in that region) the failure alarm of the canary there notifies:
    the critical topic. One for ``region`` and each of ``extra_regions``."""
    health_path: Optional[str] = setting("/api/health", pattern=r"/[A-Za-z0-9._~!$&'()*+,;=:@/-]*",
                                         words="must be a URL path starting with /")
    """Path of the health endpoint; it must answer 200."""
    headers: Optional[SecurityHeaders] = field(default_factory=SecurityHeaders)
    """The security headers the CDN sends (the same ``SecurityHeaders`` as ``Cdn``): every
    response must carry each with exactly this value."""
    extra_regions: Optional[list[str]] = setting(default_factory=list, one_of=AWS_REGIONS, words=REGION_WORDS)
    """More regions to run the same checks from (a second vantage point: another network path
    and CloudFront edge)."""
    latency_target_ms: Optional[int] = setting(3000, ge=100, le=60_000)
    """Longest time to the health endpoint's first byte."""
    schedule_minutes: Optional[int] = setting(5, ge=1, le=60)
    """Minutes between runs."""
    timeout_seconds: Optional[int] = setting(60, ge=15, le=840)
    """Longest run; at most the time between runs (at least 15 s: Lambda cold start)."""
    artifact_retention_days: Optional[int] = setting(14, ge=1, le=455)
    """Days run artifacts (S3) and run records (Synthetics) are kept."""
    runtime_version: Optional[str] = setting(
        DEFAULT_RUNTIME, pattern=RUNTIME_PATTERN,
        words="must be a CloudWatch Synthetics Node.js Playwright runtime such as syn-nodejs-playwright-5.1")
    """Synthetics runtime: a Node.js Playwright runtime, 5.1 or later."""
    name_prefix: Optional[str] = setting(
        None, pattern=r"[a-z0-9][a-z0-9_-]{0,20}",
        words="must be 1-21 lower-case letters, digits, - or _ (a Synthetics canary name)")
    """Canary name (default ``<project>-<stack>-<component name>``, shortened to 21 characters)."""
    legacy_tls_refused: Optional[bool] = True
    """The site refuses TLS 1.0 and 1.1 handshakes, and the canary checks it. False for a host
    that cannot: CloudFront serves its default ``*.cloudfront.net`` certificate with the TLSv1
    policy whatever the distribution asks, so before the custom domain is attached."""

    def __post_init__(self) -> None:
        check_fields(self)
        require(is_unknown(self.domain) or bool(HOSTNAME.match(self.domain)), "canaries.domain", self.domain,
                "must be a lower-case DNS name such as app.example.com (no scheme, no path)")
        require(len(set(self.extra_regions)) == len(self.extra_regions) and self.region not in self.extra_regions,
                "canaries.extra_regions", self.extra_regions,
                f"must not repeat a region or name the home region ({self.region})")
        require(self.timeout_seconds <= self.schedule_minutes * 60, "canaries.timeout_seconds", self.timeout_seconds,
                f"must be at most the time between runs ({self.schedule_minutes * 60} s)")
        require(self.request_timeout_ms >= self.latency_target_ms, "canaries.timeout_seconds", self.timeout_seconds,
                f"must leave each of the run's {REQUESTS_PER_RUN} requests at least the latency target "
                f"({self.latency_target_ms} ms): at least "
                f"{math.ceil((REQUESTS_PER_RUN + 1) * self.latency_target_ms / 1000)} s")
        require(runtime_version_of(self.runtime_version) >= OLDEST_RUNTIME, "canaries.runtime_version",
                self.runtime_version, "must be syn-nodejs-playwright-5.1 or later (the script imports "
                "@aws/synthetics-playwright, the namespace of those runtimes)")
        missing = [r for r in self.regions if r not in self.alarm_topic_arns]
        extra = [r for r in self.alarm_topic_arns if r not in self.regions]
        require(not missing and not extra, "canaries.alarm_topic_arns", sorted(self.alarm_topic_arns),
                "needs one topic per canary region, keyed by region: " + ", ".join(self.regions))

    @property
    def regions(self) -> list[str]:
        """Every region a canary runs in, the home region first."""
        return [self.region, *self.extra_regions]

    @property
    def request_timeout_ms(self) -> int:
        """How long one request may take: every request of a run fits in its timeout, with a
        share left for the runtime's start."""
        return self.timeout_seconds * 1000 // (REQUESTS_PER_RUN + 1)

    def spec(self, host: Optional[str] = None) -> CanarySpec:
        """What the script checks on ``host`` (default ``domain``, when it is known)."""
        exact = response_headers(self.headers)
        present = tuple(name for name in edge_headers(self.headers) if name not in exact)
        return CanarySpec(host=host or self.domain, health_path=self.health_path, headers=exact, present=present,
                          latency_target_ms=self.latency_target_ms, timeout_ms=self.request_timeout_ms,
                          refused_tls=REFUSED_TLS if self.legacy_tls_refused else ())


# ------------------------------------------------------------------------ component


class Canaries(pulumi.ComponentResource):
    """CloudWatch Synthetics canaries checking the live site (health, TLS, security headers,
    HTTPS redirect) from each region, with their failure alarms.

    Creates: an IAM role for the runs (least privilege) and, per region, a KMS key and alias,
    a bucket (ownership enforced, public access blocked, versioning, SSE-KMS, TLS-only policy,
    lifecycle) holding the script and the artifacts, the script object, the canary and its
    failure alarm (to that region's topic in ``alarm_topic_arns``).

    Outputs: ``canary_names``, ``alarm_arns``, ``artifact_buckets`` (each region -> value),
    ``role_arn``, ``script``.
    """

    canary_names: pulumi.Output[dict[str, str]]
    """Region -> canary name."""
    alarm_arns: pulumi.Output[dict[str, str]]
    """Region -> ARN of the canary's failure alarm (critical), e.g. for drill stop conditions."""
    artifact_buckets: pulumi.Output[dict[str, str]]
    """Region -> bucket holding the script and the run artifacts."""
    role_arn: pulumi.Output[str]
    """IAM role the canary runs assume."""
    script: pulumi.Output[str]
    """The script every canary runs (rendered ``canary.js``)."""

    def __init__(self, name: str, args: CanariesArgs, opts: Optional[pulumi.ResourceOptions] = None):
        args = from_inputs(CanariesArgs, args)
        super().__init__("webstack:index:Canaries", name, None, opts)
        self._name = name
        self._args = args
        self._child = pulumi.ResourceOptions(parent=self)
        invoke = pulumi.InvokeOptions(parent=self)
        self._account = aws.get_caller_identity_output(opts=invoke).account_id
        self._partition = aws.get_partition_output(opts=invoke).partition
        self._canary_name = args.name_prefix or stack_scoped_id(
            pulumi.get_project(), pulumi.get_stack(), name, fallback="canary", limit=CANARY_NAME_LENGTH)
        script = pulumi.Output.from_input(args.domain).apply(lambda host: canary_script(args.spec(host)))

        stores = {region: self._store(region) for region in args.regions}
        role, policy = self._role(stores)
        # A run without its permissions writes nothing: the canaries start once the policy is attached.
        role_arn = granted(role, policy)
        canaries = {region: self._canary(region, script, store, role_arn) for region, store in stores.items()}
        alarms = {region: self._alarm(region, canary) for region, canary in canaries.items()}

        self.canary_names = pulumi.Output.all(**{r: c.name for r, c in canaries.items()})
        self.alarm_arns = pulumi.Output.all(**{r: a.arn for r, a in alarms.items()})
        self.artifact_buckets = pulumi.Output.all(**{r: store.bucket.bucket for r, store in stores.items()})
        self.role_arn = role.arn
        self.script = script
        self.register_outputs({
            "canary_names": self.canary_names,
            "alarm_arns": self.alarm_arns,
            "artifact_buckets": self.artifact_buckets,
            "role_arn": self.role_arn,
            "script": self.script,
        })

    # ------------------------------------------------------------------ building blocks

    def _store(self, region: str) -> Store:
        """Key and bucket of ``region``: script under ``code/``, run artifacts under ``artifacts/``."""
        resource = f"{self._name}-{region}"
        key = kms.customer_managed_key(
            f"{resource}-key", description=f"Synthetics canary {self._canary_name} ({region}): script and artifacts",
            deletion_window_in_days=7,
            # S3 uses the key on behalf of the canary's role and this account's deployers: IAM decides.
            policy=pulumi.Output.all(self._account, self._partition).apply(
                lambda a: json.dumps(kms.account_key_policy(a[0], a[1]))),
            region=region, opts=self._child)
        kms.key_alias(f"{resource}-key-alias", key, f"alias/{self._canary_name}-synthetics", region=region,
                      opts=self._child)
        # Artifacts are evidence for a few days, not data to keep: destroy may empty the bucket.
        bucket = aws.s3.Bucket(resource, force_destroy=True, region=region, opts=self._child)
        buckets.enforce_bucket_owner(f"{resource}-ownership", bucket, region=region, opts=self._child)
        buckets.block_public_access(f"{resource}-public-access", bucket, region=region, opts=self._child)
        buckets.encrypt_with_kms(f"{resource}-encryption", bucket, key, region=region, opts=self._child)
        versioning = buckets.enable_versioning(f"{resource}-versioning", bucket, region=region, opts=self._child)
        aws.s3.BucketPolicy(
            f"{resource}-policy",
            bucket=bucket.id,
            policy=bucket.arn.apply(lambda arn: json.dumps({
                "Version": "2012-10-17", "Statement": [buckets.deny_insecure_transport(arn)]})),
            region=region,
            opts=self._child,
        )
        aws.s3.BucketLifecycleConfiguration(
            f"{resource}-lifecycle",
            bucket=bucket.id,
            rules=[
                {"id": "expire-artifacts", "status": "Enabled", "filter": {"prefix": ARTIFACT_PREFIX},
                 "expiration": {"days": self._args.artifact_retention_days},
                 "noncurrent_version_expiration": {"noncurrent_days": 1},
                 "abort_incomplete_multipart_upload": {"days_after_initiation": 1}},
                # Earlier scripts stay a week after a change: long enough to compare runs.
                {"id": "expire-replaced-scripts", "status": "Enabled", "filter": {"prefix": CODE_PREFIX},
                 "noncurrent_version_expiration": {"noncurrent_days": 7}},
            ],
            region=region,
            opts=self._child,
        )
        return Store(key, bucket, versioning)

    def _role(self, stores: dict[str, Store]) -> tuple[aws.iam.Role, aws.iam.RolePolicy]:
        role = aws.iam.Role(
            f"{self._name}-role",
            description=f"Runs of the Synthetics canary {self._canary_name}",
            assume_role_policy=assume_role_policy("lambda.amazonaws.com"),
            opts=self._child,
        )
        regions = list(stores)
        arns = pulumi.Output.all(*[stores[r].bucket.arn for r in regions], *[stores[r].key.arn for r in regions])
        document = pulumi.Output.all(self._account, self._partition, arns).apply(lambda v: json.dumps(role_policy(
            self._canary_name, v[0], v[1],
            [Location(r, v[2][i], v[2][len(regions) + i]) for i, r in enumerate(regions)])))
        policy = aws.iam.RolePolicy(f"{self._name}-role-policy", role=role.id, policy=document, opts=self._child)
        return role, policy

    def _canary(self, region: str, script: pulumi.Output[str], store: Store,
                role_arn: pulumi.Output[str]) -> aws.synthetics.Canary:
        args = self._args
        resource = f"{self._name}-{region}"
        code = aws.s3.BucketObjectv2(
            f"{resource}-script",
            # Written once versioning is on: the canary pins the object's version.
            bucket=store.versioning.bucket,
            key=f"{CODE_PREFIX}{self._canary_name}.zip",
            source=script.apply(lambda text: pulumi.AssetArchive({"canary.js": pulumi.StringAsset(text)})),
            content_type="application/zip",
            server_side_encryption="aws:kms",
            kms_key_id=store.key.arn,
            region=region,
            opts=self._child,
        )
        return aws.synthetics.Canary(
            resource,
            name=self._canary_name,
            runtime_version=args.runtime_version,
            handler=HANDLER,
            s3_bucket=code.bucket,
            s3_key=code.key,
            s3_version=code.version_id,
            execution_role_arn=role_arn,
            artifact_s3_location=store.bucket.bucket.apply(lambda b: f"s3://{b}/{ARTIFACT_PREFIX}"),
            artifact_config={"s3_encryption": {"encryption_mode": "SSE_KMS", "kms_key_arn": store.key.arn}},
            schedule={"expression": schedule_expression(args.schedule_minutes)},
            run_config={"timeout_in_seconds": args.timeout_seconds},
            success_retention_period=args.artifact_retention_days,
            failure_retention_period=args.artifact_retention_days,
            start_canary=True,
            delete_lambda=True,
            tags={"Name": self._canary_name},
            region=region,
            opts=self._child,
        )

    def _alarm(self, region: str, canary: aws.synthetics.Canary) -> aws.cloudwatch.MetricAlarm:
        args = self._args
        spec = failure_alarm(canary.name, args.schedule_minutes, region)
        topic = args.alarm_topic_arns[region]
        return aws.cloudwatch.MetricAlarm(
            f"{self._name}-{region}-failed",
            name=f"{self._canary_name}-{region}-failed",
            alarm_description=f"[{spec.severity.value}] {spec.description}"[:1024],
            **metric_inputs(spec),
            actions_enabled=True,
            alarm_actions=[topic],
            ok_actions=[topic],
            region=region,
            opts=self._child,
        )
