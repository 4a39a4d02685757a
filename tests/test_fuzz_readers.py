"""Every reader of user input, fuzzed: any text either reads or raises envlock's own error.

Hypothesis feeds each reader (recipe, environment.yml, conda-lock.yml and its metadata
head, @EXPLICIT, export, `conda list`, pip freeze, a prefix's conda-meta record and
dist-info METADATA, `--channel-alias`) three kinds of input: valid documents cut and
spliced with the fragments that broke readers before (YAML anchors and aliases, tags,
brackets, bracketed hosts, bad ports, `--editable=`, long runs), arbitrary text, and
arbitrary bytes; each written plain, with a byte-order mark, or with CRLF line ends. A
failure is any exception that is not an `EnvlockError`, or an error message longer than
2 kB (an error quotes at most an excerpt of the input).

The examples are the same on every run (the `ci` profile in conftest.py) and the whole
module takes seconds; `HYPOTHESIS_PROFILE=explore` draws fresh, and more, inputs.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from envlock.errors import EnvlockError

MESSAGE_LIMIT = 2000


def _examples(count: int) -> int:
    """`count` examples under the `ci` profile (100 a test by default), scaled with the
    profile's own figure (`explore`: 20 times as many)."""
    return max(1, count * settings().max_examples // 100)


SLOW = (HealthCheck.too_slow, HealthCheck.data_too_large)

# What broke readers before, or is where parsers differ: YAML structure and indicators,
# anchors, aliases and tags, URLs with bracketed hosts and bad ports, pip options.
FRAGMENTS = (
    "\n", "\r\n", "\n  ", "\n- ", ": ", "- ", "  - ", "[", "]", "{", "}", ",", "#", "'", '"',
    "&a ", "*a", "&b [*a, *a, *a]", "<<: *a", "!!int ", "!!timestamp ", "!!python/object ",
    "---\n", "...\n", "%YAML 1.1\n", "|\n  ", ">\n  ", "? ", "\t", "\x00", "\ufeff", "\x85",
    "=", "==", "::", "=1.0=py_0", " 1.0 py_0", ">=1,<2", "*", "@", " @ ", ";", "[md5=",
    "http://[x/", "http://h:99999/", "http://h:abc/", "https://u:p@h/t/tok/", "file:///",
    "https://conda.anaconda.org/conda-forge/linux-64/numpy-1.23.5-py38h14f4228_0.conda",
    "#0123456789abcdef0123456789abcdef", "#sha256:" + "ab" * 32, "@EXPLICIT\n",
    "# platform: linux-64\n", "-e ", "--editable=", "--editable ", "-f ", "--index-url ",
    "git+https://github.com/x/y.git@v1#egg=y", "name", "version", "build", "dependencies",
    "package", "metadata", "platforms", "channels", "pip", "stack", "python", "envlock",
    "3.10", "1e5", "0o17", "yes", "null", "~", "2023-02-30", "x" * 300,
)  # fmt: skip

# What a URL's host part may be made of: `://` is replaced by one of these.
HOSTS = (
    "://[x/", "://[::1/", "://h]/", "://h:99999/", "://h:abc/", "://h:0/", "://u:p@[x/",
    "://:80/", "://", ":///", "://h:-1/", "://\u00e9/", "://h/t/", "://u:p@h/t/tok/",
)  # fmt: skip


def _mutated(seed: str) -> st.SearchStrategy[str]:
    """`seed` with up to 6 edits, each one of: a fragment or random text put in at a
    position (a stretch of the seed cut out there or not), one of the seed's words
    replaced everywhere, a whole line replaced, or every URL given a hostile host."""
    piece = st.sampled_from(FRAGMENTS) | st.text(max_size=12)
    words = sorted(set(seed.split())) or [""]
    lines = seed.splitlines() or [""]
    edit = st.one_of(
        st.tuples(st.just("splice"), st.integers(0, len(seed)), st.integers(0, 40), piece),
        st.tuples(st.just("word"), st.sampled_from(words), st.just(0), piece),
        st.tuples(st.just("line"), st.integers(0, len(lines) - 1), st.just(0), piece),
        st.tuples(st.just("word"), st.just("://"), st.just(0), st.sampled_from(HOSTS)),
    )

    def apply(edits: list[tuple[str, int, int, str] | tuple[str, str, int, str]]) -> str:
        text = seed
        for kind, where, cut, insert in edits:
            if kind == "word" and isinstance(where, str) and where:
                text = text.replace(where, insert)
            elif kind == "line" and isinstance(where, int):
                rows = text.split("\n")
                rows[min(where, len(rows) - 1)] = insert
                text = "\n".join(rows)
            elif isinstance(where, int):
                at = min(where, len(text))
                text = text[:at] + insert + text[at + (cut if cut % 3 == 0 else 0) :]
        return text

    return st.lists(edit, max_size=6).map(apply)


def _inputs(*seeds: str) -> st.SearchStrategy[bytes]:
    """Bytes for a reader: mutated seeds, fragments strung together, any text or bytes;
    text is written as UTF-8, plain, with a byte-order mark or with CRLF line ends."""
    text = st.one_of(
        st.sampled_from(seeds).flatmap(_mutated),
        st.lists(st.sampled_from(FRAGMENTS) | st.text(max_size=8), max_size=30).map("".join),
        st.text(max_size=300),
    )
    written = st.tuples(text, st.sampled_from(("plain", "bom", "crlf"))).map(_encode)
    return st.one_of(written, written, written, st.binary(max_size=300))


def _encode(drawn: tuple[str, str]) -> bytes:
    text, form = drawn
    if form == "crlf":
        text = text.replace("\r\n", "\n").replace("\n", "\r\n")
    data = text.encode("utf-8", errors="surrogatepass")
    return b"\xef\xbb\xbf" + data if form == "bom" else data


@pytest.fixture(scope="module")
def scratch() -> Iterator[Path]:
    """One folder per module for the fuzzed files (hypothesis calls a test many times)."""
    with tempfile.TemporaryDirectory(prefix="envlock-fuzz-") as folder:
        yield Path(folder)


def _holds(read: Callable[[], object]) -> None:
    """The property: `read()` returns, or raises an EnvlockError with a short message."""
    try:
        read()
    except EnvlockError as error:
        assert len(str(error)) < MESSAGE_LIMIT, str(error)[:300]


RECIPE = """\
envlock: 1
name: m3net
platforms: [linux-64, osx-64]
python: "3.8"
stack:
  pytorch: "1.13"
  cuda: "11.7"
  pyg: true
channels: [conda-forge, "https://mirror.example/t/tk/extra"]
dependencies: [numpy <1.24, networkx]
pins: [numpy=1.23.5=py38h14f4228_0]
pip: [timm==0.4.12, --find-links https://data.pyg.org/whl/torch-1.13.0+cu117.html]
exclude_newer: 2023-03-01
"""

ENVIRONMENT = """\
name: paper
channels:
  - pytorch
  - conda-forge
dependencies:
  - python=3.8
  - pytorch=1.13.1  # [linux]
  - numpy>=1.20
  - pip
  - pip:
    - --extra-index-url https://download.pytorch.org/whl/cu117
    - timm==0.4.12
"""


@settings(max_examples=_examples(150), suppress_health_check=SLOW)
@given(data=_inputs(RECIPE))
def test_recipe_reader(scratch: Path, data: bytes) -> None:
    from envlock.recipe.reader import load_recipe, validate_specs
    from envlock.stacks.expand import expand

    path = scratch / "recipe.yml"
    path.write_bytes(data)

    def read() -> None:
        recipe = load_recipe(path)
        validate_specs(recipe)
        for platform in recipe.platforms:
            expand(recipe, platform)

    _holds(read)


@settings(max_examples=_examples(40), suppress_health_check=SLOW)
@given(data=_inputs(ENVIRONMENT))
def test_environment_yml_reader(scratch: Path, data: bytes) -> None:
    """environment.yml goes through conda-lock's own parser: fewer examples, each ~50 ms."""
    from envlock.recipe.reader import load_recipe

    path = scratch / "environment.yml"
    path.write_bytes(data)
    _holds(lambda: load_recipe(path))


LOCK = """\
version: 1
metadata:
  content_hash:
    linux-64: 0123abcd
  channels:
  - url: conda-forge
    used_env_vars: []
  - url: https://${TOKEN}@mirror.example/pytorch
    used_env_vars: [TOKEN]
  platforms:
  - linux-64
  sources:
  - recipe.yml
  custom_metadata:
    envlock-inputs-linux-64: '{"specs": ["numpy"]}'
package:
- name: numpy
  version: 1.23.5
  manager: conda
  platform: linux-64
  dependencies:
    python: '>=3.8,<3.9.0a0'
  url: https://conda.anaconda.org/conda-forge/linux-64/numpy-1.23.5-py38h14f4228_0.conda
  hash:
    md5: 0123456789abcdef0123456789abcdef
    sha256: abababababababababababababababababababababababababababababababab
  category: main
  optional: false
- name: timm
  version: 0.4.12
  manager: pip
  platform: linux-64
  dependencies: {}
  url: https://files.pythonhosted.org/packages/xx/timm-0.4.12-py3-none-any.whl
  hash:
    sha256: abababababababababababababababababababababababababababababababab
"""


@settings(max_examples=_examples(150), suppress_health_check=SLOW)
@given(data=_inputs(LOCK))
def test_conda_lock_reader(scratch: Path, data: bytes) -> None:
    from envlock.lock.condalock import read_lock
    from envlock.lock.freshness import read_lock_head

    path = scratch / "conda-lock.yml"
    path.write_bytes(data)
    _holds(lambda: read_lock(path))
    _holds(lambda: read_lock_head(path))


EXPLICIT = """\
# Generated by envlock (conda-lock's explicit format).
# platform: linux-64
# input_hash: 0123abcd
@EXPLICIT
https://conda.anaconda.org/conda-forge/linux-64/python-3.8.16-h4a9ceb5_0.conda#0123456789abcdef0123456789abcdef
https://conda.anaconda.org/pytorch/noarch/pytorch-mutex-1.0-cuda.tar.bz2#sha256:abababababababababababababababababababababababababababababababab
"""


@settings(max_examples=_examples(150), suppress_health_check=SLOW)
@given(data=_inputs(EXPLICIT))
def test_explicit_reader(scratch: Path, data: bytes) -> None:
    from envlock.lock.explicit import read_explicit

    path = scratch / "linux-64.lock"
    path.write_bytes(data)
    _holds(lambda: read_explicit(path))


EXPORT = """\
name: m3net
channels:
  - pytorch
  - conda-forge
dependencies:
  - _libgcc_mutex=0.1=conda_forge
  - pytorch::pytorch=1.13.1=py3.8_cuda11.7_cudnn8.5.0_0
  - conda-forge/linux-64::numpy==1.23.5=py38h14f4228_0[md5=0123456789abcdef0123456789abcdef]
  - pip:
    - torch-scatter==2.1.1+pt113cu117
    - -e git+https://github.com/x/y.git@v1#egg=y
prefix: /home/me/miniconda3/envs/m3net
"""
CONDA_LIST = """\
# packages in environment at /home/me/miniconda3/envs/m3net:
#
# Name                    Version                   Build  Channel
_libgcc_mutex             0.1                 conda_forge    conda-forge
numpy                     1.23.5           py38h14f4228_0
torch-scatter             2.1.1+pt113cu117          pypi_0    pypi
"""
PIP_FREEZE = """\
# comment
--extra-index-url https://download.pytorch.org/whl/cu117
torch==1.13.1+cu117
torch-geometric @ https://data.pyg.org/whl/torch_geometric-2.3.0-py3-none-any.whl
-e git+https://github.com/x/y.git@v1#egg=y
flash_attn @ file:///tmp/flash_attn-2.3.6.tar.gz
numpy>=1.20; python_version > "3.7"
"""


@settings(max_examples=_examples(300), suppress_health_check=SLOW)
@given(data=_inputs(EXPORT, CONDA_LIST, PIP_FREEZE, LOCK, EXPLICIT))
def test_snapshot_reader(scratch: Path, data: bytes) -> None:
    """`diff`'s reader: the kind is detected from the content, then read (export,
    micromamba export, environment.yml specs, conda list, pip freeze, lock, explicit)."""
    from envlock.snapshot import read_snapshot

    path = scratch / "snapshot.txt"
    path.write_bytes(data)
    _holds(lambda: read_snapshot(path, platform="linux-64"))


RECORD = """\
{"name": "numpy", "version": "1.23.5", "build": "py38h14f4228_0", "build_number": 0,
 "channel": "https://conda.anaconda.org/conda-forge/linux-64", "subdir": "linux-64",
 "url": "https://conda.anaconda.org/conda-forge/linux-64/numpy-1.23.5-py38h14f4228_0.conda",
 "md5": "0123456789abcdef0123456789abcdef", "depends": ["python >=3.8,<3.9.0a0"],
 "files": ["lib/python3.8/site-packages/numpy-1.23.5.dist-info/METADATA"]}
"""
METADATA = "Metadata-Version: 2.1\nName: timm\nVersion: 0.4.12\n\nA long description\n"
JSON_FRAGMENTS = ("{", "}", "[", "]", ",", ":", '"', '\\"', "[[[[[[[[", "null", "1e999")


@settings(max_examples=_examples(150), suppress_health_check=SLOW)
@given(
    record=_inputs(RECORD, *JSON_FRAGMENTS),
    metadata=_inputs(METADATA),
)
def test_prefix_reader(scratch: Path, record: bytes, metadata: bytes) -> None:
    """A prefix: one conda-meta record and one pip dist-info, both fuzzed."""
    from envlock.snapshot import read_snapshot

    prefix = scratch / "prefix"
    (prefix / "conda-meta").mkdir(parents=True, exist_ok=True)
    info = prefix / "lib" / "python3.8" / "site-packages" / "timm-0.4.12.dist-info"
    info.mkdir(parents=True, exist_ok=True)
    (prefix / "conda-meta" / "numpy-1.23.5-py38h14f4228_0.json").write_bytes(record)
    (info / "METADATA").write_bytes(metadata)
    _holds(lambda: read_snapshot(prefix))


@settings(max_examples=_examples(300), suppress_health_check=SLOW)
@given(
    alias=st.one_of(
        st.sampled_from(("https://conda.anaconda.org", "file:///srv/mirror")).flatmap(_mutated),
        st.lists(st.sampled_from(FRAGMENTS) | st.text(max_size=8), max_size=8).map("".join),
    )
)
def test_channel_alias(alias: str) -> None:
    """`--channel-alias`: refused as bad input, or accepted and then a URL rattler parses
    (an accepted alias that rattler refuses is the InvalidChannelError traceback)."""
    from rattler import Channel

    from envlock.net.channels import channel_url, check_channel_alias

    try:
        check_channel_alias(alias)
    except EnvlockError as error:
        assert len(str(error)) < MESSAGE_LIMIT
        return
    Channel(channel_url("conda-forge", alias))
