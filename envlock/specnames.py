"""What a conda match spec or depends string names: its package, channel and version;
whether a recorded version is a version or a constraint.

One reader for every module that reads specs leniently (the completeness check of
`create`, the install order of explicit files, stack expansion, the CUDA facts):
`python >=3.8,<3.9`, `conda-forge::numpy>=1.24`, `numpy[version='>=1.24',channel='a::b']`
and `pytorch 1.13.* *cuda*` name `python`, `numpy`, `numpy` and `pytorch`. It never
raises: a spec it cannot read names "" (strict parsing is the solver's, in `engine/`).
"""

from __future__ import annotations

# Characters that end the name part of a spec: version operators, bracket options and a
# pip-style environment marker.
_STOPS = "=<>!~[;"

# What makes a recorded version a constraint rather than a version (`>=11.6`, `11.*`,
# `>=1.2,<2`, `1.0|2.0`, `3.9 *`).
CONSTRAINT_CHARS = frozenset("*<>=,|~ ")


def _split(spec: str) -> tuple[str | None, str, str]:
    """(channel, name as written, what follows the name, bracket options left out)."""
    words = spec.split(maxsplit=1)
    if not words:
        return None, "", ""
    head = words[0].split("[", 1)[0]  # bracket options may hold `::` themselves
    channel, _, head = head.rpartition("::")
    name = head
    for stop in _STOPS:
        name = name.split(stop, 1)[0]
    rest = head[len(name) :] + (f" {words[1]}" if len(words) > 1 else "")
    return channel.strip() or None, name, rest.strip()


def dependency_name(spec: str) -> str:
    """The normalised (lower-case) package name of a depends string; "" when it has none.

    A channel prefix (`channel::`, `channel/subdir::`) and everything after the name
    (version, build, `[key=value]` options) are dropped. Compare the result with
    lower-cased package names: conda package names are case-insensitive.
    """
    return _split(spec)[1].lower()


def spec_channel(spec: str) -> str | None:
    """The channel a spec names before `::` (`pytorch` in `pytorch::pytorch=2.0.1`,
    `conda-forge/linux-64` in `conda-forge/linux-64::numpy`), else None."""
    return _split(spec)[0]


def spec_version(spec: str) -> str:
    """The version constraint a spec states, as written; "" when it states none.

    `pytorch-cuda 11.7.*` → `11.7.*`, `python >=3.8,<3.9` → `>=3.8,<3.9`,
    `numpy>=1.24` → `>=1.24`, `pytorch=1.13=*cuda*` → `=1.13` (the build is dropped),
    `pytorch 1.13.* *cuda11.7*` → `1.13.*`, `pytorch-mutex * cuda` → `*`.
    """
    rest = _split(spec)[2].split(";", 1)[0].strip()  # a pip-style marker is no version
    if not rest:
        return ""
    if rest.startswith("=") and not rest.startswith("=="):
        return "=" + rest[1:].split("=", 1)[0].split()[0] if rest[1:].strip() else ""
    return rest.split()[0]


def is_exact(version: str) -> bool:
    """True for a plain version (`1.13.1`, `2.9.0post0`), False for "" or a constraint."""
    if not version:
        return False
    # `!` alone is a PEP 440 epoch (`1!2.0`); `!=` contains `=` and is caught below.
    return not any(c in CONSTRAINT_CHARS for c in version)


__all__ = ["CONSTRAINT_CHARS", "dependency_name", "is_exact", "spec_channel", "spec_version"]


def major_minor(version: str) -> str:
    """`11.7.99` → `11.7`; `1.13.1+cu117` → `1.13`; `8` → `8`."""
    parts = version.split("+", 1)[0].split(".")
    return ".".join(parts[:2])
