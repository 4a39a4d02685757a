"""`envlock check RECIPE`: show what a recipe asks the solver for, per platform, unsolved."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import click
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from envlock.models import SpecSet
from envlock.net.credentials import mask
from envlock.platforms import check_platform
from envlock.stacks.cuda import variant_words
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
    expansions = [expand(loaded, platform) for platform in chosen or loaded.platforms]
    payload = {
        "recipe": str(recipe),
        "name": loaded.name,
        "kind": loaded.kind,
        "exclude_newer": loaded.exclude_newer.isoformat() if loaded.exclude_newer else None,
        "platforms": {s.platform: spec_set_document(s) for s in expansions},
    }
    title = f"[bold]{escape(loaded.name)}[/bold] ({escape(str(recipe))}, {loaded.kind})"
    if loaded.exclude_newer:
        cutoff = loaded.exclude_newer
        shown = (
            f"{cutoff.date().isoformat()} 00:00 UTC"
            if cutoff.time() == dt.time(0)
            else cutoff.isoformat()
        )
        title += f", nothing published after {shown}"
    out.print(title)
    for spec_set in expansions:
        out.print(render(spec_set))
    return emit(Envelope("check", payload), json_mode=json_mode)


def spec_set_document(spec_set: SpecSet) -> dict[str, Any]:
    """The `--json` shape of one platform's expansion (credentials masked, as shown)."""
    return {
        "specs": [mask(s) for s in spec_set.specs],
        "channels": [mask(c) for c in spec_set.channels],
        "channel_priority": spec_set.channel_priority,
        "virtual_packages": [
            {"name": v.name, "version": v.version, "build": v.build}
            for v in spec_set.virtual_packages
        ],
        "pip": list(spec_set.pip),
        "notes": list(spec_set.notes),
        "intent": {
            "cuda": spec_set.intent.cuda,
            "runtime": spec_set.intent.runtime,
            "guarded": list(spec_set.intent.guarded),
        },
    }


def render(spec_set: SpecSet) -> Table:
    """One platform's expansion as a two-column rich table.

    Every value is a `Text`, never markup: specs and pip lines carry square brackets
    (`print-on-steroids[exceptions]>=1.0`, `numpy[build=py38*]`) that markup would eat.
    """
    intent = spec_set.intent
    variant = variant_words(intent.cuda, intent.runtime)
    table = Table(
        title=Text(f"{spec_set.platform} · {variant}"), title_justify="left", show_header=False
    )
    table.add_column("what", style="bold")
    table.add_column("value", overflow="fold")

    def row(what: str, value: str, style: str = "") -> None:
        table.add_row(Text(what), Text(value, style=style))

    row("specs", "\n".join(mask(s) for s in spec_set.specs) or "(none)")
    row(f"channels ({spec_set.channel_priority})", " > ".join(mask(c) for c in spec_set.channels))
    row("virtual packages", "\n".join(f"{v.name} {v.version}" for v in spec_set.virtual_packages))
    if spec_set.pip:
        row("pip", "\n".join(spec_set.pip))
    if intent.cuda:
        row("CUDA guard", ", ".join(intent.guarded))
    for note in spec_set.notes:
        row("note", note, "yellow")
    return table
