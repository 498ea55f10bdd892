"""The data directory (``DANVAN_DATA_DIR``, ``./var`` by default) is owner-only.

It holds the SQLite database, the broker's append-only file, the Flower password
and the samples' API key: the directory is created (or tightened to) 0700 and the
files danvan writes there are 0600, whatever the umask. ``danvan serve`` also sets
its umask to 077, so what its children create (the broker's files, metrics) is
owner-only too.
"""

from __future__ import annotations

import os
from pathlib import Path

DIR_MODE = 0o700
OWNER_ONLY_UMASK = 0o077
FILE_MODE = 0o600


def private_dir(path: Path) -> Path:
    """``path`` (and missing parents) created owner-only; an existing one is tightened."""
    path.mkdir(parents=True, exist_ok=True, mode=DIR_MODE)
    if path.stat().st_mode & 0o777 != DIR_MODE:
        path.chmod(DIR_MODE)
    return path


def private_file(path: Path) -> Path:
    """``path`` created empty if missing, owner-only either way (SQLite then creates its
    -wal and -shm files with the database file's permissions)."""
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT, FILE_MODE))
    if path.stat().st_mode & 0o777 != FILE_MODE:
        path.chmod(FILE_MODE)
    return path


def write_secret(path: Path, text: str) -> None:
    """Write ``text`` to ``path``, readable by its owner only from the first byte on."""
    private_dir(path.parent)
    private_file(path)
    with path.open("w", encoding="utf-8") as handle:
        handle.write(text)
