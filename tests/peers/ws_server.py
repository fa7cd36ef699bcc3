"""An independent WebSocket peer for graphrun's tests: Python's `websockets` server.

Prints its port on the first line of stdout, then serves until killed. Each path is a
behaviour:

  /echo                 echo every message
  /close/CODE           close at once with CODE and reason "closing from python"
  /close-once?id=X      the first connection with id X closes with 1000; later ones echo
  /drop                 drop the TCP connection without a close frame (1006)
  /flood/N              send N messages {"i": 0..N-1}, then wait for the client to close
  /die-mid-frame/N      send N messages {"i": ...}, then half a frame, then drop the TCP connection
  /stall                accept, then never read (the client's writes back up)
  /mixed                send: not JSON, a binary frame, {"ok": true}; then echo
  /big/N                send one text message of N bytes
  /headers              send the handshake headers graphrun may set, as JSON; then echo
  /unauthorized         refuse the handshake with HTTP 401
  /forbidden            refuse the handshake with HTTP 403
  /hang                 accept TCP, never answer the handshake
  /subprotocol          (any path) offering "chat" or "superchat" gets it chosen
"""

import asyncio
import json
import sys

from websockets.asyncio.server import serve
from websockets.exceptions import ConnectionClosedError

close_once_seen = {}

REPORTED = ["x-custom", "x-m2-organization-id", "x-m2-project-id", "x-m2-world-id", "sec-websocket-protocol"]


async def handler(ws):
    try:
        await behave(ws)
    except ConnectionClosedError:
        # Expected in some cases: a client that refuses the handshake's answer (a
        # subprotocol it did not ask for) closes the TCP connection without a close frame.
        pass


async def behave(ws):
    path = ws.request.path
    if path == "/echo" or path == "/subprotocol":
        async for message in ws:
            await ws.send(message)
    elif path.startswith("/close/"):
        await ws.close(int(path.split("/")[2]), "closing from python")
    elif path.startswith("/close-once"):
        close_once_seen[path] = close_once_seen.get(path, 0) + 1
        if close_once_seen[path] == 1:
            await ws.close(1000, "first connection")
        else:
            async for message in ws:
                await ws.send(message)
    elif path == "/drop":
        ws.transport.abort()
    elif path.startswith("/flood/"):
        for i in range(int(path.split("/")[2])):
            await ws.send(json.dumps({"i": i}))
        await ws.wait_closed()
    elif path.startswith("/die-mid-frame/"):
        for i in range(int(path.split("/")[2])):
            await ws.send(json.dumps({"i": i}))
        # A text frame header promising 126+ bytes, two of them, then nothing: the
        # server dies mid-frame.
        ws.transport.write(b"\x81\x7e\x01\x00ab")
        ws.transport.abort()
    elif path == "/stall":
        await asyncio.sleep(3600)
    elif path == "/mixed":
        await ws.send("this is not JSON")
        await ws.send(b"\x00\x01binary")
        await ws.send(json.dumps({"ok": True}))
        async for message in ws:
            await ws.send(message)
    elif path.startswith("/big/"):
        await ws.send("x" * int(path.split("/")[2]))
        await ws.wait_closed()
    elif path == "/headers":
        headers = ws.request.headers
        seen = {name: headers.get(name) for name in REPORTED if name in headers}
        auth = headers.get("authorization")
        if auth is not None:
            # Never the token itself: the scheme and the token's length.
            scheme, _, token = auth.partition(" ")
            seen["authorization"] = f"{scheme} <{len(token)} characters>"
        await ws.send(json.dumps(seen, sort_keys=True))
        async for message in ws:
            await ws.send(message)


def select_subprotocol(connection, offered):
    """Chooses "chat" or "superchat" if offered; a client that offers none gets none."""
    for protocol in offered:
        if protocol in ("chat", "superchat"):
            return protocol
    return None


async def process_request(connection, request):
    if request.path == "/unauthorized":
        return connection.respond(401, "no token\n")
    if request.path == "/forbidden":
        return connection.respond(403, "not for you\n")
    if request.path == "/hang":
        await asyncio.sleep(3600)
    return None


async def main():
    async with serve(
        handler,
        "127.0.0.1",
        0,
        select_subprotocol=select_subprotocol,
        process_request=process_request,
        max_size=None,
    ) as server:
        port = server.sockets[0].getsockname()[1]
        print(port, flush=True)
        await asyncio.Future()


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        sys.exit(0)
