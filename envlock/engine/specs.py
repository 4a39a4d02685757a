"""Matchspec checks with rattler's own parser, the one solving uses.

`rattler.MatchSpec(text)` parses leniently (a build glob with dots such as `*cuda11.7*`
is accepted, as in `engine.solve`), so a spec this module accepts is one the solver reads.
rattler is imported inside the function: `resolve --check` must never load it.
"""

from __future__ import annotations

from collections.abc import Iterable


def spec_problems(specs: Iterable[str]) -> dict[str, str]:
    """Each spec rattler cannot parse → rattler's reason, in the order given.

    Valid specs are left out: an empty result means every spec parses.
    """
    from rattler import MatchSpec
    from rattler.exceptions import InvalidMatchSpecError

    problems: dict[str, str] = {}
    for spec in specs:
        if spec in problems:
            continue
        try:
            MatchSpec(spec)
        except InvalidMatchSpecError as error:
            problems[spec] = str(error).strip() or "not a matchspec"
    return problems
