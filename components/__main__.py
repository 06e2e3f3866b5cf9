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
    # Run as a directory, sys.path[0] is components/ itself: its modules would import as
    # top-level modules (``headers``, ``errors``) next to the ``components.*`` the
    # components import. Put the repository root there instead.
    _HERE = Path(__file__).resolve().parent
    sys.path[:] = [str(_HERE.parent)] + [p for p in sys.path if Path(p or ".").resolve() != _HERE]

from pulumi.provider.experimental import component_provider_host  # noqa: E402
from pulumi.provider.experimental.component import ComponentProvider  # noqa: E402

from components import __version__  # noqa: E402
from components.alerting import Alerting  # noqa: E402
from components.backups import Backups  # noqa: E402
from components.cache import Cache  # noqa: E402
from components.cdn import Cdn  # noqa: E402
from components.database import Database  # noqa: E402
from components.kubernetes_app import KubernetesApp  # noqa: E402
from components.network import Network  # noqa: E402
from components.vercel_app import VercelApp  # noqa: E402

PACKAGE = "webstack"
"""Package name: the first part of every type token (``webstack:index:Database``)."""

COMPONENTS = [Network, Database, Cache, VercelApp, KubernetesApp, Cdn, Backups, Alerting]
"""Every component the package serves, in the order the stack program composes them."""


def version() -> str:
    """The release (``components.__version__``, also the distribution's version), which
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
