"""TLS policies: a compliant baseline, then one field broken per case (all mandatory)."""

from __future__ import annotations

import json

import pytest
from pulumi_policy import EnforcementLevel

from pulumi_webstack_policies import transport_security as ts
from pulumi_webstack_policies.runner import ResourceState, evaluate_policy, urn_for
from pulumi_webstack_policies.values import UNKNOWN
from tests.helpers import DELETE, mandatory, res, variant



def assert_violates(diags, expected, who=None):
    assert mandatory(diags), "expected a mandatory violation"
    assert any(expected in d.message for d in diags), [d.message for d in diags]
    if who:
        assert all(who in d.message for d in mandatory(diags)), [d.message for d in diags]


# ---------------------------------------------------------------------- cloudfront-viewer-tls

DIST_TYPE = ts.DISTRIBUTION
CERT = "arn:aws:acm:us-east-1:123456789012:certificate/0e9d0c8e-1111-2222-3333-444455556666"
DIST = {
    "enabled": True,
    "aliases": ["shop.example.com"],
    "origins": [
        {"originId": "app", "domainName": "app.vercel.app",
         "customOriginConfig": {"httpPort": 80, "httpsPort": 443, "originProtocolPolicy": "https-only",
                                "originSslProtocols": ["TLSv1.2"]}},
        {"originId": "assets", "domainName": "assets.s3.us-east-1.amazonaws.com",
         "originAccessControlId": "E2OAC", "s3OriginConfig": {"originAccessIdentity": ""}},
    ],
    "defaultCacheBehavior": {"targetOriginId": "app", "viewerProtocolPolicy": "redirect-to-https"},
    "orderedCacheBehaviors": [{"pathPattern": "/api/*", "targetOriginId": "app", "viewerProtocolPolicy": "https-only"}],
    "viewerCertificate": {"acmCertificateArn": CERT, "sslSupportMethod": "sni-only",
                          "minimumProtocolVersion": "TLSv1.2_2021", "cloudfrontDefaultCertificate": False},
}


def viewer(inputs, **cfg):
    return evaluate_policy(ts.cloudfront_viewer_tls, [res(DIST_TYPE, "cdn", inputs)], cfg)


def test_viewer_baseline_passes():
    assert viewer(DIST) == []


@pytest.mark.parametrize(
    "path,value,expected",
    [
        ("defaultCacheBehavior.viewerProtocolPolicy", "allow-all", "defaultCacheBehavior.viewerProtocolPolicy is 'allow-all'"),
        ("orderedCacheBehaviors.0.viewerProtocolPolicy", "allow-all", "orderedCacheBehaviors.0.viewerProtocolPolicy"),
        ("viewerCertificate.minimumProtocolVersion", "TLSv1.2_2019", "minimumProtocolVersion is 'TLSv1.2_2019'"),
        ("viewerCertificate.minimumProtocolVersion", "TLSv1", "minimumProtocolVersion is 'TLSv1'"),
        ("viewerCertificate.minimumProtocolVersion", DELETE, "minimumProtocolVersion is None"),
        ("viewerCertificate.cloudfrontDefaultCertificate", True, "default *.cloudfront.net certificate"),
        ("viewerCertificate.acmCertificateArn", DELETE, "default *.cloudfront.net certificate"),
    ],
)
def test_viewer_one_broken_field(path, value, expected):
    assert_violates(viewer(variant(DIST, path, value)), expected, "Distribution 'cdn'")


def test_viewer_tls13_policy_accepted_and_list_configurable():
    tls13 = variant(DIST, "viewerCertificate.minimumProtocolVersion", "TLSv1.3_2025")
    assert viewer(tls13) == []
    assert mandatory(viewer(DIST, allowedMinimumProtocolVersions=["TLSv1.3_2025"]))


@pytest.mark.parametrize("version", ["TLSv1.2_2027", "TLSv1.3_2026"])
def test_viewer_a_newer_revision_of_an_allowed_policy_is_accepted(version):
    """CloudFront publishes security policies as dated revisions (TLSv1.2_2018, _2019, _2021,
    _2025; TLSv1.3_2025): a revision newer than a listed one must not block a stack."""
    assert viewer(variant(DIST, "viewerCertificate.minimumProtocolVersion", version)) == []


def test_viewer_newer_revisions_only_of_listed_families():
    strict = variant(DIST, "viewerCertificate.minimumProtocolVersion", "TLSv1.2_2027")
    assert mandatory(viewer(strict, allowedMinimumProtocolVersions=["TLSv1.3_2025"]))
    older = variant(DIST, "viewerCertificate.minimumProtocolVersion", "TLSv1.2_2020")
    assert mandatory(viewer(older))


def test_viewer_computed_certificate_arn_counts_as_custom_certificate():
    """Preview: the ACM certificate is created in the same update, so its ARN is unknown."""
    assert viewer(variant(DIST, "viewerCertificate.acmCertificateArn", UNKNOWN)) == []


PENDING = variant(variant(DIST, "aliases", []), "viewerCertificate",
                  {"cloudfrontDefaultCertificate": True, "minimumProtocolVersion": "TLSv1"})
"""A first deploy without a hosted zone: the default domain until the certificate is issued."""


def test_a_distribution_on_its_default_domain_only_passes_tls_but_is_reported_advisory():
    assert viewer(PENDING) == []
    diags = evaluate_policy(ts.cloudfront_custom_domain, [res(DIST_TYPE, "cdn", PENDING)])
    assert len(diags) == 1 and diags[0].level == EnforcementLevel.ADVISORY
    assert "serves only its *.cloudfront.net name" in diags[0].message
    assert evaluate_policy(ts.cloudfront_custom_domain, [res(DIST_TYPE, "cdn", DIST)]) == []
    # The default certificate with the site's domain on it is still refused.
    assert_violates(viewer(variant(PENDING, "aliases", ["shop.example.com"])), "default *.cloudfront.net")


def test_viewer_behavior_unknown_during_preview_is_unverifiable_not_compliant():
    diags = viewer(variant(DIST, "orderedCacheBehaviors.0", UNKNOWN))
    assert not mandatory(diags) and [d.unverifiable for d in diags] == [True]


# ---------------------------------------------------------------------- cloudfront-origin-tls


def origin(inputs, type_=DIST_TYPE, **cfg):
    return evaluate_policy(ts.cloudfront_origin_tls, [res(type_, "cdn", inputs)], cfg)


def test_origin_baseline_passes():
    assert origin(DIST) == []


@pytest.mark.parametrize(
    "path,value,expected",
    [
        ("origins.0.customOriginConfig.originProtocolPolicy", "http-only", "originProtocolPolicy is 'http-only'"),
        ("origins.0.customOriginConfig.originProtocolPolicy", "match-viewer", "originProtocolPolicy is 'match-viewer'"),
        ("origins.0.customOriginConfig.originSslProtocols", ["TLSv1.1", "TLSv1.2"], "originSslProtocols is ['TLSv1.1', 'TLSv1.2']"),
        ("origins.0.customOriginConfig.originSslProtocols", ["TLSv1"], "allow only ['TLSv1.2']"),
        ("origins.1.originAccessControlId", DELETE, None),
    ],
)
def test_origin_one_broken_field(path, value, expected):
    broken = variant(DIST, path, value)
    if expected is None:  # the S3 origin still has s3OriginConfig: fine; remove that too to break it
        assert origin(broken) == []
        broken = variant(broken, "origins.1.s3OriginConfig", DELETE)
        expected = "origins.1 ('assets') has no customOriginConfig"
    assert_violates(origin(broken), expected, "Distribution 'cdn'")


def test_origin_unknown_protocol_in_the_list_is_unverifiable_not_compliant():
    diags = origin(variant(DIST, "origins.0.customOriginConfig.originSslProtocols", ["TLSv1.2", UNKNOWN]))
    assert not mandatory(diags) and [d.unverifiable for d in diags] == [True]
    weak = origin(variant(DIST, "origins.0.customOriginConfig.originSslProtocols", ["TLSv1", UNKNOWN]))
    assert mandatory(weak)  # what is known already fails


def test_origin_message_names_the_origin():
    diags = origin(variant(DIST, "origins.0.customOriginConfig.originProtocolPolicy", "http-only"))
    assert "origins.0 ('app').customOriginConfig" in diags[0].message


VPC_ORIGIN = {"vpcOriginEndpointConfig": {"name": "alb", "arn": "arn:aws:elasticloadbalancing:...", "httpPort": 80,
                                          "httpsPort": 443, "originProtocolPolicy": "https-only",
                                          "originSslProtocols": {"items": ["TLSv1.2"], "quantity": 1}}}


def test_vpc_origin_baseline_and_broken():
    assert origin(VPC_ORIGIN, ts.VPC_ORIGIN) == []
    broken = variant(VPC_ORIGIN, "vpcOriginEndpointConfig.originProtocolPolicy", "http-only")
    assert_violates(origin(broken, ts.VPC_ORIGIN), "vpcOriginEndpointConfig.originProtocolPolicy", "VpcOrigin 'cdn'")
    broken = variant(VPC_ORIGIN, "vpcOriginEndpointConfig.originSslProtocols.items", ["TLSv1.1"])
    assert_violates(origin(broken, ts.VPC_ORIGIN), "originSslProtocols")


# ---------------------------------------------------------------------------- lb-listener-tls

LISTENER_TYPE = "aws:lb/listener:Listener"
HTTPS = {"loadBalancerArn": "arn:lb", "port": 443, "protocol": "HTTPS",
         "sslPolicy": "ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09", "certificateArn": "arn:cert",
         "defaultActions": [{"type": "forward", "targetGroupArn": "arn:tg"}]}
HTTP = {"loadBalancerArn": "arn:lb", "port": 80, "protocol": "HTTP",
        "defaultActions": [{"type": "redirect", "redirect": {"protocol": "HTTPS", "port": "443", "statusCode": "HTTP_301"}}]}


def listener(inputs, type_=LISTENER_TYPE, **cfg):
    return evaluate_policy(ts.lb_listener_tls, [res(type_, "web", inputs)], cfg)


def test_listener_baselines_pass():
    assert listener(HTTPS) == []
    assert listener(HTTP) == []
    assert listener(variant(HTTP, "defaultActions.0", {"type": "fixed-response"})) == []
    assert listener(HTTPS, "aws:alb/listener:Listener") == []


@pytest.mark.parametrize(
    "base,path,value,expected",
    [
        (HTTPS, "sslPolicy", "ELBSecurityPolicy-2016-08", "sslPolicy is 'ELBSecurityPolicy-2016-08'"),
        (HTTPS, "sslPolicy", "ELBSecurityPolicy-TLS13-1-2-Ext2-2021-06", "sslPolicy is"),
        (HTTPS, "sslPolicy", DELETE, "sslPolicy is None"),
        (HTTPS, "protocol", "TCP", "protocol 'TCP' carries plaintext traffic"),
        (HTTP, "defaultActions.0", {"type": "forward", "targetGroupArn": "arn:tg"}, "plaintext HTTP listener forwards"),
        (HTTP, "defaultActions.0.redirect.protocol", "HTTP", "redirect to protocol 'HTTPS'"),
        (HTTP, "protocol", DELETE, "plaintext HTTP listener forwards"),
    ],
)
def test_listener_one_broken_field(base, path, value, expected):
    broken = variant(base, path, value)
    if path == "protocol" and value is DELETE:  # no protocol: HTTP, the ALB default
        broken["defaultActions"] = [{"type": "forward", "targetGroupArn": "arn:tg"}]
    assert_violates(listener(broken), expected, "Listener 'web'")


@pytest.mark.parametrize("policy", ["ELBSecurityPolicy-TLS13-1-2-Res-PQ-2026-03",
                                    "ELBSecurityPolicy-TLS13-1-3-FIPS-2027-01"])
def test_listener_a_newer_revision_of_an_allowed_policy_is_accepted(policy):
    assert listener(variant(HTTPS, "sslPolicy", policy)) == []


@pytest.mark.parametrize("policy", ["ELBSecurityPolicy-TLS13-1-2-Ext2-2027-01", "ELBSecurityPolicy-2027-01",
                                    "ELBSecurityPolicy-TLS13-1-2-Res-PQ-2024-01"])
def test_listener_newer_revisions_only_of_listed_families(policy):
    assert mandatory(listener(variant(HTTPS, "sslPolicy", policy)))


def test_listener_policy_list_configurable():
    assert mandatory(listener(HTTPS, allowedSslPolicies=["ELBSecurityPolicy-TLS13-1-3-2021-06"]))


# ---------------------------------------------------------------------------------- RDS

PG_TYPE = "aws:rds/parameterGroup:ParameterGroup"
CPG_TYPE = "aws:rds/clusterParameterGroup:ClusterParameterGroup"
PG = {"name": "db-pg14", "family": "postgres14",
      "parameters": [{"name": "rds.force_ssl", "value": "1"}, {"name": "log_min_duration_statement", "value": "500"}]}


def pg(inputs, type_=PG_TYPE):
    return evaluate_policy(ts.rds_parameter_group_force_ssl, [res(type_, "db-params", inputs)])


def test_parameter_group_baseline_passes():
    assert pg(PG) == []
    assert pg(PG, CPG_TYPE) == []
    mysql = {"family": "mysql8.0", "parameters": [{"name": "require_secure_transport", "value": "ON"}]}
    assert pg(mysql) == []
    assert pg({"family": "redis7", "parameters": []}) == []  # not an engine with a TLS parameter


@pytest.mark.parametrize(
    "path,value,expected",
    [
        ("parameters.0.value", "0", "rds.force_ssl = '0' allows unencrypted connections"),
        ("parameters.0", {"name": "rds.force_ssl", "value": 0}, "rds.force_ssl = 0"),
        ("parameters", [{"name": "log_min_duration_statement", "value": "500"}], "does not set rds.force_ssl"),
        ("parameters", DELETE, "does not set rds.force_ssl"),
    ],
)
def test_parameter_group_one_broken_field(path, value, expected):
    assert_violates(pg(variant(PG, path, value)), expected, "ParameterGroup 'db-params'")


@pytest.mark.parametrize("family", ["postgres15", "postgres16", "postgres17"])
def test_postgres_15_and_later_force_tls_unless_turned_off(family):
    """RDS for PostgreSQL 15 and later default rds.force_ssl to 1 (AWS, 'Updating applications
    to connect to PostgreSQL DB instances using new SSL/TLS certificates'): a group of such a
    family that leaves it out forces TLS; only an explicit 0 turns it off."""
    assert pg({"family": family, "parameters": [{"name": "log_min_duration_statement", "value": "500"}]}) == []
    assert pg({"family": family}) == []
    assert_violates(pg({"family": family, "parameters": [{"name": "rds.force_ssl", "value": "0"}]}),
                    "rds.force_ssl = '0'")


def test_mysql_parameter_group_off_fails():
    assert_violates(pg({"family": "mysql8.0", "parameters": [{"name": "require_secure_transport", "value": "OFF"}]}),
                    "require_secure_transport = 'OFF'")


INSTANCE_TYPE = "aws:rds/instance:Instance"
PRIMARY = {"engine": "postgres", "engineVersion": "14.12", "instanceClass": "db.r7g.large",
           "parameterGroupName": "db-pg14"}
REPLICA = {"replicateSourceDb": "db-primary", "instanceClass": "db.r7g.large", "parameterGroupName": "db-pg14"}


def rds_stack(primary=PRIMARY, replica=REPLICA, group=PG, **replica_kw):
    return [
        res(PG_TYPE, "db-params", group, dict(group, id=group.get("name"))),
        res(INSTANCE_TYPE, "db-primary", primary),
        res(INSTANCE_TYPE, "db-replica-0", replica, **replica_kw),
    ]


def rds_link(resources):
    return evaluate_policy(ts.rds_uses_force_ssl_parameter_group, resources)


def test_rds_instances_use_stack_group_baseline():
    assert rds_link(rds_stack()) == []


@pytest.mark.parametrize(
    "which,path,value,expected",
    [
        ("replica", "parameterGroupName", DELETE, "Instance 'db-replica-0': parameterGroupName is not set"),
        ("primary", "parameterGroupName", DELETE, "Instance 'db-primary': parameterGroupName is not set"),
        ("primary", "parameterGroupName", "default.postgres14", "'default.postgres14' is not a parameter group of this stack"),
        ("group", "parameters.0.value", "0", "where rds.force_ssl is '0'"),
    ],
)
def test_rds_link_one_broken_field(which, path, value, expected):
    kwargs = {"primary": PRIMARY, "replica": REPLICA, "group": PG}
    kwargs[which] = variant(kwargs[which], path, value)
    diags = rds_link(rds_stack(**kwargs))
    assert_violates(diags, expected)
    assert all(d.urn and "Instance" in d.urn for d in mandatory(diags))


def test_postgres_15_and_later_instances_may_use_the_default_group():
    """The default group of PostgreSQL 15 and later has rds.force_ssl = 1."""
    pg17 = dict(PRIMARY, engineVersion="17.2")
    group17 = dict(PG, name="db-pg17", family="postgres17", parameters=[])
    for primary in (variant(pg17, "parameterGroupName", DELETE), dict(pg17, parameterGroupName="default.postgres17")):
        assert rds_link(rds_stack(primary=primary, replica=dict(REPLICA, parameterGroupName="db-pg17"),
                                  group=group17)) == []
    # A version before 15, or none given, still needs the stack's group.
    for version in ("14.12", DELETE):
        assert_violates(rds_link(rds_stack(primary=variant(variant(pg17, "engineVersion", version),
                                                           "parameterGroupName", DELETE))),
                        "Instance 'db-primary': parameterGroupName is not set")


def test_rds_link_resolves_unknown_group_name_by_property_dependency():
    group_urn = urn_for(PG_TYPE, "db-params")
    unknown = variant(REPLICA, "parameterGroupName", UNKNOWN)
    linked = rds_stack(replica=unknown, property_dependencies={"parameterGroupName": [group_urn]})
    assert rds_link(linked) == []
    diags = rds_link(rds_stack(replica=unknown))
    assert not mandatory(diags) and [d.unverifiable for d in diags] == [True]


def test_rds_proxy_requires_tls():
    ok = {"engineFamily": "POSTGRESQL", "requireTls": True}
    assert evaluate_policy(ts.rds_proxy_require_tls, [res(ts.RDS_PROXY, "db-proxy", ok)]) == []
    for broken in (variant(ok, "requireTls", False), variant(ok, "requireTls", DELETE)):
        diags = evaluate_policy(ts.rds_proxy_require_tls, [res(ts.RDS_PROXY, "db-proxy", broken)])
        assert_violates(diags, "set require_tls=True", "Proxy 'db-proxy'")


# ------------------------------------------------------------------------------- ElastiCache

RG = {"description": "cache", "engine": "redis", "transitEncryptionEnabled": True, "transitEncryptionMode": "required"}


def cache(inputs, type_=ts.CACHE_REPLICATION_GROUP):
    return evaluate_policy(ts.elasticache_transit_encryption, [res(type_, "cache", inputs)])


def test_cache_baseline_passes():
    assert cache(RG) == []
    assert cache(variant(RG, "transitEncryptionMode", DELETE)) == []  # AWS default when enabled: required
    assert cache({"replicationGroupId": "cache-rg"}, ts.CACHE_CLUSTER) == []  # member of a group


@pytest.mark.parametrize(
    "path,value,expected",
    [
        ("transitEncryptionEnabled", False, "transitEncryptionEnabled is False"),
        ("transitEncryptionEnabled", DELETE, "transitEncryptionEnabled is None"),
        ("transitEncryptionMode", "preferred", "transitEncryptionMode is 'preferred'"),
    ],
)
def test_cache_one_broken_field(path, value, expected):
    assert_violates(cache(variant(RG, path, value)), expected, "ReplicationGroup 'cache'")


def test_standalone_cache_cluster_needs_transit_encryption():
    assert_violates(cache({"engine": "memcached", "nodeType": "cache.t4g.micro"}, ts.CACHE_CLUSTER),
                    "transitEncryptionEnabled is None", "Cluster 'cache'")


# ------------------------------------------------------------------------- s3-bucket-tls-only

BUCKET_TYPE = "aws:s3/bucket:Bucket"
BUCKET_OUT = {"bucket": "webstack-backups", "id": "webstack-backups", "arn": "arn:aws:s3:::webstack-backups"}


def tls_statement(**overrides):
    st = {"Sid": "DenyInsecureTransport", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
          "Resource": ["arn:aws:s3:::webstack-backups", "arn:aws:s3:::webstack-backups/*"],
          "Condition": {"Bool": {"aws:SecureTransport": "false"}}}
    st.update(overrides)
    return st


def bucket_stack(statement=None, policy_bucket="webstack-backups", with_policy=True, **policy_kw):
    doc = json.dumps({"Version": "2012-10-17", "Statement": [statement or tls_statement()]})
    out = [res(BUCKET_TYPE, "backups", {"bucket": "webstack-backups"}, BUCKET_OUT)]
    if with_policy:
        inputs = {"bucket": policy_bucket, "policy": doc}
        out.append(res(ts.BUCKET_POLICY, "backups-policy", inputs, dict(inputs, id=policy_bucket), **policy_kw))
    return out


def buckets(resources):
    return evaluate_policy(ts.s3_bucket_tls_only, resources)


def test_bucket_baseline_passes():
    assert buckets(bucket_stack()) == []
    aws_principal = tls_statement(Principal={"AWS": "*"}, Condition={"Bool": {"aws:SecureTransport": False}})
    assert buckets(bucket_stack(aws_principal)) == []


@pytest.mark.parametrize(
    "statement,expected",
    [
        (tls_statement(Effect="Allow"), "without a TLS-only statement"),
        (tls_statement(Condition={"Bool": {"aws:SecureTransport": "true"}}), "without a TLS-only statement"),
        (tls_statement(Condition={"StringEquals": {"aws:SecureTransport": "false"}}), "without a TLS-only statement"),
        (tls_statement(Principal={"AWS": "arn:aws:iam::123456789012:root"}), "without a TLS-only statement"),
        (tls_statement(Action="s3:GetObject"), "without a TLS-only statement"),
    ],
)
def test_bucket_policy_one_broken_field(statement, expected):
    assert_violates(buckets(bucket_stack(statement)), expected, "Bucket 'backups'")


def test_bucket_without_any_policy_is_caught_at_stack_level():
    diags = buckets(bucket_stack(with_policy=False))
    assert_violates(diags, "has no bucket policy")
    assert diags[0].urn == urn_for(BUCKET_TYPE, "backups")


def test_a_bucket_own_policy_argument_counts():
    """pulumi-aws 7 still takes a bucket's policy as its own (deprecated) ``policy`` argument
    (pulumi_aws/s3/bucket.py): a TLS-only statement there is as good as a BucketPolicy's."""
    doc = json.dumps({"Version": "2012-10-17", "Statement": [tls_statement()]})
    inline = [res(BUCKET_TYPE, "backups", {"bucket": "webstack-backups", "policy": doc}, dict(BUCKET_OUT, policy=doc))]
    assert buckets(inline) == []
    weak = json.dumps({"Version": "2012-10-17", "Statement": [tls_statement(Effect="Allow")]})
    assert_violates(buckets([res(BUCKET_TYPE, "backups", {}, dict(BUCKET_OUT, policy=weak))]), "without a TLS-only statement")
    pending = buckets([res(BUCKET_TYPE, "backups", {}, dict(BUCKET_OUT, policy=UNKNOWN))])
    assert not mandatory(pending) and [d.unverifiable for d in pending] == [True]


def test_policy_for_another_bucket_does_not_count():
    assert_violates(buckets(bucket_stack(policy_bucket="other-bucket")), "has no bucket policy")


def test_unknown_policy_document_is_unverifiable_during_preview():
    resources = bucket_stack()
    unknown = ResourceState(ts.BUCKET_POLICY, "backups-policy", resources[1].urn,
                            {"bucket": UNKNOWN, "policy": UNKNOWN}, {"bucket": UNKNOWN, "policy": UNKNOWN},
                            property_dependencies={"bucket": [resources[0].urn]})
    diags = buckets([resources[0], unknown])
    assert not mandatory(diags) and [d.unverifiable for d in diags] == [True]


# -------------------------------------------------------------------------- sns-topic-tls-only

TOPIC_OUT = {"name": "alerts-critical", "arn": "arn:aws:sns:us-east-1:123456789012:alerts-critical"}


def sns_doc(**overrides):
    st = {"Effect": "Deny", "Principal": {"AWS": "*"}, "Action": "sns:Publish", "Resource": TOPIC_OUT["arn"],
          "Condition": {"Bool": {"aws:SecureTransport": "false"}}}
    st.update(overrides)
    return json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "cloudwatch.amazonaws.com"}, "Action": "sns:Publish",
         "Resource": TOPIC_OUT["arn"]}, st]})


def topic_stack(doc=None, inline=None):
    topic_in = {"name": "alerts-critical", **({"policy": inline} if inline else {})}
    out = [res(ts.TOPIC, "critical", topic_in, dict(TOPIC_OUT, **topic_in))]
    if doc is not None:
        inputs = {"arn": TOPIC_OUT["arn"], "policy": doc}
        out.append(res(ts.TOPIC_POLICY, "critical-policy", inputs, inputs))
    return out


def topics(resources):
    return evaluate_policy(ts.sns_topic_tls_only, resources)


def test_topic_baseline_passes():
    assert topics(topic_stack(sns_doc())) == []
    assert topics(topic_stack(inline=sns_doc())) == []  # the topic's own policy argument
    assert topics(topic_stack(sns_doc(Action=["SNS:Publish", "SNS:Subscribe"]))) == []


@pytest.mark.parametrize(
    "doc,expected",
    [
        (None, "has no topic policy denying sns:Publish without TLS"),
        (sns_doc(Effect="Allow"), "has no topic policy denying"),
        (sns_doc(Action="sns:Subscribe"), "has no topic policy denying"),
        (sns_doc(Condition={"Bool": {"aws:SecureTransport": "true"}}), "has no topic policy denying"),
        ("not json", "has no topic policy denying"),
    ],
)
def test_topic_one_broken_field(doc, expected):
    assert_violates(topics(topic_stack(doc)), expected, "Topic 'critical'")


# ------------------------------------------------------------------------ kubernetes-ingress-tls

INGRESS = {
    "metadata": {"name": "app", "annotations": {}},
    "spec": {"ingressClassName": "nginx",
             "tls": [{"hosts": ["app.example.com", "*.preview.example.com"], "secretName": "app-tls"}],
             "rules": [{"host": "app.example.com"}, {"host": "pr-1.preview.example.com"}]},
}


def ingress(inputs):
    return evaluate_policy(ts.kubernetes_ingress_tls, [res(ts.INGRESS, "app", inputs)])


def test_ingress_tls_baseline_passes():
    assert ingress(INGRESS) == []


@pytest.mark.parametrize(
    "path,value,expected",
    [
        ("spec.tls", DELETE, "spec.tls is empty"),
        ("spec.tls", [], "spec.tls is empty"),
        ("spec.rules.0.host", "www.example.com", "'www.example.com' is not listed in any spec.tls hosts"),
        ("spec.rules.1.host", "a.b.preview.example.com", "is not listed in any spec.tls hosts"),
        (["metadata", "annotations", "nginx.ingress.kubernetes.io/ssl-redirect"], "false", "ssl-redirect = 'false'"),
        (["metadata", "annotations", "nginx.ingress.kubernetes.io/force-ssl-redirect"], "false",
         "force-ssl-redirect = 'false'"),
    ],
)
def test_ingress_tls_one_broken_field(path, value, expected):
    assert_violates(ingress(variant(INGRESS, path, value)), expected, "Ingress 'app'")


def test_ingress_rule_host_unknown_is_unverifiable_not_compliant():
    """Preview: a host computed from another resource could be one spec.tls does not cover."""
    diags = ingress(variant(INGRESS, "spec.rules.1.host", UNKNOWN))
    assert not mandatory(diags) and [d.unverifiable for d in diags] == [True]
