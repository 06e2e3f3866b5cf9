"""The stack config: every key of a stack file, validated before anything is registered.

Each ``webstack:<section>`` is the Args of one component (``infra/sections.py``), so loading
a stack file is building those Args:

    all config keys  ->  namespaces and provider keys checked, ``aws:region`` required
    ->  tier resolved (``webstack:tier``, else the stack name)
    ->  each section: the tier's presets (``infra/presets.py``) under the stack file's keys
        ->  unknown keys refused  ->  the component's Args built, every problem collected
    ->  values one section takes from another set (the app's origin from the domain, ...)
    ->  rules across sections and tiers (``infra/rules.py``: prod keeps a final snapshot, ...)
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

from infra.presets import Tier, presets_for, tier_for
from infra.problems import ConfigError, Problem, Problems  # noqa: F401 - Problem: part of the config API
from infra.rules import rules
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
from pulumi_webstack.names import AWS_REGIONS, HOSTNAME, REGION_WORDS
from pulumi_webstack.slo import latency_target_ms

PROVIDER_NAMESPACES = {"aws": "pulumi_aws", "kubernetes": "pulumi_kubernetes", "vercel": "pulumiverse_vercel"}
"""Config namespaces of the providers a stack uses: their keys are checked against the SDK."""
OTHER_NAMESPACES = ("pulumi",)
"""Namespaces the Pulumi CLI itself reads (``pulumi:tags`` ...), not checked here."""



# ------------------------------------------------------------------------------ result


@dataclass(frozen=True)
class StackKeys:
    """The stack-level keys that are no component's (each checked where it is read)."""

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
    problems = Problems()
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
    problems.extend(rules(tier, keys, built, builder.where("app"), builder.platform,
                          await_peering=builder.merged["app"].get("await_peering")))
    if problems:
        raise ConfigError(stack, problems)
    return StackConfig(stack=stack, tier=tier, domain=keys.domain, region=keys.region, platform=builder.platform,
                       secrets=secrets, **built)


def _namespaces(values: Mapping[str, Any], problems: Problems) -> dict[str, Any]:
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


def _region(value: Any, problems: Problems) -> Optional[str]:
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
                 problems: Problems, *, region_known: bool = True):
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
                elif (home := _nested_home(key, nested)) is not None:
                    self.problems.note(f"{where}.{key}", f"belongs under {camel(home)}: set "
                                                         f"{where}.{camel(home)}.{camel(snake(key))}")
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


def _nested_home(key: str, nested: dict[str, type]) -> Optional[str]:
    """The nested Args field whose Args has ``key`` (``hstsMaxAgeSeconds`` is a setting of
    ``cdn.headers``): where a key written one level too high belongs."""
    name = snake(key)
    for home, cls in nested.items():
        if name in {f.name for f in dataclasses.fields(cls)}:
            return home
    return None


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

