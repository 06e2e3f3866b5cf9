"""TLS rules: encryption in transit on every hop the project can create.

viewer -> CloudFront -> origin, load balancer listeners, clients -> RDS / RDS Proxy /
ElastiCache, S3 and SNS requests, and Kubernetes Ingress. All mandatory.
"""

from __future__ import annotations

from typing import Any, Sequence

from pulumi_policy import PolicyResource, Severity

from pulumi_webstack_policies.base import (
    ADVISORY,
    BUCKET_IDENTITY,
    BUCKETS,
    MANDATORY,
    Subject,
    label,
    of_type,
    referred_by,
    referring_to,
    require_true,
    resource_policy,
    stack_policy,
)
from pulumi_webstack_policies.settings import schema
from pulumi_webstack_policies.values import (
    UNKNOWN,
    Evaluation,
    as_list,
    elements,
    entries,
    lookup,
    parse_json_document,
    truthy,
)

DISTRIBUTION = "aws:cloudfront/distribution:Distribution"
VPC_ORIGIN = "aws:cloudfront/vpcOrigin:VpcOrigin"
LISTENERS = ("aws:lb/listener:Listener", "aws:alb/listener:Listener")
RDS_PARAMETER_GROUPS = ("aws:rds/parameterGroup:ParameterGroup", "aws:rds/clusterParameterGroup:ClusterParameterGroup")
RDS_INSTANCE = "aws:rds/instance:Instance"
RDS_CLUSTER = "aws:rds/cluster:Cluster"
RDS_PROXY = "aws:rds/proxy:Proxy"
CACHE_REPLICATION_GROUP = "aws:elasticache/replicationGroup:ReplicationGroup"
CACHE_CLUSTER = "aws:elasticache/cluster:Cluster"
BUCKET_POLICY = "aws:s3/bucketPolicy:BucketPolicy"
TOPIC = "aws:sns/topic:Topic"
TOPIC_POLICY = "aws:sns/topicPolicy:TopicPolicy"
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

# Parameter that forces TLS per engine family prefix, and the values that mean "on".
FORCE_TLS_PARAMETERS = {
    "aurora-postgresql": ("rds.force_ssl", {"1"}),
    "postgres": ("rds.force_ssl", {"1"}),
    "aurora-mysql": ("require_secure_transport", {"1", "on"}),
    "mysql": ("require_secure_transport", {"1", "on"}),
    "mariadb": ("require_secure_transport", {"1", "on"}),
    "sqlserver": ("rds.force_ssl", {"1"}),
}


def _tls_parameter(family: str) -> tuple[str, set[str]] | None:
    for prefix in sorted(FORCE_TLS_PARAMETERS, key=len, reverse=True):
        if family.startswith(prefix):
            return FORCE_TLS_PARAMETERS[prefix]
    return None


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
    if version is not UNKNOWN and version not in allowed:
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
            "description": "Accepted CloudFront viewer security policies (minimumProtocolVersion).",
        }
    ),
    tags=["tls", "cloudfront"],
)


# ------------------------------------------------------------------------ CloudFront origins


def _origin_protocol_problems(who: str, where: str, policy: Any, protocols: Any, allowed: list[str]) -> list[str]:
    out = []
    if policy is not UNKNOWN and policy != "https-only":
        out.append(f"{who}: {where}.originProtocolPolicy is {policy!r}: set 'https-only' so CloudFront "
                   "never fetches from the origin over plain HTTP")
    if protocols is not UNKNOWN:
        listed = as_list(protocols)
        values = [v for v in listed if v is not UNKNOWN]
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
            ev.get(p, f"{base}.originSslProtocols.items"), allowed,
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
            allowed,
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
        if policy is not UNKNOWN and policy not in allowed:
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
            "description": "Accepted ELB security policies (TLS 1.2 minimum, TLS 1.3 capable, no legacy ciphers).",
        }
    ),
    tags=["tls", "load-balancer"],
)


# ------------------------------------------------------------------------------------ RDS


def parameter_values(props: Any, ev: Evaluation, label: str = "") -> tuple[dict[str, Any], bool]:
    """(``parameters[].name -> value``, whether every entry was known) of an RDS parameter group."""
    out: dict[str, Any] = {}
    complete = True
    params = ev.get(props, "parameters", label=label)
    if params is UNKNOWN:
        return out, False
    for i, param in enumerate(elements(params)):
        name = lookup(param, "name") if param is not UNKNOWN else UNKNOWN
        if name is UNKNOWN:
            ev.unknown(f"{label}parameters.{i}.name")
            complete = False
        elif isinstance(name, str):
            out[name] = lookup(param, "value")
    return out, complete


def check_parameter_group_tls(subject: Subject, cfg: dict, ev: Evaluation) -> None:
    p, who = subject.props, subject.label
    family = ev.get(p, "family")
    if not isinstance(family, str):
        return
    wanted = _tls_parameter(family)
    if wanted is None:
        return
    param, on_values = wanted
    values, complete = parameter_values(p, ev)
    value = values.get(param)
    if value is UNKNOWN:
        ev.unknown(f"parameters[{param}].value")
    elif value is None:
        if param not in values and complete:
            ev.violation(f"{who}: family {family} does not set {param}: add parameter "
                         f"{{name: '{param}', value: '1'}} so the server refuses unencrypted connections")
    elif str(value).strip().lower() not in on_values:
        ev.violation(f"{who}: {param} = {value!r} allows unencrypted connections: set it to '1'")


rds_parameter_group_force_ssl = resource_policy(
    name="rds-parameter-group-force-ssl",
    description="RDS parameter groups force TLS (rds.force_ssl=1 for PostgreSQL/SQL Server, "
    "require_secure_transport=1 for MySQL/MariaDB), never 0.",
    resource_types=RDS_PARAMETER_GROUPS,
    check=check_parameter_group_tls,
    enforcement_level=MANDATORY,
    severity=Severity.HIGH,
    remediation="Add parameters=[{name: 'rds.force_ssl', value: '1'}] (PostgreSQL) to the parameter group.",
    tags=["tls", "rds"],
)


def check_rds_uses_tls_group(resources: Sequence[PolicyResource], cfg: dict, ev: Evaluation) -> None:
    groups = of_type(resources, *RDS_PARAMETER_GROUPS)
    for db in of_type(resources, RDS_INSTANCE, RDS_CLUSTER):
        who = label(db.resource_type, db.name)
        engine = lookup(db.props, "engine")
        if not isinstance(engine, str):
            # Read replicas inherit the engine of their source (replicateSourceDb).
            if lookup(db.props, "replicateSourceDb") is None:
                if engine is UNKNOWN:
                    ev.unknown(f"{db.name}.engine")
                continue
        elif _tls_parameter(engine) is None:
            continue
        if db.resource_type == RDS_CLUSTER:
            props = ["dbClusterParameterGroupName"]
        else:
            props = ["parameterGroupName"]
        for prop in props:
            value = lookup(db.props, prop)
            if value is None:
                ev.violation(f"{who}: {prop} is not set, so the engine default parameter group applies and TLS "
                             "is not enforced by this stack: set it to a parameter group of the stack with "
                             "rds.force_ssl = '1'", db.urn)
                continue
            matches = referred_by(db, prop, groups, ("name", "id"), value=value)
            if not matches:
                if value is UNKNOWN:
                    ev.unknown(f"{db.name}.{prop}")
                else:
                    ev.violation(f"{who}: {prop} = {value!r} is not a parameter group of this stack, so "
                                 "rds.force_ssl cannot be verified: use the stack's parameter group", db.urn)
                continue
            for group in matches:
                family = lookup(group.props, "family")
                wanted = _tls_parameter(family) if isinstance(family, str) else None
                if wanted is None:
                    continue
                param, on_values = wanted
                values, complete = parameter_values(group.props, ev, label=f"{group.name}.")
                value_on = values.get(param)
                if value_on is UNKNOWN or (value_on is None and not complete):
                    continue
                if value_on is None or str(value_on).strip().lower() not in on_values:
                    ev.violation(f"{who}: uses {label(group.resource_type, group.name)} where {param} is "
                                 f"{value_on!r}: set {param} = '1' in that group", db.urn)


rds_uses_force_ssl_parameter_group = stack_policy(
    name="rds-uses-force-ssl-parameter-group",
    description="Every RDS instance and cluster (replicas included) uses a parameter group of the stack "
    "that forces TLS, not the engine default.",
    check=check_rds_uses_tls_group,
    resource_types=[RDS_INSTANCE, RDS_CLUSTER, *RDS_PARAMETER_GROUPS],
    enforcement_level=MANDATORY,
    severity=Severity.HIGH,
    remediation="Pass parameter_group_name=<stack parameter group>.name to the primary and every replica "
    "(db_cluster_parameter_group_name for Aurora clusters).",
    tags=["tls", "rds"],
)


def check_proxy_tls(subject: Subject, cfg: dict, ev: Evaluation) -> None:
    require_true(subject, ev, "requireTls", "set require_tls=True so clients must use TLS to the proxy")


rds_proxy_require_tls = resource_policy(
    name="rds-proxy-require-tls",
    description="RDS Proxy requires TLS from clients.",
    resource_types=[RDS_PROXY],
    check=check_proxy_tls,
    enforcement_level=MANDATORY,
    severity=Severity.HIGH,
    remediation="Set require_tls=True on the aws.rds.Proxy.",
    tags=["tls", "rds"],
)


# ------------------------------------------------------------------------------ ElastiCache


def check_cache_transit(subject: Subject, cfg: dict, ev: Evaluation) -> None:
    p, who = subject.props, subject.label
    if subject.type == CACHE_CLUSTER:
        member_of = ev.get(p, "replicationGroupId")
        if member_of is UNKNOWN or member_of is not None:
            return  # a member of a replication group: the group's settings apply
    require_true(subject, ev, "transitEncryptionEnabled",
                 "set transit_encryption_enabled=True (clients connect with TLS, e.g. rediss://)")
    mode = ev.get(p, "transitEncryptionMode")
    if mode is not UNKNOWN and mode is not None and mode != "required":
        ev.violation(f"{who}: transitEncryptionMode is {mode!r}, which still accepts plaintext clients: "
                     "set 'required'")


elasticache_transit_encryption = resource_policy(
    name="elasticache-transit-encryption",
    description="ElastiCache replication groups and standalone clusters require in-transit encryption "
    "(mode 'required', never 'preferred').",
    resource_types=[CACHE_REPLICATION_GROUP, CACHE_CLUSTER],
    check=check_cache_transit,
    enforcement_level=MANDATORY,
    severity=Severity.HIGH,
    remediation="Set transit_encryption_enabled=True and transit_encryption_mode='required'.",
    tags=["tls", "elasticache"],
)


# --------------------------------------------------------------- S3 / SNS resource policies


def _principal_is_everyone(principal: Any) -> bool:
    if principal == "*":
        return True
    if isinstance(principal, dict):
        return any("*" in as_list(v) for v in principal.values())
    return False


def _denies_insecure_transport(document: Any, actions: set[str]) -> bool:
    """A Deny statement for everyone on ``actions`` when ``aws:SecureTransport`` is false."""
    if not isinstance(document, dict):
        return False
    for statement in as_list(document.get("Statement")):
        if not isinstance(statement, dict) or statement.get("Effect") != "Deny":
            continue
        if not _principal_is_everyone(statement.get("Principal")):
            continue
        stated = {str(a).lower() for a in as_list(statement.get("Action"))}
        if not stated & actions:
            continue
        condition = statement.get("Condition")
        if not isinstance(condition, dict):
            continue
        for operator, tests in condition.items():
            if operator.lower() not in ("bool", "boolifexists") or not isinstance(tests, dict):
                continue
            for key, value in tests.items():
                if key.lower() == "aws:securetransport" and any(str(v).lower() == "false" for v in as_list(value)):
                    return True
    return False


S3_ALL = {"s3:*", "*"}
SNS_PUBLISH = {"sns:publish", "sns:*", "*"}


def _policy_documents(attached: list[PolicyResource], ev: Evaluation, prop: str = "policy") -> list[Any]:
    docs = []
    for res in attached:
        doc = parse_json_document(ev.get(res.props, prop, label=f"{res.name}."))
        if doc is not UNKNOWN:
            docs.append(doc)
    return docs


def check_buckets_tls_only(resources: Sequence[PolicyResource], cfg: dict, ev: Evaluation) -> None:
    policies = of_type(resources, BUCKET_POLICY)
    for bucket in of_type(resources, *BUCKETS):
        who = label(bucket.resource_type, bucket.name)
        attached = referring_to(bucket, policies, "bucket", BUCKET_IDENTITY)
        docs = _policy_documents(attached, ev)
        if len(docs) < len(attached):
            continue  # a policy document is unknown during preview: judged at update time
        if not any(_denies_insecure_transport(d, S3_ALL) for d in docs):
            what = "has no bucket policy" if not attached else "has a bucket policy without a TLS-only statement"
            ev.violation(f"{who} {what}: attach an aws.s3.BucketPolicy with a Deny of 's3:*' for Principal '*' "
                         "on the bucket and bucket/* when aws:SecureTransport is 'false'", bucket.urn)


s3_bucket_tls_only = stack_policy(
    name="s3-bucket-tls-only",
    description="Every S3 bucket has a bucket policy that denies requests without TLS "
    "(aws:SecureTransport = false).",
    check=check_buckets_tls_only,
    resource_types=[*BUCKETS, BUCKET_POLICY],
    enforcement_level=MANDATORY,
    severity=Severity.HIGH,
    remediation=(
        "Add aws.s3.BucketPolicy(bucket=bucket.id, policy=...) with the statement {Effect: Deny, Principal: '*', "
        "Action: 's3:*', Resource: [bucket arn, bucket arn + '/*'], Condition: {Bool: {aws:SecureTransport: "
        "'false'}}}."
    ),
    tags=["tls", "s3"],
)


def check_topics_tls_only(resources: Sequence[PolicyResource], cfg: dict, ev: Evaluation) -> None:
    policies = of_type(resources, TOPIC_POLICY)
    for topic in of_type(resources, TOPIC):
        who = label(topic.resource_type, topic.name)
        attached = referring_to(topic, policies, "arn", ("arn",))
        docs = _policy_documents(attached, ev)
        if any(_denies_insecure_transport(d, SNS_PUBLISH) for d in docs):
            continue
        if len(docs) < len(attached):
            continue  # an attached policy is unknown during preview: judged at update time
        # The topic's own policy argument (when no TopicPolicy carries the statement).
        inline = parse_json_document(lookup(topic.props, "policy"))
        if inline is UNKNOWN:
            ev.unknown(f"{topic.name}.policy")
            continue
        if _denies_insecure_transport(inline, SNS_PUBLISH):
            continue
        ev.violation(f"{who} has no topic policy denying sns:Publish without TLS: attach an "
                     "aws.sns.TopicPolicy with a Deny of 'sns:Publish' for Principal '*' when "
                     "aws:SecureTransport is 'false'", topic.urn)


sns_topic_tls_only = stack_policy(
    name="sns-topic-tls-only",
    description="Every SNS topic has a topic policy that denies publishing without TLS "
    "(aws:SecureTransport = false).",
    check=check_topics_tls_only,
    resource_types=[TOPIC, TOPIC_POLICY],
    enforcement_level=MANDATORY,
    severity=Severity.MEDIUM,
    remediation=(
        "Add aws.sns.TopicPolicy(arn=topic.arn, policy=...) with {Effect: Deny, Principal: '*', Action: "
        "'sns:Publish', Resource: topic arn, Condition: {Bool: {aws:SecureTransport: 'false'}}} next to the "
        "statements allowing CloudWatch/Backup to publish."
    ),
    tags=["tls", "sns"],
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
        if isinstance(host, str) and not _host_covered(host, tls_hosts):
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
