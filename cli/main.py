"""``webstack``: the offline plan of a Pulumi Python project, without the Pulumi CLI,
plugins or credentials.

    webstack synth    [-s STACK] [--json] [--set KEY[.PATH]=VALUE ...]    resource tree
    webstack check    [-s STACK] [--policy-pack DIR] [--format text|json|sarif|markdown]
    webstack diff     A B | [-s STACK ...] --base GIT_REF [--format text|markdown|json]
    webstack estimate [-s STACK] [--json]                                  deploy time and monthly cost
    webstack --version

Like the Pulumi CLI, it works on the project of the current directory (found by walking up
to ``Pulumi.yaml``; ``-C DIR`` starts elsewhere) and on the stack ``-s STACK``, else
``$PULUMI_STACK``, else the only stack file. ``webstack synth prod`` (the stack as an
argument) works too.

Exit codes: 0 success, 1 ``check`` found a mandatory violation (or ``diff --exit-code``
found changes), 2 bad input or a program that cannot be planned (unknown stack, invalid
config, a failing program). User errors print one message, never webstack's own traceback.
"""

from __future__ import annotations

import argparse
import gc
import importlib
import importlib.util
import json
import sys
import time
import traceback
from pathlib import Path
from typing import Any, Optional, Sequence

from pulumi_webstack_cli.engine import Plan, synth_stack, to_plain
from pulumi_webstack_cli.project import (
    ConfigFileError,
    ConfigSet,
    Project,
    SetError,
    StackSelectionError,
    find_project,
    from_set,
    load_project,
    parse_set,
    select_stack,
)
from pulumi_webstack_cli.style import COLOR_MODES, Progress, Style, color_enabled, op_summary

# Subcommands living in their own modules; each exposes ``register(subparsers, common)``.
_SUBCOMMAND_MODULES = ("pulumi_webstack_cli.check", "pulumi_webstack_cli.diff_report", "pulumi_webstack_cli.estimate")

_MAX_VALUE = 100


class UserError(Exception):
    """A problem with what the user asked for: printed as one message, exit 2."""


# ---------------------------------------------------------------------------- planning


def parse_sets(texts: Sequence[str]) -> list[ConfigSet]:
    """``--set`` arguments -> ConfigSet (``webstack:database.replicas=4``); UserError when malformed."""
    try:
        return [parse_set(text) for text in texts]
    except SetError as exc:
        raise UserError(str(exc)) from None


def invalid_configuration(stack: str, file: str, problems: Sequence[str]) -> str:
    """The one header line and one line per problem that every configuration error prints."""
    return "\n".join([f"stack {stack!r}: invalid configuration ({file}); nothing was deployed:",
                      *(f"  - {p}" for p in problems)])


def config_error_text(exc: BaseException, sets: Sequence[ConfigSet]) -> str:
    """The program's configuration error, each problem caused by a ``--set`` marked as such.

    The stack program raises a ``pulumi.RunError`` whose message is a header line plus one
    line per problem and which may carry ``problems``: objects with ``.key`` (the stack-file
    key path, ``webstack:database.replicas``) and ``.text`` (the line). Nothing else of the
    program is assumed: without ``problems`` the message is printed as it is.
    """
    text = str(exc)
    problems = getattr(exc, "problems", None)
    if not problems or not sets:
        return text
    lines = [text.splitlines()[0] if text else "invalid configuration; nothing was deployed:"]
    for problem in problems:
        line = str(getattr(problem, "text", None) or problem).strip()
        line = line[2:] if line.startswith("- ") else line
        mark = " (from --set)" if from_set(getattr(problem, "key", None), sets) else ""
        lines.append(f"  - {line}{mark}")
    return "\n".join(lines)


_INTERNAL = ("/pulumi/", "/asyncio/", "/runpy.py", "/threading.py", "/concurrent/")
_OWN = str(Path(__file__).resolve().parent)


def program_failure(stack: str, exc: BaseException) -> str:
    """A failing program's error with its own frames (not webstack's, the SDK's or asyncio's)."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__)
              if not f.filename.startswith(_OWN)
              and not any(part in f.filename.replace("\\", "/") for part in _INTERNAL)]
    trace = "".join(traceback.format_list(frames)) if frames else ""
    return (f"stack {stack!r}: the program failed, so nothing can be planned:\n"
            f"{trace}{type(exc).__name__}: {exc}")


def plan_for(stack: str, sets: Sequence[ConfigSet | str] = (), *, root: Optional[Path] = None,
             preview: bool = False) -> Plan:
    """Synthesize ``stack`` of the project at ``root`` (default: found from the current
    directory), turning everything the user can fix into ``UserError``; with ``preview``, as
    a first deploy's ``pulumi preview`` sees it (computed values unknown)."""
    import pulumi

    parsed = [s if isinstance(s, ConfigSet) else parse_set(s) for s in sets]
    try:
        return synth_stack(stack, root=root, sets=parsed, preview=preview)
    except ConfigFileError as exc:
        raise UserError(invalid_configuration(stack, exc.path.name, [str(exc)])) from None
    except (FileNotFoundError, SetError, StackSelectionError) as exc:
        raise UserError(str(exc)) from None
    except pulumi.RunError as exc:
        raise UserError(config_error_text(exc, parsed)) from None
    except Exception as exc:  # the program's own failure: show its frames, not webstack's
        raise UserError(program_failure(stack, exc)) from None


class Session:
    """What every command needs: the project, the stack, output style and progress."""

    def __init__(self, args: argparse.Namespace):
        self.cwd = Path(getattr(args, "cwd", None) or ".").resolve()
        color = getattr(args, "color", None) or "auto"
        self.style = Style(color_enabled(color, sys.stdout))
        self.err_style = Style(color_enabled(color, sys.stderr))
        self.progress = Progress(sys.stderr)
        self._project: Optional[Project] = None

    def root(self) -> Path:
        if not self.cwd.is_dir():
            raise UserError(f"-C {self.cwd}: no such directory")
        try:
            return find_project(self.cwd)
        except FileNotFoundError as exc:
            raise UserError(str(exc)) from None

    def project(self) -> Project:
        if self._project is None:
            try:
                self._project = load_project(self.root())
            except ConfigFileError as exc:
                raise UserError(f"invalid project file ({exc.path.name}); nothing was deployed:\n  - {exc}") from None
        return self._project

    def stack(self, args: argparse.Namespace) -> str:
        """``-s STACK``, else the positional stack, else ``$PULUMI_STACK``, else the only stack file."""
        option, positional = getattr(args, "stack_option", None), getattr(args, "stack", None)
        if option and positional and option != positional:
            raise UserError(f"two stacks given: -s {option} and {positional}; give one")
        try:
            return select_stack(self.project(), option or positional)
        except StackSelectionError as exc:
            raise UserError(str(exc)) from None

    def plan(self, stack: str, sets: Sequence[str] = (), preview: bool = False) -> Plan:
        parsed = parse_sets(sets)
        project = self.project()
        with self.progress.step(f"Planning {project.name}/{stack} offline"):
            return plan_for(stack, parsed, root=project.root, preview=preview)

    def source_root(self) -> Path:
        """The repository the project is in (paths in SARIF are relative to it), else the project."""
        root = self.project().root
        for folder in (root, *root.parents):
            if (folder / ".git").exists():
                return folder
        return root


# ------------------------------------------------------------------------------ synth


def _short(value: Any) -> str:
    """One line for the tree: JSON, secrets masked, long values cut."""
    plain = to_plain(value)
    if isinstance(plain, str) and plain is not value:  # a masked secret or unknown: no quotes
        return plain
    if isinstance(plain, float) and plain.is_integer():
        plain = int(plain)
    if isinstance(plain, str):
        return json.dumps(plain if len(plain) <= _MAX_VALUE else plain[: _MAX_VALUE - 3] + "...")
    text = json.dumps(plain, separators=(",", ":"), default=str)
    if isinstance(plain, (dict, list)) and len(text) > _MAX_VALUE:
        text = text[: _MAX_VALUE - 3] + "..."
    return text


def render_tree(plan: Plan, show_inputs: bool = True, style: Optional[Style] = None) -> str:
    """The resource tree, as ``pulumi preview`` shows a first deployment: ``+`` per resource,
    then type, options, inputs and dependencies."""
    style = style or Style(False)
    plus = style.green("+")
    lines = [f"{plus} {style.bold(f'{plan.project}-{plan.stack}')}  {style.dim('pulumi:pulumi:Stack')}"
             f" — {len(plan)} resources"]
    names = {r.urn: r.name for r in plan}

    def walk(parent: Optional[str], prefix: str) -> None:
        children = [r for r in plan if (r.parent if r.parent in names else None) == parent]
        for i, res in enumerate(children):
            last = i == len(children) - 1
            flags = [f for f, on in (("protect", res.protect), ("retainOnDelete", res.retain_on_delete)) if on]
            provider = names.get(res.provider_urn or "", None)
            suffix = style.yellow("".join(f" [{f}]" for f in flags)) + (
                style.dim(f" provider={provider}") if provider and res.custom else "")
            lines.append(f"{plus} {prefix}{'└─ ' if last else '├─ '}{style.bold(res.name)}  "
                         f"{style.cyan(res.type)}{suffix}")
            inner = prefix + ("   " if last else "│  ")
            if show_inputs and res.custom:
                for key in sorted(res.inputs):
                    if key.startswith("__"):
                        continue
                    lines.append(f"  {inner}    {style.dim(key + ':')} {_short(res.inputs[key])}")
                if res.dependencies:
                    deps = sorted({names.get(d, d.rsplit('::', 1)[-1]) for d in res.dependencies})
                    lines.append(f"  {inner}    {style.dim('↳ depends on: ' + ', '.join(deps))}")
            walk(res.urn, inner)

    walk(None, "")
    if plan.outputs:
        lines += ["", style.bold("Outputs:")]
        for key in sorted(plan.outputs):
            lines.append(f"    {key}: {_short(plan.outputs[key])}")
    if plan.placeholders:
        lines += ["", "Note: secret config values cannot be decrypted offline; placeholders were used for: "
                  + ", ".join(plan.placeholders)]
    return "\n".join(lines)


def render_chain(plan: Plan, style: Optional[Style] = None) -> str:
    """The longest chain of creations, one step per line with its type."""
    style = style or Style(False)
    chain = plan.critical_path()
    if not chain:
        return ""
    width = max(len(r.name) for r in chain)
    lines = [f"Longest creation chain: {len(chain)} steps (everything else is created alongside):"]
    lines += [f"  {i:>3}. {r.name:<{width}}  {style.cyan(r.type)}" for i, r in enumerate(chain, 1)]
    return "\n".join(lines)


def _cmd_synth(args: argparse.Namespace) -> int:
    session: Session = args.session
    started = time.perf_counter()
    stack = session.stack(args)
    plan = session.plan(stack, args.set)
    if args.json:
        print(json.dumps(plan.to_json(), indent=2, sort_keys=False, default=str))
        return 0
    style = session.style
    print(render_tree(plan, show_inputs=not args.tree_only, style=style))
    print()
    print(f"{style.bold('Resources:')} {op_summary(style, len(plan), 0, 0)}")
    chain = render_chain(plan, style)
    if chain:
        print(chain)
    print(style.dim(f"Planned {len(plan)} resources for stack {stack!r} in {time.perf_counter() - started:.2f}s "
                    "(offline: Pulumi's mock engine, desired state only)."))
    return 0


# ------------------------------------------------------------------------------ parser


def add_set_option(parser: argparse.ArgumentParser) -> None:
    """``--set KEY[.PATH]=VALUE`` (repeatable): config for one run, merged like ``pulumi config set --path``."""
    parser.add_argument("--set", action="append", default=[], metavar="KEY[.PATH]=VALUE",
                        help="set a config value for this run, merged into the stack file's like "
                             "`pulumi config set --path`: webstack:database.replicas=3, "
                             "webstack:app='{\"platform\":\"kubernetes\"}' (JSON, else text)")


def add_stack_options(parser: argparse.ArgumentParser) -> None:
    """``-s/--stack STACK`` and the positional ``STACK`` (either; default ``$PULUMI_STACK`` or the only stack)."""
    parser.add_argument("stack", nargs="?", help="stack name (the same as -s)")
    parser.add_argument("-s", "--stack", dest="stack_option", metavar="STACK",
                        help="stack to plan (reads Pulumi.<stack>.yaml; default: $PULUMI_STACK, else the only stack)")


def version_text() -> str:
    from importlib.metadata import PackageNotFoundError, version

    def of(dist: str) -> str:
        try:
            return version(dist)
        except PackageNotFoundError:
            return "not installed"

    return (f"webstack {of('pulumi-webstack')} (pulumi {of('pulumi')}, pulumi-aws {of('pulumi-aws')}, "
            f"Python {sys.version.split()[0]})")


def common_options() -> argparse.ArgumentParser:
    """Options every command takes, before or after its name (``webstack -C dir synth``, ``webstack synth -C dir``)."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("-C", "--cwd", metavar="DIR", default=argparse.SUPPRESS,
                        help="run as if started in DIR (a Pulumi project, or a directory inside one)")
    common.add_argument("--color", choices=COLOR_MODES, default=argparse.SUPPRESS,
                        help="colour the output: auto (default: on a terminal, unless NO_COLOR is set), always, never")
    return common


def build_parser() -> argparse.ArgumentParser:
    common = common_options()
    parser = argparse.ArgumentParser(
        prog="webstack",
        parents=[common],
        description="Offline plan, policy check, diff and estimate of the Pulumi Python project you are in "
                    "(no Pulumi CLI, plugins or credentials).",
    )
    parser.add_argument("--version", action="version", version=version_text())
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    synth = sub.add_parser("synth", parents=[common], help="print the resource tree a stack would deploy")
    add_stack_options(synth)
    synth.add_argument("--json", action="store_true", help="machine-readable plan (schemaVersion 1)")
    synth.add_argument("--tree-only", action="store_true", help="types and names only, no inputs")
    add_set_option(synth)
    synth.set_defaults(func=_cmd_synth)
    for module_name in _SUBCOMMAND_MODULES:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name != module_name:
                raise
            continue
        module.register(sub, common)
    return parser


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    args.session = Session(args)
    try:
        code = args.func(args)
    except UserError as exc:
        print(f"{args.session.err_style.paint('webstack: error:', 'red', 'bold')} {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        return 0
    return int(code or 0)


def console() -> None:
    """The ``webstack`` command: ``main``, then exit without walking the heap again.

    Everything alive at the end (SDK modules, the plan) would be walked by the interpreter's
    collections at exit: frozen out of the collector first (``engine.preload`` has the cost).
    """
    missing = [distribution for module, distribution in CLI_EXTRA if importlib.util.find_spec(module) is None]
    if missing:
        print(f"webstack: error: the webstack command needs the cli extra, which brings {', '.join(missing)}: "
              "pip install 'pulumi-webstack[cli]'", file=sys.stderr)
        sys.exit(2)
    code = main()
    gc.freeze()
    sys.exit(code)


CLI_EXTRA = (("pulumi_policy", "pulumi-policy"), ("yaml", "PyYAML"))
"""What the ``cli`` extra installs (import name, distribution): the core install has the
``webstack`` script but not these."""


if __name__ == "__main__":
    console()
