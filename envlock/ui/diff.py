"""Render a Drift for people: a rich table grouped by change kind, or a Markdown table.

The JSON form is `Drift.to_dict()`; this module is the only diff code that imports rich.
"""

from __future__ import annotations

from rich.console import Group, RenderableType
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from envlock.diff.core import CHANGE_ORDER, Change, Drift
from envlock.models import Package

_STYLE = {"error": "bold red", "warning": "yellow", "info": "cyan"}
_TITLES = {
    "removed": "removed (only in A)",
    "added": "added (only in B)",
    "version": "version changed",
    "build": "build changed (same version)",
    "channel": "channel changed",
    "manager": "moved between conda and pip",
}


def describe(package: Package | None, *, channel: bool = True) -> str:
    """`1.13.0 py3.8_cuda11.7_cudnn8.5.0_0 pytorch` for conda, `2.0.1 (pip)` for pip."""
    if package is None:
        return "-"
    if package.manager == "pip":
        return f"{package.version or '(any)'} (pip)"
    parts = [package.version or "(any)"]
    if package.build:
        parts.append(package.build)
    if channel and package.channel:
        parts.append(f"[{package.channel}]")
    return " ".join(parts)


def headline(drift: Drift) -> str:
    """One line: the two sides, the platform, what was compared."""
    a, b = drift.a, drift.b
    if drift.platforms_differ:
        platform = f" · platforms differ: A is {a.platform}, B is {b.platform}"
    else:
        platform = f" · platform {drift.platform}" if drift.platform else ""
    skipped = []
    if not drift.builds_compared:
        skipped.append("builds (a side records none)")
    if not drift.channels_compared:
        skipped.append("channels (a side records none)")
    not_compared = f"; not compared: {', '.join(skipped)}" if skipped else ""
    return (
        f"A: {a.source} ({a.kind}) → B: {b.source} ({b.kind}){platform}\n"
        f"compared: {', '.join(drift.compared)}{not_compared}"
    )


def plural(count: int, noun: str, verb: str = "") -> str:
    """`1 package differs`, `2 packages differ` (`verb` in its plural form)."""
    one = count == 1
    words = [str(count), noun if one else f"{noun}s"]
    if verb:
        words.append(_SINGULAR.get(verb, f"{verb}s") if one else verb)
    return " ".join(words)


_SINGULAR = {"are": "is", "match": "matches"}


def resolved_line(drift: Drift) -> str | None:
    """What the spec side's specs resolved to, when one side only states specs."""
    if drift.specs_side is None:
        return None
    specs, env = ("A", "B") if drift.specs_side == "a" else ("B", "A")
    return (
        f"{specs} states specs: {plural(drift.resolved_dependencies, 'more package')} in "
        f"{env} {'is a dependency' if drift.resolved_dependencies == 1 else 'are dependencies'}"
        f" the specs resolved to (not listed as changes)"
    )


def summary(drift: Drift) -> str:
    """`identical` or how many packages differ, how many of them critical."""
    hidden = ""
    if drift.critical_only:
        hidden = (
            f"; {plural(drift.not_shown, 'other difference')} not shown (--critical-only)"
            if drift.not_shown
            else "; no other differences"
        )
    if drift.identical:
        if drift.critical_only:
            return f"identical in the {plural(drift.critical_paired, 'critical package')}{hidden}"
        if drift.specs_side is not None:
            return f"identical: all {plural(drift.paired, 'spec')} satisfied"
        return f"identical: {plural(drift.paired, 'package', 'match')} in everything compared"
    critical = sum(c.critical for c in drift.changes)
    return (
        f"{plural(len(drift.changes), 'package', 'differ')} ({critical} critical); "
        f"{drift.paired} paired{hidden}"
    )


def rich_report(drift: Drift) -> RenderableType:
    """Findings on top, then one table per change kind, critical packages first."""
    parts: list[RenderableType] = [Text(headline(drift), style="dim")]
    if drift.findings:
        findings = Table(title="Findings", title_justify="left", show_lines=False)
        findings.add_column("severity")
        findings.add_column("code")
        findings.add_column("what it means", overflow="fold")
        for finding in drift.findings:
            style = _STYLE[finding.severity]
            findings.add_row(
                Text(finding.severity, style=style), finding.code, escape(finding.message)
            )
        parts.append(findings)
    for kind in CHANGE_ORDER:
        changes = [c for c in drift.changes if c.change == kind]
        if changes:
            parts.append(_kind_table(_title(kind, drift), changes))
    resolved = resolved_line(drift)
    if resolved:
        parts.append(Text(resolved, style="dim"))
    style = "bold green" if drift.identical else "bold"
    parts.append(Text(summary(drift), style=style))
    return Group(*parts)


def _title(kind: str, drift: Drift) -> str:
    """The table's title; a spec side's package the environment lacks is `missing`."""
    if (kind, drift.specs_side) == ("removed", "a"):
        return "missing (A asks for it, B lacks it)"
    if (kind, drift.specs_side) == ("added", "b"):
        return "missing (B asks for it, A lacks it)"
    return _TITLES[kind]


def _kind_table(title: str, changes: list[Change]) -> Table:
    table = Table(title=f"{title} ({len(changes)})", title_justify="left")
    table.add_column("package")
    table.add_column("A", overflow="fold")
    table.add_column("B", overflow="fold")
    table.add_column("differs in")
    for change in changes:
        name = Text(change.name, style="bold" if change.critical else "")
        if change.critical:
            name.append(" ★", style="yellow")
        table.add_row(
            name,
            escape(describe(change.a)),
            escape(describe(change.b)),
            ", ".join(change.aspects) or change.change,
        )
    return table


def markdown_report(drift: Drift) -> str:
    """A Markdown table fit for an issue or a README."""
    lines = [f"**envlock diff**: {_md(headline(drift).replace(chr(10), ' · '))}", ""]
    if drift.findings:
        lines += ["| severity | code | finding |", "|---|---|---|"]
        lines += [f"| {f.severity} | `{f.code}` | {_md(f.message)} |" for f in drift.findings]
        lines.append("")
    if drift.changes:
        lines += ["| package | change | A | B | critical |", "|---|---|---|---|---|"]
        for change in drift.changes:
            lines.append(
                f"| {_md(change.name)} | {change.change} | {_md(describe(change.a))} | "
                f"{_md(describe(change.b))} | {'yes' if change.critical else ''} |"
            )
        lines.append("")
    resolved = resolved_line(drift)
    if resolved:
        lines += [_md(resolved), ""]
    lines.append(f"_{_md(summary(drift))}_")
    return "\n".join(lines) + "\n"


def _md(text: str) -> str:
    return text.replace("|", "\\|")
