"""Specification of the stack config (infra/config.py): each section is its component's
Args, presets fill what a stack file leaves out, and every problem is reported at once, by
the key the stack file spells, before anything is registered."""

from __future__ import annotations

import contextlib
import dataclasses
import io
import json

import jsonschema
import pytest
import yaml
from hypothesis import HealthCheck, given, settings as hypothesis_settings, strategies as st

from infra import schema as stack_schema
from infra.config import ConfigError, StackConfig, parse
from infra.presets import PLACEHOLDER_IMAGE, PRESETS, Tier, TIERS_ORDER, presets_for, tier_for
from infra.sections import PLATFORMS, SECTIONS, args_class, camel, nested_args, settings
from pulumi_webstack.args import allowed_of, field_problem, field_types
from pulumi_webstack.cache import CacheArgs
from pulumi_webstack.database import DatabaseArgs
from pulumi_webstack.vercel_app import VercelAppArgs
from pulumi_webstack_cli.engine import ROOT, synth_stack
from pulumi_webstack_cli.main import main as webstack
from tests.helpers import CLUSTER, CLUSTER_NETWORK, ECR_IMAGE, SHOP_IMAGE

VERCEL = {"projectName": "shop", "teamId": "team_shop", "peeringConnectionId": "pcx-0123456789abcdef0"}
"""``webstack:app.vercel`` of a stack that can go to prod: team pinned, peering requested."""
BASE = {
    "aws:region": "eu-west-1",
    "webstack:domain": "app.example.com",
    "webstack:app": {"vercel": VERCEL},
    "webstack:alerting": {"emails": ["oncall@example.com"]},
}


def config(**sections) -> dict:
    """BASE with ``webstack:<section>`` values replaced (``aws_region=`` for aws:region)."""
    values = dict(BASE)
    for key, value in sections.items():
        full = "aws:region" if key == "aws_region" else f"webstack:{key}"
        if value is None:
            values.pop(full, None)
        else:
            values[full] = value
    return values


def problems(stack: str, values: dict) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        parse(stack, values)
    assert "invalid configuration; nothing was deployed" in str(caught.value)
    return [p.text for p in caught.value.problems]


def only_problem(stack: str, values: dict) -> str:
    found = problems(stack, values)
    assert len(found) == 1, found
    return found[0]


# ------------------------------------------------------------------------ one schema


@pytest.mark.parametrize("section", [s for s in SECTIONS if s != "app"])
def test_a_section_is_its_components_args(section):
    cfg = parse("prod", BASE)
    assert isinstance(getattr(cfg, section), args_class(section))


@pytest.mark.parametrize("platform", list(PLATFORMS))
def test_the_app_section_is_the_chosen_platforms_args(platform):
    values = config(app={"platform": platform, "vercel": VERCEL, "kubernetes": CLUSTER, "ecs": {"image": ECR_IMAGE}},
                    network=CLUSTER_NETWORK if platform == "kubernetes" else None)
    cfg = parse("staging", values)
    assert cfg.platform == platform and isinstance(cfg.app, args_class("app", platform))


@pytest.mark.parametrize("tier", TIERS_ORDER)
def test_every_preset_reaches_the_args(tier):
    """Each row of the presets is the value of the Args field it names (``app.*``: the
    chosen platform's, where it has that field)."""
    own_image = {"image": SHOP_IMAGE} if tier is Tier.PROD else {}  # prod refuses the placeholder
    for platform in PLATFORMS:
        cluster = {**CLUSTER, "image": own_image.get("image", PLACEHOLDER_IMAGE)}
        values = config(app={"platform": platform, "vercel": VERCEL, "kubernetes": cluster, "ecs": {"image": ECR_IMAGE}},
                        network=CLUSTER_NETWORK if platform == "kubernetes" else None)
        cfg = parse(tier.value, values)
        for key, row in PRESETS.items():
            section, *path = key.split(".")
            # ECS takes its image from ECR only: the placeholder row never reaches it.
            if camel(path[0]) in SECTIONS[section].stack_keys or (key == "app.image" and (own_image or platform == "ecs")):
                continue
            node = getattr(cfg, section)
            if not all(hasattr(node, p) for p in path[:1]):
                assert section == "app", key
                continue
            for part in path:
                node = getattr(node, part)
            expected = row[tier]
            assert node == expected or getattr(node, "value", None) == expected, (key, platform)


def test_a_stack_file_value_wins_over_the_preset_and_nested_args_merge():
    cfg = parse("prod", config(database={"replicas": 4}, cdn={"headers": {"frameOptions": "SAMEORIGIN"}}))
    assert cfg.database.replicas == 4 and cfg.database.multi_az  # the rest stays prod's
    assert cfg.cdn.headers.frame_options == "SAMEORIGIN" and cfg.cdn.headers.hsts_preload  # preset kept


def test_the_program_wires_what_sections_take_from_each_other():
    cfg = parse("prod", config(database={"port": 5433, "backupRetentionDays": 21}, cache={"port": 6380}))
    assert (cfg.network.database_port, cfg.network.cache_port) == (5433, 6380)
    assert (cfg.app.database_port, cfg.app.cache_port) == (5433, 6380)
    assert cfg.app.origin_domain == cfg.cdn.origin_domain == "origin.app.example.com"
    assert cfg.app.headers == cfg.cdn.headers
    assert cfg.backups.continuous_retention_days == 21
    assert cfg.alerting.health_check_url == "https://app.example.com/api/health"
    assert cfg.alerting.database_instance_class == "db.r7g.large" and cfg.alerting.region == "eu-west-1"


def test_a_kubernetes_app_sizes_the_database_pool_and_vercel_leaves_it_to_the_database_section():
    k8s = parse("prod", config(app={"platform": "kubernetes", "kubernetes": {**CLUSTER, "maxInstances": 12}},
                               network=CLUSTER_NETWORK))
    assert k8s.database.app_max_instances == 12
    assert parse("prod", config(database={"appMaxInstances": 40})).database.app_max_instances == 40
    found = problems("prod", config(app={"platform": "kubernetes", "kubernetes": CLUSTER},
                                    database={"appMaxInstances": 40}, network=CLUSTER_NETWORK))
    assert found == ["webstack:database.appMaxInstances: is set by the stack program from webstack:app.maxInstances; "
                     "remove it"]


def test_the_components_know_no_tier():
    for section in SECTIONS:
        for platform in PLATFORMS:
            assert "tier" not in field_types(args_class(section, platform))


# --------------------------------------------------------------------- tier resolution


@pytest.mark.parametrize("stack, tier", [("dev", Tier.DEV), ("prod-eu", Tier.PROD), ("staging_b", Tier.STAGING)])
def test_the_tier_comes_from_the_stack_name_when_not_set(stack, tier):
    assert tier_for(stack, None) is tier


def test_the_tier_key_wins_and_a_stack_name_without_one_needs_it():
    assert parse("preview-42", {**BASE, "webstack:tier": "staging"}).tier is Tier.STAGING
    assert only_problem("qa", BASE).startswith("webstack:tier: not set, and the stack name 'qa'")
    assert only_problem("dev", {**BASE, "webstack:tier": "production"}) == (
        "webstack:tier = \"production\": must be one of 'dev', 'staging', 'prod'")


# ----------------------------------------------------------------------- the real world


@pytest.mark.parametrize("region, hint", [
    ("EU-WEST-1", "did you mean 'eu-west-1'?"), ("eu-west-1 ", "did you mean 'eu-west-1'?"),
    ("eu-west1", "did you mean 'eu-west-1'?"), ("Europe", ""), ("eu-west-9", ""), ("xx-fake-9", ""),
])
def test_aws_region_must_be_a_region_the_provider_knows(region, hint):
    message = only_problem("dev", config(aws_region=region))
    assert message.startswith(f"aws:region = {json.dumps(region)}: must be an AWS region such as eu-west-1")
    assert hint in message


@pytest.mark.parametrize("value", [None, ""])
def test_aws_region_is_required(value):
    values = config(aws_region=None) if value is None else config(aws_region=value)
    assert only_problem("dev", values).startswith("aws:region: required, not set")


@pytest.mark.parametrize("key, expected", [
    ("webstak:domain", "webstak:domain: unknown namespace; did you mean 'webstack:domain'?"),
    ("aws:regoin", "aws:regoin: not a setting of the aws provider; did you mean 'aws:region'?"),
    ("webstack:databse", "webstack:databse: unknown key; did you mean 'webstack:database'?"),
])
def test_a_misspelt_namespace_or_key_gets_a_suggestion(key, expected):
    assert only_problem("dev", {**BASE, key: "x"}).startswith(expected)


def test_cross_region_targets_must_be_other_regions_and_real_ones():
    found = problems("prod", config(database={"crossRegionReplica": "eu-west-1"}, backups={"copyRegion": "eu-west-1"}))
    assert found == [
        'webstack:database.crossRegionReplica = "eu-west-1": must differ from aws:region (eu-west-1): a copy in '
        "the same region does not survive losing the region",
        'webstack:backups.copyRegion = "eu-west-1": must differ from aws:region (eu-west-1): a copy in the same '
        "region does not survive losing the region",
    ]
    assert only_problem("prod", config(database={"crossRegionReplica": "eu-west-9"})).startswith(
        'webstack:database.crossRegionReplica = "eu-west-9": must be an AWS region')


def test_az_count_fits_the_region():
    assert only_problem("dev", config(network={"azCount": 6})) == (
        "webstack:network.azCount = 6: eu-west-1 has 3 availability zones a new account can use; at most 3")
    assert parse("dev", config(network={"azCount": 6}, aws_region="us-east-1")).network.az_count == 6


@pytest.mark.parametrize("section, key, value, allowed", [
    ("cache", "nodeType", "cache.x99.mega", "must be an ElastiCache node type such as cache.r7g.large"),
    ("database", "instanceClass", "db.x99.mega", "must be an RDS for PostgreSQL instance class such as db.r7g.large"),
    ("database", "engineVersion", "16.99", "must be a PostgreSQL version RDS offers"),
    ("database", "engineVersion", "19", "must be a PostgreSQL version RDS offers"),
    ("cache", "engineVersion", "6.2", "must be an engine version ElastiCache offers with TLS required"),
])
def test_classes_and_versions_come_from_the_components_tables(section, key, value, allowed):
    message = only_problem("dev", config(**{section: {key: value}}))
    assert message.startswith(f"webstack:{section}.{key} = {json.dumps(value)}: {allowed}")


def test_a_class_not_in_the_memory_table_has_no_dead_end():
    """db.x99.mega used to ask for maxConnections, then for a key that does not exist."""
    message = only_problem("prod", config(database={"instanceClass": "db.x99.mega", "maxConnections": 500}))
    assert "maxConnections" not in message and "database_memory_gib" not in message


# --------------------------------------------------------------------------- tier rules


def test_prod_keeps_its_data_safe():
    found = problems("prod", config(database={"deletionProtection": False, "allowUnprotectedProd": True,
                                              "skipFinalSnapshot": True, "replicas": 1}))
    assert found == ["webstack:database.replicas = 1: prod needs at least 2 read replica(s)",
                     "webstack:database.skipFinalSnapshot = true: prod always keeps a final snapshot"]
    assert "prod keeps deletion protection on" in only_problem(
        "prod", config(database={"deletionProtection": False, "protect": False}))


def test_staging_needs_a_replica_and_prod_three_zones():
    assert only_problem("staging", config(database={"replicas": 0})) == (
        "webstack:database.replicas = 0: staging needs at least 1 read replica(s)")
    assert only_problem("prod", config(network={"azCount": 2})) == (
        "webstack:network.azCount = 2: prod spreads across at least 3 availability zones")


def test_prod_gives_no_preview_deployment_its_data():
    assert only_problem("prod", config(app={"vercel": {**VERCEL, "previewDataAccess": True}})) == (
        "webstack:app.vercel.previewDataAccess = true: prod data is never given to preview deployments "
        "(any branch could read it)")
    assert parse("dev", BASE).app.preview_data_access  # dev and staging may


def test_prod_on_kubernetes_needs_a_real_image():
    cluster = {k: v for k, v in CLUSTER.items() if k != "image"}
    assert only_problem("prod", config(app={"platform": "kubernetes", "kubernetes": cluster},
                                       network=CLUSTER_NETWORK)).startswith(
        f"webstack:app.kubernetes.image = \"{PLACEHOLDER_IMAGE}\": prod needs the image you deploy")
    assert parse("staging", config(app={"platform": "kubernetes", "kubernetes": cluster},
                                   network=CLUSTER_NETWORK)).app.image == PLACEHOLDER_IMAGE


# ------------------------------------------------------------- the way to the data tier


def test_prod_on_vercel_pins_its_team_by_id():
    assert only_problem("prod", config(app={"vercel": {**VERCEL, "teamId": None}})).startswith(
        "webstack:app.vercel.teamId = null: prod pins the Vercel team by id")


def test_prod_on_vercel_needs_the_peering_and_says_what_to_do_in_vercel_to_get_it():
    message = only_problem("prod", config(app={"vercel": {**VERCEL, "peeringConnectionId": None}}))
    assert message.startswith("webstack:app.vercel.peeringConnectionId = null: prod reaches its database and cache "
                              "from Vercel only through the VPC peering of its Secure Compute network (Vercel Secure "
                              "Compute needs a Vercel Enterprise team)")
    for step in ("webstack:app.awaitPeering: true", "vercelSecureComputeSteps", "attach the project to the network",
                 "request the peering", "Set webstack:app.vercel.peeringConnectionId to the peering's id (pcx-...)"):
        assert step in message
    # dev and staging plan without it (the app cannot reach the data until it is set).
    assert parse("staging", config(app={"vercel": {**VERCEL, "peeringConnectionId": None}})).app


def test_the_first_prod_deploy_awaits_the_peering_explicitly_and_only_once():
    waiting = config(app={"awaitPeering": True, "vercel": {**VERCEL, "peeringConnectionId": None}})
    assert parse("prod", waiting).app.peering_connection_id is None
    assert only_problem("prod", config(app={"awaitPeering": True, "vercel": VERCEL})) == (
        "webstack:app.awaitPeering = true: remove it: vercel.peeringConnectionId is set")
    assert only_problem("prod", config(app={"awaitPeering": "yes", "vercel": VERCEL})) == (
        "webstack:app.awaitPeering = \"yes\": must be true or false")


def test_vercel_needs_a_secure_compute_range_apart_from_the_vpc_in_every_tier():
    unpeered = {**VERCEL, "peeringConnectionId": None}
    assert only_problem("dev", config(app={"vercel": {**unpeered, "secureComputeCidr": None}})).startswith(
        "webstack:app.vercel.secureComputeCidr = null: required on Vercel: functions reach the private database and "
        "cache only through a Vercel Secure Compute network")
    assert only_problem("staging", config(app={"vercel": {**VERCEL, "secureComputeCidr": "10.41.128.0/20"}})) == (
        "webstack:app.vercel.secureComputeCidr = \"10.41.128.0/20\": overlaps network.cidr (10.41.0.0/16): a peering "
        "joins only disjoint ranges")
    assert only_problem("dev", config(network={"appCidrs": ["10.240.0.0/20"]})) == (
        'webstack:network.appCidrs = ["10.240.0.0/20"]: remove 10.240.0.0/20: the Vercel app admits its Secure '
        "Compute range itself")


@pytest.mark.parametrize("region", ["cn-north-1", "us-gov-west-1"])
def test_vercel_cannot_reach_another_aws_partition(region):
    assert only_problem("dev", config(aws_region=region)).startswith(
        f"aws:region = \"{region}\": Vercel cannot reach this region")


def test_kubernetes_builds_the_data_tier_in_the_clusters_vpc():
    cluster = {k: v for k, v in CLUSTER.items() if k != "clusterVpcId"}
    assert only_problem("dev", config(app={"platform": "kubernetes", "kubernetes": cluster},
                                      network=CLUSTER_NETWORK)).startswith(
        "webstack:app.kubernetes.clusterVpcId = null: required: the VPC the cluster runs in")
    assert only_problem("dev", config(app={"platform": "kubernetes", "kubernetes": CLUSTER})) == (
        f"webstack:network.vpcId = null: must be the cluster's VPC {CLUSTER['clusterVpcId']} "
        "(app.kubernetes.clusterVpcId): pods reach the database and cache only inside it; set network.vpcId and "
        "network.subnetIds (its private subnets for the database and cache)")
    elsewhere = {**CLUSTER_NETWORK, "vpcId": "vpc-0123456789abcdef0"}
    assert only_problem("dev", config(app={"platform": "kubernetes", "kubernetes": CLUSTER}, network=elsewhere)
                        ).startswith('webstack:network.vpcId = "vpc-0123456789abcdef0": must be the cluster\'s VPC')
    no_group = {k: v for k, v in CLUSTER.items() if k != "clusterSecurityGroupId"}
    assert "webstack:app.kubernetes.clusterSecurityGroupId = null: required" in only_problem(
        "dev", config(app={"platform": "kubernetes", "kubernetes": no_group}, network=CLUSTER_NETWORK))


def ecs(**settings) -> dict:
    return {"platform": "ecs", "ecs": {"image": ECR_IMAGE, **settings}}


def test_on_ecs_the_network_gets_public_subnets_for_the_load_balancer_and_no_other_platform_does():
    assert parse("dev", config(app=ecs())).network.public_subnets is True
    assert parse("dev", BASE).network.public_subnets is False
    assert only_problem("dev", config(app=ecs(), network={"publicSubnets": False})) == (
        "webstack:network.publicSubnets: is set by the stack program from webstack:app.platform (on ecs, for the load "
        "balancer); remove it")


def test_on_ecs_an_existing_vpc_names_its_public_subnets():
    network = {k: v for k, v in CLUSTER_NETWORK.items() if k != "routeTableIds"}
    assert only_problem("dev", config(app=ecs(), network=network)).startswith(
        "webstack:network.publicSubnetIds = []: with vpcId and publicSubnets, give at least 2 public subnets")
    public = {**CLUSTER_NETWORK, "publicSubnetIds": ["subnet-0c1a2b3c4d5e6f711", "subnet-0c1a2b3c4d5e6f712"]}
    assert parse("dev", config(app=ecs(), network=public)).network.public_subnet_ids == public["publicSubnetIds"]


def test_on_ecs_an_existing_vpc_names_the_route_tables_the_s3_gateway_endpoint_serves():
    # Image layers come from S3 through a gateway endpoint: on no route table, no task ever starts.
    public = {**CLUSTER_NETWORK, "publicSubnetIds": ["subnet-0c1a2b3c4d5e6f711", "subnet-0c1a2b3c4d5e6f712"]}
    without = {k: v for k, v in public.items() if k != "routeTableIds"}
    assert only_problem("dev", config(app=ecs(), network=without)).startswith(
        "webstack:network.routeTableIds = []: required on ECS in your own VPC: the image layers come from S3")
    # A second app in a VPC whose endpoints exist builds none, and needs none.
    assert parse("dev", config(app=ecs(vpcEndpoints=False), network=without)).network.route_table_ids == []


def test_a_setting_written_one_level_too_high_is_pointed_to_where_it_belongs():
    assert only_problem("dev", config(cdn={"hstsMaxAgeSeconds": 100})) == (
        "webstack:cdn.hstsMaxAgeSeconds: belongs under headers: set webstack:cdn.headers.hstsMaxAgeSeconds")
    assert only_problem("dev", config(alerting={"emails": ["ops@example.com"], "dbCpuPercent": 90})) == (
        "webstack:alerting.dbCpuPercent: belongs under thresholds: set webstack:alerting.thresholds.dbCpuPercent")


def test_on_ecs_the_image_is_in_ecr_of_the_stacks_region():
    assert only_problem("prod", config(app={"platform": "ecs", "ecs": {}})).startswith(
        f'webstack:app.ecs.image = "{PLACEHOLDER_IMAGE}": must be an image in Amazon ECR pinned by digest')
    elsewhere = ECR_IMAGE.replace("eu-west-1", "us-east-1")
    assert only_problem("prod", config(app=ecs(image=elsewhere))) == (
        f'webstack:app.ecs.image = "{elsewhere}": must be in ECR of the stack\'s region eu-west-1: the tasks reach ECR '
        "only through this region's VPC endpoints (replicate the repository shop to eu-west-1 with ECR replication)")


def test_an_ecs_app_sizes_the_database_pool_and_the_tier_sizes_its_tasks():
    cfg = parse("prod", config(app=ecs(maxInstances=12)))
    assert cfg.database.app_max_instances == 12
    assert (cfg.app.task_cpu, cfg.app.task_memory_mib, cfg.app.rollout) == (1024, 2048, "canary")
    assert only_problem("prod", config(app=ecs(taskCpu=256, taskMemoryMib=4096))) == (
        "webstack:app.ecs.taskMemoryMib = 4096: Fargate offers 512 to 2048 MiB with taskCpu 256 (one of 512, 1024, 2048)")
    assert only_problem("prod", config(app=ecs(canarySteps=[1, 2, 100]))).startswith(
        "webstack:app.ecs.canarySteps = [1, 2, 100]: ECS shifts traffic in equal steps of at least 3 %")


# ---------------------------------------------------------- runtime proof and recovery objectives


def test_the_canaries_check_the_site_the_other_sections_describe():
    cfg = parse("prod", config(cdn={"headers": {"frameOptions": "SAMEORIGIN"}},
                               alerting={"emails": ["oncall@example.com"], "objectives": {"latencySeconds": 2}}))
    canaries = cfg.canaries
    assert (canaries.domain, canaries.region, canaries.health_path) == ("app.example.com", "eu-west-1", "/api/health")
    assert canaries.headers == cfg.cdn.headers and canaries.headers.frame_options == "SAMEORIGIN"
    assert canaries.latency_target_ms == 2000  # the objectives' latency target
    assert canaries.regions == ["eu-west-1", "us-east-1"]
    assert (cfg.recovery.rpo_minutes, cfg.recovery.rto_minutes, cfg.recovery.database_multi_az) == (360, 60, True)


def test_prod_checks_its_site_from_two_regions_that_have_alert_topics():
    assert only_problem("prod", config(canaries={"extraRegions": []})) == (
        "webstack:canaries.extraRegions = []: prod checks the site from at least two regions: add one, e.g. us-east-1")
    assert only_problem("staging", config(canaries={"extraRegions": ["ap-southeast-2"]})) == (
        "webstack:canaries.extraRegions = [\"ap-southeast-2\"]: ap-southeast-2 has no alert topics for the canary's "
        "alarm: the stack has them in eu-west-1, us-east-1")
    # a prod stack in us-east-1 picks its second region; the DR replica's has topics
    assert only_problem("prod", config(aws_region="us-east-1")) == (
        "webstack:canaries.extraRegions = [\"us-east-1\"]: must not repeat a region or name the home region "
        "(us-east-1)")
    assert parse("prod", config(aws_region="us-east-1", canaries={"extraRegions": ["us-west-2"]})).canaries.regions == [
        "us-east-1", "us-west-2"]


def test_the_recovery_objectives_are_held_against_the_replicas_backups_and_copy_region():
    assert problems("prod", config(database={"crossRegionReplica": None})) == [
        "webstack:backups.schedule = \"cron(0 2 * * ? *)\": only the scheduled backups are copied to us-west-2, 24 h "
        "apart: losing eu-west-1 loses up to that much, over the RPO of 6 h: back up at least every 6 h (e.g. "
        "cron(0 */6 * * ? *)) or set database.crossRegionReplica (webstack:recovery.rpoMinutes = 360)",
        "webstack:database.crossRegionReplica = null: losing eu-west-1 means restoring the copied backups and "
        "rebuilding the stack in the copy region (~4 h), over the RTO of 1 h: set database.crossRegionReplica "
        "(promotion in ~30 min) (webstack:recovery.rtoMinutes = 60)"]
    # a stack without the warm replica declares the objectives it can meet, or backs up more often
    assert parse("prod", config(database={"crossRegionReplica": None}, recovery={"rpoMinutes": 1440, "rtoMinutes": 240}))
    assert parse("prod", config(database={"crossRegionReplica": None}, backups={"schedule": "cron(0 */6 * * ? *)"},
                                recovery={"rtoMinutes": 240}))
    # dev declares none; a dev that did would learn what its single instance and no copies give
    found = problems("dev", config(recovery={"rpoMinutes": 60, "rtoMinutes": 30}))
    assert [p.split(" = ")[0] for p in found] == [
        "webstack:backups.copyRegion", "webstack:database.multiAz", "webstack:database.crossRegionReplica"]
    assert "a point-in-time restore to a new instance (~1 h), over the RTO of 30 min" in found[1]
    # an objective no configuration of this stack meets names the objective itself
    assert problems("prod", config(recovery={"rtoMinutes": 1, "rpoMinutes": 360})) == [
        "webstack:recovery.rtoMinutes = 1: even failing over to the Multi-AZ standby (~2 min), the fastest way this "
        "stack has, is over it",
        "webstack:recovery.rtoMinutes = 1: losing eu-west-1, even promoting the cross-region replica (~30 min) is "
        "over it"]


# -------------------------------------------------------------------------- the keys


def test_an_unknown_key_gets_a_suggestion_and_the_allowed_keys():
    message = only_problem("dev", config(database={"replcias": 2}))
    assert message.startswith("webstack:database.replcias: unknown key; did you mean 'replicas'? (allowed: ")
    assert "engineVersion" in message and "subnetIds" not in message  # links are not keys


def test_a_key_the_program_sets_says_where_its_value_comes_from():
    assert only_problem("dev", config(database={"subnetIds": ["subnet-0123456789abcdef0"]})) == (
        "webstack:database.subnetIds: is set by the stack program from the network; remove it")
    assert only_problem("dev", config(cdn={"domain": "x.example.com"})) == (
        "webstack:cdn.domain: is set by the stack program from webstack:domain; remove it")


def test_a_key_in_python_spelling_is_accepted_once():
    assert parse("dev", config(database={"backup_retention_days": 5})).database.backup_retention_days == 5
    assert only_problem("dev", config(database={"backup_retention_days": 5, "backupRetentionDays": 4})) == (
        "webstack:database.backupRetentionDays: set twice, as backupRetentionDays and backup_retention_days: "
        "keep backupRetentionDays")


def test_the_app_settings_live_under_their_platform():
    assert only_problem("dev", config(app={"vercel": {"projectName": "shop"}, "rollout": "canary"})).startswith(
        "webstack:app.rollout: unknown key; the vercel settings go under app.vercel: app.vercel.rollout")
    # Another platform's subsection may stay in the file; its keys are still checked.
    assert parse("dev", config(app={"vercel": {"projectName": "shop"}, "kubernetes": {"image": SHOP_IMAGE}}))
    assert only_problem("dev", config(app={"vercel": {"projectName": "shop"}, "kubernetes": {"imgae": "x"}})).startswith(
        "webstack:app.kubernetes.imgae: unknown key; did you mean 'image'?")


@pytest.mark.parametrize("section, key, value, allowed", [
    ("database", "multiAz", "yes", "must be true or false"),
    ("database", "replicas", True, "must be a whole number"),
    ("database", "replicas", 2.5, "must be a whole number"),
    ("cache", "replicas", "2", "must be a whole number"),
    ("cdn", "waf", 1, "must be true or false"),
    ("alerting", "emails", "oncall@example.com", "must be a list of texts"),
])
def test_coercions_that_hide_mistakes_are_refused(section, key, value, allowed):
    values = config(**{section: {key: value}})
    if section == "alerting":
        values["webstack:alerting"] = {"emails": value}
    assert only_problem("dev", values) == f"webstack:{section}.{key} = {json.dumps(value)}: {allowed}"


def test_messages_say_what_is_allowed_in_words():
    message = only_problem("dev", config(database={"databaseName": "Shop-DB"}))
    assert message == ('webstack:database.databaseName = "Shop-DB": must be lower-case letters, digits and _, start '
                       "with a letter, at most 63 characters, and not template0/template1/rdsadmin")
    assert "^" not in message and "\\" not in message  # never a regex


def test_a_section_that_is_not_an_object_is_refused():
    assert only_problem("dev", config(database=[1, 2])) == (
        "webstack:database = [1, 2]: must be an object of settings (key: value lines under the section)")


def test_secrets_in_plain_text_are_refused():
    assert only_problem("dev", {**BASE, "webstack:pagerWebhookUrl": "https://pager.example.com/x"}) == (
        "webstack:pagerWebhookUrl: is set in plain text: store it with `pulumi config set --secret "
        "pagerWebhookUrl ...`")


def test_every_problem_is_reported_at_once_across_sections():
    found = problems("prod", config(
        aws_region="eu-west1", database={"replicas": 9, "multiAz": "yes"}, cache={"nodeType": "cache.x99.mega"},
        cdn={"headers": {"hstsMaxAgeSeconds": 5}}, alerting={"emails": ["oncall"]},
        app={"vercel": {"projectName": "Shop!"}}))
    keys = [f.split(" ")[0].rstrip(":") for f in found]
    assert sorted(keys) == ["aws:region", "webstack:alerting.emails", "webstack:app.vercel.projectName",
                            "webstack:cache.nodeType", "webstack:cdn.headers.hstsMaxAgeSeconds",
                            "webstack:database.multiAz", "webstack:database.replicas"]


def test_the_config_is_one_frozen_object_of_validated_args():
    cfg = parse("prod", BASE)
    assert isinstance(cfg, StackConfig) and cfg.is_prod
    with pytest.raises(dataclasses.FrozenInstanceError):
        cfg.domain = "x"  # type: ignore[misc]
    assert isinstance(cfg.database, DatabaseArgs) and isinstance(cfg.cache, CacheArgs)
    assert isinstance(cfg.app, VercelAppArgs)


# ----------------------------------------------------------- nothing is registered first


@pytest.mark.parametrize("overrides, key", [
    ({"webstack:app": {"vercel": {"projectName": "shop", "rollout": "canary", "canarySteps": [100]}}},
     "webstack:app.vercel.canarySteps"),
    ({"webstack:database": {"crossRegionReplica": "eu-west-1"}}, "webstack:database.crossRegionReplica"),
    ({"aws:region": "EU-WEST-1"}, "aws:region"),
    ({"webstack:alerting": {"emails": ["oncall@example.com"], "thresholds": {"errorRatePercent": 0}}},
     "webstack:alerting.thresholds.errorRatePercent"),
    ({"webstack:canaries": {"extraRegions": []}}, "webstack:canaries.extraRegions"),
    ({"webstack:recovery": {"rtoMinutes": 10}}, "webstack:recovery.rtoMinutes"),
])
def test_a_bad_stack_file_registers_nothing(overrides, key):
    """The cases that once failed half-way, after 100 to 190 registrations."""
    with pytest.raises(ConfigError) as caught:
        synth_stack("prod", overrides)
    assert caught.value.registered == []
    assert [p.key for p in caught.value.problems] == [key]


# ------------------------------------------------------ property: any invalid value


def _settings_of(section: str, platform: str) -> list[tuple[str, type, dataclasses.Field]]:
    """(stack-file key, Args class, field) of every setting of a section, nested included."""
    cls = args_class(section, platform)
    where = f"webstack:app.{platform}" if section == "app" else f"webstack:{section}"
    out = []
    for f in settings(section, cls):
        inner = nested_args(cls).get(f.name)
        if inner is None:
            out.append((f"{where}.{camel(f.name)}", cls, f))
        else:
            out += [(f"{where}.{camel(f.name)}.{camel(g.name)}", inner, g) for g in dataclasses.fields(inner)]
    return out


SETTINGS = [(section, platform, *item) for section in SECTIONS for platform in (PLATFORMS if section == "app"
            else ["vercel"]) for item in _settings_of(section, platform)]

_JUNK = st.one_of(st.booleans(), st.integers(-10**6, 10**12), st.floats(allow_nan=False, allow_infinity=False),
                  st.text(max_size=12), st.lists(st.integers(), max_size=3), st.none(),
                  st.dictionaries(st.text(max_size=4), st.integers(), max_size=2))


def _bad_values(cls: type, f: dataclasses.Field):
    """Values ``f`` refuses: anything of the wrong type or out of its declared range."""
    allowed = allowed_of(f)
    edges = [v for v in (allowed.ge, allowed.gt, allowed.le, allowed.lt) if v is not None]
    near = st.sampled_from([e + d for e in edges for d in (-1, 1, -0.5)]) if edges else st.nothing()
    return st.one_of(_JUNK, near).filter(lambda v: field_problem(f, field_types(cls)[f.name], v) is not None)


def _setting_and_value():
    keys = st.sampled_from(range(len(SETTINGS)))
    return keys.flatmap(lambda i: st.tuples(st.just(i), _bad_values(SETTINGS[i][3], SETTINGS[i][4])))


def _stack_file(section: str, platform: str, key: str, value) -> dict:
    """The prod config with ``key`` set to ``value`` (the rest of the section as shipped)."""
    path = key.split(":", 1)[1].split(".")[1:]
    body: dict = {"platform": platform, "vercel": {"projectName": "shop"}, "kubernetes": {"image": SHOP_IMAGE},
                  "ecs": {"image": ECR_IMAGE}} \
        if section == "app" else {"emails": ["oncall@example.com"]} if section == "alerting" else {}
    node = body
    for part in path[:-1]:
        node = node.setdefault(part, {})
    node[path[-1]] = value
    return {f"webstack:{section}": body}


@hypothesis_settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_setting_and_value())
def test_any_invalid_value_of_any_setting_is_named_and_registers_nothing(case):
    index, value = case
    section, platform, key, _, _ = SETTINGS[index]
    overrides = _stack_file(section, platform, key, value)
    with pytest.raises(ConfigError) as caught:
        synth_stack("prod", overrides)
    assert caught.value.registered == []
    assert any(p.key == key for p in caught.value.problems), (key, value, [p.text for p in caught.value.problems])
    # The command line says the same, with exit code 2 and no traceback (there, ``--set``
    # merges and a null removes the setting, so it means "the default").
    if value is None:
        return
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        code = webstack(["synth", "prod", "--set", f"webstack:{section}={json.dumps(overrides[f'webstack:{section}'])}"])
    assert code == 2 and key in err.getvalue() and "Traceback" not in err.getvalue()


# ----------------------------------------------------------------- the editor schema


def test_the_committed_editor_schema_is_generated_from_the_args():
    assert stack_schema.PATH.read_text() == stack_schema.render(), "run `make schema`"


@pytest.mark.parametrize("stack", ["dev", "staging", "prod"])
def test_the_shipped_stack_files_reference_and_satisfy_the_schema(stack):
    text = (ROOT / f"Pulumi.{stack}.yaml").read_text()
    assert text.startswith("# yaml-language-server: $schema=infra/stack.schema.json\n")
    jsonschema.validate(yaml.safe_load(text), json.loads(stack_schema.PATH.read_text()))


def test_the_schema_knows_each_setting_its_type_range_and_description():
    schema = stack_schema.stack_file_schema()["properties"]["config"]["properties"]
    replicas = schema["webstack:database"]["properties"]["replicas"]
    assert (replicas["type"], replicas["minimum"], replicas["maximum"]) == ("integer", 0, 5)
    assert "Per tier: dev 0, staging 1, prod 2." in replicas["description"]
    assert "db.r7g.large" in schema["webstack:database"]["properties"]["instanceClass"]["enum"]
    assert schema["webstack:app"]["properties"]["kubernetes"]["properties"]["image"]["pattern"]
    assert schema["webstack:cdn"]["properties"]["headers"]["properties"]["frameOptions"]["enum"] == ["DENY", "SAMEORIGIN"]
    assert "subnetIds" not in schema["webstack:database"]["properties"]  # a link, not a setting
    bad = yaml.safe_load((ROOT / "Pulumi.prod.yaml").read_text())
    bad["config"]["webstack:database"]["multiAz"] = "yes"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(bad, schema_doc())


def schema_doc() -> dict:
    return json.loads(stack_schema.PATH.read_text())


# ----------------------------------------------------------------- the shipped stacks


@pytest.mark.parametrize("stack", ["dev", "staging", "prod"])
def test_shipped_stack_files_plan_and_set_only_what_differs(stack):
    doc = yaml.safe_load((ROOT / f"Pulumi.{stack}.yaml").read_text())
    assert len(yaml.safe_dump(doc).splitlines()) <= 32
    for key, value in doc["config"].items():
        if key.startswith("webstack:") and isinstance(value, dict) and "secure" not in value:
            section = key.split(":")[1]
            for name, setting in value.items():
                if section in presets_for(stack) and name in presets_for(stack)[section]:
                    assert setting != presets_for(stack)[section][name], f"{key}.{name} repeats the preset"


def test_the_removed_chat_webhook_says_what_replaces_it():
    # An SNS HTTPS subscription to a Slack/Teams incoming webhook never confirms: chat is AWS Chatbot.
    found = problems("dev", {**BASE, "webstack:chatWebhookUrl": "https://hooks.slack.com/services/T/B/X"})
    (line,) = [p for p in found if p.startswith("webstack:chatWebhookUrl")]
    assert "AWS Chatbot" in line and "slackTeamId" in line and "pulumi config rm" in line
    assert "hooks.slack.com" not in line  # the (secret) value is never echoed


def test_the_free_storage_alarm_must_stay_below_the_autoscaling_trigger():
    # dev: 20 GiB growing to 50: at 10 % free storage autoscaling acts, and must not page.
    alerting = {"emails": ["ops@example.com"], "thresholds": {"dbFreeStoragePercent": 10}}
    line = only_problem("dev", config(alerting=alerting))
    assert line.startswith("webstack:alerting.thresholds.dbFreeStoragePercent = 10") and "must be below 10" in line
    parse("dev", config(alerting=alerting, database={"allocatedStorageGb": 50, "maxAllocatedStorageGb": 50}))
