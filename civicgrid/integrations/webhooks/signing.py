"""How deliveries are signed, and how a receiver checks them.

Each POST carries
    X-CivicGrid-Event:     case.reported | case.claimed | case.dispatched | case.resolved | case.closed | case.red
    X-CivicGrid-Delivery:  the delivery's UUID (the same on every retry and replay: de-duplicate on it)
    X-CivicGrid-Timestamp: unix seconds when this attempt was signed
    X-CivicGrid-Signature: sha256=<hex HMAC-SHA256 of b"<timestamp>." + raw body, keyed with the secret>

A receiver checks the signature over the raw bytes it received (before parsing the JSON), refuses a
timestamp more than five minutes from its own clock (a replayed capture), then de-duplicates on the
delivery id. `verify_signature` below needs only the standard library: copy it as it is.
"""

import hashlib
import hmac
import time


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The X-CivicGrid-Signature header's value for `body` sent at `timestamp`."""
    message = str(int(timestamp)).encode() + b"." + body
    return "sha256=" + hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def verify_signature(
    secret: str,
    timestamp: str | int,
    body: bytes,
    signature: str,
    tolerance: int = 300,
    now: float | None = None,
) -> bool:
    """Whether `signature` (the X-CivicGrid-Signature header) was made with `secret` over `body` (the
    raw request body, bytes) and `timestamp` (the X-CivicGrid-Timestamp header), and the timestamp is
    within `tolerance` seconds of `now` (default: this machine's clock)."""
    try:
        sent = int(timestamp)
    except (TypeError, ValueError):
        return False
    if abs((time.time() if now is None else now) - sent) > tolerance:
        return False
    if isinstance(body, str):
        body = body.encode()
    message = str(sent).encode() + b"." + body
    expected = "sha256=" + hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected.encode(), (signature or "").strip().encode())
