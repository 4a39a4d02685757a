"""The engine's failures come back as data; resolve and create word them.

Real solves (rattler, real repodata on the demo mirror and a real 127.0.0.1 server): a
channel that is not there is a `MissingChannelError` naming it, unreachable repodata a
`RepodataUnavailableError` carrying rattler's text; neither message names a command-line
option. The words users read (`--channel-alias`, what to do next) are composed by
envlock.resolve.solver and envlock.create.link, as before.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from envlock.create.link import worded as install_words
from envlock.engine.failures import (
    InstallFailedError,
    MissingChannelError,
    RepodataUnavailableError,
)
from envlock.engine.request import Request
from envlock.engine.solve import solve_requests
from envlock.errors import BadInputError, WorldFailedError
from envlock.mirror import Mirror
from envlock.net.credentials import Access
from envlock.resolve.solver import worded
from tests.helpers import REPO, serve_folder

TOKEN = "tok-8f2e"


def test_a_channel_that_is_not_there_is_named_as_data(demo_mirror: Mirror, tmp_path: Path) -> None:
    alias = demo_mirror.channel_alias
    request = Request(
        platform="linux-64",
        specs=("python 3.8.*",),
        channels=((f"{alias}/pytorch", "pytorch"), (f"{alias}/defaults", "defaults")),
    )
    with pytest.raises(MissingChannelError) as caught:
        solve_requests([request], cache_dir=tmp_path)
    failure = caught.value
    assert (failure.platform, failure.name, failure.url) == (
        "linux-64",
        "defaults",
        f"{alias}/defaults",
    )
    assert failure.exit_code == 2
    assert "--channel-alias" not in failure.message
    assert worded(failure, Access()).message == (
        f"channel `defaults` is not served at {alias}/defaults (it has no "
        "noarch/repodata.json, which every conda channel has): remove it from the channel "
        "list or point --channel-alias at a mirror that has it"
    )


def test_unreachable_repodata_is_data_and_its_words_mask_the_token(tmp_path: Path) -> None:
    (tmp_path / "served").mkdir()
    with serve_folder(tmp_path / "served") as base:
        request = Request(
            platform="osx-64", specs=("python",), channels=((f"{base}/missing", "missing"),)
        )
        auth = {"127.0.0.1": {"CondaToken": TOKEN}}
        with pytest.raises(RepodataUnavailableError) as caught:
            solve_requests([request], cache_dir=tmp_path / "cache", auth=auth)
    failure = caught.value
    assert failure.platform == "osx-64"
    assert f"{base}/missing" in failure.detail
    assert "404" in failure.detail  # the token reached the server: it was in the path
    assert failure.exit_code == 4
    assert TOKEN not in failure.message
    assert "ENVLOCK_CHANNEL_ALIAS" not in failure.message
    access = Access(auth=auth, shown={f"{base}/missing": f"{base}/t/<TOKEN>/missing"})
    said = worded(failure, access)
    assert isinstance(said, WorldFailedError)
    assert said.message.startswith(
        f"could not fetch the channels' repodata for osx-64: could not find subdir 'noarch' "
        f"in channel '{base}/t/<TOKEN>/missing/'"
    )
    assert said.message.endswith(
        ". Check the channel alias (--channel-alias / ENVLOCK_CHANNEL_ALIAS) and the "
        "network, then run the same command again."
    )


@pytest.mark.parametrize(
    ("cause", "kind", "words"),
    [
        ("no-python", BadInputError, "installing into /envs/x failed: boom; nothing was left "
         "behind. The lock lists noarch: python packages but no python, so it is incomplete "
         "and fails the same way every time: re-resolve it"),
        ("disk-full", WorldFailedError, "installing into /envs/x failed: boom; nothing was "
         "left behind. Free some space and try again"),
        ("unpack", WorldFailedError, "installing into /envs/x failed: boom; nothing was left "
         "behind. The archive matches the lock's hash, so the locked file itself cannot be "
         "unpacked and a retry fails the same way: fix the channel's file or re-resolve the "
         "lock"),
        ("rattler", WorldFailedError, "installing into /envs/x failed: boom; nothing was "
         "left behind. Try again"),
        ("os-disk-full", WorldFailedError, "the disk holding /envs is full; nothing was left "
         "behind. Free some space (or set ENVLOCK_PKGS_DIR to a larger disk) and try again"),
        ("os", WorldFailedError, "installing failed: boom; nothing was left behind"),
    ],
)  # fmt: skip
def test_an_install_failure_is_data_worded_by_the_create_stage(
    cause: str, kind: type[Exception], words: str
) -> None:
    staging = Path("/envs/.x.staging")
    failure = InstallFailedError(
        cause=cause,  # type: ignore[arg-type]  # each literal in turn
        detail="boom",
        final=Path("/envs/x"),
        staging=staging,
    )
    assert failure.exit_code == (2 if cause == "no-python" else 4)
    assert "ENVLOCK_PKGS_DIR" not in failure.message and "re-resolve" not in failure.message
    said = install_words(failure)
    assert type(said) is kind
    assert said.exit_code == failure.exit_code
    assert said.message == words


def test_the_engine_names_no_option_and_reads_no_setting() -> None:
    """No string in envlock/engine names a command-line option or an ENVLOCK_ variable,
    and no engine module reads the environment's HTTP policy."""
    found = []
    for path in sorted((REPO / "envlock" / "engine").glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                text = node.value
                if "--channel-alias" in text or "ENVLOCK_" in text:
                    found.append(f"{path.name}: {text[:60]!r}")
            name = (
                node.id if isinstance(node, ast.Name)
                else node.name if isinstance(node, ast.alias)
                else node.attr if isinstance(node, ast.Attribute)
                else None
            )  # fmt: skip
            if name == "policy_from_env":
                found.append(f"{path.name}: policy_from_env")
    assert found == []
