"""An asyncio client for a JSON-lines service."""
import asyncio
import json


class JsonLinesClient:  # expect: HI010
    def __init__(self, host, port):
        self.host = host
        self.port = port
        self._reader = None
        self._writer = None

    async def connect(self):
        self._reader, self._writer = await asyncio.open_connection(self.host, self.port)

    async def call(self, method, **params):
        self._writer.write(json.dumps({"method": method, "params": params}).encode() + b"\n")
        await self._writer.drain()
        return json.loads(await self._reader.readline())

    async def close(self):
        if self._writer is not None:
            self._writer.close()
            await self._writer.wait_closed()


class ManagedJsonLinesClient(JsonLinesClient):
    async def __aenter__(self):
        await self.connect()
        return self

    async def __aexit__(self, *exc):
        await self.close()


class SyncFacade:
    def __init__(self, host, port):
        self._loop = asyncio.new_event_loop()
        self._client = JsonLinesClient(host, port)
        self._loop.run_until_complete(self._client.connect())

    def call(self, method, **params):
        return self._loop.run_until_complete(self._client.call(method, **params))

    def close(self):
        self._loop.run_until_complete(self._client.close())
        self._loop.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        if not self._loop.is_closed():
            self._loop.close()  # expect: HI001
