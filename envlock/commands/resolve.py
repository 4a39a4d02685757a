"""`envlock resolve`: recipe(s) → DIR/<name>/conda-lock.yml and DIR/<name>/<platform>.lock."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from envlock.errors import BadInputError
from envlock.net.channels import DEFAULT_CHANNEL_ALIAS, check_channel_alias
from envlock.net.policy import policy_from_env
from envlock.ui.output import Output
from envlock.ui.resolve import recipe_outcome, show_resolve
from envlock.ui.result import EXIT_CODES, Envelope, emit, overall

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
Repodata is cached in ENVLOCK_CACHE_DIR (default ~/.cache/envlock);
--offline solves from that cache alone.

\b
Network settings: ENVLOCK_HTTP_TIMEOUT (60; a repodata request may take
twice that), ENVLOCK_HTTP_RETRIES (3), ENVLOCK_HTTP_DEADLINE (1800 s): a
server that never answers ends the resolve after 2 x TIMEOUT x (RETRIES + 1)
seconds, never past the deadline (480 s by default), and the error says so.
ENVLOCK_HTTP_CONNECT_TIMEOUT and ENVLOCK_HTTP_BACKOFF apply to create.

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
  envlock resolve recipes/m3net.yml --offline      # from the repodata cache

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
@click.option(
    "--offline",
    is_flag=True,
    help="Solve from the repodata cache only (ENVLOCK_CACHE_DIR); request nothing. A "
    "channel the cache lacks is exit 4, naming it.",
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
    offline: bool,
    json_mode: bool,
) -> int:
    import dataclasses

    from envlock.resolve.apply import ResolveRun, resolve
    from envlock.resolve.plan import Options

    out = Output(json_mode=json_mode)
    if check and (update or force):
        raise BadInputError("--check only compares: it cannot be combined with --update or --force")
    check_channel_alias(channel_alias)
    # Read once, before any recipe (a bad ENVLOCK_HTTP_* setting is refused first); --check
    # reads no network, so its settings are not its business.
    policy = None if check else policy_from_env()
    if policy is not None and offline:
        policy = dataclasses.replace(policy, offline=True)
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
    show_resolve(out, results, channel_alias, check=check)
    outcome = overall(recipe_outcome(r) for r in results)
    run = ResolveRun(exit_code=EXIT_CODES[outcome], channel_alias=channel_alias, recipes=results)
    return emit(Envelope("resolve", run.to_dict(), outcome=outcome), json_mode=json_mode)
