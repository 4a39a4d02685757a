"""An unsatisfiable solve comes back as data; the words are composed from it outside the engine.

Real solves on the demo mirror (rattler, real repodata): the engine's `Unsatisfiable`
names the requested specs without candidates, what the channels offer by and after the
cutoff and the channels lacking the platform; envlock.resolve.unsatisfiable turns that
into the exit-1 message users already read, word for word.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import pytest

from envlock.engine.candidates import Unsatisfiable
from envlock.engine.request import Request
from envlock.engine.solve import Solved, solve_requests
from envlock.errors import AnswerIsNoError
from envlock.mirror import Mirror
from envlock.models import SpecSet
from envlock.resolve.plan import Options, plan
from envlock.resolve.solver import solve_platforms, solve_specsets
from envlock.resolve.unsatisfiable import unsatisfiable_message
from tests.helpers import REPO

MAE = REPO / "recipes" / "mae.yml"
M3NET = REPO / "recipes" / "m3net.yml"
CPU_DEMO = REPO / "recipes" / "cpu-demo.yml"
MIDNIGHT_2021 = dt.datetime(2021, 12, 31, tzinfo=dt.timezone.utc)

RELAX = (
    "Relax the conflicting version in the recipe, or pick a combination the channels "
    "offer; nothing was written."
)


def _specset(recipe: Path, platform: str, tmp_path: Path, **changes: object) -> SpecSet:
    (specset,) = plan(recipe, Options(platforms=(platform,), out_dir=tmp_path)).specsets
    return dataclasses.replace(specset, **changes)  # type: ignore[arg-type]  # test-only overrides


def _facts(specset: SpecSet, mirror: Mirror, tmp_path: Path) -> Unsatisfiable:
    outcome = solve_specsets([specset], channel_alias=mirror.channel_alias, cache_dir=tmp_path)
    facts = outcome[specset.platform]
    assert isinstance(facts, Unsatisfiable), facts
    return facts


def test_nothing_published_by_the_cutoff_is_data(demo_mirror: Mirror, tmp_path: Path) -> None:
    specset = _specset(MAE, "linux-64", tmp_path)
    facts = _facts(specset, demo_mirror, tmp_path)

    assert facts.platform == "linux-64"
    assert facts.conflict == ("pytorch",)
    # every requested spec: nothing at all was published by 2021-12-31 on the mirror
    assert facts.no_candidates == specset.specs
    assert facts.unknown == ("tensorboard",)  # not on the mirror at any date
    assert facts.lacking_subdir == ()
    assert facts.searched == 2
    assert facts.explanation == "No candidates were found for pytorch ==1.8.1 *cuda11.1*."
    pytorch = facts.offer("pytorch")
    assert pytorch is not None
    assert pytorch.versions == ()
    assert pytorch.builds == ()
    assert pytorch.cutoff == MIDNIGHT_2021
    assert pytorch.after_cutoff == ("2.0.1", "1.13.1", "1.13.0", "1.12.1")
    assert pytorch.newer_after_cutoff
    assert facts.offer("tensorboard") is None

    assert unsatisfiable_message(specset, facts) == "\n".join(
        [
            "no set of packages satisfies the request for linux-64 (channels pytorch, "
            "conda-forge, priority strict, exclude_newer 2021-12-31T00:00:00+00:00):",
            "No candidates were found for pytorch ==1.8.1 *cuda11.1*.",
            "the channels offer no pytorch published by 2021-12-31",
            "pytorch 1.12.1 and newer exist but were published after the cutoff 2021-12-31",
            RELAX,
        ]
    )


def test_offers_are_split_at_the_cutoff(demo_mirror: Mirror, tmp_path: Path) -> None:
    cutoff = dt.datetime(2023, 1, 1, tzinfo=dt.timezone.utc)
    specset = _specset(M3NET, "osx-64", tmp_path, exclude_newer=cutoff)
    specset = dataclasses.replace(
        specset, specs=tuple("numpy >=1.25" if s == "numpy <1.24" else s for s in specset.specs)
    )
    facts = _facts(specset, demo_mirror, tmp_path)

    # rattler's explanation names numpy only; the data also has the two specs whose only
    # release on the mirror came out after the cutoff (python 3.8.16, matplotlib 3.6.3)
    assert facts.explanation == "No candidates were found for numpy >=1.25."
    assert facts.no_candidates == ("python 3.8.*", "numpy >=1.25", "matplotlib")
    assert facts.unknown == ()
    assert facts.conflict == ("numpy",)
    assert [o.name for o in facts.offers] == ["python", "numpy", "matplotlib"]
    python = facts.offer("python")
    assert python is not None
    assert python.versions == ("3.10.9", "3.9.16")
    assert python.after_cutoff == ("3.8.16",)
    assert not python.newer_after_cutoff  # 3.8.16 is older than 3.10.9
    numpy = facts.offer("numpy")
    assert numpy is not None
    assert numpy.platform == "osx-64"
    assert numpy.versions == ("1.23.5",)
    assert numpy.after_cutoff == ("1.24.2",)
    assert numpy.cutoff == cutoff
    assert {version for version, _ in numpy.builds} == {"1.23.5"}
    assert len(numpy.builds) >= 3  # one build per python

    assert unsatisfiable_message(specset, facts) == "\n".join(
        [
            "no set of packages satisfies the request for osx-64 (channels pytorch, pyg, "
            "conda-forge, priority strict, exclude_newer 2023-01-01T00:00:00+00:00):",
            "No candidates were found for numpy >=1.25.",
            "the channels offer numpy 1.23.5 published by 2023-01-01",
            "  numpy 1.23.5: python 3.8, 3.9, 3.10",
            "numpy 1.24.2 exists but was published after the cutoff 2023-01-01",
            RELAX,
        ]
    )
    # resolve raises exactly these words as the exit-1 answer
    with pytest.raises(AnswerIsNoError) as caught:
        solve_platforms([specset], channel_alias=demo_mirror.channel_alias, cache_dir=tmp_path)
    assert caught.value.message == unsatisfiable_message(specset, facts)


def test_channels_without_the_platform_are_data(demo_mirror: Mirror, tmp_path: Path) -> None:
    specset = _specset(CPU_DEMO, "linux-aarch64", tmp_path)
    facts = _facts(specset, demo_mirror, tmp_path)

    assert facts.lacking_subdir == ("pytorch", "pyg", "conda-forge")
    assert facts.searched == 3
    # only noarch packages are left: cpuonly, pytorch-mutex and networkx are among them
    assert facts.unknown == ("python", "pytorch", "pyg", "numpy")
    assert facts.no_candidates == (
        "python 3.10.*",
        "pytorch 2.0.* *cpu*",
        "pyg * *torch_2.0.0_cpu*",
        "numpy",
    )
    assert facts.offers == ()
    assert unsatisfiable_message(specset, facts) == "\n".join(
        [
            "no set of packages satisfies the request for linux-aarch64 (channels pytorch, "
            "pyg, conda-forge, priority strict):",
            "none of the channels has linux-aarch64 repodata: pytorch, pyg, conda-forge (only "
            "their noarch packages were searched, and they do not satisfy it); check that the "
            "mirror or channel serves linux-aarch64, or resolve for a platform it carries",
            "No candidates were found for python 3.10.*.",
            "Nothing was written.",
        ]
    )


def test_the_engine_takes_plain_channel_urls(demo_mirror: Mirror, tmp_path: Path) -> None:
    forge = f"{demo_mirror.channel_alias}/conda-forge"
    request = Request(
        platform="linux-64",
        specs=("forge::python 3.99.*", "numpy"),
        channels=((forge, "forge"),),
        spec_channels={"forge": forge},
    )
    good = dataclasses.replace(request, specs=("forge::python 3.8.*",))
    outcome = solve_requests([good, dataclasses.replace(request, platform="osx-64")],
                             cache_dir=tmp_path)  # fmt: skip

    solved = outcome["linux-64"]
    assert isinstance(solved, Solved)
    assert {p.channel for p in solved.packages} == {"forge"}  # named as the request named it
    assert "python" in {p.name for p in solved.packages}
    facts = outcome["osx-64"]
    assert isinstance(facts, Unsatisfiable)
    assert facts.no_candidates == ("forge::python 3.99.*",)  # as the request wrote it
    assert facts.conflict == ("python",)
    python = facts.offer("python")
    assert python is not None
    assert python.versions == ("3.10.9", "3.9.16", "3.8.16")
    assert python.cutoff is None
    assert python.after_cutoff == ()
    assert facts.offer("numpy") is None  # it has candidates and is not in the conflict
