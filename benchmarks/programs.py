"""Benchmark programs that grow by a repeatable unit, built as the stack program builds prod.

Each program is a plain Pulumi program (a function) for the offline engine
(``pulumi_webstack_cli.engine.synth``): a fixed base plus ``n`` copies of one unit, so the resource count
is ``base + n * per_unit`` and the time per added resource can be compared across ``n``.
Every piece comes from the stack program's own builders (``infra.program``) with a prod
config (``infra.config.parse``, prod column of ``infra/presets.py``): Multi-AZ, two
read replicas, pooling, protect, WAF with an API rate limit... so ``webstack check`` passes
them with the prod policy config, as it passes the prod stack. Only what a single stack
does not have is set here: one host name and Vercel project per app, one name per copy.

* ``apps``: a shared data tier (Network, Database, Cache), then ``n`` app tiers, each a
  ``VercelApp`` wired to the data tier with a ``Cdn`` in front of it.
* ``databases``: a shared Network, then ``n`` units of a ``Database`` and an ``Alerting``
  over it (its topics, alarms and dashboard): the alarm count grows by the same number per
  unit.
* ``replicas``: one Network, one ``Database`` with ``n`` read replicas and an ``Alerting``
  over it (per-replica alarms and reader-endpoint records). RDS for PostgreSQL allows up to
  15 read replicas per source instance, but ``DatabaseArgs.replicas`` (and
  ``webstack:database.replicas``) stop at ``pulumi_webstack.database.MAX_REPLICAS`` = 5, so this
  dimension runs 1, 3, 5: 20 and 15 cannot be built with the component. (The stack config
  asks prod for at least 2; the component itself takes 1, which is what this measures.)

The programs are parts of a stack, so ``check`` judges them with the prod policy config less
the two policies that judge a whole stack (``PART_OF_A_STACK``: its site checked by canaries,
its data tier drilled).
"""

from __future__ import annotations

import functools
import hashlib
import json
import tempfile
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Callable

import pulumi

from pulumi_webstack.database import MAX_REPLICAS
from pulumi_webstack_cli.check import CheckReport, check_plan
from pulumi_webstack_cli.engine import Plan
from pulumi_webstack_policies.settings import CONFIG_DIR
from infra.config import StackConfig, parse
from infra.program import (
    build_alerting,
    build_app,
    build_cache,
    build_cdn,
    build_database,
    build_network,
    make_providers,
)

REGION = "eu-west-1"
CONFIG = {"aws:region": REGION}
"""Stack config the benchmark programs run with."""
STACK = "bench"
"""Stack name of the benchmark plans; they export ``tier = prod``, so ``webstack check``
applies ``policies/config/prod.json``."""


PART_OF_A_STACK = ("synthetic-canaries", "recovery-drills")
"""Policies whose subject is a whole stack (the stack checks its site, drills its data tier):
off for programs that are parts of one."""


@functools.cache
def policy_config() -> Path:
    """``policies/config/prod.json`` with ``PART_OF_A_STACK`` disabled, as a file (what
    ``check_plan`` reads), written once to the temporary directory."""
    config = {**json.loads((CONFIG_DIR / "prod.json").read_text()), **{p: "disabled" for p in PART_OF_A_STACK}}
    text = json.dumps(config, indent=2, sort_keys=True)
    path = Path(tempfile.gettempdir()) / f"webstack-bench-policy-{hashlib.sha256(text.encode()).hexdigest()[:12]}.json"
    if not path.exists():
        path.write_text(text)
    return path


def check(plan: Plan) -> CheckReport:
    """The policy pack over a benchmark program's plan, as prod is checked (see ``policy_config``)."""
    return check_plan(plan, policy_config=policy_config())


def prod_config(app: int = 1, **sections: Any) -> StackConfig:
    """The prod tier's config for app ``app`` (its own domain and Vercel project), with
    ``sections`` (``webstack:*`` values) on top. Backups and the disaster-recovery replica are
    not built here, so the tier's copy region and cross-region replica (and the providers they
    need) are left out, and with them the recovery objectives they exist to meet."""
    raw = {
        "webstack:tier": "prod",
        "webstack:domain": f"app{app}.bench.example.com",
        # Each app its own Secure Compute network (range, peering) into the one VPC.
        "webstack:app": {"vercel": {"projectName": f"bench-app-{app}", "gitRepository": "example/shop",
                                    "teamId": "team_bench", "secureComputeCidr": f"10.{200 + app}.0.0/20",
                                    "peeringConnectionId": f"pcx-{app:017x}"}},
        "webstack:database": {"crossRegionReplica": None},
        "webstack:backups": {"copyRegion": None},
        "webstack:recovery": {"rpoMinutes": None, "rtoMinutes": None},
        "webstack:alerting": {"emails": ["oncall@example.com"]},
        "webstack:cdn": {"certificateValidated": True},  # a deployed prod: the domain is attached
        **{f"webstack:{k}": v for k, v in sections.items()},
    }
    return parse(STACK, {**CONFIG, **raw})


@dataclass(frozen=True)
class Dimension:
    """One way of growing a program."""

    name: str
    unit: str
    """What one step of ``n`` adds."""
    sizes: tuple[int, ...]
    """The ``n`` the full benchmark runs."""
    build: Callable[[int], None]
    """``build(n)`` registers the program (call it inside ``pulumi_webstack_cli.engine.synth``)."""

    def program(self, n: int) -> Callable[[], None]:
        """The program of size ``n``, for ``pulumi_webstack_cli.engine.synth``."""
        if n < 1:
            raise ValueError(f"{self.name}: n = {n}: must be at least 1")
        return lambda: self.build(n)


def build_apps(n: int) -> None:
    """Data tier + ``n`` x (VercelApp + Cdn)."""
    cfg = prod_config()
    providers = make_providers(cfg)
    network = build_network(cfg, providers)
    database = build_database(cfg, network, providers)
    cache = build_cache(cfg, network, providers)
    for i in range(1, n + 1):
        app_cfg = prod_config(i)
        app = build_app(app_cfg, network, database, cache, providers, name=f"app-{i}")
        build_cdn(app_cfg, app, providers, name=f"cdn-{i}")
    pulumi.export("tier", "prod")


def build_databases(n: int) -> None:
    """Network + ``n`` x (Database + Alerting over it)."""
    cfg = prod_config()
    providers = make_providers(cfg)
    network = build_network(cfg, providers)
    for i in range(1, n + 1):
        database = build_database(cfg, network, providers, name=f"db-{i}")
        build_alerting(cfg, providers, database=database, name=f"alerts-{i}")
    pulumi.export("tier", "prod")


def build_replicas(n: int) -> None:
    """Network + Database with ``n`` read replicas + Alerting over it."""
    cfg = prod_config()
    cfg = replace(cfg, database=replace(cfg.database, replicas=n))
    providers = make_providers(cfg)
    network = build_network(cfg, providers)
    database = build_database(cfg, network, providers)
    build_alerting(cfg, providers, database=database)
    pulumi.export("tier", "prod")


DIMENSIONS: dict[str, Dimension] = {
    d.name: d
    for d in (
        Dimension("apps", "one app tier + CDN (VercelApp + Cdn)", (1, 5, 20), build_apps),
        Dimension("databases", "one prod Database + Alerting over it", (1, 5, 20), build_databases),
        Dimension("replicas", f"one read replica (+ its alarms); capped at {MAX_REPLICAS}", (1, 3, MAX_REPLICAS),
                  build_replicas),
    )
}
