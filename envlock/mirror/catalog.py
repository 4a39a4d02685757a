"""The demo mirror's catalog: real-world package records, as data.

Every record names a package that exists on the real channel (name, version, build string,
depends and publication time are taken from, or modelled on, the published repodata of
the pytorch, nvidia, pyg and conda-forge channels). Dependency trees are trimmed where
they run deep (ffmpeg, pillow, matplotlib-base): the names stay real, the leaves are fewer.

Records are frozen: filter them or swap one with `dataclasses.replace` to build a custom
mirror (`build_mirror(dest, records=...)`), e.g. one where pytorch has only CPU builds.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

CHANNELS: tuple[str, ...] = ("pytorch", "nvidia", "pyg", "conda-forge")
SUBDIRS: tuple[str, ...] = ("linux-64", "osx-64", "win-64", "noarch")
FORMATS: tuple[str, ...] = (".tar.bz2", ".conda")

# The build number is the last all-digit `_`-separated field: `py3.8_cpu_0` → 0,
# `he550d4f_1_cpython` → 1, `16_linux64_mkl` → 16, `py38_cu117` → 0.
_BUILD_NUMBER = re.compile(r"(?:^|_)(\d+)(?=_|$)")


@dataclass(frozen=True, kw_only=True, slots=True)
class CatalogRecord:
    """One package of the demo mirror: what goes into its `info/index.json`.

    `timestamp` is the real publication time in milliseconds since the epoch; `fmt` is
    the archive format (`.tar.bz2` or `.conda`); `noarch` is "python", "generic" or None.
    """

    channel: str
    subdir: str
    name: str
    version: str
    build: str
    build_number: int
    timestamp: int
    depends: tuple[str, ...] = ()
    constrains: tuple[str, ...] = ()
    noarch: str | None = None
    fmt: str = ".tar.bz2"
    license: str = ""
    track_features: str = ""

    @property
    def stem(self) -> str:
        """`name-version-build`, the archive name without its extension."""
        return f"{self.name}-{self.version}-{self.build}"

    @property
    def filename(self) -> str:
        """The archive file name as it appears in repodata.json."""
        return self.stem + self.fmt

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (lists for tuples), keys in a fixed order."""
        return {
            "channel": self.channel,
            "subdir": self.subdir,
            "name": self.name,
            "version": self.version,
            "build": self.build,
            "build_number": self.build_number,
            "timestamp": self.timestamp,
            "depends": list(self.depends),
            "constrains": list(self.constrains),
            "noarch": self.noarch,
            "fmt": self.fmt,
            "license": self.license,
            "track_features": self.track_features,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CatalogRecord:
        """The inverse of `to_dict`."""
        return cls(
            channel=str(data["channel"]),
            subdir=str(data["subdir"]),
            name=str(data["name"]),
            version=str(data["version"]),
            build=str(data["build"]),
            build_number=int(data["build_number"]),
            timestamp=int(data["timestamp"]),
            depends=tuple(str(d) for d in data.get("depends", ())),
            constrains=tuple(str(d) for d in data.get("constrains", ())),
            noarch=None if data.get("noarch") is None else str(data["noarch"]),
            fmt=str(data.get("fmt", ".tar.bz2")),
            license=str(data.get("license", "")),
            track_features=str(data.get("track_features", "")),
        )


def catalog_sha256(records: Iterable[CatalogRecord], *, salt: str = "") -> str:
    """A hash of the records (order-independent) and `salt` (the archive layout version)."""
    rows = sorted(json.dumps(r.to_dict(), sort_keys=True) for r in records)
    digest = hashlib.sha256(salt.encode())
    for row in rows:
        digest.update(row.encode() + b"\n")
    return digest.hexdigest()


def _rec(  # noqa: PLR0917 - positional fields keep the tables below one line per record
    channel: str,
    subdir: str,
    name: str,
    version: str,
    build: str,
    timestamp: int,
    depends: Iterable[str] = (),
    *,
    constrains: Iterable[str] = (),
    noarch: str | None = None,
    fmt: str | None = None,
    license: str = "",
    track_features: str = "",
) -> CatalogRecord:
    numbers = _BUILD_NUMBER.findall(build)
    return CatalogRecord(
        channel=channel,
        subdir=subdir,
        name=name,
        version=version,
        build=build,
        build_number=int(numbers[-1]) if numbers else 0,
        timestamp=timestamp,
        depends=tuple(depends),
        constrains=tuple(constrains),
        noarch=noarch,
        fmt=fmt or (".conda" if channel == "conda-forge" else ".tar.bz2"),
        license=license,
        track_features=track_features,
    )


# ---------------------------------------------------------------------------------------
# Shared facts
# ---------------------------------------------------------------------------------------
PYTHONS: tuple[str, ...] = ("3.8", "3.9", "3.10")
PLATFORMS: tuple[str, ...] = ("linux-64", "osx-64", "win-64")
CUDA_PLATFORMS: tuple[str, ...] = ("linux-64", "win-64")


def _py_pin(py: str) -> str:
    major, minor = py.split(".")
    return f"python >={py},<{major}.{int(minor) + 1}.0a0"


def _py_abi(py: str) -> str:
    return f"python_abi {py}.* *_cp{py.replace('.', '')}"


# published hashes beyond linux-64/python 3.8
_KNOWN_HASHES: dict[tuple[str, ...], str] = {
    ("numpy", "1.23.5", "linux-64", "3.9"): "h3d75532",
    ("numpy", "1.23.5", "linux-64", "3.10"): "h53a5b5f",
}


def _hash(real: str, *key: str) -> str:
    """The real build hash for linux-64/python 3.8, a stable made-up one elsewhere.

    conda-build hashes the variant into the build string, so it differs per platform and
    python; the stand-in keeps that property without claiming to be the published hash.
    """
    if key[-2:] == ("linux-64", "3.8"):
        return real
    if key in _KNOWN_HASHES:
        return _KNOWN_HASHES[key]
    return "h" + hashlib.sha256("/".join(key).encode()).hexdigest()[:7]


def _cp(py: str) -> str:
    return py.replace(".", "")


# ---------------------------------------------------------------------------------------
# pytorch channel (.tar.bz2, as on the real channel)
# ---------------------------------------------------------------------------------------
# torch version -> (python versions built here, {subdir: [(variant, build tag, runtime dep)]},
#                   timestamp, extra depends)
_TORCH_EXTRA_20 = ("filelock", "jinja2", "networkx", "sympy")
_TORCH: tuple[tuple[str, tuple[str, ...], int, tuple[str, ...]], ...] = (
    ("1.12.1", ("3.8", "3.10"), 1659486383471, ()),
    ("1.13.0", PYTHONS, 1666644799902, ()),
    ("1.13.1", PYTHONS, 1670527355422, ()),
    ("2.0.1", ("3.8", "3.10"), 1682344816786, _TORCH_EXTRA_20),
)
# (torch version, platform) -> list of (cuda version, linux build tag / windows build tag)
_TORCH_CUDA: dict[str, tuple[tuple[str, str, str], ...]] = {
    # cuda, linux build middle, windows build middle
    "1.12.1": (("11.3", "cuda11.3_cudnn8.3.2", "cuda11.3_cudnn8"),
               ("11.6", "cuda11.6_cudnn8.3.2", "cuda11.6_cudnn8")),
    "1.13.0": (("11.6", "cuda11.6_cudnn8.3.2", "cuda11.6_cudnn8"),
               ("11.7", "cuda11.7_cudnn8.5.0", "cuda11.7_cudnn8")),
    "1.13.1": (("11.6", "cuda11.6_cudnn8.3.2", "cuda11.6_cudnn8"),
               ("11.7", "cuda11.7_cudnn8.5.0", "cuda11.7_cudnn8")),
    "2.0.1": (("11.7", "cuda11.7_cudnn8.5.0", "cuda11.7_cudnn8"),
              ("11.8", "cuda11.8_cudnn8.7.0", "cuda11.8_cudnn8")),
}  # fmt: skip
# companions: torch version -> (torchvision, torchaudio, vision ts, audio ts)
_COMPANIONS: dict[str, tuple[str, str, int, int]] = {
    "1.12.1": ("0.13.1", "0.12.1", 1659533818573, 1659538470153),
    "1.13.0": ("0.14.0", "0.13.0", 1666707824863, 1666706136352),
    "1.13.1": ("0.14.1", "0.13.1", 1670554414428, 1670638568753),
    "2.0.1": ("0.15.2", "2.0.2", 1682361351495, 1683240679378),
}


def _cuda_runtime_dep(torch: str, cuda: str) -> str:
    major, minor = cuda.split(".")
    upper = f"{major}.{int(minor) + 1}"
    if torch.startswith("1.12"):
        return f"cudatoolkit >={cuda},<{upper}"
    return f"pytorch-cuda >={cuda},<{upper}"


def _companion_cuda_dep(torch: str, cuda: str) -> str:
    if torch.startswith("1.12"):
        major, minor = cuda.split(".")
        return f"cudatoolkit >={cuda},<{major}.{int(minor) + 1}"
    return f"pytorch-cuda {cuda}.*"


def _pytorch_channel() -> Iterator[CatalogRecord]:
    ch = "pytorch"
    yield _rec(
        ch,
        "noarch",
        "pytorch-mutex",
        "1.0",
        "cpu",
        1628104785000,
        noarch="generic",
        track_features="pytorch-mutex",
        license="BSD 3-Clause",
    )
    yield _rec(
        ch,
        "noarch",
        "pytorch-mutex",
        "1.0",
        "cuda",
        1628104773000,
        noarch="generic",
        license="BSD 3-Clause",
    )
    yield _rec(ch, "noarch", "cpuonly", "2.0", "0", 1633033815000, ("pytorch-mutex 1.0 cpu",),
               noarch="generic", license="BSD 3-Clause")  # fmt: skip
    yield from _pytorch_cuda(ch)
    yield _rec(ch, "linux-64", "ffmpeg", "4.3", "hf484d3e_0", 1596130242227,
               ("bzip2 >=1.0.8,<2.0a0", "libgcc-ng >=7.3.0", "libiconv", "libstdcxx-ng >=7.3.0",
                "zlib >=1.2.11,<1.3.0a0"), license="LGPL")  # fmt: skip
    for torch, pythons, ts, extra in _TORCH:
        for py in pythons:
            base = ("blas * mkl", "mkl >=2018", _py_pin(py), "typing_extensions", *extra)
            for subdir in PLATFORMS:
                cpu_build = "py" + py + ("_0" if subdir == "osx-64" else "_cpu_0")
                cpu_mutex = () if subdir == "osx-64" else ("pytorch-mutex 1.0 cpu",)
                yield _rec(ch, subdir, "pytorch", torch, cpu_build, ts,
                           sorted((*base, *cpu_mutex)), constrains=("cpuonly",),
                           license="BSD 3-Clause")  # fmt: skip
                yield from _companions(ch, subdir, torch, py, cuda=None)
                if subdir not in CUDA_PLATFORMS:
                    continue
                for n, (cuda, linux_tag, win_tag) in enumerate(_TORCH_CUDA[torch]):
                    tag = linux_tag if subdir == "linux-64" else win_tag
                    deps = [*base, _cuda_runtime_dep(torch, cuda), "pytorch-mutex 1.0 cuda"]
                    if torch.startswith("2.") and subdir == "linux-64":
                        deps.append("torchtriton 2.0.0")
                    # CUDA builds land a little after the CPU one, as on the real channel
                    yield _rec(ch, subdir, "pytorch", torch, f"py{py}_{tag}_0",
                               ts + 3_600_000 * (n + 1), sorted(deps),
                               constrains=("cpuonly <0",), license="BSD 3-Clause")  # fmt: skip
                    yield from _companions(ch, subdir, torch, py, cuda=cuda)
            if torch.startswith("2."):
                yield _rec(ch, "linux-64", "torchtriton", "2.0.0", f"py{_cp(py)}",
                           1677881561886, ("filelock", _py_pin(py), "pytorch"),
                           license="MIT")  # fmt: skip


def _companions(
    ch: str,
    subdir: str,
    torch: str,
    py: str,
    *,
    cuda: str | None,
) -> Iterator[CatalogRecord]:
    """torchvision and torchaudio builds matching one pytorch build."""
    vision, audio, vision_ts, audio_ts = _COMPANIONS[torch]
    tag = f"py{_cp(py)}_" + ("cpu" if cuda is None else "cu" + cuda.replace(".", ""))
    if cuda is None:
        variant: tuple[str, ...] = () if subdir == "osx-64" else ("pytorch-mutex 1.0 cpu",)
        constrains: tuple[str, ...] = ("cpuonly",)
        offset = 0
    else:
        variant = (_companion_cuda_dep(torch, cuda), "pytorch-mutex 1.0 cuda")
        constrains = ("cpuonly <0",)
        offset = 600_000 * (1 + int(cuda.replace(".", "")) % 7)
    common = (_py_pin(py), f"pytorch {torch}", *variant)
    vision_deps = ["jpeg", "libpng", "numpy >=1.11", "pillow >=5.3.0,!=8.3.*", "requests", *common]
    if subdir == "linux-64":
        vision_deps.append("ffmpeg >=4.2")
    yield _rec(ch, subdir, "torchvision", vision, tag, vision_ts + offset, sorted(vision_deps),
               constrains=constrains, license="BSD")  # fmt: skip
    yield _rec(ch, subdir, "torchaudio", audio, tag, audio_ts + offset,
               sorted(("numpy >=1.11", *common)), constrains=constrains,
               license="BSD")  # fmt: skip


# pytorch-cuda: version -> [(build hash linux, build hash windows, build number, timestamp)]
_PYTORCH_CUDA_BUILDS: dict[str, tuple[tuple[str, str, int, int], ...]] = {
    "11.6": (("h867d48c_0", "h867d48c_0", 0, 1666618515000),
             ("h867d48c_1", "h867d48c_1", 1, 1675888059000)),
    "11.7": (("h67b0de4_0", "h16d0643_0", 0, 1666618530000),
             ("h778d358_3", "h16d0643_3", 3, 1675888044059),
             ("h778d358_5", "h16d0643_5", 5, 1682528123948)),
    "11.8": (("h7e8668a_3", "h24eeafa_3", 3, 1675888034829),
             ("h7e8668a_5", "h24eeafa_5", 5, 1682528151734)),
}  # fmt: skip


def _pytorch_cuda(ch: str) -> Iterator[CatalogRecord]:
    for cuda, builds in _PYTORCH_CUDA_BUILDS.items():
        lib = NVIDIA_LIBS[cuda]
        nxt = _NEXT_LIBS[cuda]
        major, minor = cuda.split(".")
        upper = "12.0" if cuda == "11.8" else f"{major}.{int(minor) + 1}"
        deps = [f"{name} >={cuda},<{upper}" for name in _CUDA_META]
        deps += [f"{name} >={_PCUDA_LOWER[cuda][name]},<{nxt[name]}" for name in sorted(lib)]
        for linux_build, win_build, _, ts in builds:
            for subdir, build in (("linux-64", linux_build), ("win-64", win_build)):
                yield _rec(ch, subdir, "pytorch-cuda", cuda, build, ts, sorted(deps),
                           license="BSD 3-Clause")  # fmt: skip


# ---------------------------------------------------------------------------------------
# nvidia channel (.tar.bz2): the cuda-* runtime that pytorch-cuda pulls in
# ---------------------------------------------------------------------------------------
_CUDA_META = ("cuda-cudart", "cuda-cupti", "cuda-libraries", "cuda-nvrtc", "cuda-nvtx",
              "cuda-runtime")  # fmt: skip
# cuda version -> component versions (as published on the nvidia channel)
_CUDA_COMPONENTS: dict[str, dict[str, str]] = {
    "11.6": {"cuda-cudart": "11.6.55", "cuda-cupti": "11.6.124", "cuda-libraries": "11.6.2",
             "cuda-nvrtc": "11.6.124", "cuda-nvtx": "11.6.124", "cuda-runtime": "11.6.2"},
    "11.7": {"cuda-cudart": "11.7.99", "cuda-cupti": "11.7.101", "cuda-libraries": "11.7.1",
             "cuda-nvrtc": "11.7.99", "cuda-nvtx": "11.7.91", "cuda-runtime": "11.7.1"},
    "11.8": {"cuda-cudart": "11.8.89", "cuda-cupti": "11.8.87", "cuda-libraries": "11.8.0",
             "cuda-nvrtc": "11.8.89", "cuda-nvtx": "11.8.86", "cuda-runtime": "11.8.0"},
}  # fmt: skip
NVIDIA_LIBS: dict[str, dict[str, str]] = {
    "11.6": {"libcublas": "11.9.2.110", "libcufft": "10.7.1.112", "libcusolver": "11.3.4.124",
             "libcusparse": "11.7.2.124", "libnpp": "11.6.3.124", "libnvjpeg": "11.6.2.124"},
    "11.7": {"libcublas": "11.10.3.66", "libcufft": "10.7.2.124", "libcusolver": "11.4.0.1",
             "libcusparse": "11.7.4.91", "libnpp": "11.7.4.75", "libnvjpeg": "11.8.0.2"},
    "11.8": {"libcublas": "11.11.3.6", "libcufft": "10.9.0.58", "libcusolver": "11.4.1.48",
             "libcusparse": "11.7.5.86", "libnpp": "11.8.0.86", "libnvjpeg": "11.9.0.86"},
}  # fmt: skip
# The lower bounds pytorch-cuda puts on each library (real values for 11.7 and 11.8).
_PCUDA_LOWER: dict[str, dict[str, str]] = {
    "11.6": {"libcublas": "11.8.1.74", "libcufft": "10.7.0.55", "libcusolver": "11.3.2.55",
             "libcusparse": "11.7.1.55", "libnpp": "11.6.0.55", "libnvjpeg": "11.6.0.55"},
    "11.7": {"libcublas": "11.10.1.25", "libcufft": "10.7.2.50", "libcusolver": "11.3.5.50",
             "libcusparse": "11.7.3.50", "libnpp": "11.7.3.21", "libnvjpeg": "11.7.2.34"},
    "11.8": {"libcublas": "11.11.3.6", "libcufft": "10.9.0.58", "libcusolver": "11.4.1.48",
             "libcusparse": "11.7.5.86", "libnpp": "11.8.0.86", "libnvjpeg": "11.9.0.86"},
}  # fmt: skip
_NEXT_LIBS: dict[str, dict[str, str]] = {
    "11.6": _PCUDA_LOWER["11.7"],
    "11.7": _PCUDA_LOWER["11.8"],
    "11.8": {"libcublas": "12.0.1.189", "libcufft": "11.0.0.21", "libcusolver": "11.4.2.57",
             "libcusparse": "12.0.0.76", "libnpp": "12.0.0.30", "libnvjpeg": "12.0.0.28"},
}  # fmt: skip
_CUDA_TS = {"11.6": 1647994586000, "11.7": 1659569474000, "11.8": 1664829447000}


def _nvidia_channel() -> Iterator[CatalogRecord]:
    ch = "nvidia"
    for cuda, components in _CUDA_COMPONENTS.items():
        libs = NVIDIA_LIBS[cuda]
        ts = _CUDA_TS[cuda]
        for subdir in CUDA_PLATFORMS:
            for name, version in sorted({**components, **libs}.items()):
                deps: tuple[str, ...] = ()
                if name == "cuda-libraries":
                    deps = tuple(
                        f"{dep} >={ver}"
                        for dep, ver in sorted({**libs, **components}.items())
                        if dep in {"cuda-cudart", "cuda-nvrtc", *libs}
                    )
                elif name == "cuda-runtime":
                    deps = (f"cuda-libraries >={components['cuda-libraries']}",)
                yield _rec(ch, subdir, name, version, "0", ts, deps,
                           license="LicenseRef-NVIDIA-End-User-License-Agreement")  # fmt: skip


# ---------------------------------------------------------------------------------------
# pyg channel (.tar.bz2): one build per torch minor, serving every patch release of it
# ---------------------------------------------------------------------------------------
# (name, version, timestamp, torch build, pythons, variants per platform)
_PYG: tuple[tuple[str, str, int, str, tuple[str, ...], tuple[str, ...]], ...] = (
    ("pyg", "2.2.0", 1670012393000, "1.13.0", PYTHONS, ("cu116", "cu117")),
    ("pyg", "2.3.0", 1679592917000, "1.13.0", ("3.8",), ("cu116", "cu117")),
    ("pyg", "2.3.0", 1679594812000, "2.0.0", ("3.8", "3.10"), ("cu117", "cu118")),
    ("pytorch-scatter", "2.1.0", 1667212290000, "1.13.0", PYTHONS, ("cu116", "cu117")),
    ("pytorch-scatter", "2.1.1", 1679398416000, "2.0.0", ("3.8", "3.10"), ("cu117", "cu118")),
    ("pytorch-sparse", "0.6.16", 1671110163000, "1.13.0", PYTHONS, ("cu116", "cu117")),
    ("pytorch-sparse", "0.6.17", 1679479537000, "2.0.0", ("3.8", "3.10"), ("cu117", "cu118")),
)


def _pyg_channel() -> Iterator[CatalogRecord]:
    ch = "pyg"
    for name, version, ts, torch, pythons, cudas in _PYG:
        torch_minor = ".".join(torch.split(".")[:2])
        for py in pythons:
            common = [_py_pin(py), f"pytorch {torch_minor}.*"]
            if name == "pyg":
                common += ["jinja2", "numpy", "psutil >=5.8.0", "pyparsing", "requests", "tqdm"]
            elif name == "pytorch-sparse":
                common += ["pytorch-scatter"]
            for subdir in PLATFORMS:
                variants: list[tuple[str, tuple[str, ...]]] = [
                    ("cpu", () if subdir == "osx-64" else ("pytorch-mutex 1.0 cpu",))
                ]
                if subdir in CUDA_PLATFORMS:
                    variants += [
                        (tag, (f"pytorch-cuda {tag[2:4]}.{tag[4:]}.*", "pytorch-mutex 1.0 cuda"))
                        for tag in cudas
                    ]
                for n, (tag, variant_deps) in enumerate(variants):
                    build = f"py{_cp(py)}_torch_{torch}_{tag}"
                    yield _rec(ch, subdir, name, version, build, ts + 60_000 * n,
                               sorted((*common, *variant_deps)), license="MIT")  # fmt: skip


# ---------------------------------------------------------------------------------------
# conda-forge (.conda): python, numpy, blas/mkl, cudatoolkit, the libraries python needs
# ---------------------------------------------------------------------------------------
_WIN_RT = ("ucrt >=10.0.20348.0", "vc >=14.2,<15", "vc14_runtime >=14.29.30139")


def _native(subdir: str, cxx: bool = False) -> tuple[str, ...]:
    """The C/C++ runtime a compiled conda-forge package depends on."""
    if subdir == "linux-64":
        return ("libgcc-ng >=12", "libstdcxx-ng >=12") if cxx else ("libgcc-ng >=12",)
    if subdir == "osx-64":
        return ("libcxx >=14.0.6",) if cxx else ()
    return _WIN_RT


# (name, version, {subdir: build}, timestamp, depends, cxx, extra per-subdir depends)
_LEAVES: tuple[tuple[str, str, dict[str, str], int, tuple[str, ...], bool], ...] = (
    (
        "bzip2",
        "1.0.8",
        {"linux-64": "h7f98852_4", "osx-64": "h0d85af4_4", "win-64": "h8ffe710_4"},
        1606604745000,
        (),
        False,
    ),
    (
        "libffi",
        "3.4.2",
        {"linux-64": "h7f98852_5", "osx-64": "h0d85af4_5", "win-64": "h8ffe710_5"},
        1636488177000,
        (),
        False,
    ),
    (
        "libzlib",
        "1.2.13",
        {"linux-64": "h166bdaf_4", "osx-64": "hfd90126_4", "win-64": "hcfcfb64_4"},
        1665653213000,
        (),
        False,
    ),
    (
        "zlib",
        "1.2.13",
        {"linux-64": "h166bdaf_4", "osx-64": "hfd90126_4", "win-64": "hcfcfb64_4"},
        1665653225000,
        ("libzlib 1.2.13 *_4",),
        False,
    ),
    (
        "libsqlite",
        "3.40.0",
        {"linux-64": "h753d276_0", "osx-64": "ha978bb4_0", "win-64": "hcfcfb64_0"},
        1668697553000,
        ("libzlib >=1.2.13,<1.3.0a0",),
        False,
    ),
    (
        "xz",
        "5.2.6",
        {"linux-64": "h166bdaf_0", "osx-64": "h775f41a_0", "win-64": "h8d14728_0"},
        1660346651000,
        (),
        False,
    ),
    (
        "tk",
        "8.6.12",
        {"linux-64": "h27826a3_0", "osx-64": "h5dbffcc_0", "win-64": "h8ffe710_0"},
        1645032847000,
        ("libzlib >=1.2.11,<1.3.0a0",),
        False,
    ),
    (
        "ca-certificates",
        "2022.12.7",
        {"linux-64": "ha878542_0", "osx-64": "h033912b_0", "win-64": "h5b45459_0"},
        1670457710000,
        (),
        False,
    ),
    (
        "openssl",
        "3.0.8",
        {"linux-64": "h0b41bf4_0", "osx-64": "hfd90126_0", "win-64": "hcfcfb64_0"},
        1675814588000,
        ("ca-certificates",),
        False,
    ),
    (
        "libiconv",
        "1.17",
        {"linux-64": "h166bdaf_0", "osx-64": "hac89ed1_0", "win-64": "h8ffe710_0"},
        1652700298000,
        (),
        False,
    ),
    (
        "jpeg",
        "9e",
        {"linux-64": "h0b41bf4_3", "osx-64": "hb7f2c08_3", "win-64": "hcfcfb64_3"},
        1676177178000,
        (),
        False,
    ),
    (
        "libpng",
        "1.6.39",
        {"linux-64": "h753d276_0", "osx-64": "ha978bb4_0", "win-64": "h19919ed_0"},
        1669075680000,
        ("libzlib >=1.2.13,<1.3.0a0",),
        False,
    ),
    (
        "tbb",
        "2021.7.0",
        {"linux-64": "h924138e_1", "osx-64": "hb8565cd_1", "win-64": "h91493d7_1"},
        1670251466000,
        (),
        True,
    ),
)
_LINUX_ONLY: tuple[tuple[str, str, str, int, tuple[str, ...]], ...] = (
    ("_libgcc_mutex", "0.1", "conda_forge", 1578324546067, ()),
    ("_openmp_mutex", "4.5", "2_kmp_llvm", 1650671035000, ("llvm-openmp >=9.0.1",)),
    (
        "libgcc-ng",
        "12.2.0",
        "h65d4601_19",
        1666574163000,
        ("_libgcc_mutex 0.1 conda_forge", "_openmp_mutex >=4.5"),
    ),
    ("libstdcxx-ng", "12.2.0", "h46fd767_19", 1666574220000, ()),
    ("llvm-openmp", "15.0.7", "h0cdce71_0", 1673584331000, ("libzlib >=1.2.13,<1.3.0a0",)),
    ("ld_impl_linux-64", "2.39", "hcc3a1bd_1", 1666905016000, ()),
    ("libnsl", "2.0.0", "h7f98852_0", 1625252468000, ("libgcc-ng >=9.4.0",)),
    ("libuuid", "2.32.1", "h7f98852_1000", 1610381098000, ("libgcc-ng >=9.3.0",)),
    ("ncurses", "6.3", "h27087fc_1", 1649338232000, ("libgcc-ng >=10.3.0",)),
    ("readline", "8.1.2", "h0f457ee_0", 1657026093000, ("libgcc-ng >=12", "ncurses >=6.3,<7.0a0")),
)
_OSX_ONLY: tuple[tuple[str, str, str, int, tuple[str, ...]], ...] = (
    ("libcxx", "15.0.7", "h71781b1_0", 1673584358000, ()),
    ("llvm-openmp", "15.0.7", "h61d9ccf_0", 1673584420000, ("libzlib >=1.2.13,<1.3.0a0",)),
    ("ncurses", "6.3", "h96cf925_1", 1649338332000, ()),
    ("readline", "8.1.2", "h3899abd_0", 1657026141000, ("ncurses >=6.3,<7.0a0",)),
)
_WIN_ONLY: tuple[tuple[str, str, str, int, tuple[str, ...]], ...] = (
    ("ucrt", "10.0.22621.0", "h57928b3_0", 1666200473000, ()),
    ("vc14_runtime", "14.34.31931", "h5081d32_10", 1671658210000, ("ucrt >=10.0.20348.0",)),
    ("vc", "14.3", "hb6edd58_10", 1671658316000, ("vc14_runtime >=14.32.31332",)),
    ("intel-openmp", "2023.0.0", "h57928b3_25922", 1671659029000, ()),
)
_MKL = {
    "linux-64": ("2022.2.1", "h84fe81f_16997", 1669303052000,
                 ("_openmp_mutex * *_llvm", "llvm-openmp >=15.0.6", "tbb 2021.*")),
    "osx-64": ("2022.2.1", "h44ed08c_16952", 1669303400000,
               ("llvm-openmp >=15.0.6", "tbb 2021.*")),
    "win-64": ("2022.1.0", "h6a75c08_874", 1659535000000, ("intel-openmp", "tbb 2021.*")),
}  # fmt: skip
_BLAS_TAG = {"linux-64": "linux64", "osx-64": "osx64", "win-64": "win64"}
# cudatoolkit: version -> {subdir: build}, timestamp (conda-forge's _11 rebuilds, Nov 2022)
_CUDATOOLKIT: dict[str, tuple[dict[str, str], int]] = {
    "11.3.1": ({"linux-64": "h9edb442_11", "win-64": "hb0d1ad9_11"}, 1667439101000),
    "11.6.0": ({"linux-64": "hecad31d_11", "win-64": "h0b0f9a4_11"}, 1667439402000),
    "11.7.0": ({"linux-64": "hd8887f6_11", "win-64": "h3b7d89a_11"}, 1667439655000),
    "11.8.0": ({"linux-64": "h37601d7_11", "win-64": "h09e9e62_11"}, 1667440057000),
}
# per-python compiled packages: name -> (version, timestamp, {(subdir, python): build})
_PYTHON_BUILDS: dict[str, dict[str, str]] = {
    "linux-64": {"3.8": "he550d4f_1_cpython", "3.9": "h2782a2a_0_cpython",
                 "3.10": "he550d4f_0_cpython"},
    "osx-64": {"3.8": "hf9b03c3_1_cpython", "3.9": "h709bd14_0_cpython",
               "3.10": "he7542f4_0_cpython"},
    "win-64": {"3.8": "h4de0772_1_cpython", "3.9": "h4de0772_0_cpython",
               "3.10": "h4de0772_0_cpython"},
}  # fmt: skip
_PYTHON_VERSIONS = {"3.8": "3.8.16", "3.9": "3.9.16", "3.10": "3.10.9"}
_PYTHON_TS = {"3.8": 1673645232000, "3.9": 1670636102000, "3.10": 1670635804000}
_PYTHON_DEPS: dict[str, tuple[str, ...]] = {
    "linux-64": ("bzip2 >=1.0.8,<2.0a0", "ld_impl_linux-64 >=2.36.1", "libffi >=3.4,<4.0a0",
                 "libgcc-ng >=12", "libnsl >=2.0.0,<2.1.0a0", "libsqlite >=3.40.0,<4.0a0",
                 "libuuid >=2.32.1,<3.0a0", "libzlib >=1.2.13,<1.3.0a0", "ncurses >=6.3,<7.0a0",
                 "openssl >=3.0.7,<4.0a0", "readline >=8.1.2,<9.0a0", "tk >=8.6.12,<8.7.0a0",
                 "xz >=5.2.6,<6.0a0"),
    "osx-64": ("bzip2 >=1.0.8,<2.0a0", "libffi >=3.4,<4.0a0", "libsqlite >=3.40.0,<4.0a0",
               "libzlib >=1.2.13,<1.3.0a0", "ncurses >=6.3,<7.0a0", "openssl >=3.0.7,<4.0a0",
               "readline >=8.1.2,<9.0a0", "tk >=8.6.12,<8.7.0a0", "xz >=5.2.6,<6.0a0"),
    "win-64": ("bzip2 >=1.0.8,<2.0a0", "libffi >=3.4,<4.0a0", "libsqlite >=3.40.0,<4.0a0",
               "libzlib >=1.2.13,<1.3.0a0", "openssl >=3.0.7,<4.0a0", "tk >=8.6.12,<8.7.0a0",
               *_WIN_RT, "xz >=5.2.6,<6.0a0"),
}  # fmt: skip
# name -> (version, timestamp, hash per python (build = f"py{cp}{hash}_{n}"), depends, cxx)
_COMPILED: tuple[tuple[str, str, int, str, int, tuple[str, ...], bool], ...] = (
    ("numpy", "1.23.5", 1668919081000, "h7042d01", 0,
     ("libblas >=3.9.0,<4.0a0", "libcblas >=3.9.0,<4.0a0", "liblapack >=3.9.0,<4.0a0"), True),
    ("numpy", "1.24.2", 1675642598000, "h10c12cc", 0,
     ("libblas >=3.9.0,<4.0a0", "libcblas >=3.9.0,<4.0a0", "liblapack >=3.9.0,<4.0a0"), True),
    ("markupsafe", "2.1.2", 1674752263000, "h1a0b31a", 0, (), False),
    ("psutil", "5.9.4", 1667885910000, "h0a891b7", 0, (), False),
    ("pillow", "9.4.0", 1672677060000, "hde6dc18", 1,
     ("jpeg >=9e,<10a", "libpng >=1.6.39,<1.7.0a0", "libzlib >=1.2.13,<1.3.0a0",
      "tk >=8.6.12,<8.7.0a0"), False),
    ("matplotlib-base", "3.6.3", 1673644325000, "hd6c3c57", 0,
     ("certifi >=2020.06.20", "cycler >=0.10", "numpy >=1.20.3", "packaging >=20.0",
      "pillow >=6.2.0", "pyparsing >=2.3.1", "python-dateutil >=2.7"), True),
    ("matplotlib", "3.6.3", 1673645143000, "h578d9bd", 0,
     ("matplotlib-base >=3.6.3,<3.6.4.0a0",), False),
)  # fmt: skip
# noarch python packages: (name, version, build, timestamp, depends)
_NOARCH: tuple[tuple[str, str, str, int, tuple[str, ...]], ...] = (
    ("typing_extensions", "4.4.0", "pyha770c72_0", 1665144421000, ("python >=3.7",)),
    ("networkx", "2.8.8", "pyhd8ed1ab_0", 1667668483000, ("python >=3.8",)),
    ("networkx", "3.0", "pyhd8ed1ab_0", 1673266720000, ("python >=3.8",)),
    ("networkx", "3.1", "pyhd8ed1ab_0", 1680692919000, ("python >=3.8",)),
    ("pip", "23.0.1", "pyhd8ed1ab_0", 1677175398000, ("python >=3.7", "setuptools", "wheel")),
    ("setuptools", "67.4.0", "pyhd8ed1ab_0", 1677270435000, ("python >=3.7",)),
    ("wheel", "0.38.4", "pyhd8ed1ab_0", 1668051540000, ("python >=3.7",)),
    ("requests", "2.28.2", "pyhd8ed1ab_0", 1673863902000,
     ("certifi >=2017.4.17", "charset-normalizer >=2,<3", "idna >=2.5,<4", "python >=3.7",
      "urllib3 >=1.21.1,<1.27")),
    ("certifi", "2022.12.7", "pyhd8ed1ab_0", 1670431217000, ("python >=3.7",)),
    ("charset-normalizer", "2.1.1", "pyhd8ed1ab_0", 1661170624000, ("python >=3.6",)),
    ("idna", "3.4", "pyhd8ed1ab_0", 1663625384000, ("python >=3.6",)),
    ("urllib3", "1.26.14", "pyhd8ed1ab_0", 1673452138000, ("python >=3.6",)),
    ("filelock", "3.9.0", "pyhd8ed1ab_0", 1672408946000, ("python >=3.7",)),
    ("jinja2", "3.1.2", "pyhd8ed1ab_1", 1654302431000, ("markupsafe >=2.0", "python >=3.7")),
    ("mpmath", "1.2.1", "pyhd8ed1ab_0", 1612895720000, ("python >=3.6",)),
    ("sympy", "1.11.1", "pyh9d50eac_103", 1675870396000,
     ("mpmath >=0.19", "python >=3.8")),
    ("tqdm", "4.64.1", "pyhd8ed1ab_0", 1662214488000, ("colorama", "python >=3.7")),
    ("colorama", "0.4.6", "pyhd8ed1ab_0", 1666700638000, ("python >=3.7",)),
    ("pyparsing", "3.0.9", "pyhd8ed1ab_0", 1652235407000, ("python >=3.6",)),
    ("python-dateutil", "2.8.2", "pyhd8ed1ab_0", 1626286286000,
     ("python >=3.6", "six >=1.5")),
    ("six", "1.16.0", "pyh6c4a22f_0", 1620240338000, ("python",)),
    ("packaging", "23.0", "pyhd8ed1ab_0", 1673482170000, ("python >=3.7",)),
    ("cycler", "0.11.0", "pyhd8ed1ab_0", 1635519461000, ("python >=3.6",)),
)  # fmt: skip


def _conda_forge() -> Iterator[CatalogRecord]:
    ch = "conda-forge"
    for name, version, builds, ts, deps, cxx in _LEAVES:
        for subdir, build in builds.items():
            yield _rec(ch, subdir, name, version, build, ts, sorted((*deps, *_native(subdir, cxx))))
    for table, subdir in ((_LINUX_ONLY, "linux-64"), (_OSX_ONLY, "osx-64"), (_WIN_ONLY, "win-64")):
        for name, version, build, ts, deps in table:
            yield _rec(ch, subdir, name, version, build, ts, deps)
    for subdir in PLATFORMS:
        version, build, ts, deps = _MKL[subdir]
        yield _rec(ch, subdir, "mkl", version, build, ts, deps)
        tag = f"16_{_BLAS_TAG[subdir]}_mkl"
        yield _rec(ch, subdir, "libblas", "3.9.0", tag, 1673022240000,
                   ("mkl >=2022.1.0,<2023.0a0",),
                   constrains=("libcblas 3.9.0 *_mkl", "liblapack 3.9.0 *_mkl",
                               "blas * mkl"))  # fmt: skip
        for lib in ("libcblas", "liblapack"):
            yield _rec(ch, subdir, lib, "3.9.0", tag, 1673022260000, (f"libblas 3.9.0 {tag}",))
        blas_deps = (f"libblas 3.9.0 {tag}", f"libcblas 3.9.0 {tag}", f"liblapack 3.9.0 {tag}")
        yield _rec(ch, subdir, "blas", "2.116", "mkl", 1673022300000, blas_deps)
    for version, (builds, ts) in _CUDATOOLKIT.items():
        for subdir, build in builds.items():
            deps = (
                ("__glibc >=2.17,<3.0.a0", *_native(subdir, cxx=True))
                if subdir == "linux-64"
                else _WIN_RT
            )
            yield _rec(ch, subdir, "cudatoolkit", version, build, ts, deps,
                       license="LicenseRef-NVIDIA-End-User-License-Agreement")  # fmt: skip
    for py in PYTHONS:
        cp = _cp(py)
        for subdir in PLATFORMS:
            yield _rec(ch, subdir, "python", _PYTHON_VERSIONS[py], _PYTHON_BUILDS[subdir][py],
                       _PYTHON_TS[py], _PYTHON_DEPS[subdir],
                       constrains=(f"python_abi {py}.* *_cp{cp}",),
                       license="Python-2.0")  # fmt: skip
            yield _rec(ch, subdir, "python_abi", py, f"3_cp{cp}", 1669071000000,
                       constrains=(f"python {py}.* *_cpython",),
                       license="BSD-3-Clause")  # fmt: skip
            for name, version, ts, hash_, number, deps, cxx in _COMPILED:
                all_deps = (*deps, *_native(subdir, cxx), _py_pin(py), _py_abi(py))
                build = f"py{cp}{_hash(hash_, name, version, subdir, py)}_{number}"
                yield _rec(ch, subdir, name, version, build, ts, sorted(all_deps))
    for name, version, build, ts, deps in _NOARCH:
        yield _rec(ch, "noarch", name, version, build, ts, deps, noarch="python")


def demo_catalog() -> tuple[CatalogRecord, ...]:
    """Every record of the demo mirror, sorted by (channel, subdir, file name)."""
    records = [
        *_pytorch_channel(),
        *_nvidia_channel(),
        *_pyg_channel(),
        *_conda_forge(),
    ]
    return tuple(sorted(records, key=lambda r: (r.channel, r.subdir, r.filename)))
