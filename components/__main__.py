"""Entry point of the ``webstack`` Pulumi component package.

``pulumi package add <repo>/components`` (or a Git reference to this directory) makes the
Pulumi CLI run this directory as a plugin (``python components/ <engine address>`` in the
virtualenv of ``PulumiPlugin.yaml``, dependencies from ``requirements.txt``). It hosts every
component as ``webstack:index:<Class>``, with the schema Pulumi infers from the Args
dataclasses and the components' ``pulumi.Output`` annotations, and generates an SDK for
the consuming program's language.

Importing this module (tests, tooling) only builds ``COMPONENTS``; the provider starts
only when the directory runs as a program.
"""

import inspect
import sys
from pathlib import Path

if __name__ == "__main__" and not __package__:
    # Run as a directory (``python components/``), sys.path[0] is this folder, whose modules
    # would import as top-level modules (``headers``, ``errors``). The folder is the
    # ``pulumi_webstack`` package (the name pyproject.toml installs it under), and the
    # plugin's virtualenv holds only its dependencies: load the folder under that name.
    import importlib.util

    _HERE = Path(__file__).resolve().parent
    sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]
    _spec = importlib.util.spec_from_file_location(
        "pulumi_webstack", _HERE / "__init__.py", submodule_search_locations=[str(_HERE)])
    sys.modules["pulumi_webstack"] = importlib.util.module_from_spec(_spec)
    _spec.loader.exec_module(sys.modules["pulumi_webstack"])

from pulumi.provider.experimental import component_provider_host  # noqa: E402
from pulumi.provider.experimental.component import ComponentProvider  # noqa: E402

from pulumi_webstack import __version__  # noqa: E402
from pulumi_webstack.alerting import Alerting  # noqa: E402
from pulumi_webstack.backups import Backups  # noqa: E402
from pulumi_webstack.cache import Cache  # noqa: E402
from pulumi_webstack.canaries import Canaries  # noqa: E402
from pulumi_webstack.cdn import Cdn  # noqa: E402
from pulumi_webstack.database import Database  # noqa: E402
from pulumi_webstack.drills import Drills  # noqa: E402
from pulumi_webstack.ecs_app import EcsApp  # noqa: E402
from pulumi_webstack.kubernetes_app import KubernetesApp  # noqa: E402
from pulumi_webstack.network import Network  # noqa: E402
from pulumi_webstack.vercel_app import VercelApp  # noqa: E402

PACKAGE = "webstack"
"""Package name: the first part of every type token (``webstack:index:Database``)."""

COMPONENTS = [Network, Database, Cache, VercelApp, KubernetesApp, EcsApp, Cdn, Backups, Alerting, Canaries, Drills]
"""Every component the package serves, in the order the stack program composes them."""


def version() -> str:
    """The release (``pulumi_webstack.__version__``, also the distribution's version), which
    the generated SDKs carry. Read from the package, so it is the same from a checkout, an
    installed wheel and the plugin's own virtualenv."""
    return __version__


def args_class(component: type) -> type:
    """The Args class ``component`` takes: the annotation of its ``args`` parameter, which is
    what Pulumi's schema analyzer reads."""
    return inspect.signature(component.__init__).parameters["args"].annotation


def provider() -> ComponentProvider:
    """The provider this package serves, built in-process: its ``schema`` is what
    ``pulumi package get-schema`` prints (docs/generate.py and the tests read it)."""
    return ComponentProvider(COMPONENTS, PACKAGE, version=version())


if __name__ == "__main__":
    component_provider_host(name=PACKAGE, components=COMPONENTS, version=version())
