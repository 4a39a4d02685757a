"""Whether a URL from a user's file parses at all, and how to show one that does not.

Python's `urlsplit` raises ValueError for a bracketed host left open (`http://[x/...`) and
`.port` for a port that is no number from 0 to 65535; rattler refuses both, and a host
that ends in a number but is no IPv4 address or holds a character such as `<` or `|`,
with its own InvalidChannelError. Every
reader checks URLs here first, so such a URL is bad input naming its file and line,
never a traceback. Such a URL cannot go through the parsing
`envlock.net.credentials.mask` does, so `shown_url` masks its credentials by pattern.
Kernel: recipe/ (channels) and net/ (aliases, lock URLs) both use it.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from envlock.limits import excerpt

__all__ = ["URL_HINT", "shown_url", "url_problem"]

_USERINFO = re.compile(r"(://)[^/@]*@")
_TOKEN = re.compile(r"/t/[^/]+")
# Characters the WHATWG URL standard (rattler's parser) forbids in a host name.
_FORBIDDEN_IN_HOST = frozenset(" #%/<>?@[\\]^|\t\n\r")


def url_problem(url: str) -> str | None:
    """Why `url` is no URL (a short text), or None when it parses. A plain name (no
    `://`) is no URL and passes."""
    if "://" not in url:
        return None
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as error:
        return excerpt(str(error))
    if port == 0:
        return "port 0"
    host = parts.hostname or ""
    if not parts.netloc.startswith("[") and any(
        c in _FORBIDDEN_IN_HOST or not c.isprintable() for c in host
    ):
        return f"the host {excerpt(repr(host))} holds a character no host name may hold"
    if host.rsplit(".", 1)[-1].isdigit() and not _is_ipv4(host):
        # WHATWG URLs (rattler's parser): a host ending in a number is an IPv4 address.
        return f"the host {excerpt(host)} ends in a number but is no IPv4 address"
    return None


def _is_ipv4(host: str) -> bool:
    parts = host.split(".")
    return len(parts) == 4 and all(p.isdigit() and int(p) < 256 for p in parts)


def shown_url(url: str) -> str:
    """`url` quoted for a message, credentials and a conda token masked by pattern, cut
    to an excerpt."""
    masked = _TOKEN.sub("/t/<TOKEN>", _USERINFO.sub(r"\1<CREDENTIALS>@", url))
    return repr(excerpt(masked))


URL_HINT = (
    "write scheme://host[:port]/path, with a port from 1 to 65535 and an IPv6 host in "
    "closed brackets"
)
