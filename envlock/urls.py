"""Whether a URL from a user's file parses at all, and how to show one that does not.

Python's `urlsplit` raises ValueError for a bracketed host left open (`http://[x/...`) and
`.port` for a port that is no number from 0 to 65535 (rattler refuses both with its own
InvalidChannelError): every reader checks URLs here first, so such a URL is bad input
naming its file and line, never a traceback. Such a URL cannot go through the parsing
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


def url_problem(url: str) -> str | None:
    """Why `url` is no URL (a short text), or None when it parses. A plain name (no
    `://`) is no URL and passes."""
    if "://" not in url:
        return None
    try:
        port = urlsplit(url).port
    except ValueError as error:
        return excerpt(str(error))
    return "port 0" if port == 0 else None


def shown_url(url: str) -> str:
    """`url` quoted for a message, credentials and a conda token masked by pattern, cut
    to an excerpt."""
    masked = _TOKEN.sub("/t/<TOKEN>", _USERINFO.sub(r"\1<CREDENTIALS>@", url))
    return repr(excerpt(masked))


URL_HINT = (
    "write scheme://host[:port]/path, with a port from 1 to 65535 and an IPv6 host in "
    "closed brackets"
)
