"""`envlock check RECIPE`: show what a recipe asks the solver for, per platform, unsolved."""

from __future__ import annotations

from pathlib import Path

import click

from envlock.platforms import check_platform
from envlock.stacks.check import CheckResult
from envlock.ui.check import show_check
from envlock.ui.output import Output
from envlock.ui.result import Envelope, emit

HELP = """Show how RECIPE expands per platform, without solving.

\b
For every platform (the recipe's `platforms`, or each -p given) envlock prints
the conda matchspecs it will hand the solver, the channels in strict priority
order (highest first), the virtual packages the target machine is assumed to
have (`__cuda`, `__glibc`, `__osx`), pip lines and notes such as
"osx-64 has no CUDA builds: CPU variant". Nothing is solved, downloaded or
written.

\b
RECIPE is an envlock recipe (recipes/m3net.yml) or a conda environment.yml.

\b
Examples:
  envlock check recipes/m3net.yml
  envlock check recipes/m3net.yml -p linux-64
  envlock check recipes/m3net.yml --json | jq '.platforms["linux-64"].specs'

\b
Every dependency and pin is parsed with the solver's own matchspec parser
(rattler); all that fail are listed at once, each with its line. A spec
naming a channel the file does not list (`pytorch::pytorch=2.0.1`) adds that
channel last, with a note, as conda and conda-lock do. `stack.source: pip`
is shown, but its wheels are not locked yet (resolve refuses it).

\b
Exit codes: 0 the recipe expands; 2 bad input: an invalid recipe or
matchspec (the message names file:line and the fix) or a stack that cannot
exist, such as PyTorch 1.7 on CUDA 11.7 (the message names the CUDA versions
that do).
"""


@click.command("check", help=HELP, short_help="Show how a recipe expands per platform.")
@click.argument("recipe", type=click.Path(path_type=Path, dir_okay=False))
@click.option(
    "-p",
    "--platform",
    "platforms",
    multiple=True,
    metavar="PLATFORM",
    help="Expand for this platform (repeatable); default: the recipe's platforms.",
)
@click.option("--json", "json_mode", is_flag=True, help="Print one JSON document on stdout.")
def command(recipe: Path, platforms: tuple[str, ...], json_mode: bool) -> int:
    from envlock.recipe.reader import load_recipe, validate_specs
    from envlock.stacks.expand import expand

    out = Output(json_mode=json_mode)
    chosen = tuple(check_platform(p) for p in platforms)
    loaded = load_recipe(recipe)
    validate_specs(loaded)
    expansions = tuple(expand(loaded, platform) for platform in chosen or loaded.platforms)
    result = CheckResult(path=recipe, recipe=loaded, expansions=expansions)
    show_check(out, result)
    return emit(Envelope("check", result.to_dict()), json_mode=json_mode)
