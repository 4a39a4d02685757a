"""The demo mirror's catalog: real-world package records, as data.

Every record names a package that exists on the real channel (name, version, build string,
depends and publication time are taken from, or modelled on, the published repodata of
the pytorch, nvidia, pyg and conda-forge channels). Dependency trees are trimmed where
they run deep (ffmpeg, pillow, matplotlib-base): the names stay real, the leaves are fewer.
This module holds the pytorch, nvidia and pyg channels; `conda_forge` holds the base.

Records are frozen: filter them or swap one with `dataclasses.replace` to build a custom
mirror (`build_mirror(dest, records=...)`), e.g. one where pytorch has only CPU builds.
"""

from __future__ import annotations

from collections.abc import Iterator

from envlock.mirror.conda_forge import conda_forge_records
from envlock.mirror.record import (
    CHANNELS,
    CUDA_PLATFORMS,
    FORMATS,
    PLATFORMS,
    PYTHONS,
    SUBDIRS,
    CatalogRecord,
    catalog_sha256,
    py_pin,
    py_tag,
    rec,
)

__all__ = [
    "CHANNELS",
    "FORMATS",
    "SUBDIRS",
    "CatalogRecord",
    "catalog_sha256",
    "demo_catalog",
]


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
    yield rec(
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
    yield rec(
        ch,
        "noarch",
        "pytorch-mutex",
        "1.0",
        "cuda",
        1628104773000,
        noarch="generic",
        license="BSD 3-Clause",
    )
    yield rec(
        ch,
        "noarch",
        "cpuonly",
        "2.0",
        "0",
        1633033815000,
        ("pytorch-mutex 1.0 cpu",),
        noarch="generic",
        license="BSD 3-Clause",
    )
    yield from _pytorch_cuda(ch)
    yield rec(
        ch,
        "linux-64",
        "ffmpeg",
        "4.3",
        "hf484d3e_0",
        1596130242227,
        (
            "bzip2 >=1.0.8,<2.0a0",
            "libgcc-ng >=7.3.0",
            "libiconv",
            "libstdcxx-ng >=7.3.0",
            "zlib >=1.2.11,<1.3.0a0",
        ),
        license="LGPL",
    )
    for torch, pythons, ts, extra in _TORCH:
        for py in pythons:
            base = ("blas * mkl", "mkl >=2018", py_pin(py), "typing_extensions", *extra)
            for subdir in PLATFORMS:
                cpu_build = "py" + py + ("_0" if subdir == "osx-64" else "_cpu_0")
                cpu_mutex = () if subdir == "osx-64" else ("pytorch-mutex 1.0 cpu",)
                yield rec(
                    ch,
                    subdir,
                    "pytorch",
                    torch,
                    cpu_build,
                    ts,
                    sorted((*base, *cpu_mutex)),
                    constrains=("cpuonly",),
                    license="BSD 3-Clause",
                )
                yield from _companions(ch, subdir, torch, py, cuda=None)
                if subdir not in CUDA_PLATFORMS:
                    continue
                for n, (cuda, linux_tag, win_tag) in enumerate(_TORCH_CUDA[torch]):
                    tag = linux_tag if subdir == "linux-64" else win_tag
                    deps = [*base, _cuda_runtime_dep(torch, cuda), "pytorch-mutex 1.0 cuda"]
                    if torch.startswith("2.") and subdir == "linux-64":
                        deps.append("torchtriton 2.0.0")
                    # CUDA builds land a little after the CPU one, as on the real channel
                    yield rec(
                        ch,
                        subdir,
                        "pytorch",
                        torch,
                        f"py{py}_{tag}_0",
                        ts + 3_600_000 * (n + 1),
                        sorted(deps),
                        constrains=("cpuonly <0",),
                        license="BSD 3-Clause",
                    )
                    yield from _companions(ch, subdir, torch, py, cuda=cuda)
            if torch.startswith("2."):
                yield rec(
                    ch,
                    "linux-64",
                    "torchtriton",
                    "2.0.0",
                    f"py{py_tag(py)}",
                    1677881561886,
                    ("filelock", py_pin(py), "pytorch"),
                    license="MIT",
                )


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
    tag = f"py{py_tag(py)}_" + ("cpu" if cuda is None else "cu" + cuda.replace(".", ""))
    if cuda is None:
        variant: tuple[str, ...] = () if subdir == "osx-64" else ("pytorch-mutex 1.0 cpu",)
        constrains: tuple[str, ...] = ("cpuonly",)
        offset = 0
    else:
        variant = (_companion_cuda_dep(torch, cuda), "pytorch-mutex 1.0 cuda")
        constrains = ("cpuonly <0",)
        offset = 600_000 * (1 + int(cuda.replace(".", "")) % 7)
    common = (py_pin(py), f"pytorch {torch}", *variant)
    vision_deps = ["jpeg", "libpng", "numpy >=1.11", "pillow >=5.3.0,!=8.3.*", "requests", *common]
    if subdir == "linux-64":
        vision_deps.append("ffmpeg >=4.2")
    yield rec(
        ch,
        subdir,
        "torchvision",
        vision,
        tag,
        vision_ts + offset,
        sorted(vision_deps),
        constrains=constrains,
        license="BSD",
    )
    yield rec(
        ch,
        subdir,
        "torchaudio",
        audio,
        tag,
        audio_ts + offset,
        sorted(("numpy >=1.11", *common)),
        constrains=constrains,
        license="BSD",
    )


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
                yield rec(
                    ch,
                    subdir,
                    "pytorch-cuda",
                    cuda,
                    build,
                    ts,
                    sorted(deps),
                    license="BSD 3-Clause",
                )


# ---------------------------------------------------------------------------------------
# nvidia channel (.tar.bz2): the cuda-* runtime that pytorch-cuda pulls in
# ---------------------------------------------------------------------------------------
_CUDA_META = (
    "cuda-cudart",
    "cuda-cupti",
    "cuda-libraries",
    "cuda-nvrtc",
    "cuda-nvtx",
    "cuda-runtime",
)
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
                yield rec(
                    ch,
                    subdir,
                    name,
                    version,
                    "0",
                    ts,
                    deps,
                    license="LicenseRef-NVIDIA-End-User-License-Agreement",
                )


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
            common = [py_pin(py), f"pytorch {torch_minor}.*"]
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
                    build = f"py{py_tag(py)}_torch_{torch}_{tag}"
                    yield rec(
                        ch,
                        subdir,
                        name,
                        version,
                        build,
                        ts + 60_000 * n,
                        sorted((*common, *variant_deps)),
                        license="MIT",
                    )


def demo_catalog() -> tuple[CatalogRecord, ...]:
    """Every record of the demo mirror, sorted by (channel, subdir, file name)."""
    records = [
        *_pytorch_channel(),
        *_nvidia_channel(),
        *_pyg_channel(),
        *conda_forge_records(),
    ]
    return tuple(sorted(records, key=lambda r: (r.channel, r.subdir, r.filename)))
