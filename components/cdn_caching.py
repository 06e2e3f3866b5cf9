"""How the CDN caches: path classes, their cache policies and the distribution's cache
behaviors. Helpers of ``Cdn`` (components/cdn.py, whose module doc has the table of
classes), not a component.

Each class of paths gets one cache policy; every behavior sends viewers to HTTPS, compresses
and carries the same response headers policy, so the security headers do not depend on which
path a response came from.
"""

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pulumi
import pulumi_aws as aws

if TYPE_CHECKING:
    from pulumi_webstack.cdn import CdnArgs

ORIGIN_ID = "app"
"""The distribution's one origin: the app tier."""

ALL_METHODS = ["GET", "HEAD", "OPTIONS", "PUT", "POST", "PATCH", "DELETE"]
READ_METHODS = ["GET", "HEAD", "OPTIONS"]
CACHED_METHODS = ["GET", "HEAD"]

ALL_VIEWER_EXCEPT_HOST = "Managed-AllViewerExceptHostHeader"
"""AWS managed origin request policy: every viewer header, query string and cookie, but
CloudFront sends the origin's own host name (the app tier serves ``origin_domain``)."""


@dataclass(frozen=True)
class PathClass:
    """One class of paths and how CloudFront caches it (plain data, see ``path_classes``)."""

    name: str
    paths: tuple[str, ...]
    min_ttl: int
    default_ttl: int
    max_ttl: int
    methods: tuple[str, ...]
    key_headers: tuple[str, ...] = ()
    key_query: bool = False
    key_cookies: bool = False
    forward_viewer: bool = False
    """Forward every viewer header/cookie/query (except Host) via the origin request policy."""

    @property
    def caches(self) -> bool:
        return self.max_ttl > 0


def cache_key(pc: PathClass) -> dict[str, Any]:
    """``parameters_in_cache_key_and_forwarded_to_origin`` of a class's cache policy.

    CloudFront refuses cache-key parameters and compression flags on a policy whose
    max TTL is 0 (caching disabled); such classes forward what the origin needs through
    the origin request policy instead.
    """
    if not pc.caches:
        return {
            "headers_config": {"header_behavior": "none"},
            "cookies_config": {"cookie_behavior": "none"},
            "query_strings_config": {"query_string_behavior": "none"},
            "enable_accept_encoding_gzip": False,
            "enable_accept_encoding_brotli": False,
        }
    headers_config: dict[str, Any] = {"header_behavior": "none"}
    if pc.key_headers:
        headers_config = {"header_behavior": "whitelist", "headers": {"items": list(pc.key_headers)}}
    return {
        "headers_config": headers_config,
        "cookies_config": {"cookie_behavior": "all" if pc.key_cookies else "none"},
        "query_strings_config": {"query_string_behavior": "all" if pc.key_query else "none"},
        "enable_accept_encoding_gzip": True,
        "enable_accept_encoding_brotli": True,
    }


def path_classes(args: "CdnArgs") -> list[PathClass]:
    """The cache classes of ``args``, ordered behaviors first and ``html`` (the default) last."""
    classes = [
        PathClass("static", tuple(args.static_paths), 0, args.static_ttl_seconds, args.static_ttl_seconds,
                  tuple(READ_METHODS)),
        PathClass("images", tuple(args.image_paths), 0, args.image_ttl_seconds, args.image_ttl_seconds,
                  tuple(READ_METHODS), key_headers=("Accept",), key_query=True),
        PathClass("api", tuple(args.api_paths), 0, 0, args.api_ttl_seconds, tuple(ALL_METHODS),
                  key_headers=("Authorization",), key_query=True, key_cookies=True, forward_viewer=True),
        PathClass("public", tuple(args.public_paths), 0, args.default_ttl_seconds, args.default_ttl_seconds,
                  tuple(READ_METHODS)),
        # HTML takes form posts and server actions too, hence every method.
        PathClass("html", ("*",), 0, args.html_ttl_seconds, args.html_ttl_seconds, tuple(ALL_METHODS),
                  key_query=True, key_cookies=True, forward_viewer=True),
    ]
    return [c for c in classes if c.paths]


def comment(text: str) -> str:
    """A CloudFront comment: at most 128 characters."""
    return text if len(text) <= 128 else text[:125] + "..."


@dataclass(frozen=True)
class Behaviors:
    """The cache policy of each class and the distribution's behaviors built on them."""

    cache_policies: dict[str, aws.cloudfront.CachePolicy]
    default: dict[str, Any]
    """``default_cache_behavior``: the ``html`` class."""
    ordered: list[dict[str, Any]]
    """``ordered_cache_behaviors``: one per path pattern of the other classes."""


def cache_behaviors(name: str, args: "CdnArgs", headers_policy_id: pulumi.Input[str],
                    opts: pulumi.ResourceOptions, invoke: pulumi.InvokeOptions) -> Behaviors:
    """One cache policy per path class, and each class's behaviors: HTTPS only, compressed,
    the security headers policy on every one, the viewer request forwarded where it must be."""
    viewer_policy = aws.cloudfront.get_origin_request_policy_output(name=ALL_VIEWER_EXCEPT_HOST, opts=invoke)
    policies: dict[str, aws.cloudfront.CachePolicy] = {}
    default: dict[str, Any] = {}
    ordered: list[dict[str, Any]] = []
    for pc in path_classes(args):
        policy = aws.cloudfront.CachePolicy(
            f"{name}-{pc.name}",
            comment=comment(f"{args.domain} {pc.name}: ttl {pc.min_ttl}/{pc.default_ttl}/{pc.max_ttl} s"),
            min_ttl=pc.min_ttl,
            default_ttl=pc.default_ttl,
            max_ttl=pc.max_ttl,
            parameters_in_cache_key_and_forwarded_to_origin=cache_key(pc),
            opts=opts,
        )
        policies[pc.name] = policy
        behavior: dict[str, Any] = {
            "target_origin_id": ORIGIN_ID,
            "viewer_protocol_policy": "redirect-to-https",
            "allowed_methods": list(pc.methods),
            "cached_methods": CACHED_METHODS,
            "compress": True,
            "cache_policy_id": policy.id,
            "response_headers_policy_id": headers_policy_id,
        }
        if pc.forward_viewer:
            behavior["origin_request_policy_id"] = viewer_policy.id
        if pc.name == "html":
            default = behavior
        else:
            ordered.extend({**behavior, "path_pattern": path} for path in pc.paths)
    return Behaviors(policies, default, ordered)
