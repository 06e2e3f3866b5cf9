"""The Pulumi project ``webstack`` works on, read as the Pulumi CLI reads it.

* **Finding it**: the nearest directory, walking up from the current one (or ``-C DIR``),
  that holds ``Pulumi.yaml`` (or ``Pulumi.yml``).
* **Its program**: ``main`` of the project file (default: the project directory); a
  directory runs its ``__main__.py``. Like the CLI, the program runs with the program's
  directory as the working directory and first on ``sys.path``.
* **Its stacks**: ``Pulumi.<stack>.yaml`` in ``stackConfigDir`` (default: the project
  directory). The stack is ``-s STACK``, else ``PULUMI_STACK``, else the only stack file;
  a fully qualified name (``org/project/stack``) selects its last part.
* **Its config**: project-level values and defaults from the project file, then the
  stack file's ``config:``; ``secure:`` values become placeholders (they need the stack's
  secrets provider to decrypt). Then ``--set`` paths, merged like ``pulumi config set --path``.

A file that cannot be read as Pulumi reads it (YAML syntax, tabs, not UTF-8, duplicate keys,
``config:`` that is not a mapping, a top level that is not a mapping) raises
``ConfigFileError``, naming the file, the line and what is wrong, before any program runs.
PyYAML alone would keep the last of two duplicate keys silently; the loader here refuses
them, as the Pulumi CLI's YAML parser does.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Mapping, Optional, Sequence

import yaml

PROJECT_FILES = ("Pulumi.yaml", "Pulumi.yml")
PLACEHOLDER_PREFIX = "offline-placeholder-"


# ------------------------------------------------------------------------------ errors


class ConfigFileError(Exception):
    """A project or stack file that cannot be read; one problem, with its file and line."""

    def __init__(self, path: Path, line: Optional[int], problem: str):
        self.path = path
        self.line = line
        self.problem = problem
        where = f"{path.name}:{line}" if line else path.name
        super().__init__(f"{where}: {problem}")


class StackSelectionError(Exception):
    """No stack given and none can be chosen, or the named stack has no stack file."""


class SetError(Exception):
    """A ``--set`` argument that is not ``NAMESPACE:KEY[.PATH]=VALUE``."""


# ------------------------------------------------------------------------- YAML, strictly


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader that refuses duplicate keys in a mapping (PyYAML keeps the last one)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict:
        seen: dict[Any, yaml.Node] = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)
            try:
                first = seen.get(key)
            except TypeError:  # an unhashable key: SafeLoader's own error says it best
                continue
            if first is not None:
                raise yaml.constructor.ConstructorError(
                    None, None,
                    f"duplicate key {key!r} (first at line {first.start_mark.line + 1}); YAML would keep only "
                    "the last value: remove one",
                    key_node.start_mark)
            seen[key] = key_node
        return super().construct_mapping(node, deep=deep)


def _yaml_problem(exc: yaml.YAMLError) -> tuple[Optional[int], str]:
    """(line, readable problem) of a PyYAML error."""
    mark = getattr(exc, "problem_mark", None)
    line = mark.line + 1 if mark is not None else None
    problem = getattr(exc, "problem", None) or str(exc)
    if "'\\t'" in problem or "\t" in problem:
        return line, "a tab character: YAML indents with spaces only"
    if problem.startswith("duplicate key"):
        return line, problem
    context = getattr(exc, "context", None)
    return line, f"invalid YAML: {context + ', ' if context else ''}{problem}"


def read_yaml(path: Path) -> tuple[Any, Optional[yaml.Node]]:
    """(data, node) of a YAML file, or ConfigFileError naming the line of the problem."""
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ConfigFileError(path, line, f"not UTF-8 text (byte 0x{raw[exc.start]:02x}); save the file as UTF-8") from None
    loader = _StrictLoader(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.YAMLError as exc:
        line, problem = _yaml_problem(exc)
        raise ConfigFileError(path, line, problem) from None
    finally:
        loader.dispose()
    return data, node


def _line(node: Optional[yaml.Node]) -> Optional[int]:
    return node.start_mark.line + 1 if node is not None else None


def _value_node(node: Optional[yaml.Node], key: str) -> Optional[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            if isinstance(key_node, yaml.ScalarNode) and key_node.value == key:
                return value_node
    return None


_KIND = {list: "a list", str: "a string", int: "a number", float: "a number", bool: "a boolean"}


def _kind(value: Any) -> str:
    return _KIND.get(type(value), type(value).__name__)


def read_mapping_file(path: Path, what: str) -> tuple[dict[str, Any], Optional[yaml.Node]]:
    """A YAML file whose top level must be a mapping (an empty file is an empty mapping)."""
    data, node = read_yaml(path)
    if data is None:
        return {}, node
    if not isinstance(data, dict):
        raise ConfigFileError(path, _line(node), f"{what} must be a mapping of keys, not {_kind(data)}")
    return data, node


def config_section(path: Path, data: dict[str, Any], node: Optional[yaml.Node]) -> dict[str, Any]:
    """The ``config:`` mapping of a project or stack file ({} when absent or empty)."""
    config = data.get("config")
    if config is None:
        return {}
    if not isinstance(config, dict):
        raise ConfigFileError(path, _line(_value_node(node, "config")),
                              f"config: must be a mapping of keys to values (namespace:key: value), not {_kind(config)}")
    return config


# ----------------------------------------------------------------------------- project


@dataclass(frozen=True)
class Project:
    """A Pulumi project on disk."""

    root: Path
    """The directory of the project file."""
    file: Path
    name: str
    main: Path
    """The program: a directory (its ``__main__.py`` runs) or a file."""
    stack_dir: Path
    """Where ``Pulumi.<stack>.yaml`` files live (``stackConfigDir``)."""
    runtime: str
    virtualenv: Optional[Path]
    """``runtime.options.virtualenv``, resolved (None when not set)."""
    defaults: Mapping[str, Any]
    """Project-level config every stack gets: full key -> value."""

    @property
    def program_file(self) -> Path:
        return self.main / "__main__.py" if self.main.is_dir() else self.main

    @property
    def work_dir(self) -> Path:
        """The program's working directory, as the Pulumi CLI sets it."""
        return self.main if self.main.is_dir() else self.main.parent

    def stack_file(self, stack: str) -> Path:
        return self.stack_dir / f"Pulumi.{stack}.yaml"

    def stacks(self) -> list[str]:
        """Stacks with a stack file, sorted."""
        return sorted(p.name[len("Pulumi."):-len(".yaml")] for p in self.stack_dir.glob("Pulumi.*.yaml"))


def find_project(start: Optional[Path] = None) -> Path:
    """The Pulumi project ``start`` (default: the current directory) is in: the nearest
    directory, walking up, that holds ``Pulumi.yaml`` (or ``Pulumi.yml``), as the Pulumi
    CLI finds it. FileNotFoundError when there is none."""
    here = Path(start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if any((folder / name).is_file() for name in PROJECT_FILES):
            return folder
    raise FileNotFoundError(f"no Pulumi.yaml in {here} or any parent directory (is this a Pulumi project?)")


def _project_file(root: Path) -> Path:
    for name in PROJECT_FILES:
        if (root / name).is_file():
            return root / name
    raise FileNotFoundError(f"no Pulumi.yaml in {root}")


def _inside(root: Path, relative: Any, path: Path, key: str, node: Optional[yaml.Node]) -> Path:
    """``root / relative``, refused (like the Pulumi CLI) when absolute or outside ``root``."""
    if not isinstance(relative, str) or not relative:
        raise ConfigFileError(path, _line(node), f"{key}: must be a relative path, not {_kind(relative)}")
    resolved = (root / relative).resolve()
    if Path(relative).is_absolute() or (resolved != root.resolve() and root.resolve() not in resolved.parents):
        raise ConfigFileError(path, _line(node), f"{key}: {relative!r} must be a path inside the project directory")
    return resolved


def load_project(root: Optional[Path] = None) -> Project:
    """The project at ``root`` (default: ``find_project()``)."""
    root = Path(root).resolve() if root is not None else find_project()
    path = _project_file(root)
    data, node = read_mapping_file(path, "a Pulumi project file")
    name = data.get("name")
    if not isinstance(name, str) or not name:
        raise ConfigFileError(path, _line(node), "name: the project needs a name")
    runtime = data.get("runtime")
    runtime_name = runtime.get("name") if isinstance(runtime, dict) else runtime
    options = (runtime.get("options") or {}) if isinstance(runtime, dict) else {}
    main = _inside(root, data["main"], path, "main", _value_node(node, "main")) if data.get("main") else root
    if not main.exists():
        raise ConfigFileError(path, _line(_value_node(node, "main")), f"main: {data['main']!r} does not exist")
    stack_dir = (_inside(root, data["stackConfigDir"], path, "stackConfigDir", _value_node(node, "stackConfigDir"))
                 if data.get("stackConfigDir") else root)
    venv = options.get("virtualenv") if isinstance(options, dict) else None
    defaults: dict[str, Any] = {}
    for key, decl in config_section(path, data, node).items():
        full = key if ":" in str(key) else f"{name}:{key}"
        if isinstance(decl, dict) and "default" in decl:
            defaults[full] = decl["default"]
        elif isinstance(decl, dict) and "value" in decl:
            defaults[full] = decl["value"]
        elif not isinstance(decl, dict):
            defaults[full] = decl
    return Project(root=root, file=path, name=name, main=main, stack_dir=stack_dir,
                   runtime=str(runtime_name or ""), virtualenv=(root / venv).resolve() if isinstance(venv, str) else None,
                   defaults=defaults)


def short_stack_name(stack: str) -> str:
    """``org/project/prod`` -> ``prod`` (the stack file's name uses the last part)."""
    return stack.rsplit("/", 1)[-1]


def select_stack(project: Project, requested: Optional[str], environ: Mapping[str, str] = os.environ) -> str:
    """The stack to plan: ``requested``, else ``PULUMI_STACK``, else the only stack file."""
    stacks = project.stacks()
    chosen = requested or environ.get("PULUMI_STACK")
    if chosen:
        stack = short_stack_name(chosen)
        if not project.stack_file(stack).is_file():
            known = ", ".join(stacks) or "none"
            raise StackSelectionError(f"no stack file {project.stack_file(stack).name} in "
                                      f"{_display(project.stack_dir)}; stacks: {known}")
        return stack
    if len(stacks) == 1:
        return stacks[0]
    if not stacks:
        raise StackSelectionError(f"no stack files (Pulumi.<stack>.yaml) in {_display(project.stack_dir)}: "
                                  "create one with `pulumi stack init`, or pass -s STACK")
    raise StackSelectionError(f"no stack selected: pass -s STACK or set PULUMI_STACK (stacks: {', '.join(stacks)})")


def _display(path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd())) or "."
    except ValueError:
        return str(path)


# ------------------------------------------------------------------------------ config


@dataclass(frozen=True)
class StackConfig:
    """What the program of one stack gets: full key -> value, and which keys are placeholders."""

    project: str
    stack: str
    values: dict[str, Any]
    placeholders: list[str]
    file: Path


def placeholder(key: str) -> str:
    return f"{PLACEHOLDER_PREFIX}{key.replace(':', '-')}"


def load_stack_config(project: Project, stack: str) -> StackConfig:
    """Project defaults, then ``Pulumi.<stack>.yaml``'s config, ``secure:`` values replaced
    by placeholders (listed)."""
    path = project.stack_file(stack)
    data, node = read_mapping_file(path, "a stack file")
    values = dict(project.defaults)
    placeholders: list[str] = []

    def unseal(full: str, value: Any) -> Any:
        if isinstance(value, dict) and set(value) == {"secure"}:
            placeholders.append(full)
            return placeholder(full)
        if isinstance(value, dict):
            return {k: unseal(full, v) for k, v in value.items()}
        if isinstance(value, list):
            return [unseal(full, v) for v in value]
        return value

    for key, value in config_section(path, data, node).items():
        full = key if ":" in str(key) else f"{project.name}:{key}"
        values[full] = unseal(full, value)
    return StackConfig(project.name, stack, values, sorted(set(placeholders)), path)


# ------------------------------------------------------------------------------ --set


@dataclass(frozen=True)
class ConfigSet:
    """One ``--set KEY[.PATH]=VALUE``: like ``pulumi config set --path KEY[.PATH] VALUE``."""

    key: str
    """The config key: ``webstack:database``."""
    path: tuple[Any, ...]
    """Inside the key's value: ``("replicas",)``; list indexes are ints."""
    value: Any
    """JSON if the text parses as JSON, else the text; None removes the setting."""
    text: str
    """As the user wrote it (``webstack:database.replicas=4``)."""

    @property
    def dotted(self) -> str:
        """``webstack:database.replicas``: the stack-file key path, as config errors name it."""
        return self.key + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" if _PLAIN.match(p) else f"[{json.dumps(p)}]"
                                  for p in self.path)

    def leaves(self) -> list[str]:
        """The stack-file key paths this sets: the path itself, or each leaf of an object value."""
        def walk(prefix: str, value: Any) -> Iterable[str]:
            if isinstance(value, dict) and value:
                for k, v in value.items():
                    yield from walk(f"{prefix}.{k}" if _PLAIN.match(str(k)) else f"{prefix}[{json.dumps(k)}]", v)
            else:
                yield prefix
        return list(walk(self.dotted, self.value))


_PLAIN = re.compile(r"^[A-Za-z_$][\w$-]*$")
_SEGMENT = re.compile(r"""\.(?P<name>[^.\[\]]+)|\[(?P<index>\d+)\]|\["(?P<quoted>(?:[^"\\]|\\.)*)"\]""")


def parse_set(text: str) -> ConfigSet:
    """``webstack:database.replicas=4`` -> ConfigSet("webstack:database", ("replicas",), 4)."""
    spec, sep, raw = text.partition("=")
    match = re.match(r"^(?P<key>[^:.\[\]=]+:[^.\[\]=]+)(?P<rest>.*)$", spec.strip())
    if not sep or match is None:
        raise SetError(f"--set {text!r}: expected NAMESPACE:KEY[.PATH]=VALUE, e.g. webstack:database.replicas=3 "
                       "or webstack:app='{\"platform\":\"kubernetes\"}'")
    path: list[Any] = []
    rest = match.group("rest")
    position = 0
    while position < len(rest):
        segment = _SEGMENT.match(rest, position)
        if segment is None:
            raise SetError(f"--set {text!r}: cannot read the path {rest!r} (use a.b, a[0] or a[\"b.c\"])")
        if segment.group("name") is not None:
            path.append(segment.group("name"))
        elif segment.group("index") is not None:
            path.append(int(segment.group("index")))
        else:
            path.append(json.loads(f'"{segment.group("quoted")}"'))
        position = segment.end()
    try:
        value = json.loads(raw)
    except json.JSONDecodeError:
        value = raw
    return ConfigSet(match.group("key"), tuple(path), value, text)


def merge(base: Any, update: Any) -> Any:
    """``update`` deep-merged into ``base``: objects merge key by key, anything else replaces;
    a None in ``update`` removes that key."""
    if isinstance(base, dict) and isinstance(update, dict):
        out = dict(base)
        for key, value in update.items():
            if value is None:
                out.pop(key, None)
            else:
                out[key] = merge(out.get(key), value)
        return out
    return update


def _config_value(value: Any) -> Any:
    """A config value as the program sees it (objects arrive as JSON text)."""
    if isinstance(value, str):
        try:
            parsed = json.loads(value)
        except json.JSONDecodeError:
            return value
        return parsed if isinstance(parsed, (dict, list)) else value
    return value


def apply_sets(values: dict[str, Any], sets: Sequence[ConfigSet]) -> dict[str, Any]:
    """``values`` with each ``--set`` applied in order, like ``pulumi config set --path``."""
    out = dict(values)
    for item in sets:
        if not item.path:
            current = _config_value(out.get(item.key))
            if item.value is None:
                out.pop(item.key, None)
            else:
                out[item.key] = merge(current, item.value)
            continue
        out[item.key] = _set_path(_config_value(out.get(item.key)), item.path, item.value, item)
    return out


def _set_path(node: Any, path: tuple[Any, ...], value: Any, item: ConfigSet) -> Any:
    head, rest = path[0], path[1:]
    if isinstance(head, int):
        items = list(node) if isinstance(node, list) else []
        if node is not None and not isinstance(node, list):
            raise SetError(f"--set {item.text!r}: {item.dotted} indexes a list, but the stack file has an object there")
        if head > len(items):
            raise SetError(f"--set {item.text!r}: index {head} is past the end of the list ({len(items)} items)")
        current = items[head] if head < len(items) else None
        new = merge(current, value) if not rest else _set_path(current, rest, value, item)
        if head == len(items):
            if new is not None:
                items.append(new)
        elif new is None:
            del items[head]
        else:
            items[head] = new
        return items
    if node is not None and not isinstance(node, dict):
        raise SetError(f"--set {item.text!r}: {item.dotted} goes into {_kind(node)}, which has no keys")
    obj = dict(node or {})
    current = obj.get(head)
    new = merge(current, value) if not rest else _set_path(current, rest, value, item)
    if new is None:
        obj.pop(head, None)
    else:
        obj[head] = new
    return obj


def from_set(problem_key: Optional[str], sets: Sequence[ConfigSet]) -> bool:
    """True when a config problem at ``problem_key`` (``webstack:database.replicas``) is at or
    under a path a ``--set`` gave a value."""
    if not problem_key:
        return False
    for item in sets:
        for leaf in item.leaves():
            if problem_key == leaf or problem_key.startswith((leaf + ".", leaf + "[")):
                return True
    return False
