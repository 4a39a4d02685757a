"""`envlock resolve`: recipe(s) → DIR/<name>/conda-lock.yml and DIR/<name>/<platform>.lock."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from envlock.errors import BadInputError
from envlock.net.channels import DEFAULT_CHANNEL_ALIAS, check_channel_alias
from envlock.net.credentials import mask
from envlock.net.policy import policy_from_env
from envlock.ui.output import Output
from envlock.ui.result import EXIT_CODES, Envelope, Outcome, emit, outcome_of, overall

if TYPE_CHECKING:
    from envlock.resolve.apply import RecipeResult

HELP = """Solve each RECIPE for every platform and write its locks.

\b
Writes, for a recipe named NAME (all files replaced together, only after
every platform solved and passed the CUDA guard):
  DIR/NAME/conda-lock.yml      conda-lock's unified format (version 1)
  DIR/NAME/<platform>.lock     @EXPLICIT url#md5 lines, one file per platform

\b
RECIPE is an envlock recipe (stack, python, ...) or a conda environment.yml.
Channels are looked up under the channel alias (default
https://conda.anaconda.org); point it at a mirror with --channel-alias or
ENVLOCK_CHANNEL_ALIAS (file:// or http(s)://). Credentials in it
(user:password@host or host/t/TOKEN) never reach a file: not the lock, not
the repodata cache; messages show them as <PASSWORD> / <TOKEN>.
`defaults` is what conda makes of it under the default alias
(repo.anaconda.com pkgs/main, pkgs/r, and pkgs/msys2 on win-*); under
another alias it is ALIAS/defaults, and a mirror without it is exit 2.
An unchanged recipe with a fresh lock is a no-op (use --force).
Repodata is cached in ENVLOCK_CACHE_DIR (default ~/.cache/envlock).

\b
pip lines (a recipe's `pip:`, an environment.yml's pip section) are NOT
locked yet: the conda part is resolved, and a warning, the summary and the
JSON field `pip_not_locked` name the pip requirements left out.
`stack.source: pip` is refused (exit 2) until the pip layer exists.

\b
Examples:
  envlock resolve recipes/m3net.yml
  envlock resolve recipes/m3net.yml -p linux-64 -o locks
  envlock resolve recipes/m3net.yml --channel-alias file://$PWD/demo/.work/mirror
  envlock resolve recipes/m3net.yml --check        # exit 3 when stale
  envlock resolve recipes/m3net.yml --update numpy # move numpy only

\b
Exit codes: 0 written or fresh · 1 unsatisfiable or the CUDA guard tripped
(nothing written) · 2 bad recipe or option · 3 --check found a stale lock
· 4 fetching repodata failed.

\b
Several recipes: each is processed even when another fails; a failed one
writes nothing and shows its error (under --json: `status: "failed"` with
`error: {code, message, where}` in the one envlock_resolve document). The
exit code is then 2 if any recipe had bad input, else the highest of 4, 3
and 1 among them. A single recipe that fails gives the envlock_error
document instead.
"""


_OTHER_COLUMNS_WIDTH = 60  # the summary's columns besides the build, borders included
_NARROW_COLUMNS = ("package", "version", "build")


def parse_when(text: str) -> dt.datetime:
    """`--exclude-newer`: a date (midnight UTC) or a timestamp with a time zone."""
    from envlock.dates import NoTimeZoneError, parse_cutoff

    try:
        return parse_cutoff(text)
    except NoTimeZoneError:
        raise BadInputError(
            f"--exclude-newer {text!r} has no time zone: add one, e.g. 2023-03-01T12:00:00Z"
        ) from None
    except ValueError:
        raise BadInputError(
            f"--exclude-newer {text!r} is not a date: write 2023-03-01 or 2023-03-01T12:00:00Z"
        ) from None


@click.command("resolve", help=HELP)
@click.argument("recipes", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "-p",
    "--platform",
    "platforms",
    multiple=True,
    metavar="PLATFORM",
    help="Resolve only these platforms (repeatable); default: the recipe's platforms.",
)
@click.option(
    "-o",
    "--output",
    "out_dir",
    type=click.Path(path_type=Path),
    default=Path("locks"),
    show_default=True,
    help="Folder that receives NAME/conda-lock.yml and NAME/<platform>.lock.",
)
@click.option(
    "--channel-alias",
    envvar="ENVLOCK_CHANNEL_ALIAS",
    default=DEFAULT_CHANNEL_ALIAS,
    show_default=True,
    metavar="URL",
    help="Base URL for channels given by name (env: ENVLOCK_CHANNEL_ALIAS).",
)
@click.option(
    "--exclude-newer",
    metavar="DATE",
    help="Ignore packages published after DATE (overrides the recipe's exclude_newer).",
)
@click.option(
    "--update",
    "update",
    multiple=True,
    metavar="PKG",
    help="Re-solve moving PKG (repeatable); every other package keeps its locked "
    "build unless PKG's new version needs it to move. Prints what moved.",
)
@click.option("--check", is_flag=True, help="Only compare: exit 0 fresh, 3 stale (says why).")
@click.option(
    "--force",
    is_flag=True,
    help="Re-solve even when the lock is fresh; replaces an unreadable lock.",
)
@click.option("--json", "json_mode", is_flag=True, help="Print one JSON document on stdout.")
def command(  # noqa: PLR0917 - click passes each option positionally by name
    recipes: tuple[Path, ...],
    platforms: tuple[str, ...],
    out_dir: Path,
    channel_alias: str,
    exclude_newer: str | None,
    update: tuple[str, ...],
    check: bool,
    force: bool,
    json_mode: bool,
) -> int:
    from envlock.resolve.apply import resolve
    from envlock.resolve.plan import Options

    out = Output(json_mode=json_mode)
    if check and (update or force):
        raise BadInputError("--check only compares: it cannot be combined with --update or --force")
    check_channel_alias(channel_alias)
    # Read once, before any recipe (a bad ENVLOCK_HTTP_* setting is refused first); --check
    # reads no network, so its settings are not its business.
    policy = None if check else policy_from_env()
    options = Options(
        platforms=tuple(dict.fromkeys(platforms)),
        out_dir=out_dir,
        channel_alias=channel_alias,
        exclude_newer=parse_when(exclude_newer) if exclude_newer else None,
        update=tuple(dict.fromkeys(update)),
        force=force,
        policy=policy,
    )
    results = resolve(
        recipes,
        options,
        check_only=check,
        solving=lambda p: out.status(f"solving {p.recipe.name} for {', '.join(p.platforms)} …"),
    )
    for result in results:
        if result.pip_not_locked and not check and result.status != "failed":
            out.warn(
                f"{result.name}: pip requirements are NOT locked (envlock has no pip "
                f"layer yet): {', '.join(result.pip_not_locked)}; "
                f"{result.lock_dir} holds the conda packages only"
            )
        _print(out, result, mask(channel_alias))
    outcome = overall(recipe_outcome(r) for r in results)
    payload = {
        "exit_code": EXIT_CODES[outcome],
        "channel_alias": mask(channel_alias),
        "recipes": [r.to_dict() for r in results],
    }
    return emit(Envelope("resolve", payload, outcome=outcome), json_mode=json_mode)


def recipe_outcome(result: RecipeResult) -> Outcome:
    """One recipe's outcome: its error's, `stale` for a stale lock (--check), else ok."""
    if result.error is not None:
        return outcome_of(result.error)
    return "stale" if result.status == "stale" else "ok"


def exit_code(results: Sequence[RecipeResult]) -> int:
    """The exit code of several recipes: 0 done; 2 when any had bad input; else the
    highest of 1 (no), 3 (stale), 4 (the world failed) among them (CONTRACTS)."""
    return EXIT_CODES[overall(recipe_outcome(r) for r in results)]


def _print(out: Output, result: Any, alias: str) -> None:
    name = result.name
    if result.status == "failed":
        error = result.error
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


def _print_stays(out: Output, result: Any) -> None:
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
