"""``python -m danvan_launcher.flower``: Flower on danvan's broker, secrets off the command line.

The broker URL (which may carry a password) and Flower's basic-auth credentials are
read from the settings in this process and handed to Celery and Flower here (the
Celery app built in-process, ``FLOWER_BASIC_AUTH`` in this process's environment),
so ``ps`` shows neither. The password is ``DANVAN_FLOWER_PASSWORD``, or one generated
once and kept owner-only under the data directory. Flower's /metrics needs the same
login unless metrics are exposed (``DANVAN_EXPOSE_METRICS``; not in production).
"""

from __future__ import annotations

import os
import secrets
import sys

from celery import Celery

from danvan_shared.data_dir import write_secret
from danvan_shared.settings import Settings, get_settings

PASSWORD_FILE = "flower-password"


def flower_password(settings: Settings) -> str:
    """The configured Flower password, or one generated once and kept under ``var/``."""
    configured = settings.flower_password.get_secret_value()
    if configured:
        return configured
    path = settings.data_dir / PASSWORD_FILE
    if path.exists():
        return path.read_text().strip()
    generated = secrets.token_urlsafe(12)
    write_secret(path, generated)
    return generated


def _celery_app() -> Celery:
    app = Celery("danvan-flower", broker=get_settings().effective_broker_url)
    app.conf.broker_connection_retry_on_startup = True
    return app


def _metrics_behind_login() -> None:
    """Flower serves /metrics to anyone and has no option to change that; behind its
    basic auth, like its API, when metrics are not exposed (``DANVAN_EXPOSE_METRICS``)."""
    from flower.views.monitor import Metrics
    from tornado.web import authenticated

    Metrics.get = authenticated(Metrics.get)


def main() -> None:
    settings = get_settings()
    os.environ["FLOWER_BASIC_AUTH"] = f"{settings.flower_user}:{flower_password(settings)}"
    if not settings.metrics_exposed:
        _metrics_behind_login()
    from celery.bin.celery import main as celery_main

    sys.argv = [
        "celery",
        "-A",
        "danvan_launcher.flower:app",
        "flower",
        f"--port={settings.flower_port}",
        f"--address={settings.flower_host}",
        "--persistent=False",
        "--purge_offline_workers=60",
    ]
    celery_main()


def __getattr__(name: str) -> Celery:
    """``danvan_launcher.flower:app``, built when Celery asks for it (not on import)."""
    if name == "app":
        return _celery_app()
    raise AttributeError(name)


if __name__ == "__main__":
    main()
