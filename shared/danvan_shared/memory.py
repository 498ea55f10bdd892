"""Keep what a process loads at start-up out of the garbage collector's way.

The gazetteer, the extractor's name indexes and automata, and the imported code are
about 150,000 objects that live as long as the process. Python's collector traverses
every tracked object on each full (oldest-generation) collection: 90 ms here, paid by
whichever request or task happened to allocate the object that triggered it. That was
most of the publish pages' p99 (a coverage page: p50 28 ms, p99 181 ms). ``gc.freeze``
moves everything alive at that moment to a permanent generation the collector skips,
so a full collection only walks what requests and tasks create. In a Celery main
process it also keeps the pool's forked children from writing to (and so copying) the
pages of the frozen objects when they collect.
"""

from __future__ import annotations

import gc
import logging

logger = logging.getLogger("danvan.memory")


def freeze_loaded_objects(what: str) -> int:
    """Collect once, then freeze every surviving object; returns how many were frozen.

    Once per process: a second call (an app created again in the same process, as tests
    do) would also freeze whatever the first one's life left behind."""
    if gc.get_freeze_count():
        return 0
    gc.collect()
    gc.freeze()
    frozen = gc.get_freeze_count()
    logger.info("%s: %d start-up objects frozen out of garbage collection", what, frozen)
    return frozen


#: Allocations between two youngest-generation collections in a batch worker (Python's
#: default is 700).
BATCH_GEN0_THRESHOLD = 10_000


def collect_less_often(what: str) -> None:
    """Space out the collector's young collections in a process that works in batches.

    A publish batch keeps its hundred reports' extractions, rows and rendered items
    alive until it commits, and every young collection traverses whatever of it has
    not yet been promoted: with the default threshold (700 allocations) that was about
    a tenth of publish's CPU per report (1.61 against 1.43 ms in process). Garbage
    is still collected, in larger steps."""
    _, older, oldest = gc.get_threshold()
    gc.set_threshold(BATCH_GEN0_THRESHOLD, older, oldest)
    logger.info("%s: young collections every %d allocations", what, BATCH_GEN0_THRESHOLD)
