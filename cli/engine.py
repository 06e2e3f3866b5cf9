"""The offline engine: run a Pulumi program in-process under Pulumi's mock engine and
record the desired state it registers.

This is what ``webstack synth`` prints, what ``webstack check`` evaluates the policy pack
against, what ``webstack diff`` compares, and the only mock layer the tests use. It is a
``pulumi.runtime.mocks.MockMonitor`` that keeps the whole registration request (parent,
dependencies, protect, providers, aliases, ...), which the stock ``Mocks`` callback never
sees, and answers like a provider would (``mock_cloud``: deterministic ids and ARNs, the
computed attributes programs read, the invokes they call). What it records is a ``Plan``
(``plan``: the resources, their options and the graph between them).

Values set with ``pulumi config set --secret`` cannot be decrypted without the stack's
secrets provider, so ``synth_stack`` substitutes placeholders and lists them in
``Plan.placeholders``. Secret values never leave a ``Plan`` in clear: ``Secret`` wraps
them, and ``Plan.to_json`` prints ``"[secret]"``.
"""

from __future__ import annotations

import asyncio
import gc
import importlib
import json
import logging
import os
import runpy
import sys
import threading
import warnings
from contextlib import contextmanager
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

# The engine's API is also the model's and the mock cloud's names (tests, benchmarks, tools).
from pulumi_webstack_cli.mock_cloud import (  # noqa: F401
    ACCOUNT_ID, MANAGED_PREFIX_LISTS, VERCEL_ACCOUNT_ID, FirstDeployPreview, MockCloud, unwrap_secrets,
)
from pulumi_webstack_cli.plan import SCHEMA_VERSION, SECRET_TEXT, Plan, Resource, Secret, Unknown, to_plain  # noqa: F401
from pulumi_webstack_cli.project import ConfigSet, apply_sets, load_project
from pulumi_webstack_cli.project import find_project  # noqa: F401 - part of the engine API (tests, benchmarks)
from pulumi_webstack_cli.project import load_stack_config as _load_stack_config

ROOT = Path(__file__).resolve().parent.parent
"""This repository's checkout (where the tool's own files live when run from source)."""


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


def _position(pos: Any) -> Optional[tuple[str, int]]:
    """(path, line) of a SourcePosition message (a file:// URI and a line)."""
    parsed = urlparse(pos.uri)
    if parsed.scheme != "file" or not parsed.path:
        return None
    return unquote(parsed.path), int(pos.line)


class _RecordingMonitor(pulumi_mocks.MockMonitor):
    """A MockMonitor that keeps each full registration request."""

    def __init__(self, mocks: MockCloud):
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
        mocks: MockCloud = self.mocks  # type: ignore[assignment]
        if request.type.startswith("pulumi:providers:"):
            mocks.provider_regions[urn] = unwrap_secrets(inputs).get("region", mocks.region)
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
        self.resources[urn] = pulumi_mocks.MockMonitor.ResourceRegistration(urn, rid or "", unwrap_secrets(state))
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
    mocks = (FirstDeployPreview if preview else MockCloud)(region)
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
