"""One dependency line at a time: conda specs (`chan/subdir::name=ver=build[md5=…]`) and
pip requirement lines (`name==ver`, `name @ url`, `-e …`, `git+…`).

Each parser returns an envlock Package or raises ValueError with a message that the
snapshot reader turns into a BadInputError naming the file and line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from envlock.limits import excerpt
from envlock.models import Package
from envlock.net.channels import channel_name
from envlock.platforms import SUBDIRS

_CONDA_NAME = re.compile(r"^([A-Za-z0-9_][A-Za-z0-9_.\-]*)(.*)$")
_BRACKET = re.compile(r"\[([^\]]*)\]\s*$")
_PIP_PINNED = re.compile(
    r"^([A-Za-z0-9][A-Za-z0-9._\-]*)\s*(?:\[[^\]]*\])?\s*===?\s*([^\s;#,]+)\s*(?:;.*)?$"
)
_EGG = re.compile(r"[#&]egg=([A-Za-z0-9._\-]+)")
_ARCHIVE_SUFFIXES = (".whl", ".tar.gz", ".tar.bz2", ".zip", ".tgz")


@dataclass(frozen=True, kw_only=True, slots=True)
class CondaSpec:
    """A parsed conda dependency line; `exact` tells a pinned `=ver` from a spec."""

    name: str
    version: str
    build: str | None
    channel: str | None
    subdir: str | None
    md5: str | None
    form: str  # "pinned" (=ver[=build]), "bare" (name only) or "constraint"

    def package(self, *, spec_mode: bool) -> Package:
        """The Package this line records; in spec mode `=3.9` means `3.9.*` as in conda."""
        version = self.version
        if spec_mode and self.form == "pinned" and self.build is None and "*" not in version:
            version = f"{version}.*"
        return Package(
            name=self.name,
            version=version,
            build=self.build,
            channel=self.channel,
            subdir=self.subdir,
            md5=self.md5,
            manager="conda",
        )


def parse_conda_spec(text: str) -> CondaSpec:
    """Parse `[channel[/subdir]::]name[=version[=build]][[key=value,…]]` and spec forms."""
    channel, subdir, line = _split_channel(text.strip())
    line, extras = _split_bracket(line)
    match = _CONDA_NAME.match(line.strip())
    if match is None:
        raise ValueError(f"cannot read {excerpt(text.strip())!r} as a conda package spec")
    name, rest = match.group(1), match.group(2).strip()
    version, build, form = _version_build(rest, text)
    if not version and extras.get("version"):
        version, form = extras["version"], "constraint"
    build = build or extras.get("build")
    return CondaSpec(
        name=name.lower(),
        version=version,
        build=None if build == "*" else build,
        channel=channel,
        subdir=subdir,
        md5=extras.get("md5"),
        form=form,
    )


def _split_channel(line: str) -> tuple[str | None, str | None, str]:
    """`conda-forge/linux-64::x=1` → (`conda-forge`, `linux-64`, `x=1`)."""
    if "::" not in line:
        return None, None, line
    chan, rest = line.split("::", 1)
    chan = chan.strip()
    subdir = None
    head, _, tail = chan.rpartition("/")
    if head and tail in SUBDIRS:
        chan, subdir = head, tail
    return (channel_name(chan) if chan else None), subdir, rest


def _split_bracket(line: str) -> tuple[str, dict[str, str]]:
    """`x=1=b[md5=abc]` → (`x=1=b`, {"md5": "abc"})."""
    bracket = _BRACKET.search(line)
    if bracket is None:
        return line, {}
    extras = {}
    for item in bracket.group(1).split(","):
        key, _, value = item.partition("=")
        extras[key.strip()] = value.strip().strip("'\"")
    return line[: bracket.start()], extras


def _version_build(rest: str, text: str) -> tuple[str, str | None, str]:
    """Version, build and form ("pinned", "bare", "constraint") of what follows the name."""
    if not rest:
        return "", None, "bare"
    if rest[0] == "=":
        # `=ver[=build]` (conda env export) or `==ver[=build]` (micromamba).
        body = rest[2:] if rest.startswith("==") else rest[1:]
        if any(c in body for c in "<>,|") or (rest.startswith("==") and "*" in body):
            return rest.replace(" ", ""), None, "constraint"
        parts = body.split("=")
        if len(parts) > 2 or not parts[0].strip():
            raise ValueError(f"cannot read {excerpt(text.strip())!r}: expected name=version=build")
        build = parts[1].strip() if len(parts) == 2 and parts[1].strip() else None
        return parts[0].strip(), build, "pinned"
    if rest[0].isdigit():  # `name 1.2.* build`, as MatchSpec strings read
        pieces = rest.split()
        version = pieces[0]
        form = "constraint" if any(c in version for c in "*<>,|") else "pinned"
        return version, (pieces[1] if len(pieces) > 1 else None), form
    if rest[0] in "<>!~":
        version, build = _constraint_and_build(rest)
        return version, build, "constraint"
    if rest[0] == "*":  # `name * build` (any version, this build), as stacks write it
        pieces = rest.split()
        version = "" if pieces[0] == "*" else pieces[0]
        return version, (pieces[1] if len(pieces) > 1 else None), "constraint"
    raise ValueError(f"cannot read {excerpt(text.strip())!r} as a conda package spec")


def _constraint_and_build(rest: str) -> tuple[str, str | None]:
    """`>=1.2,<1.3 abc` (MatchSpec: a version constraint, then a build) → both; `>= 1.2`
    (an operator written apart from its version) stays one constraint."""
    pieces = rest.split()
    if (
        len(pieces) == 2
        and pieces[0].lstrip("<>=!~")
        and not any(c in pieces[1] for c in "<>=!~,|")
    ):
        return pieces[0], pieces[1]
    return rest.replace(" ", ""), None


def parse_pip_line(text: str) -> Package | None:
    """A pip freeze / requirements line as a pip Package; None for comments and options.

    `name==ver` is exact; `name>=1` keeps the constraint as the version; `name @ url`,
    `git+…` and `-e` lines record the URL and the version only when the URL's archive
    name carries one. Names are normalised as PEP 503 says.
    """
    line = text.strip()
    if " #" in line:
        line = line.split(" #", 1)[0].strip()
    if not line or line.startswith("#"):
        return None
    editable = False
    for flag in ("-e ", "--editable ", "--editable="):
        if line.startswith(flag) or line == flag.strip(" ="):
            line, editable = line[len(flag) :].strip(), True
            if not line:
                raise ValueError(
                    f"{excerpt(text.strip())!r} names nothing to install: an editable line "
                    "reads -e PATH_OR_URL"
                )
            break
    else:
        if line.startswith("-"):
            return None  # --find-links, --extra-index-url, -r, -c, --pre …: not packages
    if not editable:
        pinned = _PIP_PINNED.match(line)
        if pinned:
            return Package(
                name=str(canonicalize_name(pinned.group(1))),
                version=pinned.group(2),
                manager="pip",
            )
    if editable or "://" in line.split("@", 1)[0] or line.startswith(("git+", ".", "/")):
        return _url_requirement(line, text)
    try:
        requirement = Requirement(line)
    except InvalidRequirement as error:
        # packaging's message draws a caret under the line: keep only its first sentence.
        reason = excerpt(str(error).splitlines()[0].strip()) if str(error) else "invalid"
        raise ValueError(
            f"cannot read {excerpt(text.strip())!r} as a pip requirement ({reason})"
        ) from None
    url = requirement.url
    return Package(
        name=str(canonicalize_name(requirement.name)),
        version=_version_from_url(url, requirement.name) if url else str(requirement.specifier),
        url=url,
        manager="pip",
    )


def _url_requirement(line: str, original: str) -> Package:
    """`git+https://…/Repo.git@sha`, `./path`, `https://…/pkg-1.0.tar.gz#egg=pkg`."""
    egg = _EGG.search(line)
    url = line.split(maxsplit=1)[0]
    if egg:
        name = egg.group(1)
    else:
        tail = url.split("#", 1)[0].split("?", 1)[0].rstrip("/")
        tail = tail.rsplit("/", 1)[-1].split("@", 1)[0]
        for suffix in (*_ARCHIVE_SUFFIXES, ".git"):
            tail = tail.removesuffix(suffix)
        name = tail.split("-", 1)[0] if url.endswith(_ARCHIVE_SUFFIXES) else tail
    if not name:
        raise ValueError(f"cannot tell the package name of {excerpt(original.strip())!r}")
    return Package(
        name=str(canonicalize_name(name)),
        version=_version_from_url(url, name),
        url=url,
        manager="pip",
    )


def _version_from_url(url: str, name: str) -> str:
    """The version in an archive URL (`…/flash_attn-2.3.6.tar.gz` → `2.3.6`), else ""."""
    filename = url.split("#", 1)[0].rsplit("/", 1)[-1]
    if filename.endswith(".whl"):
        parts = filename.split("-")
        return parts[1] if len(parts) >= 5 else ""
    for suffix in _ARCHIVE_SUFFIXES:
        if filename.endswith(suffix):
            stem = filename[: -len(suffix)]
            head, _, version = stem.rpartition("-")
            if head and canonicalize_name(head) == canonicalize_name(name):
                return version
    return ""
