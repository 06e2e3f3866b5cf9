"""The pure parts of ``EcsApp``: what Fargate accepts, where an ECR image lives, the one
container of the task definition, its secret references, and the service's deployment
configuration for each rollout. Plain Python, no Pulumi runtime: the tests read them directly.
"""

import math
import re
from functools import reduce
from typing import Any, Optional

ROLLOUTS = ("direct", "canary", "blue-green")
ARCHITECTURES = ("ARM64", "X86_64")
CONTAINER = "app"
"""Name of the one container of the task definition (the load balancer targets it)."""

FARGATE_MEMORY: dict[int, tuple[int, int, int]] = {
    256: (512, 2048, 512), 512: (1024, 4096, 1024), 1024: (2048, 8192, 1024), 2048: (4096, 16384, 1024),
    4096: (8192, 30720, 1024), 8192: (16384, 61440, 4096), 16384: (32768, 122880, 8192),
}
"""Fargate task CPU units -> (least, most, step) memory in MiB (Amazon ECS developer guide,
"Task CPU and memory"; 256 allows 512, 1024 and 2048)."""

ECR_IMAGE = re.compile(r"^(\d{12})\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?/([a-z0-9][a-z0-9._/-]*)"
                       r"@sha256:[0-9a-f]{64}$")
ECR_IMAGE_WORDS = ("must be an image in Amazon ECR pinned by digest: "
                   "<account>.dkr.ecr.<region>.amazonaws.com/<repository>@sha256:<64 hex> (the tasks reach ECR "
                   "through VPC endpoints and no other registry)")


def fargate_memory_options(cpu: int) -> list[int]:
    """The task memory sizes (MiB) Fargate accepts with ``cpu`` units."""
    if cpu == 256:
        return [512, 1024, 2048]  # the one size whose options are not evenly spaced
    low, high, step = FARGATE_MEMORY[cpu]
    return list(range(low, high + 1, step))


def ecr_repository(image: str) -> tuple[str, str, str]:
    """``(account, region, repository)`` of an ECR image reference."""
    match = ECR_IMAGE.match(image)
    if not match:
        raise ValueError(f"not an ECR image pinned by digest: {image}")
    return match.group(1), match.group(2), match.group(3)


def linear_step(steps: list[int]) -> int:
    """The largest equal traffic step whose path lands on every one of ``steps`` (their gcd)."""
    return reduce(math.gcd, steps)


def deployment_configuration(rollout: str, steps: list[int], step_minutes: int, bake_minutes: int) -> dict[str, Any]:
    """The service's ``deployment_configuration`` for a rollout (see the module docstring).

    The provider types the bake times as text (``bake_time_in_minutes: str``); the API as
    integers.
    """
    if rollout == "direct":
        return {"strategy": "ROLLING"}
    config: dict[str, Any] = {"bake_time_in_minutes": str(bake_minutes)}
    if rollout == "blue-green":
        return {**config, "strategy": "BLUE_GREEN"}
    if len(steps) == 2:
        return {**config, "strategy": "CANARY", "canary_configuration": {
            "canary_percent": float(steps[0]), "canary_bake_time_in_minutes": str(step_minutes)}}
    return {**config, "strategy": "LINEAR", "linear_configuration": {
        "step_percent": float(linear_step(steps)), "step_bake_time_in_minutes": str(step_minutes)}}


def shifts_traffic(rollout: str) -> bool:
    """Whether the rollout moves traffic between two target groups (ECS's blue/green family)."""
    return rollout != "direct"


def container_definition(args: Any, *, image: str, region: str, log_group: str,
                         environment: dict[str, Any], secrets: dict[str, str]) -> dict[str, Any]:
    """The one container of the task definition, as the ECS API spells it (plain values)."""
    volumes = [{"sourceVolume": f"writable-{i}", "containerPath": p, "readOnly": False}
               for i, p in enumerate(args.writable_paths)]
    return {
        "name": CONTAINER,
        "image": image,
        "essential": True,
        "user": f"{args.run_as_user}:{args.run_as_user}",
        "readonlyRootFilesystem": True,
        "privileged": False,
        "linuxParameters": {"capabilities": {"drop": ["ALL"]}, "initProcessEnabled": True},
        "portMappings": [{"name": "http", "containerPort": args.port, "protocol": "tcp", "appProtocol": "http"}],
        "environment": [{"name": k, "value": str(v)} for k, v in sorted(environment.items())],
        "secrets": [{"name": k, "valueFrom": v} for k, v in sorted(secrets.items())],
        "mountPoints": volumes,
        "stopTimeout": 30,
        "logConfiguration": {"logDriver": "awslogs", "options": {
            "awslogs-group": log_group, "awslogs-region": region, "awslogs-stream-prefix": CONTAINER,
            # A full log buffer must not block the app: drop lines instead (25 MB of buffer).
            "mode": "non-blocking", "max-buffer-size": "25m"}},
    }


def secret_references(database_secret_arn: Optional[str], cache_secret_arn: Optional[str]) -> dict[str, str]:
    """Container variable -> Secrets Manager ``valueFrom`` (``<arn>:<json key>::``): the
    credentials, never in plain ``environment``."""
    refs: dict[str, str] = {}
    if database_secret_arn:
        refs.update(DATABASE_USERNAME=f"{database_secret_arn}:username::",
                    DATABASE_PASSWORD=f"{database_secret_arn}:password::")
    if cache_secret_arn:
        refs["REDIS_AUTH_TOKEN"] = f"{cache_secret_arn}:password::"
    return refs
