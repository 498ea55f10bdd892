"""Queries of the WebSub hub: subscriptions, and what a change of feeds concerns."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import ColumnElement, or_
from sqlmodel import Session, col, delete, select

from danvan_shared.models import WebSubSubscription


def _live(feeds: Sequence[str], now: datetime) -> list[ColumnElement[bool]]:
    return [
        or_(
            col(WebSubSubscription.feed).in_(list(feeds)), col(WebSubSubscription.kind) == "search"
        ),
        col(WebSubSubscription.expires_at) > now,
    ]


def concerned(session: Session, feeds: Sequence[str], now: datetime) -> bool:
    """Whether a live subscription reads one of ``feeds`` (or is a search)."""
    return (
        session.exec(select(WebSubSubscription.id).where(*_live(feeds, now)).limit(1)).first()
        is not None
    )


def live_for(session: Session, feeds: Sequence[str], now: datetime) -> list[WebSubSubscription]:
    return list(
        session.exec(
            select(WebSubSubscription)
            .where(*_live(feeds, now))
            .order_by(col(WebSubSubscription.topic), col(WebSubSubscription.id))
        )
    )


def upsert(session: Session, subscription: WebSubSubscription) -> None:
    """Store a verified subscription; renewing one keeps what it was last sent."""
    existing = session.exec(
        select(WebSubSubscription).where(
            WebSubSubscription.topic == subscription.topic,
            WebSubSubscription.callback == subscription.callback,
        )
    ).first()
    if existing is None:
        session.add(subscription)
        return
    existing.secret = subscription.secret
    existing.lease_seconds = subscription.lease_seconds
    existing.expires_at = subscription.expires_at
    existing.updated_at = subscription.updated_at
    session.add(existing)


def delete_one(session: Session, topic: str, callback: str) -> None:
    session.exec(
        delete(WebSubSubscription).where(
            col(WebSubSubscription.topic) == topic, col(WebSubSubscription.callback) == callback
        )
    )


def delete_expired(session: Session, now: datetime) -> None:
    session.exec(delete(WebSubSubscription).where(col(WebSubSubscription.expires_at) <= now))


def record_delivery(
    session: Session, subscription_id: int, *, digest: str, error: str | None, now: datetime
) -> None:
    """After a POST to a callback: what it now has, or why it failed (410: unsubscribed)."""
    subscription = session.get(WebSubSubscription, subscription_id)
    if subscription is None:
        return
    if error == "gone":
        session.delete(subscription)
        return
    if error is None:
        subscription.delivered_hash, subscription.delivered_at = digest, now
        subscription.failures, subscription.last_error = 0, None
    else:
        subscription.failures += 1
        subscription.last_error = error[:500]
    subscription.updated_at = now
    session.add(subscription)
