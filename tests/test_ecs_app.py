"""Specification of the EcsApp component: the Fargate task (non-root, read-only, credentials
from Secrets Manager, KMS-encrypted logs, two roles), the service (private subnets, app group,
no public IP, health checks, rollouts with ECS's own strategies and rollback alarms), the
load balancer (public subnets, CloudFront only, TLS 1.3 policy, origin header, certificate and
DNS), the way to AWS APIs (VPC endpoints) and autoscaling."""

from __future__ import annotations

import json

import pytest

from pulumi_webstack import ecs_app as e
from pulumi_webstack import ecs_load_balancer, ecs_network, ecs_tasks
from pulumi_webstack.connections import AMAZON_ROOT_CA_URL, RDS_CA_BUNDLE_URL
from pulumi_webstack.headers import ORIGIN_VERIFY_HEADER
from pulumi_webstack_cli.engine import MANAGED_PREFIX_LISTS, Plan, Secret, synth
from tests.helpers import assert_args_error, component_program

IMAGE = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop/web@sha256:" + "a" * 64
DB_SECRET = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:rds!db-abc-AbCdEf"
CACHE_SECRET = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:cache-auth-XyZ123"
KEY = "arn:aws:kms:eu-west-1:123456789012:key/1111"
VPC, APP_GROUP = "vpc-0aaaaaaaaaaaaaaa1", "sg-0aaaaaaaaaaaaaaa1"
PRIVATE = ["subnet-0aaaaaaaaaaaaaaa1", "subnet-0aaaaaaaaaaaaaaa2", "subnet-0aaaaaaaaaaaaaaa3"]
PUBLIC = ["subnet-0bbbbbbbbbbbbbbb1", "subnet-0bbbbbbbbbbbbbbb2", "subnet-0bbbbbbbbbbbbbbb3"]
ROUTES = ["rtb-0aaaaaaaaaaaaaaa1"]
ZONE = "Z0123456789ABCDEFGHIJ"

TASK = "aws:ecs/taskDefinition:TaskDefinition"
SERVICE = "aws:ecs/service:Service"
ROLE = "aws:iam/role:Role"
POLICY = "aws:iam/rolePolicy:RolePolicy"
GROUP = "aws:lb/targetGroup:TargetGroup"
LISTENER = "aws:lb/listener:Listener"
RULE = "aws:lb/listenerRule:ListenerRule"
ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
ENDPOINT = "aws:ec2/vpcEndpoint:VpcEndpoint"
SG = "aws:ec2/securityGroup:SecurityGroup"
INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
EGRESS = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"
RECORD = "aws:route53/record:Record"


def args(**overrides) -> e.EcsAppArgs:
    values = dict(
        origin_domain="origin.shop.example.com", image=IMAGE, vpc_id=VPC, subnet_ids=PRIVATE,
        public_subnet_ids=PUBLIC, app_security_group_id=APP_GROUP, route_table_ids=ROUTES,
        min_instances=2, max_instances=20, task_cpu=1024, task_memory_mib=2048, rollout="canary",
        log_retention_days=90, deletion_protection=True, access_logs=True, hosted_zone_id=ZONE,
        database_host="db-proxy.proxy-c1.eu-west-1.rds.amazonaws.com",
        database_reader_host="reader.webstack-prod-database.internal", database_name="app",
        database_secret_arn=DB_SECRET, cache_host="master.cache.euw1.cache.amazonaws.com",
        cache_reader_host="replica.cache.euw1.cache.amazonaws.com", cache_auth_secret_arn=CACHE_SECRET,
        secret_kms_key_arns=[KEY],
    )
    values.update(overrides)
    return e.EcsAppArgs(**values)


_PLANS: dict[str, Plan] = {}


def build(**overrides) -> Plan:
    key = json.dumps(overrides, sort_keys=True)
    if key not in _PLANS:
        _PLANS[key] = synth(component_program(e.EcsApp, "app", args(**overrides), provider="main", region="eu-west-1"),
                            config={"aws:region": "eu-west-1"})
    return _PLANS[key]


@pytest.fixture(scope="module")
def plan() -> Plan:
    return build()


def container(plan: Plan) -> dict:
    (definition,) = json.loads(plan.one(TASK).inputs["containerDefinitions"])
    return definition


def policy_of(plan: Plan, name: str) -> dict:
    document = plan.one(POLICY, name).inputs["policy"]
    return json.loads(document.value if isinstance(document, Secret) else document)


def group_named(plan: Plan, name: str):
    return plan.one(SG, name)


# ------------------------------------------------------------------------ component shape


def test_children_are_parented_to_the_component_and_every_output_is_registered(plan):
    component = plan.one("webstack:index:EcsApp", "app")
    children = {r.urn for r in plan.descendants(component)}
    assert children == {r.urn for r in plan if r.urn != component.urn and not r.type.startswith("pulumi:providers")}
    outputs = component.component_outputs
    assert set(outputs) == {a for a in e.EcsApp.__annotations__}
    assert outputs["platform"] == "ecs" and (outputs["min_tasks"], outputs["max_tasks"]) == (2, 20)
    assert outputs["health_url"] == "https://origin.shop.example.com/api/health"
    assert outputs["service_name"] == "web" and outputs["cluster_name"] == plan.one("aws:ecs/cluster:Cluster").state["name"]
    assert outputs["target_group_arn_suffixes"] == [plan.one(GROUP, f"app-{role}").state["arnSuffix"]
                                                    for role in ("primary", "alternate")]


def test_the_cluster_has_container_insights(plan):
    cluster = plan.one("aws:ecs/cluster:Cluster")
    assert {"name": "containerInsights", "value": "enabled"} in cluster.inputs["settings"]
    assert cluster.inputs["name"] == "webstack-test-app"  # per project and stack: two stacks side by side


# ------------------------------------------------------------------------------- the task


def test_the_task_is_a_fargate_arm64_task_of_the_given_size(plan):
    task = plan.one(TASK)
    assert task.inputs["requiresCompatibilities"] == ["FARGATE"] and task.inputs["networkMode"] == "awsvpc"
    assert task.inputs["runtimePlatform"] == {"operatingSystemFamily": "LINUX", "cpuArchitecture": "ARM64"}
    assert (task.inputs["cpu"], task.inputs["memory"]) == ("1024", "2048")
    assert container(plan)["image"] == IMAGE
    assert task.inputs["skipDestroy"] is True  # the previous revision stays for a rollback


def test_the_container_runs_as_non_root_on_a_read_only_root_with_no_capabilities(plan):
    c = container(plan)
    assert c["user"] == "10001:10001" and c["readonlyRootFilesystem"] is True and c["privileged"] is False
    assert c["linuxParameters"] == {"capabilities": {"drop": ["ALL"]}, "initProcessEnabled": True}
    assert c["mountPoints"] == [{"sourceVolume": "writable-0", "containerPath": "/tmp", "readOnly": False}]
    assert plan.one(TASK).inputs["volumes"] == [{"name": "writable-0"}]
    assert c["portMappings"][0]["containerPort"] == 3000


def test_credentials_come_from_secrets_manager_and_hosts_with_their_tls_settings_are_plain(plan):
    c = container(plan)
    assert {s["name"]: s["valueFrom"] for s in c["secrets"]} == {
        "DATABASE_USERNAME": f"{DB_SECRET}:username::", "DATABASE_PASSWORD": f"{DB_SECRET}:password::",
        "REDIS_AUTH_TOKEN": f"{CACHE_SECRET}:password::"}
    env = {v["name"]: v["value"] for v in c["environment"]}
    assert not {"DATABASE_PASSWORD", "DATABASE_USERNAME", "REDIS_AUTH_TOKEN"} & set(env)
    assert env["DATABASE_HOST"] == "db-proxy.proxy-c1.eu-west-1.rds.amazonaws.com"
    assert (env["DATABASE_SSLMODE"], env["DATABASE_CA_BUNDLE_URL"]) == ("verify-full", AMAZON_ROOT_CA_URL)
    assert (env["DATABASE_READER_SSLMODE"], env["DATABASE_READER_CA_BUNDLE_URL"]) == ("verify-ca", RDS_CA_BUNDLE_URL)
    assert env["REDIS_URL"] == "rediss://master.cache.euw1.cache.amazonaws.com:6379"
    assert env["AWS_REGION"] == "eu-west-1" and env["PORT"] == "3000"
    assert ORIGIN_VERIFY_HEADER not in json.dumps(c)  # the load balancer checks the origin secret, not the app


def test_logs_go_to_a_kms_encrypted_group_kept_as_long_as_the_tier_says(plan):
    group = plan.one("aws:cloudwatch/logGroup:LogGroup")
    key = plan.one("aws:kms/key:Key")
    assert group.inputs["kmsKeyId"] == key.state["arn"] and group.inputs["retentionInDays"] == 90
    statement = json.loads(key.inputs["policy"])["Statement"][1]
    assert statement["Principal"] == {"Service": "logs.eu-west-1.amazonaws.com"}
    assert statement["Condition"]["ArnLike"]["kms:EncryptionContext:aws:logs:arn"].endswith(
        f"log-group:{group.inputs['name']}")
    options = container(plan)["logConfiguration"]
    assert options["logDriver"] == "awslogs" and options["options"]["awslogs-group"] == group.inputs["name"]


def test_the_execution_role_pulls_logs_and_resolves_and_the_task_role_only_reads_its_secrets(plan):
    task = plan.one(TASK)
    execution, task_role = plan.one(ROLE, "app-execution"), plan.one(ROLE, "app-task")
    assert task.inputs["executionRoleArn"] == execution.state["arn"] != task.inputs["taskRoleArn"] == task_role.state["arn"]
    trusts = {role.name: json.loads(role.inputs["assumeRolePolicy"])["Statement"] for role in (execution, task_role)}
    assert all(trust["Principal"] == {"Service": "ecs-tasks.amazonaws.com"} for (trust,) in trusts.values())
    # The task role is confined to this account's tasks (ECS documents it for the task role);
    # the execution role keeps ECS's documented trust, which the Fargate agent is known to meet.
    (task_trust,) = trusts["app-task"]
    assert task_trust["Condition"] == {"StringEquals": {"aws:SourceAccount": "123456789012"},
                                       "ArnLike": {"aws:SourceArn": "arn:aws:ecs:eu-west-1:123456789012:*"}}
    (execution_trust,) = trusts["app-execution"]
    assert "Condition" not in execution_trust
    statements = {s["Sid"]: s for s in policy_of(plan, "app-execution")["Statement"]}
    assert statements["PullTheImage"]["Resource"] == "arn:aws:ecr:eu-west-1:123456789012:repository/shop/web"
    assert statements["WriteLogs"]["Resource"] == plan.one("aws:cloudwatch/logGroup:LogGroup").state["arn"] + ":*"
    assert statements["ReadDataTierSecrets"]["Resource"] == sorted([DB_SECRET, CACHE_SECRET])
    task_policy = policy_of(plan, "app-task-secrets")["Statement"]
    assert [s["Sid"] for s in task_policy] == ["ReadDataTierSecrets", "DecryptThroughSecretsManager"]
    assert task_policy[1]["Condition"] == {"StringEquals": {"kms:ViaService": "secretsmanager.eu-west-1.amazonaws.com"}}
    # No AWS managed policy (AmazonECSTaskExecutionRolePolicy allows every repository and log group):
    # the one attachment is the infrastructure role's, for traffic shifting.
    attachments = plan.by_type("aws:iam/rolePolicyAttachment:RolePolicyAttachment")
    assert [a.inputs["role"] for a in attachments] == [plan.one(ROLE, "app-infrastructure").id]


def test_the_task_definition_waits_for_the_permissions_its_tasks_start_with(plan):
    # A task started before the execution role may pull, log and resolve its secrets fails
    # (CannotPullContainerError / ResourceInitializationError); the role alone is not enough.
    task = plan.one(TASK)
    assert task.depends_on(plan.one(POLICY, "app-execution"))
    assert task.depends_on(plan.one(POLICY, "app-task-secrets"))


@pytest.mark.parametrize("rollout", ["canary", "blue-green"])
def test_the_service_waits_for_the_infrastructure_roles_policy_before_ecs_shifts_traffic(rollout):
    # Turning canary on in a running stack creates the role, its attachment and updates the
    # service in one pulumi up: ECS must not start the deployment with a role that may do nothing.
    plan = build(rollout=rollout)
    assert plan.one(SERVICE).depends_on(plan.one("aws:iam/rolePolicyAttachment:RolePolicyAttachment"))


# ----------------------------------------------------------------------------- the service


def test_the_service_runs_in_the_private_subnets_on_the_app_group_without_a_public_ip(plan):
    service = plan.one(SERVICE)
    assert service.inputs["networkConfiguration"] == {"subnets": PRIVATE, "securityGroups": [APP_GROUP],
                                                      "assignPublicIp": False}
    assert service.inputs["launchType"] == "FARGATE" and service.inputs["desiredCount"] == 2
    assert service.inputs["enableExecuteCommand"] is False
    assert "desiredCount" in service.ignore_changes  # autoscaling owns the count


def test_the_target_group_checks_the_health_path_of_the_tasks(plan):
    for group in plan.by_type(GROUP):
        assert (group.inputs["targetType"], group.inputs["port"], group.inputs["vpcId"]) == ("ip", 3000, VPC)
        assert group.inputs["healthCheck"]["path"] == "/api/health" and group.inputs["healthCheck"]["matcher"] == "200"
    (binding,) = plan.one(SERVICE).inputs["loadBalancers"]
    assert (binding["containerName"], binding["containerPort"]) == ("app", 3000)


def test_a_direct_rollout_is_an_ecs_rolling_deployment_with_the_circuit_breaker():
    plan = build(rollout="direct")
    service = plan.one(SERVICE)
    assert service.inputs["deploymentConfiguration"] == {"strategy": "ROLLING"}
    assert service.inputs["deploymentCircuitBreaker"] == {"enable": True, "rollback": True}
    assert (service.inputs["deploymentMinimumHealthyPercent"], service.inputs["deploymentMaximumPercent"]) == (100, 200)
    assert len(plan.by_type(GROUP)) == 1 and not plan.by_type("aws:iam/rolePolicyAttachment:RolePolicyAttachment")
    (binding,) = service.inputs["loadBalancers"]
    assert "advancedConfiguration" not in binding
    rule = plan.one(RULE)
    assert rule.inputs["actions"] == [{"type": "forward", "targetGroupArn": plan.one(GROUP).state["arn"]}]
    assert service.depends_on(rule)  # ECS registers tasks only with a group the load balancer forwards to


@pytest.mark.parametrize("steps, strategy, configuration", [
    ([5, 10, 25, 50, 100], "LINEAR", {"linearConfiguration": {"stepPercent": 5, "stepBakeTimeInMinutes": "2"}}),
    ([10, 100], "CANARY", {"canaryConfiguration": {"canaryPercent": 10, "canaryBakeTimeInMinutes": "2"}}),
    ([25, 50, 75, 100], "LINEAR", {"linearConfiguration": {"stepPercent": 25, "stepBakeTimeInMinutes": "2"}}),
])
def test_a_canary_shifts_traffic_with_ecs_canary_or_linear_through_every_listed_step(steps, strategy, configuration):
    plan = build(canary_steps=steps)
    assert plan.one(SERVICE).inputs["deploymentConfiguration"] == {"strategy": strategy, "bakeTimeInMinutes": "10",
                                                                   **configuration}


@pytest.mark.parametrize("rollout", ["canary", "blue-green"])
def test_rollouts_that_shift_traffic_get_two_target_groups_and_let_ecs_own_the_weights(rollout):
    plan = build(rollout=rollout)
    primary, alternate = plan.one(GROUP, "app-primary"), plan.one(GROUP, "app-alternate")
    rule = plan.one(RULE)
    assert rule.inputs["actions"] == [{"type": "forward", "forward": {"targetGroups": [
        {"arn": primary.state["arn"], "weight": 100}, {"arn": alternate.state["arn"], "weight": 0}]}}]
    assert rule.ignore_changes == ["actions"]
    role = plan.one(ROLE, "app-infrastructure")
    assert json.loads(role.inputs["assumeRolePolicy"])["Statement"][0]["Principal"] == {"Service": "ecs.amazonaws.com"}
    attachment = plan.one("aws:iam/rolePolicyAttachment:RolePolicyAttachment")
    assert attachment.inputs["policyArn"] == "arn:aws:iam::aws:policy/AmazonECSInfrastructureRolePolicyForLoadBalancers"
    (binding,) = plan.one(SERVICE).inputs["loadBalancers"]
    assert binding["targetGroupArn"] == primary.state["arn"]
    assert binding["advancedConfiguration"] == {"alternateTargetGroupArn": alternate.state["arn"],
                                                "productionListenerRule": rule.state["arn"],
                                                "roleArn": role.state["arn"]}
    assert "deploymentCircuitBreaker" not in plan.one(SERVICE).inputs  # rolling deployments only
    if rollout == "blue-green":
        assert plan.one(SERVICE).inputs["deploymentConfiguration"] == {"strategy": "BLUE_GREEN",
                                                                       "bakeTimeInMinutes": "10"}


def test_alarms_on_the_load_balancer_stop_and_roll_back_a_bad_deployment(plan):
    alarms = {a.name: a for a in plan.by_type(ALARM)}
    assert set(alarms) == {"app-rollback-5xx-rate", "app-rollback-latency-p95"}
    assert plan.one(SERVICE).inputs["alarms"] == {
        "alarmNames": [alarms["app-rollback-5xx-rate"].inputs["name"], alarms["app-rollback-latency-p95"].inputs["name"]],
        "enable": True, "rollback": True}
    suffix = plan.one("aws:lb/loadBalancer:LoadBalancer").state["arnSuffix"]
    rate = alarms["app-rollback-5xx-rate"].inputs
    assert rate["threshold"] == 5 and rate["actionsEnabled"] is False and rate["treatMissingData"] == "notBreaching"
    assert rate["metricQueries"][-1]["expression"] == "100 * (FILL(targets, 0) + FILL(balancer, 0)) / requests"
    assert {q["metric"]["dimensions"]["LoadBalancer"] for q in rate["metricQueries"][:-1]} == {suffix}
    latency = alarms["app-rollback-latency-p95"].inputs
    assert (latency["extendedStatistic"], latency["threshold"], latency["dimensions"]) == ("p95", 3, {"LoadBalancer": suffix})


# ---------------------------------------------------------------------- the load balancer


def test_the_load_balancer_faces_the_internet_from_the_public_subnets_and_admits_cloudfront_only(plan):
    balancer = plan.one("aws:lb/loadBalancer:LoadBalancer")
    group = group_named(plan, "app-load-balancer")
    assert balancer.inputs["internal"] is False and balancer.inputs["subnets"] == PUBLIC
    assert balancer.inputs["securityGroups"] == [group.id] and balancer.inputs["dropInvalidHeaderFields"] is True
    (inbound,) = [r for r in plan.by_type(INGRESS) if r.inputs["securityGroupId"] == group.id]
    assert (inbound.inputs["prefixListId"], inbound.inputs["fromPort"], inbound.inputs["toPort"]) == (
        MANAGED_PREFIX_LISTS["com.amazonaws.global.cloudfront.origin-facing"], 443, 443)
    (outbound,) = [r for r in plan.by_type(EGRESS) if r.inputs["securityGroupId"] == group.id]
    assert (outbound.inputs["referencedSecurityGroupId"], outbound.inputs["fromPort"]) == (APP_GROUP, 3000)
    (to_tasks,) = [r for r in plan.by_type(INGRESS) if r.inputs["securityGroupId"] == APP_GROUP]
    assert (to_tasks.inputs["referencedSecurityGroupId"], to_tasks.inputs["fromPort"]) == (group.id, 3000)


def test_https_uses_a_tls_13_policy_and_the_origin_certificate_and_http_only_redirects(plan):
    https, http = sorted(plan.by_type(LISTENER), key=lambda r: -r.inputs["port"])
    validation = plan.one("aws:acm/certificateValidation:CertificateValidation")
    assert (https.inputs["protocol"], https.inputs["sslPolicy"]) == ("HTTPS", "ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09")
    assert https.inputs["certificateArn"] == validation.state["certificateArn"]
    assert https.inputs["defaultActions"] == [{"type": "fixed-response", "fixedResponse": {
        "contentType": "text/plain", "messageBody": "Forbidden", "statusCode": "403"}}]
    assert http.inputs["defaultActions"] == [{"type": "redirect", "redirect": {
        "port": "443", "protocol": "HTTPS", "statusCode": "HTTP_301"}}]
    assert plan.one("aws:acm/certificate:Certificate").inputs["domainName"] == "origin.shop.example.com"


def test_only_requests_carrying_the_cdns_origin_secret_are_forwarded(plan):
    rule = plan.one(RULE)
    (condition,) = rule.inputs["conditions"]
    header = condition["httpHeader"]
    assert header["httpHeaderName"] == ORIGIN_VERIFY_HEADER
    secret = plan.one("random:index/randomPassword:RandomPassword").state["result"].value
    assert [v.value if isinstance(v, Secret) else v for v in header["values"]] == [secret]
    assert rule.inputs["listenerArn"] == [x for x in plan.by_type(LISTENER) if x.inputs["port"] == 443][0].state["arn"]
    outputs = plan.one("webstack:index:EcsApp").component_outputs["origin_headers"]
    assert outputs[ORIGIN_VERIFY_HEADER].value == secret


def test_with_a_hosted_zone_the_certificate_validates_and_the_origin_name_aliases_the_load_balancer(plan):
    records = {r.name: r for r in plan.by_type(RECORD)}
    balancer = plan.one("aws:lb/loadBalancer:LoadBalancer")
    alias = records["app-origin-alias"]
    assert (alias.inputs["zoneId"], alias.inputs["name"], alias.inputs["type"]) == (ZONE, "origin.shop.example.com", "A")
    assert alias.inputs["aliases"] == [{"name": balancer.state["dnsName"], "zoneId": balancer.state["zoneId"],
                                        "evaluateTargetHealth": True}]
    validation = plan.one("aws:acm/certificateValidation:CertificateValidation")
    assert validation.inputs["validationRecordFqdns"] == [records["app-origin-cert-validation"].state["fqdn"]]
    assert plan.one("webstack:index:EcsApp").component_outputs["dns_records"] == []


def test_without_a_hosted_zone_the_records_to_create_are_listed():
    plan = build(hosted_zone_id=None)
    assert not plan.by_type(RECORD)
    records = plan.one("webstack:index:EcsApp").component_outputs["dns_records"]
    balancer = plan.one("aws:lb/loadBalancer:LoadBalancer")
    assert records[-1] == {"name": "origin.shop.example.com", "type": "CNAME", "value": balancer.state["dnsName"]}
    assert records[0]["type"] == "CNAME" and records[0]["value"].endswith(".acm-validations.aws.")
    assert "validationRecordFqdns" not in plan.one("aws:acm/certificateValidation:CertificateValidation").inputs


def test_deletion_protection_and_access_logs_to_a_locked_sse_s3_bucket(plan):
    balancer = plan.one("aws:lb/loadBalancer:LoadBalancer")
    bucket = plan.one("aws:s3/bucket:Bucket")
    assert balancer.inputs["enableDeletionProtection"] is True
    assert balancer.inputs["accessLogs"] == {"bucket": bucket.state["bucket"], "enabled": True, "prefix": "alb"}
    (rule,) = plan.one("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"
                       ).inputs["rules"]
    assert rule["applyServerSideEncryptionByDefault"] == {"sseAlgorithm": "AES256"}  # ELB cannot write to SSE-KMS
    block = plan.one("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock").inputs
    assert all(block[k] is True for k in ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls",
                                          "restrictPublicBuckets"))
    policy = plan.one("aws:s3/bucketPolicy:BucketPolicy")
    deny, write = json.loads(policy.inputs["policy"])["Statement"]
    assert deny["Effect"] == "Deny" and deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    assert write["Principal"] == {"AWS": "arn:aws:iam::156460612806:root",
                                  "Service": "logdelivery.elasticloadbalancing.amazonaws.com"}
    assert write["Resource"].endswith("/alb/AWSLogs/123456789012/*")
    assert balancer.depends_on(policy)  # ELB checks its write access when logging is turned on


def test_in_a_region_opened_after_august_2022_only_the_log_delivery_service_writes_the_access_logs():
    # No ELB account exists there (the provider's get_service_account fails: "unsupported AWS Region").
    plan = synth(component_program(e.EcsApp, "app", args(), provider="main", region="me-central-1"),
                 config={"aws:region": "me-central-1"})
    _, write = json.loads(plan.one("aws:s3/bucketPolicy:BucketPolicy").inputs["policy"])["Statement"]
    assert write["Principal"] == {"Service": "logdelivery.elasticloadbalancing.amazonaws.com"}
    assert write["Action"] == "s3:PutObject"


def test_access_log_writers_per_region():
    assert ecs_load_balancer.access_log_writers("us-east-1") == {
        "AWS": "arn:aws:iam::127311923021:root", "Service": "logdelivery.elasticloadbalancing.amazonaws.com"}
    for region in ("me-central-1", "eu-central-2", "ap-southeast-4", "il-central-1", "ca-west-1", "mx-central-1"):
        assert ecs_load_balancer.access_log_writers(region) == {
            "Service": "logdelivery.elasticloadbalancing.amazonaws.com"}


def test_without_access_logs_or_protection_there_is_no_bucket():
    plan = build(access_logs=False, deletion_protection=False)
    balancer = plan.one("aws:lb/loadBalancer:LoadBalancer")
    assert balancer.inputs["enableDeletionProtection"] is False and "accessLogs" not in balancer.inputs
    assert not plan.by_type("aws:s3/bucket:Bucket")


# ------------------------------------------------------------------ the way to AWS APIs


def test_the_tasks_reach_ecr_logs_and_secrets_through_vpc_endpoints_not_nat(plan):
    endpoints = {r.inputs["serviceName"]: r for r in plan.by_type(ENDPOINT)}
    group = group_named(plan, "app-endpoints")
    for service in ecs_network.INTERFACE_ENDPOINTS:
        endpoint = endpoints[f"com.amazonaws.eu-west-1.{service}"]
        assert endpoint.inputs["vpcEndpointType"] == "Interface" and endpoint.inputs["privateDnsEnabled"] is True
        assert endpoint.inputs["subnetIds"] == PRIVATE and endpoint.inputs["securityGroupIds"] == [group.id]
    s3 = endpoints["com.amazonaws.eu-west-1.s3"]
    assert s3.inputs["vpcEndpointType"] == "Gateway" and s3.inputs["routeTableIds"] == ROUTES
    (statement,) = json.loads(s3.inputs["policy"])["Statement"]
    assert statement["Resource"] == "arn:aws:s3:::prod-eu-west-1-starport-layer-bucket/*"
    assert not [r for r in plan if r.type in ("aws:ec2/natGateway:NatGateway", "aws:ec2/eip:Eip")]
    out = {(r.inputs.get("referencedSecurityGroupId") or r.inputs.get("prefixListId"), r.inputs["fromPort"])
           for r in plan.by_type(EGRESS) if r.inputs["securityGroupId"] == APP_GROUP}
    assert out == {(group.id, 443), (s3.state["prefixListId"], 443)}
    (inbound,) = [r for r in plan.by_type(INGRESS) if r.inputs["securityGroupId"] == group.id]
    assert (inbound.inputs["referencedSecurityGroupId"], inbound.inputs["fromPort"]) == (APP_GROUP, 443)


def test_the_tasks_start_once_their_way_to_ecr_logs_secrets_and_the_load_balancer_exists(plan):
    """A task that cannot reach ECR or Secrets Manager fails to start ("unable to pull secrets
    or registry auth") and one the load balancer cannot health-check is replaced: on the first
    deployment the circuit breaker would count them as failures. The service takes its group
    once the endpoints and every rule of the app group exist."""
    service = plan.one("aws:ecs/service:Service")
    waits = {r.urn for r in plan.waits_for(service)}
    needed = plan.by_type(ENDPOINT) + [r for r in plan.by_type(EGRESS) + plan.by_type(INGRESS)
                                       if APP_GROUP in (r.inputs["securityGroupId"], r.inputs.get("referencedSecurityGroupId"))]
    assert len(needed) == len(ecs_network.INTERFACE_ENDPOINTS) + 1 + 5
    assert [r.name for r in needed if r.urn not in waits] == []
    assert service.inputs["networkConfiguration"]["securityGroups"] == [APP_GROUP]


def test_endpoints_span_the_zones_asked_for_or_none_when_the_vpc_has_them():
    one_zone = build(endpoint_zones=1)
    assert {tuple(r.inputs["subnetIds"]) for r in one_zone.by_type(ENDPOINT)
            if r.inputs["vpcEndpointType"] == "Interface"} == {(PRIVATE[0],)}
    none = build(vpc_endpoints=False)
    assert not none.by_type(ENDPOINT) and not [g for g in none.by_type(SG) if g.name == "app-endpoints"]


# ---------------------------------------------------------------------------- autoscaling


def test_autoscaling_tracks_cpu_70_and_memory_80_between_the_bounds(plan):
    target = plan.one("aws:appautoscaling/target:Target")
    assert (target.inputs["minCapacity"], target.inputs["maxCapacity"]) == (2, 20)
    assert target.inputs["resourceId"] == "service/webstack-test-app/web"
    policies = {p.name: p.inputs["targetTrackingScalingPolicyConfiguration"]
                for p in plan.by_type("aws:appautoscaling/policy:Policy")}
    assert {name: (c["predefinedMetricSpecification"]["predefinedMetricType"], c["targetValue"])
            for name, c in policies.items()} == {
        "app-scale-on-cpu": ("ECSServiceAverageCPUUtilization", 70), "app-scale-on-memory":
            ("ECSServiceAverageMemoryUtilization", 80)}
    assert all(c["scaleInCooldown"] == 300 and c["disableScaleIn"] is False for c in policies.values())


def test_without_a_memory_target_only_cpu_scales():
    plan = build(memory_target_percent=None)
    assert [p.name for p in plan.by_type("aws:appautoscaling/policy:Policy")] == ["app-scale-on-cpu"]


# ------------------------------------------------------------------------------ pure parts


def test_fargate_sizes_follow_the_task_cpu():
    assert ecs_tasks.fargate_memory_options(256) == [512, 1024, 2048]
    assert ecs_tasks.fargate_memory_options(1024) == list(range(2048, 8193, 1024))
    assert ecs_tasks.fargate_memory_options(8192)[:2] == [16384, 20480]


def test_a_linear_step_lands_on_every_listed_step():
    assert ecs_tasks.linear_step([5, 10, 25, 50, 100]) == 5
    assert ecs_tasks.linear_step([20, 40, 100]) == 20
    for steps in ([5, 10, 25, 50, 100], [30, 60, 90, 100], [12, 36, 100]):
        step = ecs_tasks.linear_step(steps)
        assert all(s % step == 0 for s in steps) and step in steps or 100 % step == 0


def test_ecr_references_name_account_region_and_repository():
    assert ecs_tasks.ecr_repository(IMAGE) == ("123456789012", "eu-west-1", "shop/web")
    with pytest.raises(ValueError):
        ecs_tasks.ecr_repository("ghcr.io/example/shop@sha256:" + "a" * 64)


def test_secret_references_are_json_keys_of_the_secrets():
    assert ecs_tasks.secret_references(DB_SECRET, None) == {"DATABASE_USERNAME": f"{DB_SECRET}:username::",
                                                    "DATABASE_PASSWORD": f"{DB_SECRET}:password::"}
    assert ecs_tasks.secret_references(None, None) == {}


# ------------------------------------------------------------------------------ bad args


@pytest.mark.parametrize("overrides, field, allowed", [
    ({"image": "ghcr.io/example/shop@sha256:" + "a" * 64}, "ecs.image", "must be an image in Amazon ECR"),
    ({"image": IMAGE.split("@")[0] + ":latest"}, "ecs.image", "pinned by digest"),
    ({"task_cpu": 300}, "ecs.task_cpu", "must be one of"),
    ({"task_cpu": 256, "task_memory_mib": 4096}, "ecs.task_memory_mib", "Fargate offers 512 to 2048 MiB"),
    ({"min_instances": 5, "max_instances": 2}, "ecs.min_instances", "must not exceed max_instances (2)"),
    ({"port": 80}, "ecs.port", "between 1024 and 65535"),
    ({"rollout": "rolling"}, "ecs.rollout", "must be one of"),
    ({"canary_steps": [50, 25, 100]}, "ecs.canary_steps", "strictly ascending"),
    ({"canary_steps": [100]}, "ecs.canary_steps", "a canary needs a first step below 100"),
    ({"canary_steps": [1, 2, 100]}, "ecs.canary_steps", "equal steps of at least 3 %"),
    ({"ssl_policy": "ELBSecurityPolicy-2016-08"}, "ecs.ssl_policy", "must be one of"),
    ({"architecture": "arm64"}, "ecs.architecture", "must be one of"),
    ({"writable_paths": ["tmp"]}, "ecs.writable_paths", "must be absolute paths other than /"),
    ({"endpoint_zones": 0}, "ecs.endpoint_zones", "between 1 and 6"),
    ({"log_retention_days": 2}, "ecs.log_retention_days", "CloudWatch Logs retention"),
])
def test_bad_args_are_refused_before_anything_is_registered(overrides, field, allowed):
    assert_args_error(lambda: args(**overrides), field, allowed)


def test_a_component_built_from_package_inputs_is_the_same_component():
    def program():
        e.EcsApp("app", {"origin_domain": "origin.shop.example.com", "image": IMAGE, "vpc_id": VPC,
                         "subnet_ids": PRIVATE, "public_subnet_ids": PUBLIC, "app_security_group_id": APP_GROUP,
                         "task_cpu": 512.0, "task_memory_mib": 1024.0})

    plan = synth(program, config={"aws:region": "eu-west-1"})
    # The plain mapping Pulumi's component provider hands over (numbers as floats) builds the same task.
    assert (plan.one(TASK).inputs["cpu"], plan.one(TASK).inputs["memory"]) == ("512", "1024")
