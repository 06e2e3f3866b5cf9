"""Specification of the VercelApp component: project, origin lock, headers on every route,
firewall, deployment protection, rolling release, sensitive data-tier variables, OIDC role."""

from __future__ import annotations

import json

import pulumi
import pulumi_aws as aws
import pytest

from pulumi_webstack import vercel_app as v
from pulumi_webstack.headers import SecurityHeaders, response_headers
from pulumi_webstack_cli.engine import Secret, synth
from tests.helpers import assert_args_error, component_program

PROJECT = "vercel:index/project:Project"
ENV = "vercel:index/projectEnvironmentVariable:ProjectEnvironmentVariable"
FIREWALL = "vercel:index/firewallConfig:FirewallConfig"
DB_SECRET = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:rds!db-abc-AbCdEf"
CACHE_SECRET = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:cache-auth-XyZ123"
DB_KEY = "arn:aws:kms:eu-west-1:123456789012:key/1111"
CACHE_KEY = "arn:aws:kms:eu-west-1:123456789012:key/2222"
PROD_HEADERS = SecurityHeaders(hsts_max_age_seconds=63072000, hsts_preload=True)


def prod_args(**overrides) -> v.VercelAppArgs:
    values = dict(
        project_name="shop",
        origin_domain="origin.shop.example.com",
        git_repository="example/shop",
        root_directory="apps/web",
        team_id="team_abc123",
        team_slug="example",
        database_host=pulumi.Output.from_input("db-proxy.proxy-c1.eu-west-1.rds.amazonaws.com"),
        database_reader_host="db-proxy-ro.endpoint.proxy-c1.eu-west-1.rds.amazonaws.com",
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
                                          "vercel:index/projectDomain:ProjectDomain", "aws:iam/role:Role"}
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
    assert isinstance(out["origin_headers"]["X-Origin-Verify"], Secret)
    assert out["environment_variables"] == sorted(env_vars(plan))


# --------------------------------------------------------------------------------- project


def test_the_project_builds_from_git_with_previews_protected(plan):
    project = plan.one(PROJECT).inputs
    assert project["name"] == "shop"
    assert project["framework"] == "nextjs"
    assert project["rootDirectory"] == "apps/web"
    assert project["teamId"] == "team_abc123"
    assert project["gitRepository"] == {"type": "github", "repo": "example/shop", "productionBranch": "main"}
    assert project["vercelAuthentication"] == {"deploymentType": "standard_protection_new"}
    assert project["gitForkProtection"] is True
    assert project["oidcTokenConfig"] == {"issuerMode": "team"}
    assert project["skewProtection"] == "12 hours"


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


def test_the_api_is_rate_limited(plan):
    rules = plan.one(FIREWALL).inputs["rules"]["rules"]
    limit = next(r for r in rules if r["name"] == "api-rate-limit")
    assert limit["conditionGroups"] == [{"conditions": [{"type": "path", "op": "pre", "value": "/api/"}]}]
    assert limit["action"]["action"] == "rate_limit"
    assert limit["action"]["rateLimit"] == {"algo": "fixed_window", "window": 60, "limit": 1200, "keys": ["ip"],
                                            "action": "deny"}


def test_managed_rulesets(plan, minimal):
    assert plan.one(FIREWALL).inputs["managedRulesets"] == {
        "botProtection": {"action": "log", "active": True}, "aiBots": {"action": "log", "active": True}}
    owasp = synth(program(prod_args(firewall_owasp=True, team_slug=None, log_drain_url=None, hosted_zone_id=None)))
    rulesets = owasp.one(FIREWALL).inputs["managedRulesets"]
    assert set(rulesets["owasp"]) == {"xss", "sqli", "rce", "php", "java", "lfi", "rfi", "gen"}
    assert all(r == {"action": "deny"} for r in rulesets["owasp"].values())


def test_without_the_origin_lock_only_the_rate_limit_remains():
    plan = synth(program(prod_args(require_origin_secret=False, team_slug=None, log_drain_url=None,
                                   hosted_zone_id=None)))
    rules = plan.one(FIREWALL).inputs["rules"]["rules"]
    assert [r["name"] for r in rules] == ["api-rate-limit"]
    assert not plan.by_type("random:index/randomPassword:RandomPassword")


# ------------------------------------------------------------------------- data tier access


def test_data_tier_links_are_sensitive_secret_variables_for_production_only(plan):
    env = env_vars(plan)
    assert set(env) == {
        "DATABASE_HOST", "DATABASE_READER_HOST", "DATABASE_PORT", "DATABASE_NAME", "DATABASE_SECRET_ARN",
        "DATABASE_SSLMODE", "REDIS_HOST", "REDIS_READER_HOST", "REDIS_PORT", "REDIS_AUTH_SECRET_ARN", "REDIS_TLS",
        "AWS_REGION", "AWS_ROLE_ARN"}
    for key, inputs in env.items():
        assert inputs["sensitive"] is True, key
        assert isinstance(inputs["value"], Secret), f"{key} is in plain text"
        assert inputs["targets"] == ["production"], key
        assert inputs["projectId"] == plan.one(PROJECT).id
    assert env["DATABASE_HOST"]["value"].value == "db-proxy.proxy-c1.eu-west-1.rds.amazonaws.com"
    assert env["DATABASE_PORT"]["value"].value == "5432"
    assert env["DATABASE_SECRET_ARN"]["value"].value == DB_SECRET
    assert env["REDIS_PORT"]["value"].value == "6379"
    assert env["REDIS_TLS"]["value"].value == "true"
    assert env["AWS_REGION"]["value"].value == "eu-west-1"
    assert env["AWS_ROLE_ARN"]["value"].value == plan.one("aws:iam/role:Role").state["arn"]


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
    assert provider.inputs["url"] == "https://oidc.vercel.com/example"
    assert provider.inputs["clientIdLists"] == ["https://vercel.com/example"]
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


def test_without_data_links_or_team_slug_nothing_of_it_is_created(minimal):
    assert not minimal.by_type(ENV)
    assert not minimal.by_type("aws:iam/role:Role")
    assert not minimal.by_type("aws:route53/record:Record")
    assert not minimal.by_type("vercel:index/projectRollingRelease:ProjectRollingRelease")
    assert not minimal.by_type("vercel:index/logDrain:LogDrain")
    assert "skewProtection" not in minimal.one(PROJECT).inputs
    assert "gitRepository" not in minimal.one(PROJECT).inputs


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
                                   team_slug=None, log_drain_url=None, hosted_zone_id=None)))
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
        ({"team_slug": "Example Team"}, "vercel.team_slug", "team slug"),
        ({"team_slug": None, "oidc_provider_arn": "arn:aws:iam::123456789012:oidc-provider/oidc.vercel.com/x"},
         "vercel.oidc_provider_arn", "needs team_slug"),
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
        ({"api_paths": ["/api/*"]}, "vercel.api_paths", "no wildcards"),
        ({"api_paths": []}, "vercel.api_paths", "at least one"),
        ({"api_rate_limit_per_minute": 0}, "vercel.api_rate_limit_per_minute", "between 1 and"),
        ({"health_path": "api/health"}, "vercel.health_path", "path"),
        ({"log_drain_url": "http://logs.example.com"}, "vercel.log_drain_url", "https://"),
        ({"hosted_zone_id": "zone"}, "vercel.hosted_zone_id", "hosted zone id"),
        ({"headers": "strict"}, "vercel.headers", "SecurityHeaders"),
    ],
)
def test_bad_args_are_refused_before_anything_is_registered(overrides, field, allowed):
    assert_args_error(lambda: prod_args(**overrides), field, allowed)
