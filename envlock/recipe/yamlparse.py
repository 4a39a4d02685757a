"""Reading YAML text for recipes and environment files, with errors a person can act on.

`parse_yaml(content, path)` returns ruamel round-trip data (mappings that know their
lines; `key_line` reads them) or raises BadInputError naming file:line with a hint in
place of ruamel's own text: syntax errors, duplicate keys and anchors, bad merge keys,
tagged values that do not construct, nesting too deep. An unquoted value that looks like
a date but is none (`2023-02-30`) comes back as `schema.UnreadScalar` text. ruamel is
imported on first use only.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from envlock.errors import BadInputError, where
from envlock.limits import MAX_NESTING, MAX_REPEATED_NODES, check_yaml_nodes, excerpt
from envlock.recipe import schema

__all__ = ["key_line", "parse_yaml"]


def parse_yaml(content: str, path: Path) -> Any:
    """Read YAML text safely (ruamel round-trip, with lines) or raise BadInputError.

    An unquoted value that looks like a date but is none (`2023-02-30`) comes back as an
    `UnreadScalar` (text) rather than failing; syntax errors, duplicate keys and anchors,
    bad merge keys and explicitly tagged values that do not construct are reported with
    file:line and a hint instead of ruamel's own text.
    """
    import warnings

    from ruamel.yaml import YAML
    from ruamel.yaml.error import MarkedYAMLError, ReusedAnchorWarning, YAMLError

    yaml = YAML(typ="rt", pure=True)
    yaml.Constructor = _constructor_class(path)
    yaml.max_depth = _MAX_DEPTH
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", ReusedAnchorWarning)
            return yaml.load(content)
    except MarkedYAMLError as error:
        line, message = _yaml_problem(error)
        raise BadInputError(f"not valid YAML: {message}", where=where(path, line)) from None
    except ReusedAnchorWarning as warning:
        found = re.findall(r"line (\d+)", str(warning))
        anchor = re.search(r"duplicate anchor '([^']*)'", str(warning))
        raise BadInputError(
            f"not valid YAML: the anchor &{excerpt(anchor.group(1)) if anchor else '?'} is defined "
            f"twice{f' (first on line {found[0]})' if found else ''}: give one of them "
            "another name",
            where=where(path, int(found[-1]) if found else None),
        ) from None
    except YAMLError as error:  # ReaderError: a control character, with no mark
        position = getattr(error, "position", None)
        line = content[:position].count("\n") + 1 if isinstance(position, int) else None
        problem = excerpt(str(error).splitlines()[0]) if str(error) else type(error).__name__
        raise BadInputError(
            f"not valid YAML: {problem}: remove that character", where=where(path, line)
        ) from None
    except RecursionError:
        raise BadInputError(
            f"not valid YAML: nested more than {_MAX_DEPTH} levels deep: no recipe needs that",
            where=str(path),
        ) from None


_MAX_DEPTH = MAX_NESTING
# ruamel problem text → what to tell the user; the first match wins.
_YAML_HINTS: tuple[tuple[str, str], ...] = (
    (
        "expected <block end>, but found '<block sequence start>'",
        "a list item `- ...` is indented differently from the items above it",
    ),
    (
        "expected <block end>",
        "this line does not line up with the mapping or list it belongs to: check the "
        "indentation of this line and the line above (keys of one mapping start in the same "
        "column), or a missing colon",
    ),
    (
        "could not find expected ':'",
        "this line is neither `key: value` nor a list item `- value`: a missing colon "
        "after the key, or a line that belongs to the value above and needs quotes",
    ),
    (
        "mapping values are not allowed here",
        "a second `: ` on one line: quote the value if it contains ': ', or check the "
        "indentation of the line above",
    ),
    (
        "cannot start any token",
        "this character cannot start a value here (tabs cannot indent YAML: use spaces; "
        "quote a value that starts with @ or `)",
    ),
    (
        "expected ',' or ']'",
        "a [ ... ] list is not closed or lacks a comma between items",
    ),
    (
        "expected ',' or '}'",
        "a { ... } mapping is not closed or lacks a comma between items",
    ),
    (
        "found unexpected end of stream",
        "a quoted value is not closed: add the closing quote",
    ),
)


def _yaml_problem(error: Any) -> tuple[int | None, str]:
    """(1-based line, one-paragraph message) for a ruamel MarkedYAMLError."""
    problem = str(error.problem or "")
    context = str(error.context or "")
    problem_line = error.problem_mark.line + 1 if error.problem_mark is not None else None
    context_line = error.context_mark.line + 1 if error.context_mark is not None else None
    line = problem_line or context_line
    if error.problem is None and context:  # our own ConstructorError: the message is whole
        return context_line, context
    if duplicate := re.match(r'found duplicate key "(.*)" with value', problem):
        return (
            line,
            f'the key "{excerpt(duplicate.group(1))}" appears twice in one mapping: keep one',
        )
    if alias := re.match(r"found undefined alias '?([^'\s]*)'?", problem):
        name = excerpt(alias.group(1))
        return line, f"*{name} refers to no anchor &{name} defined above it"
    if "merging" in problem:  # the context is the `<<:` line, the problem the aliased node
        line = context_line or line
        message = (
            "a merge key `<<:` takes an alias of a mapping (`<<: *defaults`) or a list of them"
        )
    elif "maximum depth" in problem:
        message = f"nested more than {_MAX_DEPTH} levels deep: no recipe needs that"
    else:
        needle, message = next(
            ((n, hint) for n, hint in _YAML_HINTS if n in problem),
            (
                "",
                excerpt(" ".join(part for part in (context, problem) if part), 200)
                + _YAML_FALLBACK_HINT,
            ),
        )
        if needle == "could not find expected ':'" and context_line:
            line = context_line  # the key without a colon is where the scan started
    return line, message


_YAML_FALLBACK_HINT = (
    ": check this line and the one above it (indentation, a missing colon, an unclosed "
    "quote or bracket)"
)


def _constructor_class(path: Path) -> Any:
    """ruamel's round-trip constructor, made to keep bad dates as text, name the line
    of anything else it cannot build (`!!float abc`, `!!bool maybe`), and refuse aliases
    that repeat more than `MAX_REPEATED_NODES` nodes (a billion laughs) before building."""
    from ruamel.yaml.constructor import ConstructorError, RoundTripConstructor
    from ruamel.yaml.error import MarkedYAMLError
    from ruamel.yaml.nodes import ScalarNode

    class Constructor(RoundTripConstructor):
        def get_single_data(self) -> Any:
            # ruamel's own (compose, then construct), with the node graph checked between.
            node = self.composer.get_single_node()
            if node is None:
                return None
            check_yaml_nodes(
                node, path=path, repeated=MAX_REPEATED_NODES, what="a recipe or environment.yml"
            )
            return self.construct_document(node)

        def construct_non_recursive_object(self, node: Any, tag: str | None = None) -> Any:
            try:
                return super().construct_non_recursive_object(node, tag)
            except MarkedYAMLError:
                raise
            except (
                ValueError,
                TypeError,
                KeyError,
                AttributeError,
                OverflowError,
                IndexError,
            ) as error:
                mark = node.start_mark
                if isinstance(node, ScalarNode) and node.tag == "tag:yaml.org,2002:timestamp":
                    return schema.UnreadScalar(
                        node.value, line=mark.line + 1, column=mark.column, reason=str(error)
                    )
                shown = excerpt(str(node.value)) if isinstance(node, ScalarNode) else "this value"
                tag = excerpt(str(node.tag).rsplit(":", 1)[-1])
                raise ConstructorError(
                    f"{shown} cannot be read as {tag} ({excerpt(str(error))}): "
                    "quote it if it is text",
                    mark,
                ) from None

    return Constructor


def key_line(mapping: Any, key: str) -> int | None:
    """1-based line of `key` in a ruamel mapping, None when unknown."""
    try:
        return int(mapping.lc.key(key)[0]) + 1
    except (AttributeError, KeyError, TypeError):
        return None
