"""``publish.notify_subscribers``: the hub's content distribution (see ``websub``)."""

from __future__ import annotations

import hashlib
import logging
from collections import defaultdict
from datetime import UTC, datetime
from typing import Any

from danvan_publish import websub, websub_repository
from danvan_publish.worker import celery_app
from danvan_shared.celery_app import backoff_seconds
from danvan_shared.db import session_scope
from danvan_shared.models import WebSubSubscription
from danvan_shared.settings import get_settings

logger = logging.getLogger("danvan.publish.websub")
_settings = get_settings()


@celery_app.task(name=websub.NOTIFY_SUBSCRIBERS, bind=True, max_retries=_settings.max_attempts)
def notify_subscribers(self: Any, feeds: list[str]) -> dict[str, int]:
    """Send every live subscription of ``feeds`` (and every search) its topic's content,
    unless it already has that content; retry (with backoff) the callbacks that failed."""
    now = datetime.now(UTC)
    with session_scope() as session:
        websub_repository.delete_expired(session, now)
        subscriptions = websub_repository.live_for(session, feeds, now)
    by_topic: dict[str, list[WebSubSubscription]] = defaultdict(list)
    for subscription in subscriptions:
        by_topic[subscription.topic].append(subscription)
    delivered = failed = 0
    for topic, waiting in by_topic.items():
        response = websub.render(topic)
        if response.status_code != 200:
            logger.warning("topic %s answered %s; nothing sent", topic, response.status_code)
            continue
        digest = hashlib.sha256(response.content).hexdigest()
        content_type = response.headers.get("content-type", "application/octet-stream")
        for subscription in waiting:
            if subscription.delivered_hash == digest or subscription.id is None:
                continue
            error = websub.deliver(subscription, response.content, content_type)
            with session_scope() as session:
                websub_repository.record_delivery(
                    session, subscription.id, digest=digest, error=error, now=datetime.now(UTC)
                )
            if error is None:
                delivered += 1
            elif error != "gone":
                failed += 1
                logger.info("delivery of %s to %s failed: %s", topic, subscription.callback, error)
    if failed:
        raise self.retry(countdown=backoff_seconds(self.request.retries + 1, _settings))
    return {"topics": len(by_topic), "delivered": delivered}
