"""`envlock create` for people: the plan, progress bars while it runs, and the result.

Progress is `envlock.create.apply.Progress` drawn as rich bars; no bars under NO_COLOR
or off a terminal.
"""

from __future__ import annotations

from types import TracebackType

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

from envlock.create.apply import CreateResult
from envlock.create.plan import CreatePlan, Phase
from envlock.net.credentials import mask
from envlock.ui.output import Output

_LABELS: dict[Phase, str] = {
    "verify": "verify cached archives",
    "fetch": "fetch + verify",
    "link": "link",
}


def _size(n: int) -> str:
    """A byte count in words, decimal units (`1.5 MB`)."""
    value = float(n)
    for unit in ("B", "kB", "MB", "GB"):
        if value < 1000 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1000
    return f"{n} B"  # pragma: no cover - the loop always returns


class RichProgress:
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

    def __enter__(self) -> RichProgress:
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


def show_plan(output: Output, plan: CreatePlan, *, dry_run: bool) -> None:
    """The plan in words: lock → target, channels, sizes; under `dry_run` a package table."""
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


def show_result(output: Output, result: CreateResult) -> None:
    """`Created <prefix>: N packages, ...` and how to activate it."""
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
