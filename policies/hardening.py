"""Hardening rules: encryption at rest with KMS, private databases, deletion protection and
backups, WAF and access logs on CloudFront, restricted pod security.

Advisory by default: dev and staging deliberately trade some of these for cost (no WAF in
dev, short backups, no deletion protection). ``policies/config/prod.json`` makes them
mandatory, with the prod thresholds from the tier table.
"""

from __future__ import annotations

import fnmatch
import json
from typing import Any, Sequence

from pulumi_policy import PolicyResource, Severity

from pulumi_webstack_policies.base import (
    ADVISORY,
    BUCKET_IDENTITY,
    BUCKETS,
    Subject,
    label,
    of_type,
    referring_to,
    require_true,
    resource_policy,
    stack_policy,
)
from pulumi_webstack_policies.settings import schema
from pulumi_webstack_policies.values import UNKNOWN, Evaluation, as_int, elements, entries, lookup, shown, truthy, unset

RDS_INSTANCE = "aws:rds/instance:Instance"
RDS_CLUSTER = "aws:rds/cluster:Cluster"
CACHE_REPLICATION_GROUP = "aws:elasticache/replicationGroup:ReplicationGroup"
CACHE_SERVERLESS = "aws:elasticache/serverlessCache:ServerlessCache"
BUCKET_SSE = (
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
    "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2",
)
BUCKET_LOGGING = ("aws:s3/bucketLogging:BucketLogging", "aws:s3/bucketLoggingV2:BucketLoggingV2")
LOAD_BALANCERS = ("aws:lb/loadBalancer:LoadBalancer", "aws:alb/loadBalancer:LoadBalancer")
TOPIC = "aws:sns/topic:Topic"
DISTRIBUTION = "aws:cloudfront/distribution:Distribution"
LOG_DELIVERY_SOURCE = "aws:cloudwatch/logDeliverySource:LogDeliverySource"
WORKLOADS = {
    "kubernetes:apps/v1:Deployment": "spec.template.spec",
    "kubernetes:apps/v1:StatefulSet": "spec.template.spec",
    "kubernetes:apps/v1:DaemonSet": "spec.template.spec",
    "kubernetes:apps/v1:ReplicaSet": "spec.template.spec",
    "kubernetes:batch/v1:Job": "spec.template.spec",
    "kubernetes:batch/v1:CronJob": "spec.jobTemplate.spec.template.spec",
    "kubernetes:core/v1:Pod": "spec",
}

KMS_ALGORITHMS = ("aws:kms", "aws:kms:dsse")
AWS_MANAGED_SNS_KEY = "alias/aws/sns"

_CMK = {
    "requireCustomerManagedKey": {
        "type": "boolean",
        "default": True,
        "description": "Require an explicit KMS key id/ARN (a customer managed key) rather than the "
        "service's AWS managed key.",
    }
}


def _is_replica(props: Any) -> bool:
    return lookup(props, "replicateSourceDb") is not None


# ------------------------------------------------------------------------------ RDS at rest


def check_rds_encryption(subject: Subject, cfg: dict, ev: Evaluation) -> None:
    p, who = subject.props, subject.label
    replica = _is_replica(p)
    if not replica:
        require_true(subject, ev, "storageEncrypted", "set storage_encrypted=True with a KMS key")
    source = lookup(p, "replicateSourceDb")
    cross_region = isinstance(source, str) and source.startswith("arn:")
    needs_key = truthy(cfg.get("requireCustomerManagedKey")) and (not replica or cross_region)
    if needs_key and unset(lookup(p, "kmsKeyId")):
        ev.violation(f"{who}: kmsKeyId is not set, so the AWS managed aws/rds key is used: set kms_key_id to the "
                     "stack's customer managed KMS key" + (" in the replica's region" if cross_region else ""))


rds_encryption_at_rest_kms = resource_policy(
    name="rds-encryption-at-rest-kms",
    description="RDS instances and clusters encrypt storage with a customer managed KMS key.",
    resource_types=[RDS_INSTANCE, RDS_CLUSTER],
    check=check_rds_encryption,
    enforcement_level=ADVISORY,
    severity=Severity.HIGH,
    remediation="Set storage_encrypted=True and kms_key_id=<aws.kms.Key arn> (cross-region replicas: a key in "
    "the replica's region).",
    config_schema=schema(**_CMK),
    tags=["hardening", "encryption", "rds"],
)


def check_performance_insights_kms(subject: Subject, cfg: dict, ev: Evaluation) -> None:
    p, who = subject.props, subject.label
    enabled = ev.get(p, "performanceInsightsEnabled")
    mode = lookup(p, "databaseInsightsMode")
    if enabled is UNKNOWN or not (truthy(enabled) or mode == "advanced"):
        return
    if unset(lookup(p, "performanceInsightsKmsKeyId")):
        ev.violation(f"{who}: Performance Insights is on without performanceInsightsKmsKeyId, so query samples "
                     "are encrypted with the AWS managed key: set performance_insights_kms_key_id to the "
                     "stack's KMS key")


rds_performance_insights_kms = resource_policy(
    name="rds-performance-insights-kms",
    description="Performance Insights data (which holds SQL text) is encrypted with a customer managed KMS key.",
    resource_types=[RDS_INSTANCE, RDS_CLUSTER],
    check=check_performance_insights_kms,
    enforcement_level=ADVISORY,
    severity=Severity.MEDIUM,
    remediation="Set performance_insights_kms_key_id=<aws.kms.Key arn> wherever performance_insights_enabled=True.",
    tags=["hardening", "encryption", "rds"],
)


# ----------------------------------------------------------------------- ElastiCache at rest


def check_cache_encryption(subject: Subject, cfg: dict, ev: Evaluation) -> None:
    p, who = subject.props, subject.label
    if subject.type == CACHE_REPLICATION_GROUP:
        require_true(subject, ev, "atRestEncryptionEnabled", "set at_rest_encryption_enabled=True with kms_key_id")
    if truthy(cfg.get("requireCustomerManagedKey")) and unset(lookup(p, "kmsKeyId")):
        ev.violation(f"{who}: kmsKeyId is not set (AWS owned key): set kms_key_id to the stack's customer "
                     "managed KMS key ARN")


elasticache_encryption_at_rest_kms = resource_policy(
    name="elasticache-encryption-at-rest-kms",
    description="ElastiCache data and snapshots are encrypted at rest with a customer managed KMS key.",
    resource_types=[CACHE_REPLICATION_GROUP, CACHE_SERVERLESS],
    check=check_cache_encryption,
    enforcement_level=ADVISORY,
    severity=Severity.HIGH,
    remediation="Set at_rest_encryption_enabled=True and kms_key_id=<aws.kms.Key arn>.",
    config_schema=schema(**_CMK),
    tags=["hardening", "encryption", "elasticache"],
)


# --------------------------------------------------------------------------- S3 at rest


def _sse_rules(config: PolicyResource, ev: Evaluation) -> list[Any]:
    rules = ev.get(config.props, "rules", label=f"{config.name}.")
    if rules is UNKNOWN:
        return [UNKNOWN]
    return elements(rules)


def _access_log_destination(bucket: PolicyResource, loggings: Sequence[PolicyResource],
                            balancers: Sequence[PolicyResource] = ()) -> bool:
    """The bucket receives S3 server access logs (it is a BucketLogging's targetBucket) or a
    load balancer's access logs (its ``accessLogs.bucket``)."""
    return bool(referring_to(bucket, loggings, "targetBucket", BUCKET_IDENTITY)
                or referring_to(bucket, balancers, "accessLogs.bucket", BUCKET_IDENTITY))


def check_buckets_kms(resources: Sequence[PolicyResource], cfg: dict, ev: Evaluation) -> None:
    configs = of_type(resources, *BUCKET_SSE)
    loggings = of_type(resources, *BUCKET_LOGGING)
    balancers = of_type(resources, *LOAD_BALANCERS)
    require_key = truthy(cfg.get("requireCustomerManagedKey"))
    sse_s3_for_logs = truthy(cfg.get("allowSseS3ForAccessLogBuckets"))
    for bucket in of_type(resources, *BUCKETS):
        who = label(bucket.resource_type, bucket.name)
        attached = referring_to(bucket, configs, "bucket", BUCKET_IDENTITY)
        rules = [r for c in attached for r in _sse_rules(c, ev)]
        if UNKNOWN in rules:
            continue
        defaults = [lookup(r, "applyServerSideEncryptionByDefault") for r in rules]
        if UNKNOWN in defaults:
            ev.unknown(f"{bucket.name}: applyServerSideEncryptionByDefault")
            continue
        algorithms = [lookup(d, "sseAlgorithm") for d in defaults if d is not None]
        kms = [d for d in defaults if d is not None and lookup(d, "sseAlgorithm") in (*KMS_ALGORITHMS, UNKNOWN)]
        if not kms and sse_s3_for_logs and "AES256" in algorithms and _access_log_destination(bucket, loggings,
                                                                                              balancers):
            continue  # S3 server access logs and ELB access logs can only be delivered to SSE-S3 buckets
        if not kms:
            what = "has no server-side encryption configuration" if not attached else "does not default to SSE-KMS"
            ev.violation(f"{who} {what}: add an aws.s3.BucketServerSideEncryptionConfiguration with "
                         "sse_algorithm 'aws:kms' and the stack's KMS key (bucket_key_enabled=True)", bucket.urn)
        elif require_key and all(unset(lookup(d, "kmsMasterKeyId")) for d in kms):
            ev.violation(f"{who}: SSE-KMS uses the AWS managed aws/s3 key: set kms_master_key_id to the stack's "
                         "customer managed KMS key", bucket.urn)


s3_bucket_encryption_kms = stack_policy(
    name="s3-bucket-encryption-kms",
    description="Every S3 bucket defaults to SSE-KMS with a customer managed key (S3 server access log and "
    "load balancer access log destinations: SSE-S3, the only default encryption that log delivery supports).",
    check=check_buckets_kms,
    resource_types=[*BUCKETS, *BUCKET_SSE, *BUCKET_LOGGING, *LOAD_BALANCERS],
    enforcement_level=ADVISORY,
    severity=Severity.MEDIUM,
    remediation="Add aws.s3.BucketServerSideEncryptionConfiguration(bucket=bucket.id, rules=[{"
    "apply_server_side_encryption_by_default: {sse_algorithm: 'aws:kms', kms_master_key_id: key.arn}, "
    "bucket_key_enabled: True}]).",
    config_schema=schema(
        **_CMK,
        allowSseS3ForAccessLogBuckets={
            "type": "boolean",
            "default": True,
            "description": "Accept SSE-S3 (AES256) on buckets that are the targetBucket of an "
            "aws.s3.BucketLogging or a load balancer's accessLogs.bucket: S3 server access log and Elastic Load "
            "Balancing log delivery do not support SSE-KMS destinations.",
        },
    ),
    tags=["hardening", "encryption", "s3"],
)


# -------------------------------------------------------------------------------- SNS at rest


def check_topic_kms(subject: Subject, cfg: dict, ev: Evaluation) -> None:
    key = lookup(subject.props, "kmsMasterKeyId")
    if unset(key):
        ev.violation(f"{subject.label}: kmsMasterKeyId is not set: encrypt the topic with the stack's customer "
                     "managed KMS key (its key policy must let cloudwatch.amazonaws.com use it)")
    elif key == AWS_MANAGED_SNS_KEY:
        ev.violation(f"{subject.label}: kmsMasterKeyId is 'alias/aws/sns': CloudWatch alarms and AWS Backup "
                     "cannot publish to topics under the AWS managed key; use a customer managed key whose "
                     "policy allows cloudwatch.amazonaws.com")


sns_topic_kms = resource_policy(
    name="sns-topic-kms",
    description="SNS topics are encrypted with a customer managed KMS key.",
    resource_types=[TOPIC],
    check=check_topic_kms,
    enforcement_level=ADVISORY,
    severity=Severity.MEDIUM,
    remediation="Set kms_master_key_id=<aws.kms.Key id> whose key policy grants kms:GenerateDataKey* and "
    "kms:Decrypt to cloudwatch.amazonaws.com (and backup.amazonaws.com).",
    tags=["hardening", "encryption", "sns"],
)


# ------------------------------------------------------------------------ private databases


def check_not_public(subject: Subject, cfg: dict, ev: Evaluation) -> None:
    value = ev.get(subject.props, "publiclyAccessible")
    if value is not UNKNOWN and truthy(value):
        ev.violation(f"{subject.label}: publiclyAccessible is True: set publicly_accessible=False and reach the "
                     "database from private subnets only")


rds_not_public = resource_policy(
    name="rds-not-public",
    description="Databases are never publicly accessible.",
    resource_types=[RDS_INSTANCE, RDS_CLUSTER],
    check=check_not_public,
    enforcement_level=ADVISORY,
    severity=Severity.CRITICAL,
    remediation="Set publicly_accessible=False and place the database in private subnets.",
    tags=["hardening", "network", "rds"],
)


# -------------------------------------------------------------- deletion protection, backups


def check_deletion_protection(subject: Subject, cfg: dict, ev: Evaluation) -> None:
    p, who = subject.props, subject.label
    require_true(subject, ev, "deletionProtection", "set deletion_protection=True")
    if not _is_replica(p):
        skip = ev.get(p, "skipFinalSnapshot")
        if skip is not UNKNOWN and truthy(skip):
            ev.violation(f"{who}: skipFinalSnapshot is True: set skip_final_snapshot=False and a "
                         "final_snapshot_identifier so deleting the database keeps a snapshot")
    if truthy(cfg.get("requirePulumiProtect")) and subject.opts is not None and not subject.opts.protect:
        ev.violation(f"{who}: the resource is not Pulumi-protected: register it with "
                     "ResourceOptions(protect=True) so `pulumi destroy`/replacement cannot delete it")


database_deletion_protection = resource_policy(
    name="database-deletion-protection",
    description="Databases have deletion protection, keep a final snapshot and are Pulumi-protected.",
    resource_types=[RDS_INSTANCE, RDS_CLUSTER],
    check=check_deletion_protection,
    enforcement_level=ADVISORY,
    severity=Severity.HIGH,
    remediation="Set deletion_protection=True, skip_final_snapshot=False with final_snapshot_identifier, and "
    "opts=ResourceOptions(protect=True).",
    config_schema=schema(
        requirePulumiProtect={
            "type": "boolean",
            "default": True,
            "description": "Also require the Pulumi `protect` resource option.",
        }
    ),
    tags=["hardening", "resilience", "rds"],
)


def check_backups(subject: Subject, cfg: dict, ev: Evaluation) -> None:
    p, who = subject.props, subject.label
    if subject.type == CACHE_REPLICATION_GROUP:
        minimum = as_int(cfg.get("minCacheSnapshotRetentionDays")) or 0
        value = ev.get(p, "snapshotRetentionLimit")
        if value is not UNKNOWN and (as_int(value) or 0) < minimum:
            ev.violation(f"{who}: snapshotRetentionLimit is {shown(value)}: keep at least {minimum} daily snapshots "
                         "(snapshot_retention_limit)")
        return
    if _is_replica(p):
        return  # replicas are restored from the primary's backups
    minimum = as_int(cfg.get("minRetentionDays")) or 0
    value = ev.get(p, "backupRetentionPeriod")
    if value is not UNKNOWN and (as_int(value) or 0) < minimum:
        ev.violation(f"{who}: backupRetentionPeriod is {shown(value)}: keep automated backups (and point-in-time "
                     f"recovery) for at least {minimum} days")


database_backups = resource_policy(
    name="database-backups",
    description="Databases keep automated backups (point-in-time recovery) and caches keep snapshots for the "
    "configured number of days.",
    resource_types=[RDS_INSTANCE, RDS_CLUSTER, CACHE_REPLICATION_GROUP],
    check=check_backups,
    enforcement_level=ADVISORY,
    severity=Severity.HIGH,
    remediation="Set backup_retention_period (RDS) and snapshot_retention_limit (ElastiCache) to at least the "
    "configured minimum.",
    config_schema=schema(
        minRetentionDays={
            "type": "integer",
            "minimum": 1,
            "default": 7,
            "description": "Minimum RDS backup retention in days (prod: 30).",
        },
        minCacheSnapshotRetentionDays={
            "type": "integer",
            "minimum": 0,
            "default": 1,
            "description": "Minimum ElastiCache snapshot retention in days (prod: 7).",
        },
    ),
    tags=["hardening", "resilience"],
)


# --------------------------------------------------------------------- CloudFront WAF, logs


def check_waf(subject: Subject, cfg: dict, ev: Evaluation) -> None:
    if unset(lookup(subject.props, "webAclId")):
        ev.violation(f"{subject.label}: webAclId is not set: associate a WAFv2 web ACL (scope CLOUDFRONT, in "
                     "us-east-1) with AWS managed rule groups")


cloudfront_waf = resource_policy(
    name="cloudfront-waf",
    description="CloudFront distributions are protected by a WAFv2 web ACL.",
    resource_types=[DISTRIBUTION],
    check=check_waf,
    enforcement_level=ADVISORY,
    severity=Severity.HIGH,
    remediation="Create an aws.wafv2.WebAcl (scope='CLOUDFRONT', us-east-1 provider) and pass its arn as "
    "web_acl_id.",
    tags=["hardening", "waf", "cloudfront"],
)


def check_access_logging(resources: Sequence[PolicyResource], cfg: dict, ev: Evaluation) -> None:
    sources = [
        s for s in of_type(resources, LOG_DELIVERY_SOURCE)
        if lookup(s.props, "logType") in ("ACCESS_LOGS", UNKNOWN)
    ]
    for dist in of_type(resources, DISTRIBUTION):
        bucket = lookup(dist.props, "loggingConfig.bucket")
        if not unset(bucket):
            continue
        if referring_to(dist, sources, "resourceArn", ("arn",)):
            continue
        ev.violation(f"{label(dist.resource_type, dist.name)}: access logging is off: set logging_config "
                     "{bucket: <log bucket domain name>} or deliver ACCESS_LOGS with an "
                     "aws.cloudwatch.LogDeliverySource for this distribution", dist.urn)


cloudfront_access_logging = stack_policy(
    name="cloudfront-access-logging",
    description="CloudFront distributions write access logs (standard logging to S3, or a CloudWatch "
    "log delivery of ACCESS_LOGS).",
    check=check_access_logging,
    resource_types=[DISTRIBUTION, LOG_DELIVERY_SOURCE],
    enforcement_level=ADVISORY,
    severity=Severity.MEDIUM,
    remediation="Set logging_config={bucket: log_bucket.bucket_domain_name, include_cookies: False, prefix: "
    "'cloudfront/'} or create aws.cloudwatch.LogDeliverySource(log_type='ACCESS_LOGS', "
    "resource_arn=distribution.arn) with a LogDelivery.",
    tags=["hardening", "logging", "cloudfront"],
)


# --------------------------------------------------------------------- Kubernetes pod security


def pod_containers(spec: Any, base: str, ev: Evaluation) -> list[tuple[str, int, Any]]:
    """``(kind, index, container)`` of a pod spec's containers, then its init containers."""
    containers = [("containers", i, c) for i, c in enumerate(elements(ev.get(spec, "containers", label=f"{base}.")))]
    return containers + [("initContainers", i, c) for i, c in enumerate(elements(lookup(spec, "initContainers")))]


def check_pod_security(subject: Subject, cfg: dict, ev: Evaluation) -> None:
    base = WORKLOADS[subject.type]
    spec = ev.get(subject.props, base)
    if spec is UNKNOWN or spec is None:
        return
    who = subject.label
    pod_non_root = lookup(spec, "securityContext.runAsNonRoot")
    for flag in ("hostNetwork", "hostPID", "hostIPC"):
        if truthy(lookup(spec, flag)):
            ev.violation(f"{who}: {base}.{flag} is True: pods must not share the node's namespaces")
    for kind, i, container in pod_containers(spec, base, ev):
        where = f"{base}.{kind}.{i}"
        if container is UNKNOWN:
            ev.unknown(where)
            continue
        name = lookup(container, "name")
        if isinstance(name, str):
            where = f"{base}.{kind}[{name}]"
        sc = lookup(container, "securityContext")
        non_root = lookup(sc, "runAsNonRoot") if sc is not UNKNOWN else UNKNOWN
        if non_root is UNKNOWN or pod_non_root is UNKNOWN:
            pass
        elif not (truthy(non_root) or (non_root is None and truthy(pod_non_root))):
            ev.violation(f"{who}: {where} may run as root: set securityContext.runAsNonRoot=True (pod or "
                         "container) with a non-zero runAsUser")
        if sc is not UNKNOWN:
            if truthy(lookup(sc, "privileged")):
                ev.violation(f"{who}: {where}.securityContext.privileged is True: remove it")
            escalation = lookup(sc, "allowPrivilegeEscalation")
            if escalation is not UNKNOWN and (escalation is None or truthy(escalation)):
                ev.violation(f"{who}: {where}.securityContext.allowPrivilegeEscalation is {escalation!r}: set "
                             "it to False")
        limits = lookup(container, "resources.limits")
        if limits is UNKNOWN:
            continue
        missing = [r for r in ("cpu", "memory") if lookup(limits, r) is None]
        if missing:
            ev.violation(f"{who}: {where} has no resources.limits for {', '.join(missing)}: set cpu and memory "
                         "limits so one pod cannot starve the node")


kubernetes_pod_security = resource_policy(
    name="kubernetes-pod-security",
    description="Pods follow the restricted profile: non-root, not privileged, no privilege escalation, no "
    "host namespaces, CPU and memory limits on every container.",
    resource_types=list(WORKLOADS),
    check=check_pod_security,
    enforcement_level=ADVISORY,
    severity=Severity.HIGH,
    remediation="In the pod template set securityContext.runAsNonRoot=True (runAsUser > 0) and, per container, "
    "securityContext {privileged: False, allowPrivilegeEscalation: False} and resources.limits {cpu, memory}.",
    tags=["hardening", "kubernetes"],
)


# ------------------------------------------------------------ Vercel: production data stays in production

VERCEL_ENV_VARIABLE = "vercel:index/projectEnvironmentVariable:ProjectEnvironmentVariable"
VERCEL_ENV_VARIABLES = "vercel:index/projectEnvironmentVariables:ProjectEnvironmentVariables"
IAM_ROLE = "aws:iam/role:Role"
VERCEL_OIDC_ISSUER = "oidc.vercel.com"
DATA_VARIABLES = ["DATABASE_*", "REDIS_*", "AWS_ROLE_ARN"]


def _non_production_targets(variable: Any, ev: Evaluation, where: str) -> Any:
    """The non-production environments a Vercel variable reaches (``[]`` if none), or UNKNOWN."""
    targets = ev.get(variable, "targets", label=where)
    custom = ev.get(variable, "customEnvironmentIds", label=where)
    if UNKNOWN in (targets, custom):
        return UNKNOWN
    if any(t is UNKNOWN for t in elements(targets)):
        ev.unknown(f"{where}targets")
        return UNKNOWN
    out = [str(t) for t in elements(targets) if str(t) != "production"]
    if elements(custom):
        out.append("custom environments")
    return out


def _vercel_subjects(policy: Any) -> list[tuple[str, Any]]:
    """(sub key, value) of each statement trusting Vercel's OIDC issuer; value None if no sub condition."""
    out: list[tuple[str, Any]] = []
    statements = lookup(policy, "Statement")
    for statement in [statements] if isinstance(statements, dict) else elements(statements):
        if str(lookup(statement, "Effect")) != "Allow":
            continue
        federated = lookup(statement, "Principal.Federated")
        names = [federated] if isinstance(federated, str) else [str(f) for f in elements(federated)]
        if not any(VERCEL_OIDC_ISSUER in n for n in names):
            continue
        subs = [(key, value) for _, condition in entries(lookup(statement, "Condition") or {})
                for key, value in entries(condition) if str(key).endswith(":sub")]
        out += subs or [("sub", None)]
    return out


def check_preview_data_access(subject: Subject, cfg: dict, ev: Evaluation) -> None:
    who = subject.label
    patterns = [str(p) for p in cfg.get("dataVariables") or DATA_VARIABLES]
    if subject.type == IAM_ROLE:
        document = ev.get(subject.props, "assumeRolePolicy")
        if document is UNKNOWN or not isinstance(document, str):
            return
        try:
            policy = json.loads(document)
        except ValueError:
            return
        for key, value in _vercel_subjects(policy):
            values = [value] if isinstance(value, str) or value is None else [str(v) for v in elements(value)]
            loose = [v for v in values if v is None or not str(v).endswith(":environment:production")]
            if loose:
                shown = "no sub condition" if loose == [None] else ", ".join(f"'{v}'" for v in loose)
                ev.violation(f"{who}: assumeRolePolicy trusts Vercel OIDC tokens of non-production deployments "
                             f"({key}: {shown}): allow only 'owner:<team>:project:<project>:environment:production'")
        return
    variables = [("", subject.props)] if subject.type == VERCEL_ENV_VARIABLE else [
        (f"variables.{i}.", v) for i, v in enumerate(elements(ev.get(subject.props, "variables")))]
    for where, variable in variables:
        if variable is UNKNOWN:
            ev.unknown(where.rstrip(".") or "variables")
            continue
        key = lookup(variable, "key")
        if key is UNKNOWN or not isinstance(key, str) or not any(fnmatch.fnmatchcase(key, p) for p in patterns):
            continue
        reach = _non_production_targets(variable, ev, where)
        if reach is UNKNOWN or not reach:
            continue
        ev.violation(f"{who}: {where}key {key} (data-tier access) reaches {', '.join(reach)}: any branch's "
                     "deployment could read this stack's data; set targets=['production']")


vercel_preview_data_access = resource_policy(
    name="vercel-preview-data-access",
    description="Only production deployments of a Vercel project get the data tier: no data-tier variable "
    "targets preview, development or custom environments, and no role trusts their OIDC tokens.",
    resource_types=[VERCEL_ENV_VARIABLE, VERCEL_ENV_VARIABLES, IAM_ROLE],
    check=check_preview_data_access,
    enforcement_level=ADVISORY,
    severity=Severity.HIGH,
    remediation="Set targets=['production'] on the data-tier ProjectEnvironmentVariables (webstack: "
    "app.vercel.previewDataAccess false) and trust only ':environment:production' subjects in the role's "
    "assume-role policy; give previews a database of their own.",
    config_schema=schema(
        dataVariables={
            "type": "array",
            "items": {"type": "string"},
            "default": list(DATA_VARIABLES),
            "description": "Names (fnmatch patterns) of the environment variables that give access to the "
            "data tier.",
        }
    ),
    tags=["hardening", "vercel", "data"],
)


# ------------------------------------------------------------ Kubernetes: a real image

PLACEHOLDER_IMAGES = ["ghcr.io/example/webstack-app@sha256:" + "0" * 64]
"""The image dev and staging plan with until the app's image exists (``infra/presets.py``)."""


def check_placeholder_image(subject: Subject, cfg: dict, ev: Evaluation) -> None:
    base = WORKLOADS[subject.type]
    spec = ev.get(subject.props, base)
    if spec is UNKNOWN or spec is None:
        return
    placeholders = {str(i) for i in cfg.get("placeholderImages") or PLACEHOLDER_IMAGES}
    for kind, i, container in pod_containers(spec, base, ev):
        image = lookup(container, "image") if container is not UNKNOWN else UNKNOWN
        if image is UNKNOWN:
            ev.unknown(f"{base}.{kind}.{i}.image")
        elif isinstance(image, str) and (image in placeholders or image.rpartition("@sha256:")[2] == "0" * 64):
            ev.violation(f"{subject.label}: {base}.{kind}.{i}.image is the placeholder '{image}': deploy the "
                         "app's image (registry/name@sha256:<digest>)")


workload_placeholder_image = resource_policy(
    name="workload-placeholder-image",
    description="Kubernetes workloads run a real image, not the placeholder (or an all-zero digest) that "
    "stacks plan with before the app's image exists.",
    resource_types=list(WORKLOADS),
    check=check_placeholder_image,
    enforcement_level=ADVISORY,
    severity=Severity.HIGH,
    remediation="Set the workload's image to the app's released image by digest "
    "(webstack:app.kubernetes.image: registry/name@sha256:<digest>).",
    config_schema=schema(
        placeholderImages={
            "type": "array",
            "items": {"type": "string"},
            "default": list(PLACEHOLDER_IMAGES),
            "description": "Images that only stand in for the app's (besides any @sha256 digest of zeros).",
        }
    ),
    tags=["hardening", "kubernetes"],
)


POLICIES = [
    rds_encryption_at_rest_kms,
    rds_performance_insights_kms,
    elasticache_encryption_at_rest_kms,
    s3_bucket_encryption_kms,
    sns_topic_kms,
    rds_not_public,
    database_deletion_protection,
    database_backups,
    cloudfront_waf,
    cloudfront_access_logging,
    kubernetes_pod_security,
    vercel_preview_data_access,
    workload_placeholder_image,
]
