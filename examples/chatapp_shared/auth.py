"""Signed, expiring user tokens: the only way a connection gets a user id.

A token is ``base64url(payload) "." base64url(HMAC-SHA256(secret, payload))`` with
payload ``{"sub": user_id, "exp": unix_seconds}``. Self-contained (standard library
only, no imports from the rest of ``chatapp``) so that tests and benchmarks can mint
tokens by loading this one file without importing either state of the backend.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import os
import time
from typing import Mapping
from urllib.parse import parse_qs, urlsplit

SECRET_ENV = "CHATAPP_SECRET"
DEV_SECRET = "chatapp-development-secret-do-not-deploy"
DEFAULT_TTL_SECONDS = 3600
MAX_USER_ID_CHARS = 128


class TokenError(Exception):
    """A token was missing or unusable; ``reason`` goes into the 1008 close frame."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def default_secret() -> str:
    """The signing secret: ``$CHATAPP_SECRET``, else a development default."""
    return os.environ.get(SECRET_ENV) or DEV_SECRET


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _sign(payload_b64: str, secret: str) -> str:
    return _b64(hmac.new(secret.encode(), payload_b64.encode("ascii"), hashlib.sha256).digest())


def mint_token(
    user_id: str, ttl: float = DEFAULT_TTL_SECONDS, *, secret: str | None = None, now: float | None = None
) -> str:
    """A token for ``user_id`` valid for ``ttl`` seconds (negative: already expired)."""
    if not isinstance(user_id, str) or not user_id or len(user_id) > MAX_USER_ID_CHARS:
        raise ValueError(f"user id must be a non-empty string of at most {MAX_USER_ID_CHARS} chars")
    issued = time.time() if now is None else now
    payload = json.dumps({"sub": user_id, "exp": int(issued + ttl)}, separators=(",", ":"))
    payload_b64 = _b64(payload.encode())
    return f"{payload_b64}.{_sign(payload_b64, secret or default_secret())}"


def verify_token(token: str | None, *, secret: str | None = None, now: float | None = None) -> str:
    """The user id a valid token carries; TokenError (with a close reason) otherwise."""
    if not token:
        raise TokenError("missing token")
    payload_b64, dot, signature = token.partition(".")
    if not dot or not payload_b64 or not signature or not token.isascii():
        raise TokenError("malformed token")
    expected = _sign(payload_b64, secret or default_secret())
    if not hmac.compare_digest(expected.encode("ascii"), signature.encode("ascii")):
        raise TokenError("invalid token signature")
    try:
        claims = json.loads(_unb64(payload_b64))
    except (binascii.Error, ValueError):
        raise TokenError("malformed token") from None
    user_id, expires = (claims.get("sub"), claims.get("exp")) if isinstance(claims, dict) else (None, None)
    if not isinstance(user_id, str) or not user_id or not isinstance(expires, int):
        raise TokenError("malformed token")
    if (time.time() if now is None else now) >= expires:
        raise TokenError("token expired")
    return user_id


def token_from_request(headers: Mapping[str, str], path: str) -> str | None:
    """The bearer token of a handshake: ``Authorization: Bearer`` first, then ``?token=``."""
    authorization = headers.get("Authorization") or ""
    scheme, _, credentials = authorization.partition(" ")
    if scheme.lower() == "bearer" and credentials.strip():
        return credentials.strip()
    values = parse_qs(urlsplit(path).query).get("token")
    return values[0] if values else None
