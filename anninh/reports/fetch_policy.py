"""Where attachments may be downloaded from: one policy for the action server and the officer tool.

An attachment URL comes from a chat message, so it is untrusted: with the REST channel open,
anyone could otherwise make the server fetch internal addresses. The policy:

* only ``http``/``https`` URLs whose host is on the allow-list (``REPORTS_ATTACHMENT_HOSTS``,
  comma-separated; ``.zdn.vn`` allows the domain and its subdomains; ``*`` allows any host; the
  default is Zalo's media hosts ``.zdn.vn,.zadn.vn,.zalo.me``);
* never an address that is not public: loopback, private, link-local, shared (CGNAT), reserved,
  multicast or unspecified (IPv4, IPv6 and IPv4-mapped IPv6). Checked for address literals in the
  URL and, for names, after DNS resolution, inside the HTTP client's resolver: the client connects
  to exactly the addresses that were checked, so a second DNS answer cannot switch them (DNS
  rebinding). Redirects are followed by hand (at most 5) and each new URL is checked the same way;
* at most ``REPORTS_ATTACHMENT_MAX_MB`` megabytes (20), checked on the declared length and while
  streaming; content types in ``REPORTS_ATTACHMENT_TYPES`` (images, videos, PDF, Word);
  ``REPORTS_ATTACHMENT_TIMEOUT`` seconds per download (60).

Tests that serve files from 127.0.0.1 must opt in explicitly, per address and port:
``REPORTS_ATTACHMENTS_TEST_ONLY_ALLOW=127.0.0.1:PORT[,...]`` (or ``test_only_allow=`` in code).
Only those exact ``host:port`` pairs are exempt (from the host list and the address check); it
is never set by default and logs a warning when used.
"""
from __future__ import annotations

import ipaddress
import os
import socket
from dataclasses import dataclass, field, replace
from typing import Any, Awaitable, Callable, Dict, FrozenSet, List, Mapping, Optional, Tuple
from urllib.parse import urlsplit

import aiohttp
from aiohttp.abc import AbstractResolver

from anninh.reports.privacy import get_logger
from anninh.settings import env_positive_number

log = get_logger(__name__)

ENV_HOSTS = "REPORTS_ATTACHMENT_HOSTS"
ENV_MAX_MB = "REPORTS_ATTACHMENT_MAX_MB"
ENV_TYPES = "REPORTS_ATTACHMENT_TYPES"
ENV_TIMEOUT = "REPORTS_ATTACHMENT_TIMEOUT"
ENV_TEST_ONLY_ALLOW = "REPORTS_ATTACHMENTS_TEST_ONLY_ALLOW"
DEFAULT_HOSTS: Tuple[str, ...] = (".zdn.vn", ".zadn.vn", ".zalo.me")
DEFAULT_MAX_BYTES = 20 * 1024 * 1024
DEFAULT_TIMEOUT_S = 60.0
DEFAULT_ALLOWED_TYPES: Tuple[str, ...] = (
    "image/*",
    "video/*",
    "application/pdf",
    "application/msword",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
)
MAX_REDIRECTS = 5

# (host, port, family) -> aiohttp resolver answers ({"host": address, "port": ..., ...})
Dns = Callable[[str, int, int], Awaitable[List[Dict[str, Any]]]]


class BlockedAddress(OSError):
    """A name resolved to an address the policy forbids (raised inside the HTTP client)."""


def address_problem(address: str) -> Optional[str]:
    """None for a public unicast address; else what it is (loopback, private, ...)."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return "not an IP address"
    mapped = getattr(ip, "ipv4_mapped", None)
    if mapped is not None:
        ip = mapped
    for kind in ("loopback", "link_local", "private", "multicast", "unspecified", "reserved"):
        if getattr(ip, f"is_{kind}"):
            return kind.replace("_", "-")
    if not ip.is_global:
        return "not public"
    return None


def _split(raw: Optional[str]) -> List[str]:
    return [part.strip() for part in (raw or "").split(",") if part.strip()]


@dataclass(frozen=True)
class DownloadPolicy:
    allowed_hosts: Optional[Tuple[str, ...]] = DEFAULT_HOSTS  # None: any host
    max_bytes: int = DEFAULT_MAX_BYTES
    allowed_types: Tuple[str, ...] = DEFAULT_ALLOWED_TYPES
    timeout: float = DEFAULT_TIMEOUT_S
    test_only_allow: FrozenSet[str] = field(default_factory=frozenset)  # "127.0.0.1:8080"
    dns: Optional[Dns] = None  # tests: a stand-in for the system resolver

    def __post_init__(self) -> None:
        if self.max_bytes <= 0:
            raise ValueError("max_bytes must be positive")
        if self.timeout <= 0:
            raise ValueError("timeout must be positive")
        if self.test_only_allow:
            log.warning("attachment downloads: TEST-ONLY exemption for %s; never use this in production",
                        ", ".join(sorted(self.test_only_allow)))

    @classmethod
    def from_env(cls, environ: Optional[Mapping[str, str]] = None) -> "DownloadPolicy":
        env = os.environ if environ is None else environ

        def number(name: str, default: float) -> float:
            return env_positive_number(name, default, env)

        hosts = _split(env.get(ENV_HOSTS))
        return cls(allowed_hosts=hosts_setting(hosts) if hosts else DEFAULT_HOSTS,
                   max_bytes=int(number(ENV_MAX_MB, DEFAULT_MAX_BYTES / 1048576) * 1048576),
                   allowed_types=tuple(_split(env.get(ENV_TYPES))) or DEFAULT_ALLOWED_TYPES,
                   timeout=number(ENV_TIMEOUT, DEFAULT_TIMEOUT_S),
                   test_only_allow=frozenset(_split(env.get(ENV_TEST_ONLY_ALLOW))))

    def with_changes(self, **changes: Any) -> "DownloadPolicy":
        return replace(self, **{k: v for k, v in changes.items() if v is not None})

    # -- checks ----------------------------------------------------------------------------
    def exempt(self, host: str, port: Optional[int]) -> bool:
        return bool(self.test_only_allow) and f"{host}:{port}" in self.test_only_allow

    def host_allowed(self, host: str) -> bool:
        if self.allowed_hosts is None:
            return True
        host = host.lower().rstrip(".")
        return any(host == h.lstrip(".") or (h.startswith(".") and host.endswith(h))
                   for h in self.allowed_hosts)

    def url_problem(self, url: str) -> Optional[str]:
        """None when ``url`` may be requested (names are checked again once resolved)."""
        try:
            parts = urlsplit(url)
            port = parts.port or (443 if parts.scheme.lower() == "https" else 80)
        except ValueError:
            return "not a valid URL"
        if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
            return "only http(s) URLs are downloaded"
        host = parts.hostname
        if self.exempt(host, port):
            return None
        if not self.host_allowed(host):
            return f"host {host} is not an allowed attachment host"
        try:
            ipaddress.ip_address(host)
        except ValueError:
            return None  # a name: checked by the resolver
        problem = address_problem(host)
        return f"address {host} is {problem}: not fetched" if problem else None

    # -- the HTTP client -------------------------------------------------------------------
    def session(self) -> aiohttp.ClientSession:
        """A client session whose every connection goes to a checked address (call in a loop)."""
        connector = aiohttp.TCPConnector(resolver=_CheckingResolver(self), use_dns_cache=False)
        return aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=self.timeout),
                                     trust_env=False)


def hosts_setting(hosts: List[str]) -> Optional[Tuple[str, ...]]:
    """A host list as configured: ``*`` means any host (addresses are still checked)."""
    return None if "*" in hosts else tuple(h.lower() for h in hosts)


class _CheckingResolver(AbstractResolver):
    """Resolves with the system resolver and refuses names with any non-public address."""

    def __init__(self, policy: DownloadPolicy) -> None:
        self._policy = policy
        self._system: Optional[AbstractResolver] = None

    async def resolve(self, host: str, port: int = 0, family: int = socket.AF_INET) -> List[Dict[str, Any]]:
        if self._policy.dns is not None:
            answers = await self._policy.dns(host, port, family)
        else:
            if self._system is None:
                self._system = aiohttp.ThreadedResolver()
            answers = await self._system.resolve(host, port, family)
        if self._policy.exempt(host, port):
            return answers
        for answer in answers:
            problem = address_problem(str(answer["host"]))
            if problem:
                raise BlockedAddress(f"{host} resolves to {answer['host']}, which is {problem}: not fetched")
        if not answers:
            raise BlockedAddress(f"{host} has no address")
        return answers

    async def close(self) -> None:
        if self._system is not None:
            await self._system.close()
