"""`envlock create`: replay a lock into a verified environment (click glue and rendering)."""

from __future__ import annotations

from pathlib import Path
from types import TracebackType

import click
from rich.markup import escape
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TransferSpeedColumn,
)
from rich.table import Table

from envlock.create.apply import CreateResult, apply_create, interrupted
from envlock.create.plan import CreatePlan, Phase, plan_create
from envlock.errors import BadInputError
from envlock.net.credentials import mask
from envlock.net.policy import policy_from_env
from envlock.ui.output import Output
from envlock.ui.result import Envelope, emit

_LABELS: dict[Phase, str] = {
    "verify": "verify cached archives",
    "fetch": "fetch + verify",
    "link": "link",
}


def _size(n: int) -> str:
    value = float(n)
    for unit in ("B", "kB", "MB", "GB"):
        if value < 1000 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1000
    return f"{n} B"  # pragma: no cover - the loop always returns


class _RichProgress:
    """envlock.create.apply.Progress drawn as rich bars (silent when not a terminal)."""

    def __init__(self, output: Output) -> None:
        self._bars = Progress(
            TextColumn("{task.description:<24}"),
            BarColumn(),
            DownloadColumn(),
            TransferSpeedColumn(),
            TimeElapsedColumn(),
            console=output.console,
            transient=False,
            # No animation under NO_COLOR or off a terminal (CONTRACTS): no bars at all.
            disable=output.quiet or not output.animate,
        )
        self._tasks: dict[Phase, TaskID] = {}

    def __enter__(self) -> _RichProgress:
        self._bars.__enter__()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self._bars.__exit__(kind, error, trace)

    def begin(self, phase: Phase, total: int) -> None:
        if total == 0 and phase != "link":
            return
        label = _LABELS[phase]
        if phase == "link":
            label = f"{label} ({total} packages)"
        self._tasks[phase] = self._bars.add_task(label, total=total or None)

    def advance(self, phase: Phase, amount: int) -> None:
        task = self._tasks.get(phase)
        if task is not None:
            self._bars.advance(task, amount)

    def end(self, phase: Phase) -> None:
        task = self._tasks.get(phase)
        if task is not None:
            total = self._bars.tasks[task].total
            self._bars.update(task, completed=total or self._bars.tasks[task].completed)


def _show_plan(output: Output, plan: CreatePlan, *, dry_run: bool) -> None:
    head = "Plan (dry run, nothing changed)" if dry_run else "Plan"
    output.print(
        f"[bold]{head}[/bold]: {escape(str(plan.lock))} ({plan.kind}) → "
        f"{escape(str(plan.prefix))} ({plan.platform})"
    )
    if plan.envs_dir_rule:
        output.print(f"  envs directory chosen by: {plan.envs_dir_rule}")
    if plan.replaces:
        output.print(
            "  [yellow]replaces[/yellow] the existing environment (kept aside until the "
            "new one is complete)"
        )
    output.print(f"  channels: {', '.join(plan.channels) or '(none recorded)'}")
    if plan.channel_alias:
        output.print(
            f"  fetched from: {escape(mask(plan.channel_alias))}/<channel>/<subdir>/<file> "
            "(--channel-alias)"
        )
    if dry_run:
        table = Table(show_edge=False, pad_edge=False)
        for column in ("package", "version", "build", "channel", "size", "state"):
            table.add_column(column)
        for p in plan.packages:
            table.add_row(
                p.package.name,
                p.package.version,
                p.package.build or "",
                p.package.channel or "",
                _size(p.size) if p.size is not None else "?",
                p.state_text,
            )
        output.print(table)
    cached = len(plan.packages) - len(plan.to_download)
    verified = sum(1 for p in plan.packages if p.state == "verified")
    recheck = f", {cached - verified} will be re-checked" if cached - verified else ""
    output.print(
        f"  {len(plan.packages)} conda packages: {len(plan.to_download)} to download "
        f"({_download_size(plan)}), {cached} cached "
        f"({_size(plan.cached_bytes)}; {verified} verified{recheck})"
    )
    free = f", {_size(plan.free_bytes)} free" if plan.free_bytes is not None else ""
    if plan.disk_needed_bytes is None:
        known = f"; at least {_size(plan.download_bytes)}" if plan.download_bytes else ""
        needed = f"unknown ({plan.unknown_sizes} archive(s) of unknown size{known})"
    else:
        needed = f"about {_size(plan.disk_needed_bytes)}"
    output.print(f"  disk needed: {needed}{free}")
    output.print(f"  package cache: {plan.pkgs_dir}")


def _download_size(plan: CreatePlan) -> str:
    """The download's size in words: never "0 B" for archives whose size is unknown."""
    if not plan.unknown_sizes:
        return _size(plan.download_bytes)
    if plan.unknown_sizes == len(plan.to_download):
        return "size unknown"
    return f"{_size(plan.download_bytes)} + {plan.unknown_sizes} of unknown size"


def _show_result(output: Output, result: CreateResult) -> None:
    fetched = (
        f"{result.fetched} fetched ({_size(result.fetched_bytes)}), " if result.fetched else ""
    )
    output.print(
        f"[bold green]Created[/bold green] {escape(str(result.prefix))}: {result.linked} packages, "
        f"{fetched}{result.reused} from the cache, every archive verified, "
        f"{result.seconds:.1f} s"
    )
    output.print("  activate it with:")
    for line in result.activate:
        output.print(f"    {line}", markup=False)


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
    Authorization header, host/t/<TOKEN>/ as conda tokens are. Lock URLs with
    ${VAR} placeholders (conda-lock's used_env_vars) are expanded from the
    environment at fetch time. Secrets are never printed (shown masked) and never
    written: conda-meta/ keeps the lock's URLs.

    \b
    pip packages in a lock are not installed yet: create lists them as a warning.
    Exit codes: 0 created · 2 bad, incomplete or edited lock, unknown platform,
    unset ${VAR}, unusable target, existing prefix without --force · 4 download
    (401, 404), hash, not enough disk space, disk or interrupt failure.
    """
    output = Output(json_mode=json_mode)
    if prefix is not None and not prefix.strip():
        raise BadInputError("-p/--prefix needs a path; it was given an empty one")
    plan = plan_create(
        lock if lock is not None else _only_lock(),
        platform=platform,
        prefix=Path(prefix) if prefix is not None else None,
        name=name,
        force=force,
        channel_alias=channel_alias or None,
        policy=policy_from_env(),  # read once; a bad ENVLOCK_HTTP_* setting is refused here
    )
    for warning in plan.warnings:
        output.warn(warning)
    _show_plan(output, plan, dry_run=dry_run)
    if dry_run:
        return emit(
            Envelope("create", {"dry_run": True, "plan": plan.to_dict()}), json_mode=json_mode
        )
    try:
        with _RichProgress(output) as progress:
            result = apply_create(plan, progress)
    except KeyboardInterrupt:
        raise interrupted() from None
    _show_result(output, result)
    payload = {"dry_run": False, **result.to_dict(), "plan": plan.to_dict()}
    return emit(Envelope("create", payload), json_mode=json_mode)


def _only_lock() -> str:
    from envlock.lock.source import LOCKS_DIR

    folders = sorted(p for p in LOCKS_DIR.glob("*/") if p.is_dir()) if LOCKS_DIR.is_dir() else []
    if len(folders) == 1:
        return str(folders[0])
    names = ", ".join(p.name for p in folders) or "none"
    raise BadInputError(
        f"say which lock to create from: envlock create NAME (lock folders in {LOCKS_DIR}/: "
        f"{names})"
    )
