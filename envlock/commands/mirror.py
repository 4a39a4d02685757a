"""`envlock mirror DIR`: build the offline demo channels (click glue and rendering)."""

from __future__ import annotations

from pathlib import Path

import click
from rich.table import Table

from envlock.mirror import SUBDIRS, Mirror, build_mirror
from envlock.ui.output import Output
from envlock.ui.result import Envelope, emit

HELP = """Build the offline demo channels into DIR.

\b
Writes four local conda channels, one folder each, in priority order:
  DIR/pytorch      pytorch 1.12.1/1.13.0/1.13.1/2.0.1 (CUDA and CPU builds),
                   pytorch-mutex, cpuonly, pytorch-cuda 11.6/11.7/11.8,
                   torchvision, torchaudio
  DIR/nvidia       the cuda-* / libcu* runtime pytorch-cuda pulls in
  DIR/pyg          pyg 2.2.0/2.3.0, pytorch-scatter, pytorch-sparse
  DIR/conda-forge  python 3.8/3.9/3.10, numpy, mkl/blas, cudatoolkit, ...
Each has subdirs linux-64, osx-64, win-64 and noarch with a repodata.json made
by rattler's indexer. Packages are tiny stand-ins with real names, versions,
build strings, depends and publication dates (so exclude_newer works); the
archives are byte-reproducible. Building the same catalog into DIR again is
instant (DIR/.envlock-mirror.json keeps the catalog hash).

\b
Exit codes: 0 built (or already up to date) · 2 bad input (DIR is a file, a
folder that is neither empty nor an envlock mirror, or one holding files its
stamp cannot prove the mirror made: a rebuild deletes only those) · 4 the
mirror could not be written (disk full, no permission).

\b
Examples:
  envlock mirror /tmp/demo-channels
  envlock resolve recipes/m3net.yml --channel-alias file:///tmp/demo-channels
  envlock mirror /tmp/demo-channels --json
"""


@click.command("mirror", help=HELP)
@click.argument("directory", metavar="DIR", type=click.Path(file_okay=False, path_type=Path))
@click.option("--json", "json_mode", is_flag=True, help="Print one JSON document on stdout.")
def command(directory: Path, json_mode: bool) -> int:
    output = Output(json_mode=json_mode)
    with output.status(f"building demo channels in {directory}"):
        mirror = build_mirror(directory)
    output.print(_table(mirror))
    verb = "built" if mirror.rebuilt else "already up to date"
    # soft_wrap: a path or URL must stay on one line to be copied; markup off for paths
    output.print(f"Mirror {verb}: {mirror.root}", soft_wrap=True, markup=False)
    output.print(
        f"Use it with: --channel-alias {mirror.channel_alias}", soft_wrap=True, markup=False
    )
    return emit(Envelope("mirror", mirror.to_dict()), json_mode=json_mode)


def _table(mirror: Mirror) -> Table:
    table = Table(title="Demo channels (priority order)")
    table.add_column("channel")
    for subdir in SUBDIRS:
        table.add_column(subdir, justify="right")
    table.add_column("packages", justify="right")
    for channel in mirror.channels:
        counts = mirror.counts[channel]
        table.add_row(
            channel,
            *(str(counts.get(sub, 0)) for sub in SUBDIRS),
            str(sum(counts.values())),
        )
    return table
