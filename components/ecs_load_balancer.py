"""The edge of ``EcsApp``: the origin certificate and DNS name, the Application Load Balancer,
its target group(s) and listeners, and its access-log bucket. Helpers of ``EcsApp`` (its
resources are the app's children), not a component of their own.

CloudFront fetches ``https://<origin_domain>`` and must be shown a certificate for that
name: an ACM certificate in the stack's region (the load balancer's), validated by DNS. With
``hosted_zone_id`` the validation record and an alias ``origin_domain`` -> load balancer are
created in that zone; without it, ``dns_records`` lists both for your DNS, and the first
``pulumi up`` waits on the certificate validation until ACM sees its record.

The HTTPS listener answers 403 to every request unless it carries the CDN's secret origin
header (``X-Origin-Verify``, a header condition of the one rule that forwards), so neither
the load balancer's own DNS name nor ``origin_domain`` serves anything without CloudFront,
its WAF and its security headers. The HTTP listener only redirects to HTTPS (the security
group does not even admit port 80: CloudFront fetches over HTTPS only, and the CloudFront
prefix list weighs 55 of the group's 60 rules, so one rule may reference it).

With a rollout that shifts traffic (canary, blue-green) there are two target groups and the
rule forwards to both, weighted 100/0; ECS then owns the weights (it rewrites the rule on
every deployment), so Pulumi ignores later changes to the rule's actions.

Access logs (``access_logs``) go to a bucket of their own: ACLs off, public access blocked,
TLS required, versioned, expired after ``access_log_retention_days``, and encrypted with
SSE-S3, the only default encryption Elastic Load Balancing can deliver to (a bucket with
SSE-KMS default encryption receives no logs).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Optional

import pulumi
import pulumi_aws as aws

from pulumi_webstack import buckets
from pulumi_webstack.headers import ORIGIN_VERIFY_HEADER
from pulumi_webstack.ordering import after

TLS_POLICIES = (
    "ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09", "ELBSecurityPolicy-TLS13-1-2-PQ-2025-09",
    "ELBSecurityPolicy-TLS13-1-3-PQ-2025-09", "ELBSecurityPolicy-TLS13-1-2-Res-FIPS-PQ-2025-09",
    "ELBSecurityPolicy-TLS13-1-2-Res-2021-06", "ELBSecurityPolicy-TLS13-1-2-2021-06",
    "ELBSecurityPolicy-TLS13-1-3-2021-06",
)
"""HTTPS listener security policies with TLS 1.3, TLS 1.2 at least and no legacy ciphers
(Elastic Load Balancing, "Security policies for your Application Load Balancer"); the first
is the one AWS recommends."""

RULE_PRIORITY = 10
"""Priority of the forwarding rule (room below for rules you add)."""

ELB_LOG_ACCOUNTS = {
    "us-east-1": "127311923021", "us-east-2": "033677994240", "us-west-1": "027434742980",
    "us-west-2": "797873946194", "af-south-1": "098369216593", "ap-east-1": "754344448648",
    "ap-south-1": "718504428378", "ap-northeast-1": "582318560864", "ap-northeast-2": "600734575887",
    "ap-northeast-3": "383597477331", "ap-southeast-1": "114774131450", "ap-southeast-2": "783225319266",
    "ap-southeast-3": "589379963580", "ca-central-1": "985666609251", "eu-central-1": "054676820928",
    "eu-west-1": "156460612806", "eu-west-2": "652711504416", "eu-west-3": "009996457667",
    "eu-south-1": "635631232127", "eu-north-1": "897822967062", "me-south-1": "076674570225",
    "sa-east-1": "507241528517", "us-gov-west-1": "048591011584", "us-gov-east-1": "190560391635",
    "cn-north-1": "638102146993", "cn-northwest-1": "037604701340",
}
"""Elastic Load Balancing's log-writing account in each region opened before August 2022
(ELB user guide, "Enable access logs": bucket permissions). Later regions have none: there
only the log delivery service principal writes, and the provider's ``aws.elb.get_service_account``
fails with "unsupported AWS Region" (terraform-provider-aws #29322, #27874)."""

LOG_DELIVERY_SERVICE = "logdelivery.elasticloadbalancing.amazonaws.com"


def access_log_writers(region: str, partition: str = "aws") -> dict[str, str]:
    """The bucket policy ``Principal`` that may write the load balancer's access logs in ``region``:
    the regional ELB account where the region has one, and the log delivery service."""
    account = ELB_LOG_ACCOUNTS.get(region)
    writers = {"AWS": f"arn:{partition}:iam::{account}:root"} if account else {}
    return {**writers, "Service": LOG_DELIVERY_SERVICE}


@dataclass(frozen=True)
class Edge:
    """What the load balancer side gives the service and the outputs."""

    load_balancer: aws.lb.LoadBalancer
    target_groups: list[aws.lb.TargetGroup]
    """The primary group, then the alternate one (rollouts that shift traffic)."""
    production_rule: aws.lb.ListenerRule
    validation_records: pulumi.Output[list[dict[str, str]]]
    dns_records: pulumi.Output[list[dict[str, str]]]


def forward_action(groups: list[Any]) -> dict[str, Any]:
    """Forward to the primary group; with an alternate, weighted 100/0 (ECS shifts the weights)."""
    if len(groups) == 1:
        return {"type": "forward", "target_group_arn": groups[0].arn}
    return {"type": "forward", "forward": {"target_groups": [
        {"arn": groups[0].arn, "weight": 100}, {"arn": groups[1].arn, "weight": 0}]}}


def validation_records(options: Any) -> list[dict[str, str]]:
    """The certificate's DNS validation records, one per record name."""
    by_name: dict[str, dict[str, str]] = {}
    for o in options or []:
        by_name.setdefault(o.resource_record_name, {
            "name": o.resource_record_name, "type": o.resource_record_type, "value": o.resource_record_value})
    return sorted(by_name.values(), key=lambda r: r["name"])


def build(name: str, args: Any, group_id: pulumi.Input[str], origin_secret: pulumi.Input[str],
          opts: pulumi.ResourceOptions) -> Edge:
    certificate_arn, validation = _certificate(name, args, opts)
    log_bucket = _access_log_bucket(name, args, opts) if args.access_logs else None
    balancer = aws.lb.LoadBalancer(
        f"{name}-alb",
        load_balancer_type="application",
        internal=False,
        ip_address_type="ipv4",
        security_groups=[group_id],
        subnets=args.public_subnet_ids,
        drop_invalid_header_fields=True,
        enable_deletion_protection=args.deletion_protection,
        enable_http2=True,
        idle_timeout=60,
        # Elastic Load Balancing checks it may write to the bucket when logging is turned on:
        # the bucket is named once its policy lets it.
        access_logs={"bucket": after(log_bucket[0].bucket, log_bucket[1]), "enabled": True, "prefix": "alb"}
        if log_bucket else None,
        opts=pulumi.ResourceOptions(parent=opts.parent),
    )
    groups = [_target_group(name, "primary", args, opts)]
    if args.rollout != "direct":
        groups.append(_target_group(name, "alternate", args, opts))
    https = aws.lb.Listener(
        f"{name}-https",
        load_balancer_arn=balancer.arn,
        port=443,
        protocol="HTTPS",
        ssl_policy=args.ssl_policy,
        certificate_arn=certificate_arn,
        default_actions=[{"type": "fixed-response", "fixed_response": {
            "content_type": "text/plain", "message_body": "Forbidden", "status_code": "403"}}],
        opts=opts,
    )
    rule = aws.lb.ListenerRule(
        f"{name}-from-cdn",
        listener_arn=https.arn,
        priority=RULE_PRIORITY,
        conditions=[{"http_header": {"http_header_name": ORIGIN_VERIFY_HEADER,
                                     "values": [pulumi.Output.secret(origin_secret)]}}],
        actions=[forward_action(groups)],
        opts=pulumi.ResourceOptions(parent=opts.parent, ignore_changes=["actions"] if len(groups) == 2 else None),
    )
    aws.lb.Listener(
        f"{name}-http",
        load_balancer_arn=balancer.arn,
        port=80,
        protocol="HTTP",
        default_actions=[{"type": "redirect", "redirect": {"port": "443", "protocol": "HTTPS",
                                                           "status_code": "HTTP_301"}}],
        opts=opts,
    )
    return Edge(balancer, groups, rule, validation, _origin_dns(name, args, balancer, validation, opts))


def _target_group(name: str, role: str, args: Any, opts: pulumi.ResourceOptions) -> aws.lb.TargetGroup:
    return aws.lb.TargetGroup(
        f"{name}-{role}",
        target_type="ip",
        protocol="HTTP",
        protocol_version="HTTP1",
        port=args.port,
        vpc_id=args.vpc_id,
        deregistration_delay=30,
        health_check={"enabled": True, "path": args.health_path, "protocol": "HTTP", "port": "traffic-port",
                      "matcher": "200", "interval": 15, "timeout": 5, "healthy_threshold": 2,
                      "unhealthy_threshold": 3},
        tags={"Name": f"{name}-{role}"},
        opts=opts,
    )


def _certificate(name: str, args: Any, opts: pulumi.ResourceOptions
                 ) -> tuple[pulumi.Output[str], pulumi.Output[list[dict[str, str]]]]:
    """ACM certificate for ``origin_domain`` in the load balancer's region, validated by DNS."""
    certificate = aws.acm.Certificate(
        f"{name}-origin-cert",
        domain_name=args.origin_domain,
        validation_method="DNS",
        options={"certificate_transparency_logging_preference": "ENABLED"},
        opts=opts,
    )
    records = certificate.domain_validation_options.apply(validation_records)
    fqdns: Optional[list[pulumi.Output[str]]] = None
    if args.hosted_zone_id:
        record = aws.route53.Record(
            f"{name}-origin-cert-validation",
            zone_id=args.hosted_zone_id,
            name=records.apply(lambda r: r[0]["name"]),
            type=records.apply(lambda r: r[0]["type"]),
            records=[records.apply(lambda r: r[0]["value"])],
            ttl=300,
            allow_overwrite=True,
            opts=opts,
        )
        fqdns = [record.fqdn]
    validation = aws.acm.CertificateValidation(f"{name}-origin-cert", certificate_arn=certificate.arn,
                                               validation_record_fqdns=fqdns, opts=opts)
    return validation.certificate_arn, records


def _origin_dns(name: str, args: Any, balancer: aws.lb.LoadBalancer, validation: pulumi.Output[list],
                opts: pulumi.ResourceOptions) -> pulumi.Output[list[dict[str, str]]]:
    """``origin_domain`` -> the load balancer: an alias in the zone, or the records to create."""
    if args.hosted_zone_id:
        aws.route53.Record(
            f"{name}-origin-alias",
            zone_id=args.hosted_zone_id,
            name=args.origin_domain,
            type="A",
            aliases=[{"name": balancer.dns_name, "zone_id": balancer.zone_id, "evaluate_target_health": True}],
            opts=opts,
        )
        return pulumi.Output.from_input([])
    return pulumi.Output.all(validation, balancer.dns_name).apply(
        lambda v: [*v[0], {"name": args.origin_domain, "type": "CNAME", "value": v[1]}])


def _access_log_bucket(name: str, args: Any, opts: pulumi.ResourceOptions
                       ) -> tuple[aws.s3.Bucket, aws.s3.BucketPolicy]:
    invoke = pulumi.InvokeOptions(parent=opts.parent)
    account = aws.get_caller_identity_output(opts=invoke).account_id
    region = aws.get_region_output(opts=invoke).region
    partition = aws.get_partition_output(opts=invoke).partition
    bucket = aws.s3.Bucket(f"{name}-alb-logs", opts=opts)
    buckets.enforce_bucket_owner(f"{name}-alb-logs", bucket, opts=opts)
    buckets.block_public_access(f"{name}-alb-logs", bucket, opts=opts)
    buckets.enable_versioning(f"{name}-alb-logs", bucket, opts=opts)
    aws.s3.BucketServerSideEncryptionConfiguration(
        f"{name}-alb-logs",
        bucket=bucket.id,
        rules=[{"apply_server_side_encryption_by_default": {"sse_algorithm": "AES256"}}],
        opts=opts,
    )
    aws.s3.BucketLifecycleConfiguration(
        f"{name}-alb-logs",
        bucket=bucket.id,
        rules=[{"id": "expire-access-logs", "status": "Enabled", "filter": {"prefix": ""},
                "expiration": {"days": args.access_log_retention_days},
                "noncurrent_version_expiration": {"noncurrent_days": 7},
                "abort_incomplete_multipart_upload": {"days_after_initiation": 7}}],
        opts=opts,
    )
    policy = aws.s3.BucketPolicy(
        f"{name}-alb-logs",
        bucket=bucket.id,
        policy=pulumi.Output.all(bucket.arn, account, region, partition).apply(
            lambda v: json.dumps({"Version": "2012-10-17", "Statement": [
                buckets.deny_insecure_transport(v[0]),
                {
                    "Sid": "LoadBalancerWritesAccessLogs",
                    "Effect": "Allow",
                    "Principal": access_log_writers(v[2], v[3]),
                    "Action": "s3:PutObject",
                    "Resource": f"{v[0]}/alb/AWSLogs/{v[1]}/*",
                },
            ]})),
        opts=opts,
    )
    return bucket, policy
