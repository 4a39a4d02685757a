"""`envlock create`: replay a lock into a verified environment (click glue)."""

from __future__ import annotations

from pathlib import Path

import click

from envlock.create.apply import apply_create, interrupted
from envlock.create.plan import plan_create
from envlock.errors import BadInputError
from envlock.lock.source import only_lock_folder
from envlock.net.policy import policy_from_env
from envlock.ui.create import RichProgress, show_plan, show_result
from envlock.ui.output import Output
from envlock.ui.result import Envelope, emit


@click.command(
    "create",
    epilog="""\b
Examples:
  envlock create m3net                      # locks/m3net/ → <envs dir>/m3net
  envlock create locks/m3net -p ./env       # a lock folder into ./env
  envlock create locks/m3net/linux-64.lock -n m3net-explicit
  envlock create locks/m3net/conda-lock.yml --platform linux-64 --dry-run
  envlock create m3net --force --json       # replace an existing environment
  envlock create m3net --channel-alias https://user:$PW@mirror.example/conda
""",
)
@click.argument("lock", metavar="[LOCK | NAME]", required=False, default=None)
@click.option("-p", "--prefix", metavar="PATH", help="Create the environment at this path.")
@click.option("-n", "--name", help="Create it as <envs dir>/NAME (default: the lock's name).")
@click.option(
    "--platform", metavar="PLATFORM", help="Platform to install (default: this machine's)."
)
@click.option(
    "--channel-alias",
    envvar="ENVLOCK_CHANNEL_ALIAS",
    metavar="URL",
    help="Fetch every package from URL/<channel>/<subdir>/<file> instead of the lock's URL "
    "(env: ENVLOCK_CHANNEL_ALIAS); credentials in it are used, never shown or written.",
)
@click.option("--force", is_flag=True, help="Replace an existing environment at the target.")
@click.option("--dry-run", is_flag=True, help="Print the plan; change nothing.")
@click.option("--json", "json_mode", is_flag=True, help="Print one JSON document on stdout.")
def command(  # noqa: PLR0917 - click passes every option as an argument
    lock: str | None,
    prefix: str | None,
    name: str | None,
    platform: str | None,
    channel_alias: str | None,
    force: bool,
    dry_run: bool,
    json_mode: bool,
) -> int:
    """Replay a lock into a verified conda environment, with nothing lost on failure.

    \b
    LOCK is a conda-lock.yml, a <platform>.lock explicit file or a lock folder
    (locks/<name>/); a bare NAME means locks/NAME/. Without LOCK, the only folder
    in locks/ is used.

    \b
    Every archive is fetched into the package cache (ENVLOCK_PKGS_DIR, default
    ~/.cache/envlock/pkgs) and checked against the lock's sha256 (or md5) before
    use; extracted packages are re-validated file by file. The environment is
    built beside the target and renamed into place only when complete: a failure
    (hash mismatch, 404, full disk, Ctrl-C) leaves no half-made environment, and
    with --force the old one is restored. The prefix gets conda-meta/ records (so
    conda and mamba recognise it) and .envlock-origin.json (lock, platform,
    channel order).

    \b
    Where it goes without -p: ENVLOCK_ENVS_DIR/NAME; else conda's envs directory
    when conda is configured (CONDA_ENVS_PATH, envs_dirs in ~/.condarc,
    $CONDA_ROOT or $MAMBA_ROOT_PREFIX, the root of an active CONDA_PREFIX), so
    `conda activate NAME` finds it; else ~/.envlock/envs/NAME. An existing
    folder that is not a conda environment (no conda-meta/) is never replaced.

    \b
    Before anything is fetched the lock is checked to be complete for the
    platform (every dependency of every package locked too) and to satisfy the
    request it records it was resolved for; before anything is linked, every
    archive's own dependencies (its info/index.json) are matched against the
    locked packages. A cut or edited lock is refused (exit 2): re-resolve it.
    Archives that cannot fit on the package cache's disk are refused at once.

    \b
    Ctrl-C or SIGTERM: the half-built folder is removed once the linker has
    stopped. A run killed outright leaves .<name>.envlock-new-* beside the
    target; the next create of that target removes it. NO_COLOR or a
    non-terminal output: no progress bars.

    \b
    Private channels: resolve writes locks without credentials. Pass
    --channel-alias URL (or ENVLOCK_CHANNEL_ALIAS) to fetch every package from
    URL/<channel name>/<subdir>/<file name>; user:password@host is sent as an
    Authorization header, host/t/<TOKEN>/ as conda tokens are. A ${VAR} in a
    conda-lock.yml's URL is filled in from the environment only when one of the
    lock's channels declares VAR (used_env_vars) and the URL's host is that
    channel's; explicit files declare nothing, so none is filled in there.
    Secrets are never printed (shown masked) and never written: conda-meta/ keeps
    the lock's URLs.

    \b
    Downloads: ENVLOCK_HTTP_CONNECT_TIMEOUT (10 s), ENVLOCK_HTTP_TIMEOUT (60 s
    for an answer or the next bytes), ENVLOCK_HTTP_DEADLINE (1800 s per archive,
    every try included), ENVLOCK_HTTP_RETRIES (3), ENVLOCK_HTTP_BACKOFF (0.5 s).
    Archives are written to .<file>.<random>.part and renamed only once
    verified; a failure removes them, and a killed run's are swept by the next
    create. Many creates may share one ENVLOCK_PKGS_DIR: each archive is locked
    while it is fetched, and downloaded once.

    \b
    pip packages in a lock are not installed yet: create lists them as a warning.
    Exit codes: 0 created · 2 bad, incomplete or edited lock, unknown platform,
    an undeclared or unset ${VAR}, a file:// URL that is not a regular file,
    unusable target, existing prefix without --force · 4 download
    (401, 404), hash, not enough disk space, disk or interrupt failure.
    """
    output = Output(json_mode=json_mode)
    if prefix is not None and not prefix.strip():
        raise BadInputError("-p/--prefix needs a path; it was given an empty one")
    plan = plan_create(
        lock if lock is not None else only_lock_folder(),
        platform=platform,
        prefix=Path(prefix) if prefix is not None else None,
        name=name,
        force=force,
        channel_alias=channel_alias or None,
        policy=policy_from_env(),  # read once; a bad ENVLOCK_HTTP_* setting is refused here
    )
    for warning in plan.warnings:
        output.warn(warning)
    show_plan(output, plan, dry_run=dry_run)
    if dry_run:
        return emit(
            Envelope("create", {"dry_run": True, "plan": plan.to_dict()}), json_mode=json_mode
        )
    try:
        with RichProgress(output) as progress:
            result = apply_create(plan, progress)
    except KeyboardInterrupt:
        raise interrupted() from None
    show_result(output, result)
    payload = {"dry_run": False, **result.to_dict(), "plan": plan.to_dict()}
    return emit(Envelope("create", payload), json_mode=json_mode)
