"""Hardening policies: compliant baseline, then one field broken per case.

Hardening policies are advisory by default and mandatory with ``policies/config/prod.json``;
the tests run them at their default level unless a case is about the level.
"""

from __future__ import annotations

import copy

import pytest
from pulumi_policy import EnforcementLevel

from pulumi_webstack_policies import hardening as hd
from pulumi_webstack_policies.runner import evaluate_policy, urn_for
from pulumi_webstack_policies.values import UNKNOWN
from tests.helpers import DELETE, res, variant

KEY = "arn:aws:kms:us-east-1:123456789012:key/1111-2222"


def violations(diags):
    return [d for d in diags if not d.unverifiable]


def assert_violates(diags, expected, who=None):
    found = violations(diags)
    assert found, "expected a violation"
    assert any(expected in d.message for d in found), [d.message for d in found]
    if who:
        assert all(who in d.message for d in found)


def test_hardening_policies_are_advisory_by_default():
    assert {p.enforcement_level for p in hd.POLICIES} == {EnforcementLevel.ADVISORY}


# ---------------------------------------------------------------------------------- RDS

PRIMARY = {
    "engine": "postgres", "instanceClass": "db.r7g.large", "storageEncrypted": True, "kmsKeyId": KEY,
    "performanceInsightsEnabled": True, "performanceInsightsKmsKeyId": KEY, "publiclyAccessible": False,
    "deletionProtection": True, "skipFinalSnapshot": False, "finalSnapshotIdentifier": "db-final",
    "backupRetentionPeriod": 30,
}
REPLICA = {"replicateSourceDb": "db-primary", "instanceClass": "db.r7g.large", "deletionProtection": True,
           "publiclyAccessible": False, "performanceInsightsEnabled": True, "performanceInsightsKmsKeyId": KEY}
RDS = hd.RDS_INSTANCE


def run(policy, type_, inputs, name="db", protect=True, **cfg):
    return evaluate_policy(policy, [res(type_, name, inputs, protect=protect)], cfg)


@pytest.mark.parametrize(
    "policy", [hd.rds_encryption_at_rest_kms, hd.rds_performance_insights_kms, hd.rds_not_public,
               hd.database_deletion_protection, hd.database_backups]
)
def test_rds_baselines_pass(policy):
    assert run(policy, RDS, PRIMARY) == []
    assert run(policy, RDS, REPLICA, name="db-replica-0") == []
    assert run(policy, hd.RDS_CLUSTER, dict(PRIMARY, engine="aurora-postgresql")) == []


@pytest.mark.parametrize(
    "policy,path,value,expected",
    [
        (hd.rds_encryption_at_rest_kms, "storageEncrypted", False, "storageEncrypted is False"),
        (hd.rds_encryption_at_rest_kms, "storageEncrypted", DELETE, "storageEncrypted is None"),
        (hd.rds_encryption_at_rest_kms, "kmsKeyId", DELETE, "kmsKeyId is not set"),
        (hd.rds_performance_insights_kms, "performanceInsightsKmsKeyId", DELETE, "without performanceInsightsKmsKeyId"),
        (hd.rds_not_public, "publiclyAccessible", True, "publiclyAccessible is True"),
        (hd.database_deletion_protection, "deletionProtection", False, "deletionProtection is False"),
        (hd.database_deletion_protection, "deletionProtection", DELETE, "deletionProtection is None"),
        (hd.database_deletion_protection, "skipFinalSnapshot", True, "skipFinalSnapshot is True"),
        (hd.database_backups, "backupRetentionPeriod", 3, "backupRetentionPeriod is 3"),
        (hd.database_backups, "backupRetentionPeriod", DELETE, "backupRetentionPeriod is None"),
    ],
)
def test_rds_one_broken_field(policy, path, value, expected):
    diags = run(policy, RDS, variant(PRIMARY, path, value))
    assert_violates(diags, expected, "Instance 'db'")
    assert all(d.level == EnforcementLevel.ADVISORY for d in diags)


def test_rds_prod_levels_and_thresholds():
    short = variant(PRIMARY, "backupRetentionPeriod", 7)
    assert run(hd.database_backups, RDS, short) == []  # default minimum: 7 days
    prod = evaluate_policy(hd.database_backups, [res(RDS, "db", short)], {"minRetentionDays": 30},
                           level=EnforcementLevel.MANDATORY)
    assert [d.level for d in prod] == [EnforcementLevel.MANDATORY]
    assert "at least 30 days" in prod[0].message


def test_pulumi_protect_is_part_of_deletion_protection():
    assert_violates(run(hd.database_deletion_protection, RDS, PRIMARY, protect=False), "not Pulumi-protected")
    assert run(hd.database_deletion_protection, RDS, PRIMARY, protect=False, requirePulumiProtect=False) == []


def test_cross_region_replica_needs_its_own_key():
    cross = dict(REPLICA, replicateSourceDb="arn:aws:rds:us-east-1:123456789012:db:db-primary")
    assert_violates(run(hd.rds_encryption_at_rest_kms, RDS, cross), "in the replica's region")
    assert run(hd.rds_encryption_at_rest_kms, RDS, dict(cross, kmsKeyId=KEY)) == []


PRIMARY_ARN = "arn:aws:rds:us-east-1:123456789012:db:db-primary"


def test_a_same_region_replica_named_by_arn_inherits_the_key():
    """The provider's docs (pulumi_aws/rds/instance.py, replicate_source_db): a same-region
    replica that sets db_subnet_group_name names its source by ARN, and without kms_key_id RDS
    encrypts it with the source's key. Its region is its own ``region`` input (pulumi-aws 7)
    or its provider's."""
    same = dict(REPLICA, replicateSourceDb=PRIMARY_ARN, dbSubnetGroupName="db-subnets")
    assert run(hd.rds_encryption_at_rest_kms, RDS, dict(same, region="us-east-1")) == []
    by_provider = evaluate_policy(hd.rds_encryption_at_rest_kms,
                                  [res(RDS, "db", same, provider={"region": "us-east-1"})], {})
    assert by_provider == []
    elsewhere = evaluate_policy(hd.rds_encryption_at_rest_kms,
                                [res(RDS, "db", same, provider={"region": "eu-central-1"})], {})
    assert_violates(elsewhere, "in the replica's region")
    assert_violates(run(hd.rds_encryption_at_rest_kms, RDS, dict(same, region="eu-central-1")), "replica's region")


def test_a_replica_whose_source_is_unknown_cannot_be_judged_without_a_key():
    """Preview: a new primary's ARN is unknown, so whether the replica crosses regions (and
    needs a key of its own) is too: unverifiable, not compliant."""
    pending = dict(REPLICA, replicateSourceDb=UNKNOWN)
    diags = run(hd.rds_encryption_at_rest_kms, RDS, pending)
    assert [d.unverifiable for d in diags] == [True]
    assert "replicateSourceDb" in diags[0].message
    assert run(hd.rds_encryption_at_rest_kms, RDS, dict(pending, kmsKeyId=UNKNOWN)) == []


def test_computed_key_counts_as_set_and_aws_managed_key_can_be_allowed():
    assert run(hd.rds_encryption_at_rest_kms, RDS, variant(PRIMARY, "kmsKeyId", UNKNOWN)) == []
    no_key = variant(PRIMARY, "kmsKeyId", DELETE)
    assert run(hd.rds_encryption_at_rest_kms, RDS, no_key, requireCustomerManagedKey=False) == []


def test_performance_insights_off_needs_no_key():
    off = variant(variant(PRIMARY, "performanceInsightsEnabled", False), "performanceInsightsKmsKeyId", DELETE)
    assert run(hd.rds_performance_insights_kms, RDS, off) == []
    advanced = dict(off, databaseInsightsMode="advanced")
    assert_violates(run(hd.rds_performance_insights_kms, RDS, advanced), "performanceInsightsKmsKeyId")


def test_performance_insights_unknown_mode_is_unverifiable_when_it_decides():
    off = variant(variant(PRIMARY, "performanceInsightsEnabled", False), "performanceInsightsKmsKeyId", DELETE)
    diags = run(hd.rds_performance_insights_kms, RDS, dict(off, databaseInsightsMode=UNKNOWN))
    assert [d.unverifiable for d in diags] == [True]
    assert run(hd.rds_performance_insights_kms, RDS, dict(PRIMARY, databaseInsightsMode=UNKNOWN)) == []


# --------------------------------------------------------------------------------- ElastiCache

RG = {"description": "cache", "atRestEncryptionEnabled": True, "kmsKeyId": KEY, "snapshotRetentionLimit": 7}


def test_cache_baselines_pass():
    assert run(hd.elasticache_encryption_at_rest_kms, hd.CACHE_REPLICATION_GROUP, RG, "cache") == []
    assert run(hd.database_backups, hd.CACHE_REPLICATION_GROUP, RG, "cache", minCacheSnapshotRetentionDays=7) == []
    assert run(hd.elasticache_encryption_at_rest_kms, hd.CACHE_SERVERLESS, {"kmsKeyId": KEY}, "cache") == []


@pytest.mark.parametrize(
    "policy,path,value,expected,cfg",
    [
        (hd.elasticache_encryption_at_rest_kms, "atRestEncryptionEnabled", False, "atRestEncryptionEnabled is False", {}),
        (hd.elasticache_encryption_at_rest_kms, "kmsKeyId", DELETE, "kmsKeyId is not set", {}),
        (hd.database_backups, "snapshotRetentionLimit", 0, "snapshotRetentionLimit is 0", {}),
        (hd.database_backups, "snapshotRetentionLimit", 3, "at least 7 daily snapshots", {"minCacheSnapshotRetentionDays": 7}),
    ],
)
def test_cache_one_broken_field(policy, path, value, expected, cfg):
    assert_violates(run(policy, hd.CACHE_REPLICATION_GROUP, variant(RG, path, value), "cache", **cfg), expected,
                    "ReplicationGroup 'cache'")


# ------------------------------------------------------------------------------------- S3

BUCKET_TYPE = "aws:s3/bucket:Bucket"
SSE_TYPE = hd.BUCKET_SSE[0]
SSE = {"bucket": "webstack-backups", "rules": [
    {"applyServerSideEncryptionByDefault": {"sseAlgorithm": "aws:kms", "kmsMasterKeyId": KEY}, "bucketKeyEnabled": True}]}


def s3_stack(sse=SSE):
    out = [res(BUCKET_TYPE, "backups", {"bucket": "webstack-backups"}, {"bucket": "webstack-backups", "id": "webstack-backups"})]
    if sse is not None:
        out.append(res(SSE_TYPE, "backups-sse", sse))
    return out


def test_bucket_kms_baseline_passes():
    assert evaluate_policy(hd.s3_bucket_encryption_kms, s3_stack()) == []
    dsse = variant(SSE, "rules.0.applyServerSideEncryptionByDefault.sseAlgorithm", "aws:kms:dsse")
    assert evaluate_policy(hd.s3_bucket_encryption_kms, s3_stack(dsse)) == []


@pytest.mark.parametrize(
    "sse,expected",
    [
        (None, "has no server-side encryption configuration"),
        (variant(SSE, "rules.0.applyServerSideEncryptionByDefault.sseAlgorithm", "AES256"), "does not default to SSE-KMS"),
        (variant(SSE, "rules.0.applyServerSideEncryptionByDefault.kmsMasterKeyId", DELETE), "AWS managed aws/s3 key"),
        (variant(SSE, "bucket", "another-bucket"), "has no server-side encryption configuration"),
    ],
)
def test_bucket_kms_one_broken_field(sse, expected):
    diags = evaluate_policy(hd.s3_bucket_encryption_kms, s3_stack(sse))
    assert_violates(diags, expected, "Bucket 'backups'")
    assert diags[0].urn == urn_for(BUCKET_TYPE, "backups")


def test_a_bucket_own_encryption_argument_counts_when_no_configuration_resource_is_attached():
    """pulumi-aws 7 still takes default encryption as the bucket's own (deprecated)
    ``serverSideEncryptionConfiguration.rule`` (pulumi_aws/s3/bucket.py, _inputs.py)."""
    rule = {"applyServerSideEncryptionByDefault": {"sseAlgorithm": "aws:kms", "kmsMasterKeyId": KEY},
            "bucketKeyEnabled": True}
    own = {"bucket": "webstack-backups", "id": "webstack-backups", "serverSideEncryptionConfiguration": {"rule": rule}}
    assert evaluate_policy(hd.s3_bucket_encryption_kms, [res(BUCKET_TYPE, "backups", own, own)]) == []
    s3_default = variant(own, "serverSideEncryptionConfiguration.rule.applyServerSideEncryptionByDefault",
                         {"sseAlgorithm": "AES256"})
    assert_violates(evaluate_policy(hd.s3_bucket_encryption_kms, [res(BUCKET_TYPE, "backups", s3_default, s3_default)]),
                    "does not default to SSE-KMS")
    pending = dict(own, serverSideEncryptionConfiguration=UNKNOWN)
    diags = evaluate_policy(hd.s3_bucket_encryption_kms, [res(BUCKET_TYPE, "backups", pending, pending)])
    assert [d.unverifiable for d in diags] == [True]


# ------------------------------------------------------------------------------------ SNS


def test_topic_kms():
    assert run(hd.sns_topic_kms, hd.TOPIC, {"kmsMasterKeyId": KEY}, "critical") == []
    assert_violates(run(hd.sns_topic_kms, hd.TOPIC, {}, "critical"), "kmsMasterKeyId is not set", "Topic 'critical'")
    assert_violates(run(hd.sns_topic_kms, hd.TOPIC, {"kmsMasterKeyId": "alias/aws/sns"}, "critical"),
                    "cannot publish to topics under the AWS managed key")



def test_topic_kms_aws_managed_key_by_alias_arn():
    """SNS takes KmsMasterKeyId as a key id, key ARN, alias name or alias ARN (SNS API,
    SetTopicAttributes): the AWS managed key named by its alias ARN is the same key."""
    arn = "arn:aws:kms:eu-west-1:123456789012:alias/aws/sns"
    assert_violates(run(hd.sns_topic_kms, hd.TOPIC, {"kmsMasterKeyId": arn}, "critical"),
                    "cannot publish to topics under the AWS managed key")
    assert run(hd.sns_topic_kms, hd.TOPIC, {"kmsMasterKeyId": "alias/webstack-prod-sns"}, "critical") == []


# ------------------------------------------------------------------------------ CloudFront

DIST = {"webAclId": "arn:aws:wafv2:us-east-1:123456789012:global/webacl/cdn/abc",
        "loggingConfig": {"bucket": "logs.s3.amazonaws.com", "prefix": "cdn/"}}


def test_waf():
    assert run(hd.cloudfront_waf, hd.DISTRIBUTION, DIST, "cdn") == []
    assert run(hd.cloudfront_waf, hd.DISTRIBUTION, variant(DIST, "webAclId", UNKNOWN), "cdn") == []
    assert_violates(run(hd.cloudfront_waf, hd.DISTRIBUTION, variant(DIST, "webAclId", DELETE), "cdn"),
                    "webAclId is not set", "Distribution 'cdn'")


def test_access_logging_standard_and_v2():
    dist_out = dict(DIST, arn="arn:aws:cloudfront::123456789012:distribution/E1")
    assert evaluate_policy(hd.cloudfront_access_logging, [res(hd.DISTRIBUTION, "cdn", DIST, dist_out)]) == []
    no_logs = variant(dist_out, "loggingConfig", DELETE)
    diags = evaluate_policy(hd.cloudfront_access_logging, [res(hd.DISTRIBUTION, "cdn", no_logs, no_logs)])
    assert_violates(diags, "access logging is off", "Distribution 'cdn'")
    source = {"name": "cdn-access", "logType": "ACCESS_LOGS", "resourceArn": dist_out["arn"]}
    v2 = [res(hd.DISTRIBUTION, "cdn", no_logs, no_logs), res(hd.LOG_DELIVERY_SOURCE, "cdn-logs", source)]
    assert evaluate_policy(hd.cloudfront_access_logging, v2) == []
    wrong_type = [v2[0], res(hd.LOG_DELIVERY_SOURCE, "cdn-logs", dict(source, logType="CONNECTION_LOGS"))]
    assert_violates(evaluate_policy(hd.cloudfront_access_logging, wrong_type), "access logging is off")


# ------------------------------------------------------------------------- Kubernetes pods

DEPLOYMENT = {
    "metadata": {"name": "app"},
    "spec": {"template": {"spec": {
        "securityContext": {"runAsNonRoot": True, "runAsUser": 10001},
        "containers": [{
            "name": "app", "image": "ghcr.io/example/app@sha256:" + "ab" * 32,
            "securityContext": {"allowPrivilegeEscalation": False, "privileged": False,
                                "capabilities": {"drop": ["ALL"]}},
            "resources": {"requests": {"cpu": "250m", "memory": "512Mi"}, "limits": {"cpu": "1", "memory": "1Gi"}},
        }],
    }}},
}
C0 = "spec.template.spec.containers.0"


def pods(inputs, type_="kubernetes:apps/v1:Deployment"):
    return evaluate_policy(hd.kubernetes_pod_security, [res(type_, "app", inputs)])


def test_pod_security_baseline_passes():
    assert pods(DEPLOYMENT) == []
    container_level = variant(variant(DEPLOYMENT, "spec.template.spec.securityContext", DELETE),
                              f"{C0}.securityContext.runAsNonRoot", True)
    assert pods(container_level) == []


@pytest.mark.parametrize(
    "path,value,expected",
    [
        ("spec.template.spec.securityContext.runAsNonRoot", False, "may run as root"),
        ("spec.template.spec.securityContext", DELETE, "may run as root"),
        (f"{C0}.securityContext.runAsNonRoot", False, "may run as root"),
        (f"{C0}.securityContext.privileged", True, "privileged is True"),
        (f"{C0}.securityContext.allowPrivilegeEscalation", True, "allowPrivilegeEscalation is True"),
        (f"{C0}.securityContext", DELETE, "allowPrivilegeEscalation is None"),
        (f"{C0}.resources.limits.memory", DELETE, "no resources.limits for memory"),
        (f"{C0}.resources.limits", DELETE, "no resources.limits for cpu, memory"),
        ("spec.template.spec.hostNetwork", True, "hostNetwork is True"),
        ("spec.template.spec.hostPID", True, "hostPID is True"),
        ("spec.template.spec.hostIPC", True, "hostIPC is True"),
    ],
)
def test_pod_security_one_broken_field(path, value, expected):
    diags = pods(variant(DEPLOYMENT, path, value))
    assert_violates(diags, expected, "Deployment 'app'")
    if "containers" in path:
        assert any("containers[app]" in d.message for d in diags)


@pytest.mark.parametrize(
    "path",
    [
        f"{C0}.securityContext",
        f"{C0}.securityContext.allowPrivilegeEscalation",
        f"{C0}.securityContext.privileged",
        f"{C0}.resources.limits",
        "spec.template.spec.hostNetwork",
        "spec.template.spec.securityContext.runAsNonRoot",
    ],
)
def test_pod_security_unknown_value_is_unverifiable_not_compliant(path):
    """Preview: a field computed from another resource could be anything; it is reported as
    unverifiable (then judged on pulumi up), never passed silently. (A computed limit is a
    limit: presence checks count a computed value as set.)"""
    diags = pods(variant(DEPLOYMENT, path, UNKNOWN))
    assert violations(diags) == []
    assert [d.unverifiable for d in diags] == [True], diags
    assert pods(variant(DEPLOYMENT, f"{C0}.resources.limits.cpu", UNKNOWN)) == []


def test_pod_security_an_unknown_pod_default_a_container_overrides_is_not_needed():
    own = variant(variant(DEPLOYMENT, "spec.template.spec.securityContext.runAsNonRoot", UNKNOWN),
                  f"{C0}.securityContext.runAsNonRoot", True)
    assert pods(own) == []


def test_pod_security_covers_other_workloads_and_init_containers():
    cron = {"spec": {"jobTemplate": {"spec": {"template": {"spec": copy.deepcopy(DEPLOYMENT["spec"]["template"]["spec"])}}}}}
    assert pods(cron, "kubernetes:batch/v1:CronJob") == []
    init = copy.deepcopy(DEPLOYMENT)
    init["spec"]["template"]["spec"]["initContainers"] = [{"name": "migrate", "securityContext": {"privileged": True}}]
    diags = pods(init)
    assert any("initContainers[migrate].securityContext.privileged" in d.message for d in diags)
    assert any("initContainers[migrate] has no resources.limits" in d.message for d in diags)


def test_access_log_destination_bucket_may_use_sse_s3_only():
    """S3 server access logs are delivered only to SSE-S3 buckets; such a bucket still needs encryption."""
    aes = variant(SSE, "rules.0.applyServerSideEncryptionByDefault", {"sseAlgorithm": "AES256"})
    logging = res(hd.BUCKET_LOGGING[0], "data-logging",
                  {"bucket": "webstack-data", "targetBucket": "webstack-backups", "targetPrefix": "s3-access/"})
    assert evaluate_policy(hd.s3_bucket_encryption_kms, s3_stack(aes) + [logging]) == []
    assert_violates(evaluate_policy(hd.s3_bucket_encryption_kms, s3_stack(aes)), "does not default to SSE-KMS")
    assert_violates(evaluate_policy(hd.s3_bucket_encryption_kms, s3_stack(None) + [logging]),
                    "has no server-side encryption configuration")
    strict = evaluate_policy(hd.s3_bucket_encryption_kms, s3_stack(aes) + [logging],
                             {"allowSseS3ForAccessLogBuckets": False})
    assert_violates(strict, "does not default to SSE-KMS")


def test_a_load_balancers_access_log_bucket_may_use_sse_s3_only():
    """Elastic Load Balancing delivers access logs only to SSE-S3 buckets, like S3 server access logs."""
    aes = variant(SSE, "rules.0.applyServerSideEncryptionByDefault", {"sseAlgorithm": "AES256"})
    balancer = res(hd.LOAD_BALANCERS[0], "alb", {"accessLogs": {"bucket": "webstack-backups", "enabled": True}})
    assert evaluate_policy(hd.s3_bucket_encryption_kms, s3_stack(aes) + [balancer]) == []
    elsewhere = res(hd.LOAD_BALANCERS[0], "alb", {"accessLogs": {"bucket": "another-bucket", "enabled": True}})
    assert_violates(evaluate_policy(hd.s3_bucket_encryption_kms, s3_stack(aes) + [elsewhere]),
                    "does not default to SSE-KMS")
# ------------------------------------------------------------ vercel-preview-data-access

ENV_TYPE = hd.VERCEL_ENV_VARIABLE
ENV = {"projectId": "prj_abc", "key": "DATABASE_HOST", "value": "db.example", "targets": ["production"],
       "sensitive": True}
SUB = "oidc.vercel.com/example:sub"


def trust(subjects):
    import json
    return {"assumeRolePolicy": json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Action": "sts:AssumeRoleWithWebIdentity",
        "Principal": {"Federated": "arn:aws:iam::123456789012:oidc-provider/oidc.vercel.com/example"},
        "Condition": {"StringEquals": {"oidc.vercel.com/example:aud": "https://vercel.com/example"},
                      **({"StringLike": {SUB: subjects}} if subjects is not None else {})}}]})}


def preview(type_, inputs):
    return evaluate_policy(hd.vercel_preview_data_access, [res(type_, "app", inputs)])


def test_production_only_data_access_passes():
    assert preview(ENV_TYPE, ENV) == []
    assert preview(ENV_TYPE, dict(ENV, key="NEXT_PUBLIC_SITE", targets=["production", "preview"])) == []
    assert preview(hd.IAM_ROLE, trust("owner:example:project:shop:environment:production")) == []
    assert preview(hd.IAM_ROLE, trust(["owner:example:project:shop:environment:production"])) == []


@pytest.mark.parametrize(
    "type_, inputs, expected",
    [
        (ENV_TYPE, dict(ENV, targets=["production", "preview"]), "key DATABASE_HOST (data-tier access) reaches preview"),
        (ENV_TYPE, dict(ENV, key="REDIS_AUTH_SECRET_ARN", targets=["development"]), "reaches development"),
        (ENV_TYPE, dict(ENV, key="AWS_ROLE_ARN", targets=[], customEnvironmentIds=["env_1"]),
         "reaches custom environments"),
        (hd.VERCEL_ENV_VARIABLES, {"projectId": "prj_abc", "variables": [ENV, dict(ENV, targets=["preview"])]},
         "variables.1.key DATABASE_HOST"),
        (hd.IAM_ROLE, trust(["owner:example:project:shop:environment:production",
                             "owner:example:project:shop:environment:preview"]), "environment:preview'"),
        (hd.IAM_ROLE, trust("owner:example:project:shop:environment:*"), "environment:*'"),
        (hd.IAM_ROLE, trust(None), "no sub condition"),
    ],
)
def test_non_production_data_access_is_flagged(type_, inputs, expected):
    assert_violates(preview(type_, inputs), expected)


def test_other_roles_are_not_judged():
    import json
    ecs = {"assumeRolePolicy": json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"}, "Action": "sts:AssumeRole"}]})}
    assert preview(hd.IAM_ROLE, ecs) == []


# ------------------------------------------------------------ workload-placeholder-image

REAL = "ghcr.io/x/shop@sha256:" + "ab" * 32


def images(inputs):
    return evaluate_policy(hd.workload_placeholder_image, [res("kubernetes:apps/v1:Deployment", "app", inputs)])


def test_a_real_image_passes_and_the_placeholder_does_not():
    assert images(DEPLOYMENT) == []
    assert_violates(images(variant(DEPLOYMENT, f"{C0}.image", hd.PLACEHOLDER_IMAGES[0])), "is the placeholder")
    assert_violates(images(variant(DEPLOYMENT, f"{C0}.image", "ghcr.io/x/y@sha256:" + "0" * 64)),
                    "is the placeholder")  # any all-zero digest
    init = variant(variant(DEPLOYMENT, f"{C0}.image", REAL), "spec.template.spec.initContainers",
                   [{"name": "migrate", "image": hd.PLACEHOLDER_IMAGES[0]}])
    assert_violates(images(init), "initContainers.0.image")


def test_the_pack_knows_the_stacks_placeholder_image():
    from infra.presets import PLACEHOLDER_IMAGE
    assert PLACEHOLDER_IMAGE in hd.PLACEHOLDER_IMAGES
