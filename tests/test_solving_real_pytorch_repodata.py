"""engine.solve against the REAL pytorch channel repodata (corpus tier) plus stub records.

The corpus file is the pytorch channel for linux-64 as published (2,181 records). It is
not self-contained: pytorch-mutex, python, mkl and the nvidia cuda-* packages live in
other channels, so a tiny stub channel supplies exactly those, with real names and
versions. The solver, the strict channel priority, virtual packages, exclude_newer and
the error mapping are rattler's own, as in production.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import shutil
from pathlib import Path

import pytest

from envlock.errors import AnswerIsNoError, BadInputError
from envlock.models import CudaIntent, SpecSet, VirtualPackage
from envlock.resolve.solver import solve_platforms

REPODATA = "repodata/conda__rattler__test-data__channels__pytorch__linux-64__repodata.json"
LINUX_CUDA = (
    VirtualPackage(name="__unix", version="0"),
    VirtualPackage(name="__linux", version="5.10"),
    VirtualPackage(name="__glibc", version="2.17"),
    VirtualPackage(name="__cuda", version="11.7"),
)
Row = tuple[str, str, str, tuple[str, ...]]
STUB_LINUX: list[Row] = [
    ("python", "3.8.16", "h7a1cb2a_2", ()),
    ("mkl", "2022.1.0", "hc2b9512_224", ()),
    ("blas", "1.0", "mkl", ()),
    *[
        (n, "11.7.99", "0", ())
        for n in ("cuda-cudart", "cuda-cupti", "cuda-libraries", "cuda-nvrtc", "cuda-nvtx")
    ],
    ("cuda-runtime", "11.7.1", "0", ()),
    ("libcublas", "11.10.3.66", "0", ()),
    ("libcufft", "10.7.2.124", "0", ()),
    ("libcusolver", "11.4.0.1", "0", ()),
    ("libcusparse", "11.7.4.91", "0", ()),
    ("libnpp", "11.7.4.75", "0", ()),
    ("libnvjpeg", "11.8.0.2", "0", ()),
]
STUB_NOARCH: list[Row] = [
    ("pytorch-mutex", "1.0", "cuda", ()),
    ("pytorch-mutex", "1.0", "cpu", ()),
    ("typing_extensions", "4.4.0", "pyha770c72_0", ("python >=3.7",)),
]


def _write_channel(
    root: Path, subdirs: dict[str, list[tuple[str, str, str, tuple[str, ...]]]]
) -> None:
    for subdir, rows in subdirs.items():
        packages = {}
        for name, version, build, depends in rows:
            packages[f"{name}-{version}-{build}.tar.bz2"] = {
                "name": name, "version": version, "build": build, "build_number": 0,
                "depends": list(depends), "subdir": subdir, "timestamp": 1_660_000_000_000,
                "md5": "0" * 32, "sha256": "1" * 64, "size": 1,
                **({"noarch": "generic"} if subdir == "noarch" else {}),
            }  # fmt: skip
        (root / subdir).mkdir(parents=True, exist_ok=True)
        (root / subdir / "repodata.json").write_text(
            json.dumps({"info": {"subdir": subdir}, "packages": packages, "packages.conda": {}})
        )


@pytest.fixture(scope="module")
def corpus_alias(corpus: Path, tmp_path_factory: pytest.TempPathFactory) -> str:
    """A channel alias with `pytorch` (the real repodata) and `stub` (what it lacks)."""
    root = tmp_path_factory.mktemp("corpus-channels")
    (root / "pytorch" / "linux-64").mkdir(parents=True)
    shutil.copy(corpus / REPODATA, root / "pytorch" / "linux-64" / "repodata.json")
    _write_channel(root / "pytorch", {"noarch": []})
    _write_channel(root / "stub", {"linux-64": STUB_LINUX, "noarch": STUB_NOARCH})
    return root.as_uri()


def _request(*specs: str, **changes: object) -> SpecSet:
    base = SpecSet(
        platform="linux-64",
        specs=specs,
        channels=("pytorch", "stub"),
        virtual_packages=LINUX_CUDA,
        intent=CudaIntent(cuda="11.7", runtime="pytorch-cuda"),
    )
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]  # test-only overrides


@pytest.mark.corpus
def test_real_pytorch_repodata_solves_to_the_cuda_build(corpus_alias: str, tmp_path: Path) -> None:
    specset = _request("pytorch 1.13.* *cuda11.7*", "python 3.8.*", "pytorch-cuda 11.7.*")
    solved = solve_platforms([specset], channel_alias=corpus_alias, cache_dir=tmp_path)
    by_name = {p.name: p for p in solved["linux-64"].packages}
    torch = by_name["pytorch"]
    assert (torch.version, torch.build) == ("1.13.1", "py3.8_cuda11.7_cudnn8.5.0_0")
    assert torch.channel == "pytorch"
    assert torch.md5 == "94f8180422851c069b7894c6ac92e906"  # the published record's hash
    assert torch.url == f"{corpus_alias}/pytorch/linux-64/{torch.filename}"
    assert torch.depends[-2:] == ("pytorch-mutex 1.0 cuda", "typing_extensions")
    assert torch.timestamp_ms == 1670533472040
    assert by_name["pytorch-cuda"].version == "11.7"
    assert by_name["pytorch-mutex"].build == "cuda"
    assert by_name["pytorch-mutex"].channel == "stub"
    assert [p.name for p in solved["linux-64"].packages] == sorted(by_name)

    from envlock.resolve import guard

    assert guard.violations(specset, solved["linux-64"].packages) == []


@pytest.mark.corpus
def test_exclude_newer_on_real_dates(corpus_alias: str, tmp_path: Path) -> None:
    # pytorch-cuda 11.7 build 3 was published 2023-02-08, build 5 on 2023-04-26.
    specs = ("pytorch 1.13.* *cuda11.7*", "python 3.8.*", "pytorch-cuda 11.7.*")
    cutoff = dt.datetime(2023, 3, 1, tzinfo=dt.timezone.utc)
    solved = solve_platforms(
        [_request(*specs, exclude_newer=cutoff)], channel_alias=corpus_alias, cache_dir=tmp_path
    )
    runtime = next(p for p in solved["linux-64"].packages if p.name == "pytorch-cuda")
    assert runtime.build == "h778d358_3"
    latest = solve_platforms([_request(*specs)], channel_alias=corpus_alias, cache_dir=tmp_path)
    assert next(p for p in latest["linux-64"].packages if p.name == "pytorch-cuda").build == (
        "h778d358_5"
    )


@pytest.mark.corpus
def test_exclude_newer_with_a_time_zone_is_converted_not_relabelled(
    corpus_alias: str, tmp_path: Path
) -> None:
    cutoff = dt.datetime(2022, 12, 1, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    specset = _request("pytorch 1.13.* *cuda11.7*", "python 3.8.*", exclude_newer=cutoff)
    with pytest.raises(AnswerIsNoError) as caught:
        solve_platforms([specset], channel_alias=corpus_alias, cache_dir=tmp_path)
    # no pytorch-cuda 11.7 existed yet on 2022-12-01, which the message says in UTC
    assert "after the cutoff date of 2022-11-30 22:00:00" in str(caught.value)


@pytest.mark.corpus
def test_unsatisfiable_says_what_the_real_channel_offers(corpus_alias: str, tmp_path: Path) -> None:
    specset = _request("pytorch 1.5.* *cuda11.7*", "python 3.8.*")
    with pytest.raises(AnswerIsNoError) as caught:
        solve_platforms([specset], channel_alias=corpus_alias, cache_dir=tmp_path)
    message = str(caught.value)
    assert message.startswith(
        "no set of packages satisfies the request for linux-64 "
        "(channels pytorch, stub, priority strict):\n"
        "No candidates were found for pytorch 1.5.* *cuda11.7*."
    )
    assert "the channels offer pytorch 2.1.0, 2.0.1, 2.0.0, 1.13.1, 1.13.0, 1.12.1" in message
    assert "\n  pytorch 1.5.1: cuda 9.2, 10.1, 10.2, cpu; python 3.5, 3.6, 3.7, 3.8\n" in message


@pytest.mark.corpus
def test_invalid_matchspec_is_bad_input(corpus_alias: str, tmp_path: Path) -> None:
    with pytest.raises(BadInputError, match="is not a valid conda matchspec"):
        solve_platforms([_request("pytorch >=>1")], channel_alias=corpus_alias, cache_dir=tmp_path)
