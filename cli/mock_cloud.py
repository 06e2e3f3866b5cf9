"""The offline engine's cloud: what a provider would answer for each resource and invoke.

Programs read attributes only the cloud knows (an RDS endpoint, a distribution's domain
name, a certificate's validation records, a role's ARN) and call invokes (availability
zones, caller identity, IAM policy documents). ``MockCloud`` answers them the way the real
providers shape them, deterministically: every id and name is a hash of the resource's type
and logical name, so two runs of one program give byte-for-byte the same plan.

One table per question: ``ID_PREFIXES`` / ``_ID_SHAPES`` (the id AWS would give),
``_ATTRIBUTES`` (what a create returns, per resource type) and ``_INVOKES`` (per invoke
token). A type the tables do not know gets ``<name>-<hash>`` and, on AWS, an ARN of the
usual shape.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any, Callable, Optional

from pulumi.runtime import mocks as pulumi_mocks

from pulumi_webstack_cli.plan import Secret, Unknown

ACCOUNT_ID = "123456789012"
VERCEL_ACCOUNT_ID = "210987654321"
"""The AWS account a Vercel Secure Compute network answers with (Vercel's, not the stack's)."""

# Managed origin request policies a program looks up by name (ids are AWS's, global).
MANAGED_ORIGIN_REQUEST_POLICIES = {
    "Managed-AllViewer": "216adef6-5c7f-47e4-b989-5492eafa07d3",
    "Managed-AllViewerExceptHostHeader": "b689b0a8-53d0-40ab-baf2-68738e2966ac",
    "Managed-CORS-S3Origin": "88a5eaf4-2fd4-4709-b370-b4c650ea3fcf",
}

# Hosted zone of Application Load Balancers per region (Elastic Load Balancing endpoints).
ELB_ZONE_IDS = {"us-east-1": "Z35SXDOTRQ7X7K", "us-west-2": "Z1H1FL5HABSF5", "eu-west-1": "Z32O12XQLNTSW2",
                "eu-central-1": "Z215JYRZR1TBD5"}

# AWS-managed prefix lists a program looks up by name (ids differ per region; these are us-east-1's).
MANAGED_PREFIX_LISTS = {
    "com.amazonaws.global.cloudfront.origin-facing": "pl-3b927c52",
}


def short_hash(text: str, n: int = 17) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:n]


def uuid(seed: str) -> str:
    h = short_hash(seed, 32)
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:32]}"


def arn(service: str, region: str, resource: str, account: str = ACCOUNT_ID) -> str:
    return f"arn:aws:{service}:{region}:{account}:{resource}"


def unwrap_secrets(value: Any) -> Any:
    """``value`` with every ``Secret`` replaced by what it wraps (for computing answers)."""
    if isinstance(value, Secret):
        return unwrap_secrets(value.value)
    if isinstance(value, dict):
        return {k: unwrap_secrets(v) for k, v in value.items()}
    if isinstance(value, list):
        return [unwrap_secrets(v) for v in value]
    return value


def vercel_team_slug(team_id: str) -> str:
    """The slug the offline engine answers for a Vercel team id (``team_abc123`` -> ``abc123``)."""
    return "".join(c if c.isalnum() else "-" for c in team_id.removeprefix("team_").lower()) or "team"


# ------------------------------------------------------------------------------ ids

ID_PREFIXES = {
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
    "aws:ec2/route:Route": "r-",
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": "sgr-",
    "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": "sgr-",
    "vercel:index/network:Network": "net_",
}
"""Types whose id is an AWS-style prefix and a hash (``sg-…``)."""

_ID_SHAPES: dict[str, Callable[[str], str]] = {
    "aws:cloudfront/distribution:Distribution": lambda seed: "E" + short_hash(seed, 13).upper(),
    "aws:route53/zone:Zone": lambda seed: "Z" + short_hash(seed, 20).upper(),
    "aws:route53/healthCheck:HealthCheck": uuid,
    "aws:fis/experimentTemplate:ExperimentTemplate": lambda seed: "EXT" + short_hash(seed, 14).upper(),
}
"""Types whose id has a shape of its own."""

_NAMED_BY_INPUT = ("name", "bucket", "identifier", "replicationGroupId", "functionName", "clusterIdentifier")


def physical_name(inputs: dict[str, Any], name: str, salt: str = "") -> str:
    """The name AWS would show: an explicit name input, else Pulumi's auto-name shape.

    Ids salt the hash with the type (two resources may share a logical name across types);
    ARNs do not.
    """
    for key in _NAMED_BY_INPUT:
        if isinstance(inputs.get(key), str) and inputs[key]:
            return inputs[key]
    return f"{name}-{short_hash(salt + name, 7)}"


def resource_id(typ: str, name: str, inputs: dict[str, Any]) -> str:
    if typ in _ID_SHAPES:
        return _ID_SHAPES[typ](typ + name)
    if typ in ID_PREFIXES:
        return ID_PREFIXES[typ] + short_hash(typ + name)
    return physical_name(inputs, name, salt=typ)


# ----------------------------------------------------------------- resource attributes


@dataclass(frozen=True)
class Created:
    """A resource being created: what an answer may look at."""

    name: str
    inputs: dict[str, Any]
    region: str
    id: str

    @property
    def physical(self) -> str:
        return physical_name(self.inputs, self.name)


def _rds_instance(r: Created) -> dict[str, Any]:
    host = f"{r.physical}.c{short_hash(r.physical, 10)}.{r.region}.rds.amazonaws.com"
    secret = arn("secretsmanager", r.region, f"secret:rds!db-{short_hash(r.physical, 8)}-AbCdEf")
    return dict(address=host, endpoint=f"{host}:5432", port=r.inputs.get("port", 5432),
                arn=arn("rds", r.region, f"db:{r.physical}"), resourceId=f"db-{short_hash(r.physical, 26).upper()}",
                hostedZoneId="Z2R2ITUGPM61AM",
                masterUserSecrets=[{"secretArn": secret, "secretStatus": "active",
                                    "kmsKeyId": r.inputs.get("masterUserSecretKmsKeyId", "")}])


def _rds_proxy(r: Created) -> dict[str, Any]:
    return dict(endpoint=f"{r.physical}.proxy-c{short_hash(r.physical, 10)}.{r.region}.rds.amazonaws.com",
                arn=arn("rds", r.region, f"db-proxy:prx-{short_hash(r.physical, 17)}"))


def _rds_proxy_endpoint(r: Created) -> dict[str, Any]:
    return dict(endpoint=f"{r.physical}.endpoint.proxy-c{short_hash(r.physical, 10)}.{r.region}.rds.amazonaws.com",
                arn=arn("rds", r.region, f"db-proxy-endpoint:prx-endpoint-{short_hash(r.physical, 17)}"))


def _replication_group(r: Created) -> dict[str, Any]:
    group = r.inputs.get("replicationGroupId", r.physical)
    host = f"{group}.{short_hash(group, 6)}.use1.cache.amazonaws.com"
    return dict(primaryEndpointAddress=f"master.{host}", readerEndpointAddress=f"replica.{host}",
                port=r.inputs.get("port", 6379), arn=arn("elasticache", r.region, f"replicationgroup:{group}"),
                memberClusters=[f"{group}-00{i + 1}" for i in range(int(r.inputs.get("numCacheClusters", 1) or 1))])


def _hosted_zone(r: Created) -> dict[str, Any]:
    private = bool(r.inputs.get("vpcs"))
    return dict(zoneId=r.id, arn=f"arn:aws:route53:::hostedzone/{r.id}",
                nameServers=[] if private else [f"ns-{i}.awsdns-{i:02d}.org" for i in range(4)])


def _distribution(r: Created) -> dict[str, Any]:
    return dict(domainName=f"d{short_hash(r.name, 13)}.cloudfront.net", hostedZoneId="Z2FDTNDATAQYW2",
                arn=f"arn:aws:cloudfront::{ACCOUNT_ID}:distribution/{r.id}", status="Deployed", etag="E2QWRUHEXAMPLE")


def _certificate(r: Created) -> dict[str, Any]:
    domains = [r.inputs.get("domainName", "example.com"), *(r.inputs.get("subjectAlternativeNames") or [])]
    return dict(arn=arn("acm", r.region, f"certificate/{uuid(r.name)}"), status="ISSUED",
                domainValidationOptions=[{"domainName": d, "resourceRecordName": f"_{short_hash(d, 32)}.{d}.",
                                          "resourceRecordType": "CNAME",
                                          "resourceRecordValue": f"_{short_hash(d + 'v', 32)}.acm-validations.aws."}
                                         for d in domains])


def _web_acl(r: Created) -> dict[str, Any]:
    scope = "global" if r.inputs.get("scope") == "CLOUDFRONT" else "regional"
    return dict(arn=f"arn:aws:wafv2:{r.region}:{ACCOUNT_ID}:{scope}/webacl/{r.physical}/{uuid(r.name)}", capacity=700)


def _bucket(r: Created) -> dict[str, Any]:
    return dict(arn=f"arn:aws:s3:::{r.physical}", bucket=r.physical, bucketDomainName=f"{r.physical}.s3.amazonaws.com",
                bucketRegionalDomainName=f"{r.physical}.s3.{r.region}.amazonaws.com", region=r.region)


def _bucket_object(r: Created) -> dict[str, Any]:
    # S3 gives every write of a versioned object a new version: derived from the content.
    content = json.dumps(r.inputs.get("source") or r.inputs.get("content"), sort_keys=True, default=str)
    return dict(versionId=short_hash(content, 32), etag=short_hash(content, 32),
                arn=f"arn:aws:s3:::{r.inputs.get('bucket')}/{r.inputs.get('key')}")


def _kms_key(r: Created) -> dict[str, Any]:
    key_id = uuid(r.name)
    return dict(keyId=key_id, arn=arn("kms", r.region, f"key/{key_id}"))


def _vpc(r: Created) -> dict[str, Any]:
    return dict(arn=arn("ec2", r.region, f"vpc/{r.id}"), defaultSecurityGroupId=f"sg-{short_hash(r.name + 'default')}",
                mainRouteTableId=f"rtb-{short_hash(r.name + 'main')}", defaultNetworkAclId=f"acl-{short_hash(r.name)}")


def _vpc_endpoint(r: Created) -> dict[str, Any]:
    service = r.inputs.get("serviceName", "")
    if r.inputs.get("vpcEndpointType") == "Gateway":
        found: dict[str, Any] = dict(prefixListId=f"pl-{short_hash(str(service), 8)}")
    else:
        found = dict(dnsEntries=[{"dnsName": f"{r.id}.{service}.vpce.amazonaws.com", "hostedZoneId": "Z7HUB22UULQXV"}])
    return dict(arn=arn("ec2", r.region, f"vpc-endpoint/{r.id}"), state="available", **found)


def _load_balancing(kind: str) -> Callable[[Created], dict[str, Any]]:
    def answer(r: Created) -> dict[str, Any]:
        suffix = f"{kind}/{r.physical[:32]}/{short_hash(r.name + kind, 16)}"
        out = dict(arn=arn("elasticloadbalancing", r.region, suffix), arnSuffix=suffix, name=r.physical[:32])
        if kind == "loadbalancer/app":
            out.update(dnsName=f"{r.physical[:32]}-{int(short_hash(r.name, 8), 16)}.{r.region}.elb.amazonaws.com",
                       zoneId=ELB_ZONE_IDS.get(r.region, "Z35SXDOTRQ7X7K"))
        return out
    return answer


def _listener(kind: str) -> Callable[[Created], dict[str, Any]]:
    return lambda r: dict(arn=arn("elasticloadbalancing", r.region, f"{kind}/app/{short_hash(r.name + kind, 16)}"))


def _task_definition(r: Created) -> dict[str, Any]:
    family = r.inputs.get("family", r.physical)
    return dict(arn=arn("ecs", r.region, f"task-definition/{family}:1"),
                arnWithoutRevision=arn("ecs", r.region, f"task-definition/{family}"), revision=1)


def _vercel_network(r: Created) -> dict[str, Any]:
    # The network is a VPC in Vercel's account, in the AWS region of its Vercel region.
    from pulumi_webstack.secure_compute import VERCEL_REGIONS

    return dict(vpcId=f"vpc-{short_hash(r.name + 'vercel')}", awsAccountId=VERCEL_ACCOUNT_ID,
                awsRegion=VERCEL_REGIONS.get(str(r.inputs.get("region")), r.region), status="ready",
                egressIpAddresses=["203.0.113.10", "203.0.113.11"])


def _named_arn(service: str, resource: str, by: str = "") -> Callable[[Created], dict[str, Any]]:
    """An ARN ``arn:aws:<service>:<region>:<account>:<resource><name>``: the name is the
    ``by`` input when given and set, else the physical name."""
    return lambda r: dict(arn=arn(service, r.region, resource + str(r.inputs.get(by) or r.physical)))


def _id_arn(service: str, resource: str) -> Callable[[Created], dict[str, Any]]:
    return lambda r: dict(arn=arn(service, r.region, resource + r.id))


_ETAG_ONLY = dict(etag="E23ZP02F085DFQ")

_ATTRIBUTES: dict[str, Callable[[Created], dict[str, Any]]] = {
    "aws:rds/instance:Instance": _rds_instance,
    "aws:rds/proxy:Proxy": _rds_proxy,
    "aws:rds/proxyDefaultTargetGroup:ProxyDefaultTargetGroup": lambda r: dict(
        name="default", arn=arn("rds", r.region, f"target-group:prx-tg-{short_hash(r.name, 17)}")),
    "aws:rds/proxyEndpoint:ProxyEndpoint": _rds_proxy_endpoint,
    "aws:elasticache/replicationGroup:ReplicationGroup": _replication_group,
    "aws:route53/zone:Zone": _hosted_zone,
    "aws:route53/record:Record": lambda r: dict(fqdn=str(r.inputs.get("name", "")).rstrip(".")),
    "aws:route53/healthCheck:HealthCheck": lambda r: dict(arn=f"arn:aws:route53:::healthcheck/{r.id}"),
    "aws:cloudfront/distribution:Distribution": _distribution,
    "aws:cloudfront/responseHeadersPolicy:ResponseHeadersPolicy": lambda r: dict(_ETAG_ONLY),
    "aws:cloudfront/cachePolicy:CachePolicy": lambda r: dict(_ETAG_ONLY),
    "aws:cloudfront/originRequestPolicy:OriginRequestPolicy": lambda r: dict(_ETAG_ONLY),
    "aws:cloudfront/originAccessControl:OriginAccessControl": lambda r: dict(_ETAG_ONLY),
    "aws:acm/certificate:Certificate": _certificate,
    "aws:wafv2/webAcl:WebAcl": _web_acl,
    "aws:s3/bucket:Bucket": _bucket,
    "aws:s3/bucketV2:BucketV2": _bucket,
    "aws:s3/bucketObjectv2:BucketObjectv2": _bucket_object,
    "aws:kms/key:Key": _kms_key,
    "aws:kms/alias:Alias": lambda r: dict(arn=arn("kms", r.region, r.inputs.get("name", f"alias/{r.name}"))),
    "aws:sns/topic:Topic": _named_arn("sns", ""),
    # A role's id is its name (auto-named when the program gives none), and its ARN ends in it.
    "aws:iam/role:Role": lambda r: dict(name=r.id, arn=f"arn:aws:iam::{ACCOUNT_ID}:role/{r.id}",
                                        uniqueId=f"AROA{short_hash(r.id, 17).upper()}"),
    "aws:iam/policy:Policy": lambda r: dict(arn=f"arn:aws:iam::{ACCOUNT_ID}:policy/{r.physical}"),
    "aws:iam/openIdConnectProvider:OpenIdConnectProvider": lambda r: dict(
        arn=f"arn:aws:iam::{ACCOUNT_ID}:oidc-provider/{str(r.inputs.get('url', r.name)).removeprefix('https://')}"),
    "aws:cloudwatch/logGroup:LogGroup": _named_arn("logs", "log-group:"),
    "aws:cloudwatch/metricAlarm:MetricAlarm": _named_arn("cloudwatch", "alarm:"),
    "aws:cloudwatch/compositeAlarm:CompositeAlarm": _named_arn("cloudwatch", "alarm:", by="alarmName"),
    "aws:cloudwatch/eventRule:EventRule": _named_arn("events", "rule/"),
    "aws:cloudwatch/logDeliverySource:LogDeliverySource": _named_arn("logs", "delivery-source:"),
    "aws:cloudwatch/logDeliveryDestination:LogDeliveryDestination": _named_arn("logs", "delivery-destination:"),
    "aws:secretsmanager/secret:Secret": lambda r: dict(
        arn=arn("secretsmanager", r.region, f"secret:{r.physical}-{short_hash(r.physical, 6)}")),
    "aws:backup/vault:Vault": lambda r: dict(arn=arn("backup", r.region, f"backup-vault:{r.physical}"), recoveryPoints=0),
    "aws:backup/plan:Plan": lambda r: dict(arn=arn("backup", r.region, f"backup-plan:{r.id}"),
                                           version=short_hash(r.name, 32)),
    "aws:ec2/vpc:Vpc": _vpc,
    "aws:ec2/subnet:Subnet": _id_arn("ec2", "subnet/"),
    "aws:ec2/securityGroup:SecurityGroup": _id_arn("ec2", "security-group/"),
    "aws:ec2/vpcEndpoint:VpcEndpoint": _vpc_endpoint,
    "aws:ec2/vpcPeeringConnectionAccepter:VpcPeeringConnectionAccepter": lambda r: dict(
        acceptStatus="active", vpcId=f"vpc-{short_hash('accepter' + r.name)}"),
    "aws:synthetics/canary:Canary": lambda r: dict(
        arn=arn("synthetics", r.region, f"canary:{r.physical}"), status="RUNNING",
        engineArn=arn("lambda", r.region, f"function:cwsyn-{r.physical}-{uuid(r.name)}:1")),
    "aws:fis/experimentTemplate:ExperimentTemplate": _id_arn("fis", "experiment-template/"),
    "aws:lb/loadBalancer:LoadBalancer": _load_balancing("loadbalancer/app"),
    "aws:lb/targetGroup:TargetGroup": _load_balancing("targetgroup"),
    "aws:lb/listener:Listener": _listener("listener"),
    "aws:lb/listenerRule:ListenerRule": _listener("listener-rule"),
    "aws:ecs/cluster:Cluster": lambda r: dict(arn=arn("ecs", r.region, f"cluster/{r.physical}"), name=r.physical),
    "aws:ecs/service:Service": lambda r: dict(arn=arn("ecs", r.region, f"service/{r.physical}"), name=r.physical),
    "aws:ecs/taskDefinition:TaskDefinition": _task_definition,
    "vercel:index/network:Network": _vercel_network,
}
"""Per resource type: the attributes its provider computes that programs commonly read."""


def _kubernetes_object(r: Created) -> dict[str, Any]:
    metadata = dict(r.inputs.get("metadata") or {})
    metadata.setdefault("name", f"{r.name}-{short_hash(r.name, 8)}")
    return dict(metadata=metadata)


def _random(typ: str, r: Created) -> dict[str, Any]:
    length = int(r.inputs.get("length", 32) or 32)
    result = (short_hash("random" + r.name, 40) * 4)[:length]
    # Only RandomPassword's result is a secret (additionalSecretOutputs); RandomString's is not.
    return dict(result=Secret(result) if typ == "random:index/randomPassword:RandomPassword" else result)


def _any_aws(typ: str, r: Created) -> dict[str, Any]:
    """An ARN of the usual shape for an AWS type the table does not know (unless the
    resource takes its ARN as an input)."""
    if "arn" in r.inputs:
        return {}
    service = typ.split(":")[1].split("/")[0] if typ.count(":") == 2 else "aws"
    resource = typ.split(":")[2][0].lower() + typ.split(":")[2][1:]
    return dict(arn=arn(service, r.region, f"{resource}/{r.physical}"))


def attributes(typ: str, created: Created) -> dict[str, Any]:
    """What creating a resource of ``typ`` returns beyond its inputs."""
    if typ in _ATTRIBUTES:
        return _ATTRIBUTES[typ](created)
    if typ.startswith("kubernetes:"):
        return _kubernetes_object(created)
    if typ.startswith("random:"):
        return _random(typ, created)
    if typ.startswith("aws:"):
        return _any_aws(typ, created)
    return {}


# -------------------------------------------------------------------------- invokes


def render_policy_document(args: dict[str, Any]) -> str:
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


def _availability_zones(region: str, a: dict[str, Any]) -> dict[str, Any]:
    return {"names": [f"{region}{c}" for c in "abcdef"], "zoneIds": [f"use1-az{i + 1}" for i in range(6)],
            "groupNames": [region] * 6, "id": region, "state": "available"}


def _policy_document(region: str, a: dict[str, Any]) -> dict[str, Any]:
    rendered = render_policy_document(a)
    return {"json": rendered, "minifiedJson": json.dumps(json.loads(rendered)),
            "id": short_hash(json.dumps(a, sort_keys=True), 10)}


def _subnet(region: str, a: dict[str, Any]) -> dict[str, Any]:
    subnet = a.get("id", "subnet-0")
    index = int(short_hash(subnet, 2), 16) % 3
    return {"id": subnet, "availabilityZone": f"{region}{'abc'[index]}", "cidrBlock": f"10.90.{index}.0/24",
            "vpcId": a.get("vpcId", "")}


def _managed_prefix_list(region: str, a: dict[str, Any]) -> dict[str, Any]:
    name = str(a.get("name"))
    return {"id": MANAGED_PREFIX_LISTS.get(name, f"pl-{short_hash(name, 8)}"), "name": name,
            "addressFamily": "IPv4", "maxEntries": 55, "ownerId": "AWS", "entries": []}


_INVOKES: dict[str, Callable[[str, dict[str, Any]], dict[str, Any]]] = {
    "aws:index/getAvailabilityZones:getAvailabilityZones": _availability_zones,
    "aws:index/getCallerIdentity:getCallerIdentity": lambda region, a: {
        "accountId": ACCOUNT_ID, "arn": f"arn:aws:iam::{ACCOUNT_ID}:user/offline", "userId": "AIDAOFFLINE",
        "id": ACCOUNT_ID},
    "aws:index/getRegion:getRegion": lambda region, a: {
        "name": region, "region": region, "id": region, "description": region,
        "endpoint": f"ec2.{region}.amazonaws.com"},
    "aws:index/getPartition:getPartition": lambda region, a: {
        "partition": "aws", "dnsSuffix": "amazonaws.com", "reverseDnsPrefix": "com.amazonaws", "id": "aws"},
    "aws:iam/getPolicyDocument:getPolicyDocument": _policy_document,
    "aws:ec2/getVpc:getVpc": lambda region, a: {
        "id": a.get("id", "vpc-0abc"), "cidrBlock": "10.90.0.0/16", "arn": arn("ec2", region, f"vpc/{a.get('id')}")},
    "aws:ec2/getSubnet:getSubnet": _subnet,
    "aws:ec2/getManagedPrefixList:getManagedPrefixList": _managed_prefix_list,
    "vercel:index/getTeamConfig:getTeamConfig": lambda region, a: {
        "id": str(a.get("id", "")), "slug": vercel_team_slug(str(a.get("id", "")))},
    "aws:cloudfront/getOriginRequestPolicy:getOriginRequestPolicy": lambda region, a: {
        "id": MANAGED_ORIGIN_REQUEST_POLICIES.get(a.get("name"), uuid(str(a.get("name")))), "name": a.get("name")},
}
"""Per invoke token: what the provider answers (in the region of the invoke's provider)."""


# ---------------------------------------------------------------------- the mocks


class MockCloud(pulumi_mocks.Mocks):
    """Pulumi's ``Mocks`` callbacks, answered from the tables above, in the region of each
    resource's provider (or its own ``region`` input)."""

    def __init__(self, region: str):
        self.region = region
        self.provider_regions: dict[str, str] = {}
        """Provider URN -> its region, recorded as providers register."""

    def region_of(self, provider_ref: Optional[str]) -> str:
        if provider_ref:
            return self.provider_regions.get(provider_ref.rsplit("::", 1)[0], self.region)
        return self.region

    def new_resource(self, args: pulumi_mocks.MockResourceArgs):
        if args.typ.startswith("pulumi:providers:"):
            return f"{args.name}-provider-id", dict(args.inputs)
        inputs = unwrap_secrets(args.inputs)
        # pulumi-aws 7: a resource's own ``region`` input overrides its provider's region.
        region = inputs.get("region") or self.region_of(args.provider)
        rid = resource_id(args.typ, args.name, inputs)
        computed = attributes(args.typ, Created(args.name, inputs, region, rid))
        if args.typ == "aws:kms/key:Key":
            rid = computed["keyId"]
        elif args.typ == "aws:ec2/vpcPeeringConnectionAccepter:VpcPeeringConnectionAccepter":
            rid = str(inputs.get("vpcPeeringConnectionId", rid))  # the accepter's id is the connection's
        return rid, {**args.inputs, "id": rid, **computed}

    def call(self, args: pulumi_mocks.MockCallArgs):
        answer = _INVOKES.get(args.token)
        return answer(self.region_of(args.provider), unwrap_secrets(args.args)) if answer else {}


class FirstDeployPreview(MockCloud):
    """The cloud as ``pulumi preview`` of a stack's first deploy sees it: a new resource's id
    and every output its inputs did not set are unknown, and so is every input built from
    one (a policy document holding an ARN, a replica's source). What a policy cannot judge
    then, it reports as unverifiable, as the analyzer does in a real preview."""

    def new_resource(self, args: pulumi_mocks.MockResourceArgs):
        rid, state = super().new_resource(args)
        if args.typ.startswith("pulumi:providers:"):
            return rid, state
        return "", {key: value if key in args.inputs and key != "id" else Unknown() for key, value in state.items()}
