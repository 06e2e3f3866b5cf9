"""What the app tier runs and reaches: Kubernetes pods under the restricted profile, a real
image instead of the placeholder stacks plan with, and Vercel preview deployments kept away
from the data tier. Part of the ``hardening`` rules, which re-exports these names; advisory by
default, mandatory with ``policies/config/prod.json``.
"""

from __future__ import annotations

import fnmatch
import json
from typing import Any

from pulumi_policy import Severity

from pulumi_webstack_policies.base import ADVISORY, Subject, resource_policy
from pulumi_webstack_policies.settings import schema
from pulumi_webstack_policies.values import UNKNOWN, Evaluation, elements, entries, lookup, truthy

WORKLOADS = {
    "kubernetes:apps/v1:Deployment": "spec.template.spec",
    "kubernetes:apps/v1:StatefulSet": "spec.template.spec",
    "kubernetes:apps/v1:DaemonSet": "spec.template.spec",
    "kubernetes:apps/v1:ReplicaSet": "spec.template.spec",
    "kubernetes:batch/v1:Job": "spec.template.spec",
    "kubernetes:batch/v1:CronJob": "spec.jobTemplate.spec.template.spec",
    "kubernetes:core/v1:Pod": "spec",
}


# --------------------------------------------------------------------- Kubernetes pod security


def pod_containers(spec: Any, base: str, ev: Evaluation) -> list[tuple[str, int, Any]]:
    """``(kind, index, container)`` of a pod spec's containers, then its init containers."""
    containers = [("containers", i, c) for i, c in enumerate(elements(ev.get(spec, "containers", label=f"{base}.")))]
    return containers + [("initContainers", i, c) for i, c in enumerate(elements(lookup(spec, "initContainers")))]


def check_pod_security(subject: Subject, cfg: dict, ev: Evaluation) -> None:
    base = WORKLOADS[subject.type]
    spec = ev.get(subject.props, base)
    if spec is UNKNOWN or spec is None:
        return
    who = subject.label
    pod_non_root = lookup(spec, "securityContext.runAsNonRoot")
    for flag in ("hostNetwork", "hostPID", "hostIPC"):
        if truthy(ev.get(spec, flag, label=f"{base}.")):
            ev.violation(f"{who}: {base}.{flag} is True: pods must not share the node's namespaces")
    for kind, i, container in pod_containers(spec, base, ev):
        where = f"{base}.{kind}.{i}"
        if container is UNKNOWN:
            ev.unknown(where)
            continue
        name = lookup(container, "name")
        if isinstance(name, str):
            where = f"{base}.{kind}[{name}]"
        sc = ev.get(container, "securityContext", label=f"{where}.")
        if sc is not UNKNOWN:
            non_root = ev.get(sc, "runAsNonRoot", label=f"{where}.securityContext.")
            if non_root is None and pod_non_root is UNKNOWN:  # the container relies on the pod's default
                ev.unknown(f"{base}.securityContext.runAsNonRoot")
            elif non_root is not UNKNOWN and not (truthy(non_root) or (non_root is None and truthy(pod_non_root))):
                ev.violation(f"{who}: {where} may run as root: set securityContext.runAsNonRoot=True (pod or "
                             "container) with a non-zero runAsUser")
            if truthy(ev.get(sc, "privileged", label=f"{where}.securityContext.")):
                ev.violation(f"{who}: {where}.securityContext.privileged is True: remove it")
            escalation = ev.get(sc, "allowPrivilegeEscalation", label=f"{where}.securityContext.")
            if escalation is not UNKNOWN and (escalation is None or truthy(escalation)):
                ev.violation(f"{who}: {where}.securityContext.allowPrivilegeEscalation is {escalation!r}: set "
                             "it to False")
        limits = ev.get(container, "resources.limits", label=f"{where}.")
        if limits is UNKNOWN:
            continue
        # A computed (unknown) limit is a limit: presence is what counts.
        missing = [r for r in ("cpu", "memory") if lookup(limits, r) is None]
        if missing:
            ev.violation(f"{who}: {where} has no resources.limits for {', '.join(missing)}: set cpu and memory "
                         "limits so one pod cannot starve the node")


kubernetes_pod_security = resource_policy(
    name="kubernetes-pod-security",
    description="Pods follow the restricted profile: non-root, not privileged, no privilege escalation, no "
    "host namespaces, CPU and memory limits on every container.",
    resource_types=list(WORKLOADS),
    check=check_pod_security,
    enforcement_level=ADVISORY,
    severity=Severity.HIGH,
    remediation="In the pod template set securityContext.runAsNonRoot=True (runAsUser > 0) and, per container, "
    "securityContext {privileged: False, allowPrivilegeEscalation: False} and resources.limits {cpu, memory}.",
    tags=["hardening", "kubernetes"],
)


# ------------------------------------------------------------ Vercel: production data stays in production

VERCEL_ENV_VARIABLE = "vercel:index/projectEnvironmentVariable:ProjectEnvironmentVariable"
VERCEL_ENV_VARIABLES = "vercel:index/projectEnvironmentVariables:ProjectEnvironmentVariables"
IAM_ROLE = "aws:iam/role:Role"
VERCEL_OIDC_ISSUER = "oidc.vercel.com"
DATA_VARIABLES = ["DATABASE_*", "REDIS_*", "AWS_ROLE_ARN"]


def _non_production_targets(variable: Any, ev: Evaluation, where: str) -> Any:
    """The non-production environments a Vercel variable reaches (``[]`` if none), or UNKNOWN."""
    targets = ev.get(variable, "targets", label=where)
    custom = ev.get(variable, "customEnvironmentIds", label=where)
    if UNKNOWN in (targets, custom):
        return UNKNOWN
    if any(t is UNKNOWN for t in elements(targets)):
        ev.unknown(f"{where}targets")
        return UNKNOWN
    out = [str(t) for t in elements(targets) if str(t) != "production"]
    if elements(custom):
        out.append("custom environments")
    return out


def _vercel_subjects(policy: Any) -> list[tuple[str, Any]]:
    """(sub key, value) of each statement trusting Vercel's OIDC issuer; value None if no sub condition."""
    out: list[tuple[str, Any]] = []
    statements = lookup(policy, "Statement")
    for statement in [statements] if isinstance(statements, dict) else elements(statements):
        if str(lookup(statement, "Effect")) != "Allow":
            continue
        federated = lookup(statement, "Principal.Federated")
        names = [federated] if isinstance(federated, str) else [str(f) for f in elements(federated)]
        if not any(VERCEL_OIDC_ISSUER in n for n in names):
            continue
        subs = [(key, value) for _, condition in entries(lookup(statement, "Condition") or {})
                for key, value in entries(condition) if str(key).endswith(":sub")]
        out += subs or [("sub", None)]
    return out


def check_preview_data_access(subject: Subject, cfg: dict, ev: Evaluation) -> None:
    who = subject.label
    patterns = [str(p) for p in cfg.get("dataVariables") or DATA_VARIABLES]
    if subject.type == IAM_ROLE:
        document = ev.get(subject.props, "assumeRolePolicy")
        if document is UNKNOWN or not isinstance(document, str):
            return
        try:
            policy = json.loads(document)
        except ValueError:
            return
        for key, value in _vercel_subjects(policy):
            values = [value] if isinstance(value, str) or value is None else [str(v) for v in elements(value)]
            loose = [v for v in values if v is None or not str(v).endswith(":environment:production")]
            if loose:
                shown = "no sub condition" if loose == [None] else ", ".join(f"'{v}'" for v in loose)
                ev.violation(f"{who}: assumeRolePolicy trusts Vercel OIDC tokens of non-production deployments "
                             f"({key}: {shown}): allow only 'owner:<team>:project:<project>:environment:production'")
        return
    variables = [("", subject.props)] if subject.type == VERCEL_ENV_VARIABLE else [
        (f"variables.{i}.", v) for i, v in enumerate(elements(ev.get(subject.props, "variables")))]
    for where, variable in variables:
        if variable is UNKNOWN:
            ev.unknown(where.rstrip(".") or "variables")
            continue
        key = lookup(variable, "key")
        if key is UNKNOWN or not isinstance(key, str) or not any(fnmatch.fnmatchcase(key, p) for p in patterns):
            continue
        reach = _non_production_targets(variable, ev, where)
        if reach is UNKNOWN or not reach:
            continue
        ev.violation(f"{who}: {where}key {key} (data-tier access) reaches {', '.join(reach)}: any branch's "
                     "deployment could read this stack's data; set targets=['production']")


vercel_preview_data_access = resource_policy(
    name="vercel-preview-data-access",
    description="Only production deployments of a Vercel project get the data tier: no data-tier variable "
    "targets preview, development or custom environments, and no role trusts their OIDC tokens.",
    resource_types=[VERCEL_ENV_VARIABLE, VERCEL_ENV_VARIABLES, IAM_ROLE],
    check=check_preview_data_access,
    enforcement_level=ADVISORY,
    severity=Severity.HIGH,
    remediation="Set targets=['production'] on the data-tier ProjectEnvironmentVariables (webstack: "
    "app.vercel.previewDataAccess false) and trust only ':environment:production' subjects in the role's "
    "assume-role policy; give previews a database of their own.",
    config_schema=schema(
        dataVariables={
            "type": "array",
            "items": {"type": "string"},
            "default": list(DATA_VARIABLES),
            "description": "Names (fnmatch patterns) of the environment variables that give access to the "
            "data tier.",
        }
    ),
    tags=["hardening", "vercel", "data"],
)


# ------------------------------------------------------------ Kubernetes: a real image

PLACEHOLDER_IMAGES = ["ghcr.io/example/webstack-app@sha256:" + "0" * 64]
"""The image dev and staging plan with until the app's image exists (``infra/presets.py``)."""


def check_placeholder_image(subject: Subject, cfg: dict, ev: Evaluation) -> None:
    base = WORKLOADS[subject.type]
    spec = ev.get(subject.props, base)
    if spec is UNKNOWN or spec is None:
        return
    placeholders = {str(i) for i in cfg.get("placeholderImages") or PLACEHOLDER_IMAGES}
    for kind, i, container in pod_containers(spec, base, ev):
        image = lookup(container, "image") if container is not UNKNOWN else UNKNOWN
        if image is UNKNOWN:
            ev.unknown(f"{base}.{kind}.{i}.image")
        elif isinstance(image, str) and (image in placeholders or image.rpartition("@sha256:")[2] == "0" * 64):
            ev.violation(f"{subject.label}: {base}.{kind}.{i}.image is the placeholder '{image}': deploy the "
                         "app's image (registry/name@sha256:<digest>)")


workload_placeholder_image = resource_policy(
    name="workload-placeholder-image",
    description="Kubernetes workloads run a real image, not the placeholder (or an all-zero digest) that "
    "stacks plan with before the app's image exists.",
    resource_types=list(WORKLOADS),
    check=check_placeholder_image,
    enforcement_level=ADVISORY,
    severity=Severity.HIGH,
    remediation="Set the workload's image to the app's released image by digest "
    "(webstack:app.kubernetes.image: registry/name@sha256:<digest>).",
    config_schema=schema(
        placeholderImages={
            "type": "array",
            "items": {"type": "string"},
            "default": list(PLACEHOLDER_IMAGES),
            "description": "Images that only stand in for the app's (besides any @sha256 digest of zeros).",
        }
    ),
    tags=["hardening", "kubernetes"],
)
