"""Specification of the KubernetesApp component, object by object and field by field: the
workloads, the Ingress, the data Secret with TLS per host, and the network (NetworkPolicy,
the app security group on the pods, the CloudFront-only load balancer group)."""

from __future__ import annotations

import json

import pulumi
import pulumi_aws as aws
import pytest

from pulumi_webstack import kubernetes_app as k
from pulumi_webstack.connections import AMAZON_ROOT_CA_URL, RDS_CA_BUNDLE_URL
from pulumi_webstack.headers import SecurityHeaders, nginx_controller_config, nginx_custom_headers
from pulumi_webstack_cli.engine import MANAGED_PREFIX_LISTS, Secret, synth
from tests.helpers import assert_args_error, component_program

IMAGE = "ghcr.io/example/shop@sha256:" + "a" * 64
GREEN = "ghcr.io/example/shop@sha256:" + "b" * 64
CANARY = "ghcr.io/example/shop@sha256:" + "c" * 64
ROLE = "arn:aws:iam::123456789012:role/eks/shop-web"
DB_SECRET = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:rds!db-abc-AbCdEf"
CACHE_SECRET = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:cache-auth-XyZ123"
KEY = "arn:aws:kms:eu-west-1:123456789012:key/1111"
PROD_HEADERS = SecurityHeaders(hsts_max_age_seconds=63072000, hsts_preload=True)

DEPLOYMENT = "kubernetes:apps/v1:Deployment"
SERVICE = "kubernetes:core/v1:Service"
INGRESS = "kubernetes:networking.k8s.io/v1:Ingress"
HPA = "kubernetes:autoscaling/v2:HorizontalPodAutoscaler"
LABELS = {"app.kubernetes.io/name": "web", "app.kubernetes.io/part-of": "webstack",
          "app.kubernetes.io/managed-by": "pulumi"}
APP_GROUP, CLUSTER_GROUP = "sg-0aaaaaaaaaaaaaaa1", "sg-0ccccccccccccccc1"
CLUSTER_VPC = "vpc-0cccccccccccccccc"
SG_INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
SG_EGRESS = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"


def prod_args(**overrides) -> k.KubernetesAppArgs:
    values = dict(
        origin_domain="origin.shop.example.com",
        image=IMAGE,
        namespace="shop",
        min_instances=2,
        max_instances=20,
        rollout="canary",
        cluster_issuer="letsencrypt",
        service_account_role_arn=ROLE,
        database_host=pulumi.Output.from_input("db-proxy.proxy-c1.eu-west-1.rds.amazonaws.com"),
        database_reader_host="reader.webstack-prod-database.internal",
        database_name="app",
        database_secret_arn=DB_SECRET,
        cache_host="master.cache.euw1.cache.amazonaws.com",
        cache_reader_host="replica.cache.euw1.cache.amazonaws.com",
        cache_auth_secret_arn=CACHE_SECRET,
        secret_kms_key_arns=[KEY],
        data_cidrs=["10.42.0.0/16"],
        headers=PROD_HEADERS,
        app_security_group_id=pulumi.Output.from_input(APP_GROUP),
        cluster_vpc_id=CLUSTER_VPC,
        cluster_security_group_id=CLUSTER_GROUP,
    )
    values.update(overrides)
    return k.KubernetesAppArgs(**values)


def program(args: k.KubernetesAppArgs):
    return component_program(k.KubernetesApp, "app", args, provider="main", region="eu-west-1")


@pytest.fixture(scope="module")
def plan():
    return synth(program(prod_args()), config={"aws:region": "eu-west-1"})


@pytest.fixture(scope="module")
def canary():
    return synth(program(prod_args(canary_image=CANARY, canary_weight=10)))


@pytest.fixture(scope="module")
def blue_green():
    return synth(program(prod_args(rollout="blue-green", active_color="green", color_images={"green": GREEN})))


def pod(deployment):
    return deployment.inputs["spec"]["template"]["spec"]


# ------------------------------------------------------------------------------- mechanics


def test_children_are_parented_to_the_component(plan):
    component = plan.one("webstack:index:KubernetesApp", "app")
    for res in plan.descendants(component):
        assert res.parent == component.urn
    assert plan.one("aws:iam/rolePolicy:RolePolicy").provider_urn == plan.one("pulumi:providers:aws", "main").urn


def test_outputs(plan):
    out = plan.one("webstack:index:KubernetesApp").component_outputs
    assert out["platform"] == "kubernetes"
    assert out["namespace"] == "shop"
    assert out["deployment_name"] == "web"
    assert out["hpa_name"] == "web"
    assert out["max_replicas"] == 20
    assert out["service_name"] == "web"
    assert out["origin_domain"] == "origin.shop.example.com"
    assert out["health_url"] == "https://origin.shop.example.com/api/health"
    assert isinstance(out["origin_headers"]["X-Origin-Verify"], Secret)
    assert out["ingress_controller_config"] == nginx_controller_config(PROD_HEADERS)
    origin = plan.one("aws:ec2/securityGroup:SecurityGroup", "app-origin")
    assert out["origin_security_group_id"] == origin.id
    assert out["ingress_service_annotations"] == {
        "service.beta.kubernetes.io/aws-load-balancer-type": "external",
        "service.beta.kubernetes.io/aws-load-balancer-scheme": "internet-facing",
        "service.beta.kubernetes.io/aws-load-balancer-security-groups": origin.id,
        "service.beta.kubernetes.io/aws-load-balancer-manage-backend-security-group-rules": "true"}


def test_the_namespace_enforces_the_restricted_pod_security_standard(plan):
    ns = plan.one("kubernetes:core/v1:Namespace")
    assert ns.inputs["metadata"]["name"] == "shop"
    assert ns.inputs["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "restricted"
    for res in plan.by_type(DEPLOYMENT) + plan.by_type(SERVICE) + plan.by_type(INGRESS):
        assert res.inputs["metadata"]["namespace"] == "shop"


# ------------------------------------------------------------------------------ deployment


def test_the_deployment_rolls_without_losing_capacity(plan):
    d = plan.one(DEPLOYMENT)
    spec = d.inputs["spec"]
    assert d.inputs["metadata"]["name"] == "web"
    assert spec["replicas"] == 2
    assert spec["strategy"] == {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 0, "maxSurge": "25%"}}
    assert spec["minReadySeconds"] == 10
    assert spec["selector"] == {"matchLabels": {"app.kubernetes.io/name": "web", "webstack.io/track": "stable"}}
    assert spec["template"]["metadata"]["labels"] == {**LABELS, "webstack.io/track": "stable"}
    assert d.ignore_changes == ["spec.replicas"], "the HPA owns the replica count"
    (container,) = pod(d)["containers"]
    assert container["lifecycle"] == {"preStop": {"sleep": {"seconds": 5}}}


def test_pods_run_unprivileged_as_non_root_with_a_read_only_root(plan):
    spec = pod(plan.one(DEPLOYMENT))
    assert spec["automountServiceAccountToken"] is False
    assert spec["serviceAccountName"] == "web"
    assert spec["securityContext"] == {
        "runAsNonRoot": True, "runAsUser": 10001, "runAsGroup": 10001, "fsGroup": 10001,
        "seccompProfile": {"type": "RuntimeDefault"}}
    (container,) = spec["containers"]
    assert container["securityContext"] == {
        "runAsNonRoot": True, "allowPrivilegeEscalation": False, "privileged": False,
        "readOnlyRootFilesystem": True, "capabilities": {"drop": ["ALL"]},
        "seccompProfile": {"type": "RuntimeDefault"}}
    assert container["volumeMounts"] == [{"name": "writable-0", "mountPath": "/tmp"}]
    assert spec["volumes"] == [{"name": "writable-0", "emptyDir": {"sizeLimit": "256Mi"}}]


def test_the_container_is_pinned_sized_and_probed_on_the_health_path(plan):
    (container,) = pod(plan.one(DEPLOYMENT))["containers"]
    assert container["image"] == IMAGE
    assert container["ports"] == [{"name": "http", "containerPort": 3000, "protocol": "TCP"}]
    assert container["resources"] == {"requests": {"cpu": "250m", "memory": "512Mi"},
                                      "limits": {"cpu": "1", "memory": "1Gi"}}
    for probe in ("livenessProbe", "readinessProbe", "startupProbe"):
        assert container[probe]["httpGet"] == {"path": "/api/health", "port": "http", "scheme": "HTTP"}
    assert container["envFrom"] == [{"secretRef": {"name": "web-data"}}]


def test_pods_spread_across_zones(plan):
    (spread,) = pod(plan.one(DEPLOYMENT))["topologySpreadConstraints"]
    assert spread["topologyKey"] == "topology.kubernetes.io/zone"
    assert spread["labelSelector"] == {"matchLabels": {"app.kubernetes.io/name": "web", "webstack.io/track": "stable"}}


# ---------------------------------------------------------------------- service, HPA, PDB


def test_the_service_is_cluster_internal_and_selects_the_stable_pods(plan):
    (svc,) = plan.by_type(SERVICE)
    assert svc.inputs["spec"] == {
        "type": "ClusterIP",
        "selector": {"app.kubernetes.io/name": "web", "webstack.io/track": "stable"},
        "ports": [{"name": "http", "port": 80, "targetPort": "http", "protocol": "TCP"}],
    }


def test_the_hpa_scales_the_deployment_2_to_20_on_cpu_70_and_memory(plan):
    hpa = plan.one(HPA)
    spec = hpa.inputs["spec"]
    assert spec["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"}
    assert hpa.depends_on(plan.one(DEPLOYMENT))
    assert (spec["minReplicas"], spec["maxReplicas"]) == (2, 20)
    assert spec["metrics"] == [
        {"type": "Resource", "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 70}}},
        {"type": "Resource", "resource": {"name": "memory", "target": {"type": "Utilization", "averageUtilization": 80}}},
    ]
    assert spec["behavior"]["scaleDown"]["stabilizationWindowSeconds"] == 300


def test_the_pdb_allows_one_pod_down_at_a_time(plan):
    pdb = plan.one("kubernetes:policy/v1:PodDisruptionBudget")
    assert pdb.inputs["spec"] == {"maxUnavailable": 1, "selector": {"matchLabels": {"app.kubernetes.io/name": "web"}}}


# ------------------------------------------------------------------------ ingress, headers


def test_the_ingress_terminates_tls_redirects_http_and_sends_the_security_headers(plan):
    ing = plan.one(INGRESS)
    cm = plan.one("kubernetes:core/v1:ConfigMap")
    assert ing.inputs["spec"]["ingressClassName"] == "nginx"
    assert ing.inputs["spec"]["tls"] == [{"hosts": ["origin.shop.example.com"], "secretName": "web-tls"}]
    (rule,) = ing.inputs["spec"]["rules"]
    assert rule["host"] == "origin.shop.example.com"
    assert rule["http"]["paths"] == [{"path": "/", "pathType": "Prefix",
                                      "backend": {"service": {"name": "web", "port": {"name": "http"}}}}]
    notes = ing.inputs["metadata"]["annotations"]
    assert notes["nginx.ingress.kubernetes.io/force-ssl-redirect"] == "true"
    assert notes["cert-manager.io/cluster-issuer"] == "letsencrypt"
    assert notes["nginx.ingress.kubernetes.io/custom-headers"] == "shop/web-security-headers"
    assert not any("snippet" in key for key in notes), "snippet annotations are disabled in ingress-nginx"
    assert cm.inputs["metadata"]["name"] == "web-security-headers"
    assert cm.inputs["data"] == nginx_custom_headers(PROD_HEADERS)
    assert cm.inputs["data"]["Strict-Transport-Security"] == "max-age=63072000; includeSubDomains; preload"


def test_network_policy_admits_only_the_ingress_controller_and_limits_egress(plan):
    policy = plan.one("kubernetes:networking.k8s.io/v1:NetworkPolicy").inputs["spec"]
    assert policy["podSelector"] == {"matchLabels": {"app.kubernetes.io/name": "web"}}
    assert policy["policyTypes"] == ["Ingress", "Egress"]
    assert policy["ingress"] == [{
        "from": [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "ingress-nginx"}}}],
        "ports": [{"protocol": "TCP", "port": 3000}]}]
    dns, https, data = policy["egress"]
    assert dns["ports"] == [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}]
    assert https == {"ports": [{"protocol": "TCP", "port": 443}]}
    assert data == {"to": [{"ipBlock": {"cidr": "10.42.0.0/16"}}],
                    "ports": [{"protocol": "TCP", "port": 5432}, {"protocol": "TCP", "port": 6379}]}


# ------------------------------------------------------------------- security groups (VPC)


def rules_of(plan, kind, group):
    return {r.name: r.inputs for r in plan.by_type(kind) if r.inputs["securityGroupId"] == group}


def test_the_pods_carry_the_app_security_group_through_a_security_group_policy(plan, blue_green):
    policy = plan.one("kubernetes:vpcresources.k8s.aws/v1beta1:SecurityGroupPolicy")
    assert policy.inputs["metadata"]["name"] == "web"
    assert policy.inputs["metadata"]["namespace"] == plan.one("kubernetes:core/v1:Namespace").state["metadata"]["name"]
    assert policy.inputs["spec"] == {"podSelector": {"matchLabels": {"app.kubernetes.io/name": "web"}},
                                     "securityGroups": {"groupIds": [APP_GROUP]}}
    # Pods get their groups when created: every Deployment waits for the policy.
    for each in (plan, blue_green):
        policy = each.one("kubernetes:vpcresources.k8s.aws/v1beta1:SecurityGroupPolicy")
        assert {d.name for d in each.by_type(DEPLOYMENT) if d.depends_on(policy)} == {
            d.name for d in each.by_type(DEPLOYMENT)} != set()


def test_pods_with_only_the_app_group_still_get_probes_dns_and_https(plan):
    ingress = rules_of(plan, SG_INGRESS, APP_GROUP)
    assert {(i["ipProtocol"], i["fromPort"], i["toPort"], i["referencedSecurityGroupId"])
            for i in ingress.values()} == {("tcp", 3000, 3000, CLUSTER_GROUP)}
    egress = rules_of(plan, SG_EGRESS, APP_GROUP)
    assert {(i["ipProtocol"], i["fromPort"], i.get("referencedSecurityGroupId") or i.get("cidrIpv4"))
            for i in egress.values()} == {("udp", 53, CLUSTER_GROUP), ("tcp", 53, CLUSTER_GROUP),
                                          ("tcp", 443, "0.0.0.0/0")}
    # CoreDNS sits behind the cluster group, which must take the pods' queries.
    dns = rules_of(plan, SG_INGRESS, CLUSTER_GROUP)
    assert {(i["ipProtocol"], i["fromPort"], i["referencedSecurityGroupId"]) for i in dns.values()} == {
        ("udp", 53, APP_GROUP), ("tcp", 53, APP_GROUP)}


def test_the_load_balancer_group_admits_https_from_cloudfront_only(plan):
    origin = plan.one("aws:ec2/securityGroup:SecurityGroup", "app-origin")
    assert origin.inputs["vpcId"] == CLUSTER_VPC
    (rule,) = rules_of(plan, SG_INGRESS, origin.id).values()
    assert (rule["ipProtocol"], rule["fromPort"], rule["toPort"], rule["prefixListId"]) == (
        "tcp", 443, 443, MANAGED_PREFIX_LISTS["com.amazonaws.global.cloudfront.origin-facing"])
    (out,) = rules_of(plan, SG_EGRESS, origin.id).values()
    assert out["referencedSecurityGroupId"] == CLUSTER_GROUP


def test_without_the_cluster_settings_no_security_group_is_touched():
    plan = synth(program(prod_args(app_security_group_id=None, cluster_vpc_id=None, cluster_security_group_id=None)))
    assert not [r for r in plan if r.type.startswith("aws:vpc/") or r.type.startswith("aws:ec2/")]
    assert not plan.by_type("kubernetes:vpcresources.k8s.aws/v1beta1:SecurityGroupPolicy")
    out = plan.one("webstack:index:KubernetesApp").component_outputs
    assert out.get("origin_security_group_id") is None and not out.get("ingress_service_annotations")


# ------------------------------------------------------------------------------ data tier


def test_the_data_secret_holds_connection_values_never_in_clear(plan):
    secret = plan.one("kubernetes:core/v1:Secret")
    assert secret.inputs["metadata"]["name"] == "web-data"
    data = secret.inputs["stringData"]
    assert isinstance(data, Secret)
    values = data.value
    assert values["DATABASE_HOST"] == "db-proxy.proxy-c1.eu-west-1.rds.amazonaws.com"
    assert values["DATABASE_PORT"] == "5432"
    assert values["DATABASE_SECRET_ARN"] == DB_SECRET
    assert values["REDIS_AUTH_SECRET_ARN"] == CACHE_SECRET
    assert (values["DATABASE_SSLMODE"], values["DATABASE_CA_BUNDLE_URL"]) == ("verify-full", AMAZON_ROOT_CA_URL)
    assert (values["DATABASE_READER_SSLMODE"], values["DATABASE_READER_CA_BUNDLE_URL"]) == ("verify-ca",
                                                                                            RDS_CA_BUNDLE_URL)
    assert values["REDIS_URL"] == "rediss://master.cache.euw1.cache.amazonaws.com:6379"
    assert values["REDIS_CA_BUNDLE_URL"] == AMAZON_ROOT_CA_URL
    assert values["AWS_REGION"] == "eu-west-1"
    origin = plan.one("random:index/randomPassword:RandomPassword")
    assert values["ORIGIN_VERIFY_SECRET"] == origin.state["result"].value
    assert not any("PASSWORD" in key for key in values)


def test_the_irsa_role_may_read_exactly_the_data_secrets(plan):
    sa = plan.one("kubernetes:core/v1:ServiceAccount")
    assert sa.inputs["metadata"]["annotations"] == {"eks.amazonaws.com/role-arn": ROLE}
    assert sa.inputs["automountServiceAccountToken"] is False
    policy = plan.one("aws:iam/rolePolicy:RolePolicy")
    assert policy.inputs["role"] == "shop-web"
    read, decrypt = json.loads(policy.inputs["policy"])["Statement"]
    assert read["Resource"] == sorted([DB_SECRET, CACHE_SECRET])
    assert decrypt["Resource"] == [KEY]
    assert decrypt["Condition"] == {"StringEquals": {"kms:ViaService": "secretsmanager.eu-west-1.amazonaws.com"}}


def test_without_a_role_there_is_no_policy_and_no_annotation():
    plan = synth(program(prod_args(service_account_role_arn=None, data_cidrs=[])))
    assert not plan.by_type("aws:iam/rolePolicy:RolePolicy")
    assert not plan.one("kubernetes:core/v1:ServiceAccount").inputs["metadata"].get("annotations")
    assert len(plan.one("kubernetes:networking.k8s.io/v1:NetworkPolicy").inputs["spec"]["egress"]) == 2


# ---------------------------------------------------------------------------------- canary


def test_a_canary_gets_its_weight_through_an_ingress_nginx_canary_ingress(canary):
    deployments = {d.inputs["metadata"]["name"]: d for d in canary.by_type(DEPLOYMENT)}
    assert set(deployments) == {"web", "web-canary"}
    c = deployments["web-canary"]
    assert pod(c)["containers"][0]["image"] == CANARY
    assert c.inputs["spec"]["replicas"] == 1
    assert c.inputs["spec"]["selector"]["matchLabels"]["webstack.io/track"] == "canary"
    assert c.inputs["spec"]["strategy"]["rollingUpdate"]["maxUnavailable"] == 0
    assert c.ignore_changes == []
    assert pod(deployments["web"])["containers"][0]["image"] == IMAGE
    services = {s.inputs["metadata"]["name"]: s.inputs["spec"]["selector"] for s in canary.by_type(SERVICE)}
    assert services["web"]["webstack.io/track"] == "stable"
    assert services["web-canary"]["webstack.io/track"] == "canary"
    ingresses = {i.inputs["metadata"]["name"]: i for i in canary.by_type(INGRESS)}
    notes = ingresses["web-canary"].inputs["metadata"]["annotations"]
    assert notes["nginx.ingress.kubernetes.io/canary"] == "true"
    assert notes["nginx.ingress.kubernetes.io/canary-weight"] == "10"
    assert notes["nginx.ingress.kubernetes.io/custom-headers"] == "shop/web-security-headers"
    backend = ingresses["web-canary"].inputs["spec"]["rules"][0]["http"]["paths"][0]["backend"]
    assert backend["service"]["name"] == "web-canary"
    assert ingresses["web-canary"].inputs["spec"]["tls"] == ingresses["web"].inputs["spec"]["tls"]
    assert canary.one(HPA).inputs["spec"]["scaleTargetRef"]["name"] == "web"


def test_only_the_main_ingress_asks_cert_manager_for_the_shared_certificate(canary):
    # Both Ingresses name one TLS Secret; cert-manager's ingress-shim lets one Ingress own its
    # Certificate and refuses the other ("certificate resource is not owned by this ingress").
    ingresses = {i.inputs["metadata"]["name"]: i.inputs["metadata"]["annotations"] for i in canary.by_type(INGRESS)}
    assert ingresses["web"]["cert-manager.io/cluster-issuer"] == "letsencrypt"
    assert "cert-manager.io/cluster-issuer" not in ingresses["web-canary"]


@pytest.mark.parametrize("stable, weight, replicas", [(2, 5, 1), (2, 50, 1), (10, 10, 1), (10, 25, 3), (10, 50, 5)])
def test_canary_replicas_scale_the_stable_minimum_by_the_weight_and_never_drop_to_zero(stable, weight, replicas):
    assert k.canary_replicas(stable, weight) == replicas


# ------------------------------------------------------------------------------ blue/green


def test_blue_green_runs_both_colours_and_the_service_selects_the_active_one(blue_green):
    deployments = {d.inputs["metadata"]["name"]: d for d in blue_green.by_type(DEPLOYMENT)}
    assert set(deployments) == {"web-blue", "web-green"}
    assert pod(deployments["web-blue"])["containers"][0]["image"] == IMAGE
    assert pod(deployments["web-green"])["containers"][0]["image"] == GREEN
    for color, d in deployments.items():
        assert d.inputs["spec"]["strategy"]["rollingUpdate"]["maxUnavailable"] == 0
        assert d.inputs["spec"]["replicas"] == 2
    assert deployments["web-green"].ignore_changes == ["spec.replicas"]
    assert deployments["web-blue"].ignore_changes == []
    services = {s.inputs["metadata"]["name"]: s.inputs["spec"]["selector"] for s in blue_green.by_type(SERVICE)}
    assert services == {
        "web": {"app.kubernetes.io/name": "web", "webstack.io/color": "green"},
        "web-preview": {"app.kubernetes.io/name": "web", "webstack.io/color": "blue"},
    }
    assert blue_green.one(HPA).inputs["spec"]["scaleTargetRef"]["name"] == "web-green"
    assert blue_green.one("webstack:index:KubernetesApp").component_outputs["deployment_name"] == "web-green"
    (ing,) = blue_green.by_type(INGRESS)
    assert ing.inputs["spec"]["rules"][0]["http"]["paths"][0]["backend"]["service"]["name"] == "web"


def test_switching_colour_moves_the_selector_and_the_hpa():
    plan = synth(program(prod_args(rollout="blue-green", active_color="blue", color_images={"green": GREEN},
                                   service_account_role_arn=None)))
    svc = next(s for s in plan.by_type(SERVICE) if s.inputs["metadata"]["name"] == "web")
    assert svc.inputs["spec"]["selector"]["webstack.io/color"] == "blue"
    assert plan.one(HPA).inputs["spec"]["scaleTargetRef"]["name"] == "web-blue"


# ------------------------------------------------------------------------------ pure helpers


def test_quantity_helpers():
    assert k.cpu_millicores("250m") == 250 and k.cpu_millicores("1.5") == 1500
    assert k.memory_bytes("512Mi") == 512 * 2**20 and k.memory_bytes("1G") == 10**9
    assert k.role_name("arn:aws:iam::123456789012:role/a/b/app-role") == "app-role"


# ------------------------------------------------------------------------------- validation


@pytest.mark.parametrize(
    "overrides, field, allowed",
    [
        ({"origin_domain": "Origin.Example.com"}, "kubernetes.origin_domain", "DNS name"),
        ({"image": "ghcr.io/example/shop:latest"}, "kubernetes.image", "pinned by digest"),
        ({"namespace": "Shop"}, "kubernetes.namespace", "DNS label"),
        ({"app_name": "web_app"}, "kubernetes.app_name", "DNS label"),
        ({"port": 80}, "kubernetes.port", "between 1024 and 65535"),
        ({"min_instances": 5, "max_instances": 3}, "kubernetes.min_instances", "must not exceed max_instances"),
        ({"max_instances": 0}, "kubernetes.max_instances", "between 1 and 100"),
        ({"cpu_target_percent": 100}, "kubernetes.cpu_target_percent", "between 10 and 95"),
        ({"memory_target_percent": 5}, "kubernetes.memory_target_percent", "between 10 and 95"),
        ({"cpu_request": "lots"}, "kubernetes.cpu_request", "CPU quantity"),
        ({"cpu_request": "2", "cpu_limit": "1"}, "kubernetes.cpu_request", "must not exceed cpu_limit"),
        ({"memory_limit": "1GB"}, "kubernetes.memory_limit", "memory quantity"),
        ({"memory_request": "2Gi"}, "kubernetes.memory_request", "must not exceed memory_limit"),
        ({"health_path": "health"}, "kubernetes.health_path", "path"),
        ({"rollout": "rolling"}, "kubernetes.rollout", "must be one of"),
        ({"active_color": "red"}, "kubernetes.active_color", "must be one of"),
        ({"rollout": "blue-green", "color_images": {"red": GREEN}}, "kubernetes.color_images", "must be one of"),
        ({"rollout": "blue-green", "color_images": {"green": "shop:2"}}, "kubernetes.color_images",
         "pinned by digest"),
        ({"color_images": {"green": GREEN}}, "kubernetes.color_images", "only applies to rollout 'blue-green'"),
        ({"canary_steps": [5, 50, 25, 100]}, "kubernetes.canary_steps", "ascending"),
        ({"canary_steps": [5, 10]}, "kubernetes.canary_steps", "ending at 100"),
        ({"rollout": "direct", "canary_image": CANARY}, "kubernetes.canary_image", "needs rollout 'canary'"),
        ({"canary_image": "shop:canary"}, "kubernetes.canary_image", "pinned by digest"),
        ({"canary_image": CANARY, "canary_weight": 7}, "kubernetes.canary_weight", "one of the canary steps"),
        ({"canary_weight": 10}, "kubernetes.canary_weight", "needs canary_image"),
        ({"canary_image": CANARY, "canary_weight": 100}, "kubernetes.canary_weight", "promote it"),
        ({"ingress_class": "NGINX"}, "kubernetes.ingress_class", "IngressClass"),
        ({"cluster_issuer": "Lets Encrypt"}, "kubernetes.cluster_issuer", "ClusterIssuer"),
        ({"tls_secret_name": "web_tls"}, "kubernetes.tls_secret_name", "Secret name"),
        ({"service_account_role_arn": "arn:aws:iam::123456789012:user/web"}, "kubernetes.service_account_role_arn",
         "IAM role ARN"),
        ({"database_name": "App"}, "kubernetes.database_name", "PostgreSQL identifier"),
        ({"database_port": 0}, "kubernetes.database_port", "between 1 and 65535"),
        ({"data_cidrs": ["0.0.0.0/0"]}, "kubernetes.data_cidrs", "never /0"),
        ({"cluster_security_group_id": None}, "kubernetes.cluster_security_group_id", "required when the pods carry a security group"),
        ({"cluster_security_group_id": "eks-cluster-sg"}, "kubernetes.cluster_security_group_id", "sg-"),
        ({"cluster_vpc_id": "vpc-shop"}, "kubernetes.cluster_vpc_id", "vpc-"),
        ({"run_as_user": 0}, "kubernetes.run_as_user", "between 1 and"),
        ({"writable_paths": ["/"]}, "kubernetes.writable_paths", "absolute paths other than /"),
        ({"headers": None}, "kubernetes.headers", "SecurityHeaders"),
    ],
)
def test_bad_args_are_refused_before_anything_is_registered(overrides, field, allowed):
    assert_args_error(lambda: prod_args(**overrides), field, allowed)


def test_pods_start_with_the_irsa_role_able_to_read_the_secrets(plan):
    """IAM is eventually consistent: pods given the role before its policy is attached fail
    their first reads. The service account names the role once the policy exists, and every
    Deployment runs as that service account."""
    policy = plan.one("aws:iam/rolePolicy:RolePolicy")
    account = plan.one("kubernetes:core/v1:ServiceAccount")
    assert policy.urn in account.property_dependencies["metadata"]
    for deployment in plan.by_type(DEPLOYMENT):
        assert account in plan.waits_for(deployment)
