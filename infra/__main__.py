"""Pulumi entry point (``main: infra/`` in Pulumi.yaml). All logic is in ``infra.program``.

The Pulumi CLI runs this directory with ``runpy.run_path``, which puts ``infra/`` itself on
``sys.path``; the stack program is this repository's own (not part of the installed
library), so the project root goes there to import it as the ``infra`` package.
"""

import sys
from pathlib import Path

_ROOT = str(Path(__file__).resolve().parent.parent)
if _ROOT not in sys.path:
    sys.path.insert(0, _ROOT)

from infra.program import main  # noqa: E402

main()
