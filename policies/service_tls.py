"""TLS rules for the clients of AWS services: the data tier (RDS and RDS Proxy enforce TLS,
ElastiCache encrypts in transit) and the resource policies of S3 buckets and SNS topics (every
request without TLS is denied). Part of the ``transport_security`` rules, which re-exports
these names; all mandatory.
"""

from __future__ import annotations

import re
from typing import Any, Sequence

from pulumi_policy import PolicyResource, Severity

from pulumi_webstack_policies.base import (
    BUCKET_IDENTITY,
    BUCKETS,
    MANDATORY,
    Subject,
    is_rds_replica,
    label,
    of_type,
    referred_by,
    referring_to,
    require_true,
    resource_policy,
    stack_policy,
)
from pulumi_webstack_policies.values import (
    UNKNOWN,
    Evaluation,
    as_list,
    elements,
    lookup,
    parse_json_document,
)

RDS_PARAMETER_GROUPS = ("aws:rds/parameterGroup:ParameterGroup", "aws:rds/clusterParameterGroup:ClusterParameterGroup")
RDS_INSTANCE = "aws:rds/instance:Instance"
RDS_CLUSTER = "aws:rds/cluster:Cluster"
RDS_PROXY = "aws:rds/proxy:Proxy"
CACHE_REPLICATION_GROUP = "aws:elasticache/replicationGroup:ReplicationGroup"
CACHE_CLUSTER = "aws:elasticache/cluster:Cluster"
BUCKET_POLICY = "aws:s3/bucketPolicy:BucketPolicy"
TOPIC = "aws:sns/topic:Topic"
TOPIC_POLICY = "aws:sns/topicPolicy:TopicPolicy"

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


_POSTGRES_FAMILY = re.compile(r"^postgres(\d+)$")


def forces_tls_by_default(family: Any) -> bool:
    """RDS for PostgreSQL 15 and later default rds.force_ssl to 1 (AWS, "Updating applications
    to connect to PostgreSQL DB instances using new SSL/TLS certificates": 0 before 15, 1 from
    15 on), so a group of family ``postgres15`` or later that leaves it out, and the engine's
    default group, force TLS. Aurora and the other engines default to off."""
    found = _POSTGRES_FAMILY.match(family) if isinstance(family, str) else None
    return found is not None and int(found.group(1)) >= 15


def _default_family(db: PolicyResource) -> Any:
    """``postgres<major>`` of an RDS PostgreSQL instance with an explicit engine version, else None."""
    engine, version = lookup(db.props, "engine"), lookup(db.props, "engineVersion")
    if engine != "postgres" or not isinstance(version, str) or not version.split(".")[0].isdigit():
        return None
    return f"postgres{version.split('.')[0]}"



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
        if param not in values and complete and not forces_tls_by_default(family):
            ev.violation(f"{who}: family {family} does not set {param}: add parameter "
                         f"{{name: '{param}', value: '1'}} so the server refuses unencrypted connections")
    elif str(value).strip().lower() not in on_values:
        ev.violation(f"{who}: {param} = {value!r} allows unencrypted connections: set it to '1'")


rds_parameter_group_force_ssl = resource_policy(
    name="rds-parameter-group-force-ssl",
    description="RDS parameter groups force TLS (rds.force_ssl=1 for PostgreSQL/SQL Server, "
    "require_secure_transport=1 for MySQL/MariaDB; PostgreSQL 15+ by default), never 0.",
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
            if not is_rds_replica(db.props):
                if engine is UNKNOWN:
                    ev.unknown(f"{db.name}.engine")
                continue
        elif _tls_parameter(engine) is None:
            continue
        if db.resource_type == RDS_CLUSTER:
            props = ["dbClusterParameterGroupName"]
        else:
            props = ["parameterGroupName"]
        default_on = forces_tls_by_default(_default_family(db))
        for prop in props:
            value = lookup(db.props, prop)
            if default_on and (value is None or (isinstance(value, str) and value.startswith("default."))):
                continue  # the engine's default group forces TLS from PostgreSQL 15 on
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
                if value_on is UNKNOWN or (value_on is None and (not complete or forces_tls_by_default(family))):
                    continue
                if value_on is None or str(value_on).strip().lower() not in on_values:
                    ev.violation(f"{who}: uses {label(group.resource_type, group.name)} where {param} is "
                                 f"{value_on!r}: set {param} = '1' in that group", db.urn)


rds_uses_force_ssl_parameter_group = stack_policy(
    name="rds-uses-force-ssl-parameter-group",
    description="Every RDS instance and cluster (replicas included) uses a parameter group of the stack "
    "that forces TLS, not the engine default (except PostgreSQL 15+, whose default forces TLS).",
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
        if not attached:  # the bucket's own (deprecated) policy argument, a bucket's one policy too
            docs = _policy_documents([bucket], ev)
            if not docs:
                continue  # unknown during preview: judged at update time
            docs = [d for d in docs if d is not None]
        elif len(docs) < len(attached):
            continue  # a policy document is unknown during preview: judged at update time
        if not any(_denies_insecure_transport(d, S3_ALL) for d in docs):
            what = "has no bucket policy" if not docs else "has a bucket policy without a TLS-only statement"
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
