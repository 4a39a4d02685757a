"""The input hash of a resolve, and the lock metadata `--check` compares it with.

The hash covers, per platform: the matchspecs, the channel *names* in priority order,
the channel priority, the virtual packages, exclude_newer and the pip lines — never the
channel alias or mirror URL, so the same recipe checked against another mirror is still
fresh. The hashed request itself is kept in the lock's `metadata.custom_metadata` (one
JSON string per platform under `envlock-inputs-<platform>`, a field conda-lock's own
parser accepts), so `--check` can say which input changed.

Reading is light on purpose: PyYAML's C loader on the metadata part only, no rattler,
no conda_lock, so `envlock resolve --check` answers in a fraction of a second.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from envlock.errors import BadInputError
from envlock.models import SpecSet
from envlock.net.channels import channel_name
from envlock.platforms import KNOWN_PLATFORMS, SUBDIRS

INPUTS_PREFIX = "envlock-inputs-"  # custom_metadata key per platform
_INPUTS_VERSION = 1


def request_inputs(specset: SpecSet) -> dict[str, Any]:
    """The hashed request of one platform, as plain data (no alias, no mirror URL)."""
    when = specset.exclude_newer
    if when is not None and when.tzinfo is not None:
        when = when.astimezone(dt.timezone.utc)
    return {
        "envlock_inputs": _INPUTS_VERSION,
        "platform": specset.platform,
        "specs": sorted(specset.specs),
        "channels": [channel_name(c) for c in specset.channels],
        "channel_priority": specset.channel_priority,
        "virtual_packages": sorted(str(v) for v in specset.virtual_packages),
        "exclude_newer": when.isoformat() if when else None,
        "pip": list(specset.pip),
    }


def canonical(inputs: Mapping[str, Any]) -> str:
    return json.dumps(inputs, sort_keys=True, separators=(",", ":"))


def input_hash(specset: SpecSet) -> str:
    """sha256 of the canonical request of one platform (see `request_inputs`)."""
    return hashlib.sha256(canonical(request_inputs(specset)).encode()).hexdigest()


def describe_changes(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[str]:
    """Which inputs differ between two requests, in words (`specs: + numpy <1.24`)."""
    out: list[str] = []
    for key in (
        "specs",
        "channels",
        "channel_priority",
        "virtual_packages",
        "exclude_newer",
        "pip",
    ):
        before, after = old.get(key), new.get(key)
        if before == after:
            continue
        if key in ("specs", "virtual_packages", "pip") and isinstance(before, list):
            gone = [x for x in before if x not in (after or [])]
            came = [x for x in (after or []) if x not in before]
            parts = [f"+ {x}" for x in came] + [f"- {x}" for x in gone]
            out.append(f"{key}: {', '.join(parts) or 'order changed'}")
        else:
            out.append(f"{key}: {_show(before)} → {_show(after)}")
    return out


def _show(value: Any) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(str(v) for v in value) + "]"
    return "none" if value is None else str(value)


@dataclass(frozen=True, kw_only=True, slots=True)
class LockHead:
    """The metadata of an existing conda-lock.yml (no packages)."""

    platforms: tuple[str, ...]
    content_hash: Mapping[str, str]
    inputs: Mapping[str, Mapping[str, Any]]
    channels: tuple[str, ...] = ()  # metadata.channels as names, priority order


def read_lock_head(path: Path) -> LockHead | None:
    """The metadata of the lock at `path`, None when there is none; reads no packages.

    Only the text before the top-level `package:` key is parsed (envlock and conda-lock
    write metadata first), with a fallback to the whole file for other layouts.
    """
    import yaml

    from envlock.limits import MAX_LOCK_BYTES, excerpt, read_text
    from envlock.lock.yamltext import load

    try:
        text = read_text(path, limit=MAX_LOCK_BYTES, what="a conda-lock.yml")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as error:
        raise BadInputError(f"cannot read the lock file: {error}", where=str(path)) from None
    head = re.split(r"(?m)^package:", text, maxsplit=1)[0]
    try:
        data = load(head, path=path, what="a conda-lock.yml")
        if not isinstance(data, dict) or "metadata" not in data:
            data = load(text, path=path, what="a conda-lock.yml")
    except yaml.YAMLError as error:
        raise BadInputError(
            f"not valid YAML ({excerpt(str(error), 300)}); delete it or resolve with --force",
            where=str(path),
        ) from None
    meta = data.get("metadata") if isinstance(data, dict) else None
    if not isinstance(meta, dict):
        raise BadInputError(
            "not a conda-lock lockfile (no metadata): delete it or resolve with --force",
            where=str(path),
        )
    hashes = meta.get("content_hash") or {}
    custom = meta.get("custom_metadata") or {}
    inputs: dict[str, Mapping[str, Any]] = {}
    if isinstance(custom, dict):
        for key, value in custom.items():
            if str(key).startswith(INPUTS_PREFIX):
                try:
                    inputs[str(key).removeprefix(INPUTS_PREFIX)] = json.loads(str(value))
                except ValueError:
                    continue
    platforms = meta.get("platforms") or []
    platforms = [str(p) for p in platforms] if isinstance(platforms, list) else []
    content_hash = {str(k): str(v) for k, v in hashes.items()} if isinstance(hashes, dict) else {}
    for name in (*platforms, *content_hash, *inputs):
        if name not in SUBDIRS or name == "noarch":
            raise BadInputError(
                f"metadata names the platform {excerpt(name)!r}, which is not a conda platform "
                f"({', '.join(KNOWN_PLATFORMS)} ...): delete the lock or resolve with --force",
                where=str(path),
            )
    channels = meta.get("channels") or []
    return LockHead(
        platforms=tuple(platforms),
        content_hash=content_hash,
        inputs=inputs,
        channels=tuple(
            channel_name(str(c.get("url", "") if isinstance(c, dict) else c))
            for c in (channels if isinstance(channels, list) else [])
            if (c.get("url") if isinstance(c, dict) else c)
        ),
    )
