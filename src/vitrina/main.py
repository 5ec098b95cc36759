"""The ASGI entry point for servers: `uvicorn vitrina.main:app`.

An unsafe configuration ends the process here with one "Cannot start: ..." line (see
`vitrina.startup`), before the server binds its port.
"""

from vitrina.app import create_app
from vitrina.startup import checked_settings, refusing

with refusing():
    app = create_app(checked_settings())
