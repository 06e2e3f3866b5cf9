"""Pulumi entry point (``main: infra/`` in Pulumi.yaml). All logic is in ``infra.program``."""

from infra.program import main

main()
