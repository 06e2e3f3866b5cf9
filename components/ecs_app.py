"""EcsApp: the app tier as an ECS service on Fargate in the stack's VPC, behind the CDN.

Traffic: CloudFront -> Application Load Balancer (public subnets, HTTPS with a TLS 1.2+/1.3
policy, a certificate for ``origin_domain``) -> tasks (private subnets, no public address)
-> database proxy and cache. The load balancer admits only CloudFront's origin-facing
servers (the AWS-managed prefix list) and forwards only requests carrying the CDN's secret
origin header (``origin_headers``); everything else gets a 403 from the listener. HTTP is
redirected to HTTPS. See ``pulumi_webstack.ecs_load_balancer``.

Tasks: a Fargate task definition (ARM64 by default) whose one container runs a digest-pinned
ECR image as a non-root user, with a read-only root file system (``writable_paths`` are task
storage volumes), every Linux capability dropped and an init process. The database and cache
credentials come from Secrets Manager through the task definition's ``secrets``
(``DATABASE_USERNAME``, ``DATABASE_PASSWORD``, ``REDIS_AUTH_TOKEN``), resolved by ECS when
a task starts; the hosts, ports and the TLS settings that verify each host are plain
settings (``pulumi_webstack.connections``). Logs go to a KMS-encrypted log group. The
execution role (pull the image, write logs, resolve the secrets) is separate from the task
role (what the app's code may do: read its two secrets and decrypt them through Secrets
Manager, nothing else). The tasks carry the stack's app security group, the one the
database and cache admit; they reach ECR, CloudWatch Logs and Secrets Manager through VPC
endpoints (``pulumi_webstack.ecs_network``), with no route to the internet.

Rollouts (``rollout``), all with ECS's own deployment strategies and alarms that stop and
roll back a bad deployment (``rollback_*``: the load balancer's 5xx rate and p95 latency):

* ``direct``: ECS ``ROLLING``, new tasks started before old ones stop (100 % / 200 %), with
  the deployment circuit breaker (rollback on).
* ``canary``: traffic shifted by the load balancer between two target groups. Steps
  ``[p, 100]`` are ECS ``CANARY`` (p % for ``canary_step_minutes``, then all). Longer
  steps such as 5 -> 10 -> 25 -> 50 -> 100 are ECS ``LINEAR`` in the largest equal step
  that lands on every listed step (5 %: 5, 10, 15 ... 100), each held
  ``canary_step_minutes``: neither ECS nor CodeDeploy shifts traffic in unequal steps (ECS
  ``CANARY`` and CodeDeploy ``TimeBasedCanary`` have two increments, ``LINEAR`` and
  ``TimeBasedLinear`` equal ones).
* ``blue-green``: ECS ``BLUE_GREEN``: the new revision is started in full, then all traffic
  moves at once.

After a shift the old revision is kept ``bake_minutes`` for an instant rollback. Scaling:
target tracking on CPU (``cpu_target_percent``) and memory (``memory_target_percent``)
between ``min_instances`` and ``max_instances``; Application Auto Scaling suspends scale-in
while an ECS deployment is in progress, so a rollout never loses capacity to it.
"""

import json
from dataclasses import dataclass, field
from typing import Any, Optional

import pulumi
import pulumi_aws as aws
import pulumi_random as random

from pulumi_webstack import ecs_load_balancer, ecs_network, kms
from pulumi_webstack.alarms import alb_5xx_rate_queries
from pulumi_webstack.args import check_fields, from_inputs, log_retention, setting
from pulumi_webstack.connections import data_environment
from pulumi_webstack.ecs_tasks import (
    ARCHITECTURES,
    CONTAINER,
    ECR_IMAGE,
    ECR_IMAGE_WORDS,
    FARGATE_MEMORY,
    ROLLOUTS,
    container_definition,
    deployment_configuration,
    ecr_repository,
    fargate_memory_options,
    linear_step,
    secret_references,
    shifts_traffic,
)
from pulumi_webstack.errors import require
from pulumi_webstack.headers import ORIGIN_VERIFY_HEADER
from pulumi_webstack.iam_policies import granted, secret_read_policy_output
from pulumi_webstack.ordering import after
from pulumi_webstack.names import HOSTNAME, stack_scoped_id

_LABEL_40 = r"(?=.{1,40}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?"


@dataclass
class EcsAppArgs:
    """Arguments of ``EcsApp``."""

    origin_domain: str = setting(pattern=HOSTNAME.pattern.strip("^$"),
                                 words="must be a lower-case DNS name such as origin.example.com")
    """Host the CDN fetches from: the load balancer's certificate is for this name."""
    image: str = setting(pattern=ECR_IMAGE.pattern.strip("^$"), words=ECR_IMAGE_WORDS)
    """Container image in Amazon ECR, pinned by digest, in the stack's region
    (``<account>.dkr.ecr.<region>.amazonaws.com/<repository>@sha256:<64 hex>``)."""
    vpc_id: pulumi.Input[str]
    """VPC of the service, the load balancer and the data tier (``Network.vpc_id``)."""
    subnet_ids: pulumi.Input[list[str]]
    """Private subnets the tasks (and the VPC endpoints) run in (``Network.subnet_ids``)."""
    public_subnet_ids: pulumi.Input[list[str]]
    """Public subnets of the load balancer, one per AZ (``Network.public_subnet_ids``)."""
    app_security_group_id: pulumi.Input[str]
    """Security group the database and cache admit (``Network.app_security_group_id``): the
    tasks carry it."""
    route_table_ids: Optional[list[pulumi.Input[str]]] = field(default_factory=list)
    """Route tables of the private subnets: the S3 gateway endpoint (image layers) is added
    to them."""
    app_name: Optional[str] = setting("web", pattern=_LABEL_40, words="must be lower case letters, digits and "
                                                                       "'-' (at most 40)")
    """Name of the service (and part of the task definition family)."""
    port: Optional[int] = setting(3000, ge=1024, le=65535)
    """Container port (1024 or above: the container runs as a non-root user)."""
    min_instances: Optional[int] = setting(2, ge=1, le=100)
    """Tasks at rest (autoscaling minimum)."""
    max_instances: Optional[int] = setting(20, ge=1, le=100)
    """Autoscaling maximum."""
    cpu_target_percent: Optional[int] = setting(70, ge=10, le=95)
    """Average CPU utilisation of the service the autoscaling keeps (scales out above it)."""
    memory_target_percent: Optional[int] = setting(80, ge=10, le=95, nullable=True)
    """Average memory utilisation the autoscaling keeps (None: CPU only)."""
    task_cpu: Optional[int] = setting(512, one_of=tuple(FARGATE_MEMORY))
    """CPU units per task (1024 = 1 vCPU): 256, 512, 1024, 2048, 4096, 8192 or 16384."""
    task_memory_mib: Optional[int] = setting(1024, ge=512, le=122880)
    """Memory per task in MiB, a size Fargate offers with ``task_cpu``."""
    architecture: Optional[str] = setting("ARM64", one_of=ARCHITECTURES)
    """CPU architecture of the tasks (the image must be built for it): ``ARM64`` (Graviton,
    about 20 % cheaper) or ``X86_64``."""
    health_path: Optional[str] = setting("/api/health", pattern=r"/[\w/.-]*", words="must be a path such as /api/health")
    """Health endpoint of the load balancer's target health checks."""
    rollout: Optional[str] = setting("direct", one_of=ROLLOUTS)
    """``direct`` (ECS rolling), ``canary`` (ECS canary or linear) or ``blue-green``."""
    canary_steps: Optional[list[int]] = field(default_factory=lambda: [5, 10, 25, 50, 100])
    """Traffic percentages of a canary rollout, ascending, ending at 100 (see the module docstring)."""
    canary_step_minutes: Optional[int] = setting(2, ge=0, le=1440)
    """Minutes each canary step is held before the next shift."""
    bake_minutes: Optional[int] = setting(10, ge=0, le=1440)
    """Minutes the old revision is kept after all traffic moved (canary, blue-green): an
    alarm in that time rolls back without starting a task."""
    rollback_error_rate_percent: Optional[float] = setting(5, gt=0, lt=100)
    """5xx share of the load balancer's responses (per minute, 2 of 3 minutes) that stops and
    rolls back a deployment."""
    rollback_latency_p95_seconds: Optional[float] = setting(3, gt=0, le=60)
    """Target response time p95 (3 minutes in a row) that stops and rolls back a deployment."""
    run_as_user: Optional[int] = setting(10001, ge=1, le=2**31 - 1)
    """UID (and GID) the container runs as."""
    writable_paths: Optional[list[str]] = field(default_factory=lambda: ["/tmp"])
    """Paths backed by task storage (the root file system is read-only)."""
    log_retention_days: Optional[int] = log_retention(30)
    """Retention of the container log group."""
    ssl_policy: Optional[str] = setting("ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09",
                                        one_of=ecs_load_balancer.TLS_POLICIES)
    """Security policy of the HTTPS listener: TLS 1.3 and 1.2, modern ciphers only."""
    deletion_protection: Optional[bool] = False
    """Deletion protection on the load balancer."""
    access_logs: Optional[bool] = False
    """Load balancer access logs to an S3 bucket of this component."""
    access_log_retention_days: Optional[int] = setting(90, ge=1, le=3650)
    """Days the load balancer's access logs are kept."""
    hosted_zone_id: Optional[str] = setting(None, pattern=r"Z[A-Z0-9]{1,32}", words="must be a Route 53 hosted zone id")
    """Route 53 zone of ``origin_domain``: the certificate's validation record and the alias to
    the load balancer are created there. None: create the records of ``dns_records`` yourself."""
    vpc_endpoints: Optional[bool] = True
    """Build the VPC endpoints the tasks need (ECR, CloudWatch Logs, Secrets Manager, S3).
    One set per VPC: turn off for a second app in a VPC that has them."""
    endpoint_zones: Optional[int] = setting(None, ge=1, le=6, nullable=True)
    """Availability zones the interface endpoints span (the first of ``subnet_ids``; each
    zone costs per endpoint-hour). None: every subnet's zone."""
    database_host: Optional[pulumi.Input[str]] = None
    """Writer (or proxy) endpoint of the database."""
    database_reader_host: Optional[pulumi.Input[str]] = None
    """Reader endpoint of the database."""
    database_port: Optional[int] = setting(5432, ge=1, le=65535)
    """Database port."""
    database_name: Optional[str] = setting(None, pattern=r"[a-z][a-z0-9_]{0,62}", words="must be a PostgreSQL identifier")
    """Name of the application database."""
    database_secret_arn: Optional[pulumi.Input[str]] = None
    """Secrets Manager secret with the database credentials (JSON ``username``, ``password``)."""
    cache_host: Optional[pulumi.Input[str]] = None
    """Primary endpoint of the cache (TLS)."""
    cache_reader_host: Optional[pulumi.Input[str]] = None
    """Reader endpoint of the cache."""
    cache_port: Optional[int] = setting(6379, ge=1, le=65535)
    """Cache port."""
    cache_auth_secret_arn: Optional[pulumi.Input[str]] = None
    """Secrets Manager secret with the cache AUTH token (JSON ``password``)."""
    secret_kms_key_arns: Optional[list[pulumi.Input[str]]] = field(default_factory=list)
    """KMS keys encrypting those secrets."""

    def __post_init__(self) -> None:
        check_fields(self)
        require(self.min_instances <= self.max_instances, "ecs.min_instances", self.min_instances,
                f"must not exceed max_instances ({self.max_instances})")
        options = fargate_memory_options(self.task_cpu)
        require(self.task_memory_mib in options, "ecs.task_memory_mib", self.task_memory_mib,
                f"Fargate offers {options[0]} to {options[-1]} MiB with task_cpu {self.task_cpu} "
                f"(one of {', '.join(map(str, options))})")
        steps = self.canary_steps
        require(bool(steps) and steps == sorted(set(steps)) and steps[0] > 0 and steps[-1] == 100,
                "ecs.canary_steps", steps, "must be strictly ascending percentages ending at 100")
        if self.rollout == "canary" and steps and steps[-1] == 100:
            require(len(steps) >= 2, "ecs.canary_steps", steps, "a canary needs a first step below 100")
            require(len(steps) <= 2 or linear_step(steps) >= 3, "ecs.canary_steps", steps,
                    f"ECS shifts traffic in equal steps of at least 3 %; these need steps of {linear_step(steps)} %: "
                    "use steps on a grid of 3 % or more (e.g. [5, 10, 25, 50, 100]) or two steps [p, 100]")
        for path in self.writable_paths:
            require(path.startswith("/") and path != "/", "ecs.writable_paths", path, "must be absolute paths other than /")
        require(len(set(self.writable_paths)) == len(self.writable_paths), "ecs.writable_paths", self.writable_paths,
                "must not repeat a path")

    @property
    def secret_arns(self) -> list[pulumi.Input[str]]:
        return [a for a in (self.database_secret_arn, self.cache_auth_secret_arn) if a is not None]


class EcsApp(pulumi.ComponentResource):
    """ECS cluster (Container Insights), Fargate task definition and service, Application Load
    Balancer with its certificate, security groups, VPC endpoints, rollback alarms and
    autoscaling for the app, behind the CDN.

    Creates: cluster; KMS key and log group; execution and task roles; task definition;
    load balancer security group and the tasks' rules on the app group; VPC endpoints and
    their group (``vpc_endpoints``); ACM certificate (DNS-validated) for ``origin_domain``;
    load balancer, target group(s), HTTPS listener (origin header rule) and HTTP redirect;
    access-log bucket (``access_logs``); rollback alarms; the service; the ECS infrastructure
    role (canary, blue-green); autoscaling target and policies; with ``hosted_zone_id`` the
    validation record and the alias of ``origin_domain``.

    Outputs: ``platform`` ("ecs"), ``cluster_name``, ``service_name``, ``min_tasks``,
    ``max_tasks``, ``origin_domain``, ``health_url``, ``origin_headers`` (secret values, for
    ``Cdn``), ``load_balancer_dns_name``, ``load_balancer_arn_suffix``,
    ``target_group_arn_suffixes``, ``load_balancer_security_group_id``, ``task_role_arn``,
    ``log_group_name``, ``certificate_validation_records``, ``dns_records``.
    """

    platform: str = "ecs"
    """Which app tier this is: always ``"ecs"``."""
    cluster_name: pulumi.Output[str]
    """ECS cluster of the service."""
    service_name: pulumi.Output[str]
    """ECS service running the app."""
    min_tasks: int
    """Tasks the service keeps at least (autoscaling minimum)."""
    max_tasks: int
    """Most tasks autoscaling runs."""
    origin_domain: pulumi.Output[str]
    """Host the CDN uses as its HTTPS origin (the load balancer's certificate name)."""
    health_url: pulumi.Output[str]
    """``https://<origin_domain><health_path>`` (answers only with the origin header)."""
    origin_headers: dict[str, pulumi.Output[str]]
    """Headers the CDN must add to origin requests (secret values)."""
    load_balancer_dns_name: pulumi.Output[str]
    """DNS name of the load balancer (``origin_domain`` points at it)."""
    load_balancer_arn_suffix: pulumi.Output[str]
    """``app/<name>/<id>``: the ``LoadBalancer`` dimension of its CloudWatch metrics."""
    target_group_arn_suffixes: list[pulumi.Output[str]]
    """``targetgroup/<name>/<id>`` of each target group (two with canary and blue-green)."""
    load_balancer_security_group_id: pulumi.Output[str]
    """Security group of the load balancer: HTTPS from CloudFront only."""
    task_role_arn: pulumi.Output[str]
    """IAM role of the app's code (reads its secrets)."""
    log_group_name: pulumi.Output[str]
    """CloudWatch log group of the containers."""
    certificate_validation_records: pulumi.Output[list[dict[str, str]]]
    """CNAME records ACM needs for the origin certificate (created here with ``hosted_zone_id``)."""
    dns_records: pulumi.Output[list[dict[str, str]]]
    """Records to create in your DNS without ``hosted_zone_id``: the validation CNAME and
    ``origin_domain`` -> the load balancer (empty with ``hosted_zone_id``)."""

    def __init__(self, name: str, args: EcsAppArgs, opts: Optional[pulumi.ResourceOptions] = None):
        args = from_inputs(EcsAppArgs, args)
        super().__init__("webstack:index:EcsApp", name, None, opts)
        self._name, self._args = name, args
        self._child = pulumi.ResourceOptions(parent=self)
        invoke = pulumi.InvokeOptions(parent=self)
        self._region = aws.get_region_output(opts=invoke).region
        self._account = aws.get_caller_identity_output(opts=invoke).account_id
        self._partition = aws.get_partition_output(opts=invoke)
        self._prefix = stack_scoped_id(pulumi.get_project(), pulumi.get_stack(), name, fallback="app", limit=200)

        cluster = self._cluster()
        log_group = self._logs()
        execution_role_arn, task_role, task_role_arn = self._roles(log_group)
        task_definition = self._task_definition(log_group, execution_role_arn, task_role_arn)
        network = ecs_network.build(name, args, self._region, self._child)
        origin_secret = random.RandomPassword(f"{name}-origin-secret", length=48, special=False, opts=self._child)
        self.origin_headers = {ORIGIN_VERIFY_HEADER: pulumi.Output.secret(origin_secret.result)}
        edge = ecs_load_balancer.build(name, args, network.load_balancer_group_id, origin_secret.result, self._child)
        alarms = self._rollback_alarms(edge)
        service = self._service(cluster, task_definition, edge, alarms, network.task_paths)
        self._autoscaling(cluster, service)

        self.cluster_name = cluster.name
        self.service_name = service.name
        self.min_tasks, self.max_tasks = args.min_instances, args.max_instances
        self.origin_domain = pulumi.Output.from_input(args.origin_domain)
        self.health_url = pulumi.Output.from_input(f"https://{args.origin_domain}{args.health_path}")
        self.load_balancer_dns_name = edge.load_balancer.dns_name
        self.load_balancer_arn_suffix = edge.load_balancer.arn_suffix
        self.target_group_arn_suffixes = [g.arn_suffix for g in edge.target_groups]
        self.load_balancer_security_group_id = network.load_balancer_group_id
        self.task_role_arn = task_role.arn
        self.log_group_name = log_group.name
        self.certificate_validation_records = edge.validation_records
        self.dns_records = edge.dns_records
        self.register_outputs({
            "platform": self.platform,
            "cluster_name": self.cluster_name,
            "service_name": self.service_name,
            "min_tasks": self.min_tasks,
            "max_tasks": self.max_tasks,
            "origin_domain": self.origin_domain,
            "health_url": self.health_url,
            "origin_headers": self.origin_headers,
            "load_balancer_dns_name": self.load_balancer_dns_name,
            "load_balancer_arn_suffix": self.load_balancer_arn_suffix,
            "target_group_arn_suffixes": self.target_group_arn_suffixes,
            "load_balancer_security_group_id": self.load_balancer_security_group_id,
            "task_role_arn": self.task_role_arn,
            "log_group_name": self.log_group_name,
            "certificate_validation_records": self.certificate_validation_records,
            "dns_records": self.dns_records,
        })

    # ------------------------------------------------------------------ cluster and logs

    def _cluster(self) -> aws.ecs.Cluster:
        return aws.ecs.Cluster(
            f"{self._name}-cluster",
            name=self._prefix,
            settings=[{"name": "containerInsights", "value": "enabled"}],
            opts=self._child,
        )

    def _logs(self) -> aws.cloudwatch.LogGroup:
        """KMS-encrypted log group of the containers; the key admits CloudWatch Logs for this
        group only."""
        name, group_name = self._name, f"/ecs/{self._prefix}"
        key = kms.customer_managed_key(
            f"{name}-logs",
            description=f"{self._prefix}: container logs",
            deletion_window_in_days=30,
            policy=pulumi.Output.all(self._region, self._account, self._partition.partition,
                                     self._partition.dns_suffix).apply(
                lambda v: json.dumps(kms.log_groups_key_policy(*v, sid="CloudWatchLogsEncryptsAppLogs",
                                                               log_groups=group_name))),
            opts=self._child,
        )
        return aws.cloudwatch.LogGroup(
            f"{name}-logs",
            name=group_name,
            retention_in_days=self._args.log_retention_days,
            kms_key_id=key.arn,
            opts=self._child,
        )

    # ------------------------------------------------------------------------ identities

    def _trust(self, confined: bool) -> pulumi.Output[str]:
        """Trust policy of a role ECS tasks assume. ``confined``: only tasks of this account
        and region (the confused-deputy guard ECS documents for the task role). The execution
        role keeps the trust ECS documents for it, without conditions: the Fargate agent
        assumes it, and nothing says that call carries ``aws:SourceArn``; a condition it does
        not meet would stop every task from starting. ``iam:PassRole`` already keeps other
        accounts from handing this role to ECS."""
        statement = {"Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"}, "Action": "sts:AssumeRole"}
        if not confined:
            return pulumi.Output.from_input(json.dumps({"Version": "2012-10-17", "Statement": [statement]}))
        return pulumi.Output.all(self._account, self._region, self._partition.partition).apply(
            lambda v: json.dumps({"Version": "2012-10-17", "Statement": [{
                **statement,
                "Condition": {"StringEquals": {"aws:SourceAccount": v[0]},
                              "ArnLike": {"aws:SourceArn": f"arn:{v[2]}:ecs:{v[1]}:{v[0]}:*"}}}]}))

    def _roles(self, log_group: aws.cloudwatch.LogGroup) -> tuple[pulumi.Output[str], aws.iam.Role, pulumi.Output[str]]:
        """The execution role (ECS: pull the image, write logs, resolve the secrets) and the task
        role (the app's code: read its secrets), each with exactly that: the execution role's
        ARN once its policy exists, the task role, and its ARN once its policy exists (a task
        started earlier fails to pull, log or resolve its secrets)."""
        name, args = self._name, self._args
        account, region, repository = ecr_repository(args.image)
        execution = aws.iam.Role(f"{name}-execution", assume_role_policy=self._trust(confined=False),
                                 description=f"{self._prefix}: ECS pulls the image, writes logs, resolves secrets",
                                 opts=self._child)
        secrets_policy = (secret_read_policy_output(args.secret_arns, args.secret_kms_key_arns, self._region)
                          if args.secret_arns else json.dumps({"Statement": []}))
        execution_policy = aws.iam.RolePolicy(
            f"{name}-execution",
            role=execution.id,
            policy=pulumi.Output.all(log_group.arn, self._partition.partition, secrets_policy).apply(
                lambda v: json.dumps({"Version": "2012-10-17", "Statement": [
                    {"Sid": "EcrLogin", "Effect": "Allow", "Action": "ecr:GetAuthorizationToken", "Resource": "*"},
                    {"Sid": "PullTheImage", "Effect": "Allow",
                     "Action": ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:BatchCheckLayerAvailability"],
                     "Resource": f"arn:{v[1]}:ecr:{region}:{account}:repository/{repository}"},
                    {"Sid": "WriteLogs", "Effect": "Allow", "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                     "Resource": f"{v[0]}:*"},
                    *json.loads(v[2])["Statement"],
                ]})),
            opts=self._child,
        )
        task = aws.iam.Role(f"{name}-task", assume_role_policy=self._trust(confined=True),
                            description=f"{self._prefix}: the app's own permissions", opts=self._child)
        task_grants = [aws.iam.RolePolicy(f"{name}-task-secrets", role=task.id, policy=secrets_policy,
                                          opts=self._child)] if args.secret_arns else []
        return granted(execution, execution_policy), task, granted(task, *task_grants)

    # ---------------------------------------------------------------------------- tasks

    def _task_definition(self, log_group: aws.cloudwatch.LogGroup, execution_role_arn: pulumi.Output[str],
                         task_role_arn: pulumi.Output[str]) -> aws.ecs.TaskDefinition:
        args = self._args
        environment: dict[str, Any] = {"PORT": args.port, "HOSTNAME": "0.0.0.0", "NODE_ENV": "production",
                                       "AWS_REGION": self._region, **data_environment(args)}
        secrets = pulumi.Output.all(args.database_secret_arn, args.cache_auth_secret_arn).apply(
            lambda v: secret_references(*v))
        definitions = pulumi.Output.all(pulumi.Output.all(**environment), secrets, log_group.name, self._region).apply(
            lambda v: json.dumps([container_definition(args, image=args.image, region=v[3], log_group=v[2],
                                                       environment=v[0], secrets=v[1])]))
        return aws.ecs.TaskDefinition(
            f"{self._name}-task",
            family=f"{self._prefix}-{args.app_name}"[:255],
            requires_compatibilities=["FARGATE"],
            network_mode="awsvpc",
            cpu=str(args.task_cpu),
            memory=str(args.task_memory_mib),
            runtime_platform={"operating_system_family": "LINUX", "cpu_architecture": args.architecture},
            execution_role_arn=execution_role_arn,
            task_role_arn=task_role_arn,
            container_definitions=definitions,
            volumes=[{"name": f"writable-{i}"} for i, _ in enumerate(args.writable_paths)],
            # A new image registers a new revision; the previous one stays ACTIVE, so a
            # deployment that rolls back returns to a registered revision.
            skip_destroy=True,
            opts=self._child,
        )

    # ------------------------------------------------------------------------- service

    def _rollback_alarms(self, edge: ecs_load_balancer.Edge) -> list[aws.cloudwatch.MetricAlarm]:
        """Alarms ECS watches during a deployment: either in ALARM stops it and rolls back. No
        notifications (the Alerting component pages on the same signals)."""
        args, lb = self._args, edge.load_balancer.arn_suffix
        common: dict[str, Any] = dict(comparison_operator="GreaterThanThreshold", treat_missing_data="notBreaching",
                                      actions_enabled=False, opts=self._child)
        return [
            aws.cloudwatch.MetricAlarm(
                f"{self._name}-rollback-5xx-rate",
                name=f"{self._prefix}-rollback-5xx-rate",
                alarm_description=(f"Rolls back an ECS deployment of {self._prefix}: more than "
                                   f"{args.rollback_error_rate_percent:g}% of responses were 5xx in 2 of 3 minutes"),
                metric_queries=alb_5xx_rate_queries(lb, 60),
                evaluation_periods=3, datapoints_to_alarm=2, threshold=args.rollback_error_rate_percent, **common),
            aws.cloudwatch.MetricAlarm(
                f"{self._name}-rollback-latency-p95",
                name=f"{self._prefix}-rollback-latency-p95",
                alarm_description=(f"Rolls back an ECS deployment of {self._prefix}: target response time p95 above "
                                   f"{args.rollback_latency_p95_seconds:g} s for 3 minutes"),
                namespace="AWS/ApplicationELB", metric_name="TargetResponseTime", dimensions={"LoadBalancer": lb},
                extended_statistic="p95", period=60, evaluation_periods=3, datapoints_to_alarm=3,
                threshold=args.rollback_latency_p95_seconds, **common),
        ]

    def _service(self, cluster: aws.ecs.Cluster, task_definition: aws.ecs.TaskDefinition, edge: ecs_load_balancer.Edge,
                 alarms: list[aws.cloudwatch.MetricAlarm], task_paths: tuple[pulumi.Resource, ...]) -> aws.ecs.Service:
        args = self._args
        primary = {"target_group_arn": edge.target_groups[0].arn, "container_name": CONTAINER,
                   "container_port": args.port}
        extra: dict[str, Any] = {}
        if shifts_traffic(args.rollout):
            primary["advanced_configuration"] = {
                "alternate_target_group_arn": edge.target_groups[1].arn,
                "production_listener_rule": edge.production_rule.arn,
                "role_arn": self._infrastructure_role(),
            }
        else:
            # The circuit breaker applies to rolling deployments only (ECS API reference,
            # DeploymentCircuitBreaker); the blue/green family rolls back on the alarms.
            extra["deployment_circuit_breaker"] = {"enable": True, "rollback": True}
        return aws.ecs.Service(
            f"{self._name}-service",
            name=args.app_name,
            cluster=cluster.arn,
            task_definition=task_definition.arn,
            desired_count=args.min_instances,
            launch_type="FARGATE",
            platform_version="LATEST",
            scheduling_strategy="REPLICA",
            deployment_controller={"type": "ECS"},
            deployment_configuration=deployment_configuration(args.rollout, args.canary_steps,
                                                              args.canary_step_minutes, args.bake_minutes),
            deployment_minimum_healthy_percent=100,
            deployment_maximum_percent=200,
            alarms={"alarm_names": [a.name for a in alarms], "enable": True, "rollback": True},
            # Tasks start as soon as the service exists: their group is handed over once they
            # can reach ECR, Secrets Manager and the logs, and the load balancer can reach them.
            network_configuration={"subnets": args.subnet_ids,
                                   "security_groups": [after(args.app_security_group_id, *task_paths)],
                                   "assign_public_ip": False},
            load_balancers=[primary],
            health_check_grace_period_seconds=60,
            enable_execute_command=False,
            enable_ecs_managed_tags=True,
            propagate_tags="SERVICE",
            **extra,
            # Autoscaling owns the task count. ECS registers tasks with a target group only
            # once the group is attached to the load balancer: the service waits for the
            # rule forwarding to it (an ordering AWS requires; "target group does not have an
            # associated load balancer" otherwise).
            opts=pulumi.ResourceOptions(parent=self, ignore_changes=["desiredCount"],
                                        depends_on=[edge.production_rule]),
        )

    def _infrastructure_role(self) -> pulumi.Output[str]:
        """Lets ECS move traffic between the target groups (canary, linear, blue/green): the
        role's ARN once its policy is attached (ECS starts shifting as soon as the service
        changes)."""
        role = aws.iam.Role(
            f"{self._name}-infrastructure",
            description=f"{self._prefix}: ECS shifts load balancer traffic during deployments",
            assume_role_policy=json.dumps({"Version": "2012-10-17", "Statement": [{
                "Effect": "Allow", "Principal": {"Service": "ecs.amazonaws.com"}, "Action": "sts:AssumeRole"}]}),
            opts=self._child,
        )
        attachment = aws.iam.RolePolicyAttachment(
            f"{self._name}-infrastructure",
            role=role.id,
            policy_arn=self._partition.partition.apply(
                lambda p: f"arn:{p}:iam::aws:policy/AmazonECSInfrastructureRolePolicyForLoadBalancers"),
            opts=self._child,
        )
        return granted(role, attachment)

    def _autoscaling(self, cluster: aws.ecs.Cluster, service: aws.ecs.Service) -> None:
        """Target tracking on CPU and memory between the task bounds. Scale-in waits 5 minutes
        after the last action; scale-out reacts after 1. (Application Auto Scaling turns off
        scale-in while an ECS deployment runs.)"""
        args, name = self._args, self._name
        target = aws.appautoscaling.Target(
            f"{name}-scaling",
            service_namespace="ecs",
            scalable_dimension="ecs:service:DesiredCount",
            resource_id=pulumi.Output.concat("service/", cluster.name, "/", service.name),
            min_capacity=args.min_instances,
            max_capacity=args.max_instances,
            opts=self._child,
        )
        metrics = {"cpu": ("ECSServiceAverageCPUUtilization", args.cpu_target_percent),
                   "memory": ("ECSServiceAverageMemoryUtilization", args.memory_target_percent)}
        for key, (metric, value) in metrics.items():
            if value is None:
                continue
            aws.appautoscaling.Policy(
                f"{name}-scale-on-{key}",
                name=f"{self._prefix}-{key}-{value}",
                policy_type="TargetTrackingScaling",
                service_namespace=target.service_namespace,
                scalable_dimension=target.scalable_dimension,
                resource_id=target.resource_id,
                target_tracking_scaling_policy_configuration={
                    "target_value": float(value),
                    "predefined_metric_specification": {"predefined_metric_type": metric},
                    "scale_in_cooldown": 300,
                    "scale_out_cooldown": 60,
                    "disable_scale_in": False,
                },
                opts=self._child,
            )
