"""Webhook authenticity: HMAC-SHA256 signatures and shared URL tokens, compared in
constant time."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence


def split_secrets(raw: str | None) -> list[bytes]:
    """`GITHUB_WEBHOOK_SECRET` may hold several comma-separated secrets while one rotates."""
    if not raw:
        return []
    return [part.strip().encode() for part in raw.split(",") if part.strip()]


def valid_signature(body: bytes, header: str | None, secrets: Sequence[bytes]) -> bool:
    """Whether `sha256=<hex>` is the HMAC of the body under any of the secrets."""
    if not header or not header.startswith("sha256="):
        return False
    given = header[len("sha256="):].strip().lower().encode()
    ok = False
    for secret in secrets:
        expected = hmac.new(secret, body, hashlib.sha256).hexdigest().encode()
        # No early exit, so the time taken does not tell which secret matched.
        ok |= hmac.compare_digest(expected, given)
    return ok


def valid_token(given: str | None, tokens: Sequence[bytes]) -> bool:
    if not given:
        return False
    ok = False
    for token in tokens:
        ok |= hmac.compare_digest(token, given.encode())
    return ok
