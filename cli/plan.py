"""The plan model: what a program registered, as the offline engine records it.

A ``Plan`` is the desired state of one stack: every ``Resource`` with its inputs and the
options it was registered with (parent, dependencies, protect, provider, aliases ...), and
the stack's outputs. It answers the questions the tools and tests ask of a graph: what is
inside a component, what must exist before a resource can be created, how many creation
waves ``pulumi up`` needs and which chain of creations is the longest.

Secret values stay wrapped in ``Secret`` and are printed as ``"[secret]"``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Optional

SCHEMA_VERSION = 1
"""Version of ``Plan.to_json``'s shape (README "Offline plan JSON")."""
SECRET_TEXT = "[secret]"
UNKNOWN_TEXT = "[unknown]"

@dataclass(frozen=True)
class Secret:
    """A secret value as registered. ``repr`` never shows the value."""

    value: Any

    def __repr__(self) -> str:
        return "Secret(****)"


@dataclass(frozen=True)
class Unknown:
    """A value not known until the resource is created (only in preview mode)."""

    def __repr__(self) -> str:
        return "Unknown"


@dataclass
class Resource:
    """One registered resource and the options it was registered with."""

    urn: str
    type: str
    name: str
    custom: bool
    parent: Optional[str]
    inputs: dict[str, Any]
    state: dict[str, Any]
    dependencies: list[str]
    property_dependencies: dict[str, list[str]]
    provider: str
    providers: dict[str, str]
    protect: bool
    retain_on_delete: bool
    delete_before_replace: bool
    ignore_changes: list[str]
    replace_on_changes: list[str]
    additional_secret_outputs: list[str]
    aliases: list[Any]
    deleted_with: str
    id: Optional[str] = None
    component_outputs: dict[str, Any] = field(default_factory=dict)
    source: Optional[tuple[str, int]] = None
    """(file, line) of the code that created the resource, as the SDK reports it to the engine."""
    stack_trace: tuple[tuple[str, int], ...] = ()
    """(file, line) of each caller, innermost first: where a component's child came from."""

    def depends_on(self, other: "Resource | str") -> bool:
        """True if ``other`` (a Resource or URN) is a direct dependency."""
        urn = other.urn if isinstance(other, Resource) else other
        return urn in self.dependencies

    @property
    def provider_urn(self) -> Optional[str]:
        """URN of the explicit provider (``urn::id`` reference without the id)."""
        return self.provider.rsplit("::", 1)[0] if self.provider else None


class Plan:
    """Everything a program registered, in the order the engine would create it."""

    def __init__(
        self,
        project: str,
        stack: str,
        resources: list[Resource],
        outputs: dict[str, Any],
        placeholders: Iterable[str] = (),
        config: Optional[dict[str, Any]] = None,
    ):
        self.project = project
        self.stack = stack
        self.resources = resources
        """Providers and components first, then by the wave in which each can be created, ties by URN."""
        self.outputs = outputs
        self.placeholders = sorted(placeholders)
        self.config = dict(config or {})
        self._by_urn = {r.urn: r for r in resources}

    def __iter__(self):
        return iter(self.resources)

    def __len__(self) -> int:
        return len(self.resources)

    def by_urn(self, urn: str) -> Resource:
        return self._by_urn[urn]

    def lookup(self, urn: Optional[str]) -> Optional[Resource]:
        """The resource with this URN, or None (no URN, or not in this plan)."""
        return self._by_urn.get(urn or "")

    def by_type(self, type_: str) -> list[Resource]:
        return [r for r in self.resources if r.type == type_]

    def named(self, name: str) -> list[Resource]:
        return [r for r in self.resources if r.name == name]

    def get(self, name: str) -> Resource:
        """The one resource with this logical name."""
        found = self.named(name)
        if len(found) != 1:
            raise KeyError(f"{len(found)} resources named {name!r}; names: {sorted(r.name for r in self.resources)}")
        return found[0]

    def one(self, type_: str, name: Optional[str] = None) -> Resource:
        """The one resource of ``type_`` (and ``name``, if given)."""
        found = [r for r in self.by_type(type_) if name is None or r.name == name]
        if len(found) != 1:
            raise KeyError(f"expected one {type_}{' named ' + name if name else ''}, found {len(found)}: {[r.name for r in found]}")
        return found[0]

    def children(self, parent: Resource | str) -> list[Resource]:
        urn = parent.urn if isinstance(parent, Resource) else parent
        return [r for r in self.resources if r.parent == urn]

    def descendants(self, parent: Resource | str) -> list[Resource]:
        urn = parent.urn if isinstance(parent, Resource) else parent
        out: list[Resource] = []
        for child in self.children(urn):
            out.append(child)
            out.extend(self.descendants(child))
        return out

    def waits_for(self, res: Resource) -> list[Resource]:
        """Custom resources ``res`` cannot be created before: its dependencies, with a
        dependency on a component standing for every custom resource inside it (as the
        engine treats it)."""
        out: dict[str, Resource] = {}
        for urn in res.dependencies:
            dep = self._by_urn.get(urn)
            if dep is None:
                continue
            for target in [dep] if dep.custom else self.descendants(dep):
                if target.custom and not target.type.startswith("pulumi:providers:"):
                    out[target.urn] = target
        return list(out.values())

    def creatable(self) -> list[Resource]:
        """The resources ``pulumi up`` creates through a provider (not components or providers)."""
        return [r for r in self.resources if r.custom and not r.type.startswith("pulumi:providers:")]

    def finish_times(self, takes: Callable[[Resource], int] = lambda res: 1) -> dict[str, int]:
        """URN -> when the resource is created at the earliest, if creating ``res`` takes
        ``takes(res)`` and starts once everything it ``waits_for`` is created."""
        finish: dict[str, int] = {}

        def finish_of(res: Resource) -> int:
            if res.urn not in finish:
                finish[res.urn] = 0  # guards against cycles (the engine would reject them)
                finish[res.urn] = takes(res) + max((finish_of(d) for d in self.waits_for(res)), default=0)
            return finish[res.urn]

        for res in self.creatable():
            finish_of(res)
        return finish

    def creation_waves(self) -> dict[str, int]:
        """URN -> the wave in which ``pulumi up`` can create the resource at the earliest
        (1: nothing to wait for). The number of waves is the length of the longest chain of
        creations that must happen one after another."""
        return self.finish_times()

    def critical_path(self, finish: Optional[dict[str, int]] = None) -> list[Resource]:
        """The longest chain of resources that must be created one after another: by count
        of steps, or by ``finish`` (from ``finish_times``) when given. Ties go to the resource
        registered first, so the answer is stable."""
        finish = finish if finish is not None else self.creation_waves()
        current = max(self.creatable(), key=lambda r: finish[r.urn], default=None)
        chain: list[Resource] = []
        while current is not None:
            chain.append(current)
            current = max(self.waits_for(current), key=lambda r: finish[r.urn], default=None)
        return list(reversed(chain))

    def to_json(self) -> dict[str, Any]:
        """The stable, documented JSON form (see README "Offline plan JSON")."""
        return {
            "schemaVersion": SCHEMA_VERSION,
            "project": self.project,
            "stack": self.stack,
            "placeholders": self.placeholders,
            "resources": [
                {
                    "urn": r.urn,
                    "type": r.type,
                    "name": r.name,
                    "custom": r.custom,
                    "parent": r.parent,
                    "provider": r.provider_urn,
                    "protect": r.protect,
                    "retainOnDelete": r.retain_on_delete,
                    "deleteBeforeReplace": r.delete_before_replace,
                    "ignoreChanges": r.ignore_changes,
                    "dependencies": r.dependencies,
                    "inputs": to_plain(r.inputs),
                    **({"outputs": to_plain(r.component_outputs)} if not r.custom else {}),
                }
                for r in self.resources
            ],
            "outputs": to_plain(self.outputs),
        }


def to_plain(value: Any) -> Any:
    """JSON-safe copy with secrets masked."""
    if isinstance(value, Secret):
        return SECRET_TEXT
    if isinstance(value, Unknown):
        return UNKNOWN_TEXT
    if isinstance(value, dict):
        return {k: to_plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_plain(v) for v in value]
    return value
