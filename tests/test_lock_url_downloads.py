"""A lock's package URL made a `Download` (envlock.net.download.download_from):
`${VAR}` placeholders expanded, credentials sent, and the specific reason given when
they cannot be, the secrets never in a message."""

from __future__ import annotations

import pytest

from envlock.create.cache import download_for
from envlock.errors import BadInputError
from envlock.net.download import download_from
from envlock.net.policy import HttpPolicy
from tests.helpers.locks import conda

FILE = "pytorch-2.0.1-py3.10_cuda11.7_0.conda"
SECRET = "s3cr3t-77"


def _refused(template: str, environ: dict[str, str]) -> str:
    with pytest.raises(BadInputError) as caught:
        download_from(template, filename=FILE, environ=environ)
    assert SECRET not in caught.value.message
    return caught.value.message


def test_placeholders_are_expanded_for_the_request_only() -> None:
    template = f"https://h.example/t/${{TOKEN}}/pytorch/linux-64/{FILE}"
    policy = HttpPolicy(retries=1)
    got = download_from(template, filename=FILE, policy=policy, environ={"TOKEN": SECRET})
    assert got.url == f"https://h.example/t/{SECRET}/pytorch/linux-64/{FILE}"
    assert got.shown == f"https://h.example/t/<TOKEN>/pytorch/linux-64/{FILE}"
    assert got.policy == policy
    assert SECRET not in repr(got)
    assert got.hide(f"failed: {got.url}") == (
        f"failed: https://h.example/t/<HIDDEN>/pytorch/linux-64/{FILE}"
    )


def test_user_and_password_become_a_header() -> None:
    got = download_from(
        f"https://alice:${{PW}}@h.example/c/linux-64/{FILE}",
        filename=FILE,
        environ={"PW": SECRET},
    )
    assert got.url == f"https://h.example/c/linux-64/{FILE}"
    assert got.shown == f"https://alice:<PASSWORD>@h.example/c/linux-64/{FILE}"
    assert [key for key, _ in got.headers] == ["Authorization"]


def test_an_unset_variable_is_named() -> None:
    message = _refused(f"https://h.example/t/${{TOKEN}}/c/linux-64/{FILE}", {})
    assert message == (
        f"{FILE}: the URL https://h.example/t/<TOKEN>/c/linux-64/{FILE} uses ${{TOKEN}}, not "
        "set in the environment: set it (conda-lock's used_env_vars convention), or pass "
        "--channel-alias"
    )


@pytest.mark.parametrize(
    ("template", "reason"),
    [
        (
            f"https://h.example/mirror/t/${{TOKEN}}/c/linux-64/{FILE}",
            f"https://h.example/mirror/t/<TOKEN>/c/linux-64/{FILE}: a /t/<TOKEN> is supported "
            "right after the host only (https://host/t/<TOKEN>/channel)",
        ),
        (
            f"https://u:${{TOKEN}}@h.example/t/${{TOKEN}}/c/linux-64/{FILE}",
            f"https://u:<PASSWORD>@h.example/t/<TOKEN>/c/linux-64/{FILE}: give either "
            "user:password@ or /t/<TOKEN>, not both",
        ),
    ],
)
def test_credentials_that_cannot_be_sent_say_why(template: str, reason: str) -> None:
    """The specific reason from envlock.net.credentials reaches the user (it used to be
    replaced by one generic sentence)."""
    assert _refused(template, {"TOKEN": SECRET}) == f"{FILE}: {reason}"


def test_a_placeholder_that_changes_the_urls_shape_is_refused_without_its_value() -> None:
    # The template alone is fine; its expansion puts a second /t/<token> in the path.
    template = f"https://h.example/t/${{TOKEN}}/c/linux-64/{FILE}"
    message = _refused(template, {"TOKEN": f"{SECRET}/t/{SECRET}"})
    assert message.startswith(f"{FILE}: https://h.example/t/<TOKEN>/c/linux-64/{FILE}: ")
    assert message.endswith("more than one /t/<TOKEN> in the URL")


def test_create_takes_the_same_path(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TOKEN", SECRET)
    package = conda("pytorch", "2.0.1", "py3.10_cuda11.7_0", channel="c",
                    alias="https://h.example/mirror/t/${TOKEN}")  # fmt: skip
    with pytest.raises(BadInputError) as caught:
        download_for(package)
    assert "a /t/<TOKEN> is supported right after the host only" in caught.value.message
    assert SECRET not in caught.value.message
