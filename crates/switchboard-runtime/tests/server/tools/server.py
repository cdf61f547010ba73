"""A remote MCP server for the tests of `type: mcp` connectors, built on the official Python
SDK (`mcp`): stateless Streamable HTTP, tools with structured and plain text results and
one that fails.

    python server.py PORT

Prints `ready` on stdout once it listens on 127.0.0.1:PORT.
"""

import sys

import uvicorn
from mcp.server.mcpserver import MCPServer
from pydantic import BaseModel

server = MCPServer("switchboard-test-remote")


class Sum(BaseModel):
    total: int


@server.tool()
def add(a: int, b: int) -> Sum:
    """Add two whole numbers."""
    return Sum(total=a + b)


@server.tool()
def shout(text: str) -> str:
    """The text in capitals."""
    return text.upper()


@server.tool()
def fail(reason: str) -> str:
    """Always fails."""
    raise ValueError(reason)


app = server.streamable_http_app(stateless_http=True)


class Ready(uvicorn.Server):
    async def startup(self, sockets=None):
        await super().startup(sockets)
        print("ready", flush=True)


Ready(uvicorn.Config(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning")).run()
