"""Optional provider SDKs: the extras of the distribution that bring them.

The core install (``pip install pulumi-webstack``) brings pulumi, pulumi-aws and
pulumi-random: everything the AWS components need. The app tiers on other platforms need
those platforms' SDKs, which only their users should have to install (the Kubernetes and
Vercel SDKs are most of a full install's size). A component whose SDK is missing says which
extra brings it, instead of a bare ``No module named ...``.
"""

from __future__ import annotations

EXTRAS = {
    "pulumi_kubernetes": ("pulumi-kubernetes", "kubernetes"),
    "pulumiverse_vercel": ("pulumiverse-vercel", "vercel"),
}
"""Import name -> (distribution, extra of pulumi-webstack that installs it)."""


def missing_sdk(exc: ModuleNotFoundError, component: str) -> ModuleNotFoundError:
    """The error to raise instead of ``exc`` when ``component``'s optional SDK is not installed
    (``exc`` itself when what is missing is something else)."""
    top = (exc.name or "").split(".")[0]
    if top not in EXTRAS:
        return exc
    distribution, extra = EXTRAS[top]
    return ModuleNotFoundError(
        f"pulumi_webstack.{component} needs the {distribution} SDK, which is not installed: "
        f"pip install 'pulumi-webstack[{extra}]'", name=exc.name)
