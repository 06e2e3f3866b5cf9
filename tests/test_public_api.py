"""Specification of the public Python API: ``pulumi_webstack`` exposes every component, its Args
and the types they use from one documented place, loads lazily, carries one version, and
every component honours the options a caller passes (providers, protect, aliases,
transforms), parents all it builds to itself and registers every output it declares.

What the schema of the component package promises (tokens, described inputs and outputs)
is specified in test_component_schema.py; this module is about Python programs importing
the components."""

import ast
import dataclasses
import enum
import importlib
import importlib.util
import json
import re
import subprocess
import sys
import tomllib
import typing
from pathlib import Path

import pulumi
import pytest

import pulumi_webstack
import pulumi_webstack.__main__ as package
from pulumi_webstack_cli import engine
from pulumi_webstack_cli.engine import ROOT, Plan, synth

# ------------------------------------------------------------------------------ the names


def test_every_component_and_its_args_is_exported_from_the_package():
    for component in package.COMPONENTS:
        args = package.args_class(component)
        assert args.__name__ == f"{component.__name__}Args"
        assert {component.__name__, args.__name__} <= set(pulumi_webstack.__all__)
        assert getattr(pulumi_webstack, component.__name__) is component
        assert getattr(pulumi_webstack, args.__name__) is args


def _named_types(annotation) -> set[type]:
    """Enums and dataclasses inside an annotation (through Optional, list, dict, Input)."""
    found = set()
    if isinstance(annotation, type) and (issubclass(annotation, enum.Enum) or dataclasses.is_dataclass(annotation)):
        found.add(annotation)
    for inner in typing.get_args(annotation):
        found |= _named_types(inner)
    return found


def test_every_type_an_args_class_uses_is_exported_and_so_is_the_error_they_raise():
    used = set()
    for component in package.COMPONENTS:
        for f in dataclasses.fields(package.args_class(component)):
            used |= _named_types(f.type)
    assert {t.__name__ for t in used} == {"SecurityHeaders", "Thresholds", "Objectives", "CacheEngine"}
    for t in used:
        assert getattr(pulumi_webstack, t.__name__) is t
    assert issubclass(pulumi_webstack.ArgsError, ValueError)
    assert pulumi_webstack.ArgsError is importlib.import_module("pulumi_webstack.errors").ArgsError


def test_every_exported_name_is_the_class_defined_in_its_module():
    assert sorted(pulumi_webstack.__all__) == sorted(set(pulumi_webstack.__all__))
    for name in pulumi_webstack.__all__:
        value = getattr(pulumi_webstack, name)
        assert value.__name__ == name
        assert getattr(sys.modules[value.__module__], name) is value
        assert value.__module__.startswith("pulumi_webstack.")
    assert set(pulumi_webstack.__all__) <= set(dir(pulumi_webstack))
    with pytest.raises(AttributeError, match="has no attribute 'Databse'"):
        pulumi_webstack.Databse  # noqa: B018


def test_type_checkers_see_the_same_names_the_package_loads_lazily():
    """Static tools (mypy, pyright, IDEs) read the ``if TYPE_CHECKING:`` imports, not
    ``__getattr__``; they must import exactly the exported names from their modules."""
    tree = ast.parse(Path(pulumi_webstack.__file__).read_text())
    block = next(node for node in tree.body if isinstance(node, ast.If) and getattr(node.test, "id", "") == "TYPE_CHECKING")
    seen = {alias.name: node.module for node in block.body for alias in node.names}
    assert seen == {name: getattr(pulumi_webstack, name).__module__ for name in pulumi_webstack.__all__}


def _fresh_import(code: str) -> set[str]:
    """Run ``code`` in a new interpreter; return which of our modules and SDK modules it
    loaded (the SDKs register every submodule lazily; only the executed ones count)."""
    probe = code + (
        "\nimport sys, json"
        "\nprint(json.dumps(sorted(name for name, m in sys.modules.items() if name.split('.')[0] in"
        " ('pulumi_webstack', 'pulumi_aws', 'pulumi_kubernetes', 'pulumiverse_vercel', 'pulumi_random')"
        " and type(m).__name__ != '_LazyModule')))"
    )
    out = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True)
    return set(json.loads(out.stdout.strip().splitlines()[-1]))


def test_importing_the_package_loads_no_component():
    loaded = _fresh_import("import pulumi_webstack\nassert pulumi_webstack.__version__")
    assert loaded == {"pulumi_webstack"}


def test_one_component_loads_only_what_it_needs():
    loaded = _fresh_import("from pulumi_webstack.database import Database")
    assert "pulumi_webstack.database" in loaded
    assert not {m for m in loaded if m.split(".")[0] in ("pulumi_kubernetes", "pulumiverse_vercel")}
    assert not {m for m in loaded if m.startswith(("pulumi_webstack.vercel_app", "pulumi_webstack.kubernetes_app", "pulumi_webstack.cdn"))}
    assert "pulumi_aws.wafv2" not in loaded and "pulumi_aws.rds" in loaded


def test_a_name_from_the_package_loads_its_module_on_first_use():
    loaded = _fresh_import("import pulumi_webstack\npulumi_webstack.Network")
    assert "pulumi_webstack.network" in loaded and "pulumi_webstack.database" not in loaded


# ---------------------------------------------------------------------------- the version


def test_the_version_is_written_once_and_is_semantic():
    assert re.fullmatch(r"\d+\.\d+\.\d+", pulumi_webstack.__version__)
    assert package.version() == pulumi_webstack.__version__
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert "version" not in pyproject["project"] and "version" in pyproject["project"]["dynamic"]
    assert pyproject["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "pulumi_webstack.__version__"}


def test_setuptools_reads_the_version_without_importing_the_package():
    """The build environment has none of the dependencies: the version must come from the
    module's text (setuptools' static read), never from executing it."""
    from setuptools.config.expand import StaticModule

    module = StaticModule("pulumi_webstack", importlib.util.find_spec("pulumi_webstack"))
    assert module.__version__ == pulumi_webstack.__version__


def test_the_changelog_describes_this_version():
    changelog = (ROOT / "CHANGELOG.md").read_text()
    releases = re.findall(r"^## \[(\d+\.\d+\.\d+)\] - (\d{4}-\d{2}-\d{2})$", changelog, re.M)
    assert releases and releases[0][0] == pulumi_webstack.__version__
    assert [v for v, _ in releases] == sorted((v for v, _ in releases), key=lambda v: tuple(map(int, v.split("."))), reverse=True)
    assert "## [Unreleased]" in changelog
    assert f"[{pulumi_webstack.__version__}]: " in changelog  # a link to the release


# ------------------------------------------------------------- options and mechanics, per component

LINKS = {
    "subnet_ids": ["subnet-0000000000000000a", "subnet-0000000000000000b", "subnet-0000000000000000c"],
    "security_group_id": "sg-0000000000000000d",
    "availability_zones": ["eu-west-1a", "eu-west-1b", "eu-west-1c"],
}
DB_ARN = "arn:aws:rds:eu-west-1:123456789012:db:orders"
DB_SECRET = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:rds!db-abc-AbCdEf"
CACHE_SECRET = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:cache-auth-XyZ123"
KEY = "arn:aws:kms:eu-west-1:123456789012:key/1111"
IMAGE = "ghcr.io/example/shop@sha256:" + "a" * 64
APP_DATA = dict(database_host="db.proxy-c1.eu-west-1.rds.amazonaws.com", database_name="app",
                database_secret_arn=DB_SECRET, cache_host="master.cache.euw1.cache.amazonaws.com",
                cache_auth_secret_arn=CACHE_SECRET, secret_kms_key_arns=[KEY])
HEADERS = dict(hsts_max_age_seconds=63072000, hsts_preload=True)

# Each component with settings that make it build most of what it can (replicas, pooling, a
# cross-region copy, WAF, canary, alarms over everything): (Args factory, keyword extras).
FULL: dict[str, typing.Callable[[], typing.Any]] = {
    "Network": lambda: pulumi_webstack.NetworkArgs(cidr="10.42.0.0/16", az_count=3, app_cidrs=["10.90.0.0/16"]),
    "Database": lambda: pulumi_webstack.DatabaseArgs(
        **LINKS, vpc_id="vpc-0000000000000000e", replicas=2, multi_az=True, pooling=True,
        cross_region_replica="eu-central-1", cross_region_subnet_ids=["subnet-0f", "subnet-10"],
        cross_region_security_group_id="sg-11"),
    "Cache": lambda: pulumi_webstack.CacheArgs(**LINKS, replicas=2, automatic_failover=True, multi_az=True,
                                          snapshot_retention_days=7),
    "Cdn": lambda: pulumi_webstack.CdnArgs(
        domain="shop.example.com", origin_domain="origin.shop.example.com", aliases=["www.shop.example.com"],
        origin_headers={"X-Origin-Verify": pulumi.Output.secret("s3cr3t")}, hosted_zone_id="Z0123456789ABCDEFGHIJ",
        api_rate_limit_per_minute=50, headers=pulumi_webstack.SecurityHeaders(**HEADERS)),
    "VercelApp": lambda: pulumi_webstack.VercelAppArgs(
        project_name="shop", origin_domain="origin.shop.example.com", git_repository="example/shop",
        team_id="team_example", rollout="canary", canary_steps=[5, 25, 100], log_drain_url="https://logs.example.com/v",
        hosted_zone_id="Z0123456789ABCDEFGHIJ", headers=pulumi_webstack.SecurityHeaders(**HEADERS),
        secure_compute_cidr="10.240.0.0/20", peering_connection_id="pcx-0123456789abcdef0",
        vpc_id="vpc-0000000000000000e", route_table_ids=["rtb-0000000000000000e"], database_security_group_id="sg-0d", cache_security_group_id="sg-0c",
        reader_zone_id="Z0READER", **APP_DATA),
    "KubernetesApp": lambda: pulumi_webstack.KubernetesAppArgs(
        origin_domain="origin.shop.example.com", image=IMAGE, namespace="shop", min_instances=2, max_instances=20,
        rollout="canary", canary_image=IMAGE.replace("a" * 64, "c" * 64), cluster_issuer="letsencrypt",
        service_account_role_arn="arn:aws:iam::123456789012:role/shop-web", data_cidrs=["10.42.0.0/16"],
        app_security_group_id="sg-0a", cluster_vpc_id="vpc-0000000000000000e",
        cluster_security_group_id="sg-0000000000000000c",
        headers=pulumi_webstack.SecurityHeaders(**HEADERS), **APP_DATA),
    "EcsApp": lambda: pulumi_webstack.EcsAppArgs(
        origin_domain="origin.shop.example.com", image="123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop@sha256:"
        + "a" * 64, vpc_id="vpc-0000000000000000e", subnet_ids=LINKS["subnet_ids"],
        public_subnet_ids=["subnet-0000000000000001a", "subnet-0000000000000001b"], app_security_group_id="sg-0a",
        route_table_ids=["rtb-0000000000000000e"], rollout="canary", access_logs=True, deletion_protection=True,
        hosted_zone_id="Z0123456789ABCDEFGHIJ", **APP_DATA),
    "Backups": lambda: pulumi_webstack.BackupsArgs(
        retention_days=30, transition_days=7, object_lock_days=30, continuous=True, copy_region="eu-central-1",
        vault_lock=True, resource_arns=[DB_ARN]),
    "Alerting": lambda: pulumi_webstack.AlertingArgs(
        emails=["oncall@example.com"], pager_webhook_url=pulumi.Output.secret("https://pager.example.com/e"),
        slack_team_id="T0EXAMPLE01", slack_channel_id="C0EXAMPLE01", region="eu-west-1",
        database_identifier="orders", database_replica_identifiers=["orders-replica-1"], database_max_connections=800,
        database_resource_id="db-ABCDEFGHIJKLMNOPQRSTUVWXY1", database_instance_class="db.r7g.large",
        cache_member_clusters=["sessions-001", "sessions-002"], cdn_distribution_id="E2EXAMPLE12345",
        certificate_arn="arn:aws:acm:us-east-1:123456789012:certificate/1111",
        health_check_url="https://shop.example.com/api/health", backup_vault_name="orders-vault"),
    "Canaries": lambda: pulumi_webstack.CanariesArgs(
        domain="shop.example.com", region="eu-west-1", extra_regions=["us-east-1"],
        alarm_topic_arns={r: f"arn:aws:sns:{r}:123456789012:shop-critical" for r in ("eu-west-1", "us-east-1")},
        headers=pulumi_webstack.SecurityHeaders(**HEADERS)),
    "Drills": lambda: pulumi_webstack.DrillsArgs(
        stop_alarm_arns=["arn:aws:cloudwatch:eu-west-1:123456789012:alarm:shop-canary-eu-west-1-failed"],
        rpo_minutes=360, rto_minutes=60, database_instance_arn=DB_ARN, database_multi_az=True,
        cache_replication_group_id="sessions", cache_availability_zone="eu-west-1a",
        ecs_cluster_name="shop", ecs_service_name="web"),
}
NAMES = [c.__name__ for c in package.COMPONENTS]
PACKAGES = ("aws", "random", "kubernetes", "vercel")
"""Every provider package the components create resources of."""


def test_every_component_has_a_full_case():
    assert sorted(FULL) == sorted(NAMES)


def build(component: str, opts: typing.Callable[[], pulumi.ResourceOptions], **changes) -> Plan:
    """Plan of ``<Component>("shop", <its FULL args with changes>, opts=opts())`` (both made
    inside the program, where resources can be registered)."""
    cls = getattr(pulumi_webstack, component)
    return synth(lambda: cls("shop", dataclasses.replace(FULL[component](), **changes), opts=opts()),
                 stack="prod", config={"aws:region": "eu-west-1"})


def explicit_providers() -> dict[str, pulumi.ProviderResource]:
    return {pkg: pulumi.ProviderResource(pkg, f"caller-{pkg}", {"region": "eu-west-1"} if pkg == "aws" else {})
            for pkg in PACKAGES}


@pytest.fixture(scope="module")
def with_providers() -> dict[str, Plan]:
    """Each component built with an explicit provider per package passed in ``providers``."""
    return {c: build(c, lambda: pulumi.ResourceOptions(providers=explicit_providers())) for c in NAMES}


def root_of(plan: Plan, component: str):
    return plan.one(f"webstack:index:{component}", "shop")


def custom_children(plan: Plan, root) -> list:
    return [r for r in plan.descendants(root) if r.custom]


@pytest.mark.parametrize("component", NAMES)
def test_a_callers_providers_are_the_providers_of_every_child(with_providers, component):
    plan = with_providers[component]
    root = root_of(plan, component)
    providers = {r.name.removeprefix("caller-"): r.urn for r in plan if r.type.startswith("pulumi:providers:")}
    children = custom_children(plan, root)
    assert children
    for res in children:
        assert res.provider_urn == providers[res.type.split(":")[0]], (res.type, res.name)


@pytest.mark.parametrize("component", NAMES)
def test_everything_a_component_builds_is_parented_to_it(with_providers, component):
    plan = with_providers[component]
    root = root_of(plan, component)
    providers = {r.urn for r in plan if r.type.startswith("pulumi:providers:")}
    assert root.parent.split("::")[2] == "pulumi:pulumi:Stack"  # the caller's, here the stack
    assert {r.urn for r in plan.descendants(root)} == {r.urn for r in plan} - providers - {root.urn}


ALWAYS_NONE = {"Database": {"proxy_reader_endpoint"}}
"""Declared outputs documented as always None (kept so callers can test for them)."""


@pytest.mark.parametrize("component", NAMES)
def test_register_outputs_receives_every_declared_output(monkeypatch, component):
    """The dict handed to ``register_outputs`` names every output the class declares (what
    Pulumi keeps in state and the schema publishes); with everything built, none is None
    but those documented so, and the engine recorded the rest."""
    received = []
    register = pulumi.ComponentResource.register_outputs

    def spy(self, outputs):
        received.append((type(self).__name__, dict(outputs)))
        return register(self, outputs)

    monkeypatch.setattr(pulumi.ComponentResource, "register_outputs", spy)
    plan = build(component, lambda: pulumi.ResourceOptions())
    cls = getattr(pulumi_webstack, component)
    declared = {k for k in cls.__annotations__ if not k.startswith("_")}
    [outputs] = [out for registered_by, out in received if registered_by == component]
    assert set(outputs) == declared
    assert {k for k, v in outputs.items() if v is None} == ALWAYS_NONE.get(component, set())
    assert set(root_of(plan, component).component_outputs) == declared - ALWAYS_NONE.get(component, set())


@pytest.mark.parametrize("component", NAMES)
def test_a_callers_protect_reaches_every_child(component):
    plan = build(component, lambda: pulumi.ResourceOptions(protect=True))
    root = root_of(plan, component)
    assert root.protect
    unprotected = [r.name for r in plan.descendants(root) if not r.protect]
    assert not unprotected


STATEFUL = {
    "Database": {"aws:kms/key:Key", "aws:rds/instance:Instance", "aws:secretsmanager/secret:Secret"},
    "Cache": {"aws:kms/key:Key", "aws:elasticache/replicationGroup:ReplicationGroup", "aws:secretsmanager/secret:Secret"},
    "Backups": {"aws:kms/key:Key", "aws:s3/bucket:Bucket", "aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration",
                "aws:backup/vault:Vault", "aws:backup/vaultLockConfiguration:VaultLockConfiguration"},
}
"""Resource types each component's ``protect`` Args flag protects (and retains on delete)."""


def test_exactly_the_components_with_data_have_a_protect_flag():
    with_flag = {c for c in NAMES if "protect" in {f.name for f in dataclasses.fields(package.args_class(getattr(pulumi_webstack, c)))}}
    assert with_flag == set(STATEFUL)


@pytest.mark.parametrize("component", sorted(STATEFUL))
def test_the_protect_flag_keeps_the_data_whatever_the_callers_protect(component):
    """``args.protect`` is the documented override: the component's data (keys, instances,
    buckets, vaults, secrets) is protected and retained on delete even when the caller's
    ``opts`` say ``protect=False``; everything else follows the caller."""
    plan = build(component, lambda: pulumi.ResourceOptions(protect=False), protect=True)
    children = plan.descendants(root_of(plan, component))
    data = [r for r in children if r.type in STATEFUL[component]]
    assert {r.type for r in data} == STATEFUL[component]
    assert all(r.protect and r.retain_on_delete for r in data), [r.name for r in data if not r.protect]
    assert not [r.name for r in children if r.type not in STATEFUL[component] and (r.protect or r.retain_on_delete)]
    assert not root_of(plan, component).protect


@pytest.fixture
def registered_transforms(monkeypatch) -> dict[str, int]:
    """Resource name -> number of ``transforms`` callbacks its registration carried to the
    engine (the offline engine records the request, it does not keep this field)."""
    seen: dict[str, int] = {}
    register = engine._RecordingMonitor.RegisterResource

    def recording(self, request):
        seen[request.name] = len(request.transforms)
        return register(self, request)

    monkeypatch.setattr(engine._RecordingMonitor, "RegisterResource", recording)
    return seen


@pytest.mark.parametrize("component", NAMES)
def test_aliases_and_transforms_go_to_the_component_and_its_tree_follows(registered_transforms, component):
    """Pulumi applies a component's ``aliases`` and ``transforms`` to its whole tree through
    the parent chain: the engine runs a resource's transforms, then each ancestor's; a child
    named ``<component name>-...`` gets the renamed parent's alias. So the caller's options
    belong on the component's own registration only (children copying them would be
    transformed twice and aliased to the wrong URNs), every resource must descend from the
    component, and every child's name must start with the component's name."""
    plan = build(component, lambda: pulumi.ResourceOptions(aliases=[pulumi.Alias(name="legacy")],
                                                           transforms=[lambda args: None]))
    root = root_of(plan, component)
    assert [a["spec"]["name"] for a in root.aliases] == ["legacy"]
    assert registered_transforms["shop"] == 1
    children = plan.descendants(root)
    assert children and {r.urn for r in children} == {r.urn for r in plan} - {root.urn}
    for res in children:
        # Only the provider SDK's own type aliases (aws:s3/bucketV2 -> bucket), no caller's name.
        assert all(set(a["spec"]) == {"type", "parentUrn"} for a in res.aliases), (res.name, res.aliases)
        assert registered_transforms[res.name] == 0, res.name
        assert res.name.startswith("shop-"), f"{res.name} would not follow a renamed {component}"


@pytest.mark.parametrize("component", NAMES)
def test_a_callers_transformation_reaches_every_child(component):
    """Behavioural check of the parent chain, with the SDK-side ``transformations`` option:
    the offline engine, like Pulumi's stock mock monitor, does not run ``transforms``
    callbacks (the real engine does), while the SDK runs ``transformations`` itself over the
    same chain. A caller's cost-center tag lands on every taggable resource."""
    seen = []

    def tag(args: pulumi.ResourceTransformationArgs):
        seen.append(args.name)
        if "tags" in args.props:
            props = {**args.props, "tags": {**(args.props["tags"] or {}), "cost-center": "shop-42"}}
            return pulumi.ResourceTransformationResult(props, args.opts)
        return None

    plan = build(component, lambda: pulumi.ResourceOptions(transformations=[tag]))
    root = root_of(plan, component)
    children = plan.descendants(root)
    assert sorted(seen) == sorted([root.name] + [r.name for r in children])
    taggable = [r for r in children if r.custom and "tags" in r.inputs]
    assert taggable or component == "KubernetesApp"
    for res in taggable:
        assert res.inputs["tags"]["cost-center"] == "shop-42", res.name


def test_a_component_whose_sdk_is_missing_names_the_extra_to_install():
    """The core install has no Kubernetes or Vercel SDK: the AWS components import without
    them, and the app tiers say which extra brings theirs."""
    import subprocess
    import sys

    script = (
        "import sys\n"
        "sys.modules['pulumi_kubernetes'] = None; sys.modules['pulumiverse_vercel'] = None  # not installed\n"
        "from pulumi_webstack import Alerting, Backups, Cache, Cdn, Database, Network\n"
        "for name in ('VercelApp', 'KubernetesApp'):\n"
        "    try:\n"
        "        getattr(__import__('pulumi_webstack'), name)\n"
        "    except ModuleNotFoundError as exc:\n"
        "        print(exc)\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        "pulumi_webstack.VercelApp needs the pulumiverse-vercel SDK, which is not installed: "
        "pip install 'pulumi-webstack[vercel]'",
        "pulumi_webstack.KubernetesApp needs the pulumi-kubernetes SDK, which is not installed: "
        "pip install 'pulumi-webstack[kubernetes]'",
    ]
