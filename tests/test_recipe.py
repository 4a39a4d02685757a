"""Recipe format v1: every validation message, exactly; environment.yml through conda-lock."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from envlock.engine.specs import spec_problems
from envlock.errors import BadInputError
from envlock.recipe import Recipe, Stack, load_recipe, validate_specs
from envlock.stacks.expand import expand
from tests.helpers import REPO

BASE = 'name: demo\npython: "3.8"\n'
STACK = BASE + 'stack:\n  pytorch: "1.13"\n'

# (id, file content, line of the error or None for the whole file, message)
ERRORS: list[tuple[str, str, int | None, str]] = [
    (
        "unknown key",
        BASE + "platfroms: [linux-64]\n",
        3,
        'unknown key "platfroms": did you mean "platforms"?',
    ),
    (
        "unknown key without a near miss",
        BASE + "zzz: 1\n",
        3,
        'unknown key "zzz": known keys are envlock, name, description, platforms, python, '
        "stack, channels, channel_priority, dependencies, pins, pip, exclude_newer",
    ),
    (
        "unknown stack key",
        STACK + '  cdua: "11.7"\n',
        5,
        'unknown key "stack.cdua": did you mean "stack.cuda"?',
    ),
    (
        "unquoted 3.10 reads as 3.1",
        "name: demo\npython: 3.10\n",
        2,
        "python: 3.10 is a number (YAML reads it as 3.1), versions are strings: "
        'quote it, python: "3.10"',
    ),
    (
        "unquoted 3.8",
        "name: demo\npython: 3.8\n",
        2,
        'python: 3.8 is a number, versions are strings: quote it, python: "3.8"',
    ),
    (
        "bad python",
        'name: demo\npython: "py38"\n',
        2,
        'python: expected a version like "3.8" or "3.10.4", got "py38"',
    ),
    (
        "newer format",
        "envlock: 2\nname: demo\n",
        1,
        "envlock: this recipe is format 2 and this envlock reads format 1: upgrade envlock",
    ),
    (
        "format not a number",
        'envlock: "one"\nname: demo\n',
        1,
        'envlock: expected the recipe format version 1, got "one"',
    ),
    (
        "cuda 11.77",
        STACK + "  cuda: 11.77\n",
        5,
        'stack.cuda: expected a version like "11.7" or "cpu", got 11.77',
    ),
    (
        "quoted cuda 11.77",
        STACK + '  cuda: "11.77"\n',
        5,
        'stack.cuda: expected a version like "11.7" or "cpu", got "11.77"',
    ),
    (
        "cuda gpu",
        STACK + "  cuda: gpu\n",
        5,
        'stack.cuda: expected a version like "11.7" or "cpu", got "gpu"',
    ),
    (
        "unquoted cuda",
        STACK + "  cuda: 11.7\n",
        5,
        'stack.cuda: 11.7 is a number, versions are strings: quote it, cuda: "11.7"',
    ),
    (
        "stack without pytorch",
        BASE + 'stack:\n  cuda: "11.7"\n',
        3,
        'stack.pytorch: required when stack is present, e.g. pytorch: "1.13"',
    ),
    (
        "unquoted pytorch 1.10",
        BASE + "stack:\n  pytorch: 1.10\n",
        4,
        "stack.pytorch: 1.10 is a number (YAML reads it as 1.1), versions are strings: "
        'quote it, pytorch: "1.10"',
    ),
    (
        "bad pytorch",
        BASE + 'stack:\n  pytorch: "latest"\n',
        4,
        'stack.pytorch: expected a version like "1.13" or "1.13.1", got "latest"',
    ),
    (
        "stack not a mapping",
        BASE + 'stack: "1.13"\n',
        3,
        'stack: expected a mapping, e.g. stack: {pytorch: "1.13", cuda: "11.7"}',
    ),
    (
        "bad source",
        STACK + "  source: mamba\n",
        5,
        'stack.source: expected "conda" or "pip", got "mamba"',
    ),
    (
        "bad torchvision",
        STACK + "  torchvision: yes please\n",
        5,
        'stack.torchvision: expected true, false or a version like "0.14", got "yes please"',
    ),
    (
        "unquoted pyg version",
        STACK + "  pyg: 2.2\n",
        5,
        'stack.pyg: 2.2 is a number, versions are strings: quote it, pyg: "2.2"',
    ),
    (
        "platform typo",
        BASE + "platforms: [linux64]\n",
        3,
        'platforms[0]: unknown platform "linux64": did you mean "linux-64"?',
    ),
    (
        "platform unknown",
        BASE + "platforms: [amiga]\n",
        3,
        'platforms[0]: unknown platform "amiga": use one of linux-64, linux-aarch64, '
        "linux-ppc64le, osx-64, osx-arm64, win-64, win-arm64",
    ),
    (
        "platform twice",
        BASE + "platforms: [linux-64, linux-64]\n",
        3,
        'platforms: "linux-64" is listed twice',
    ),
    (
        "platforms not a list",
        BASE + "platforms: linux-64\n",
        3,
        "platforms: expected a list of platforms, e.g. platforms: [linux-64, osx-64]",
    ),
    (
        "exclude_newer not a date",
        BASE + 'exclude_newer: "last spring"\n',
        3,
        'exclude_newer: "last spring" is not a date: write a date such as 2023-03-01 or a '
        'timestamp such as "2023-03-01T12:00:00Z"',
    ),
    (
        "exclude_newer without time zone",
        BASE + 'exclude_newer: "2023-03-01T10:00:00"\n',
        3,
        'exclude_newer: "2023-03-01T10:00:00" has no time zone: add one, e.g. Z for UTC',
    ),
    (
        "exclude_newer a number",
        BASE + "exclude_newer: 20230301\n",
        3,
        "exclude_newer: 20230301 is not a date: write a date such as 2023-03-01 or a "
        'timestamp such as "2023-03-01T12:00:00Z"',
    ),
    (
        "bad matchspec",
        BASE + 'dependencies: [numpy <1.24, "numpy$$1"]\n',
        3,
        'dependencies[1]: "numpy$$1" is not a conda package spec: write name, then '
        "optionally a version and a build, e.g. numpy <1.24 or numpy=1.23.5=py38h14f4228_0",
    ),
    (
        "matchspec a number",
        BASE + "dependencies: [numpy, 3]\n",
        3,
        "dependencies[1]: expected a conda package spec such as numpy <1.24, got 3",
    ),
    (
        "dependencies not a list",
        BASE + "dependencies: numpy\n",
        3,
        "dependencies: expected a list, e.g. dependencies: [numpy <1.24]",
    ),
    (
        "pin with too many parts",
        BASE + 'pins: ["numpy=1.23.5=py38 h1 x"]\n',
        3,
        'pins[0]: "numpy=1.23.5=py38 h1 x" is not a conda package spec: write name, then '
        "optionally a version and a build, e.g. numpy <1.24 or numpy=1.23.5=py38h14f4228_0",
    ),
    (
        "bad pip requirement",
        BASE + 'pip: ["timm>=>1"]\n',
        3,
        'pip[0]: "timm>=>1" is not a pip requirement: write a name with an optional '
        "version, e.g. timm==0.4.12, or a URL such as git+https://...",
    ),
    (
        "unknown pip option",
        BASE + 'pip: ["--user"]\n',
        3,
        "pip[0]: unknown pip option '--user': envlock passes --index-url, -i, "
        "--extra-index-url, --find-links, -f, --trusted-host, --pre, --no-index, -e, "
        "--editable, -c, --constraint, -r, --requirement",
    ),
    (
        "channel with a space",
        BASE + 'channels: ["conda forge"]\n',
        3,
        'channels[0]: expected a channel name or URL such as conda-forge, got "conda forge"',
    ),
    (
        "bad channel_priority",
        BASE + "channel_priority: loose\n",
        3,
        'channel_priority: expected "strict" or "flexible", got "loose"',
    ),
    (
        "name missing",
        'python: "3.8"\n',
        None,
        "name: required (it names the lock folder), e.g. name: m3net",
    ),
    (
        "name not a folder name",
        'name: "my env/1"\npython: "3.8"\n',
        1,
        "name: \"my env/1\" cannot be a folder name: use letters, digits, '.', '_' and '-'",
    ),
    ("name a number", 'name: 12\npython: "3.8"\n', 1, "name: expected text, got 12"),
    ("description a number", BASE + "description: 5\n", 3, "description: expected text, got 5"),
    (
        "broken YAML",
        'name: demo\npython: ["3.8"\n',
        3,
        "not valid YAML: a [ ... ] list is not closed or lacks a comma between items",
    ),
    (
        "duplicate key",
        'name: demo\npython: "3.8"\npython: "3.9"\n',
        3,
        'not valid YAML: the key "python" appears twice in one mapping: keep one',
    ),
    (
        "a date that does not exist",
        BASE + "exclude_newer: 2023-02-30\n",
        3,
        "exclude_newer: 2023-02-30 is not a date (day is out of range for month): write a date "
        'such as 2023-03-01 or a timestamp such as "2023-03-01T12:00:00Z"',
    ),
    (
        "a timestamp that does not exist",
        BASE + "exclude_newer: 2023-01-01T25:00:00Z\n",
        3,
        "exclude_newer: 2023-01-01T25:00:00Z is not a date (hour must be in 0..23): write a "
        'date such as 2023-03-01 or a timestamp such as "2023-03-01T12:00:00Z"',
    ),
    (
        "a quoted date that does not exist",
        BASE + 'exclude_newer: "2023-02-30"\n',
        3,
        'exclude_newer: "2023-02-30" is not a date: write a date such as 2023-03-01 or a '
        'timestamp such as "2023-03-01T12:00:00Z"',
    ),
    (
        "year zero",
        BASE + "exclude_newer: 0000-01-01\n",
        3,
        "exclude_newer: 0000-01-01 is not a date (year 0 is out of range): write a date such "
        'as 2023-03-01 or a timestamp such as "2023-03-01T12:00:00Z"',
    ),
    (
        "indentation",
        STACK + ' cuda: "11.7"\n',
        5,
        "not valid YAML: this line does not line up with the mapping or list it belongs to: "
        "check the indentation of this line and the line above (keys of one mapping start in "
        "the same column), or a missing colon",
    ),
    (
        "missing colon",
        BASE + "platforms\nchannels: [conda-forge]\n",
        3,
        "not valid YAML: this line is neither `key: value` nor a list item `- value`: a "
        "missing colon after the key, or a line that belongs to the value above and needs quotes",
    ),
    (
        "list item indented differently",
        BASE + "dependencies:\n  - numpy\n - scipy\n",
        5,
        "not valid YAML: a list item `- ...` is indented differently from the items above it",
    ),
    (
        "a tab",
        BASE + "stack:\n\tpytorch: '1.13'\n",
        4,
        "not valid YAML: this character cannot start a value here (tabs cannot indent YAML: "
        "use spaces; quote a value that starts with @ or `)",
    ),
    (
        "two colons",
        BASE + "description: note: this\n",
        3,
        "not valid YAML: a second `: ` on one line: quote the value if it contains ': ', or "
        "check the indentation of the line above",
    ),
    (
        "unclosed quote",
        BASE + 'description: "open\nchannels: [conda-forge]\n',
        5,
        "not valid YAML: a quoted value is not closed: add the closing quote",
    ),
    (
        "bad merge key",
        BASE + "x: &a 1\nstack:\n  <<: *a\n",
        5,
        "not valid YAML: a merge key `<<:` takes an alias of a mapping (`<<: *defaults`) or a "
        "list of them",
    ),
    (
        "duplicate anchor",
        BASE + "channels: [&c conda-forge, &c pytorch]\n",
        3,
        "not valid YAML: the anchor &c is defined twice (first on line 3): give one of them "
        "another name",
    ),
    (
        "undefined alias",
        BASE + "channels: [*c]\n",
        3,
        "not valid YAML: *c refers to no anchor &c defined above it",
    ),
    (
        "explicit tag that does not construct",
        BASE + "description: !!float abc\n",
        3,
        "not valid YAML: abc cannot be read as float (could not convert string to float: "
        "'abc'): quote it if it is text",
    ),
    (
        "explicit bool that does not construct",
        BASE + "description: !!bool maybe\n",
        3,
        "not valid YAML: maybe cannot be read as bool ('maybe'): quote it if it is text",
    ),
    (
        "control character",
        BASE + "description: a\x07b\n",
        3,
        "not valid YAML: unacceptable character #x0007: special characters are not allowed: "
        "remove that character",
    ),
    (
        "nested too deep",
        BASE + "description: " + "[" * 100 + "]" * 100 + "\n",
        3,
        "not valid YAML: nested more than 64 levels deep: no recipe needs that",
    ),
    (
        "a list at the top",
        "- a\n- b\n",
        None,
        "expected a recipe (keys name, platforms, python, stack, ...) or an environment.yml "
        "(keys name, channels, dependencies), got a list",
    ),
    (
        "empty file",
        "",
        None,
        "expected a recipe (keys name, platforms, python, stack, ...) or an environment.yml "
        "(keys name, channels, dependencies), got an empty file",
    ),
    (
        "environment.yml without dependencies",
        "name: x\nchannels: [conda-forge]\n",
        None,
        "dependencies: an environment.yml needs a dependencies list (and a recipe needs "
        "stack, python or envlock at the top)",
    ),
    (
        "environment.yml with a bad conda spec",
        'name: x\nchannels: [conda-forge]\ndependencies:\n  - numpy\n  - "numpy >>>= 1"\n',
        5,
        "conda-lock's environment.yml parser rejected this file: Failed to turn "
        "`numpy >>>= 1` into a MatchSpec: fix that line, or write a recipe instead",
    ),
    (
        "environment.yml with a bad pip requirement",
        'name: x\ndependencies:\n  - numpy\n  - pip:\n    - "timm ==== 1"\n',
        5,
        "conda-lock's environment.yml parser rejected this file: Expected comma (within "
        "version specifier), semicolon (after version specifier) or end (timm ==== 1): "
        "fix that line, or write a recipe instead",
    ),
]


@pytest.mark.parametrize(
    ("content", "line", "message"),
    [case[1:] for case in ERRORS],
    ids=[case[0] for case in ERRORS],
)
def test_every_recipe_error_names_file_line_and_fix(
    tmp_path: Path, content: str, line: int | None, message: str
) -> None:
    path = tmp_path / "demo.yml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(BadInputError) as raised:
        load_recipe(path)
    assert raised.value.message == message
    assert raised.value.where == (f"{path}:{line}" if line else str(path))
    assert raised.value.exit_code == 2


def test_missing_file_is_bad_input(tmp_path: Path) -> None:
    with pytest.raises(BadInputError, match="no such recipe file"):
        load_recipe(tmp_path / "absent.yml")


def test_m3net_recipe_reads_as_the_issue_states_it() -> None:
    recipe = load_recipe(REPO / "recipes" / "m3net.yml")
    assert recipe == Recipe(
        name="m3net",
        description="M3Net multimodal hypergraph model (paper's stack)",
        platforms=("linux-64", "osx-64", "win-64"),
        python="3.8",
        stack=Stack(pytorch="1.13", cuda="11.7", pyg=True, torchvision=True),
        channels=("conda-forge",),
        dependencies=("numpy <1.24", "networkx", "matplotlib"),
        exclude_newer=dt.datetime(2023, 3, 1, tzinfo=dt.timezone.utc),
        source_path=REPO / "recipes" / "m3net.yml",
        kind="recipe",
        lines=recipe.lines,
    )
    assert recipe.where("stack.cuda") == f"{REPO / 'recipes' / 'm3net.yml'}:7"
    assert recipe.stack is not None
    assert recipe.stack.torch_minor == "1.13"
    assert recipe.stack.wants_cuda


@pytest.mark.parametrize("name", ["m3net", "mae", "cpu-demo"])
def test_shipped_recipes_load(name: str) -> None:
    recipe = load_recipe(REPO / "recipes" / f"{name}.yml")
    assert recipe.name == name
    assert recipe.kind == "recipe"
    validate_specs(recipe)


def test_full_format_reads_every_key(tmp_path: Path) -> None:
    path = tmp_path / "full.yml"
    path.write_text(
        "envlock: 1\n"
        "name: full\n"
        "description: every key\n"
        "platforms: [linux-64, osx-arm64]\n"
        'python: "3.10"\n'
        "stack:\n"
        '  pytorch: "2.0.1"\n'
        '  cuda: "11.8"\n'
        "  source: pip\n"
        '  torchvision: "0.15"\n'
        "  torchaudio: true\n"
        '  pyg: "2.3"\n'
        "channels: [bioconda, conda-forge]\n"
        "channel_priority: flexible\n"
        "dependencies: [numpy <1.24, conda-forge::rdkit]\n"
        "pins: [numpy=1.23.5=py310h14f4228_0]\n"
        "pip:\n"
        "  - --find-links https://data.pyg.org/whl/torch-2.0.0+cu118.html\n"
        "  - timm==0.4.12\n"
        "  - git+https://github.com/facebookresearch/mae.git\n"
        'exclude_newer: "2023-06-01T12:00:00+02:00"\n',
        encoding="utf-8",
    )
    recipe = load_recipe(path)
    assert recipe.stack == Stack(
        pytorch="2.0.1",
        cuda="11.8",
        source="pip",
        torchvision="0.15",
        torchaudio=True,
        pyg="2.3",
    )
    assert recipe.platforms == ("linux-64", "osx-arm64")
    assert recipe.channel_priority == "flexible"
    assert recipe.pins == ("numpy=1.23.5=py310h14f4228_0",)
    assert recipe.pip[0].startswith("--find-links")
    assert recipe.exclude_newer == dt.datetime(2023, 6, 1, 10, tzinfo=dt.timezone.utc)


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("2023-03-01", dt.datetime(2023, 3, 1, tzinfo=dt.timezone.utc)),
        ('"2023-03-01"', dt.datetime(2023, 3, 1, tzinfo=dt.timezone.utc)),
        ("2023-03-01T10:30:00Z", dt.datetime(2023, 3, 1, 10, 30, tzinfo=dt.timezone.utc)),
        ('"2023-03-01T10:30:00Z"', dt.datetime(2023, 3, 1, 10, 30, tzinfo=dt.timezone.utc)),
    ],
)
def test_exclude_newer_takes_dates_quoted_or_not(
    tmp_path: Path, written: str, expected: dt.datetime
) -> None:
    path = tmp_path / "r.yml"
    path.write_text(BASE + f"exclude_newer: {written}\n", encoding="utf-8")
    assert load_recipe(path).exclude_newer == expected


def test_defaults_platforms_cpu_strict(tmp_path: Path) -> None:
    path = tmp_path / "r.yml"
    path.write_text(STACK, encoding="utf-8")
    recipe = load_recipe(path)
    assert recipe.platforms == ("linux-64",)
    assert recipe.stack == Stack(pytorch="1.13", cuda="cpu")
    assert recipe.channel_priority == "strict"


ENVIRONMENT_YML = """\
name: paper-env
channels:
  - pytorch
  - nvidia
  - conda-forge
  - nodefaults
dependencies:
  - python=3.8
  - pytorch::pytorch=1.13.1
  - pytorch-cuda=11.7  # [linux]
  - cudatoolkit=11.6  # [win]
  - numpy<1.24
  - pip
  - pip:
    - --extra-index-url https://download.pytorch.org/whl/cu117
    - -f https://data.pyg.org/whl/torch-1.13.0+cu117.html
    - torch-scatter==2.1.0+pt113cu117
    - timm==0.4.12
"""


def test_environment_yml_goes_through_conda_lock_with_selectors_and_pip(
    tmp_path: Path,
) -> None:
    path = tmp_path / "environment.yml"
    path.write_text(ENVIRONMENT_YML, encoding="utf-8")
    recipe = load_recipe(path)
    assert recipe.kind == "environment"
    assert recipe.name == "paper-env"
    assert recipe.channels == ("pytorch", "nvidia", "conda-forge")
    assert recipe.python is None and recipe.stack is None
    linux = recipe.dependencies_for("linux-64")
    assert linux == (
        "python 3.8.*",
        "pytorch::pytorch 1.13.1.*",
        "pytorch-cuda 11.7.*",
        "numpy <1.24",
        "pip",
    )
    assert "cudatoolkit 11.6.*" in recipe.dependencies_for("win-64")
    assert "pytorch-cuda 11.7.*" not in recipe.dependencies_for("win-64")
    osx = recipe.dependencies_for("osx-64")
    assert not any(s.startswith(("pytorch-cuda", "cudatoolkit")) for s in osx)
    # option lines are kept verbatim for the pip layer; conda-lock never saw them
    assert recipe.pip_for("linux-64") == (
        "--extra-index-url https://download.pytorch.org/whl/cu117",
        "-f https://data.pyg.org/whl/torch-1.13.0+cu117.html",
        "torch-scatter==2.1.0+pt113cu117",
        "timm==0.4.12",
    )


def test_environment_yml_name_falls_back_to_the_file_stem(tmp_path: Path) -> None:
    path = tmp_path / "gpu-env.yml"
    path.write_text("channels: [conda-forge]\ndependencies: [numpy]\n", encoding="utf-8")
    recipe = load_recipe(path)
    assert recipe.name == "gpu-env"
    assert recipe.dependencies == ("numpy",)


@pytest.mark.corpus
def test_every_corpus_environment_file_reads(corpus: Path) -> None:
    files = sorted((corpus / "env-exports").iterdir())
    assert files
    for path in files:
        recipe = load_recipe(path)
        assert recipe.kind == "environment", path
        validate_specs(recipe)  # what conda-lock accepted, rattler reads too
        assert recipe.dependencies_for("linux-64"), path
        for platform in ("linux-64", "osx-64", "win-64"):
            spec_set = expand(recipe, platform)
            assert spec_set.channels, path
            if platform == "osx-64":
                assert spec_set.intent.cuda is None


@pytest.mark.corpus
def test_corpus_environment_file_with_selectors_picks_cuda_per_platform(corpus: Path) -> None:
    recipe = load_recipe(corpus / "env-exports" / "FSadrieh__BERTchen__environment.yml")
    assert expand(recipe, "linux-64").intent.cuda == "11.8"
    assert expand(recipe, "win-64").intent.cuda == "11.8"
    assert expand(recipe, "osx-arm64").intent.cuda is None
    assert not any("pytorch-cuda" in s for s in recipe.dependencies_for("osx-arm64"))


# ---------------------------------------------------------------- values YAML reads as dates


def test_unquoted_non_dates_are_text_where_text_is_expected(tmp_path: Path) -> None:
    path = tmp_path / "demo.yml"
    path.write_text('name: 2023-02-30\npython: "3.8"\ndescription: 2023-02-30\n', encoding="utf-8")
    recipe = load_recipe(path)
    assert recipe.name == "2023-02-30"
    assert recipe.description == "2023-02-30"


def test_unquoted_real_dates_are_text_where_text_is_expected(tmp_path: Path) -> None:
    path = tmp_path / "demo.yml"
    path.write_text('name: 2023-02-28\npython: "3.8"\ndescription: 2023-02-28\n', encoding="utf-8")
    recipe = load_recipe(path)
    assert (recipe.name, recipe.description) == ("2023-02-28", "2023-02-28")


def test_environment_yml_with_a_non_date_name_reads_it_as_text(tmp_path: Path) -> None:
    path = tmp_path / "environment.yml"
    path.write_text(
        "name: 2023-02-30\nchannels: [conda-forge]\ndependencies:\n  - numpy\n", encoding="utf-8"
    )
    recipe = load_recipe(path)
    assert recipe.name == "2023-02-30"
    assert recipe.dependencies == ("numpy",)


def test_environment_yml_syntax_error_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "environment.yml"
    path.write_text(
        "name: e\nchannels:\n  - conda-forge\ndependencies:\n  - numpy\n - scipy\n",
        encoding="utf-8",
    )
    with pytest.raises(BadInputError) as raised:
        load_recipe(path)
    assert str(raised.value) == (
        f"{path}:6: not valid YAML: a list item `- ...` is indented differently from the "
        "items above it"
    )


# ---------------------------------------------------------------- matchspecs through rattler


def test_validate_specs_lists_every_bad_spec_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "demo.yml"
    path.write_text(
        BASE + "dependencies:\n  - numpy >>1.2\n  - pandas\n  - scipy==\n" + 'pins: ["torch=.1"]\n',
        encoding="utf-8",
    )
    recipe = load_recipe(path)  # the light check at load time lets these through
    with pytest.raises(BadInputError) as raised:
        validate_specs(recipe)
    assert raised.value.where == f"{path}:4"
    assert raised.value.exit_code == 2
    assert raised.value.message == (
        '3 specs are not conda matchspecs: line 4 dependencies[0] "numpy >>1.2" (unable to '
        'parse version spec: >>1.2); line 6 dependencies[2] "scipy==" (unable to parse '
        'version spec: ==); line 7 pins[0] "torch=.1" (unable to parse version spec: =.1). '
        "Write name, then optionally a version and a build, e.g. numpy <1.24 or "
        "numpy=1.23.5=py38h14f4228_0"
    )


def test_validate_specs_reads_specs_as_the_solver_does(tmp_path: Path) -> None:
    path = tmp_path / "demo.yml"
    path.write_text(
        BASE + "dependencies:\n  - pytorch 1.13.* *cuda11.7*\n  - pytorch::pytorch-cuda=11.7\n"
        "  - numpy[build=py38*]\npins: [numpy=1.23.5=py38h14f4228_0]\n",
        encoding="utf-8",
    )
    recipe = load_recipe(path)
    validate_specs(recipe)  # no error: the checker and the solver's parser agree
    assert recipe.dependencies == (
        "pytorch 1.13.* *cuda11.7*",
        "pytorch::pytorch-cuda=11.7",
        "numpy[build=py38*]",
    )
    assert recipe.pins == ("numpy=1.23.5=py38h14f4228_0",)
    assert spec_problems([*recipe.dependencies, *recipe.pins]) == {}
    m3net = load_recipe(REPO / "recipes" / "m3net.yml")
    validate_specs(m3net)
    assert m3net.dependencies
    assert spec_problems([*m3net.dependencies, *m3net.pins]) == {}


def test_loading_a_recipe_does_not_import_rattler(tmp_path: Path) -> None:
    import subprocess
    import sys

    code = (
        "import sys; from envlock.recipe.reader import load_recipe; "
        f"load_recipe({str(REPO / 'recipes' / 'm3net.yml')!r}); "
        "print('rattler' in sys.modules)"
    )
    ran = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert ran.stdout.strip() == "False"


def test_one_date_reader_for_recipe_and_option() -> None:
    from envlock.commands.resolve import parse_when
    from envlock.dates import NoTimeZoneError, parse_cutoff

    utc = dt.timezone.utc
    assert parse_cutoff("2023-03-01") == dt.datetime(2023, 3, 1, tzinfo=utc)
    assert parse_cutoff(" 2023-03-01T12:00:00Z ") == dt.datetime(2023, 3, 1, 12, tzinfo=utc)
    assert parse_cutoff("2023-03-01T14:00:00+02:00") == dt.datetime(2023, 3, 1, 12, tzinfo=utc)
    with pytest.raises(NoTimeZoneError):
        parse_cutoff("2023-03-01T12:00:00")
    with pytest.raises(ValueError, match="Invalid isoformat"):
        parse_cutoff("yesterday")
    assert parse_when("2023-03-01T12:00:00Z") == parse_cutoff("2023-03-01T12:00:00Z")
    with pytest.raises(BadInputError, match="has no time zone"):
        parse_when("2023-03-01T12:00:00")
