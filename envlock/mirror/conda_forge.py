"""The demo mirror's conda-forge channel (.conda): python, numpy, blas/mkl, cudatoolkit and
the libraries python needs, per platform, plus the noarch python packages."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator

from envlock.mirror.record import PLATFORMS, PYTHONS, CatalogRecord, py_abi, py_pin, py_tag, rec

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


# (name, version, {subdir: build}, timestamp, depends, needs the C++ runtime)
# fmt: off
_LEAVES: tuple[tuple[str, str, dict[str, str], int, tuple[str, ...], bool], ...] = (
    ("bzip2", "1.0.8", {"linux-64": "h7f98852_4", "osx-64": "h0d85af4_4", "win-64": "h8ffe710_4"},
     1606604745000, (), False),
    ("libffi", "3.4.2", {"linux-64": "h7f98852_5", "osx-64": "h0d85af4_5", "win-64": "h8ffe710_5"},
     1636488177000, (), False),
    ("libzlib", "1.2.13",
     {"linux-64": "h166bdaf_4", "osx-64": "hfd90126_4", "win-64": "hcfcfb64_4"},
     1665653213000, (), False),
    ("zlib", "1.2.13", {"linux-64": "h166bdaf_4", "osx-64": "hfd90126_4", "win-64": "hcfcfb64_4"},
     1665653225000, ("libzlib 1.2.13 *_4",), False),
    ("libsqlite", "3.40.0",
     {"linux-64": "h753d276_0", "osx-64": "ha978bb4_0", "win-64": "hcfcfb64_0"},
     1668697553000, ("libzlib >=1.2.13,<1.3.0a0",), False),
    ("xz", "5.2.6", {"linux-64": "h166bdaf_0", "osx-64": "h775f41a_0", "win-64": "h8d14728_0"},
     1660346651000, (), False),
    ("tk", "8.6.12", {"linux-64": "h27826a3_0", "osx-64": "h5dbffcc_0", "win-64": "h8ffe710_0"},
     1645032847000, ("libzlib >=1.2.11,<1.3.0a0",), False),
    ("ca-certificates", "2022.12.7",
     {"linux-64": "ha878542_0", "osx-64": "h033912b_0", "win-64": "h5b45459_0"},
     1670457710000, (), False),
    ("openssl", "3.0.8", {"linux-64": "h0b41bf4_0", "osx-64": "hfd90126_0", "win-64": "hcfcfb64_0"},
     1675814588000, ("ca-certificates",), False),
    ("libiconv", "1.17", {"linux-64": "h166bdaf_0", "osx-64": "hac89ed1_0", "win-64": "h8ffe710_0"},
     1652700298000, (), False),
    ("jpeg", "9e", {"linux-64": "h0b41bf4_3", "osx-64": "hb7f2c08_3", "win-64": "hcfcfb64_3"},
     1676177178000, (), False),
    ("libpng", "1.6.39", {"linux-64": "h753d276_0", "osx-64": "ha978bb4_0", "win-64": "h19919ed_0"},
     1669075680000, ("libzlib >=1.2.13,<1.3.0a0",), False),
    ("tbb", "2021.7.0", {"linux-64": "h924138e_1", "osx-64": "hb8565cd_1", "win-64": "h91493d7_1"},
     1670251466000, (), True),
)
# fmt: on

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


def conda_forge_records() -> Iterator[CatalogRecord]:
    """Every conda-forge record of the demo catalog."""
    ch = "conda-forge"
    for name, version, builds, ts, deps, cxx in _LEAVES:
        for subdir, build in builds.items():
            yield rec(ch, subdir, name, version, build, ts, sorted((*deps, *_native(subdir, cxx))))
    for table, subdir in ((_LINUX_ONLY, "linux-64"), (_OSX_ONLY, "osx-64"), (_WIN_ONLY, "win-64")):
        for name, version, build, ts, deps in table:
            yield rec(ch, subdir, name, version, build, ts, deps)
    for subdir in PLATFORMS:
        version, build, ts, deps = _MKL[subdir]
        yield rec(ch, subdir, "mkl", version, build, ts, deps)
        tag = f"16_{_BLAS_TAG[subdir]}_mkl"
        yield rec(
            ch,
            subdir,
            "libblas",
            "3.9.0",
            tag,
            1673022240000,
            ("mkl >=2022.1.0,<2023.0a0",),
            constrains=("libcblas 3.9.0 *_mkl", "liblapack 3.9.0 *_mkl", "blas * mkl"),
        )
        for lib in ("libcblas", "liblapack"):
            yield rec(ch, subdir, lib, "3.9.0", tag, 1673022260000, (f"libblas 3.9.0 {tag}",))
        blas_deps = (f"libblas 3.9.0 {tag}", f"libcblas 3.9.0 {tag}", f"liblapack 3.9.0 {tag}")
        yield rec(ch, subdir, "blas", "2.116", "mkl", 1673022300000, blas_deps)
    for version, (builds, ts) in _CUDATOOLKIT.items():
        for subdir, build in builds.items():
            deps = (
                ("__glibc >=2.17,<3.0.a0", *_native(subdir, cxx=True))
                if subdir == "linux-64"
                else _WIN_RT
            )
            yield rec(
                ch,
                subdir,
                "cudatoolkit",
                version,
                build,
                ts,
                deps,
                license="LicenseRef-NVIDIA-End-User-License-Agreement",
            )
    for py in PYTHONS:
        cp = py_tag(py)
        for subdir in PLATFORMS:
            yield rec(
                ch,
                subdir,
                "python",
                _PYTHON_VERSIONS[py],
                _PYTHON_BUILDS[subdir][py],
                _PYTHON_TS[py],
                _PYTHON_DEPS[subdir],
                constrains=(f"python_abi {py}.* *_cp{cp}",),
                license="Python-2.0",
            )
            yield rec(
                ch,
                subdir,
                "python_abi",
                py,
                f"3_cp{cp}",
                1669071000000,
                constrains=(f"python {py}.* *_cpython",),
                license="BSD-3-Clause",
            )
            for name, version, ts, hash_, number, deps, cxx in _COMPILED:
                all_deps = (*deps, *_native(subdir, cxx), py_pin(py), py_abi(py))
                build = f"py{cp}{_hash(hash_, name, version, subdir, py)}_{number}"
                yield rec(ch, subdir, name, version, build, ts, sorted(all_deps))
    for name, version, build, ts, deps in _NOARCH:
        yield rec(ch, "noarch", name, version, build, ts, deps, noarch="python")


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
