"""What an app tier is told about the data tier: hosts, ports, where the credentials are,
and for every host the TLS settings that verify it. Helpers, not a component; every app
platform (Vercel variables, a Kubernetes Secret, ECS task variables) hands out the same set.

TLS per host, because not every name is in its server's certificate:

=====================================  ===============  =====================================
host                                   ``sslmode``      CA bundle
=====================================  ===============  =====================================
RDS instance endpoint                  ``verify-full``  RDS CAs (``RDS_CA_BUNDLE_URL``)
RDS Proxy endpoint (``.proxy-``)       ``verify-full``  Amazon Trust Services (proxies carry
                                                        ACM certificates: ``AMAZON_ROOT_CA_URL``)
any other name (our reader CNAME)      ``verify-ca``    RDS CAs: the chain is verified; the
                                                        name cannot be, no RDS certificate
                                                        carries it
ElastiCache endpoint (``rediss://``)   host verified    Amazon Trust Services
=====================================  ===============  =====================================

The CA bundles are public files: bundle them into the app at build time (or use the system
trust store where it holds them: Amazon Root CA 1 is in every common one; the RDS CAs are
not) and never turn verification off.
"""

from __future__ import annotations

from typing import Any, Optional

import pulumi

RDS_CA_BUNDLE_URL = "https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem"
"""Every RDS certificate authority of every region (the instances' server certificates)."""
AMAZON_ROOT_CA_URL = "https://www.amazontrust.com/repository/AmazonRootCA1.pem"
"""Amazon Root CA 1: the root of the ACM certificates of RDS Proxy and of ElastiCache's TLS."""
SERVICE_SUFFIX = ".rds.amazonaws.com"


def postgres_tls(host: str) -> tuple[str, str]:
    """``(sslmode, CA bundle URL)`` that verify a PostgreSQL connection to ``host``.

    ``verify-full`` where the server's certificate names the host (RDS instance and proxy
    endpoints), ``verify-ca`` for any other name, an alias such as the reader CNAME.
    """
    name = host.rstrip(".").lower()
    if not name.endswith(SERVICE_SUFFIX) and not name.endswith(SERVICE_SUFFIX + ".cn"):
        return "verify-ca", RDS_CA_BUNDLE_URL
    if ".proxy-" in name:
        return "verify-full", AMAZON_ROOT_CA_URL
    return "verify-full", RDS_CA_BUNDLE_URL


def redis_url(host: str, port: Any) -> str:
    """``rediss://host:port``: TLS, the host verified against its certificate (no credentials:
    the AUTH token stays in Secrets Manager)."""
    return f"rediss://{host}:{port}"


def data_environment(args: Any) -> dict[str, pulumi.Input[Any]]:
    """Variable name -> value for the data-tier links set on an app's Args.

    ``args`` has the data-link fields every app tier's Args share (``database_host``,
    ``database_reader_host``, ``database_port``, ``database_name``, ``database_secret_arn``,
    ``cache_host``, ``cache_reader_host``, ``cache_port``, ``cache_auth_secret_arn``).
    Values that depend on a host follow it (an Output while the host is one).
    """
    values: dict[str, Optional[pulumi.Input[Any]]] = {
        "DATABASE_NAME": args.database_name,
        "DATABASE_SECRET_ARN": args.database_secret_arn,
        "REDIS_AUTH_SECRET_ARN": args.cache_auth_secret_arn,
    }
    for prefix, host in (("DATABASE", args.database_host), ("DATABASE_READER", args.database_reader_host)):
        if host is not None:
            tls = pulumi.Output.from_input(host).apply(postgres_tls)
            values.update({f"{prefix}_HOST": host, f"{prefix}_SSLMODE": tls[0], f"{prefix}_CA_BUNDLE_URL": tls[1]})
    if args.database_host is not None:
        values["DATABASE_PORT"] = args.database_port
    for prefix, host in (("REDIS", args.cache_host), ("REDIS_READER", args.cache_reader_host)):
        if host is not None:
            values[f"{prefix}_HOST"] = host
            values[f"{prefix}_URL"] = pulumi.Output.all(host, args.cache_port).apply(lambda v: redis_url(*v))
    if args.cache_host is not None:
        values.update(REDIS_PORT=args.cache_port, REDIS_CA_BUNDLE_URL=AMAZON_ROOT_CA_URL)
    return {k: v for k, v in values.items() if v is not None}
