"""The HTTP policy is read once by a command and handed down; nothing below reads it again.

A real 127.0.0.1 server answers every repodata file 503 once: the solve follows the
`HttpPolicy` it is given, whatever ENVLOCK_HTTP_RETRIES says (the engine never reads
the environment). (Create's plan carrying its policy: tests/test_http_policy.py.)
"""

from __future__ import annotations

from pathlib import Path

import pytest

from envlock.errors import WorldFailedError
from envlock.mirror import Mirror
from envlock.net.policy import HttpPolicy
from envlock.resolve.plan import Options, plan
from envlock.resolve.solver import solve_platforms
from tests.helpers import REPO, repodata_fails_first, serve_folder

M3NET = REPO / "recipes" / "m3net.yml"


@pytest.mark.http
@pytest.mark.parametrize(("given", "environment"), [(0, "5"), (2, "0")])
def test_the_solve_follows_the_policy_it_is_given_not_the_environment(
    demo_mirror: Mirror,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    given: int,
    environment: str,
) -> None:
    monkeypatch.setenv("ENVLOCK_HTTP_RETRIES", environment)
    with serve_folder(demo_mirror.root, repodata_fails_first()) as base:
        (specset,) = plan(M3NET, Options(platforms=("osx-64",), channel_alias=base)).specsets
        policy = HttpPolicy(retries=given, backoff_s=0.0)
        if given == 0:
            with pytest.raises(WorldFailedError, match="could not fetch the channels' repodata"):
                solve_platforms([specset], channel_alias=base, cache_dir=tmp_path, policy=policy)
            return
        solved = solve_platforms([specset], channel_alias=base, cache_dir=tmp_path, policy=policy)
    assert {p.name for p in solved["osx-64"].packages} >= {"pytorch", "python"}
