"""Policy packs for ``webstack check``: this package's own, or any Python CrossGuard pack.

A Python policy pack is a directory with ``PulumiPolicy.yaml`` and a ``__main__.py`` that
constructs ``pulumi_policy.PolicyPack(name, policies, ...)``. Constructing it starts the
analyzer's gRPC server and blocks, so ``load_pack`` runs ``__main__.py`` with
``PolicyPack`` standing in for a recorder that keeps the name, the policies and the
pack-level enforcement level and serves nothing. What ``webstack check`` then evaluates are
the pack's own policy objects, the ones ``pulumi preview --policy-pack DIR`` would load.
"""

from __future__ import annotations

import runpy
import sys
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator, Optional

import pulumi_policy
import pulumi_policy.policy
from pulumi_policy import EnforcementLevel, Policy


class PackError(Exception):
    """The directory is not a loadable Python policy pack."""


@dataclass(frozen=True)
class Pack:
    """A policy pack's name, policies and defaults."""

    name: str
    policies: tuple[Policy, ...]
    enforcement_level: EnforcementLevel
    """The level of policies that declare none (``PolicyPack(enforcement_level=...)``)."""
    config_dir: Optional[Path]
    """Where per-stack config files live (``<config_dir>/<stack>.json``), if anywhere."""
    directory: Optional[Path] = None
    """The pack's directory (None: this package's pack, imported)."""

    @property
    def by_name(self) -> dict[str, Policy]:
        return {p.name: p for p in self.policies}


def builtin_pack() -> Pack:
    """This package's pack (``pulumi_webstack_policies``), imported without starting anything."""
    from pulumi_webstack_policies.pack import PACK_NAME, POLICIES
    from pulumi_webstack_policies.settings import CONFIG_DIR

    return Pack(PACK_NAME, tuple(POLICIES), EnforcementLevel.ADVISORY, CONFIG_DIR)


class _Recorded(Exception):
    """Raised by the stand-in ``PolicyPack`` to stop ``__main__.py`` once the pack is known."""

    def __init__(self, pack: Pack):
        super().__init__(pack.name)
        self.pack = pack


@contextmanager
def _recording_policy_pack(directory: Path) -> Iterator[None]:
    def record(name: str, policies: list[Policy], enforcement_level: Optional[EnforcementLevel] = None,
               *args: Any, **kwargs: Any) -> None:
        config_dir = directory / "config"
        raise _Recorded(Pack(name, tuple(policies), enforcement_level or EnforcementLevel.ADVISORY,
                             config_dir if config_dir.is_dir() else None, directory))

    originals = (pulumi_policy.PolicyPack, pulumi_policy.policy.PolicyPack)
    pulumi_policy.PolicyPack = record  # type: ignore[assignment,misc]
    pulumi_policy.policy.PolicyPack = record  # type: ignore[assignment,misc]
    try:
        yield
    finally:
        pulumi_policy.PolicyPack, pulumi_policy.policy.PolicyPack = originals


def load_pack(directory: Path | str) -> Pack:
    """The pack in ``directory``: its ``__main__.py`` run with ``PolicyPack`` recorded, not served."""
    directory = Path(directory).resolve()
    if not (directory / "PulumiPolicy.yaml").is_file():
        raise PackError(f"--policy-pack {directory}: no PulumiPolicy.yaml there (not a policy pack)")
    main = directory / "__main__.py"
    if not main.is_file():
        raise PackError(f"--policy-pack {directory}: no __main__.py (webstack check runs Python policy packs)")
    path = list(sys.path)
    try:
        with _recording_policy_pack(directory):
            runpy.run_path(str(directory), run_name="__main__")
    except _Recorded as recorded:
        return recorded.pack
    except SystemExit as exc:
        raise PackError(f"--policy-pack {directory}: __main__.py exited ({exc.code}) before constructing PolicyPack") from None
    except Exception as exc:
        raise PackError(f"--policy-pack {directory}: __main__.py failed: {type(exc).__name__}: {exc}") from None
    finally:
        sys.path[:] = path
    raise PackError(f"--policy-pack {directory}: __main__.py never constructs pulumi_policy.PolicyPack")
