"""Entry point the Pulumi CLI runs for ``--policy-pack policies``.

The CLI starts the pack with ``python -u -m pulumi.policy <engine> .`` in this directory
(the ``pulumi-analyzer-policy-python`` shim), which runs this file; ``python -u policies``
from the project root does the same. Constructing ``PolicyPack`` starts the analyzer's
gRPC server, prints its port on stdout and blocks, so this is the only place it happens:
everything else imports ``policies.pack``.
"""

import os
import sys

# This directory is sys.path[0] when run as a script; the rule modules are imported as the
# ``policies`` package, so the project root must be importable and this directory must not
# shadow other modules.
_HERE = os.path.dirname(os.path.abspath(__file__))
_ROOT = os.path.dirname(_HERE)
sys.path[:] = [p for p in sys.path if os.path.abspath(p or ".") != _HERE]
if _ROOT not in sys.path:
    sys.path.insert(0, _ROOT)

from pulumi_policy import EnforcementLevel, PolicyPack  # noqa: E402

from policies.pack import DESCRIPTION, DISPLAY_NAME, PACK_NAME, POLICIES, TAGS  # noqa: E402

PolicyPack(
    name=PACK_NAME,
    policies=POLICIES,
    enforcement_level=EnforcementLevel.ADVISORY,
    description=DESCRIPTION,
    display_name=DISPLAY_NAME,
    provider="aws",
    tags=TAGS,
)
