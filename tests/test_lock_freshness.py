"""The input hash: what makes a lock stale, and what does not."""

from __future__ import annotations

import dataclasses
import datetime as dt

from envlock.lock.freshness import describe_changes, input_hash, request_inputs
from envlock.models import SpecSet, VirtualPackage

BASE = SpecSet(
    platform="linux-64",
    specs=("python 3.8.*", "numpy <1.24"),
    channels=("pytorch", "conda-forge"),
    virtual_packages=(VirtualPackage(name="__cuda", version="11.7"),),
    exclude_newer=dt.datetime(2023, 3, 1, tzinfo=dt.timezone.utc),
)


def test_hash_ignores_spec_order_and_where_channels_are_served() -> None:
    same = dataclasses.replace(
        BASE,
        specs=("numpy <1.24", "python 3.8.*"),
        channels=("https://user:pw@mirror.example/t/tok/pytorch", "file:///srv/mirror/conda-forge"),
    )
    assert input_hash(same) == input_hash(BASE)


def test_every_input_changes_the_hash() -> None:
    changes = {
        "specs": ("python 3.9.*", "numpy <1.24"),
        "channels": ("conda-forge", "pytorch"),
        "channel_priority": "flexible",
        "virtual_packages": (VirtualPackage(name="__cuda", version="11.8"),),
        "exclude_newer": dt.datetime(2023, 4, 1, tzinfo=dt.timezone.utc),
        "pip": ("timm==0.4.12",),
        "platform": "win-64",
    }
    hashes = {input_hash(dataclasses.replace(BASE, **{k: v})) for k, v in changes.items()}  # type: ignore[arg-type]  # one field each
    assert len(hashes) == len(changes)
    assert input_hash(BASE) not in hashes


def test_same_instant_in_another_time_zone_is_the_same_input() -> None:
    plus2 = dt.datetime(2023, 3, 1, 2, 0, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    assert input_hash(dataclasses.replace(BASE, exclude_newer=plus2)) == input_hash(BASE)


def test_describe_changes_in_words() -> None:
    new = dataclasses.replace(
        BASE,
        specs=("python 3.8.*", "numpy <1.23", "scipy"),
        channels=("conda-forge",),
        exclude_newer=None,
    )
    assert describe_changes(request_inputs(BASE), request_inputs(new)) == [
        "specs: + numpy <1.23, + scipy, - numpy <1.24",
        "channels: [pytorch, conda-forge] → [conda-forge]",
        "exclude_newer: 2023-03-01T00:00:00+00:00 → none",
    ]
