"""Policy configuration: schemas with defaults, per-stack config files, CLI-equivalent merging.

Every policy that has knobs declares them as a JSON-schema ``PolicyConfigSchema`` whose
properties carry a ``default``. The Pulumi CLI fills those defaults in, applies the
``--policy-pack-config`` file on top and sends the result to the pack (``Configure``);
policies read it with ``args.get_config()``. :func:`policy_config` merges the schema
defaults again on the policy side, so a policy called without any config (unit tests, an
older CLI) behaves exactly as documented.

The stack tier is not something a policy can see, so tier differences live in per-stack
config files, ``policies/config/<stack>.json``, in the format ``pulumi preview
--policy-pack-config`` reads::

    {
      "all": "mandatory",                                  # optional: level for every policy
      "cloudfront-security-headers": {"requireHstsPreload": true},
      "database-deletion-protection": "mandatory",         # level only
      "database-backups": {"enforcementLevel": "mandatory", "minRetentionDays": 30}
    }

:func:`resolve` applies such a file exactly like the CLI (``ReconcilePolicyPackConfig`` in
pulumi/pkg/resource/analyzer/config.go: schema defaults, then ``all``, then per policy)
and validates the result against the schemas; ``webstack check`` uses it so the offline
check sees the same configuration as ``pulumi preview``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Mapping, Optional

from pulumi_policy import EnforcementLevel, Policy, PolicyConfigSchema

CONFIG_DIR = Path(__file__).resolve().parent / "config"
"""Directory of the per-stack policy config files shipped with the pack."""

LEVELS = {level.value: level for level in EnforcementLevel}


def schema(**properties: dict[str, Any]) -> PolicyConfigSchema:
    """A ``PolicyConfigSchema``; every property must document itself and have a default."""
    for name, prop in properties.items():
        if "default" not in prop or "description" not in prop:
            raise ValueError(f"config property {name!r} needs a description and a default")
    return PolicyConfigSchema(properties=properties)


def defaults(policy: Policy) -> dict[str, Any]:
    """The schema defaults of ``policy`` (empty for policies without knobs)."""
    if policy.config_schema is None:
        return {}
    return {k: v["default"] for k, v in policy.config_schema.properties.items() if "default" in v}


def policy_config(policy: Policy, args: Any) -> dict[str, Any]:
    """Schema defaults overlaid with the config the runtime passed (``args.get_config()``)."""
    merged = defaults(policy)
    given = args.get_config() if hasattr(args, "get_config") else None
    if given:
        for key in given:
            merged[key] = given[key]
    return merged


class PolicyConfigError(ValueError):
    """A policy config file does not parse or does not match the policies' schemas."""


@dataclass(frozen=True)
class ResolvedPolicyConfig:
    """Enforcement level and properties of one policy after merging."""

    level: EnforcementLevel
    properties: dict[str, Any] = field(default_factory=dict)


def load_file(path: Path | str) -> dict[str, Any]:
    """Parse a ``--policy-pack-config`` JSON file (empty file: no config)."""
    text = Path(path).read_text(encoding="utf-8")
    if not text.strip():
        return {}
    try:
        data = json.loads(text)
    except ValueError as e:
        raise PolicyConfigError(f"{path}: not valid JSON: {e}") from None
    if not isinstance(data, dict):
        raise PolicyConfigError(f"{path}: must be a JSON object keyed by policy name")
    return data


def _split_entry(name: str, value: Any, source: str) -> tuple[Optional[EnforcementLevel], dict[str, Any]]:
    if isinstance(value, str):
        if value not in LEVELS:
            raise PolicyConfigError(f"{source}: {name} = {value!r}: must be one of {sorted(LEVELS)}")
        return LEVELS[value], {}
    if isinstance(value, dict):
        props = dict(value)
        level = props.pop("enforcementLevel", None)
        if level is not None and level not in LEVELS:
            raise PolicyConfigError(
                f"{source}: {name}.enforcementLevel = {level!r}: must be one of {sorted(LEVELS)}"
            )
        return (LEVELS[level] if level else None), props
    raise PolicyConfigError(f"{source}: {name} = {value!r}: must be an enforcement level string or an object")


def resolve(
    policies: Iterable[Policy], given: Optional[Mapping[str, Any]] = None, *, source: str = "policy config",
    default_level: EnforcementLevel = EnforcementLevel.ADVISORY,
) -> dict[str, ResolvedPolicyConfig]:
    """Merge schema defaults, ``all`` and per-policy entries the way the Pulumi CLI does.

    ``default_level`` is the level of a policy that declares none: the pack's own
    ``enforcement_level`` (``PolicyPack(..., enforcement_level=...)``), advisory by default.

    Raises :class:`PolicyConfigError` naming the file, the key and what is allowed, for an
    unknown policy name, an invalid level or a value the policy's schema rejects.
    """
    policies = list(policies)
    by_name = {p.name: p for p in policies}
    result = {
        p.name: ResolvedPolicyConfig(p.enforcement_level or default_level, defaults(p))
        for p in policies
    }
    given = dict(given or {})
    if "all" in given:
        level, props = _split_entry("all", given.pop("all"), source)
        if props:
            raise PolicyConfigError(f"{source}: all: only an enforcement level may be set for all policies")
        if level is not None:
            result = {n: ResolvedPolicyConfig(level, c.properties) for n, c in result.items()}
    for name, value in given.items():
        if name not in by_name:
            raise PolicyConfigError(f"{source}: {name!r} is not a policy of this pack; known: {sorted(by_name)}")
        level, props = _split_entry(name, value, source)
        current = result[name]
        merged = {**current.properties, **props}
        _validate(by_name[name], merged, source)
        result[name] = ResolvedPolicyConfig(level or current.level, merged)
    return result


_JSON_TYPES = {
    "boolean": (bool,),
    "integer": (int,),
    "number": (int, float),
    "string": (str,),
    "array": (list,),
    "object": (dict,),
}


def _check_value(where: str, value: Any, prop: Mapping[str, Any]) -> None:
    kind = prop.get("type")
    if kind:
        ok = isinstance(value, _JSON_TYPES[kind]) and not (kind in ("integer", "number") and isinstance(value, bool))
        if not ok:
            raise PolicyConfigError(f"{where} = {value!r}: must be of type {kind}")
    if "enum" in prop and value not in prop["enum"]:
        raise PolicyConfigError(f"{where} = {value!r}: must be one of {prop['enum']}")
    if "minimum" in prop and value < prop["minimum"]:
        raise PolicyConfigError(f"{where} = {value!r}: must be >= {prop['minimum']}")
    if kind == "array" and "items" in prop:
        for i, item in enumerate(value):
            _check_value(f"{where}[{i}]", item, prop["items"])


def _validate(policy: Policy, props: Mapping[str, Any], source: str) -> None:
    known = policy.config_schema.properties if policy.config_schema else {}
    for key, value in props.items():
        where = f"{source}: {policy.name}.{key}"
        if key not in known:
            allowed = sorted(known) or "none (this policy only takes enforcementLevel)"
            raise PolicyConfigError(f"{where}: unknown property; allowed: {allowed}")
        _check_value(where, value, known[key])


def config_file_for(stack: str, tier: Optional[str] = None, config_dir: Path = CONFIG_DIR) -> Optional[Path]:
    """``<config_dir>/<stack>.json``, else ``<tier>.json``, else None (pack defaults).
    ``config_dir`` defaults to this pack's ``policies/config``."""
    for candidate in (stack, tier):
        if candidate:
            path = config_dir / f"{candidate}.json"
            if path.is_file():
                return path
    return None
