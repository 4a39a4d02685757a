"""Channels in S3 buckets (`s3://bucket/path/channel`): archive downloads and their words.

rattler's S3 middleware signs every `s3://` request with the AWS SDK's configuration:
credentials, region and endpoint come from the usual AWS variables (`AWS_ACCESS_KEY_ID`,
`AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`, `AWS_REGION` / `AWS_DEFAULT_REGION`,
`AWS_ENDPOINT_URL` / `AWS_ENDPOINT_URL_S3`, `AWS_PROFILE`, ~/.aws/config). envlock
reads none of them to sign anything; locks and caches keep the plain `s3://` URL.

What rattler reports quotes the presigned URL, whose query carries the access key id
and, with temporary credentials, the session token (`X-Amz-Security-Token`): `unsign`
removes every such query, and the values of the secret AWS variables too, before a
message is shown. Repodata goes through rattler's Gateway (envlock.engine.access);
archives through `attempt`, the s3:// branch of envlock.net.download, which streams the
object with the `stream` function the caller put in the `Download` (built in
envlock.engine.s3; net/ never imports the engine).
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO
from urllib.parse import urlsplit

from envlock.errors import BadInputError, WorldFailedError
from envlock.net.credentials import hide, mask, secret_forms
from envlock.net.policy import retried_status

if TYPE_CHECKING:
    from envlock.net.download import Download, Fetched

SCHEME = "s3"
# The AWS variables whose values are secret (the access key id is not, but it is the
# other half of a credential: it is kept out of messages all the same).
SECRET_VARIABLES = ("AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_ACCESS_KEY_ID")
# A URL whose query holds a SigV4 presignature (any `X-Amz-...=` parameter).
_PRESIGNED = re.compile(r"([a-z][a-z0-9+.\-]*://[^\s?'\"()`]+)\?[^\s'\"()`]*X-Amz-[^\s'\"()`]*",
                        re.IGNORECASE)  # fmt: skip
# (kind, HTTP status or None, rattler's text), as envlock.engine.s3 returns a failure.
S3Failure = tuple[str, "int | None", str]
# Streams one s3:// URL into the function it is given; None, or the failure.
S3Streamer = Callable[[str, Callable[[bytes], None]], "S3Failure | None"]


def is_s3(url: str) -> bool:
    """True for an `s3://` URL."""
    return url[:5].lower() == "s3://"


def bucket_of(url: str) -> str:
    """The bucket an `s3://bucket/key` URL names ('' when it names none)."""
    return urlsplit(url).netloc if is_s3(url) else ""


def check_s3_url(url: str, what: str) -> None:
    """BadInputError (exit 2) unless `url` names a bucket (`s3://bucket/...`);
    `what` names where the URL came from (`--channel-alias`, a channel)."""
    if not bucket_of(url) or "@" in bucket_of(url):
        raise BadInputError(
            f"{what} {mask(url)}: an S3 URL names a bucket and a path, "
            "s3://BUCKET/path/channel; credentials come from the AWS variables "
            "(AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_PROFILE ...), never the URL"
        )


def s3_channel_in(text: str, channels: Iterable[str]) -> str | None:
    """Which of the s3:// `channels` rattler's `text` is about, or None.

    rattler names the channel (`s3://bucket/path/`) or quotes the presigned request,
    path-style (`http://host/bucket/path/...`) or virtual-host style
    (`https://bucket.host/path/...`); the longest channel that fits wins.
    """
    for url in sorted({c.rstrip("/") for c in channels if is_s3(c)}, key=len, reverse=True):
        bucket, path = bucket_of(url), urlsplit(url).path.strip("/")
        inside = f"/{path}/" if path else "/"
        if (
            url + "/" in text
            or f"/{bucket}{inside}" in text
            or (f"//{bucket}." in text and inside in text)
        ):
            return url
    return None


def unsign(text: str, environ: Mapping[str, str] | None = None) -> str:
    """`text` with every presigned URL's query removed and the values of the secret AWS
    variables (`SECRET_VARIABLES`, from `environ`, default `os.environ`) hidden."""
    env = os.environ if environ is None else environ
    text = _PRESIGNED.sub(r"\1", text)
    secrets = [env.get(name, "") for name in SECRET_VARIABLES]
    return hide(text, secret_forms(s for s in secrets if len(s) >= 4))


def advice(failure: S3Failure, url: str) -> str:
    """What to do about `failure` (a failed request for the s3:// `url`), naming its
    bucket; says nothing of any credential's value."""
    kind, status, _ = failure
    bucket = bucket_of(url)
    if kind == "sign":
        return (
            f"no AWS credentials or region were found to sign a request for bucket "
            f"`{bucket}`: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and "
            "AWS_SESSION_TOKEN for temporary credentials) or AWS_PROFILE, and AWS_REGION"
        )
    if status in (401, 403):
        return (
            f"S3 refused the credentials for bucket `{bucket}` (HTTP {status}): check "
            "AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN (or AWS_PROFILE) "
            "and that they may read the bucket"
        )
    if status == 404:
        return (
            f"S3 has no such object (HTTP 404): the bucket `{bucket}` or that path does "
            "not exist (or AWS_ENDPOINT_URL points at another S3 server)"
        )
    if kind == "http":
        return f"S3 answered HTTP {status} for bucket `{bucket}`"
    return (
        f"S3 did not answer for bucket `{bucket}`: check the network, AWS_REGION and "
        "AWS_ENDPOINT_URL / AWS_ENDPOINT_URL_S3"
    )


def attempt(
    source: Download, out: BinaryIO, part: Path, filename: str, count: Callable[[int], None]
) -> Fetched:
    """One try at an s3:// archive: stream it into `out` (the file `part`), hashing.

    Raises WorldFailedError (exit 4) for a final failure, and for a transient one (5xx,
    408, 429, a broken connection) the error envlock.net.download retries.
    """
    from envlock.net.download import Fetched
    from envlock.net.transport import TransientError

    if source.stream is None:  # a caller that did not say how to reach S3
        raise WorldFailedError(f"{filename}: {source.shown}: envlock was given no S3 client")
    sha, md5, size = hashlib.sha256(), hashlib.md5(usedforsecurity=False), 0

    def write(chunk: bytes) -> None:
        nonlocal size
        out.write(chunk)
        sha.update(chunk)
        md5.update(chunk)
        size += len(chunk)
        count(len(chunk))

    failure = source.stream(source.url, write)
    if failure is not None:
        kind, status, detail = failure
        said = source.hide(unsign(detail))
        message = f"{filename}: cannot download {source.shown}: {advice(failure, source.url)}"
        said = " ".join(said.split())
        message += f" ({said if len(said) <= 300 else said[:300] + '…'})"
        if kind == "network" or (status is not None and retried_status(status)):
            raise TransientError(f"{message}; try again")
        raise WorldFailedError(message)
    return Fetched(path=part, sha256=sha.hexdigest(), md5=md5.hexdigest(), size=size)


__all__ = [
    "SCHEME",
    "SECRET_VARIABLES",
    "S3Failure",
    "S3Streamer",
    "advice",
    "attempt",
    "bucket_of",
    "check_s3_url",
    "is_s3",
    "s3_channel_in",
    "unsign",
]
