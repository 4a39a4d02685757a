"""`envlock diff`: say exactly what differs between two environments, and why it matters."""

from __future__ import annotations

from pathlib import Path

import click

from envlock.diff.core import Drift, diff
from envlock.platforms import check_platform
from envlock.snapshot import read_pair
from envlock.ui.result import Envelope, emit


@click.command(
    "diff",
    epilog="""\b
Examples:
  envlock diff paper-env.yml ~/envs/m3net          # export vs a live prefix
  envlock diff recipes/m3net.yml ~/envs/m3net      # is this env what the recipe asks?
  envlock diff locks/m3net/conda-lock.yml ./env --platform linux-64
  envlock diff old.lock new.lock --critical-only  # python, torch, CUDA, PyG, numpy, BLAS
  envlock diff a.yml b.txt --format markdown      # a table for an issue
  envlock diff a.yml b.yml --json || [ $? -eq 1 ] # exit 1 means "they differ"
""",
)
@click.argument("a", type=click.Path(path_type=Path))
@click.argument("b", type=click.Path(path_type=Path))
@click.option(
    "--platform",
    metavar="PLATFORM",
    help="Platform to compare: picks a multi-platform lock's, and the one a recipe is "
    "expanded for (default: the other side's, else the recipe's first).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json", "markdown"]),
    default=None,
    help="table (rich, grouped by change; the default), json (same as --json) or markdown.",
)
@click.option("--json", "json_mode", is_flag=True, help="Print one JSON document on stdout.")
@click.option(
    "--critical-only",
    is_flag=True,
    help="Only python, torch, CUDA, cuDNN, PyG, numpy and BLAS packages count.",
)
def command(  # noqa: PLR0917 - click passes every option as an argument
    a: Path, b: Path, platform: str | None, fmt: str | None, json_mode: bool, critical_only: bool
) -> int:
    """Compare environment snapshots A and B: what changed, and what it breaks.

    \b
    A and B may each be a `conda env export` YAML (with or without builds,
    micromamba's form, --from-history specs), an environment.yml, an envlock
    recipe, a conda-lock.yml, an @EXPLICIT file, the table `conda list` prints,
    a pip freeze / requirements file, or an environment prefix; the kind is read
    from the content, not the file name.

    \b
    Packages pair by name across managers (conda pytorch ↔ pip torch, pyg ↔
    torch-geometric; pip names PEP 503-normalised). Each difference is one of
    removed, added, version, build, channel, manager; builds and channels are
    compared only when both sides record them, and the output says so. Findings
    on top explain CPU builds where CUDA was meant, CUDA runtime and PyG/torch ABI
    mismatches, mixed CUDA majors, one package installed by both conda and pip,
    python minor changes, sides for different platforms, and B newer everywhere.

    \b
    A side that only states specs against an environment is compared spec by
    spec: the environment's other packages are counted as the dependencies the
    specs resolved to, not listed as added. Specs are: a --from-history export,
    an environment.yml with loose specs, a hand-written pin list (`name=version`
    lines with no build and no `prefix:` line; conda env export always writes
    prefix:), and a recipe. A recipe is expanded as resolve would (the stack's
    torchvision, pyg, pytorch-cuda, the build pins such as *cuda11.7*, and its
    CUDA intent) for --platform, else the other side's platform, else its first.

    \b
    --critical-only hides the differences in other packages and says how many.

    \b
    Exit codes: 0 identical in what was compared · 1 something differs · 2 bad
    input (the message names file:line).
    """
    if json_mode and fmt not in (None, "json"):
        raise click.UsageError(
            f"--json and --format {fmt} ask for two outputs: pass one of them "
            "(--json is the same as --format json)"
        )
    json_mode = json_mode or fmt == "json"
    if platform is not None:
        check_platform(platform)
    left, right = read_pair(a, b, platform=platform)
    drift = diff(left, right)
    if critical_only:
        drift = drift.only_critical()
    envelope = Envelope("diff", drift.to_dict(), outcome="ok" if drift.identical else "no")
    return emit(
        envelope, json_mode=json_mode, human=None if json_mode else lambda: _show(drift, fmt)
    )


def _show(drift: Drift, fmt: str | None) -> None:
    """The people's view: a Markdown table, or the rich report (rich loads only here)."""
    if fmt == "markdown":
        from envlock.ui.diff import markdown_report

        click.echo(markdown_report(drift), nl=False)
        return
    from envlock.ui.diff import rich_report
    from envlock.ui.output import Output

    Output().print(rich_report(drift))
