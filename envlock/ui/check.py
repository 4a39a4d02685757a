"""`envlock check` for people: the recipe's title line and one table per platform."""

from __future__ import annotations

import datetime as dt

from rich.markup import escape
from rich.table import Table
from rich.text import Text

from envlock.models import SpecSet
from envlock.net.credentials import mask
from envlock.stacks.check import CheckResult
from envlock.stacks.cuda import variant_words
from envlock.ui.output import Output


def show_check(out: Output, result: CheckResult) -> None:
    """Print the title line, then each platform's table, to `out`."""
    out.print(title(result))
    for spec_set in result.expansions:
        out.print(spec_set_table(spec_set))


def title(result: CheckResult) -> str:
    """`name (path, kind), nothing published after <cutoff>` as rich markup (values escaped)."""
    recipe = result.recipe
    text = f"[bold]{escape(recipe.name)}[/bold] ({escape(str(result.path))}, {recipe.kind})"
    if recipe.exclude_newer:
        cutoff = recipe.exclude_newer
        shown = (
            f"{cutoff.date().isoformat()} 00:00 UTC"
            if cutoff.time() == dt.time(0)
            else cutoff.isoformat()
        )
        text += f", nothing published after {shown}"
    return text


def spec_set_table(spec_set: SpecSet) -> Table:
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
