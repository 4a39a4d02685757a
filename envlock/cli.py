"""Thin click glue: parse options, call one core function, hand the result to the renderer.

Commands live in `envlock.commands.<name>` and are imported only when invoked, so
`envlock --help` never pays for rattler or conda_lock.
"""

from __future__ import annotations

import errno
import importlib
import os
import sys
from typing import Any

import click

from envlock import __version__
from envlock.errors import BadInputError, EnvlockError, WorldFailedError

# name -> (module, one-line help shown by `envlock --help` without importing the module)
COMMANDS: dict[str, tuple[str, str]] = {
    "check": ("envlock.commands.check", "Show how a recipe expands per platform, without solving."),
    "resolve": (
        "envlock.commands.resolve",
        "Solve a recipe for every platform; write its locks.",
    ),
    "create": ("envlock.commands.create", "Replay a lock into a verified environment."),
    "export": ("envlock.commands.export", "Write an environment as a `conda env export` snapshot."),
    "diff": ("envlock.commands.diff", "Say exactly what differs between two environments."),
    "mirror": (
        "envlock.commands.mirror",
        "Build the offline demo channels for tests and the demo.",
    ),
}


class LazyGroup(click.Group):
    """A group whose subcommands are imported on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        entry = COMMANDS.get(cmd_name)
        if entry is None:
            return None
        module = importlib.import_module(entry[0])
        command: click.Command = module.command
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, COMMANDS[name][1]) for name in self.list_commands(ctx)]
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="envlock")
def cli() -> None:
    """envlock makes conda environments for ML research reproducible.

    \b
    A recipe states intent (PyTorch 1.13 on CUDA 11.7 with PyG, Python 3.8);
    `resolve` turns it into exact per-platform locks, `create` replays a lock
    with every hash verified, `export` and `diff` explain why an environment is
    not the one a paper ran in.

    \b
    Exit codes: 0 ok · 1 the answer is no (unsatisfiable, drift) · 2 bad input
    · 3 stale lock · 4 the world failed (network, hash, disk, interrupt).
    """


def _json_requested(args: list[str]) -> bool:
    if "--json" in args:
        return True
    for i, arg in enumerate(args):
        if arg == "--format=json" or (arg == "--format" and args[i + 1 : i + 2] == ["json"]):
            return True
    return False


def run(args: list[str] | None = None) -> int:
    """Run the CLI and return its exit code.

    A command returns the code `envlock.ui.result.emit` picked for its result; every
    error (an EnvlockError, an OSError no command mapped, an interrupt, a usage error)
    goes through `envlock.ui.result.emit_error` here, once.
    """
    argv = list(sys.argv[1:] if args is None else args)
    json_mode = _json_requested(argv)
    failure: EnvlockError
    try:
        result: Any = cli.main(args=argv, prog_name="envlock", standalone_mode=False)
    except EnvlockError as error:
        failure = error
    except OSError as error:
        # A safety net for file-system failures no command turned into an EnvlockError.
        failure = _from_os_error(error)
    except (click.exceptions.Abort, KeyboardInterrupt):
        failure = WorldFailedError("interrupted; nothing was replaced")
    except click.ClickException as error:
        # Anything click raises (a usage error, a bad option value) is bad input to envlock;
        # scripts get the same error document as for any bad input, people click's usage.
        if not json_mode:
            error.show()
            return BadInputError.exit_code
        failure = BadInputError(error.format_message())
    except click.exceptions.Exit as done:
        return done.exit_code
    else:
        return result if isinstance(result, int) else 0
    from envlock.ui.result import emit_error  # needed only when something failed

    return emit_error(failure, json_mode=json_mode)


# Errors that name a path the user can fix are bad input; the rest is the world failing.
_PATH_ERRNOS = frozenset(
    {
        errno.ENAMETOOLONG,
        errno.ENOTDIR,
        errno.EISDIR,
        errno.EEXIST,
        errno.ENOENT,
        errno.EACCES,
        errno.EPERM,
        errno.ELOOP,
    }
)


def _from_os_error(error: OSError) -> EnvlockError:
    path = error.filename if error.filename is not None else None
    reason = error.strerror or str(error)
    if error.errno in _PATH_ERRNOS:
        return BadInputError(
            f"{reason}: choose another path (or fix the permissions) and run again",
            where=str(path) if path else None,
        )
    return WorldFailedError(
        f"{reason}: the file system refused the write; nothing was replaced (every file "
        "envlock writes lands whole or not at all). Free space or fix the mount, then run again",
        where=str(path) if path else None,
    )


def main() -> None:
    """Console-script entry point."""
    code = run()
    sys.stdout.flush()
    sys.stderr.flush()
    if "rattler" in sys.modules:
        # py-rattler 0.28 can crash during interpreter finalisation after all work is
        # done (see envlock.engine.runtime); every file was already written atomically and
        # both streams are flushed, so leave without running finalisers.
        os._exit(code)
    sys.exit(code)
