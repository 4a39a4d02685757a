"""The package name a conda match spec or depends string refers to.

One function for every module that reads depends (the completeness check of `create`,
the install order of explicit files): `python >=3.8,<3.9`, `conda-forge::numpy>=1.24`,
`numpy[version='>=1.24',channel='a::b']` and `pytorch 1.13.* *cuda*` name `python`,
`numpy`, `numpy` and `pytorch`.
"""

from __future__ import annotations

# Characters that end the name part of a spec: version operators, bracket options and a
# pip-style environment marker.
_STOPS = "=<>!~[;"


def dependency_name(spec: str) -> str:
    """The normalised (lower-case) package name of a depends string; "" when it has none.

    A channel prefix (`channel::`, `channel/subdir::`) and everything after the name
    (version, build, `[key=value]` options) are dropped. Compare the result with
    lower-cased package names: conda package names are case-insensitive.
    """
    words = spec.split(maxsplit=1)
    if not words:
        return ""
    head = words[0].split("[", 1)[0]  # bracket options may hold `::` themselves
    head = head.rsplit("::", 1)[-1]
    for stop in _STOPS:
        head = head.split(stop, 1)[0]
    return head.lower()


__all__ = ["dependency_name"]
