"""`envlock resolve` for people: per recipe its outcome, summary tables and what moved.

Also each recipe's outcome for the exit code (`recipe_outcome`). rich's tables load only
when a resolve solved something; `resolve --check` draws none.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from envlock.net.credentials import mask
from envlock.ui.result import Outcome, outcome_of

if TYPE_CHECKING:
    from envlock.resolve.apply import RecipeResult
    from envlock.ui.output import Output

_OTHER_COLUMNS_WIDTH = 60  # the summary's columns besides the build, borders included
_NARROW_COLUMNS = ("package", "version", "build")


def show_resolve(
    out: Output, results: Sequence[RecipeResult], channel_alias: str, *, check: bool
) -> None:
    """Every recipe's outcome in order, each after its warning about pip lines not locked
    (none under `check`, which locks nothing). The alias is shown masked."""
    alias = mask(channel_alias)
    for result in results:
        if result.pip_not_locked and not check and result.status != "failed":
            out.warn(
                f"{result.name}: pip requirements are NOT locked (envlock has no pip "
                f"layer yet): {', '.join(result.pip_not_locked)}; "
                f"{result.lock_dir} holds the conda packages only"
            )
        show_recipe(out, result, alias)


def recipe_outcome(result: RecipeResult) -> Outcome:
    """One recipe's outcome: its error's, `stale` for a stale lock (--check), else ok."""
    if result.error is not None:
        return outcome_of(result.error)
    return "stale" if result.status == "stale" else "ok"


def show_recipe(out: Output, result: RecipeResult, alias: str) -> None:
    """One recipe's outcome: failed (to stderr), fresh, stale and why, unchanged, or per
    platform a summary table, then what moved or stayed, the files written and the pip
    lines left out. `alias` is the channel alias as it may be shown (masked)."""
    name = result.name
    error = result.error
    if result.status == "failed" and error is not None:  # a failed result carries its error
        place = f"{error.where}: " if error.where else ""
        out.err.print(
            f"[red]failed[/red] {name or result.source} (exit {error.exit_code}): ", end=""
        )
        out.err.print(f"{place}{error.message}", markup=False)
        return
    if result.status == "fresh":
        out.print(f"[green]fresh[/green] {name}: {result.lock_dir} matches {result.source}")
        return
    if result.status == "stale":
        out.print(
            f"[yellow]stale[/yellow] {name}: {result.lock_dir} does not match {result.source}"
        )
        for reason in result.stale:
            out.print(f"  {reason}", markup=False)
        return
    if result.status == "unchanged":
        out.print(
            f"[green]unchanged[/green] {name}: {result.lock_dir} is fresh "
            "(nothing to do; --force re-solves)"
        )
        return
    from rich.table import Table  # only a resolve that solved draws tables

    for row in result.platforms:
        table = Table(
            title=f"{name} · {row.platform} · {len(row.packages)} packages · "
            f"solved in {row.seconds or 0:.2f} s",
            title_justify="left",
        )
        # The build column carries the CUDA tag (`py3.8_cuda11.7_…`): it is never cut
        # (it folds); when the terminal is too narrow for every column whole, the label
        # and channel columns go first.
        longest = max((len(h.build or "") for h in row.highlights), default=0)
        wide = out.console.width >= longest + _OTHER_COLUMNS_WIDTH
        columns = ("", "package", "version", "build", "channel") if wide else _NARROW_COLUMNS
        build_width = min(longest, max(8, out.console.width - 30))
        for column in columns:
            table.add_column(
                column, overflow="fold", min_width=build_width if column == "build" else None
            )
        for h in row.highlights:
            cells = {"": h.label, "package": h.name, "version": h.version}
            cells |= {"build": h.build or "", "channel": h.channel or ""}
            table.add_row(*(cells[c] for c in columns))
        out.print(table)
        for note in row.notes:
            out.print(f"  note: {note}", markup=False)
    for move in result.moved:
        out.print(
            f"  moved {move.name} ({move.platform}): "
            f"{move.old or 'absent'} → {move.new or 'removed'}",
            markup=False,
        )
    _print_stays(out, result)
    if result.files:
        shown = ", ".join(str(p) for p in result.files)
        out.print(f"wrote {shown} (channels via {alias})", markup=False)
    if result.pip_not_locked:
        out.print(
            f"pip: NOT locked ({len(result.pip_not_locked)}): "
            f"{', '.join(result.pip_not_locked)} — install them yourself; "
            "the lock holds the conda packages only",
            markup=False,
        )


def _print_stays(out: Output, result: RecipeResult) -> None:
    """`--update PKG` that moved nothing for PKG: say so, per package (all its platforms)."""
    by_name: dict[str, dict[str, list[str]]] = {}  # name -> `version build` -> platforms
    for stay in result.stayed:
        by_name.setdefault(stay.name, {}).setdefault(stay.current, []).append(stay.platform)
    prefix = "nothing moved: " if not result.moved else ""
    for name, builds in by_name.items():
        at = "; ".join(f"{current} ({', '.join(where)})" for current, where in builds.items())
        out.print(
            f"  {prefix}{name} stays at {at}: already what the solver picks "
            "for the recipe as it is",
            markup=False,
        )
