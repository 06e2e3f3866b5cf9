"""Specification of the VercelApp component: project, origin lock, headers on every route,
firewall, deployment protection, rolling release, sensitive data-tier variables with TLS per
host, OIDC role of the pinned team, functions next to the data, and the Secure Compute
network peered into the data tier's VPC."""

from __future__ import annotations

import json

import pulumi
import pulumi_aws as aws
import pytest

from pulumi_webstack import secure_compute as sc
from pulumi_webstack import vercel_app as v
from pulumi_webstack.connections import AMAZON_ROOT_CA_URL, RDS_CA_BUNDLE_URL
from pulumi_webstack.headers import SecurityHeaders, response_headers
from pulumi_webstack.names import AWS_REGIONS
from pulumi_webstack_cli.engine import VERCEL_ACCOUNT_ID, Secret, synth
from tests.helpers import assert_args_error, component_program

PROJECT = "vercel:index/project:Project"
ENV = "vercel:index/projectEnvironmentVariable:ProjectEnvironmentVariable"
FIREWALL = "vercel:index/firewallConfig:FirewallConfig"
DB_SECRET = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:rds!db-abc-AbCdEf"
CACHE_SECRET = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:cache-auth-XyZ123"
DB_KEY = "arn:aws:kms:eu-west-1:123456789012:key/1111"
CACHE_KEY = "arn:aws:kms:eu-west-1:123456789012:key/2222"
NETWORK = "vercel:index/network:Network"
ACCEPTER = "aws:ec2/vpcPeeringConnectionAccepter:VpcPeeringConnectionAccepter"
INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
PCX = "pcx-0123456789abcdef0"
VPC = "vpc-0123456789abcdef0"
TABLES = ["rtb-0123456789abcdef0", "rtb-0123456789abcdef1"]
DB_GROUP, CACHE_GROUP = "sg-0123456789abcdef0", "sg-0123456789abcdef1"
READER_ZONE = "Z0READERZONE0000000000"
READER = "reader.webstack-prod-database.internal"
PROD_HEADERS = SecurityHeaders(hsts_max_age_seconds=63072000, hsts_preload=True)


def prod_args(**overrides) -> v.VercelAppArgs:
    values = dict(
        project_name="shop",
        origin_domain="origin.shop.example.com",
        git_repository="example/shop",
        root_directory="apps/web",
        team_id="team_example",
        database_host=pulumi.Output.from_input("db-proxy.proxy-c1.eu-west-1.rds.amazonaws.com"),
        database_reader_host=pulumi.Output.from_input(READER),
        database_port=pulumi.Output.from_input(5432),
        database_name="app",
        database_secret_arn=DB_SECRET,
        cache_host="master.cache.abc.euw1.cache.amazonaws.com",
        cache_reader_host="replica.cache.abc.euw1.cache.amazonaws.com",
        cache_port=6379,
        cache_auth_secret_arn=CACHE_SECRET,
        secret_kms_key_arns=[DB_KEY, CACHE_KEY],
        rollout="canary",
        canary_steps=[5, 10, 25, 50, 100],
        log_drain_url="https://logs.example.com/vercel",
        hosted_zone_id="Z0123456789ABCDEFGHIJ",
        headers=PROD_HEADERS,
        secure_compute_cidr="10.240.32.0/20",
        peering_connection_id=PCX,
        vpc_id=pulumi.Output.from_input(VPC),
        route_table_ids=[pulumi.Output.from_input(t) for t in TABLES],
        database_security_group_id=DB_GROUP,
        cache_security_group_id=CACHE_GROUP,
        reader_zone_id=READER_ZONE,
    )
    values.update(overrides)
    return v.VercelAppArgs(**values)


def program(args: v.VercelAppArgs):
    return component_program(v.VercelApp, "app", args, provider="main", region="eu-west-1")


@pytest.fixture(scope="module")
def plan():
    return synth(program(prod_args()), config={"aws:region": "eu-west-1"})


@pytest.fixture(scope="module")
def minimal():
    return synth(program(v.VercelAppArgs(project_name="shop-dev", origin_domain="origin.dev.example.com")))


def env_vars(plan) -> dict[str, dict]:
    return {r.inputs["key"]: r.inputs for r in plan.by_type(ENV)}


# ------------------------------------------------------------------------------- mechanics


def test_children_are_parented_and_aws_children_use_the_callers_provider(plan):
    component = plan.one("webstack:index:VercelApp", "app")
    provider = plan.one("pulumi:providers:aws", "main")
    children = plan.descendants(component)
    assert {r.type for r in children} >= {PROJECT, ENV, FIREWALL, "vercel:index/projectRoute:ProjectRoute",
                                          "vercel:index/projectDomain:ProjectDomain", "aws:iam/role:Role",
                                          NETWORK, ACCEPTER, INGRESS, "aws:ec2/route:Route"}
    for res in children:
        assert res.parent == component.urn
        if res.type.startswith("aws:"):
            assert res.provider_urn == provider.urn


def test_outputs(plan):
    out = plan.one("webstack:index:VercelApp").component_outputs
    assert out["platform"] == "vercel"
    assert out["project_id"] == plan.one(PROJECT).id
    assert out["origin_domain"] == "origin.shop.example.com"
    assert out["health_url"] == "https://origin.shop.example.com/api/health"
    assert out["role_arn"] == plan.one("aws:iam/role:Role").state["arn"]
    assert out["oidc_provider_arn"] == plan.one("aws:iam/openIdConnectProvider:OpenIdConnectProvider").state["arn"]
    assert isinstance(out["origin_headers"]["X-Origin-Verify"], Secret)
    assert out["environment_variables"] == sorted(env_vars(plan))
    assert out["function_region"] == "dub1"
    assert out["secure_compute_network_id"] == plan.one(NETWORK).id
    assert out["secure_compute_steps"].startswith("Vercel Secure Compute needs a Vercel Enterprise team.")


# --------------------------------------------------------------------------------- project


def test_the_project_builds_from_git_with_previews_protected(plan):
    project = plan.one(PROJECT).inputs
    assert project["name"] == "shop"
    assert project["framework"] == "nextjs"
    assert project["rootDirectory"] == "apps/web"
    assert project["teamId"] == "team_example"
    assert project["gitRepository"] == {"type": "github", "repo": "example/shop", "productionBranch": "main"}
    assert project["vercelAuthentication"] == {"deploymentType": "standard_protection_new"}
    assert project["gitForkProtection"] is True
    assert project["oidcTokenConfig"] == {"issuerMode": "team"}
    assert project["skewProtection"] == "12 hours"


def test_every_vercel_resource_names_the_pinned_team(plan):
    vercel_resources = [r for r in plan if r.type.startswith("vercel:")]
    assert len(vercel_resources) > 20
    assert {r.inputs.get("teamId") for r in vercel_resources} == {"team_example"}


@pytest.mark.parametrize("region, vercel_region", [("eu-west-1", "dub1"), ("us-east-1", "iad1"),
                                                   ("eu-south-1", "fra1"), ("ap-southeast-3", "sin1")])
def test_functions_run_in_the_vercel_region_nearest_the_data(region, vercel_region):
    args = v.VercelAppArgs(project_name="shop", origin_domain="o.example.com")
    plan = synth(component_program(v.VercelApp, "app", args, provider="main", region=region),
                 config={"aws:region": region})
    assert plan.one(PROJECT).inputs["resourceConfig"] == {"functionDefaultRegions": [vercel_region]}


def test_every_commercial_aws_region_has_a_nearest_vercel_region_and_no_other_partition_does():
    commercial = {r for r in AWS_REGIONS if not r.startswith(("cn-", "us-gov-", "eusc-")) and "-iso" not in r}
    assert set(sc.NEAREST_VERCEL_REGION) == commercial
    assert set(sc.NEAREST_VERCEL_REGION.values()) == set(sc.VERCEL_REGIONS)
    assert all(sc.vercel_region(aws) == vercel for vercel, aws in sc.VERCEL_REGIONS.items())
    assert sc.vercel_region("cn-north-1") is None and sc.vercel_region("us-gov-west-1") is None


def test_the_origin_host_is_the_project_domain_with_a_cname_to_vercel(plan):
    project = plan.one(PROJECT)
    domain = plan.one("vercel:index/projectDomain:ProjectDomain")
    assert domain.inputs["domain"] == "origin.shop.example.com"
    assert domain.inputs["projectId"] == project.id
    record = plan.one("aws:route53/record:Record")
    assert (record.inputs["name"], record.inputs["type"], record.inputs["records"]) == (
        "origin.shop.example.com", "CNAME", ["cname.vercel-dns.com"])


def test_every_route_gets_the_security_headers(plan):
    route = plan.one("vercel:index/projectRoute:ProjectRoute")
    assert route.inputs["projectId"] == plan.one(PROJECT).id
    assert route.inputs["route"] == {"src": "/(.*)", "headers": response_headers(PROD_HEADERS)}
    assert route.inputs["route"]["headers"]["Strict-Transport-Security"] == (
        "max-age=63072000; includeSubDomains; preload")
    assert route.inputs["enabled"] is True
    assert route.inputs["position"] == {"placement": "start"}


# -------------------------------------------------------------------------------- firewall


def test_the_firewall_admits_only_requests_through_the_cdn_except_the_health_check(plan):
    firewall = plan.one(FIREWALL)
    assert firewall.inputs["enabled"] is True
    lock = next(r for r in firewall.inputs["rules"]["rules"] if r["name"] == "cdn-only")
    assert lock["action"] == {"action": "deny"}
    secret = plan.one("random:index/randomPassword:RandomPassword", "app-origin-secret")
    missing, wrong = lock["conditionGroups"]
    assert missing["conditions"][0] == {"type": "header", "key": "x-origin-verify", "op": "nex"}
    assert wrong["conditions"][0]["op"] == "neq"
    value = wrong["conditions"][0]["value"]
    assert isinstance(value, Secret), "the origin secret stays secret in state"
    assert value.value == secret.state["result"].value
    for group in (missing, wrong):
        assert group["conditions"][1] == {"type": "path", "op": "eq", "neg": True, "value": "/api/health"}
    out = plan.one("webstack:index:VercelApp").component_outputs
    assert out["origin_headers"]["X-Origin-Verify"].value == secret.state["result"].value


def test_no_rate_limit_keyed_on_the_cdns_edge_servers(plan):
    # Behind CloudFront, Vercel's rate-limit keys (ip, ja4) name the edge server, not the user:
    # the per-user limit is the CDN's WAF rule. The origin lock is the only custom rule.
    assert [r["name"] for r in plan.one(FIREWALL).inputs["rules"]["rules"]] == ["cdn-only"]


def test_managed_rulesets(plan, minimal):
    assert plan.one(FIREWALL).inputs["managedRulesets"] == {
        "botProtection": {"action": "log", "active": True}, "aiBots": {"action": "log", "active": True}}
    owasp = synth(program(prod_args(firewall_owasp=True, team_id=None, log_drain_url=None, hosted_zone_id=None)))
    rulesets = owasp.one(FIREWALL).inputs["managedRulesets"]
    assert set(rulesets["owasp"]) == {"xss", "sqli", "rce", "php", "java", "lfi", "rfi", "gen"}
    assert all(r == {"action": "deny"} for r in rulesets["owasp"].values())


def test_without_the_origin_lock_no_custom_rule_remains():
    plan = synth(program(prod_args(require_origin_secret=False, team_id=None, log_drain_url=None,
                                   hosted_zone_id=None)))
    assert "rules" not in plan.one(FIREWALL).inputs
    assert not plan.by_type("random:index/randomPassword:RandomPassword")


# ------------------------------------------------------------------------- data tier access


def test_data_tier_links_are_sensitive_secret_variables_for_production_only(plan):
    env = env_vars(plan)
    assert set(env) == {
        "DATABASE_HOST", "DATABASE_PORT", "DATABASE_NAME", "DATABASE_SECRET_ARN", "DATABASE_SSLMODE",
        "DATABASE_CA_BUNDLE_URL", "DATABASE_READER_HOST", "DATABASE_READER_SSLMODE", "DATABASE_READER_CA_BUNDLE_URL",
        "REDIS_HOST", "REDIS_READER_HOST", "REDIS_PORT", "REDIS_URL", "REDIS_READER_URL", "REDIS_CA_BUNDLE_URL",
        "REDIS_AUTH_SECRET_ARN", "AWS_REGION", "AWS_ROLE_ARN"}
    for key, inputs in env.items():
        assert inputs["sensitive"] is True, key
        assert isinstance(inputs["value"], Secret), f"{key} is in plain text"
        assert inputs["targets"] == ["production"], key
        assert inputs["projectId"] == plan.one(PROJECT).id
    assert env["DATABASE_HOST"]["value"].value == "db-proxy.proxy-c1.eu-west-1.rds.amazonaws.com"
    assert env["DATABASE_PORT"]["value"].value == "5432"
    assert env["DATABASE_SECRET_ARN"]["value"].value == DB_SECRET
    assert env["REDIS_PORT"]["value"].value == "6379"
    assert env["AWS_REGION"]["value"].value == "eu-west-1"
    assert env["AWS_ROLE_ARN"]["value"].value == plan.one("aws:iam/role:Role").state["arn"]


def test_each_host_comes_with_the_tls_settings_that_verify_it(plan):
    value = {k: e["value"].value for k, e in env_vars(plan).items()}
    # The proxy's ACM certificate names it; the reader CNAME is in no certificate.
    assert (value["DATABASE_SSLMODE"], value["DATABASE_CA_BUNDLE_URL"]) == ("verify-full", AMAZON_ROOT_CA_URL)
    assert (value["DATABASE_READER_HOST"], value["DATABASE_READER_SSLMODE"], value["DATABASE_READER_CA_BUNDLE_URL"]
            ) == (READER, "verify-ca", RDS_CA_BUNDLE_URL)
    assert value["REDIS_URL"] == "rediss://master.cache.abc.euw1.cache.amazonaws.com:6379"
    assert value["REDIS_READER_URL"] == "rediss://replica.cache.abc.euw1.cache.amazonaws.com:6379"
    assert value["REDIS_CA_BUNDLE_URL"] == AMAZON_ROOT_CA_URL


def test_no_variable_ever_carries_a_password(plan):
    env = env_vars(plan)
    # Credentials are referenced by their Secrets Manager ARN; the functions read them with the role.
    credentials = {k: e["value"].value for k, e in env.items() if "SECRET" in k or "AUTH" in k}
    assert credentials == {"DATABASE_SECRET_ARN": DB_SECRET, "REDIS_AUTH_SECRET_ARN": CACHE_SECRET}
    assert not any("PASSWORD" in k or "TOKEN" in k for k in env)


def test_previews_get_the_variables_when_allowed():
    plan = synth(program(prod_args(preview_data_access=True, log_drain_url=None, hosted_zone_id=None)))
    assert {tuple(e["targets"]) for e in env_vars(plan).values()} == {("production", "preview")}
    trust = json.loads(plan.one("aws:iam/role:Role").inputs["assumeRolePolicy"])
    assert trust["Statement"][0]["Condition"]["StringLike"]["oidc.vercel.com/example:sub"] == [
        "owner:example:project:shop:environment:production", "owner:example:project:shop:environment:preview"]


def test_functions_assume_a_role_through_vercel_oidc_that_reads_only_the_data_secrets(plan):
    provider = plan.one("aws:iam/openIdConnectProvider:OpenIdConnectProvider")
    # The issuer is the slug Vercel reports for the pinned team id (the offline engine: team_example -> example).
    assert provider.inputs["url"] == "https://oidc.vercel.com/example"
    assert provider.inputs["clientIdLists"] == ["https://vercel.com/example"]
    # One provider per account and URL, which other stacks of the team may trust: kept on destroy.
    assert provider.retain_on_delete and not provider.protect
    role = plan.one("aws:iam/role:Role")
    (statement,) = json.loads(role.inputs["assumeRolePolicy"])["Statement"]
    assert statement["Principal"] == {"Federated": provider.state["arn"]}
    assert statement["Action"] == "sts:AssumeRoleWithWebIdentity"
    assert statement["Condition"] == {
        "StringEquals": {"oidc.vercel.com/example:aud": "https://vercel.com/example"},
        "StringLike": {"oidc.vercel.com/example:sub": "owner:example:project:shop:environment:production"},
    }
    policy = plan.one("aws:iam/rolePolicy:RolePolicy")
    assert policy.inputs["role"] == role.id
    read, decrypt = json.loads(policy.inputs["policy"])["Statement"]
    assert read["Action"] == ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"]
    assert read["Resource"] == sorted([DB_SECRET, CACHE_SECRET])
    assert decrypt["Action"] == "kms:Decrypt" and decrypt["Resource"] == sorted([DB_KEY, CACHE_KEY])
    assert decrypt["Condition"] == {"StringEquals": {"kms:ViaService": "secretsmanager.eu-west-1.amazonaws.com"}}


def test_an_existing_oidc_provider_is_reused():
    arn = "arn:aws:iam::123456789012:oidc-provider/oidc.vercel.com/example"
    plan = synth(program(prod_args(oidc_provider_arn=arn, log_drain_url=None, hosted_zone_id=None)))
    assert not plan.by_type("aws:iam/openIdConnectProvider:OpenIdConnectProvider")
    trust = json.loads(plan.one("aws:iam/role:Role").inputs["assumeRolePolicy"])
    assert trust["Statement"][0]["Principal"] == {"Federated": arn}


def test_a_provider_of_another_teams_issuer_is_refused():
    arn = "arn:aws:iam::123456789012:oidc-provider/oidc.vercel.com/someone-else"
    with pytest.raises(Exception, match="is not the provider of this team's issuer https://oidc.vercel.com/example"):
        synth(program(prod_args(oidc_provider_arn=arn, log_drain_url=None, hosted_zone_id=None)))


def test_without_data_links_team_or_network_nothing_of_it_is_created(minimal):
    assert not minimal.by_type(ENV)
    assert not minimal.by_type("aws:iam/role:Role")
    assert not minimal.by_type(NETWORK) and not minimal.by_type(INGRESS) and not minimal.by_type(ACCEPTER)
    assert not minimal.by_type("aws:route53/record:Record")
    assert not minimal.by_type("vercel:index/projectRollingRelease:ProjectRollingRelease")
    assert not minimal.by_type("vercel:index/logDrain:LogDrain")
    assert "skewProtection" not in minimal.one(PROJECT).inputs
    assert "gitRepository" not in minimal.one(PROJECT).inputs


# ------------------------------------------------------------------------ Secure Compute


def test_the_secure_compute_network_sits_in_the_functions_region_with_its_own_range(plan):
    network = plan.one(NETWORK)
    assert network.inputs == {"name": "shop-data", "cidr": "10.240.32.0/20", "region": "dub1",
                              "teamId": "team_example"}
    assert network.parent == plan.one("webstack:index:VercelApp").urn


def test_the_peering_vercel_requested_is_accepted_and_every_data_route_table_routes_back(plan):
    accepter = plan.one(ACCEPTER)
    assert accepter.inputs["vpcPeeringConnectionId"] == PCX and accepter.inputs["autoAccept"] is True
    routes = plan.by_type("aws:ec2/route:Route")
    assert sorted(r.inputs["routeTableId"] for r in routes) == TABLES
    for route in routes:
        assert route.inputs["destinationCidrBlock"] == "10.240.32.0/20"
        assert route.inputs["vpcPeeringConnectionId"] == accepter.id
        assert route.depends_on(accepter)


def test_the_data_groups_admit_the_network_on_exactly_their_ports(plan):
    rules = {r.inputs["securityGroupId"]: r.inputs for r in plan.by_type(INGRESS)}
    assert set(rules) == {DB_GROUP, CACHE_GROUP}
    for group, port in ((DB_GROUP, 5432), (CACHE_GROUP, 6379)):
        assert (rules[group]["cidrIpv4"], rules[group]["ipProtocol"], rules[group]["fromPort"],
                rules[group]["toPort"]) == ("10.240.32.0/20", "tcp", port, port)


def test_the_reader_zone_is_authorized_for_the_networks_vpc_in_vercels_account(plan):
    network = plan.one(NETWORK)
    authorization = plan.one("aws:route53/vpcAssociationAuthorization:VpcAssociationAuthorization")
    assert authorization.inputs == {"zoneId": READER_ZONE, "vpcId": network.state["vpcId"],
                                    "vpcRegion": "eu-west-1"}
    assert network.state["awsAccountId"] == VERCEL_ACCOUNT_ID


def test_the_steps_say_what_only_vercel_can_do_with_the_ids_filled_in(plan):
    steps = plan.one("webstack:index:VercelApp").component_outputs["secure_compute_steps"]
    network = plan.one(NETWORK)
    assert f"Attach the project to Secure Compute network shop-data ({network.id})" in steps
    assert f"Done: VPC peering {PCX} from shop-data to {VPC} is accepted" in steps
    assert (f"https://api.vercel.com/v1/connect/configurations/{network.id}/hosted-zones?teamId=team_example"
            in steps) and f'"hostedZoneId": "{READER_ZONE}"' in steps
    assert "Reachability Analyzer" in steps


def test_until_vercel_requests_the_peering_nothing_is_accepted_and_the_steps_ask_for_it():
    plan = synth(program(prod_args(peering_connection_id=None, log_drain_url=None, hosted_zone_id=None)))
    assert not plan.by_type(ACCEPTER) and not plan.by_type("aws:ec2/route:Route")
    assert len(plan.by_type(INGRESS)) == 2  # harmless until a peering exists
    steps = plan.one("webstack:index:VercelApp").component_outputs["secure_compute_steps"]
    assert f"AWS account 123456789012, region eu-west-1, VPC {VPC}. Copy its id (pcx-...) into peering_connection_id" \
        in steps


# ----------------------------------------------------------------------- rollout, log drain


def test_prod_rolls_out_5_10_25_50_100_advancing_automatically(plan):
    release = plan.one("vercel:index/projectRollingRelease:ProjectRollingRelease")
    assert release.inputs["projectId"] == plan.one(PROJECT).id
    assert release.inputs["advancementType"] == "automatic"
    assert release.inputs["stages"] == [
        {"targetPercentage": 5, "duration": 10}, {"targetPercentage": 10, "duration": 10},
        {"targetPercentage": 25, "duration": 10}, {"targetPercentage": 50, "duration": 10},
        {"targetPercentage": 100}]


def test_manual_approval_stages_have_no_duration():
    plan = synth(program(prod_args(rolling_release_advancement="manual-approval", canary_steps=[20, 100],
                                   team_id=None, log_drain_url=None, hosted_zone_id=None)))
    release = plan.one("vercel:index/projectRollingRelease:ProjectRollingRelease")
    assert release.inputs["advancementType"] == "manual-approval"
    assert release.inputs["stages"] == [{"targetPercentage": 20}, {"targetPercentage": 100}]


def test_the_log_drain_ships_signed_json_of_this_project(plan):
    drain = plan.one("vercel:index/logDrain:LogDrain")
    assert drain.inputs["endpoint"] == "https://logs.example.com/vercel"
    assert drain.inputs["deliveryFormat"] == "json"
    assert drain.inputs["projectIds"] == [plan.one(PROJECT).id]
    assert set(drain.inputs["sources"]) >= {"lambda", "edge", "firewall"}
    assert drain.inputs["environments"] == ["production", "preview"]
    assert isinstance(drain.inputs["secret"], Secret)


# ------------------------------------------------------------------------------- validation


@pytest.mark.parametrize(
    "overrides, field, allowed",
    [
        ({"project_name": "My Shop"}, "vercel.project_name", "lower case"),
        ({"origin_domain": "https://origin.example.com"}, "vercel.origin_domain", "DNS name"),
        ({"framework": "Next.js"}, "vercel.framework", "framework preset"),
        ({"git_repository": "shop"}, "vercel.git_repository", "owner/name"),
        ({"git_provider": "svn"}, "vercel.git_provider", "must be one of"),
        ({"root_directory": "../other"}, "vercel.root_directory", "relative path"),
        ({"team_id": "example"}, "vercel.team_id", "Vercel team id"),
        ({"team_id": None, "oidc_provider_arn": "arn:aws:iam::123456789012:oidc-provider/oidc.vercel.com/x"},
         "vercel.oidc_provider_arn", "needs team_id"),
        ({"oidc_provider_arn": "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"},
         "vercel.oidc_provider_arn", "oidc.vercel.com"),
        ({"database_name": "App-DB"}, "vercel.database_name", "PostgreSQL identifier"),
        ({"rollout": "blue-green"}, "vercel.rollout", "must be 'direct' or 'canary'"),
        ({"canary_steps": [10, 5, 100]}, "vercel.canary_steps", "ascending"),
        ({"canary_steps": [5, 10, 50]}, "vercel.canary_steps", "ending at 100"),
        ({"canary_steps": [100]}, "vercel.canary_steps", "2 to 10"),
        ({"canary_steps": list(range(5, 100, 5)) + [100]}, "vercel.canary_steps", "2 to 10"),
        ({"rolling_release_advancement": "timed"}, "vercel.rolling_release_advancement", "must be one of"),
        ({"rolling_release_stage_minutes": 0}, "vercel.rolling_release_stage_minutes", "between 1 and 1440"),
        ({"secure_compute_cidr": "52.0.0.0/16"}, "vercel.secure_compute_cidr", "private (RFC 1918)"),
        ({"secure_compute_cidr": "10.240.0.0/12"}, "vercel.secure_compute_cidr", "between /16 and /24"),
        ({"vpc_id": None}, "vercel.vpc_id", "required with secure_compute_cidr"),
        ({"secure_compute_cidr": None}, "vercel.peering_connection_id", "needs secure_compute_cidr"),
        ({"peering_connection_id": "vpc-0123456789abcdef0"}, "vercel.peering_connection_id", "pcx-"),
        ({"route_table_ids": []}, "vercel.route_table_ids", "route tables of the data subnets"),
        ({"health_path": "api/health"}, "vercel.health_path", "path"),
        ({"log_drain_url": "http://logs.example.com"}, "vercel.log_drain_url", "https://"),
        ({"hosted_zone_id": "zone"}, "vercel.hosted_zone_id", "hosted zone id"),
        ({"headers": "strict"}, "vercel.headers", "SecurityHeaders"),
    ],
)
def test_bad_args_are_refused_before_anything_is_registered(overrides, field, allowed):
    assert_args_error(lambda: prod_args(**overrides), field, allowed)
