"""Entry point the Pulumi CLI runs for ``--policy-pack policies``.

The CLI starts the pack with ``python -u -m pulumi.policy <engine> .`` in this directory
(the ``pulumi-analyzer-policy-python`` shim), which runs this file; ``python -u policies``
from the project root does the same. Constructing ``PolicyPack`` starts the analyzer's
gRPC server, prints its port on stdout and blocks, so this is the only place it happens:
everything else imports ``pulumi_webstack_policies.pack``.
"""

import os
import sys

# This directory is sys.path[0] when run as a script; the rule modules are the installed
# ``pulumi_webstack_policies`` package (pyproject.toml maps this folder to that name; the
# pack's virtualenv, ../.venv, has the project installed), so this directory must not shadow
# other modules with its own (``pack``, ``settings``).
_HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:] = [p for p in sys.path if os.path.abspath(p or ".") != _HERE]

from pulumi_policy import EnforcementLevel, PolicyPack  # noqa: E402

from pulumi_webstack_policies.pack import DESCRIPTION, DISPLAY_NAME, PACK_NAME, POLICIES, TAGS  # noqa: E402

PolicyPack(
    name=PACK_NAME,
    policies=POLICIES,
    enforcement_level=EnforcementLevel.ADVISORY,
    description=DESCRIPTION,
    display_name=DISPLAY_NAME,
    provider="aws",
    tags=TAGS,
)
