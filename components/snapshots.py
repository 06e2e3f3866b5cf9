"""Final snapshot names that are unique per deletion: a helper, not a component.

RDS and ElastiCache refuse to delete an instance when the final snapshot name already
exists (``DBSnapshotAlreadyExists`` / ``SnapshotAlreadyExistsFault``). A fixed name such as
``<identifier>-final`` therefore works exactly once: the second deletion of the instance
(a replacement, or destroy and re-create) fails and blocks the update.

``final_snapshot_identifier`` appends a random suffix that changes whenever the resource
is replaced: a ``random.RandomString`` keyed on the inputs that force the replacement
(``keepers``). The provider reads the final snapshot name of the *old* incarnation from
state when it deletes it, so each incarnation is deleted into its own snapshot, and the
name is stable while the resource lives (no diff on every update). The suffix is random,
not derived: only a new incarnation gets a new one, which is what makes it unique.
"""

from typing import Mapping, Optional

import pulumi
import pulumi_random as random

SUFFIX_LENGTH = 8


def final_snapshot_identifier(resource_name: str, identifier: pulumi.Input[str],
                              replaced_by: Mapping[str, Optional[pulumi.Input[str]]], *,
                              opts: pulumi.ResourceOptions) -> pulumi.Output[str]:
    """``<identifier>-final-<8 lower-case letters and digits>``, a new suffix whenever one of
    ``replaced_by`` (the values whose change replaces the resource) changes.

    Registers a ``random.RandomString`` named ``resource_name`` into the caller's tree
    (``opts`` carries the parent). Values that are None (a setting not in use) are left out.
    ``pulumi up --replace`` of the resource alone keeps the suffix: replace the
    ``RandomString`` with it (``--replace <random urn>``)."""
    suffix = random.RandomString(
        resource_name,
        length=SUFFIX_LENGTH,
        special=False,
        upper=False,
        numeric=True,
        keepers={key: value for key, value in replaced_by.items() if value is not None},
        opts=opts,
    )
    # Not a secret (RandomString.result never is); unsecret so a snapshot name never hides.
    return pulumi.Output.concat(identifier, "-final-", pulumi.Output.unsecret(suffix.result))
