"""FastAPI dependencies: a database session per request, and the public base URL."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends
from sqlmodel import Session

from danvan_shared.db import get_engine
from danvan_shared.settings import get_settings


def get_session() -> Iterator[Session]:
    with Session(get_engine()) as session:
        yield session


async def get_base_url() -> str:
    # async: a plain function dependency would cost a worker-thread hop per request
    return get_settings().public_base_url


SessionDep = Annotated[Session, Depends(get_session)]
BaseUrlDep = Annotated[str, Depends(get_base_url)]
