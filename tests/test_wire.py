"""Pure functions of the request path: typed values and SigV4, against boto3's own."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from data.sigv4 import sign
from data.wire import from_wire, to_wire

ITEM = {
    "PK": "POST#01J",
    "title": "Hello",
    "likeCount": 3,
    "price": Decimal("12.50"),
    "published": True,
    "gone": None,
    "tags": ["a", "b"],
    "links": [{"name": "site", "url": "https://example.com"}],
    "labels": {"x", "y"},
    "scores": {1, 2},
}


def test_values_match_boto3_both_ways() -> None:
    serializer, deserializer = TypeSerializer(), TypeDeserializer()
    ours = to_wire(ITEM)
    theirs = {k: serializer.serialize(v) for k, v in ITEM.items()}
    assert {k: v for k, v in ours.items() if k not in ("labels", "scores")} == {
        k: v for k, v in theirs.items() if k not in ("labels", "scores")
    }
    assert sorted(ours["labels"]["SS"]) == sorted(theirs["labels"]["SS"])
    assert sorted(ours["scores"]["NS"]) == sorted(theirs["scores"]["NS"])
    assert from_wire(theirs) == {k: deserializer.deserialize(v) for k, v in theirs.items()}


def test_floats_are_refused_as_boto3_does() -> None:
    with pytest.raises(TypeError):
        to_wire({"x": 1.5})


@pytest.mark.parametrize("token", [None, "session-token"])
def test_signature_equals_botocores(token: str | None) -> None:
    moment = datetime(2026, 12, 4, 18, 30, 5, tzinfo=UTC)
    body = b'{"TableName":"t","Key":{"PK":{"S":"a"},"SK":{"S":"b"}}}'
    headers = {"content-type": "application/x-amz-json-1.0",
               "x-amz-target": "DynamoDB_20120810.GetItem"}
    ours = sign(access_key="AKID", secret_key="secret", token=token, region="eu-west-1",
                host="dynamodb.eu-west-1.amazonaws.com", headers=headers, body=body,
                moment=moment)

    request = AWSRequest(method="POST", url="https://dynamodb.eu-west-1.amazonaws.com/",
                         data=body, headers=dict(headers))
    stamp = moment.strftime("%Y%m%dT%H%M%SZ")
    request.context["timestamp"] = stamp
    request.headers["X-Amz-Date"] = stamp
    if token:
        request.headers["X-Amz-Security-Token"] = token
    auth = SigV4Auth(Credentials("AKID", "secret", token), "dynamodb", "eu-west-1")
    canonical = auth.canonical_request(request)
    signature = auth.signature(auth.string_to_sign(request, canonical), request)
    assert ours["authorization"].endswith(f"Signature={signature}")
    assert f"SignedHeaders={auth.signed_headers(auth.headers_to_sign(request))}" in (
        ours["authorization"]
    )
