"""pulumi-webstack as another project gets it: a wheel (or a Git URL) installed into a fresh
virtualenv outside this repository, and examples/python-consumer, a separate Pulumi
project, planned there with the offline engine that ships in the wheel.

Dependencies of the fresh virtualenv: a real ``pip install <wheel>`` resolves pulumi,
pulumi-aws, pulumi-kubernetes, ... from the package index, about 440 MB, 26-47 s here
(pip's HTTP cache does not persist on these machines, so every run downloads them). By
default the wheel is therefore installed with ``--no-deps`` and the fresh virtualenv reaches
the dependencies through a ``.pth`` line naming this environment's site-packages. A plain
path line in a ``.pth`` file adds the directory to ``sys.path`` without processing the
``.pth`` files in it, so this repository's editable install (a meta-path finder installed by
``__editable__...pth``) stays inactive there; the test proves ``components`` and ``infra``
come from the wheel. ``WEBSTACK_WHEEL_FULL_INSTALL=1`` runs the same tests with a fresh
virtualenv that resolves everything from the index, as a user's would.
"""

import ast
import json
import os
import re
import runpy
import shutil
import subprocess
import sys
import sysconfig
import tomllib
import zipfile
from pathlib import Path

import pytest
from packaging.requirements import Requirement

import pulumi_webstack
from pulumi_webstack_cli.engine import ROOT, project_config, synth

EXAMPLE = ROOT / "examples" / "python-consumer"
FULL_INSTALL = os.environ.get("WEBSTACK_WHEEL_FULL_INSTALL") == "1"
VERSION = pulumi_webstack.__version__


def run(*cmd, cwd: Path, timeout: int = 300, env: dict | None = None) -> str:
    done = subprocess.run([str(c) for c in cmd], cwd=cwd, capture_output=True, text=True, timeout=timeout, env=env)
    assert done.returncode == 0, f"{' '.join(map(str, cmd))} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done.stdout


def outside_env() -> dict:
    """The environment of a program run by someone else: none of this checkout's paths."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")}
    env["PYTHONNOUSERSITE"] = "1"
    return env


# --------------------------------------------------------------------------- the wheel


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """The wheel of this working tree, built from a copy of the files Git would ship
    (tracked and untracked-but-not-ignored), with this environment's setuptools: no build
    isolation, no index, so no download."""
    work = tmp_path_factory.mktemp("build")
    src = work / "src"
    listed = run("git", "ls-files", "-z", "--cached", "--others", "--exclude-standard", cwd=ROOT)
    for rel in filter(None, listed.split("\0")):
        if (ROOT / rel).is_file():
            (src / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / rel, src / rel)
    run(sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index",
        "-w", work / "dist", src, cwd=work)
    [built] = (work / "dist").glob("*.whl")
    return built


def test_the_wheel_carries_the_packages_their_data_and_the_version(wheel):
    assert wheel.name == f"pulumi_webstack-{VERSION}-py3-none-any.whl"
    with zipfile.ZipFile(wheel) as whl:
        names = set(whl.namelist())
        meta = whl.read(f"pulumi_webstack-{VERSION}.dist-info/METADATA").decode()
        entry_points = whl.read(f"pulumi_webstack-{VERSION}.dist-info/entry_points.txt").decode()
    modules = {f"pulumi_webstack/{p.name}" for p in (ROOT / "components").glob("*.py")}
    data = {"pulumi_webstack/py.typed", "pulumi_webstack/PulumiPlugin.yaml", "pulumi_webstack/requirements.txt",
            "pulumi_webstack_policies/PulumiPolicy.yaml", "pulumi_webstack_policies/README.md",
            *(f"pulumi_webstack_policies/config/{s}.json" for s in ("dev", "staging", "prod"))}
    assert modules | data | {"pulumi_webstack_cli/engine.py", "pulumi_webstack_cli/main.py",
                             "pulumi_webstack_policies/__main__.py"} <= names
    # Distinctive import names only: no generic top-level package, and not the stack program.
    assert {n.split("/")[0] for n in names} == {"pulumi_webstack", "pulumi_webstack_cli", "pulumi_webstack_policies",
                                               f"pulumi_webstack-{VERSION}.dist-info"}
    assert f"\nVersion: {VERSION}\n" in meta
    pinned = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    required = [Requirement(r) for r in re.findall(r"^Requires-Dist: (.+)$", meta, re.M)]
    assert {(r.name, r.specifier) for r in required if r.marker is None} == {
        (r.name, r.specifier) for r in map(Requirement, pinned)}
    assert "webstack = pulumi_webstack_cli.main:console" in entry_points


# ------------------------------------------------------------------- a fresh virtualenv


def purelib(python: Path) -> Path:
    return Path(run(python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])",
                    cwd=python.parent, env=outside_env()).strip())


@pytest.fixture(scope="module")
def venv(tmp_path_factory, wheel) -> Path:
    """A new virtualenv outside the repository with the wheel installed; returns its python."""
    home = tmp_path_factory.mktemp("consumer-venv")
    assert ROOT not in home.parents
    python = home / ".venv" / "bin" / "python"
    if FULL_INSTALL:
        run(sys.executable, "-m", "venv", home / ".venv", cwd=home)
        run(python, "-m", "pip", "install", "--quiet", wheel, cwd=home, timeout=900, env=outside_env())
    else:
        run(sys.executable, "-m", "venv", "--without-pip", home / ".venv", cwd=home)
        run(sys.executable, "-m", "pip", "--python", python, "install", "--quiet", "--no-deps", "--no-index",
            wheel, cwd=home)
        (purelib(python) / "webstack-test-dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return python


DRIVER = r'''
"""Plan the consumer project with the offline engine of the installed pulumi-webstack."""
import importlib.metadata, json, runpy, sys
from pathlib import Path

project, config = Path(sys.argv[1]), json.loads(sys.argv[2])
import pulumi_webstack
import pulumi_webstack_cli.engine
from pulumi_webstack_cli.engine import Secret, synth

plan = synth(lambda: runpy.run_path(str(project / "__main__.py"), run_name="__main__"),
             project="bookings", stack="prod", config=config)


def secret_strings(value, inside=False):
    if isinstance(value, Secret):
        yield from secret_strings(value.value, True)
    elif isinstance(value, dict):
        for v in value.values():
            yield from secret_strings(v, inside)
    elif isinstance(value, list):
        for v in value:
            yield from secret_strings(v, inside)
    elif inside and isinstance(value, str):
        yield value


secrets = {s for r in plan for s in secret_strings([r.inputs, r.state])}
generated = {r.state["result"].value for r in plan.by_type("random:index/randomPassword:RandomPassword")}
text = json.dumps(plan.to_json())
print(json.dumps({
    "components": pulumi_webstack.__file__,
    "engine": pulumi_webstack_cli.engine.__file__,
    "version": pulumi_webstack.__version__,
    "distribution": importlib.metadata.version("pulumi-webstack"),
    "modules": sorted(getattr(m, "__file__", None) or "" for m in list(sys.modules.values())),
    "finders": [getattr(f, "__module__", "") for f in sys.meta_path] + [m for m in sys.modules if "__editable__" in m],
    "secrets": len(secrets), "generated": len(generated),
    "leaked": sorted(s for s in secrets | generated if s in text),
    "plan": plan.to_json(),
}))
'''


@pytest.fixture(scope="module")
def consumer(tmp_path_factory, venv) -> dict:
    """examples/python-consumer copied to a directory of its own and planned (stack prod)
    by the fresh virtualenv's python, from that directory."""
    project = tmp_path_factory.mktemp("bookings")
    shutil.copytree(EXAMPLE, project, dirs_exist_ok=True, ignore=shutil.ignore_patterns(".venv", "__pycache__"))
    driver = project.parent / f"{project.name}-plan.py"
    driver.write_text(DRIVER)
    config = {**project_config(EXAMPLE)[1], "aws:region": "eu-west-1"}
    out = run(venv, driver, project, json.dumps(config), cwd=project, env=outside_env())
    return {"site": purelib(venv), **json.loads(out.strip().splitlines()[-1])}


def test_the_components_come_from_the_wheel_not_this_checkout(consumer):
    site = consumer["site"]
    assert Path(consumer["components"]) == site / "pulumi_webstack" / "__init__.py"
    assert Path(consumer["engine"]) == site / "pulumi_webstack_cli" / "engine.py"
    assert consumer["version"] == consumer["distribution"] == VERSION
    from_checkout = [f for f in consumer["modules"]
                     if f.startswith(str(ROOT) + os.sep) and not f.startswith(str(ROOT / ".venv") + os.sep)]
    assert not from_checkout
    assert not [f for f in consumer["finders"] if "__editable__" in f]  # this checkout's editable install is off


def test_the_installed_components_build_the_consumers_database(consumer):
    plan = consumer["plan"]
    by_name = {r["name"]: r for r in plan["resources"]}
    database = by_name["bookings-db"]
    assert database["type"] == "webstack:index:Database" and not database["custom"]
    primary = by_name["bookings-db-primary"]
    assert primary["type"] == "aws:rds/instance:Instance" and primary["parent"] == database["urn"]
    assert {k: primary["inputs"][k] for k in ("engine", "instanceClass", "multiAz", "storageEncrypted",
                                               "deletionProtection", "backupRetentionPeriod", "password")} == {
        "engine": "postgres", "instanceClass": "db.r7g.large", "multiAz": True, "storageEncrypted": True,
        "deletionProtection": True, "backupRetentionPeriod": 30, "password": "[secret]"}
    assert primary["protect"] and primary["retainOnDelete"]
    replica = by_name["bookings-db-replica-1"]
    assert replica["inputs"]["replicateSourceDb"] and replica["parent"] == database["urn"]
    cache = by_name["bookings-cache-group"]
    assert cache["inputs"]["transitEncryptionEnabled"] and cache["inputs"]["automaticFailoverEnabled"]
    assert cache["inputs"]["authToken"] == "[secret]"
    alarms = [r for r in plan["resources"] if r["type"] == "aws:cloudwatch/metricAlarm:MetricAlarm"]
    metrics = {a["inputs"].get("metricName") for a in alarms}  # None: metric math (free storage)
    assert {"ReplicaLag", "DatabaseConnections", "EngineCPUUtilization"} <= metrics
    assert "5xxErrorRate" not in metrics  # the consumer passed no CDN, so it gets no CDN alarms
    emails = {r["inputs"]["endpoint"] for r in plan["resources"]
              if r["type"] == "aws:sns/topicSubscription:TopicSubscription" and r["inputs"]["protocol"] == "email"}
    assert emails == {"oncall@bookings.example.com"}  # bookings:oncallEmail's default in its Pulumi.yaml


def test_the_consumers_plan_shows_no_secret_in_clear(consumer):
    assert consumer["generated"] == 2  # the database password and the cache auth token
    assert consumer["secrets"] >= 2
    assert consumer["leaked"] == []
    outputs = consumer["plan"]["outputs"]
    assert sorted(outputs) == ["alarmTopics", "appSecurityGroupId", "cacheAuthSecretArn", "cacheEndpoint",
                               "databaseReader", "databaseSecretArn", "databaseWriter"]
    assert outputs["databaseWriter"].endswith(".rds.amazonaws.com") and ".proxy-" in outputs["databaseWriter"]
    assert outputs["databaseSecretArn"].startswith("arn:aws:secretsmanager:eu-west-1:")


# ------------------------------------------------------------------------------ Git URL


def test_pip_installs_the_package_from_a_git_url(tmp_path):
    """``pip install "pulumi-webstack @ git+<url>"``: pip clones the repository at HEAD and
    builds it (committed files only; uncommitted changes are not in a Git install)."""
    target = tmp_path / "site"
    run(sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation", "--no-index",
        "--target", target, f"pulumi-webstack @ git+file://{ROOT}", cwd=tmp_path)
    head = run("git", "show", "HEAD:components/__init__.py", cwd=ROOT)
    committed = ast.literal_eval(re.search(r'^__version__ = (".*?")$', head, re.M).group(1))
    assert (target / f"pulumi_webstack-{committed}.dist-info").is_dir()
    for rel in ("pulumi_webstack/__init__.py", "pulumi_webstack/database.py", "pulumi_webstack/PulumiPlugin.yaml",
                "pulumi_webstack_cli/engine.py", "pulumi_webstack_policies/config/prod.json"):
        assert (target / rel).is_file(), rel
    assert (target / "pulumi_webstack" / "__init__.py").read_text() == head


# ----------------------------------------------------------------- the example project


def test_the_example_is_a_project_of_its_own():
    import yaml

    project = yaml.safe_load((EXAMPLE / "Pulumi.yaml").read_text())
    assert project["name"] == "bookings" and project["name"] != yaml.safe_load((ROOT / "Pulumi.yaml").read_text())["name"]
    assert project["runtime"] == {"name": "python", "options": {"toolchain": "pip", "virtualenv": ".venv"}}
    assert "main" not in project  # the directory itself, not this repository's infra/
    lines = (EXAMPLE / "requirements.txt").read_text().splitlines()
    assert [line for line in lines if line and not line.startswith("#")] == ["../..[cli]"]
    assert f"#   pulumi-webstack[cli] @ file:///path/to/dist/pulumi_webstack-{VERSION}-py3-none-any.whl" in lines


def test_the_examples_requirements_install_this_checkout_without_a_tag(tmp_path):
    """What `pulumi install` runs in the example (pip, from its directory): it resolves to the
    checkout the example lives in, with the cli extra, no tag or repository URL needed."""
    report = tmp_path / "report.json"
    run(sys.executable, "-m", "pip", "install", "--dry-run", "--quiet", "--no-deps", "--no-index",
        "--no-build-isolation", "--ignore-installed", "--report", report, "-r", "requirements.txt", cwd=EXAMPLE)
    [item] = json.loads(report.read_text())["install"]
    assert item["metadata"]["name"] == "pulumi-webstack" and item["metadata"]["version"] == VERSION
    assert item["download_info"]["url"] == ROOT.as_uri() and item["requested_extras"] == ["cli"]


def test_the_example_imports_only_the_public_api():
    tree = ast.parse((EXAMPLE / "__main__.py").read_text())
    imports = [node for node in ast.walk(tree) if isinstance(node, (ast.Import, ast.ImportFrom))]
    modules = {alias.name for node in imports if isinstance(node, ast.Import) for alias in node.names}
    modules |= {node.module for node in imports if isinstance(node, ast.ImportFrom)}
    assert modules == {"pulumi", "pulumi_webstack"}
    names = {alias.name for node in imports if isinstance(node, ast.ImportFrom) for alias in node.names}
    assert names <= set(pulumi_webstack.__all__)


def test_the_example_builds_on_an_existing_vpc_in_a_small_shape():
    plan = synth(lambda: runpy.run_path(str(EXAMPLE / "__main__.py"), run_name="__main__"),
                 project="bookings", stack="dev",
                 config={**project_config(EXAMPLE)[1], "aws:region": "eu-west-1",
                         "bookings:vpcId": "vpc-0b00c1d2e3f4a5b6c",
                         "bookings:subnetIds": ["subnet-0a1b2c3d4e5f6a7b8", "subnet-0b1c2d3e4f5a6b7c8"]})
    assert not plan.by_type("aws:ec2/vpc:Vpc")
    assert plan.one("aws:rds/subnetGroup:SubnetGroup").inputs["subnetIds"] == ["subnet-0a1b2c3d4e5f6a7b8", "subnet-0b1c2d3e4f5a6b7c8"]
    instances = plan.by_type("aws:rds/instance:Instance")
    assert [i.name for i in instances] == ["bookings-db-primary"]
    assert instances[0].inputs["multiAz"] is False and not instances[0].protect
    assert not any(r.protect for r in plan)
    assert not plan.by_type("aws:rds/proxy:Proxy")
    assert plan.outputs["databaseWriter"] == instances[0].state["address"]


# ------------------------------------------- `webstack` from the wheel, on a brand-new project

NEW_PROGRAM = '''"""The inventory team's data tier: its own helpers in components/, the library's components."""
import pulumi

from components.labels import owner  # this project's own package named `components`
from pulumi_webstack import Alerting, AlertingArgs, Database, DatabaseArgs, Network, NetworkArgs, Thresholds

config = pulumi.Config()
net = Network("inv-net", NetworkArgs(cidr="10.80.0.0/16", az_count=2))
db = Database("inv-db", DatabaseArgs(
    subnet_ids=net.subnet_ids, security_group_id=net.database_security_group_id,
    availability_zones=net.availability_zones, vpc_id=net.vpc_id,
    instance_class="db.t4g.medium", replicas=config.get_int("replicas") or 0))
Alerting("inv-alerts", AlertingArgs(thresholds=Thresholds(service_down_minutes=5), emails=[config.require("oncall")]),
         database=db)
pulumi.export("owner", owner())
pulumi.export("writer", db.writer_endpoint)
'''


@pytest.fixture(scope="module")
def new_project(tmp_path_factory, venv) -> Path:
    """A new Pulumi Python project in a git repository of its own, with a `components/` package."""
    root = tmp_path_factory.mktemp("inventory")
    (root / "Pulumi.yaml").write_text("name: inventory\nruntime:\n  name: python\n  options:\n    virtualenv: venv\n"
                                      "config:\n  inventory:oncall:\n    type: string\n    default: ops@inventory.example.com\n")
    (root / "Pulumi.dev.yaml").write_text("config:\n  aws:region: eu-west-1\n")
    (root / "__main__.py").write_text(NEW_PROGRAM)
    (root / "components").mkdir()
    (root / "components" / "__init__.py").write_text('"""The inventory team\'s own helpers."""\n')
    (root / "components" / "labels.py").write_text('def owner() -> str:\n    return "inventory"\n')
    env = {**outside_env(), "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com"}
    for cmd in (["init", "-q"], ["add", "."], ["commit", "-q", "-m", "inventory"]):
        run("git", *cmd, cwd=root, env=env)
    return root


def webstack(venv: Path, project: Path, *argv, expect: int = 0) -> subprocess.CompletedProcess:
    """The `webstack` console script the wheel installed, run in the project like a user would."""
    done = subprocess.run([venv.parent / "webstack", *argv], cwd=project, capture_output=True, text=True,
                          timeout=600, env={**outside_env(), "NO_COLOR": "1"})
    assert done.returncode == expect, f"webstack {' '.join(argv)} -> {done.returncode}\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}"
    return done


def test_webstack_from_the_wheel_plans_a_new_project_with_its_own_components_folder(venv, new_project):
    plan = json.loads(webstack(venv, new_project, "synth", "--json").stdout)
    assert (plan["project"], plan["stack"]) == ("inventory", "dev")
    assert plan["outputs"]["owner"] == "inventory"  # its components/ package
    by_type = {r["type"] for r in plan["resources"]}
    assert {"webstack:index:Network", "webstack:index:Database", "webstack:index:Alerting"} <= by_type
    emails = {r["inputs"]["endpoint"] for r in plan["resources"]
              if r["type"] == "aws:sns/topicSubscription:TopicSubscription"}
    assert emails == {"ops@inventory.example.com"}  # the project default
    text = webstack(venv, new_project, "synth").stdout
    assert f"Resources: + {len(plan['resources'])} to create" in text


def test_check_estimate_and_diff_work_on_the_new_project(venv, new_project):
    report = json.loads(webstack(venv, new_project, "check", "--format", "json").stdout)
    assert report["policyPack"] == "webstack-security" and report["resources"] > 20 and report["passed"]
    sarif = json.loads(webstack(venv, new_project, "check", "--format", "sarif").stdout)
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in sarif["runs"][0]["results"]}
    assert uris and uris <= {"__main__.py", "Pulumi.dev.yaml"}  # the project's lines, not site-packages
    estimate = json.loads(webstack(venv, new_project, "estimate", "--json").stdout)
    assert estimate["deploy"]["criticalPathSeconds"] > 600 and estimate["cost"]["monthlyTotal"] > 0
    (new_project / "Pulumi.dev.yaml").write_text("config:\n  aws:region: eu-west-1\n  inventory:replicas: 1\n")
    try:
        diff = json.loads(webstack(venv, new_project, "diff", "--base", "HEAD", "--format", "json").stdout)
    finally:
        run("git", "checkout", "-q", "--", "Pulumi.dev.yaml", cwd=new_project, env=outside_env())
    [d] = diff["diffs"]
    assert (d["old"]["status"], d["new"]["status"]) == ("ok", "ok")
    added = {r["name"] for r in d["resources"] if r["op"] == "add"}
    assert "inv-db-replica-1" in added


def test_the_library_is_the_wheels_even_beside_a_components_folder(venv, new_project):
    probe = ("import json, components, pulumi_webstack, pulumi_webstack_cli;"
             "print(json.dumps([components.__file__, pulumi_webstack.__file__, pulumi_webstack_cli.__file__]))")
    own, library, tool = json.loads(run(venv, "-c", probe, cwd=new_project, env=outside_env()).strip())
    site = purelib(venv)
    assert Path(own) == new_project / "components" / "__init__.py"
    assert Path(library) == site / "pulumi_webstack" / "__init__.py" and Path(tool).parent == site / "pulumi_webstack_cli"
