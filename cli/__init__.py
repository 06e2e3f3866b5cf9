"""``webstack``: the offline plan, policy check, diff and estimate of a Pulumi Python project.

Runs any Pulumi Python program in-process under Pulumi's mock engine (``engine``) and
reports what it would register: ``webstack synth``, ``check`` (the CrossGuard pack),
``diff`` and ``estimate``. Installed with the ``cli`` extra of pulumi-webstack.
"""
