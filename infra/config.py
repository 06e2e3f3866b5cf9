"""The stack config: every key of a stack file, validated before anything is registered.

Each ``webstack:<section>`` is the Args of one component (``infra/sections.py``), so loading
a stack file is building those Args:

    all config keys  ->  namespaces and provider keys checked, ``aws:region`` required
    ->  tier resolved (``webstack:tier``, else the stack name)
    ->  each section: the tier's presets (``infra/presets.py``) under the stack file's keys
        ->  unknown keys refused  ->  the component's Args built, every problem collected
    ->  values one section takes from another set (the app's origin from the domain, ...)
    ->  rules across sections and tiers (prod keeps a final snapshot, ...)
    ->  ``StackConfig``: one validated Args per section

Every problem found on the way is reported at once, as ``ConfigError`` (a
``pulumi.RunError``: the CLI prints the message, no traceback), one line per problem naming
the key as the stack file spells it, the value, and what is allowed. Nothing is registered
before ``load`` returns. Links to resources that do not exist yet (subnet ids, endpoints)
are ``LINK`` in the returned Args; the stack program replaces them as it builds.
"""

from __future__ import annotations

import dataclasses
import difflib
import json
import re
from dataclasses import dataclass, field, replace
from typing import Any, Mapping, Optional

import pulumi
from pydantic import BaseModel, ConfigDict

from infra.presets import MIN_AZS, PLACEHOLDER_IMAGE, REPLICA_FLOOR, Tier, presets_for, tier_for
from infra.sections import (
    PLATFORMS,
    PROJECT,
    REMOVED_KEYS,
    SECRET_KEYS,
    SECTIONS,
    TOP_LEVEL_KEYS,
    args_class,
    camel,
    nested_args,
    settings,
    snake,
)
from pulumi_webstack.args import LINK, args_prefix, field_types
from pulumi_webstack.errors import ArgsError, all_problems
from pulumi_webstack.drills import RecoverySetup, cron_interval_minutes, recovery_gaps
from pulumi_webstack.names import AVAILABILITY_ZONES, AWS_REGIONS, HOSTNAME, REGION_WORDS
from pulumi_webstack.secure_compute import ENTERPRISE_NOTE, vercel_region
from pulumi_webstack.slo import latency_target_ms

PROVIDER_NAMESPACES = {"aws": "pulumi_aws", "kubernetes": "pulumi_kubernetes", "vercel": "pulumiverse_vercel"}
"""Config namespaces of the providers a stack uses: their keys are checked against the SDK."""
OTHER_NAMESPACES = ("pulumi",)
"""Namespaces the Pulumi CLI itself reads (``pulumi:tags`` ...), not checked here."""


# ------------------------------------------------------------------------------ errors


@dataclass(frozen=True)
class Problem:
    """One problem of a stack file: the key as the file spells it, and the whole line."""

    key: str
    text: str


class ConfigError(pulumi.RunError):
    """The stack config is invalid; ``problems`` holds one entry per problem."""

    def __init__(self, stack: str, problems: list[Problem]):
        self.stack = stack
        self.problems = problems
        lines = "\n".join(f"  - {p.text}" for p in problems)
        super().__init__(f"stack {stack!r}: invalid configuration; nothing was deployed:\n{lines}")


def _show(value: Any) -> str:
    """A value as the stack file would write it (JSON), whole numbers without ``.0``."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    try:
        return json.dumps(value)
    except TypeError:
        return repr(value)


class _Problems(list):
    def add(self, key: str, value: Any, allowed: str) -> None:
        self.append(Problem(key, f"{key} = {_show(value)}: {allowed}"))

    def note(self, key: str, message: str) -> None:
        self.append(Problem(key, f"{key}: {message}"))


# ------------------------------------------------------------------------------ result


class StackKeys(BaseModel):
    """The stack-level keys that are no component's: strict, like the Args."""

    model_config = ConfigDict(strict=True, frozen=True)

    domain: str
    """Public host name served by the CDN (``app.example.com``)."""
    region: str
    """``aws:region``: the stack's region."""


@dataclass(frozen=True)
class StackConfig:
    """The whole, validated configuration of one stack: one Args per section."""

    stack: str
    tier: Tier
    domain: str
    region: str
    platform: str
    network: Any
    database: Any
    cache: Any
    app: Any
    cdn: Any
    backups: Any
    alerting: Any
    canaries: Any
    recovery: Any
    dr_network: Any = None
    """NetworkArgs of the private network in the DR replica's region (with ``crossRegionReplica``)."""
    secrets: dict[str, Any] = field(default_factory=dict)
    """User-supplied secrets (secret Outputs) by key: only those the stack sets."""

    @property
    def is_prod(self) -> bool:
        return self.tier is Tier.PROD

    @property
    def origin_domain(self) -> str:
        """Host the CDN fetches from: the app tier serves ``origin.<domain>``."""
        return origin_domain(self.domain)


def origin_domain(domain: str) -> str:
    return f"origin.{domain}"


# ------------------------------------------------------------------------------ loading


def load(stack: Optional[str] = None) -> StackConfig:
    """Read and validate this stack's config from the Pulumi runtime."""
    from pulumi.runtime import config as runtime_config

    stack = stack or pulumi.get_stack()
    values = {**runtime_config.get_config_env(), **runtime_config.CONFIG.get()}
    secret_values: dict[str, Any] = {}
    cfg = pulumi.Config(PROJECT)
    for full_key in values:
        namespace, _, key = full_key.partition(":")
        if namespace == PROJECT and key in SECRET_KEYS and runtime_config.is_config_secret(full_key):
            secret_values[key] = cfg.require_secret(key)
    plain = {k: _decode(v) for k, v in values.items() if k.partition(":")[2] not in secret_values}
    return parse(stack, plain, secret_values)


def _decode(value: Any) -> Any:
    """Config values arrive as strings; objects and lists as JSON text."""
    if isinstance(value, str) and value[:1] in "{[":
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            return value
    return value


def parse(stack: str, values: Mapping[str, Any], secrets: Optional[Mapping[str, Any]] = None) -> StackConfig:
    """Validate full-key config ``values`` (``"aws:region"``, ``"webstack:database"``) of
    ``stack``; ``secrets`` holds the secret keys' values (secret Outputs) by key. Raises
    ``ConfigError`` listing every problem."""
    secrets = dict(secrets or {})
    problems = _Problems()
    raw = _namespaces(values, problems)
    region = _region(values.get("aws:region"), problems)
    for key in SECRET_KEYS:
        if key in raw:
            problems.note(f"webstack:{key}", f"is set in plain text: store it with `pulumi config set --secret {key} ...`")
    explicit_tier = raw.get("tier")
    tier = tier_for(stack, explicit_tier if isinstance(explicit_tier, str) else None)
    if tier is None:
        if explicit_tier is not None:
            problems.add("webstack:tier", explicit_tier, "must be one of 'dev', 'staging', 'prod'")
        else:
            problems.note("webstack:tier", f"not set, and the stack name {stack!r} does not start with a tier: "
                                           "set webstack:tier to one of 'dev', 'staging', 'prod'")
        raise ConfigError(stack, problems)
    domain = raw.get("domain")
    if domain is None:
        problems.note("webstack:domain", "required, not set (the public host name, e.g. app.example.com)")
    elif not isinstance(domain, str) or not HOSTNAME.match(domain):
        problems.add("webstack:domain", domain, "must be a lower-case DNS name such as app.example.com "
                                                 "(no scheme, no path)")
    keys = StackKeys(domain=domain if isinstance(domain, str) and HOSTNAME.match(domain) else "example.com",
                     region=region or "us-east-1")
    builder = _Builder(tier, keys, raw, secrets, problems, region_known=region is not None)
    built = builder.build_all()
    problems.extend(_rules(tier, keys, built, builder.where("app")))
    if built["app"] is not None and builder.platform == "vercel":
        await_peering = builder.merged["app"].get("await_peering")
        problems.extend(_vercel_rules(tier, keys, built, builder.where("app"), await_peering))
    elif built["app"] is not None and builder.platform == "ecs":
        problems.extend(_ecs_rules(keys, built, builder.where("app")))
    elif built["app"] is not None:
        problems.extend(_kubernetes_rules(built, builder.where("app")))
    if problems:
        raise ConfigError(stack, problems)
    return StackConfig(stack=stack, tier=tier, domain=keys.domain, region=keys.region, platform=builder.platform,
                       secrets=secrets, **built)


def _namespaces(values: Mapping[str, Any], problems: _Problems) -> dict[str, Any]:
    """The ``webstack:*`` values by key; unknown namespaces and keys recorded as problems."""
    raw: dict[str, Any] = {}
    namespaces = (PROJECT, *PROVIDER_NAMESPACES, *OTHER_NAMESPACES)
    for full_key, value in values.items():
        namespace, sep, key = full_key.partition(":")
        if not sep:
            problems.note(full_key, "a config key needs a namespace, e.g. webstack:" + full_key)
        elif namespace == PROJECT:
            if key in REMOVED_KEYS:
                problems.note(full_key, REMOVED_KEYS[key])
            elif key not in TOP_LEVEL_KEYS:
                problems.note(full_key, "unknown key" + _suggest(key, TOP_LEVEL_KEYS, "webstack:")
                              + f" (allowed: {', '.join(TOP_LEVEL_KEYS)})")
            else:
                raw[key] = value
        elif namespace in PROVIDER_NAMESPACES:
            known = _provider_keys(namespace)
            if key not in known:
                problems.note(full_key, f"not a setting of the {namespace} provider" + _suggest(key, known, namespace + ":"))
        elif namespace not in OTHER_NAMESPACES:
            problems.note(full_key, "unknown namespace" + _suggest(namespace, namespaces, "", ":" + key)
                          + f" (this project reads {', '.join(n + ':' for n in namespaces)})")
    return raw


def _provider_keys(namespace: str) -> tuple[str, ...]:
    """The config keys a provider SDK reads (its ``config`` module's properties, camelCase)."""
    import importlib
    import inspect

    config = importlib.import_module(PROVIDER_NAMESPACES[namespace] + ".config")
    holder = getattr(config, "_ExportableConfig", None)
    names = [n for n, o in inspect.getmembers(holder, lambda o: isinstance(o, property))] if holder else []
    return tuple(sorted(camel(n) for n in names))


def _region(value: Any, problems: _Problems) -> Optional[str]:
    if value is None or value == "":
        problems.note("aws:region", "required, not set: `pulumi config set aws:region eu-west-1` (the stack's region)")
        return None
    if value not in AWS_REGIONS:
        near = difflib.get_close_matches(str(value).strip().lower(), AWS_REGIONS, n=1, cutoff=0.8)
        hint = f"; did you mean {near[0]!r}?" if near else ""
        problems.add("aws:region", value, REGION_WORDS + hint)
        return None
    return value


def _suggest(word: str, choices: Any, prefix: str, suffix: str = "") -> str:
    near = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f"; did you mean '{prefix}{near[0]}{suffix}'?" if near else ""


# ------------------------------------------------------------------------ the sections


class _Builder:
    """Builds each section's Args from presets and the stack file, collecting problems."""

    ORDER = ("cdn", "database", "cache", "app", "network", "backups", "alerting", "canaries", "recovery")
    """Sections a value is taken from come before the sections taking it."""

    def __init__(self, tier: Tier, keys: StackKeys, raw: dict[str, Any], secrets: dict[str, Any],
                 problems: _Problems, *, region_known: bool = True):
        self.tier, self.keys, self.raw, self.secrets, self.problems = tier, keys, raw, secrets, problems
        # False when aws:region is missing or wrong (reported): sections placed by region wait for it.
        self.region_known = region_known
        self.presets = presets_for(tier)
        self.built: dict[str, Any] = {}
        self.merged: dict[str, dict[str, Any]] = {}
        self.platform = "vercel"

    def build_all(self) -> dict[str, Any]:
        # First every section's settings (the app's first: its platform decides which Args
        # back it, and whether the database's app_max_instances is the app's), then the Args.
        for name in ("app", *(n for n in SECTIONS if n != "app")):
            user = self.raw.get(name)
            if user is None:
                user = {}
            if not isinstance(user, dict):
                self.problems.add(f"webstack:{name}", user, "must be an object of settings (key: value lines "
                                                            "under the section)")
                user = {}
            self.merged[name] = self.settings_of(name, user)
        for name in self.ORDER:
            if name == "canaries" and not self.region_known:
                self.built[name] = None  # its regions are relative to aws:region, already reported
                continue
            cls = args_class(name, self.platform)
            values = {k: v for k, v in self.merged[name].items() if k in field_types(cls)}
            self.built[name] = self.build(self.where(name), cls, {**values, **self.wired(name, cls, values)})
        self.built["dr_network"] = self.dr_network()
        return self.built

    def settings_of(self, name: str, user: dict[str, Any]) -> dict[str, Any]:
        """Presets under the stack file's keys, as field names (stack-only keys included)."""
        section = SECTIONS[name]
        presets = dict(self.presets.get(name, {}))
        stack_values = {}
        for key in section.stack_keys:
            preset = presets.pop(snake(key), None)
            stack_values[snake(key)] = user.get(key, preset)
        user = {k: v for k, v in user.items() if k not in section.stack_keys}
        if name == "app":
            self.platform = self.app_platform(stack_values["platform"])
            user = self.platform_settings(user)
        cls = args_class(name, self.platform)
        user_fields = self.user_fields(self.where(name), cls, name, user)
        return {**_deep_merge(_only_fields(cls, presets), user_fields), **stack_values}

    def where(self, name: str) -> str:
        """The stack-file key of a section's Args: ``webstack:app.<platform>`` for the app."""
        return f"webstack:app.{self.platform}" if name == "app" else f"webstack:{name}"

    def platform_settings(self, user: dict[str, Any]) -> dict[str, Any]:
        """The chosen platform's subsection of ``webstack:app``. The other platforms'
        subsections may stay in the file (switching back is one key) and their keys are
        checked; anything else directly under ``app`` is refused."""
        for key, value in user.items():
            if key in PLATFORMS:
                if not isinstance(value, dict):
                    self.problems.add(f"webstack:app.{key}", value, "must be an object of settings")
                elif key != self.platform:
                    self.user_fields(f"webstack:app.{key}", args_class("app", key), "app", value)
            else:
                hint = _suggest(key, [*PLATFORMS, "platform"], "")
                if not hint and snake(key) in field_types(args_class("app", self.platform)):
                    hint = f"; the {self.platform} settings go under app.{self.platform}: app.{self.platform}.{key}"
                self.problems.note(f"webstack:app.{key}", "unknown key" + hint
                                   + f" (allowed: platform, {', '.join(PLATFORMS)})")
        chosen = user.get(self.platform)
        return chosen if isinstance(chosen, dict) else {}

    def app_platform(self, value: Any) -> str:
        if value not in PLATFORMS:
            self.problems.add("webstack:app.platform", value, "must be one of " + ", ".join(map(repr, PLATFORMS)))
            return "vercel"
        return value

    def user_fields(self, where: str, cls: type, section: str, user: dict[str, Any]) -> dict[str, Any]:
        """``user``'s keys as field names; unknown, wired and doubly spelt keys recorded."""
        wired = dict(SECTIONS[section].wired) if section else {}
        if section == "database" and self.platform != "vercel":
            wired["app_max_instances"] = "webstack:app.maxInstances"
        allowed = {camel(f.name): f.name for f in (settings(section, cls) if section else dataclasses.fields(cls))
                   if f.name not in wired}
        nested = nested_args(cls)
        out: dict[str, Any] = {}
        for key, value in user.items():
            name = allowed.get(key) or allowed.get(camel(key))
            if name is None:
                if snake(key) in wired or key in wired:
                    source = wired.get(snake(key)) or wired.get(key)
                    self.problems.note(f"{where}.{key}", f"is set by the stack program from {source}; remove it")
                else:
                    extra = tuple(SECTIONS[section].stack_keys) if section else ()
                    choices = (*allowed, *extra)
                    self.problems.note(f"{where}.{key}", "unknown key" + _suggest(key, choices, "")
                                       + f" (allowed: {', '.join(sorted(choices))})")
                continue
            if name in out:
                self.problems.note(f"{where}.{key}", f"set twice, as {camel(name)} and {name}: keep {camel(name)}")
                continue
            if name in nested and isinstance(value, dict):
                value = self.user_fields(f"{where}.{camel(name)}", nested[name], "", value)
            out[name] = value
        return out

    def build(self, where: str, cls: type, values: dict[str, Any]) -> Any:
        """``cls(**values)`` with nested Args built first; every problem recorded under
        ``where`` (the stack-file key of the section). None when it could not be built."""
        for name, nested_cls in nested_args(cls).items():
            if isinstance(values.get(name), dict):
                built = self.build(f"{where}.{camel(name)}", nested_cls, values[name])
                values[name] = built if built is not None else nested_cls()
        missing = [f.name for f in dataclasses.fields(cls) if f.name not in values and _required(cls, f.name)]
        for name in missing:
            self.problems.note(f"{where}.{camel(name)}", "required, not set")
        if missing:
            return None
        args, errors = all_problems(lambda: cls(**values))
        for error in errors:
            self.report(where, cls, error)
        return args

    def report(self, where: str, cls: type, error: ArgsError) -> None:
        prefix, _, name = error.field.partition(".")
        if prefix != args_prefix(cls):  # a nested Args' field, reported when that was built
            name = error.field
        key = f"{where}.{'.'.join(camel(part) for part in name.split('.'))}"
        names = {f.name for f in dataclasses.fields(cls)}
        allowed = re.sub(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b",
                         lambda m: camel(m.group()) if m.group() in names else m.group(), error.allowed)
        source = SECTIONS.get(where.split(".")[0].removeprefix("webstack:"))  # app.<platform>: the app's
        if source is not None and name in source.wired:
            allowed += f" (set by the stack program from {source.wired[name]})"
        self.problems.add(key, error.value, allowed)

    # ------------------------------------------------------------------ wiring

    def value(self, section: str, name: str, default: Any = None) -> Any:
        """A field of a built section, or ``default`` when that section failed."""
        built = self.built.get(section)
        return getattr(built, name, default) if built is not None else default

    def wired(self, name: str, cls: type, merged: dict[str, Any]) -> dict[str, Any]:
        """The values of ``name``'s wired fields while validating: what other sections give,
        and ``LINK`` for links to resources that do not exist yet."""
        domain, fields = self.keys.domain, set(field_types(cls))
        links = {f for f in SECTIONS[name].wired if f in fields and _required(cls, f)}
        values: dict[str, Any] = {f: LINK for f in links}
        if name == "network":
            values.update(database_port=self.value("database", "port", 5432), cache_port=self.value("cache", "port", 6379),
                          public_subnets=self.platform == "ecs")
        elif name == "database":
            if self.platform != "vercel":
                most = self.merged["app"].get("max_instances")
                values["app_max_instances"] = most if isinstance(most, int) and not isinstance(most, bool) else 1
            if merged.get("cross_region_replica"):
                values.update(cross_region_subnet_ids=LINK, cross_region_security_group_id=LINK)
        elif name == "app":
            cdn = self.built.get("cdn")
            values.update(origin_domain=origin_domain(domain), database_port=self.value("database", "port", 5432),
                          cache_port=self.value("cache", "port", 6379),
                          database_name=self.value("database", "database_name", "app"),
                          vpc_id=LINK, database_security_group_id=LINK, cache_security_group_id=LINK,
                          app_security_group_id=LINK, subnet_ids=LINK, public_subnet_ids=LINK,
                          route_table_ids=[LINK] * self.route_table_count(),
                          reader_zone_id=LINK if self.value("database", "replicas", 0) else None)
            if cdn is not None:
                values.update(headers=cdn.headers, hosted_zone_id=cdn.hosted_zone_id)
            values = {k: v for k, v in values.items() if k in fields}
        elif name == "cdn":
            values.update(domain=domain, origin_domain=origin_domain(domain))
        elif name == "backups":
            values["continuous_retention_days"] = self.value("database", "backup_retention_days", None)
        elif name == "alerting":
            health = self.value("app", "health_path", "/api/health")
            values.update(region=self.keys.region, app_platform=self.platform,
                          database_instance_class=self.value("database", "instance_class", None),
                          database_allocated_storage_gb=self.value("database", "allocated_storage_gb", None),
                          database_max_allocated_storage_gb=self.value("database", "max_allocated_storage_gb", None),
                          health_check_url=f"https://{domain}{health}",
                          pager_webhook_url=LINK if "pagerWebhookUrl" in self.secrets else None)
            if self.platform == "kubernetes":
                values.update(kubernetes_namespace=LINK, kubernetes_deployment_name=LINK, kubernetes_max_replicas=LINK)
        elif name == "canaries":
            objectives = self.value("alerting", "objectives", None)
            extra = merged.get("extra_regions")
            regions = [self.keys.region, *(extra if isinstance(extra, list) else [])]
            values.update(domain=domain, region=self.keys.region,
                          health_path=self.value("app", "health_path", "/api/health"),
                          alarm_topic_arns={region: LINK for region in regions if isinstance(region, str)})
            if self.built.get("cdn") is not None:
                values["headers"] = self.built["cdn"].headers
            if objectives is not None:
                values["latency_target_ms"] = latency_target_ms(objectives)
        elif name == "recovery":
            values.update(database_instance_arn=LINK, database_multi_az=self.value("database", "multi_az", False))
            if self.value("cache", "multi_az", False):
                values.update(cache_replication_group_id=LINK, cache_availability_zone=LINK)
        return values

    def route_table_count(self) -> int:
        """Route tables of the data subnets: a new VPC's one, or the stack file's."""
        network = self.merged["network"]
        if network.get("vpc_id") is None:
            return 1
        tables = network.get("route_table_ids")
        return len(tables) if isinstance(tables, list) else 0

    def dr_network(self) -> Any:
        """NetworkArgs of the DR replica's region network (``database.crossRegionCidr``)."""
        database, network = self.built.get("database"), self.built.get("network")
        if database is None or network is None or database.cross_region_replica is None:
            return None
        cidr = self.merged["database"].get("cross_region_cidr")
        args, errors = all_problems(lambda: replace(network, cidr=cidr, vpc_id=None, subnet_ids=[], route_table_ids=[],
                                                          app_cidrs=[], public_subnets=False, public_subnet_ids=[]))
        for error in errors:
            self.problems.add("webstack:database.crossRegionCidr", cidr, error.allowed)
        return args


def _required(cls: type, name: str) -> bool:
    f = next(f for f in dataclasses.fields(cls) if f.name == name)
    return f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING


def _only_fields(cls: type, presets: dict[str, Any]) -> dict[str, Any]:
    """Presets of fields ``cls`` has (an ``app.*`` row skips platforms without that field)."""
    return {k: v for k, v in presets.items() if k in field_types(cls)}


def _deep_merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


# ------------------------------------------------------------------ rules across sections


def _rules(tier: Tier, keys: StackKeys, s: dict[str, Any], app_key: str) -> list[Problem]:
    """Rules that span sections, depend on the tier, or on the region, over the sections
    that could be built (a section with problems of its own is left to those)."""
    problems = _Problems()
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
    problems = _Problems()
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
    problems = _Problems()
    app, network = s["app"], s["network"]
    if app.cluster_vpc_id is None:
        problems.add(f"{app_key}.clusterVpcId", None,
                     "required: the VPC the cluster runs in (aws eks describe-cluster --query "
                     "cluster.resourcesVpcConfig.vpcId); the database and cache are built in it")
    elif network is not None and network.vpc_id != app.cluster_vpc_id:
        problems.add("webstack:network.vpcId", network.vpc_id,
                     f"must be the cluster's VPC {app.cluster_vpc_id} (app.kubernetes.clusterVpcId): pods reach the "
                     "database and cache only inside it; set network.vpcId, network.subnetIds (its private subnets) "
                     "and network.routeTableIds")
    if app.cluster_security_group_id is None:
        problems.add(f"{app_key}.clusterSecurityGroupId", None,
                     "required: the cluster security group (aws eks describe-cluster --query "
                     "cluster.resourcesVpcConfig.clusterSecurityGroupId), from which kubelet, CoreDNS and the ingress "
                     "controller reach the pods")
    return problems


def _ecs_rules(keys: StackKeys, s: dict[str, Any], app_key: str) -> list[Problem]:
    """The tasks pull their image through this region's ECR endpoint, and nowhere else."""
    from pulumi_webstack.ecs_tasks import ecr_repository

    problems = _Problems()
    _, region, repository = ecr_repository(s["app"].image)
    if region != keys.region:
        problems.add(f"{app_key}.image", s["app"].image,
                     f"must be in ECR of the stack's region {keys.region}: the tasks reach ECR only through this region's "
                     f"VPC endpoints (replicate the repository {repository} to {keys.region} with ECR replication)")
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
    problems = _Problems()
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
