"""A lock's package URL made a `Download` (envlock.net.download.download_from):
`${VAR}` placeholders expanded only as the lock's channels declare them and only toward
their host, credentials sent, and the specific reason given when they cannot be, the
secrets never in a message."""

from __future__ import annotations

import pytest

from envlock.create.cache import download_for
from envlock.errors import BadInputError
from envlock.net.credentials import Declared, declared_by
from envlock.net.download import download_from
from envlock.net.policy import HttpPolicy
from tests.helpers.locks import conda

FILE = "pytorch-2.0.1-py3.10_cuda11.7_0.conda"
SECRET = "s3cr3t-77"
# What a conda-lock.yml's metadata.channels declare: TOKEN and PW, for h.example only.
DECLARED = declared_by([("https://h.example/t/${TOKEN}/pytorch", ("TOKEN", "PW"))])


def _refused(template: str, environ: dict[str, str], declared: Declared = DECLARED) -> str:
    with pytest.raises(BadInputError) as caught:
        download_from(template, filename=FILE, environ=environ, declared=declared)
    assert SECRET not in caught.value.message
    return caught.value.message


def test_placeholders_are_expanded_for_the_request_only() -> None:
    template = f"https://h.example/t/${{TOKEN}}/pytorch/linux-64/{FILE}"
    policy = HttpPolicy(retries=1)
    got = download_from(
        template, filename=FILE, policy=policy, environ={"TOKEN": SECRET}, declared=DECLARED
    )
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
        declared=DECLARED,
    )
    assert got.url == f"https://h.example/c/linux-64/{FILE}"
    assert got.shown == f"https://alice:<PASSWORD>@h.example/c/linux-64/{FILE}"
    assert [key for key, _ in got.headers] == ["Authorization"]


def test_an_unset_variable_is_named() -> None:
    message = _refused(f"https://h.example/t/${{TOKEN}}/c/linux-64/{FILE}", {})
    assert message == (
        f"{FILE}: the URL https://h.example/t/<TOKEN>/c/linux-64/{FILE} uses ${{TOKEN}}, not "
        "set in the environment: set it (the lock's channels declare it in used_env_vars), "
        "or pass --channel-alias"
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
    declared = declared_by([("https://h.example/mirror/t/${TOKEN}/c", ("TOKEN",))])
    with pytest.raises(BadInputError) as caught:
        download_for(package, declared=declared)
    assert "a /t/<TOKEN> is supported right after the host only" in caught.value.message
    assert SECRET not in caught.value.message


# ---------------------------------------------------------------- what a lock may expand


@pytest.mark.parametrize(
    ("template", "variable", "host"),
    [
        # a name no channel declares, toward the declared host
        (f"https://h.example/t/${{AWS_SECRET_ACCESS_KEY}}/c/linux-64/{FILE}",
         "AWS_SECRET_ACCESS_KEY", "https://h.example"),
        # a declared name, toward another host (or port, or scheme)
        (f"https://evil.example/t/${{TOKEN}}/c/linux-64/{FILE}", "TOKEN", "https://evil.example"),
        (f"https://h.example:8443/t/${{TOKEN}}/c/linux-64/{FILE}", "TOKEN", "https://h.example"),
        (f"http://h.example/t/${{TOKEN}}/c/linux-64/{FILE}", "TOKEN", "http://h.example"),
        (f"https://${{PW}}@evil.example/c/linux-64/{FILE}", "PW", "https://evil.example"),
    ],
)  # fmt: skip
def test_a_variable_the_lock_does_not_declare_for_that_host_is_refused(
    template: str, variable: str, host: str
) -> None:
    message = _refused(template, {variable: SECRET, "TOKEN": SECRET})
    assert message.startswith(f"{FILE}: its URL ")
    assert f"uses ${{{variable}}}, which no channel of the lock on {host} declares" in message
    assert "--channel-alias" in message


def test_a_placeholder_choosing_the_host_is_refused() -> None:
    declared = declared_by([("https://${HOST}/c", ("HOST",))])
    message = _refused(f"https://${{HOST}}/c/linux-64/{FILE}", {"HOST": SECRET}, declared)
    assert "a placeholder in its host or port" in message


def test_an_explicit_file_expands_nothing_and_says_what_to_do() -> None:
    message = _refused(
        f"https://h.example/t/${{TOKEN}}/c/linux-64/{FILE}",
        {"TOKEN": SECRET},
        Declared(explicit=True),
    )
    assert "an explicit file cannot declare variables" in message
    assert "create from the lock's conda-lock.yml, or pass --channel-alias" in message


def test_the_check_comes_before_the_environment_is_read() -> None:
    """Undeclared and unset: refused as undeclared (no hint that setting it would help)."""
    message = _refused(f"https://h.example/t/${{GITHUB_TOKEN}}/c/linux-64/{FILE}", {})
    assert "no channel of the lock on https://h.example declares" in message


def test_a_channel_alias_is_the_users_own_and_expanded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MY_TOKEN", SECRET)
    package = conda("pytorch", "2.0.1", "py3.10_cuda11.7_0", channel="c")
    got = download_for(package, "https://h.example/t/${MY_TOKEN}")
    assert got.url == f"https://h.example/t/{SECRET}/c/linux-64/{package.filename}"
    assert SECRET not in got.shown


def test_a_placeholder_the_lock_puts_into_an_alias_url_is_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Re-based onto an alias, the lock's channel name still cannot smuggle one in."""
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET)
    package = conda("pytorch", "2.0.1", "py3.10_cuda11.7_0", channel="${AWS_SECRET_ACCESS_KEY}")
    with pytest.raises(BadInputError) as caught:
        download_for(package, "https://h.example/t/${MY_TOKEN}")
    assert "the lock's channel or file name puts ${AWS_SECRET_ACCESS_KEY} into" in str(caught.value)
    assert SECRET not in str(caught.value)
