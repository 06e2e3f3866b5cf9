"""Container policies (policies/containers.py): a compliant ECS task definition and service,
then one field broken per case."""

from __future__ import annotations

import json

import pytest
from pulumi_policy import EnforcementLevel

from pulumi_webstack_policies import containers as c
from pulumi_webstack_policies.runner import evaluate_policy
from pulumi_webstack_policies.values import UNKNOWN
from tests.helpers import DELETE, res, variant

SECRET = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:db-AbCdEf"
CONTAINER = {
    "name": "app", "image": "123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop@sha256:" + "a" * 64,
    "user": "10001:10001", "readonlyRootFilesystem": True, "privileged": False,
    "environment": [{"name": "DATABASE_HOST", "value": "db.example.internal"},
                    {"name": "DATABASE_SECRET_ARN", "value": SECRET}],
    "secrets": [{"name": "DATABASE_PASSWORD", "valueFrom": f"{SECRET}:password::"}],
}
SERVICE = {"launchType": "FARGATE", "networkConfiguration": {"subnets": ["subnet-1"], "securityGroups": ["sg-1"],
                                                             "assignPublicIp": False}}


def task(container: dict) -> list:
    return [res(c.TASK_DEFINITION, "app-task", {"family": "app", "containerDefinitions": json.dumps([container])})]


def messages(policy, resources) -> list[str]:
    return [d.message for d in evaluate_policy(policy, resources) if not d.unverifiable]


def test_levels_secrets_and_public_addresses_always_hardening_in_prod():
    assert c.ecs_task_secrets.enforcement_level == c.ecs_service_private_tasks.enforcement_level == EnforcementLevel.MANDATORY
    assert c.ecs_task_hardening.enforcement_level == EnforcementLevel.ADVISORY
    prod = json.loads(open("policies/config/prod.json").read())
    assert prod["ecs-task-hardening"] == "mandatory"


def test_the_compliant_task_and_service_pass():
    for policy in (c.ecs_task_secrets, c.ecs_task_hardening):
        assert messages(policy, task(CONTAINER)) == []
    assert messages(c.ecs_service_private_tasks, [res(c.SERVICE, "app-service", SERVICE)]) == []


@pytest.mark.parametrize("name", ["DATABASE_PASSWORD", "REDIS_AUTH_TOKEN", "STRIPE_SECRET", "api_key", "GITHUB_TOKEN",
                                  "AWS_CREDENTIALS"])
def test_a_credential_in_plain_environment_is_refused(name):
    leaky = variant(CONTAINER, "environment", CONTAINER["environment"] + [{"name": name, "value": "hunter2"}])
    (message,) = messages(c.ecs_task_secrets, task(leaky))
    assert f"has the credential {name} in plain environment" in message and "hunter2" not in message


@pytest.mark.parametrize("name", ["NEXT_PUBLIC_MAPS_API_KEY", "PUBLIC_ANALYTICS_TOKEN", "VITE_SENTRY_API_KEY"])
def test_a_framework_public_variable_is_no_credential(name):
    """Next.js inlines NEXT_PUBLIC_* into the browser bundle, SvelteKit's $env/static/public
    takes PUBLIC_*, Vite exposes VITE_*: values every visitor can read are not secrets, and a
    build needs them in plain environment."""
    public = variant(CONTAINER, "environment", CONTAINER["environment"] + [{"name": name, "value": "pk_live_123"}])
    assert messages(c.ecs_task_secrets, task(public)) == []
    url = variant(CONTAINER, "environment", CONTAINER["environment"] + [
        {"name": name, "value": "https://user:hunter2@example.com"}])
    assert messages(c.ecs_task_secrets, task(url))  # a URL with a password is one whatever it is called


@pytest.mark.parametrize("name, value", [
    ("DATABASE_URL", "postgres://app:hunter2@db.example.internal:5432/shop"),
    ("REDIS_URL", "rediss://:hunter2@cache.example.internal:6379"),
])
def test_a_password_inside_a_connection_url_is_a_credential_too(name, value):
    # Whatever the variable is called, a URL carrying user:password is a credential in plain sight.
    leaky = variant(CONTAINER, "environment", CONTAINER["environment"] + [{"name": name, "value": value}])
    (message,) = messages(c.ecs_task_secrets, task(leaky))
    assert f"has the credential {name} in plain environment" in message and "hunter2" not in message


def test_a_url_without_a_password_is_no_credential():
    assert c.credential_variables({"environment": [
        {"name": "REDIS_URL", "value": "rediss://cache.example.internal:6379"},
        {"name": "DATABASE_URL", "value": "postgres://app@db.example.internal:5432/shop"}]}) == []


def test_a_reference_to_a_secret_is_no_credential():
    assert c.credential_variables({"environment": [{"name": "REDIS_AUTH_SECRET_ARN", "value": SECRET},
                                                   {"name": "SESSION_SECRET", "value": SECRET}]}) == []


@pytest.mark.parametrize("path, value, expected", [
    ("user", DELETE, "runs as root"),
    ("user", "root", "runs as root"),
    ("user", "0:0", "runs as root"),
    ("readonlyRootFilesystem", False, "readonlyRootFilesystem is False"),
    ("readonlyRootFilesystem", DELETE, "readonlyRootFilesystem is None"),
    ("privileged", True, "is privileged"),
])
def test_task_hardening_one_broken_field(path, value, expected):
    (message,) = messages(c.ecs_task_hardening, task(variant(CONTAINER, path, value)))
    assert expected in message and "container 'app'" in message


@pytest.mark.parametrize("path, value, expected", [
    ("networkConfiguration.assignPublicIp", True, "assignPublicIp is True"),
    ("networkConfiguration", DELETE, "no networkConfiguration"),
])
def test_a_service_giving_its_tasks_a_public_address_is_refused(path, value, expected):
    (message,) = messages(c.ecs_service_private_tasks, [res(c.SERVICE, "app-service", variant(SERVICE, path, value))])
    assert expected in message


def test_an_unknown_container_definition_is_not_judged_in_preview():
    unknown = [res(c.TASK_DEFINITION, "app-task", {"containerDefinitions": UNKNOWN})]
    assert messages(c.ecs_task_secrets, unknown) == messages(c.ecs_task_hardening, unknown) == []
