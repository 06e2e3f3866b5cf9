"""The pure parts of ``KubernetesApp``: resource quantities, canary sizes and the hardened pod
template every Deployment of the app runs. Plain Python, no resource registered here: the
tests read them directly.
"""

from __future__ import annotations

import math
from typing import Any

import pulumi

PRE_STOP_SECONDS = 5
"""Pause before SIGTERM so the endpoint is gone from every proxy before the pod stops."""


def cpu_millicores(value: str) -> int:
    """``"250m"`` -> 250, ``"1.5"`` -> 1500."""
    return int(value[:-1]) if value.endswith("m") else int(float(value) * 1000)


def memory_bytes(value: str) -> int:
    """``"512Mi"`` -> 536870912."""
    units = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "K": 10**3, "M": 10**6, "G": 10**9, "T": 10**12}
    for unit, factor in units.items():
        if value.endswith(unit):
            return int(value[: -len(unit)]) * factor
    return int(value)


def canary_replicas(min_replicas: int, weight: int) -> int:
    """Canary pods for a traffic weight: the stable minimum scaled by the weight, at least 1."""
    return max(1, math.ceil(min_replicas * weight / 100))



def pod_template(args: Any, labels: dict[str, str], selector: dict[str, str], image: str,
                 service_account: pulumi.Input[str], data_secret: pulumi.Input[str]) -> dict[str, Any]:
    """The pod of a Deployment (``args`` a ``KubernetesAppArgs``): non-root, read-only root file
    system (``writable_paths`` as emptyDirs), no capabilities, RuntimeDefault seccomp, no API
    token, settings from the ``data_secret`` Secret, probes on ``health_path``, spread across
    zones (``selector`` picks its siblings), a ``preStop`` pause."""
    volumes = [{"name": f"writable-{i}", "empty_dir": {"size_limit": "256Mi"}} for i, _ in enumerate(args.writable_paths)]
    probe = {"http_get": {"path": args.health_path, "port": "http", "scheme": "HTTP"}}
    return {
        "metadata": {"labels": labels},
        "spec": {
            "service_account_name": service_account,
            "automount_service_account_token": False,
            "enable_service_links": False,
            "termination_grace_period_seconds": 30,
            "security_context": {
                "run_as_non_root": True,
                "run_as_user": args.run_as_user,
                "run_as_group": args.run_as_user,
                "fs_group": args.run_as_user,
                "seccomp_profile": {"type": "RuntimeDefault"},
            },
            "topology_spread_constraints": [{
                "max_skew": 1,
                "topology_key": "topology.kubernetes.io/zone",
                "when_unsatisfiable": "ScheduleAnyway",
                "label_selector": {"match_labels": selector},
            }],
            "containers": [{
                "name": "app",
                "image": image,
                "image_pull_policy": "IfNotPresent",
                "ports": [{"name": "http", "container_port": args.port, "protocol": "TCP"}],
                "env": [
                    {"name": "PORT", "value": str(args.port)},
                    {"name": "HOSTNAME", "value": "0.0.0.0"},
                    {"name": "NODE_ENV", "value": "production"},
                ],
                "env_from": [{"secret_ref": {"name": data_secret}}],
                "resources": {
                    "requests": {"cpu": args.cpu_request, "memory": args.memory_request},
                    "limits": {"cpu": args.cpu_limit, "memory": args.memory_limit},
                },
                "startup_probe": {**probe, "period_seconds": 5, "failure_threshold": 30},
                "readiness_probe": {**probe, "period_seconds": 5, "timeout_seconds": 3, "failure_threshold": 3},
                "liveness_probe": {**probe, "period_seconds": 15, "timeout_seconds": 5, "failure_threshold": 3},
                "lifecycle": {"pre_stop": {"sleep": {"seconds": PRE_STOP_SECONDS}}},
                "security_context": {
                    "run_as_non_root": True,
                    "allow_privilege_escalation": False,
                    "privileged": False,
                    "read_only_root_filesystem": True,
                    "capabilities": {"drop": ["ALL"]},
                    "seccomp_profile": {"type": "RuntimeDefault"},
                },
                "volume_mounts": [{"name": f"writable-{i}", "mount_path": p}
                                  for i, p in enumerate(args.writable_paths)],
            }],
            "volumes": volumes,
        },
    }
