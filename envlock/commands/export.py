"""`envlock export`: write an environment as a `conda env export` snapshot."""

from __future__ import annotations

from pathlib import Path

import click

from envlock import atomic
from envlock.snapshot.export import ExportResult, render_export
from envlock.snapshot.prefix import scan_prefix
from envlock.ui.output import Output
from envlock.ui.result import Envelope, emit


@click.command(
    "export",
    epilog="""\b
Examples:
  envlock export ~/envs/m3net                   # YAML on stdout, as conda env export
  envlock export ~/envs/m3net -o env.yml        # written atomically to env.yml
  envlock export ./env --no-builds -o env.yml   # name=version lines only
  envlock export ./env --json                   # {"envlock_export": 1, ...}
""",
)
@click.argument("prefix", type=click.Path(path_type=Path, file_okay=False))
@click.option("--no-builds", is_flag=True, help="Write `name=version`, without build strings.")
@click.option(
    "-o",
    "--output",
    "output_path",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Write the YAML to this file (atomically; missing parent folders are created) "
    "instead of stdout.",
)
@click.option("--json", "json_mode", is_flag=True, help="Print one JSON document on stdout.")
def command(prefix: Path, no_builds: bool, output_path: Path | None, json_mode: bool) -> int:
    """Write the environment at PREFIX exactly as `conda env export` would, without conda.

    \b
    The YAML holds `name`, `channels` (priority order when envlock created the
    prefix, else first seen), `dependencies` as `name=version=build` lines sorted by
    name, a `- pip:` sub-list of `name==version` for packages pip installed (dist-info
    that no conda-meta record owns), and `prefix`. Same prefix, same bytes.

    \b
    Without -o the YAML goes to stdout; with -o it replaces FILE atomically
    (creating FILE's missing parent folders, as resolve -o does) and a one-line
    summary goes to stdout. With --json stdout carries one document
    {"envlock_export": 1, "prefix", "output", "name", "channels", "conda", "pip",
    "yaml"} instead.

    \b
    Exit codes: 0 written · 2 bad input (PREFIX does not exist, is a file, or has
    no conda-meta/; a record that cannot be read, named by file; FILE's path is
    not writable) · 4 writing FILE failed otherwise (disk full).
    """
    output = Output(json_mode=json_mode)
    contents = scan_prefix(prefix)
    text = render_export(contents, no_builds=no_builds)
    if output_path is not None:
        atomic.write_text(output_path, text)
    result = ExportResult(
        prefix=prefix, output=output_path, contents=contents, text=text, no_builds=no_builds
    )

    def human() -> None:  # under --json the document says it all
        if output_path is None:
            click.echo(text, nl=False)
            return
        output.print(
            f"wrote {len(contents.conda)} conda and {len(contents.pip)} pip packages of "
            f"{prefix} to {output_path}",
            markup=False,
        )

    return emit(
        Envelope("export", result.to_dict()),
        json_mode=json_mode,
        human=None if json_mode else human,
    )
