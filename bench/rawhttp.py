"""A lean HTTP/1.1 keep-alive client for the open-loop load, written for the bench.

httpx spent about 15 ms of CPU a request here (one request in the bench's process costs
more than ingest's answer to it): at 100 POSTs/s the bench took most of a core from
the server it measures on a 2-core machine and fell behind its own schedule. This
client sends bytes it builds once and reads the status line, the headers and a
``Content-Length`` body; nothing else of HTTP (no chunked bodies, no redirects, no
TLS), which is all ingest's ``POST /v1/reports`` needs. aiohttp would do too, but is
one more dependency for one bench.
"""

from __future__ import annotations

import asyncio
import json
from urllib.parse import urlsplit


class RawClient:
    """``post_json`` over at most ``connections`` kept-alive connections."""

    def __init__(self, base: str, connections: int, timeout: float) -> None:
        parts = urlsplit(base)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        self.timeout = timeout
        self.idle: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = []
        self.free = asyncio.Semaphore(connections)

    async def post_json(self, path: str, body: dict) -> tuple[int, bytes]:
        payload = json.dumps(body, ensure_ascii=False).encode()
        request = (
            f"POST {path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(payload)}\r\n\r\n"
        ).encode() + payload
        async with self.free:
            while self.idle:
                reader, writer = self.idle.pop()
                try:
                    return await self._exchange(reader, writer, request)
                except (asyncio.IncompleteReadError, ConnectionError) as error:
                    # The server closed the idle connection (its keep-alive timeout)
                    # before reading a byte of this request: it never saw it.
                    if isinstance(error, asyncio.IncompleteReadError) and error.partial:
                        raise
            return await self._exchange(*await self._connect(), request)

    async def _exchange(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, request: bytes
    ) -> tuple[int, bytes]:
        try:
            writer.write(request)
            answer = await asyncio.wait_for(self._read(reader), self.timeout)
        except BaseException:
            writer.close()
            raise
        self.idle.append((reader, writer))
        return answer

    async def _connect(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        return await asyncio.wait_for(asyncio.open_connection(self.host, self.port), self.timeout)

    @staticmethod
    async def _read(reader: asyncio.StreamReader) -> tuple[int, bytes]:
        head = await reader.readuntil(b"\r\n\r\n")
        lines = head.split(b"\r\n")
        status = int(lines[0].split()[1])
        length = 0
        for line in lines[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
        return status, await reader.readexactly(length)

    async def close(self) -> None:
        for _, writer in self.idle:
            writer.close()
        self.idle.clear()
