"""Rules across the sections of a stack file: what depends on the tier, the region, the
platform, or on more than one section (each section's own checks are its Args').

They run over the sections that could be built; a section with problems of its own is left
to those.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from infra.presets import MIN_AZS, PLACEHOLDER_IMAGE, REPLICA_FLOOR, Tier
from infra.problems import Problem, Problems
from infra.sections import camel
from pulumi_webstack.drills import RecoverySetup, cron_interval_minutes, recovery_gaps
from pulumi_webstack.names import AVAILABILITY_ZONES
from pulumi_webstack.secure_compute import ENTERPRISE_NOTE, vercel_region

if TYPE_CHECKING:  # pragma: no cover
    from infra.config import StackKeys


def rules(tier: Tier, keys: "StackKeys", s: dict[str, Any], app_key: str, platform: str,
          await_peering: Any = None) -> list[Problem]:
    """Every rule across sections for a stack on ``platform``; ``s`` maps each section to
    its built Args (None where the section has problems of its own)."""
    problems = _rules(tier, keys, s, app_key)
    if s["app"] is None:
        return problems
    if platform == "vercel":
        return problems + _vercel_rules(tier, keys, s, app_key, await_peering)
    if platform == "ecs":
        return problems + _ecs_rules(keys, s, app_key)
    return problems + _kubernetes_rules(s, app_key)


def _rules(tier: Tier, keys: StackKeys, s: dict[str, Any], app_key: str) -> list[Problem]:
    """Rules that span sections, depend on the tier, or on the region, over the sections
    that could be built (a section with problems of its own is left to those)."""
    problems = Problems()
    db, network, app, backups = (s[name] for name in ("database", "network", "app", "backups"))
    if network is not None and network.vpc_id is None:
        azs = AVAILABILITY_ZONES.get(keys.region)
        if azs is not None and network.az_count > azs:
            problems.add("webstack:network.azCount", network.az_count,
                         f"{keys.region} has {azs} availability zones a new account can use; at most {azs}")
        elif network.az_count < MIN_AZS[tier]:
            problems.add("webstack:network.azCount", network.az_count,
                         f"{tier.value} spreads across at least {MIN_AZS[tier]} availability zones")
    for key, section, name in (("webstack:database.crossRegionReplica", db, "cross_region_replica"),
                               ("webstack:backups.copyRegion", backups, "copy_region")):
        other = getattr(section, name, None)
        if other is not None and other == keys.region:
            problems.add(key, other, f"must differ from aws:region ({keys.region}): a copy in the same region "
                                     "does not survive losing the region")
    if db is not None:
        if db.replicas < REPLICA_FLOOR[tier]:
            problems.add("webstack:database.replicas", db.replicas,
                         f"{tier.value} needs at least {REPLICA_FLOOR[tier]} read replica(s)")
        if tier is Tier.PROD and not db.deletion_protection and not db.allow_unprotected_prod:
            problems.add("webstack:database.deletionProtection", False,
                         "prod keeps deletion protection on; set database.allowUnprotectedProd: true to "
                         "override deliberately")
        if tier is Tier.PROD and db.skip_final_snapshot:
            problems.add("webstack:database.skipFinalSnapshot", True, "prod always keeps a final snapshot")
    problems.extend(_runtime_proof_rules(tier, keys, s))
    if app is not None and tier is Tier.PROD:
        if getattr(app, "preview_data_access", False):
            problems.add(f"{app_key}.previewDataAccess", True,
                         "prod data is never given to preview deployments (any branch could read it)")
        if getattr(app, "image", None) == PLACEHOLDER_IMAGE:
            problems.add(f"{app_key}.image", PLACEHOLDER_IMAGE,
                         "prod needs the image you deploy (registry/name@sha256:<digest>); this is the "
                         "placeholder dev and staging plan with")
    return problems


def _vercel_rules(tier: Tier, keys: StackKeys, s: dict[str, Any], app_key: str, await_peering: Any) -> list[Problem]:
    """The app on Vercel reaches the private data tier only through Secure Compute, peered."""
    problems = Problems()
    app, network = s["app"], s["network"]
    if vercel_region(keys.region) is None:
        problems.add("aws:region", keys.region, "Vercel cannot reach this region: its Secure Compute networks run in "
                                                "AWS's commercial partition and a VPC peering never crosses partitions "
                                                "(run the app on Kubernetes there)")
    cidr = app.secure_compute_cidr
    if cidr is None:
        problems.add(f"{app_key}.secureComputeCidr", None,
                     "required on Vercel: functions reach the private database and cache only through a Vercel Secure "
                     f"Compute network ({ENTERPRISE_NOTE}); give its range, a private /16 to /24 apart from the VPC's")
    elif network is not None and network.vpc_id is None and _overlap(cidr, network.cidr):
        problems.add(f"{app_key}.secureComputeCidr", cidr, f"overlaps network.cidr ({network.cidr}): a peering "
                                                           "joins only disjoint ranges")
    elif network is not None and cidr in network.app_cidrs:
        problems.add("webstack:network.appCidrs", network.app_cidrs, f"remove {cidr}: the Vercel app admits its "
                                                                     "Secure Compute range itself")
    if tier is Tier.PROD and app.team_id is None:
        problems.add(f"{app_key}.teamId", None,
                     "prod pins the Vercel team by id (Team Settings -> General -> Team ID): every Vercel resource and "
                     "the OIDC trust use it, whatever team the API token defaults to")
    if await_peering is not None and not isinstance(await_peering, bool):
        problems.add("webstack:app.awaitPeering", await_peering, "must be true or false")
    elif await_peering and app.peering_connection_id is not None:
        problems.add("webstack:app.awaitPeering", True, "remove it: vercel.peeringConnectionId is set")
    elif tier is Tier.PROD and app.peering_connection_id is None and not await_peering:
        problems.add(f"{app_key}.peeringConnectionId", None, PEERING_STEPS.format(key=f"{app_key}.peeringConnectionId"))
    return problems


PEERING_STEPS = (
    "prod reaches its database and cache from Vercel only through the VPC peering of its Secure Compute network "
    "(" + ENTERPRISE_NOTE + "), which Vercel requests and this stack accepts. "
    "1) First deploy only: deploy with webstack:app.awaitPeering: true (builds the network and the VPC). "
    "2) Do what the vercelSecureComputeSteps output says in Vercel: attach the project to the network, request the "
    "peering to this stack's AWS account, region and VPC. 3) Set {key} to the peering's id (pcx-...), remove "
    "awaitPeering and deploy: the peering is accepted and routed."
)
"""What prod on Vercel without a peering is told (the README's deploy section in short)."""


def _kubernetes_rules(s: dict[str, Any], app_key: str) -> list[Problem]:
    """The pods carry the app security group: the data tier must be in the cluster's VPC."""
    problems = Problems()
    app, network = s["app"], s["network"]
    if app.cluster_vpc_id is None:
        problems.add(f"{app_key}.clusterVpcId", None,
                     "required: the VPC the cluster runs in (aws eks describe-cluster --query "
                     "cluster.resourcesVpcConfig.vpcId); the database and cache are built in it")
    elif network is not None and network.vpc_id != app.cluster_vpc_id:
        problems.add("webstack:network.vpcId", network.vpc_id,
                     f"must be the cluster's VPC {app.cluster_vpc_id} (app.kubernetes.clusterVpcId): pods reach the "
                     "database and cache only inside it; set network.vpcId and network.subnetIds (its private "
                     "subnets for the database and cache)")
    if app.cluster_security_group_id is None:
        problems.add(f"{app_key}.clusterSecurityGroupId", None,
                     "required: the cluster security group (aws eks describe-cluster --query "
                     "cluster.resourcesVpcConfig.clusterSecurityGroupId), from which kubelet, CoreDNS and the ingress "
                     "controller reach the pods")
    return problems


def _ecs_rules(keys: StackKeys, s: dict[str, Any], app_key: str) -> list[Problem]:
    """The tasks pull their image through this region's ECR endpoint and S3 gateway endpoint,
    and nowhere else."""
    from pulumi_webstack.ecs_tasks import ecr_repository

    problems = Problems()
    app, network = s["app"], s["network"]
    _, region, repository = ecr_repository(app.image)
    if region != keys.region:
        problems.add(f"{app_key}.image", app.image,
                     f"must be in ECR of the stack's region {keys.region}: the tasks reach ECR only through this region's "
                     f"VPC endpoints (replicate the repository {repository} to {keys.region} with ECR replication)")
    if network is not None and network.vpc_id is not None and app.vpc_endpoints and not network.route_table_ids:
        problems.add("webstack:network.routeTableIds", [],
                     "required on ECS in your own VPC: the image layers come from S3 through a gateway endpoint, which "
                     "works only on the route tables it is attached to; list the route tables of network.subnetIds")
    return problems


def _overlap(a: str, b: Any) -> bool:
    import ipaddress

    try:
        return ipaddress.ip_network(a).overlaps(ipaddress.ip_network(str(b)))
    except ValueError:
        return False


def _runtime_proof_rules(tier: Tier, keys: StackKeys, s: dict[str, Any]) -> list[Problem]:
    """Canaries run where alarms can notify, from two regions in prod; the backups, replicas
    and copy region can meet the recovery objectives declared (prod's presets: RPO 6 h, RTO 1 h)."""
    problems = Problems()
    db, backups, alerting, canaries, recovery = (s[n] for n in ("database", "backups", "alerting", "canaries", "recovery"))
    if canaries is not None and alerting is not None:
        dr_region = db.cross_region_replica if db is not None else None
        topics = list(dict.fromkeys(r for r in (keys.region, alerting.edge_region, dr_region) if r))
        for region in canaries.extra_regions:
            if region not in topics:
                problems.add("webstack:canaries.extraRegions", canaries.extra_regions,
                             f"{region} has no alert topics for the canary's alarm: the stack has them in "
                             + ", ".join(topics))
        if tier is Tier.PROD and len(canaries.regions) < 2:
            problems.add("webstack:canaries.extraRegions", canaries.extra_regions,
                         "prod checks the site from at least two regions: add one, e.g. "
                         + next(r for r in topics + ["us-west-2"] if r != keys.region))
    if recovery is None:
        return problems
    if db is not None and backups is not None:
        setup = RecoverySetup(region=keys.region, multi_az=db.multi_az, replicas=db.replicas,
                              cross_region_replica=db.cross_region_replica, copy_region=backups.copy_region,
                              backup_interval_minutes=cron_interval_minutes(backups.schedule),
                              retention_days=backups.retention_days)
        for gap in recovery_gaps(recovery.rpo_minutes, recovery.rto_minutes, setup):
            value = getattr(s[gap.section], gap.field)
            objective = f"webstack:recovery.{camel(gap.objective)} = {getattr(recovery, gap.objective)}"
            problems.add(f"webstack:{gap.section}.{camel(gap.field)}", value,
                         gap.text if gap.section == "recovery" else f"{gap.text} ({objective})")
    return problems
