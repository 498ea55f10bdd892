"""The worker list of ``GET /v1/pipeline``: a busy worker that misses one ping is
still there; one silent for longer than the forget window is gone."""

from __future__ import annotations

import time

from danvan_ingest.broker import WorkerInspection


class Replies:
    """Ping answers in order, as the broker would give them."""

    def __init__(self, *answers: list[str] | None) -> None:
        self.answers = list(answers)
        self.pings = 0

    def __call__(self, broker_url: str, timeout: float) -> list[str] | None:
        self.pings += 1
        return self.answers.pop(0)


def test_a_worker_that_misses_a_ping_while_busy_stays_listed_until_forgotten() -> None:
    replies = Replies(["extract@a", "publish@a"], ["publish@a"], ["publish@a"])
    inspection = WorkerInspection("redis://unused", max_age=0, forget_after=0.3, ping=replies)
    assert inspection.live_workers() == ["extract@a", "publish@a"]
    assert inspection.live_workers() == ["extract@a", "publish@a"]  # missed one ping
    time.sleep(0.35)
    assert inspection.live_workers() == ["publish@a"]
    assert replies.pings == 3


def test_no_broker_means_no_worker_list_and_the_answer_is_cached() -> None:
    replies = Replies(["extract@a"], None)
    inspection = WorkerInspection("redis://unused", max_age=0.2, ping=replies)
    assert inspection.live_workers() == ["extract@a"]
    assert inspection.live_workers() == ["extract@a"]  # cached: no second ping
    assert replies.pings == 1
    time.sleep(0.25)
    assert inspection.live_workers() is None
