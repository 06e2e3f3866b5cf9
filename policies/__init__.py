"""CrossGuard policy pack for pulumi-webstack (see policies/README.md).

Importing this package or any rule module has no side effects: the policy objects are
built, nothing is served. ``policies/__main__.py`` is the pack's entry point for the
Pulumi CLI; ``pulumi_webstack_policies.pack.POLICIES`` is the list it serves.
"""
