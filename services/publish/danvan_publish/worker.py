"""Celery app of the publish worker: ``celery -A danvan_publish.worker worker -Q publish``."""

from __future__ import annotations

from danvan_shared.celery_app import create_celery

celery_app = create_celery("danvan-publish", include=["danvan_publish.tasks"])
