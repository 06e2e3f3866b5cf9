"""The base side of ``webstack diff --base REF``: plan another commit of the project.

REF is checked out in a temporary ``git worktree`` (``git archive`` where a worktree cannot
be made) and planned in a subprocess running this Python with that tree first on
``sys.path`` and the packages REF's ``pyproject.toml`` maps to its folders imported from
that tree, so REF's own program and library are planned, never this checkout's; a project
that maps none (another team's project, using the installed library) plans REF's program
with what is installed. The subprocess loads this file by path (before REF's packages are importable), so it imports
nothing from the project at import time.

What crosses the process boundary is a payload (``plan_payload``, ``policy_payload``):
what a diff needs from a plan, JSON-able, every secret replaced by a keyed digest
(HMAC-SHA256 with a key made for this run and passed only to the subprocess).
"""

from __future__ import annotations

import hashlib
import hmac
import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator, Optional, Sequence

if TYPE_CHECKING:  # pragma: no cover
    from pulumi_webstack_cli.engine import Plan

UNKNOWN_TEXT = "[unknown]"
"""``plan.UNKNOWN_TEXT``, written again: the worker loads this file before any project module."""
STACK_GROUP = "(stack)"
SECRET_KEY = "$webstack-secret"
"""Payload marker of a secret: ``{SECRET_KEY: <keyed digest>}``."""
UNKNOWN_KEY = "$webstack-unknown"
"""Payload marker of a value not known until the resource exists."""

_GIT_TIMEOUT = 120
_WORKER_TIMEOUT = 1_800


# ------------------------------------------------------------- plan -> payload (both processes)


def _unwrap(value: Any) -> Any:
    """Plain JSON-able value with every secret marker removed (only ever hashed, never shown)."""
    kind = type(value).__name__
    if kind == "Secret":
        return _unwrap(value.value)
    if kind == "Unknown":
        return UNKNOWN_TEXT
    if isinstance(value, dict):
        return {str(k): _unwrap(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_unwrap(v) for v in value]
    return value


def secret_digest(value: Any, key: bytes) -> str:
    """Keyed digest of a secret value: compares two secrets without revealing either."""
    canonical = json.dumps(_unwrap(value), sort_keys=True, separators=(",", ":"), default=str)
    return hmac.new(key, canonical.encode(), hashlib.sha256).hexdigest()


def encode_value(value: Any, key: bytes) -> Any:
    """JSON-able copy of a registered value with each secret replaced by its keyed digest."""
    kind = type(value).__name__
    if kind == "Secret":
        return {SECRET_KEY: secret_digest(value.value, key)}
    if kind == "Unknown":
        return {UNKNOWN_KEY: True}
    if isinstance(value, dict):
        return {str(k): encode_value(v, key) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [encode_value(v, key) for v in value]
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)


def plan_payload(plan: "Plan", key: bytes) -> dict[str, Any]:
    """What a diff needs from a plan, JSON-able, secrets as keyed digests.

    Uses only the engine's documented ``Plan``/``Resource`` attributes, so it also works on
    the plans of older commits.
    """
    records = []
    for r in plan.resources:
        provider = getattr(r, "provider", "") or ""
        records.append({
            "urn": r.urn,
            "type": r.type,
            "name": r.name,
            "custom": bool(r.custom),
            "parent": r.parent,
            "provider": provider.rsplit("::", 1)[0] if provider else None,
            "protect": bool(getattr(r, "protect", False)),
            "retainOnDelete": bool(getattr(r, "retain_on_delete", False)),
            "deleteBeforeReplace": bool(getattr(r, "delete_before_replace", False)),
            "ignoreChanges": sorted(getattr(r, "ignore_changes", []) or []),
            "dependencies": list(getattr(r, "dependencies", []) or []),
            "inputs": encode_value(r.inputs, key),
        })
    return {
        "status": "ok",
        "records": records,
        "outputs": encode_value(plan.outputs, key),
        "placeholders": list(getattr(plan, "placeholders", []) or []),
    }


def policy_payload(plan: "Plan", stack: str) -> dict[str, Any]:
    """The policy pack's results on ``plan``: ``pulumi_webstack_cli.check.check_plan(plan, stack)`` of the same revision.

    Violations are keyed for comparison by policy, level, resource identity (ancestor names
    and name, plus type) and message, so the same finding on both sides is not a change.
    """
    try:
        from pulumi_webstack_cli.check import check_plan
    except ModuleNotFoundError as exc:
        if exc.name == "pulumi_webstack_cli.check":
            return {"status": "unavailable", "note": "this revision has no policy checker (cli/check.py)"}
        return {"status": "error", "note": f"policy pack could not be loaded: {exc}"}
    except ImportError as exc:
        return {"status": "error", "note": f"policy pack could not be loaded: {exc}"}
    try:
        report = check_plan(plan, stack)
    except Exception as exc:  # an invalid policy config at some revision is reported, not fatal
        return {"status": "error", "note": f"policy evaluation failed: {type(exc).__name__}: {exc}"}
    by_urn = {r.urn: r for r in plan.resources}

    def identity(urn: Optional[str]) -> str:
        res = by_urn.get(urn or "")
        if res is None:
            return STACK_GROUP
        chain = [res.name]
        parent = by_urn.get(res.parent or "")
        while parent is not None:
            chain.append(parent.name)
            parent = by_urn.get(parent.parent or "")
        return "/".join(reversed(chain)) + f" ({res.type})"

    return {
        "status": "ok",
        "violations": [
            {"policy": v.policy, "level": str(v.level), "severity": str(getattr(v, "severity", "") or ""),
             "resource": identity(getattr(v, "urn", None)), "message": str(v.message)}
            for v in report.violations
        ],
        "unverified": len(getattr(report, "unverified", []) or []),
    }


# ---------------------------------------------------------------- a checkout of REF


def user_error(message: str) -> Exception:
    from pulumi_webstack_cli.main import UserError

    return UserError(message)



def _git(root: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    try:
        proc = subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True, timeout=_GIT_TIMEOUT)
    except FileNotFoundError:
        raise user_error("--base needs git, which is not installed") from None
    if check and proc.returncode != 0:
        message = (proc.stderr or proc.stdout).strip().splitlines()
        raise user_error(f"git {' '.join(args[:2])}: {message[-1] if message else 'failed'}")
    return proc


def resolve_ref(root: Path, ref: str) -> tuple[Path, str]:
    """(repository top level, full commit id of ``ref``); UserError when either is missing."""
    top = _git(root, "rev-parse", "--show-toplevel", check=False)
    if top.returncode != 0:
        raise user_error(f"--base {ref}: {root} is not inside a git checkout")
    if ref.startswith("-"):
        raise user_error(f"--base {ref!r}: not a git revision")
    commit = _git(root, "rev-parse", "--verify", "--quiet", "--end-of-options", f"{ref}^{{commit}}", check=False)
    if commit.returncode != 0 or not commit.stdout.strip():
        raise user_error(
            f"--base {ref}: unknown revision in {top.stdout.strip()} "
            "(in CI, fetch it first: git fetch origin +refs/heads/main:refs/remotes/origin/main)")
    return Path(top.stdout.strip()), commit.stdout.strip()


@contextmanager
def checkout_at(top: Path, commit: str, use_worktree: bool = True) -> Iterator[Path]:
    """A temporary copy of the repository at ``commit``: a detached worktree, else ``git archive``.

    Removed (worktree included) on exit.
    """
    tmp = Path(tempfile.mkdtemp(prefix="webstack-diff-"))
    tree = tmp / "tree"
    worktree = use_worktree and _git(
        top, "worktree", "add", "--detach", "--quiet", str(tree), commit, check=False).returncode == 0
    try:
        if not worktree:
            archive = subprocess.run(["git", "-C", str(top), "archive", "--format=tar", commit],
                                     capture_output=True, timeout=_GIT_TIMEOUT)
            if archive.returncode != 0:
                raise user_error(f"git archive {commit[:12]}: {archive.stderr.decode(errors='replace').strip()}")
            tree.mkdir()
            with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
                if hasattr(tarfile, "data_filter"):  # Python >= 3.11.4
                    tar.extractall(tree, filter="data")
                else:  # pragma: no cover - our own repository's archive
                    tar.extractall(tree)
        yield tree
    finally:
        if worktree:
            if _git(top, "worktree", "remove", "--force", str(tree), check=False).returncode != 0:
                shutil.rmtree(tree, ignore_errors=True)
                _git(top, "worktree", "prune", check=False)
        shutil.rmtree(tmp, ignore_errors=True)


_BOOTSTRAP = (
    "import importlib.util, sys\n"
    "spec = importlib.util.spec_from_file_location('webstack_diff_worker', sys.argv[1])\n"
    "module = importlib.util.module_from_spec(spec)\n"
    "sys.modules[spec.name] = module\n"
    "spec.loader.exec_module(module)\n"
    "sys.exit(module.worker_main())\n"
)


def plan_checkout(root: Path, stacks: Sequence[str], key: bytes) -> dict[str, dict[str, Any]]:
    """Plan ``stacks`` of the project at ``root`` in a subprocess that imports ``root``'s own code.

    Returns {stack: payload}; a payload's ``status`` is ``ok``, ``missing`` (no stack file
    there, e.g. a new stack or a commit before the project existed) or ``failed``.
    """
    result: dict[str, dict[str, Any]] = {
        s: {"status": "missing", "error": f"no Pulumi.{s}.yaml"} for s in stacks if not _stack_file_exists(root, s)}
    todo = [s for s in stacks if s not in result]
    if not todo:
        return result
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "PYTHONHOME", "PYTHONSAFEPATH", "PYTHONSTARTUP", "PYTHONNOUSERSITE")}
    with tempfile.TemporaryDirectory(prefix="webstack-diff-out-") as out_dir:
        out = Path(out_dir) / "plans.json"
        env.update(
            PYTHONDONTWRITEBYTECODE="1",
            WEBSTACK_DIFF_ROOT=str(root),
            WEBSTACK_DIFF_STACKS=json.dumps(todo),
            WEBSTACK_DIFF_KEY=key.hex(),
            WEBSTACK_DIFF_OUT=str(out),
        )
        try:
            proc = subprocess.run([sys.executable, "-c", _BOOTSTRAP, str(Path(__file__).resolve())],
                                  cwd=root, env=env, capture_output=True, text=True, timeout=_WORKER_TIMEOUT)
        except subprocess.TimeoutExpired:
            return {**result, **{s: {"status": "failed", "error": f"planning took longer than {_WORKER_TIMEOUT} s"}
                                 for s in todo}}
        if not out.exists():
            lines = (proc.stderr or proc.stdout or "no output").strip().splitlines()
            error = f"the program could not be run: {lines[-1] if lines else 'exit ' + str(proc.returncode)}"
            return {**result, **{s: {"status": "failed", "error": error} for s in todo}}
        planned = json.loads(out.read_text())
    if planned.get("error"):
        return {**result, **{s: {"status": "failed", "error": planned["error"]} for s in todo}}
    return {**result, **planned["stacks"]}


def _stack_file_exists(root: Path, stack: str) -> bool:
    """Whether the project at ``root`` (as of some commit) has a stack file for ``stack``,
    in its ``stackConfigDir``; a tree without a readable project file has none."""
    from pulumi_webstack_cli.project import load_project

    try:
        return load_project(root).stack_file(stack).is_file()
    except Exception:  # noqa: BLE001 - no project (yet) at that commit, or one that cannot be read
        return (root / f"Pulumi.{stack}.yaml").is_file()


def _import_packages_from(root: Path) -> None:
    """Make the packages of the project at ``root`` import from ``root`` (this process only).

    ``root`` goes first on ``sys.path`` (its top-level packages, e.g. a stack program's
    folder), and the packages its ``pyproject.toml`` maps to folders (setuptools
    ``package-dir``: ``pulumi_webstack = "components"``) resolve to those folders, ahead of
    any installed copy of the same names. A project without that mapping is left to
    ``sys.path`` and what is installed.
    """
    import importlib.abc
    import importlib.util
    import tomllib

    try:
        mapping = tomllib.loads((root / "pyproject.toml").read_text())["tool"]["setuptools"]["package-dir"]
    except (OSError, KeyError, TypeError, tomllib.TOMLDecodeError):
        mapping = {}
    sys.path.insert(0, str(root / mapping.get("", "")))
    folders = {name: root / folder for name, folder in mapping.items() if name and "." not in name}

    class _TreeFinder(importlib.abc.MetaPathFinder):
        def find_spec(self, fullname, path=None, target=None):  # noqa: ANN001 - importlib's protocol
            folder = folders.get(fullname)
            if folder is None or not (folder / "__init__.py").is_file():
                return None
            return importlib.util.spec_from_file_location(
                fullname, folder / "__init__.py", submodule_search_locations=[str(folder)])

    sys.meta_path.insert(0, _TreeFinder())


def worker_main() -> int:
    """Entry point of the subprocess started by :func:`plan_checkout` (runs inside the other tree)."""
    root = Path(os.environ["WEBSTACK_DIFF_ROOT"]).resolve()
    key = bytes.fromhex(os.environ.pop("WEBSTACK_DIFF_KEY"))
    stacks = json.loads(os.environ["WEBSTACK_DIFF_STACKS"])
    result: dict[str, Any] = {"stacks": {}}
    try:
        _import_packages_from(root)
        import pulumi
        import pulumi_webstack_cli.engine as engine

        for stack in stacks:  # plan_checkout passes only stacks whose file exists there
            try:
                plan = engine.synth_stack(stack, root=root)
            except pulumi.RunError as exc:
                result["stacks"][stack] = {"status": "failed", "error": str(exc)}
                continue
            except Exception as exc:
                if type(exc).__name__ == "ConfigFileError":
                    result["stacks"][stack] = {"status": "failed", "error": f"invalid configuration: {exc}"}
                    continue
                result["stacks"][stack] = {"status": "failed", "error": f"the program failed: {type(exc).__name__}: {exc}"}
                continue
            payload = plan_payload(plan, key)
            payload["policy"] = policy_payload(plan, stack)
            result["stacks"][stack] = payload
    except Exception as exc:
        result["error"] = f"{type(exc).__name__}: {exc}"
    Path(os.environ["WEBSTACK_DIFF_OUT"]).write_text(json.dumps(result))
    return 0


def describe_checkout(root: Path) -> str:
    head = _git(root, "rev-parse", "--short", "HEAD", check=False)
    dirty = _git(root, "status", "--porcelain", "--", ".", check=False)
    text = head.stdout.strip() if head.returncode == 0 else ""
    if dirty.returncode == 0 and dirty.stdout.strip():
        text = f"{text} + uncommitted changes" if text else "uncommitted changes"
    return text
