"""Container rules: ECS tasks keep their credentials out of plain environment variables, run as
a non-root user on a read-only root file system, unprivileged, and stay off the internet.

ECS task definitions carry their containers as one JSON string (``containerDefinitions``,
the ECS API's spelling); the rules parse it. A credential is recognised by its variable name
(``*PASSWORD``, ``*SECRET``, ``*TOKEN``, ``*API_KEY``, ``*PRIVATE_KEY``, ``*CREDENTIALS``;
not a framework's browser-public ``NEXT_PUBLIC_*``, ``PUBLIC_*`` or ``VITE_*``), and so is
any value that is a URL carrying a password (``postgres://user:password@host``,
``rediss://:token@host``), whatever its variable is called. Such a variable belongs in the
container's ``secrets`` (``valueFrom`` a Secrets Manager
secret or SSM parameter, resolved by ECS when the task starts), where it is neither stored in
the task definition nor shown by ``DescribeTaskDefinition``. A plain variable holding only a
reference (an ARN, such as ``DATABASE_SECRET_ARN``) is fine.
"""

from __future__ import annotations

import re
from typing import Any

from pulumi_policy import Severity

from pulumi_webstack_policies.base import ADVISORY, MANDATORY, Subject, resource_policy
from pulumi_webstack_policies.values import UNKNOWN, Evaluation, lookup, parse_json_document, truthy

TASK_DEFINITION = "aws:ecs/taskDefinition:TaskDefinition"
SERVICE = "aws:ecs/service:Service"

CREDENTIAL_NAME = re.compile(r"(PASSWORD|PASSWD|SECRET|TOKEN|API_?KEY|PRIVATE_KEY|CREDENTIALS?)$", re.IGNORECASE)
"""Variable names that hold a credential (suffix, so ``DATABASE_SECRET_ARN`` is a reference)."""
URL_WITH_PASSWORD = re.compile(r"^[a-z][a-z0-9+.-]*://[^/@\s:]*:[^/@\s]+@", re.IGNORECASE)
"""A URL whose user info carries a password (``scheme://user:password@host``)."""
ROOT_USERS = ("root", "0")
PUBLIC_PREFIXES = ("NEXT_PUBLIC_", "PUBLIC_", "VITE_")
"""Variables a framework hands to the browser (Next.js inlines NEXT_PUBLIC_* into the client
bundle, SvelteKit's $env/static/public takes PUBLIC_*, Vite exposes VITE_*): public by
definition, so not credentials by their name."""


def containers(subject: Subject, ev: Evaluation) -> list[Any]:
    """The container definitions of a task definition, or [] (unknown in preview: recorded)."""
    raw = ev.get(subject.props, "containerDefinitions")
    if raw is UNKNOWN:
        return []
    parsed = parse_json_document(raw)
    if parsed is UNKNOWN or not isinstance(parsed, list):
        return []
    return [c for c in parsed if isinstance(c, dict)]


def credential_variables(container: dict[str, Any]) -> list[str]:
    """Names of plain ``environment`` variables that hold a credential: named like one and
    holding a value (not a reference), or holding a URL with a password."""
    out = []
    for variable in container.get("environment") or []:
        name, value = str(variable.get("name", "")), str(variable.get("value", ""))
        named = (CREDENTIAL_NAME.search(name) and value and not value.startswith("arn:")
                 and not name.upper().startswith(PUBLIC_PREFIXES))
        if named or URL_WITH_PASSWORD.match(value):
            out.append(name)
    return out


def is_root(user: Any) -> bool:
    """An ECS ``user`` (``name``, ``uid``, ``uid:gid``...) that is root, or none given (root)."""
    if user is None or str(user).strip() == "":
        return True
    return str(user).split(":", 1)[0].strip() in ROOT_USERS


def check_task_secrets(subject: Subject, cfg: dict, ev: Evaluation) -> None:
    for container in containers(subject, ev):
        for name in credential_variables(container):
            ev.violation(f"{subject.label}: container {container.get('name')!r} has the credential {name} in plain "
                         "environment: move it to secrets [{name, valueFrom: <Secrets Manager ARN>:<json key>::}]")


ecs_task_secrets = resource_policy(
    name="ecs-task-secrets",
    description="ECS containers get credentials from Secrets Manager or SSM (secrets/valueFrom), never as plain "
    "environment variables.",
    resource_types=[TASK_DEFINITION],
    check=check_task_secrets,
    enforcement_level=MANDATORY,
    severity=Severity.CRITICAL,
    remediation="Replace environment {name: 'DATABASE_PASSWORD', value: ...} with secrets {name: 'DATABASE_PASSWORD', "
    "valueFrom: '<secret ARN>:password::'} and let the execution role read that secret.",
    tags=["hardening", "secrets", "ecs"],
)


def check_task_hardening(subject: Subject, cfg: dict, ev: Evaluation) -> None:
    for container in containers(subject, ev):
        who = f"{subject.label}: container {container.get('name')!r}"
        if is_root(container.get("user")):
            ev.violation(f"{who} runs as root (user {container.get('user')!r}): set user to a non-zero uid:gid "
                         "such as '10001:10001'")
        if not truthy(container.get("readonlyRootFilesystem")):
            ev.violation(f"{who}: readonlyRootFilesystem is {container.get('readonlyRootFilesystem')!r}: set it to "
                         "true and mount writable paths as volumes")
        if truthy(container.get("privileged")):
            ev.violation(f"{who} is privileged: remove privileged")


ecs_task_hardening = resource_policy(
    name="ecs-task-hardening",
    description="ECS containers run as a non-root user on a read-only root file system and are not privileged.",
    resource_types=[TASK_DEFINITION],
    check=check_task_hardening,
    enforcement_level=ADVISORY,
    severity=Severity.HIGH,
    remediation="In each container definition set user '10001:10001' (any non-zero uid), readonlyRootFilesystem "
    "true (writable paths as volumes) and no privileged.",
    tags=["hardening", "ecs"],
)


def check_private_tasks(subject: Subject, cfg: dict, ev: Evaluation) -> None:
    public = ev.get(subject.props, "networkConfiguration.assignPublicIp")
    if public is not UNKNOWN and truthy(public):
        ev.violation(f"{subject.label}: networkConfiguration.assignPublicIp is {public!r}: run the tasks in private "
                     "subnets without a public address (the load balancer is their only way in)")
    if lookup(subject.props, "launchType") == "FARGATE" and lookup(subject.props, "networkConfiguration") is None:
        ev.violation(f"{subject.label}: no networkConfiguration: give private subnets and security groups "
                     "(otherwise the VPC's default security group applies)")


ecs_service_private_tasks = resource_policy(
    name="ecs-service-private-tasks",
    description="ECS services give their tasks no public IP address: tasks sit in private subnets behind the "
    "load balancer.",
    resource_types=[SERVICE],
    check=check_private_tasks,
    enforcement_level=MANDATORY,
    severity=Severity.HIGH,
    remediation="Set network_configuration={subnets: <private subnets>, security_groups: [...], assign_public_ip: "
    "False}; reach AWS APIs through VPC endpoints or a NAT gateway.",
    tags=["hardening", "network", "ecs"],
)


POLICIES = [ecs_task_secrets, ecs_task_hardening, ecs_service_private_tasks]
