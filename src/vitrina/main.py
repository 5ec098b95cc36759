"""The ASGI entry point for servers: `uvicorn vitrina.main:app`."""

from vitrina.app import create_app

app = create_app()
