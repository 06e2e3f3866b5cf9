"""KubernetesApp: the app tier as workloads on an existing cluster, behind the CDN.

Everything lives in its own namespace, labelled for the ``restricted`` Pod Security
Standard. Pods run a digest-pinned image as a non-root user with a read-only root file
system, no privilege escalation, every capability dropped, the RuntimeDefault seccomp
profile and no service-account token; probes hit ``/api/health``.

Rollouts never drop capacity: every Deployment rolls with ``maxUnavailable: 0`` and pods
get a ``preStop`` pause so endpoints are removed before a pod stops. On top of that:

* ``rollout="blue-green"``: two Deployments, ``<app>-blue`` and ``<app>-green``, each with
  its own image (``color_images``, default ``image``). The Service sends traffic to
  ``active_color``; ``<app>-preview`` serves the idle colour for checks before the switch.
  Switching is one config change (``activeColor``); the HPA follows the active colour.
* ``rollout="canary"``: the stable Deployment runs ``image``; with ``canary_image`` a
  second Deployment and an ingress-nginx canary Ingress take ``canary_weight`` percent of
  requests (a step of ``canary_steps``). Promote by setting ``image`` to the canary image.

Traffic: CloudFront -> Ingress (``origin_domain``, TLS, HTTP redirected to HTTPS) ->
Service (ClusterIP) -> pods. The Ingress sends the same security headers as the CDN (the CSP
only when the CDN owns it, ``headers.csp_owner``) through
ingress-nginx's ``custom-headers`` annotation and a ConfigMap; snippet annotations are not
used (ingress-nginx disables them by default). The cluster needs:

* ingress-nginx with the controller ConfigMap keys in ``ingress_controller_config``
  (``global-allowed-response-headers`` must list those header names, or the controller
  answers 503 on every path of this Ingress; the ``hsts*`` keys align its own HSTS header);
* a TLS certificate for ``origin_domain``: cert-manager with ``cluster_issuer``, or a
  ``kubernetes.io/tls`` Secret named ``tls_secret_name`` created out of band;
* DNS for ``origin_domain`` pointing at the ingress load balancer (external-dns reads the
  ``external-dns.alpha.kubernetes.io/hostname`` annotation set here, or create it by hand);
* a NetworkPolicy-enforcing CNI, the metrics server (HPA) and, for ``service_account_role_arn``,
  IAM Roles for Service Accounts (EKS pod identity webhook).

Data tier: a Secret carries hosts, ports, the Secrets Manager ARNs of the credentials and
the origin-verify secret (every value a Pulumi secret); pods read the credentials from
Secrets Manager with the IRSA role, which gets an inline policy allowing exactly those
secrets. Egress is limited to DNS, the data-tier networks on the database and cache ports,
and HTTPS (AWS APIs).
"""

import re
from dataclasses import dataclass, field
from typing import Any, Optional

import pulumi
import pulumi_aws as aws
import pulumi_random as random

from pulumi_webstack.extras import missing_sdk

try:
    import pulumi_kubernetes as k8s
except ModuleNotFoundError as _missing:  # an optional SDK: name the extra that installs it
    raise missing_sdk(_missing, "KubernetesApp") from None

from pulumi_webstack import headers as h
from pulumi_webstack import kubernetes_network
from pulumi_webstack.headers import ORIGIN_VERIFY_HEADER
from pulumi_webstack.args import check_fields, from_inputs, setting
from pulumi_webstack.errors import require
from pulumi_webstack.connections import data_environment
from pulumi_webstack.iam_policies import granted, secret_read_policy_output
from pulumi_webstack.kubernetes_pods import (  # noqa: F401 (public names of this module)
    PRE_STOP_SECONDS,
    canary_replicas,
    cpu_millicores,
    memory_bytes,
    pod_template,
)
from pulumi_webstack.names import HOSTNAME

COLORS = ("blue", "green")
ROLLOUTS = ("direct", "canary", "blue-green")

_DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")
_PINNED_IMAGE = re.compile(r"^[\w./:-]+@sha256:[0-9a-f]{64}$")
_CPU = re.compile(r"^(\d+m|\d+(\.\d+)?)$")
_MEMORY = re.compile(r"^\d+(Ki|Mi|Gi|Ti|K|M|G|T)?$")
_ROLE_ARN = re.compile(r"^arn:aws[\w-]*:iam::\d{12}:role/(.+/)?([\w+=,.@-]{1,64})$")
_LABEL_40 = r"(?=.{1,40}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?"
_LABEL_WORDS = "must be a DNS label (lower case, digits, '-'; at most 40)"
_CPU_WORDS = "must be a CPU quantity such as 250m or 1"
_MEMORY_WORDS = "must be a memory quantity such as 512Mi"


@dataclass
class KubernetesAppArgs:
    """Arguments of ``KubernetesApp``."""

    origin_domain: str = setting(pattern=HOSTNAME.pattern.strip("^$"),
                                 words="must be a lower-case DNS name such as origin.example.com")
    """Host the CDN fetches from (the Ingress host)."""
    image: str = setting(pattern=_PINNED_IMAGE.pattern.strip("^$"), words="must be pinned by digest: registry/name@sha256:<64 hex>")
    """Container image pinned by digest (``registry/name@sha256:<64 hex>``)."""
    namespace: Optional[str] = setting("webstack", pattern=_LABEL_40, words=_LABEL_WORDS)
    """Namespace created for the app: one per stack when stacks share a cluster (changing it
    replaces the app's objects)."""
    app_name: Optional[str] = setting("web", pattern=_LABEL_40, words=_LABEL_WORDS)
    """Name of the Deployment/Service/Ingress and the ``app.kubernetes.io/name`` label."""
    port: Optional[int] = setting(3000, ge=1024, le=65535)
    """Container port."""
    min_instances: Optional[int] = setting(2, ge=1, le=100)
    """Replicas at rest (HPA minimum)."""
    max_instances: Optional[int] = setting(20, ge=1, le=100)
    """HPA maximum."""
    cpu_target_percent: Optional[int] = setting(70, ge=10, le=95)
    """Average CPU utilisation (of requests) above which the HPA scales out."""
    memory_target_percent: Optional[int] = setting(80, ge=10, le=95, nullable=True)
    """Average memory utilisation above which the HPA scales out (None: CPU only)."""
    cpu_request: Optional[str] = setting("250m", pattern=_CPU.pattern.strip("^$"), words=_CPU_WORDS)
    """CPU request per pod."""
    cpu_limit: Optional[str] = setting("1", pattern=_CPU.pattern.strip("^$"), words=_CPU_WORDS)
    """CPU limit per pod."""
    memory_request: Optional[str] = setting("512Mi", pattern=_MEMORY.pattern.strip("^$"), words=_MEMORY_WORDS)
    """Memory request per pod."""
    memory_limit: Optional[str] = setting("1Gi", pattern=_MEMORY.pattern.strip("^$"), words=_MEMORY_WORDS)
    """Memory limit per pod."""
    health_path: Optional[str] = setting("/api/health", pattern=r"/[\w/.-]*", words="must be a path such as /api/health")
    """Liveness/readiness endpoint."""
    rollout: Optional[str] = setting("direct", one_of=ROLLOUTS)
    """``direct``, ``canary`` or ``blue-green``."""
    active_color: Optional[str] = setting("blue", one_of=COLORS)
    """Colour serving traffic with blue-green."""
    color_images: Optional[dict[str, str]] = setting(default_factory=dict, pattern=_PINNED_IMAGE.pattern.strip("^$"),
                                                     words="must be pinned by digest: registry/name@sha256:<64 hex>")
    """Image per colour for blue-green (``{"green": "...@sha256:..."}``); default ``image``."""
    canary_image: Optional[str] = setting(None, pattern=_PINNED_IMAGE.pattern.strip("^$"), words="must be pinned by digest: registry/name@sha256:<64 hex>")
    """Image of the canary Deployment (rollout canary); None: no canary running."""
    canary_weight: Optional[int] = setting(0, ge=0, le=100)
    """Percent of requests sent to the canary: 0 or one of ``canary_steps``."""
    canary_steps: Optional[list[int]] = field(default_factory=lambda: [5, 10, 25, 50, 100])
    """Allowed canary weights, ascending, ending at 100."""
    ingress_class: Optional[str] = setting("nginx", pattern=r"[a-z0-9]([-a-z0-9.]*[a-z0-9])?",
                                           words="must be an IngressClass name")
    """IngressClass (ingress-nginx)."""
    ingress_controller_namespace: Optional[str] = setting("ingress-nginx", pattern=_LABEL_40, words=_LABEL_WORDS)
    """Namespace of the ingress controller pods (the only source allowed to reach the app)."""
    cluster_issuer: Optional[str] = setting(None, pattern=_DNS_LABEL.pattern.strip("^$"),
                                            words="must be a cert-manager ClusterIssuer name")
    """cert-manager ClusterIssuer issuing the origin certificate (None: provide the TLS Secret)."""
    tls_secret_name: Optional[str] = setting(None, pattern=_DNS_LABEL.pattern.strip("^$"), words="must be a Secret name")
    """TLS Secret of the Ingress; default ``<app_name>-tls``."""
    service_account_role_arn: Optional[str] = setting(None, pattern=_ROLE_ARN.pattern.strip("^$"),
                                                      words="must be an IAM role ARN")
    """IAM role for the pods (IRSA); gets a policy to read the data-tier secrets."""
    database_host: Optional[pulumi.Input[str]] = None
    """Writer (or proxy) endpoint of the database."""
    database_reader_host: Optional[pulumi.Input[str]] = None
    """Reader endpoint of the database."""
    database_port: Optional[int] = setting(5432, ge=1, le=65535)
    """Database port (also opened in the egress policy)."""
    database_name: Optional[str] = setting(None, pattern=r"[a-z][a-z0-9_]{0,62}", words="must be a PostgreSQL identifier")
    """Name of the application database."""
    database_secret_arn: Optional[pulumi.Input[str]] = None
    """Secrets Manager secret with the database credentials."""
    cache_host: Optional[pulumi.Input[str]] = None
    """Primary endpoint of the cache (TLS)."""
    cache_reader_host: Optional[pulumi.Input[str]] = None
    """Reader endpoint of the cache."""
    cache_port: Optional[int] = setting(6379, ge=1, le=65535)
    """Cache port (also opened in the egress policy)."""
    cache_auth_secret_arn: Optional[pulumi.Input[str]] = None
    """Secrets Manager secret with the cache AUTH token."""
    secret_kms_key_arns: Optional[list[pulumi.Input[str]]] = field(default_factory=list)
    """KMS keys encrypting those secrets."""
    data_cidrs: Optional[list[pulumi.Input[str]]] = field(default_factory=list)
    """Networks of the database and cache (egress allowed there on their ports)."""
    app_security_group_id: Optional[pulumi.Input[str]] = None
    """Security group the database and cache admit (``Network.app_security_group_id``): the
    pods carry it through a ``SecurityGroupPolicy`` (EKS security groups for pods)."""
    cluster_vpc_id: Optional[str] = setting(None, pattern=r"vpc-[0-9a-f]{8,17}",
                                            words="must be a VPC id such as vpc-0123456789abcdef0")
    """VPC the cluster's nodes and pods run in (``aws eks describe-cluster --query
    cluster.resourcesVpcConfig.vpcId``): the data tier must be in it. Also the VPC of the
    CloudFront-only security group of the ingress controller's load balancer."""
    cluster_security_group_id: Optional[str] = setting(None, pattern=r"sg-[0-9a-f]{8,17}",
                                                       words="must be a security group id such as sg-0123456789abcdef0")
    """The cluster security group EKS puts on the nodes (``aws eks describe-cluster --query
    cluster.resourcesVpcConfig.clusterSecurityGroupId``): kubelet, CoreDNS and the ingress
    controller behind it talk to the pods."""
    run_as_user: Optional[int] = setting(10001, ge=1, le=2**31 - 1)
    """UID (and GID) the container runs as."""
    writable_paths: Optional[list[str]] = field(default_factory=lambda: ["/tmp"])
    """Paths backed by an emptyDir (the root file system is read-only)."""
    headers: Optional[h.SecurityHeaders] = field(default_factory=h.SecurityHeaders)
    """Security headers the Ingress sends."""

    def __post_init__(self) -> None:
        check_fields(self)
        require(self.min_instances <= self.max_instances, "kubernetes.min_instances", self.min_instances,
                f"must not exceed max_instances ({self.max_instances})")
        require(cpu_millicores(self.cpu_request) <= cpu_millicores(self.cpu_limit), "kubernetes.cpu_request",
                self.cpu_request, f"must not exceed cpu_limit ({self.cpu_limit})")
        require(memory_bytes(self.memory_request) <= memory_bytes(self.memory_limit), "kubernetes.memory_request",
                self.memory_request, f"must not exceed memory_limit ({self.memory_limit})")
        for color in self.color_images:
            require(color in COLORS, "kubernetes.color_images", color,
                    "keys must be one of " + ", ".join(map(repr, COLORS)))
        require(not self.color_images or self.rollout == "blue-green", "kubernetes.color_images", self.color_images,
                "only applies to rollout 'blue-green'")
        steps = self.canary_steps
        require(bool(steps) and steps == sorted(set(steps)) and steps[0] > 0 and steps[-1] == 100,
                "kubernetes.canary_steps", steps, "must be strictly ascending percentages ending at 100")
        if self.canary_image is not None:
            require(self.rollout == "canary", "kubernetes.canary_image", self.canary_image,
                    "needs rollout 'canary'")
        require(self.canary_weight == 0 or self.canary_weight in steps, "kubernetes.canary_weight",
                self.canary_weight, f"must be 0 or one of the canary steps {steps}")
        require(self.canary_weight == 0 or self.canary_image is not None, "kubernetes.canary_weight",
                self.canary_weight, "needs canary_image (the version receiving that traffic)")
        require(self.canary_weight < 100, "kubernetes.canary_weight", self.canary_weight,
                "100 means the canary is done: promote it by setting image to the canary image")
        for cidr in self.data_cidrs:
            if isinstance(cidr, str):
                require(bool(re.match(r"^\d{1,3}(\.\d{1,3}){3}/\d{1,2}$", cidr)) and not cidr.endswith("/0"),
                        "kubernetes.data_cidrs", cidr, "must be a network in CIDR form (never /0)")
        if self.app_security_group_id is not None or self.cluster_vpc_id is not None:
            require(self.cluster_security_group_id is not None, "kubernetes.cluster_security_group_id",
                    self.cluster_security_group_id, "required when the pods carry a security group: kubelet, CoreDNS "
                    "and the ingress controller reach the pods from the cluster security group (aws eks describe-cluster "
                    "--query cluster.resourcesVpcConfig.clusterSecurityGroupId)")
        for path in self.writable_paths:
            require(path.startswith("/") and path != "/", "kubernetes.writable_paths", path,
                    "must be absolute paths other than /")

    @property
    def secret_arns(self) -> list[pulumi.Input[str]]:
        return [a for a in (self.database_secret_arn, self.cache_auth_secret_arn) if a is not None]

    @property
    def idle_color(self) -> str:
        return "green" if self.active_color == "blue" else "blue"


def role_name(role_arn: str) -> str:
    """``arn:aws:iam::123456789012:role/path/app`` -> ``app``."""
    m = _ROLE_ARN.match(role_arn)
    if not m:
        raise ValueError(f"not an IAM role ARN: {role_arn}")
    return m.group(2)


class KubernetesApp(pulumi.ComponentResource):
    """Namespace, Deployment(s), Service(s), HPA, PDB, Ingress(es), NetworkPolicy, data
    Secret and security-headers ConfigMap for the app on Kubernetes.

    Outputs: ``platform`` ("kubernetes"), ``namespace``, ``deployment_name`` (the Deployment
    the HPA scales: stable, or the active colour), ``hpa_name``, ``max_replicas`` (int),
    ``service_name``, ``origin_domain``, ``health_url``, ``origin_headers`` (secret values,
    for ``Cdn``), ``ingress_controller_config`` (controller ConfigMap keys the cluster needs),
    ``origin_security_group_id`` and ``ingress_service_annotations`` (with ``cluster_vpc_id``:
    the load balancer's CloudFront-only group, and the controller Service's annotations).
    """

    platform: str = "kubernetes"
    """Which app tier this is: always ``"kubernetes"``."""
    namespace: pulumi.Output[str]
    """Namespace the app runs in."""
    deployment_name: pulumi.Output[str]
    """Deployment serving traffic and scaled by the HPA."""
    hpa_name: pulumi.Output[str]
    """HorizontalPodAutoscaler scaling ``deployment_name``."""
    max_replicas: int
    """Most pods the HPA scales the Deployment to."""
    service_name: pulumi.Output[str]
    """Service the Ingress routes to."""
    origin_domain: pulumi.Output[str]
    """Host the CDN uses as its HTTPS origin (the Ingress host)."""
    health_url: pulumi.Output[str]
    """``https://<origin_domain><health_path>``."""
    origin_headers: dict[str, pulumi.Output[str]]
    """Headers the CDN must add to origin requests (secret values)."""
    ingress_controller_config: dict[str, str]
    """ingress-nginx controller ConfigMap keys these headers need."""
    origin_security_group_id: Optional[pulumi.Output[str]]
    """Security group admitting HTTPS from CloudFront only, for the ingress controller's load
    balancer (None without ``cluster_vpc_id``)."""
    ingress_service_annotations: dict[str, pulumi.Input[str]]
    """Annotations putting the ingress controller's load balancer behind that group (empty
    without ``cluster_vpc_id``)."""

    def __init__(self, name: str, args: KubernetesAppArgs, opts: Optional[pulumi.ResourceOptions] = None):
        args = from_inputs(KubernetesAppArgs, args)
        super().__init__("webstack:index:KubernetesApp", name, None, opts)
        self._name, self._args = name, args
        self._child = pulumi.ResourceOptions(parent=self)
        self._labels = {"app.kubernetes.io/name": args.app_name, "app.kubernetes.io/part-of": "webstack",
                        "app.kubernetes.io/managed-by": "pulumi"}
        self._selector = {"app.kubernetes.io/name": args.app_name}

        self.namespace = self._namespace()
        region = aws.get_region_output(opts=pulumi.InvokeOptions(parent=self)).region
        self._account = self._service_account(self._irsa_policy(region))
        self._data = self._data_secret(region)
        headers = self._security_headers()
        # The VPC resource controller gives a pod its security groups when the pod is created:
        # the policy must exist before the first pod, or the pods never reach the data tier.
        self._pods_wait_for = ([kubernetes_network.pod_security_group(name, args, self._meta, self._selector,
                                                                      self._child)]
                               if args.app_security_group_id is not None else [])
        scaled, main_service, canary_service = self._workloads()
        hpa = self._autoscaler(scaled)
        self._disruption_budget()
        self._ingresses(main_service, canary_service, headers)
        kubernetes_network.network_policy(name, args, self._meta, self._selector, self._child)
        self._origin_security_group()

        self.deployment_name = scaled.metadata.name
        self.hpa_name = hpa.metadata.name
        self.max_replicas = args.max_instances
        self.service_name = main_service.metadata.name
        self.origin_domain = pulumi.Output.from_input(args.origin_domain)
        self.health_url = pulumi.Output.from_input(f"https://{args.origin_domain}{args.health_path}")
        self.ingress_controller_config = h.nginx_controller_config(args.headers)
        self.register_outputs(
            {
                "platform": self.platform,
                "namespace": self.namespace,
                "deployment_name": self.deployment_name,
                "hpa_name": self.hpa_name,
                "max_replicas": self.max_replicas,
                "service_name": self.service_name,
                "origin_domain": self.origin_domain,
                "health_url": self.health_url,
                "origin_headers": self.origin_headers,
                "ingress_controller_config": self.ingress_controller_config,
                "origin_security_group_id": self.origin_security_group_id,
                "ingress_service_annotations": self.ingress_service_annotations,
            }
        )

    def _meta(self, resource_name: str, labels: Optional[dict[str, str]] = None, **extra: Any) -> dict[str, Any]:
        """Metadata of a namespaced object: its name in the app's namespace, the app's labels."""
        return {"name": resource_name, "namespace": self.namespace, "labels": {**self._labels, **(labels or {})},
                **extra}

    # --------------------------------------------------------------- namespace and identity

    def _namespace(self) -> pulumi.Output[str]:
        """The app's namespace, enforcing the ``restricted`` Pod Security Standard."""
        namespace = k8s.core.v1.Namespace(
            f"{self._name}-namespace",
            metadata={
                "name": self._args.namespace,
                "labels": {
                    **self._labels,
                    "pod-security.kubernetes.io/enforce": "restricted",
                    "pod-security.kubernetes.io/enforce-version": "latest",
                },
            },
            opts=self._child,
        )
        return namespace.metadata.name

    def _irsa_policy(self, region: pulumi.Output[str]) -> Optional[aws.iam.RolePolicy]:
        """With an IRSA role and data secrets: the role may read exactly those secrets."""
        args = self._args
        if not (args.service_account_role_arn and args.secret_arns):
            return None
        return aws.iam.RolePolicy(
            f"{self._name}-irsa-secrets",
            role=role_name(args.service_account_role_arn),
            policy=secret_read_policy_output(args.secret_arns, args.secret_kms_key_arns, region),
            opts=self._child,
        )

    def _service_account(self, irsa_policy: Optional[aws.iam.RolePolicy]) -> k8s.core.v1.ServiceAccount:
        """The pods' identity: no API token mounted; the IRSA role, if any, named once its policy
        is attached (pods given it earlier fail their first reads: IAM is eventually consistent)."""
        role = self._args.service_account_role_arn
        annotations = {"eks.amazonaws.com/role-arn": granted(role, *([irsa_policy] if irsa_policy else []))} if role else {}
        return k8s.core.v1.ServiceAccount(
            f"{self._name}-service-account",
            metadata=self._meta(self._args.app_name, annotations=annotations),
            automount_service_account_token=False,
            opts=self._child,
        )

    def _data_secret(self, region: pulumi.Output[str]) -> k8s.core.v1.Secret:
        """The Secret the pods read their settings from: the data tier's hosts, ports, TLS settings
        and secret ARNs, and the CDN's origin-verify header (its value also in ``origin_headers``)."""
        name, args = self._name, self._args
        origin_secret = random.RandomPassword(f"{name}-origin-secret", length=48, special=False, opts=self._child)
        self.origin_headers = {ORIGIN_VERIFY_HEADER: pulumi.Output.secret(origin_secret.result)}
        values: dict[str, pulumi.Input[Any]] = dict(data_environment(args))
        if values:
            values["AWS_REGION"] = region
        values["ORIGIN_VERIFY_HEADER"] = ORIGIN_VERIFY_HEADER
        values["ORIGIN_VERIFY_SECRET"] = origin_secret.result
        secret = k8s.core.v1.Secret(
            f"{name}-data",
            metadata=self._meta(f"{args.app_name}-data"),
            type="Opaque",
            string_data={k: pulumi.Output.secret(pulumi.Output.from_input(v).apply(str)) for k, v in sorted(values.items())},
            opts=self._child,
        )
        return secret

    def _security_headers(self) -> k8s.core.v1.ConfigMap:
        """The headers ingress-nginx adds to every response (its ``custom-headers`` ConfigMap)."""
        return k8s.core.v1.ConfigMap(
            f"{self._name}-security-headers",
            metadata=self._meta(f"{self._args.app_name}-security-headers"),
            data=h.nginx_custom_headers(self._args.headers),
            opts=self._child,
        )

    # ------------------------------------------------------------------------- workloads

    def _workloads(self) -> tuple[k8s.apps.v1.Deployment, k8s.core.v1.Service, Optional[k8s.core.v1.Service]]:
        """The Deployments and Services of the rollout: the Deployment the HPA scales, the
        Service the Ingress routes to, and the canary's Service (None without a canary)."""
        args, app = self._args, self._args.app_name
        self.deployments: dict[str, k8s.apps.v1.Deployment] = {}
        if args.rollout == "blue-green":
            for color in COLORS:
                self.deployments[color] = self._deployment(
                    color, f"{app}-{color}", {"webstack.io/color": color},
                    args.color_images.get(color, args.image), args.min_instances,
                    autoscaled=color == args.active_color,
                )
            main_service = self._service("service", app, {"webstack.io/color": args.active_color})
            self._service("preview", f"{app}-preview", {"webstack.io/color": args.idle_color})
            return self.deployments[args.active_color], main_service, None
        stable = {"webstack.io/track": "stable"}
        scaled = self.deployments["stable"] = self._deployment("deployment", app, stable, args.image,
                                                               args.min_instances, autoscaled=True)
        main_service = self._service("service", app, stable)
        if args.canary_image is None:
            return scaled, main_service, None
        canary = {"webstack.io/track": "canary"}
        self.deployments["canary"] = self._deployment(
            "canary", f"{app}-canary", canary, args.canary_image,
            canary_replicas(args.min_instances, args.canary_weight), autoscaled=False,
        )
        return scaled, main_service, self._service("canary-service", f"{app}-canary", canary)

    def _deployment(self, key: str, deploy_name: str, labels: dict[str, str], image: str, replicas: int,
                    autoscaled: bool) -> k8s.apps.v1.Deployment:
        """One Deployment: rolls without losing capacity; its pods wait for their security groups."""
        return k8s.apps.v1.Deployment(
            f"{self._name}-{key}",
            metadata=self._meta(deploy_name, labels),
            spec={
                "replicas": replicas,
                "revision_history_limit": 5,
                "min_ready_seconds": 10,
                "progress_deadline_seconds": 600,
                "selector": {"match_labels": {**self._selector, **labels}},
                "strategy": {"type": "RollingUpdate",
                             "rolling_update": {"max_unavailable": 0, "max_surge": "25%"}},
                "template": pod_template(self._args, {**self._labels, **labels}, {**self._selector, **labels}, image,
                                         self._account.metadata.name, self._data.metadata.name),
            },
            # The HPA owns the replica count of the Deployment it scales.
            opts=pulumi.ResourceOptions(parent=self, ignore_changes=["spec.replicas"] if autoscaled else None,
                                        depends_on=self._pods_wait_for),
        )

    def _service(self, key: str, svc_name: str, labels: dict[str, str]) -> k8s.core.v1.Service:
        return k8s.core.v1.Service(
            f"{self._name}-{key}",
            metadata=self._meta(svc_name),
            spec={
                "type": "ClusterIP",
                "selector": {**self._selector, **labels},
                "ports": [{"name": "http", "port": 80, "target_port": "http", "protocol": "TCP"}],
            },
            opts=self._child,
        )

    def _autoscaler(self, scaled: k8s.apps.v1.Deployment) -> k8s.autoscaling.v2.HorizontalPodAutoscaler:
        """Scales ``scaled`` on CPU (and memory): out at once, in slowly."""
        args = self._args
        metrics: list[dict[str, Any]] = [{
            "type": "Resource",
            "resource": {"name": "cpu", "target": {"type": "Utilization", "average_utilization": args.cpu_target_percent}},
        }]
        if args.memory_target_percent is not None:
            metrics.append({
                "type": "Resource",
                "resource": {"name": "memory",
                             "target": {"type": "Utilization", "average_utilization": args.memory_target_percent}},
            })
        return k8s.autoscaling.v2.HorizontalPodAutoscaler(
            f"{self._name}-hpa",
            metadata=self._meta(args.app_name),
            spec={
                "scale_target_ref": {"api_version": "apps/v1", "kind": "Deployment", "name": scaled.metadata.name},
                "min_replicas": args.min_instances,
                "max_replicas": args.max_instances,
                "metrics": metrics,
                "behavior": {
                    "scale_up": {"stabilization_window_seconds": 0,
                                 "policies": [{"type": "Percent", "value": 100, "period_seconds": 30}]},
                    "scale_down": {"stabilization_window_seconds": 300,
                                   "policies": [{"type": "Percent", "value": 20, "period_seconds": 60}]},
                },
            },
            opts=self._child,
        )

    def _disruption_budget(self) -> None:
        """At most one of the app's pods (any track or colour) evicted at a time."""
        k8s.policy.v1.PodDisruptionBudget(
            f"{self._name}-pdb",
            metadata=self._meta(self._args.app_name),
            spec={"max_unavailable": 1, "selector": {"match_labels": self._selector}},
            opts=self._child,
        )

    # --------------------------------------------------------------------- the way in

    def _ingresses(self, main_service: k8s.core.v1.Service, canary_service: Optional[k8s.core.v1.Service],
                   headers: k8s.core.v1.ConfigMap) -> None:
        """The TLS Ingress of ``origin_domain`` and, with a canary, its weighted canary Ingress."""
        args = self._args
        annotations = {
            "nginx.ingress.kubernetes.io/force-ssl-redirect": "true",
            "nginx.ingress.kubernetes.io/backend-protocol": "HTTP",
            h.NGINX_CUSTOM_HEADERS_ANNOTATION: pulumi.Output.concat(self.namespace, "/", headers.metadata.name),
            "external-dns.alpha.kubernetes.io/hostname": args.origin_domain,
        }
        # One Ingress asks cert-manager for the certificate both name: ingress-shim lets one
        # Ingress own a Secret's Certificate and refuses the other.
        certificate = {"cert-manager.io/cluster-issuer": args.cluster_issuer} if args.cluster_issuer else {}
        self._ingress("ingress", args.app_name, main_service, {**annotations, **certificate})
        if canary_service is not None:  # validated: only with rollout "canary"
            self._ingress("canary-ingress", f"{args.app_name}-canary", canary_service, {
                **annotations,
                "nginx.ingress.kubernetes.io/canary": "true",
                "nginx.ingress.kubernetes.io/canary-weight": str(args.canary_weight),
            })

    def _ingress(self, key: str, ing_name: str, service: k8s.core.v1.Service,
                 annotations: dict[str, pulumi.Input[str]]) -> k8s.networking.v1.Ingress:
        args = self._args
        return k8s.networking.v1.Ingress(
            f"{self._name}-{key}",
            metadata=self._meta(ing_name, annotations=annotations),
            spec={
                "ingress_class_name": args.ingress_class,
                "tls": [{"hosts": [args.origin_domain], "secret_name": args.tls_secret_name or f"{args.app_name}-tls"}],
                "rules": [{
                    "host": args.origin_domain,
                    "http": {"paths": [{
                        "path": "/",
                        "path_type": "Prefix",
                        "backend": {"service": {"name": service.metadata.name, "port": {"name": "http"}}},
                    }]},
                }],
            },
            opts=self._child,
        )

    def _origin_security_group(self) -> None:
        """With ``cluster_vpc_id``: the CloudFront-only group of the ingress controller's load
        balancer and the controller Service's annotations putting it there."""
        self.origin_security_group_id: Optional[pulumi.Output[str]] = None
        self.ingress_service_annotations: dict[str, pulumi.Input[str]] = {}
        if self._args.cluster_vpc_id is not None:
            self.origin_security_group_id = kubernetes_network.origin_security_group(
                self._name, self._args, self._child).id
            self.ingress_service_annotations = kubernetes_network.ingress_service_annotations(
                self.origin_security_group_id)
