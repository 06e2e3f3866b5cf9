"""An offline stand-in for the Pulumi YAML language host, for programs that use the
``webstack`` component package (``examples/yaml-consumer`` and the YAML examples of the
component pages, ``tests/test_yaml_consumer.py`` and ``tests/test_docs.py``).

There is no Pulumi CLI or YAML language host here, so this module holds the two halves of
what they would do with a program, as plain functions:

- ``program_problems``: the checks ``pulumi preview`` would fail on, against the package
  schema: every type a component of the package, every property an input of it with a value
  of its type, every required input given, every ``${resource.property}`` naming a resource
  of the program and an output of its schema. It also refuses the two references the Python
  component provider cannot take (``pulumi.provider.experimental``, see ``REFERENCE_RULES``).
- ``run_program``: construct every component through ``ComponentProvider`` in dependency
  order, as the plugin process would, with each reference resolved to the referenced
  component's output, delivered as an ``Output`` (the provider declares ``acceptOutputs``, so
  a value that depends on another resource reaches ``construct`` as an Output), and numbers
  as doubles (the wire format).
"""

from __future__ import annotations

import re
from typing import Any, Iterator, Optional

import pulumi
import pulumi_aws as aws
import yaml
from pulumi.provider.experimental.component import ComponentProvider

from pulumi_webstack_cli.engine import ROOT, Plan, synth

EXAMPLE = ROOT / "examples" / "yaml-consumer"

_WHOLE = re.compile(r"^\$\{([^}]+)\}$")
_ANY = re.compile(r"\$\{([^}]+)\}")
_STEP = re.compile(r"\.([A-Za-z_][A-Za-z0-9_]*)|\[(\d+)\]")
_TOP_LEVEL = {"name", "runtime", "description", "packages", "resources", "outputs"}
_RESOURCE_KEYS = {"type", "properties", "options"}
_OPTIONS = {"providers", "protect"}
PROVIDER_TYPES: dict[str, tuple[type, set[str]]] = {"pulumi:providers:aws": (aws.Provider, {"region"})}
"""Explicit providers a program may declare (e.g. us-east-1 for ``Cdn``): the class that
builds one and the properties this runner passes on; the rest is the provider's business."""

REFERENCE_RULES = {
    "plain": "is a plain input: it takes a literal value (a reference arrives as an Output, which "
             "the component cannot use where it needs the value to decide what to build)",
    "number": "is a number input: it takes a literal value (pulumi.provider.experimental converts "
              "integers with int(), which fails on the Output a reference arrives as)",
}
"""Why a ``${...}`` reference is refused where it would type-check in the YAML language host."""


# ------------------------------------------------------------------------------ reading


def load_project(directory: Path = EXAMPLE) -> dict[str, Any]:
    """``Pulumi.yaml`` of a YAML project."""
    return yaml.safe_load((directory / "Pulumi.yaml").read_text())


def parse_reference(text: str) -> tuple[str, list[str | int]]:
    """``"db.replicaIdentifiers[0]"`` -> ``("db", ["replicaIdentifiers", 0])``."""
    match = re.match(r"^([A-Za-z0-9_-]+)((?:\.[A-Za-z_][A-Za-z0-9_]*|\[\d+\])*)$", text.strip())
    if not match:
        raise ValueError(f"${{{text}}}: not a resource.property reference")
    steps: list[str | int] = [name if name else int(index) for name, index in _STEP.findall(match.group(2))]
    return match.group(1), steps


def references(value: Any) -> Iterator[str]:
    """Every ``${...}`` text in a property value (strings, lists and maps, deeply)."""
    if isinstance(value, str):
        yield from _ANY.findall(value)
    elif isinstance(value, list):
        for item in value:
            yield from references(item)
    elif isinstance(value, dict):
        for item in value.values():
            yield from references(item)


def dependency_order(program: dict[str, Any]) -> list[str]:
    """Resource names, each after every resource its properties reference (ValueError on a cycle)."""
    resources = program.get("resources") or {}
    needs = {name: {parse_reference(r)[0] for r in references([(res or {}).get("properties") or {},
                                                                  (res or {}).get("options") or {}])} & set(resources)
             for name, res in resources.items()}
    order: list[str] = []
    while len(order) < len(resources):
        ready = [n for n in resources if n not in order and needs[n] <= set(order)]
        if not ready:
            raise ValueError(f"reference cycle among {sorted(set(resources) - set(order))}")
        order.extend(ready)
    return order


# ----------------------------------------------------------------------------- checking


def _shape(prop: dict[str, Any], schema: dict[str, Any]) -> str:
    """Type of a schema property, ignoring plainness and descriptions (``array<string>``)."""
    if "$ref" in prop:
        return prop["$ref"].rsplit(":", 1)[-1]
    kind = prop.get("type", "?")
    if kind == "array":
        return f"array<{_shape(prop['items'], schema)}>"
    if kind == "object" and "additionalProperties" in prop:
        return f"map<{_shape(prop['additionalProperties'], schema)}>"
    return kind


def _compatible(produced: str, wanted: str) -> bool:
    return produced == wanted or (produced, wanted) == ("integer", "number")


def _reference_shape(text: str, program: dict[str, Any], schema: dict[str, Any],
                     where: str, problems: list[str]) -> Optional[str]:
    """Type of what ``${text}`` yields, or None (and a problem) when it names nothing."""
    try:
        name, steps = parse_reference(text)
    except ValueError as err:
        problems.append(f"{where}: {err}")
        return None
    resource = (program.get("resources") or {}).get(name)
    if resource is None:
        problems.append(f"{where}: ${{{text}}} names no resource of the program (resources: "
                        f"{', '.join(sorted(program.get('resources') or {}))})")
        return None
    definition = schema["resources"].get(resource.get("type"))
    if definition is None:
        return None  # reported on the resource itself
    if not steps or not isinstance(steps[0], str):
        problems.append(f"{where}: ${{{text}}} must name an output property of {name}")
        return None
    prop = definition["properties"].get(steps[0])
    if prop is None:
        problems.append(f"{where}: ${{{text}}}: {resource['type']} has no output {steps[0]!r} "
                        f"(outputs: {', '.join(sorted(definition['properties']))})")
        return None
    for step in steps[1:]:
        if isinstance(step, int) and prop.get("type") == "array":
            prop = prop["items"]
        elif isinstance(step, str) and prop.get("type") == "object" and "additionalProperties" in prop:
            prop = prop["additionalProperties"]
        elif isinstance(step, str) and "$ref" in prop and step in schema["types"][prop["$ref"].rsplit("/", 1)[-1]].get(
                "properties", {}):
            prop = schema["types"][prop["$ref"].rsplit("/", 1)[-1]]["properties"][step]
        else:
            problems.append(f"{where}: ${{{text}}}: cannot take {step!r} of a {_shape(prop, schema)}")
            return None
    return _shape(prop, schema)


def _value_problems(value: Any, prop: dict[str, Any], where: str, program: dict[str, Any],
                    schema: dict[str, Any], problems: list[str], inside_input: bool = False) -> None:
    wanted = _shape(prop, schema)
    plain = bool(prop.get("plain")) and not inside_input
    if isinstance(value, dict) and any(str(k).lower().startswith("fn::") for k in value):
        problems.append(f"{where}: YAML builtins (fn::...) are not evaluated by this offline runner")
        return
    whole = _WHOLE.match(value) if isinstance(value, str) else None
    if whole:
        produced = _reference_shape(whole.group(1), program, schema, where, problems)
        if plain:
            problems.append(f"{where} = {value}: {where.split('.', 1)[1]} {REFERENCE_RULES['plain']}")
        elif wanted in ("integer", "number", "boolean"):
            problems.append(f"{where} = {value}: {where.split('.', 1)[1]} {REFERENCE_RULES['number']}")
        elif produced is not None and not _compatible(produced, wanted):
            problems.append(f"{where} = {value}: the reference yields {produced}, the input wants {wanted}")
        return
    if isinstance(value, str) and "${" in value:
        for text in _ANY.findall(value):
            produced = _reference_shape(text, program, schema, where, problems)
            if produced is not None and produced not in ("string", "integer", "number"):
                problems.append(f"{where}: ${{{text}}} yields {produced}; only text and numbers interpolate")
        if wanted != "string" or plain:
            problems.append(f"{where}: an interpolated string needs a non-plain string input (this one: {wanted}"
                            f"{', plain' if plain else ''})")
        return
    if "$ref" in prop:
        type_def = schema["types"][prop["$ref"].rsplit("/", 1)[-1]]
        if "enum" in type_def:
            allowed = [e["value"] for e in type_def["enum"]]
            if value not in allowed:
                problems.append(f"{where} = {value!r}: must be one of {allowed}")
            return
        if not isinstance(value, dict):
            problems.append(f"{where}: wants an object ({wanted}), got {type(value).__name__}")
            return
        for key, item in value.items():
            if key not in type_def["properties"]:
                problems.append(f"{where}.{key}: not a property of {wanted} "
                                f"(properties: {', '.join(sorted(type_def['properties']))})")
            else:
                _value_problems(item, type_def["properties"][key], f"{where}.{key}", program, schema, problems,
                                inside_input or not plain)
        return
    kind = prop.get("type")
    ok = {
        "string": lambda v: isinstance(v, str),
        "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
        "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
        "boolean": lambda v: isinstance(v, bool),
        "array": lambda v: isinstance(v, list),
        "object": lambda v: isinstance(v, dict),
    }[kind]
    if not ok(value):
        problems.append(f"{where} = {value!r}: wants {wanted}")
        return
    if kind == "array":
        for index, item in enumerate(value):
            _value_problems(item, prop["items"], f"{where}[{index}]", program, schema, problems,
                            inside_input or not plain)
    elif kind == "object":
        for key, item in value.items():
            _value_problems(item, prop["additionalProperties"], f"{where}.{key}", program, schema, problems,
                            inside_input or not plain)


def _options_problems(name: str, options: dict[str, Any], resources: dict[str, Any]) -> list[str]:
    problems = [f"{name}.options.{key}: resource option not handled by this offline runner"
                for key in options if key not in _OPTIONS]
    if "protect" in options and not isinstance(options["protect"], bool):
        problems.append(f"{name}.options.protect: wants true or false")
    providers = options.get("providers", [])
    if not isinstance(providers, list):
        problems.append(f"{name}.options.providers: wants a list of provider references")
        providers = []
    for item in providers:
        whole = _WHOLE.match(item) if isinstance(item, str) else None
        target = resources.get(whole.group(1)) if whole else None
        if target is None or target.get("type") not in PROVIDER_TYPES:
            problems.append(f"{name}.options.providers: {item!r} is not a provider resource of the program")
    return problems


def program_problems(program: dict[str, Any], schema: dict[str, Any]) -> list[str]:
    """What is wrong with a YAML program against the package schema (empty: nothing)."""
    problems: list[str] = []
    for key in program:
        if key not in _TOP_LEVEL:
            problems.append(f"{key}: top-level key not handled by this offline runner")
    resources = program.get("resources") or {}
    for name, resource in resources.items():
        resource = resource or {}
        for key in resource:
            if key not in _RESOURCE_KEYS:
                problems.append(f"{name}.{key}: resource key not handled by this offline runner")
        token = resource.get("type")
        problems += _options_problems(name, resource.get("options") or {}, resources)
        if token in PROVIDER_TYPES:
            passed = PROVIDER_TYPES[token][1]
            for key, value in (resource.get("properties") or {}).items():
                if key not in passed or not isinstance(value, str) or "${" in value:
                    problems.append(f"{name}.{key}: this runner passes only literal "
                                    f"{', '.join(sorted(passed))} to {token}")
            continue
        definition = schema["resources"].get(token)
        if definition is None:
            problems.append(f"{name}: type {token!r} is not a component of the {schema['name']} package "
                            f"({', '.join(sorted(schema['resources']))})")
            continue
        props = resource.get("properties") or {}
        inputs = definition["inputProperties"]
        for key in props:
            if key not in inputs:
                problems.append(f"{name}.{key}: not an input of {token}")
        for key in definition.get("requiredInputs", []):
            if key not in props:
                problems.append(f"{name}.{key}: required input of {token} is missing")
        for key, value in props.items():
            if key in inputs:
                _value_problems(value, inputs[key], f"{name}.{key}", program, schema, problems)
    for key, value in (program.get("outputs") or {}).items():
        for text in references(value):
            _reference_shape(text, program, schema, f"outputs.{key}", problems)
    try:
        dependency_order(program)
    except ValueError as err:
        problems.append(str(err))
    return problems


# ---------------------------------------------------------------------------- executing


def _resolve(value: Any, states: dict[str, dict[str, Any]]) -> Any:
    """A property value as the plugin receives it: references as Outputs, numbers as doubles."""
    if isinstance(value, str):
        whole = _WHOLE.match(value)
        if whole:
            return _lookup(whole.group(1), states)
        if "${" in value:
            parts: list[Any] = []
            last = 0
            for match in _ANY.finditer(value):
                parts += [value[last:match.start()], _lookup(match.group(1), states).apply(str)]
                last = match.end()
            parts.append(value[last:])
            return pulumi.Output.concat(*parts)
        return value
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return float(value)
    if isinstance(value, list):
        return [_resolve(v, states) for v in value]
    if isinstance(value, dict):
        return {k: _resolve(v, states) for k, v in value.items()}
    return value


def _lookup(text: str, states: dict[str, dict[str, Any]]) -> pulumi.Output:
    name, steps = parse_reference(text)
    state = states[name]
    if steps[0] not in state:
        raise KeyError(f"${{{text}}}: {name} has no value for {steps[0]} (it is unset for these inputs)")
    output = pulumi.Output.from_input(state[steps[0]])
    for step in steps[1:]:
        output = output.apply(lambda v, s=step: v[s])
    return output


def run_program(program: dict[str, Any], provider: ComponentProvider, *, project: str = "yaml-consumer",
                stack: str = "test", config: Optional[dict[str, Any]] = None) -> tuple[Plan, dict[str, dict]]:
    """Execute the program offline: each component constructed through ``provider`` in
    dependency order; returns the plan and each resource's state (what ``${name.x}`` reads)."""
    resources = program.get("resources") or {}
    states: dict[str, dict[str, Any]] = {}

    def body() -> None:
        providers: dict[str, pulumi.ProviderResource] = {}
        for name in dependency_order(program):
            resource = resources[name]
            if resource["type"] in PROVIDER_TYPES:
                provider_class = PROVIDER_TYPES[resource["type"]][0]
                providers[name] = provider_class(name, **(resource.get("properties") or {}))
                states[name] = {}
                continue
            options = resource.get("options") or {}
            opts = pulumi.ResourceOptions(
                protect=options.get("protect"),
                providers=[providers[_WHOLE.match(p).group(1)] for p in options.get("providers", [])] or None,
            )
            inputs = _resolve(resource.get("properties") or {}, states)
            states[name] = provider.construct(name, resource["type"], inputs, opts).state
        for key, value in (program.get("outputs") or {}).items():
            pulumi.export(key, _resolve(value, states))

    plan = synth(body, project=project, stack=stack, config=config or {"aws:region": "eu-west-1"})
    return plan, states
