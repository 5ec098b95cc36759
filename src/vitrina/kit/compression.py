"""gzip for clients that ask for it, and nothing at all for those that do not.

Starlette's GZipMiddleware does the compressing. On its own it also wraps every response to
a client that did not ask (to add `Vary: Accept-Encoding`), which cost the catalog's hot JSON
reads 4% more instructions per request (`make bench-instructions`, benchmark clients send no
Accept-Encoding). Here a request without gzip in Accept-Encoding goes straight to the app:
its answer is what it would have been before compression existed, and every compressed
answer still carries `Vary: Accept-Encoding`, so no cache can hand gzip to a client that
cannot read it.
"""

from __future__ import annotations

from starlette.middleware.gzip import GZipMiddleware
from starlette.types import ASGIApp, Receive, Scope, Send


def accepts_gzip(scope: Scope) -> bool:
    for name, value in scope["headers"]:
        if name == b"accept-encoding":
            return b"gzip" in value
    return False


class GzipWhenAsked:
    def __init__(self, app: ASGIApp, *, minimum_size: int, compresslevel: int) -> None:
        self.app = app
        self.gzip = GZipMiddleware(app, minimum_size=minimum_size, compresslevel=compresslevel)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and accepts_gzip(scope):
            await self.gzip(scope, receive, send)
        else:
            await self.app(scope, receive, send)
