"""The fast first read of plain recipes (envlock.recipe.fastyaml) gives what ruamel gives.

Every recipe is read twice, through the fast path and through ruamel alone, and both
must return an equal Recipe (values, lines) or raise the same error (class, message,
file:line). Texts outside the plain subset must fall back to ruamel.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from envlock.errors import EnvlockError
from envlock.recipe.fastyaml import simple_recipe_data
from envlock.recipe.reader import _recipe_of, load_recipe

ROOT = Path(__file__).resolve().parent.parent

PLAIN = {
    "bench": 'envlock: 1\nname: startup\nplatforms: [linux-64]\npython: "3.10"\n'
    "dependencies: [numpy, networkx]\n",
    "block": """# a comment
envlock: 1
name: m3net   # trailing comment
description: 'A paper''s environment'
platforms:
  - linux-64
  - osx-arm64
python: "3.8"
stack:
  pytorch: "1.13"
  cuda: "11.7"
  pyg: "2.2"
channels:
- conda-forge
- pytorch
channel_priority: strict
dependencies:
  - numpy <1.24
  - "pytorch::pytorch=1.13.*=*cuda*"
  - scipy>=1.9
pins:
  - numpy=1.23.5=py38h14f4228_0
pip:
  - timm==0.4.12
""",
    "flow stack": 'name: x\nstack: {pytorch: "2.0", cuda: null}\npython: "3.10"\n',
    "cpu stack": 'name: x\nstack: {pytorch: "1.13", cuda: ~}\nplatforms: [osx-64, win-64]\n',
    "channel url": "name: x\npython: '3.11'\nchannels: [https://conda.anaconda.org/conda-forge]\n",
    "quoted keys": '"name": x\n\'python\': "3.10"\ndependencies: [numpy]\n',
    "folded plain": 'name: x\npython: "3.10"\ndescription: a long\n  description on two lines\n',
    "document end": 'name: x\npython: "3.10"\n...\n',
    "comments between": 'name: x\n# python next\npython: "3.10"  # quoted\n'
    "dependencies:\n  # first\n  - numpy # the array\n\n  - scipy\n",
    "escapes": 'name: x\npython: "3.10"\ndescription: "tab\\tand caf\\u00e9"\n',
    # errors the reader finds in plain text: said by ruamel's path, word for word
    "unknown key": 'name: x\npython: "3.10"\ndependecies: [numpy]\n',
    "unknown stack key": 'name: x\nstack: {pytorch: "1.13", cudaa: "11.7"}\n',
    "no name": 'python: "3.10"\ndependencies: [numpy]\n',
    "bad platform": 'name: x\npython: "3.10"\nplatforms: [linux-65]\n',
    "platform twice": 'name: x\npython: "3.10"\nplatforms: [linux-64, linux-64]\n',
    "no platforms": 'name: x\npython: "3.10"\nplatforms: []\n',
    "format 2": 'envlock: 2\nname: x\npython: "3.10"\n',
    "integer python": "name: x\npython: 3\n",
    "bool python": "name: x\npython: true\n",
    "list name": 'name: [a]\npython: "3.10"\n',
    "integer name": 'name: 12\npython: "3.10"\n',
    "number spec": 'name: x\npython: "3.10"\ndependencies: [numpy, 12]\n',
    "bool channel": 'name: x\npython: "3.10"\nchannels: [true]\n',
    "bad priority": 'name: x\npython: "3.10"\nchannel_priority: loose\n',
    "stack without pytorch": 'name: x\nstack: {cuda: "11.7"}\n',
    "stack as text": "name: x\nstack: pytorch\n",
    "dependencies as text": 'name: x\npython: "3.10"\ndependencies: numpy\n',
    "pip source": 'name: x\nstack: {pytorch: "2.0", source: pip}\n',
    "bad pip line": 'name: x\npython: "3.10"\npip: ["timm ==="]\n',
    "bad name": 'name: "a b/c"\npython: "3.10"\n',
}

# Outside the plain subset: ruamel reads them (the fast path returns None).
RUAMEL_ONLY = {
    "unquoted float": "name: x\npython: 3.10\n",
    "unquoted cuda": 'name: x\nstack: {pytorch: "1.13", cuda: 11.7}\n',
    "date": 'name: x\npython: "3.10"\nexclude_newer: 2023-03-01\n',
    "bad date": 'name: x\npython: "3.10"\nexclude_newer: 2023-02-30\n',
    "yes": 'name: x\npython: "3.10"\ndescription: yes\n',
    "True": 'name: x\npython: "3.10"\ndescription: True\n',
    "octal": 'name: x\npython: "3.10"\ndescription: 010\n',
    "empty value": "name: x\npython:\ndependencies: [numpy]\n",
    "empty item": 'name: x\npython: "3.10"\ndependencies:\n  -\n  - numpy\n',
    "duplicate key": 'name: x\nname: y\npython: "3.10"\n',
    "anchor": 'name: &n x\npython: "3.10"\ndescription: *n\n',
    "tag": 'name: !!str x\npython: "3.10"\n',
    "block text": 'name: x\npython: "3.10"\ndescription: |\n  two\n  lines\n',
    "tab": 'name: x\npython:\t"3.10"\n',
    "non-ascii": 'name: x\npython: "3.10"\ndescription: "café"\n',
    "crlf": 'name: x\r\npython: "3.10"\r\n',
    "explicit document": '---\nname: x\npython: "3.10"\n',
    "two documents": 'name: x\npython: "3.10"\n---\nname: y\n',
    "syntax error": 'name: x\npython: "3.10\n',
    "bad indent": 'name: x\npython: "3.10"\ndependencies:\n  - numpy\n - scipy\n',
    "nested list": 'name: x\npython: "3.10"\ndependencies: [[numpy]]\n',
    "integer key": 'name: x\npython: "3.10"\n1: numpy\n',
    "merge": 'base: &b {name: x}\n<<: *b\npython: "3.10"\n',
    "environment.yml": "name: x\nchannels: [conda-forge]\ndependencies: [numpy]\n",
    "a list": "- python\n",
    "empty": "",
}


def outcome(path: Path, text: str, *, fast: bool) -> object:
    path.write_text(text, encoding="utf-8", newline="")  # an environment.yml is read again
    try:
        return _recipe_of(path, text, fast=fast)
    except EnvlockError as error:
        return (type(error), error.message, error.where)


@pytest.mark.parametrize("name", sorted(PLAIN))
def test_plain_recipes_read_alike(name: str, tmp_path: Path) -> None:
    text = PLAIN[name]
    assert simple_recipe_data(text) is not None, "the fast path must take this text"
    path = tmp_path / "recipe.yml"
    assert outcome(path, text, fast=True) == outcome(path, text, fast=False)


@pytest.mark.parametrize("name", sorted(RUAMEL_ONLY))
def test_other_texts_go_to_ruamel(name: str, tmp_path: Path) -> None:
    text = RUAMEL_ONLY[name]
    assert simple_recipe_data(text) is None
    path = tmp_path / "recipe.yml"
    assert outcome(path, text, fast=True) == outcome(path, text, fast=False)


@pytest.mark.parametrize("recipe", sorted((ROOT / "recipes").glob("*.yml")), ids=lambda p: p.name)
def test_shipped_recipes_read_alike(recipe: Path) -> None:
    text = recipe.read_text(encoding="utf-8")
    assert simple_recipe_data(text) is not None, "the shipped recipes are plain YAML"
    fast = load_recipe(recipe)
    assert fast == _recipe_of(recipe, text, fast=False)
    assert fast.lines  # positions came through


@pytest.mark.parametrize("name", sorted(PLAIN))
def test_positions_match_ruamel(name: str) -> None:
    """Key, value and item positions of every container, as ruamel's `lc` has them."""
    from envlock.recipe.yamlparse import parse_yaml

    text = PLAIN[name]
    fast = simple_recipe_data(text)
    slow = parse_yaml(text, Path("recipe.yml"))
    assert fast == slow

    def walk(a: object, b: object) -> None:
        if isinstance(a, dict):
            assert isinstance(b, dict)
            for key in a:
                assert a.lc.key(key) == b.lc.key(key), key  # type: ignore[attr-defined]
                assert a.lc.value(key) == b.lc.value(key), key  # type: ignore[attr-defined]
                walk(a[key], b[key])
        elif isinstance(a, list):
            assert isinstance(b, list)
            for i, item in enumerate(a):
                assert a.lc.item(i) == b.lc.item(i), i  # type: ignore[attr-defined]
                walk(item, b[i])
        else:
            assert type(a) is type(b), (a, b)

    walk(fast, slow)
