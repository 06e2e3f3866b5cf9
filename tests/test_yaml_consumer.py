"""Specification of ``examples/yaml-consumer``: a Pulumi YAML program that uses the components
through the ``webstack`` package (``pulumi package add``), checked against the schema Pulumi
infers and executed offline by ``tests/yaml_runner.py``.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest
import yaml

import pulumi_webstack.__main__ as package
from pulumi_webstack_cli.engine import ROOT, Plan
from tests.yaml_runner import (
    EXAMPLE, dependency_order, load_project, parse_reference, program_problems, references, run_program,
)


# -------------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def project() -> dict[str, Any]:
    return load_project()


@pytest.fixture(scope="module")
def stack_config() -> dict[str, Any]:
    return yaml.safe_load((EXAMPLE / "Pulumi.prod.yaml").read_text())["config"]


@pytest.fixture(scope="module")
def deployed(project, provider, stack_config) -> Plan:
    plan, _ = run_program(project, provider, project=project["name"], stack="prod", config=stack_config)
    return plan


# ------------------------------------------------------------------------------- project


def test_the_example_is_a_yaml_project_with_the_package_as_pulumi_package_add_records_it(project):
    assert project["runtime"] == "yaml"
    # `pulumi package add <path>` writes `<name>: <source>@<schema version>`.
    source, version = project["packages"][package.PACKAGE].split("@")
    assert version == package.version()
    plugin = (EXAMPLE / source).resolve()
    assert plugin == (ROOT / "components").resolve()
    assert yaml.safe_load((plugin / "PulumiPlugin.yaml").read_text())["runtime"]["name"] == "python"
    assert (plugin / "__main__.py").is_file()


def test_the_example_uses_only_components_of_the_package(project, schema):
    types = {r["type"] for r in project["resources"].values()}
    assert types == {f"webstack:index:{c}" for c in ("Network", "Database", "Cache", "Backups", "Alerting")}
    assert types <= set(schema["resources"])


def test_the_example_type_checks_against_the_inferred_schema(project, schema):
    assert program_problems(project, schema) == []


def test_every_reference_names_a_resource_and_an_output_of_its_schema(project, schema):
    resources = project["resources"]
    seen = 0
    for name, resource in resources.items():
        for text in references(resource.get("properties") or {}):
            target, steps = parse_reference(text)
            assert target in resources and target != name
            assert steps[0] in schema["resources"][resources[target]["type"]]["properties"]
            seen += 1
    assert seen >= 12
    assert dependency_order(project) == ["net", "db", "cache", "backups", "alerts"]


def test_the_stack_file_sets_the_region_the_components_run_in(stack_config):
    assert stack_config == {"aws:region": "eu-west-1"}


# ------------------------------------------------------------------------------ executed


def test_the_database_gets_the_network_subnets_and_its_replicas(deployed):
    subnet_group = deployed.one("aws:rds/subnetGroup:SubnetGroup")
    assert subnet_group.inputs["subnetIds"] == deployed.outputs["subnetIds"]
    assert len(deployed.outputs["subnetIds"]) == 3
    for subnet in deployed.by_type("aws:ec2/subnet:Subnet"):
        assert subnet_group.depends_on(subnet)  # the reference kept the dependency
    instances = {r.name: r for r in deployed.by_type("aws:rds/instance:Instance")}
    assert sorted(instances) == ["db-primary", "db-replica-1", "db-replica-2"]
    primary = instances["db-primary"]
    assert primary.protect and primary.inputs["multiAz"] is True and primary.inputs["backupRetentionPeriod"] == 14
    assert primary.inputs["instanceClass"] == "db.r7g.large"
    assert primary.parent == deployed.one("webstack:index:Database", "db").urn
    zones = {instances[n].inputs["availabilityZone"] for n in ("db-replica-1", "db-replica-2")}
    assert len(zones) == 2
    params = deployed.one("aws:rds/parameterGroup:ParameterGroup")
    assert {"name": "max_connections", "value": "1600", "applyMethod": "pending-reboot"} in params.inputs["parameters"]


def test_the_cache_sits_in_the_network_subnets_behind_its_security_group(deployed):
    group = deployed.one("aws:elasticache/subnetGroup:SubnetGroup")
    assert group.inputs["subnetIds"] == deployed.outputs["subnetIds"]
    cache_sg = deployed.one("aws:ec2/securityGroup:SecurityGroup", "net-cache")
    replication = deployed.one("aws:elasticache/replicationGroup:ReplicationGroup")
    assert replication.depends_on(cache_sg)
    assert replication.inputs["numCacheClusters"] == 2
    assert replication.inputs["automaticFailoverEnabled"] is True and replication.inputs["multiAzEnabled"] is True
    assert replication.inputs["transitEncryptionEnabled"] is True


def test_backups_protect_the_primary_the_reference_named(deployed):
    primary = deployed.one("aws:rds/instance:Instance", "db-primary")
    selection = deployed.one("aws:backup/selection:Selection")
    assert len(selection.inputs["resources"]) == 1
    assert selection.inputs["resources"][0].startswith("arn:aws:rds:eu-west-1:")
    assert selection.depends_on(primary)
    continuous = [r for r in deployed.one("aws:backup/plan:Plan").inputs["rules"] if r.get("enableContinuousBackup")]
    assert [r["lifecycle"]["deleteAfter"] for r in continuous] == [14]


def test_alarms_watch_the_instances_and_nodes_the_references_named(deployed):
    alerts = deployed.one("webstack:index:Alerting", "alerts")
    alarms = [r for r in deployed.descendants(alerts) if r.type == "aws:cloudwatch/metricAlarm:MetricAlarm"]
    by_metric: dict[str, list] = {}
    for alarm in alarms:
        by_metric.setdefault(alarm.inputs.get("metricName"), []).append(alarm)
    primary = deployed.one("aws:rds/instance:Instance", "db-primary")
    lag = by_metric["ReplicaLag"]
    replica_ids = {deployed.one("aws:rds/instance:Instance", n).inputs["identifier"] for n in ("db-replica-1", "db-replica-2")}
    assert len(lag) == 2 and {a.inputs["dimensions"]["DBInstanceIdentifier"] for a in lag} == replica_ids
    (connections,) = by_metric["DatabaseConnections"]
    assert connections.inputs["dimensions"]["DBInstanceIdentifier"] == primary.inputs["identifier"]
    assert connections.inputs["threshold"] == pytest.approx(0.9 * 1600)  # prod: 90 % of the literal max
    assert len(by_metric["EngineCPUUtilization"]) == 2  # one per cache node named in cacheMemberClusters
    (storage,) = by_metric[None]  # metric math over the primary's DbiResourceId (databaseResourceId)
    assert deployed.one("aws:rds/instance:Instance", "db-primary").state["resourceId"] in (
        storage.inputs["metricQueries"][0]["expression"])
    assert connections.depends_on(primary)


def test_the_outputs_are_what_the_references_named(deployed):
    outputs = deployed.outputs
    assert set(outputs) == set(load_project()["outputs"])
    assert outputs["writerEndpoint"].endswith(".rds.amazonaws.com")
    assert outputs["databaseSecretArn"].startswith("arn:aws:secretsmanager:eu-west-1:")
    assert set(outputs["alarmTopics"]) == {"critical", "warning", "info"}
    assert outputs["healthDashboard"].startswith("https://console.aws.amazon.com/cloudwatch/home#dashboards:name=")
    assert not outputs["healthDashboard"].endswith("=")


# ---------------------------------------------------------------------- the checker itself


def _variant(project: dict[str, Any], resource: str, **properties: Any) -> dict[str, Any]:
    changed = copy.deepcopy(project)
    for key, value in properties.items():
        if value is None:
            changed["resources"][resource]["properties"].pop(key)
        else:
            changed["resources"][resource]["properties"][key] = value
    return changed


@pytest.mark.parametrize(
    "resource, change, expected",
    [
        ("db", {"replicaCount": 2}, "db.replicaCount: not an input of webstack:index:Database"),
        ("db", {"vpcId": None}, "db.vpcId: required input of webstack:index:Database is missing"),
        ("db", {"replicas": "two"}, "db.replicas = 'two': wants integer"),
        ("db", {"vpcId": "${network.vpcId}"}, "names no resource of the program"),
        ("db", {"vpcId": "${net.vpc}"}, "webstack:index:Network has no output 'vpc'"),
        ("db", {"vpcId": "${net.subnetIds}"}, "the reference yields array<string>, the input wants string"),
        ("cache", {"engine": "memcached"}, "cache.engine = 'memcached': must be one of ['redis', 'valkey']"),
        ("net", {"azCount": "${db.port}"}, "net.azCount = ${db.port}: azCount is a plain input"),
        ("alerts", {"databaseMaxConnections": "${db.maxConnections}"}, "databaseMaxConnections is a plain input"),
        ("alerts", {"emails": "${db.replicaIdentifiers}"}, "alerts.emails = ${db.replicaIdentifiers}: emails is a plain"),
        ("net", {"cidr": {"fn::join": ["", ["10.60", ".0.0/16"]]}}, "fn::...) are not evaluated"),
    ],
)
def test_the_checker_names_what_pulumi_would_refuse(project, schema, resource, change, expected):
    problems = program_problems(_variant(project, resource, **change), schema)
    assert any(expected in p for p in problems), problems


def test_a_reference_cycle_is_refused(project, schema):
    cyclic = _variant(project, "net", vpcId="${db.securityGroupId}", subnetIds=["subnet-a", "subnet-b"])
    assert any("reference cycle" in p for p in program_problems(cyclic, schema))


def test_an_integer_input_fed_by_a_reference_really_fails_in_the_provider(provider):
    """Why the checker refuses ``${...}`` in integer inputs, even non-plain ones such as
    ``VercelApp.databasePort``: the provider's input mapping calls int() on the Output."""
    program = {"resources": {
        "db": {"type": "webstack:index:Database", "properties": {
            "subnetIds": ["subnet-a", "subnet-b"], "securityGroupId": "sg-1", "availabilityZones": ["a", "b"],
            "vpcId": "vpc-1"}},
        "app": {"type": "webstack:index:VercelApp", "properties": {
            "projectName": "shop", "originDomain": "origin.shop.example.com", "databasePort": "${db.port}"}},
    }}
    with pytest.raises(TypeError, match="int\\(\\) argument must be .* not 'Output'"):
        run_program(program, provider)
    literal = {"resources": {**program["resources"], "app": {**program["resources"]["app"], "properties": {
        **program["resources"]["app"]["properties"], "databasePort": 5432}}}}
    plan, _ = run_program(literal, provider)
    assert plan.one("webstack:index:VercelApp", "app")


def test_a_component_gets_the_providers_its_options_name(provider, schema):
    """The CDN's certificate and web ACL must live in us-east-1: a YAML program passes a
    us-east-1 provider in the component's ``providers`` option, and every child uses it."""
    program = {"resources": {
        # Listed before its provider: only the providers option orders them.
        "cdn": {"type": "webstack:index:Cdn", "options": {"providers": ["${useast1}"], "protect": True},
                "properties": {"domain": "shop.example.com", "originDomain": "origin.shop.example.com"}},
        "useast1": {"type": "pulumi:providers:aws", "properties": {"region": "us-east-1"}},
    }}
    assert program_problems(program, schema) == []
    assert dependency_order(program) == ["useast1", "cdn"]
    plan, _ = run_program(program, provider)
    assert plan.one("webstack:index:Cdn").protect
    region_provider = plan.one("pulumi:providers:aws", "useast1")
    certificate = plan.one("aws:acm/certificate:Certificate")
    assert certificate.provider_urn == region_provider.urn
    assert all(r.provider_urn == region_provider.urn for r in plan.descendants(plan.one("webstack:index:Cdn"))
               if r.custom and r.type.startswith("aws:"))
    wrong = {"resources": {
        "cdn": {**program["resources"]["cdn"], "options": {
            "providers": ["${cdn}"], "dependsOn": ["${useast1}"], "protect": "yes"}},
        "useast1": {"type": "pulumi:providers:aws", "properties": {"region": "us-east-1", "profile": "ops"}},
    }}
    problems = program_problems(wrong, schema)
    assert "cdn.options.dependsOn: resource option not handled by this offline runner" in problems
    assert "cdn.options.providers: '${cdn}' is not a provider resource of the program" in problems
    assert "cdn.options.protect: wants true or false" in problems
    assert "useast1.profile: this runner passes only literal region to pulumi:providers:aws" in problems
    referenced = {"resources": {**program["resources"], "net": {"type": "webstack:index:Network"},
                                "useast1": {"type": "pulumi:providers:aws", "properties": {"region": "${net.vpcId}"}}}}
    assert "useast1.region: this runner passes only literal region to pulumi:providers:aws" in program_problems(
        referenced, schema)
