"""The offline engine: run a Pulumi program in-process under Pulumi's mock engine and
record the desired state it registers.

This is what ``webstack synth`` prints, what ``webstack check`` evaluates the policy pack
against, what ``webstack diff`` compares, and the only mock layer the tests use. It is a
``pulumi.runtime.mocks.MockMonitor`` that keeps the whole registration request (parent,
dependencies, protect, providers, aliases, ...), which the stock ``Mocks`` callback never
sees, and answers like a provider would: deterministic ids and ARNs, the computed
attributes programs read (endpoints, domain names, validation records) and the invokes
they call (availability zones, caller identity, IAM policy documents rendered to JSON).

Values set with ``pulumi config set --secret`` cannot be decrypted without the stack's
secrets provider, so ``synth_stack`` substitutes placeholders and lists them in
``Plan.placeholders``. Secret values never leave a ``Plan`` in clear: ``Secret`` wraps
them, and ``Plan.to_json`` prints ``"[secret]"``.
"""

from __future__ import annotations

import asyncio
import gc
import hashlib
import importlib
import json
import logging
import os
import runpy
import sys
import threading
import warnings
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Optional, Sequence
from urllib.parse import unquote, urlparse

from google.protobuf import empty_pb2, struct_pb2
from google.protobuf.json_format import MessageToDict

import pulumi
import pulumi.runtime
from pulumi.runtime import mocks as pulumi_mocks
from pulumi.runtime import settings
from pulumi.runtime import stack as pulumi_stack
from pulumi.runtime.proto import resource_pb2

from pulumi_webstack_cli.project import ConfigSet, apply_sets, load_project
from pulumi_webstack_cli.project import find_project  # noqa: F401 - part of the engine API (tests, benchmarks)
from pulumi_webstack_cli.project import load_stack_config as _load_stack_config

ROOT = Path(__file__).resolve().parent.parent
"""This repository's checkout (where the tool's own files live when run from source)."""

ACCOUNT_ID = "123456789012"
VERCEL_ACCOUNT_ID = "210987654321"
"""The AWS account a Vercel Secure Compute network answers with (Vercel's, not the stack's)."""
SCHEMA_VERSION = 1
SECRET_TEXT = "[secret]"

# Pulumi's property wire format: the signature key and values that mark secrets, resource
# references, assets, archives and output values inside a property map, and the text of an
# unknown value. They are part of the protocol between every language SDK and the engine
# (sdk/go/common/resource/sig in pulumi/pulumi), so they cannot change without breaking every
# deployed program; the Python SDK keeps them under private names, so they are written here.
_SIG = "4dabf18193072939515e22adb298388d"
_SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270"
_RESOURCE_SIG = "5cf8f73096256a8f31e491e813e4eb8e"
_ASSET_SIG = "c44067f5952c0a294b673a41bacd8c17"
_ARCHIVE_SIG = "0def7320c3a5731c473e5ecbe6d01bc7"
_OUTPUT_SIG = "d0e6a833031e9bbcd3f4e8bde6ca49a4"
UNKNOWN_WIRE = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"


# ------------------------------------------------------------------------- the model


@dataclass(frozen=True)
class Secret:
    """A secret value as registered. ``repr`` never shows the value."""

    value: Any

    def __repr__(self) -> str:
        return "Secret(****)"


@dataclass(frozen=True)
class Unknown:
    """A value not known until the resource is created (only in preview mode)."""

    def __repr__(self) -> str:
        return "Unknown"


@dataclass
class Resource:
    """One registered resource and the options it was registered with."""

    urn: str
    type: str
    name: str
    custom: bool
    parent: Optional[str]
    inputs: dict[str, Any]
    state: dict[str, Any]
    dependencies: list[str]
    property_dependencies: dict[str, list[str]]
    provider: str
    providers: dict[str, str]
    protect: bool
    retain_on_delete: bool
    delete_before_replace: bool
    ignore_changes: list[str]
    replace_on_changes: list[str]
    additional_secret_outputs: list[str]
    aliases: list[Any]
    deleted_with: str
    id: Optional[str] = None
    component_outputs: dict[str, Any] = field(default_factory=dict)
    source: Optional[tuple[str, int]] = None
    """(file, line) of the code that created the resource, as the SDK reports it to the engine."""
    stack_trace: tuple[tuple[str, int], ...] = ()
    """(file, line) of each caller, innermost first: where a component's child came from."""

    def depends_on(self, other: "Resource | str") -> bool:
        """True if ``other`` (a Resource or URN) is a direct dependency."""
        urn = other.urn if isinstance(other, Resource) else other
        return urn in self.dependencies

    @property
    def provider_urn(self) -> Optional[str]:
        """URN of the explicit provider (``urn::id`` reference without the id)."""
        return self.provider.rsplit("::", 1)[0] if self.provider else None


class Plan:
    """Everything a program registered (see ``_creation_order`` for the order)."""

    def __init__(
        self,
        project: str,
        stack: str,
        resources: list[Resource],
        outputs: dict[str, Any],
        placeholders: Iterable[str] = (),
        config: Optional[dict[str, Any]] = None,
    ):
        self.project = project
        self.stack = stack
        self.resources = resources
        """In creation order (see ``_creation_order``)."""
        self.outputs = outputs
        self.placeholders = sorted(placeholders)
        self.config = dict(config or {})
        self._by_urn = {r.urn: r for r in resources}

    def __iter__(self):
        return iter(self.resources)

    def __len__(self) -> int:
        return len(self.resources)

    def by_urn(self, urn: str) -> Resource:
        return self._by_urn[urn]

    def lookup(self, urn: Optional[str]) -> Optional[Resource]:
        """The resource with this URN, or None (no URN, or not in this plan)."""
        return self._by_urn.get(urn or "")

    def by_type(self, type_: str) -> list[Resource]:
        return [r for r in self.resources if r.type == type_]

    def named(self, name: str) -> list[Resource]:
        return [r for r in self.resources if r.name == name]

    def get(self, name: str) -> Resource:
        """The one resource with this logical name."""
        found = self.named(name)
        if len(found) != 1:
            raise KeyError(f"{len(found)} resources named {name!r}; names: {sorted(r.name for r in self.resources)}")
        return found[0]

    def one(self, type_: str, name: Optional[str] = None) -> Resource:
        """The one resource of ``type_`` (and ``name``, if given)."""
        found = [r for r in self.by_type(type_) if name is None or r.name == name]
        if len(found) != 1:
            raise KeyError(f"expected one {type_}{' named ' + name if name else ''}, found {len(found)}: {[r.name for r in found]}")
        return found[0]

    def children(self, parent: Resource | str) -> list[Resource]:
        urn = parent.urn if isinstance(parent, Resource) else parent
        return [r for r in self.resources if r.parent == urn]

    def descendants(self, parent: Resource | str) -> list[Resource]:
        urn = parent.urn if isinstance(parent, Resource) else parent
        out: list[Resource] = []
        for child in self.children(urn):
            out.append(child)
            out.extend(self.descendants(child))
        return out

    def waits_for(self, res: Resource) -> list[Resource]:
        """Custom resources ``res`` cannot be created before: its dependencies, with a
        dependency on a component standing for every custom resource inside it (as the
        engine treats it)."""
        out: dict[str, Resource] = {}
        for urn in res.dependencies:
            dep = self._by_urn.get(urn)
            if dep is None:
                continue
            for target in [dep] if dep.custom else self.descendants(dep):
                if target.custom and not target.type.startswith("pulumi:providers:"):
                    out[target.urn] = target
        return list(out.values())

    def creatable(self) -> list[Resource]:
        """The resources ``pulumi up`` creates through a provider (not components or providers)."""
        return [r for r in self.resources if r.custom and not r.type.startswith("pulumi:providers:")]

    def finish_times(self, takes: Callable[[Resource], int] = lambda res: 1) -> dict[str, int]:
        """URN -> when the resource is created at the earliest, if creating ``res`` takes
        ``takes(res)`` and starts once everything it ``waits_for`` is created."""
        finish: dict[str, int] = {}

        def finish_of(res: Resource) -> int:
            if res.urn not in finish:
                finish[res.urn] = 0  # guards against cycles (the engine would reject them)
                finish[res.urn] = takes(res) + max((finish_of(d) for d in self.waits_for(res)), default=0)
            return finish[res.urn]

        for res in self.creatable():
            finish_of(res)
        return finish

    def creation_waves(self) -> dict[str, int]:
        """URN -> the wave in which ``pulumi up`` can create the resource at the earliest
        (1: nothing to wait for). The number of waves is the length of the longest chain of
        creations that must happen one after another."""
        return self.finish_times()

    def critical_path(self, finish: Optional[dict[str, int]] = None) -> list[Resource]:
        """The longest chain of resources that must be created one after another: by count
        of steps, or by ``finish`` (from ``finish_times``) when given. Ties go to the resource
        registered first, so the answer is stable."""
        finish = finish if finish is not None else self.creation_waves()
        current = max(self.creatable(), key=lambda r: finish[r.urn], default=None)
        chain: list[Resource] = []
        while current is not None:
            chain.append(current)
            current = max(self.waits_for(current), key=lambda r: finish[r.urn], default=None)
        return list(reversed(chain))

    def to_json(self) -> dict[str, Any]:
        """The stable, documented JSON form (see README "Offline plan JSON")."""
        return {
            "schemaVersion": SCHEMA_VERSION,
            "project": self.project,
            "stack": self.stack,
            "placeholders": self.placeholders,
            "resources": [
                {
                    "urn": r.urn,
                    "type": r.type,
                    "name": r.name,
                    "custom": r.custom,
                    "parent": r.parent,
                    "provider": r.provider_urn,
                    "protect": r.protect,
                    "retainOnDelete": r.retain_on_delete,
                    "deleteBeforeReplace": r.delete_before_replace,
                    "ignoreChanges": r.ignore_changes,
                    "dependencies": r.dependencies,
                    "inputs": to_plain(r.inputs),
                    **({"outputs": to_plain(r.component_outputs)} if not r.custom else {}),
                }
                for r in self.resources
            ],
            "outputs": to_plain(self.outputs),
        }


def to_plain(value: Any) -> Any:
    """JSON-safe copy with secrets masked."""
    if isinstance(value, Secret):
        return SECRET_TEXT
    if isinstance(value, Unknown):
        return "[unknown]"
    if isinstance(value, dict):
        return {k: to_plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_plain(v) for v in value]
    return value


# ------------------------------------------------------------------- wire conversion


def _from_wire(value: Any) -> Any:
    """Protobuf-JSON value (from MessageToDict) -> Python with Secret/Unknown markers."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if value == UNKNOWN_WIRE:
        return Unknown()
    if isinstance(value, list):
        return [_from_wire(v) for v in value]
    if isinstance(value, dict):
        sig = value.get(_SIG)
        if sig == _SECRET_SIG:
            return Secret(_from_wire(value.get("value")))
        if sig == _RESOURCE_SIG:
            return value.get("urn")
        if sig == _OUTPUT_SIG:
            inner = _from_wire(value.get("value")) if "value" in value else Unknown()
            return Secret(inner) if value.get("secret") else inner
        if sig in (_ASSET_SIG, _ARCHIVE_SIG):
            return {k: v for k, v in value.items() if k != _SIG}
        return {k: _from_wire(v) for k, v in value.items()}
    return value


def _to_wire(value: Any) -> Any:
    if isinstance(value, Unknown):
        return UNKNOWN_WIRE
    if isinstance(value, Secret):
        return {_SIG: _SECRET_SIG, "value": _to_wire(value.value)}
    if isinstance(value, dict):
        return {k: _to_wire(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_to_wire(v) for v in value]
    return value


def _struct(value: dict[str, Any]) -> struct_pb2.Struct:
    out = struct_pb2.Struct()
    out.update(_to_wire(value))
    return out


def _plain(value: Any) -> Any:
    """Strip Secret markers (for computing mock outputs)."""
    if isinstance(value, Secret):
        return _plain(value.value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


# -------------------------------------------------------------- provider-like answers


def _short_hash(text: str, n: int = 17) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:n]


# Physical id shape per type (AWS id prefixes); anything else gets "<name>-<hash>".
_ID_PREFIX = {
    "aws:ec2/vpc:Vpc": "vpc-",
    "aws:ec2/subnet:Subnet": "subnet-",
    "aws:ec2/securityGroup:SecurityGroup": "sg-",
    "aws:ec2/routeTable:RouteTable": "rtb-",
    "aws:ec2/internetGateway:InternetGateway": "igw-",
    "aws:ec2/natGateway:NatGateway": "nat-",
    "aws:ec2/eip:Eip": "eipalloc-",
    "aws:ec2/vpcEndpoint:VpcEndpoint": "vpce-",
    "aws:ec2/flowLog:FlowLog": "fl-",
    "aws:ec2/networkAcl:NetworkAcl": "acl-",
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": "sgr-",
    "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": "sgr-",
    "aws:cloudfront/distribution:Distribution": "E",
    "aws:route53/healthCheck:HealthCheck": "",
    "aws:route53/zone:Zone": "Z",
    "aws:ec2/route:Route": "r-",
    "vercel:index/network:Network": "net_",
    "aws:fis/experimentTemplate:ExperimentTemplate": "EXT",
}

_NAMED_BY_INPUT = ("name", "bucket", "identifier", "replicationGroupId", "functionName", "clusterIdentifier")


def _arn(service: str, region: str, resource: str, account: str = ACCOUNT_ID) -> str:
    return f"arn:aws:{service}:{region}:{account}:{resource}"


def _computed(typ: str, name: str, inputs: dict[str, Any], region: str, rid: str) -> dict[str, Any]:
    """Attributes a provider computes that programs commonly read."""
    pname = _physical_name(inputs, name)
    out: dict[str, Any] = {}
    mod = typ.split(":")[1].split("/")[0] if typ.count(":") == 2 else ""
    if typ == "aws:rds/instance:Instance":
        host = f"{pname}.c{_short_hash(pname, 10)}.{region}.rds.amazonaws.com"
        out.update(address=host, endpoint=f"{host}:5432", port=inputs.get("port", 5432),
                   arn=_arn("rds", region, f"db:{pname}"), resourceId=f"db-{_short_hash(pname, 26).upper()}",
                   hostedZoneId="Z2R2ITUGPM61AM",
                   masterUserSecrets=[{"secretArn": _arn("secretsmanager", region, f"secret:rds!db-{_short_hash(pname, 8)}-AbCdEf"),
                                       "secretStatus": "active", "kmsKeyId": inputs.get("masterUserSecretKmsKeyId", "")}])
    elif typ == "aws:rds/proxy:Proxy":
        out.update(endpoint=f"{pname}.proxy-c{_short_hash(pname, 10)}.{region}.rds.amazonaws.com",
                   arn=_arn("rds", region, f"db-proxy:prx-{_short_hash(pname, 17)}"))
    elif typ == "aws:rds/proxyDefaultTargetGroup:ProxyDefaultTargetGroup":
        out.update(name="default", arn=_arn("rds", region, f"target-group:prx-tg-{_short_hash(name, 17)}"))
    elif typ == "aws:route53/zone:Zone":
        out.update(zoneId=rid, arn=f"arn:aws:route53:::hostedzone/{rid}",
                   nameServers=[] if inputs.get("vpcs") else [f"ns-{i}.awsdns-{i:02d}.org" for i in range(4)])
    elif typ == "aws:route53/record:Record":
        out.update(fqdn=str(inputs.get("name", "")).rstrip("."))
    elif typ == "aws:rds/proxyEndpoint:ProxyEndpoint":
        out.update(endpoint=f"{pname}.endpoint.proxy-c{_short_hash(pname, 10)}.{region}.rds.amazonaws.com",
                   arn=_arn("rds", region, f"db-proxy-endpoint:prx-endpoint-{_short_hash(pname, 17)}"))
    elif typ == "aws:elasticache/replicationGroup:ReplicationGroup":
        rg = inputs.get("replicationGroupId", pname)
        out.update(primaryEndpointAddress=f"master.{rg}.{_short_hash(rg, 6)}.use1.cache.amazonaws.com",
                   readerEndpointAddress=f"replica.{rg}.{_short_hash(rg, 6)}.use1.cache.amazonaws.com",
                   port=inputs.get("port", 6379), arn=_arn("elasticache", region, f"replicationgroup:{rg}"),
                   memberClusters=[f"{rg}-00{i + 1}" for i in range(int(inputs.get("numCacheClusters", 1) or 1))])
    elif typ == "aws:cloudfront/distribution:Distribution":
        out.update(domainName=f"d{_short_hash(name, 13)}.cloudfront.net", hostedZoneId="Z2FDTNDATAQYW2",
                   arn=f"arn:aws:cloudfront::{ACCOUNT_ID}:distribution/{rid}", status="Deployed", etag="E2QWRUHEXAMPLE")
    elif typ in ("aws:cloudfront/responseHeadersPolicy:ResponseHeadersPolicy", "aws:cloudfront/cachePolicy:CachePolicy",
                 "aws:cloudfront/originRequestPolicy:OriginRequestPolicy", "aws:cloudfront/originAccessControl:OriginAccessControl"):
        out.update(etag="E23ZP02F085DFQ")
    elif typ == "aws:acm/certificate:Certificate":
        domains = [inputs.get("domainName", "example.com"), *(inputs.get("subjectAlternativeNames") or [])]
        out.update(arn=_arn("acm", region, f"certificate/{_uuid(name)}"), status="ISSUED",
                   domainValidationOptions=[{"domainName": d, "resourceRecordName": f"_{_short_hash(d, 32)}.{d}.",
                                             "resourceRecordType": "CNAME",
                                             "resourceRecordValue": f"_{_short_hash(d + 'v', 32)}.acm-validations.aws."}
                                            for d in domains])
    elif typ == "aws:wafv2/webAcl:WebAcl":
        scope = "global" if inputs.get("scope") == "CLOUDFRONT" else "regional"
        out.update(arn=f"arn:aws:wafv2:{region}:{ACCOUNT_ID}:{scope}/webacl/{pname}/{_uuid(name)}", capacity=700)
    elif typ == "aws:s3/bucket:Bucket" or typ == "aws:s3/bucketV2:BucketV2":
        out.update(arn=f"arn:aws:s3:::{pname}", bucket=pname, bucketDomainName=f"{pname}.s3.amazonaws.com",
                   bucketRegionalDomainName=f"{pname}.s3.{region}.amazonaws.com", region=region)
    elif typ == "aws:kms/key:Key":
        kid = _uuid(name)
        out.update(keyId=kid, arn=_arn("kms", region, f"key/{kid}"))
        rid = kid
    elif typ == "aws:kms/alias:Alias":
        out.update(arn=_arn("kms", region, inputs.get("name", f"alias/{name}")))
    elif typ == "aws:sns/topic:Topic":
        out.update(arn=_arn("sns", region, pname))
    elif typ == "aws:iam/role:Role":
        out.update(arn=f"arn:aws:iam::{ACCOUNT_ID}:role/{pname}", uniqueId=f"AROA{_short_hash(pname, 17).upper()}")
    elif typ == "aws:iam/policy:Policy":
        out.update(arn=f"arn:aws:iam::{ACCOUNT_ID}:policy/{pname}")
    elif typ == "aws:iam/openIdConnectProvider:OpenIdConnectProvider":
        out.update(arn=f"arn:aws:iam::{ACCOUNT_ID}:oidc-provider/{str(inputs.get('url', name)).removeprefix('https://')}")
    elif typ == "aws:cloudwatch/logGroup:LogGroup":
        out.update(arn=_arn("logs", region, f"log-group:{pname}"))
    elif typ == "aws:secretsmanager/secret:Secret":
        out.update(arn=_arn("secretsmanager", region, f"secret:{pname}-{_short_hash(pname, 6)}"))
    elif typ == "aws:backup/vault:Vault":
        out.update(arn=_arn("backup", region, f"backup-vault:{pname}"), recoveryPoints=0)
    elif typ == "aws:backup/plan:Plan":
        out.update(arn=_arn("backup", region, f"backup-plan:{rid}"), version=_short_hash(name, 32))
    elif typ == "aws:ec2/vpc:Vpc":
        out.update(arn=_arn("ec2", region, f"vpc/{rid}"), defaultSecurityGroupId=f"sg-{_short_hash(name + 'default')}",
                   mainRouteTableId=f"rtb-{_short_hash(name + 'main')}", defaultNetworkAclId=f"acl-{_short_hash(name)}")
    elif typ == "aws:ec2/subnet:Subnet":
        out.update(arn=_arn("ec2", region, f"subnet/{rid}"))
    elif typ == "aws:ec2/securityGroup:SecurityGroup":
        out.update(arn=_arn("ec2", region, f"security-group/{rid}"))
    elif typ == "aws:route53/healthCheck:HealthCheck":
        out.update(arn=f"arn:aws:route53:::healthcheck/{rid}")
    elif typ == "aws:cloudwatch/metricAlarm:MetricAlarm":
        out.update(arn=_arn("cloudwatch", region, f"alarm:{pname}"))
    elif typ == "aws:cloudwatch/compositeAlarm:CompositeAlarm":
        out.update(arn=_arn("cloudwatch", region, f"alarm:{inputs.get('alarmName', pname)}"))
    elif typ == "aws:synthetics/canary:Canary":
        out.update(arn=_arn("synthetics", region, f"canary:{pname}"), status="RUNNING",
                   engineArn=_arn("lambda", region, f"function:cwsyn-{pname}-{_uuid(name)}:1"))
    elif typ == "aws:fis/experimentTemplate:ExperimentTemplate":
        out.update(arn=_arn("fis", region, f"experiment-template/{rid}"))
    elif typ == "aws:s3/bucketObjectv2:BucketObjectv2":
        # S3 gives every write of a versioned object a new version: derived from the content.
        content = json.dumps(inputs.get("source") or inputs.get("content"), sort_keys=True, default=str)
        out.update(versionId=_short_hash(content, 32), etag=_short_hash(content, 32),
                   arn=f"arn:aws:s3:::{inputs.get('bucket')}/{inputs.get('key')}")
    elif typ == "aws:cloudwatch/eventRule:EventRule":
        out.update(arn=_arn("events", region, f"rule/{pname}"))
    elif typ in ("aws:cloudwatch/logDeliverySource:LogDeliverySource",
                 "aws:cloudwatch/logDeliveryDestination:LogDeliveryDestination"):
        kind = "delivery-source" if typ.endswith("Source") else "delivery-destination"
        out.update(arn=_arn("logs", region, f"{kind}:{pname}"))
    elif typ in ("aws:lb/loadBalancer:LoadBalancer", "aws:lb/targetGroup:TargetGroup"):
        kind = "loadbalancer/app" if typ.endswith("LoadBalancer") else "targetgroup"
        suffix = f"{kind}/{pname[:32]}/{_short_hash(name + kind, 16)}"
        out.update(arn=_arn("elasticloadbalancing", region, suffix), arnSuffix=suffix, name=pname[:32])
        if kind.startswith("loadbalancer"):
            out.update(dnsName=f"{pname[:32]}-{int(_short_hash(name, 8), 16)}.{region}.elb.amazonaws.com",
                       zoneId=ELB_ZONE_IDS.get(region, "Z35SXDOTRQ7X7K"))
    elif typ == "aws:lb/listener:Listener" or typ == "aws:lb/listenerRule:ListenerRule":
        kind = "listener" if typ.endswith("Listener") else "listener-rule"
        out.update(arn=_arn("elasticloadbalancing", region, f"{kind}/app/{_short_hash(name + kind, 16)}"))
    elif typ == "aws:ecs/cluster:Cluster":
        out.update(arn=_arn("ecs", region, f"cluster/{pname}"), name=pname)
    elif typ == "aws:ecs/service:Service":
        out.update(arn=_arn("ecs", region, f"service/{pname}"), name=pname)
    elif typ == "aws:ecs/taskDefinition:TaskDefinition":
        family = inputs.get("family", pname)
        out.update(arn=_arn("ecs", region, f"task-definition/{family}:1"),
                   arnWithoutRevision=_arn("ecs", region, f"task-definition/{family}"), revision=1)
    elif typ == "aws:ec2/vpcEndpoint:VpcEndpoint":
        out.update(arn=_arn("ec2", region, f"vpc-endpoint/{rid}"), state="available")
        if inputs.get("vpcEndpointType") == "Gateway":
            out.update(prefixListId=f"pl-{_short_hash(str(inputs.get('serviceName')), 8)}")
        else:
            out.update(dnsEntries=[{"dnsName": f"{rid}.{inputs.get('serviceName', '')}.vpce.amazonaws.com",
                                    "hostedZoneId": "Z7HUB22UULQXV"}])
    elif typ == "vercel:index/network:Network":
        # The network is a VPC in Vercel's account, in the AWS region of its Vercel region.
        from pulumi_webstack.secure_compute import VERCEL_REGIONS

        out.update(vpcId=f"vpc-{_short_hash(name + 'vercel')}", awsAccountId=VERCEL_ACCOUNT_ID,
                   awsRegion=VERCEL_REGIONS.get(str(inputs.get("region")), region), status="ready",
                   egressIpAddresses=["203.0.113.10", "203.0.113.11"])
    elif typ == "aws:ec2/vpcPeeringConnectionAccepter:VpcPeeringConnectionAccepter":
        out.update(acceptStatus="active", vpcId=f"vpc-{_short_hash('accepter' + name)}")
    elif typ.startswith("kubernetes:"):
        meta = dict(inputs.get("metadata") or {})
        meta.setdefault("name", f"{name}-{_short_hash(name, 8)}")
        out.update(metadata=meta)
    elif typ.startswith("aws:") and "arn" not in inputs:
        resource = typ.split(":")[2][0].lower() + typ.split(":")[2][1:]
        out.update(arn=_arn(mod or "aws", region, f"{resource}/{pname}"))
    if typ.startswith("random:"):
        seed = _short_hash("random" + name, 40)
        length = int(inputs.get("length", 32) or 32)
        result = (seed * 4)[:length]
        # Only RandomPassword's result is a secret (additionalSecretOutputs); RandomString's is not.
        out.update(result=Secret(result) if typ == "random:index/randomPassword:RandomPassword" else result)
    return out


def _physical_name(inputs: dict[str, Any], name: str, salt: str = "") -> str:
    """The name AWS would show: an explicit name input, else Pulumi's auto-name shape.

    Ids salt the hash with the type (two resources may share a logical name across types);
    ARNs do not.
    """
    for key in _NAMED_BY_INPUT:
        if isinstance(inputs.get(key), str) and inputs[key]:
            return inputs[key]
    return f"{name}-{_short_hash(salt + name, 7)}"

def _uuid(seed: str) -> str:
    h = _short_hash(seed, 32)
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:32]}"


def _render_policy_document(args: dict[str, Any]) -> str:
    """What ``aws.iam.get_policy_document`` returns: the IAM JSON of its statements."""
    statements = []
    for s in args.get("statements") or []:
        out: dict[str, Any] = {}
        if s.get("sid"):
            out["Sid"] = s["sid"]
        out["Effect"] = s.get("effect", "Allow")
        for key, wire in (("principals", "Principal"), ("notPrincipals", "NotPrincipal")):
            if s.get(key):
                merged: dict[str, list[str]] = {}
                for p in s[key]:
                    merged.setdefault(p["type"], []).extend(p.get("identifiers") or [])
                out[wire] = {k: v[0] if len(v) == 1 else v for k, v in merged.items()}
        for key, wire in (("actions", "Action"), ("notActions", "NotAction"),
                          ("resources", "Resource"), ("notResources", "NotResource")):
            if s.get(key):
                values = list(s[key])
                out[wire] = values[0] if len(values) == 1 else values
        if s.get("conditions"):
            cond: dict[str, dict[str, Any]] = {}
            for c in s["conditions"]:
                values = list(c.get("values") or [])
                cond.setdefault(c["test"], {})[c["variable"]] = values[0] if len(values) == 1 else values
            out["Condition"] = cond
        statements.append(out)
    return json.dumps({"Version": args.get("version") or "2012-10-17", "Statement": statements}, indent=2)


# Managed origin request policies a program looks up by name (ids are AWS's, global).
MANAGED_ORIGIN_REQUEST_POLICIES = {
    "Managed-AllViewer": "216adef6-5c7f-47e4-b989-5492eafa07d3",
    "Managed-AllViewerExceptHostHeader": "b689b0a8-53d0-40ab-baf2-68738e2966ac",
    "Managed-CORS-S3Origin": "88a5eaf4-2fd4-4709-b370-b4c650ea3fcf",
}

# Hosted zone of Application Load Balancers per region (Elastic Load Balancing endpoints).
ELB_ZONE_IDS = {"us-east-1": "Z35SXDOTRQ7X7K", "us-west-2": "Z1H1FL5HABSF5", "eu-west-1": "Z32O12XQLNTSW2",
                "eu-central-1": "Z215JYRZR1TBD5"}
# Elastic Load Balancing's log delivery account per region (regions opened before August 2022).
ELB_SERVICE_ACCOUNTS = {"us-east-1": "127311923021", "us-west-2": "797873946194", "eu-west-1": "156460612806",
                        "eu-central-1": "054676820928"}

# AWS-managed prefix lists a program looks up by name (ids differ per region; these are us-east-1's).
MANAGED_PREFIX_LISTS = {
    "com.amazonaws.global.cloudfront.origin-facing": "pl-3b927c52",
}


def vercel_team_slug(team_id: str) -> str:
    """The slug the offline engine answers for a Vercel team id (``team_abc123`` -> ``abc123``)."""
    return "".join(c if c.isalnum() else "-" for c in team_id.removeprefix("team_").lower()) or "team"


class _Mocks(pulumi_mocks.Mocks):
    """Provider-like answers for resources and invokes."""

    def __init__(self, region: str):
        self.region = region
        self.provider_regions: dict[str, str] = {}

    def region_of(self, provider_ref: Optional[str]) -> str:
        if provider_ref:
            return self.provider_regions.get(provider_ref.rsplit("::", 1)[0], self.region)
        return self.region

    def new_resource(self, args: pulumi_mocks.MockResourceArgs):
        inputs = _plain(args.inputs)
        # pulumi-aws 7: a resource's own ``region`` input overrides its provider's region.
        region = inputs.get("region") or self.region_of(args.provider)
        if args.typ.startswith("pulumi:providers:"):
            return f"{args.name}-provider-id", dict(args.inputs)
        prefix = _ID_PREFIX.get(args.typ)
        if prefix == "E":
            rid = "E" + _short_hash(args.typ + args.name, 13).upper()
        elif prefix == "":
            rid = _uuid(args.typ + args.name)
        elif prefix == "Z":
            rid = "Z" + _short_hash(args.typ + args.name, 20).upper()
        elif prefix == "EXT":
            rid = "EXT" + _short_hash(args.typ + args.name, 14).upper()
        elif prefix is not None:
            rid = prefix + _short_hash(args.typ + args.name)
        else:
            rid = _physical_name(inputs, args.name, salt=args.typ)
        computed = _computed(args.typ, args.name, inputs, region, rid)
        if args.typ == "aws:kms/key:Key":
            rid = computed["keyId"]
        elif args.typ == "aws:ec2/vpcPeeringConnectionAccepter:VpcPeeringConnectionAccepter":
            rid = str(inputs.get("vpcPeeringConnectionId", rid))  # the accepter's id is the connection's
        state = {**args.inputs, "id": rid, **computed}
        return rid, state

    def call(self, args: pulumi_mocks.MockCallArgs):
        region = self.region_of(args.provider)
        tok, a = args.token, _plain(args.args)
        if tok == "aws:index/getAvailabilityZones:getAvailabilityZones":
            letters = "abcdef"
            return {"names": [f"{region}{c}" for c in letters], "zoneIds": [f"use1-az{i + 1}" for i in range(6)],
                    "groupNames": [region] * 6, "id": region, "state": "available"}
        if tok == "aws:index/getCallerIdentity:getCallerIdentity":
            return {"accountId": ACCOUNT_ID, "arn": f"arn:aws:iam::{ACCOUNT_ID}:user/offline", "userId": "AIDAOFFLINE", "id": ACCOUNT_ID}
        if tok == "aws:index/getRegion:getRegion":
            return {"name": region, "region": region, "id": region, "description": region, "endpoint": f"ec2.{region}.amazonaws.com"}
        if tok == "aws:index/getPartition:getPartition":
            return {"partition": "aws", "dnsSuffix": "amazonaws.com", "reverseDnsPrefix": "com.amazonaws", "id": "aws"}
        if tok == "aws:iam/getPolicyDocument:getPolicyDocument":
            return {"json": _render_policy_document(a), "minifiedJson": json.dumps(json.loads(_render_policy_document(a))), "id": _short_hash(json.dumps(a, sort_keys=True), 10)}
        if tok == "aws:ec2/getVpc:getVpc":
            return {"id": a.get("id", "vpc-0abc"), "cidrBlock": "10.90.0.0/16", "arn": _arn("ec2", region, f"vpc/{a.get('id')}")}
        if tok == "aws:ec2/getSubnet:getSubnet":
            sid = a.get("id", "subnet-0")
            index = int(_short_hash(sid, 2), 16) % 3
            return {"id": sid, "availabilityZone": f"{region}{'abc'[index]}", "cidrBlock": f"10.90.{index}.0/24", "vpcId": a.get("vpcId", "")}
        if tok == "aws:ec2/getManagedPrefixList:getManagedPrefixList":
            name = str(a.get("name"))
            return {"id": MANAGED_PREFIX_LISTS.get(name, f"pl-{_short_hash(name, 8)}"), "name": name,
                    "addressFamily": "IPv4", "maxEntries": 55, "ownerId": "AWS", "entries": []}
        if tok == "aws:elb/getServiceAccount:getServiceAccount":
            account = ELB_SERVICE_ACCOUNTS.get(str(a.get("region") or region), "127311923021")
            return {"id": account, "arn": f"arn:aws:iam::{account}:root", "region": region}
        if tok == "vercel:index/getTeamConfig:getTeamConfig":
            team = str(a.get("id", ""))
            return {"id": team, "slug": vercel_team_slug(team)}
        if tok == "aws:cloudfront/getOriginRequestPolicy:getOriginRequestPolicy":
            return {"id": MANAGED_ORIGIN_REQUEST_POLICIES.get(a.get("name"), _uuid(str(a.get("name")))), "name": a.get("name")}
        return {}


def _position(pos: Any) -> Optional[tuple[str, int]]:
    """(path, line) of a SourcePosition message (a file:// URI and a line)."""
    parsed = urlparse(pos.uri)
    if parsed.scheme != "file" or not parsed.path:
        return None
    return unquote(parsed.path), int(pos.line)


class _RecordingMonitor(pulumi_mocks.MockMonitor):
    """A MockMonitor that keeps each full registration request."""

    def __init__(self, mocks: _Mocks):
        super().__init__(mocks)
        self.records: dict[str, Resource] = {}
        self.order: list[str] = []
        self.stack_urn: Optional[str] = None
        self.stack_outputs: dict[str, Any] = {}
        self._lock = threading.Lock()

    def RegisterResource(self, request):
        urn = self.make_urn(request.parent, request.type, request.name)
        if request.type == "pulumi:pulumi:Stack":
            self.stack_urn = urn
            return resource_pb2.RegisterResourceResponse(urn=urn)
        raw = MessageToDict(request.object, preserving_proto_field_name=True) if request.object else {}
        inputs = _from_wire(raw)
        mocks: _Mocks = self.mocks  # type: ignore[assignment]
        if request.type.startswith("pulumi:providers:"):
            mocks.provider_regions[urn] = _plain(inputs).get("region", mocks.region)
        args = pulumi_mocks.MockResourceArgs(
            typ=request.type, name=request.name, inputs=inputs, provider=request.provider,
            resource_id=request.importId, custom=request.custom or False,
        )
        rid, state = (None, {}) if not request.custom else mocks.new_resource(args)
        # Like the engine: outputs listed in additionalSecretOutputs come back secret.
        for key in request.additionalSecretOutputs:
            if key in state and not isinstance(state[key], Secret):
                state[key] = Secret(state[key])
        record = Resource(
            urn=urn,
            type=request.type,
            name=request.name,
            custom=bool(request.custom),
            parent=request.parent or None,
            inputs=inputs,
            state=state,
            # Sets in the engine's eyes; sorted so plans are repeatable.
            dependencies=sorted(set(request.dependencies)),
            property_dependencies={k: sorted(set(v.urns)) for k, v in sorted(request.propertyDependencies.items())},
            provider=request.provider,
            providers=dict(request.providers),
            protect=bool(request.protect),
            retain_on_delete=bool(request.retainOnDelete),
            delete_before_replace=bool(request.deleteBeforeReplace),
            ignore_changes=list(request.ignoreChanges),
            replace_on_changes=list(request.replaceOnChanges),
            additional_secret_outputs=list(request.additionalSecretOutputs),
            aliases=[MessageToDict(a) for a in request.aliases],
            deleted_with=request.deletedWith,
            id=rid,
            source=_position(request.sourcePosition) if request.HasField("sourcePosition") else None,
            stack_trace=tuple(p for p in (_position(f.pc) for f in request.stackTrace.frames if f.HasField("pc")) if p),
        )
        with self._lock:
            if urn in self.records:
                raise ValueError(f"duplicate resource URN {urn}: two resources share the name {request.name!r}")
            self.records[urn] = record
            self.order.append(urn)
        self.resources[urn] = pulumi_mocks.MockMonitor.ResourceRegistration(urn, rid or "", _plain(state))
        return resource_pb2.RegisterResourceResponse(urn=urn, id=rid or "", object=_struct(state))

    def RegisterResourceOutputs(self, request):
        outputs = _from_wire(MessageToDict(request.outputs)) if request.outputs else {}
        if request.urn == self.stack_urn:
            self.stack_outputs = outputs
        elif request.urn in self.records:
            self.records[request.urn].component_outputs = outputs
        return empty_pb2.Empty()


# ---------------------------------------------------------------------- entry points


async def _wait_for_rpcs(await_all_outstanding_tasks: bool = True) -> None:
    """``pulumi.runtime.stack.wait_for_rpcs`` with the same semantics, in linear time.

    The SDK waits for outstanding outputs with ``asyncio.wait(..., FIRST_COMPLETED)`` in a
    loop, re-registering a callback on every pending task each time one finishes: quadratic
    in the number of outputs. Waiting for all pending outputs at once, then for any created
    meanwhile, reaches the same quiescent state. Measured on this repository's prod stack
    (271 resources) the stock wait costs 22 % more per program run, and the gap grows with
    the stack (benchmarks/README.md, "The SDK's wait").

    Uses only public names of the SDK (``Settings.rpc_manager``, ``.outputs``, ``.lock``;
    ``RPCManager.rpcs``, ``.unhandled_exception``, ``.exception_traceback``); ``sdk_problems``
    checks their shape before each run, and the stock wait runs when it differs.
    """
    state = settings.SETTINGS
    rpc_manager = state.rpc_manager
    while True:
        while rpc_manager.rpcs:
            await asyncio.sleep(0)
            await rpc_manager.rpcs.pop()
        if rpc_manager.unhandled_exception is not None:
            raise rpc_manager.unhandled_exception.with_traceback(rpc_manager.exception_traceback)
        if await_all_outstanding_tasks:
            while True:
                with state.lock:
                    if not state.outputs:
                        break
                    pending = list(state.outputs)
                    state.outputs.clear()
                done, _ = await asyncio.wait(pending, return_when=asyncio.ALL_COMPLETED)
                for task in done:
                    await task
        if not rpc_manager.rpcs:
            break


def sdk_problems() -> list[str]:
    """What about the installed Pulumi SDK the offline engine cannot rely on (empty: all of it).

    The engine uses the SDK's public runtime API: ``configure`` with ``mocks.MockSettings``
    and a ``mocks.MockMonitor``, ``set_all_config``, ``settings.set_root_resource`` and
    ``run_in_stack``, run on its own asyncio loop as Pulumi's language host does. Its one
    substitution, ``_wait_for_rpcs``, needs the shapes checked here; without them the stock
    wait runs (slower, same plans). CI runs the tests against the newest Pulumi release
    (.github/workflows/sdk-canary.yml), where ``test_engine`` fails on any problem listed.
    """
    problems = []
    for module, names in ((pulumi.runtime, ("configure", "set_all_config", "run_in_stack")),
                          (settings, ("set_root_resource", "get_root_resource", "SETTINGS")),
                          (pulumi_mocks, ("MockMonitor", "MockSettings", "MockEngine", "MockResourceArgs", "Mocks")),
                          (pulumi_stack, ("wait_for_rpcs",))):
        problems += [f"{module.__name__}.{name} is missing" for name in names if not hasattr(module, name)]
    state = getattr(settings, "SETTINGS", None)
    manager = getattr(state, "rpc_manager", None)
    if not isinstance(getattr(manager, "rpcs", None), list):
        problems.append("Settings.rpc_manager.rpcs is not a list")
    for name in ("unhandled_exception", "exception_traceback"):
        if not hasattr(manager, name):
            problems.append(f"RPCManager.{name} is missing")
    if not isinstance(getattr(state, "outputs", None), set):
        problems.append("Settings.outputs is not a set")
    if not hasattr(getattr(state, "lock", None), "__enter__"):
        problems.append("Settings.lock is not a lock")
    return problems


_RUN_LOCK = threading.Lock()


@contextmanager
def gc_paused():
    """Pause Python's cyclic garbage collector for a bounded burst of work.

    Importing pulumi_aws creates some 400,000 long-lived objects (its type modules
    build thousands of classes), and a program run allocates many more (outputs, tasks,
    futures) that all live until the run ends. With the collector on, every full collection
    walks that whole heap again; measured on the prod stack this was about half of a cold
    ``webstack check`` (benchmarks/README.md). Reference counting still frees everything
    that is not in a cycle while paused, and the cycles a run leaves behind are collected
    once the collector resumes. Nested use is fine; a collector that was already off stays off.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


@contextmanager
def _program_environment(work_dir: Optional[Path]):
    """What the Pulumi language host gives a program: its directory as the working
    directory and first on ``sys.path`` (restored afterwards)."""
    if work_dir is None:
        yield
        return
    cwd = os.getcwd()
    path = list(sys.path)
    os.chdir(work_dir)
    sys.path.insert(0, str(work_dir))
    try:
        yield
    finally:
        os.chdir(cwd)
        sys.path[:] = path


def _event_loop() -> asyncio.AbstractEventLoop:
    """The thread's current asyncio loop, made (and set current) when there is none.

    The Pulumi CLI runs one program per process on a new loop. Here several runs share a
    process, and outputs made outside a run (by tests, or by a program module's top level,
    imported once) belong to the loop that was current when they were made: reusing that
    loop, as the SDK's own synchronous helpers do, lets later runs await them."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        try:
            loop = asyncio.get_event_loop()
        except RuntimeError:  # no current loop in this thread
            loop = None
    if loop is None or loop.is_closed():
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
    return loop


def _run(program: Callable[[], Any]) -> None:
    """Run ``program`` in a new stack, like ``pulumi-language-python-exec``."""
    _event_loop().run_until_complete(pulumi.runtime.run_in_stack(program))


def synth(
    program: Callable[[], Any],
    *,
    project: str = "webstack",
    stack: str = "test",
    config: Optional[dict[str, Any]] = None,
    secret_keys: Iterable[str] = (),
    preview: bool = False,
    placeholders: Iterable[str] = (),
    work_dir: Optional[Path] = None,
) -> Plan:
    """Run ``program`` under the offline engine and return what it registered.

    ``config`` maps full keys (``"aws:region"``, ``"webstack:database"``) to values; objects
    are passed as JSON text, exactly as the Pulumi CLI hands them to a program. With
    ``work_dir`` the program runs there, with that directory first on ``sys.path``.
    """
    config = dict(config or {})
    region = str(config.get("aws:region", "us-east-1"))
    wire_config = {k: v if isinstance(v, str) else json.dumps(v) for k, v in config.items()}
    mocks = _Mocks(region)
    monitor = _RecordingMonitor(mocks)
    # Program log messages go to Python logging (debug chatter hidden, warnings shown).
    engine = pulumi_mocks.MockEngine(logging.getLogger("webstack.offline"))
    fast_wait = not sdk_problems()
    with _RUN_LOCK, gc_paused(), _program_environment(work_dir):
        pulumi.runtime.set_all_config(wire_config, list(secret_keys))
        settings.set_root_resource(None)  # type: ignore[arg-type]  # a new stack for this run
        pulumi.runtime.configure(
            pulumi_mocks.MockSettings(
                monitor=monitor,
                monitor_features=set(monitor.GetDeploymentInfo(empty_pb2.Empty()).supportedFeatures),
                engine=engine,
                project=project,
                stack=stack,
                dry_run=preview,
                organization="organization",
                root_directory=str(work_dir) if work_dir else None,
                callbacks=None,
            )
        )
        original_wait = pulumi_stack.wait_for_rpcs
        if fast_wait:
            pulumi_stack.wait_for_rpcs = _wait_for_rpcs
        try:
            _run(program)
        except BaseException as exc:
            # Lets callers (and tests) see how far a failing program got: a config error
            # must leave this empty.
            exc.registered = [monitor.records[urn] for urn in monitor.order]  # type: ignore[attr-defined]
            raise
        finally:
            pulumi_stack.wait_for_rpcs = original_wait
            settings.set_root_resource(None)  # type: ignore[arg-type]
            pulumi.runtime.set_all_config({}, [])
    resources = [monitor.records[urn] for urn in monitor.order]
    plan = Plan(project, stack, resources, monitor.stack_outputs, placeholders, config)
    return Plan(project, stack, _creation_order(plan), monitor.stack_outputs, placeholders, config)


def _creation_order(plan: Plan) -> list[Resource]:
    """Resources in a deterministic order: providers and components first, then custom
    resources by the wave in which they can be created, ties by URN.

    Registration order is not stable: resources whose inputs resolve at the same moment
    (replicas of one primary, say) register from concurrent threads in any order. Plans must
    be byte-for-byte repeatable for diffs and reviews, and the wave order reads as what
    ``pulumi up`` does first.
    """
    waves = plan.creation_waves()
    return sorted(plan.resources, key=lambda r: (waves.get(r.urn, 0), r.urn))


def project_config(root: Optional[Path] = None) -> tuple[str, dict[str, Any]]:
    """(project name, full-key config) that the project file in ``root`` gives every stack:
    the ``default`` (or ``value``) of each declared key, as the Pulumi CLI applies them."""
    project = load_project(root)
    return project.name, dict(project.defaults)


def program_path(root: Path) -> Path:
    """The file the Pulumi CLI runs for the project at ``root``: ``main`` of ``Pulumi.yaml``
    (default: the project directory), and a directory's ``__main__.py``."""
    return load_project(root).program_file


def load_stack_config(stack: str, root: Optional[Path] = None) -> tuple[str, dict[str, Any], list[str]]:
    """(project name, full-key config, keys replaced by placeholders) for ``stack``.

    Reads project-level values from ``Pulumi.yaml`` and the stack's own from
    ``Pulumi.<stack>.yaml``; ``secure:`` values become placeholders (they need the stack's
    secrets provider to decrypt, which an offline plan does not have).
    """
    project = load_project(root)
    if not project.stack_file(stack).is_file():
        raise FileNotFoundError(f"no stack file {project.stack_file(stack).name}; stacks: {', '.join(project.stacks())}")
    config = _load_stack_config(project, stack)
    return config.project, config.values, config.placeholders


_PROGRAM_MODULE = "infra.program"
_program_preloaded = False


def preload(module: str) -> None:
    """Import ``module`` with the GC paused, then freeze everything alive out of the GC.

    What a module import builds (classes, functions, type hints; for pulumi_aws some 300,000
    objects) lives until the process ends, yet Python's cyclic GC would walk all of it in
    every full collection, including the ones the interpreter runs at exit: about a second
    of a cold ``webstack check prod`` (benchmarks/README.md). ``gc.freeze`` moves everything
    alive now into the permanent generation, which collections skip. An import error
    propagates, and nothing is frozen.
    """
    with gc_paused():
        importlib.import_module(module)
    gc.freeze()


def _preload_program(root: Path) -> None:
    """``preload`` this repository's stack program (``infra.program``), once per process,
    before the first run. Another project's program is left alone: its imports run with
    the collector paused anyway, and the CLI freezes what is alive before it exits.
    Best effort: an import error is left for the run itself to raise, exactly as it would
    without this step.
    """
    global _program_preloaded
    if _program_preloaded or Path(root).resolve() != ROOT or not (ROOT / "infra" / "program.py").is_file():
        return
    _program_preloaded = True
    if str(ROOT) not in sys.path:  # as infra/__main__.py does when the program runs
        sys.path.insert(0, str(ROOT))
    try:
        preload(_PROGRAM_MODULE)
    except Exception:  # noqa: BLE001 - the program run reports it
        return


def synth_stack(
    stack: str,
    overrides: Optional[dict[str, Any]] = None,
    *,
    root: Optional[Path] = None,
    preview: bool = False,
    sets: Sequence[ConfigSet] = (),
) -> Plan:
    """Run the project's program (``main`` of ``Pulumi.yaml``) with ``Pulumi.<stack>.yaml``.

    ``overrides`` replaces whole config keys (``{"webstack:app": {...}}``; ``None`` removes
    the key); then ``sets`` (``--set`` paths) are merged in, like ``pulumi config set --path``.
    The project is the one at ``root``, default: found from the current directory.
    """
    project = load_project(root)
    if not project.stack_file(stack).is_file():
        raise FileNotFoundError(f"no stack file {project.stack_file(stack).name}; stacks: {', '.join(project.stacks())}")
    loaded = _load_stack_config(project, stack)
    config = dict(loaded.values)
    for key, value in (overrides or {}).items():
        if value is None:
            config.pop(key, None)
        else:
            config[key] = value
    config = apply_sets(config, sets)
    main = project.program_file
    _preload_program(project.root)
    return synth(
        lambda: runpy.run_path(str(main), run_name="__main__"),
        project=project.name,
        stack=stack,
        config=config,
        secret_keys=loaded.placeholders,
        preview=preview,
        placeholders=loaded.placeholders,
        work_dir=project.work_dir,
    )
