"""The example consumer project builds what it says, with only the components' Args."""

from __future__ import annotations

import runpy

import pytest

from infra.engine import ROOT, Plan, synth

EXAMPLE = ROOT / "examples" / "python-data-tier" / "__main__.py"


@pytest.fixture(scope="module")
def example() -> Plan:
    return synth(lambda: runpy.run_path(str(EXAMPLE), run_name="__main__"),
                 project="orders-data", stack="prod", config={"aws:region": "eu-west-1"})


def test_the_example_builds_the_data_tier_under_its_own_names(example):
    assert {r.name for r in example if not r.custom} >= {"orders-net", "orders-db", "orders-cache", "orders-alerts"}
    replicas = [r for r in example.by_type("aws:rds/instance:Instance") if "replica" in r.name]
    assert len(replicas) == 2
    assert len({r.inputs["availabilityZone"] for r in replicas}) == 2


def test_the_example_protects_its_database_in_prod(example):
    primary = example.one("aws:rds/instance:Instance", "orders-db-primary")
    assert primary.protect and primary.inputs["storageEncrypted"] and primary.inputs["multiAz"]


def test_the_example_gets_alarms_for_what_it_passed(example):
    alarms = [r.inputs.get("metricName") for r in example.by_type("aws:cloudwatch/metricAlarm:MetricAlarm")]
    assert {"CPUUtilization", "FreeStorageSpace", "DatabaseConnections", "ReplicaLag",
            "EngineCPUUtilization", "DatabaseMemoryUsagePercentage"} <= set(alarms)
    assert "5xxErrorRate" not in alarms  # no CDN was passed, so no CDN alarms


def test_the_example_exports_no_secret_in_clear(example):
    assert set(example.outputs) == {"writerEndpoint", "readerEndpoint", "databaseSecretArn", "cacheEndpoint", "alarmTopics"}
    assert example.outputs["databaseSecretArn"].startswith("arn:aws:secretsmanager:eu-west-1:")
