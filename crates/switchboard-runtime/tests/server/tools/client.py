"""An MCP client for the tool gateway's tests, built on the official Python SDK (`mcp`).

    python client.py URL '{"do": "list"|"call"|"tamper", ...}'

Options (JSON): `mode` ("auto": server/discover then 2026-07-28, or "legacy": the
2025-11-25 initialize handshake), `headers` (sent with every request), `tool` and
`arguments` for a call, `answer` ("accept" or "decline") for the confirmation question.
Prints one JSON object: what the server answered, as the SDK parsed it.
"""

import asyncio
import json
import sys

import jsonschema
import mcp_types as types
from mcp.client.client import Client
from mcp.client.streamable_http import streamable_http_client
from mcp.shared._httpx_utils import create_mcp_http_client


def result_json(r):
    text = [c.text for c in r.content if getattr(c, "type", None) == "text"]
    return {
        "is_error": bool(r.is_error),
        "structured": r.structured_content,
        "text": text,
    }


async def main(url, opts):
    asked = []

    async def on_elicit(context, params):
        asked.append(params.message)
        return types.ElicitResult(action=opts.get("answer", "decline"))

    transport = streamable_http_client(
        url, http_client=create_mcp_http_client(headers=opts.get("headers") or {})
    )
    async with Client(transport, mode=opts.get("mode", "auto"), elicitation_callback=on_elicit) as client:
        out = {"protocol": client.protocol_version}
        tools = (await client.list_tools()).tools
        by_name = {t.name: t for t in tools}
        if opts["do"] == "list":
            out["tools"] = [t.model_dump(by_alias=True, exclude_none=True) for t in tools]
        elif opts["do"] == "call":
            tool = by_name[opts["tool"]]
            r = await client.call_tool(opts["tool"], opts.get("arguments", {}))
            out.update(result_json(r))
            out["asked"] = asked
            if tool.output_schema is not None and not r.is_error:
                jsonschema.validate(r.structured_content, tool.output_schema)
                out["valid_against_output_schema"] = True
        elif opts["do"] == "tamper":
            # Drive the confirmation round by hand and send back an altered state.
            first = await client.session.call_tool(
                opts["tool"], opts.get("arguments", {}), allow_input_required=True
            )
            out["first"] = type(first).__name__
            state = first.request_state
            altered = state[:-2] + ("AA" if not state.endswith("AA") else "BB")
            r = await client.session.call_tool(
                opts["tool"],
                opts.get("arguments", {}),
                input_responses={"confirm": {"action": "accept"}},
                request_state=altered,
            )
            out.update(result_json(r))
        print(json.dumps(out))


asyncio.run(main(sys.argv[1], json.loads(sys.argv[2])))
