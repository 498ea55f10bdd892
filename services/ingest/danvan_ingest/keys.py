"""API keys: created once, shown once, stored as a SHA-256 digest, revocable.

A key reads ``dv_<8 hex>_<43 url-safe characters>``. The first part is the
public ``prefix`` (lookup, logs, listings); the rest is 256 random bits. Only
the digest of the whole key is stored, and the presented key's digest is
compared in constant time.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlmodel import Session, col, select

from danvan_shared.models import ApiKey, ApiKeyScope

KEY_PREFIX = "dv_"
_PREFIX_LENGTH = len(KEY_PREFIX) + 8


def digest(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def prefix_of(key: str) -> str | None:
    """The lookup prefix of a well-formed key, or None."""
    if not key.startswith(KEY_PREFIX) or len(key) < _PREFIX_LENGTH + 20:
        return None
    if key[_PREFIX_LENGTH] != "_":
        return None
    return key[:_PREFIX_LENGTH]


@dataclass(frozen=True)
class CreatedKey:
    record: ApiKey
    #: the whole key: shown to its owner once and never again
    secret: str


class ApiKeyRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def create(self, *, name: str, scope: ApiKeyScope) -> CreatedKey:
        prefix = KEY_PREFIX + secrets.token_hex(4)
        secret = f"{prefix}_{secrets.token_urlsafe(32)}"
        record = ApiKey(prefix=prefix, secret_hash=digest(secret), name=name, scope=scope)
        self.session.add(record)
        self.session.flush()
        return CreatedKey(record, secret)

    def list(self, *, include_revoked: bool = False) -> list[ApiKey]:
        query = select(ApiKey).order_by(col(ApiKey.created_at))
        if not include_revoked:
            query = query.where(col(ApiKey.revoked_at).is_(None))
        return list(self.session.exec(query).all())

    def revoke(self, prefix: str, *, now: datetime | None = None) -> ApiKey | None:
        record = self.session.exec(select(ApiKey).where(ApiKey.prefix == prefix)).first()
        if record is None:
            return None
        if record.revoked_at is None:
            record.revoked_at = now or datetime.now(UTC)
            self.session.add(record)
        return record

    def verify(self, key: str) -> ApiKey | None:
        """The active key record matching ``key``, or None."""
        prefix = prefix_of(key)
        if prefix is None:
            return None
        record = self.session.exec(
            select(ApiKey).where(ApiKey.prefix == prefix, col(ApiKey.revoked_at).is_(None))
        ).first()
        if record is None or not hmac.compare_digest(record.secret_hash, digest(key)):
            return None
        return record
