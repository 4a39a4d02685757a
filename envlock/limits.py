"""How much of a user's file envlock will read, and how much of it an error may quote.

Every reader of user input (recipes, environment.yml, conda-lock.yml, @EXPLICIT files,
exports, `conda list`, pip freeze, conda-meta records) goes through these bounds, so a
hostile or broken file is refused in well under a second with exit 2, before the work
that would take minutes or memory: a file larger than any real one of its kind, YAML
whose aliases repeat more nodes than a person would write (a "billion laughs" expands a
1 kB text into 10^9 strings), nesting deeper than any real file, JSON deep enough to
exhaust Python's recursion. An error quotes at most `EXCERPT_CHARS` of a bad line.

The limits are named here with the reason for each figure; the largest real files in
../shared/corpus (published locks, exports and explicit files) are far below them.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from envlock.errors import BadInputError, where

__all__ = [
    "EXCERPT_CHARS",
    "MAX_LOCK_BYTES",
    "MAX_NESTING",
    "MAX_RECIPE_BYTES",
    "MAX_RECORD_BYTES",
    "MAX_REPEATED_NODES",
    "MAX_SNAPSHOT_BYTES",
    "check_yaml_nodes",
    "excerpt",
    "load_json",
    "read_text",
]

MIB = 1 << 20
# A recipe or environment.yml is written by hand: the largest in the corpus is 10 kB (a
# 250-line export used as an environment.yml). 1 MiB is a hundred times that and still
# reads through ruamel (the slow, line-keeping parser) and conda-lock in seconds.
MAX_RECIPE_BYTES = 1 * MIB
# A conda-lock.yml holds ~430 bytes per package and platform: the largest in the corpus is
# 420 kB (750 entries); 2,000 packages on 4 platforms make 3.5 MB. 8 MiB (~19,000 entries)
# is twice that. PyYAML's C loader reads ~1-3 MB a second here (2 cores), so the largest
# lock allowed still reads in seconds; 50 MB would take a minute.
MAX_LOCK_BYTES = 8 * MIB
# Any other snapshot (an export, @EXPLICIT file, `conda list` table or pip freeze) holds
# ~60-150 bytes per package: the largest in the corpus is 90 kB, a 5,000-package
# environment about 750 kB. A lock is a snapshot too (`diff` reads it), so one limit
# serves all: 8 MiB is ten times a 5,000-package explicit file.
MAX_SNAPSHOT_BYTES = MAX_LOCK_BYTES
# One conda-meta/*.json record lists every file of its package with its sha256: ~300
# bytes a file, 5 MB for a 15,000-file package (libtorch, cudatoolkit). 64 MiB allows a
# package of 200,000 files.
MAX_RECORD_BYTES = 64 * MIB
# Nesting depth of YAML and JSON documents. Real files need 5 (a lock: top mapping →
# package list → entry → dependencies → spec; a conda-meta record's paths_data → paths →
# entry → field). 64 is far beyond that and far below Python's recursion limit.
MAX_NESTING = 64
# Nodes YAML aliases may repeat in a recipe or environment.yml (`<<: *defaults` repeats a
# handful); a billion laughs repeats 10^9. Machine-written YAML (conda-lock.yml, `conda env
# export`) never holds an alias: pass 0 there.
MAX_REPEATED_NODES = 10_000
# How much of a bad line an error message quotes.
EXCERPT_CHARS = 80


def excerpt(text: str, limit: int = EXCERPT_CHARS) -> str:
    """`text` cut to `limit` characters plus "…" when longer: what an error may quote of
    the user's input (a 10 MB line stays 80 characters in the message)."""
    return text if len(text) <= limit else text[:limit] + "…"


def _size(count: int) -> str:
    if count % MIB == 0:
        return f"{count // MIB} MiB"
    return f"{count / MIB:.1f} MiB" if count >= MIB else f"{count:,} bytes"


def read_text(path: Path, *, limit: int, what: str) -> str:
    """The text of `path` (UTF-8, a leading byte-order mark dropped, as every editor and
    conda read it), refused with BadInputError (exit 2) when it holds more than `limit`
    bytes; `what` names the kind of file in the message ("a conda-lock.yml").

    The size is checked before reading and, for files whose size the system does not know
    (a pipe, /dev/zero), by reading at most `limit + 1` bytes. OSError and
    UnicodeDecodeError pass to the caller, which words them for its kind of file.
    """
    with Path(path).open("rb") as handle:
        known = os.fstat(handle.fileno()).st_size
        if known > limit:
            raise _too_big(path, known, limit, what)
        data = handle.read(limit + 1)
    if len(data) > limit:
        raise _too_big(path, None, limit, what)
    return data.decode("utf-8-sig")


def _too_big(path: Path, size: int | None, limit: int, what: str) -> BadInputError:
    holds = f"holds {_size(size)}" if size is not None else "holds more"
    return BadInputError(
        f"this file {holds}; envlock reads {what} of at most {_size(limit)}, far more than "
        "any real one needs, so it was not read: check that this is the file you meant",
        where=str(path),
    )


def load_json(data: bytes | str, *, path: Path) -> object:
    """JSON from `data`, refused with BadInputError when it nests deeper than
    `MAX_NESTING` (Python's parser would raise RecursionError at ~1,000) or is not JSON;
    the message names `path`."""
    try:
        value = json.loads(data)
    except RecursionError:
        value = None
        deep = True
    except ValueError as error:
        raise BadInputError(f"not valid JSON ({excerpt(str(error))})", where=str(path)) from None
    else:
        deep = _json_depth_over(value, MAX_NESTING)
    if deep:
        raise BadInputError(
            f"the JSON nests more than {MAX_NESTING} levels deep, which no real file does",
            where=str(path),
        )
    return value


def _json_depth_over(value: object, limit: int) -> bool:
    """Whether `value` nests containers more than `limit` deep (iterative: no recursion)."""
    stack: list[tuple[object, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children: Iterator[object] = iter(item.values())
        elif isinstance(item, list):
            children = iter(item)
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return False


def check_yaml_nodes(root: object, *, path: Path, repeated: int, what: str) -> None:
    """Refuse a composed YAML document (PyYAML's or ruamel's node graph, before anything
    is built from it) whose aliases repeat more than `repeated` nodes in all, or that
    nests more than `MAX_NESTING` deep. BadInputError names `path` and the line of the
    anchor; `what` names the kind of file ("a conda-lock.yml").

    One quick pass visits every node once (5 ms for a 400 kB lock, 3% of reading it);
    only a document where a mapping or list is reached twice (an alias) is measured
    further, by `_measure_aliases`. An alias of a plain value repeats one value and can
    neither expand nor nest: it is let through.
    """
    seen: set[int] = {id(root)}
    stack: list[tuple[Any, int]] = [(root, 1)]
    aliased: Any = None
    while stack:
        node, depth = stack.pop()
        value = node.value
        if type(value) is not list:
            continue  # a scalar
        if depth >= MAX_NESTING:
            raise _too_deep(node, path, what)
        for item in value:
            for child in item if type(item) is tuple else (item,):
                if type(child.value) is not list:
                    continue
                if id(child) in seen:
                    aliased = aliased or child
                else:
                    seen.add(id(child))
                    stack.append((child, depth + 1))
    if aliased is None:
        return
    if repeated == 0:
        raise _aliases_refused(aliased, path, repeated, what)
    _measure_aliases(root, path=path, repeated=repeated, what=what)


def _measure_aliases(root: object, *, path: Path, repeated: int, what: str) -> None:
    """The alias check proper. A node reached a second time is an alias's target: its
    size (what its own aliases repeat included) is added to the repeated count, computed
    once per node, so a billion laughs is measured in microseconds without being
    expanded; depth counts what aliases nest too. A recursive alias (an anchor used
    inside itself) is refused as such."""
    sizes: dict[int, int] = {}  # node id -> nodes it stands for, aliases expanded
    depths: dict[int, int] = {}
    repeated_total = 0
    active: set[int] = {id(root)}
    work: list[tuple[object, Iterator[object]]] = [(root, _children(root))]
    while work:
        node, children = work[-1]
        for child in children:
            key = id(child)
            if key in active:
                raise BadInputError(
                    f"{_anchor(child)} is used inside itself (a recursive alias): {what} "
                    "cannot hold one",
                    where=where(path, _line(child)),
                )
            if key in sizes:
                repeated_total += sizes[key]
                if repeated_total > repeated:
                    raise _aliases_refused(child, path, repeated, what)
                if len(work) + depths[key] > MAX_NESTING:
                    raise _too_deep(child, path, what)
                continue
            active.add(key)
            work.append((child, _children(child)))
            break
        else:
            work.pop()
            active.discard(id(node))
            total, deepest = 1, 0
            for child in _children(node):
                total += sizes[id(child)]
                deepest = max(deepest, depths[id(child)])
            sizes[id(node)] = total
            depths[id(node)] = deepest + 1


def _too_deep(node: object, path: Path, what: str) -> BadInputError:
    return BadInputError(
        f"nested more than {MAX_NESTING} levels deep (aliases included): {what} never needs that",
        where=where(path, _line(node)),
    )


def _children(node: object) -> Iterator[object]:
    """The child nodes of a sequence or mapping node (keys and values), none for a scalar:
    PyYAML's and ruamel's nodes share this shape."""
    value = getattr(node, "value", None)
    if isinstance(value, list):
        for item in value:
            if isinstance(item, tuple):
                yield from item
            else:
                yield item


def _line(node: object) -> int | None:
    mark = getattr(node, "start_mark", None)
    line = getattr(mark, "line", None)
    return line + 1 if isinstance(line, int) else None


def _anchor(node: object) -> str:
    anchor = getattr(node, "anchor", None)  # ruamel keeps it; PyYAML's nodes do not
    name = getattr(anchor, "value", anchor)
    return f"the anchor &{excerpt(str(name), 40)}" if name else "the anchor on this line"


def _aliases_refused(node: object, path: Path, repeated: int, what: str) -> BadInputError:
    if repeated == 0:
        message = (
            f"YAML aliases (*name) are refused in {what}: the tools that write it never use "
            f"them, so this file was edited or made to expand ({_anchor(node)} is reused)"
        )
    else:
        message = (
            f"YAML aliases repeat more than {repeated:,} nodes here ({_anchor(node)} is "
            f"reused): {what} written by a person never needs that, and expanding them "
            "could exhaust memory (a 'billion laughs'), so the file was not read"
        )
    return BadInputError(message, where=where(path, _line(node)))
