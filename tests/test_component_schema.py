"""Specification of the ``webstack`` component package: the schema Pulumi's component
provider (``pulumi.provider.experimental``) infers from the components, what a program in
another language gets from ``pulumi package add <repo>/components``, and the entry point
that serves it."""

import ast
import dataclasses
import enum
import inspect
import json
import runpy
import select
import subprocess
import sys
import tomllib
import types
import typing
from collections import abc
from pathlib import Path
from typing import Any, Optional, Union

import grpc
import pulumi
import pytest
import yaml
from pulumi.errors import InputPropertyError
from pulumi.provider.experimental.analyzer import Analyzer
from pulumi.provider.experimental.component import ComponentProvider
from pulumi.provider.experimental.util import camel_case as camel
from pulumi.provider.experimental.host import components_from_module
from pulumi.provider.server import ComponentInitError
from pulumi.runtime.proto import provider_pb2, provider_pb2_grpc

import pulumi_webstack.__main__ as package
from pulumi_webstack import (alerting, backups, cache, canaries, cdn, database, drills, ecs_app, headers,
                             kubernetes_app, network, vercel_app)
from pulumi_webstack.errors import ArgsError
from pulumi_webstack_cli.engine import synth

COMPONENTS_DIR = Path(package.__file__).resolve().parent
MODULES = [network, database, cache, cdn, vercel_app, kubernetes_app, ecs_app, backups, alerting, canaries, drills]
ARGS = {
    "Network": network.NetworkArgs, "Database": database.DatabaseArgs, "Cache": cache.CacheArgs,
    "Cdn": cdn.CdnArgs, "VercelApp": vercel_app.VercelAppArgs, "KubernetesApp": kubernetes_app.KubernetesAppArgs,
    "EcsApp": ecs_app.EcsAppArgs, "Backups": backups.BackupsArgs, "Alerting": alerting.AlertingArgs,
    "Canaries": canaries.CanariesArgs, "Drills": drills.DrillsArgs,
}
LINKS = {"subnetIds": ["subnet-0a", "subnet-0b"], "securityGroupId": "sg-0db",
         "availabilityZones": ["eu-central-1a", "eu-central-1b"], "vpcId": "vpc-0main"}


def docs_of(cls: type) -> dict[str, str]:
    """Attribute -> the docstring written under it in the class body."""
    body = ast.parse(inspect.getsource(cls)).body[0].body
    docs = {}
    for node, after in zip(body, body[1:]):
        if isinstance(node, ast.AnnAssign) and isinstance(after, ast.Expr) and isinstance(after.value, ast.Constant):
            docs[node.target.id] = after.value.value
    return docs


def resource(schema: dict, component: str) -> dict:
    return schema["resources"][f"webstack:index:{component}"]


# ------------------------------------------------------------------------------ tokens


def test_the_package_serves_every_component_under_a_webstack_index_token(schema):
    defined = {c for m in MODULES for c in components_from_module(m) if c.__module__ == m.__name__}
    assert set(package.COMPONENTS) == defined
    assert schema["name"] == "webstack" and schema["version"] == package.version() == "0.2.0"
    assert sorted(schema["resources"]) == sorted(f"webstack:index:{c}" for c in ARGS)
    assert sorted(t for t in schema["types"]) == [
        "webstack:index:CacheEngine", "webstack:index:Objectives", "webstack:index:SecurityHeaders",
        "webstack:index:Thresholds",
    ]


# ------------------------------------------------------------------------------ inputs


@pytest.mark.parametrize("component", sorted(ARGS))
def test_every_args_field_is_an_input_described_by_its_docstring(schema, component):
    args = ARGS[component]
    res = resource(schema, component)
    docs = docs_of(args)
    fields = dataclasses.fields(args)
    assert sorted(res["inputProperties"]) == sorted(camel(f.name) for f in fields)
    for f in fields:
        assert res["inputProperties"][camel(f.name)]["description"] == docs[f.name], f.name
    # Required exactly where the Args class has no default: everything else may be left out.
    no_default = [f.name for f in fields
                  if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING]
    assert sorted(res.get("requiredInputs", [])) == sorted(camel(n) for n in no_default)
    assert res["description"] == sys.modules[args.__module__].__dict__[component].__doc__.strip()


def test_database_inputs_keep_structure_plain_and_links_as_inputs(schema):
    props = resource(schema, "Database")["inputProperties"]
    assert props["replicas"] == {"type": "integer", "plain": True, "description": props["replicas"]["description"]}
    assert props["multiAz"]["type"] == "boolean" and props["multiAz"]["plain"] is True
    assert props["instanceClass"]["type"] == "string"
    assert props["subnetIds"]["type"] == "array" and props["subnetIds"]["items"]["type"] == "string"
    assert "plain" not in props["subnetIds"]  # a pulumi.Input: another resource's output is fine
    assert props["securityGroupId"]["type"] == "string" and "plain" not in props["securityGroupId"]
    assert props["maxConnections"]["type"] == "integer"
    assert resource(schema, "Database")["requiredInputs"] == ["availabilityZones", "securityGroupId",
                                                              "subnetIds", "vpcId"]


def test_security_headers_are_one_shared_object_type(schema):
    ref = {"$ref": "#/types/webstack:index:SecurityHeaders"}
    for component in ("Cdn", "VercelApp", "KubernetesApp"):
        assert ref.items() <= resource(schema, component)["inputProperties"]["headers"].items()
    headers_type = schema["types"]["webstack:index:SecurityHeaders"]
    docs = docs_of(headers.SecurityHeaders)
    assert headers_type["type"] == "object"
    assert headers_type["properties"]["hstsMaxAgeSeconds"]["type"] == "integer"
    assert headers_type["properties"]["hstsPreload"]["type"] == "boolean"
    assert headers_type["properties"]["contentSecurityPolicy"]["description"] == docs["content_security_policy"]
    assert "required" not in headers_type  # every header has a default


def test_maps_lists_numbers_and_enums_get_their_schema_types(schema):
    cdn_in = resource(schema, "Cdn")["inputProperties"]
    assert cdn_in["originHeaders"]["type"] == "object"
    assert cdn_in["originHeaders"]["additionalProperties"]["type"] == "string"
    assert cdn_in["staticPaths"]["items"]["type"] == "string"
    k8s_in = resource(schema, "KubernetesApp")["inputProperties"]
    assert k8s_in["canarySteps"]["type"] == "array" and k8s_in["canarySteps"]["items"]["type"] == "integer"
    assert k8s_in["colorImages"]["additionalProperties"]["type"] == "string"
    alerting_in = resource(schema, "Alerting")["inputProperties"]
    assert alerting_in["thresholds"]["$ref"] == "#/types/webstack:index:Thresholds"
    assert schema["types"]["webstack:index:Thresholds"]["properties"]["errorRatePercent"]["type"] == "number"
    assert resource(schema, "Cache")["inputProperties"]["engine"]["$ref"] == "#/types/webstack:index:CacheEngine"
    engine = schema["types"]["webstack:index:CacheEngine"]
    assert engine["type"] == "string" and [e["value"] for e in engine["enum"]] == ["redis", "valkey"]


def test_python_objects_passed_for_convenience_stay_out_of_the_schema(schema):
    """``Backups(..., database=db)`` and ``Alerting(..., database=db, cdn=cdn, ...)`` take
    components as keyword-only extras; packages pass the ids and ARNs in Args instead."""
    assert "database" not in resource(schema, "Backups")["inputProperties"]
    assert "resourceArns" in resource(schema, "Backups")["inputProperties"]
    for extra in ("database", "cache", "cdn", "app", "backups"):
        assert extra not in resource(schema, "Alerting")["inputProperties"]
    assert "databaseIdentifier" in resource(schema, "Alerting")["inputProperties"]


# ----------------------------------------------------------------------------- outputs


@pytest.mark.parametrize("component", sorted(ARGS))
def test_every_declared_output_is_a_described_property(schema, component):
    cls = next(c for c in package.COMPONENTS if c.__name__ == component)
    declared = {k for k in cls.__annotations__ if not k.startswith("_")}
    props = resource(schema, component)["properties"]
    assert sorted(props) == sorted(camel(k) for k in declared)
    docs = docs_of(cls)
    for name in declared:
        assert props[camel(name)]["description"] == docs[name], name


def test_outputs_other_teams_rely_on_have_their_types(schema):
    db = resource(schema, "Database")
    assert db["properties"]["writerEndpoint"]["type"] == "string"
    assert db["properties"]["replicaIdentifiers"]["type"] == "array"
    assert db["properties"]["replicaIdentifiers"]["items"]["type"] == "string"
    assert db["properties"]["maxConnections"]["type"] == "integer"
    assert "writerEndpoint" in db["required"] and "proxyEndpoint" not in db["required"]
    cache_out = resource(schema, "Cache")["properties"]
    assert cache_out["primaryEndpoint"]["type"] == "string" and cache_out["port"]["type"] == "integer"
    assert cache_out["memberClusters"]["items"]["type"] == "string"
    assert resource(schema, "Alerting")["properties"]["topicArns"]["additionalProperties"]["type"] == "string"
    records = resource(schema, "Cdn")["properties"]["certificateValidationRecords"]
    assert records["items"]["additionalProperties"]["type"] == "string"
    assert "webAclArn" not in resource(schema, "Cdn")["required"]
    assert resource(schema, "KubernetesApp")["properties"]["maxReplicas"]["type"] == "integer"
    assert resource(schema, "VercelApp")["properties"]["platform"]["type"] == "string"


# ------------------------------------------------- what `pulumi package add` can infer


def _is_output(annotation: Any) -> bool:
    return typing.get_origin(annotation) is pulumi.Output or (
        isinstance(annotation, typing.ForwardRef) and annotation.__forward_arg__.startswith("Output["))


def annotation_problems(annotation: Any, where: str, seen: dict[str, type]) -> list[str]:
    """Why Pulumi's schema analyzer (``pulumi.provider.experimental.analyzer``) would refuse
    ``annotation``, lose part of it, or publish it untyped; empty when it maps cleanly.

    Accepted: str, int, float, bool; enums of one value type; dataclasses (walked field by
    field, names unique: every type lands in ``webstack:index``); list[T]; dict[str, T];
    Optional[T]; pulumi.Input[T]; pulumi.Output[T]. ``seen`` maps type names to classes.
    """
    if isinstance(annotation, (str, typing.ForwardRef)) and not _is_output(annotation):
        return [f"{where}: string annotation {annotation!r}: the analyzer needs the real type "
                "(no `from __future__ import annotations` in component modules)"]
    if annotation in (str, int, float, bool):
        return []
    if annotation is Any:
        return [f"{where}: Any: published as pulumi.json#/Any, untyped in every other language; give the type"]
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin in (Union, types.UnionType):
        rest = [a for a in args if a is not type(None)]
        awaitables = [a for a in rest if typing.get_origin(a) is abc.Awaitable]
        outputs = [a for a in rest if _is_output(a)]
        plain = [a for a in rest if a not in awaitables and a not in outputs]
        if len(rest) == 1 and len(args) == 2:  # Optional[T], T possibly an Output
            return annotation_problems(rest[0], where, seen)
        if awaitables or outputs:  # pulumi.Input[T] = Union[T, Awaitable[T], Output[T]]
            if len(awaitables) == len(outputs) == len(plain) == 1 and typing.get_args(awaitables[0]) == (plain[0],):
                return annotation_problems(plain[0], where, seen)
            return [f"{where}: {annotation}: an Input of a Union; only Input[T] of one type T is inferred "
                    "(the analyzer raises 'Union types are not supported')"]
        if type(None) in args:
            return [f"{where}: {annotation}: Optional of a Union; the analyzer keeps only {rest[0]} and silently "
                    f"drops {', '.join(map(str, rest[1:]))}"]
        return [f"{where}: {annotation}: a Union; only Optional[T] is allowed (the analyzer raises "
                "'Union types are not supported')"]
    if _is_output(annotation):
        return annotation_problems(args[0], where, seen) if args else []
    if origin in (list, abc.Sequence, abc.MutableSequence) or annotation in (list, abc.Sequence):
        if len(args) != 1:
            return [f"{where}: {annotation}: a list needs its item type, list[T]"]
        return annotation_problems(args[0], f"{where}[]", seen)
    if origin in (dict, abc.Mapping, abc.MutableMapping) or annotation in (dict, abc.Mapping):
        if len(args) != 2:
            return [f"{where}: {annotation}: a map needs its types, dict[str, T]"]
        if args[0] is not str:
            return [f"{where}: {annotation}: map keys must be str"]
        return annotation_problems(args[1], f"{where}{{}}", seen)
    if not isinstance(annotation, type):
        return [f"{where}: {annotation}: not a type the analyzer can map (tuple, Literal, set, ... are refused)"]
    if issubclass(annotation, pulumi.Resource):
        return [f"{where}: {annotation.__name__}: a resource; other languages pass its id or ARN instead"]
    name_clash = seen.get(annotation.__name__)
    if name_clash is not None and name_clash is not annotation:
        return [f"{where}: {annotation.__module__}.{annotation.__name__} and {name_clash.__module__}."
                f"{name_clash.__name__} would both be webstack:index:{annotation.__name__}"]
    if name_clash is annotation:
        return []
    seen[annotation.__name__] = annotation
    if issubclass(annotation, enum.Enum):
        kinds = {type(m.value) for m in annotation}
        if len(kinds) != 1 or not kinds <= {str, int, float, bool}:
            return [f"{where}: enum {annotation.__name__}: values must all be str (or all int, float, bool)"]
        return []
    if annotation.__module__ == "builtins":
        return [f"{where}: {annotation.__name__}: not a type the analyzer can map"]
    if not dataclasses.is_dataclass(annotation):
        return [f"{where}: {annotation.__name__}: nested types are dataclasses here (validated, documented fields)"]
    problems = []
    for field_name, field_type in inspect.get_annotations(annotation).items():
        if not field_name.startswith("_"):
            problems += annotation_problems(field_type, f"{annotation.__name__}.{field_name}", seen)
    return problems


def component_problems(component: type, seen: dict[str, type]) -> list[str]:
    """Why ``pulumi package add`` could not infer ``component``'s schema, or would infer a
    lossy one: the constructor's shape, every Args field type, every output annotation."""
    problems = []
    params = list(inspect.signature(component.__init__).parameters.values())[1:]
    annotations = inspect.get_annotations(component.__init__)
    positional = [p.name for p in params if p.kind is p.POSITIONAL_OR_KEYWORD]
    if positional != ["name", "args", "opts"]:
        problems.append(f"{component.__name__}.__init__{inspect.signature(component.__init__)}: the provider calls "
                        "Component(name, args, opts); the analyzer reads the parameter named 'args'")
    extra = [p for p in params if p.kind is not p.POSITIONAL_OR_KEYWORD]
    for p in extra:
        if p.kind is not p.KEYWORD_ONLY or p.default is inspect.Parameter.empty:
            problems.append(f"{component.__name__}.__init__: {p.name} must be keyword-only with a default "
                            "(the provider passes only name, args, opts)")
    args = annotations.get("args")
    if not (isinstance(args, type) and dataclasses.is_dataclass(args) and args.__name__ == f"{component.__name__}Args"):
        problems.append(f"{component.__name__}.__init__: args must be annotated with the dataclass "
                        f"{component.__name__}Args, not {args!r}")
    else:
        seen[args.__name__] = args
        for field_name, field_type in inspect.get_annotations(args).items():
            problems += annotation_problems(field_type, f"{args.__name__}.{field_name}", seen)
    for attr, attr_type in inspect.get_annotations(component).items():
        if not attr.startswith("_"):
            problems += annotation_problems(attr_type, f"{component.__name__}.{attr} (output)", seen)
    return problems


def test_every_component_keeps_within_what_the_schema_analyzer_infers():
    """A future Args change that would break ``pulumi package add`` (a Union, an untyped
    field, a tuple, a renamed ``args``, postponed annotations) fails here with the field named."""
    seen: dict[str, type] = {}
    problems = [p for component in package.COMPONENTS for p in component_problems(component, seen)]
    assert problems == []
    # The walk reached every Args class and the nested types the schema holds.
    nested = {"SecurityHeaders", "CacheEngine", "Thresholds", "Objectives"}
    assert {f"{c.__name__}Args" for c in package.COMPONENTS} | nested <= set(seen)


def test_every_shared_type_and_its_fields_are_described(schema):
    """What other languages see of the nested types: a documented type, documented fields."""
    assert schema["types"]
    for token, type_def in schema["types"].items():
        assert type_def.get("description"), token
        for name, prop in type_def.get("properties", {}).items():
            assert prop.get("description"), f"{token}.{name}"


@dataclasses.dataclass
class _Probe:
    """A component with one Args field of a given annotation, for the analyzer."""

    annotation: Any
    param: str = "args"

    def component(self) -> type:
        args_class = dataclasses.make_dataclass("ProbeArgs", [("value", self.annotation)])
        args_class.__doc__ = "Probe args."

        def takes_args(self, name, args, opts=None):
            pass

        def takes_arguments(self, name, arguments, opts=None):
            pass

        init = takes_args if self.param == "args" else takes_arguments
        init.__annotations__ = {"name": str, self.param: args_class}
        return type("Probe", (pulumi.ComponentResource,), {"__init__": init, "__doc__": "Probe."})


@pytest.mark.parametrize(
    "probe, analyzer_says, we_say",
    [
        (_Probe(Union[str, int]), "Union types are not supported", "only Optional[T] is allowed"),
        (_Probe(pulumi.Input[Union[str, int]]), "Union types are not supported", "an Input of a Union"),
        (_Probe(Optional[Union[str, int]]), {"type": "string"}, "silently drops <class 'int'>"),
        (_Probe(list), "list types must specify a type argument", "a list needs its item type"),
        (_Probe(dict[int, str]), "map keys must be strings", "map keys must be str"),
        (_Probe(tuple[str, ...]), "Unsupported type 'tuple[str, ...]'", "tuple, Literal, set"),
        (_Probe(typing.Literal["a", "b"]), TypeError, "tuple, Literal, set"),
        (_Probe("str"), TypeError, "string annotation 'str'"),
        (_Probe(Any), {"$ref": "pulumi.json#/Any"}, "Any: published as pulumi.json#/Any"),
        (_Probe(str, param="arguments"), "requires an argument named 'args'", "reads the parameter named 'args'"),
    ],
)
def test_the_check_refuses_what_the_analyzer_refuses_or_loses(probe, analyzer_says, we_say):
    """Each case as Pulumi's analyzer sees it (an error, or a schema that lost the type), and
    the check above naming it: the check is not stricter or looser by accident."""
    component = probe.component()
    if isinstance(analyzer_says, dict):
        inferred = Analyzer("probe").analyze([component])["component_definitions"]["Probe"].inputs["value"]
        got = {"type": inferred.type.value if inferred.type else None, "$ref": inferred.ref}
        assert {k: got[k] for k in analyzer_says} == analyzer_says
    else:
        expected = analyzer_says if isinstance(analyzer_says, type) else Exception
        with pytest.raises(expected) as err:
            Analyzer("probe").analyze([component])
        if isinstance(analyzer_says, str):
            assert analyzer_says in str(err.value)
    problems = component_problems(component, {})
    assert any(we_say in p for p in problems), problems


# -------------------------------------------------------- constructing through the package


def construct(provider: ComponentProvider, component: str, inputs: dict) -> tuple:
    """Construct like ``pulumi up`` in another language: camelCase inputs, every number a
    double on the wire; returns the plan and the state handed back to the caller."""
    result = {}

    def program():
        result["state"] = provider.construct("it", f"webstack:index:{component}", inputs, pulumi.ResourceOptions()).state

    return synth(program), result["state"]


REQUIRED_ONLY = {
    "Network": {},
    "Database": LINKS,
    "Cache": {k: LINKS[k] for k in ("subnetIds", "securityGroupId", "availabilityZones")},
    "Cdn": {"domain": "shop.example.com", "originDomain": "origin.shop.example.com"},
    "VercelApp": {"projectName": "shop", "originDomain": "origin.shop.example.com"},
    "KubernetesApp": {"originDomain": "origin.shop.example.com", "image": "ghcr.io/acme/shop@sha256:" + "a" * 64},
    "EcsApp": {"originDomain": "origin.shop.example.com", "vpcId": "vpc-0main", "subnetIds": ["subnet-0a", "subnet-0b"],
               "publicSubnetIds": ["subnet-1a", "subnet-1b"], "appSecurityGroupId": "sg-0app",
               "image": "123456789012.dkr.ecr.eu-central-1.amazonaws.com/acme/shop@sha256:" + "a" * 64},
    "Backups": {},
    "Alerting": {"tier": "staging", "emails": ["ops@example.com"]},
    "Canaries": {"domain": "shop.example.com", "region": "eu-central-1",
                 "alarmTopicArns": {"eu-central-1": "arn:aws:sns:eu-central-1:123456789012:critical"}},
    # A drill needs a target besides its stop alarms (each target is optional, one is required).
    "Drills": {"stopAlarmArns": ["arn:aws:cloudwatch:eu-central-1:123456789012:alarm:site-down"],
               "databaseInstanceArn": "arn:aws:rds:eu-central-1:123456789012:db:orders"},
}


@pytest.mark.parametrize("component", sorted(REQUIRED_ONLY))
def test_every_component_builds_from_its_required_inputs_and_returns_its_outputs(provider, schema, component):
    plan, state = construct(provider, component, REQUIRED_ONLY[component])
    root = plan.one(f"webstack:index:{component}", "it")
    descendants = {r.urn for r in plan.descendants(root)}
    assert descendants and descendants == {r.urn for r in plan.resources if r is not root}
    assert set(resource(schema, component)["required"]) <= set(state)


def test_a_database_constructed_from_package_inputs_is_the_python_component(provider):
    plan, state = construct(provider, "Database", {**LINKS, "replicas": 2.0, "multiAz": True,
                                                    "instanceClass": "db.r7g.large", "backupRetentionDays": 30.0})
    component = plan.one("webstack:index:Database", "it")
    instances = plan.by_type("aws:rds/instance:Instance")
    assert len(instances) == 3 and all(i.parent == component.urn for i in instances)
    primary = plan.one("aws:rds/instance:Instance", "it-primary")
    assert primary.inputs["multiAz"] is True and primary.inputs["backupRetentionPeriod"] == 30
    assert primary.inputs["instanceClass"] == "db.r7g.large" and primary.inputs["engineVersion"] == "17"
    assert isinstance(component.component_outputs["max_connections"], int)
    assert set(state) >= {"writerEndpoint", "readerEndpoint", "secretArn", "replicaIdentifiers", "maxConnections"}
    assert len(state["replicaIdentifiers"]) == 2


def test_nested_security_headers_arrive_as_the_python_type(provider):
    plan, _ = construct(provider, "Cdn", {
        "domain": "shop.example.com", "originDomain": "origin.shop.example.com", "waf": False, "accessLogs": False,
        "headers": {"hstsMaxAgeSeconds": 63072000.0, "hstsPreload": True, "frameOptions": "SAMEORIGIN"},
    })
    policy = plan.one("aws:cloudfront/responseHeadersPolicy:ResponseHeadersPolicy")
    hsts = policy.inputs["securityHeadersConfig"]["strictTransportSecurity"]
    assert hsts["accessControlMaxAgeSec"] == 63072000 and hsts["preload"] is True and hsts["includeSubdomains"] is True
    assert policy.inputs["securityHeadersConfig"]["frameOptions"]["frameOption"] == "SAMEORIGIN"


def test_package_inputs_meet_the_same_validation(provider):
    with pytest.raises(ComponentInitError) as err:
        construct(provider, "Database", {**LINKS, "replicas": 9.0})
    assert isinstance(err.value.inner, ArgsError)
    assert str(err.value.inner) == "database.replicas = 9: must be between 0 and 5"  # 9, not 9.0
    with pytest.raises(InputPropertyError, match="Missing required input 'vpcId' on 'Database'"):
        construct(provider, "Database", {k: v for k, v in LINKS.items() if k != "vpcId"})


# ---------------------------------------------------------------------------- entry point


def test_importing_the_entry_point_starts_nothing(monkeypatch):
    calls = []
    monkeypatch.setattr("pulumi.provider.experimental.component_provider_host", lambda **kw: calls.append(kw))
    monkeypatch.delitem(sys.modules, "pulumi_webstack.__main__")
    __import__("pulumi_webstack.__main__")
    assert calls == []


def test_running_the_directory_hosts_every_component(monkeypatch):
    """``python components/`` (what the language host runs) puts the repository root first
    on sys.path, so the modules import as ``components.*`` and never as top-level modules."""
    calls = []
    monkeypatch.setattr("pulumi.provider.experimental.component_provider_host", lambda **kw: calls.append(kw))
    monkeypatch.setattr(sys, "path", list(sys.path))
    runpy.run_path(str(COMPONENTS_DIR), run_name="__main__")
    assert calls == [{"name": "webstack", "components": package.COMPONENTS, "version": "0.2.0"}]
    assert sys.path[0] == str(COMPONENTS_DIR.parent)
    assert all(Path(p or ".").resolve() != COMPONENTS_DIR for p in sys.path)


def test_the_plugin_serves_the_schema_over_grpc(tmp_path, schema):
    """The plugin process as the Pulumi CLI starts it: prints its port, answers GetSchema."""
    proc = subprocess.Popen([sys.executable, str(COMPONENTS_DIR), "127.0.0.1:1"], cwd=tmp_path,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        ready, _, _ = select.select([proc.stdout], [], [], 60)
        assert ready, "the plugin printed no port within 60 s"
        port = proc.stdout.readline().decode().strip()
        assert port.isdigit(), proc.stderr.read().decode()
        with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
            served = provider_pb2_grpc.ResourceProviderStub(channel).GetSchema(provider_pb2.GetSchemaRequest(), timeout=10)
        assert json.loads(served.schema) == schema
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_the_plugin_declares_python_and_installs_what_the_components_import():
    manifest = (COMPONENTS_DIR / "PulumiPlugin.yaml").read_text()
    assert yaml.safe_load(manifest)["runtime"]["name"] == "python"
    project = tomllib.loads((COMPONENTS_DIR.parent / "pyproject.toml").read_text())["project"]
    # The plugin hosts every component: the core and the app tiers' extras.
    pinned = project["dependencies"] + project["optional-dependencies"]["kubernetes"] \
        + project["optional-dependencies"]["vercel"]
    required = [line for line in (COMPONENTS_DIR / "requirements.txt").read_text().splitlines()
                if line and not line.startswith("#")]
    assert set(required) <= set(pinned)
    imported = set()
    for module in COMPONENTS_DIR.glob("*.py"):
        for line in module.read_text().splitlines():
            if line.strip().startswith(("import pulumi", "from pulumi")):  # also optional SDKs, imported under try
                imported.add(line.split()[1].split(".")[0])
    imported.discard("pulumi_webstack")  # the package itself: the plugin loads this folder under that name
    assert {name.replace("_", "-") for name in imported} == {r.split(">")[0].split("<")[0] for r in required}


@pytest.mark.parametrize(
    "build, message",
    [
        (lambda: __import__("pulumi_webstack.database", fromlist=["x"]).DatabaseArgs(
            subnet_ids=["a", "b"], security_group_id="sg", availability_zones=["x", "y"], vpc_id="v",
            deletion_protection=None), "database.deletion_protection = None: must be true or false"),
        (lambda: __import__("pulumi_webstack.network", fromlist=["x"]).NetworkArgs(flow_logs=None),
         "network.flow_logs = None: must be true or false"),
    ],
)
def test_a_flag_set_to_none_is_refused_instead_of_reading_as_false(build, message):
    from pulumi_webstack.errors import ArgsError

    with pytest.raises(ArgsError, match=message.replace("(", r"\(")):
        build()
