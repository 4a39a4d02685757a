"""What envlock says about S3 failures: rattler's text read, presigned URLs stripped,
AWS secrets hidden, the channel found; and the test gate's signature check itself."""

from __future__ import annotations

import pytest

from envlock.engine.s3 import failure_of
from envlock.errors import BadInputError
from envlock.net.s3 import advice, bucket_of, check_s3_url, s3_channel_in, unsign

PRESIGNED = (
    "HTTP status client error (403 Forbidden) for url (http://127.0.0.1:9000/lab/conda/"
    "lab/noarch/repodata.json?x-id=GetObject&X-Amz-Algorithm=AWS4-HMAC-SHA256"
    "&X-Amz-Credential=AKIDEXAMPLE%2F20261204%2Fus-east-1%2Fs3%2Faws4_request"
    "&X-Amz-Date=20261204T184945Z&X-Amz-Expires=300&X-Amz-SignedHeaders=host"
    "&X-Amz-Signature=d8fa3d31&X-Amz-Security-Token=TOKEN-abc%2Bdef)"
)


def test_unsign_drops_the_presigned_query_and_hides_aws_secrets() -> None:
    env = {"AWS_SECRET_ACCESS_KEY": "wJalr/K7MDENG+bPx", "AWS_SESSION_TOKEN": "TOKEN-abc+def"}
    text = unsign(PRESIGNED + " key wJalr/K7MDENG+bPx, encoded wJalr%2FK7MDENG%2BbPx", env)
    assert "X-Amz" not in text
    assert "AKIDEXAMPLE" not in text and "TOKEN-abc" not in text
    assert "wJalr" not in text
    assert "(http://127.0.0.1:9000/lab/conda/lab/noarch/repodata.json)" in text
    assert text.count("<HIDDEN>") == 2


def test_unsign_leaves_plain_urls_and_short_values_alone() -> None:
    text = "no repodata at https://host/ch/noarch/repodata.json?page=2 (key x)"
    assert unsign(text, {"AWS_ACCESS_KEY_ID": "x"}) == text


@pytest.mark.parametrize(
    ("text", "kind", "status"),
    [
        (PRESIGNED, "http", 403),
        ("HTTP status server error (503 Service Unavailable) for url (http://h/b/k)", "http", 503),
        ("failed to presign the S3 GET request for 's3://b/k'", "sign", None),
        ("error sending request for url (http://127.0.0.1:9/b/k)", "network", None),
    ],
)
def test_failure_of_reads_rattlers_text(text: str, kind: str, status: int | None) -> None:
    assert failure_of(text)[:2] == (kind, status)


def test_advice_names_the_bucket_and_what_to_set() -> None:
    url = "s3://lab-conda/conda/lab/linux-64/x.conda"
    assert bucket_of(url) == "lab-conda"
    assert "bucket `lab-conda` (HTTP 403)" in advice(("http", 403, ""), url)
    assert "bucket `lab-conda` or that path does not exist" in advice(("http", 404, ""), url)
    assert "set AWS_ACCESS_KEY_ID" in advice(("sign", None, ""), url)
    assert "S3 did not answer" in advice(("network", None, ""), url)


@pytest.mark.parametrize(
    "text",
    [
        "could not find subdir 'noarch' in channel 's3://lab-conda/conda/lab/'",
        "for url (http://127.0.0.1:9000/lab-conda/conda/lab/noarch/repodata.json)",
        "for url (https://lab-conda.s3.eu-west-1.amazonaws.com/conda/lab/noarch/repodata.json)",
    ],
)
def test_the_failing_s3_channel_is_found_in_any_form(text: str) -> None:
    channels = ["s3://lab-conda/conda/lab", "s3://lab-conda/conda/lab-extra", "file:///m/lab"]
    assert s3_channel_in(text, channels) == "s3://lab-conda/conda/lab"
    assert s3_channel_in(text, ["s3://other/conda/lab"]) is None


@pytest.mark.parametrize("url", ["s3:///conda", "s3://", "s3://key:secret@bucket/conda"])
def test_an_s3_url_must_name_a_bucket_and_no_credentials(url: str) -> None:
    with pytest.raises(BadInputError, match=r"s3://BUCKET/path/channel") as caught:
        check_s3_url(url, "--channel-alias")
    assert "secret" not in caught.value.message


def test_the_test_gate_checks_signatures_as_s3_does() -> None:
    """The gate of tests/helpers/s3.py accepts what boto3 presigns with the right key, and
    refuses a wrong secret, an unknown key id, a wrong session token and no signature."""
    pytest.importorskip("boto3", reason="boto3 comes with moto[server] (the test extra)")
    from urllib.parse import urlsplit

    import boto3
    from botocore.config import Config

    from tests.helpers.s3 import Key, signature_problem

    key = Key("AKIDGATE", "gate-secret", "gate-token")

    def presigned(secret: str, token: str | None, akid: str = "AKIDGATE") -> str:
        client = boto3.client(
            "s3", endpoint_url="http://127.0.0.1:9", region_name="us-east-1",
            aws_access_key_id=akid, aws_secret_access_key=secret, aws_session_token=token,
            config=Config(signature_version="s3v4"),  # SigV4, as rattler signs
        )  # fmt: skip
        params = {"Bucket": "b", "Key": "c/d.conda"}
        url = client.generate_presigned_url("get_object", Params=params)
        parts = urlsplit(url)
        return f"{parts.path}?{parts.query}"

    headers = {"host": "127.0.0.1:9"}
    keys = {key.access_key_id: key}
    assert signature_problem("GET", presigned("gate-secret", "gate-token"), headers, keys) is None
    wrong = presigned("other-secret", "gate-token")
    assert signature_problem("GET", wrong, headers, keys) == "SignatureDoesNotMatch"
    other = presigned("gate-secret", "gate-token", akid="AKIDOTHER")
    assert signature_problem("GET", other, headers, keys) == "InvalidAccessKeyId"
    assert signature_problem("GET", presigned("gate-secret", None), headers, keys) == "InvalidToken"
    assert signature_problem("GET", "/b/c/d.conda", headers, keys) == "AccessDenied"
