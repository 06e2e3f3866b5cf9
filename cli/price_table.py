"""The bundled, dated price table ``webstack estimate`` prices a plan with.

On-demand list prices in USD for AWS US East (N. Virginia), the prices AWS publishes on
its service pricing pages (see ``SOURCES``). They are the reference every AWS price is
quoted against; other regions differ (eu-west-1 is typically a few percent higher), so the
estimate is labelled as priced in ``REGION`` whatever region the stack deploys to.

These figures were compiled for ``AS_OF`` from the published list prices, without network
access to AWS's price list API from the machine that built this release; two independent
mid-2026 summaries agree on the burstable RDS classes and gp3 storage. They are an
estimate, not a quote: check the AWS Pricing Calculator before budgeting. Update the
table, and ``AS_OF``, when AWS changes its prices.

What is not here is not guessed: an instance class or node type missing from the tables is
reported as unpriced by the estimate, never priced at zero.
"""

AS_OF = "2026-11"
"""Month the list prices below were compiled for."""

REGION = "us-east-1"
"""Region whose list prices these are."""

CURRENCY = "USD"

HOURS_PER_MONTH = 730
"""AWS's own convention for monthly figures (8,760 hours / 12)."""

SOURCES = {
    "rds": "https://aws.amazon.com/rds/postgresql/pricing/",
    "rds-proxy": "https://aws.amazon.com/rds/proxy/pricing/",
    "elasticache": "https://aws.amazon.com/elasticache/pricing/",
    "kms": "https://aws.amazon.com/kms/pricing/",
    "secretsmanager": "https://aws.amazon.com/secrets-manager/pricing/",
    "cloudwatch": "https://aws.amazon.com/cloudwatch/pricing/",
    "route53": "https://aws.amazon.com/route53/pricing/",
    "waf": "https://aws.amazon.com/waf/pricing/",
    "cloudfront": "https://aws.amazon.com/cloudfront/pricing/",
    "s3": "https://aws.amazon.com/s3/pricing/",
    "backup": "https://aws.amazon.com/backup/pricing/",
    "fargate": "https://aws.amazon.com/fargate/pricing/",
    "elb": "https://aws.amazon.com/elasticloadbalancing/pricing/",
    "privatelink": "https://aws.amazon.com/privatelink/pricing/",
    "vpc": "https://aws.amazon.com/vpc/pricing/",
    "synthetics": "https://aws.amazon.com/cloudwatch/pricing/",
    "fis": "https://aws.amazon.com/fis/pricing/",
}

# ------------------------------------------------------------------------------- RDS

RDS_POSTGRES_HOURLY = {
    # Burstable (Graviton2, Intel)
    "db.t4g.micro": 0.016, "db.t4g.small": 0.032, "db.t4g.medium": 0.065, "db.t4g.large": 0.129,
    "db.t4g.xlarge": 0.258, "db.t4g.2xlarge": 0.517,
    "db.t3.micro": 0.018, "db.t3.small": 0.036, "db.t3.medium": 0.072, "db.t3.large": 0.145,
    "db.t3.xlarge": 0.290, "db.t3.2xlarge": 0.579,
    # General purpose
    "db.m7g.large": 0.168, "db.m7g.xlarge": 0.337, "db.m7g.2xlarge": 0.674, "db.m7g.4xlarge": 1.348,
    "db.m7g.8xlarge": 2.696, "db.m7g.12xlarge": 4.044, "db.m7g.16xlarge": 5.392,
    "db.m6g.large": 0.159, "db.m6g.xlarge": 0.318, "db.m6g.2xlarge": 0.636, "db.m6g.4xlarge": 1.272,
    "db.m6i.large": 0.178, "db.m6i.xlarge": 0.356, "db.m6i.2xlarge": 0.712, "db.m6i.4xlarge": 1.424,
    # Memory optimized
    "db.r7g.large": 0.239, "db.r7g.xlarge": 0.478, "db.r7g.2xlarge": 0.956, "db.r7g.4xlarge": 1.912,
    "db.r7g.8xlarge": 3.824, "db.r7g.12xlarge": 5.736, "db.r7g.16xlarge": 7.648,
    "db.r6g.large": 0.225, "db.r6g.xlarge": 0.450, "db.r6g.2xlarge": 0.899, "db.r6g.4xlarge": 1.798,
    "db.r6i.large": 0.250, "db.r6i.xlarge": 0.500, "db.r6i.2xlarge": 1.000, "db.r6i.4xlarge": 2.000,
}
"""RDS for PostgreSQL, Single-AZ, per instance-hour. Multi-AZ (one standby) is twice this."""

RDS_STORAGE_GB_MONTH = {"gp3": 0.115, "gp2": 0.115, "io1": 0.125, "io2": 0.125}
"""Provisioned storage per GB-month, Single-AZ (Multi-AZ twice this)."""

RDS_GP3_IOPS_MONTH = 0.02
"""gp3 IOPS provisioned above the included 3,000 (Single-AZ)."""

RDS_PROXY_VCPU_HOUR = 0.015
"""RDS Proxy, per vCPU-hour of the instance it fronts, 2 vCPUs at least."""

RDS_PROXY_MIN_VCPUS = 2

# ----------------------------------------------------------------------- ElastiCache

ELASTICACHE_REDIS_HOURLY = {
    "cache.t4g.micro": 0.016, "cache.t4g.small": 0.032, "cache.t4g.medium": 0.065,
    "cache.t3.micro": 0.017, "cache.t3.small": 0.034, "cache.t3.medium": 0.068,
    "cache.m7g.large": 0.158, "cache.m7g.xlarge": 0.315, "cache.m7g.2xlarge": 0.630,
    "cache.m6g.large": 0.149, "cache.m6g.xlarge": 0.297, "cache.m6g.2xlarge": 0.594,
    "cache.r7g.large": 0.219, "cache.r7g.xlarge": 0.437, "cache.r7g.2xlarge": 0.873, "cache.r7g.4xlarge": 1.745,
    "cache.r6g.large": 0.206, "cache.r6g.xlarge": 0.411, "cache.r6g.2xlarge": 0.821, "cache.r6g.4xlarge": 1.642,
}
"""ElastiCache for Redis OSS, node-based, per node-hour."""

ELASTICACHE_VALKEY_DISCOUNT = 0.20
"""Node-based Valkey is priced 20 % below Redis OSS for the same node type."""

# --------------------------------------------------------------------------- the rest

KMS_KEY_MONTH = 1.00
"""Customer-managed KMS key (each replica key of a multi-Region key is billed as a key)."""

SECRET_MONTH = 0.40
"""Secrets Manager secret; each Region a secret is replicated to is billed as a secret."""

ALARM_METRIC_MONTH = 0.10
"""CloudWatch alarm, standard resolution, per metric the alarm evaluates."""

ALARM_METRIC_HIGH_RESOLUTION_MONTH = 0.30
"""Same, for alarms with a period under 60 seconds."""

COMPOSITE_ALARM_MONTH = 0.50
"""CloudWatch composite alarm (the error budgets' burn-rate alerts)."""

SYNTHETICS_CANARY_RUN = 0.0012
"""CloudWatch Synthetics, per canary run (each account's first 100 runs a month are free:
not deducted here). Lambda, S3 and CloudWatch Logs used by the runs are billed on top."""

DASHBOARD_MONTH = 3.00
"""CloudWatch dashboard (each account's first 3 are free: not deducted here)."""

CUSTOM_METRIC_MONTH = 0.30
"""CloudWatch metric, first 10,000 (CloudFront's additional distribution metrics bill as 8)."""

CLOUDFRONT_ADDITIONAL_METRICS = 8

HOSTED_ZONE_MONTH = 0.50
"""Route 53 hosted zone (public or private), first 25."""

HEALTH_CHECK_MONTH = {"aws": 0.50, "external": 0.75}
"""Route 53 health check: of an AWS resource (CloudWatch-metric, calculated) or of an endpoint."""

HEALTH_CHECK_FEATURE_MONTH = {"aws": 1.00, "external": 2.00}
"""Each optional health-check feature: HTTPS, string matching, fast (10 s) interval, latency."""

WAF_WEB_ACL_MONTH = 5.00
WAF_RULE_MONTH = 1.00
"""AWS WAF: per web ACL and per rule in it (a managed rule group counts as one rule)."""

# --------------------------------------------------------------------- app tier on ECS

FARGATE_VCPU_HOUR = {"ARM64": 0.03238, "X86_64": 0.04048}
"""AWS Fargate, Linux, per vCPU-hour by CPU architecture."""

FARGATE_GB_HOUR = {"ARM64": 0.00356, "X86_64": 0.004445}
"""AWS Fargate, Linux, per GB of memory per hour (the first 20 GB of task storage included)."""

ALB_HOUR = 0.0225
"""Application Load Balancer, per hour (LCUs are usage-based, below)."""

PUBLIC_IPV4_HOUR = 0.005
"""Public IPv4 address, in use or idle, per hour (an internet-facing load balancer has one per zone)."""

VPC_ENDPOINT_AZ_HOUR = 0.01
"""Interface VPC endpoint (PrivateLink), per endpoint per availability zone per hour; gateway
endpoints (S3, DynamoDB) are free."""

# ---------------------------------------------------------------- priced per use only

USAGE_BASED = [
    ("CloudFront", "data transfer out to the internet", "$0.085 per GB (first 10 TB, North America/Europe)"),
    ("CloudFront", "HTTPS requests", "$0.0100 per 10,000 (North America/Europe)"),
    ("AWS WAF", "requests inspected", "$0.60 per million"),
    ("Amazon S3", "Standard storage (access logs, backup exports)", "$0.023 per GB-month"),
    ("Amazon S3", "cross-region replication transfer", "$0.02 per GB"),
    ("AWS Backup", "RDS snapshot storage, warm", "$0.095 per GB-month"),
    ("AWS Backup", "cross-region copy transfer", "$0.02 per GB"),
    ("Amazon RDS", "backup storage beyond the database size; cross-region replica transfer",
     "$0.095 per GB-month; $0.02 per GB"),
    ("ElastiCache", "snapshot storage", "$0.085 per GB-month"),
    ("CloudWatch Logs", "ingestion; storage (RDS, ElastiCache, flow logs, CloudFront logs)",
     "$0.50 per GB; $0.03 per GB-month"),
    ("Secrets Manager", "API calls", "$0.05 per 10,000"),
    ("AWS KMS", "requests", "$0.03 per 10,000"),
    ("Amazon SNS", "HTTPS notifications; email", "$0.60 per million; $2.00 per 100,000 after the first 1,000"),
    ("Route 53", "DNS queries", "$0.40 per million"),
    ("Elastic Load Balancing", "Application Load Balancer capacity units", "$0.008 per LCU-hour"),
    ("AWS Fargate", "tasks above the service's minimum (autoscaling)", "the task's vCPU and GB rates per hour"),
    ("AWS PrivateLink", "data processed by interface endpoints", "$0.01 per GB"),
    ("CloudWatch", "Container Insights metrics and performance log events", "$0.30 per metric; $0.50 per GB"),
    ("AWS FIS", "recovery drills, while an experiment runs", "$0.10 per action-minute"),
    ("CloudWatch Synthetics", "the canary runs' Lambda, S3 artifacts and logs", "Lambda, S3 and CloudWatch Logs prices"),
]
"""(service, what, unit price): charges that depend on traffic and data, not on the plan."""
