"""The extract worker's Celery app: ``celery -A danvan_extract.worker worker -Q extract``."""

from danvan_shared.celery_app import create_celery

celery_app = create_celery("danvan-extract", include=["danvan_extract.tasks"])
