"""AWS Signature Version 4 for DynamoDB's JSON API: POST to `/`, four signed headers.

botocore's SigV4Auth computes the same signature but costs about half a
CPU-millisecond a call (a generic canonical request, four HMACs to derive the
key every time); the gateway signs dozens of calls a request. Here the derived
key is kept per day and region. Credentials, region and endpoint still come
from boto3's resolution (`data.transport`); a unit test checks the signature
against botocore's.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime
from functools import lru_cache

_ALGORITHM = "AWS4-HMAC-SHA256"
_SERVICE = "dynamodb"


@lru_cache(maxsize=16)
def _signing_key(secret_key: str, day: str, region: str) -> bytes:
    key = hmac.new(f"AWS4{secret_key}".encode(), day.encode(), hashlib.sha256).digest()
    for part in (region, _SERVICE, "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return key


def sign(
    *,
    access_key: str,
    secret_key: str,
    token: str | None,
    region: str,
    host: str,
    headers: dict[str, str],
    body: bytes,
    moment: datetime | None = None,
) -> dict[str, str]:
    """`headers` (lower-case names, all signed) plus `host`, `x-amz-date`, the session
    token if any, and `authorization`, for a POST of `body` to `https://{host}/`."""
    stamp = (moment or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")
    signed = {**headers, "host": host, "x-amz-date": stamp}
    if token:
        signed["x-amz-security-token"] = token
    names = sorted(signed)
    canonical = "\n".join((
        "POST",
        "/",
        "",
        "".join(f"{name}:{' '.join(signed[name].split())}\n" for name in names),
        ";".join(names),
        hashlib.sha256(body).hexdigest(),
    ))
    day = stamp[:8]
    scope = f"{day}/{region}/{_SERVICE}/aws4_request"
    to_sign = f"{_ALGORITHM}\n{stamp}\n{scope}\n{hashlib.sha256(canonical.encode()).hexdigest()}"
    signature = hmac.new(
        _signing_key(secret_key, day, region), to_sign.encode(), hashlib.sha256
    ).hexdigest()
    signed["authorization"] = (
        f"{_ALGORITHM} Credential={access_key}/{scope}, "
        f"SignedHeaders={';'.join(names)}, Signature={signature}"
    )
    return signed
