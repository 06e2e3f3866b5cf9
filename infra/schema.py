"""The JSON Schema of a stack file (``Pulumi.<stack>.yaml``), generated from the Args.

Editors with a YAML language server complete and check the keys of a stack file that
starts with ``# yaml-language-server: $schema=infra/stack.schema.json``. Every property is
an Args field of a component (type, allowed values, description and the component's default
from the dataclass) or a stack-only key of ``infra/sections.py``; the tier presets are named
in each description. ``make schema`` (``python -m infra.schema``) rewrites the committed file;
a test keeps it current. The schema checks shape only: rules between keys and tiers are the
stack program's, which runs them all before anything is registered.
"""

from __future__ import annotations

import dataclasses
import json
import sys
from pathlib import Path
from typing import Any

from infra.presets import PRESETS, TIERS_ORDER
from infra.sections import PLATFORMS, PROJECT, SECRET_KEYS, SECTIONS, args_class, camel, nested_args, settings
from pulumi_webstack.args import field_docs, field_schema, field_types
from pulumi_webstack.names import AWS_REGIONS

PATH = Path(__file__).resolve().parent / "stack.schema.json"


def args_schema(cls: type, section: str, fields: list[dataclasses.Field], preset_prefix: str) -> dict[str, Any]:
    """An object schema of ``fields`` of ``cls`` (nested Args recursively)."""
    docs, types, nested = field_docs(cls), field_types(cls), nested_args(cls)
    properties: dict[str, Any] = {}
    for f in fields:
        key = f"{preset_prefix}.{f.name}"
        if f.name in nested:
            inner = nested[f.name]
            prop = args_schema(inner, section, list(dataclasses.fields(inner)), key)
        else:
            prop = field_schema(f, types[f.name])
        description = docs.get(f.name, "")
        if key in PRESETS:
            description += " Per tier: " + ", ".join(
                f"{tier.value} {json.dumps(PRESETS[key][tier])}" for tier in TIERS_ORDER) + "."
        if description:
            prop["description"] = description.strip()
        properties[camel(f.name)] = prop
    return {"type": "object", "additionalProperties": False, "properties": properties}


def section_schema(name: str) -> dict[str, Any]:
    section = SECTIONS[name]
    if name == "app":
        schema: dict[str, Any] = {"type": "object", "additionalProperties": False, "properties": {}}
        for platform in PLATFORMS:
            cls = args_class("app", platform)
            schema["properties"][platform] = args_schema(cls, "app", settings("app", cls), "app")
    else:
        cls = args_class(name)
        schema = args_schema(cls, name, settings(name, cls), name)
    for key, extra in section.stack_keys.items():
        preset = PRESETS.get(f"{name}.{_snake(key)}")
        description = extra.doc + (" Per tier: " + ", ".join(
            f"{t.value} {json.dumps(preset[t])}" for t in TIERS_ORDER) + "." if preset else "")
        schema["properties"][key] = {**extra.schema, "description": description}
    return schema


def _snake(key: str) -> str:
    return "".join("_" + c.lower() if c.isupper() else c for c in key)


def stack_file_schema() -> dict[str, Any]:
    """The schema of a whole stack file."""
    config: dict[str, Any] = {
        "aws:region": {"enum": list(AWS_REGIONS), "description": "The stack's AWS region (required)."},
        f"{PROJECT}:tier": {"enum": [t.value for t in TIERS_ORDER],
                            "description": "Environment tier; defaults to the stack name's first word."},
        f"{PROJECT}:domain": {"type": "string", "description": "Public host name served by the CDN, e.g. app.example.com."},
        **{f"{PROJECT}:{name}": section_schema(name) for name in SECTIONS},
        **{f"{PROJECT}:{key}": {"type": "object", "required": ["secure"], "properties": {"secure": {"type": "string"}},
                                "description": "A secret: set it with `pulumi config set --secret`."}
           for key in SECRET_KEYS},
    }
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://github.com/pulumi-webstack/pulumi-webstack/infra/stack.schema.json",
        "title": "pulumi-webstack stack file",
        "description": "Pulumi.<stack>.yaml of the webstack project; generated from the components' Args "
                       "(python -m infra.schema).",
        "type": "object",
        "properties": {
            "config": {"type": "object", "properties": config,
                       "patternProperties": {r"^(aws|pulumi|kubernetes|vercel):": {}},
                       "additionalProperties": False},
            "secretsprovider": {"type": "string"},
            "encryptedkey": {"type": "string"},
            "encryptionsalt": {"type": "string"},
        },
    }


def render() -> str:
    return json.dumps(stack_file_schema(), indent=2, sort_keys=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Write ``infra/stack.schema.json`` (``--check``: exit 1 when it is stale)."""
    check = "--check" in (argv if argv is not None else sys.argv[1:])
    current = PATH.read_text() if PATH.exists() else ""
    if render() == current:
        return 0
    if check:
        print(f"{PATH.name} is stale: run `make schema`")
        return 1
    PATH.write_text(render())
    return 0


if __name__ == "__main__":
    sys.exit(main())
