"""Credentials in channel and package URLs: split off, masked, redacted, hidden; one home.

A URL may carry a secret three ways: `https://user:password@host/...`, a conda token
right after the host (`https://host/t/<token>/channel`), or conda-lock's `${VAR}`
placeholder naming an environment variable that holds it. envlock sends the secret with
the request only; what it prints shows the URL masked (`mask`: `<PASSWORD>`, `<TOKEN>`),
what it writes holds the URL redacted (`redact`, `scrub_url`: the secret removed,
placeholders kept), and an error text that quotes the real URL is passed through `hide`.
For a resolve, `Access` holds the credentials of every channel as rattler's
authentication file wants them (handed to envlock.engine as plain data) and shows the
URLs in rattler's messages as they were requested, secrets masked.
"""

from __future__ import annotations

import base64
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from urllib.parse import quote, unquote, urlsplit, urlunsplit

from envlock.errors import BadInputError

TOKEN_PATTERN = re.compile(r"/t/[^/]+")  # a conda `/t/<token>` path segment, slash included
_LEADING_TOKEN = re.compile(r"^/t/([^/]+)(?=/|$)")
# conda-lock's used_env_vars convention: `${NAME}` in a channel or package URL names an
# environment variable that holds the secret.
PLACEHOLDER = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
HIDDEN = "<HIDDEN>"
_URL = re.compile(r"[a-z][a-z0-9+.\-]*://[^\s'\"`]+", re.IGNORECASE)


def is_url(channel: str) -> bool:
    """True for `scheme://...` channels (file, http, https, s3 ...)."""
    return "://" in channel


def redact(url: str) -> str:
    """Remove `user:password@` and `/t/<token>` from a URL; leave anything else alone."""
    if not is_url(url):
        return url
    parts = urlsplit(url)
    netloc = parts.netloc.rsplit("@", 1)[-1]
    path = TOKEN_PATTERN.sub("", parts.path)
    return urlunsplit((parts.scheme, netloc, path, parts.query, parts.fragment))


def mask(url: str) -> str:
    """For messages: `user:<PASSWORD>@` and `/t/<TOKEN>/` instead of the secrets.

    Unlike `redact` (used for locks), the reader still sees that credentials were sent
    and where: `http://host/t/<TOKEN>/pytorch/...` is the URL that was requested.
    """
    if not is_url(url):
        return url
    parts = urlsplit(url)
    netloc = parts.netloc
    if "@" in netloc:
        userinfo, host = netloc.rsplit("@", 1)
        user, colon, _ = userinfo.partition(":")
        netloc = f"{user}:<PASSWORD>@{host}" if colon else f"<USER>@{host}"
    path = TOKEN_PATTERN.sub("/t/<TOKEN>", parts.path)
    return urlunsplit((parts.scheme, netloc, path, parts.query, parts.fragment))


def scrub_url(url: str) -> str:
    """`url` without credentials, for writing into a lock.

    Passwords and `/t/<token>` parts are removed (`redact`), except when every
    credential in the URL is exactly an environment-variable placeholder (`${TOKEN}`, as
    conda-lock writes them with `used_env_vars`): those name a secret, they are not one.
    Anything else, even a secret that starts with `$`, is removed.
    """
    userinfo = urlsplit(url).netloc.rpartition("@")[0] if is_url(url) else ""
    # TOKEN_PATTERN matches `/t/<token>`: the token is what follows the 3 characters.
    tokens = [match[3:] for match in TOKEN_PATTERN.findall(url)]
    creds = [c for c in (*userinfo.split(":"), *tokens) if c]
    if creds and all(PLACEHOLDER.fullmatch(c) for c in creds):
        return url
    return redact(url)


@dataclass(frozen=True, kw_only=True, slots=True)
class Credentials:
    """What a URL carried for one host: a user and password, or a conda `/t/<token>`."""

    host: str
    username: str | None = None
    password: str | None = None
    token: str | None = None

    def to_rattler(self) -> dict[str, object]:
        """The value rattler's authentication file keeps for the host."""
        if self.token is not None:
            return {"CondaToken": self.token}
        return {"BasicHTTP": {"username": self.username or "", "password": self.password or ""}}

    def basic_auth(self) -> str:
        """The `Authorization` header value for a user and password (`Basic <base64>`)."""
        pair = f"{self.username or ''}:{self.password or ''}".encode()
        return "Basic " + base64.b64encode(pair).decode("ascii")


def split_credentials(url: str) -> tuple[str, Credentials | None]:
    """`url` without `user:password@` and a leading `/t/<token>`, and what was removed.

    Raises BadInputError when the URL carries both (one host holds one kind of
    credential) or a token that is not the first path segment (it could not be put back
    where it was).
    """
    if not is_url(url):
        return url, None
    parts = urlsplit(url)
    userinfo, at, host = parts.netloc.rpartition("@")
    token_match = _LEADING_TOKEN.match(parts.path)
    if not at and token_match is None:
        if TOKEN_PATTERN.search(parts.path):
            raise BadInputError(
                f"{mask(url)}: a /t/<TOKEN> is supported right after the host only "
                "(https://host/t/<TOKEN>/channel)"
            )
        return url, None
    if at and token_match is not None:
        raise BadInputError(f"{mask(url)}: give either user:password@ or /t/<TOKEN>, not both")
    path = parts.path
    if token_match is not None:
        credentials = Credentials(host=parts.hostname or host, token=unquote(token_match.group(1)))
        path = path[token_match.end() :] or ""
        if TOKEN_PATTERN.search(path):
            raise BadInputError(f"{mask(url)}: more than one /t/<TOKEN> in the URL")
    else:
        user, _, password = userinfo.partition(":")
        credentials = Credentials(
            host=parts.hostname or host, username=unquote(user), password=unquote(password)
        )
    bare = urlunsplit((parts.scheme, host, path, parts.query, parts.fragment))
    return bare, credentials


@dataclass(frozen=True, kw_only=True, slots=True)
class Access:
    """How the channels of a resolve are reached without credentials in any URL.

    `auth`: host → the entry rattler's authentication file keeps for it
    (`Credentials.to_rattler()`), what envlock.engine.access hands to rattler's
    middleware. `shown`: a channel's bare URL (as the engine sees it) → its masked form
    for messages (`http://h/pytorch` → `http://h/t/<TOKEN>/pytorch`).
    """

    auth: Mapping[str, Mapping[str, object]] = field(default_factory=dict)
    shown: Mapping[str, str] = field(default_factory=dict)

    def display(self, text: str) -> str:
        """`text` with every URL shown as requested, secrets masked."""

        def one(match: re.Match[str]) -> str:
            url = match.group(0)
            for bare in sorted(self.shown, key=len, reverse=True):
                if url == bare or url.startswith(bare + "/"):
                    return self.shown[bare] + url[len(bare) :]
            return mask(url)

        return _URL.sub(one, text)


@dataclass(frozen=True, kw_only=True, slots=True)
class Declared:
    """Which `${NAME}` placeholders of a lock's package URLs envlock may fill in, and
    toward which host: conda-lock's `used_env_vars`, declared per channel.

    Why: a published lock could carry `${AWS_SECRET_ACCESS_KEY}` in a URL; filled in from
    the environment, the secret would go to whatever server the URL names. A placeholder
    is filled in only when a channel of the lock declares its name *and* the URL's host
    (scheme, host, port) is that channel's. `hosts`: host key (see `host_key`) → the
    names declared for it; `explicit`: the lock is an @EXPLICIT file, which has nowhere
    to declare anything; `own` (None unless the URL is re-based onto a channel alias): the
    placeholders of the user's own alias, theirs to fill in wherever it sends them.
    """

    hosts: Mapping[str, frozenset[str]] = field(default_factory=dict)
    explicit: bool = False
    own: frozenset[str] | None = None


def host_key(url: str) -> str | None:
    """`scheme://host:port` of `url` (lower case, the scheme's port when none is given),
    None when it has no host or a placeholder decides the host or port."""
    parts = urlsplit(url)
    host = parts.hostname
    netloc_host = parts.netloc.rpartition("@")[2]
    if not host or PLACEHOLDER.search(netloc_host):
        return None
    try:
        port = parts.port
    except ValueError:
        return None
    default = {"http": 80, "https": 443}.get(parts.scheme.lower())
    return f"{parts.scheme.lower()}://{host.lower()}:{port or default}"


def declared_by(channels: Iterable[tuple[str, Iterable[str]]]) -> Declared:
    """What a conda-lock's `metadata.channels` ((url, used_env_vars) pairs) declare."""
    hosts: dict[str, set[str]] = {}
    for url, names in channels:
        key = host_key(url) if is_url(url) else None
        if key is not None:
            hosts.setdefault(key, set()).update(names)
    return Declared(hosts={key: frozenset(names) for key, names in hosts.items()})


def check_declared(template: str, declared: Declared, filename: str) -> None:
    """BadInputError (exit 2) naming the first placeholder of `template` that `declared`
    does not allow, and the package file; values are never read, so never shown."""
    names = tuple(n for n in placeholders(template) if n not in (declared.own or ()))
    if not names:
        return
    shown = mask(template)
    first = f"${{{names[0]}}}"
    if declared.own is not None:
        raise BadInputError(
            f"{filename}: the lock's channel or file name puts {first} into {shown}; only "
            "the placeholders of --channel-alias itself are filled in. Fix the lock"
        )
    if declared.explicit:
        raise BadInputError(
            f"{filename}: its URL {shown} uses {first}, but an explicit file cannot declare "
            "variables (conda-lock keeps used_env_vars in conda-lock.yml), so envlock fills "
            "in none: create from the lock's conda-lock.yml, or pass --channel-alias with "
            "the credentials (https://host/t/$TOKEN, expanded by your shell)"
        )
    key = host_key(template)
    if key is None:
        raise BadInputError(
            f"{filename}: its URL {shown} has a placeholder in its host or port, which would "
            "let a variable's value choose where it is sent; envlock refuses it. Fix the "
            "lock's URL, or pass --channel-alias"
        )
    allowed = declared.hosts.get(key, frozenset())
    for name in names:
        if name not in allowed:
            raise BadInputError(
                f"{filename}: its URL {shown} uses ${{{name}}}, which no channel of the lock "
                f"on {key.rsplit(':', 1)[0]} declares (metadata.channels: used_env_vars). "
                "envlock fills in only the variables a lock's own channels declare, and "
                "sends them only to that channel's host: fix the lock, or pass "
                "--channel-alias with the credentials"
            )


def placeholders(text: str) -> tuple[str, ...]:
    """The `${NAME}` variables `text` uses, in order of first use."""
    return tuple(dict.fromkeys(PLACEHOLDER.findall(text)))


def missing_variables(text: str, environ: Mapping[str, str] | None = None) -> tuple[str, ...]:
    """The `${NAME}` variables of `text` that the environment (`os.environ`) does not set."""
    env = os.environ if environ is None else environ
    return tuple(name for name in placeholders(text) if name not in env)


def expand_placeholders(text: str, environ: Mapping[str, str] | None = None) -> str:
    """`text` with every `${NAME}` replaced by its value (KeyError for an unset one:
    check `missing_variables` first)."""
    env = os.environ if environ is None else environ
    return PLACEHOLDER.sub(lambda match: env[match.group(1)], text)


def secret_forms(values: Iterable[str]) -> tuple[str, ...]:
    """Each non-empty secret as given, unquoted and percent-encoded (as a URL holds it),
    for `hide`."""
    forms = {
        form
        for value in values
        if value
        for form in (value, unquote(value), quote(value, safe=""), quote(unquote(value), safe=""))
    }
    return tuple(sorted(form for form in forms if form))


def hide(text: str, secrets: Iterable[str]) -> str:
    """`text` (say, an exception's message quoting a URL) with every secret replaced by
    `<HIDDEN>`, the longest first so that no part of a longer one is left."""
    for secret in sorted(secrets, key=len, reverse=True):
        text = text.replace(secret, HIDDEN)
    return text


__all__ = [
    "PLACEHOLDER",
    "TOKEN_PATTERN",
    "Access",
    "Credentials",
    "Declared",
    "check_declared",
    "declared_by",
    "expand_placeholders",
    "hide",
    "host_key",
    "is_url",
    "mask",
    "missing_variables",
    "placeholders",
    "redact",
    "scrub_url",
    "secret_forms",
    "split_credentials",
]
