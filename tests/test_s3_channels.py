"""Channels in S3 buckets: resolve and create through rattler's S3 middleware, against a
real local S3 server (moto in server mode on 127.0.0.1, behind a gate that checks
signatures as S3 does: tests/helpers/s3.py).

Credentials come from the usual AWS variables only; no secret (the secret key, the
session token, not even the access key id) reaches a lock, the repodata cache, the
package cache, the environment, a message or a JSON document.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from envlock.mirror import build_mirror
from envlock.mirror.record import rec
from tests.helpers import flat, invoke, s3
from tests.helpers.environments import installed

pytest.importorskip("moto.server", reason="moto[server] (in the test extra) is not installed")

ACCESS_KEY_ID = "AKIAENVLOCKTEST4711"
SECRET_KEY = "s3cr3t-Key/WithSlash+Plus"
SESSION_TOKEN = "SeSsIoNtOkEn-0815-xyz"
SECRETS = (ACCESS_KEY_ID, SECRET_KEY, SESSION_TOKEN)
BUCKET = "lab-conda"
DAY = 1_609_459_200_000  # 2021-01-01, in ms
RECORDS = (
    rec("lab", "noarch", "labtool", "1.0", "pyh_0", DAY),
    rec("lab", "linux-64", "labcore", "2.1", "h1_0", DAY, ["labtool >=1"]),
    rec("lab", "linux-64", "labcore", "2.0", "h1_0", DAY, ["labtool >=1"]),
    rec("conda-forge", "noarch", "tzdata", "2024a", "h0c530f3_0", DAY),
)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[s3.S3Server]:
    """The lab channel and a tiny conda-forge in `s3://lab-conda/conda/`."""
    mirror = build_mirror(tmp_path_factory.mktemp("s3-mirror"), RECORDS)
    key = s3.Key(ACCESS_KEY_ID, SECRET_KEY, SESSION_TOKEN)
    with s3.s3_server([key]) as running:
        running.client().create_bucket(Bucket=BUCKET)
        for channel in ("lab", "conda-forge"):
            assert running.upload_folder(mirror.root / channel, BUCKET, f"conda/{channel}") > 4
        running.upload_folder(mirror.root / "lab", BUCKET, "copy/lab")  # a second home
        yield running


@pytest.fixture
def aws(server: s3.S3Server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> s3.S3Server:
    """The AWS variables pointing at the local server, and nothing else of AWS's: no
    profile, no config files, no instance metadata (which would be a request to a
    link-local address)."""
    for name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_ENDPOINT_URL", "AWS_REGION",
                 "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_CREDENTIALS_FULL_URI",
                 "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_ROLE_ARN"):  # fmt: skip
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-aws-credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", ACCESS_KEY_ID)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET_KEY)
    monkeypatch.setenv("AWS_SESSION_TOKEN", SESSION_TOKEN)
    monkeypatch.setenv("AWS_DEFAULT_REGION", server.region)
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", server.endpoint)
    monkeypatch.setenv("ENVLOCK_PKGS_DIR", str(tmp_path / "pkgs"))
    monkeypatch.setenv("ENVLOCK_HTTP_BACKOFF", "0")
    monkeypatch.delenv("ENVLOCK_CHANNEL_ALIAS", raising=False)
    monkeypatch.chdir(tmp_path)
    server.seen.clear()
    server.failing.clear()
    return server


def _environment_yml(tmp_path: Path, channel: str) -> Path:
    path = tmp_path / "environment.yml"
    path.write_text(f"name: labenv\nchannels: [{channel}]\ndependencies: [labcore]\n")
    return path


def _files_holding_secrets(root: Path) -> list[str]:
    return [
        f"{path}: {secret}"
        for path in root.rglob("*")
        if path.is_file() and not path.is_symlink()
        for secret in SECRETS
        if secret.encode() in path.read_bytes()
    ]


def _no_secret_in(*texts: str) -> None:
    for text in texts:
        for secret in SECRETS:
            assert secret not in text


def test_resolve_and_create_from_an_s3_channel(aws: s3.S3Server, tmp_path: Path) -> None:
    env = _environment_yml(tmp_path, f"s3://{BUCKET}/conda/lab")
    ran = invoke(["resolve", str(env), "-o", "locks", "-p", "linux-64", "--json"])
    assert ran.exit_code == 0, ran.stderr
    lock = (tmp_path / "locks" / "labenv" / "conda-lock.yml").read_text()
    assert f"url: s3://{BUCKET}/conda/lab/linux-64/labcore-2.1-h1_0.tar.bz2" in lock
    assert f"url: s3://{BUCKET}/conda/lab/noarch/labtool-1.0-pyh_0.tar.bz2" in lock
    explicit = (tmp_path / "locks" / "labenv" / "linux-64.lock").read_text()
    assert f"s3://{BUCKET}/conda/lab/linux-64/labcore-2.1-h1_0.tar.bz2#" in explicit
    # Repodata came through the gate, signed with the variables' key.
    assert ("GET", f"/{BUCKET}/conda/lab/linux-64/repodata.json", ACCESS_KEY_ID) in aws.seen
    aws.seen.clear()

    created = invoke(["create", "locks/labenv", "-p", "env", "--platform", "linux-64", "--json"])
    assert created.exit_code == 0, created.stderr
    assert created.json()["fetched"]["packages"] == 2
    assert installed(tmp_path / "env") == {
        ("labcore", "2.1", "h1_0", "lab"),
        ("labtool", "1.0", "pyh_0", "lab"),
    }
    archives = {path for method, path, _ in aws.seen if method == "GET"}
    assert archives == {
        f"/{BUCKET}/conda/lab/linux-64/labcore-2.1-h1_0.tar.bz2",
        f"/{BUCKET}/conda/lab/noarch/labtool-1.0-pyh_0.tar.bz2",
    }
    meta = next((tmp_path / "env" / "conda-meta").glob("labcore-*.json"))
    assert json.loads(meta.read_text())["url"].startswith(f"s3://{BUCKET}/conda/lab/")
    # Nothing written holds a credential: lock, repodata cache, package cache, prefix.
    assert any((tmp_path / ".envlock-cache").rglob("*.info.json"))
    assert _files_holding_secrets(tmp_path) == []
    _no_secret_in(ran.stdout, ran.stderr, created.stdout, created.stderr)


def test_a_recipe_resolves_under_an_s3_channel_alias(aws: s3.S3Server, tmp_path: Path) -> None:
    recipe = tmp_path / "lab.yml"
    recipe.write_text("envlock: 1\nname: lab\nchannels: [lab]\ndependencies: [labcore 2.0]\n")
    alias = f"s3://{BUCKET}/conda"
    ran = invoke(["resolve", str(recipe), "-o", "locks", "--channel-alias", alias])
    assert ran.exit_code == 0, ran.stderr
    lock = (tmp_path / "locks" / "lab" / "conda-lock.yml").read_text()
    assert f"url: {alias}/lab/linux-64/labcore-2.0-h1_0.tar.bz2" in lock
    # conda-forge, the recipe's base channel, was looked up in the bucket too.
    assert any(path.startswith(f"/{BUCKET}/conda/conda-forge/") for _, path, _ in aws.seen)
    assert _files_holding_secrets(tmp_path) == []
    _no_secret_in(ran.stdout, ran.stderr)


def test_a_channel_missing_under_an_s3_alias_is_bad_input(aws: s3.S3Server, tmp_path: Path) -> None:
    recipe = tmp_path / "lab.yml"
    recipe.write_text("envlock: 1\nname: lab\nchannels: [nolab]\ndependencies: [labcore]\n")
    ran = invoke(["resolve", str(recipe), "-o", "locks", "--channel-alias", f"s3://{BUCKET}/conda"])
    assert ran.exit_code == 2, ran.stderr  # conda-forge answers from the same bucket
    message = flat(ran.stderr)
    assert f"channel `nolab` is not served at s3://{BUCKET}/conda/nolab" in message
    assert f"the bucket `{BUCKET}` or that path does not exist" in message


def test_create_fetches_through_an_s3_channel_alias(aws: s3.S3Server, tmp_path: Path) -> None:
    lock = _good_lock(tmp_path)
    aws.seen.clear()
    alias = f"s3://{BUCKET}/copy"
    ran = invoke(
        ["create", str(lock), "-p", "env", "--platform", "linux-64", "--channel-alias", alias]
    )
    assert ran.exit_code == 0, ran.stderr
    fetched = {path for _, path, _ in aws.seen}
    assert fetched == {
        f"/{BUCKET}/copy/lab/linux-64/labcore-2.1-h1_0.tar.bz2",
        f"/{BUCKET}/copy/lab/noarch/labtool-1.0-pyh_0.tar.bz2",
    }
    meta = next((tmp_path / "env" / "conda-meta").glob("labcore-*.json"))
    assert json.loads(meta.read_text())["url"].startswith(f"s3://{BUCKET}/conda/lab/")


def test_an_s3_alias_must_name_a_bucket(aws: s3.S3Server, tmp_path: Path) -> None:
    env = _environment_yml(tmp_path, "lab")
    ran = invoke(["resolve", str(env), "-o", "locks", "--channel-alias", "s3:///conda"])
    assert ran.exit_code == 2
    assert "s3://BUCKET/path/channel" in flat(ran.stderr)


@pytest.mark.parametrize("variable", ["AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"])
def test_wrong_credentials_fail_resolve_naming_the_bucket_only(
    aws: s3.S3Server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, variable: str
) -> None:
    wrong = "wrong-" + variable.lower() + "-value"
    monkeypatch.setenv(variable, wrong)
    env = _environment_yml(tmp_path, f"s3://{BUCKET}/conda/lab")
    ran = invoke(["resolve", str(env), "-o", "locks", "-p", "linux-64", "--json"])
    assert ran.exit_code == 4, ran.stderr
    error = ran.json()
    assert error["code"] == 4
    message = flat(error["message"])
    assert f"bucket `{BUCKET}`" in message
    assert "HTTP 403" in message
    assert "AWS_SECRET_ACCESS_KEY" in message  # what to check, by name
    _no_secret_in(ran.stdout, ran.stderr)
    assert wrong not in ran.stdout + ran.stderr
    assert "X-Amz-" not in ran.stdout + ran.stderr  # no presigned URL, no signature
    assert not (tmp_path / "locks").exists()
    assert _files_holding_secrets(tmp_path) == []


def _good_lock(tmp_path: Path) -> Path:
    env = _environment_yml(tmp_path, f"s3://{BUCKET}/conda/lab")
    ran = invoke(["resolve", str(env), "-o", "locks", "-p", "linux-64"])
    assert ran.exit_code == 0, ran.stderr
    return tmp_path / "locks" / "labenv"


def test_wrong_credentials_fail_create_and_leave_no_partial_file(
    aws: s3.S3Server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    lock = _good_lock(tmp_path)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "not-the-secret-key")
    ran = invoke(["create", str(lock), "-p", "env", "--platform", "linux-64"])
    assert ran.exit_code == 4, ran.stderr
    message = flat(ran.stderr)
    assert f"bucket `{BUCKET}`" in message
    assert "HTTP 403" in message
    assert "not-the-secret-key" not in message
    _no_secret_in(ran.stdout, ran.stderr)
    assert "X-Amz-" not in message
    assert not (tmp_path / "env").exists()
    # Every fetch failed, and the batch's temporary files went with the failure: the
    # cache holds only its per-archive lock files (envlock.create.sharing).
    archives = tmp_path / "pkgs" / "archives"
    assert [p.name for p in archives.iterdir()] == [".envlock-locks"]
    assert not list(archives.glob("**/*.part"))
    assert _files_holding_secrets(tmp_path) == []


def test_a_missing_bucket_is_named(aws: s3.S3Server, tmp_path: Path) -> None:
    env = _environment_yml(tmp_path, "s3://no-such-bucket/conda/lab")
    ran = invoke(["resolve", str(env), "-o", "locks", "-p", "linux-64"])
    assert ran.exit_code == 4, ran.stderr
    message = flat(ran.stderr)
    assert "s3://no-such-bucket/conda/lab" in message
    assert "bucket `no-such-bucket` or that path does not exist" in message
    _no_secret_in(ran.stdout, ran.stderr)


def test_a_lock_pointing_at_a_missing_bucket_fails_create(aws: s3.S3Server, tmp_path: Path) -> None:
    lock = _good_lock(tmp_path)
    path = lock / "conda-lock.yml"
    path.write_text(path.read_text().replace(f"s3://{BUCKET}/", "s3://gone-bucket/"))
    ran = invoke(["create", str(path), "-p", "env", "--platform", "linux-64"])
    assert ran.exit_code == 4, ran.stderr
    message = flat(ran.stderr)
    assert "s3://gone-bucket/conda/lab/" in message
    assert "bucket `gone-bucket` or that path does not exist (or AWS_ENDPOINT_URL" in message
    _no_secret_in(ran.stdout, ran.stderr)
    assert not (tmp_path / "env").exists()


def test_no_credentials_at_all_is_said_plainly(
    aws: s3.S3Server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name)
    env = _environment_yml(tmp_path, f"s3://{BUCKET}/conda/lab")
    ran = invoke(["resolve", str(env), "-o", "locks", "-p", "linux-64"])
    assert ran.exit_code == 4, ran.stderr
    assert "no AWS credentials or region were found" in flat(ran.stderr)
    assert aws.seen == []  # nothing unsigned was sent


def test_an_archive_answered_500_once_is_fetched_again(aws: s3.S3Server, tmp_path: Path) -> None:
    lock = _good_lock(tmp_path)
    archive = f"/{BUCKET}/conda/lab/linux-64/labcore-2.1-h1_0.tar.bz2"
    aws.failing[archive] = [500]
    aws.seen.clear()
    ran = invoke(["create", str(lock), "-p", "env", "--platform", "linux-64"])
    assert ran.exit_code == 0, ran.stderr
    assert [path for _, path, _ in aws.seen].count(archive) == 2
    assert ("labcore", "2.1", "h1_0", "lab") in installed(tmp_path / "env")
